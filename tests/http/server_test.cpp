//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// http_server on 127.0.0.1:0 with a real client over loopback: the handler's
// answers, the limits' refusals (exact statuses, headers and bodies), the
// connection cap, offloading, maintenance and the graceful stop.

#include <modelauth/http/server.hpp>

#include "support/raw_http_client.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace {

namespace bhttp = boost::beast::http;
using modelauth::http::client_info;
using modelauth::http::http_server;
using modelauth::http::server_options;
using modelauth::http::server_request;
using modelauth::http::server_response;
using modelauth_test::get_request;
using modelauth_test::raw_http_client;

// Answers 200 "<method> <target> <body size> <client address>".
server_response echo(server_request&& req, client_info const& client)
{
    server_response res{bhttp::status::ok, req.version()};
    res.set(bhttp::field::content_type, "text/plain");
    res.body() = std::string(req.method_string()) + " " + std::string(req.target()) + " "
        + std::to_string(req.body().size()) + " " + std::string(client.address);
    res.prepare_payload();
    res.keep_alive(req.keep_alive());
    return res;
}

// Small limits so the refusals are cheap.
server_options small_options()
{
    server_options o;
    o.threads = 2;
    o.body_limit = 16;
    o.target_limit = 64;
    o.header_timeout = std::chrono::seconds(5);
    o.read_timeout = std::chrono::seconds(5);
    return o;
}

// Records the statuses of the server's own answers.
struct refusals
{
    std::mutex mutex;
    std::vector<unsigned> statuses;

    std::function<void(unsigned)> hook()
    {
        return [this](unsigned status) {
            std::lock_guard<std::mutex> lock(mutex);
            statuses.push_back(status);
        };
    }

    std::vector<unsigned> seen()
    {
        std::lock_guard<std::mutex> lock(mutex);
        return statuses;
    }
};

} // namespace

TEST_CASE("http_server: the handler answers, keep-alive keeps the connection, the client's address is given")
{
    http_server server;
    server.start(echo, small_options());
    REQUIRE(server.port() != 0);
    CHECK(server.base_url() == "http://127.0.0.1:" + std::to_string(server.port()));

    raw_http_client client(server.port());
    for(int i = 0; i < 3; ++i)
    {
        auto const res = client.exchange(get_request("/a?b=c"));
        REQUIRE(res);
        CHECK(res->result() == bhttp::status::ok);
        CHECK(res->body() == "GET /a?b=c 0 127.0.0.1");
        CHECK(res->keep_alive());
    }
    auto const posted = client.exchange("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    REQUIRE(posted);
    CHECK(posted->body() == "POST /p 5 127.0.0.1");
    CHECK(server.open_connections() == 1);
    std::thread stopper([&] { server.stop(); });
    CHECK(client.closed_by_server()); // the idle connection is closed at stop
    client.close();
    stopper.join();
}

TEST_CASE("http_server: what the parser refuses is answered 413, 431 or 400 and the connection closed")
{
    refusals seen;
    auto options = small_options();
    options.on_refusal = seen.hook();
    http_server server;
    server.start(echo, options);

    struct row
    {
        char const* id;
        std::string request;
        bhttp::status status;
        char const* body;
    };
    row const rows[] = {
        {"S1", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n12345678901234567", bhttp::status::payload_too_large,
            R"({"error":"content_too_large","error_description":"the request body is too large"})"},
        {"S2", get_request("/", "X-Big: " + std::string(9000, 'a') + "\r\n"), bhttp::status::request_header_fields_too_large,
            R"({"error":"invalid_request","error_description":"the request header is too large"})"},
        {"S3", "GET / HTTP/1.1\r\nHost x\r\n\r\n", bhttp::status::bad_request,
            R"({"error":"invalid_request","error_description":"the request is not valid HTTP/1.1"})"},
        {"S4", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", bhttp::status::bad_request,
            R"({"error":"invalid_request","error_description":"the only Transfer-Encoding accepted is chunked"})"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.id);
        raw_http_client client(server.port());
        auto const res = client.exchange(r.request);
        REQUIRE(res);
        CHECK(res->result() == r.status);
        CHECK(res->body() == r.body);
        CHECK((*res)[bhttp::field::content_type] == "application/json; charset=utf-8");
        CHECK_FALSE(res->keep_alive());
        CHECK(client.closed_by_server());
    }
    CHECK(seen.seen() == std::vector<unsigned>{413, 431, 400, 400});

    // S5: a chunked body within the limit is read.
    {
        raw_http_client client(server.port());
        auto const res = client.exchange("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        REQUIRE(res);
        CHECK(res->body() == "POST /c 3 127.0.0.1");
    }
}

TEST_CASE("http_server: a target over target_limit reaches the handler without its body, then the connection closes")
{
    http_server server;
    server.start(echo, small_options());
    raw_http_client client(server.port());
    std::string const target = "/" + std::string(64, 't');
    auto const res = client.exchange("POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody");
    REQUIRE(res);
    CHECK(res->body() == "POST " + target + " 0 127.0.0.1");
    CHECK_FALSE(res->keep_alive());
    CHECK(client.closed_by_server());
}

TEST_CASE("http_server: Expect: 100-continue gets 100 before the body is read")
{
    http_server server;
    server.start(echo, small_options());
    raw_http_client client(server.port());
    client.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
    auto const interim = client.receive();
    REQUIRE(interim);
    CHECK(interim->result() == bhttp::status::continue_);
    auto const res = client.exchange("ok");
    REQUIRE(res);
    CHECK(res->body() == "POST /e 2 127.0.0.1");
}

TEST_CASE("http_server: over max_connections a new connection is closed at once and counted")
{
    auto options = small_options();
    options.max_connections = 1;
    http_server server;
    server.start(echo, options);
    raw_http_client first(server.port());
    REQUIRE(first.exchange(get_request("/")));
    raw_http_client second(server.port());
    CHECK(second.closed_by_server());
    CHECK(server.refused_connections() == 1);
    CHECK(server.open_connections() == 1);
    REQUIRE(first.exchange(get_request("/again")));
}

TEST_CASE("http_server: offloaded requests run off the I/O threads; over max_offloaded they get 503")
{
    std::mutex mutex;
    std::condition_variable cv;
    bool release = false;
    std::atomic<int> entered{0};
    refusals seen;
    auto options = small_options();
    options.offload = [](server_request const& req) { return req.target() == "/slow"; };
    options.max_offloaded = 1;
    options.busy_description = "busy";
    options.on_refusal = seen.hook();
    http_server server;
    server.start([&](server_request&& req, client_info const& client) {
        if(req.target() == "/slow")
        {
            ++entered;
            std::unique_lock<std::mutex> lock(mutex);
            cv.wait(lock, [&] { return release; });
        }
        return echo(std::move(req), client);
    }, options);

    raw_http_client slow(server.port());
    slow.send(get_request("/slow"));
    while(entered.load() == 0)
        std::this_thread::yield();
    CHECK(server.pending_offloaded() == 1);

    raw_http_client busy(server.port());
    auto const refused = busy.exchange(get_request("/slow"));
    REQUIRE(refused);
    CHECK(refused->result() == bhttp::status::service_unavailable);
    CHECK((*refused)[bhttp::field::retry_after] == "1");
    CHECK(refused->body() == R"({"error":"temporarily_unavailable","error_description":"busy"})");
    CHECK(seen.seen() == std::vector<unsigned>{503});

    // The I/O threads still answer while the offloaded request waits.
    auto const quick = busy.exchange(get_request("/quick"));
    REQUIRE(quick);
    CHECK(quick->body() == "GET /quick 0 127.0.0.1");

    {
        std::lock_guard<std::mutex> lock(mutex);
        release = true;
    }
    cv.notify_all();
    auto const answered = slow.receive();
    REQUIRE(answered);
    CHECK(answered->body() == "GET /slow 0 127.0.0.1");
    CHECK(server.pending_offloaded() == 0);
}

TEST_CASE("http_server: maintenance runs every interval, and stop cancels it")
{
    std::mutex mutex;
    std::condition_variable cv;
    int runs = 0;
    auto options = small_options();
    options.maintenance_interval = std::chrono::milliseconds(1);
    options.maintenance = [&] {
        std::lock_guard<std::mutex> lock(mutex);
        ++runs;
        cv.notify_all();
    };
    http_server server;
    server.start(echo, options);
    {
        std::unique_lock<std::mutex> lock(mutex);
        CHECK(cv.wait_for(lock, std::chrono::seconds(10), [&] { return runs >= 3; }));
    }
    server.stop(); // cancels the timer: returns although the interval is 1 ms
}

TEST_CASE("http_server: stop answers the request in progress with Connection: close and closes idle connections")
{
    std::mutex mutex;
    std::condition_variable cv;
    bool release = false;
    std::atomic<bool> entered{false};
    http_server server;
    server.start([&](server_request&& req, client_info const& client) {
        if(req.target() == "/slow")
        {
            entered = true;
            std::unique_lock<std::mutex> lock(mutex);
            cv.wait(lock, [&] { return release; });
        }
        return echo(std::move(req), client);
    }, small_options());
    raw_http_client idle(server.port());
    REQUIRE(idle.exchange(get_request("/")));
    raw_http_client busy(server.port());
    busy.send(get_request("/slow"));
    while(! entered.load())
        std::this_thread::yield();

    std::thread stopper([&] { server.stop(); });
    CHECK(idle.closed_by_server());
    {
        std::lock_guard<std::mutex> lock(mutex);
        release = true;
    }
    cv.notify_all();
    auto const res = busy.receive();
    REQUIRE(res);
    CHECK(res->body() == "GET /slow 0 127.0.0.1");
    CHECK_FALSE(res->keep_alive());
    CHECK(busy.closed_by_server());
    idle.close();
    busy.close(); // the server drains each connection until its client closes
    stopper.join();
}

TEST_CASE("http_server: a header trickled past header_timeout is cut off without an answer")
{
    auto options = small_options();
    options.header_timeout = std::chrono::seconds(1);
    http_server server;
    server.start(echo, options);
    raw_http_client client(server.port());
    client.send("GET / HTTP/1.1\r\nHo");
    auto const started = std::chrono::steady_clock::now();
    CHECK(client.closed_by_server());
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(4));
}

TEST_CASE("http_server: a bad address or a port in use throws system_error naming it; a second start throws logic_error")
{
    http_server first;
    first.start(echo, small_options());
    auto options = small_options();
    options.port = first.port();
    http_server second;
    try
    {
        second.start(echo, options);
        FAIL("the port is in use");
    }
    catch(std::system_error const& e)
    {
        CHECK(std::string(e.what()).rfind("cannot bind 127.0.0.1:" + std::to_string(first.port()) + ": ", 0) == 0);
    }
    options.host = "not-an-address";
    http_server third;
    CHECK_THROWS_AS(third.start(echo, options), std::system_error);
    CHECK_THROWS_AS(first.start(echo, small_options()), std::logic_error);
}
