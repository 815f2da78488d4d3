//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// minimal_guard [--no-guard] [PORT]: a toy model behind modelauth's guard, in an asynchronous
// Beast server on 127.0.0.1:PORT (default 8081; 0: a free port). It makes a random key, prints a
// token under it ("demo token: <jwt>"), then "listening on http://127.0.0.1:PORT". With that token,
//   POST /models/demo/echo/ {"inputs":[[1,2],[3,4]]}  ->  {"outputs":[3,7]}, each row's sum.
// --no-guard serves the same model without the guard, for scripts/bench-http to compare.

#include <modelauth/modelauth.hpp>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>

#include <charconv>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;
using handler = std::function<response(request&&)>;

namespace {

// The toy model, as a guarded handler: behind the guard, it sees allowed requests only.
response infer(modelauth::http::AuthContext const&, request&& req)
{
    json::error_code ec; // a body that is not JSON parses to null, which the conversion refuses
    auto const body = json::parse(req.body(), ec);
    auto const* in = body.is_object() ? body.get_object().if_contains("inputs") : nullptr;
    auto const rows = json::try_value_to<std::vector<std::vector<int>>>(in ? *in : nullptr);
    response res{http::status::bad_request, req.version(), R"({"error":"invalid_request"})"};
    if(rows && req.method() == http::verb::post)
    {
        json::array sums;
        for(auto const& row : *rows)
            sums.push_back(std::accumulate(row.begin(), row.end(), std::int64_t(0)));
        res.result(http::status::ok);
        res.body() = json::serialize(json::object{{"outputs", sums}});
    }
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

// One connection: requests answered in turn while the client keeps it alive.
class http_session : public std::enable_shared_from_this<http_session>
{
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    response res_;
    handler const& handle_;

public:
    http_session(tcp::socket&& socket, handler const& handle) : stream_(std::move(socket)), handle_(handle) {}

    void do_read()
    {
        parser_.emplace().body_limit(64 * 1024);         // a larger body fails the read
        stream_.expires_after(std::chrono::seconds(30)); // slow or idle clients cannot pin us
        http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t)
    {
        if(ec) // the client left or timed out, or sent a malformed or too large request
            return; // the session ends, closing the socket
        res_ = handle_(parser_->release());
        http::async_write(stream_, res_, beast::bind_front_handler(&http_session::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t)
    {
        if(! ec && res_.keep_alive())
            do_read();
    }
};

void do_accept(tcp::acceptor& acceptor, handler const& handle)
{
    acceptor.async_accept([&](beast::error_code ec, tcp::socket socket) {
        if(! ec) // a failed accept (such as too many open files) loses that connection only
            std::make_shared<http_session>(std::move(socket), handle)->do_read();
        do_accept(acceptor, handle);
    });
}

} // namespace

int main(int argc, char** argv)
try
{
    bool use_guard = true;
    unsigned short port = 8081;
    for(int i = 1; i < argc; ++i)
        if(std::string_view const arg = argv[i]; arg == "--no-guard")
            use_guard = false;
        else if(auto const [end, errc] = std::from_chars(arg.data(), arg.data() + arg.size(), port);
                errc != std::errc() || end != arg.data() + arg.size())
            throw std::invalid_argument("usage: minimal_guard [--no-guard] [PORT]");

    // The guard: tokens of one issuer under one key, one deployed model, the default scope policy.
    auto const key = modelauth::jose::key::generate(modelauth::jose::algorithm::hs256, "demo").value();
    modelauth::validation::trusted_issuer const idp = modelauth::validation::trusted_issuer::named("minimal-guard")
        .audience("models")
        .keys(modelauth::jose::key_set::from_keys({key}).value());
    auto const models = json::parse(R"([{"model_id":1,"prefix":"models/demo","name":"echo","versions":["1"]}])");
    auto const guard = std::make_shared<modelauth::http::Guard const>(
        std::make_shared<modelauth::validation::TokenValidator const>(std::vector{idp}),
        std::make_shared<modelauth::router::ModelUrlRouter const>(
            modelauth::router::model_registry(modelauth::router::model_descriptions_from_json(models))),
        std::make_shared<modelauth::policy::ScopePolicy const>());
    handler const model = use_guard ? handler(modelauth::http::guarded(guard, &infer))
                                    : handler([](request&& req) { return infer({}, std::move(req)); });

    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), port});
    auto const claims = json::serialize(json::object{{"iss", "minimal-guard"}, {"sub", "demo"}, {"aud", "models"},
        {"exp", 4102444800}, {"scope", "models:infer"}}); // good until this server stops: new key each run
    std::cout << "demo token: " << modelauth::jose::sign_compact_jws(claims, key).value() << "\n"
              << "listening on http://" << acceptor.local_endpoint() << std::endl;
    do_accept(acceptor, model);
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
    ioc.run();
}
catch(std::exception const& e) // a bad argument, or the port is in use
{
    return std::cerr << "minimal_guard: " << e.what() << "\n", 2;
}
