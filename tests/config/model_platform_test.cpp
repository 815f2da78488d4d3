//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// config/model_platform.hpp: the config with an application's model keys,
// and basic_platform_server on 127.0.0.1:0 answering /healthz, /metrics, the
// token routes and model URLs through model_hooks, with a real client. The
// full api.md behaviour is tests/model_server/'s (the reference server is
// this platform with toy models).

#include <modelauth/config/model_platform.hpp>

#include <modelauth/jose/jws.hpp>
#include <modelauth/jose/key.hpp>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "config/config_test_support.hpp"
#include "support/https_test_server.hpp"
#include "support/raw_http_client.hpp"
#include "support/temporary_directory.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <fstream>
#include <memory>
#include <string>

namespace {

namespace cfg = modelauth::config;
namespace jose = modelauth::jose;
namespace json = boost::json;
namespace bhttp = boost::beast::http;
using config_test::fault;
using config_test::fault_of;
using modelauth_test::get_request;
using modelauth_test::raw_http_client;

std::string const idp = "https://idp.example.test";

jose::key const& idp_key()
{
    static jose::key const key = jose::key::generate(jose::algorithm::eddsa, "idp-1").value();
    return key;
}

std::string token(std::string const& scope)
{
    json::object claims{{"iss", idp}, {"sub", "robot"}, {"aud", "models"}, {"exp", 4102444800}, {"scope", scope}};
    return jose::sign_compact_jws(json::serialize(claims), idp_key()).value();
}

// Model entries carry a `greeting` the application checks and answers with;
// `loads` counts the entries read.
cfg::model_hooks greeting_hooks(std::shared_ptr<std::atomic<int>> loads = std::make_shared<std::atomic<int>>())
{
    cfg::model_hooks hooks;
    hooks.entry_keys = {"greeting"};
    hooks.load = [loads](cfg::json_reader const& entry) {
        ++*loads;
        std::string greeting(entry["greeting"].string());
        if(greeting.empty())
            entry["greeting"].fail("must not be empty");
        cfg::model_service service;
        service.meta = {{"greeting", greeting}};
        service.infer = [greeting](auto const& req, auto const& ctx) {
            modelauth::http::server_response res{bhttp::status::ok, req.version()};
            res.body() = greeting + " v" + std::string(ctx.endpoint.version()) + ": " + req.body();
            res.prepare_payload();
            return res;
        };
        return service;
    };
    return hooks;
}

std::string config_text(std::string const& greeting = "hello")
{
    json::object model{{"model_id", 7}, {"prefix", "models"}, {"name", "hi"}, {"versions", json::array{"1"}},
        {"greeting", greeting}};
    json::object config{{"listen", "127.0.0.1:0"}, {"threads", 2}, {"models", json::array{model}},
        {"trusted_issuers", json::array{json::object{{"issuer", idp}, {"audiences", json::array{"models"}},
                                {"algorithms", json::array{"EdDSA"}},
                                {"jwks", json::object{{"keys", json::array{idp_key().public_jwk()}}}}}}}};
    return json::serialize(config);
}

cfg::platform_config_options with_hooks()
{
    cfg::platform_config_options options;
    options.models = greeting_hooks();
    return options;
}

std::string request(std::string const& method, std::string const& target, std::string const& scope,
    std::string const& body = {})
{
    return method + " " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token(scope)
        + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

} // namespace

TEST_CASE("parse_platform_config: the application's model keys are allowed after the router's, and checked")
{
    auto const config = cfg::parse_platform_config(config_text(), with_hooks());
    CHECK(config.listen.port == 0);
    CHECK(config.threads == 2);
    REQUIRE(config.models.find(7) != nullptr);
    CHECK(config.models.find(7)->metadata->at("greeting") == "hello");

    CHECK(fault_of([] { (void)cfg::parse_platform_config(config_text()); })
        == fault{"models[0].greeting", "is not a known key; expected one of: model_id, prefix, name, versions, "
                                       "default_version, account, space, instance"});
    CHECK(fault_of([] { (void)cfg::parse_platform_config(config_text(""), with_hooks()); })
        == fault{"models[0].greeting", "must not be empty"});
    CHECK(fault_of([] { (void)cfg::parse_platform_config(R"({"listen": "localhost:80"})"); })
        == fault{"listen", "must be an IP address and a port: \"127.0.0.1:8080\", \"[::1]:8080\" (port 0: any free port)"});
}

TEST_CASE("parse_platform_config: maintenance_s sets how often the store is pruned; absent, the start option decides")
{
    CHECK(! cfg::parse_platform_config("{}").maintenance_interval);
    CHECK(cfg::parse_platform_config(R"({"maintenance_s": 5})").maintenance_interval == std::chrono::seconds(5));
    CHECK(fault_of([] { (void)cfg::parse_platform_config(R"({"maintenance_s": 3601})"); })
        == fault{"maintenance_s", "must be an integer from 1 to 3600"});
}

TEST_CASE("issuer_of, thread_count and load_platform_config")
{
    auto config = cfg::parse_platform_config(R"({"listen": "[::1]:9000", "threads": 3})");
    CHECK(cfg::issuer_of(config) == "http://[::1]:9000");
    CHECK(cfg::thread_count(config) == 3);
    config.issuer = "https://models.example.com";
    CHECK(cfg::issuer_of(config) == "https://models.example.com");

    modelauth_test::temporary_directory dir;
    std::filesystem::create_directories(dir.path);
    auto const file = dir.path / "platform.json";
    std::ofstream(file) << config_text();
    CHECK(cfg::load_platform_config(file, with_hooks()).models.size() == 1);
    CHECK(fault_of([&] { (void)cfg::load_platform_config(dir.path / "missing.json"); })
        == fault{(dir.path / "missing.json").string(), "cannot be read: no such file"});
}

TEST_CASE("basic_platform_server: health, metrics, 404 off the model prefixes, and models through the hooks")
{
    auto const loads = std::make_shared<std::atomic<int>>(0);
    cfg::platform_server server(greeting_hooks(loads));
    server.start(cfg::parse_platform_config(config_text(), with_hooks()));
    CHECK(*loads == 1); // the model's entry is read once, at start
    CHECK(server.issuer() == "http://127.0.0.1:0");
    raw_http_client client(server.port());

    auto const health = client.exchange(get_request("/healthz"));
    REQUIRE(health);
    CHECK(health->result() == bhttp::status::ok);
    CHECK(health->body() == R"({"status":"ok"})");

    auto const unknown = client.exchange(get_request("/nowhere/"));
    REQUIRE(unknown);
    CHECK(unknown->result() == bhttp::status::not_found);

    auto const anonymous = client.exchange(get_request("/models/hi/"));
    REQUIRE(anonymous);
    CHECK(anonymous->result() == bhttp::status::unauthorized);

    auto const meta = client.exchange(request("GET", "/models/hi/?get_meta=true", "models:read"));
    REQUIRE(meta);
    CHECK(meta->result() == bhttp::status::ok);
    auto const described = json::parse(meta->body()).as_object();
    CHECK(described.at("model_id") == 7);
    CHECK(described.at("greeting") == "hello");

    auto const inferred = client.exchange(request("POST", "/models/hi/", "models:infer", "there"));
    REQUIRE(inferred);
    CHECK(inferred->result() == bhttp::status::ok);
    CHECK(inferred->body() == "hello v1: there");
    CHECK(*loads == 1); // and never again per request

    auto const put = client.exchange(request("PUT", "/models/hi/", "models:infer"));
    REQUIRE(put);
    CHECK(put->result() == bhttp::status::method_not_allowed);
    CHECK((*put)[bhttp::field::allow] == "GET, HEAD, POST");

    auto const metrics = client.exchange(get_request("/metrics"));
    REQUIRE(metrics);
    CHECK(metrics->result() == bhttp::status::ok);
    auto const& text = metrics->body();
    CHECK(text.find("model_server_requests_total{route=\"health\",code=\"2xx\"} 1\n") != std::string::npos);
    CHECK(text.find("model_server_requests_total{route=\"unknown\",code=\"4xx\"} 1\n") != std::string::npos);
    CHECK(text.find("model_server_requests_total{route=\"models\",code=\"2xx\"} 2\n") != std::string::npos);
    CHECK(text.find("model_server_open_connections 1\n") != std::string::npos);
    CHECK(text.find("model_server_pending_logins 0\n") != std::string::npos);
    client.close();
    server.stop();
}

TEST_CASE("basic_platform_server: without an infer hook POST is 405 with Allow: GET, HEAD; metrics_prefix names the series; a busy port names listen")
{
    auto hooks = greeting_hooks();
    hooks.load = [load = hooks.load](cfg::json_reader const& entry) {
        auto service = load(entry);
        service.infer = nullptr;
        return service;
    };
    cfg::platform_server server(hooks);
    auto config = cfg::parse_platform_config(config_text(), with_hooks());
    cfg::platform_start_options start;
    start.metrics_prefix = "platform";
    server.start(config, start);
    raw_http_client client(server.port());
    auto const post = client.exchange(request("POST", "/models/hi/", "models:infer", "x"));
    REQUIRE(post);
    CHECK(post->result() == bhttp::status::method_not_allowed);
    CHECK((*post)[bhttp::field::allow] == "GET, HEAD");
    auto const metrics = client.exchange(get_request("/metrics"));
    REQUIRE(metrics);
    CHECK(metrics->body().find("platform_requests_total{route=\"models\",code=\"4xx\"} 1\n") != std::string::npos);
    CHECK(metrics->body().find("model_server_") == std::string::npos);

    config.listen.port = server.port();
    cfg::platform_server second(hooks);
    auto const f = fault_of([&] { second.start(config); });
    CHECK(f.field == "listen");
    CHECK(f.problem.rfind("cannot bind 127.0.0.1:" + std::to_string(server.port()) + ": ", 0) == 0);
    client.close();
}

TEST_CASE("basic_platform_server: an issuer's keys by OIDC discovery over HTTPS; /healthz degraded until they come")
{
    modelauth_test::temporary_directory dir("platform-idp");
    std::filesystem::create_directories(dir.path);
    auto const pki = modelauth_test::test_pki::make({"localhost"}, {});
    pki.write_ca(dir.path / "ca.pem");
    modelauth_test::https_test_server provider(pki);
    std::string const issuer = provider.base_url("localhost") + "/realms/models";
    auto const key = jose::key::generate(jose::algorithm::rs256, "kc-1").value();
    modelauth_test::canned_response down;
    down.status = 503;
    provider.set("/realms/models/.well-known/openid-configuration", down);

    json::object model{{"model_id", 7}, {"prefix", "models"}, {"name", "hi"}, {"versions", json::array{"1"}},
        {"greeting", "hello"}};
    json::object config{{"listen", "127.0.0.1:0"}, {"threads", 2}, {"models", json::array{model}},
        {"trusted_issuers", json::array{json::object{{"issuer", issuer}, {"audiences", json::array{"models"}},
                                {"algorithms", json::array{"RS256"}}, {"discovery", true},
                                {"ca_file", (dir.path / "ca.pem").string()}, {"refresh_s", 1}, {"min_refresh_s", 1}}}}};

    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::error_code> outcomes;
    cfg::platform_start_options options;
    options.remote_keys.on_fetch = [&](std::string const& name, std::error_code ec) {
        CHECK(name == issuer);
        std::lock_guard<std::mutex> lock(mutex);
        outcomes.push_back(ec);
        changed.notify_all();
    };
    auto const wait_for = [&](std::size_t n) {
        std::unique_lock<std::mutex> lock(mutex);
        REQUIRE(changed.wait_for(lock, std::chrono::seconds(20), [&] { return outcomes.size() >= n; }));
        return outcomes[n - 1];
    };
    cfg::platform_server server(greeting_hooks());
    server.start(cfg::parse_platform_config(json::serialize(config), with_hooks()), options);
    raw_http_client client(server.port());

    auto const now = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch()).count();
    json::object claims{{"iss", issuer}, {"sub", "robot"}, {"aud", "models"}, {"exp", now + 600},
        {"scope", "models:infer"}};
    auto const jwt = jose::sign_compact_jws(json::serialize(claims), key).value();
    auto const infer = "POST /models/hi/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + jwt
        + "\r\nContent-Length: 5\r\n\r\nthere";

    // The provider is down: the issuer has no keys, its tokens are 401, the server is degraded but up.
    CHECK(wait_for(1) == modelauth::validation::fetch_error::bad_status);
    auto const degraded = client.exchange(get_request("/healthz"));
    REQUIRE(degraded);
    CHECK(degraded->result() == bhttp::status::ok);
    CHECK(degraded->body() == R"({"status":"degraded","issuers_without_keys":[")" + issuer + R"("]})");
    auto const refused = client.exchange(infer);
    REQUIRE(refused);
    CHECK(refused->result() == bhttp::status::unauthorized);
    CHECK((*refused)[bhttp::field::www_authenticate].find(R"(error="invalid_token")") != std::string::npos);

    // The provider comes back; the retry (within a second) brings the key.
    provider.set("/realms/models/protocol/openid-connect/certs", [&] {
        modelauth_test::canned_response r;
        r.body = json::serialize(json::object{{"keys", json::array{key.public_jwk()}}});
        return r;
    }());
    provider.set("/realms/models/.well-known/openid-configuration", [&] {
        modelauth_test::canned_response r;
        r.body = json::serialize(json::object{{"issuer", issuer},
            {"jwks_uri", issuer + "/protocol/openid-connect/certs"}});
        return r;
    }());
    CHECK(wait_for(2) == std::error_code());
    auto const healthy = client.exchange(get_request("/healthz"));
    REQUIRE(healthy);
    CHECK(healthy->body() == R"({"status":"ok"})");
    auto const allowed = client.exchange(infer);
    REQUIRE(allowed);
    CHECK(allowed->result() == bhttp::status::ok);
    CHECK(allowed->body() == "hello v1: there");

    auto const metrics = client.exchange(get_request("/metrics"));
    REQUIRE(metrics);
    auto const label = "issuer=\"" + issuer + "\"";
    CHECK(metrics->body().find("model_server_key_fetches_total{" + label + ",outcome=\"ok\"} 1\n") != std::string::npos);
    CHECK(metrics->body().find("model_server_key_fetches_total{" + label + ",outcome=\"bad_status\"} 1\n")
          != std::string::npos);
    CHECK(metrics->body().find("model_server_keys_loaded{" + label + "} 1\n") != std::string::npos);
    client.close();
    server.stop();
}

TEST_CASE("parse_platform_config: a remote issuer's bad ca_file names its key path at start")
{
    json::object config{{"listen", "127.0.0.1:0"},
        {"trusted_issuers", json::array{json::object{{"issuer", "https://idp.example.com"},
                                {"audiences", json::array{"models"}}, {"algorithms", json::array{"RS256"}},
                                {"jwks_uri", "https://idp.example.com/jwks"}, {"ca_file", "/nonexistent/ca.pem"}}}}};
    cfg::platform_server server;
    CHECK(fault_of([&] { server.start(cfg::parse_platform_config(json::serialize(config))); })
          == fault{"trusted_issuers[0].ca_file", "does not load as a PEM file of CA certificates: /nonexistent/ca.pem"});
}
