//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_SERVER_HPP
#define MODELAUTH_HTTP_SERVER_HPP

/** @file
    An OPTIONAL, small, hardened HTTP/1.1 server (Boost.Beast, asynchronous)
    that answers every request with one user handler. It does network I/O:
    nothing of the request path (`<modelauth/modelauth.hpp>`) includes it;
    include it directly.

    @code
    modelauth::http::server_options options;
    options.port = 8080;
    options.threads = 4;
    modelauth::http::http_server server;
    server.start([](modelauth::http::server_request&& req, modelauth::http::client_info const&) {
        modelauth::http::server_response res{boost::beast::http::status::ok, req.version()};
        res.body() = "hello";
        res.prepare_payload();
        return res;
    }, options);
    std::cout << "listening on " << server.base_url() << std::endl;
    server.wait();                             // until stop() or, if asked for, SIGINT / SIGTERM
    @endcode

    What it guarantees, for every connection:
    - at most `server_options::max_connections` are open; one more is closed
      as soon as it is accepted (the listen backlog keeps draining);
    - one strand per connection, requests answered in turn (keep-alive);
      `threads` threads run the I/O;
    - a request's header, including the wait for it on a kept-alive
      connection, must arrive within `header_timeout` in all; its body, and
      every write, have `read_timeout`;
    - the parser's header limit is `header_limit` (raised to
      `target_limit + header_limit` when the target limit needs it), its body
      limit `body_limit`. A request the parser refuses is answered 413 (body),
      431 (header) or 400, a `Transfer-Encoding` other than exactly `chunked`
      400 (RFC 9112 section 6.1), all with `{"error","error_description"}`,
      and the connection is closed gracefully (FIN, then draining);
    - a target longer than `target_limit` is handed to the handler at once
      without reading the body; the connection closes after the answer;
    - `Expect: 100-continue` is honoured;
    - requests for which `offload` says true run on a separate pool of
      `offload_threads` threads, so that slow work (PBKDF2 logins) never holds
      up the I/O threads; at most `max_offloaded` wait or run at once, more
      are answered 503 with `Retry-After: 1`;
    - `maintenance`, when set, runs every `maintenance_interval` on the
      acceptor's strand until shutdown;
    - `stop` shuts down gracefully: no more accepts, idle connections closed,
      requests in progress answered (with `Connection: close`).
*/

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace http {

/// The request type `http_server` hands to its handler.
using server_request = boost::beast::http::request<boost::beast::http::string_body>;

/// The response type the handler answers with.
using server_response = boost::beast::http::response<boost::beast::http::string_body>;

/// What the server knows of a request's client.
struct client_info
{
    /// The peer's IP address as text ("" if the socket could not tell).
    std::string_view address;
};

/** The handler: answers one request. Called on a connection's strand (or
    on the offload pool), concurrently for different connections: it must
    be safe to call from several threads at once. It should not throw;
    what it throws ends the connection without an answer.
*/
using server_handler = std::function<server_response(server_request&&, client_info const&)>;

/// How an `http_server` listens and what it allows.
struct server_options
{
    /// The IP address literal to bind (no brackets for IPv6).
    std::string host = "127.0.0.1";

    /// The TCP port; 0: any free port (`http_server::port` says which).
    std::uint16_t port = 0;

    /// The I/O threads (at least 1); also the offload pool's size when
    /// `offload_threads` is 0.
    unsigned threads = 1;

    /// The most bytes of a request body (413 beyond).
    std::size_t body_limit = 1048576;

    /// The most bytes of a request target: a longer one is passed to the
    /// handler without its body, and the connection closed after it.
    std::size_t target_limit = 2048;

    /// The least header limit of the parser (431 beyond).
    std::size_t header_limit = 8 * 1024;

    /// The time a request header has in all, from the first wait.
    std::chrono::seconds header_timeout{10};

    /// The time a body read, and every write, has.
    std::chrono::seconds read_timeout{30};

    /// The most connections open at once.
    std::size_t max_connections = 10000;

    /// Stop gracefully on SIGINT and SIGTERM.
    bool stop_on_signals = false;

    /// Whether a request runs on the offload pool; empty: none does.
    std::function<bool(server_request const&)> offload;

    /// The offload pool's threads; 0: `threads`.
    unsigned offload_threads = 0;

    /// The most offloaded requests waiting or running at once; more get 503
    /// `{"error":"temporarily_unavailable","error_description":<busy_description>}`
    /// with `Retry-After: 1`.
    std::size_t max_offloaded = 64;

    /// The `error_description` of that 503.
    std::string busy_description = "too many requests are in progress; try again shortly";

    /// Run every `maintenance_interval` on the acceptor's strand; empty: nothing.
    std::function<void()> maintenance;

    /// How often `maintenance` runs.
    std::chrono::milliseconds maintenance_interval = std::chrono::seconds(60);

    /// Told the status of every answer the server gives itself (parser
    /// refusals, framing 400, offload 503); called on I/O threads, concurrently.
    std::function<void(unsigned status)> on_refusal;
};

namespace detail {
struct server_state;
} // namespace detail

/** The server. `start` binds and runs; `stop` shuts down gracefully and
    joins every thread.

    Thread safety: `start`, `stop` and `wait` are for the owning thread
    (`stop` must not be called from the handler); the accessors may be read
    from any thread at any time.

    Complexity: per request, parsing linear in its header and body (both
    bounded by the limits) plus the handler; per connection one strand, one
    parser and one buffer; the connection registry is a hash map (shutdown
    walks it once).
*/
class http_server
{
public:
    http_server();
    http_server(http_server const&) = delete;
    http_server& operator=(http_server const&) = delete;

    /// Stops the server if it runs.
    ~http_server();

    /** Binds `options.host:options.port`, then runs `options.threads`
        threads answering with `handler`. Returns once connections are
        accepted.

        @throws std::system_error when the address cannot be parsed or bound
        (its `what()` names the address and the step); `std::logic_error` if
        this server was started before.
    */
    void start(server_handler handler, server_options options);

    /** Shuts down gracefully and waits until every connection is done.
        Does nothing if the server never started or has stopped.
    */
    void stop();

    /// Blocks until the server has shut down (after `stop` from another
    /// thread or a signal).
    void wait();

    /// The port bound (the real one when the options said 0).
    [[nodiscard]] unsigned short port() const noexcept { return port_; }

    /// `http://<host>:<port>` of the address bound, IPv6 in brackets.
    [[nodiscard]] std::string const& base_url() const noexcept { return base_url_; }

    /// Connections open now.
    [[nodiscard]] std::size_t open_connections() const noexcept;

    /// Connections closed at accept since start (`max_connections` were open).
    [[nodiscard]] std::uint64_t refused_connections() const noexcept;

    /// Offloaded requests waiting or running now.
    [[nodiscard]] std::size_t pending_offloaded() const noexcept;

private:
    void accept();
    void schedule_maintenance();
    void begin_shutdown();

    bool running_ = false;
    unsigned short port_ = 0;
    std::string base_url_;
    std::shared_ptr<detail::server_state> state_;
    std::optional<boost::asio::io_context> ioc_;
    std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
    std::optional<boost::asio::steady_timer> retry_timer_;
    std::optional<boost::asio::steady_timer> maintenance_timer_;
    std::optional<boost::asio::signal_set> signals_;
    std::optional<boost::asio::thread_pool> offload_pool_;
    std::mutex join_mutex_;
    std::vector<std::thread> threads_;
};

} // namespace http
} // namespace v0
} // namespace modelauth

#include <modelauth/http/impl/server.hpp>

#endif
