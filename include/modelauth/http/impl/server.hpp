//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_IMPL_SERVER_HPP
#define MODELAUTH_HTTP_IMPL_SERVER_HPP

#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <csignal>
#include <stdexcept>
#include <system_error>
#include <unordered_map>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace http {
namespace detail {

// `{"error": code, "error_description": description}` with `status`.
inline server_response server_error(unsigned version, bool keep_alive, boost::beast::http::status status,
    std::string_view code, std::string_view description)
{
    namespace json = boost::json;
    server_response res{status, version};
    res.set(boost::beast::http::field::content_type, "application/json; charset=utf-8");
    res.body() = json::serialize(json::object{{"error", json::string_view(code.data(), code.size())},
        {"error_description", json::string_view(description.data(), description.size())}});
    res.prepare_payload();
    res.keep_alive(keep_alive);
    return res;
}

// The answer to a request Beast's parser refused: 413, 431 or 400.
inline server_response parser_refusal(boost::beast::error_code const& ec)
{
    namespace bhttp = boost::beast::http;
    return ec == bhttp::error::body_limit
        ? server_error(11, false, bhttp::status::payload_too_large, "content_too_large", "the request body is too large")
        : ec == bhttp::error::header_limit
        ? server_error(11, false, bhttp::status::request_header_fields_too_large, "invalid_request",
              "the request header is too large")
        : server_error(11, false, bhttp::status::bad_request, "invalid_request", "the request is not valid HTTP/1.1");
}

// No `Transfer-Encoding`, or exactly one field saying `chunked`.
inline bool has_plain_framing(server_request const& req) noexcept
{
    auto const fields = req.count(boost::beast::http::field::transfer_encoding);
    return fields == 0
        || (fields == 1 && boost::beast::iequals(req[boost::beast::http::field::transfer_encoding], "chunked"));
}

// Whether the parser refused the request (an answer is due), rather than
// the connection ending, timing out or being cancelled.
inline bool is_parser_refusal(boost::beast::error_code const& ec) noexcept
{
    namespace bhttp = boost::beast::http;
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()
        && ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

// A connection shutdown may close if it waits for a request.
class server_connection
{
public:
    virtual ~server_connection() = default;
    virtual void close_if_idle() = 0;
    [[nodiscard]] virtual boost::asio::any_io_executor executor() = 0;
};

// What the connections share with the server.
struct server_state
{
    server_handler handler;
    server_options options;
    std::size_t header_limit = 0;
    std::atomic<bool> stopping{false};
    std::atomic<std::size_t> open{0};
    std::atomic<std::uint64_t> refused{0};
    std::atomic<std::size_t> offloaded{0};
    boost::asio::thread_pool* offload_pool = nullptr;
    std::mutex mutex;
    std::unordered_map<server_connection*, std::weak_ptr<server_connection>> live;

    void refusal(unsigned status) const
    {
        if(options.on_refusal)
            options.on_refusal(status);
    }

    // Asks every live connection, on its strand, to close if idle.
    void close_idle()
    {
        std::vector<std::shared_ptr<server_connection>> all;
        {
            std::lock_guard<std::mutex> lock(mutex);
            for(auto const& entry : live)
                if(auto c = entry.second.lock())
                    all.push_back(std::move(c));
        }
        for(auto& c : all)
            boost::asio::dispatch(c->executor(), [c] { c->close_if_idle(); });
    }
};

// One connection: requests answered in turn while the client keeps it alive.
class server_session final : public server_connection, public std::enable_shared_from_this<server_session>
{
    using tcp = boost::asio::ip::tcp;
    using error_code = boost::beast::error_code;

public:
    server_session(tcp::socket&& socket, std::shared_ptr<server_state> state)
        : client_address_(address_of(socket))
        , stream_(std::move(socket))
        , state_(std::move(state))
    {
    }

    // Closes the socket before giving its place back: the count bounds the
    // file descriptors.
    ~server_session() override
    {
        error_code ignored;
        stream_.socket().close(ignored);
        {
            std::lock_guard<std::mutex> lock(state_->mutex);
            state_->live.erase(this);
        }
        state_->open.fetch_sub(1, std::memory_order_relaxed);
    }

    void run()
    {
        {
            std::lock_guard<std::mutex> lock(state_->mutex);
            state_->live.emplace(this, weak_from_this());
        }
        boost::asio::dispatch(
            stream_.get_executor(), boost::beast::bind_front_handler(&server_session::do_read, shared_from_this()));
    }

    void close_if_idle() override
    {
        if(! waiting_ || ! parser_ || parser_->got_some() || buffer_.size() != 0)
            return;
        error_code ec;
        if(stream_.socket().available(ec) != 0 && ! ec)
            return; // the first bytes of a request have arrived
        stream_.close(); // the pending read completes with operation_aborted
    }

    boost::asio::any_io_executor executor() override { return stream_.get_executor(); }

private:
    std::chrono::seconds timeout() const noexcept { return state_->options.read_timeout; }

    void do_read()
    {
        if(state_->stopping.load())
            return close_gracefully();
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(state_->header_limit));
        parser_->body_limit(state_->options.body_limit);
        waiting_ = true;
        // The whole header, from the first wait, within the header deadline:
        // a client trickling a byte at a time is cut off here.
        stream_.expires_after(state_->options.header_timeout);
        boost::beast::http::async_read_header(stream_, buffer_, *parser_,
            boost::beast::bind_front_handler(&server_session::on_header, shared_from_this()));
    }

    void on_header(error_code ec, std::size_t)
    {
        namespace bhttp = boost::beast::http;
        waiting_ = false;
        if(ec)
            return on_read_error(ec);
        auto const& req = parser_->get();
        if(! has_plain_framing(req))
        {
            // Beast 1.81 reads `Transfer-Encoding: chunked, gzip` (or `gzip`)
            // as a request without a body; RFC 9112 section 6.1 asks for 400
            // and the end of the connection.
            auto res = server_error(req.version(), false, bhttp::status::bad_request, "invalid_request",
                "the only Transfer-Encoding accepted is chunked");
            state_->refusal(res.result_int());
            return respond(std::move(res), true);
        }
        if(req.target().size() > state_->options.target_limit)
            return serve(parser_->release(), true); // unread body: the connection ends
        if(boost::beast::iequals(req[bhttp::field::expect], "100-continue"))
        {
            continue_.emplace(bhttp::status::continue_, req.version());
            stream_.expires_after(timeout());
            return bhttp::async_write(stream_, *continue_,
                boost::beast::bind_front_handler(&server_session::on_continue, shared_from_this()));
        }
        read_body();
    }

    void on_continue(error_code ec, std::size_t)
    {
        if(! ec)
            read_body();
    }

    void read_body()
    {
        stream_.expires_after(timeout());
        boost::beast::http::async_read(
            stream_, buffer_, *parser_, boost::beast::bind_front_handler(&server_session::on_read, shared_from_this()));
    }

    void on_read(error_code ec, std::size_t)
    {
        if(ec)
            return on_read_error(ec);
        serve(parser_->release(), false);
    }

    void on_read_error(error_code const& ec)
    {
        if(! is_parser_refusal(ec))
            return; // the client left, timed out, or shutdown closed the connection
        auto res = parser_refusal(ec);
        state_->refusal(res.result_int());
        respond(std::move(res), true);
    }

    void serve(server_request&& req, bool must_close)
    {
        auto const& options = state_->options;
        if(state_->offload_pool == nullptr || ! options.offload || ! options.offload(req))
            return respond(state_->handler(std::move(req), client_info{client_address_}), must_close);
        if(state_->offloaded.fetch_add(1) >= options.max_offloaded)
        {
            state_->offloaded.fetch_sub(1);
            auto res = server_error(req.version(), req.keep_alive(), boost::beast::http::status::service_unavailable,
                "temporarily_unavailable", options.busy_description);
            res.set(boost::beast::http::field::retry_after, "1");
            state_->refusal(res.result_int());
            return respond(std::move(res), must_close);
        }
        // The tracked executor keeps the io_context running until the answer
        // is written.
        auto back = boost::asio::prefer(stream_.get_executor(), boost::asio::execution::outstanding_work.tracked);
        boost::asio::post(*state_->offload_pool,
            [self = shared_from_this(), req = std::move(req), back, must_close]() mutable {
                auto res = self->state_->handler(std::move(req), client_info{self->client_address_});
                self->state_->offloaded.fetch_sub(1);
                boost::asio::post(back, [self, res = std::move(res), must_close]() mutable {
                    self->respond(std::move(res), must_close);
                });
            });
    }

    void respond(server_response&& res, bool must_close)
    {
        if(must_close || state_->stopping.load())
            res.keep_alive(false);
        res_ = std::move(res);
        stream_.expires_after(timeout());
        boost::beast::http::async_write(
            stream_, res_, boost::beast::bind_front_handler(&server_session::on_write, shared_from_this()));
    }

    void on_write(error_code ec, std::size_t)
    {
        if(ec)
            return;
        if(! res_.keep_alive())
            return close_gracefully();
        do_read();
    }

    // Sends FIN, then reads (and drops) what the client still sends until it
    // closes too, for at most the read timeout (10 s at most): closing with
    // unread bytes would reset the connection and could destroy the answer.
    void close_gracefully()
    {
        error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after((std::min)(timeout(), std::chrono::seconds(10)));
        drain();
    }

    void drain()
    {
        stream_.async_read_some(boost::asio::buffer(sink_), [self = shared_from_this()](error_code ec, std::size_t) {
            if(! ec)
                self->drain();
        });
    }

    static std::string address_of(tcp::socket const& socket)
    {
        error_code ec;
        auto const peer = socket.remote_endpoint(ec);
        return ec ? std::string() : peer.address().to_string();
    }

    std::string client_address_;
    boost::beast::tcp_stream stream_;
    std::shared_ptr<server_state> state_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::optional<boost::beast::http::response<boost::beast::http::empty_body>> continue_;
    server_response res_;
    std::array<char, 4096> sink_{};
    bool waiting_ = false;
};

} // namespace detail

inline http_server::http_server() = default;

inline http_server::~http_server()
{
    stop();
}

inline void http_server::start(server_handler handler, server_options options)
{
    namespace asio = boost::asio;
    using tcp = asio::ip::tcp;
    if(ioc_)
        throw std::logic_error("http_server: a server starts once");
    unsigned const threads = (std::max)(options.threads, 1u);
    ioc_.emplace(static_cast<int>(threads));

    std::string const where = options.host + ":" + std::to_string(options.port);
    boost::system::error_code ec;
    auto const address = asio::ip::make_address(options.host, ec);
    auto fail = [&](char const* what) {
        throw std::system_error(ec, "cannot " + std::string(what) + " " + where);
    };
    if(ec)
        fail("parse the address");
    acceptor_.emplace(asio::make_strand(*ioc_));
    tcp::endpoint const endpoint(address, options.port);
    if(acceptor_->open(endpoint.protocol(), ec); ec)
        fail("open a socket for");
    if(acceptor_->set_option(asio::socket_base::reuse_address(true), ec); ec)
        fail("set SO_REUSEADDR for");
    if(acceptor_->bind(endpoint, ec); ec)
        fail("bind");
    if(acceptor_->listen(asio::socket_base::max_listen_connections, ec); ec)
        fail("listen on");
    port_ = acceptor_->local_endpoint().port();
    std::string host = address.to_string();
    base_url_ = "http://" + (address.is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(port_);

    state_ = std::make_shared<detail::server_state>();
    state_->handler = std::move(handler);
    state_->header_limit = options.target_limit + 1024 > options.header_limit
        ? options.target_limit + options.header_limit
        : options.header_limit;
    state_->options = std::move(options);
    auto const& opts = state_->options;
    if(opts.offload)
    {
        offload_pool_.emplace(opts.offload_threads != 0 ? opts.offload_threads : threads);
        state_->offload_pool = &*offload_pool_;
    }
    retry_timer_.emplace(acceptor_->get_executor());
    maintenance_timer_.emplace(acceptor_->get_executor());
    if(opts.maintenance)
        asio::dispatch(acceptor_->get_executor(), [this] { schedule_maintenance(); });
    if(opts.stop_on_signals)
    {
        signals_.emplace(acceptor_->get_executor(), SIGINT, SIGTERM);
        signals_->async_wait([this](boost::system::error_code const& error, int) {
            if(! error)
                begin_shutdown();
        });
    }
    asio::dispatch(acceptor_->get_executor(), [this] { accept(); });
    threads_.reserve(threads);
    for(unsigned i = 0; i < threads; ++i)
        threads_.emplace_back([this] { ioc_->run(); });
    running_ = true;
}

inline void http_server::stop()
{
    if(! running_)
        return;
    boost::asio::post(acceptor_->get_executor(), [this] { begin_shutdown(); });
    wait();
    if(offload_pool_)
        offload_pool_->join();
    running_ = false;
    state_->handler = nullptr; // releases what the handler holds
}

inline void http_server::wait()
{
    std::lock_guard<std::mutex> lock(join_mutex_);
    for(auto& t : threads_)
        if(t.joinable())
            t.join();
}

inline std::size_t http_server::open_connections() const noexcept
{
    return state_ ? state_->open.load(std::memory_order_relaxed) : 0;
}

inline std::uint64_t http_server::refused_connections() const noexcept
{
    return state_ ? state_->refused.load(std::memory_order_relaxed) : 0;
}

inline std::size_t http_server::pending_offloaded() const noexcept
{
    return state_ ? state_->offloaded.load(std::memory_order_relaxed) : 0;
}

inline void http_server::accept()
{
    acceptor_->async_accept(boost::asio::make_strand(*ioc_),
        [this](boost::system::error_code ec, boost::asio::ip::tcp::socket socket) {
            if(! acceptor_->is_open() || state_->stopping.load())
                return;
            if(ec)
            {
                // E.g. out of file descriptors: try again a little later rather than spin.
                retry_timer_->expires_after(std::chrono::milliseconds(100));
                retry_timer_->async_wait([this](boost::system::error_code const& error) {
                    if(! error)
                        accept();
                });
                return;
            }
            // Over max_connections the new connection is closed at once: the
            // backlog keeps draining and open descriptors stay bounded.
            if(state_->open.fetch_add(1, std::memory_order_relaxed) >= state_->options.max_connections)
            {
                state_->open.fetch_sub(1, std::memory_order_relaxed);
                state_->refused.fetch_add(1, std::memory_order_relaxed);
                boost::system::error_code ignored;
                socket.close(ignored);
                return accept();
            }
            std::make_shared<detail::server_session>(std::move(socket), state_)->run();
            accept();
        });
}

inline void http_server::schedule_maintenance()
{
    maintenance_timer_->expires_after(state_->options.maintenance_interval);
    maintenance_timer_->async_wait([this](boost::system::error_code const& error) {
        if(error || state_->stopping.load())
            return;
        state_->options.maintenance();
        schedule_maintenance();
    });
}

inline void http_server::begin_shutdown()
{
    if(state_->stopping.exchange(true))
        return;
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    retry_timer_->cancel();
    maintenance_timer_->cancel();
    if(signals_)
        signals_->cancel(ignored);
    state_->close_idle();
}

} // namespace http
} // namespace v0
} // namespace modelauth

#endif
