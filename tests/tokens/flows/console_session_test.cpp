//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// console_session: login and its limits (F2, F7), refresh rotation and
// family revocation (F3, F6), model session tokens.

#include "tokens/flows/flow_fixture.hpp"

using namespace flows_test;

//----------------------------------------------------------------------------
// Practicus: login and refresh

TEST_CASE_TEMPLATE("login issues an access token the validator accepts and an opaque refresh token", Backend,
                   BACKENDS)
{
    fixture<Backend> f;
    auto const t0 = f.clock.now();
    auto pair = f.sessions->login(alice, password);
    REQUIRE(pair);
    CHECK(pair->access_expires == t0 + 30min);
    CHECK(pair->refresh_expires == t0 + 24h * 90);

    auto const p = f.principal(pair->access);
    CHECK(p->subject == alice);
    CHECK(p->issuer == issuer_url);
    CHECK(p->cls == ma::validation::token_class::user);
    CHECK(p->kind == ma::validation::credential_kind::jwt);
    CHECK(p->scopes == all_scopes);
    CHECK(p->bindings.account == "acme");
    CHECK(p->expires_at == t0 + 30min);

    // The refresh token: `mrt_...` in the API key format, stored as its digest.
    CHECK(ma::validation::check_api_key(pair->refresh, "mrt"));
    CHECK_FALSE(ma::validation::has_api_key_prefix(pair->refresh, "mak"));
    auto const record = f.store->find_refresh(ma::validation::hash_secret(pair->refresh));
    REQUIRE(record);
    CHECK(record->owner == alice);
    CHECK_FALSE(record->rotated);
    CHECK(record->expires == t0 + 24h * 90);
    // It is a credential for /auth/refresh/ only.
    CHECK(f.refusal(pair->refresh) == ma::condition::unauthenticated);
}

TEST_CASE("a wrong password and an unknown email get one answer")
{
    memory_fixture f;
    auto const wrong = f.sessions->login(alice, "not the password");
    auto const unknown = f.sessions->login("mallory@example.com", password);
    auto const empty = f.sessions->login(alice, "");
    CHECK(error_of(wrong) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(unknown) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(empty) == ma::tokens::error::invalid_credentials);
    CHECK(ma::http_status(unknown.error()) == 401);
    // Emails are compared exactly.
    CHECK(error_of(f.sessions->login("ALICE@example.com", password)) == ma::tokens::error::invalid_credentials);
}

TEST_CASE("failed logins are limited per email: 429 until the window ends, and a success resets")
{
    memory_fixture f;
    for(int i = 0; i < 5; ++i)
        CHECK(error_of(f.sessions->login(alice, "guess")) == ma::tokens::error::invalid_credentials);
    // Locked: even the right password is not tried.
    auto const locked = f.sessions->login(alice, password);
    CHECK(error_of(locked) == ma::tokens::error::too_many_attempts);
    CHECK(ma::http_status(locked.error()) == 429);
    CHECK(f.sessions->login_retry_after(alice) == 15min);
    // Another email is not locked.
    CHECK(f.sessions->login(bob, password));

    f.clock.advance(15min - 1s);
    CHECK(error_of(f.sessions->login(alice, password)) == ma::tokens::error::too_many_attempts);
    f.clock.advance(1s);
    CHECK(f.sessions->login(alice, password));

    // A success forgets the failures before it.
    for(int i = 0; i < 4; ++i)
        CHECK(error_of(f.sessions->login(bob, "guess")) == ma::tokens::error::invalid_credentials);
    CHECK(f.sessions->login(bob, password));
    for(int i = 0; i < 4; ++i)
        CHECK(error_of(f.sessions->login(bob, "guess")) == ma::tokens::error::invalid_credentials);
    CHECK(f.sessions->login(bob, password));
}

TEST_CASE("an unknown email is limited like a known one")
{
    ma::tokens::flows::flow_options o;
    o.login.max_failures = 2;
    memory_fixture f(o);
    CHECK(error_of(f.sessions->login("mallory@example.com", "x")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.sessions->login("mallory@example.com", "x")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.sessions->login("mallory@example.com", "x")) == ma::tokens::error::too_many_attempts);
}

TEST_CASE_TEMPLATE("refresh rotates the refresh token and issues a new access token", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto first = f.sessions->login(alice, password);
    REQUIRE(first);
    f.clock.advance(10min);
    auto const t1 = f.clock.now();
    auto second = f.sessions->refresh(first->refresh);
    REQUIRE(second);
    CHECK(second->refresh != first->refresh);
    CHECK(second->access != first->access);
    CHECK(second->access_expires == t1 + 30min);
    CHECK(second->refresh_expires == t1 + 24h * 90);
    auto const p = f.principal(second->access);
    CHECK(p->subject == alice);
    CHECK(p->cls == ma::validation::token_class::user);
    CHECK(p->scopes == all_scopes);

    auto const old_record = f.store->find_refresh(ma::validation::hash_secret(first->refresh));
    auto const new_record = f.store->find_refresh(ma::validation::hash_secret(second->refresh));
    REQUIRE(old_record);
    REQUIRE(new_record);
    CHECK(old_record->rotated);
    CHECK_FALSE(new_record->rotated);
    CHECK(new_record->family == old_record->family);

    // The previous access token stays valid until its own expiry.
    CHECK(f.principal(first->access)->subject == alice);
    CHECK(f.sessions->refresh(second->refresh));
}

TEST_CASE_TEMPLATE("presenting a rotated refresh token revokes its whole family", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto first = f.sessions->login(alice, password);
    auto other = f.sessions->login(alice, password); // another family
    REQUIRE(first);
    REQUIRE(other);
    auto second = f.sessions->refresh(first->refresh);
    REQUIRE(second);
    // Both access tokens are valid, and cached by the validator.
    (void)f.principal(first->access);
    (void)f.principal(second->access);

    auto const reused = f.sessions->refresh(first->refresh);
    CHECK(error_of(reused) == ma::tokens::error::refresh_token_reused);
    CHECK(ma::http_status(reused.error()) == 401);
    CHECK(f.refusal(first->access) == ma::validation::error::token_revoked);
    CHECK(f.refusal(second->access) == ma::validation::error::token_revoked);
    // The family's current refresh token is gone too.
    CHECK(error_of(f.sessions->refresh(second->refresh)) == ma::tokens::error::invalid_refresh_token);
    CHECK(error_of(f.sessions->refresh(first->refresh)) == ma::tokens::error::invalid_refresh_token);

    // Another family of the same user is untouched.
    CHECK(f.principal(other->access)->subject == alice);
    CHECK(f.sessions->refresh(other->refresh));

    if constexpr(Backend::persistent)
    {
        f.reopen();
        CHECK(f.refusal(first->access) == ma::validation::error::token_revoked);
        CHECK(f.refusal(second->access) == ma::validation::error::token_revoked);
        CHECK(error_of(f.sessions->refresh(second->refresh)) == ma::tokens::error::invalid_refresh_token);
    }
}

TEST_CASE("refresh refuses malformed, unknown and foreign tokens as invalid_refresh_token")
{
    memory_fixture f;
    auto pair = f.sessions->login(alice, password);
    REQUIRE(pair);
    auto key = f.keys->regenerate(*f.principal(pair->access));
    REQUIRE(key);
    std::string typo = pair->refresh;
    typo[10] = typo[10] == 'a' ? 'b' : 'a';
    std::string const cases[] = {
        "",
        "not a token",
        pair->access,                            // a JWT
        key->secret,                             // an API key: another prefix
        ma::validation::generate_api_key("mrt").value(),     // well-formed, unknown
        typo,                                    // checksum mismatch
        pair->refresh + "x",                     // too long
    };
    for(auto const& token : cases)
    {
        INFO(token.size());
        CHECK(error_of(f.sessions->refresh(token)) == ma::tokens::error::invalid_refresh_token);
    }
    // None of them disturbed the real one.
    CHECK(f.sessions->refresh(pair->refresh));
}

TEST_CASE_TEMPLATE("an expired refresh token is refused", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto a = f.sessions->login(alice, password);
    auto b = f.sessions->login(alice, password);
    REQUIRE(a);
    REQUIRE(b);
    f.clock.advance(24h * 90 - 1s);
    CHECK(f.sessions->refresh(a->refresh));
    f.clock.advance(1s);
    CHECK(error_of(f.sessions->refresh(b->refresh)) == ma::tokens::error::invalid_refresh_token);
}

TEST_CASE("a removed user's refresh tokens stop working, and their family is revoked")
{
    memory_fixture f;
    auto pair = f.sessions->login(alice, password);
    REQUIRE(pair);
    (void)f.principal(pair->access);
    auto without = make_directory();
    without.users.erase(without.users.begin());
    f.context->set_directory(without);
    CHECK(error_of(f.sessions->refresh(pair->refresh)) == ma::tokens::error::invalid_refresh_token);
    CHECK(f.refusal(pair->access) == ma::validation::error::token_revoked);
    // Back in the directory, the old family stays revoked.
    f.context->set_directory(make_directory());
    CHECK(error_of(f.sessions->refresh(pair->refresh)) == ma::tokens::error::invalid_refresh_token);
}

TEST_CASE("concurrent refreshes of one token: at most one wins, the rest are reuses, and the family dies")
{
    memory_fixture f;
    auto pair = f.sessions->login(alice, password);
    REQUIRE(pair);
    constexpr int threads = 8;
    std::vector<ma::result<ma::tokens::flows::token_pair>> results(threads, ma::tokens::error::invalid_refresh_token);
    {
        std::atomic<bool> go{false};
        std::vector<std::thread> pool;
        for(int i = 0; i < threads; ++i)
            pool.emplace_back([&, i] {
                while(! go.load())
                    std::this_thread::yield();
                results[static_cast<std::size_t>(i)] = f.sessions->refresh(pair->refresh);
            });
        go = true;
        for(auto& t : pool)
            t.join();
    }
    // Each loser saw the token rotated (a reuse, which revokes the family),
    // or came after a revocation and found it gone.
    int wins = 0, reuses = 0, gone = 0;
    for(auto const& r : results)
    {
        if(r)
        {
            ++wins;
            // The winner's access token went with the family.
            CHECK(f.refusal(r->access) == ma::validation::error::token_revoked);
            CHECK(error_of(f.sessions->refresh(r->refresh)) == ma::tokens::error::invalid_refresh_token);
        }
        else if(r.error() == ma::tokens::error::refresh_token_reused)
            ++reuses;
        else if(r.error() == ma::tokens::error::invalid_refresh_token)
            ++gone;
    }
    CHECK(wins <= 1);
    CHECK(reuses >= 1);
    CHECK(wins + reuses + gone == threads);
    CHECK(f.refusal(pair->access) == ma::validation::error::token_revoked);
}

//----------------------------------------------------------------------------
// Practicus: model session tokens

TEST_CASE_TEMPLATE("a model session token is bound to its model and carries the caller's scopes", Backend,
                   BACKENDS)
{
    fixture<Backend> f;
    auto const user = f.console(alice);
    auto const t0 = f.clock.now();
    auto session = f.sessions->model_session(*user, 1);
    REQUIRE(session);
    CHECK(session->expires_at == t0 + 4h);
    auto const p = f.principal(session->token);
    CHECK(p->cls == ma::validation::token_class::model_session);
    CHECK(p->subject == alice);
    CHECK(p->bindings.model_id == std::optional<std::int64_t>(1));
    CHECK(p->bindings.account == "acme");
    CHECK(p->scopes == all_scopes);
    CHECK(p->expires_at == t0 + 4h);

    // Valid on its model, on no other whatever its scopes.
    CHECK(f.policy->decide(*p, f.endpoint(1), ma::policy::ScopePolicy::models_infer).allowed());
    CHECK(f.policy->decide(*p, f.endpoint(2), ma::policy::ScopePolicy::models_infer).error()
          == ma::policy::error::binding_mismatch);
    // Still a session token: it makes no other session.
    CHECK(error_of(f.sessions->model_session(*p, 1)) == ma::tokens::error::not_permitted);
}

TEST_CASE("a model session needs a console user whose scopes allow reading or inferring the model")
{
    memory_fixture f;
    auto const user = f.console(alice);
    CHECK(error_of(f.sessions->model_session(*user, 99)) == ma::tokens::error::unknown_model);

    // Bob reads models/other only: acme has no such model, and globex's
    // model 3 does not exist for him (F4, tenancy).
    auto const reader = f.console(bob);
    CHECK(error_of(f.sessions->model_session(*reader, 1)) == ma::tokens::error::not_permitted);
    CHECK(error_of(f.sessions->model_session(*reader, 3)) == ma::tokens::error::unknown_model);

    // F4: carol (globex) gets sessions for globex's model, never acme's.
    auto const globex = f.console(carol);
    auto session = f.sessions->model_session(*globex, 3);
    REQUIRE(session);
    CHECK(f.principal(session->token)->bindings.account == "globex");
    CHECK(error_of(f.sessions->model_session(*globex, 1)) == ma::tokens::error::unknown_model);

    // Dave may infer version 1 of model 1, which is not its default version.
    auto const narrow = f.console(dave);
    CHECK(f.sessions->model_session(*narrow, 1));
    CHECK(error_of(f.sessions->model_session(*narrow, 2)) == ma::tokens::error::not_permitted);

    // A user token of another issuer is not a console access token.
    ma::validation::Principal foreign = *user;
    foreign.issuer = "https://login.example.com";
    CHECK(error_of(f.sessions->model_session(foreign, 1)) == ma::tokens::error::not_permitted);

    // Nor is an API key.
    auto key = f.keys->regenerate(*user);
    REQUIRE(key);
    CHECK(error_of(f.sessions->model_session(*f.principal(key->secret), 1)) == ma::tokens::error::not_permitted);

    // A user removed from the directory makes no more sessions.
    auto without = make_directory();
    without.users.erase(without.users.begin());
    f.context->set_directory(without);
    CHECK(error_of(f.sessions->model_session(*user, 1)) == ma::tokens::error::not_permitted);
}

TEST_CASE("F2: failures from one address never lock the user out of another")
{
    memory_fixture f;
    for(int i = 0; i < 5; ++i)
        CHECK(error_of(f.sessions->login(alice, "guess", "198.51.100.66")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.sessions->login(alice, password, "198.51.100.66")) == ma::tokens::error::too_many_attempts);
    CHECK(f.sessions->login_retry_after(alice, "198.51.100.66") == 15min);
    // The real user, elsewhere, logs in with the right password.
    CHECK(f.sessions->login(alice, password, "203.0.113.10"));
    CHECK(f.sessions->login_retry_after(alice, "203.0.113.10") == 0s);
}

TEST_CASE("F2: one address guessing across many emails is limited per address")
{
    ma::tokens::flows::flow_options o;
    o.login_per_address.max_failures = 3;
    memory_fixture f(o);
    CHECK(error_of(f.sessions->login("u1@example.com", "x", "198.51.100.9")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.sessions->login("u2@example.com", "x", "198.51.100.9")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.sessions->login("u3@example.com", "x", "198.51.100.9")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.sessions->login(alice, password, "198.51.100.9")) == ma::tokens::error::too_many_attempts);
    CHECK(f.sessions->login_retry_after(alice, "198.51.100.9") == 15min);
    CHECK(f.sessions->login(alice, password, "198.51.100.10"));
}

TEST_CASE("F2: a success gives the address back its attempt but not the failures before it")
{
    ma::tokens::flows::flow_options o;
    o.login_per_address.max_failures = 3;
    memory_fixture f(o);
    CHECK(error_of(f.sessions->login("u1@example.com", "x", "198.51.100.9")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.sessions->login("u2@example.com", "x", "198.51.100.9")) == ma::tokens::error::invalid_credentials);
    // Logging in with one's own account does not clear the address's count...
    CHECK(f.sessions->login(alice, password, "198.51.100.9"));
    CHECK(f.sessions->login(alice, password, "198.51.100.9"));
    // ...so the third failure still locks the address.
    CHECK(error_of(f.sessions->login("u3@example.com", "x", "198.51.100.9")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.sessions->login(alice, password, "198.51.100.9")) == ma::tokens::error::too_many_attempts);
}

TEST_CASE("F2: parallel wrong logins get no more attempts than the limit")
{
    ma::tokens::flows::flow_options o;
    o.login.max_failures = 3;
    memory_fixture f(o);
    std::atomic<int> verified{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for(int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            auto const r = f.sessions->login(alice, "guess", "198.51.100.77");
            if(error_of(r) == ma::tokens::error::invalid_credentials)
                ++verified;
            else if(error_of(r) == ma::tokens::error::too_many_attempts)
                ++refused;
        });
    for(auto& t : threads)
        t.join();
    CHECK(verified == 3); // before the fix: up to 8, as many as ran at once
    CHECK(refused == 5);
}

TEST_CASE("F7: an unknown email is verified against a dummy of the directory's usual cost")
{
    // The fixture's users have min_password_iterations hashes.
    memory_fixture f;
    auto const dir = f.context->directory();
    REQUIRE(! dir->users.empty());
    CHECK(f.context->dummy_hash().iterations() == ma::tokens::min_password_iterations);
    // The most common count wins; the larger on a tie; the default when empty.
    ma::tokens::user_directory mixed;
    for(unsigned iterations : {720000u, 1000000u, 1000000u, 100000u})
    {
        mixed.users.push_back(ma::tokens::user_record{"u" + std::to_string(mixed.users.size()) + "@example.com",
                                              ma::tokens::password_hash::dummy(iterations), "demo", {}, {}});
    }
    CHECK(ma::tokens::flows::detail::dummy_hash_for(mixed)->iterations() == 1000000u);
    CHECK(ma::tokens::flows::detail::dummy_hash_for(ma::tokens::user_directory{})->iterations() == ma::tokens::default_password_iterations);
    // set_directory follows the new directory.
    f.context->set_directory(mixed);
    CHECK(f.context->dummy_hash().iterations() == 1000000u);
}

//----------------------------------------------------------------------------

// F3 bounded growth, F6 family revocation

TEST_CASE_TEMPLATE("F3: a login beyond max_refresh_families ends the user's least recently used session", Backend,
                   BACKENDS)
{
    ma::tokens::flows::flow_options options;
    options.max_refresh_families = 2;
    fixture<Backend> f(options);
    auto first = f.sessions->login(alice, password);
    REQUIRE(first);
    f.clock.advance(1min);
    auto second = f.sessions->login(alice, password);
    REQUIRE(second);
    f.clock.advance(1min);
    auto used = f.sessions->refresh(first->refresh); // the first session is used again
    REQUIRE(used);
    auto other_user = f.sessions->login(carol, password);
    REQUIRE(other_user);
    f.clock.advance(1min);
    auto third = f.sessions->login(alice, password);
    REQUIRE(third);

    // The second session, the least recently used, is gone with its access token.
    CHECK(error_of(f.sessions->refresh(second->refresh)) == ma::tokens::error::invalid_refresh_token);
    CHECK(f.refusal(second->access) == ma::validation::error::token_revoked);
    CHECK(f.principal(used->access)->subject == alice);
    CHECK(f.principal(third->access)->subject == alice);
    CHECK(f.sessions->refresh(used->refresh));
    CHECK(f.sessions->refresh(other_user->refresh)); // another user's are untouched
    if constexpr(Backend::persistent)
    {
        f.reopen();
        CHECK(f.refusal(second->access) == ma::validation::error::token_revoked);
    }
}

TEST_CASE_TEMPLATE("F6: a revoked family takes its model session tokens and every access token with it", Backend,
                   BACKENDS)
{
    fixture<Backend> f;
    auto first = f.sessions->login(alice, password);
    REQUIRE(first);
    // The thief refreshes many times (more than the 64 ids the family once kept)...
    std::vector<std::string> access{first->access};
    auto current = first->refresh;
    for(int i = 0; i < 70; ++i)
    {
        auto next = f.sessions->refresh(current);
        REQUIRE(next);
        access.push_back(next->access);
        current = next->refresh;
    }
    // ...and makes model sessions with the family's first and last access tokens.
    auto early = f.sessions->model_session(*f.principal(access.front()), 1);
    auto late = f.sessions->model_session(*f.principal(access.back()), 1);
    REQUIRE(early);
    REQUIRE(late);
    CHECK(f.principal(early->token)->cls == ma::validation::token_class::model_session);
    // A session from a token of another login stays out of this family.
    auto other = f.sessions->login(alice, password);
    REQUIRE(other);
    auto unrelated = f.sessions->model_session(*f.principal(other->access), 1);
    REQUIRE(unrelated);

    // The victim presents the first refresh token: the family dies with everything issued from it.
    CHECK(error_of(f.sessions->refresh(first->refresh)) == ma::tokens::error::refresh_token_reused);
    for(std::size_t i = 0; i < access.size(); ++i)
    {
        INFO(i);
        CHECK(f.refusal(access[i]) == ma::validation::error::token_revoked);
    }
    CHECK(f.refusal(early->token) == ma::validation::error::token_revoked);
    CHECK(f.refusal(late->token) == ma::validation::error::token_revoked);
    CHECK(f.principal(unrelated->token)->subject == alice);
    CHECK(f.principal(other->access)->subject == alice);
    if constexpr(Backend::persistent)
    {
        f.reopen();
        CHECK(f.refusal(late->token) == ma::validation::error::token_revoked);
        CHECK(f.refusal(access[1]) == ma::validation::error::token_revoked);
    }
}

TEST_CASE("F6: a family refuses more live tokens than max_family_tokens instead of forgetting one")
{
    ma::tokens::flows::flow_options options;
    options.max_family_tokens = 3;
    memory_fixture f(options);
    auto pair = f.sessions->login(alice, password); // 1: the access token
    REQUIRE(pair);
    auto const user = f.principal(pair->access);
    CHECK(f.sessions->model_session(*user, 1)); // 2
    CHECK(f.sessions->model_session(*user, 1)); // 3
    auto const full = f.sessions->model_session(*user, 1);
    CHECK(error_of(full) == ma::tokens::error::token_quota);
    CHECK(ma::http_status(full.error()) == 409);
    // A refresh is refused before it rotates: the refresh token still works later.
    CHECK(error_of(f.sessions->refresh(pair->refresh)) == ma::tokens::error::token_quota);
    f.clock.advance(4h + 10min); // every token of the family has expired
    auto next = f.sessions->refresh(pair->refresh);
    REQUIRE(next);
    CHECK(f.sessions->model_session(*f.principal(next->access), 1));
}
