//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CONFIG_IMPL_MODEL_PLATFORM_HPP
#define MODELAUTH_CONFIG_IMPL_MODEL_PLATFORM_HPP

#include <modelauth/http/guarded_handler.hpp>
#include <modelauth/router/error.hpp>
#include <modelauth/tokens/flows/console_session.hpp>
#include <modelauth/tokens/flows/managed_tokens.hpp>
#include <modelauth/tokens/flows/personal_api_key.hpp>
#include <modelauth/tokens/flows/resource_tokens.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <unordered_map>

namespace modelauth {
inline namespace v0 {
namespace config {

inline listen_address parse_listen(json_reader const& value)
{
    std::string_view const text = value.string();
    char const* const rule = "must be an IP address and a port: \"127.0.0.1:8080\", \"[::1]:8080\" (port 0: any free port)";
    bool const bracketed = ! text.empty() && text.front() == '[';
    auto const colon = bracketed ? text.find("]:") : text.rfind(':');
    if(colon == std::string_view::npos)
        value.fail(rule);
    std::string const host(bracketed ? text.substr(1, colon - 1) : text.substr(0, colon));
    std::string_view const port = text.substr(colon + (bracketed ? 2 : 1));
    if(! bracketed && host.find(':') != std::string::npos)
        value.fail("must put an IPv6 address in brackets: \"[::1]:8080\"");
    boost::system::error_code ec;
    auto const address = boost::asio::ip::make_address(host, ec);
    bool const digits = ! port.empty() && port.size() <= 5 && (port.size() == 1 || port.front() != '0')
        && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if(ec || host.empty() || bracketed != address.is_v6() || ! digits)
        value.fail(rule);
    if(std::stoul(std::string(port)) > 65535)
        value.fail("has a port above 65535");
    return {host, static_cast<std::uint16_t>(std::stoul(std::string(port)))};
}

inline platform_config parse_platform_config(std::string_view text, platform_config_options const& options)
{
    auto const document = parse_document(text);
    json_reader const root(document);
    root.allow_only({"listen", "issuer", "redis", "threads", "state_dir", "strict_slash", "limits", "lifetimes",
        "maintenance_s", "accounts", "instances", "users", "models", "trusted_issuers"});
    platform_config config;
    if(auto const x = root.find("listen"))
        config.listen = parse_listen(*x);
    if(auto const x = root.find_non_null("issuer"))
    {
        if(auto const problem = http::base_url_problem(x->string()); ! problem.empty())
            x->fail(problem);
        config.issuer = std::string(x->string());
    }
    if(auto const x = root.find("threads"))
        config.threads = x->integer<unsigned>(0, 1024);
    if(auto const x = root.find_non_null("state_dir"))
        config.state_dir = std::filesystem::path(std::string(x->text()));
    if(auto const x = root.find_non_null("redis"))
    {
        std::string problem;
        static_cast<void>(tokens::detail::parse_redis_url(x->string(), problem));
        if(! problem.empty())
            x->fail(problem);
        if(config.state_dir)
            x->fail("cannot be used with state_dir: the tokens and keys of replicas live in Redis");
        config.redis = std::string(x->string());
    }
    if(auto const x = root.find("strict_slash"))
        config.strict_slash = x->boolean();
    if(auto const limits = root.find("limits"))
    {
        limits->allow_only({"body_bytes", "target_bytes", "read_timeout_s", "header_timeout_s", "max_connections"});
        auto read = [&](std::string_view key, std::size_t& into, std::size_t high) {
            if(auto const x = limits->find(key))
                into = x->integer<std::size_t>(1, high);
        };
        read("body_bytes", config.limits.body_bytes, 64u << 20);
        read("target_bytes", config.limits.target_bytes, 65536);
        read("max_connections", config.limits.max_connections, 1u << 20);
        for(auto [key, into] : {std::pair{"read_timeout_s", &config.limits.read_timeout},
                std::pair{"header_timeout_s", &config.limits.header_timeout}})
            if(auto const x = limits->find(key))
                *into = x->seconds(std::chrono::seconds(1), std::chrono::hours(1));
    }
    if(auto const x = root.find("lifetimes"))
        config.lifetimes = token_lifetimes_from_json(*x);
    if(auto const x = root.find("maintenance_s"))
        config.maintenance_interval = x->seconds(std::chrono::seconds(1), std::chrono::hours(1));
    user_directory_options directory_options{options.demo_password_placeholder, options.demo_password};
    config.directory = user_directory_from_json(root, directory_options);
    if(auto const models = root.find("models"))
    {
        // The router's keys, the application's after `default_version`, then the owner's.
        std::vector<std::string_view> keys{"model_id", "prefix", "name", "versions", "default_version"};
        keys.insert(keys.end(), options.models.entry_keys.begin(), options.models.entry_keys.end());
        keys.insert(keys.end(), {"account", "space", "instance"});
        for(auto const& entry : models->elements())
        {
            entry.allow_only(keys);
            if(options.models.load)
                static_cast<void>(options.models.load(entry));
        }
        config.models = model_registry_from_json(*models);
        check_model_owners(config.models, config.directory);
    }
    if(auto const x = root.find("trusted_issuers"))
        config.trusted_issuers = trusted_issuers_from_json(*x, load_jwks_files, config.remote_keys);
    return config;
}

inline platform_config load_platform_config(std::filesystem::path const& path, platform_config_options const& options)
{
    std::error_code ec;
    auto const status = std::filesystem::status(path, ec);
    if(status.type() == std::filesystem::file_type::not_found)
        throw configuration_error(path.string(), "cannot be read: no such file");
    if(! std::filesystem::is_regular_file(status))
        throw configuration_error(path.string(), "cannot be read: not a regular file");
    if(std::filesystem::file_size(path, ec) > (16u << 20))
        throw configuration_error(path.string(), "cannot be read: larger than 16 MiB");
    std::ifstream in(path, std::ios::binary);
    std::string const text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if(! in.is_open() || in.bad())
        throw configuration_error(path.string(), "cannot be read: permission denied or I/O error");
    return parse_platform_config(text, options);
}

inline std::string issuer_of(platform_config const& config)
{
    if(config.issuer)
        return *config.issuer;
    bool const v6 = config.listen.host.find(':') != std::string::npos;
    std::string const host = v6 ? "[" + config.listen.host + "]" : config.listen.host;
    return "http://" + host + ":" + std::to_string(config.listen.port);
}

inline unsigned thread_count(platform_config const& config) noexcept
{
    return config.threads != 0 ? config.threads : (std::max)(std::thread::hardware_concurrency(), 1u);
}

namespace detail {

namespace bhttp = boost::beast::http;
using http::server_request;
using http::server_response;

// What a request was, for the request counters of `/metrics`.
enum class route_kind : std::uint8_t { health, metrics, tokens, models, unknown, refused };
inline constexpr std::array<std::string_view, 6> route_kind_names{
    "health", "metrics", "tokens", "models", "unknown", "refused"};
inline constexpr std::array<std::string_view, 5> status_class_names{"1xx", "2xx", "3xx", "4xx", "5xx"};
inline constexpr std::string_view json_type = "application/json; charset=utf-8";

inline server_response method_not_allowed(server_request const& req, std::string_view allow)
{
    auto res = http::detail::server_error(req.version(), req.keep_alive(), bhttp::status::method_not_allowed,
        "method_not_allowed", "the method is not allowed on this route");
    res.set(bhttp::field::allow, boost::beast::string_view(allow.data(), allow.size()));
    return res;
}

// Everything a request needs, built once at start and shared by every
// connection; `handle` may be called from any thread at once.
template<class Clock>
class platform_core
{
public:
    using service_type = tokens::flows::flow_context<Clock>;

    platform_core(platform_config const& config, model_hooks const& hooks, Clock clock,
        platform_start_options const& start_options, http::http_server const& server)
        : metrics_prefix_(start_options.metrics_prefix)
        , limits_(config.limits)
        , issuer_name_(issuer_of(config))
        , server_(server)
    {
        // The configured name, never the bound address: tokens issued before
        // a restart on another port, or by another replica, stay valid.
        tokens::issuer_options issuer_options;
        issuer_options.issuer = issuer_name_;
        auto token_stack = config.redis
            ? make_redis_token_stack(issuer_options, *config.redis, config.lifetimes, clock, start_options.redis)
            : make_token_stack(issuer_options, config.state_dir, config.lifetimes, clock, start_options.journal);
        journal_ = token_stack.journal;
        redis_ = token_stack.redis;
        issuer_ = token_stack.issuer;
        if(config.state_dir)
            key_file_ = *config.state_dir / std::string(issuer_key_file_name);
        basic_guard_stack_options<Clock> stack_options(clock);
        stack_options.issuers.push_back(token_stack.issuer->trusted());
        stack_options.store = token_stack.store;
        router::router_options router_options;
        router_options.strict_slash = config.strict_slash;
        router_options.max_target_bytes = config.limits.target_bytes;
        http::guard_options guard_options;
        guard_options.realm = "models";
        guard_options.credentials.api_key_header = "impact-api-key";
        auto stack = make_guard(config.trusted_issuers, config.models, router_options, policy::ScopePolicy(),
            guard_options, std::move(stack_options));
        validator_ = stack.validator;
        if(redis_)
            follow_shared_keys();
        start_remote_keys(config.remote_keys, stack.validator, clock, start_options.remote_keys);
        router_ = stack.router;
        guard_ = stack.guard;
        // Each model's service is made once, here; requests only look it up.
        auto const& models = config.models.models();
        for(std::size_t i = 0; i < models.size(); ++i)
            models_.emplace(models[i].model_id,
                hooks.load ? hooks.load(json_reader(*models[i].metadata, index_path("models", i))) : model_service());

        tokens::flows::flow_options flow_options;
        flow_options.lifetimes = config.lifetimes;
        service_ = std::make_shared<service_type>(config.directory, router_, token_stack.issuer,
            std::move(token_stack.store), stack.policy, flow_options, clock);
        // What users minted under the grants of an older config is held to
        // the grants of this one.
        if(auto applied = service_->apply_grants(); ! applied)
            throw configuration_error(config.redis ? "redis" : "state_dir",
                "the token store refused a change: " + applied.error().message());

        namespace flows = tokens::flows;
        http::token_routes_options routes_options;
        routes_options.base_url = issuer_name_;
        routes_options.max_body_bytes = config.limits.body_bytes;
        routes_options.model_id_header = "x-prt-model-id";
        routes_.emplace(guard_, std::move(routes_options), std::vector<http::route_group<Clock>>{
            flows::make_routes(std::make_shared<flows::console_session<Clock>>(service_)),
            flows::make_routes(std::make_shared<flows::resource_tokens<Clock>>(service_)),
            flows::make_routes(std::make_shared<flows::personal_api_key<Clock>>(service_)),
            flows::make_routes(std::make_shared<flows::managed_tokens<Clock>>(service_)),
            http::well_known_routes(token_stack.issuer)});
    }

    ~platform_core()
    {
        if(redis_)
            redis_->on_issuer_keys(nullptr); // the store may outlive this core (a flow still holds it)
    }

    platform_core(platform_core const&) = delete;
    platform_core& operator=(platform_core const&) = delete;

    [[nodiscard]] std::string const& issuer_name() const noexcept { return issuer_name_; }

    // basic_platform_server::rotate_signing_key.
    result<void> rotate_signing_key()
    {
        std::lock_guard<std::mutex> lock(rotate_mutex_);
        if(! redis_)
        {
            if(auto rotated = issuer_->rotate(); ! rotated)
                return rotated.error();
            validator_->set_issuer_keys(issuer_name_, issuer_->public_keys());
            if(key_file_)
                return issuer_->save(*key_file_);
            return {};
        }
        // Replicas: the keys stored in Redis rotated, and replaced only if
        // no other replica replaced them meanwhile; then every replica,
        // this one included, loads them (follow_shared_keys).
        for(int attempt = 0; attempt < 8; ++attempt)
        {
            auto mine = issuer_->key_text();
            if(! mine)
                return mine.error();
            auto stored = redis_->shared_issuer_keys(*mine);
            OPENSSL_cleanse(mine->data(), mine->size());
            if(! stored)
                return stored.error();
            std::string copy = *stored;
            auto next = tokens::token_issuer<Clock>::from_key_text(
                copy, issuer_->options(), issuer_->retain_old_keys(), issuer_->clock());
            if(! next)
                return next.error();
            if(auto rotated = next->rotate(); ! rotated)
                return rotated.error();
            auto text = next->key_text();
            if(! text)
                return text.error();
            auto replaced = redis_->replace_issuer_keys(*stored, *text, next->current_kid());
            OPENSSL_cleanse(stored->data(), stored->size());
            if(! replaced)
            {
                OPENSSL_cleanse(text->data(), text->size());
                return replaced.error();
            }
            // This replica signs with the new key at once; the others load
            // it from the log within a millisecond or so.
            load_keys(*replaced ? **replaced : *text);
            OPENSSL_cleanse(text->data(), text->size());
            if(! *replaced)
                return {};
        }
        return make_error_code(tokens::error::storage_failure);
    }

    [[nodiscard]] service_type& service() const noexcept { return *service_; }

    // Whether `req` is a login: PBKDF2 work for the offload pool.
    [[nodiscard]] static bool is_login(server_request const& req) noexcept
    {
        auto const target = std::string_view(req.target().data(), req.target().size());
        auto const path = target.substr(0, target.find('?'));
        return req.method() == bhttp::verb::post && (path == "/console/api/auth/" || path == "/console/api/auth");
    }

    // Answers `req` (any route). Throws only `std::bad_alloc`.
    [[nodiscard]] server_response handle(server_request& req, std::string_view client_address) const
    {
        auto const method = req.method(); // a model URL's request is moved into the guard
        route_kind route = route_kind::refused;
        auto res = route_request(req, route, client_address);
        if(method == bhttp::verb::head && ! res.body().empty())
        {
            res.content_length(res.body().size());
            res.body().clear(); // Content-Length keeps the size a GET would get
        }
        count(route, res.result_int());
        return res;
    }

    // Counts a request answered by route and status class.
    void count(route_kind route, unsigned status) const noexcept
    {
        std::size_t const cls = status >= 100 && status < 600 ? status / 100 - 1 : 4;
        counts_[static_cast<std::size_t>(route) * status_class_names.size() + cls].fetch_add(
            1, std::memory_order_relaxed);
    }

    void maintain() const
    {
        if(journal_ && ! journal_->healthy())
            static_cast<void>(journal_->compact());
        static_cast<void>(service_->store().prune(service_->clock().now()));
        // Replicas: the shared log trimmed to a snapshot once it is mostly
        // history (any replica may; an older snapshot changes nothing).
        if(redis_ && redis_->healthy())
            static_cast<void>(redis_->compact_if_due());
    }

private:
    // Loads the issuer's keys from `text` (wiped) and gives the validator
    // their public halves.
    void load_keys(std::string& text)
    {
        if(issuer_->reload(text))
            validator_->set_issuer_keys(issuer_name_, issuer_->public_keys());
    }

    // Replicas: each time a replica rotates the issuer's keys in Redis, this
    // one loads them; and loads the keys of now, in case one rotated since
    // the store was opened.
    void follow_shared_keys()
    {
        std::weak_ptr<tokens::token_issuer<Clock>> issuer = issuer_;
        std::weak_ptr<validation::basic_token_validator<Clock>> validator = validator_;
        redis_->on_issuer_keys([issuer, validator, name = issuer_name_](std::string& text) {
            auto i = issuer.lock();
            auto v = validator.lock();
            if(i && v && i->reload(text))
                v->set_issuer_keys(name, i->public_keys());
        });
        auto mine = issuer_->key_text();
        if(! mine)
            return;
        auto now = redis_->shared_issuer_keys(*mine);
        OPENSSL_cleanse(mine->data(), mine->size());
        if(now)
            load_keys(*now);
    }

    // Fetches the remote issuers' keys on a thread of their own; a request
    // never waits on it.
    void start_remote_keys(std::vector<validation::remote_key_source> const& remote,
        std::shared_ptr<validation::basic_token_validator<Clock>> const& validator, Clock const& clock,
        validation::jwks_source_options const& options)
    {
        if(remote.empty())
            return;
        // A fault names the source's own key path (`trusted_issuers[2].ca_file`).
        jwks_ = std::make_unique<validation::basic_jwks_source<Clock>>(remote, options, clock);
        jwks_->attach(validator);
        jwks_->start();
    }

    server_response route_request(server_request& req, route_kind& route, std::string_view client_address) const
    {
        auto const target = std::string_view(req.target().data(), req.target().size());
        if(target.size() > limits_.target_bytes)
            return guard_->render(req, {router::error::target_too_long, {}, {}});
        auto const path = target.substr(0, target.find('?'));
        if(path == "/healthz" || path == "/metrics")
        {
            route = path == "/healthz" ? route_kind::health : route_kind::metrics;
            if(req.method() != bhttp::verb::get && req.method() != bhttp::verb::head)
                return method_not_allowed(req, "GET, HEAD");
            return path == "/healthz" ? health(req) : metrics(req);
        }
        // Replicas: while this one cannot read or write the shared store (or
        // has not caught up with it since), the token routes answer 503,
        // reads too (they would be stale); the key set and discovery
        // documents are served, and model URLs through the guard.
        if(redis_ && path.rfind("/.well-known/", 0) != 0 && routes_->owns(target) && ! redis_->healthy())
        {
            route = route_kind::tokens;
            return guard_->render(req, {make_error_code(tokens::error::storage_failure), {}, {}});
        }
        // Logins are throttled per (email, client address) and per address.
        if(auto res = routes_->handle(req, client_address))
        {
            route = route_kind::tokens;
            return std::move(*res);
        }
        route = route_kind::models;
        return model_route(req, route);
    }

    server_response health(server_request const& req) const
    {
        // A store that cannot make changes durable fails the check: revocations
        // still work, but would not survive a restart.
        bool const store_ok = service_->store().healthy();
        server_response res{store_ok ? bhttp::status::ok : bhttp::status::service_unavailable, req.version()};
        res.set(bhttp::field::content_type, json_type);
        res.body() = store_ok ? R"({"status":"ok"})" : R"({"status":"failing","store":"storage_failure"})";
        // An issuer without keys refuses its tokens; the rest is served.
        if(store_ok && jwks_)
            if(auto const missing = jwks_->issuers_without_keys(); ! missing.empty())
            {
                boost::json::array names;
                for(auto const& name : missing)
                    names.emplace_back(name);
                res.body() = boost::json::serialize(
                    boost::json::object{{"status", "degraded"}, {"issuers_without_keys", std::move(names)}});
            }
        res.prepare_payload();
        res.keep_alive(req.keep_alive());
        return res;
    }

    server_response metrics(server_request const& req) const
    {
        server_response res{bhttp::status::ok, req.version()};
        res.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.set(bhttp::field::cache_control, "no-store");
        using http::detail::append_family;
        using http::detail::append_sample;
        std::string body = guard_metrics_.prometheus_text(&validator_->cache());
        auto const requests = metrics_prefix_ + "_requests_total";
        append_family(body, requests, "counter", "Requests answered, by route and status class.");
        for(std::size_t r = 0; r < route_kind_names.size(); ++r)
            for(std::size_t s = 0; s < status_class_names.size(); ++s)
                if(auto const n = counts_[r * status_class_names.size() + s].load(std::memory_order_relaxed))
                    append_sample(body, requests,
                        "route=\"" + std::string(route_kind_names[r]) + "\",code=\"" + std::string(status_class_names[s]) + "\"",
                        n);
        auto const series = [&](char const* name, char const* type, char const* help, std::uint64_t value) {
            append_family(body, metrics_prefix_ + name, type, help);
            append_sample(body, metrics_prefix_ + name, {}, value);
        };
        if(jwks_)
            jwks_->append_prometheus(body, metrics_prefix_);
        series("_pending_logins", "gauge", "Logins waiting for or running on the login pool.", server_.pending_offloaded());
        series("_open_connections", "gauge", "Connections open now (at most limits.max_connections).",
            server_.open_connections());
        series("_refused_connections_total", "counter", "Connections closed at accept: limits.max_connections were open.",
            server_.refused_connections());
        res.body() = std::move(body);
        res.prepare_payload();
        res.keep_alive(req.keep_alive());
        return res;
    }

    server_response model_route(server_request& req, route_kind& route) const
    {
        // A path under no model prefix is no route at all: 404 without
        // authentication. Within a prefix, the guard authenticates before it
        // says whether a model exists.
        auto const parsed = router_->parse(std::string_view(req.target().data(), req.target().size()));
        if(! parsed)
            return guard_->render(req, {parsed.error(), {}, {}});
        if(auto const matched = router_->match(*parsed); ! matched
            && (matched.error() == router::error::unknown_prefix
                || matched.error() == router::error::outside_mount_root))
        {
            route = route_kind::unknown;
            return guard_->render(req, {matched.error(), {}, {}});
        }
        auto const serve = [this](http::AuthContext const& ctx, server_request&& allowed) {
            return serve_model(ctx, allowed);
        };
        return http::guarded(*guard_, serve, http::guarded_handler_options{true, &guard_metrics_})(std::move(req));
    }

    // A request the guard allowed on the model `ctx` names.
    server_response serve_model(http::AuthContext const& ctx, server_request const& req) const
    {
        auto const found = models_.find(ctx.endpoint.model_id());
        if(found == models_.end())
            return guard_->render(req, {router::error::unknown_model, {}, {}});
        auto const& model = found->second;
        switch(req.method())
        {
        case bhttp::verb::get:
        case bhttp::verb::head: return routes_->model_meta(req, ctx, model.meta);
        case bhttp::verb::post:
            if(model.infer)
                return model.infer(req, ctx);
            return method_not_allowed(req, "GET, HEAD");
        default: return method_not_allowed(req, model.infer ? "GET, HEAD, POST" : "GET, HEAD");
        }
    }

    std::string metrics_prefix_;
    limits_config limits_;
    std::string issuer_name_;
    http::http_server const& server_;
    std::shared_ptr<tokens::JournalTokenStore> journal_; // with state_dir
    std::shared_ptr<tokens::RedisTokenStore> redis_;     // with redis
    std::shared_ptr<validation::basic_token_validator<Clock>> validator_;
    std::shared_ptr<tokens::token_issuer<Clock>> issuer_;
    std::optional<std::filesystem::path> key_file_; // with state_dir
    std::mutex rotate_mutex_;
    std::unique_ptr<validation::basic_jwks_source<Clock>> jwks_; // stopped first: destroyed before the validator
    std::shared_ptr<router::ModelUrlRouter const> router_;
    std::shared_ptr<http::basic_guard<Clock> const> guard_;
    std::shared_ptr<service_type> service_;
    std::optional<http::token_routes<Clock>> routes_;
    std::unordered_map<std::int64_t, model_service> models_;
    mutable http::guard_metrics guard_metrics_;
    mutable std::array<std::atomic<std::uint64_t>, route_kind_names.size() * status_class_names.size()> counts_{};
};

} // namespace detail

template<class Clock>
basic_platform_server<Clock>::basic_platform_server(model_hooks hooks, Clock clock)
    : hooks_(std::move(hooks))
    , clock_(std::move(clock))
{
}

template<class Clock>
void basic_platform_server<Clock>::start(platform_config const& config, platform_start_options const& options)
{
    if(core_)
        throw std::logic_error("model_platform: a server starts once");
    core_ = std::make_shared<detail::platform_core<Clock>>(config, hooks_, clock_, options, http_);
    http::server_options server_options;
    server_options.host = config.listen.host;
    server_options.port = config.listen.port;
    server_options.threads = thread_count(config);
    server_options.body_limit = config.limits.body_bytes;
    server_options.target_limit = config.limits.target_bytes;
    server_options.header_timeout = config.limits.header_timeout;
    server_options.read_timeout = config.limits.read_timeout;
    server_options.max_connections = config.limits.max_connections;
    server_options.stop_on_signals = options.stop_on_signals;
    server_options.offload = &detail::platform_core<Clock>::is_login;
    server_options.max_offloaded = 64;
    server_options.busy_description = "too many logins are in progress; try again shortly";
    server_options.maintenance_interval = config.maintenance_interval ? *config.maintenance_interval
                                                                      : options.maintenance_interval;
    std::weak_ptr<detail::platform_core<Clock> const> weak = core_;
    server_options.maintenance = [weak] {
        if(auto core = weak.lock())
            core->maintain();
    };
    server_options.on_refusal = [weak](unsigned status) {
        if(auto core = weak.lock())
            core->count(detail::route_kind::refused, status);
    };
    std::shared_ptr<detail::platform_core<Clock> const> core = core_;
    try
    {
        http_.start([core](http::server_request&& req, http::client_info const& client) {
            return core->handle(req, client.address);
        }, std::move(server_options));
    }
    catch(std::system_error const& e)
    {
        throw configuration_error("listen", e.what());
    }
}

template<class Clock>
void basic_platform_server<Clock>::stop()
{
    http_.stop();
    core_.reset(); // releases the store (the journal's lock) and the issuer
}

template<class Clock>
std::string const& basic_platform_server<Clock>::issuer() const noexcept
{
    return core_->issuer_name();
}

template<class Clock>
void basic_platform_server<Clock>::maintain() const
{
    core_->maintain();
}

template<class Clock>
result<void> basic_platform_server<Clock>::rotate_signing_key()
{
    return core_->rotate_signing_key();
}

template<class Clock>
tokens::flows::flow_context<Clock>& basic_platform_server<Clock>::service() const noexcept
{
    return core_->service();
}

} // namespace config
} // namespace v0
} // namespace modelauth

#endif
