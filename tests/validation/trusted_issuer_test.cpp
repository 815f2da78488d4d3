//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/validation/trusted_issuer.hpp>

#include <modelauth/clock.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/jose/jws.hpp>
#include <modelauth/jose/key.hpp>
#include <modelauth/validation/error.hpp>
#include <modelauth/validation/token_validator.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <type_traits>
#include <vector>

namespace {

namespace ma = modelauth;
namespace jose = modelauth::jose;
using ma::validation::trusted_issuer;
using namespace std::chrono_literals;

jose::key hs_key()
{
    return jose::key::from_secret("0123456789abcdef0123456789abcdef", jose::algorithm::hs256, "k1").value();
}

jose::key_set keys()
{
    return jose::key_set::from_keys({hs_key()}).value();
}

} // namespace

TEST_CASE("trusted_issuer stays an aggregate")
{
    static_assert(std::is_aggregate<trusted_issuer>::value);
    trusted_issuer idp;
    idp.issuer = "https://login.example.com";
    idp.keys = keys();
    idp.audiences = {"models"};
    CHECK(idp.issuer == "https://login.example.com");
    CHECK(idp.audiences == std::vector<std::string>{"models"});
    CHECK(idp.keys.size() == 1);
    CHECK(idp.leeway == 60s);
    CHECK(idp.require_expiry);
}

TEST_CASE("named() starts from the aggregate's defaults")
{
    trusted_issuer const described = trusted_issuer::named("https://login.example.com");
    trusted_issuer plain;
    plain.issuer = "https://login.example.com";
    CHECK(described.issuer == plain.issuer);
    CHECK(described.keys.size() == 0);
    CHECK(described.audiences.empty());
    CHECK(described.algorithms.empty());
    CHECK(described.leeway == plain.leeway);
    CHECK(described.require_expiry == plain.require_expiry);
    CHECK_FALSE(described.max_lifetime);
    CHECK_FALSE(described.required_type);
}

TEST_CASE("each call of the fluent description sets its member")
{
    trusted_issuer const idp = trusted_issuer::named("https://login.example.com")
        .audience("models")
        .audience("reports")
        .keys(keys())
        .algorithm(jose::algorithm::hs256)
        .leeway(30s)
        .allow_missing_expiry()
        .max_lifetime(3600s)
        .required_type("at+jwt");
    CHECK(idp.issuer == "https://login.example.com");
    CHECK(idp.audiences == std::vector<std::string>{"models", "reports"});
    REQUIRE(idp.keys.size() == 1);
    CHECK(idp.keys.find("k1") != nullptr);
    CHECK(idp.algorithms == std::vector<jose::algorithm>{jose::algorithm::hs256});
    CHECK(idp.leeway == 30s);
    CHECK_FALSE(idp.require_expiry);
    CHECK(idp.max_lifetime == std::chrono::seconds(3600));
    CHECK(idp.required_type == std::string("at+jwt"));

    SUBCASE("the builder converts as often as asked, and moves out once")
    {
        auto b = trusted_issuer::named("iss").audience("models");
        trusted_issuer const first = b;
        trusted_issuer const second = b.get();
        CHECK(first.audiences == std::vector<std::string>{"models"});
        CHECK(first.audiences == second.audiences);
        trusted_issuer const moved = std::move(b).get();
        CHECK(moved.issuer == "iss");
    }
}

TEST_CASE("a validator built from a fluent description accepts its tokens and refuses another audience")
{
    ma::manual_clock clock;
    clock.set(std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000)));
    ma::validation::basic_token_validator<ma::manual_clock_ref> const validator(
        {trusted_issuer::named("https://login.example.com").audience("models").keys(keys()).leeway(5s)}, {}, nullptr,
        ma::manual_clock_ref(clock));
    auto token = [&](char const* audience, std::int64_t exp) {
        boost::json::object const claims{{"iss", "https://login.example.com"}, {"sub", "alice"}, {"aud", audience},
            {"exp", exp}};
        return jose::sign_compact_jws(boost::json::serialize(claims), hs_key()).value();
    };
    auto const p = validator.validate(token("models", 1'800'000'600));
    REQUIRE(p);
    CHECK((*p)->subject == "alice");
    CHECK(validator.validate(token("other", 1'800'000'600)).error() == ma::validation::error::audience_mismatch);
    // Expired 4 s ago: inside the 5 s leeway.
    CHECK(validator.validate(token("models", 1'799'999'996)));
    CHECK(validator.validate(token("models", 1'799'999'990)).error() == ma::validation::error::token_expired);
}

TEST_CASE("a fluent description without keys is refused by the validator, naming the field")
{
    try
    {
        ma::validation::TokenValidator const validator({trusted_issuer::named("https://login.example.com")});
        FAIL("no configuration_error");
    }
    catch(ma::configuration_error const& e)
    {
        CHECK(e.field() == "trusted_issuers[0].keys");
    }
}

TEST_CASE("remote_keys: an issuer may start without keys, and refuses its tokens until they come")
{
    ma::validation::TokenValidator validator({trusted_issuer::named("https://login.example.com").remote_keys()});
    CHECK(validator.trusts("https://login.example.com"));
    CHECK_FALSE(validator.trusts("https://other.example.com"));
    boost::json::object const claims{{"iss", "https://login.example.com"}, {"sub", "alice"}, {"exp", 4102444800}};
    auto const token = jose::sign_compact_jws(boost::json::serialize(claims), hs_key()).value();
    int told = 0;
    std::string told_issuer;
    validator.on_unknown_key([&](std::string_view issuer) {
        ++told;
        told_issuer = std::string(issuer);
    });
    CHECK(validator.validate(token).error() == ma::jose::error::unknown_key);
    CHECK(told == 1);
    CHECK(told_issuer == "https://login.example.com");
    validator.set_issuer_keys("https://login.example.com", keys());
    CHECK(validator.validate(token));
    CHECK(told == 1);

    // An issuer whose keys are not remote tells no one.
    ma::validation::TokenValidator local({trusted_issuer::named("https://login.example.com").keys(keys())});
    local.on_unknown_key([&](std::string_view) { ++told; });
    auto const other = jose::key::from_secret("fedcba9876543210fedcba9876543210", jose::algorithm::hs256, "k2").value();
    CHECK(local.validate(jose::sign_compact_jws(boost::json::serialize(claims), other).value()).error()
          == ma::jose::error::unknown_key);
    CHECK(told == 1);
}

TEST_CASE("account_claim: the claim that binds a token to an account, or none")
{
    auto const token = [](boost::json::object claims) {
        claims["iss"] = "https://login.example.com";
        claims["sub"] = "alice";
        claims["exp"] = 4102444800;
        return jose::sign_compact_jws(boost::json::serialize(claims), hs_key()).value();
    };
    auto const described = trusted_issuer::named("https://login.example.com").keys(keys());
    CHECK(described.get().account_claim == std::string("account"));
    CHECK_FALSE(described.get().account_required);

    // The default: the `account` claim, when present.
    ma::validation::TokenValidator const own({described});
    CHECK((*own.validate(token({{"account", "acme"}})))->bindings.account == "acme");
    CHECK((*own.validate(token({})))->bindings.account == "");

    // None: whatever the token claims, it is bound to no account.
    ma::validation::TokenValidator const unbound({trusted_issuer::named("https://login.example.com").keys(keys()).no_account_claim()});
    CHECK((*unbound.validate(token({{"account", "acme"}})))->bindings.account == "");

    // A provider's own claim, required.
    ma::validation::TokenValidator const tenant({trusted_issuer::named("https://login.example.com").keys(keys()).account_claim("tenant")});
    CHECK((*tenant.validate(token({{"tenant", "acme"}, {"account", "other"}})))->bindings.account == "acme");
    CHECK(tenant.validate(token({{"account", "acme"}})).error() == ma::validation::error::missing_account);
    CHECK(tenant.validate(token({{"tenant", 7}})).error() == ma::validation::error::invalid_claim_type);
    CHECK(tenant.validate(token({{"tenant", ""}})).error() == ma::validation::error::missing_account);

    trusted_issuer bad = described;
    bad.account_claim = std::string();
    CHECK_THROWS_WITH_AS(ma::validation::TokenValidator({bad}), "trusted_issuers[0].account_claim: must name a claim",
                         ma::configuration_error);
}
