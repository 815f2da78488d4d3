//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// resource_tokens: instance-bound tokens, their names, lifetimes and CRUD.

#include "tokens/flows/flow_fixture.hpp"

using namespace flows_test;

//----------------------------------------------------------------------------
// STACKIT: instance tokens

TEST_CASE_TEMPLATE("an instance token works on its instance's models only", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto const user = f.console(alice);
    auto const t0 = f.clock.now();
    auto created = f.resources->create(*user, i1, "ci", "for the CI", 30 * 24h);
    REQUIRE(created);
    auto const& token = *created->token;
    CHECK(ma::validation::check_api_key(created->secret, "mak"));
    CHECK(token.hint == created->secret.substr(created->secret.size() - 4));
    CHECK(token.id.size() == 36);
    CHECK(token.cls == ma::validation::token_class::instance);
    CHECK(token.owner == alice);
    CHECK(token.bindings.instance == i1);
    CHECK(token.bindings.account == "acme");
    CHECK(token.scopes == all_scopes);
    CHECK(token.name == "ci");
    CHECK(token.description == "for the CI");
    CHECK_FALSE(token.permanent);
    CHECK(token.active);
    CHECK(token.created == t0);
    CHECK(token.expires == std::optional<time_point>(t0 + 30 * 24h));
    REQUIRE(f.store->find_by_id(token.id));
    CHECK(f.store->find_by_id(token.id)->secret_hash == ma::validation::hash_secret(created->secret));

    auto const p = f.principal(created->secret);
    CHECK(p->cls == ma::validation::token_class::instance);
    CHECK(p->bindings.instance == i1);
    CHECK(f.policy->decide(*p, f.endpoint(1), ma::policy::ScopePolicy::models_infer).allowed());
    CHECK(f.policy->decide(*p, f.endpoint(2), ma::policy::ScopePolicy::models_infer).error()
          == ma::policy::error::binding_mismatch);

    // It manages nothing.
    CHECK(error_of(f.resources->create(*p, i1, "again", "", std::nullopt))
          == ma::tokens::error::not_permitted);
    CHECK(error_of(f.resources->list(*p, i1)) == ma::tokens::error::not_permitted);

    // It expires with its ttl.
    f.clock.advance(30 * 24h);
    CHECK(f.refusal(created->secret) == ma::validation::error::token_expired);
    CHECK(f.resources->list(*user, i1)->empty());

    if constexpr(Backend::persistent)
    {
        auto permanent = f.resources->create(*user, i1, "kept", "", std::nullopt);
        REQUIRE(permanent);
        f.reopen();
        CHECK(f.principal(permanent->secret)->bindings.instance == i1);
    }
}

TEST_CASE("instance tokens: who may make them, and what they may be called")
{
    memory_fixture f;
    auto const user = f.console(alice);
    CHECK(error_of(f.resources->create(*user, "p1/eu01/nope", "x", "", std::nullopt))
          == ma::tokens::error::unknown_instance);
    CHECK(error_of(f.resources->create(*user, i2, "x", "", std::nullopt))
          == ma::tokens::error::not_permitted);
    CHECK(error_of(f.resources->list(*user, i2)) == ma::tokens::error::not_permitted);
    // Bob manages no instance.
    CHECK(error_of(f.resources->create(*f.console(bob), i1, "x", "", std::nullopt))
          == ma::tokens::error::not_permitted);

    auto permanent = f.resources->create(*user, i1, "x", "", std::nullopt);
    REQUIRE(permanent);
    CHECK(permanent->token->permanent);
    CHECK_FALSE(permanent->token->expires);
    CHECK_FALSE(f.principal(permanent->secret)->expires_at);

    CHECK(error_of(f.resources->create(*user, i1, "x", "", 0s)) == ma::tokens::error::invalid_ttl);
    CHECK(error_of(f.resources->create(*user, i1, "x", "", -1s)) == ma::tokens::error::invalid_ttl);
    CHECK(error_of(f.resources->create(*user, i1, "x", "", ma::tokens::max_ttl + 1s))
          == ma::tokens::error::invalid_ttl);
    CHECK(f.resources->create(*user, i1, "x", "", ma::tokens::max_ttl));

    struct row
    {
        std::string name;
        std::string description;
        bool valid;
    };
    std::string e_acute_128;
    for(int i = 0; i < 128; ++i)
        e_acute_128 += "\xc3\xa9"; // 128 characters, 256 bytes
    row const rows[] = {
        {"", "", false},
        {std::string(128, 'n'), "", true},
        {std::string(129, 'n'), "", false},
        {e_acute_128, "", true},
        {e_acute_128 + "x", "", false},
        {"a\nb", "", false},
        {"a\x7f", "", false},
        {"\xc2\x85", "", false},       // U+0085, a C1 control
        {"\xff", "", false},           // not UTF-8
        {"\xc0\xaf", "", false},       // overlong
        {"\xed\xa0\x80", "", false},   // a surrogate
        {"\xe2\x82", "", false},       // truncated
        {"\xf0\x9f\x94\x91 key", "", true},
        {"n", std::string(512, 'd'), true},
        {"n", std::string(513, 'd'), false},
        {"n", "line one\nline two\ttab", true},
        {"n", std::string("nul\0byte", 8), false},
    };
    for(auto const& r : rows)
    {
        INFO(r.name.size(), " ", r.description.size());
        auto created = f.resources->create(*user, i1, r.name, r.description, std::nullopt);
        if(r.valid)
            CHECK(created);
        else
            CHECK(error_of(created) == ma::tokens::error::invalid_request_body);
    }
}

TEST_CASE_TEMPLATE("instance tokens are listed, read, renamed and deleted per instance", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto const user = f.console(alice);
    auto const other = f.console(carol);
    auto t1 = f.resources->create(*user, i1, "one", "first", std::nullopt);
    f.clock.advance(1s);
    auto t2 = f.resources->create(*user, i1, "two", "", 24h);
    auto t3 = f.resources->create(*other, i2, "three", "", std::nullopt);
    REQUIRE(t1);
    REQUIRE(t2);
    REQUIRE(t3);
    auto const id1 = t1->token->id;

    auto listed = f.resources->list(*user, i1);
    REQUIRE(listed);
    CHECK(ids_of(*listed) == std::vector<std::string>{id1, t2->token->id});
    auto listed_other = f.resources->list(*other, i2);
    REQUIRE(listed_other);
    CHECK(ids_of(*listed_other) == std::vector<std::string>{t3->token->id});

    auto got = f.resources->get(*user, i1, id1);
    REQUIRE(got);
    CHECK((*got)->name == "one");
    // Another instance's token does not exist here.
    CHECK(error_of(f.resources->get(*other, i2, id1)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.resources->get(*user, i1, t3->token->id)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.resources->get(*user, i1, "no-such-id")) == ma::tokens::error::token_not_found);

    auto renamed = f.resources->update(*user, i1, id1, std::string("renamed"), std::nullopt);
    REQUIRE(renamed);
    CHECK((*renamed)->name == "renamed");
    CHECK((*renamed)->description == "first");
    auto described = f.resources->update(*user, i1, id1, std::nullopt, std::string(""));
    REQUIRE(described);
    CHECK((*described)->name == "renamed");
    CHECK((*described)->description.empty());
    auto unchanged = f.resources->update(*user, i1, id1, std::nullopt, std::nullopt);
    REQUIRE(unchanged);
    CHECK((*unchanged)->name == "renamed");
    CHECK(error_of(f.resources->update(*user, i1, id1, std::string(""), std::nullopt))
          == ma::tokens::error::invalid_request_body);
    CHECK(error_of(f.resources->update(*other, i2, id1, std::string("x"), std::nullopt))
          == ma::tokens::error::token_not_found);
    // Renaming does not touch the secret.
    CHECK(f.principal(t1->secret)->token_id == id1);

    CHECK(error_of(f.resources->erase(*other, i2, id1)) == ma::tokens::error::token_not_found);
    CHECK(f.principal(t1->secret)->token_id == id1); // cached now
    CHECK(f.resources->erase(*user, i1, id1));
    CHECK(f.refusal(t1->secret) == ma::validation::error::unknown_api_key);
    CHECK(error_of(f.resources->get(*user, i1, id1)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.resources->erase(*user, i1, id1)) == ma::tokens::error::token_not_found);
    CHECK(f.principal(t2->secret)->token_id == t2->token->id);

    if constexpr(Backend::persistent)
    {
        f.reopen();
        auto const again = f.principal(t2->secret); // the console token is a JWT: still valid too
        CHECK(again->token_id == t2->token->id);
        CHECK(f.refusal(t1->secret) == ma::validation::error::unknown_api_key);
        auto relisted = f.resources->list(*user, i1);
        REQUIRE(relisted);
        CHECK(ids_of(*relisted) == std::vector<std::string>{t2->token->id});
    }
}
