//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// flow_context: construction, the directory, what survives a restart, and
// holding tokens to their owners' grants (F5).

#include "tokens/flows/flow_fixture.hpp"

using namespace flows_test;

//----------------------------------------------------------------------------
// Construction and directory

TEST_CASE("the flows refuse bad configuration, naming the field")
{
    memory_fixture f;
    auto const field_of = [&](ma::tokens::flows::flow_options options, bool null_issuer = false,
                              bool null_store = false) -> std::string {
        try
        {
            auto const context = std::make_shared<context_type>(make_directory(), f.router,
                null_issuer ? nullptr : f.issuer, null_store ? nullptr : f.store, f.policy, options, clock_ref(f.clock));
            sessions_type sessions(context);
        }
        catch(ma::configuration_error const& e)
        {
            return e.field();
        }
        return "(nothing thrown)";
    };
    CHECK(field_of({}) == "(nothing thrown)");
    CHECK(field_of({}, true) == "flow_context.issuer");
    CHECK(field_of({}, false, true) == "flow_context.store");
    {
        ma::tokens::flows::flow_options o;
        o.api_key_prefix = "MAK";
        CHECK(field_of(o) == "flow_options.api_key_prefix");
    }
    {
        ma::tokens::flows::flow_options o;
        o.refresh_token_prefix = "mak";
        CHECK(field_of(o) == "flow_options.refresh_token_prefix");
    }
    {
        ma::tokens::flows::flow_options o;
        o.max_permanent_tokens = 0;
        CHECK(field_of(o) == "flow_options.max_permanent_tokens");
    }
    {
        ma::tokens::flows::flow_options o;
        o.max_page_size = 0;
        CHECK(field_of(o) == "flow_options.max_page_size");
    }
    {
        // A JWT may not outlive the publication of its key after a rotation.
        ma::tokens::flows::flow_options o;
        o.lifetimes.model_session = ma::tokens::default_retain_old_keys + 1s;
        CHECK(field_of(o) == "flow_options.lifetimes.model_session");
    }
    {
        ma::tokens::flows::flow_options o;
        o.login.max_failures = 0;
        CHECK(field_of(o) == "login_limiter_options.max_failures");
    }
    CHECK_THROWS_AS(context_type(make_directory(), nullptr, f.issuer, f.store, f.policy, {}, clock_ref(f.clock)),
                    ma::configuration_error);
    CHECK_THROWS_AS(context_type(make_directory(), f.router, f.issuer, f.store, nullptr, {}, clock_ref(f.clock)),
                    ma::configuration_error);
    CHECK_THROWS_AS(sessions_type(nullptr), ma::configuration_error);
    CHECK_THROWS_AS(resources_type(nullptr), ma::configuration_error);
    CHECK_THROWS_AS(keys_type(nullptr), ma::configuration_error);
    CHECK_THROWS_AS(tokens_type(nullptr), ma::configuration_error);
}

TEST_CASE("the directory finds users, accounts and instances exactly, and is replaced as a whole")
{
    auto const d = make_directory();
    REQUIRE(d.find_user(alice) != nullptr);
    CHECK(d.find_user(alice)->account == "acme");
    CHECK(d.find_user("Alice@example.com") == nullptr);
    CHECK(d.find_user("") == nullptr);
    REQUIRE(d.find_account("globex") != nullptr);
    CHECK(d.find_account("globex")->spaces == std::vector<std::string>{"default"});
    CHECK(d.find_account("initech") == nullptr);
    CHECK(d.has_instance(i2));
    CHECK_FALSE(d.has_instance("p1/eu01"));

    memory_fixture f;
    auto const before = f.context->directory();
    ma::tokens::user_directory next = make_directory();
    next.users.push_back(ma::tokens::user_record{"erin@example.com", password_hash(), "acme", {"models:read"}, {}});
    f.context->set_directory(next);
    CHECK(f.context->directory()->users.size() == 5);
    CHECK(before->users.size() == 4); // a reader's snapshot stays as it was
    CHECK(f.sessions->login("erin@example.com", password));
}

//----------------------------------------------------------------------------
// Persistence

TEST_CASE("what the flows issued survives a restart over a journal store")
{
    fixture<journal_backend> f;
    auto const user = f.console(alice);
    auto pair = f.sessions->login(alice, password);
    auto instance = f.resources->create(*user, i1, "ci", "", std::nullopt);
    auto key = f.keys->regenerate(*user);
    auto account = f.tokens->create(*user, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, true);
    REQUIRE(pair);
    REQUIRE(instance);
    REQUIRE(key);
    REQUIRE(account);

    f.reopen();
    CHECK(f.principal(pair->access)->subject == alice);
    CHECK(f.principal(instance->secret)->cls == ma::validation::token_class::instance);
    CHECK(f.principal(key->secret)->cls == ma::validation::token_class::personal_key);
    CHECK(f.principal(account->secret)->cls == ma::validation::token_class::account);
    auto refreshed = f.sessions->refresh(pair->refresh);
    REQUIRE(refreshed);
    CHECK(f.principal(refreshed->access)->subject == alice);
    auto info = f.keys->info(*user);
    REQUIRE(info);
    CHECK((*info)->id == key->token->id);
    CHECK((*info)->hint == key->secret.substr(key->secret.size() - 4));

    f.reopen();
    CHECK(error_of(f.sessions->refresh(pair->refresh)) == ma::tokens::error::refresh_token_reused);
    CHECK(f.refusal(refreshed->access) == ma::validation::error::token_revoked);
}

TEST_CASE("F5: after a restart with a narrower directory, what a user minted follows their new grants")
{
    fixture<journal_backend> f;
    auto const user = f.console(alice);
    auto const key = f.keys->regenerate(*user);
    REQUIRE(key);
    auto const instance = f.resources->create(*user, i1, "ci", "", std::nullopt);
    REQUIRE(instance);
    std::string account_secret;
    (void)f.managed(*user, ma::tokens::flows::managed_kind::same_as_caller, true, std::nullopt, &account_secret);
    std::string space_secret;
    (void)f.managed(*user, ma::tokens::flows::managed_kind::space, true, std::string("lab"), &space_secret);
    std::string carol_secret;
    (void)f.managed(*f.console(carol), ma::tokens::flows::managed_kind::same_as_caller, true, std::nullopt, &carol_secret);
    REQUIRE(f.principal(key->secret)->scopes.size() == 3);

    // The next config: alice may only read now, no longer manages i1, and
    // acme lost its "lab" space. A restart over the same journal.
    auto narrower = make_directory();
    narrower.users[0].scopes = {"models:read"};
    narrower.users[0].instances.clear();
    narrower.accounts[0].spaces = {"default"};
    f.reopen(narrower);
    auto const applied = f.context->apply_grants();
    REQUIRE(applied);
    CHECK(applied->deleted == 2);  // the instance token and the space token
    CHECK(applied->narrowed == 2); // the personal key and the account token

    CHECK(f.principal(key->secret)->scopes == std::vector<std::string>{"models:read"});
    CHECK(f.principal(account_secret)->scopes == std::vector<std::string>{"models:read"});
    CHECK(f.refusal(instance->secret) == ma::validation::error::unknown_api_key);
    CHECK(f.refusal(space_secret) == ma::validation::error::unknown_api_key);
    // Carol's grants did not change: her token is untouched.
    CHECK(f.principal(carol_secret)->scopes.size() == 3);

    // Applying again changes nothing.
    auto const again = f.context->apply_grants();
    REQUIRE(again);
    CHECK(again->deleted == 0);
    CHECK(again->narrowed == 0);
}

TEST_CASE("F5: a user removed from the directory loses every token they minted, at once")
{
    memory_fixture f;
    auto const session = f.sessions->login(alice, password);
    REQUIRE(session);
    auto const user = f.principal(session->access);
    auto const model_session = f.sessions->model_session(*user, 1);
    REQUIRE(model_session);
    auto const key = f.keys->regenerate(*user);
    REQUIRE(key);
    std::string account_secret;
    auto const account = f.managed(*user, ma::tokens::flows::managed_kind::same_as_caller, true, std::nullopt, &account_secret);
    // A token minted by the account token is alice's too.
    std::string minted_secret;
    (void)f.managed(*account, ma::tokens::flows::managed_kind::same_as_caller, false, std::nullopt, &minted_secret);

    auto without = make_directory();
    without.users.erase(without.users.begin()); // alice
    auto const applied = f.context->set_directory(without);
    REQUIRE(applied);
    CHECK(applied->deleted == 3);
    CHECK(applied->families_revoked == 1);
    CHECK(f.refusal(key->secret) == ma::validation::error::unknown_api_key);
    CHECK(f.refusal(account_secret) == ma::validation::error::unknown_api_key);
    CHECK(f.refusal(minted_secret) == ma::validation::error::unknown_api_key);
    // Her session ends too: the access and model session tokens it issued,
    // and its refresh token.
    CHECK(f.refusal(session->access) == ma::validation::error::token_revoked);
    CHECK(f.refusal(model_session->token) == ma::validation::error::token_revoked);
    CHECK(error_of(f.sessions->refresh(session->refresh)) == ma::tokens::error::invalid_refresh_token);
    // Nothing is left to revoke a second time.
    auto const again = f.context->apply_grants();
    REQUIRE(again);
    CHECK(again->families_revoked == 0);
}

TEST_CASE("F5: a user moved to another account loses the tokens bound to the old one")
{
    memory_fixture f;
    auto const key = f.keys->regenerate(*f.console(alice));
    REQUIRE(key);
    auto moved = make_directory();
    moved.users[0].account = "globex";
    auto const applied = f.context->set_directory(moved);
    REQUIRE(applied);
    CHECK(applied->deleted == 1);
    CHECK(f.refusal(key->secret) == ma::validation::error::unknown_api_key);
}

TEST_CASE("F5: scopes still granted are those a held scope covers on whole segments")
{
    using ma::tokens::flows::detail::scopes_still_granted;
    std::vector<std::string> const token = {"models:read", "models:infer:models/practicus/churn",
                                            "models:infer:models/practicus-beta", "tokens:manage", "bogus"};
    CHECK(scopes_still_granted(token, {"models:read", "models:infer", "tokens:manage"})
          == std::vector<std::string>{"models:read", "models:infer:models/practicus/churn",
                                      "models:infer:models/practicus-beta", "tokens:manage"});
    CHECK(scopes_still_granted(token, {"models:infer:models/practicus"})
          == std::vector<std::string>{"models:infer:models/practicus/churn"});
    CHECK(scopes_still_granted(token, {"models:read:models"}).empty());
    CHECK(scopes_still_granted(token, {}).empty());
}
