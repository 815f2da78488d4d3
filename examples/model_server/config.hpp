//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODEL_SERVER_CONFIG_HPP
#define MODEL_SERVER_CONFIG_HPP

/** @file
    The reference server's configuration file (api.md, "Config file"), read
    with `modelauth/config/`: every fault throws `configuration_error` naming
    its key path (`models[1].default_version`, `limits.body_bytes`).

    @code
    listen          "host:port"  default "127.0.0.1:8080"; IPv6 as "[::1]:8080"; port 0: any free port
    issuer          URL | null   default null: "http://" + listen as written (issuer_of)
    threads         0..1024      default 0: one per core
    state_dir       path | null  default null: memory only
    strict_slash    bool         default false
    limits          {body_bytes 1..64 MiB = 1048576, target_bytes 1..65536 = 2048, read_timeout_s 1..3600 = 30,
                     header_timeout_s 1..3600 = 10, max_connections 1..1048576 = 10000}
    lifetimes       config::token_lifetimes_from_json
    accounts, instances, users              config::user_directory_from_json
    models          [{router's keys, kind "linear"|"logistic", weights [numbers], bias number}]
    trusted_issuers config::trusted_issuers_from_json, key files read
    @endcode
*/

#include "models.hpp"

#include <modelauth/config/json_reader.hpp>
#include <modelauth/config/jwks_files.hpp>
#include <modelauth/config/router.hpp>
#include <modelauth/config/token_stack.hpp>
#include <modelauth/config/user_directory.hpp>
#include <modelauth/http/token_routes.hpp>

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <thread>

namespace model_server {

namespace cfg = modelauth::config;

/// A user's `password` in the demo config: the demo password, hashed at start.
inline constexpr std::string_view demo_password_placeholder = "$demo$";

/// `listen`: an IP address literal (no brackets) and a TCP port (0: any free port).
struct listen_address
{
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
};

/// `limits`: how much of a request the server reads, and for how long.
struct limits_config
{
    std::size_t body_bytes = 1048576;
    std::size_t target_bytes = 2048;
    std::chrono::seconds read_timeout{30};
    std::chrono::seconds header_timeout{10};
    std::size_t max_connections = 10000;
};

/// A configuration file, checked: every reference resolves, every key file loaded.
struct server_config
{
    listen_address listen;
    std::optional<std::string> issuer;
    unsigned threads = 0;
    std::optional<std::filesystem::path> state_dir;
    bool strict_slash = false;
    limits_config limits;
    modelauth::tokens::token_lifetimes lifetimes;
    modelauth::tokens::user_directory directory;
    modelauth::router::model_registry models; // each model's whole entry as its metadata
    std::vector<modelauth::validation::trusted_issuer> trusted_issuers;
};

/// What `demo_password_placeholder` stands for; none: it is refused.
struct parse_config_options
{
    std::optional<modelauth::tokens::password_hash> demo_password;
};

/// The toy model of a registered model (its metadata checked by `parse_config`).
[[nodiscard]] inline toy_model toy_model_of(cfg::json_reader const& entry, std::string_view version = {})
{
    auto const kind = parse_model_kind(entry["kind"].string());
    if(! kind)
        entry["kind"].fail("must be \"linear\" or \"logistic\"");
    toy_model model{entry["model_id"].integer<std::int64_t>(1, (std::numeric_limits<std::int64_t>::max)()), std::string(version), *kind, {},
        entry["bias"].number()};
    for(auto const& w : entry["weights"].elements(1, (std::numeric_limits<std::size_t>::max)(), "weight"))
        model.weights.push_back(w.number());
    return model;
}

/// `listen`'s value: "127.0.0.1:8080", "[::1]:8080"; the host parses with asio.
[[nodiscard]] inline listen_address parse_listen(cfg::json_reader const& value)
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

/** Reads and checks a configuration document (strict JSON).
    @throws modelauth::configuration_error naming the first bad key path.
*/
[[nodiscard]] inline server_config parse_config(std::string_view text, parse_config_options const& options = {})
{
    auto const document = cfg::parse_document(text);
    cfg::json_reader const root(document);
    root.allow_only({"listen", "issuer", "threads", "state_dir", "strict_slash", "limits", "lifetimes", "accounts",
        "instances", "users", "models", "trusted_issuers"});
    server_config config;
    if(auto const x = root.find("listen"))
        config.listen = parse_listen(*x);
    if(auto const x = root.find_non_null("issuer"))
    {
        if(auto const problem = modelauth::http::base_url_problem(x->string()); ! problem.empty())
            x->fail(problem);
        config.issuer = std::string(x->string());
    }
    if(auto const x = root.find("threads"))
        config.threads = x->integer<unsigned>(0, 1024);
    if(auto const x = root.find_non_null("state_dir"))
        config.state_dir = std::filesystem::path(std::string(x->text()));
    if(auto const x = root.find("strict_slash"))
        config.strict_slash = x->boolean();
    if(auto const limits = root.find("limits"))
    {
        limits->allow_only({"body_bytes", "target_bytes", "read_timeout_s", "header_timeout_s", "max_connections"});
        auto read = [&](std::string_view key, auto& into, std::size_t high) {
            if(auto const x = limits->find(key))
                into = static_cast<std::remove_reference_t<decltype(into)>>(x->integer<std::size_t>(1, high));
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
        config.lifetimes = cfg::token_lifetimes_from_json(*x);
    cfg::user_directory_options directory_options{std::string(demo_password_placeholder), options.demo_password};
    config.directory = cfg::user_directory_from_json(root, directory_options);
    if(auto const models = root.find("models"))
    {
        for(auto const& entry : models->elements())
        {
            entry.allow_only({"model_id", "prefix", "name", "versions", "default_version", "kind", "weights", "bias",
                "account", "space", "instance"});
            (void)toy_model_of(entry);
        }
        config.models = cfg::model_registry_from_json(*models);
        cfg::check_model_owners(config.models, config.directory);
    }
    if(auto const x = root.find("trusted_issuers"))
        config.trusted_issuers = cfg::trusted_issuers_from_json(*x, cfg::load_jwks_files);
    return config;
}

/// `parse_config` of the file at `path`; a file that cannot be read is named by its path.
[[nodiscard]] inline server_config load_config_file(
    std::filesystem::path const& path, parse_config_options const& options = {})
{
    std::error_code ec;
    auto const status = std::filesystem::status(path, ec);
    if(status.type() == std::filesystem::file_type::not_found)
        throw modelauth::configuration_error(path.string(), "cannot be read: no such file");
    if(! std::filesystem::is_regular_file(status))
        throw modelauth::configuration_error(path.string(), "cannot be read: not a regular file");
    if(std::filesystem::file_size(path, ec) > (16u << 20))
        throw modelauth::configuration_error(path.string(), "cannot be read: larger than 16 MiB");
    std::ifstream in(path, std::ios::binary);
    std::string const text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if(! in.is_open() || in.bad())
        throw modelauth::configuration_error(path.string(), "cannot be read: permission denied or I/O error");
    return parse_config(text, options);
}

/// The name of the server's own tokens: `issuer`, or "http://" + `listen` as written.
[[nodiscard]] inline std::string issuer_of(server_config const& config)
{
    if(config.issuer)
        return *config.issuer;
    bool const v6 = config.listen.host.find(':') != std::string::npos;
    std::string const host = v6 ? "[" + config.listen.host + "]" : config.listen.host;
    return "http://" + host + ":" + std::to_string(config.listen.port);
}

/// The worker threads: `threads`, or one per core.
[[nodiscard]] inline unsigned thread_count(server_config const& config) noexcept
{
    return config.threads != 0 ? config.threads : (std::max)(std::thread::hardware_concurrency(), 1u);
}

/// The embedded demo config (api.md, "Config file"); `--print-default-config` prints it.
[[nodiscard]] inline std::string default_config_text()
{
    return R"({
  "listen": "127.0.0.1:8080",
  "issuer": null,
  "threads": 0,
  "state_dir": null,
  "strict_slash": false,
  "limits": {"body_bytes": 1048576, "target_bytes": 2048, "read_timeout_s": 30, "max_connections": 10000},
  "lifetimes": {"access": "30m", "refresh": "90d", "model_session": "4h", "temporary": "24h"},
  "accounts": [{"id": "demo", "spaces": ["default"]}],
  "instances": [{"project": "demo", "region": "eu01", "id": "demo"}],
  "users": [{"email": "demo@example.com", "password": "$demo$",
             "account": "demo", "scopes": ["models:read", "models:infer", "tokens:manage"],
             "instances": ["demo/eu01/demo"]}],
  "models": [{"model_id": 1, "prefix": "models/practicus", "name": "diamond-price",
              "versions": ["1", "2"], "default_version": "2", "kind": "linear",
              "weights": [3900.0, 60.0], "bias": -250.0,
              "account": "demo", "space": "default", "instance": "demo/eu01/demo"},
             {"model_id": 2, "prefix": "models/practicus", "name": "churn",
              "versions": ["1"], "default_version": "1", "kind": "logistic",
              "weights": [0.8, -0.05, 1.2], "bias": -0.5,
              "account": "demo", "space": "default", "instance": "demo/eu01/demo"}],
  "trusted_issuers": []
}
)";
}

} // namespace model_server

#endif
