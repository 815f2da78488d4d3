//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// managed_tokens: account, space and manager tokens, quotas (F3, F12),
// pagination and bulk delete.

#include "tokens/flows/flow_fixture.hpp"

using namespace flows_test;

//----------------------------------------------------------------------------
// NeuroIO: account, space and manager tokens

TEST_CASE_TEMPLATE("account tokens: a 6th permanent one per account is refused with 409", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto const user = f.console(alice);
    auto const t0 = f.clock.now();
    auto first = f.tokens->create(*user, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, true);
    REQUIRE(first);
    CHECK(first->token->cls == ma::validation::token_class::account);
    CHECK(first->token->bindings.account == "acme");
    CHECK(first->token->bindings.space.empty());
    CHECK(first->token->owner == alice);
    CHECK(first->token->permanent);
    CHECK_FALSE(first->token->expires);
    CHECK(first->token->active);
    auto const account = f.principal(first->secret);
    CHECK(account->cls == ma::validation::token_class::account);

    // An account token makes account tokens too; they share the quota.
    for(int i = 0; i < 4; ++i)
        CHECK(f.tokens->create(*(i % 2 ? user : account), ma::tokens::flows::managed_kind::same_as_caller,
                                        std::nullopt, true));
    auto const sixth = f.tokens->create(*account, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, true);
    CHECK(error_of(sixth) == ma::tokens::error::permanent_token_quota);
    CHECK(ma::http_status(sixth.error()) == 409);
    CHECK(error_of(f.tokens->create(*user, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, true))
          == ma::tokens::error::permanent_token_quota);

    // Temporary tokens do not count; they last 24 hours.
    auto temporary = f.tokens->create(*account, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, false);
    REQUIRE(temporary);
    CHECK_FALSE(temporary->token->permanent);
    CHECK(temporary->token->expires == std::optional<time_point>(t0 + 24h));
    // Another account, and a space of this one, have quotas of their own.
    CHECK(f.tokens->create(*f.console(carol), ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, true));
    CHECK(f.tokens->create(*account, ma::tokens::flows::managed_kind::space, std::string("lab"), true));

    if constexpr(Backend::persistent)
    {
        f.reopen();
        CHECK(error_of(f.tokens->create(*user, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, true))
              == ma::tokens::error::permanent_token_quota);
    }

    f.clock.advance(24h);
    CHECK(f.refusal(temporary->secret) == ma::validation::error::token_expired);
}

TEST_CASE("space and manager tokens come from the account's authority")
{
    memory_fixture f;
    auto const user = f.console(alice);
    auto const account = f.managed(*user, ma::tokens::flows::managed_kind::same_as_caller, false);

    auto const space = f.managed(*account, ma::tokens::flows::managed_kind::space, false, std::string("lab"));
    CHECK(space->cls == ma::validation::token_class::space);
    CHECK(space->bindings.account == "acme");
    CHECK(space->bindings.space == "lab");
    CHECK(space->expires_at == std::optional<time_point>(f.clock.now() + 24h));
    CHECK(f.managed(*user, ma::tokens::flows::managed_kind::space, true, std::string("default"))->bindings.space == "default");
    CHECK(error_of(f.tokens->create(*user, ma::tokens::flows::managed_kind::space, std::string("nope"), false))
          == ma::tokens::error::unknown_space);
    CHECK(error_of(f.tokens->create(*user, ma::tokens::flows::managed_kind::space, std::nullopt, false))
          == ma::tokens::error::invalid_request_body);

    // A space token makes tokens of its own space only.
    auto const sibling = f.managed(*space, ma::tokens::flows::managed_kind::same_as_caller, false);
    CHECK(sibling->cls == ma::validation::token_class::space);
    CHECK(sibling->bindings.space == "lab");
    CHECK(error_of(f.tokens->create(*space, ma::tokens::flows::managed_kind::space, std::string("default"), false))
          == ma::tokens::error::not_permitted);
    CHECK(error_of(f.tokens->create(*space, ma::tokens::flows::managed_kind::manager, std::nullopt, false))
          == ma::tokens::error::not_permitted);

    // Space tokens reach their space's models only.
    CHECK(f.policy->decide(*space, f.endpoint(2), ma::policy::ScopePolicy::models_infer).allowed());
    CHECK(f.policy->decide(*space, f.endpoint(1), ma::policy::ScopePolicy::models_infer).error()
          == ma::policy::error::binding_mismatch);

    auto const manager = f.managed(*user, ma::tokens::flows::managed_kind::manager, false);
    CHECK(manager->cls == ma::validation::token_class::manager);
    CHECK(manager->bindings.account == "acme");
    CHECK(f.managed(*account, ma::tokens::flows::managed_kind::manager, false)->cls == ma::validation::token_class::manager);
    CHECK(f.managed(*manager, ma::tokens::flows::managed_kind::same_as_caller, false)->cls == ma::validation::token_class::manager);
    CHECK(error_of(f.tokens->create(*manager, ma::tokens::flows::managed_kind::space, std::string("lab"), false))
          == ma::tokens::error::not_permitted);
    CHECK(f.policy->decide(*manager, f.endpoint(1), ma::policy::ScopePolicy::models_read).error()
          == ma::policy::error::class_forbidden);

    auto const who = f.tokens->whoami(*manager);
    REQUIRE(who);
    CHECK(who->first == "acme");
    CHECK(who->second == ma::validation::token_class::manager);
    CHECK(error_of(f.tokens->whoami(*account)) == ma::tokens::error::not_permitted);
    CHECK(error_of(f.tokens->whoami(*user)) == ma::tokens::error::not_permitted);
    CHECK(error_of(f.tokens->whoami(*space)) == ma::tokens::error::not_permitted);
}

TEST_CASE("tokens that are not management tokens manage no NeuroIO tokens")
{
    memory_fixture f;
    auto const user = f.console(alice);
    auto instance = f.resources->create(*user, i1, "ci", "", std::nullopt);
    auto key = f.keys->regenerate(*user);
    auto session = f.sessions->model_session(*user, 1);
    REQUIRE(instance);
    REQUIRE(key);
    REQUIRE(session);
    ma::validation::Principal foreign = *user;
    foreign.issuer = "https://login.example.com";
    ma::validation::Principal jwt_account = *user; // a JWT claiming to be an account token
    jwt_account.cls = ma::validation::token_class::account;
    std::vector<ma::validation::Principal> const callers = {*f.principal(instance->secret), *f.principal(key->secret),
                                                *f.principal(session->token), foreign, jwt_account};
    for(auto const& caller : callers)
    {
        INFO(ma::validation::token_class_name(caller.cls));
        CHECK(error_of(f.tokens->create(caller, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, false))
              == ma::tokens::error::not_permitted);
        CHECK(error_of(f.tokens->list(caller, std::nullopt, 10, 0)) == ma::tokens::error::not_permitted);
        CHECK(error_of(f.tokens->get(caller, "x")) == ma::tokens::error::not_permitted);
        CHECK(error_of(f.tokens->erase_many(caller, std::nullopt)) == ma::tokens::error::not_permitted);
        CHECK(error_of(f.tokens->whoami(caller)) == ma::tokens::error::not_permitted);
    }
}

TEST_CASE_TEMPLATE("a token outside the caller's management scope is not found", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto const user = f.console(alice);
    auto const other = f.console(carol);
    std::string secret;
    auto const account = f.managed(*user, ma::tokens::flows::managed_kind::same_as_caller, true, std::nullopt, &secret);
    auto const id = account->token_id;
    auto const space = f.managed(*account, ma::tokens::flows::managed_kind::space, false, std::string("lab"));

    auto by_id = f.tokens->get(*user, id);
    REQUIRE(by_id);
    CHECK((*by_id)->id == id);
    auto by_key = f.tokens->get(*user, secret);
    REQUIRE(by_key);
    CHECK((*by_key)->id == id);
    CHECK(f.tokens->get(*account, id)); // itself

    CHECK(error_of(f.tokens->get(*other, id)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.tokens->get(*other, secret)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.tokens->get(*space, id)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.tokens->get(*user, space->token_id)) == ma::tokens::error::token_not_found);
    CHECK(f.tokens->get(*space, space->token_id));
    // A space manages its own space's tokens, not another space's of the account.
    auto const other_space = f.managed(*account, ma::tokens::flows::managed_kind::space, false, std::string("default"));
    CHECK(error_of(f.tokens->get(*space, other_space->token_id)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.tokens->get(*other_space, space->token_id)) == ma::tokens::error::token_not_found);
    auto const space_page = f.tokens->list(*space, std::nullopt, 10, 0);
    REQUIRE(space_page);
    CHECK(ids_of(space_page->results) == std::vector<std::string>{space->token_id});
    CHECK(error_of(f.tokens->get(*user, "no-such-id")) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.tokens->get(*user, ma::validation::generate_api_key().value()))
          == ma::tokens::error::token_not_found);
    CHECK(error_of(f.tokens->get(*user, secret + "x")) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.tokens->set_active(*other, id, false)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.tokens->erase(*other, id)) == ma::tokens::error::token_not_found);
    CHECK(f.principal(secret)->token_id == id);

    // Deactivated: refused at once; activated again: accepted.
    auto off = f.tokens->set_active(*user, secret, false);
    REQUIRE(off);
    CHECK_FALSE((*off)->active);
    CHECK(f.refusal(secret) == ma::validation::error::token_inactive);
    if constexpr(Backend::persistent)
    {
        f.reopen();
        CHECK(f.refusal(secret) == ma::validation::error::token_inactive);
    }
    auto on = f.tokens->set_active(*user, id, true);
    REQUIRE(on);
    CHECK((*on)->active);
    CHECK(f.principal(secret)->token_id == id);

    CHECK(f.tokens->erase(*user, secret));
    CHECK(f.refusal(secret) == ma::validation::error::unknown_api_key);
    CHECK(error_of(f.tokens->get(*user, id)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.tokens->erase(*user, id)) == ma::tokens::error::token_not_found);
}

TEST_CASE("list_managed pages with count, next and previous")
{
    memory_fixture f;
    auto const user = f.console(alice);
    std::vector<std::string> ids;
    for(int i = 0; i < 12; ++i)
    {
        bool const permanent = i % 2 == 0 && i < 10; // 5 permanent, 7 temporary
        auto created = f.tokens->create(*user, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, permanent);
        REQUIRE(created);
        ids.push_back(created->token->id);
        f.clock.advance(1s);
    }
    // Another account's and a space's tokens are not listed.
    CHECK(f.tokens->create(*f.console(carol), ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, false));
    CHECK(f.tokens->create(*user, ma::tokens::flows::managed_kind::space, std::string("lab"), false));
    auto const slice = [&](std::size_t from, std::size_t to) {
        return std::vector<std::string>(ids.begin() + static_cast<std::ptrdiff_t>(from),
                                        ids.begin() + static_cast<std::ptrdiff_t>(to));
    };

    struct row
    {
        std::size_t limit, offset;
        std::size_t from, to;
        std::optional<std::size_t> next, previous;
    };
    row const rows[] = {
        {5, 0, 0, 5, 5, std::nullopt},
        {5, 5, 5, 10, 10, 0},
        {5, 10, 10, 12, std::nullopt, 5},
        {5, 3, 3, 8, 8, 0},
        {5, 12, 12, 12, std::nullopt, 7},
        {5, 40, 12, 12, std::nullopt, 35},
        {12, 0, 0, 12, std::nullopt, std::nullopt},
        {11, 0, 0, 11, 11, std::nullopt},
        {0, 0, 0, 12, std::nullopt, std::nullopt},     // 0: the largest page
        {1000, 2, 2, 12, std::nullopt, 0},             // clamped to 100
        {5, std::size_t(-1), 12, 12, std::nullopt, std::size_t(-1) - 5},
    };
    for(auto const& r : rows)
    {
        INFO("limit ", r.limit, " offset ", r.offset);
        auto page = f.tokens->list(*user, std::nullopt, r.limit, r.offset);
        REQUIRE(page);
        CHECK(page->count == 12);
        CHECK(ids_of(page->results) == slice(r.from, r.to));
        CHECK(page->next_offset == r.next);
        CHECK(page->previous_offset == r.previous);
    }

    auto permanent = f.tokens->list(*user, true, 10, 0);
    REQUIRE(permanent);
    CHECK(permanent->count == 5);
    CHECK(ids_of(permanent->results) == std::vector<std::string>{ids[0], ids[2], ids[4], ids[6], ids[8]});
    auto temporary = f.tokens->list(*user, false, 10, 0);
    REQUIRE(temporary);
    CHECK(temporary->count == 7);

    // A smaller largest page.
    ma::tokens::flows::flow_options small;
    small.max_page_size = 4;
    tokens_type narrow(
        std::make_shared<context_type>(make_directory(), f.router, f.issuer, f.store, f.policy, small, clock_ref(f.clock)));
    auto page = narrow.list(*user, std::nullopt, 10, 0);
    REQUIRE(page);
    CHECK(ids_of(page->results) == slice(0, 4));
    CHECK(page->next_offset == std::optional<std::size_t>(4));
    auto defaulted = narrow.list(*user, std::nullopt, 0, 4);
    REQUIRE(defaulted);
    CHECK(ids_of(defaulted->results) == slice(4, 8));

    // Expired temporary tokens are no longer listed.
    f.clock.advance(24h - 11s);
    auto later = f.tokens->list(*user, std::nullopt, 100, 0);
    REQUIRE(later);
    CHECK(later->count == 11);
    f.clock.advance(11s);
    later = f.tokens->list(*user, std::nullopt, 100, 0);
    REQUIRE(later);
    CHECK(later->count == 5);
}

TEST_CASE_TEMPLATE("delete-many follows the permanent filter and spares the caller", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto const user = f.console(alice);
    std::string caller_secret;
    auto const caller = f.managed(*user, ma::tokens::flows::managed_kind::same_as_caller, true, std::nullopt, &caller_secret);
    std::vector<std::string> permanent, temporary;
    for(int i = 0; i < 2; ++i)
    {
        auto created = f.tokens->create(*caller, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, true);
        REQUIRE(created);
        permanent.push_back(created->secret);
    }
    for(int i = 0; i < 3; ++i)
    {
        auto created = f.tokens->create(*caller, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, false);
        REQUIRE(created);
        temporary.push_back(created->secret);
    }
    std::string space_secret;
    (void)f.managed(*caller, ma::tokens::flows::managed_kind::space, true, std::string("lab"), &space_secret);
    std::string globex_secret;
    (void)f.managed(*f.console(carol), ma::tokens::flows::managed_kind::same_as_caller, true, std::nullopt, &globex_secret);
    for(auto const& s : temporary)
        (void)f.principal(s); // cached

    auto deleted = f.tokens->erase_many(*caller, false);
    REQUIRE(deleted);
    CHECK(*deleted == 3);
    for(auto const& s : temporary)
        CHECK(f.refusal(s) == ma::validation::error::unknown_api_key);
    CHECK(f.tokens->list(*caller, std::nullopt, 10, 0)->count == 3);

    deleted = f.tokens->erase_many(*caller, std::nullopt);
    REQUIRE(deleted);
    CHECK(*deleted == 2);
    for(auto const& s : permanent)
        CHECK(f.refusal(s) == ma::validation::error::unknown_api_key);
    // The caller itself, the space's and the other account's tokens remain.
    CHECK(f.principal(caller_secret)->token_id == caller->token_id);
    CHECK(f.principal(space_secret)->cls == ma::validation::token_class::space);
    CHECK(f.principal(globex_secret)->bindings.account == "globex");
    auto const left = f.tokens->list(*caller, std::nullopt, 10, 0);
    REQUIRE(left);
    CHECK(ids_of(left->results) == std::vector<std::string>{caller->token_id});

    if constexpr(Backend::persistent)
        f.reopen();

    // A console user's token is a JWT: nothing of the store is spared.
    deleted = f.tokens->erase_many(*user, true);
    REQUIRE(deleted);
    CHECK(*deleted == 1);
    CHECK(f.refusal(caller_secret) == ma::validation::error::unknown_api_key);
    deleted = f.tokens->erase_many(*user, std::nullopt);
    REQUIRE(deleted);
    CHECK(*deleted == 0);
}

TEST_CASE_TEMPLATE("F3: temporary NeuroIO tokens and instance tokens have quotas answered with 409", Backend, BACKENDS)
{
    ma::tokens::flows::flow_options options;
    options.max_temporary_tokens = 2;
    options.max_instance_tokens = 2;
    fixture<Backend> f(options);
    auto const user = f.console(alice);
    auto const account = f.managed(*user, ma::tokens::flows::managed_kind::same_as_caller, true);
    CHECK(f.tokens->create(*user, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, false));
    CHECK(f.tokens->create(*account, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, false));
    auto const third = f.tokens->create(*account, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, false);
    CHECK(error_of(third) == ma::tokens::error::token_quota);
    CHECK(ma::http_status(third.error()) == 409);
    // Per class, account and space: a space has a quota of its own.
    CHECK(f.tokens->create(*account, ma::tokens::flows::managed_kind::space, std::string("lab"), false));

    CHECK(f.resources->create(*user, i1, "a", "", std::nullopt));
    CHECK(f.resources->create(*user, i1, "b", "", 1h));
    CHECK(error_of(f.resources->create(*user, i1, "c", "", std::nullopt))
          == ma::tokens::error::token_quota);

    if constexpr(Backend::persistent)
        f.reopen();
    // Expired tokens do not count.
    f.clock.advance(24h);
    auto const later = f.console(alice);
    auto const later_account = f.managed(*later, ma::tokens::flows::managed_kind::same_as_caller, true);
    CHECK(f.tokens->create(*later_account, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, false));
    CHECK(f.resources->create(*later, i1, "c", "", std::nullopt));
    CHECK(error_of(f.resources->create(*later, i1, "d", "", std::nullopt))
          == ma::tokens::error::token_quota);
}

TEST_CASE("F12: a temporary managed token cannot create permanent tokens, only temporary ones")
{
    memory_fixture f;
    auto const user = f.console(alice);
    auto const temporary = f.managed(*user, ma::tokens::flows::managed_kind::same_as_caller, false);
    REQUIRE(temporary->expires_at);
    CHECK(error_of(f.tokens->create(*temporary, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, true))
          == ma::tokens::error::not_permitted);
    CHECK(error_of(f.tokens->create(*temporary, ma::tokens::flows::managed_kind::space, std::string("lab"), true))
          == ma::tokens::error::not_permitted);
    CHECK(f.tokens->create(*temporary, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, false));
    // A permanent token still makes permanent ones.
    auto const permanent = f.managed(*user, ma::tokens::flows::managed_kind::same_as_caller, true);
    CHECK(f.tokens->create(*permanent, ma::tokens::flows::managed_kind::same_as_caller, std::nullopt, true));
}
