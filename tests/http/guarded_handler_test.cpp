//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/http/guarded_handler.hpp>

#include <modelauth/clock.hpp>
#include <modelauth/http/metrics.hpp>
#include <modelauth/jose/jws.hpp>
#include <modelauth/jose/key.hpp>
#include <modelauth/jose/key_set.hpp>
#include <modelauth/tokens/in_memory_token_store.hpp>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/vector_body.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "support/guard_fixture.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using namespace modelauth_test;
using fixture = guard_fixture;

// What the wrapped handler saw of its last call.
struct seen
{
    int calls = 0;
    std::string subject;
    std::int64_t model_id = 0;
    std::string version;
    ma::policy::action_id action = ma::policy::ScopePolicy::models_read;
    bool had_authorization = false;
    std::string body;
};

// A handler that records what it saw into `s` and answers 200 "ok".
auto recording_handler(seen& s)
{
    return [&s](ma::http::AuthContext const& ctx, request&& req) {
        ++s.calls;
        s.subject = ctx.principal->subject;
        s.model_id = ctx.endpoint.model_id();
        s.version = std::string(ctx.endpoint.version());
        s.action = ctx.action;
        s.had_authorization = req.count(bhttp::field::authorization) != 0;
        s.body = req.body();
        response res{bhttp::status::ok, req.version()};
        res.body() = "ok";
        res.prepare_payload();
        return res;
    };
}

template<class Body>
std::string header(bhttp::response<Body> const& res, bhttp::field f)
{
    auto const v = res[f];
    return std::string(v.data(), v.size());
}

} // namespace

TEST_CASE("an allowed request reaches the handler with its context and without its credentials")
{
    fixture f;
    seen s;
    auto const handler = ma::http::guarded(f.guard, recording_handler(s));
    CHECK(handler.options().strip_credentials);

    auto const res = handler(fixture::make(bhttp::verb::post, "/models/practicus/diamond-price/1/", f.token()));
    CHECK(res.result_int() == 200);
    CHECK(res.body() == "ok");
    CHECK(s.calls == 1);
    CHECK(s.subject == "alice");
    CHECK(s.model_id == 1);
    CHECK(s.version == "1");
    CHECK(s.action == ma::policy::ScopePolicy::models_infer);
    CHECK_FALSE(s.had_authorization);
    CHECK(s.body == "payload");
}

TEST_CASE("with stripping off the handler sees the Authorization header")
{
    fixture f;
    seen s;
    ma::http::guarded_handler_options options;
    options.strip_credentials = false;
    auto const handler = ma::http::guarded(*f.guard, recording_handler(s), options);

    auto const res = handler(fixture::make(bhttp::verb::get, diamond, f.token()));
    CHECK(res.result_int() == 200);
    CHECK(s.calls == 1);
    CHECK(s.had_authorization);
    CHECK(s.version == "2");
    CHECK(s.action == ma::policy::ScopePolicy::models_read);
}

TEST_CASE("an explicit action overrides the one the method needs")
{
    fixture f;
    seen s;
    auto const handler = ma::http::guarded(f.guard, recording_handler(s));
    auto const res = handler(fixture::make(bhttp::verb::get, diamond, f.token("models:read")),
        ma::policy::ScopePolicy::models_infer);
    CHECK(res.result_int() == 403);
    CHECK(s.calls == 0);
}

TEST_CASE("a request without credentials gets the guard's 401 and never reaches the handler")
{
    fixture f;
    seen s;
    auto const handler = ma::http::guarded(f.guard, recording_handler(s));
    auto const res = handler(fixture::make(bhttp::verb::post, diamond));
    CHECK(res.result_int() == 401);
    CHECK(header(res, bhttp::field::www_authenticate) == "Bearer realm=\"models\"");
    CHECK(res.body() == R"({"error":"missing_credentials","error_description":"the request has no credentials"})");
    CHECK(s.calls == 0);
}

TEST_CASE("a forged token gets 401 invalid_token and never reaches the handler")
{
    fixture f;
    seen s;
    auto const handler = ma::http::guarded(f.guard, recording_handler(s));
    auto const other = jose::key::generate(jose::algorithm::eddsa, "k").value();
    auto const now = std::chrono::duration_cast<std::chrono::seconds>(f.clock.now().time_since_epoch()).count();
    json::object const claims{{"iss", issuer}, {"sub", "alice"}, {"aud", "models"}, {"exp", now + 600},
        {"scope", "models:infer"}};
    auto const forged = jose::sign_compact_jws(json::serialize(claims), other).value();
    auto const res = handler(fixture::make(bhttp::verb::post, diamond, forged));
    CHECK(res.result_int() == 401);
    CHECK(res.body() == R"({"error":"invalid_token","error_description":"the token signature does not verify"})");
    CHECK(s.calls == 0);
}

TEST_CASE("a token without the scope gets 403 insufficient_scope and never reaches the handler")
{
    fixture f;
    seen s;
    auto const handler = ma::http::guarded(f.guard, recording_handler(s));
    auto const res = handler(fixture::make(bhttp::verb::post, diamond, f.token("models:read")));
    CHECK(res.result_int() == 403);
    CHECK(header(res, bhttp::field::www_authenticate)
        == "Bearer realm=\"models\", error=\"insufficient_scope\", "
           "error_description=\"the token lacks the scope for this request\", "
           "scope=\"models:infer:models/practicus/diamond-price\"");
    CHECK(res.body()
        == R"({"error":"insufficient_scope","error_description":"the token lacks the scope for this request"})");
    CHECK(s.calls == 0);
}

TEST_CASE("an unknown model gets 404 and never reaches the handler")
{
    fixture f;
    seen s;
    auto const handler = ma::http::guarded(f.guard, recording_handler(s));
    auto const res = handler(fixture::make(bhttp::verb::post, "/models/practicus/nope/", f.token()));
    CHECK(res.result_int() == 404);
    CHECK(res.body() == R"({"error":"not_found","error_description":"no such model"})");
    CHECK(s.calls == 0);
}

TEST_CASE("with metrics every decision and its latency are counted")
{
    fixture f;
    seen s;
    ma::http::guard_metrics metrics;
    ma::http::guarded_handler_options options;
    options.metrics = &metrics;
    auto const handler = ma::http::guarded(f.guard, recording_handler(s), options);

    auto const token = f.token();
    CHECK(handler(fixture::make(bhttp::verb::post, diamond, token)).result_int() == 200);
    CHECK(handler(fixture::make(bhttp::verb::post, "/models/practicus/churn/", token)).result_int() == 200);
    CHECK(handler(fixture::make(bhttp::verb::post, diamond)).result_int() == 401);
    CHECK(handler(fixture::make(bhttp::verb::post, diamond, f.token("models:read"))).result_int() == 403);

    CHECK(s.calls == 2);
    CHECK(metrics.allowed() == 2);
    CHECK(metrics.denied() == 2);
    CHECK(metrics.denied("missing_credentials") == 1);
    CHECK(metrics.denied("missing_scope") == 1);
    CHECK(metrics.observations() == 4);
    auto const text = metrics.prometheus_text();
    CHECK(text.find("modelauth_decisions_total{outcome=\"allow\"} 2\n") != std::string::npos);
    CHECK(text.find("modelauth_validation_seconds_count 4\n") != std::string::npos);
}

TEST_CASE("a copy of the wrapper shares the guard")
{
    fixture f;
    seen s;
    auto const handler = ma::http::guarded(f.guard, recording_handler(s));
    auto const copy = handler;
    CHECK(&copy.guard() == f.guard.get());
    CHECK(copy(fixture::make(bhttp::verb::post, diamond, f.token())).result_int() == 200);
    CHECK(s.calls == 1);
}

TEST_CASE("the wrapper answers with the handler's response type, whatever its body")
{
    fixture f;
    using vector_response = bhttp::response<bhttp::vector_body<char>>;
    auto const handler = ma::http::guarded(f.guard, [](ma::http::AuthContext const& ctx, request&& req) {
        vector_response res{bhttp::status::ok, req.version()};
        res.body().assign(ctx.principal->subject.begin(), ctx.principal->subject.end());
        res.prepare_payload();
        return res;
    });
    static_assert(std::is_same<decltype(handler(std::declval<request>())), vector_response>::value);

    auto const allowed = handler(fixture::make(bhttp::verb::post, diamond, f.token()));
    CHECK(allowed.result_int() == 200);
    CHECK(std::string(allowed.body().begin(), allowed.body().end()) == "alice");

    SUBCASE("a refusal keeps its status, fields and body")
    {
        auto const res = handler(fixture::make(bhttp::verb::post, diamond));
        std::string const body = R"({"error":"missing_credentials","error_description":"the request has no credentials"})";
        CHECK(res.result_int() == 401);
        CHECK(header(res, bhttp::field::www_authenticate) == "Bearer realm=\"models\"");
        CHECK(header(res, bhttp::field::content_type) == "application/json; charset=utf-8");
        CHECK(header(res, bhttp::field::content_length) == std::to_string(body.size()));
        CHECK(std::string(res.body().begin(), res.body().end()) == body);
        CHECK(res.keep_alive());
    }
    SUBCASE("a HEAD refusal has no body and the Content-Length of a GET")
    {
        auto const res = handler(fixture::make(bhttp::verb::head, "/models/practicus/nope/", f.token()));
        CHECK(res.result_int() == 404);
        CHECK(res.body().empty());
        CHECK(header(res, bhttp::field::content_length)
            == std::to_string(std::string_view(R"({"error":"not_found","error_description":"no such model"})").size()));
    }
}

TEST_CASE("a refusal in a body type that takes no bytes is empty with Content-Length 0")
{
    fixture f;
    auto const handler = ma::http::guarded(f.guard, [](ma::http::AuthContext const&, request&& req) {
        bhttp::response<bhttp::empty_body> res{bhttp::status::no_content, req.version()};
        res.prepare_payload();
        return res;
    });
    CHECK(handler(fixture::make(bhttp::verb::post, diamond, f.token())).result_int() == 204);
    auto const res = handler(fixture::make(bhttp::verb::post, diamond, f.token("models:read")));
    CHECK(res.result_int() == 403);
    CHECK(header(res, bhttp::field::content_length) == "0");
    CHECK(header(res, bhttp::field::content_type) == "application/json; charset=utf-8");
    CHECK(header(res, bhttp::field::www_authenticate)
        == "Bearer realm=\"models\", error=\"insufficient_scope\", "
           "error_description=\"the token lacks the scope for this request\", "
           "scope=\"models:infer:models/practicus/diamond-price\"");
}

TEST_CASE("whether a handler can be guarded is a trait")
{
    using registry = ma::router::model_registry;
    auto const string_handler = [](ma::http::AuthContext const&, request&&) { return response{}; };
    auto const not_a_response = [](ma::http::AuthContext const&, request&&) { return 42; };
    auto const wrong_arguments = [](request&&) { return response{}; };
    CHECK(ma::http::is_guarded_model_handler<decltype(string_handler), registry, bhttp::string_body, bhttp::fields>::value);
    CHECK_FALSE(ma::http::is_guarded_model_handler<decltype(not_a_response), registry, bhttp::string_body, bhttp::fields>::value);
    CHECK_FALSE(ma::http::is_guarded_model_handler<decltype(wrong_arguments), registry, bhttp::string_body, bhttp::fields>::value);
}
