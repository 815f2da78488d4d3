// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)

#ifndef MODEL_SERVER_CONFIG_HPP
#define MODEL_SERVER_CONFIG_HPP

// The config file is modelauth::config::platform_config (api.md, "Config file");
// each `models` entry adds `kind` ("linear" | "logistic"), `weights` and `bias`.

#include "models.hpp"

#include <modelauth/config/model_platform.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <limits>

namespace model_server {

namespace cfg = modelauth::config;
using cfg::issuer_of;
using cfg::thread_count;
using server_config = cfg::platform_config;
using parse_config_options = cfg::platform_config_options; // demo_password: what "$demo$" stands for

/// The toy model of a `models` entry (the version: the URL's, or none).
[[nodiscard]] inline toy_model toy_model_of(cfg::json_reader const& entry, std::string_view version = {})
{
    auto const kind = parse_model_kind(entry["kind"].string());
    if(! kind)
        entry["kind"].fail("must be \"linear\" or \"logistic\"");
    toy_model model{entry["model_id"].integer<std::int64_t>(1, (std::numeric_limits<std::int64_t>::max)()),
        std::string(version), *kind, {}, entry["bias"].number()};
    for(auto const& w : entry["weights"].elements(1, (std::numeric_limits<std::size_t>::max)(), "weight"))
        model.weights.push_back(w.number());
    return model;
}

/// The toy models, each read once from its entry: metadata adds kind and features, POST infers.
[[nodiscard]] inline cfg::model_hooks toy_hooks()
{
    namespace json = boost::json;
    namespace http = boost::beast::http;
    cfg::model_hooks hooks;
    hooks.entry_keys = {"kind", "weights", "bias"};
    hooks.load = [](cfg::json_reader const& entry) {
        auto const model = toy_model_of(entry);
        cfg::model_service service;
        service.meta = {{"kind", to_string(model.kind)}, {"features", model.weights.size()}};
        service.infer = [model](auto const& req, auto const& ctx) {
            json::parse_options options;
            options.max_depth = 16; // {"inputs": [[...]]} needs 3
            boost::system::error_code ec;
            auto const body = json::parse(req.body(), ec, {}, options);
            auto const outputs = ec ? result<std::vector<double>>(input_error{"the body is not valid JSON"})
                                    : predict(model, body);
            modelauth::http::server_response res{outputs ? http::status::ok : http::status::bad_request, req.version()};
            res.set(http::field::content_type, "application/json; charset=utf-8");
            if(outputs)
            {
                auto at_version = model; // the version the URL resolved to
                at_version.version = ctx.endpoint.version();
                res.set("x-prt-model-id", std::to_string(model.model_id));
                res.body() = json::serialize(inference_response(at_version, *outputs));
            }
            else
                res.body() = json::serialize(
                    json::object{{"error", "invalid_request"}, {"error_description", outputs.error().message}});
            res.prepare_payload();
            res.keep_alive(req.keep_alive());
            return res;
        };
        return service;
    };
    return hooks;
}

/// A config document with the toy models' keys checked.
[[nodiscard]] inline server_config parse_config(std::string_view text, parse_config_options options = {})
{
    options.models = toy_hooks();
    return cfg::parse_platform_config(text, options);
}

/// `parse_config` of a file, which is named when it cannot be read.
[[nodiscard]] inline server_config load_config_file(std::filesystem::path const& path, parse_config_options options = {})
{
    options.models = toy_hooks();
    return cfg::load_platform_config(path, options);
}

/// The embedded demo config, the one place it is written: `--print-default-config` prints it.
[[nodiscard]] inline std::string default_config_text()
{
    return R"({
  "listen": "127.0.0.1:8080",
  "issuer": null,
  "redis": null,
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
