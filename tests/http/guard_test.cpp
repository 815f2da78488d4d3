//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/http/guard.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/router/error.hpp>
#include <modelauth/validation/error.hpp>

#include <modelauth/clock.hpp>
#include <modelauth/jose/jws.hpp>
#include <modelauth/jose/key.hpp>
#include <modelauth/jose/key_set.hpp>
#include <modelauth/tokens/in_memory_token_store.hpp>

#include "support/doctest_result.hpp"
#include "support/guard_fixture.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace modelauth_test;
using fixture = guard_fixture;

std::string header(response const& res, bhttp::field f)
{
    auto const v = res[f];
    return std::string(v.data(), v.size());
}

// Everything a client sees of a response, to look for token bytes in.
std::string wire_text(response const& res)
{
    std::string text = res.body();
    for(auto const& field : res)
    {
        text += std::string(field.name_string().data(), field.name_string().size());
        text += std::string(field.value().data(), field.value().size());
    }
    return text;
}

} // namespace

TEST_CASE("a token with the scope is allowed and the context names principal, endpoint and action")
{
    fixture f;
    auto const req = fixture::make(bhttp::verb::post, "/models/practicus/diamond-price/1/", f.token());
    auto const r = f.guard->check(req);
    REQUIRE(r);
    CHECK_FALSE(r.error());
    auto const& ctx = r.context();
    REQUIRE(ctx.principal);
    CHECK(ctx.principal->subject == "alice");
    CHECK(ctx.endpoint.model_id() == 1);
    CHECK(ctx.endpoint.name() == "diamond-price");
    CHECK(ctx.endpoint.version() == "1");
    CHECK(ctx.endpoint.explicit_version());
    CHECK(ctx.action == ma::policy::ScopePolicy::models_infer);

    auto const get = f.guard->check(fixture::make(bhttp::verb::get, diamond + "?get_meta=true", f.token()));
    REQUIRE(get);
    CHECK(get.context().action == ma::policy::ScopePolicy::models_read);
    CHECK(get.context().endpoint.version() == "2");
}

TEST_CASE("the action follows the method: POST and PUT infer, GET and HEAD read, others infer")
{
    CHECK(ma::http::action_for_method(bhttp::verb::post) == ma::policy::ScopePolicy::models_infer);
    CHECK(ma::http::action_for_method(bhttp::verb::put) == ma::policy::ScopePolicy::models_infer);
    CHECK(ma::http::action_for_method(bhttp::verb::get) == ma::policy::ScopePolicy::models_read);
    CHECK(ma::http::action_for_method(bhttp::verb::head) == ma::policy::ScopePolicy::models_read);
    CHECK(ma::http::action_for_method(bhttp::verb::delete_) == ma::policy::ScopePolicy::models_infer);
    CHECK(ma::http::action_for_method(bhttp::verb::patch) == ma::policy::ScopePolicy::models_infer);
}

TEST_CASE("a request without credentials gets 401 with a bare challenge")
{
    fixture f;
    auto const res = f.render(fixture::make(bhttp::verb::post, diamond));
    CHECK(res.result_int() == 401);
    CHECK(header(res, bhttp::field::www_authenticate) == "Bearer realm=\"models\"");
    CHECK(header(res, bhttp::field::content_type) == "application/json; charset=utf-8");
    CHECK(res.body() == R"({"error":"missing_credentials","error_description":"the request has no credentials"})");
    CHECK(header(res, bhttp::field::content_length) == std::to_string(res.body().size()));
}

TEST_CASE("another authorization scheme gets 401 with a bare challenge")
{
    fixture f;
    auto req = fixture::make(bhttp::verb::post, diamond);
    req.set(bhttp::field::authorization, "Basic YWxpY2U6c2VjcmV0");
    auto const res = f.render(req);
    CHECK(res.result_int() == 401);
    CHECK(header(res, bhttp::field::www_authenticate) == "Bearer realm=\"models\"");
}

TEST_CASE("an invalid token gets 401 invalid_token")
{
    fixture f;
    auto const other = jose::key::generate(jose::algorithm::eddsa, "k").value();
    auto const forged = jose::sign_compact_jws(json::serialize(f.claims("models:infer")), other).value();
    auto const res = f.render(fixture::make(bhttp::verb::post, diamond, forged));
    CHECK(res.result_int() == 401);
    CHECK(header(res, bhttp::field::www_authenticate)
        == "Bearer realm=\"models\", error=\"invalid_token\", error_description=\"the token signature does not verify\"");
    CHECK(res.body() == R"({"error":"invalid_token","error_description":"the token signature does not verify"})");
    CHECK(wire_text(res).find(forged) == std::string::npos);
}

TEST_CASE("an expired token gets 401 invalid_token")
{
    fixture f;
    auto const t = f.token();
    f.clock.advance(std::chrono::hours(1));
    auto const req = fixture::make(bhttp::verb::post, diamond, t);
    auto const r = f.guard->check(req);
    REQUIRE_FALSE(r);
    CHECK(r.error() == ma::validation::error::token_expired);
    auto const res = f.guard->render(req, r.failure());
    CHECK(res.result_int() == 401);
    CHECK(header(res, bhttp::field::www_authenticate)
        == "Bearer realm=\"models\", error=\"invalid_token\", error_description=\"the token has expired\"");
    CHECK(res.body() == R"({"error":"invalid_token","error_description":"the token has expired"})");
}

// contract: api.md's General rules: a 400 invalid_request caused by the
// credentials carries a Bearer challenge with error="invalid_request".
TEST_CASE("contract: a malformed Authorization header gets 400 invalid_request with an invalid_request challenge")
{
    fixture f;
    auto req = fixture::make(bhttp::verb::post, diamond);
    req.set(bhttp::field::authorization, "Bearer " + f.token() + " extra");
    auto const r = f.guard->check(req);
    REQUIRE_FALSE(r);
    CHECK(r.error() == ma::http::error::malformed_authorization);
    auto const res = f.guard->render(req, r.failure());
    CHECK(res.result_int() == 400);
    CHECK(header(res, bhttp::field::www_authenticate)
        == "Bearer realm=\"models\", error=\"invalid_request\", "
           "error_description=\"the Authorization header is malformed\"");
    CHECK(res.body() == R"({"error":"invalid_request","error_description":"the Authorization header is malformed"})");
    CHECK(wire_text(res).find(f.token()) == std::string::npos);
}

TEST_CASE("contract: two credentials get 400 invalid_request with an invalid_request challenge")
{
    ma::http::guard_options options;
    options.credentials.api_key_header = "impact-api-key";
    fixture f(options);
    auto req = fixture::make(bhttp::verb::post, diamond, f.token());
    req.set("impact-api-key", "mak_whatever");
    auto const r = f.guard->check(req);
    REQUIRE_FALSE(r);
    CHECK(r.error() == ma::http::error::multiple_credentials);
    auto const res = f.guard->render(req, r.failure());
    CHECK(res.result_int() == 400);
    CHECK(header(res, bhttp::field::www_authenticate)
        == "Bearer realm=\"models\", error=\"invalid_request\", "
           "error_description=\"the request has credentials in more than one place\"");
    CHECK(res.body()
        == R"({"error":"invalid_request","error_description":"the request has credentials in more than one place"})");
}

TEST_CASE("a token without the scope gets 403 insufficient_scope naming the scope it needs")
{
    fixture f;
    auto const t = f.token("models:read");
    auto const req = fixture::make(bhttp::verb::post, diamond, t);
    auto const r = f.guard->check(req);
    REQUIRE_FALSE(r);
    CHECK(r.error() == ma::policy::error::missing_scope);
    CHECK(r.failure().required_scope == "models:infer:models/practicus/diamond-price");
    auto const res = f.guard->render(req, r.failure());
    CHECK(res.result_int() == 403);
    CHECK(header(res, bhttp::field::www_authenticate)
        == "Bearer realm=\"models\", error=\"insufficient_scope\", "
           "error_description=\"the token lacks the scope for this request\", "
           "scope=\"models:infer:models/practicus/diamond-price\"");
    CHECK(res.body()
        == R"({"error":"insufficient_scope","error_description":"the token lacks the scope for this request"})");
    CHECK(wire_text(res).find(t) == std::string::npos);
}

TEST_CASE("a model session token is refused with 403 on another model")
{
    fixture f;
    auto c = f.claims("models:read models:infer");
    c["cls"] = "model_session";
    c["model_id"] = 2;
    auto const t = f.token(c);
    CHECK(f.guard->check(fixture::make(bhttp::verb::post, "/models/practicus/churn/", t)));
    auto const req = fixture::make(bhttp::verb::post, diamond, t);
    auto const r = f.guard->check(req);
    REQUIRE_FALSE(r);
    CHECK(r.error() == ma::policy::error::binding_mismatch);
    auto const res = f.guard->render(req, r.failure());
    CHECK(res.result_int() == 403);
    CHECK(header(res, bhttp::field::www_authenticate)
        == "Bearer realm=\"models\", error=\"insufficient_scope\", "
           "error_description=\"the token is bound to another resource\"");
}

TEST_CASE("an unknown model gets 404 after authentication")
{
    fixture f;
    auto const req = fixture::make(bhttp::verb::post, "/models/practicus/nope/", f.token());
    auto const r = f.guard->check(req);
    REQUIRE_FALSE(r);
    CHECK(r.error() == ma::router::error::unknown_model);
    auto const res = f.guard->render(req, r.failure());
    CHECK(res.result_int() == 404);
    CHECK(res.count(bhttp::field::www_authenticate) == 0);
    CHECK(res.body() == R"({"error":"not_found","error_description":"no such model"})");

    // Without credentials the same target is 401: the model's existence is not revealed.
    CHECK(f.guard->check(fixture::make(bhttp::verb::post, "/models/practicus/nope/")).error()
        == ma::http::error::missing_credentials);
}

TEST_CASE("a model URL without its final slash gets 308 to the URL with it, query kept")
{
    fixture f;
    auto const req = fixture::make(bhttp::verb::get, "/models/practicus/diamond-price?get_meta=true", f.token());
    auto const r = f.guard->check(req);
    REQUIRE_FALSE(r);
    CHECK(r.error() == ma::router::error::missing_trailing_slash);
    CHECK(r.failure().location == "/models/practicus/diamond-price/?get_meta=true");
    auto const res = f.guard->render(req, r.failure());
    CHECK(res.result_int() == 308);
    CHECK(header(res, bhttp::field::location) == "/models/practicus/diamond-price/?get_meta=true");
    CHECK(res.count(bhttp::field::www_authenticate) == 0);
    CHECK(res.body() == R"({"error":"redirect","error_description":"model URLs end in a slash"})");
}

TEST_CASE("a target over the limit gets 414 before authentication")
{
    fixture f;
    auto const req = fixture::make(bhttp::verb::post, "/models/" + std::string(3000, 'a') + "/");
    auto const r = f.guard->check(req);
    REQUIRE_FALSE(r);
    CHECK(r.error() == ma::router::error::target_too_long);
    auto const res = f.guard->render(req, r.failure());
    CHECK(res.result_int() == 414);
    CHECK(res.body() == R"({"error":"invalid_request","error_description":"the request target is too long"})");
}

TEST_CASE("a hostile target gets 400 before authentication")
{
    fixture f;
    for(auto const* target : {"/models/practicus/%2e%2e/diamond-price/", "/models/practicus/%2E%2e/"})
    {
        CAPTURE(target);
        auto const req = fixture::make(bhttp::verb::post, target);
        auto const r = f.guard->check(req);
        REQUIRE_FALSE(r);
        CHECK(r.error() == ma::router::error::dot_segment);
        auto const res = f.guard->render(req, r.failure());
        CHECK(res.result_int() == 400);
        CHECK(res.count(bhttp::field::www_authenticate) == 0);
        CHECK(res.body() == R"({"error":"invalid_request","error_description":"the path has a dot segment"})");
    }
}

TEST_CASE("the response mirrors the request's HTTP version and keep-alive")
{
    fixture f;
    auto req10 = fixture::make(bhttp::verb::post, diamond, {}, 10);
    auto res = f.render(req10);
    CHECK(res.version() == 10);
    CHECK_FALSE(res.keep_alive());

    req10.keep_alive(true);
    res = f.render(req10);
    CHECK(res.version() == 10);
    CHECK(res.keep_alive());
    CHECK(header(res, bhttp::field::connection) == "keep-alive");

    auto req11 = fixture::make(bhttp::verb::post, diamond);
    res = f.render(req11);
    CHECK(res.version() == 11);
    CHECK(res.keep_alive());

    req11.keep_alive(false);
    res = f.render(req11);
    CHECK_FALSE(res.keep_alive());
    CHECK(header(res, bhttp::field::connection) == "close");
}

TEST_CASE("a HEAD request gets the headers without the body")
{
    fixture f;
    auto const res = f.render(fixture::make(bhttp::verb::head, diamond));
    CHECK(res.result_int() == 401);
    CHECK(res.body().empty());
    CHECK(header(res, bhttp::field::content_length)
        == std::to_string(std::string(R"({"error":"missing_credentials","error_description":"the request has no credentials"})")
                              .size()));
}

TEST_CASE("the realm is configurable and checked at construction")
{
    ma::http::guard_options options;
    options.realm = "inference";
    fixture f(options);
    auto const res = f.render(fixture::make(bhttp::verb::post, diamond));
    CHECK(header(res, bhttp::field::www_authenticate) == "Bearer realm=\"inference\"");

    for(auto const* bad : {"", "a\"b", "a\\b", "a\rb", "caf\xC3\xA9"})
    {
        CAPTURE(bad);
        ma::http::guard_options o;
        o.realm = bad;
        try
        {
            guard_type g(f.validator, f.router, f.policy, o);
            FAIL("no exception");
        }
        catch(ma::configuration_error const& e)
        {
            CHECK(e.field() == "guard_options.realm");
        }
    }
    CHECK_THROWS_AS(guard_type(nullptr, f.router, f.policy), ma::configuration_error);
    CHECK_THROWS_AS(guard_type(f.validator, nullptr, f.policy), ma::configuration_error);
    CHECK_THROWS_AS(guard_type(f.validator, f.router, nullptr), ma::configuration_error);
}

TEST_CASE("strip_credentials removes Authorization and the API-key header")
{
    ma::http::guard_options options;
    options.credentials.api_key_header = "impact-api-key";
    fixture f(options);
    auto req = fixture::make(bhttp::verb::post, diamond, f.token());
    req.insert(bhttp::field::authorization, "Bearer second");
    req.set("Impact-Api-Key", "mak_x");
    req.set(bhttp::field::content_type, "application/json");
    f.guard->strip_credentials(req);
    CHECK(req.count(bhttp::field::authorization) == 0);
    CHECK(req.count("impact-api-key") == 0);
    CHECK(req.count(bhttp::field::content_type) == 1);

    auto plain = fixture::make(bhttp::verb::get, diamond, "x");
    ma::http::strip_credentials(plain, ma::http::credential_options{});
    CHECK(plain.count(bhttp::field::authorization) == 0);
}

TEST_CASE("strip_credentials removes every credential field, in any case and position, and keeps the rest in order")
{
    ma::http::credential_options options;
    options.api_key_header = "impact-api-key";
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, diamond, 11};
    req.insert("authorization", "Bearer a");
    req.insert(bhttp::field::host, "h");
    req.insert("IMPACT-API-KEY", "k1");
    req.insert("impact-api-key-2", "kept");
    req.insert("AUTHORIZATION", "Bearer b");
    req.insert(bhttp::field::content_type, "application/json");
    req.insert("Impact-Api-Key", "k2");
    ma::http::strip_credentials(req, options);
    std::vector<std::string> left;
    for(auto const& f : req)
        left.push_back(std::string(f.name_string()) + ": " + std::string(f.value()));
    CHECK(left == std::vector<std::string>{"Host: h", "impact-api-key-2: kept", "Content-Type: application/json"});

    // Nothing to strip: nothing changes.
    ma::http::strip_credentials(req, options);
    CHECK(std::distance(req.begin(), req.end()) == 3);
}

namespace {

// A Fields type that can be asked by name only (no iteration): strip_credentials
// erases by name there.
class by_name_fields : public bhttp::fields
{
    using bhttp::fields::begin;
    using bhttp::fields::end;
};

} // namespace

TEST_CASE("strip_credentials works on a Fields type without iteration")
{
    static_assert(! ma::http::detail::erasable_fields<by_name_fields>::value);
    ma::http::credential_options options;
    options.api_key_header = "impact-api-key";
    bhttp::request<bhttp::empty_body, by_name_fields> req{bhttp::verb::get, diamond, 11};
    req.insert("authorization", "Bearer a");
    req.insert("AUTHORIZATION", "Bearer b");
    req.insert("Impact-Api-Key", "k");
    req.insert(bhttp::field::host, "h");
    ma::http::strip_credentials(req, options);
    CHECK(req.count(bhttp::field::authorization) == 0);
    CHECK(req.count("impact-api-key") == 0);
    CHECK(req[bhttp::field::host] == "h");
}

TEST_CASE("the guard works with any body and fields type")
{
    fixture f;
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, diamond, 11};
    req.set(bhttp::field::authorization, "Bearer " + f.token());
    auto const r = f.guard->check(req, ma::policy::ScopePolicy::models_read);
    REQUIRE(r);
    CHECK(r.context().action == ma::policy::ScopePolicy::models_read);
}

TEST_CASE("a cached principal keeps each guard's compiled scopes and gives the same decisions")
{
    fixture f;
    std::string const token = f.token("models:infer:models/practicus/churn");
    auto const principal = f.validator->validate(token).value();
    CHECK(f.validator->validate(token).value() == principal); // the cache shares one principal

    // Two guards over two policies decide on the one principal, in turn.
    auto const other_policy = std::make_shared<ma::policy::ScopePolicy const>(
        ma::policy::ScopePolicy::builder().add_action("reports:export").build());
    guard_type other(f.validator, f.router, other_policy);
    auto const churn = fixture::make(bhttp::verb::post, "/models/practicus/churn/", token);
    auto const read = fixture::make(bhttp::verb::get, "/models/practicus/churn/", token);
    for(int i = 0; i < 3; ++i)
    {
        CHECK(f.guard->check(churn).context().principal == principal);
        CHECK(other.check(churn));
        CHECK(f.guard->check(read).failure().required_scope == "models:read:models/practicus/churn");
        CHECK(other.check(read).error() == ma::policy::error::missing_scope);
    }

    std::string const churn_token = f.token("models:infer:models/practicus/churn");
    std::string const read_token = f.token("models:read");
    auto expect = [&](guard_type const& g) {
        int wrong = 0;
        for(int i = 0; i < 200; ++i)
        {
            auto const churn = fixture::make(bhttp::verb::post, "/models/practicus/churn/", churn_token);
            auto const other_model = fixture::make(bhttp::verb::post, diamond, churn_token);
            auto const read = fixture::make(bhttp::verb::get, diamond, read_token);
            auto const infer = fixture::make(bhttp::verb::post, diamond, read_token);
            wrong += ! g.check(churn);
            wrong += g.check(other_model).error() != ma::policy::error::missing_scope;
            wrong += ! g.check(read);
            wrong += g.check(infer).failure().required_scope != "models:infer:models/practicus/diamond-price";
        }
        return wrong;
    };
    CHECK(expect(*f.guard) == 0);

    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for(int t = 0; t < 4; ++t)
        threads.emplace_back([&] { wrong += expect(*f.guard); });
    for(auto& t : threads)
        t.join();
    CHECK(wrong == 0);
}

TEST_CASE("no response carries the token, whatever the failure")
{
    fixture f;
    auto const t = f.token("models:read");
    std::vector<request> requests;
    requests.push_back(fixture::make(bhttp::verb::post, diamond, t));                          // 403
    requests.push_back(fixture::make(bhttp::verb::post, "/models/practicus/nope/", t));         // 404
    requests.push_back(fixture::make(bhttp::verb::get, "/models/practicus/diamond-price", t));  // 308
    requests.push_back(fixture::make(bhttp::verb::post, diamond, t + "x"));                     // 401
    requests.push_back(fixture::make(bhttp::verb::post, "/models/%2e%2e/", t));                // 400
    auto twice = fixture::make(bhttp::verb::post, diamond, t);
    twice.insert(bhttp::field::authorization, "Bearer " + t);                                 // 400
    requests.push_back(twice);
    for(auto const& req : requests)
    {
        auto const res = f.render(req);
        CHECK(wire_text(res).find(t) == std::string::npos);
        CHECK(wire_text(res).find(t.substr(t.rfind('.') + 1)) == std::string::npos);
    }
}

TEST_CASE("authenticate validates the credential of a request that names no model")
{
    fixture f;
    // Any target: token management routes are not model endpoints.
    auto const ok = f.guard->authenticate(fixture::make(bhttp::verb::get, "/api/v1/tokens/?limit=5", f.token()));
    REQUIRE(ok);
    CHECK_FALSE(ok.error());
    CHECK(ok.principal()->subject == "alice");

    auto const missing = f.guard->authenticate(fixture::make(bhttp::verb::get, "/api/v1/tokens/"));
    REQUIRE_FALSE(missing);
    CHECK(missing.error() == ma::http::error::missing_credentials);
    auto const res = f.guard->render(fixture::make(bhttp::verb::get, "/api/v1/tokens/"), missing.failure());
    CHECK(res.result_int() == 401);
    CHECK(header(res, bhttp::field::www_authenticate) == "Bearer realm=\"models\"");

    auto const bad = f.guard->authenticate(fixture::make(bhttp::verb::get, "/api/v1/tokens/", "not.a.token"));
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == ma::condition::unauthenticated);
    CHECK(bad.error() != ma::http::error::missing_credentials);
}
