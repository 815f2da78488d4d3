//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TESTS_SUPPORT_GUARD_FIXTURE_HPP
#define MODELAUTH_TESTS_SUPPORT_GUARD_FIXTURE_HPP

// The guard the guard and wrapper tests share: an EdDSA issuer with audience
// "models", a validator on a manual clock with an in-memory store, two models
// under models/practicus on instance demo/eu01/demo, the default policy.

#include <modelauth/clock.hpp>
#include <modelauth/http/guard.hpp>
#include <modelauth/jose/jws.hpp>
#include <modelauth/jose/key.hpp>
#include <modelauth/jose/key_set.hpp>
#include <modelauth/tokens/in_memory_token_store.hpp>

#include <boost/beast/http/string_body.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace modelauth_test {

namespace ma = modelauth;
namespace jose = modelauth::jose;
namespace json = boost::json;
namespace bhttp = boost::beast::http;

using guard_type = ma::http::basic_guard<ma::manual_clock_ref>;
using request = bhttp::request<bhttp::string_body>;
using response = bhttp::response<bhttp::string_body>;

inline std::string const issuer = "https://login.example.test";
inline std::string const diamond = "/models/practicus/diamond-price/";

inline ma::router::model_description describe(std::int64_t id, std::string name, std::vector<std::string> versions)
{
    ma::router::model_description d;
    d.model_id = id;
    d.prefix = "models/practicus";
    d.name = std::move(name);
    d.versions = std::move(versions);
    d.instance = "demo/eu01/demo";
    return d;
}

struct guard_fixture
{
    ma::manual_clock clock;
    jose::key key = jose::key::generate(jose::algorithm::eddsa, "k").value();
    std::shared_ptr<ma::tokens::InMemoryTokenStore> store = std::make_shared<ma::tokens::InMemoryTokenStore>();
    std::shared_ptr<ma::validation::basic_token_validator<ma::manual_clock_ref> const> validator;
    std::shared_ptr<ma::router::ModelUrlRouter const> router;
    std::shared_ptr<ma::policy::ScopePolicy const> policy = std::make_shared<ma::policy::ScopePolicy const>();
    std::shared_ptr<guard_type const> guard;

    explicit guard_fixture(ma::http::guard_options options = {})
    {
        ma::validation::trusted_issuer t;
        t.issuer = issuer;
        t.keys = jose::key_set::from_keys({key}).value();
        t.audiences = {"models"};
        validator = std::make_shared<ma::validation::basic_token_validator<ma::manual_clock_ref> const>(
            std::vector<ma::validation::trusted_issuer>{t}, ma::validation::token_validator_options{}, store, ma::manual_clock_ref(clock));
        router = std::make_shared<ma::router::ModelUrlRouter const>(ma::router::model_registry(
            {describe(1, "diamond-price", {"1", "2"}), describe(2, "churn", {"1"})}));
        guard = std::make_shared<guard_type const>(validator, router, policy, std::move(options));
    }

    std::int64_t now() const
    {
        return std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    }

    json::object claims(std::string const& scope) const
    {
        return {{"iss", issuer}, {"sub", "alice"}, {"aud", "models"}, {"exp", now() + 600}, {"iat", now()},
            {"scope", scope}};
    }

    std::string token(json::object const& c) const
    {
        return jose::sign_compact_jws(json::serialize(c), key).value();
    }

    std::string token(std::string const& scope = "models:read models:infer") const
    {
        return token(claims(scope));
    }

    // A request with body "payload", and a bearer token when one is given.
    static request make(bhttp::verb method, std::string const& target, std::string const& bearer = {},
        unsigned version = 11)
    {
        request req{method, target, version};
        if(! bearer.empty())
            req.set(bhttp::field::authorization, "Bearer " + bearer);
        req.body() = "payload";
        return req;
    }

    // The rendered answer to a request the guard must refuse.
    response render(request const& req) const
    {
        auto const r = guard->check(req);
        REQUIRE_FALSE(r);
        return guard->render(req, r.failure());
    }
};

} // namespace modelauth_test

#endif
