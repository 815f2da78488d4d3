//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The fake identity provider the remote-JWKS tests stand on: its PKI, its
// canned answers over TLS and plain HTTP, its SNI and Host records, its hit
// counts, a client that rejects it, a hanging answer and a prompt stop.

#include "support/https_test_server.hpp"
#include "support/temporary_directory.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/verify_mode.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = boost::asio::ssl;
using modelauth_test::canned_response;
using modelauth_test::https_test_server;
using modelauth_test::test_pki;
using namespace std::chrono_literals;

using response = http::response<http::string_body>;

// Runs one asynchronous operation to its end on `ioc` and returns its error:
// a blocking call that honours the tcp_stream's deadline.
template<class Initiate>
beast::error_code run(asio::io_context& ioc, Initiate initiate)
{
    beast::error_code result = asio::error::in_progress;
    initiate([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
}

struct exchange_result
{
    beast::error_code ec;
    response res;
};

// Writes a GET of `target` and reads the answer, both within `deadline`.
template<class Stream>
exchange_result exchange(asio::io_context& ioc, Stream& stream, beast::flat_buffer& buffer, std::string const& host,
    std::string const& target, std::chrono::milliseconds deadline, bool keep_alive, std::uint64_t body_limit)
{
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, host);
    req.keep_alive(keep_alive);
    beast::get_lowest_layer(stream).expires_after(deadline);
    exchange_result out;
    out.ec = run(ioc, [&](auto handler) { http::async_write(stream, req, std::move(handler)); });
    if(out.ec)
        return out;
    http::response_parser<http::string_body> parser;
    parser.body_limit(body_limit);
    out.ec = run(ioc, [&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); });
    if(!out.ec)
        out.res = parser.release();
    return out;
}

// A blocking HTTPS client: trusts only `ca_file`, checks the certificate
// against `host` (a name, or an IP address) and sends `host` as SNI when it
// is a name.
class tls_client
{
public:
    tls_client(unsigned short port, std::filesystem::path const& ca_file, std::string const& host)
        : ctx_(make_context(ca_file))
        , stream_(ioc_, ctx_)
        , port_(port)
        , host_(host)
    {
        stream_.set_verify_mode(ssl::verify_peer);
        stream_.set_verify_callback(ssl::host_name_verification(host));
        beast::error_code ec;
        asio::ip::make_address(host, ec);
        if(ec && SSL_set_tlsext_host_name(stream_.native_handle(), host.c_str()) != 1)
            throw std::runtime_error("SSL_set_tlsext_host_name failed");
    }

    // Connects and shakes hands.
    beast::error_code connect(std::chrono::milliseconds deadline = 5s)
    {
        auto& tcp = beast::get_lowest_layer(stream_);
        tcp.expires_after(deadline);
        asio::ip::tcp::endpoint const endpoint(asio::ip::make_address("127.0.0.1"), port_);
        if(auto ec = run(ioc_, [&](auto handler) { tcp.async_connect(endpoint, std::move(handler)); }))
            return ec;
        return run(ioc_, [&](auto handler) { stream_.async_handshake(ssl::stream_base::client, std::move(handler)); });
    }

    exchange_result get(std::string const& target, std::chrono::milliseconds deadline = 5s, bool keep_alive = true,
        std::uint64_t body_limit = 64 * 1024 * 1024)
    {
        return exchange(
            ioc_, stream_, buffer_, host_ + ":" + std::to_string(port_), target, deadline, keep_alive, body_limit);
    }

    beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }
    asio::io_context& ioc() { return ioc_; }

private:
    static ssl::context make_context(std::filesystem::path const& ca_file)
    {
        ssl::context ctx(ssl::context::tls_client);
        ctx.load_verify_file(ca_file.string());
        return ctx;
    }

    asio::io_context ioc_;
    ssl::context ctx_;
    beast::ssl_stream<beast::tcp_stream> stream_;
    beast::flat_buffer buffer_;
    unsigned short port_;
    std::string host_;
};

// A blocking plain-HTTP client.
class plain_client
{
public:
    explicit plain_client(unsigned short port)
        : stream_(ioc_)
        , port_(port)
    {
    }

    beast::error_code connect()
    {
        stream_.expires_after(5s);
        asio::ip::tcp::endpoint const endpoint(asio::ip::make_address("127.0.0.1"), port_);
        return run(ioc_, [&](auto handler) { stream_.async_connect(endpoint, std::move(handler)); });
    }

    exchange_result get(std::string const& target, std::chrono::milliseconds deadline = 5s, bool keep_alive = true)
    {
        return exchange(
            ioc_, stream_, buffer_, "127.0.0.1:" + std::to_string(port_), target, deadline, keep_alive, 1024 * 1024);
    }

    // Whether the server closed the connection: the next read ends with EOF.
    bool closed_by_server()
    {
        stream_.expires_after(5s);
        char byte = 0;
        auto const ec
            = run(ioc_, [&](auto handler) { stream_.async_read_some(asio::buffer(&byte, 1), std::move(handler)); });
        return ec == asio::error::eof;
    }

private:
    asio::io_context ioc_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    unsigned short port_;
};

// A CA file for `pki` in a fresh temporary directory.
struct ca_file
{
    modelauth_test::temporary_directory dir{"https-test-server"};
    std::filesystem::path path;

    explicit ca_file(test_pki const& pki)
    {
        std::filesystem::create_directories(dir.path);
        path = dir.path / "ca.pem";
        pki.write_ca(path);
    }
};

test_pki localhost_pki()
{
    return test_pki::make({"localhost"}, {"127.0.0.1"});
}

} // namespace

TEST_CASE("https_test_server: test_pki makes a CA, a leaf and a PKCS#8 key in PEM")
{
    auto const a = localhost_pki();
    auto const b = localhost_pki();
    CHECK(a.ca_pem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
    CHECK(a.cert_pem.rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
    CHECK(a.key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
    CHECK(a.ca_pem != b.ca_pem);
    CHECK(a.cert_pem != b.cert_pem);
    CHECK(a.key_pem != b.key_pem);
}

TEST_CASE("https_test_server: a verifying client fetches a canned answer over TLS, with SNI and Host recorded")
{
    auto const pki = localhost_pki();
    ca_file const ca(pki);
    https_test_server server(pki);
    CHECK(server.base_url() == "https://127.0.0.1:" + std::to_string(server.port()));
    CHECK(server.base_url("localhost") == "https://localhost:" + std::to_string(server.port()));
    server.set("/jwks", canned_response{200, R"({"keys":[]})", {{"Cache-Control", "max-age=60"}}, false});

    tls_client client(server.port(), ca.path, "localhost");
    REQUIRE_FALSE(client.connect());

    auto const r = client.get("/jwks?fresh=1");
    REQUIRE_FALSE(r.ec);
    // Recorded once the server's handshake ended, before it read the request.
    CHECK(server.last_sni() == "localhost");
    CHECK(r.res.result_int() == 200);
    CHECK(r.res.body() == R"({"keys":[]})");
    CHECK(r.res[http::field::cache_control] == "max-age=60");
    CHECK(r.res[http::field::content_length] == "11");
    CHECK(r.res.keep_alive());
    CHECK(server.hits("/jwks") == 1);
    CHECK(server.last_host() == "localhost:" + std::to_string(server.port()));

    SUBCASE("keep-alive: the same connection serves the next request, and set() takes effect for it")
    {
        server.set("/jwks", canned_response{503, "later", {{"Retry-After", "1"}, {"X-Extra", "a"}}, false});
        auto const again = client.get("/jwks");
        REQUIRE_FALSE(again.ec);
        CHECK(again.res.result_int() == 503);
        CHECK(again.res.body() == "later");
        CHECK(again.res[http::field::retry_after] == "1");
        CHECK(again.res["X-Extra"] == "a");
        CHECK(server.hits("/jwks") == 2);
    }

    SUBCASE("an unknown path is a 404 and is counted")
    {
        auto const missing = client.get("/nothing-here");
        REQUIRE_FALSE(missing.ec);
        CHECK(missing.res.result_int() == 404);
        CHECK(server.hits("/nothing-here") == 1);
        CHECK(server.hits("/jwks") == 1);
        CHECK(server.hits("/never-asked") == 0);
    }
}

TEST_CASE("https_test_server: the leaf's IP address SAN verifies, and a client that sends no SNI is recorded as such")
{
    auto const pki = localhost_pki();
    ca_file const ca(pki);
    https_test_server server(pki);
    server.set("/ip", canned_response{200, "by address", {}, false});

    tls_client client(server.port(), ca.path, "127.0.0.1");
    REQUIRE_FALSE(client.connect());
    auto const r = client.get("/ip");
    REQUIRE_FALSE(r.ec);
    CHECK(r.res.body() == "by address");
    CHECK(server.last_sni() == "");
}

TEST_CASE("https_test_server: a client that rejects the certificate fails its handshake; the next is served")
{
    auto const pki = localhost_pki();
    auto const other = localhost_pki();
    ca_file const ca(pki);
    ca_file const other_ca(other);
    https_test_server server(pki);
    server.set("/jwks", canned_response{200, "keys", {}, false});

    SUBCASE("a client that trusts another CA")
    {
        tls_client stranger(server.port(), other_ca.path, "localhost");
        auto const ec = stranger.connect();
        CHECK(ec);
        CHECK(ec.category() == asio::error::get_ssl_category());
    }
    SUBCASE("a client that expects another host name")
    {
        tls_client stranger(server.port(), ca.path, "example.com");
        auto const ec = stranger.connect();
        CHECK(ec);
    }

    tls_client client(server.port(), ca.path, "localhost");
    REQUIRE_FALSE(client.connect());
    auto const r = client.get("/jwks");
    REQUIRE_FALSE(r.ec);
    CHECK(r.res.body() == "keys");
    CHECK(server.hits("/jwks") == 1);
}

TEST_CASE("https_test_server: a 16 MiB body crosses TLS whole, and a client's body limit stops it")
{
    auto const pki = localhost_pki();
    ca_file const ca(pki);
    https_test_server server(pki);
    std::string big(16 * 1024 * 1024, 'x');
    big.front() = '[';
    big.back() = ']';
    server.set("/big", canned_response{200, big, {{"Content-Type", "application/json"}}, false});

    {
        tls_client client(server.port(), ca.path, "localhost");
        REQUIRE_FALSE(client.connect());
        auto const r = client.get("/big", 30s);
        REQUIRE_FALSE(r.ec);
        CHECK(r.res.body().size() == big.size());
        CHECK(r.res.body() == big);
    }
    {
        tls_client client(server.port(), ca.path, "localhost");
        REQUIRE_FALSE(client.connect());
        auto const r = client.get("/big", 30s, true, 1024 * 1024);
        CHECK(r.ec == http::error::body_limit);
    }
    CHECK(server.hits("/big") == 2);
}

TEST_CASE("https_test_server: plain HTTP mode serves the same canned answers")
{
    https_test_server server;
    CHECK(server.base_url() == "http://127.0.0.1:" + std::to_string(server.port()));
    server.set("/.well-known/openid-configuration",
        canned_response{200, R"({"issuer":"x"})", {{"Content-Type", "application/json"}}, false});

    plain_client client(server.port());
    REQUIRE_FALSE(client.connect());
    auto const first = client.get("/.well-known/openid-configuration");
    REQUIRE_FALSE(first.ec);
    CHECK(first.res.result_int() == 200);
    CHECK(first.res.body() == R"({"issuer":"x"})");
    CHECK(first.res[http::field::content_type] == "application/json");
    CHECK(server.last_host() == "127.0.0.1:" + std::to_string(server.port()));
    CHECK(server.last_sni() == "");

    // Keep-alive, then a request that asks to close: the server closes after answering.
    auto const last = client.get("/.well-known/openid-configuration", 5s, false);
    REQUIRE_FALSE(last.ec);
    CHECK_FALSE(last.res.keep_alive());
    CHECK(client.closed_by_server());
    CHECK(server.hits("/.well-known/openid-configuration") == 2);
}

TEST_CASE("https_test_server: a hanging answer lets the client time out, and the server still stops promptly")
{
    auto const pki = localhost_pki();
    ca_file const ca(pki);
    std::optional<https_test_server> server(std::in_place, pki);
    server->set("/slow", canned_response{200, "never sent", {}, true});
    server->set("/fast", canned_response{200, "quick", {}, false});

    // A client with a short deadline gives up.
    {
        tls_client client(server->port(), ca.path, "localhost");
        REQUIRE_FALSE(client.connect());
        auto const started = std::chrono::steady_clock::now();
        auto const r = client.get("/slow", 200ms);
        CHECK(r.ec == beast::error::timeout);
        CHECK(std::chrono::steady_clock::now() - started < 5s);
        CHECK(server->hits("/slow") == 1);
    }

    // Other connections are served meanwhile.
    tls_client fast(server->port(), ca.path, "localhost");
    REQUIRE_FALSE(fast.connect());
    REQUIRE_FALSE(fast.get("/fast").ec);

    // A client still waiting on a hanging answer when the server stops:
    // the stop closes its connection, and neither side waits for a deadline.
    tls_client waiting(server->port(), ca.path, "localhost");
    REQUIRE_FALSE(waiting.connect());
    http::request<http::empty_body> req{http::verb::get, "/slow", 11};
    req.set(http::field::host, "localhost");
    beast::get_lowest_layer(waiting.stream()).expires_after(30s);
    REQUIRE_FALSE(run(waiting.ioc(),
        [&](auto handler) { http::async_write(waiting.stream(), req, std::move(handler)); }));
    auto const until = std::chrono::steady_clock::now() + 10s;
    while(server->hits("/slow") < 2 && std::chrono::steady_clock::now() < until)
        std::this_thread::yield();
    REQUIRE(server->hits("/slow") == 2);

    auto const stopping = std::chrono::steady_clock::now();
    server.reset();
    CHECK(std::chrono::steady_clock::now() - stopping < 5s);

    beast::flat_buffer buffer;
    response res;
    auto const read_started = std::chrono::steady_clock::now();
    auto const ec = run(waiting.ioc(),
        [&](auto handler) { http::async_read(waiting.stream(), buffer, res, std::move(handler)); });
    CHECK(ec);
    CHECK(ec != beast::error::timeout);
    CHECK(std::chrono::steady_clock::now() - read_started < 5s);
}
