//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/tokens/in_memory_token_store.hpp>
#include <modelauth/tokens/error.hpp>

#include "support/doctest_result.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

namespace ma = modelauth;
using namespace std::chrono_literals;

namespace {

ma::validation::stored_token token(std::string id, std::string const& secret)
{
    ma::validation::stored_token t;
    t.id = std::move(id);
    t.secret_hash = ma::validation::hash_secret(secret);
    t.hint = std::string(ma::validation::api_key_hint(secret));
    t.owner = "alice";
    t.scopes = {"models:read"};
    return t;
}

std::error_code error_of(ma::result<void> const& r)
{
    return r ? std::error_code{} : r.error();
}

} // namespace

TEST_CASE("the in-memory store finds tokens by secret digest and by id")
{
    ma::tokens::InMemoryTokenStore store;
    CHECK(store.insert(token("t1", "secret-one")));
    CHECK(store.insert(token("t2", "secret-two")));
    CHECK(error_of(store.insert(token("t1", "secret-three"))) == ma::tokens::error::duplicate_token); // same id
    CHECK(error_of(store.insert(token("t3", "secret-one"))) == ma::tokens::error::duplicate_token);   // same secret
    auto zero = token("t4", "x");
    zero.secret_hash = {};
    CHECK(error_of(store.insert(zero)) == ma::tokens::error::invalid_request_body);

    auto found = store.find_by_secret(ma::validation::hash_secret("secret-two"));
    REQUIRE(found);
    CHECK(found->id == "t2");
    CHECK(store.find_by_secret(ma::validation::hash_secret("secret-four")) == nullptr);
    CHECK(store.find_by_secret(ma::validation::secret_digest{}) == nullptr); // all-zero never matches
    REQUIRE(store.find_by_id("t1"));
    CHECK(store.find_by_id("t1")->hint == "-one");
    CHECK(store.find_by_id("t9") == nullptr);
    CHECK(store.tokens().size() == 2);
}

TEST_CASE("every change that can make a credential valid advances the grant epoch, and only those")
{
    ma::tokens::InMemoryTokenStore store;
    auto g = store.grant_epoch();
    auto e = store.epoch();
    CHECK(g > 0);

    CHECK(store.insert(token("t1", "secret-one")));
    CHECK(store.grant_epoch() > g); // a key tried before it existed works now
    CHECK(store.epoch() == e);

    g = store.grant_epoch();
    CHECK(store.revoke("jti-1"));
    CHECK(store.grant_epoch() == g); // taking away grants nothing
    CHECK(store.epoch() > e);

    g = store.grant_epoch();
    e = store.epoch();
    CHECK(store.erase_revocation("jti-1"));
    CHECK(store.grant_epoch() > g); // a revocation lifted
    CHECK(store.epoch() == e);

    g = store.grant_epoch();
    CHECK(store.set_active("t1", false));
    CHECK(store.set_active("t1", true));
    CHECK(store.grant_epoch() > g); // an activation

    g = store.grant_epoch();
    e = store.epoch();
    CHECK(store.erase("t1"));
    CHECK(store.grant_epoch() == g);
    CHECK(store.epoch() > e);

    // Pruning drops only what has expired: neither moves.
    auto expiring = token("t2", "secret-two");
    expiring.expires = expiring.created + std::chrono::minutes(1);
    CHECK(store.insert(expiring));
    g = store.grant_epoch();
    e = store.epoch();
    auto const pruned = store.prune(expiring.created + std::chrono::minutes(2));
    REQUIRE(pruned);
    CHECK(*pruned == 1);
    CHECK(store.find_by_id("t2") == nullptr);
    CHECK(store.grant_epoch() == g);
    CHECK(store.epoch() == e);
}

TEST_CASE("every change that can invalidate a credential advances the epoch")
{
    ma::tokens::InMemoryTokenStore store;
    auto e = store.epoch();
    CHECK(store.insert(token("t1", "secret-one")));
    CHECK(store.epoch() == e); // a new token invalidates nothing: cached verdicts stay warm

    e = store.epoch();
    CHECK(store.set_active("t1", false));
    CHECK(store.epoch() > e);
    CHECK_FALSE(store.find_by_secret(ma::validation::hash_secret("secret-one"))->active);

    e = store.epoch();
    CHECK(store.revoke("jti-1"));
    CHECK(store.epoch() > e);
    CHECK(store.is_revoked("jti-1"));
    CHECK_FALSE(store.is_revoked("jti-2"));

    e = store.epoch();
    auto replaced = store.replace_owned(token("t1", "secret-rotated"));
    REQUIRE(replaced);
    CHECK(*replaced == std::vector<std::string>{"t1"});
    CHECK(store.epoch() > e);
    CHECK(store.find_by_secret(ma::validation::hash_secret("secret-one")) == nullptr);
    CHECK(store.find_by_secret(ma::validation::hash_secret("secret-rotated")));

    e = store.epoch();
    CHECK(store.erase("t1"));
    CHECK(store.epoch() > e);
    CHECK(store.find_by_secret(ma::validation::hash_secret("secret-rotated")) == nullptr);

    e = store.epoch();
    CHECK(error_of(store.erase("t1")) == ma::tokens::error::token_not_found);
    CHECK(error_of(store.set_active("t1", true)) == ma::tokens::error::token_not_found);
    CHECK(error_of(store.erase_revocation("jti-2")) == ma::tokens::error::token_not_found);
    CHECK(store.revoke("jti-1")); // already revoked for ever: nothing changes
    CHECK(store.epoch() == e);    // nothing changed, nothing invalidated
}

TEST_CASE("revocations can be pruned once the revoked token has expired")
{
    ma::tokens::InMemoryTokenStore store;
    auto const now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
    CHECK(store.revoke("old", now - 1s));
    CHECK(store.revoke("new", now + 1h));
    CHECK(store.revoke("forever"));
    auto pruned = store.prune(now);
    REQUIRE(pruned);
    CHECK(*pruned == 1);
    CHECK_FALSE(store.is_revoked("old"));
    CHECK(store.is_revoked("new"));
    CHECK(store.is_revoked("forever"));
    CHECK(store.erase_revocation("forever"));
    CHECK_FALSE(store.is_revoked("forever"));
}

TEST_CASE("readers see a whole snapshot while a writer changes the store")
{
    ma::tokens::InMemoryTokenStore store;
    CHECK(store.insert(token("base", "secret-base")));
    std::atomic<bool> done{false};
    std::atomic<bool> consistent{true};
    std::thread reader([&] {
        while(! done.load())
        {
            auto t = store.find_by_secret(ma::validation::hash_secret("secret-base"));
            if(! t || t->id != "base")
                consistent = false;
        }
    });
    for(int i = 0; i < 200; ++i)
    {
        CHECK(store.insert(token("t" + std::to_string(i), "secret-" + std::to_string(i))));
        CHECK(store.set_active("base", i % 2 == 0));
    }
    done = true;
    reader.join();
    CHECK(consistent);
    CHECK(store.tokens().size() == 201);
}
