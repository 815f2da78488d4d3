//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/validation/token_cache.hpp>
#include <modelauth/jose/error.hpp>

#include <modelauth/error.hpp>

#include <doctest/doctest.h>

#include <thread>

namespace ma = modelauth;
using namespace std::chrono_literals;
using time_point = std::chrono::system_clock::time_point;

namespace {

time_point const now{std::chrono::seconds(1'800'000'000)};

ma::validation::principal_ptr principal(char const* subject)
{
    auto p = std::make_shared<ma::validation::Principal>();
    p->subject = subject;
    return p;
}

} // namespace

TEST_CASE("a cached credential hits until it expires, and a different credential never hits")
{
    ma::validation::verified_token_cache cache;
    std::string const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
    CHECK_FALSE(cache.find(token, now, 1));
    cache.insert(token, principal("alice"), now + 60s, cache.stamp_for(1));

    auto hit = cache.find(token, now, 1);
    REQUIRE(hit);
    CHECK(hit->principal->subject == "alice");
    CHECK(cache.find(token, now + 59s, 1));
    CHECK_FALSE(cache.find(token, now + 60s, 1)); // expiry re-checked on every hit

    std::string other = token;
    other.back() = 'X';
    CHECK_FALSE(cache.find(other, now, 1));
    CHECK_FALSE(cache.find(token.substr(0, token.size() - 1), now, 1));
    CHECK_FALSE(cache.find(token + "A", now, 1));
    other = token;
    other[0] = 'f';
    CHECK_FALSE(cache.find(other, now, 1));

    auto const stats = cache.stats();
    CHECK(stats.hits == 2);
    CHECK(stats.misses == 6);
}

TEST_CASE("a new store epoch or clear() makes cached entries stale")
{
    ma::validation::verified_token_cache cache;
    cache.insert("tok", principal("alice"), now + 1h, cache.stamp_for(5));
    CHECK(cache.find("tok", now, 5));
    CHECK_FALSE(cache.find("tok", now, 6)); // a revocation bumped the epoch

    cache.insert("tok", principal("alice"), now + 1h, cache.stamp_for(6));
    CHECK(cache.find("tok", now, 6));
    cache.clear();
    CHECK_FALSE(cache.find("tok", now, 6));
}

TEST_CASE("F1: an entry stamped before clear() is stale when inserted after it")
{
    // A verification that started before a key change (and read the old
    // keys) stores its entry after clear(): it must never hit.
    ma::validation::verified_token_cache cache;
    auto const before = cache.stamp_for(7);
    cache.clear();
    cache.insert("tok", principal("alice"), now + 1h, before);
    CHECK_FALSE(cache.find("tok", now, 7));

    cache.insert("tok", principal("alice"), now + 1h, cache.stamp_for(7));
    CHECK(cache.find("tok", now, 7));
}

TEST_CASE("F12: a destroyed cache's entry leaves every thread's index")
{
    auto const entries = [] { return ma::validation::detail::this_thread_caches().tables.size(); };
    ma::validation::verified_token_cache keeper;
    keeper.insert("tok", principal("alice"), now + 1h, keeper.stamp_for(1));
    auto const base = entries();
    for(int i = 0; i < 100; ++i)
    {
        ma::validation::verified_token_cache rebuilt; // a validator rebuilt on a reload
        rebuilt.insert("tok", principal("alice"), now + 1h, rebuilt.stamp_for(1));
        CHECK(rebuilt.find("tok", now, 1));
    }
    // Each new cache swept the dead ones before adding itself: at most the
    // last one is left, not a hundred.
    CHECK(entries() <= base + 1);
    CHECK(keeper.find("tok", now, 1));
}

TEST_CASE("failures are not cached unless asked for")
{
    ma::validation::verified_token_cache cache;
    cache.insert_failure("bad", ma::jose::error::signature_mismatch, now, cache.stamp_for(1));
    CHECK_FALSE(cache.find("bad", now, 1));

    ma::validation::token_cache_options options;
    options.cache_failures = true;
    options.failure_ttl = 5s;
    ma::validation::verified_token_cache failing(options);
    failing.insert_failure("bad", ma::jose::error::signature_mismatch, now, failing.stamp_for(1));
    auto hit = failing.find("bad", now + 4s, 1);
    REQUIRE(hit);
    CHECK_FALSE(hit->principal);
    CHECK(hit->error == ma::jose::error::signature_mismatch);
    CHECK_FALSE(failing.find("bad", now + 5s, 1));
}

TEST_CASE("the cache is bounded: a colliding credential replaces its slot")
{
    ma::validation::token_cache_options options;
    options.capacity_per_thread = 4;
    ma::validation::verified_token_cache cache(options);
    for(int i = 0; i < 100; ++i)
        cache.insert("token-" + std::to_string(i), principal("x"), now + 1h, cache.stamp_for(1));
    int hits = 0;
    for(int i = 0; i < 100; ++i)
        hits += cache.find("token-" + std::to_string(i), now, 1).has_value();
    CHECK(hits <= 4);
    CHECK(hits >= 1);
}

TEST_CASE("a disabled cache and over-long credentials store nothing")
{
    ma::validation::token_cache_options options;
    options.capacity_per_thread = 0;
    ma::validation::verified_token_cache disabled(options);
    CHECK_FALSE(disabled.enabled());
    disabled.insert("tok", principal("x"), now + 1h, disabled.stamp_for(1));
    CHECK_FALSE(disabled.find("tok", now, 1));

    options.capacity_per_thread = 16;
    options.max_credential_bytes = 8;
    ma::validation::verified_token_cache small(options);
    small.insert("123456789", principal("x"), now + 1h, small.stamp_for(1));
    CHECK_FALSE(small.find("123456789", now, 1));
}

TEST_CASE("each thread has its own table, and statistics add up over threads")
{
    ma::validation::verified_token_cache cache;
    cache.insert("tok", principal("main"), now + 1h, cache.stamp_for(1));
    std::thread other([&] {
        CHECK_FALSE(cache.find("tok", now, 1)); // another thread's table is empty
        cache.insert("tok", principal("other"), now + 1h, cache.stamp_for(1));
        auto hit = cache.find("tok", now, 1);
        REQUIRE(hit);
        CHECK(hit->principal->subject == "other");
    });
    other.join();
    auto hit = cache.find("tok", now, 1);
    REQUIRE(hit);
    CHECK(hit->principal->subject == "main");
    auto const stats = cache.stats();
    CHECK(stats.hits == 2);
    CHECK(stats.misses == 1);
}
