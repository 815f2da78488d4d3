//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The redis-server the Redis token store tests run against
// (support/redis_test_server.hpp), checked with hiredis directly.

#include "support/redis_test_server.hpp"

#include <doctest/doctest.h>

#include <hiredis/hiredis.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace {

struct context_deleter
{
    void operator()(redisContext* context) const noexcept { redisFree(context); }
};
using context_ptr = std::unique_ptr<redisContext, context_deleter>;

struct reply_deleter
{
    void operator()(redisReply* reply) const noexcept { freeReplyObject(reply); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

// A connection to 127.0.0.1:`port` (2 s to connect, 2 s per command); check
// err before use.
context_ptr connect(unsigned short port)
{
    timeval const timeout{2, 0};
    context_ptr context(redisConnectWithTimeout("127.0.0.1", port, timeout));
    REQUIRE(context != nullptr);
    if(context->err == 0)
        redisSetTimeout(context.get(), timeout);
    return context;
}

reply_ptr take(void* reply)
{
    return reply_ptr(static_cast<redisReply*>(reply));
}

// PING, expecting PONG.
void ping(unsigned short port)
{
    auto const context = connect(port);
    REQUIRE_MESSAGE(context->err == 0, context->errstr);
    auto const reply = take(redisCommand(context.get(), "PING"));
    REQUIRE(reply != nullptr);
    CHECK(reply->type == REDIS_REPLY_STATUS);
    CHECK(std::string(reply->str, reply->len) == "PONG");
}

void set(unsigned short port, char const* key, char const* value)
{
    auto const context = connect(port);
    REQUIRE_MESSAGE(context->err == 0, context->errstr);
    auto const reply = take(redisCommand(context.get(), "SET %s %s", key, value));
    REQUIRE(reply != nullptr);
    REQUIRE(reply->type == REDIS_REPLY_STATUS);
    CHECK(std::string(reply->str, reply->len) == "OK");
}

// GET: the value, or nothing for a missing key.
std::optional<std::string> get(unsigned short port, char const* key)
{
    auto const context = connect(port);
    REQUIRE_MESSAGE(context->err == 0, context->errstr);
    auto const reply = take(redisCommand(context.get(), "GET %s", key));
    REQUIRE(reply != nullptr);
    if(reply->type == REDIS_REPLY_NIL)
        return std::nullopt;
    REQUIRE(reply->type == REDIS_REPLY_STRING);
    return std::string(reply->str, reply->len);
}

bool refused(unsigned short port)
{
    auto const context = connect(port);
    return context->err != 0;
}

} // namespace

TEST_CASE("redis_test_server: it answers PING on 127.0.0.1 and its own port, its AOF in its directory")
{
    modelauth_test::redis_test_server server;
    CHECK(server.running());
    CHECK(server.port() != 0);
    CHECK(server.url() == "redis://127.0.0.1:" + std::to_string(server.port()) + "/0");
    CHECK(std::filesystem::is_directory(server.directory()));
    ping(server.port());
    CHECK(server.output().find("Ready to accept connections") != std::string::npos);

    set(server.port(), "k", "v");
    CHECK(std::filesystem::is_directory(server.directory() / "appendonlydir"));
}

TEST_CASE("redis_test_server: a value set survives stop() and start() (the AOF replayed)")
{
    modelauth_test::redis_test_server server;
    auto const port = server.port();
    set(port, "token", "graceful");

    server.stop();
    CHECK_FALSE(server.running());
    CHECK(server.output().find("ready to exit") != std::string::npos); // the drain read its last words
    server.stop();                                                      // again: nothing

    server.start();
    CHECK(server.running());
    CHECK(server.port() == port);
    CHECK(get(port, "token") == std::optional<std::string>("graceful"));
    CHECK(get(port, "missing") == std::nullopt);
}

TEST_CASE("redis_test_server: a value set survives kill() and start() (appendfsync always)")
{
    modelauth_test::redis_test_server server;
    auto const port = server.port();
    set(port, "token", "crashed");

    server.kill();
    CHECK_FALSE(server.running());
    server.kill(); // again: nothing

    server.start();
    CHECK(server.running());
    CHECK(server.port() == port);
    CHECK(get(port, "token") == std::optional<std::string>("crashed"));
}

TEST_CASE("redis_test_server: once stopped, connections are refused; start() while running throws")
{
    modelauth_test::redis_test_server server;
    CHECK_THROWS_AS(server.start(), std::logic_error);
    CHECK(server.running());

    server.stop();
    CHECK(refused(server.port()));
    server.start();
    ping(server.port());
    server.kill();
    CHECK(refused(server.port()));
}

TEST_CASE("redis_test_server: two servers run at once, on different ports and with different data")
{
    modelauth_test::redis_test_server first;
    modelauth_test::redis_test_server second;
    CHECK(first.port() != second.port());
    CHECK(first.directory() != second.directory());
    ping(first.port());
    ping(second.port());

    set(first.port(), "where", "first");
    CHECK(get(first.port(), "where") == std::optional<std::string>("first"));
    CHECK(get(second.port(), "where") == std::nullopt);

    first.kill();
    ping(second.port());
}

TEST_CASE("redis_test_server: start() on a port taken meanwhile throws with redis-server's output, then works")
{
    modelauth_test::redis_test_server server;
    auto const port = server.port();
    server.stop();

    int const blocker = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(blocker >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    REQUIRE(::bind(blocker, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(blocker, 1) == 0);
    std::string message;
    try
    {
        server.start();
    }
    catch(std::runtime_error const& e)
    {
        message = e.what();
    }
    ::close(blocker);
    CHECK(message.find("could not bind its port") != std::string::npos);
    CHECK(message.find("Address already in use") != std::string::npos);
    CHECK_FALSE(server.running());

    server.start();
    ping(port);
}

TEST_CASE("redis_test_server: destruction while running is prompt and removes the directory")
{
    std::optional<modelauth_test::redis_test_server> server;
    server.emplace();
    auto const port = server->port();
    auto const directory = server->directory();
    set(port, "k", "v");

    auto const before = std::chrono::steady_clock::now();
    server.reset();
    auto const took = std::chrono::steady_clock::now() - before;
    CHECK(took < std::chrono::seconds(2));
    CHECK_FALSE(std::filesystem::exists(directory));
    CHECK(refused(port));
}
