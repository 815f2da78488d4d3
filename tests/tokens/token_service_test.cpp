//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The token service's flows and rules (docs/lifecycle.md), proven with a
// real TokenValidator over the same store: what the service issues
// validates, and what it revokes, deletes or deactivates is refused at once.
// Most cases run on both stores, the in-memory one and the journal.

#include <modelauth/tokens/token_service.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/tokens/error.hpp>
#include <modelauth/validation/error.hpp>

#include <modelauth/validation/token_validator.hpp>
#include <modelauth/tokens/in_memory_token_store.hpp>
#include <modelauth/tokens/journal_token_store.hpp>

#include "support/doctest_result.hpp"

#include "support/temporary_directory.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace ma = modelauth;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using clock_ref = ma::manual_clock_ref;
using service_type = ma::tokens::token_service<clock_ref>;
using issuer_type = ma::tokens::token_issuer<clock_ref>;
using validator_type = ma::validation::basic_token_validator<clock_ref>;
using time_point = std::chrono::system_clock::time_point;

std::string const issuer_url = "http://127.0.0.1:8080";

std::string const alice = "alice@example.com"; // acme; manages instance i1
std::string const bob = "bob@example.com";     // acme; reads models/other only
std::string const carol = "carol@example.com"; // globex; manages instance i2
std::string const dave = "dave@example.com";   // acme; infers diamond-price version 1 only
std::string const password = "correct horse battery staple";

std::string const i1 = "p1/eu01/i1";
std::string const i2 = "p1/eu01/i2";

std::vector<std::string> const all_scopes = {"models:read", "models:infer", "tokens:manage"};

// One hash for every user, at the fewest iterations allowed: PBKDF2 is the
// slow part of a login.
ma::tokens::password_hash const& password_hash()
{
    static ma::tokens::password_hash const hash
        = ma::tokens::password_hash::parse(ma::tokens::hash_password(password, ma::tokens::min_password_iterations).value()).value();
    return hash;
}

ma::tokens::user_directory make_directory()
{
    ma::tokens::user_directory d;
    d.accounts = {{"acme", {"default", "lab"}}, {"globex", {"default"}}};
    d.instances = {i1, i2};
    d.users.push_back(ma::tokens::user_record{alice, password_hash(), "acme", all_scopes, {i1}});
    d.users.push_back(ma::tokens::user_record{bob, password_hash(), "acme", {"models:read:models/other"}, {}});
    d.users.push_back(ma::tokens::user_record{carol, password_hash(), "globex", all_scopes, {i2}});
    d.users.push_back(
        ma::tokens::user_record{dave, password_hash(), "acme", {"models:infer:models/practicus/diamond-price/1"}, {}});
    return d;
}

ma::router::model_description model(std::int64_t id, std::string prefix, std::string name, std::vector<std::string> versions,
                            std::string account, std::string space, std::string instance)
{
    ma::router::model_description m;
    m.model_id = id;
    m.prefix = std::move(prefix);
    m.name = std::move(name);
    m.versions = std::move(versions);
    m.account = std::move(account);
    m.space = std::move(space);
    m.instance = std::move(instance);
    return m;
}

// Model 1 is acme/default on i1, model 2 acme/lab on i2, model 3 globex's.
std::shared_ptr<ma::router::ModelUrlRouter const> make_router()
{
    return std::make_shared<ma::router::ModelUrlRouter const>(ma::router::model_registry({
        model(1, "models/practicus", "diamond-price", {"1", "2"}, "acme", "default", i1),
        model(2, "models/practicus", "churn", {"1"}, "acme", "lab", i2),
        model(3, "models/other", "secret", {"1"}, "globex", "default", ""),
    }));
}

// Each test's state directory, removed at the end.
struct temporary_directory : modelauth_test::temporary_directory
{
    temporary_directory() : modelauth_test::temporary_directory("service") {}
};

struct in_memory_backend
{
    static constexpr bool persistent = false;
    std::shared_ptr<ma::tokens::ManagedTokenStore> open() { return std::make_shared<ma::tokens::InMemoryTokenStore>(); }
};

struct journal_backend
{
    static constexpr bool persistent = true;
    temporary_directory dir;
    std::shared_ptr<ma::tokens::ManagedTokenStore> open()
    {
        std::string why;
        auto store = ma::tokens::JournalTokenStore::open(dir.path, {}, &why);
        INFO(why);
        REQUIRE(store);
        return *store;
    }
};

template<class Result>
std::error_code error_of(Result const& r)
{
    REQUIRE(r.has_error());
    return r.error();
}

// A service, the validator that checks what it issues, and their parts.
template<class Backend>
struct fixture
{
    ma::manual_clock clock;
    Backend backend;
    ma::tokens::token_service_options options;
    std::shared_ptr<issuer_type const> issuer;
    std::shared_ptr<ma::router::ModelUrlRouter const> router = make_router();
    std::shared_ptr<ma::policy::ScopePolicy const> policy = std::make_shared<ma::policy::ScopePolicy const>();
    std::shared_ptr<ma::tokens::ManagedTokenStore> store;
    std::shared_ptr<service_type> service;
    std::shared_ptr<validator_type> validator;

    explicit fixture(ma::tokens::token_service_options o = {}) : options(std::move(o))
    {
        ma::tokens::issuer_options io;
        io.issuer = issuer_url;
        issuer = std::make_shared<issuer_type const>(
            issuer_type::generate(io, ma::tokens::default_retain_old_keys, clock_ref(clock)).value());
        start();
    }

    void start()
    {
        store = backend.open();
        service = std::make_shared<service_type>(make_directory(), router, issuer, store, policy, options,
                                                 clock_ref(clock));
        validator = std::make_shared<validator_type>(std::vector<ma::validation::trusted_issuer>{issuer->trusted()},
                                                     ma::validation::token_validator_options{}, store, clock_ref(clock));
    }

    // Closes everything over the store and opens it again (a restart).
    void reopen()
    {
        validator.reset();
        service.reset();
        store.reset();
        start();
    }

    // The principal `credential` validates to; fails the test if it does not.
    ma::validation::principal_ptr principal(std::string_view credential) const
    {
        auto p = validator->validate(credential);
        REQUIRE(p);
        return *p;
    }

    // Why the validator refuses `credential`; fails the test if it accepts it.
    std::error_code refusal(std::string_view credential) const
    {
        auto p = validator->validate(credential);
        REQUIRE_FALSE(p);
        return p.error();
    }

    // The principal of a console access token of `email`.
    ma::validation::principal_ptr console(std::string const& email)
    {
        auto pair = service->login(email, password);
        REQUIRE(pair);
        return principal(pair->access);
    }

    // The principal of a new managed token (its secret in `secret`).
    ma::validation::principal_ptr managed(ma::validation::Principal const& caller, ma::tokens::managed_kind kind, bool permanent,
                              std::optional<std::string> space = std::nullopt, std::string* secret = nullptr)
    {
        auto created = service->create_managed(caller, kind, std::move(space), permanent);
        REQUIRE(created);
        if(secret)
            *secret = created->secret;
        return principal(created->secret);
    }

    ma::router::ModelEndpoint endpoint(std::int64_t model_id) const { return router->find(model_id).value(); }
};

using memory_fixture = fixture<in_memory_backend>;

std::vector<std::string> ids_of(std::vector<std::shared_ptr<ma::validation::stored_token const>> const& tokens)
{
    std::vector<std::string> ids;
    for(auto const& t : tokens)
        ids.push_back(t->id);
    return ids;
}

} // namespace

#define BACKENDS in_memory_backend, journal_backend

//----------------------------------------------------------------------------
// Construction and directory

TEST_CASE("the service refuses bad configuration, naming the field")
{
    memory_fixture f;
    auto const field_of = [&](ma::tokens::token_service_options options, bool null_issuer = false,
                              bool null_store = false) -> std::string {
        try
        {
            service_type s(make_directory(), f.router, null_issuer ? nullptr : f.issuer,
                           null_store ? nullptr : f.store, f.policy, options, clock_ref(f.clock));
        }
        catch(ma::configuration_error const& e)
        {
            return e.field();
        }
        return "(nothing thrown)";
    };
    CHECK(field_of({}) == "(nothing thrown)");
    CHECK(field_of({}, true) == "token_service.issuer");
    CHECK(field_of({}, false, true) == "token_service.store");
    {
        ma::tokens::token_service_options o;
        o.api_key_prefix = "MAK";
        CHECK(field_of(o) == "token_service_options.api_key_prefix");
    }
    {
        ma::tokens::token_service_options o;
        o.refresh_token_prefix = "mak";
        CHECK(field_of(o) == "token_service_options.refresh_token_prefix");
    }
    {
        ma::tokens::token_service_options o;
        o.max_permanent_tokens = 0;
        CHECK(field_of(o) == "token_service_options.max_permanent_tokens");
    }
    {
        ma::tokens::token_service_options o;
        o.max_page_size = 0;
        CHECK(field_of(o) == "token_service_options.max_page_size");
    }
    {
        // A JWT may not outlive the publication of its key after a rotation.
        ma::tokens::token_service_options o;
        o.lifetimes.model_session = ma::tokens::default_retain_old_keys + 1s;
        CHECK(field_of(o) == "token_service_options.lifetimes.model_session");
    }
    {
        ma::tokens::token_service_options o;
        o.login.max_failures = 0;
        CHECK(field_of(o) == "login_limiter_options.max_failures");
    }
    CHECK_THROWS_AS(service_type(make_directory(), nullptr, f.issuer, f.store, f.policy, {}, clock_ref(f.clock)),
                    ma::configuration_error);
    CHECK_THROWS_AS(service_type(make_directory(), f.router, f.issuer, f.store, nullptr, {}, clock_ref(f.clock)),
                    ma::configuration_error);
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
    auto const before = f.service->directory();
    ma::tokens::user_directory next = make_directory();
    next.users.push_back(ma::tokens::user_record{"erin@example.com", password_hash(), "acme", {"models:read"}, {}});
    f.service->set_directory(next);
    CHECK(f.service->directory()->users.size() == 5);
    CHECK(before->users.size() == 4); // a reader's snapshot stays as it was
    CHECK(f.service->login("erin@example.com", password));
}

//----------------------------------------------------------------------------
// Practicus: login and refresh

TEST_CASE_TEMPLATE("login issues an access token the validator accepts and an opaque refresh token", Backend,
                   BACKENDS)
{
    fixture<Backend> f;
    auto const t0 = f.clock.now();
    auto pair = f.service->login(alice, password);
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
    auto const wrong = f.service->login(alice, "not the password");
    auto const unknown = f.service->login("mallory@example.com", password);
    auto const empty = f.service->login(alice, "");
    CHECK(error_of(wrong) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(unknown) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(empty) == ma::tokens::error::invalid_credentials);
    CHECK(ma::http_status(unknown.error()) == 401);
    // Emails are compared exactly.
    CHECK(error_of(f.service->login("ALICE@example.com", password)) == ma::tokens::error::invalid_credentials);
}

TEST_CASE("failed logins are limited per email: 429 until the window ends, and a success resets")
{
    memory_fixture f;
    for(int i = 0; i < 5; ++i)
        CHECK(error_of(f.service->login(alice, "guess")) == ma::tokens::error::invalid_credentials);
    // Locked: even the right password is not tried.
    auto const locked = f.service->login(alice, password);
    CHECK(error_of(locked) == ma::tokens::error::too_many_attempts);
    CHECK(ma::http_status(locked.error()) == 429);
    CHECK(f.service->login_retry_after(alice) == 15min);
    // Another email is not locked.
    CHECK(f.service->login(bob, password));

    f.clock.advance(15min - 1s);
    CHECK(error_of(f.service->login(alice, password)) == ma::tokens::error::too_many_attempts);
    f.clock.advance(1s);
    CHECK(f.service->login(alice, password));

    // A success forgets the failures before it.
    for(int i = 0; i < 4; ++i)
        CHECK(error_of(f.service->login(bob, "guess")) == ma::tokens::error::invalid_credentials);
    CHECK(f.service->login(bob, password));
    for(int i = 0; i < 4; ++i)
        CHECK(error_of(f.service->login(bob, "guess")) == ma::tokens::error::invalid_credentials);
    CHECK(f.service->login(bob, password));
}

TEST_CASE("an unknown email is limited like a known one")
{
    ma::tokens::token_service_options o;
    o.login.max_failures = 2;
    memory_fixture f(o);
    CHECK(error_of(f.service->login("mallory@example.com", "x")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.service->login("mallory@example.com", "x")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.service->login("mallory@example.com", "x")) == ma::tokens::error::too_many_attempts);
}

TEST_CASE_TEMPLATE("refresh rotates the refresh token and issues a new access token", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto first = f.service->login(alice, password);
    REQUIRE(first);
    f.clock.advance(10min);
    auto const t1 = f.clock.now();
    auto second = f.service->refresh(first->refresh);
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
    CHECK(f.service->refresh(second->refresh));
}

TEST_CASE_TEMPLATE("presenting a rotated refresh token revokes its whole family", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto first = f.service->login(alice, password);
    auto other = f.service->login(alice, password); // another family
    REQUIRE(first);
    REQUIRE(other);
    auto second = f.service->refresh(first->refresh);
    REQUIRE(second);
    // Both access tokens are valid, and cached by the validator.
    (void)f.principal(first->access);
    (void)f.principal(second->access);

    auto const reused = f.service->refresh(first->refresh);
    CHECK(error_of(reused) == ma::tokens::error::refresh_token_reused);
    CHECK(ma::http_status(reused.error()) == 401);
    CHECK(f.refusal(first->access) == ma::validation::error::token_revoked);
    CHECK(f.refusal(second->access) == ma::validation::error::token_revoked);
    // The family's current refresh token is gone too.
    CHECK(error_of(f.service->refresh(second->refresh)) == ma::tokens::error::invalid_refresh_token);
    CHECK(error_of(f.service->refresh(first->refresh)) == ma::tokens::error::invalid_refresh_token);

    // Another family of the same user is untouched.
    CHECK(f.principal(other->access)->subject == alice);
    CHECK(f.service->refresh(other->refresh));

    if constexpr(Backend::persistent)
    {
        f.reopen();
        CHECK(f.refusal(first->access) == ma::validation::error::token_revoked);
        CHECK(f.refusal(second->access) == ma::validation::error::token_revoked);
        CHECK(error_of(f.service->refresh(second->refresh)) == ma::tokens::error::invalid_refresh_token);
    }
}

TEST_CASE("refresh refuses malformed, unknown and foreign tokens as invalid_refresh_token")
{
    memory_fixture f;
    auto pair = f.service->login(alice, password);
    REQUIRE(pair);
    auto key = f.service->regenerate_api_key(*f.principal(pair->access));
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
        CHECK(error_of(f.service->refresh(token)) == ma::tokens::error::invalid_refresh_token);
    }
    // None of them disturbed the real one.
    CHECK(f.service->refresh(pair->refresh));
}

TEST_CASE_TEMPLATE("an expired refresh token is refused", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto a = f.service->login(alice, password);
    auto b = f.service->login(alice, password);
    REQUIRE(a);
    REQUIRE(b);
    f.clock.advance(24h * 90 - 1s);
    CHECK(f.service->refresh(a->refresh));
    f.clock.advance(1s);
    CHECK(error_of(f.service->refresh(b->refresh)) == ma::tokens::error::invalid_refresh_token);
}

TEST_CASE("a removed user's refresh tokens stop working, and their family is revoked")
{
    memory_fixture f;
    auto pair = f.service->login(alice, password);
    REQUIRE(pair);
    (void)f.principal(pair->access);
    auto without = make_directory();
    without.users.erase(without.users.begin());
    f.service->set_directory(without);
    CHECK(error_of(f.service->refresh(pair->refresh)) == ma::tokens::error::invalid_refresh_token);
    CHECK(f.refusal(pair->access) == ma::validation::error::token_revoked);
    // Back in the directory, the old family stays revoked.
    f.service->set_directory(make_directory());
    CHECK(error_of(f.service->refresh(pair->refresh)) == ma::tokens::error::invalid_refresh_token);
}

TEST_CASE("concurrent refreshes of one token: at most one wins, the rest are reuses, and the family dies")
{
    memory_fixture f;
    auto pair = f.service->login(alice, password);
    REQUIRE(pair);
    constexpr int threads = 8;
    std::vector<ma::result<ma::tokens::token_pair>> results(threads, ma::tokens::error::invalid_refresh_token);
    {
        std::atomic<bool> go{false};
        std::vector<std::thread> pool;
        for(int i = 0; i < threads; ++i)
            pool.emplace_back([&, i] {
                while(! go.load())
                    std::this_thread::yield();
                results[static_cast<std::size_t>(i)] = f.service->refresh(pair->refresh);
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
            CHECK(error_of(f.service->refresh(r->refresh)) == ma::tokens::error::invalid_refresh_token);
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
    auto session = f.service->model_session(*user, 1);
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
    CHECK(error_of(f.service->model_session(*p, 1)) == ma::tokens::error::not_permitted);
}

TEST_CASE("a model session needs a console user whose scopes allow reading or inferring the model")
{
    memory_fixture f;
    auto const user = f.console(alice);
    CHECK(error_of(f.service->model_session(*user, 99)) == ma::tokens::error::unknown_model);

    // Bob reads models/other only: acme has no such model, and globex's
    // model 3 does not exist for him (F4, tenancy).
    auto const reader = f.console(bob);
    CHECK(error_of(f.service->model_session(*reader, 1)) == ma::tokens::error::not_permitted);
    CHECK(error_of(f.service->model_session(*reader, 3)) == ma::tokens::error::unknown_model);

    // F4: carol (globex) gets sessions for globex's model, never acme's.
    auto const globex = f.console(carol);
    auto session = f.service->model_session(*globex, 3);
    REQUIRE(session);
    CHECK(f.principal(session->token)->bindings.account == "globex");
    CHECK(error_of(f.service->model_session(*globex, 1)) == ma::tokens::error::unknown_model);

    // Dave may infer version 1 of model 1, which is not its default version.
    auto const narrow = f.console(dave);
    CHECK(f.service->model_session(*narrow, 1));
    CHECK(error_of(f.service->model_session(*narrow, 2)) == ma::tokens::error::not_permitted);

    // A user token of another issuer is not a console access token.
    ma::validation::Principal foreign = *user;
    foreign.issuer = "https://login.example.com";
    CHECK(error_of(f.service->model_session(foreign, 1)) == ma::tokens::error::not_permitted);

    // Nor is an API key.
    auto key = f.service->regenerate_api_key(*user);
    REQUIRE(key);
    CHECK(error_of(f.service->model_session(*f.principal(key->secret), 1)) == ma::tokens::error::not_permitted);

    // A user removed from the directory makes no more sessions.
    auto without = make_directory();
    without.users.erase(without.users.begin());
    f.service->set_directory(without);
    CHECK(error_of(f.service->model_session(*user, 1)) == ma::tokens::error::not_permitted);
}

//----------------------------------------------------------------------------
// STACKIT: instance tokens

TEST_CASE_TEMPLATE("an instance token works on its instance's models only", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto const user = f.console(alice);
    auto const t0 = f.clock.now();
    auto created = f.service->create_instance_token(*user, i1, "ci", "for the CI", 30 * 24h);
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
    CHECK(error_of(f.service->create_instance_token(*p, i1, "again", "", std::nullopt))
          == ma::tokens::error::not_permitted);
    CHECK(error_of(f.service->list_instance_tokens(*p, i1)) == ma::tokens::error::not_permitted);

    // It expires with its ttl.
    f.clock.advance(30 * 24h);
    CHECK(f.refusal(created->secret) == ma::validation::error::token_expired);
    CHECK(f.service->list_instance_tokens(*user, i1)->empty());

    if constexpr(Backend::persistent)
    {
        auto permanent = f.service->create_instance_token(*user, i1, "kept", "", std::nullopt);
        REQUIRE(permanent);
        f.reopen();
        CHECK(f.principal(permanent->secret)->bindings.instance == i1);
    }
}

TEST_CASE("instance tokens: who may make them, and what they may be called")
{
    memory_fixture f;
    auto const user = f.console(alice);
    CHECK(error_of(f.service->create_instance_token(*user, "p1/eu01/nope", "x", "", std::nullopt))
          == ma::tokens::error::unknown_instance);
    CHECK(error_of(f.service->create_instance_token(*user, i2, "x", "", std::nullopt))
          == ma::tokens::error::not_permitted);
    CHECK(error_of(f.service->list_instance_tokens(*user, i2)) == ma::tokens::error::not_permitted);
    // Bob manages no instance.
    CHECK(error_of(f.service->create_instance_token(*f.console(bob), i1, "x", "", std::nullopt))
          == ma::tokens::error::not_permitted);

    auto permanent = f.service->create_instance_token(*user, i1, "x", "", std::nullopt);
    REQUIRE(permanent);
    CHECK(permanent->token->permanent);
    CHECK_FALSE(permanent->token->expires);
    CHECK_FALSE(f.principal(permanent->secret)->expires_at);

    CHECK(error_of(f.service->create_instance_token(*user, i1, "x", "", 0s)) == ma::tokens::error::invalid_ttl);
    CHECK(error_of(f.service->create_instance_token(*user, i1, "x", "", -1s)) == ma::tokens::error::invalid_ttl);
    CHECK(error_of(f.service->create_instance_token(*user, i1, "x", "", ma::tokens::max_ttl + 1s))
          == ma::tokens::error::invalid_ttl);
    CHECK(f.service->create_instance_token(*user, i1, "x", "", ma::tokens::max_ttl));

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
        auto created = f.service->create_instance_token(*user, i1, r.name, r.description, std::nullopt);
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
    auto t1 = f.service->create_instance_token(*user, i1, "one", "first", std::nullopt);
    f.clock.advance(1s);
    auto t2 = f.service->create_instance_token(*user, i1, "two", "", 24h);
    auto t3 = f.service->create_instance_token(*other, i2, "three", "", std::nullopt);
    REQUIRE(t1);
    REQUIRE(t2);
    REQUIRE(t3);
    auto const id1 = t1->token->id;

    auto listed = f.service->list_instance_tokens(*user, i1);
    REQUIRE(listed);
    CHECK(ids_of(*listed) == std::vector<std::string>{id1, t2->token->id});
    auto listed_other = f.service->list_instance_tokens(*other, i2);
    REQUIRE(listed_other);
    CHECK(ids_of(*listed_other) == std::vector<std::string>{t3->token->id});

    auto got = f.service->get_instance_token(*user, i1, id1);
    REQUIRE(got);
    CHECK((*got)->name == "one");
    // Another instance's token does not exist here.
    CHECK(error_of(f.service->get_instance_token(*other, i2, id1)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.service->get_instance_token(*user, i1, t3->token->id)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.service->get_instance_token(*user, i1, "no-such-id")) == ma::tokens::error::token_not_found);

    auto renamed = f.service->update_instance_token(*user, i1, id1, std::string("renamed"), std::nullopt);
    REQUIRE(renamed);
    CHECK((*renamed)->name == "renamed");
    CHECK((*renamed)->description == "first");
    auto described = f.service->update_instance_token(*user, i1, id1, std::nullopt, std::string(""));
    REQUIRE(described);
    CHECK((*described)->name == "renamed");
    CHECK((*described)->description.empty());
    auto unchanged = f.service->update_instance_token(*user, i1, id1, std::nullopt, std::nullopt);
    REQUIRE(unchanged);
    CHECK((*unchanged)->name == "renamed");
    CHECK(error_of(f.service->update_instance_token(*user, i1, id1, std::string(""), std::nullopt))
          == ma::tokens::error::invalid_request_body);
    CHECK(error_of(f.service->update_instance_token(*other, i2, id1, std::string("x"), std::nullopt))
          == ma::tokens::error::token_not_found);
    // Renaming does not touch the secret.
    CHECK(f.principal(t1->secret)->token_id == id1);

    CHECK(error_of(f.service->delete_instance_token(*other, i2, id1)) == ma::tokens::error::token_not_found);
    CHECK(f.principal(t1->secret)->token_id == id1); // cached now
    CHECK(f.service->delete_instance_token(*user, i1, id1));
    CHECK(f.refusal(t1->secret) == ma::validation::error::unknown_api_key);
    CHECK(error_of(f.service->get_instance_token(*user, i1, id1)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.service->delete_instance_token(*user, i1, id1)) == ma::tokens::error::token_not_found);
    CHECK(f.principal(t2->secret)->token_id == t2->token->id);

    if constexpr(Backend::persistent)
    {
        f.reopen();
        auto const again = f.principal(t2->secret); // the console token is a JWT: still valid too
        CHECK(again->token_id == t2->token->id);
        CHECK(f.refusal(t1->secret) == ma::validation::error::unknown_api_key);
        auto relisted = f.service->list_instance_tokens(*user, i1);
        REQUIRE(relisted);
        CHECK(ids_of(*relisted) == std::vector<std::string>{t2->token->id});
    }
}

//----------------------------------------------------------------------------
// Modelon: the personal API key

TEST_CASE_TEMPLATE("regenerating the personal key disables the old one at once", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto const user = f.console(alice);
    auto first = f.service->regenerate_api_key(*user);
    REQUIRE(first);
    auto const p1 = f.principal(first->secret);
    CHECK(p1->cls == ma::validation::token_class::personal_key);
    CHECK(p1->subject == alice);
    CHECK(p1->bindings.account == "acme");
    CHECK(p1->scopes == all_scopes);
    CHECK_FALSE(p1->expires_at);
    CHECK(first->token->permanent);

    // The current key may regenerate itself.
    auto second = f.service->regenerate_api_key(*p1);
    REQUIRE(second);
    CHECK(second->secret != first->secret);
    CHECK(f.refusal(first->secret) == ma::validation::error::unknown_api_key);
    auto const p2 = f.principal(second->secret);
    CHECK(p2->token_id == second->token->id);

    ma::tokens::token_filter keys;
    keys.owner = alice;
    keys.cls = ma::validation::token_class::personal_key;
    CHECK(f.store->count(keys) == 1);

    auto info = f.service->api_key_info(*user);
    REQUIRE(info);
    CHECK((*info)->id == second->token->id);
    CHECK((*info)->hint == second->secret.substr(second->secret.size() - 4));
    auto info_by_key = f.service->api_key_info(*p2);
    REQUIRE(info_by_key);
    CHECK((*info_by_key)->id == second->token->id);

    // Another user's key is their own.
    auto other = f.service->regenerate_api_key(*f.console(carol));
    REQUIRE(other);
    CHECK(f.principal(second->secret)->subject == alice);

    if constexpr(Backend::persistent)
    {
        f.reopen();
        CHECK(f.refusal(first->secret) == ma::validation::error::unknown_api_key);
        CHECK(f.principal(second->secret)->subject == alice);
    }

    CHECK(f.service->delete_api_key(*user));
    CHECK(f.refusal(second->secret) == ma::validation::error::unknown_api_key);
    CHECK(error_of(f.service->api_key_info(*user)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.service->delete_api_key(*user)) == ma::tokens::error::token_not_found);
    CHECK(f.principal(other->secret)->subject == carol);
}

TEST_CASE("only a console user or their own key manages the personal key")
{
    memory_fixture f;
    auto const user = f.console(alice);
    auto instance = f.service->create_instance_token(*user, i1, "ci", "", std::nullopt);
    REQUIRE(instance);
    auto const instance_p = f.principal(instance->secret);
    CHECK(error_of(f.service->regenerate_api_key(*instance_p)) == ma::tokens::error::not_permitted);
    CHECK(error_of(f.service->api_key_info(*instance_p)) == ma::tokens::error::not_permitted);
    CHECK(error_of(f.service->delete_api_key(*instance_p)) == ma::tokens::error::not_permitted);
    auto session = f.service->model_session(*user, 1);
    REQUIRE(session);
    CHECK(error_of(f.service->regenerate_api_key(*f.principal(session->token))) == ma::tokens::error::not_permitted);
    auto const account = f.managed(*user, ma::tokens::managed_kind::same_as_caller, false);
    CHECK(error_of(f.service->regenerate_api_key(*account)) == ma::tokens::error::not_permitted);
    // No key yet.
    CHECK(error_of(f.service->api_key_info(*user)) == ma::tokens::error::token_not_found);
}

//----------------------------------------------------------------------------
// NeuroIO: account, space and manager tokens

TEST_CASE_TEMPLATE("account tokens: a 6th permanent one per account is refused with 409", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto const user = f.console(alice);
    auto const t0 = f.clock.now();
    auto first = f.service->create_managed(*user, ma::tokens::managed_kind::same_as_caller, std::nullopt, true);
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
        CHECK(f.service->create_managed(*(i % 2 ? user : account), ma::tokens::managed_kind::same_as_caller,
                                        std::nullopt, true));
    auto const sixth = f.service->create_managed(*account, ma::tokens::managed_kind::same_as_caller, std::nullopt, true);
    CHECK(error_of(sixth) == ma::tokens::error::permanent_token_quota);
    CHECK(ma::http_status(sixth.error()) == 409);
    CHECK(error_of(f.service->create_managed(*user, ma::tokens::managed_kind::same_as_caller, std::nullopt, true))
          == ma::tokens::error::permanent_token_quota);

    // Temporary tokens do not count; they last 24 hours.
    auto temporary = f.service->create_managed(*account, ma::tokens::managed_kind::same_as_caller, std::nullopt, false);
    REQUIRE(temporary);
    CHECK_FALSE(temporary->token->permanent);
    CHECK(temporary->token->expires == std::optional<time_point>(t0 + 24h));
    // Another account, and a space of this one, have quotas of their own.
    CHECK(f.service->create_managed(*f.console(carol), ma::tokens::managed_kind::same_as_caller, std::nullopt, true));
    CHECK(f.service->create_managed(*account, ma::tokens::managed_kind::space, std::string("lab"), true));

    if constexpr(Backend::persistent)
    {
        f.reopen();
        CHECK(error_of(f.service->create_managed(*user, ma::tokens::managed_kind::same_as_caller, std::nullopt, true))
              == ma::tokens::error::permanent_token_quota);
    }

    f.clock.advance(24h);
    CHECK(f.refusal(temporary->secret) == ma::validation::error::token_expired);
}

TEST_CASE("space and manager tokens come from the account's authority")
{
    memory_fixture f;
    auto const user = f.console(alice);
    auto const account = f.managed(*user, ma::tokens::managed_kind::same_as_caller, false);

    auto const space = f.managed(*account, ma::tokens::managed_kind::space, false, std::string("lab"));
    CHECK(space->cls == ma::validation::token_class::space);
    CHECK(space->bindings.account == "acme");
    CHECK(space->bindings.space == "lab");
    CHECK(space->expires_at == std::optional<time_point>(f.clock.now() + 24h));
    CHECK(f.managed(*user, ma::tokens::managed_kind::space, true, std::string("default"))->bindings.space == "default");
    CHECK(error_of(f.service->create_managed(*user, ma::tokens::managed_kind::space, std::string("nope"), false))
          == ma::tokens::error::unknown_space);
    CHECK(error_of(f.service->create_managed(*user, ma::tokens::managed_kind::space, std::nullopt, false))
          == ma::tokens::error::invalid_request_body);

    // A space token makes tokens of its own space only.
    auto const sibling = f.managed(*space, ma::tokens::managed_kind::same_as_caller, false);
    CHECK(sibling->cls == ma::validation::token_class::space);
    CHECK(sibling->bindings.space == "lab");
    CHECK(error_of(f.service->create_managed(*space, ma::tokens::managed_kind::space, std::string("default"), false))
          == ma::tokens::error::not_permitted);
    CHECK(error_of(f.service->create_managed(*space, ma::tokens::managed_kind::manager, std::nullopt, false))
          == ma::tokens::error::not_permitted);

    // Space tokens reach their space's models only.
    CHECK(f.policy->decide(*space, f.endpoint(2), ma::policy::ScopePolicy::models_infer).allowed());
    CHECK(f.policy->decide(*space, f.endpoint(1), ma::policy::ScopePolicy::models_infer).error()
          == ma::policy::error::binding_mismatch);

    auto const manager = f.managed(*user, ma::tokens::managed_kind::manager, false);
    CHECK(manager->cls == ma::validation::token_class::manager);
    CHECK(manager->bindings.account == "acme");
    CHECK(f.managed(*account, ma::tokens::managed_kind::manager, false)->cls == ma::validation::token_class::manager);
    CHECK(f.managed(*manager, ma::tokens::managed_kind::same_as_caller, false)->cls == ma::validation::token_class::manager);
    CHECK(error_of(f.service->create_managed(*manager, ma::tokens::managed_kind::space, std::string("lab"), false))
          == ma::tokens::error::not_permitted);
    CHECK(f.policy->decide(*manager, f.endpoint(1), ma::policy::ScopePolicy::models_read).error()
          == ma::policy::error::class_forbidden);

    auto const who = f.service->whoami(*manager);
    REQUIRE(who);
    CHECK(who->first == "acme");
    CHECK(who->second == ma::validation::token_class::manager);
    CHECK(error_of(f.service->whoami(*account)) == ma::tokens::error::not_permitted);
    CHECK(error_of(f.service->whoami(*user)) == ma::tokens::error::not_permitted);
    CHECK(error_of(f.service->whoami(*space)) == ma::tokens::error::not_permitted);
}

TEST_CASE("tokens that are not management tokens manage no NeuroIO tokens")
{
    memory_fixture f;
    auto const user = f.console(alice);
    auto instance = f.service->create_instance_token(*user, i1, "ci", "", std::nullopt);
    auto key = f.service->regenerate_api_key(*user);
    auto session = f.service->model_session(*user, 1);
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
        CHECK(error_of(f.service->create_managed(caller, ma::tokens::managed_kind::same_as_caller, std::nullopt, false))
              == ma::tokens::error::not_permitted);
        CHECK(error_of(f.service->list_managed(caller, std::nullopt, 10, 0)) == ma::tokens::error::not_permitted);
        CHECK(error_of(f.service->get_managed(caller, "x")) == ma::tokens::error::not_permitted);
        CHECK(error_of(f.service->delete_managed_many(caller, std::nullopt)) == ma::tokens::error::not_permitted);
        CHECK(error_of(f.service->whoami(caller)) == ma::tokens::error::not_permitted);
    }
}

TEST_CASE_TEMPLATE("a token outside the caller's management scope is not found", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto const user = f.console(alice);
    auto const other = f.console(carol);
    std::string secret;
    auto const account = f.managed(*user, ma::tokens::managed_kind::same_as_caller, true, std::nullopt, &secret);
    auto const id = account->token_id;
    auto const space = f.managed(*account, ma::tokens::managed_kind::space, false, std::string("lab"));

    auto by_id = f.service->get_managed(*user, id);
    REQUIRE(by_id);
    CHECK((*by_id)->id == id);
    auto by_key = f.service->get_managed(*user, secret);
    REQUIRE(by_key);
    CHECK((*by_key)->id == id);
    CHECK(f.service->get_managed(*account, id)); // itself

    CHECK(error_of(f.service->get_managed(*other, id)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.service->get_managed(*other, secret)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.service->get_managed(*space, id)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.service->get_managed(*user, space->token_id)) == ma::tokens::error::token_not_found);
    CHECK(f.service->get_managed(*space, space->token_id));
    // A space manages its own space's tokens, not another space's of the account.
    auto const other_space = f.managed(*account, ma::tokens::managed_kind::space, false, std::string("default"));
    CHECK(error_of(f.service->get_managed(*space, other_space->token_id)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.service->get_managed(*other_space, space->token_id)) == ma::tokens::error::token_not_found);
    auto const space_page = f.service->list_managed(*space, std::nullopt, 10, 0);
    REQUIRE(space_page);
    CHECK(ids_of(space_page->results) == std::vector<std::string>{space->token_id});
    CHECK(error_of(f.service->get_managed(*user, "no-such-id")) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.service->get_managed(*user, ma::validation::generate_api_key().value()))
          == ma::tokens::error::token_not_found);
    CHECK(error_of(f.service->get_managed(*user, secret + "x")) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.service->set_managed_active(*other, id, false)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.service->delete_managed(*other, id)) == ma::tokens::error::token_not_found);
    CHECK(f.principal(secret)->token_id == id);

    // Deactivated: refused at once; activated again: accepted.
    auto off = f.service->set_managed_active(*user, secret, false);
    REQUIRE(off);
    CHECK_FALSE((*off)->active);
    CHECK(f.refusal(secret) == ma::validation::error::token_inactive);
    if constexpr(Backend::persistent)
    {
        f.reopen();
        CHECK(f.refusal(secret) == ma::validation::error::token_inactive);
    }
    auto on = f.service->set_managed_active(*user, id, true);
    REQUIRE(on);
    CHECK((*on)->active);
    CHECK(f.principal(secret)->token_id == id);

    CHECK(f.service->delete_managed(*user, secret));
    CHECK(f.refusal(secret) == ma::validation::error::unknown_api_key);
    CHECK(error_of(f.service->get_managed(*user, id)) == ma::tokens::error::token_not_found);
    CHECK(error_of(f.service->delete_managed(*user, id)) == ma::tokens::error::token_not_found);
}

TEST_CASE("list_managed pages with count, next and previous")
{
    memory_fixture f;
    auto const user = f.console(alice);
    std::vector<std::string> ids;
    for(int i = 0; i < 12; ++i)
    {
        bool const permanent = i % 2 == 0 && i < 10; // 5 permanent, 7 temporary
        auto created = f.service->create_managed(*user, ma::tokens::managed_kind::same_as_caller, std::nullopt, permanent);
        REQUIRE(created);
        ids.push_back(created->token->id);
        f.clock.advance(1s);
    }
    // Another account's and a space's tokens are not listed.
    CHECK(f.service->create_managed(*f.console(carol), ma::tokens::managed_kind::same_as_caller, std::nullopt, false));
    CHECK(f.service->create_managed(*user, ma::tokens::managed_kind::space, std::string("lab"), false));
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
        auto page = f.service->list_managed(*user, std::nullopt, r.limit, r.offset);
        REQUIRE(page);
        CHECK(page->count == 12);
        CHECK(ids_of(page->results) == slice(r.from, r.to));
        CHECK(page->next_offset == r.next);
        CHECK(page->previous_offset == r.previous);
    }

    auto permanent = f.service->list_managed(*user, true, 10, 0);
    REQUIRE(permanent);
    CHECK(permanent->count == 5);
    CHECK(ids_of(permanent->results) == std::vector<std::string>{ids[0], ids[2], ids[4], ids[6], ids[8]});
    auto temporary = f.service->list_managed(*user, false, 10, 0);
    REQUIRE(temporary);
    CHECK(temporary->count == 7);

    // A smaller largest page.
    ma::tokens::token_service_options small;
    small.max_page_size = 4;
    service_type narrow(make_directory(), f.router, f.issuer, f.store, f.policy, small, clock_ref(f.clock));
    auto page = narrow.list_managed(*user, std::nullopt, 10, 0);
    REQUIRE(page);
    CHECK(ids_of(page->results) == slice(0, 4));
    CHECK(page->next_offset == std::optional<std::size_t>(4));
    auto defaulted = narrow.list_managed(*user, std::nullopt, 0, 4);
    REQUIRE(defaulted);
    CHECK(ids_of(defaulted->results) == slice(4, 8));

    // Expired temporary tokens are no longer listed.
    f.clock.advance(24h - 11s);
    auto later = f.service->list_managed(*user, std::nullopt, 100, 0);
    REQUIRE(later);
    CHECK(later->count == 11);
    f.clock.advance(11s);
    later = f.service->list_managed(*user, std::nullopt, 100, 0);
    REQUIRE(later);
    CHECK(later->count == 5);
}

TEST_CASE_TEMPLATE("delete-many follows the permanent filter and spares the caller", Backend, BACKENDS)
{
    fixture<Backend> f;
    auto const user = f.console(alice);
    std::string caller_secret;
    auto const caller = f.managed(*user, ma::tokens::managed_kind::same_as_caller, true, std::nullopt, &caller_secret);
    std::vector<std::string> permanent, temporary;
    for(int i = 0; i < 2; ++i)
    {
        auto created = f.service->create_managed(*caller, ma::tokens::managed_kind::same_as_caller, std::nullopt, true);
        REQUIRE(created);
        permanent.push_back(created->secret);
    }
    for(int i = 0; i < 3; ++i)
    {
        auto created = f.service->create_managed(*caller, ma::tokens::managed_kind::same_as_caller, std::nullopt, false);
        REQUIRE(created);
        temporary.push_back(created->secret);
    }
    std::string space_secret;
    (void)f.managed(*caller, ma::tokens::managed_kind::space, true, std::string("lab"), &space_secret);
    std::string globex_secret;
    (void)f.managed(*f.console(carol), ma::tokens::managed_kind::same_as_caller, true, std::nullopt, &globex_secret);
    for(auto const& s : temporary)
        (void)f.principal(s); // cached

    auto deleted = f.service->delete_managed_many(*caller, false);
    REQUIRE(deleted);
    CHECK(*deleted == 3);
    for(auto const& s : temporary)
        CHECK(f.refusal(s) == ma::validation::error::unknown_api_key);
    CHECK(f.service->list_managed(*caller, std::nullopt, 10, 0)->count == 3);

    deleted = f.service->delete_managed_many(*caller, std::nullopt);
    REQUIRE(deleted);
    CHECK(*deleted == 2);
    for(auto const& s : permanent)
        CHECK(f.refusal(s) == ma::validation::error::unknown_api_key);
    // The caller itself, the space's and the other account's tokens remain.
    CHECK(f.principal(caller_secret)->token_id == caller->token_id);
    CHECK(f.principal(space_secret)->cls == ma::validation::token_class::space);
    CHECK(f.principal(globex_secret)->bindings.account == "globex");
    auto const left = f.service->list_managed(*caller, std::nullopt, 10, 0);
    REQUIRE(left);
    CHECK(ids_of(left->results) == std::vector<std::string>{caller->token_id});

    if constexpr(Backend::persistent)
        f.reopen();

    // A console user's token is a JWT: nothing of the store is spared.
    deleted = f.service->delete_managed_many(*user, true);
    REQUIRE(deleted);
    CHECK(*deleted == 1);
    CHECK(f.refusal(caller_secret) == ma::validation::error::unknown_api_key);
    deleted = f.service->delete_managed_many(*user, std::nullopt);
    REQUIRE(deleted);
    CHECK(*deleted == 0);
}

//----------------------------------------------------------------------------
// Persistence

TEST_CASE("what the service issued survives a restart over a journal store")
{
    fixture<journal_backend> f;
    auto const user = f.console(alice);
    auto pair = f.service->login(alice, password);
    auto instance = f.service->create_instance_token(*user, i1, "ci", "", std::nullopt);
    auto key = f.service->regenerate_api_key(*user);
    auto account = f.service->create_managed(*user, ma::tokens::managed_kind::same_as_caller, std::nullopt, true);
    REQUIRE(pair);
    REQUIRE(instance);
    REQUIRE(key);
    REQUIRE(account);

    f.reopen();
    CHECK(f.principal(pair->access)->subject == alice);
    CHECK(f.principal(instance->secret)->cls == ma::validation::token_class::instance);
    CHECK(f.principal(key->secret)->cls == ma::validation::token_class::personal_key);
    CHECK(f.principal(account->secret)->cls == ma::validation::token_class::account);
    auto refreshed = f.service->refresh(pair->refresh);
    REQUIRE(refreshed);
    CHECK(f.principal(refreshed->access)->subject == alice);
    auto info = f.service->api_key_info(*user);
    REQUIRE(info);
    CHECK((*info)->id == key->token->id);
    CHECK((*info)->hint == key->secret.substr(key->secret.size() - 4));

    f.reopen();
    CHECK(error_of(f.service->refresh(pair->refresh)) == ma::tokens::error::refresh_token_reused);
    CHECK(f.refusal(refreshed->access) == ma::validation::error::token_revoked);
}

TEST_CASE("F2: failures from one address never lock the user out of another")
{
    memory_fixture f;
    for(int i = 0; i < 5; ++i)
        CHECK(error_of(f.service->login(alice, "guess", "198.51.100.66")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.service->login(alice, password, "198.51.100.66")) == ma::tokens::error::too_many_attempts);
    CHECK(f.service->login_retry_after(alice, "198.51.100.66") == 15min);
    // The real user, elsewhere, logs in with the right password.
    CHECK(f.service->login(alice, password, "203.0.113.10"));
    CHECK(f.service->login_retry_after(alice, "203.0.113.10") == 0s);
}

TEST_CASE("F2: one address guessing across many emails is limited per address")
{
    ma::tokens::token_service_options o;
    o.login_per_address.max_failures = 3;
    memory_fixture f(o);
    CHECK(error_of(f.service->login("u1@example.com", "x", "198.51.100.9")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.service->login("u2@example.com", "x", "198.51.100.9")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.service->login("u3@example.com", "x", "198.51.100.9")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.service->login(alice, password, "198.51.100.9")) == ma::tokens::error::too_many_attempts);
    CHECK(f.service->login_retry_after(alice, "198.51.100.9") == 15min);
    CHECK(f.service->login(alice, password, "198.51.100.10"));
}

TEST_CASE("F2: a success gives the address back its attempt but not the failures before it")
{
    ma::tokens::token_service_options o;
    o.login_per_address.max_failures = 3;
    memory_fixture f(o);
    CHECK(error_of(f.service->login("u1@example.com", "x", "198.51.100.9")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.service->login("u2@example.com", "x", "198.51.100.9")) == ma::tokens::error::invalid_credentials);
    // Logging in with one's own account does not clear the address's count...
    CHECK(f.service->login(alice, password, "198.51.100.9"));
    CHECK(f.service->login(alice, password, "198.51.100.9"));
    // ...so the third failure still locks the address.
    CHECK(error_of(f.service->login("u3@example.com", "x", "198.51.100.9")) == ma::tokens::error::invalid_credentials);
    CHECK(error_of(f.service->login(alice, password, "198.51.100.9")) == ma::tokens::error::too_many_attempts);
}

TEST_CASE("F2: parallel wrong logins get no more attempts than the limit")
{
    ma::tokens::token_service_options o;
    o.login.max_failures = 3;
    memory_fixture f(o);
    std::atomic<int> verified{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for(int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            auto const r = f.service->login(alice, "guess", "198.51.100.77");
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
    auto const dir = f.service->directory();
    REQUIRE(! dir->users.empty());
    CHECK(f.service->dummy_hash().iterations() == ma::tokens::min_password_iterations);
    // The most common count wins; the larger on a tie; the default when empty.
    ma::tokens::user_directory mixed;
    for(unsigned iterations : {720000u, 1000000u, 1000000u, 100000u})
    {
        mixed.users.push_back(ma::tokens::user_record{"u" + std::to_string(mixed.users.size()) + "@example.com",
                                              ma::tokens::password_hash::dummy(iterations), "demo", {}, {}});
    }
    CHECK(ma::tokens::detail::dummy_hash_for(mixed)->iterations() == 1000000u);
    CHECK(ma::tokens::detail::dummy_hash_for(ma::tokens::user_directory{})->iterations() == ma::tokens::default_password_iterations);
    // set_directory follows the new directory.
    f.service->set_directory(mixed);
    CHECK(f.service->dummy_hash().iterations() == 1000000u);
}

//----------------------------------------------------------------------------
// F3 bounded growth, F6 family revocation

TEST_CASE_TEMPLATE("F3: temporary NeuroIO tokens and instance tokens have quotas answered with 409", Backend, BACKENDS)
{
    ma::tokens::token_service_options options;
    options.max_temporary_tokens = 2;
    options.max_instance_tokens = 2;
    fixture<Backend> f(options);
    auto const user = f.console(alice);
    auto const account = f.managed(*user, ma::tokens::managed_kind::same_as_caller, true);
    CHECK(f.service->create_managed(*user, ma::tokens::managed_kind::same_as_caller, std::nullopt, false));
    CHECK(f.service->create_managed(*account, ma::tokens::managed_kind::same_as_caller, std::nullopt, false));
    auto const third = f.service->create_managed(*account, ma::tokens::managed_kind::same_as_caller, std::nullopt, false);
    CHECK(error_of(third) == ma::tokens::error::token_quota);
    CHECK(ma::http_status(third.error()) == 409);
    // Per class, account and space: a space has a quota of its own.
    CHECK(f.service->create_managed(*account, ma::tokens::managed_kind::space, std::string("lab"), false));

    CHECK(f.service->create_instance_token(*user, i1, "a", "", std::nullopt));
    CHECK(f.service->create_instance_token(*user, i1, "b", "", 1h));
    CHECK(error_of(f.service->create_instance_token(*user, i1, "c", "", std::nullopt))
          == ma::tokens::error::token_quota);

    if constexpr(Backend::persistent)
        f.reopen();
    // Expired tokens do not count.
    f.clock.advance(24h);
    auto const later = f.console(alice);
    auto const later_account = f.managed(*later, ma::tokens::managed_kind::same_as_caller, true);
    CHECK(f.service->create_managed(*later_account, ma::tokens::managed_kind::same_as_caller, std::nullopt, false));
    CHECK(f.service->create_instance_token(*later, i1, "c", "", std::nullopt));
    CHECK(error_of(f.service->create_instance_token(*later, i1, "d", "", std::nullopt))
          == ma::tokens::error::token_quota);
}

TEST_CASE_TEMPLATE("F3: a login beyond max_refresh_families ends the user's least recently used session", Backend,
                   BACKENDS)
{
    ma::tokens::token_service_options options;
    options.max_refresh_families = 2;
    fixture<Backend> f(options);
    auto first = f.service->login(alice, password);
    REQUIRE(first);
    f.clock.advance(1min);
    auto second = f.service->login(alice, password);
    REQUIRE(second);
    f.clock.advance(1min);
    auto used = f.service->refresh(first->refresh); // the first session is used again
    REQUIRE(used);
    auto other_user = f.service->login(carol, password);
    REQUIRE(other_user);
    f.clock.advance(1min);
    auto third = f.service->login(alice, password);
    REQUIRE(third);

    // The second session, the least recently used, is gone with its access token.
    CHECK(error_of(f.service->refresh(second->refresh)) == ma::tokens::error::invalid_refresh_token);
    CHECK(f.refusal(second->access) == ma::validation::error::token_revoked);
    CHECK(f.principal(used->access)->subject == alice);
    CHECK(f.principal(third->access)->subject == alice);
    CHECK(f.service->refresh(used->refresh));
    CHECK(f.service->refresh(other_user->refresh)); // another user's are untouched
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
    auto first = f.service->login(alice, password);
    REQUIRE(first);
    // The thief refreshes many times (more than the 64 ids the family once kept)...
    std::vector<std::string> access{first->access};
    auto current = first->refresh;
    for(int i = 0; i < 70; ++i)
    {
        auto next = f.service->refresh(current);
        REQUIRE(next);
        access.push_back(next->access);
        current = next->refresh;
    }
    // ...and makes model sessions with the family's first and last access tokens.
    auto early = f.service->model_session(*f.principal(access.front()), 1);
    auto late = f.service->model_session(*f.principal(access.back()), 1);
    REQUIRE(early);
    REQUIRE(late);
    CHECK(f.principal(early->token)->cls == ma::validation::token_class::model_session);
    // A session from a token of another login stays out of this family.
    auto other = f.service->login(alice, password);
    REQUIRE(other);
    auto unrelated = f.service->model_session(*f.principal(other->access), 1);
    REQUIRE(unrelated);

    // The victim presents the first refresh token: the family dies with everything issued from it.
    CHECK(error_of(f.service->refresh(first->refresh)) == ma::tokens::error::refresh_token_reused);
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
    ma::tokens::token_service_options options;
    options.max_family_tokens = 3;
    memory_fixture f(options);
    auto pair = f.service->login(alice, password); // 1: the access token
    REQUIRE(pair);
    auto const user = f.principal(pair->access);
    CHECK(f.service->model_session(*user, 1)); // 2
    CHECK(f.service->model_session(*user, 1)); // 3
    auto const full = f.service->model_session(*user, 1);
    CHECK(error_of(full) == ma::tokens::error::token_quota);
    CHECK(ma::http_status(full.error()) == 409);
    // A refresh is refused before it rotates: the refresh token still works later.
    CHECK(error_of(f.service->refresh(pair->refresh)) == ma::tokens::error::token_quota);
    f.clock.advance(4h + 10min); // every token of the family has expired
    auto next = f.service->refresh(pair->refresh);
    REQUIRE(next);
    CHECK(f.service->model_session(*f.principal(next->access), 1));
}

TEST_CASE("F5: after a restart with a narrower directory, what a user minted follows their new grants")
{
    fixture<journal_backend> f;
    auto const user = f.console(alice);
    auto const key = f.service->regenerate_api_key(*user);
    REQUIRE(key);
    auto const instance = f.service->create_instance_token(*user, i1, "ci", "", std::nullopt);
    REQUIRE(instance);
    std::string account_secret;
    (void)f.managed(*user, ma::tokens::managed_kind::same_as_caller, true, std::nullopt, &account_secret);
    std::string space_secret;
    (void)f.managed(*user, ma::tokens::managed_kind::space, true, std::string("lab"), &space_secret);
    std::string carol_secret;
    (void)f.managed(*f.console(carol), ma::tokens::managed_kind::same_as_caller, true, std::nullopt, &carol_secret);
    REQUIRE(f.principal(key->secret)->scopes.size() == 3);

    // The next config: alice may only read now, no longer manages i1, and
    // acme lost its "lab" space. A restart over the same journal.
    auto narrower = make_directory();
    narrower.users[0].scopes = {"models:read"};
    narrower.users[0].instances.clear();
    narrower.accounts[0].spaces = {"default"};
    f.validator.reset();
    f.service.reset();
    f.store.reset();
    f.store = f.backend.open();
    f.service = std::make_shared<service_type>(narrower, f.router, f.issuer, f.store, f.policy, f.options,
                                               clock_ref(f.clock));
    f.validator = std::make_shared<validator_type>(std::vector<ma::validation::trusted_issuer>{f.issuer->trusted()},
                                                   ma::validation::token_validator_options{}, f.store, clock_ref(f.clock));
    auto const applied = f.service->apply_grants();
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
    auto const again = f.service->apply_grants();
    REQUIRE(again);
    CHECK(again->deleted == 0);
    CHECK(again->narrowed == 0);
}

TEST_CASE("F5: a user removed from the directory loses every token they minted, at once")
{
    memory_fixture f;
    auto const session = f.service->login(alice, password);
    REQUIRE(session);
    auto const user = f.principal(session->access);
    auto const model_session = f.service->model_session(*user, 1);
    REQUIRE(model_session);
    auto const key = f.service->regenerate_api_key(*user);
    REQUIRE(key);
    std::string account_secret;
    auto const account = f.managed(*user, ma::tokens::managed_kind::same_as_caller, true, std::nullopt, &account_secret);
    // A token minted by the account token is alice's too.
    std::string minted_secret;
    (void)f.managed(*account, ma::tokens::managed_kind::same_as_caller, false, std::nullopt, &minted_secret);

    auto without = make_directory();
    without.users.erase(without.users.begin()); // alice
    auto const applied = f.service->set_directory(without);
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
    CHECK(error_of(f.service->refresh(session->refresh)) == ma::tokens::error::invalid_refresh_token);
    // Nothing is left to revoke a second time.
    auto const again = f.service->apply_grants();
    REQUIRE(again);
    CHECK(again->families_revoked == 0);
}

TEST_CASE("F5: a user moved to another account loses the tokens bound to the old one")
{
    memory_fixture f;
    auto const key = f.service->regenerate_api_key(*f.console(alice));
    REQUIRE(key);
    auto moved = make_directory();
    moved.users[0].account = "globex";
    auto const applied = f.service->set_directory(moved);
    REQUIRE(applied);
    CHECK(applied->deleted == 1);
    CHECK(f.refusal(key->secret) == ma::validation::error::unknown_api_key);
}

TEST_CASE("F5: scopes still granted are those a held scope covers on whole segments")
{
    using ma::tokens::detail::scopes_still_granted;
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

TEST_CASE("F12: a temporary managed token cannot create permanent tokens, only temporary ones")
{
    memory_fixture f;
    auto const user = f.console(alice);
    auto const temporary = f.managed(*user, ma::tokens::managed_kind::same_as_caller, false);
    REQUIRE(temporary->expires_at);
    CHECK(error_of(f.service->create_managed(*temporary, ma::tokens::managed_kind::same_as_caller, std::nullopt, true))
          == ma::tokens::error::not_permitted);
    CHECK(error_of(f.service->create_managed(*temporary, ma::tokens::managed_kind::space, std::string("lab"), true))
          == ma::tokens::error::not_permitted);
    CHECK(f.service->create_managed(*temporary, ma::tokens::managed_kind::same_as_caller, std::nullopt, false));
    // A permanent token still makes permanent ones.
    auto const permanent = f.managed(*user, ma::tokens::managed_kind::same_as_caller, true);
    CHECK(f.service->create_managed(*permanent, ma::tokens::managed_kind::same_as_caller, std::nullopt, true));
}
