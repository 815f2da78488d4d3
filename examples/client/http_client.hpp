//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// A tiny synchronous HTTP/1.1 client over plain TCP (Boost.Beast): one
// connection per request, a deadline for the whole exchange. TLS is out of
// scope, so base URLs are http://host[:port] only.

#ifndef MODELAUTH_EXAMPLES_CLIENT_HTTP_CLIENT_HPP
#define MODELAUTH_EXAMPLES_CLIENT_HTTP_CLIENT_HPP

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/result.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace client {

namespace beast = boost::beast;
namespace http = beast::http;

/// Where the server listens: parsed from "http://host[:port][/]".
struct base_url
{
    std::string host;      ///< a name, an IPv4 address or an IPv6 address (without brackets)
    std::string port;      ///< 1 to 65535; 80 when the URL names none
    std::string authority; ///< "host[:port]" as written, for the Host header
};

/// Parses a base URL; on failure returns nothing and says why in `why`.
inline std::optional<base_url> parse_base_url(std::string_view text, std::string& why)
{
    auto const separator = text.find("://");
    std::string scheme(text.substr(0, separator == std::string_view::npos ? 0 : separator));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    if(scheme != "http")
    {
        why = scheme == "https" ? "https:// is not supported: this client speaks plain HTTP only (TLS is out of "
                                  "scope); use http:// or a local TLS-terminating proxy"
                                : "the base URL must start with http://";
        return std::nullopt;
    }
    text.remove_prefix(separator + 3);
    if(! text.empty() && text.back() == '/')
        text.remove_suffix(1);
    base_url url{std::string(text), "80", std::string(text)};
    auto const colon = text.rfind(':');
    if(colon != std::string_view::npos && text.find(']', colon) == std::string_view::npos)
    {
        url.host = std::string(text.substr(0, colon));
        url.port = std::string(text.substr(colon + 1));
    }
    bool const bracketed = url.host.size() > 2 && url.host.front() == '[' && url.host.back() == ']';
    if(bracketed)
        url.host = url.host.substr(1, url.host.size() - 2);
    bool const host_ok = ! url.host.empty() && std::all_of(url.host.begin(), url.host.end(), [&](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '.' || (bracketed && c == ':');
    });
    unsigned port = 0;
    auto const [end, ec] = std::from_chars(url.port.data(), url.port.data() + url.port.size(), port);
    if(! host_ok || ec != std::errc() || end != url.port.data() + url.port.size() || port == 0 || port > 65535)
    {
        why = "the base URL must be http://host[:port] (no path, query or user name; port 1 to 65535)";
        return std::nullopt;
    }
    return url;
}

/// A response: status, header fields and body.
using response = http::response<http::string_body>;

/// Request header fields, in the order they are sent.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// Sends requests to one server, one connection per request. One per thread.
class http_client
{
public:
    explicit http_client(base_url url, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                         std::size_t body_limit = 1024 * 1024)
        : url_(std::move(url)), timeout_(timeout), body_limit_(body_limit)
    {}

    /** Sends one request and reads its response. Connecting, writing and
        reading together must finish within the timeout (`beast::error::timeout`
        otherwise); the name lookup has the system resolver's own limits.
        `content_type` is sent only with a non-empty `body`.
    */
    boost::system::result<response> request(http::verb method, std::string const& target,
                                            header_list const& headers = {}, std::string body = {},
                                            std::string_view content_type = "application/json") const
    {
        boost::asio::io_context ioc;
        beast::error_code ec;
        auto const endpoints = boost::asio::ip::tcp::resolver(ioc).resolve(url_.host, url_.port, ec);
        if(ec)
            return ec;

        http::request<http::string_body> req{method, target, 11};
        req.set(http::field::host, url_.authority);
        req.set(http::field::user_agent, "modelauth-client/0.1");
        req.set(http::field::accept, "application/json");
        for(auto const& [name, value] : headers)
            req.set(name, value);
        if(! body.empty())
            req.set(http::field::content_type, content_type);
        req.body() = std::move(body);
        req.keep_alive(false);
        req.prepare_payload();

        beast::tcp_stream stream(ioc);
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(body_limit_);
        // Beast's timeouts apply to asynchronous operations only: run each to its end.
        auto const wait = [&ioc](auto start) {
            beast::error_code result;
            start([&result](beast::error_code e, auto&&...) { result = e; });
            ioc.restart();
            ioc.run();
            return result;
        };
        stream.expires_after(timeout_);
        if((ec = wait([&](auto done) { stream.async_connect(endpoints, done); })))
            return ec;
        if((ec = wait([&](auto done) { http::async_write(stream, req, done); })))
            return ec;
        if((ec = wait([&](auto done) { http::async_read(stream, buffer, parser, done); })))
            return ec;
        // The whole answer is in; a failed shutdown changes nothing.
        stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
        return parser.release();
    }

private:
    base_url url_;
    std::chrono::milliseconds timeout_;
    std::size_t body_limit_;
};

} // namespace client

#endif
