//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// personal_api_key: one self-service key per user.

#include "tokens/flows/flow_fixture.hpp"

using namespace flows_test;

//----------------------------------------------------------------------------
// Modelon: the personal API key

TEST_CASE_TEMPLATE("regenerating the personal key disables the old one at once", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto const user = f.console(alice);
    auto first = f.keys->regenerate(*user);
    REQUIRE(first);
    auto const p1 = f.principal(first->secret);
    CHECK(p1->cls == ma::validation::token_class::personal_key);
    CHECK(p1->subject == alice);
    CHECK(p1->bindings.account == "acme");
    CHECK(p1->scopes == all_scopes);
    CHECK_FALSE(p1->expires_at);
    CHECK(first->token->permanent);

    // The current key may regenerate itself.
    auto second = f.keys->regenerate(*p1);
    REQUIRE(second);
    CHECK(second->secret != first->secret);
    CHECK(f.refusal(first->secret) == ma::validation::error::unknown_api_key);
    auto const p2 = f.principal(second->secret);
    CHECK(p2->token_id == second->token->id);

    ma::tokens::token_filter keys;
    keys.owner = alice;
    keys.cls = ma::validation::token_class::personal_key;
    CHECK(f.store->count(keys) == 1);

    auto info = f.keys->info(*user);
    REQUIRE(info);
    CHECK((*info)->id == second->token->id);
    CHECK((*info)->hint == second->secret.substr(second->secret.size() - 4));
    auto info_by_key = f.keys->info(*p2);
    REQUIRE(info_by_key);
    CHECK((*info_by_key)->id == second->token->id);

    // Another user's key is their own.
    auto other = f.keys->regenerate(*f.console(carol));
    REQUIRE(other);
    CHECK(f.principal(second->secret)->subject == alice);

    if constexpr(Backend::persistent)
    {
        f.reopen();
        CHECK(f.refusal(first->secret) == ma::validation::error::unknown_api_key);
        CHECK(f.principal(second->secret)->subject == alice);
    }

    CHECK(f.keys->erase(*user));
    CHECK(f.refusal(second->secret) == ma::validation::error::unknown_api_key);
    CHECK(error_of(f.keys->info(*user)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.keys->erase(*user)) == ma::tokens::error::token_not_found);
    CHECK(f.principal(other->secret)->subject == carol);
}

TEST_CASE("only a console user or their own key manages the personal key")
{
    memory_fixture f;
    auto const user = f.console(alice);
    auto instance = f.resources->create(*user, i1, "ci", "", std::nullopt);
    REQUIRE(instance);
    auto const instance_p = f.principal(instance->secret);
    CHECK(error_of(f.keys->regenerate(*instance_p)) == ma::tokens::error::not_permitted);
    CHECK(error_of(f.keys->info(*instance_p)) == ma::tokens::error::not_permitted);
    CHECK(error_of(f.keys->erase(*instance_p)) == ma::tokens::error::not_permitted);
    auto session = f.sessions->model_session(*user, 1);
    REQUIRE(session);
    CHECK(error_of(f.keys->regenerate(*f.principal(session->token))) == ma::tokens::error::not_permitted);
    auto const account = f.managed(*user, ma::tokens::flows::managed_kind::same_as_caller, false);
    CHECK(error_of(f.keys->regenerate(*account)) == ma::tokens::error::not_permitted);
    // No key yet.
    CHECK(error_of(f.keys->info(*user)) == ma::tokens::error::token_not_found);
}
