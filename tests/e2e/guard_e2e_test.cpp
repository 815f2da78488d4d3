//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// End to end: a real Beast server on 127.0.0.1 with a guarded handler, and a
// real Beast client sending raw requests over TCP, so every header goes
// through Beast's parser exactly as in production.

#include <modelauth/http/guarded_handler.hpp>

#include <modelauth/jose/jws.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace ma = modelauth;
namespace jose = modelauth::jose;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// One server for the whole file: started on first use, on a free port.
class test_server
{
public:
    test_server()
        : key_(jose::key::generate(jose::algorithm::eddsa, "k").value())
        , acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0})
    {
        ma::trusted_issuer issuer;
        issuer.issuer = "https://login.example.test";
        issuer.keys = jose::key_set::from_keys({key_}).value();
        issuer.audiences = {"models"};
        ma::model_description model;
        model.model_id = 1;
        model.prefix = "models/practicus";
        model.name = "diamond-price";
        model.versions = {"1", "2"};
        auto guard = std::make_shared<ma::http::Guard const>(
            std::make_shared<ma::TokenValidator<> const>(std::vector<ma::trusted_issuer>{issuer}),
            std::make_shared<ma::ModelUrlRouter const>(ma::model_registry({model})),
            std::make_shared<ma::ScopePolicy const>());
        handler_ = ma::http::guarded(
            guard, [](ma::http::AuthContext const& ctx, http::request<http::string_body>&& req) {
                http::response<http::string_body> res{http::status::ok, req.version()};
                res.body() = "model " + std::to_string(ctx.endpoint.model_id()) + " for " + ctx.principal->subject
                    + (req.count(http::field::authorization) ? " (credentials seen)" : "");
                res.prepare_payload();
                return res;
            });
        accept();
        thread_ = std::thread([this] { ioc_.run(); });
    }

    ~test_server()
    {
        asio::post(ioc_, [this] { acceptor_.close(); });
        ioc_.stop();
        thread_.join();
    }

    unsigned short port() const { return acceptor_.local_endpoint().port(); }

    std::string token(std::string const& scope, std::int64_t exp = 4102444800) const
    {
        boost::json::object claims{{"iss", "https://login.example.test"}, {"sub", "alice"}, {"aud", "models"},
            {"exp", exp}, {"scope", scope}};
        return jose::sign_compact_jws(boost::json::serialize(claims), key_).value();
    }

private:
    void accept()
    {
        acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if(ec)
                return;
            // One request per connection keeps the test server small.
            auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
            auto buffer = std::make_shared<beast::flat_buffer>();
            auto req = std::make_shared<http::request<http::string_body>>();
            http::async_read(*stream, *buffer, *req, [this, stream, buffer, req](beast::error_code rec, std::size_t) {
                if(rec)
                    return;
                auto res = std::make_shared<http::response<http::string_body>>(handler_(std::move(*req)));
                res->keep_alive(false);
                http::async_write(*stream, *res, [stream, res](beast::error_code, std::size_t) {
                    beast::error_code ignored;
                    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
                });
            });
            accept();
        });
    }

    jose::key key_;
    asio::io_context ioc_;
    tcp::acceptor acceptor_;
    std::function<http::response<http::string_body>(http::request<http::string_body>&&)> handler_;
    std::thread thread_;
};

test_server& server()
{
    static test_server s;
    return s;
}

// Sends raw request bytes (so hostile headers reach the server unchanged)
// and parses the answer with Beast's client parser.
http::response<http::string_body> send(std::string const& raw)
{
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server().port()));
    asio::write(stream.socket(), asio::buffer(raw));
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    beast::error_code ec;
    http::read(stream, buffer, res, ec);
    REQUIRE_FALSE(ec);
    return res;
}

std::string request_with(std::string const& target, std::string const& headers)
{
    return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n" + headers + "\r\n";
}

std::string const diamond = "/models/practicus/diamond-price/";

std::string field(http::response<http::string_body> const& res, http::field f)
{
    return std::string(res[f]);
}

} // namespace

TEST_CASE("e2e: an allowed request reaches the model without its credentials")
{
    auto const res = send(request_with(diamond, "Authorization: Bearer " + server().token("models:infer") + "\r\n"));
    CHECK(res.result_int() == 200);
    CHECK(res.body() == "model 1 for alice");
}

TEST_CASE("e2e H1: no credentials: 401 with a bare challenge")
{
    auto const res = send(request_with(diamond, ""));
    CHECK(res.result_int() == 401);
    CHECK(field(res, http::field::www_authenticate) == "Bearer realm=\"models\"");
    CHECK(field(res, http::field::content_type) == "application/json; charset=utf-8");
}

TEST_CASE("e2e H2: the scheme is case-insensitive")
{
    for(auto const* scheme : {"bearer", "BEARER", "BeArEr"})
    {
        CAPTURE(scheme);
        auto const res = send(
            request_with(diamond, std::string("Authorization: ") + scheme + " " + server().token("models:infer") + "\r\n"));
        CHECK(res.result_int() == 200);
    }
}

TEST_CASE("e2e H3, H5, H7, H8: malformed or repeated credentials: 400 invalid_request")
{
    auto const t = server().token("models:infer");
    std::string const cases[] = {
        "Authorization: Bearer\r\n",                                             // H3
        "Authorization: Bearer a b\r\n",                                         // H5
        "Authorization: Bearer " + t + "\r\nAuthorization: Bearer " + t + "\r\n", // H7
        "Authorization: Bearer a, Bearer b\r\n",                                 // H8
    };
    for(auto const& headers : cases)
    {
        CAPTURE(headers);
        auto const res = send(request_with(diamond, headers));
        CHECK(res.result_int() == 400);
        CHECK(res.body().find("\"invalid_request\"") != std::string::npos);
    }
}

TEST_CASE("e2e H10, H15: another scheme gets a bare challenge; a bad token gets invalid_token without echo")
{
    auto res = send(request_with(diamond, "Authorization: Basic YWxpY2U6c2VjcmV0\r\n"));
    CHECK(res.result_int() == 401);
    CHECK(field(res, http::field::www_authenticate) == "Bearer realm=\"models\"");

    auto forged = server().token("models:infer");
    forged.back() = forged.back() == 'A' ? 'B' : 'A';
    res = send(request_with(diamond, "Authorization: Bearer " + forged + "\r\n"));
    CHECK(res.result_int() == 401);
    CHECK(field(res, http::field::www_authenticate).find("error=\"invalid_token\"") != std::string::npos);
    CHECK(res.body().find(forged.substr(0, 20)) == std::string::npos);
    CHECK(field(res, http::field::www_authenticate).find(forged.substr(0, 20)) == std::string::npos);

    res = send(request_with(diamond, "Authorization: Bearer " + server().token("models:infer", 1000) + "\r\n"));
    CHECK(res.result_int() == 401);
}

TEST_CASE("e2e H14: a token without the scope gets 403 insufficient_scope naming it")
{
    auto const res = send(request_with(diamond, "Authorization: Bearer " + server().token("models:read") + "\r\n"));
    CHECK(res.result_int() == 403);
    auto const challenge = field(res, http::field::www_authenticate);
    CHECK(challenge.find("error=\"insufficient_scope\"") != std::string::npos);
    CHECK(challenge.find("scope=\"models:infer:models/practicus/diamond-price\"") != std::string::npos);
}

TEST_CASE("e2e: unknown models, missing slashes, hostile and over-long targets")
{
    auto const auth = "Authorization: Bearer " + server().token("models:infer") + "\r\n";
    auto res = send(request_with("/models/practicus/nope/", auth));
    CHECK(res.result_int() == 404);
    res = send(request_with("/models/practicus/diamond-price?get_meta=true", auth));
    CHECK(res.result_int() == 308);
    CHECK(field(res, http::field::location) == "/models/practicus/diamond-price/?get_meta=true");
    res = send(request_with("/models/practicus/%2e%2e/admin/", ""));
    CHECK(res.result_int() == 400);
    res = send(request_with("/models/" + std::string(3000, 'a') + "/", ""));
    CHECK(res.result_int() == 414);
}
