//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TESTS_TOKENS_FLOWS_FLOW_FIXTURE_HPP
#define MODELAUTH_TESTS_TOKENS_FLOWS_FLOW_FIXTURE_HPP

// The four token flows over one context on a manual clock, and a real
// TokenValidator over the same store: what the flows issue validates, and
// what they revoke, delete or deactivate is refused at once. Most cases run
// on both stores, the in-memory one and the journal (BACKENDS).

#include <modelauth/tokens/flows/console_session.hpp>
#include <modelauth/tokens/flows/flow_context.hpp>
#include <modelauth/tokens/flows/managed_tokens.hpp>
#include <modelauth/tokens/flows/personal_api_key.hpp>
#include <modelauth/tokens/flows/resource_tokens.hpp>
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

namespace flows_test {

namespace ma = modelauth;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

using clock_ref = ma::manual_clock_ref;
using context_type = ma::tokens::flows::flow_context<clock_ref>;
using sessions_type = ma::tokens::flows::console_session<clock_ref>;
using resources_type = ma::tokens::flows::resource_tokens<clock_ref>;
using keys_type = ma::tokens::flows::personal_api_key<clock_ref>;
using tokens_type = ma::tokens::flows::managed_tokens<clock_ref>;
using issuer_type = ma::tokens::token_issuer<clock_ref>;
using validator_type = ma::validation::basic_token_validator<clock_ref>;
using time_point = std::chrono::system_clock::time_point;

inline std::string const issuer_url = "http://127.0.0.1:8080";

inline std::string const alice = "alice@example.com"; // acme; manages instance i1
inline std::string const bob = "bob@example.com";     // acme; reads models/other only
inline std::string const carol = "carol@example.com"; // globex; manages instance i2
inline std::string const dave = "dave@example.com";   // acme; infers diamond-price version 1 only
inline std::string const password = "correct horse battery staple";

inline std::string const i1 = "p1/eu01/i1";
inline std::string const i2 = "p1/eu01/i2";

inline std::vector<std::string> const all_scopes = {"models:read", "models:infer", "tokens:manage"};

// One hash for every user, at the fewest iterations allowed: PBKDF2 is the
// slow part of a login.
inline ma::tokens::password_hash const& password_hash()
{
    static ma::tokens::password_hash const hash
        = ma::tokens::password_hash::parse(ma::tokens::hash_password(password, ma::tokens::min_password_iterations).value()).value();
    return hash;
}

inline ma::tokens::user_directory make_directory()
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

inline ma::router::model_description model(std::int64_t id, std::string prefix, std::string name, std::vector<std::string> versions,
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
inline std::shared_ptr<ma::router::ModelUrlRouter const> make_router()
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
    temporary_directory() : modelauth_test::temporary_directory("flows") {}
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

// The four flows over one context, the validator that checks what they
// issue, and their parts.
template<class Backend>
struct fixture
{
    ma::manual_clock clock;
    Backend backend;
    ma::tokens::flows::flow_options options;
    std::shared_ptr<issuer_type const> issuer;
    std::shared_ptr<ma::router::ModelUrlRouter const> router = make_router();
    std::shared_ptr<ma::policy::ScopePolicy const> policy = std::make_shared<ma::policy::ScopePolicy const>();
    std::shared_ptr<ma::tokens::ManagedTokenStore> store;
    std::shared_ptr<context_type> context;
    std::shared_ptr<sessions_type> sessions;
    std::shared_ptr<resources_type> resources;
    std::shared_ptr<keys_type> keys;
    std::shared_ptr<tokens_type> tokens;
    std::shared_ptr<validator_type> validator;

    explicit fixture(ma::tokens::flows::flow_options o = {}) : options(std::move(o))
    {
        ma::tokens::issuer_options io;
        io.issuer = issuer_url;
        issuer = std::make_shared<issuer_type const>(
            issuer_type::generate(io, ma::tokens::default_retain_old_keys, clock_ref(clock)).value());
        start();
    }

    void start(ma::tokens::user_directory directory = make_directory())
    {
        store = backend.open();
        context = std::make_shared<context_type>(std::move(directory), router, issuer, store, policy, options,
                                                 clock_ref(clock));
        sessions = std::make_shared<sessions_type>(context);
        resources = std::make_shared<resources_type>(context);
        keys = std::make_shared<keys_type>(context);
        tokens = std::make_shared<tokens_type>(context);
        validator = std::make_shared<validator_type>(std::vector<ma::validation::trusted_issuer>{issuer->trusted()},
                                                     ma::validation::token_validator_options{}, store, clock_ref(clock));
    }

    // Closes everything over the store.
    void stop()
    {
        validator.reset();
        tokens.reset();
        keys.reset();
        resources.reset();
        sessions.reset();
        context.reset();
        store.reset();
    }

    // Closes everything over the store and opens it again (a restart).
    void reopen(ma::tokens::user_directory directory = make_directory())
    {
        stop();
        start(std::move(directory));
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
        auto pair = sessions->login(email, password);
        REQUIRE(pair);
        return principal(pair->access);
    }

    // The principal of a new managed token (its secret in `secret`).
    ma::validation::principal_ptr managed(ma::validation::Principal const& caller, ma::tokens::flows::managed_kind kind, bool permanent,
                              std::optional<std::string_view> space = std::nullopt, std::string* secret = nullptr)
    {
        auto created = tokens->create(caller, kind, space, permanent);
        REQUIRE(created);
        if(secret)
            *secret = created->secret;
        return principal(created->secret);
    }

    ma::router::ModelEndpoint endpoint(std::int64_t model_id) const { return router->find(model_id).value(); }
};

using memory_fixture = fixture<in_memory_backend>;

inline std::vector<std::string> ids_of(std::vector<std::shared_ptr<ma::validation::stored_token const>> const& tokens)
{
    std::vector<std::string> ids;
    for(auto const& t : tokens)
        ids.push_back(t->id);
    return ids;
}

} // namespace flows_test

#define BACKENDS flows_test::in_memory_backend, flows_test::journal_backend

#endif
