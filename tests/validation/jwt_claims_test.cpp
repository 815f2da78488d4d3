//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/validation/jwt_claims.hpp>
#include <modelauth/validation/error.hpp>

#include <boost/json/parse.hpp>

#include <doctest/doctest.h>

namespace ma = modelauth;
namespace json = boost::json;
using namespace std::chrono_literals;
using time_point = std::chrono::system_clock::time_point;

namespace {

time_point const now{std::chrono::seconds(1'800'000'000)};

json::object claims(char const* text)
{
    return json::parse(text).as_object();
}

std::error_code check(char const* text, ma::validation::claim_rules const& rules = {})
{
    auto r = ma::validation::check_registered_claims(claims(text), rules, now);
    return r ? std::error_code{} : r.error();
}

} // namespace

TEST_CASE("J24: exp, nbf and iat are checked with the leeway")
{
    struct row
    {
        char const* claims;
        std::error_code expected;
        char const* why;
    };
    std::error_code const ok;
    row const rows[] = {
        {R"({"exp":1800000100})", ok, "exp in the future"},
        {R"({"exp":1800000000})", ok, "exp now, within the leeway"},
        {R"({"exp":1799999941})", ok, "exp 59 s ago, within 60 s leeway"},
        {R"({"exp":1799999940})", ma::validation::error::token_expired, "exp 60 s ago: expired"},
        {R"({"exp":1700000000})", ma::validation::error::token_expired, "exp long past"},
        {R"({})", ma::validation::error::missing_expiry, "exp missing when required"},
        {R"({"exp":1800000100,"nbf":1800000060})", ok, "nbf within leeway"},
        {R"({"exp":1800000100,"nbf":1800000061})", ma::validation::error::token_not_yet_valid, "nbf future"},
        {R"({"exp":1800000100,"iat":1800000060})", ok, "iat within leeway"},
        {R"({"exp":1800000100,"iat":1800000061})", ma::validation::error::issued_in_future, "iat future"},
        {R"({"exp":"1800000100"})", ma::validation::error::invalid_claim_type, "exp as a string"},
        {R"({"exp":true})", ma::validation::error::invalid_claim_type, "exp as a bool"},
        {R"({"exp":null})", ma::validation::error::invalid_claim_type, "exp null"},
        {R"({"exp":[1800000100]})", ma::validation::error::invalid_claim_type, "exp array"},
        {R"({"exp":-1})", ma::validation::error::claim_out_of_range, "negative exp"},
        {R"({"exp":18446744073709551615})", ma::validation::error::claim_out_of_range, "uint64 max exp (int64 overflow)"},
        {R"({"exp":9223372036854775807})", ma::validation::error::claim_out_of_range, "int64 max exp"},
        {R"({"exp":1e300})", ma::validation::error::claim_out_of_range, "huge float exp"},
        {R"({"exp":9007199254740993})", ma::validation::error::claim_out_of_range, "exp 2^53 + 1: not rounded into range"},
        {R"({"exp":9007199254740992})", ok, "exp 2^53, beyond what the clock holds: never expires"},
        {R"({"exp":9999999999})", ok, "exp 9999999999 (year 2286), a common 'never'"},
        {R"({"exp":9999999999.5})", ok, "fractional exp beyond the clock"},
        {R"({"exp":1800000100,"nbf":9999999999})", ma::validation::error::token_not_yet_valid, "nbf beyond the clock"},
        {R"({"exp":1800000100,"iat":9999999999})", ma::validation::error::issued_in_future, "iat beyond the clock"},
        {R"({"exp":1800000100.75})", ok, "fractional exp"},
        {R"({"exp":1800000100,"nbf":"x"})", ma::validation::error::invalid_claim_type, "nbf string"},
        {R"({"exp":1800000100,"iat":{}})", ma::validation::error::invalid_claim_type, "iat object"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.why);
        CHECK(check(r.claims) == r.expected);
    }
}

TEST_CASE("opting out of exp is explicit, and the leeway is configurable")
{
    ma::validation::claim_rules rules;
    rules.require_expiry = false;
    CHECK(check("{}", rules) == std::error_code{});
    rules.require_expiry = true;
    rules.leeway = 0s;
    CHECK(check(R"({"exp":1800000000})", rules) == ma::validation::error::token_expired);
    CHECK(check(R"({"exp":1800000001})", rules) == std::error_code{});
}

TEST_CASE("the maximum lifetime bounds exp - iat, or exp - now without iat")
{
    ma::validation::claim_rules rules;
    rules.max_lifetime = 3600s;
    CHECK(check(R"({"iat":1800000000,"exp":1800003600})", rules) == std::error_code{});
    CHECK(check(R"({"iat":1800000000,"exp":1800003601})", rules) == ma::validation::error::lifetime_too_long);
    CHECK(check(R"({"exp":1800003601})", rules) == ma::validation::error::lifetime_too_long);
    rules.require_expiry = false;
    CHECK(check(R"({})", rules) == ma::validation::error::lifetime_too_long);
}

TEST_CASE("J24: aud is a string or an array, and any accepted audience matches")
{
    ma::validation::claim_rules rules;
    rules.audiences = {"models", "console"};
    CHECK(check(R"({"exp":1800000100,"aud":"models"})", rules) == std::error_code{});
    CHECK(check(R"({"exp":1800000100,"aud":["other","console"]})", rules) == std::error_code{});
    CHECK(check(R"({"exp":1800000100,"aud":"other"})", rules) == ma::validation::error::audience_mismatch);
    CHECK(check(R"({"exp":1800000100,"aud":[]})", rules) == ma::validation::error::audience_mismatch);
    CHECK(check(R"({"exp":1800000100})", rules) == ma::validation::error::audience_mismatch);
    CHECK(check(R"({"exp":1800000100,"aud":"Models"})", rules) == ma::validation::error::audience_mismatch);
    CHECK(check(R"({"exp":1800000100,"aud":1})", rules) == ma::validation::error::invalid_claim_type);
    CHECK(check(R"({"exp":1800000100,"aud":["models",1]})", rules) == ma::validation::error::invalid_claim_type);
    // Without configured audiences aud is not checked.
    CHECK(check(R"({"exp":1800000100,"aud":"anything"})") == std::error_code{});
}

TEST_CASE("scopes come from scope (space-separated) or scp (array), deduplicated in order")
{
    auto s = ma::validation::scope_claim(claims(R"({"scope":"models:read  models:infer models:read"})"));
    REQUIRE(s.has_value());
    CHECK(*s == std::vector<std::string>{"models:read", "models:infer"});

    s = ma::validation::scope_claim(claims(R"({"scp":["tokens:manage","models:read"]})"));
    REQUIRE(s.has_value());
    CHECK(*s == std::vector<std::string>{"tokens:manage", "models:read"});

    s = ma::validation::scope_claim(claims(R"({"scope":"a","scp":["b","a"]})"));
    REQUIRE(s.has_value());
    CHECK(*s == std::vector<std::string>{"a", "b"});

    CHECK(ma::validation::scope_claim(claims("{}")).value().empty());
    CHECK(ma::validation::scope_claim(claims(R"({"scope":["a"]})")).error() == ma::validation::error::invalid_claim_type);
    CHECK(ma::validation::scope_claim(claims(R"({"scp":[1]})")).error() == ma::validation::error::invalid_claim_type);
    CHECK(ma::validation::scope_claim(claims(R"({"scp":{}})")).error() == ma::validation::error::invalid_claim_type);
}

TEST_CASE("class and bindings are read from cls, model_id, instance, account, space")
{
    auto b = ma::validation::binding_claims(claims(
        R"({"cls":"model_session","model_id":7,"instance":"demo/eu01/demo","account":"demo","space":"default"})"));
    REQUIRE(b.has_value());
    CHECK(b->first == ma::validation::token_class::model_session);
    CHECK(b->second.model_id == 7);
    CHECK(b->second.instance == "demo/eu01/demo");
    CHECK(b->second.account == "demo");
    CHECK(b->second.space == "default");

    b = ma::validation::binding_claims(claims("{}"));
    REQUIRE(b.has_value());
    CHECK(b->first == ma::validation::token_class::user);
    CHECK_FALSE(b->second.model_id);

    CHECK(ma::validation::binding_claims(claims(R"({"cls":"root"})")).error() == ma::validation::error::invalid_claim_type);
    CHECK(ma::validation::binding_claims(claims(R"({"model_id":"7"})")).error() == ma::validation::error::invalid_claim_type);
    CHECK(ma::validation::binding_claims(claims(R"({"model_id":1.5})")).error() == ma::validation::error::invalid_claim_type);
    CHECK(ma::validation::binding_claims(claims(R"({"model_id":18446744073709551615})")).error()
          == ma::validation::error::invalid_claim_type);
    CHECK(ma::validation::binding_claims(claims(R"({"space":5})")).error() == ma::validation::error::invalid_claim_type);
}

TEST_CASE("typ values compare case-insensitively with an optional application/ prefix")
{
    CHECK(ma::validation::media_type_matches("at+jwt", "at+jwt"));
    CHECK(ma::validation::media_type_matches("AT+JWT", "at+jwt"));
    CHECK(ma::validation::media_type_matches("application/at+jwt", "at+jwt"));
    CHECK(ma::validation::media_type_matches("at+jwt", "Application/AT+JWT"));
    CHECK_FALSE(ma::validation::media_type_matches("JWT", "at+jwt"));
    CHECK_FALSE(ma::validation::media_type_matches("application/", "at+jwt"));
}
