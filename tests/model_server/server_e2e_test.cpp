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

#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
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
    static std::string const hash = ma::hash_password(password, 100000).value();
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
};

/** The test configuration: account `demo` (spaces `default`, `labs`),
    instances `demo/eu01/demo` and `demo/eu01/other`; alice may do
    everything and manage the first instance, carol may only read;
    `diamond-price` (id 1, versions 1 and 2, linear 3900 x0 + 60 x1 - 250)
    lives in space `default` on the first instance, `churn` (id 2, logistic)
    in space `labs` on the other; the outside provider is trusted for
    audience `models`. Small limits so that 413 and 414 are cheap.
*/
model_server::server_config test_config(config_options const& o = {})
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
        {"limits", json::object{{"body_bytes", 4096}, {"target_bytes", 256}, {"read_timeout_s", 10}}},
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
    return model_server::parse_config(json::serialize(config));
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
    CHECK(str(doc.at("issuer")) == shared().server.base_url());
    CHECK(str(doc.at("jwks_uri")) == shared().server.base_url() + "/.well-known/jwks.json");
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
    // A fresh account token manages the account's account tokens.
    auto const maker = c.call_json("POST", url, bearer(access()), json::object{{"permanent", false}});
    REQUIRE(maker.result_int() == 201);
    auto const manager = str(body_json(maker).at("key"));
    CHECK(c.call("DELETE", url + "?permanent=true", bearer(manager)).result_int() == 204);
    for(int i = 0; i < 5; ++i)
        CHECK(c.call_json("POST", url, bearer(manager), json::object{{"permanent", true}}).result_int() == 201);
    check_error(c.call_json("POST", url, bearer(manager), json::object{{"permanent", true}}), 409,
        "permanent_token_quota");
    // Temporary tokens never count.
    CHECK(c.call_json("POST", url, bearer(manager), json::object{{"permanent", false}}).result_int() == 201);

    // DELETE without a filter: all of the caller's tokens but its own.
    CHECK(c.call("DELETE", url, bearer(manager)).result_int() == 204);
    auto const left = c.call("GET", url, bearer(manager));
    REQUIRE(left.result_int() == 200);
    CHECK(body_json(left).at("count").to_number<int>() == 1);
    CHECK(c.call_json("POST", url, bearer(manager), json::object{{"permanent", true}}).result_int() == 201);
    CHECK(c.call("DELETE", url + "?permanent=true", bearer(manager)).result_int() == 204);
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
