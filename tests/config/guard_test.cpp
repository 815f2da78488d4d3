//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/config/guard.hpp>

#include <modelauth/clock.hpp>
#include <modelauth/jose/jws.hpp>

#include "config/config_test_support.hpp"

#include <boost/beast/http/string_body.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

namespace cfg = modelauth::config;
namespace jose = modelauth::jose;
namespace bhttp = boost::beast::http;
using config_test::fault;
using config_test::fault_of;

namespace {

jose::key const& signing_key()
{
    static jose::key const key = jose::key::generate(jose::algorithm::es256, "k1").value();
    return key;
}

std::string stack_json()
{
    return R"({
      "trusted_issuers": [{"issuer": "https://login.example.com", "audiences": ["models"], "algorithms": ["ES256"],
                           "jwks": )"
        + boost::json::serialize(jose::key_set::from_keys({signing_key()}).value().to_public_jwks()) + R"(}],
      "models": [{"model_id": 1, "prefix": "models/practicus", "name": "diamond-price", "versions": ["1", "2"]}],
      "router": {"strict_slash": true},
      "policy": {"actions": ["reports:export"]},
      "guard": {"realm": "inference", "api_key_header": "x-api-key"}
    })";
}

} // namespace

TEST_CASE("one JSON object builds the request path: a token of the configured issuer passes the guard")
{
    modelauth::manual_clock clock;
    auto const doc = cfg::parse_document(stack_json());
    cfg::basic_guard_stack_options<modelauth::manual_clock_ref> options{modelauth::manual_clock_ref(clock)};
    auto const stack = cfg::make_guard(cfg::json_reader(doc), options);
    REQUIRE(stack.guard);
    CHECK(stack.guard->options().realm == "inference");
    CHECK(stack.guard->options().credentials.api_key_header == "x-api-key");
    CHECK(stack.router->options().strict_slash);
    CHECK(stack.policy->find_action("reports:export").has_value());

    auto const now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    boost::json::object const claims{{"iss", "https://login.example.com"}, {"sub", "alice"}, {"aud", "models"},
        {"exp", now + 600}, {"iat", now}, {"scope", "models:read"}};
    bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/models/practicus/diamond-price/", 11};
    req.set(bhttp::field::authorization,
        "Bearer " + jose::sign_compact_jws(boost::json::serialize(claims), signing_key()).value());
    auto const result = stack.guard->check(req);
    REQUIRE(result);
    CHECK(result.context().endpoint.model().model_id == 1);

    // An empty object is a guard with no issuer, no model and the defaults.
    auto const empty = cfg::parse_document("{}");
    auto const bare = cfg::make_guard(cfg::json_reader(empty));
    CHECK(bare.guard->options().realm == "models");
    CHECK(bare.router->registry()->empty());
}

TEST_CASE("the request path's faults name the key path, the components' own checks included")
{
    struct row
    {
        char const* json;
        fault expected;
    };
    row const rows[] = {
        {R"({"issuers": []})",
            {"issuers", "is not a known key; expected one of: trusted_issuers, models, router, policy, guard"}},
        {R"({"guard": {"realm": ""}})", {"guard.realm", "must not be empty"}},
        {R"({"guard": {"max_credential_bytes": 0}})", {"guard.max_credential_bytes", "must be an integer from 1 to 65536"}},
        {R"({"guard": {"api_key_header": 7}})", {"guard.api_key_header", "must be a string"}},
        {R"({"policy": {"actions": ["x"]}})", {"policy.actions[0]", ""}},
        {R"({"router": {"mount_root": "no-slash"}})", {"router.mount_root", ""}},
        {R"({"models": [{"model_id": 1}]})", {"models[0].prefix", "is required"}},
        {R"({"trusted_issuers": [{"issuer": "i"}]})", {"trusted_issuers[0].audiences", "is required"}},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.json);
        auto const doc = cfg::parse_document(r.json);
        auto const f = fault_of([&] { (void)cfg::make_guard(cfg::json_reader(doc)); });
        CHECK(f.field == r.expected.field);
        if(! r.expected.problem.empty())
            CHECK(f.problem == r.expected.problem);
    }
}
