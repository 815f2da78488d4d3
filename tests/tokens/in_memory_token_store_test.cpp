//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/tokens/in_memory_token_store.hpp>

#include <doctest/doctest.h>

#include <thread>

namespace ma = modelauth;
using namespace std::chrono_literals;

namespace {

ma::stored_token token(std::string id, std::string const& secret)
{
    ma::stored_token t;
    t.id = std::move(id);
    t.secret_hash = ma::hash_secret(secret);
    t.hint = std::string(ma::api_key_hint(secret));
    t.owner = "alice";
    t.scopes = {"models:read"};
    return t;
}

} // namespace

TEST_CASE("the in-memory store finds tokens by secret digest and by id")
{
    ma::InMemoryTokenStore store;
    CHECK(store.insert(token("t1", "secret-one")));
    CHECK(store.insert(token("t2", "secret-two")));
    CHECK_FALSE(store.insert(token("t1", "secret-three"))); // same id
    CHECK_FALSE(store.insert(token("t3", "secret-one")));   // same secret

    auto found = store.find_by_secret(ma::hash_secret("secret-two"));
    REQUIRE(found);
    CHECK(found->id == "t2");
    CHECK(store.find_by_secret(ma::hash_secret("secret-four")) == nullptr);
    CHECK(store.find_by_secret(ma::secret_digest{}) == nullptr); // all-zero never matches
    REQUIRE(store.find_by_id("t1"));
    CHECK(store.find_by_id("t1")->hint == "-one");
    CHECK(store.tokens().size() == 2);
}

TEST_CASE("every change that can invalidate a credential advances the epoch")
{
    ma::InMemoryTokenStore store;
    auto e = store.epoch();
    CHECK(store.insert(token("t1", "secret-one")));
    CHECK(store.epoch() > e);

    e = store.epoch();
    CHECK(store.set_active("t1", false));
    CHECK(store.epoch() > e);
    CHECK_FALSE(store.find_by_secret(ma::hash_secret("secret-one"))->active);

    e = store.epoch();
    store.revoke("jti-1");
    CHECK(store.epoch() > e);
    CHECK(store.is_revoked("jti-1"));
    CHECK_FALSE(store.is_revoked("jti-2"));

    e = store.epoch();
    auto replaced = token("t1", "secret-rotated");
    CHECK(store.replace(replaced));
    CHECK(store.epoch() > e);
    CHECK(store.find_by_secret(ma::hash_secret("secret-one")) == nullptr);
    CHECK(store.find_by_secret(ma::hash_secret("secret-rotated")));

    e = store.epoch();
    CHECK(store.erase("t1"));
    CHECK(store.epoch() > e);
    CHECK(store.find_by_secret(ma::hash_secret("secret-rotated")) == nullptr);

    e = store.epoch();
    CHECK_FALSE(store.erase("t1"));
    CHECK_FALSE(store.set_active("t1", true));
    CHECK_FALSE(store.replace(token("nope", "x")));
    CHECK(store.epoch() == e); // nothing changed, nothing invalidated
}

TEST_CASE("revocations can be pruned once the revoked token has expired")
{
    ma::InMemoryTokenStore store;
    auto const now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
    store.revoke("old", now - 1s);
    store.revoke("new", now + 1h);
    store.revoke("forever");
    CHECK(store.prune_revocations(now) == 1);
    CHECK_FALSE(store.is_revoked("old"));
    CHECK(store.is_revoked("new"));
    CHECK(store.is_revoked("forever"));
    CHECK(store.erase_revocation("forever"));
    CHECK_FALSE(store.is_revoked("forever"));
}

TEST_CASE("readers see a whole snapshot while a writer changes the store")
{
    ma::InMemoryTokenStore store;
    CHECK(store.insert(token("base", "secret-base")));
    std::atomic<bool> done{false};
    std::thread reader([&] {
        while(! done.load())
        {
            auto t = store.find_by_secret(ma::hash_secret("secret-base"));
            REQUIRE(t);
            CHECK(t->id == "base");
        }
    });
    for(int i = 0; i < 200; ++i)
    {
        CHECK(store.insert(token("t" + std::to_string(i), "secret-" + std::to_string(i))));
        CHECK(store.set_active("base", i % 2 == 0));
    }
    done = true;
    reader.join();
    CHECK(store.tokens().size() == 201);
}
