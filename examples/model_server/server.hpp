//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODEL_SERVER_SERVER_HPP
#define MODEL_SERVER_SERVER_HPP

/** @file
    The reference model server (api.md) as a class: `main.cpp` runs one,
    the tests start as many as they like in-process.

    @code
    model_server::server srv;                 // the system clock
    srv.start(load_config_file("server.json"));
    std::cout << "listening on " << srv.base_url() << std::endl;
    srv.wait();                               // until stop() (or a signal, if asked for)
    @endcode

    What `start` wires from a `server_config`, with `modelauth/config/`:
    - `config::make_token_stack`: a `token_issuer` named `issuer_of(config)`
      (never the port bound) and a token store: a journal and the issuer's
      keys in `state_dir`, else both in memory for this run;
    - `config::make_guard`: a validator trusting that issuer and the
      config's `trusted_issuers` (API keys and revocations from the store), a
      router over the config's models (`strict_slash`, `limits.target_bytes`),
      the default `ScopePolicy` and a guard (realm `models`, API-key header
      `impact-api-key`);
    - the four token flows over one `flow_context` of the config's users,
      accounts and instances, and the `token_routes` table mounting them
      all at api.md's paths, plus the issuer's well-known documents;
    - `guard_metrics` and request counters for `/metrics`.
    - a maintenance timer on the acceptor's strand, every
      `start_options::maintenance_interval` (60 s), stopped at shutdown:
      prunes expired tokens, revocations and refresh records from the store
      and rewrites a journal that failed (`basic_server::maintain`). `/healthz`
      answers 503 `{"status":"failing","store":"storage_failure"}` while the
      store cannot make changes durable.

    Routes, in this order: `/healthz`, `/metrics`, the token routes
    (`token_routes::handle`), then model URLs through the guard. A model URL
    answers GET / HEAD with its metadata (with or without `?get_meta=true`),
    POST with an inference of its toy model, anything else 405. A path
    under no model prefix is 404 without authentication.

    I/O: asynchronous Beast on one `io_context` run by `thread_count(config)`
    threads, one strand per connection, at most `limits.max_connections`
    of them open: one more is closed as soon as it is accepted. A request's
    header (and the wait for it on a kept-alive connection) has
    `limits.header_timeout` in all; its body, and every write,
    `limits.read_timeout`. The parser's header limit is 8 KiB (more only
    when `limits.target_bytes` needs it), its body limit
    `limits.body_bytes`. A request the parser refuses is answered (413,
    431, 400), as is one with a `Transfer-Encoding` other than exactly
    `chunked` (400), and the connection closed gracefully. Logins (PBKDF2,
    hundreds of milliseconds by design) run on a separate thread pool so
    that they never hold up other requests; at most
    `max_pending_logins` wait at once, more get 503.
*/

#include "config.hpp"
#include "models.hpp"

#include <modelauth/clock.hpp>
#include <modelauth/config/guard.hpp>
#include <modelauth/config/token_stack.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/http/guard.hpp>
#include <modelauth/http/metrics.hpp>
#include <modelauth/http/token_routes.hpp>
#include <modelauth/policy/scope_policy.hpp>
#include <modelauth/router/error.hpp>
#include <modelauth/router/model_url_router.hpp>
#include <modelauth/tokens/journal_token_store.hpp>
#include <modelauth/tokens/flows/console_session.hpp>
#include <modelauth/tokens/flows/flow_context.hpp>
#include <modelauth/tokens/flows/managed_tokens.hpp>
#include <modelauth/tokens/flows/personal_api_key.hpp>
#include <modelauth/tokens/flows/resource_tokens.hpp>
#include <modelauth/validation/token_validator.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace model_server {

/// The API-key header the server accepts (Modelon's).
inline constexpr std::string_view api_key_header = "impact-api-key";

/// The realm of every `WWW-Authenticate` challenge.
inline constexpr std::string_view auth_realm = "models";

/// The least header limit of the request parser: 8 KiB.
inline constexpr std::size_t header_limit_bytes = 8 * 1024;

/// The most logins waiting for the login pool at once; more get 503.
inline constexpr std::size_t max_pending_logins = 64;

/// How `basic_server::start` behaves beyond the configuration.
struct start_options
{
    /// Stop gracefully on SIGINT and SIGTERM (`main` asks for it; in-process
    /// tests do not).
    bool stop_on_signals = false;

    /// How often the token store is maintained (`basic_server::maintain`):
    /// expired tokens pruned, a failing journal rewritten.
    std::chrono::milliseconds maintenance_interval = std::chrono::seconds(60);

    /// Options of the token journal (with `state_dir`), e.g. its fault
    /// injection for tests.
    modelauth::tokens::journal_options journal = {};
};

/// What a request was, for the request counters of `/metrics`.
enum class route_kind : std::uint8_t
{
    health,  ///< `/healthz`
    metrics, ///< `/metrics`
    tokens,  ///< a route of `token_routes`
    models,  ///< a model URL (the guard decided)
    unknown, ///< a path under no route: 404
    refused  ///< refused before routing: parser errors, 414, 503
};

namespace detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = boost::asio::ip::tcp;

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

inline constexpr std::string_view json_content_type = "application/json; charset=utf-8";
inline constexpr std::size_t route_kinds = 6;
inline constexpr std::array<std::string_view, route_kinds> route_kind_names{
    "health", "metrics", "tokens", "models", "unknown", "refused"};
inline constexpr std::array<std::string_view, 5> status_class_names{"1xx", "2xx", "3xx", "4xx", "5xx"};

inline std::string_view to_std(beast::string_view s) noexcept
{
    return {s.data(), s.size()};
}

// The path of a request target: what comes before `?`.
inline std::string_view target_path(std::string_view target) noexcept
{
    return target.substr(0, target.find('?'));
}

// `{"error": code, "error_description": description}` with `status`.
inline response json_error(request const& req, http::status status, std::string_view code,
    std::string_view description)
{
    response res{status, req.version()};
    res.set(http::field::content_type, json_content_type);
    res.body() = json::serialize(json::object{{"error", json::string_view(code.data(), code.size())},
        {"error_description", json::string_view(description.data(), description.size())}});
    res.prepare_payload();
    res.keep_alive(req.keep_alive());
    return res;
}

// 405 with `Allow`.
inline response method_not_allowed(request const& req, std::string_view allow)
{
    auto res = json_error(req, http::status::method_not_allowed, "method_not_allowed",
        "the method is not allowed on this route");
    res.set(http::field::allow, beast::string_view(allow.data(), allow.size()));
    return res;
}

// The answer to a request Beast's parser refused: 413 for a body over the
// limit, 431 for a header over the limit, 400 for anything else.
inline response parser_refusal(beast::error_code const& ec)
{
    request const req{http::verb::get, "/", 11};
    response res = ec == http::error::body_limit
        ? json_error(req, http::status::payload_too_large, "content_too_large", "the request body is too large")
        : ec == http::error::header_limit
        ? json_error(req, http::status::request_header_fields_too_large, "invalid_request",
              "the request header is too large")
        : json_error(req, http::status::bad_request, "invalid_request", "the request is not valid HTTP/1.1");
    res.keep_alive(false);
    return res;
}

// Whether a request header frames its body as Beast reads it right: no
// `Transfer-Encoding`, or exactly one field saying `chunked` and nothing else.
inline bool has_plain_framing(request const& req) noexcept
{
    auto const fields = req.count(http::field::transfer_encoding);
    return fields == 0 || (fields == 1 && beast::iequals(req[http::field::transfer_encoding], "chunked"));
}

// Whether Beast's parser refused the request (an answer is due), rather
// than the connection ending, timing out or being cancelled.
inline bool is_parser_refusal(beast::error_code const& ec) noexcept
{
    return ec.category() == http::make_error_code(http::error::bad_target).category()
        && ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// Requests served, by route and status class: a fixed set of series.
class request_counters
{
public:
    request_counters() noexcept
    {
        for(auto& c : counts_)
            c.store(0, std::memory_order_relaxed);
    }

    void count(route_kind route, unsigned status) noexcept
    {
        std::size_t const cls = status >= 100 && status < 600 ? status / 100 - 1 : 4;
        counts_[static_cast<std::size_t>(route) * status_class_names.size() + cls].fetch_add(
            1, std::memory_order_relaxed);
    }

    [[nodiscard]] std::uint64_t total() const noexcept
    {
        std::uint64_t sum = 0;
        for(auto const& c : counts_)
            sum += c.load(std::memory_order_relaxed);
        return sum;
    }

    // `model_server_requests_total{route,code}` for every non-zero series.
    [[nodiscard]] std::string prometheus_text() const
    {
        std::string out = "# HELP model_server_requests_total Requests answered, by route and status class.\n"
                          "# TYPE model_server_requests_total counter\n";
        for(std::size_t r = 0; r < route_kinds; ++r)
            for(std::size_t s = 0; s < status_class_names.size(); ++s)
                if(auto const n = counts_[r * status_class_names.size() + s].load(std::memory_order_relaxed))
                {
                    out += "model_server_requests_total{route=\"";
                    out += route_kind_names[r];
                    out += "\",code=\"";
                    out += status_class_names[s];
                    out += "\"} ";
                    out += std::to_string(n);
                    out += '\n';
                }
        return out;
    }

private:
    std::array<std::atomic<std::uint64_t>, route_kinds * status_class_names.size()> counts_;
};

// `http://<host>:<port>`, with brackets around an IPv6 address.
inline std::string base_url_of(asio::ip::address const& address, unsigned short port)
{
    std::string host = address.to_string();
    if(address.is_v6())
        host = "[" + host + "]";
    return "http://" + host + ":" + std::to_string(port);
}

/** Everything a request needs, built once by `start` and shared by every
    connection. Thread safety: `handle` and the counters may be used from
    any thread at once.
*/
template<class Clock>
class server_core
{
public:
    using guard_type = modelauth::http::basic_guard<Clock>;
    using service_type = modelauth::tokens::flows::flow_context<Clock>;
    using issuer_type = modelauth::tokens::token_issuer<Clock>;
    using validator_type = modelauth::validation::basic_token_validator<Clock>;

    server_core(server_config const& config, std::string base_url, Clock clock,
                modelauth::tokens::journal_options const& journal_options = {})
        : limits_(config.limits)
        , base_url_(std::move(base_url))
        , issuer_name_(issuer_of(config))
    {
        // The configured name, never the bound address: tokens issued before
        // a restart on another port, or by another replica, stay valid.
        modelauth::tokens::issuer_options issuer_options;
        issuer_options.issuer = issuer_name_;
        auto tokens = cfg::make_token_stack(issuer_options, config.state_dir, config.lifetimes, clock, journal_options);
        journal_ = tokens.journal;
        issuer_ = tokens.issuer;

        cfg::basic_guard_stack_options<Clock> stack_options(clock);
        stack_options.issuers.push_back(issuer_->trusted());
        stack_options.store = tokens.store;
        modelauth::router::router_options router_options;
        router_options.strict_slash = config.strict_slash;
        router_options.max_target_bytes = config.limits.target_bytes;
        modelauth::http::guard_options guard_options;
        guard_options.realm = std::string(auth_realm);
        guard_options.credentials.api_key_header = std::string(api_key_header);
        auto stack = cfg::make_guard(config.trusted_issuers, config.models, router_options,
            modelauth::policy::ScopePolicy(), guard_options, std::move(stack_options));
        validator_ = stack.validator;
        router_ = stack.router;
        guard_ = stack.guard;
        for(auto const& m : config.models.models())
            models_.emplace(m.model_id, toy_model_of(cfg::json_reader(*m.metadata)));

        modelauth::tokens::flows::flow_options service_options;
        service_options.lifetimes = config.lifetimes;
        service_ = std::make_shared<service_type>(
            config.directory, router_, issuer_, std::move(tokens.store), stack.policy, service_options, clock);
        // F5: what users minted under the grants of an older config is held
        // to the grants of this one (removed users' tokens go, narrowed
        // scopes narrow the tokens).
        if(auto applied = service_->apply_grants(); ! applied)
            throw modelauth::configuration_error("state_dir", "the token store refused a change: "
                + applied.error().message());

        // The route table: every flow at api.md's paths (Practicus console,
        // STACKIT instance tokens, Modelon API key, NeuroIO tokens), the
        // issuer's documents, and Practicus's model-id header.
        namespace flows = modelauth::tokens::flows;
        modelauth::http::token_routes_options api_options;
        api_options.base_url = issuer_name_;
        api_options.max_body_bytes = config.limits.body_bytes;
        api_options.model_id_header = "x-prt-model-id";
        api_.emplace(guard_, std::move(api_options), std::vector<modelauth::http::route_group<Clock>>{
            flows::make_routes(std::make_shared<flows::console_session<Clock>>(service_)),
            flows::make_routes(std::make_shared<flows::resource_tokens<Clock>>(service_)),
            flows::make_routes(std::make_shared<flows::personal_api_key<Clock>>(service_)),
            flows::make_routes(std::make_shared<flows::managed_tokens<Clock>>(service_)),
            modelauth::http::well_known_routes(issuer_)});
    }

    server_core(server_core const&) = delete;
    server_core& operator=(server_core const&) = delete;

    [[nodiscard]] limits_config const& limits() const noexcept { return limits_; }
    [[nodiscard]] std::string const& base_url() const noexcept { return base_url_; }
    [[nodiscard]] std::string const& issuer_name() const noexcept { return issuer_name_; }
    [[nodiscard]] service_type& service() const noexcept { return *service_; }
    [[nodiscard]] guard_type const& guard() const noexcept { return *guard_; }

    // The request parser's header limit: 8 KiB, or more for a longer target limit.
    [[nodiscard]] std::size_t header_limit() const noexcept
    {
        return limits_.target_bytes + 1024 > header_limit_bytes ? limits_.target_bytes + header_limit_bytes
                                                                 : header_limit_bytes;
    }

    // Whether `req` is a login: PBKDF2 work for the login pool.
    [[nodiscard]] static bool is_login(request const& req) noexcept
    {
        auto const path = target_path(to_std(req.target()));
        return req.method() == http::verb::post && (path == "/console/api/auth/" || path == "/console/api/auth");
    }

    /** Answers `req` (any route) and says which kind of route it was.

        Exception safety: throws only `std::bad_alloc`.
    */
    [[nodiscard]] response handle(request& req, route_kind& route, std::string_view client_address = {}) const
    {
        auto res = route_request(req, route, client_address);
        if(req.method() == http::verb::head && ! res.body().empty())
        {
            res.content_length(res.body().size());
            res.body().clear(); // Content-Length keeps the size a GET would get
        }
        counters_.count(route, res.result_int());
        return res;
    }

    // Counts a request answered outside `handle` (parser refusals, 503).
    void count(route_kind route, unsigned status) const noexcept { counters_.count(route, status); }

    // How many logins wait for or run on the login pool.
    [[nodiscard]] std::atomic<std::size_t>& pending_logins() const noexcept { return pending_logins_; }

    // F10: takes one of the `limits.max_connections` places; false (and
    // counted as refused) when all are taken. `release_connection` gives it back.
    [[nodiscard]] bool admit_connection() const noexcept
    {
        if(open_connections_.fetch_add(1, std::memory_order_relaxed) < limits_.max_connections)
            return true;
        open_connections_.fetch_sub(1, std::memory_order_relaxed);
        refused_connections_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }

    void release_connection() const noexcept { open_connections_.fetch_sub(1, std::memory_order_relaxed); }

    /** Prunes what has expired from the token store and, when its journal
        failed (F9), rewrites the journal from memory, which makes the
        revocations taken in memory meanwhile durable. What fails is left
        for the next pass. Exception safety: throws only `std::bad_alloc`.
    */
    void maintain() const
    {
        auto& store = service_->store();
        if(journal_ && ! journal_->healthy())
            static_cast<void>(journal_->compact());
        static_cast<void>(store.prune(service_->clock().now()));
    }

    // 503: the login pool is full.
    [[nodiscard]] static response busy(request const& req)
    {
        auto res = json_error(req, http::status::service_unavailable, "temporarily_unavailable",
            "too many logins are in progress; try again shortly");
        res.set(http::field::retry_after, "1");
        return res;
    }

private:
    response route_request(request& req, route_kind& route, std::string_view client_address) const
    {
        auto const target = to_std(req.target());
        if(target.size() > limits_.target_bytes)
        {
            route = route_kind::refused;
            return guard_->render(req, {modelauth::router::error::target_too_long, {}, {}});
        }
        auto const path = target_path(target);
        if(path == "/healthz")
        {
            route = route_kind::health;
            return health(req);
        }
        if(path == "/metrics")
        {
            route = route_kind::metrics;
            return metrics(req);
        }
        // Logins are throttled per (email, client address) and per address (F2).
        if(auto res = api_->handle(req, client_address))
        {
            route = route_kind::tokens;
            return std::move(*res);
        }
        route = route_kind::models;
        return model_route(req, route);
    }

    response health(request const& req) const
    {
        if(req.method() != http::verb::get && req.method() != http::verb::head)
            return method_not_allowed(req, "GET, HEAD");
        // A store that cannot make changes durable fails the check (F9):
        // revocations still work, but would not survive a restart.
        bool const store_ok = service_->store().healthy();
        response res{store_ok ? http::status::ok : http::status::service_unavailable, req.version()};
        res.set(http::field::content_type, json_content_type);
        res.body() = store_ok ? R"({"status":"ok"})" : R"({"status":"failing","store":"storage_failure"})";
        res.prepare_payload();
        res.keep_alive(req.keep_alive());
        return res;
    }

    response metrics(request const& req) const
    {
        if(req.method() != http::verb::get && req.method() != http::verb::head)
            return method_not_allowed(req, "GET, HEAD");
        response res{http::status::ok, req.version()};
        res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.set(http::field::cache_control, "no-store");
        res.body() = guard_metrics_.prometheus_text(&validator_->cache()) + counters_.prometheus_text()
            + "# HELP model_server_pending_logins Logins waiting for or running on the login pool.\n"
              "# TYPE model_server_pending_logins gauge\n"
              "model_server_pending_logins "
            + std::to_string(pending_logins_.load(std::memory_order_relaxed)) + "\n"
            + "# HELP model_server_open_connections Connections open now (at most limits.max_connections).\n"
              "# TYPE model_server_open_connections gauge\n"
              "model_server_open_connections "
            + std::to_string(open_connections_.load(std::memory_order_relaxed)) + "\n"
            + "# HELP model_server_refused_connections_total Connections closed at accept: limits.max_connections "
              "were open.\n"
              "# TYPE model_server_refused_connections_total counter\n"
              "model_server_refused_connections_total "
            + std::to_string(refused_connections_.load(std::memory_order_relaxed)) + "\n";
        res.prepare_payload();
        res.keep_alive(req.keep_alive());
        return res;
    }

    response model_route(request& req, route_kind& route) const
    {
        // A path under no model prefix is no route at all: 404 without
        // authentication. Within a prefix, the guard authenticates before it
        // says whether a model exists.
        auto const parsed = router_->parse(to_std(req.target()));
        if(! parsed)
            return guard_->render(req, {parsed.error(), {}, {}});
        if(auto const matched = router_->match(*parsed); ! matched
            && (matched.error() == modelauth::router::error::unknown_prefix
                || matched.error() == modelauth::router::error::outside_mount_root))
        {
            route = route_kind::unknown;
            return guard_->render(req, {matched.error(), {}, {}});
        }

        auto const started = std::chrono::steady_clock::now();
        auto const checked = guard_->check(req);
        guard_metrics_.observe(std::chrono::steady_clock::now() - started);
        guard_metrics_.record(checked);
        if(! checked)
            return guard_->render(req, checked.failure());
        guard_->strip_credentials(req);

        auto const& ctx = checked.context();
        auto const found = models_.find(ctx.endpoint.model_id());
        if(found == models_.end()) // the router and the toy models come from one config
            return guard_->render(req, {modelauth::router::error::unknown_model, {}, {}});
        auto model = found->second;
        model.version = std::string(ctx.endpoint.version());

        switch(req.method())
        {
        case http::verb::get:
        case http::verb::head:
        {
            auto const kind = to_string(model.kind);
            return api_->model_meta(req, ctx,
                json::object{{"kind", json::string_view(kind.data(), kind.size())},
                    {"features", static_cast<std::uint64_t>(model.weights.size())}});
        }
        case http::verb::post: return infer(req, model);
        default: return method_not_allowed(req, "GET, HEAD, POST");
        }
    }

    static response infer(request const& req, toy_model const& model)
    {
        json::parse_options options;
        options.max_depth = 16; // {"inputs": [[...]]} needs 3
        boost::system::error_code ec;
        auto const body = json::parse(json::string_view(req.body().data(), req.body().size()), ec, {}, options);
        if(ec)
            return json_error(req, http::status::bad_request, "invalid_request", "the body is not valid JSON");
        auto const outputs = predict(model, body);
        if(! outputs)
            return json_error(req, http::status::bad_request, "invalid_request", outputs.error().message);
        response res{http::status::ok, req.version()};
        res.set(http::field::content_type, json_content_type);
        res.set("x-prt-model-id", std::to_string(model.model_id));
        res.body() = json::serialize(inference_response(model, *outputs));
        res.prepare_payload();
        res.keep_alive(req.keep_alive());
        return res;
    }

    limits_config limits_;
    std::shared_ptr<modelauth::tokens::JournalTokenStore> journal_; // with state_dir
    std::string base_url_;
    std::string issuer_name_;
    std::shared_ptr<issuer_type const> issuer_;
    std::shared_ptr<validator_type const> validator_;
    std::shared_ptr<modelauth::router::ModelUrlRouter const> router_;
    std::shared_ptr<guard_type const> guard_;
    std::shared_ptr<service_type> service_;
    std::optional<modelauth::http::token_routes<Clock>> api_;
    std::unordered_map<std::int64_t, toy_model> models_;
    mutable modelauth::http::guard_metrics guard_metrics_;
    mutable request_counters counters_;
    mutable std::atomic<std::size_t> pending_logins_{0};
    mutable std::atomic<std::size_t> open_connections_{0};
    mutable std::atomic<std::uint64_t> refused_connections_{0};
};

// A connection the server can close at shutdown if it waits for a request.
class connection
{
public:
    virtual ~connection() = default;

    // On the connection's strand: closes it if it waits for a request of
    // which nothing has arrived yet. A request in progress finishes.
    virtual void close_if_idle() = 0;

    // The connection's strand.
    [[nodiscard]] virtual asio::any_io_executor executor() = 0;
};

// The live connections, so that shutdown can close the idle ones.
class connection_registry
{
public:
    void add(connection* c, std::weak_ptr<connection> w)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        live_.emplace(c, std::move(w));
    }

    void remove(connection* c) noexcept
    {
        std::lock_guard<std::mutex> lock(mutex_);
        live_.erase(c);
    }

    // Asks every live connection, on its strand, to close if idle.
    void close_idle()
    {
        std::vector<std::shared_ptr<connection>> live;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            for(auto const& entry : live_)
                if(auto c = entry.second.lock())
                    live.push_back(std::move(c));
        }
        for(auto& c : live)
            asio::dispatch(c->executor(), [c] { c->close_if_idle(); });
    }

private:
    std::mutex mutex_;
    std::unordered_map<connection*, std::weak_ptr<connection>> live_;
};

// What the connections share with the server.
template<class Clock>
struct shared_state
{
    std::shared_ptr<server_core<Clock> const> core;
    connection_registry connections;
    std::atomic<bool> stopping{false};
    asio::thread_pool* login_pool = nullptr;
};

// One connection: requests answered in turn while the client keeps it alive.
template<class Clock>
class http_session final : public connection, public std::enable_shared_from_this<http_session<Clock>>
{
public:
    http_session(tcp::socket&& socket, std::shared_ptr<shared_state<Clock>> state)
        : client_address_(address_of(socket))
        , stream_(std::move(socket))
        , state_(std::move(state))
        , core_(*state_->core)
    {
    }

    // Closes the socket before giving its place back (F10: the count bounds
    // the file descriptors).
    ~http_session() override
    {
        beast::error_code ignored;
        stream_.socket().close(ignored);
        state_->connections.remove(this);
        core_.release_connection();
    }

    void run()
    {
        state_->connections.add(this, this->weak_from_this());
        asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&http_session::do_read, this->shared_from_this()));
    }

    void close_if_idle() override
    {
        if(! waiting_ || ! parser_ || parser_->got_some() || buffer_.size() != 0)
            return;
        beast::error_code ec;
        if(stream_.socket().available(ec) != 0 && ! ec)
            return; // the first bytes of a request have arrived
        stream_.close(); // the pending read completes with operation_aborted
    }

    asio::any_io_executor executor() override { return stream_.get_executor(); }

private:
    std::chrono::seconds timeout() const noexcept { return core_.limits().read_timeout; }

    void do_read()
    {
        if(state_->stopping.load())
            return close_gracefully();
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(core_.header_limit()));
        parser_->body_limit(core_.limits().body_bytes);
        waiting_ = true;
        // F10: the whole header, from the first wait, within the header
        // deadline: a client trickling a byte at a time is cut off here.
        stream_.expires_after(core_.limits().header_timeout);
        http::async_read_header(stream_, buffer_, *parser_,
            beast::bind_front_handler(&http_session::on_header, this->shared_from_this()));
    }

    void on_header(beast::error_code ec, std::size_t)
    {
        waiting_ = false;
        if(ec)
            return on_read_error(ec);
        auto const& req = parser_->get();
        if(! has_plain_framing(req))
        {
            // F12: Beast 1.81 reads `Transfer-Encoding: chunked, gzip` (or
            // `gzip`) as a request without a body; RFC 9112 section 6.1
            // asks for 400 and the end of the connection, or what follows
            // could be read as another request behind a proxy's back.
            auto res = json_error(req, http::status::bad_request, "invalid_request",
                "the only Transfer-Encoding accepted is chunked");
            core_.count(route_kind::refused, res.result_int());
            return respond(std::move(res), true);
        }
        if(req.target().size() > core_.limits().target_bytes)
        {
            // Answered without reading the body, which then ends the connection.
            auto r = parser_->release();
            return serve(std::move(r), true);
        }
        if(beast::iequals(req[http::field::expect], "100-continue"))
        {
            continue_.emplace(http::status::continue_, req.version());
            stream_.expires_after(timeout());
            return http::async_write(stream_, *continue_,
                beast::bind_front_handler(&http_session::on_continue, this->shared_from_this()));
        }
        read_body();
    }

    void on_continue(beast::error_code ec, std::size_t)
    {
        if(ec)
            return;
        read_body();
    }

    void read_body()
    {
        stream_.expires_after(timeout());
        http::async_read(stream_, buffer_, *parser_,
            beast::bind_front_handler(&http_session::on_read, this->shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t)
    {
        if(ec)
            return on_read_error(ec);
        serve(parser_->release(), false);
    }

    void on_read_error(beast::error_code const& ec)
    {
        if(! is_parser_refusal(ec))
            return; // the client left, timed out, or shutdown closed the connection
        auto res = parser_refusal(ec);
        core_.count(route_kind::refused, res.result_int());
        respond(std::move(res), true);
    }

    void serve(request&& req, bool must_close)
    {
        if(! server_core<Clock>::is_login(req) || state_->login_pool == nullptr)
        {
            route_kind route = route_kind::refused;
            auto res = core_.handle(req, route, client_address_);
            return respond(std::move(res), must_close);
        }
        // PBKDF2 runs on the login pool; the tracked executor keeps the
        // io_context running until the answer is written.
        if(core_.pending_logins().fetch_add(1) >= max_pending_logins)
        {
            core_.pending_logins().fetch_sub(1);
            core_.count(route_kind::refused, 503);
            return respond(server_core<Clock>::busy(req), must_close);
        }
        auto back = asio::prefer(stream_.get_executor(), asio::execution::outstanding_work.tracked);
        asio::post(*state_->login_pool,
            [self = this->shared_from_this(), req = std::move(req), back, must_close]() mutable {
                route_kind route = route_kind::tokens;
                auto res = self->core_.handle(req, route, self->client_address_);
                self->core_.pending_logins().fetch_sub(1);
                asio::post(back, [self, res = std::move(res), must_close]() mutable {
                    self->respond(std::move(res), must_close);
                });
            });
    }

    void respond(response&& res, bool must_close)
    {
        if(must_close || state_->stopping.load())
            res.keep_alive(false);
        res_ = std::move(res);
        stream_.expires_after(timeout());
        http::async_write(stream_, res_, beast::bind_front_handler(&http_session::on_write, this->shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t)
    {
        if(ec)
            return;
        if(! res_.keep_alive())
            return close_gracefully();
        do_read();
    }

    // Sends FIN, then reads (and drops) what the client still sends until it
    // closes too, for at most the read timeout: closing with unread bytes
    // would reset the connection and could destroy the answer in flight.
    void close_gracefully()
    {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after((std::min)(timeout(), std::chrono::seconds(10)));
        drain();
    }

    void drain()
    {
        stream_.async_read_some(asio::buffer(sink_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
            if(! ec)
                self->drain();
        });
    }

    // The peer's address, the login limiter's key with the email (F2).
    static std::string address_of(tcp::socket const& socket)
    {
        beast::error_code ec;
        auto const peer = socket.remote_endpoint(ec);
        return ec ? std::string() : peer.address().to_string();
    }

    std::string client_address_;
    beast::tcp_stream stream_;
    std::shared_ptr<shared_state<Clock>> state_;
    server_core<Clock> const& core_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<http::response<http::empty_body>> continue_;
    response res_;
    std::array<char, 4096> sink_{};
    bool waiting_ = false;
};

} // namespace detail

/** The reference model server.

    `start` binds, builds everything from the configuration and runs the
    worker threads; `stop` shuts down gracefully: it stops accepting, closes
    connections waiting for a request, lets requests in progress finish and
    be answered (with `Connection: close`), and joins the threads.

    @tparam Clock The clock of the issuer, validator and token service
    (`modelauth::manual_clock_ref` in tests that move time).

    Thread safety: `start`, `stop` and `wait` are for the owning thread
    (`stop` must not be called from a request handler); the accessors may
    be read from any thread once `start` returned.
*/
template<class Clock = modelauth::system_clock_source>
class basic_server
{
public:
    explicit basic_server(Clock clock = Clock{})
        : clock_(std::move(clock))
    {
    }

    basic_server(basic_server const&) = delete;
    basic_server& operator=(basic_server const&) = delete;

    /// Stops the server if it runs.
    ~basic_server() { stop(); }

    /** Starts serving `config`: binds `config.listen`, builds the whole
        stack, and runs `thread_count(config)` threads. Returns once
        connections are accepted.

        @throws modelauth::configuration_error naming the field
        (`listen` when the address cannot be bound, `state_dir` when the
        journal or the issuer's key file cannot be used, `users[0].password`
        when a hash does not parse, `trusted_issuers[0].jwks` ...);
        `std::logic_error` if this server was started before.
    */
    void start(server_config const& config, start_options const& options = {})
    {
        namespace asio = boost::asio;
        if(ioc_)
            throw std::logic_error("model_server: a server starts once");
        auto const threads = thread_count(config);
        ioc_.emplace(static_cast<int>(threads));

        std::string const where = config.listen.host + ":" + std::to_string(config.listen.port);
        boost::system::error_code ec;
        auto const address = asio::ip::make_address(config.listen.host, ec);
        if(ec)
            throw modelauth::configuration_error("listen", "\"" + where + "\" is not an IP address and port");
        acceptor_.emplace(asio::make_strand(*ioc_));
        detail::tcp::endpoint const endpoint(address, config.listen.port);
        auto fail = [&](char const* what) {
            throw modelauth::configuration_error("listen",
                "cannot " + std::string(what) + " " + where + ": " + ec.message());
        };
        if(acceptor_->open(endpoint.protocol(), ec); ec)
            fail("open a socket for");
        if(acceptor_->set_option(asio::socket_base::reuse_address(true), ec); ec)
            fail("set SO_REUSEADDR for");
        if(acceptor_->bind(endpoint, ec); ec)
            fail("bind");
        if(acceptor_->listen(asio::socket_base::max_listen_connections, ec); ec)
            fail("listen on");
        port_ = acceptor_->local_endpoint().port();
        base_url_ = detail::base_url_of(address, port_);

        state_ = std::make_shared<detail::shared_state<Clock>>();
        state_->core = std::make_shared<detail::server_core<Clock> const>(config, base_url_, clock_, options.journal);
        login_pool_.emplace(threads);
        state_->login_pool = &*login_pool_;
        retry_timer_.emplace(acceptor_->get_executor());
        maintenance_timer_.emplace(acceptor_->get_executor());
        maintenance_interval_ = options.maintenance_interval;
        asio::dispatch(acceptor_->get_executor(), [this] { schedule_maintenance(); });

        if(options.stop_on_signals)
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

    /** Shuts down gracefully (see the class comment) and waits until every
        connection is done. Does nothing if the server never started or has
        stopped; safe to call again.
    */
    void stop()
    {
        if(! running_)
            return;
        boost::asio::post(acceptor_->get_executor(), [this] { begin_shutdown(); });
        wait();
        login_pool_->join();
        running_ = false;
        state_.reset(); // releases the store (the journal's lock) and the issuer
    }

    /// Blocks until the server has shut down (after `stop` from another
    /// thread or, with `start_options::stop_on_signals`, a signal).
    void wait()
    {
        std::lock_guard<std::mutex> lock(join_mutex_);
        for(auto& t : threads_)
            if(t.joinable())
                t.join();
    }

    /// The port the server listens on (the real one when the config said 0).
    [[nodiscard]] unsigned short port() const noexcept { return port_; }

    /// `http://<host>:<port>` of the address bound (the real port): where
    /// clients reach this server.
    [[nodiscard]] std::string const& base_url() const noexcept { return base_url_; }

    /// The name of the server's own tokens and the base of the discovery
    /// links: `issuer_of(config)`, whatever port was bound.
    [[nodiscard]] std::string const& issuer() const noexcept { return state_->core->issuer_name(); }

    /** Maintains the token store now, as the timer does every
        `start_options::maintenance_interval`: prunes expired tokens,
        revocations and refresh records, and rewrites a journal that failed
        (which makes it healthy again, `/healthz` 200). Valid between
        `start` and `stop`.
    */
    void maintain() const { state_->core->maintain(); }

    /// The token service (valid between `start` and `stop`).
    [[nodiscard]] modelauth::tokens::flows::flow_context<Clock>& service() const noexcept { return state_->core->service(); }

private:
    void accept()
    {
        acceptor_->async_accept(boost::asio::make_strand(*ioc_),
            [this](boost::system::error_code ec, detail::tcp::socket socket) {
                if(! acceptor_->is_open() || state_->stopping.load())
                    return;
                if(ec)
                {
                    // E.g. out of file descriptors: try again a little later
                    // rather than spin.
                    retry_timer_->expires_after(std::chrono::milliseconds(100));
                    retry_timer_->async_wait([this](boost::system::error_code const& error) {
                        if(! error)
                            accept();
                    });
                    return;
                }
                // F10: over limits.max_connections, the new connection is
                // closed at once rather than left waiting: the acceptor keeps
                // draining the listen backlog (no client hangs in it until
                // its own timeout) and open descriptors stay bounded.
                if(! state_->core->admit_connection())
                {
                    boost::system::error_code ignored;
                    socket.close(ignored);
                    return accept();
                }
                std::make_shared<detail::http_session<Clock>>(std::move(socket), state_)->run();
                accept();
            });
    }

    // On the acceptor's strand: the maintenance pass, then the next one.
    void schedule_maintenance()
    {
        maintenance_timer_->expires_after(maintenance_interval_);
        maintenance_timer_->async_wait([this](boost::system::error_code const& error) {
            if(error || state_->stopping.load())
                return;
            state_->core->maintain();
            schedule_maintenance();
        });
    }

    // On the acceptor's strand.
    void begin_shutdown()
    {
        if(state_->stopping.exchange(true))
            return;
        boost::system::error_code ignored;
        acceptor_->close(ignored);
        retry_timer_->cancel();
        maintenance_timer_->cancel();
        if(signals_)
            signals_->cancel(ignored);
        state_->connections.close_idle();
    }

    Clock clock_;
    bool running_ = false;
    unsigned short port_ = 0;
    std::string base_url_;
    std::optional<boost::asio::io_context> ioc_;
    std::optional<detail::tcp::acceptor> acceptor_;
    std::optional<boost::asio::steady_timer> retry_timer_;
    std::optional<boost::asio::steady_timer> maintenance_timer_;
    std::chrono::milliseconds maintenance_interval_{0};
    std::optional<boost::asio::signal_set> signals_;
    std::optional<boost::asio::thread_pool> login_pool_;
    std::shared_ptr<detail::shared_state<Clock>> state_;
    std::mutex join_mutex_;
    std::vector<std::thread> threads_;
};

/// The server on the system clock.
using server = basic_server<>;

} // namespace model_server

#endif
