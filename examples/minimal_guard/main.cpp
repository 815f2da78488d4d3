//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// minimal_guard [--listen 127.0.0.1:8081]: one toy model behind modelauth's guard, async Beast.
//   POST /models/demo/echo/ {"inputs":[[1,2],[3,4]]} -> {"outputs":[3,7]} (each row's sum), with an
//   HS256 token (iss "minimal-guard", aud "models", scope models:infer) keyed by MODELAUTH_DEMO_SECRET;
//   unset: a random key, and a demo token printed once. GET /metrics: Prometheus text, no auth.

#include <modelauth/modelauth.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <openssl/rand.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace jose = modelauth::jose;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

namespace {

response reply(request const& req, http::status status, std::string body, char const* type = "application/json")
{
    response res{status, req.version()};
    res.set(http::field::content_type, type);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

// The toy model, called by the guard only for allowed requests.
response infer(modelauth::http::AuthContext const&, request&& req)
{
    json::error_code ec;
    auto const in = json::parse(req.body(), ec);
    auto const* inputs = ! ec && in.is_object() ? in.as_object().if_contains("inputs") : nullptr;
    auto const* rows = inputs != nullptr && req.method() == http::verb::post ? inputs->if_array() : nullptr;
    json::array outputs;
    for(std::size_t i = 0; rows != nullptr && i < rows->size(); ++i)
    {
        auto const* cells = (*rows)[i].if_array();
        double sum = cells != nullptr ? 0 : NAN;
        for(std::size_t j = 0; cells != nullptr && j < cells->size(); ++j)
            sum += (*cells)[j].is_number() ? (*cells)[j].to_number<double>() : NAN;
        bool const integral = sum == std::trunc(sum) && std::fabs(sum) < 0x1p53; // false for NaN, inf
        outputs.push_back(integral ? json::value(std::int64_t(sum)) : json::value(sum));
        rows = std::isfinite(sum) ? rows : nullptr;
    }
    if(rows == nullptr)
        return reply(req, http::status::bad_request,
            R"({"error":"invalid_request","error_description":"expected POST {\"inputs\":[[number, ...], ...]}"})");
    return reply(req, http::status::ok, json::serialize(json::object{{"outputs", outputs}}));
}

// What all connections share. Shutdown as in error_server: stop accepting, let in-flight
// requests finish, drop idle keep-alive connections after a grace period.
struct server
{
    explicit server(asio::io_context& ioc) : grace(ioc) {}
    modelauth::http::guard_metrics metrics;
    std::shared_ptr<modelauth::http::Guard const> guard;
    std::function<response(request&&)> model; // `infer` behind the guard
    asio::steady_timer grace;
    bool stopping = false;
    int live_sessions = 0;

    response handle(request&& req) const
    {
        if(req.target() != "/metrics")
            return model(std::move(req));
        return reply(req, http::status::ok, metrics.prometheus_text(&guard->validator().cache()), "text/plain");
    }
};

struct session : std::enable_shared_from_this<session>
{
    session(asio::ip::tcp::socket s, server& sv) : stream(std::move(s)), srv(sv) { ++srv.live_sessions; }
    ~session()
    {
        if(--srv.live_sessions == 0 && srv.stopping)
            srv.grace.cancel();
    }
    beast::tcp_stream stream;
    server& srv;
    beast::flat_buffer buffer;
    std::optional<http::request_parser<http::string_body>> parser;

    void read()
    {
        parser.emplace().body_limit(64 * 1024);
        stream.expires_after(std::chrono::seconds(30)); // slow clients cannot pin us
        http::async_read(stream, buffer, *parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if(ec)
                return self->close();
            auto res = std::make_shared<response>(self->srv.handle(self->parser->release()));
            http::async_write(self->stream, *res, [self, res](beast::error_code wec, std::size_t) {
                if(! wec && res->keep_alive() && ! self->srv.stopping)
                    return self->read();
                self->close();
            });
        });
    }

    void close()
    {
        beast::error_code ec;
        stream.socket().shutdown(asio::socket_base::shutdown_send, ec); // the peer may be gone: ignored
    }
};

void accept(asio::ip::tcp::acceptor& acceptor, server& srv)
{
    acceptor.async_accept([&](beast::error_code ec, asio::ip::tcp::socket socket) {
        if(ec)
            return; // the acceptor was closed: shutting down
        std::make_shared<session>(std::move(socket), srv)->read();
        accept(acceptor, srv);
    });
}

} // namespace

int main(int argc, char** argv)
{
    std::string const listen = argc == 3 && std::string(argv[1]) == "--listen" ? argv[2] : "127.0.0.1:8081";
    auto const colon = std::min(listen.rfind(':'), listen.size());
    beast::error_code ec;
    auto const address = asio::ip::make_address(listen.substr(0, colon), ec);
    char* end = nullptr;
    auto const port = std::strtoul(listen.c_str() + std::min(colon + 1, listen.size()), &end, 10);
    if(argc != (listen == argv[argc - 1] ? 3 : 1) || colon == listen.size() || *end != '\0' || port > 65535 || ec)
        return std::cerr << "usage: minimal_guard [--listen HOST:PORT]\n", 2;

    char const* const env_secret = std::getenv("MODELAUTH_DEMO_SECRET");
    std::string secret(32, '\0');
    if(env_secret != nullptr)
        secret = env_secret;
    else if(RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), 32) != 1)
        return std::cerr << "minimal_guard: no random bytes for the demo secret\n", 1;
    auto const key = jose::key::from_secret(secret, jose::algorithm::hs256, "demo");
    if(! key)
        return std::cerr << "minimal_guard: MODELAUTH_DEMO_SECRET: " << key.error().message() << "\n", 2;

    modelauth::trusted_issuer idp;
    idp.issuer = "minimal-guard";
    idp.keys = jose::key_set::from_keys({*key}).value();
    idp.audiences = {"models"};
    auto const models = json::parse(R"([{"model_id":1,"prefix":"models/demo","name":"echo","versions":["1"]}])");
    asio::io_context ioc;
    server srv(ioc);
    srv.guard = std::make_shared<modelauth::http::Guard const>(
        std::make_shared<modelauth::TokenValidator<> const>(std::vector{idp}),
        std::make_shared<modelauth::ModelUrlRouter const>(modelauth::model_registry(modelauth::model_descriptions_from_json(models))),
        std::make_shared<modelauth::ScopePolicy const>());
    modelauth::http::guarded_handler_options options;
    options.metrics = &srv.metrics;
    srv.model = modelauth::http::guarded(srv.guard, &infer, options);
    if(env_secret == nullptr)
    {
        auto const now = std::chrono::duration_cast<std::chrono::seconds>(
            modelauth::system_clock_source().now().time_since_epoch()).count();
        json::object const claims{{"iss", "minimal-guard"}, {"sub", "demo"}, {"aud", "models"}, {"iat", now},
            {"exp", now + 3600}, {"scope", "models:infer models:read"}};
        std::cout << "demo token: " << jose::sign_compact_jws(json::serialize(claims), *key).value() << "\n";
    }

    asio::ip::tcp::acceptor acceptor(ioc, {address, static_cast<unsigned short>(port)});
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) {
        srv.stopping = true;
        acceptor.close();
        srv.grace.expires_after(std::chrono::seconds(srv.live_sessions == 0 ? 0 : 5));
        srv.grace.async_wait([&](beast::error_code wait_ec) {
            if(wait_ec != asio::error::operation_aborted)
                ioc.stop(); // idle keep-alive connections are dropped
        });
    });
    accept(acceptor, srv);
    auto const bound = acceptor.local_endpoint();
    std::cout << "listening on http://" << bound.address() << ":" << bound.port() << std::endl;
    ioc.run();
}
