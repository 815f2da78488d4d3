//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The ManagedTokenStore contract, run against every implementation.

#include <modelauth/tokens/in_memory_token_store.hpp>
#include <modelauth/tokens/journal_token_store.hpp>
#include <modelauth/tokens/redis_token_store.hpp>
#include <modelauth/tokens/error.hpp>

#include "support/doctest_result.hpp"

#include "support/redis_test_server.hpp"
#include "support/temporary_directory.hpp"
#include "tokens/store_test_support.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <type_traits>

namespace ma = modelauth;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using namespace modelauth_test::store_records;

// Each test's state directory, removed at the end.
struct temporary_directory : modelauth_test::temporary_directory
{
    temporary_directory() : modelauth_test::temporary_directory("managed-store") {}
};

// Makes a fresh store of one implementation and keeps what it needs alive.
struct in_memory
{
    std::shared_ptr<ma::tokens::ManagedTokenStore> make() { return std::make_shared<ma::tokens::InMemoryTokenStore>(); }
};

struct journal
{
    temporary_directory dir;
    std::shared_ptr<ma::tokens::ManagedTokenStore> make()
    {
        std::string why;
        auto store = ma::tokens::JournalTokenStore::open(dir.path, {}, &why);
        INFO(why);
        REQUIRE(store);
        return *store;
    }
};

// A Redis store on a redis-server of the test's own.
struct redis
{
    modelauth_test::redis_test_server server;
    std::shared_ptr<ma::tokens::ManagedTokenStore> make()
    {
        std::string why;
        auto store = ma::tokens::RedisTokenStore::open(server.url(), {}, &why);
        INFO(why);
        REQUIRE(store);
        return *store;
    }
};

std::vector<std::string> ids(std::vector<ma::tokens::ManagedTokenStore::token_ptr> const& tokens)
{
    std::vector<std::string> out;
    for(auto const& t : tokens)
        out.push_back(t->id);
    return out;
}

} // namespace

#define STORE_TYPES in_memory, journal, redis

TEST_CASE_TEMPLATE("at most the allowed number of permanent tokens per class, account and space", Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    ma::tokens::insert_limits const five{5};
    for(int i = 0; i < 5; ++i)
        CHECK(store->insert(permanent("acct-" + std::to_string(i), ma::validation::token_class::account, "demo"), five));
    auto const epoch = store->epoch();
    CHECK(error_of(store->insert(permanent("acct-5", ma::validation::token_class::account, "demo"), five))
          == ma::tokens::error::permanent_token_quota);
    CHECK(ma::http_status(ma::tokens::make_error_code(ma::tokens::error::permanent_token_quota)) == 409);
    CHECK(store->find_by_id("acct-5") == nullptr);
    CHECK(store->epoch() == epoch);

    // The quota is per (class, account, space).
    CHECK(store->insert(permanent("other-account", ma::validation::token_class::account, "other"), five));
    CHECK(store->insert(permanent("manager", ma::validation::token_class::manager, "demo"), five));
    for(int i = 0; i < 5; ++i)
        CHECK(store->insert(permanent("space-" + std::to_string(i), ma::validation::token_class::space, "demo", "s1"), five));
    CHECK(error_of(store->insert(permanent("space-5", ma::validation::token_class::space, "demo", "s1"), five))
          == ma::tokens::error::permanent_token_quota);
    CHECK(store->insert(permanent("space-s2", ma::validation::token_class::space, "demo", "s2"), five));

    // Temporary tokens neither count nor are refused.
    auto temporary = token("temporary", "manager@example.com", ma::validation::token_class::account);
    temporary.bindings.account = "demo";
    CHECK(store->insert(temporary, five));
    // Without a limit there is none.
    CHECK(store->insert(permanent("acct-6", ma::validation::token_class::account, "demo")));
    // Deleting one frees a slot.
    CHECK(store->erase("acct-0"));
    CHECK(store->erase("acct-1"));
    CHECK(store->insert(permanent("acct-7", ma::validation::token_class::account, "demo"), five));
    CHECK(store->count({std::nullopt, ma::validation::token_class::account, std::string("demo"), std::nullopt,
                        std::nullopt, true, std::nullopt})
          == 5);
}

TEST_CASE_TEMPLATE("an insert is refused for a duplicate, a zero digest or a permanent token with an expiry", Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    CHECK(store->insert(token("t1")));
    CHECK(error_of(store->insert(token("t1"))) == ma::tokens::error::duplicate_token);
    auto same_secret = token("t2");
    same_secret.secret_hash = ma::validation::hash_secret("secret-t1");
    CHECK(error_of(store->insert(same_secret)) == ma::tokens::error::duplicate_token);
    auto zero = token("t3");
    zero.secret_hash = {};
    CHECK(error_of(store->insert(zero)) == ma::tokens::error::invalid_request_body);
    auto no_id = token("");
    CHECK(error_of(store->insert(no_id)) == ma::tokens::error::invalid_request_body);
    auto contradictory = permanent("t4", ma::validation::token_class::account, "demo");
    contradictory.expires = t0;
    CHECK(error_of(store->insert(contradictory)) == ma::tokens::error::invalid_request_body);
    CHECK(store->count() == 1);
}

TEST_CASE_TEMPLATE("replace_owned deletes the owner's tokens of the class and inserts the new one atomically", Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    CHECK(store->insert(token("alice-1")));
    CHECK(store->insert(token("alice-2")));
    CHECK(store->insert(token("alice-instance", "alice", ma::validation::token_class::instance)));
    CHECK(store->insert(token("bob-1", "bob")));

    auto e = store->epoch();
    auto replaced = store->replace_owned(token("alice-3"));
    REQUIRE(replaced);
    CHECK(*replaced == std::vector<std::string>{"alice-1", "alice-2"});
    CHECK(store->epoch() > e);
    CHECK(store->find_by_secret(ma::validation::hash_secret("secret-alice-1")) == nullptr);
    CHECK(store->find_by_secret(ma::validation::hash_secret("secret-alice-2")) == nullptr);
    CHECK(store->find_by_secret(ma::validation::hash_secret("secret-alice-3")));
    CHECK(store->find_by_id("alice-instance")); // another class
    CHECK(store->find_by_id("bob-1"));          // another owner

    // The new token may reuse the id of the one it replaces.
    auto regenerated = token("alice-3");
    regenerated.secret_hash = ma::validation::hash_secret("regenerated");
    replaced = store->replace_owned(regenerated);
    REQUIRE(replaced);
    CHECK(*replaced == std::vector<std::string>{"alice-3"});
    CHECK(store->find_by_secret(ma::validation::hash_secret("regenerated"))->id == "alice-3");

    // A clash with someone else's token changes nothing.
    auto clash = token("alice-4");
    clash.secret_hash = ma::validation::hash_secret("secret-bob-1");
    e = store->epoch();
    CHECK(error_of(store->replace_owned(clash)) == ma::tokens::error::duplicate_token);
    CHECK(store->find_by_id("alice-3"));
    CHECK(store->epoch() == e);

    // Nothing to replace: a plain insert.
    replaced = store->replace_owned(token("carol-1", "carol"));
    REQUIRE(replaced);
    CHECK(replaced->empty());
    CHECK(store->count() == 4);
}

TEST_CASE_TEMPLATE("filters select by owner, class, bindings and permanence; lists are sorted by creation", Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    auto a = permanent("b-acct", ma::validation::token_class::account, "demo");
    a.created = t0 + 2s;
    auto b = permanent("a-acct", ma::validation::token_class::account, "demo");
    b.created = t0 + 2s;
    auto c = permanent("space", ma::validation::token_class::space, "demo", "s1");
    c.created = t0 + 1s;
    auto d = token("instance", "bob", ma::validation::token_class::instance);
    d.bindings.instance = "p/eu01/i-1";
    d.bindings.account = "other";
    for(auto const& t : {a, b, c, d})
        CHECK(store->insert(t));

    CHECK(ids(store->list()) == std::vector<std::string>{"instance", "space", "a-acct", "b-acct"});
    ma::tokens::token_filter f;
    f.account = "demo";
    CHECK(ids(store->list(f)) == std::vector<std::string>{"space", "a-acct", "b-acct"});
    CHECK(store->count(f) == 3);
    f.cls = ma::validation::token_class::account;
    CHECK(ids(store->list(f)) == std::vector<std::string>{"a-acct", "b-acct"});
    f.except_id = "a-acct";
    CHECK(ids(store->list(f)) == std::vector<std::string>{"b-acct"});

    ma::tokens::token_filter by_space;
    by_space.space = "s1";
    CHECK(ids(store->list(by_space)) == std::vector<std::string>{"space"});
    ma::tokens::token_filter by_instance;
    by_instance.instance = "p/eu01/i-1";
    by_instance.owner = "bob";
    CHECK(ids(store->list(by_instance)) == std::vector<std::string>{"instance"});
    ma::tokens::token_filter temporary;
    temporary.permanent = false;
    CHECK(ids(store->list(temporary)) == std::vector<std::string>{"instance"});
    ma::tokens::token_filter nobody;
    nobody.owner = "nobody";
    CHECK(store->list(nobody).empty());
    CHECK(store->count(nobody) == 0);
}

TEST_CASE_TEMPLATE("erase_if deletes what the filter matches and spares the caller's own token", Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    for(int i = 0; i < 4; ++i)
        CHECK(store->insert(permanent("demo-" + std::to_string(i), ma::validation::token_class::account, "demo")));
    CHECK(store->insert(permanent("other-0", ma::validation::token_class::account, "other")));
    CHECK(store->insert(permanent("demo-space", ma::validation::token_class::space, "demo", "s1")));

    ma::tokens::token_filter f;
    f.cls = ma::validation::token_class::account;
    f.account = "demo";
    f.except_id = "demo-2"; // the caller
    auto e = store->epoch();
    auto erased = store->erase_if(f);
    REQUIRE(erased);
    CHECK(*erased == 3);
    CHECK(store->epoch() > e);
    CHECK(ids(store->list()) == std::vector<std::string>{"demo-2", "demo-space", "other-0"});

    e = store->epoch();
    erased = store->erase_if(f);
    REQUIRE(erased);
    CHECK(*erased == 0);
    CHECK(store->epoch() == e); // nothing deleted, nothing invalidated
    CHECK(error_of(store->erase("demo-0")) == ma::tokens::error::token_not_found);
}

TEST_CASE_TEMPLATE("update and set_active change a token, advance the epoch and keep its identity", Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    CHECK(store->insert(token("t1")));

    auto e = store->epoch();
    CHECK(store->update("t1", [](ma::validation::stored_token& t) {
        t.name = "laptop";
        t.description = "my laptop's key";
    }));
    CHECK(store->epoch() > e);
    CHECK(store->find_by_id("t1")->name == "laptop");
    CHECK(store->find_by_secret(ma::validation::hash_secret("secret-t1"))->description == "my laptop's key");

    e = store->epoch();
    CHECK(store->set_active("t1", false));
    CHECK(store->epoch() > e);
    CHECK_FALSE(store->find_by_secret(ma::validation::hash_secret("secret-t1"))->active);
    e = store->epoch();
    CHECK(store->set_active("t1", false)); // already inactive
    CHECK(store->update("t1", [](ma::validation::stored_token&) {}));
    CHECK(store->epoch() == e);

    CHECK(error_of(store->update("t1", [](ma::validation::stored_token& t) { t.id = "t2"; }))
          == ma::tokens::error::invalid_request_body);
    CHECK(error_of(store->update("t1", [](ma::validation::stored_token& t) { t.secret_hash = ma::validation::hash_secret("x"); }))
          == ma::tokens::error::invalid_request_body);
    CHECK(error_of(store->update("t1", [](ma::validation::stored_token& t) { t.owner = "mallory"; }))
          == ma::tokens::error::invalid_request_body);
    CHECK(error_of(store->update("t1", [](ma::validation::stored_token& t) { t.permanent = true; }))
          == ma::tokens::error::invalid_request_body);
    CHECK(error_of(store->update("nope", [](ma::validation::stored_token& t) { t.name = "x"; }))
          == ma::tokens::error::token_not_found);
    CHECK(error_of(store->set_active("nope", true)) == ma::tokens::error::token_not_found);
    CHECK(store->epoch() == e);
    CHECK(store->find_by_id("t1")->owner == "alice");
    CHECK(store->find_by_secret(ma::validation::hash_secret("x")) == nullptr);
}

TEST_CASE_TEMPLATE("revocations keep the later expiry and can be forgotten", Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    CHECK(error_of(store->revoke("")) == ma::tokens::error::invalid_request_body);
    auto e = store->epoch();
    CHECK(store->revoke("jti-1", t0 + 1h));
    CHECK(store->epoch() > e);
    CHECK(store->is_revoked("jti-1"));
    CHECK_FALSE(store->is_revoked("jti-2"));
    e = store->epoch();
    CHECK(store->revoke("jti-1", t0)); // earlier: kept as it was
    CHECK(store->epoch() == e);
    auto pruned = store->prune(t0 + 1h - 1s);
    REQUIRE(pruned);
    CHECK(*pruned == 0);
    CHECK(store->is_revoked("jti-1"));
    auto const g = store->grant_epoch();
    CHECK(store->erase_revocation("jti-1"));
    CHECK(store->epoch() == e);       // lifting a revocation invalidates nothing
    CHECK(store->grant_epoch() > g);  // but a cached refusal of the token is stale
    CHECK_FALSE(store->is_revoked("jti-1"));
    CHECK(error_of(store->erase_revocation("jti-1")) == ma::tokens::error::token_not_found);
}

TEST_CASE_TEMPLATE("a refresh token rotates once; presenting the old one again is a reuse", Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    CHECK(store->insert_refresh(refresh("r1", "f1")));
    CHECK(error_of(store->insert_refresh(refresh("r1", "f1"))) == ma::tokens::error::duplicate_token);
    auto zero = refresh("r0", "f1");
    zero.secret_hash = {};
    CHECK(error_of(store->insert_refresh(zero)) == ma::tokens::error::invalid_request_body);
    CHECK(error_of(store->insert_refresh(refresh("r0", ""))) == ma::tokens::error::invalid_request_body);

    auto const e = store->epoch();
    auto r1 = store->find_refresh(ma::validation::hash_secret("refresh-r1"));
    REQUIRE(r1);
    CHECK(r1->family == "f1");
    CHECK_FALSE(r1->rotated);
    CHECK(store->find_refresh(ma::validation::secret_digest{}) == nullptr);

    CHECK(store->rotate_refresh("r1", refresh("r2", "f1")));
    CHECK(store->find_refresh(ma::validation::hash_secret("refresh-r1"))->rotated);
    CHECK_FALSE(store->find_refresh(ma::validation::hash_secret("refresh-r2"))->rotated);
    CHECK(r1->rotated == false); // a record once read never changes

    CHECK(error_of(store->rotate_refresh("r1", refresh("r3", "f1"))) == ma::tokens::error::refresh_token_reused);
    CHECK(store->find_refresh(ma::validation::hash_secret("refresh-r3")) == nullptr);
    CHECK(error_of(store->rotate_refresh("nope", refresh("r3", "f1"))) == ma::tokens::error::invalid_refresh_token);
    CHECK(error_of(store->rotate_refresh("r2", refresh("r3", "other-family")))
          == ma::tokens::error::invalid_request_body);
    CHECK(error_of(store->rotate_refresh("r2", refresh("r1", "f1"))) == ma::tokens::error::duplicate_token);
    CHECK(store->rotate_refresh("r2", refresh("r3", "f1")));
    CHECK(store->epoch() == e); // refresh records are not credentials the validator reads
}

TEST_CASE_TEMPLATE("revoke_family deletes the family and revokes the access tokens issued from it", Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    CHECK(store->insert_refresh(refresh("r1", "f1")));
    CHECK(store->add_family_access("f1", "access-1", t0 + 30min));
    CHECK(store->rotate_refresh("r1", refresh("r2", "f1")));
    CHECK(store->add_family_access("f1", "access-2", t0 + 60min));
    CHECK(store->insert_refresh(refresh("other", "f2")));
    CHECK(store->add_family_access("f2", "access-other", t0 + 30min));
    CHECK(error_of(store->add_family_access("f9", "x", t0)) == ma::tokens::error::invalid_refresh_token);
    CHECK(error_of(store->add_family_access("f1", "", t0)) == ma::tokens::error::invalid_request_body);
    // An access id belongs to one family (found by fuzz/journal_fuzz.cpp:
    // fuzz/corpus/journal/regression-access-id-in-two-families); the same
    // family may see it again.
    CHECK(error_of(store->add_family_access("f2", "access-1", t0 + 30min)) == ma::tokens::error::duplicate_token);
    CHECK(store->add_family_access("f1", "access-1", t0 + 30min));

    auto const e = store->epoch();
    auto deleted = store->revoke_family("f1", {{"access-3", t0 + 30min}});
    REQUIRE(deleted);
    CHECK(*deleted == 2);
    CHECK(store->epoch() > e);
    CHECK(store->is_revoked("access-1"));
    CHECK(store->is_revoked("access-2"));
    CHECK(store->is_revoked("access-3"));
    CHECK_FALSE(store->is_revoked("access-other"));
    CHECK(store->find_refresh(ma::validation::hash_secret("refresh-r1")) == nullptr);
    CHECK(store->find_refresh(ma::validation::hash_secret("refresh-r2")) == nullptr);
    CHECK(store->find_refresh(ma::validation::hash_secret("refresh-other")));
    CHECK(error_of(store->add_family_access("f1", "access-4", t0)) == ma::tokens::error::invalid_refresh_token);
    CHECK(error_of(store->rotate_refresh("r2", refresh("r3", "f1"))) == ma::tokens::error::invalid_refresh_token);

    // The revocations last until the access tokens expire.
    auto pruned = store->prune(t0 + 31min);
    REQUIRE(pruned);
    CHECK(*pruned == 3); // the revocations of access-1 and access-3, f2's memory of access-other
    CHECK_FALSE(store->is_revoked("access-1"));
    CHECK(store->is_revoked("access-2"));

    // Revoking an unknown family is not an error.
    deleted = store->revoke_family("f1");
    REQUIRE(deleted);
    CHECK(*deleted == 0);
}

TEST_CASE_TEMPLATE("F6 a family keeps every live access id; a full family refuses new ones instead of forgetting one",
                   Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    CHECK(store->insert_refresh(refresh("r1", "f1")));
    // No limit: all 100 are revoked with the family (the old store forgot all but 64).
    for(int i = 0; i < 100; ++i)
        CHECK(store->add_family_access("f1", "access-" + std::to_string(i), t0 + std::chrono::minutes(i)));
    CHECK(store->find_family_of("access-0") == "f1");
    CHECK(store->find_family_of("unknown").empty());
    CHECK(store->revoke_family("f1"));
    for(int i = 0; i < 100; ++i)
    {
        INFO(i);
        CHECK(store->is_revoked("access-" + std::to_string(i)));
    }
    CHECK(store->find_family_of("access-0").empty());

    // With a limit, a full family refuses a new id, and a rotation too,
    // until ids expire.
    ma::tokens::family_limits limits;
    limits.max_tokens_per_family = 3;
    CHECK(store->insert_refresh(refresh("r2", "f2"), limits));
    for(int i = 0; i < 3; ++i)
        CHECK(store->add_family_access("f2", "a-" + std::to_string(i), t0 + 30min, limits));
    CHECK(error_of(store->add_family_access("f2", "a-3", t0 + 30min, limits)) == ma::tokens::error::token_quota);
    CHECK(ma::http_status(ma::tokens::make_error_code(ma::tokens::error::token_quota)) == 409);
    CHECK(store->add_family_access("f2", "a-0", t0 + 40min, limits)); // known: extends
    CHECK(error_of(store->rotate_refresh("r2", refresh("r3", "f2"), limits)) == ma::tokens::error::token_quota);
    auto later = refresh("r3", "f2");
    later.issued = t0 + 31min; // a-1 and a-2 have expired: dropped by the rotation
    CHECK(store->rotate_refresh("r2", later, limits));
    CHECK(store->find_family_of("a-1").empty());
    CHECK(store->find_family_of("a-0") == "f2");
    CHECK(store->add_family_access("f2", "a-4", t0 + 60min, limits));
    CHECK(store->revoke_family("f2"));
    CHECK(store->is_revoked("a-0"));
    CHECK(store->is_revoked("a-4"));
    CHECK_FALSE(store->is_revoked("a-1")); // expired anyway
}

TEST_CASE_TEMPLATE("F3 rotated refresh records leave the live records; rotations are bounded, never forgotten",
                   Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    ma::tokens::family_limits limits;
    limits.max_rotated_per_family = 4;
    CHECK(store->insert_refresh(refresh("r0", "f1")));
    for(int i = 1; i <= 4; ++i)
        CHECK(store->rotate_refresh("r" + std::to_string(i - 1), refresh("r" + std::to_string(i), "f1"), limits));
    // A fifth rotation is refused rather than the oldest rotated token forgotten.
    CHECK(error_of(store->rotate_refresh("r4", refresh("r5", "f1"), limits)) == ma::tokens::error::token_quota);
    for(int i = 0; i < 4; ++i)
    {
        INFO(i);
        auto found = store->find_refresh(ma::validation::hash_secret("refresh-r" + std::to_string(i)));
        REQUIRE(found);
        CHECK(found->rotated);
    }
    CHECK(error_of(store->rotate_refresh("r0", refresh("rx", "f1"), limits)) == ma::tokens::error::refresh_token_reused);
    // Once rotated records expire, a rotation drops them and may proceed.
    auto later = refresh("r5", "f1");
    later.issued = t0 + 90 * 24h;
    CHECK(store->rotate_refresh("r4", later, limits));
    CHECK(store->find_refresh(ma::validation::hash_secret("refresh-r0")) == nullptr);
    CHECK(store->find_refresh(ma::validation::hash_secret("refresh-r4"))->rotated);
    auto deleted = store->revoke_family("f1");
    REQUIRE(deleted);
    CHECK(*deleted == 2); // r5 and the rotated r4
}

TEST_CASE_TEMPLATE("F3 a new family beyond the owner's limit ends the owner's least recently used family",
                   Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    ma::tokens::family_limits limits;
    limits.max_families_per_owner = 2;
    CHECK(store->insert_refresh(refresh("r1", "f1"), limits));
    auto second = refresh("r2", "f2");
    second.issued = t0 + 1min;
    CHECK(store->insert_refresh(second, limits));
    CHECK(store->add_family_access("f2", "access-f2", t0 + 30min));
    auto bob = refresh("b1", "fb");
    bob.owner = "bob";
    CHECK(store->insert_refresh(bob, limits));
    // f1 is used again: f2 is now the least recently used.
    auto used = refresh("r1b", "f1");
    used.issued = t0 + 2min;
    CHECK(store->rotate_refresh("r1", used, limits));

    auto const e = store->epoch();
    auto third = refresh("r3", "f3");
    third.issued = t0 + 3min;
    CHECK(store->insert_refresh(third, limits));
    CHECK(store->epoch() > e);
    CHECK(store->find_refresh(ma::validation::hash_secret("refresh-r2")) == nullptr);
    CHECK(store->is_revoked("access-f2"));
    CHECK(store->find_refresh(ma::validation::hash_secret("refresh-r1b")));
    CHECK(store->find_refresh(ma::validation::hash_secret("refresh-r3")));
    CHECK(store->find_refresh(ma::validation::hash_secret("refresh-b1"))); // another owner's
    // A record of a known family is no new family.
    auto fourth = refresh("r4", "f3");
    fourth.issued = t0 + 4min;
    CHECK(store->insert_refresh(fourth, limits));
    CHECK(store->find_refresh(ma::validation::hash_secret("refresh-r1b")));
}

TEST_CASE_TEMPLATE("F3 temporary and instance tokens have quotas that expired tokens do not count against",
                   Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    auto temporary = [](std::string id, std::string account) {
        auto t = token(std::move(id), "manager@example.com", ma::validation::token_class::account);
        t.bindings.account = std::move(account);
        return t;
    };
    ma::tokens::insert_limits limits;
    limits.max_temporary = 2;
    CHECK(store->insert(temporary("t1", "a"), limits));
    CHECK(store->insert(temporary("t2", "a"), limits));
    CHECK(error_of(store->insert(temporary("t3", "a"), limits)) == ma::tokens::error::token_quota);
    CHECK(store->insert(temporary("t3", "b"), limits));                                      // another account
    CHECK(store->insert(permanent("p1", ma::validation::token_class::account, "a"), limits));           // permanent: not counted
    auto later = temporary("t4", "a");
    later.created = t0 + 25h; // t1 and t2 have expired by then
    later.expires = later.created + 24h;
    CHECK(store->insert(later, limits));

    ma::tokens::insert_limits per_instance;
    per_instance.max_per_instance = 2;
    auto instance_token = [](std::string id, std::string instance, bool is_permanent) {
        auto t = token(std::move(id), "alice", ma::validation::token_class::instance);
        t.bindings.instance = std::move(instance);
        if(is_permanent)
        {
            t.permanent = true;
            t.expires.reset();
        }
        return t;
    };
    CHECK(store->insert(instance_token("i1", "p/r/1", true), per_instance));
    CHECK(store->insert(instance_token("i2", "p/r/1", false), per_instance));
    CHECK(error_of(store->insert(instance_token("i3", "p/r/1", true), per_instance))
          == ma::tokens::error::token_quota);
    CHECK(store->insert(instance_token("i3", "p/r/2", true), per_instance));
    CHECK(store->count() == 8);
}

TEST_CASE_TEMPLATE("quotas count what the store holds after deletions, replacements, updates and pruning",
                   Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    auto temporary = [](std::string id) {
        auto t = token(std::move(id), "manager@example.com", ma::validation::token_class::account);
        t.bindings.account = "a";
        return t;
    };
    ma::tokens::insert_limits limits;
    limits.max_temporary = 2;
    limits.max_permanent = 1;
    REQUIRE(store->insert(temporary("t1"), limits));
    REQUIRE(store->insert(temporary("t2"), limits));
    CHECK(error_of(store->insert(temporary("t3"), limits)) == ma::tokens::error::token_quota);

    REQUIRE(store->erase("t1")); // a deletion frees a place
    CHECK(store->insert(temporary("t3"), limits));
    CHECK(error_of(store->insert(temporary("t4"), limits)) == ma::tokens::error::token_quota);

    // An update that shortens a token's life: expired at the next token's creation, not counted.
    REQUIRE(store->update("t2", [](ma::validation::stored_token& t) { t.expires = t0 + 1h; }));
    auto later = temporary("t4");
    later.created = t0 + 2h;
    CHECK(store->insert(later, limits));

    // Pruning drops t2; it was not counted already, and is not after.
    auto const pruned = store->prune(t0 + 2h);
    REQUIRE(pruned);
    CHECK(*pruned == 1);
    auto last = temporary("t5");
    last.created = t0 + 2h;
    CHECK(error_of(store->insert(last, limits)) == ma::tokens::error::token_quota); // t3, t4

    // Permanent tokens: a replacement of the owner's tokens frees the place it takes.
    REQUIRE(store->insert(permanent("p1", ma::validation::token_class::account, "a"), limits));
    CHECK(error_of(store->insert(permanent("p2", ma::validation::token_class::account, "a"), limits))
          == ma::tokens::error::permanent_token_quota);
    auto replacement = permanent("p2", ma::validation::token_class::account, "a");
    auto const replaced = store->replace_owned(replacement, limits);
    REQUIRE(replaced);
    CHECK(*replaced == std::vector<std::string>{"p1", "t3", "t4"}); // every account token of the owner
    CHECK(error_of(store->insert(permanent("p3", ma::validation::token_class::account, "a"), limits))
          == ma::tokens::error::permanent_token_quota);
    CHECK(store->insert(temporary("t6"), limits)); // the temporary ones went with the replacement
    CHECK(store->insert(temporary("t7"), limits));
    CHECK(error_of(store->insert(temporary("t8"), limits)) == ma::tokens::error::token_quota);

    if constexpr(std::is_same_v<Maker, journal>)
    {
        // A replayed journal counts the same.
        store.reset();
        store = maker.make();
        CHECK(error_of(store->insert(temporary("t8"), limits)) == ma::tokens::error::token_quota);
        CHECK(error_of(store->insert(permanent("p3", ma::validation::token_class::account, "a"), limits))
              == ma::tokens::error::permanent_token_quota);
        REQUIRE(store->erase("t6"));
        CHECK(store->insert(temporary("t8"), limits));
    }
}

TEST_CASE_TEMPLATE("prune drops expired tokens, revocations and refresh tokens, never permanent tokens", Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    auto expired = token("expired");
    expired.expires = t0;
    auto live = token("live");
    live.expires = t0 + 1s;
    CHECK(store->insert(expired));
    CHECK(store->insert(live));
    CHECK(store->insert(permanent("permanent", ma::validation::token_class::account, "demo")));
    CHECK(store->revoke("old", t0 - 1s));
    CHECK(store->revoke("current", t0));
    CHECK(store->revoke("forever"));
    auto old_refresh = refresh("old", "f-old");
    old_refresh.expires = t0;
    CHECK(store->insert_refresh(old_refresh));
    CHECK(store->add_family_access("f-old", "access-old", t0 + 1h));
    CHECK(store->insert_refresh(refresh("new", "f-new")));
    CHECK(store->add_family_access("f-new", "access-expired", t0 - 1s));
    CHECK(store->add_family_access("f-new", "access-live", t0 + 1h));

    auto const e = store->epoch();
    auto const g = store->grant_epoch();
    auto pruned = store->prune(t0);
    REQUIRE(pruned);
    // expired token, "old" revocation, old refresh token with its family's
    // access id, the expired access id of f-new
    CHECK(*pruned == 5);
    // What expired can be in no cached verdict that still holds: the cache
    // stays warm.
    CHECK(store->epoch() == e);
    CHECK(store->grant_epoch() == g);
    CHECK(ids(store->list()) == std::vector<std::string>{"live", "permanent"});
    CHECK_FALSE(store->is_revoked("old"));
    CHECK(store->is_revoked("current"));
    CHECK(store->is_revoked("forever"));
    CHECK(store->find_refresh(ma::validation::hash_secret("refresh-old")) == nullptr);
    CHECK(store->find_refresh(ma::validation::hash_secret("refresh-new")));
    CHECK(error_of(store->add_family_access("f-old", "x", t0 + 1h)) == ma::tokens::error::invalid_refresh_token);
    CHECK(store->revoke_family("f-new"));
    CHECK(store->is_revoked("access-live"));
    CHECK_FALSE(store->is_revoked("access-expired"));

    pruned = store->prune(t0);
    REQUIRE(pruned);
    CHECK(*pruned == 0);
}

TEST_CASE_TEMPLATE("prune finds expired tokens and revocations by their expiry, to the second, whatever changed them since",
                   Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    // The index buckets expiries by minute: tokens on both sides of `now`
    // within its minute, in minutes before and after it, and tokens whose
    // expiry an update moved, that were deleted, or deleted and put back
    // permanent.
    auto const minute = std::chrono::floor<std::chrono::minutes>(t0 + 90min);
    auto const now = minute + 30s;
    auto at = [&](std::string id, ma::validation::stored_token::clock::time_point expires) {
        auto t = token(std::move(id));
        t.expires = expires;
        REQUIRE(store->insert(std::move(t)));
    };
    at("minute-start", minute);
    at("just-before", now - 1s); // a journal keeps whole seconds
    at("exactly-now", now);
    at("just-after", now + 1s);
    at("minute-end", minute + 59s);
    at("minutes-ago", now - 10min);
    at("next-minute", minute + 60s);
    at("moved-earlier", now + 1h);
    at("moved-later", now - 1h);
    at("deleted", now - 1h);
    at("made-permanent", now - 1h);
    REQUIRE(store->update("moved-earlier", [&](ma::validation::stored_token& t) { t.expires = now - 2min; }));
    REQUIRE(store->update("moved-later", [&](ma::validation::stored_token& t) { t.expires = now + 2min; }));
    REQUIRE(store->erase("deleted"));
    REQUIRE(store->erase("made-permanent")); // and back, with the same id, permanent
    REQUIRE(store->insert(permanent("made-permanent", ma::validation::token_class::account, "demo")));

    // Revocations end the same way, strictly before `now`; a revocation
    // extended, forgotten or revoked for ever counts by what it is now.
    REQUIRE(store->revoke("r-just-before", now - 1s));
    REQUIRE(store->revoke("r-exactly-now", now));
    REQUIRE(store->revoke("r-minutes-ago", now - 10min));
    REQUIRE(store->revoke("r-extended", now - 10min));
    REQUIRE(store->revoke("r-extended", now + 10min));
    REQUIRE(store->revoke("r-forgotten", now - 10min));
    REQUIRE(store->erase_revocation("r-forgotten"));
    REQUIRE(store->revoke("r-for-ever", now - 10min));
    REQUIRE(store->revoke("r-for-ever"));

    auto pruned = store->prune(now);
    REQUIRE(pruned);
    // minute-start, just-before, exactly-now, minutes-ago, moved-earlier;
    // r-just-before, r-minutes-ago
    CHECK(*pruned == 7);
    CHECK_FALSE(store->is_revoked("r-just-before"));
    CHECK_FALSE(store->is_revoked("r-minutes-ago"));
    CHECK(store->is_revoked("r-exactly-now"));
    CHECK(store->is_revoked("r-extended"));
    CHECK(store->is_revoked("r-for-ever"));
    CHECK(ids(store->list()) == std::vector<std::string>{"just-after", "made-permanent", "minute-end", "moved-later",
                                                        "next-minute"});

    // The rest expire in turn; a permanent token never does.
    pruned = store->prune(minute + 60s);
    REQUIRE(pruned);
    CHECK(*pruned == 4); // just-after, minute-end, next-minute; r-exactly-now
    pruned = store->prune(now + 1000h);
    REQUIRE(pruned);
    CHECK(*pruned == 2); // moved-later; r-extended
    CHECK(ids(store->list()) == std::vector<std::string>{"made-permanent"});
    CHECK_FALSE(store->is_revoked("r-extended"));
    CHECK(store->is_revoked("r-for-ever"));

    if constexpr(std::is_same_v<Maker, journal>)
    {
        // A replay walks the tokens itself, and comes to the same.
        store.reset();
        store = maker.make();
        CHECK(ids(store->list()) == std::vector<std::string>{"made-permanent"});
        CHECK(store->is_revoked("r-for-ever"));
        pruned = store->prune(now + 2000h);
        REQUIRE(pruned);
        CHECK(*pruned == 0);
    }
}

TEST_CASE_TEMPLATE("concurrent inserts never exceed the permanent-token quota", Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    std::atomic<int> accepted{0};
    std::atomic<int> refused{0};
    auto worker = [&](std::string const& prefix) {
        for(int i = 0; i < 6; ++i)
        {
            auto r = store->insert(permanent(prefix + std::to_string(i), ma::validation::token_class::account, "demo"),
                                   ma::tokens::insert_limits{5});
            if(r)
                ++accepted;
            else if(r.error() == ma::tokens::error::permanent_token_quota)
                ++refused;
        }
    };
    std::thread a(worker, "a-");
    std::thread b(worker, "b-");
    a.join();
    b.join();
    CHECK(accepted == 5);
    CHECK(refused == 7);
    CHECK(store->count() == 5);
}

TEST_CASE_TEMPLATE("two readers and a writer share a store without a race", Maker, STORE_TYPES)
{
    Maker maker;
    auto store = maker.make();
    CHECK(store->insert(token("base")));
    std::atomic<bool> done{false};
    std::atomic<bool> consistent{true};
    auto reader = [&] {
        std::uint64_t last_epoch = 0;
        while(! done.load())
        {
            auto const epoch = store->epoch();
            auto t = store->find_by_secret(ma::validation::hash_secret("secret-base"));
            if(! t || t->id != "base" || epoch < last_epoch)
                consistent = false;
            last_epoch = epoch;
            (void)store->is_revoked("jti-7");
            (void)store->list();
            (void)store->find_refresh(ma::validation::hash_secret("refresh-r1"));
        }
    };
    std::thread r1(reader);
    std::thread r2(reader);
    for(int i = 0; i < 60; ++i)
    {
        auto const n = std::to_string(i);
        CHECK(store->insert(token("t" + n)));
        CHECK(store->set_active("base", i % 2 == 0));
        CHECK(store->revoke("jti-" + n, t0 + 1h));
        if(i % 3 == 0)
            CHECK(store->erase("t" + n));
    }
    done = true;
    r1.join();
    r2.join();
    CHECK(consistent);
    CHECK(store->count() == 41);
    CHECK(store->is_revoked("jti-7"));
}
