//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_DETAIL_HTTPS_GET_HPP
#define MODELAUTH_VALIDATION_DETAIL_HTTPS_GET_HPP

// One GET of a small document over HTTPS (or loopback HTTP), bounded in
// every way: a connect deadline, a deadline on the whole exchange, a body
// limit, no redirect followed, the peer verified against the context's CAs
// and its certificate checked for the URL's host (SNI sent for names).
// Beast's SSL client (beast/example/http/client/async-ssl) with the limits a
// fetch of an identity provider's keys needs.

#include <modelauth/configuration_error.hpp>
#include <modelauth/validation/remote_keys.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace validation {
namespace detail {

namespace net = boost::asio;
namespace beast = boost::beast;

struct fetch_limits
{
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds request_timeout{10000};
    std::size_t max_body_bytes = 1024 * 1024;
    std::string user_agent;
};

struct fetched_document
{
    std::string body;
    // The response's `Cache-Control`, if any.
    std::string cache_control;
};

// A TLS client context trusting `ca_file` (PEM), or the system's CAs when
// it is empty: TLS 1.2 or newer, the peer always verified.
// Throws configuration_error naming `field` when the CA file does not load.
inline std::shared_ptr<net::ssl::context> make_client_tls_context(std::string const& ca_file, std::string const& field)
{
    auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_verify_mode(net::ssl::verify_peer);
    boost::system::error_code ec;
    if(ca_file.empty())
        ctx->set_default_verify_paths(ec);
    else
        ctx->load_verify_file(ca_file, ec);
    if(ec)
        throw configuration_error(field, ca_file.empty() ? "the system's CA store does not load"
                                                         : "does not load as a PEM file of CA certificates: " + ca_file);
    return ctx;
}

using fetch_handler = std::function<void(std::error_code, fetched_document)>;

// One GET. Runs its handlers on `executor` (a strand when the executor has
// several threads); `cancel` from that executor ends it with
// net::error::operation_aborted.
class https_get : public std::enable_shared_from_this<https_get>
{
public:
    https_get(net::any_io_executor executor, std::shared_ptr<net::ssl::context> tls, fetch_url url,
              fetch_limits limits, fetch_handler handler)
        : executor_(std::move(executor))
        , tls_(std::move(tls))
        , url_(std::move(url))
        , limits_(std::move(limits))
        , handler_(std::move(handler))
        , resolver_(executor_)
        , deadline_(executor_)
        , stream_(beast::tcp_stream(executor_), *tls_)
    {
    }

    void start()
    {
        started_ = std::chrono::steady_clock::now();
        // The resolver has no deadline of its own: the timer cancels it.
        deadline_.expires_after(limits_.request_timeout);
        deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if(! ec && ! self->resolved_)
            {
                self->timed_out_ = true;
                self->resolver_.cancel();
            }
        });
        resolver_.async_resolve(url_.host, std::to_string(url_.port),
                                [self = shared_from_this()](boost::system::error_code ec, net::ip::tcp::resolver::results_type results) {
                                    self->on_resolve(ec, std::move(results));
                                });
    }

    void cancel()
    {
        cancelled_ = true;
        resolver_.cancel();
        deadline_.cancel();
        beast::get_lowest_layer(stream_).cancel();
    }

private:
    std::chrono::milliseconds remaining() const
    {
        auto const spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_);
        auto const left = limits_.request_timeout - spent;
        return left > std::chrono::milliseconds(1) ? left : std::chrono::milliseconds(1);
    }

    void finish(std::error_code ec, fetched_document doc = {})
    {
        deadline_.cancel();
        boost::system::error_code ignored;
        beast::get_lowest_layer(stream_).socket().close(ignored);
        if(cancelled_)
            ec = std::make_error_code(std::errc::operation_canceled);
        auto handler = std::move(handler_);
        handler_ = nullptr;
        if(handler)
            handler(ec, std::move(doc));
    }

    // Whether `ec` ended the exchange, answering it if so.
    bool failed(boost::system::error_code ec, fetch_error otherwise)
    {
        if(! ec)
            return false;
        if(cancelled_)
            finish(std::make_error_code(std::errc::operation_canceled));
        else if(ec == beast::error::timeout || timed_out_)
            finish(fetch_error::timeout);
        else
            finish(otherwise);
        return true;
    }

    void on_resolve(boost::system::error_code ec, net::ip::tcp::resolver::results_type results)
    {
        resolved_ = true;
        if(failed(ec, fetch_error::unreachable))
            return;
        auto& tcp = beast::get_lowest_layer(stream_);
        tcp.expires_after((std::min)(limits_.connect_timeout, remaining()));
        tcp.async_connect(results, [self = shared_from_this()](boost::system::error_code ec, net::ip::tcp::endpoint const&) {
            self->on_connect(ec);
        });
    }

    void on_connect(boost::system::error_code ec)
    {
        if(failed(ec, fetch_error::unreachable))
            return;
        if(! url_.tls)
        {
            write_request();
            return;
        }
        // SNI for a name (RFC 6066 forbids it for an address); the leaf
        // certificate must be for the URL's host, name or address.
        if(! url_.host_is_address && ! SSL_set_tlsext_host_name(stream_.native_handle(), url_.host.c_str()))
        {
            finish(fetch_error::tls_failure);
            return;
        }
        stream_.set_verify_callback(net::ssl::host_name_verification(url_.host));
        beast::get_lowest_layer(stream_).expires_after(remaining());
        stream_.async_handshake(net::ssl::stream_base::client, [self = shared_from_this()](boost::system::error_code ec) {
            if(self->failed(ec, fetch_error::tls_failure))
                return;
            self->write_request();
        });
    }

    void write_request()
    {
        request_.version(11);
        request_.method(beast::http::verb::get);
        request_.target(url_.target);
        request_.set(beast::http::field::host, url_.host_header());
        request_.set(beast::http::field::accept, "application/json");
        request_.set(beast::http::field::connection, "close");
        if(! limits_.user_agent.empty())
            request_.set(beast::http::field::user_agent, limits_.user_agent);
        beast::get_lowest_layer(stream_).expires_after(remaining());
        auto on_write = [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
            if(self->failed(ec, fetch_error::unreachable))
                return;
            self->read_response();
        };
        if(url_.tls)
            beast::http::async_write(stream_, request_, std::move(on_write));
        else
            beast::http::async_write(beast::get_lowest_layer(stream_), request_, std::move(on_write));
    }

    void read_response()
    {
        parser_.emplace();
        parser_->header_limit(16 * 1024);
        parser_->body_limit(limits_.max_body_bytes);
        beast::get_lowest_layer(stream_).expires_after(remaining());
        auto on_read = [self = shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_read(ec); };
        if(url_.tls)
            beast::http::async_read(stream_, buffer_, *parser_, std::move(on_read));
        else
            beast::http::async_read(beast::get_lowest_layer(stream_), buffer_, *parser_, std::move(on_read));
    }

    void on_read(boost::system::error_code ec)
    {
        if(ec == beast::http::error::body_limit)
        {
            finish(fetch_error::body_too_large);
            return;
        }
        if(failed(ec, fetch_error::bad_response))
            return;
        auto& res = parser_->get();
        auto const status = res.result_int();
        if(status >= 300 && status < 400)
        {
            finish(fetch_error::redirect_refused);
            return;
        }
        if(status != 200)
        {
            finish(fetch_error::bad_status);
            return;
        }
        fetched_document doc;
        doc.body = std::move(res.body());
        if(auto const cc = res.find(beast::http::field::cache_control); cc != res.end())
            doc.cache_control.assign(cc->value().data(), cc->value().size());
        finish({}, std::move(doc));
    }

    net::any_io_executor executor_;
    std::shared_ptr<net::ssl::context> tls_; // outlives the stream that uses it
    fetch_url url_;
    fetch_limits limits_;
    fetch_handler handler_;
    net::ip::tcp::resolver resolver_;
    net::steady_timer deadline_;
    beast::ssl_stream<beast::tcp_stream> stream_;
    beast::flat_buffer buffer_;
    beast::http::request<beast::http::empty_body> request_;
    std::optional<beast::http::response_parser<beast::http::string_body>> parser_;
    std::chrono::steady_clock::time_point started_{};
    bool resolved_ = false;
    bool timed_out_ = false;
    bool cancelled_ = false;
};

} // namespace detail
} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
