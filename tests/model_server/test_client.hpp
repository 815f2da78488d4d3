//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TESTS_MODEL_SERVER_TEST_CLIENT_HPP
#define MODELAUTH_TESTS_MODEL_SERVER_TEST_CLIENT_HPP

// What the reference server's restart and replica tests share: one user who
// may do everything on two models of one account, and a Beast client.

#include "server.hpp"

#include <modelauth/tokens/password.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <string>

namespace modelauth_test {
namespace server_client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using response = http::response<http::string_body>;

inline std::string const password = "restart password";
inline std::string const diamond = "/models/practicus/diamond-price/";
inline std::string const churn = "/models/practicus/churn/";
inline std::string const instance_tokens = "/v1alpha/projects/demo/regions/eu01/instances/demo/tokens";

// One user who may do everything, two models of one account on one
// instance; the caller adds where the state lives.
inline json::object two_model_config(unsigned short port)
{
    static std::string const hash = modelauth::tokens::hash_password(password, 100000).value();
    return json::object{
        {"listen", "127.0.0.1:" + std::to_string(port)},
        {"threads", 2},
        {"accounts", json::array{json::object{{"id", "demo"}, {"spaces", json::array{"default"}}}}},
        {"instances", json::array{json::object{{"project", "demo"}, {"region", "eu01"}, {"id", "demo"}}}},
        {"users", json::array{json::object{{"email", "alice@example.com"}, {"password", hash}, {"account", "demo"},
                      {"scopes", json::array{"models:read", "models:infer", "tokens:manage"}},
                      {"instances", json::array{"demo/eu01/demo"}}}}},
        {"models", json::array{
            json::object{{"model_id", 1}, {"prefix", "models/practicus"}, {"name", "diamond-price"},
                {"versions", json::array{"1", "2"}}, {"kind", "linear"}, {"weights", json::array{3900.0, 60.0}},
                {"bias", -250.0}, {"account", "demo"}, {"space", "default"}, {"instance", "demo/eu01/demo"}},
            json::object{{"model_id", 2}, {"prefix", "models/practicus"}, {"name", "churn"},
                {"versions", json::array{"1"}}, {"kind", "logistic"}, {"weights", json::array{0.8, -0.05, 1.2}},
                {"bias", -0.5}, {"account", "demo"}, {"space", "default"}, {"instance", "demo/eu01/demo"}}}},
    };
}

// A Beast client: one request per connection.
class client
{
public:
    explicit client(unsigned short port) : port_(port) {}

    response call(std::string const& method, std::string const& target, std::string const& headers = {},
        std::string const& body = {}) const
    {
        asio::io_context ioc;
        beast::tcp_stream stream(ioc);
        stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
        std::string raw = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers;
        if(! body.empty())
            raw += "Content-Type: application/json\r\n";
        raw += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        asio::write(stream.socket(), asio::buffer(raw));
        beast::flat_buffer buffer;
        response res;
        beast::error_code ec;
        http::read(stream, buffer, res, ec);
        REQUIRE_MESSAGE(! ec, ec.message());
        return res;
    }

    // The JSON answer of a call that must have `status`.
    json::object expect(unsigned status, std::string const& method, std::string const& target,
        std::string const& headers = {}, json::object const& body = {}) const
    {
        auto const res = call(method, target, headers, body.empty() ? std::string() : json::serialize(body));
        REQUIRE_MESSAGE(res.result_int() == status, method << " " << target << ": " << res.body());
        return res.body().empty() ? json::object() : json::parse(res.body()).as_object();
    }

    // What inference on `target` with `credential_header` answers.
    unsigned infer(std::string const& target, std::string const& credential_header) const
    {
        json::array rows; // not json::array{row}: that would copy `row` (one element of its own type)
        rows.emplace_back(target == churn ? json::array{1, 2, 3} : json::array{1, 2});
        return call("POST", target, credential_header, json::serialize(json::object{{"inputs", std::move(rows)}}))
            .result_int();
    }

private:
    unsigned short port_;
};

inline std::string bearer(std::string const& token)
{
    return "Authorization: Bearer " + token + "\r\n";
}

inline std::string str(json::value const& v)
{
    return std::string(v.as_string());
}

} // namespace server_client
} // namespace modelauth_test

#endif
