//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The replicas' shared log on a real redis-server (support/redis_test_server.hpp),
// started on a free loopback port for each test and stopped after.

#include <modelauth/tokens/detail/redis_op_log.hpp>

#include "support/doctest_result.hpp"
#include "support/redis_test_server.hpp"
#include "tokens/redis_test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace d = modelauth::tokens::detail;
using modelauth_test::endpoint_of;
using namespace std::chrono_literals;

} // namespace

TEST_CASE("parse_redis_url: host, port, database and AUTH from a redis:// URL")
{
    std::string problem;
    auto e = d::parse_redis_url("redis://cache.internal:6380/2", problem);
    CHECK(problem.empty());
    CHECK(e.host == "cache.internal");
    CHECK(e.port == 6380);
    CHECK(e.db == 2);
    CHECK(e.password.empty());

    e = d::parse_redis_url("redis://127.0.0.1", problem);
    CHECK(problem.empty());
    CHECK(e.port == 6379);
    CHECK(e.db == 0);

    e = d::parse_redis_url("redis://app:s3cret@[::1]:7000/0", problem);
    CHECK(problem.empty());
    CHECK(e.host == "::1");
    CHECK(e.user == "app");
    CHECK(e.password == "s3cret");

    e = d::parse_redis_url("redis://:s3cret@localhost/", problem);
    CHECK(problem.empty());
    CHECK(e.user.empty());
    CHECK(e.password == "s3cret");

    for(char const* bad : {"", "localhost:6379", "http://localhost:6379/0", "redis:///0", "redis://h:0/0",
                           "redis://h:6379/x", "redis://h:6379/0?x=1", "redis://user@h:6379/0"})
    {
        CAPTURE(bad);
        problem.clear();
        (void)d::parse_redis_url(bad, problem);
        CHECK_FALSE(problem.empty());
    }
}

TEST_CASE("redis_op_log: an append succeeds only on the head it expects")
{
    modelauth_test::redis_test_server server;
    d::redis_connection a(endpoint_of(server));
    d::redis_connection b(endpoint_of(server));
    d::redis_op_log log_a(a, "test");
    d::redis_op_log log_b(b, "test");

    REQUIRE(log_a.head());
    CHECK(*log_a.head() == "0-0");
    auto const first = log_a.append_if_head("0-0", R"({"op":"revoke","jti":"j1"})");
    REQUIRE(first);
    CHECK(first->appended);
    CHECK(*log_b.head() == first->id);

    // b has not seen a's line: its append is refused and told the head.
    auto const raced = log_b.append_if_head("0-0", R"({"op":"revoke","jti":"j2"})");
    REQUIRE(raced);
    CHECK_FALSE(raced->appended);
    CHECK(raced->id == first->id);

    // Caught up, b appends.
    auto const second = log_b.append_if_head(first->id, R"({"op":"revoke","jti":"j2"})");
    REQUIRE(second);
    CHECK(second->appended);

    auto const all = log_a.read_after("0-0", 100);
    REQUIRE(all);
    REQUIRE(all->size() == 2);
    CHECK((*all)[0].id == first->id);
    CHECK((*all)[0].line == R"({"op":"revoke","jti":"j1"})");
    CHECK((*all)[1].id == second->id);
    CHECK((*all)[1].line == R"({"op":"revoke","jti":"j2"})");
    auto const after_first = log_a.read_after(first->id, 100);
    REQUIRE(after_first);
    REQUIRE(after_first->size() == 1);
    CHECK((*after_first)[0].id == second->id);
    auto const none = log_a.read_after(second->id, 100);
    REQUIRE(none);
    CHECK(none->empty());

    // Binary-safe: a line with a NUL and newlines comes back as it went.
    std::string const odd("a\0b\nc", 5);
    auto const third = log_a.append_if_head(second->id, odd);
    REQUIRE(third);
    CHECK(third->appended);
    CHECK((*log_b.read_after(second->id, 1))[0].line == odd);
}

TEST_CASE("redis_op_log: two writers racing each append exactly once, in one sequence")
{
    modelauth_test::redis_test_server server;
    auto writer = [&](char tag) {
        d::redis_connection c(endpoint_of(server));
        d::redis_op_log log(c, "race");
        std::string head = "0-0";
        for(int i = 0; i < 200; ++i)
        {
            auto const line = std::string(1, tag) + std::to_string(i);
            for(;;)
            {
                auto r = log.append_if_head(head, line);
                REQUIRE(r);
                head = r->id;
                if(r->appended)
                    break;
            }
        }
    };
    std::thread t1(writer, 'a');
    std::thread t2(writer, 'b');
    t1.join();
    t2.join();
    d::redis_connection c(endpoint_of(server));
    d::redis_op_log log(c, "race");
    auto const all = log.read_after("0-0", 1000);
    REQUIRE(all);
    CHECK(all->size() == 400);
    int next_a = 0, next_b = 0;
    for(auto const& op : *all)
    {
        auto& next = op.line[0] == 'a' ? next_a : next_b;
        CHECK(op.line.substr(1) == std::to_string(next)); // each writer's lines in its order, none twice
        ++next;
    }
    CHECK(next_a == 200);
    CHECK(next_b == 200);
}

TEST_CASE("redis_op_log: a blocking read wakes when another connection appends")
{
    modelauth_test::redis_test_server server;
    d::redis_connection reader(endpoint_of(server));
    d::redis_op_log log(reader, "wake");
    std::thread appender([&] {
        d::redis_connection c(endpoint_of(server));
        d::redis_op_log w(c, "wake");
        REQUIRE(w.append_if_head("0-0", "first"));
    });
    auto const start = std::chrono::steady_clock::now();
    auto ops = log.read_after("0-0", 10, 10000ms);
    appender.join();
    REQUIRE(ops);
    if(ops->empty()) // the append came before the read started blocking: it is there now
        ops = log.read_after("0-0", 10);
    REQUIRE(ops->size() == 1);
    CHECK((*ops)[0].line == "first");
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    // Nothing more: a short block answers empty.
    auto const quiet = log.read_after((*ops)[0].id, 10, 50ms);
    REQUIRE(quiet);
    CHECK(quiet->empty());
}

TEST_CASE("redis_connection: Redis down is storage_failure, and it reconnects when Redis is back")
{
    modelauth_test::redis_test_server server;
    d::redis_connection c(endpoint_of(server), d::redis_timeouts{500ms, 500ms});
    d::redis_op_log log(c, "down");
    auto const first = log.append_if_head("0-0", "kept");
    REQUIRE(first);
    REQUIRE(first->appended);

    server.kill(); // a crash: appendfsync always kept the line
    auto const refused = log.head();
    CHECK(refused.error() == modelauth::tokens::error::storage_failure);
    CHECK_FALSE(c.connected());
    CHECK(c.last_error().find("redis:") == 0);

    server.start();
    auto const head = log.head();
    REQUIRE(head);
    CHECK(*head == first->id);
    auto const all = log.read_after("0-0", 10);
    REQUIRE(all);
    REQUIRE(all->size() == 1);
    CHECK((*all)[0].line == "kept");
}

TEST_CASE("redis_connection: an error reply is storage_failure, or handed back when asked")
{
    modelauth_test::redis_test_server server;
    d::redis_connection c(endpoint_of(server));
    CHECK(c.command({"NOSUCHCOMMAND"}).error() == modelauth::tokens::error::storage_failure);
    CHECK(c.last_error().find("ERR") != std::string::npos);
    CHECK(c.connected()); // an error reply leaves the connection usable
    std::string error;
    auto const r = c.command({"NOSUCHCOMMAND"}, &error);
    REQUIRE(r);
    CHECK(r->is_nil());
    CHECK(error.find("ERR") == 0);
    auto const pong = c.command({"PING"});
    REQUIRE(pong);
    CHECK(pong->text == "PONG");
}
