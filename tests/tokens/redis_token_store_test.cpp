//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// RedisTokenStore as several replicas see it, on a real redis-server
// (support/redis_test_server.hpp): changes reaching every replica, replicas
// racing (the permanent-token quota, one personal key per user, refresh
// rotation with reuse detection), Redis killed and started again, Redis
// losing its data, the issuer's keys shared. The single-store contract is
// in managed_token_store_test.cpp, which runs against this store too.

#include <modelauth/tokens/redis_token_store.hpp>

#include <modelauth/tokens/detail/redis_connection.hpp>
#include <modelauth/tokens/error.hpp>
#include <modelauth/validation/api_key.hpp>

#include "support/doctest_result.hpp"
#include "support/redis_test_server.hpp"
#include "tokens/redis_test_support.hpp"
#include "tokens/store_test_support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace ma = modelauth;
using modelauth_test::endpoint_of;
using modelauth_test::redis_test_server;
using namespace std::chrono_literals;
using namespace modelauth_test::store_records;
using store_ptr = std::shared_ptr<ma::tokens::RedisTokenStore>;

auto constexpr deadline = 5s; // for what takes milliseconds

store_ptr open_store(redis_test_server const& server, std::string prefix = "modelauth")
{
    ma::tokens::redis_store_options options;
    options.prefix = std::move(prefix);
    options.read_block = 100ms;
    options.retry = 50ms;
    options.connect_timeout = 500ms;
    options.command_timeout = 1000ms;
    std::string why;
    auto store = ma::tokens::RedisTokenStore::open(server.url(), options, &why);
    INFO(why);
    REQUIRE(store);
    return *store;
}

ma::validation::stored_token permanent(std::string id)
{
    return modelauth_test::store_records::permanent(std::move(id), ma::validation::token_class::account, "acme");
}

// Runs `a` and `b` on two threads released together.
template<class A, class B>
void race(A&& a, B&& b)
{
    std::atomic<bool> go{false};
    std::thread first([&] {
        while(! go.load())
            std::this_thread::yield();
        a();
    });
    std::thread second([&] {
        while(! go.load())
            std::this_thread::yield();
        b();
    });
    go.store(true);
    first.join();
    second.join();
}

// Redis's own view, to check what the log holds.
long long log_length(redis_test_server const& server, std::string const& prefix = "modelauth")
{
    ma::tokens::detail::redis_connection c(endpoint_of(server));
    auto r = c.command({"XLEN", prefix + ":ops"});
    REQUIRE(r);
    return r->integer;
}

} // namespace

TEST_CASE("a change made through one replica reaches the other: insert, revoke, deactivate, delete")
{
    redis_test_server server;
    auto a = open_store(server);
    auto b = open_store(server);
    REQUIRE(a->wait_healthy(true, deadline));
    REQUIRE(b->wait_healthy(true, deadline));

    auto const digest = ma::validation::hash_secret("secret-key-1");
    REQUIRE(a->insert(token("key-1")));
    REQUIRE(b->wait_caught_up(deadline));
    auto found = b->find_by_secret(digest);
    REQUIRE(found);
    CHECK(found->id == "key-1");
    CHECK(b->log_position() == a->log_position());

    // Revocation: the other replica's epoch moves, so cached verdicts end.
    auto const epoch = b->epoch();
    REQUIRE(a->revoke("jwt-1", t0 + 1h));
    REQUIRE(b->wait_caught_up(deadline));
    CHECK(b->is_revoked("jwt-1"));
    CHECK(b->epoch() > epoch);

    REQUIRE(b->set_active("key-1", false)); // the other way round
    REQUIRE(a->wait_caught_up(deadline));
    REQUIRE(a->find_by_secret(digest));
    CHECK_FALSE(a->find_by_secret(digest)->active);

    REQUIRE(a->erase("key-1"));
    REQUIRE(b->wait_caught_up(deadline));
    CHECK_FALSE(b->find_by_secret(digest));
    CHECK(log_length(server) == 4);
}

TEST_CASE("a replica opened later reads the whole log; one that lost a race plans its change again")
{
    redis_test_server server;
    auto a = open_store(server);
    auto b = open_store(server);
    for(int i = 0; i < 20; ++i)
        REQUIRE(a->insert(token("a-" + std::to_string(i))));
    // b has not read them yet or has: its append names the head it applied,
    // loses the race if behind, catches up and appends after them.
    REQUIRE(b->insert(token("b-0")));
    REQUIRE(b->erase("a-3"));
    CHECK(error_of(b->insert(token("a-5"))) == ma::tokens::error::duplicate_token);

    auto c = open_store(server);
    CHECK(c->list({}).size() == 20);
    CHECK(c->find_by_id("b-0"));
    CHECK_FALSE(c->find_by_id("a-3"));
    CHECK(c->log_position() == b->log_position());
}

TEST_CASE("replicas racing: the permanent-token quota holds across them")
{
    redis_test_server server;
    auto a = open_store(server);
    auto b = open_store(server);
    ma::tokens::insert_limits limits;
    limits.max_permanent = 5;
    std::atomic<int> accepted{0};
    std::atomic<int> refused{0};
    auto const insert_many = [&](store_ptr const& store, std::string const& name) {
        for(int i = 0; i < 10; ++i)
        {
            auto r = store->insert(permanent(name + std::to_string(i)), limits);
            if(r)
                ++accepted;
            else if(r.error() == ma::tokens::error::permanent_token_quota)
                ++refused;
        }
    };
    race([&] { insert_many(a, "a-"); }, [&] { insert_many(b, "b-"); });
    CHECK(accepted.load() == 5);
    CHECK(refused.load() == 15);
    REQUIRE(a->wait_caught_up(deadline));
    REQUIRE(b->wait_caught_up(deadline));
    CHECK(a->list({}).size() == 5);
    CHECK(b->list({}).size() == 5);
    CHECK(log_length(server) == 5);
}

TEST_CASE("replicas racing: one personal key per user")
{
    redis_test_server server;
    auto a = open_store(server);
    auto b = open_store(server);
    auto const regenerate_many = [&](store_ptr const& store, std::string const& name) {
        for(int i = 0; i < 25; ++i)
            REQUIRE(store->replace_owned(token(name + std::to_string(i))));
    };
    race([&] { regenerate_many(a, "a-"); }, [&] { regenerate_many(b, "b-"); });
    REQUIRE(a->wait_caught_up(deadline));
    REQUIRE(b->wait_caught_up(deadline));
    ma::tokens::token_filter alice;
    alice.owner = "alice";
    auto const left_a = a->list(alice);
    auto const left_b = b->list(alice);
    REQUIRE(left_a.size() == 1);
    REQUIRE(left_b.size() == 1);
    CHECK(left_a[0]->id == left_b[0]->id);
    CHECK(log_length(server) == 50);
}

TEST_CASE("replicas racing: a refresh token rotates once; its reuse is refused on the other replica")
{
    redis_test_server server;
    auto a = open_store(server);
    auto b = open_store(server);
    REQUIRE(a->insert_refresh(refresh("r1", "f1")));
    REQUIRE(b->wait_caught_up(deadline));

    std::error_code from_a, from_b;
    race([&] { from_a = error_of(a->rotate_refresh("r1", refresh("ra", "f1"))); },
         [&] { from_b = error_of(b->rotate_refresh("r1", refresh("rb", "f1"))); });
    // Exactly one rotation; the other is a reuse of r1.
    CHECK(((! from_a && from_b == ma::tokens::error::refresh_token_reused)
           || (! from_b && from_a == ma::tokens::error::refresh_token_reused)));
    REQUIRE(a->wait_caught_up(deadline));
    REQUIRE(b->wait_caught_up(deadline));
    bool const a_won = ! from_a;
    auto const winner = ma::validation::hash_secret(a_won ? "refresh-ra" : "refresh-rb");
    auto const loser = ma::validation::hash_secret(a_won ? "refresh-rb" : "refresh-ra");
    CHECK(a->find_refresh(winner));
    CHECK(b->find_refresh(winner));
    CHECK_FALSE(a->find_refresh(loser));
    CHECK_FALSE(b->find_refresh(loser));
}

TEST_CASE("Redis killed: changes refused and not applied, reads served; started again: nothing lost, writes resume")
{
    redis_test_server server;
    auto a = open_store(server);
    auto b = open_store(server);
    REQUIRE(a->insert(token("kept")));
    REQUIRE(b->wait_caught_up(deadline));

    server.kill();
    REQUIRE(a->wait_healthy(false, deadline));
    REQUIRE(b->wait_healthy(false, deadline));
    CHECK_FALSE(a->healthy());
    // A change: 503, and nothing of it kept, not even a revocation.
    CHECK(error_of(a->insert(token("lost"))) == ma::tokens::error::storage_failure);
    CHECK(error_of(a->revoke("jwt-1", t0 + 1h)) == ma::tokens::error::storage_failure);
    CHECK_FALSE(a->is_revoked("jwt-1"));
    CHECK_FALSE(a->find_by_id("lost"));
    CHECK_FALSE(a->last_storage_error().empty());
    // Reads go on from the mirror.
    CHECK(b->find_by_secret(ma::validation::hash_secret("secret-kept")));

    server.start();
    REQUIRE(a->wait_healthy(true, deadline));
    REQUIRE(b->wait_healthy(true, deadline));
    REQUIRE(a->revoke("jwt-1", t0 + 1h));
    REQUIRE(b->wait_caught_up(deadline));
    CHECK(b->is_revoked("jwt-1"));
    CHECK(b->find_by_id("kept"));
    CHECK_FALSE(b->find_by_id("lost"));
    auto c = open_store(server); // the append-only file kept the log
    CHECK(c->find_by_id("kept"));
    CHECK(c->is_revoked("jwt-1"));
}

TEST_CASE("a replica down while others change things catches up when it is back")
{
    redis_test_server server;
    auto a = open_store(server);
    REQUIRE(a->insert(token("before")));
    std::string const position = a->log_position();
    a.reset(); // the replica stops (its process would exit)
    auto b = open_store(server);
    for(int i = 0; i < 10; ++i)
        REQUIRE(b->insert(token("while-" + std::to_string(i))));
    REQUIRE(b->revoke("jwt-2", t0 + 1h));
    a = open_store(server); // restarted
    CHECK(a->list({}).size() == 11);
    CHECK(a->is_revoked("jwt-2"));
    CHECK(a->log_position() == b->log_position());
    CHECK(a->log_position() != position);
}

TEST_CASE("Redis that lost its data: every replica refuses changes and says why")
{
    redis_test_server server;
    auto a = open_store(server);
    REQUIRE(a->insert(token("one")));
    {
        ma::tokens::detail::redis_connection c(endpoint_of(server));
        REQUIRE(c.command({"FLUSHALL"}));
    }
    CHECK(error_of(a->insert(token("two"))) == ma::tokens::error::storage_failure);
    CHECK_FALSE(a->healthy());
    CHECK(a->last_storage_error().find("Redis lost the log") != std::string::npos);
    CHECK(a->find_by_id("one")); // reads go on from the mirror
}

TEST_CASE("Redis that lost its data: a replica that only reads finds out too")
{
    redis_test_server server;
    auto a = open_store(server);
    auto b = open_store(server);
    REQUIRE(a->insert(token("one")));
    REQUIRE(b->wait_caught_up(deadline));
    {
        ma::tokens::detail::redis_connection c(endpoint_of(server));
        REQUIRE(c.command({"FLUSHALL"}));
    }
    REQUIRE(b->wait_healthy(false, deadline));
    CHECK(b->last_storage_error().find("Redis lost the log") != std::string::npos);
    CHECK(b->find_by_id("one"));
}

TEST_CASE("replicas with other prefixes are separate states")
{
    redis_test_server server;
    auto a = open_store(server, "east");
    auto b = open_store(server, "west");
    REQUIRE(a->insert(token("k")));
    REQUIRE(b->insert(token("k"))); // not a duplicate: another state
    CHECK(log_length(server, "east") == 1);
    CHECK(log_length(server, "west") == 1);
}

TEST_CASE("open: a bad URL or an unreachable Redis is refused with the reason, never the password")
{
    std::string why;
    auto bad = ma::tokens::RedisTokenStore::open("http://127.0.0.1:6379", {}, &why);
    CHECK(error_of(bad) == ma::tokens::error::storage_failure);
    CHECK(why == "redis: the URL must be a redis:// URL: redis://host:port/db");

    ma::tokens::redis_store_options options;
    options.connect_timeout = 200ms;
    why.clear();
    auto down = ma::tokens::RedisTokenStore::open("redis://:hunter2@127.0.0.1:1/0", options, &why);
    CHECK(error_of(down) == ma::tokens::error::storage_failure);
    CHECK(why.find("cannot connect to 127.0.0.1:1") != std::string::npos);
    CHECK(why.find("hunter2") == std::string::npos);

    options.prefix.clear();
    why.clear();
    CHECK_FALSE(ma::tokens::RedisTokenStore::open("redis://127.0.0.1:1/0", options, &why));
    CHECK(why == "redis: the key prefix is empty");
}

TEST_CASE("a log line that does not apply refuses the open, naming its id")
{
    redis_test_server server;
    {
        ma::tokens::detail::redis_connection c(endpoint_of(server));
        REQUIRE(c.command({"XADD", "modelauth:ops", "1-1", "op", R"({"op":"erase","ids":["nope"]})"}));
    }
    std::string why;
    auto store = ma::tokens::RedisTokenStore::open(server.url(), {}, &why);
    CHECK(error_of(store) == ma::tokens::error::storage_failure);
    CHECK(why.rfind("redis: modelauth:ops entry 1-1: ", 0) == 0);
}

TEST_CASE("the issuer's keys: the first replica's text is every replica's")
{
    redis_test_server server;
    auto a = open_store(server);
    auto b = open_store(server);
    auto first = a->shared_issuer_keys("keys of a");
    REQUIRE(first);
    CHECK(*first == "keys of a");
    auto second = b->shared_issuer_keys("keys of b");
    REQUIRE(second);
    CHECK(*second == "keys of a");
    CHECK(a->issuer_keys_key() == "modelauth:issuer_keys");
}

TEST_CASE("the issuer's keys replaced through one replica reach every replica once; a stale replacement is refused")
{
    redis_test_server server;
    auto a = open_store(server);
    auto b = open_store(server);
    std::mutex mutex;
    std::vector<std::string> seen_a, seen_b;
    a->on_issuer_keys([&](std::string& text) {
        std::lock_guard<std::mutex> lock(mutex);
        seen_a.push_back(text);
    });
    b->on_issuer_keys([&](std::string& text) {
        std::lock_guard<std::mutex> lock(mutex);
        seen_b.push_back(text);
    });
    REQUIRE(a->shared_issuer_keys("keys-1"));

    auto replaced = a->replace_issuer_keys("keys-1", "keys-2", "kid-2");
    REQUIRE(replaced);
    CHECK_FALSE(*replaced);
    REQUIRE(b->wait_caught_up(deadline));
    REQUIRE(a->wait_caught_up(deadline));

    // A replacement from keys this replica no longer has: refused, with the keys of now.
    auto stale = b->replace_issuer_keys("keys-1", "keys-3", "kid-3");
    REQUIRE(stale);
    REQUIRE(*stale);
    CHECK(**stale == "keys-2");

    // A writer that had not read the change yet catches up over it (the
    // entry moved the log's head) and is told once too.
    REQUIRE(b->insert(token("after-keys")));
    REQUIRE(a->wait_caught_up(deadline));
    std::lock_guard<std::mutex> lock(mutex);
    CHECK(seen_a == std::vector<std::string>{"keys-2"});
    CHECK(seen_b == std::vector<std::string>{"keys-2"});

    // A replica opened later replays the log past the entry, telling nobody.
    auto c = open_store(server);
    CHECK(c->find_by_id("after-keys"));
}

TEST_CASE("compaction: the log trimmed to a snapshot; a replica opened later reads it, then the lines after it")
{
    redis_test_server server;
    auto a = open_store(server);
    auto b = open_store(server);
    for(int i = 0; i < 30; ++i)
        REQUIRE(a->insert(token("t-" + std::to_string(i))));
    for(int i = 0; i < 10; ++i)
        REQUIRE(b->erase("t-" + std::to_string(i)));
    REQUIRE(a->revoke("jti-c", t0 + 1h));
    REQUIRE(a->insert_refresh(refresh("r1", "f1")));
    REQUIRE(a->wait_caught_up(deadline));
    CHECK(log_length(server) == 42);

    // Below the threshold, or with as many lines as twice the records: not due.
    auto due = a->compact_if_due(100);
    REQUIRE(due);
    CHECK_FALSE(*due);
    auto compacted = a->compact();
    REQUIRE(compacted);
    CHECK(*compacted);
    CHECK(log_length(server) == 1); // the line the snapshot is as of
    // A snapshot as old as the one there changes nothing (b compacting at once).
    REQUIRE(b->wait_caught_up(deadline));
    auto again = b->compact();
    REQUIRE(again);
    CHECK_FALSE(*again);

    REQUIRE(b->insert(token("after")));
    auto c = open_store(server);
    CHECK(c->list({}).size() == 21);
    CHECK(c->find_by_id("after"));
    CHECK_FALSE(c->find_by_id("t-3"));
    CHECK(c->is_revoked("jti-c"));
    CHECK(c->find_refresh(ma::validation::hash_secret("refresh-r1")));
    CHECK(c->log_position() == b->log_position());
    CHECK(c->resyncs() == 0);

    // Every replica goes on writing after the compaction, racing as before.
    REQUIRE(a->insert(token("from-a")));
    REQUIRE(c->erase("from-a"));
    REQUIRE(b->wait_caught_up(deadline));
    CHECK_FALSE(b->find_by_id("from-a"));

    // Due: more lines than twice the records, and at least the minimum.
    for(int i = 0; i < 30; ++i)
    {
        REQUIRE(a->revoke("jti-d-" + std::to_string(i), t0 + 1h));
        REQUIRE(a->erase_revocation("jti-d-" + std::to_string(i)));
    }
    due = a->compact_if_due(10);
    REQUIRE(due);
    CHECK(*due);
    CHECK(log_length(server) == 1);
}
