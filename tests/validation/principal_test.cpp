//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/validation/detail/principal_pool.hpp>
#include <modelauth/validation/principal.hpp>

#include <doctest/doctest.h>

#include <thread>
#include <vector>

namespace ma = modelauth;

TEST_CASE("token class names round-trip and unknown names are refused")
{
    for(auto c : {ma::validation::token_class::user, ma::validation::token_class::model_session, ma::validation::token_class::instance,
                  ma::validation::token_class::personal_key, ma::validation::token_class::account, ma::validation::token_class::space,
                  ma::validation::token_class::manager})
        CHECK(ma::validation::token_class_from_name(ma::validation::token_class_name(c)) == c);
    CHECK(ma::validation::token_class_name(ma::validation::token_class::model_session) == "model_session");
    CHECK_FALSE(ma::validation::token_class_from_name("User"));
    CHECK_FALSE(ma::validation::token_class_from_name(""));
}

TEST_CASE("a principal answers scope and claim questions without parsing")
{
    ma::validation::Principal p;
    p.scopes = {"models:read", "models:infer:models/practicus"};
    p.set_claims({{"tenant", "acme"}});
    CHECK(p.has_scope("models:read"));
    CHECK_FALSE(p.has_scope("models:infer"));
    REQUIRE(p.claim("tenant"));
    CHECK(p.claim("tenant")->as_string() == "acme");
    CHECK(p.claim("missing") == nullptr);
    CHECK(p.claims_json() == R"({"tenant":"acme"})");

    ma::validation::token_bindings a, b;
    a.model_id = 7;
    CHECK_FALSE(a == b);
    b.model_id = 7;
    CHECK(a == b);
}

TEST_CASE("claims kept as text are parsed once, on first use, by any thread")
{
    ma::validation::Principal p;
    p.set_checked_claims_json(R"({"sub":"alice","n":[1,2]})");
    CHECK(p.claims_json() == R"({"sub":"alice","n":[1,2]})");
    std::vector<std::thread> threads;
    std::vector<boost::json::object const*> seen(4);
    for(std::size_t i = 0; i < seen.size(); ++i)
        threads.emplace_back([&, i] { seen[i] = &p.claims(); });
    for(auto& t : threads)
        t.join();
    for(auto const* s : seen)
        CHECK(s == seen.front()); // one object, published once
    CHECK(p.claim("sub")->as_string() == "alice");

    ma::validation::Principal copy = p;
    CHECK(copy.claim("n")->as_array().size() == 2);
    CHECK(&copy.claims() != &p.claims());
    ma::validation::Principal moved = std::move(copy);
    CHECK(moved.claim("sub")->as_string() == "alice");

    CHECK_THROWS_AS(p.set_claims_json("[1]"), std::system_error);
    CHECK_THROWS_AS(p.set_claims_json(R"({"a":1,"a":2})"), std::system_error);
    ma::validation::Principal empty;
    CHECK(empty.claims().empty());
}

TEST_CASE("recycling resets every member of a principal to its default")
{
    ma::validation::Principal p;
    p.subject = "a-subject-that-is-long-enough-to-allocate";
    p.issuer = "https://issuer.example/with/a/long/path";
    p.token_id = "a-token-id-that-is-long-enough-to-allocate";
    p.expires_at = std::chrono::system_clock::now();
    p.issued_at = std::chrono::system_clock::now();
    p.scopes = {"models:read", "models:infer:models/practicus/diamond-price"};
    p.cls = ma::validation::token_class::space;
    p.bindings.model_id = 3;
    p.bindings.instance = "p/r/i";
    p.bindings.account = "acct";
    p.bindings.space = "space";
    p.kind = ma::validation::credential_kind::api_key;
    p.set_claims({{"tenant", "acme"}});
    REQUIRE(p.claim("tenant"));

    ma::validation::detail::principal_recycling::reset(p);

    ma::validation::Principal const fresh;
    CHECK(p.subject == fresh.subject);
    CHECK(p.issuer == fresh.issuer);
    CHECK(p.token_id == fresh.token_id);
    CHECK(p.expires_at == fresh.expires_at);
    CHECK(p.issued_at == fresh.issued_at);
    CHECK(p.scopes == fresh.scopes);
    CHECK(p.cls == fresh.cls);
    CHECK(p.bindings == fresh.bindings);
    CHECK(p.kind == fresh.kind);
    CHECK(p.claims_json().empty());
    CHECK(p.claims().empty());
}
