//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// error_server: a small asynchronous Beast server that publishes modelauth's
// error catalogue and answers unknown routes the way modelauth maps errors.
//
//   error_server [--listen 127.0.0.1:8080]      (port 0 picks a free port)
//
//   GET /healthz   200 {"status":"ok"}
//   GET /version   200 {"modelauth":"0.1.0"}
//   GET /errors    200 [{"category","name","status","error","message"}, ...]
//   anything else  404 / 405, JSON {"error","error_description"}

#include <modelauth/modelauth.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/router/error.hpp>
#include <modelauth/validation/error.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <charconv>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

json::array error_catalogue()
{
    json::array out;
    for(auto const* category :
        {&modelauth::router::error_category(), &modelauth::jose::error_category(), &modelauth::jose::key_error_category(),
         &modelauth::validation::error_category(), &modelauth::http::error_category(),
         &modelauth::policy::error_category()})
        for(int v = 1; modelauth::error_name(std::error_code(v, *category)) != "unknown"; ++v)
        {
            std::error_code ec(v, *category);
            out.push_back({{"category", category->name()},
                           {"name", modelauth::error_name(ec)},
                           {"status", modelauth::http_status(ec)},
                           {"error", modelauth::rfc6750_error(ec)},
                           {"message", ec.message()}});
        }
    return out;
}

http::response<http::string_body> handle(http::request<http::string_body> const& req)
{
    auto reply = [&](http::status status, json::value const& body) {
        http::response<http::string_body> res{status, req.version()};
        res.set(http::field::content_type, "application/json; charset=utf-8");
        res.keep_alive(req.keep_alive());
        res.body() = json::serialize(body);
        res.prepare_payload();
        return res;
    };
    auto const target = req.target();
    bool const known = target == "/healthz" || target == "/version" || target == "/errors";
    if(! known)
    {
        // Unknown routes answer exactly as modelauth maps the router's code.
        std::error_code ec = modelauth::router::error::outside_mount_root;
        return reply(static_cast<http::status>(modelauth::http_status(ec)),
                     {{"error", "not_found"}, {"error_description", ec.message()}});
    }
    if(req.method() != http::verb::get)
    {
        auto res = reply(http::status::method_not_allowed,
                         {{"error", "method_not_allowed"}, {"error_description", "use GET"}});
        res.set(http::field::allow, "GET");
        return res;
    }
    if(target == "/healthz")
        return reply(http::status::ok, {{"status", "ok"}});
    if(target == "/version")
        return reply(http::status::ok, {{"modelauth", modelauth::version().text}});
    return reply(http::status::ok, error_catalogue());
}

// Shutdown: stop accepting, let in-flight requests finish, drop idle
// keep-alive connections after a grace period.
struct shutdown_state
{
    explicit shutdown_state(asio::io_context& ioc) : grace(ioc) {}
    asio::steady_timer grace;
    bool stopping = false;
    int live_sessions = 0;
};

class session : public std::enable_shared_from_this<session>
{
public:
    session(tcp::socket socket, shutdown_state& state) : stream_(std::move(socket)), state_(state)
    {
        ++state_.live_sessions;
    }

    ~session()
    {
        if(--state_.live_sessions == 0 && state_.stopping)
            state_.grace.cancel();
    }

    void read()
    {
        parser_.emplace();
        parser_->body_limit(64 * 1024);
        stream_.expires_after(std::chrono::seconds(30)); // slow clients cannot pin us
        http::async_read(stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if(ec)
                    return self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
                self->write(handle(self->parser_->get()));
            });
    }

private:
    void write(http::response<http::string_body> res)
    {
        auto sp = std::make_shared<http::response<http::string_body>>(std::move(res));
        http::async_write(stream_, *sp,
            [self = shared_from_this(), sp](beast::error_code ec, std::size_t) {
                if(! ec && sp->keep_alive() && ! self->state_.stopping)
                    return self->read();
                self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
            });
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    shutdown_state& state_;
};

void accept(tcp::acceptor& acceptor, shutdown_state& state)
{
    acceptor.async_accept([&acceptor, &state](beast::error_code ec, tcp::socket socket) {
        if(ec)
            return; // the acceptor was closed: shutting down
        std::make_shared<session>(std::move(socket), state)->read();
        accept(acceptor, state);
    });
}

} // namespace

int main(int argc, char** argv)
{
    std::string listen = "127.0.0.1:8080";
    if(argc == 3 && std::string(argv[1]) == "--listen")
        listen = argv[2];
    else if(argc != 1)
        return std::cerr << "usage: error_server [--listen HOST:PORT]\n", 2;

    auto const colon = listen.rfind(':');
    beast::error_code ec;
    unsigned short port = 0;
    auto const address = asio::ip::make_address(listen.substr(0, colon), ec);
    auto const [end, errc] = std::from_chars(listen.data() + colon + 1, listen.data() + listen.size(), port);
    if(colon == std::string::npos || ec || errc != std::errc() || end != listen.data() + listen.size())
        return std::cerr << "error_server: --listen: expected HOST:PORT, got " << listen << "\n", 2;

    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, {address, port});
    shutdown_state state(ioc);
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) {
        state.stopping = true;
        acceptor.close();
        if(state.live_sessions == 0)
            return;
        state.grace.expires_after(std::chrono::seconds(5));
        state.grace.async_wait([&](beast::error_code wait_ec) {
            if(wait_ec != asio::error::operation_aborted)
                ioc.stop(); // idle keep-alive connections are dropped
        });
    });
    accept(acceptor, state);

    auto const bound = acceptor.local_endpoint();
    std::cout << "listening on http://" << bound.address() << ":" << bound.port() << std::endl;
    ioc.run();
}
