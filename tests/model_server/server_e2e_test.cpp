//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The reference model server end to end: `basic_server` started in-process
// on 127.0.0.1:0 with a test configuration, a real Beast client over
// loopback, one test per row of api.md (and its refusals). The servers run
// on a manual clock: the expiry tests move it, nothing sleeps.

#include "server.hpp"

#include <modelauth/clock.hpp>
#include <modelauth/jose/jws.hpp>
#include <modelauth/jose/key.hpp>
#include <modelauth/tokens/password.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace ma = modelauth;
namespace jose = modelauth::jose;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using response = http::response<http::string_body>;

std::string const alice = "alice@example.com";
std::string const carol = "carol@example.com";
std::string const password = "correct horse battery staple";
std::string const outside_issuer = "https://idp.example.test";
std::string const diamond = "/models/practicus/diamond-price/";
std::string const churn = "/models/practicus/churn/";
std::string const instance_tokens = "/v1alpha/projects/demo/regions/eu01/instances/demo/tokens";
std::string const json_type = "application/json; charset=utf-8";

// The users' password hash, 100,000 iterations (the least accepted), made once.
std::string const& password_hash()
{
    static std::string const hash = ma::tokens::hash_password(password, 100000).value();
    return hash;
}

// The outside identity provider's signing key.
jose::key const& outside_key()
{
    static jose::key const key = jose::key::generate(jose::algorithm::eddsa, "idp-1").value();
    return key;
}

// A JWT of the outside provider for `subject` with `scope`, audience `aud`.
std::string outside_token(std::string const& scope, std::string const& aud = "models",
    std::int64_t exp = 4102444800)
{
    json::object claims{{"iss", outside_issuer}, {"sub", "robot@idp.example.test"}, {"aud", aud}, {"exp", exp},
        {"scope", scope}};
    return jose::sign_compact_jws(json::serialize(claims), outside_key()).value();
}

struct config_options
{
    bool strict_slash = false;
    std::optional<std::filesystem::path> state_dir;
    unsigned short port = 0;
    // F10: limits.max_connections and limits.header_timeout_s (absent: defaults).
    std::optional<std::uint64_t> max_connections;
    std::optional<std::uint64_t> header_timeout_s;
    std::uint64_t read_timeout_s = 10;
};

/** The test configuration: account `demo` (spaces `default`, `labs`),
    instances `demo/eu01/demo` and `demo/eu01/other`; alice may do
    everything and manage the first instance, carol may only read;
    `diamond-price` (id 1, versions 1 and 2, linear 3900 x0 + 60 x1 - 250)
    lives in space `default` on the first instance, `churn` (id 2, logistic)
    in space `labs` on the other; the outside provider is trusted for
    audience `models`. Small limits so that 413 and 414 are cheap.
*/
json::object test_config_json(config_options const& o = {})
{
    json::object users_alice{{"email", alice}, {"password", password_hash()}, {"account", "demo"},
        {"scopes", json::array{"models:read", "models:infer", "tokens:manage"}},
        {"instances", json::array{"demo/eu01/demo"}}};
    json::object users_carol{{"email", carol}, {"password", password_hash()}, {"account", "demo"},
        {"scopes", json::array{"models:read"}}};
    json::object diamond_model{{"model_id", 1}, {"prefix", "models/practicus"}, {"name", "diamond-price"},
        {"versions", json::array{"1", "2"}}, {"default_version", "2"}, {"kind", "linear"},
        {"weights", json::array{3900.0, 60.0}}, {"bias", -250.0}, {"account", "demo"}, {"space", "default"},
        {"instance", "demo/eu01/demo"}};
    json::object churn_model{{"model_id", 2}, {"prefix", "models/practicus"}, {"name", "churn"},
        {"versions", json::array{"1"}}, {"kind", "logistic"}, {"weights", json::array{0.8, -0.05, 1.2}},
        {"bias", -0.5}, {"account", "demo"}, {"space", "labs"}, {"instance", "demo/eu01/other"}};
    json::object config{
        {"listen", "127.0.0.1:" + std::to_string(o.port)},
        {"threads", 2},
        {"strict_slash", o.strict_slash},
        {"limits", json::object{{"body_bytes", 4096}, {"target_bytes", 256}, {"read_timeout_s", o.read_timeout_s}}},
        {"accounts", json::array{json::object{{"id", "demo"}, {"spaces", json::array{"default", "labs"}}}}},
        {"instances", json::array{json::object{{"project", "demo"}, {"region", "eu01"}, {"id", "demo"}},
                          json::object{{"project", "demo"}, {"region", "eu01"}, {"id", "other"}}}},
        {"users", json::array{users_alice, users_carol}},
        {"models", json::array{diamond_model, churn_model}},
        {"trusted_issuers", json::array{json::object{{"issuer", outside_issuer},
                                {"audiences", json::array{"models"}}, {"algorithms", json::array{"EdDSA"}},
                                {"jwks", json::object{{"keys", json::array{outside_key().public_jwk()}}}}}}},
    };
    if(o.state_dir)
        config["state_dir"] = o.state_dir->string();
    if(o.max_connections)
        config["limits"].as_object()["max_connections"] = *o.max_connections;
    if(o.header_timeout_s)
        config["limits"].as_object()["header_timeout_s"] = *o.header_timeout_s;
    return config;
}

model_server::server_config test_config(config_options const& o = {})
{
    return model_server::parse_config(json::serialize(test_config_json(o)));
}

// ---------------------------------------------------------------------------
// The client: raw bytes out (so any request reaches the server as written),
// Beast's response parser in.

class client
{
public:
    explicit client(unsigned short port) : port_(port) {}

    /// Sends `raw` on a new connection and reads one answer.
    response send(std::string const& raw, bool head = false) const
    {
        asio::io_context ioc;
        beast::tcp_stream stream(ioc);
        stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
        asio::write(stream.socket(), asio::buffer(raw));
        return read(stream, head);
    }

    /// Reads one answer from `stream`.
    static response read(beast::tcp_stream& stream, bool head = false)
    {
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.skip(head);
        beast::error_code ec;
        http::read(stream, buffer, parser, ec);
        REQUIRE_MESSAGE(! ec, ec.message());
        return parser.release();
    }

    /// `method target` with `headers` (raw lines, each ending in CRLF) and `body`.
    static std::string raw(std::string const& method, std::string const& target, std::string const& headers = {},
        std::string const& body = {}, bool keep_alive = false)
    {
        std::string text = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        if(! keep_alive)
            text += "Connection: close\r\n";
        text += headers;
        if(! body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
            text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        return text + "\r\n" + body;
    }

    response call(std::string const& method, std::string const& target, std::string const& headers = {},
        std::string const& body = {}) const
    {
        return send(raw(method, target, headers, body), method == "HEAD");
    }

    response call_json(std::string const& method, std::string const& target, std::string const& headers,
        json::value const& body) const
    {
        return call(method, target, headers + "Content-Type: application/json\r\n", json::serialize(body));
    }

    /// Logs `email` in: the 200 answer's JSON `{"access","refresh"}`.
    json::object login(std::string const& email = alice) const
    {
        auto const res = call_json("POST", "/console/api/auth/", {}, json::object{{"email", email}, {"password", password}});
        REQUIRE(res.result_int() == 200);
        return json::parse(res.body()).as_object();
    }

    std::string access(std::string const& email = alice) const
    {
        return std::string(login(email).at("access").as_string());
    }

    unsigned short port() const noexcept { return port_; }

private:
    unsigned short port_;
};

std::string bearer(std::string const& token)
{
    return "Authorization: Bearer " + token + "\r\n";
}

std::string api_key(std::string const& key)
{
    return "impact-api-key: " + key + "\r\n";
}

json::value body_json(response const& res)
{
    return json::parse(res.body());
}

std::string str(json::value const& v)
{
    return std::string(v.as_string());
}

std::string field(response const& res, http::field f)
{
    return std::string(res[f]);
}

std::string field(response const& res, std::string const& name)
{
    return std::string(res[name]);
}

// `{"inputs": [row]}`. (Not `json::array{json::array{...}}`: with a single
// element of its own type, list-initialization copies it, as clang does.)
json::object inputs_of(json::array row)
{
    json::array rows;
    rows.emplace_back(std::move(row));
    return json::object{{"inputs", std::move(rows)}};
}

// `{"inputs": [[a, b]]}` for diamond-price, `[[1, 2, 3]]` for churn.
json::object diamond_inputs(double a = 1, double b = 2)
{
    return inputs_of(json::array{a, b});
}

json::object churn_inputs()
{
    return inputs_of(json::array{1, 2, 3});
}

// ---------------------------------------------------------------------------
// Servers

using clock_ref = ma::manual_clock_ref;
using test_server = model_server::basic_server<clock_ref>;

// A server on its own manual clock, started on a free port.
struct running_server
{
    ma::manual_clock clock;
    test_server server{clock_ref(clock)};

    explicit running_server(config_options const& options = {}) { server.start(test_config(options)); }

    client api() const { return client(server.port()); }
};

// The server most tests share; its clock never moves.
running_server& shared()
{
    static running_server s;
    return s;
}

client api()
{
    return shared().api();
}

// A console access token of alice on the shared server, made once.
std::string const& access()
{
    static std::string const token = api().access();
    return token;
}

// The refusal body of api.md: `{"error","error_description"}`, the code given.
void check_error(response const& res, unsigned status, std::string const& error)
{
    CHECK(res.result_int() == status);
    CHECK(field(res, http::field::content_type) == json_type);
    auto const body = body_json(res).as_object();
    CHECK(str(body.at("error")) == error);
    CHECK(body.at("error_description").is_string());
    CHECK(body.size() == 2);
}

// Whether `credential` may infer on `target` (as Bearer, or as the API-key header).
unsigned infer_status(std::string const& target, std::string const& credential_header)
{
    auto const& inputs = target == churn ? churn_inputs() : diamond_inputs();
    return api().call_json("POST", target, credential_header, inputs).result_int();
}

// A connection refused: the server no longer accepts.
bool refuses_connections(unsigned short port)
{
    asio::io_context ioc;
    tcp::socket socket(ioc);
    beast::error_code ec;
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    return ec == asio::error::connection_refused;
}

} // namespace

// ---------------------------------------------------------------------------
// Operations and general rules

TEST_CASE("server: /healthz answers 200 without authentication, other methods 405")
{
    auto const res = api().call("GET", "/healthz");
    CHECK(res.result_int() == 200);
    CHECK(field(res, http::field::content_type) == json_type);
    CHECK(res.body() == R"({"status":"ok"})");

    auto const head = api().call("HEAD", "/healthz");
    CHECK(head.result_int() == 200);
    CHECK(head.body().empty());
    CHECK(field(head, http::field::content_length) == "15");

    auto const post = api().call("POST", "/healthz");
    check_error(post, 405, "method_not_allowed");
    CHECK(field(post, http::field::allow) == "GET, HEAD");
}

TEST_CASE("server: an unknown route is 404 JSON, without authentication")
{
    for(auto const* target : {"/", "/nope", "/models/", "/models/elsewhere/x/", "/.well-known/other"})
    {
        CAPTURE(target);
        auto const res = api().call("GET", target);
        check_error(res, 404, "not_found");
        CHECK(res.count(http::field::www_authenticate) == 0);
    }
    // Below a token API's prefix, the API itself answers 404.
    check_error(api().call("GET", "/console/api/nothing/here/"), 404, "not_found");
}

TEST_CASE("server: a wrong method on a token route is 405 with Allow")
{
    auto const res = api().call("PUT", "/console/api/auth/", {}, "{}");
    check_error(res, 405, "method_not_allowed");
    CHECK(field(res, http::field::allow) == "POST");
}

TEST_CASE("server: a body over limits.body_bytes is 413, answered not dropped")
{
    std::string const big(5000, ' ');
    SUBCASE("on a model URL")
    {
        auto const res = api().call("POST", diamond, bearer(access()), big);
        check_error(res, 413, "content_too_large");
        CHECK(field(res, http::field::connection) == "close");
    }
    SUBCASE("on a token route")
    {
        check_error(api().call("POST", "/console/api/auth/", {}, big), 413, "content_too_large");
    }
    SUBCASE("announced by Content-Length alone")
    {
        auto const res = api().send("POST " + diamond + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
        check_error(res, 413, "content_too_large");
    }
}

TEST_CASE("server: a target over limits.target_bytes is 414 on every route")
{
    std::string const padding(300, 'a');
    for(auto const& target : {"/healthz?" + padding, diamond + "?" + padding, "/console/api/auth/?" + padding})
    {
        CAPTURE(target);
        check_error(api().call("GET", target), 414, "invalid_request");
    }
}

TEST_CASE("server: parser faults are answered: 431 for a large header, 400 for a malformed request")
{
    auto const large = api().send(client::raw("GET", "/healthz", "X-Padding: " + std::string(9000, 'p') + "\r\n"));
    check_error(large, 431, "invalid_request");
    check_error(api().send("GARBAGE\r\n\r\n"), 400, "invalid_request");
    check_error(api().send("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n"), 400, "invalid_request");
}

TEST_CASE("server: a keep-alive connection serves requests in turn")
{
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), shared().server.port()));
    for(int i = 0; i < 3; ++i)
    {
        asio::write(stream.socket(), asio::buffer(client::raw("GET", "/healthz", {}, {}, true)));
        auto const res = client::read(stream);
        CHECK(res.result_int() == 200);
        CHECK(res.keep_alive());
    }
}

TEST_CASE("server: Expect: 100-continue gets 100 Continue before the body is sent")
{
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), shared().server.port()));
    std::string const body = json::serialize(diamond_inputs());
    asio::write(stream.socket(), asio::buffer("POST " + diamond + " HTTP/1.1\r\nHost: x\r\n" + bearer(access())
        + "Expect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
    CHECK(client::read(stream).result_int() == 100);
    asio::write(stream.socket(), asio::buffer(body));
    CHECK(client::read(stream).result_int() == 200);
}

TEST_CASE("server: /metrics is Prometheus text with decisions, latency, cache and request counts")
{
    (void)api().call("GET", "/healthz");
    CHECK(infer_status(diamond, bearer(access())) == 200);
    CHECK(infer_status(diamond, {}) == 401);
    auto const res = api().call("GET", "/metrics");
    CHECK(res.result_int() == 200);
    CHECK(field(res, http::field::content_type) == "text/plain; version=0.0.4; charset=utf-8");
    auto const& text = res.body();
    for(auto const* line : {"# TYPE modelauth_decisions_total counter", "modelauth_decisions_total{outcome=\"allow\"} ",
            "modelauth_decisions_total{outcome=\"deny\",reason=\"missing_credentials\"} ",
            "# TYPE modelauth_validation_seconds histogram", "modelauth_validation_seconds_bucket{le=\"+Inf\"} ",
            "modelauth_token_cache_hits_total ", "# TYPE model_server_requests_total counter",
            "model_server_requests_total{route=\"health\",code=\"2xx\"} ",
            "model_server_requests_total{route=\"models\",code=\"2xx\"} ",
            "model_server_requests_total{route=\"models\",code=\"4xx\"} ", "model_server_pending_logins 0"})
    {
        CAPTURE(line);
        CHECK(text.find(line) != std::string::npos);
    }
    // Nothing from a request ever becomes a label.
    CHECK(text.find("alice") == std::string::npos);
}

TEST_CASE("server: the JWKS and discovery documents name the server as issuer")
{
    auto const jwks = api().call("GET", "/.well-known/jwks.json");
    CHECK(jwks.result_int() == 200);
    auto const keys = body_json(jwks).at("keys").as_array();
    REQUIRE(keys.size() == 1);
    CHECK(keys[0].as_object().contains("kid"));
    CHECK_FALSE(keys[0].as_object().contains("d")); // never a private member

    auto const discovery = api().call("GET", "/.well-known/openid-configuration");
    CHECK(discovery.result_int() == 200);
    auto const doc = body_json(discovery).as_object();
    // contract: named after `listen` as written (port 0 here), never the
    // port bound; base_url() is where clients reach it.
    CHECK(str(doc.at("issuer")) == "http://127.0.0.1:0");
    CHECK(str(doc.at("jwks_uri")) == "http://127.0.0.1:0/.well-known/jwks.json");
    CHECK(shared().server.issuer() == "http://127.0.0.1:0");
    CHECK(shared().server.base_url() == "http://127.0.0.1:" + std::to_string(shared().server.port()));
}

// ---------------------------------------------------------------------------
// 1. Practicus: login, refresh, listings, get_meta, model-auth, inference

TEST_CASE("server: POST /console/api/auth/ logs in with email and password")
{
    auto const res = api().call_json("POST", "/console/api/auth/", {}, json::object{{"email", alice}, {"password", password}});
    CHECK(res.result_int() == 200);
    CHECK(field(res, http::field::content_type) == json_type);
    auto const body = body_json(res).as_object();
    CHECK(body.size() == 2);
    CHECK(str(body.at("access")).rfind("eyJ", 0) == 0);
    CHECK(str(body.at("refresh")).rfind("mrt_", 0) == 0);
    // The access token works at once.
    CHECK(api().call("GET", "/console/api/modelhost/models/", bearer(str(body.at("access")))).result_int() == 200);
}

TEST_CASE("server: a wrong password and an unknown email get the same 401")
{
    auto const wrong = api().call_json("POST", "/console/api/auth/", {},
        json::object{{"email", alice}, {"password", "wrong password"}});
    auto const unknown = api().call_json("POST", "/console/api/auth/", {},
        json::object{{"email", "mallory@example.com"}, {"password", password}});
    CHECK(wrong.result_int() == 401);
    CHECK(unknown.result_int() == 401);
    CHECK(wrong.body() == unknown.body());
    CHECK(field(wrong, http::field::www_authenticate) == field(unknown, http::field::www_authenticate));
    CHECK(wrong.body().find("wrong password") == std::string::npos);
}

TEST_CASE("server: a login that is not JSON or lacks a member is 400")
{
    check_error(api().call("POST", "/console/api/auth/", "Content-Type: application/json\r\n", "{\"email\":"),
        400, "invalid_request");
    check_error(api().call_json("POST", "/console/api/auth/", {}, json::object{{"email", alice}}), 400,
        "invalid_request");
}

TEST_CASE("server: failed logins lock the account: 429 with Retry-After")
{
    for(int i = 0; i < 5; ++i)
        CHECK(api().call_json("POST", "/console/api/auth/", {}, json::object{{"email", carol}, {"password", "no"}})
                  .result_int()
            == 401);
    auto const locked = api().call_json("POST", "/console/api/auth/", {},
        json::object{{"email", carol}, {"password", password}});
    CHECK(locked.result_int() == 429);
    CHECK(! field(locked, http::field::retry_after).empty());
}

TEST_CASE("server: refresh rotates; a reused refresh token revokes its family and its access tokens")
{
    auto const c = api();
    auto const first = c.login();
    auto const refresh1 = str(first.at("refresh"));
    auto const access1 = str(first.at("access"));

    // As the Practicus sample sends it: Bearer and body.
    auto const rotated = c.call_json("POST", "/console/api/auth/refresh/", bearer(refresh1),
        json::object{{"refresh", refresh1}});
    REQUIRE(rotated.result_int() == 200);
    auto const second = body_json(rotated).as_object();
    auto const access2 = str(second.at("access"));
    auto const refresh2 = str(second.at("refresh"));
    CHECK(refresh2 != refresh1);
    CHECK(c.call("GET", "/console/api/modelhost/models/", bearer(access2)).result_int() == 200);

    // The spent token again: 401, and the whole family is gone.
    auto const reused = c.call_json("POST", "/console/api/auth/refresh/", {}, json::object{{"refresh", refresh1}});
    CHECK(reused.result_int() == 401);
    CHECK(c.call("GET", "/console/api/modelhost/models/", bearer(access2)).result_int() == 401);
    CHECK(c.call("GET", "/console/api/modelhost/models/", bearer(access1)).result_int() == 401);
    CHECK(infer_status(diamond, bearer(access2)) == 401);
    CHECK(c.call_json("POST", "/console/api/auth/refresh/", {}, json::object{{"refresh", refresh2}}).result_int() == 401);
}

TEST_CASE("server: GET model-prefixes lists the prefixes the caller may read")
{
    auto const res = api().call("GET", "/console/api/modelhost/model-prefixes/", bearer(access()));
    CHECK(res.result_int() == 200);
    auto const list = body_json(res).as_array();
    REQUIRE(list.size() == 1);
    CHECK(str(list[0].at("prefix")) == "models/practicus");
    CHECK(str(list[0].at("key")) == "practicus");
    CHECK(api().call("GET", "/console/api/modelhost/model-prefixes/").result_int() == 401);
}

TEST_CASE("server: GET models lists models with integer ids and versions")
{
    auto const res = api().call("GET", "/console/api/modelhost/models/", bearer(access()));
    CHECK(res.result_int() == 200);
    auto const list = body_json(res).as_array();
    REQUIRE(list.size() == 2);
    auto const& first = list[0].as_object();
    CHECK(first.at("model_id").is_int64());
    CHECK(first.at("model_id").as_int64() == 1);
    CHECK(str(first.at("name")) == "diamond-price");
    CHECK(str(first.at("prefix")) == "models/practicus");
    CHECK(json::serialize(first.at("versions")) == R"(["1","2"])");
    CHECK(list[1].at("model_id").as_int64() == 2);
}

TEST_CASE("server: GET <model url>?get_meta=true answers the meta and x-prt-model-id, ignoring a form body")
{
    auto const res = api().call("GET", diamond + "?get_meta=true",
        bearer(access()) + "Content-Type: application/x-www-form-urlencoded\r\n", "refresh=whatever");
    CHECK(res.result_int() == 200);
    CHECK(field(res, "x-prt-model-id") == "1");
    CHECK(field(res, http::field::content_type) == json_type);
    auto const meta = body_json(res).as_object();
    CHECK(meta.at("model_id").as_int64() == 1);
    CHECK(str(meta.at("prefix")) == "models/practicus");
    CHECK(str(meta.at("name")) == "diamond-price");
    CHECK(json::serialize(meta.at("versions")) == R"(["1","2"])");
    CHECK(str(meta.at("default_version")) == "2");
    CHECK(str(meta.at("version")) == "2");
    CHECK(str(meta.at("kind")) == "linear");
    CHECK(meta.at("features").to_number<int>() == 2);

    auto const v1 = api().call("GET", diamond + "1/?get_meta=true", bearer(access()));
    CHECK(v1.result_int() == 200);
    CHECK(str(body_json(v1).at("version")) == "1");
    // The whole meta, nothing more (it was models.hpp's model_meta).
    CHECK(body_json(v1) == json::parse(R"({"model_id": 1, "prefix": "models/practicus", "name": "diamond-price",
        "versions": ["1", "2"], "default_version": "2", "version": "1", "kind": "linear", "features": 2})"));
    auto const logistic = api().call("GET", churn + "?get_meta=true", bearer(access()));
    CHECK(logistic.result_int() == 200);
    CHECK(str(body_json(logistic).at("kind")) == "logistic");
    CHECK(body_json(logistic).at("features").to_number<int>() == 3);
}

TEST_CASE("server: GET on a model URL without get_meta answers the same meta; HEAD its header; others 405")
{
    auto const with = api().call("GET", diamond + "?get_meta=true", bearer(access()));
    auto const without = api().call("GET", diamond, bearer(access()));
    CHECK(without.result_int() == 200);
    CHECK(without.body() == with.body());

    auto const head = api().call("HEAD", diamond, bearer(access()));
    CHECK(head.result_int() == 200);
    CHECK(head.body().empty());
    CHECK(field(head, http::field::content_length) == std::to_string(with.body().size()));

    for(auto const* method : {"DELETE", "PUT", "PATCH"})
    {
        CAPTURE(method);
        auto const res = api().call(method, diamond, bearer(access()), "{}");
        check_error(res, 405, "method_not_allowed");
        CHECK(field(res, http::field::allow) == "GET, HEAD, POST");
    }
}

TEST_CASE("server: a model URL without its final slash is 308 to it, query kept")
{
    auto const res = api().call("GET", "/models/practicus/diamond-price?get_meta=true", bearer(access()));
    CHECK(res.result_int() == 308);
    CHECK(field(res, http::field::location) == "/models/practicus/diamond-price/?get_meta=true");
}

TEST_CASE("server: with strict_slash a model URL without its final slash is 404")
{
    config_options options;
    options.strict_slash = true;
    running_server strict(options);
    auto const res = strict.api().call("GET", "/models/practicus/diamond-price?get_meta=true",
        bearer(outside_token("models:read")));
    check_error(res, 404, "not_found");
    CHECK(res.count(http::field::location) == 0);
    CHECK(strict.api().call("GET", diamond, bearer(outside_token("models:read"))).result_int() == 200);
}

TEST_CASE("server: an unknown model or version under a known prefix is 404 after authentication")
{
    CHECK(api().call("GET", "/models/practicus/nope/", {}).result_int() == 401);
    check_error(api().call("GET", "/models/practicus/nope/", bearer(access())), 404, "not_found");
    check_error(api().call("GET", diamond + "9/", bearer(access())), 404, "not_found");
}

TEST_CASE("server: model-auth exchanges an access token for a model session token (form, JSON or query)")
{
    auto const form = api().call("GET", "/console/api/modelhost/model-auth/",
        bearer(access()) + "Content-Type: application/x-www-form-urlencoded\r\n", "model_id=1");
    REQUIRE(form.result_int() == 200);
    auto const session = str(body_json(form).at("token"));
    CHECK(session.rfind("eyJ", 0) == 0);

    auto const posted = api().call_json("POST", "/console/api/modelhost/model-auth/", bearer(access()),
        json::object{{"model_id", 1}});
    CHECK(posted.result_int() == 200);
    CHECK(api().call("GET", "/console/api/modelhost/model-auth/?model_id=1", bearer(access())).result_int() == 200);
    check_error(api().call("GET", "/console/api/modelhost/model-auth/?model_id=99", bearer(access())), 404,
        "not_found");

    // The session token infers on its model, and on no other (403), and
    // manages nothing.
    CHECK(infer_status(diamond, bearer(session)) == 200);
    auto const other = api().call_json("POST", churn, bearer(session), churn_inputs());
    CHECK(other.result_int() == 403);
    CHECK(field(other, http::field::www_authenticate).find("error=\"insufficient_scope\"") != std::string::npos);
    CHECK(api().call("GET", "/api/v1/tokens/", bearer(session)).result_int() == 403);
}

TEST_CASE("server: POST <model url> runs the toy model of the resolved version")
{
    auto const res = api().call_json("POST", diamond, bearer(access()),
        json::object{{"inputs", json::array{json::array{1, 2}, json::array{0.5, 0}}}});
    REQUIRE(res.result_int() == 200);
    CHECK(field(res, http::field::content_type) == json_type);
    auto const answer = body_json(res).as_object();
    CHECK(answer.at("model_id").as_int64() == 1);
    CHECK(str(answer.at("version")) == "2");
    auto const outputs = answer.at("outputs").as_array();
    REQUIRE(outputs.size() == 2);
    CHECK(outputs[0].to_number<double>() == doctest::Approx(3900.0 + 120.0 - 250.0));
    CHECK(outputs[1].to_number<double>() == doctest::Approx(1950.0 - 250.0));

    auto const v1 = api().call_json("POST", diamond + "1/", bearer(access()), diamond_inputs());
    CHECK(str(body_json(v1).at("version")) == "1");

    auto const logistic = api().call_json("POST", churn, bearer(access()), churn_inputs());
    REQUIRE(logistic.result_int() == 200);
    double const z = 0.8 - 0.1 + 3.6 - 0.5;
    CHECK(body_json(logistic).at("outputs").as_array()[0].to_number<double>() == doctest::Approx(1 / (1 + std::exp(-z))));
}

TEST_CASE("server: an inference body of the wrong shape, a non-number or not JSON is 400 invalid_request")
{
    for(auto const* body : {R"({"inputs": [[1, 2, 3]]})", R"({"inputs": [[1, "2"]]})", R"({"inputs": []})",
            R"({"rows": [[1, 2]]})", R"([1, 2])", R"({"inputs": [[1, 2]])", ""})
    {
        CAPTURE(body);
        auto const res = api().call("POST", diamond, bearer(access()) + "Content-Type: application/json\r\n", body);
        check_error(res, 400, "invalid_request");
        CHECK(res.count(http::field::www_authenticate) == 0);
    }
}

TEST_CASE("server: model URLs refuse by policy: 401 without or with a bad credential, 403 without the scope")
{
    auto const missing = api().call_json("POST", diamond, {}, diamond_inputs());
    check_error(missing, 401, "missing_credentials");
    CHECK(field(missing, http::field::www_authenticate) == "Bearer realm=\"models\"");

    auto const bad = api().call_json("POST", diamond, bearer("eyJhbGciOiJub25lIn0.e30.x"), diamond_inputs());
    CHECK(bad.result_int() == 401);
    CHECK(field(bad, http::field::www_authenticate).find("error=\"invalid_token\"") != std::string::npos);

    auto const read_only = api().call_json("POST", diamond, bearer(outside_token("models:read")), diamond_inputs());
    check_error(read_only, 403, "insufficient_scope");
    CHECK(field(read_only, http::field::www_authenticate).find("scope=\"models:infer:models/practicus/diamond-price\"")
        != std::string::npos);

    auto const two = api().call_json("POST", diamond, bearer(access()) + api_key("mak_x"), diamond_inputs());
    check_error(two, 400, "invalid_request");
}

// ---------------------------------------------------------------------------
// 5. Outside identity providers

TEST_CASE("server: a JWT of a trusted outside issuer is accepted on model URLs by its scopes and audience")
{
    CHECK(infer_status(diamond, bearer(outside_token("models:infer:models/practicus"))) == 200);
    CHECK(infer_status(churn, bearer(outside_token("models:infer:models/practicus/diamond-price"))) == 403);
    CHECK(infer_status(diamond, bearer(outside_token("models:infer", "someone-else"))) == 401);
    CHECK(infer_status(diamond, bearer(outside_token("models:infer", "models", 1000))) == 401); // expired in 1970
}

// ---------------------------------------------------------------------------
// 2. STACKIT instance tokens

TEST_CASE("server: STACKIT instance tokens: create shows the secret once, list/get/patch do not, delete stops it")
{
    auto const c = api();
    auto const created = c.call_json("POST", instance_tokens, bearer(access()),
        json::object{{"name", "my-token"}, {"description", "My token"}, {"ttlDuration", "30d"}});
    REQUIRE(created.result_int() == 201);
    auto const token = body_json(created).as_object();
    for(auto const* member : {"id", "name", "description", "state", "validUntil", "content"})
    {
        CAPTURE(member);
        CHECK(token.contains(member));
    }
    CHECK(str(token.at("name")) == "my-token");
    CHECK(str(token.at("state")) == "active");
    auto const id = str(token.at("id"));
    auto const content = str(token.at("content"));

    auto const listed = c.call("GET", instance_tokens, bearer(access()));
    CHECK(listed.result_int() == 200);
    CHECK(listed.body().find(content) == std::string::npos);
    bool found = false;
    auto const tokens = body_json(listed);
    for(auto const& t : tokens.at("tokens").as_array())
    {
        CHECK_FALSE(t.as_object().contains("content"));
        found = found || str(t.at("id")) == id;
    }
    CHECK(found);

    auto const one = c.call("GET", instance_tokens + "/" + id, bearer(access()));
    CHECK(one.result_int() == 200);
    CHECK_FALSE(body_json(one).as_object().contains("content"));

    auto const patched = c.call_json("PATCH", instance_tokens + "/" + id, bearer(access()),
        json::object{{"description", "renamed"}});
    CHECK(patched.result_int() == 200);
    CHECK(str(body_json(patched).at("description")) == "renamed");
    CHECK(str(body_json(patched).at("name")) == "my-token");
    CHECK(patched.body().find(content) == std::string::npos);

    // The instance token infers on its instance's models only.
    CHECK(infer_status(diamond, bearer(content)) == 200);
    CHECK(infer_status(churn, bearer(content)) == 403);
    // It is never a management token.
    CHECK(c.call("GET", instance_tokens, bearer(content)).result_int() == 403);

    CHECK(c.call("DELETE", instance_tokens + "/" + id, bearer(access())).result_int() == 204);
    CHECK(infer_status(diamond, bearer(content)) == 401);
    check_error(c.call("GET", instance_tokens + "/" + id, bearer(access())), 404, "not_found");
}

TEST_CASE("server: STACKIT ttlDuration is a positive integer and one of s m h d; anything else is 400")
{
    for(auto const* ttl : {"30x", "0d", "-1d", "1.5h", "30", "d", "1h1m"})
    {
        CAPTURE(ttl);
        auto const res = api().call_json("POST", instance_tokens, bearer(access()),
            json::object{{"name", "t"}, {"ttlDuration", ttl}});
        CHECK(res.result_int() == 400);
    }
}

TEST_CASE("server: STACKIT management needs a user who may manage the instance")
{
    auto const other = "/v1alpha/projects/demo/regions/eu01/instances/other/tokens";
    CHECK(api().call_json("POST", other, bearer(access()), json::object{{"name", "t"}}).result_int() == 403);
    CHECK(api().call("GET", instance_tokens).result_int() == 401);
    CHECK(api().call("GET", "/v1alpha/projects/demo/regions/eu01/instances/none/tokens", bearer(access())).result_int()
        == 404);
}

// ---------------------------------------------------------------------------
// 3. Modelon personal API key

TEST_CASE("server: Modelon api-key: regenerate replaces, impact-api-key works, GET shows metadata, DELETE stops it")
{
    auto const c = api();
    std::string const url = "/api/users/me/api-key";
    auto const created = c.call("POST", url, bearer(access()));
    REQUIRE(created.result_int() == 200);
    auto const key = str(body_json(created).at("secret_key"));
    CHECK(body_json(created).as_object().size() == 1);
    CHECK(infer_status(churn, api_key(key)) == 200);
    CHECK(infer_status(diamond, bearer(key)) == 200); // an API key as Bearer works too

    // Regenerating with the key itself: the old one stops at once.
    auto const again = c.call("POST", url, api_key(key));
    REQUIRE(again.result_int() == 200);
    auto const key2 = str(body_json(again).at("secret_key"));
    CHECK(key2 != key);
    CHECK(infer_status(churn, api_key(key)) == 401);
    CHECK(infer_status(churn, api_key(key2)) == 200);

    auto const info = c.call("GET", url, api_key(key2));
    CHECK(info.result_int() == 200);
    CHECK(info.body().find(key2) == std::string::npos);
    CHECK_FALSE(body_json(info).as_object().contains("secret_key"));
    CHECK(str(body_json(info).at("hint")) == key2.substr(key2.size() - 4));

    CHECK(c.call("DELETE", url, bearer(access())).result_int() == 204);
    CHECK(infer_status(churn, api_key(key2)) == 401);
    CHECK(c.call("GET", url, bearer(access())).result_int() == 404);
}

// ---------------------------------------------------------------------------
// 4. NeuroIO account / space / manager tokens

TEST_CASE("server: NeuroIO tokens: create, list without secrets, get by id or key, deactivate, delete")
{
    auto const c = api();
    std::string const url = "/api/v1/tokens/";
    auto const created = c.call_json("POST", url, bearer(access()), json::object{{"permanent", false}});
    REQUIRE(created.result_int() == 201);
    auto const token = body_json(created).as_object();
    for(auto const* member : {"id", "key", "permanent", "is_active", "created", "expires"})
    {
        CAPTURE(member);
        CHECK(token.contains(member));
    }
    CHECK(token.at("permanent").as_bool() == false);
    CHECK(token.at("is_active").as_bool() == true);
    CHECK(token.at("expires").is_string());
    auto const id = str(token.at("id"));
    auto const key = str(token.at("key"));

    auto const page = c.call("GET", url + "?permanent=false&limit=10&offset=0", bearer(access()));
    REQUIRE(page.result_int() == 200);
    auto const listed = body_json(page).as_object();
    CHECK(listed.at("count").to_number<int>() >= 1);
    CHECK(listed.contains("next"));
    CHECK(listed.contains("previous"));
    for(auto const& r : listed.at("results").as_array())
        CHECK_FALSE(r.as_object().contains("key"));
    CHECK(page.body().find(key) == std::string::npos);

    CHECK(c.call("GET", url + id + "/", bearer(access())).result_int() == 200);
    auto const by_key = c.call("GET", url + key + "/", bearer(access()));
    CHECK(by_key.result_int() == 200);
    CHECK(by_key.body().find(key) == std::string::npos);
    check_error(c.call("GET", url + "00000000-0000-4000-8000-000000000000/", bearer(access())), 404, "not_found");

    // An account token reaches every model of its account, and manages.
    CHECK(infer_status(diamond, bearer(key)) == 200);
    CHECK(infer_status(churn, bearer(key)) == 200);
    CHECK(c.call("GET", url, bearer(key)).result_int() == 200);

    auto const off = c.call_json("PATCH", url + id + "/", bearer(access()), json::object{{"is_active", false}});
    CHECK(off.result_int() == 200);
    CHECK(body_json(off).at("is_active").as_bool() == false);
    CHECK(c.call("GET", url, bearer(key)).result_int() == 401);
    CHECK(infer_status(diamond, bearer(key)) == 401);
    CHECK(c.call_json("PATCH", url + id + "/", bearer(access()), json::object{{"is_active", true}}).result_int() == 200);
    CHECK(infer_status(diamond, bearer(key)) == 200);

    CHECK(c.call("DELETE", url + id + "/", bearer(access())).result_int() == 204);
    CHECK(c.call("GET", url + id + "/", bearer(access())).result_int() == 404);
    CHECK(infer_status(diamond, bearer(key)) == 401);
}

TEST_CASE("server: NeuroIO: a sixth permanent token of one account is 409")
{
    auto const c = api();
    std::string const url = "/api/v1/tokens/";
    // The console user manages the account's account tokens.
    CHECK(c.call("DELETE", url + "?permanent=true", bearer(access())).result_int() == 204);
    for(int i = 0; i < 5; ++i)
        CHECK(c.call_json("POST", url, bearer(access()), json::object{{"permanent", true}}).result_int() == 201);
    check_error(c.call_json("POST", url, bearer(access()), json::object{{"permanent", true}}), 409,
        "permanent_token_quota");
    // Temporary tokens never count.
    auto const maker = c.call_json("POST", url, bearer(access()), json::object{{"permanent", false}});
    REQUIRE(maker.result_int() == 201);
    auto const temporary = str(body_json(maker).at("key"));
    // F12: a temporary token makes temporary tokens, never permanent ones.
    check_error(c.call_json("POST", url, bearer(temporary), json::object{{"permanent", true}}), 403,
        "not_permitted");
    CHECK(c.call_json("POST", url, bearer(temporary), json::object{{"permanent", false}}).result_int() == 201);

    // DELETE without a filter: all of the caller's tokens but its own.
    CHECK(c.call("DELETE", url, bearer(temporary)).result_int() == 204);
    auto const left = c.call("GET", url, bearer(temporary));
    REQUIRE(left.result_int() == 200);
    CHECK(body_json(left).at("count").to_number<int>() == 1);
    CHECK(c.call_json("POST", url, bearer(access()), json::object{{"permanent", true}}).result_int() == 201);
    CHECK(c.call("DELETE", url + "?permanent=true", bearer(access())).result_int() == 204);
    CHECK(c.call("DELETE", url, bearer(access())).result_int() == 204);
}

TEST_CASE("server: NeuroIO space tokens reach only their space's models")
{
    auto const created = api().call_json("POST", "/api/v1/spaces/default/tokens/", bearer(access()),
        json::object{{"permanent", false}});
    REQUIRE(created.result_int() == 201);
    auto const key = str(body_json(created).at("key"));
    CHECK(infer_status(diamond, bearer(key)) == 200);
    CHECK(infer_status(churn, bearer(key)) == 403);
    CHECK(api().call_json("POST", "/api/v1/spaces/nowhere/tokens/", bearer(access()),
                    json::object{{"permanent", false}})
              .result_int()
        == 404);
}

TEST_CASE("server: NeuroIO manager tokens: whoami, and refused everywhere but IAM and tokens routes")
{
    auto const created = api().call_json("POST", "/api/v1/iam/tokens/", bearer(access()),
        json::object{{"permanent", false}});
    REQUIRE(created.result_int() == 201);
    auto const key = str(body_json(created).at("key"));

    auto const who = api().call("GET", "/api/v1/iam/whoami/", bearer(key));
    REQUIRE(who.result_int() == 200);
    CHECK(str(body_json(who).at("account")) == "demo");
    CHECK(str(body_json(who).at("class")) == "manager");
    CHECK(api().call("GET", "/api/v1/iam/whoami/", bearer(access())).result_int() == 403);

    CHECK(infer_status(diamond, bearer(key)) == 403);
    CHECK(api().call("GET", "/console/api/modelhost/models/", bearer(key)).result_int() == 403);
    CHECK(api().call("GET", "/api/v1/tokens/", bearer(key)).result_int() == 200);
}

// ---------------------------------------------------------------------------
// Lifetimes, on a server of its own whose clock moves

TEST_CASE("F3 server: the maintenance pass prunes expired tokens from the store")
{
    running_server s;
    auto const c = s.api();
    auto const access = str(c.login().at("access"));
    REQUIRE(c.call_json("POST", instance_tokens, bearer(access), json::object{{"name", "short"}, {"ttlDuration", "1h"}})
                .result_int() == 201);
    auto& store = s.server.service().store();
    auto const before = store.count();
    REQUIRE(before >= 1);
    s.server.maintain();
    CHECK(store.count() == before); // nothing has expired yet
    s.clock.advance(std::chrono::hours(2));
    s.server.maintain();
    CHECK(store.count() == before - 1);
    CHECK(c.call("GET", "/healthz").result_int() == 200);
}

TEST_CASE("server: access, instance, model session and temporary tokens expire; refresh outlives access")
{
    running_server s;
    auto const c = s.api();
    auto const pair = c.login();
    auto const access1 = str(pair.at("access"));
    auto const instance = c.call_json("POST", instance_tokens, bearer(access1),
        json::object{{"name", "short"}, {"ttlDuration", "1h"}});
    REQUIRE(instance.result_int() == 201);
    auto const instance_key = str(body_json(instance).at("content"));
    auto const temporary = c.call_json("POST", "/api/v1/tokens/", bearer(access1), json::object{{"permanent", false}});
    REQUIRE(temporary.result_int() == 201);
    auto const temporary_key = str(body_json(temporary).at("key"));
    auto const session = c.call("GET", "/console/api/modelhost/model-auth/?model_id=1", bearer(access1));
    REQUIRE(session.result_int() == 200);
    auto const session_token = str(body_json(session).at("token"));

    auto const status = [&](std::string const& credential) {
        return c.call_json("POST", diamond, bearer(credential), diamond_inputs()).result_int();
    };
    CHECK(status(access1) == 200);

    // 30 min access lifetime + 60 s leeway.
    s.clock.advance(std::chrono::minutes(32));
    auto const expired = c.call_json("POST", diamond, bearer(access1), diamond_inputs());
    CHECK(expired.result_int() == 401);
    CHECK(field(expired, http::field::www_authenticate).find("error=\"invalid_token\"") != std::string::npos);
    CHECK(status(session_token) == 200);
    CHECK(status(instance_key) == 200);

    auto const refreshed = c.call_json("POST", "/console/api/auth/refresh/", {}, json::object{{"refresh", pair.at("refresh")}});
    REQUIRE(refreshed.result_int() == 200);
    CHECK(status(str(body_json(refreshed).at("access"))) == 200);

    s.clock.advance(std::chrono::minutes(30)); // 62 min: the 1 h instance token is gone
    CHECK(status(instance_key) == 401);
    s.clock.advance(std::chrono::hours(4)); // past the 4 h model session
    CHECK(status(session_token) == 401);
    CHECK(status(temporary_key) == 200);
    s.clock.advance(std::chrono::hours(20)); // past the 24 h temporary token
    CHECK(status(temporary_key) == 401);
}

// ---------------------------------------------------------------------------
// Shutdown

TEST_CASE("server: stop closes idle connections, finishes the request in progress and stops accepting")
{
    auto s = std::make_unique<running_server>();
    auto const port = s->server.port();
    asio::io_context ioc;
    beast::tcp_stream idle(ioc);
    idle.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    asio::write(idle.socket(), asio::buffer(client::raw("GET", "/healthz", {}, {}, true)));
    CHECK(client::read(idle).result_int() == 200); // now idle, kept alive

    beast::tcp_stream busy(ioc);
    busy.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    asio::write(busy.socket(), asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));
    // The server has the first bytes once it answers another request.
    CHECK(s->api().call("GET", "/healthz").result_int() == 200);

    std::thread stopper([&] { s->server.stop(); });
    while(! refuses_connections(port))
        std::this_thread::yield();

    // The idle connection was closed without an answer.
    beast::flat_buffer buffer;
    http::response<http::string_body> none;
    beast::error_code ec;
    http::read(idle, buffer, none, ec);
    CHECK(ec == http::error::end_of_stream);

    // The request in progress completes and is answered, then the connection closes.
    asio::write(busy.socket(), asio::buffer(std::string("\r\n")));
    auto const res = client::read(busy);
    CHECK(res.result_int() == 200);
    CHECK_FALSE(res.keep_alive());
    idle.close();
    busy.close();
    stopper.join();
}

// ---------------------------------------------------------------------------
// contract: defects found black-box (issue 15, point 3)
// ---------------------------------------------------------------------------

// api.md, General rules: a 400 invalid_request caused by the credentials
// carries `WWW-Authenticate: Bearer realm=..., error="invalid_request"`, on
// model URLs and token routes alike.
TEST_CASE("contract: server: every 400 invalid_request caused by the credentials carries its Bearer challenge")
{
    std::string const malformed = "the Authorization header is malformed";
    struct
    {
        std::string headers;
        std::string description;
    } const cases[] = {
        {"Authorization: Bearer\r\n", malformed},                            // empty bearer
        {"Authorization: Bearer a%b\r\n", malformed},                        // not a b64token
        {"Authorization: Bearer a b\r\n", malformed},                        // token with a space
        {"Authorization: Bearer a\xc3\xa9\r\n", malformed},                  // non-ASCII
        {"Authorization: Bearer {\"payload\":\"e30\",\"signatures\":[]}\r\n", malformed}, // JSON serialization
        {bearer(access()) + bearer(access()), "the request has more than one Authorization header"},
        {bearer(access()) + api_key("mak_x"), "the request has credentials in more than one place"},
    };
    for(auto const* target : {diamond.c_str(), "/api/v1/tokens/", "/console/api/modelhost/models/",
            instance_tokens.c_str(), "/api/users/me/api-key"})
        for(auto const& c : cases)
        {
            CAPTURE(target);
            CAPTURE(c.headers);
            auto const res = api().call("GET", target, c.headers);
            CHECK(res.result_int() == 400);
            CHECK(field(res, http::field::www_authenticate)
                == "Bearer realm=\"models\", error=\"invalid_request\", error_description=\"" + c.description + "\"");
            CHECK(field(res, http::field::content_type) == json_type);
            CHECK(res.body() == "{\"error\":\"invalid_request\",\"error_description\":\"" + c.description + "\"}");
        }
}

// api.md sections 2-4: the hint on STACKIT reads, NeuroIO's empty
// parameters, the self-service personal key.
TEST_CASE("contract: server: STACKIT hints, NeuroIO's empty parameters and a self-service API key")
{
    running_server s;
    auto const c = s.api();
    auto const alice_access = bearer(c.access());

    auto const created = c.call_json("POST", instance_tokens, alice_access, json::object{{"name", "ci"}});
    REQUIRE(created.result_int() == 201);
    auto const content = str(body_json(created).at("content"));
    auto const id = str(body_json(created).at("id"));
    auto const hint = content.substr(content.size() - 4);
    auto const listed = c.call("GET", instance_tokens, alice_access);
    REQUIRE(listed.result_int() == 200);
    auto const listed_json = body_json(listed);
    auto const& tokens = listed_json.at("tokens").as_array();
    REQUIRE(tokens.size() == 1);
    CHECK(str(tokens[0].at("hint")) == hint);
    CHECK(listed.body().find(content) == std::string::npos);
    auto const one = c.call("GET", instance_tokens + "/" + id, alice_access);
    REQUIRE(one.result_int() == 200);
    CHECK(str(body_json(one).at("hint")) == hint);

    // What NeuroIO's SDK sends for permanent=None.
    REQUIRE(c.call_json("POST", "/api/v1/tokens/", alice_access, json::object{{"permanent", true}}).result_int() == 201);
    auto const page = c.call("GET", "/api/v1/tokens/?permanent=&limit=20&offset=0", alice_access);
    CHECK(page.result_int() == 200);
    CHECK(body_json(page).at("count") == 1);
    CHECK(c.call("GET", "/api/v1/tokens/?permanent=&limit=&offset=", alice_access).result_int() == 200);
    CHECK(c.call("DELETE", "/api/v1/tokens/?permanent=", alice_access).result_int() == 204);
    CHECK(body_json(c.call("GET", "/api/v1/tokens/", alice_access)).at("count") == 0);

    // Carol has models:read only, and still manages her own key.
    auto const carol_access = bearer(c.access(carol));
    auto const key_res = c.call("POST", "/api/users/me/api-key", carol_access);
    CHECK(key_res.result_int() == 200);
    auto const key = str(body_json(key_res).at("secret_key"));
    CHECK(c.call("GET", diamond, api_key(key)).result_int() == 200);
    CHECK(c.call_json("POST", diamond, api_key(key), diamond_inputs()).result_int() == 403);
    CHECK(c.call("GET", "/api/users/me/api-key", api_key(key)).result_int() == 200);
    auto const again = c.call("POST", "/api/users/me/api-key", api_key(key));
    CHECK(again.result_int() == 200);
    CHECK(c.call("GET", diamond, api_key(key)).result_int() == 401);
    CHECK(c.call("DELETE", "/api/users/me/api-key", carol_access).result_int() == 204);
    CHECK(c.call("GET", diamond, api_key(str(body_json(again).at("secret_key")))).result_int() == 401);
}

// ---------------------------------------------------------------------------
// F10: connection cap and deadlines; F12: Transfer-Encoding
// ---------------------------------------------------------------------------

namespace {

tcp::endpoint loopback(unsigned short port)
{
    return tcp::endpoint(asio::ip::make_address("127.0.0.1"), port);
}

// What one read on `stream` gets within `deadline`: its error (end of file
// when the server closed, `beast::error::timeout` when it holds on) and the
// bytes read.
std::pair<beast::error_code, std::size_t> read_within(
    asio::io_context& ioc, beast::tcp_stream& stream, std::chrono::milliseconds deadline)
{
    std::array<char, 512> buffer{};
    std::pair<beast::error_code, std::size_t> out;
    stream.expires_after(deadline);
    stream.async_read_some(asio::buffer(buffer), [&](beast::error_code ec, std::size_t n) { out = {ec, n}; });
    ioc.restart();
    ioc.run();
    return out;
}

bool closed_by_peer(beast::error_code const& ec)
{
    return ec == asio::error::eof || ec == asio::error::connection_reset;
}

// One keep-alive GET /healthz answered on `stream`.
unsigned keep_alive_health(beast::tcp_stream& stream)
{
    asio::write(stream.socket(), asio::buffer(client::raw("GET", "/healthz", {}, {}, true)));
    return client::read(stream).result_int();
}

// `GET target` on a new connection, or nothing if the server closed it unanswered.
std::optional<response> try_call(unsigned short port, std::string const& target)
{
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(loopback(port));
    beast::error_code ec;
    asio::write(stream.socket(), asio::buffer(client::raw("GET", target)), ec);
    if(ec)
        return std::nullopt;
    beast::flat_buffer buffer;
    response res;
    http::read(stream, buffer, res, ec);
    if(ec)
        return std::nullopt;
    return res;
}

} // namespace

TEST_CASE("F10 server: with limits.max_connections = 3, a 4th connection is closed at once while 3 are held")
{
    config_options options;
    options.max_connections = 3;
    running_server s(options);
    auto const port = s.server.port();

    asio::io_context ioc;
    std::vector<beast::tcp_stream> held;
    for(int i = 0; i < 3; ++i)
    {
        held.emplace_back(ioc);
        held.back().connect(loopback(port));
        REQUIRE(keep_alive_health(held.back()) == 200); // accepted and served: its place is taken
    }

    // The kernel completes the 4th handshake; the server closes it unanswered.
    beast::tcp_stream extra(ioc);
    extra.connect(loopback(port));
    auto const read = read_within(ioc, extra, std::chrono::milliseconds(2000));
    auto const error = read.first.message();
    CAPTURE(error);
    CHECK(closed_by_peer(read.first));
    CHECK(read.second == 0);

    // The 3 held ones are still served.
    for(auto& stream : held)
        CHECK(keep_alive_health(stream) == 200);

    // One leaves; its place is free again (once the server has seen it go).
    held.back().close();
    held.pop_back();
    std::optional<response> metrics;
    int refused = 1;
    for(int attempt = 0; attempt < 200 && ! metrics; ++attempt)
    {
        metrics = try_call(port, "/metrics");
        if(! metrics)
        {
            ++refused;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    REQUIRE(metrics);
    CHECK(metrics->result_int() == 200);
    // 2 held and the one asking.
    CHECK(metrics->body().find("\nmodel_server_open_connections 3\n") != std::string::npos);
    CHECK(metrics->body().find("\nmodel_server_refused_connections_total " + std::to_string(refused) + "\n")
        != std::string::npos);
}

TEST_CASE("F10 server: a header sent a byte at a time is cut off at limits.header_timeout_s; a slow body is not")
{
    config_options options;
    options.header_timeout_s = 1;
    options.read_timeout_s = 3;
    running_server s(options);
    auto const port = s.server.port();

    SUBCASE("F10 slowloris: the header deadline is total, however often a byte comes")
    {
        asio::io_context ioc;
        beast::tcp_stream slow(ioc);
        slow.connect(loopback(port));
        auto const started = std::chrono::steady_clock::now();
        asio::write(slow.socket(), asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")));

        std::optional<beast::error_code> closed;
        std::size_t received = 0;
        std::chrono::steady_clock::duration closed_after{};
        std::array<char, 256> buffer{};
        slow.expires_after(std::chrono::seconds(3)); // the test's own bound
        slow.async_read_some(asio::buffer(buffer), [&](beast::error_code ec, std::size_t n) {
            closed = ec;
            received = n;
            closed_after = std::chrono::steady_clock::now() - started;
        });
        // A byte every 50 ms, never the end of the header.
        asio::steady_timer tick(ioc);
        int sent = 0;
        std::function<void()> trickle = [&] {
            if(closed)
                return;
            boost::system::error_code ignored;
            slow.socket().write_some(asio::buffer("a", 1), ignored);
            ++sent;
            tick.expires_after(std::chrono::milliseconds(50));
            tick.async_wait([&](boost::system::error_code const& error) {
                if(! error)
                    trickle();
            });
        };
        trickle();
        ioc.run();

        REQUIRE(closed);
        CAPTURE(closed->message());
        CHECK(closed_by_peer(*closed));
        CHECK(received == 0); // closed without an answer
        CHECK(closed_after >= std::chrono::milliseconds(900));
        CHECK(closed_after < std::chrono::milliseconds(2500));
        CHECK(sent >= 15);
    }

    SUBCASE("F10 a body within limits.read_timeout_s is read even past the header deadline")
    {
        asio::io_context ioc;
        beast::tcp_stream stream(ioc);
        stream.connect(loopback(port));
        asio::write(stream.socket(),
            asio::buffer(std::string("POST /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 16\r\n\r\n")));
        for(int i = 0; i < 16; ++i) // 1.2 s in all
        {
            std::this_thread::sleep_for(std::chrono::milliseconds(75));
            asio::write(stream.socket(), asio::buffer("b", 1));
        }
        auto const res = client::read(stream);
        CHECK(res.result_int() == 405);
        CHECK(field(res, http::field::allow) == "GET, HEAD");
    }
}

TEST_CASE("F12 server: a Transfer-Encoding other than exactly chunked is 400 and ends the connection")
{
    std::string const smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    std::string const ours = "the only Transfer-Encoding accepted is chunked";
    struct
    {
        std::string te;
        std::string description;
    } const cases[] = {
        {"chunked, gzip", ours},
        {"gzip", ours},
        {"gzip, chunked", ours},
        {"identity", ours},
        {"gzip\r\nTransfer-Encoding: chunked", ours},
        // Beast's parser refuses a coding after chunked in a second field itself.
        {"chunked\r\nTransfer-Encoding: gzip", "the request is not valid HTTP/1.1"},
        {"chunked\r\nTransfer-Encoding: chunked", "the request is not valid HTTP/1.1"},
    };
    for(auto const& c : cases)
    {
        auto const& te = c.te;
        CAPTURE(te);
        asio::io_context ioc;
        beast::tcp_stream stream(ioc);
        stream.connect(loopback(api().port()));
        asio::write(stream.socket(),
            asio::buffer("POST " + diamond + " HTTP/1.1\r\nHost: x\r\n" + bearer(access()) + "Transfer-Encoding: " + te
                + "\r\n\r\n" + smuggled));
        auto const res = client::read(stream);
        CHECK(res.result_int() == 400);
        CHECK(field(res, http::field::content_type) == json_type);
        CHECK(res.body() == "{\"error\":\"invalid_request\",\"error_description\":\"" + c.description + "\"}");
        CHECK(res.count(http::field::www_authenticate) == 0);
        CHECK_FALSE(res.keep_alive());
        // Nothing after it is read as a request.
        beast::flat_buffer buffer;
        response none;
        beast::error_code ec;
        http::read(stream, buffer, none, ec);
        CHECK(ec == http::error::end_of_stream);
    }

    // Exactly chunked, in any case, is a body as before.
    for(std::string const te : {"chunked", "Chunked"})
    {
        CAPTURE(te);
        auto const body = json::serialize(diamond_inputs());
        std::ostringstream size;
        size << std::hex << body.size();
        auto const res = api().send("POST " + diamond + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + bearer(access())
            + "Content-Type: application/json\r\nTransfer-Encoding: " + te + "\r\n\r\n" + size.str() + "\r\n" + body
            + "\r\n0\r\n\r\n");
        CHECK(res.result_int() == 200);
    }
}

// ---------------------------------------------------------------------------
// F4: tenancy. The test config plus a second account, globex, with its own
// user gina, instance and model (id 3), and a model of no account (id 4).

std::string const gina = "gina@globex.example";
std::string const globex_model = "/models/globex/forecast/";
std::string const shared_model = "/models/shared/echo/";

model_server::server_config tenancy_config()
{
    auto config = test_config_json();
    config["accounts"].as_array().push_back(json::object{{"id", "globex"}, {"spaces", json::array{"default"}}});
    config["instances"].as_array().push_back(json::object{{"project", "globex"}, {"region", "eu01"}, {"id", "g"}});
    config["users"].as_array().push_back(json::object{{"email", gina}, {"password", password_hash()},
        {"account", "globex"}, {"scopes", json::array{"models:read", "models:infer", "tokens:manage"}},
        {"instances", json::array{"globex/eu01/g"}}});
    auto& models = config["models"].as_array();
    auto model = models.front().as_object(); // diamond-price's shape: two features
    model["model_id"] = 3;
    model["prefix"] = "models/globex";
    model["name"] = "forecast";
    model["versions"] = json::array{"1"};
    model["default_version"] = "1";
    model["account"] = "globex";
    model["space"] = "default";
    model["instance"] = "globex/eu01/g";
    models.push_back(model);
    model["model_id"] = 4;
    model["prefix"] = "models/shared";
    model["name"] = "echo";
    model.erase("account");
    model.erase("space");
    model.erase("instance");
    models.push_back(model);
    return model_server::parse_config(json::serialize(config));
}

// The model ids a listing answers, in order.
std::vector<std::int64_t> listed_ids(response const& res)
{
    std::vector<std::int64_t> ids;
    auto const listing = body_json(res);
    for(auto const& m : listing.as_array())
        ids.push_back(m.at("model_id").to_number<std::int64_t>());
    return ids;
}

TEST_CASE("F4 server: every credential of a globex user finds no acme model, on every route")
{
    ma::manual_clock clock;
    test_server server{clock_ref(clock)};
    server.start(tenancy_config());
    client const c(server.port());

    // The answer for a model that does not exist at all, to compare with.
    auto const missing = c.call("GET", "/models/practicus/nothing-here/?get_meta=true", bearer(c.access(alice)));
    REQUIRE(missing.result_int() == 404);

    auto const access = c.access(gina);
    auto const key_res = c.call("POST", "/api/users/me/api-key", bearer(access));
    REQUIRE(key_res.result_int() == 200);
    auto const personal_key = str(body_json(key_res).at("secret_key"));
    auto const session_res = c.call("GET", "/console/api/modelhost/model-auth/?model_id=3", bearer(access));
    REQUIRE(session_res.result_int() == 200);
    auto const session = str(body_json(session_res).at("token"));
    auto const instance_res = c.call_json("POST", "/v1alpha/projects/globex/regions/eu01/instances/g/tokens",
        bearer(access), json::object{{"name", "ci"}});
    REQUIRE(instance_res.result_int() == 201);
    auto const instance = str(body_json(instance_res).at("content"));
    auto const account_res = c.call_json("POST", "/api/v1/tokens/", bearer(access), json::object{{"permanent", false}});
    REQUIRE(account_res.result_int() == 201);
    auto const account = str(body_json(account_res).at("key"));
    auto const space_res = c.call_json("POST", "/api/v1/spaces/default/tokens/", bearer(access),
        json::object{{"permanent", false}});
    REQUIRE(space_res.result_int() == 201);
    auto const space = str(body_json(space_res).at("key"));

    struct credential
    {
        char const* name;
        std::string header;
    };
    std::vector<credential> const credentials = {
        {"console access token", bearer(access)},
        {"personal API key", api_key(personal_key)},
        {"model session token", bearer(session)},
        {"instance token", bearer(instance)},
        {"account token", bearer(account)},
        {"space token", bearer(space)},
    };
    for(auto const& cred : credentials)
    {
        CAPTURE(cred.name);
        // Inference and get_meta on acme's model: 404, word for word the
        // answer for a model that does not exist.
        for(auto const& target : {diamond, diamond + "1/", churn})
        {
            CAPTURE(target);
            auto const inferred = c.call_json("POST", target, cred.header,
                target == churn ? churn_inputs() : diamond_inputs());
            check_error(inferred, 404, "not_found");
            CHECK(inferred.body() == missing.body());
            CHECK(inferred.count(http::field::www_authenticate) == 0);
            auto const meta = c.call("GET", target + "?get_meta=true", cred.header);
            check_error(meta, 404, "not_found");
            CHECK(meta.body() == missing.body());
            CHECK(meta.count("x-prt-model-id") == 0);
        }
    }

    // Their own account's model answers every one of them; the shared model
    // (no account) those bound to nothing narrower than an account.
    struct expected
    {
        char const* name;
        unsigned own;
        unsigned shared;
    };
    expected const answers[] = {
        {"console access token", 200, 200}, {"personal API key", 200, 200}, {"model session token", 200, 403},
        {"instance token", 200, 403},       {"account token", 200, 403},    {"space token", 200, 403},
    };
    for(std::size_t i = 0; i < credentials.size(); ++i)
    {
        CAPTURE(credentials[i].name);
        CHECK(c.call_json("POST", globex_model, credentials[i].header, diamond_inputs()).result_int()
              == answers[i].own);
        CHECK(c.call_json("POST", shared_model, credentials[i].header, diamond_inputs()).result_int()
              == answers[i].shared);
    }
}

TEST_CASE("F4 server: listings and model-auth show a user their own account's models and the shared ones only")
{
    ma::manual_clock clock;
    test_server server{clock_ref(clock)};
    server.start(tenancy_config());
    client const c(server.port());
    auto const gina_access = c.access(gina);
    auto const alice_access = c.access(alice);

    auto const gina_models = c.call("GET", "/console/api/modelhost/models/", bearer(gina_access));
    REQUIRE(gina_models.result_int() == 200);
    CHECK(listed_ids(gina_models) == std::vector<std::int64_t>{3, 4});
    auto const alice_models = c.call("GET", "/console/api/modelhost/models/", bearer(alice_access));
    REQUIRE(alice_models.result_int() == 200);
    CHECK(listed_ids(alice_models) == std::vector<std::int64_t>{1, 2, 4});

    auto const prefixes = c.call("GET", "/console/api/modelhost/model-prefixes/", bearer(gina_access));
    REQUIRE(prefixes.result_int() == 200);
    CHECK(body_json(prefixes) == json::parse(R"([{"key":"globex","prefix":"models/globex"},)"
                                             R"({"key":"shared","prefix":"models/shared"}])"));

    // model-auth for acme's model answers as for a model that does not exist.
    auto const none = c.call("GET", "/console/api/modelhost/model-auth/?model_id=99", bearer(gina_access));
    check_error(none, 404, "not_found");
    for(std::string const id : {"1", "2"})
    {
        CAPTURE(id);
        auto const refused = c.call("GET", "/console/api/modelhost/model-auth/?model_id=" + id, bearer(gina_access));
        check_error(refused, 404, "not_found");
        CHECK(refused.body() == none.body());
    }
    CHECK(c.call("GET", "/console/api/modelhost/model-auth/?model_id=3", bearer(gina_access)).result_int() == 200);
    CHECK(c.call("GET", "/console/api/modelhost/model-auth/?model_id=4", bearer(gina_access)).result_int() == 200);
    CHECK(c.call("GET", "/console/api/modelhost/model-auth/?model_id=3", bearer(alice_access)).result_int() == 404);
}
