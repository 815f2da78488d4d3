//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The request path over the Redis store, beside the same over the memory
// store (issue 19): a replica reads its mirror exactly as the memory store
// is read, so an API key's lookup and a validation (cached and not) must
// cost the same; and what a change costs, one round trip to a redis-server
// on loopback (started here, on a free port) against the memory store's.

#include "alloc_counter.hpp"

#include <modelauth/tokens/in_memory_token_store.hpp>
#include <modelauth/tokens/redis_token_store.hpp>
#include <modelauth/validation/api_key.hpp>
#include <modelauth/validation/token_validator.hpp>

#include "support/redis_test_server.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace ma = modelauth;

[[noreturn]] void fail(char const* what)
{
    std::fprintf(stderr, "redis_store_bench: %s\n", what);
    std::abort();
}

// A fixed instant, so no case depends on the date.
struct bench_clock
{
    std::chrono::system_clock::time_point now() const noexcept
    {
        return std::chrono::system_clock::time_point(std::chrono::seconds(1795000000));
    }
};

constexpr std::size_t key_count = 10000;

ma::validation::stored_token make_token(std::size_t i, std::string const& key)
{
    ma::validation::stored_token t;
    t.id = "tok_" + std::to_string(i);
    t.secret_hash = ma::validation::hash_secret(key);
    t.hint = key.substr(key.size() - 4);
    t.owner = "user-" + std::to_string(i % 1000);
    t.cls = ma::validation::token_class::personal_key;
    t.bindings.account = "acct-" + std::to_string(i % 100);
    t.scopes = {"models:infer"};
    t.created = bench_clock().now();
    t.expires = t.created + std::chrono::hours(1);
    return t;
}

// Both stores holding the same 10,000 API keys, and a validator over each.
struct stores
{
    modelauth_test::redis_test_server server;
    std::vector<std::string> keys;
    std::shared_ptr<ma::tokens::InMemoryTokenStore> memory = std::make_shared<ma::tokens::InMemoryTokenStore>();
    std::shared_ptr<ma::tokens::RedisTokenStore> redis;
    std::optional<ma::validation::basic_token_validator<bench_clock>> memory_validator;
    std::optional<ma::validation::basic_token_validator<bench_clock>> redis_validator;
    std::size_t next_id = key_count;

    stores()
    {
        std::string why;
        auto opened = ma::tokens::RedisTokenStore::open(server.url(), {}, &why);
        if(! opened)
            fail(why.c_str());
        redis = *opened;
        for(std::size_t i = 0; i < key_count; ++i)
        {
            keys.push_back(ma::validation::generate_api_key().value());
            if(! memory->insert(make_token(i, keys.back())) || ! redis->insert(make_token(i, keys.back())))
                fail("an insert failed");
        }
        ma::validation::token_validator_options options;
        memory_validator.emplace(std::vector<ma::validation::trusted_issuer>{}, options, memory);
        redis_validator.emplace(std::vector<ma::validation::trusted_issuer>{}, options, redis);
    }

    static stores& get()
    {
        static stores s;
        return s;
    }
};

// Looks the keys' digests up in `store`, one after the other.
void run_find(benchmark::State& state, ma::validation::TokenStore const& store)
{
    std::vector<ma::validation::secret_digest> digests;
    for(auto const& k : stores::get().keys)
        digests.push_back(ma::validation::hash_secret(k));
    std::size_t i = 0;
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        auto found = store.find_by_secret(digests[i++ % digests.size()]);
        benchmark::DoNotOptimize(found);
    }
    allocs.report(state);
}

// Baseline: an API key's digest looked up in the memory store.
void BM_redis_baseline_find_memory(benchmark::State& state)
{
    run_find(state, *stores::get().memory);
}
BENCHMARK(BM_redis_baseline_find_memory);

// The same lookup in a replica's mirror of the Redis store.
void BM_redis_find_mirror(benchmark::State& state)
{
    run_find(state, *stores::get().redis);
}
BENCHMARK(BM_redis_find_mirror);

void run_cached(benchmark::State& state, ma::validation::basic_token_validator<bench_clock> const& v,
                std::string const& key)
{
    if(! v.validate(key))
        fail("the benchmark key does not validate");
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        auto principal = v.validate(key);
        benchmark::DoNotOptimize(principal);
    }
    allocs.report(state);
}

// Baseline: a cached API-key validation over the memory store.
void BM_redis_baseline_validate_cached_memory(benchmark::State& state)
{
    auto& s = stores::get();
    run_cached(state, *s.memory_validator, s.keys.front());
}
BENCHMARK(BM_redis_baseline_validate_cached_memory);

// The same over the Redis store (its mirror).
void BM_redis_validate_cached_mirror(benchmark::State& state)
{
    auto& s = stores::get();
    run_cached(state, *s.redis_validator, s.keys.front());
}
BENCHMARK(BM_redis_validate_cached_mirror);

// Each key once in 10,000: a validation the cache mostly has not seen
// (checksum, SHA-256, lookup, principal).
void run_uncached(benchmark::State& state, ma::validation::basic_token_validator<bench_clock> const& v,
                  std::vector<std::string> const& keys)
{
    std::size_t i = 0;
    for(auto _ : state)
    {
        auto principal = v.validate(keys[i++ % keys.size()]);
        if(! principal)
            fail("a key does not validate");
        benchmark::DoNotOptimize(principal);
    }
}

// Baseline: API keys validated over the memory store, the cache cold.
void BM_redis_baseline_validate_keys_memory(benchmark::State& state)
{
    auto& s = stores::get();
    run_uncached(state, *s.memory_validator, s.keys);
}
BENCHMARK(BM_redis_baseline_validate_keys_memory);

// The same over the Redis store (its mirror).
void BM_redis_validate_keys_mirror(benchmark::State& state)
{
    auto& s = stores::get();
    run_uncached(state, *s.redis_validator, s.keys);
}
BENCHMARK(BM_redis_validate_keys_mirror);

// Baseline: a revocation in the memory store.
void BM_redis_baseline_revoke_memory(benchmark::State& state)
{
    auto& s = stores::get();
    static std::uint64_t n = 0; // a new jti in every run: revoking one twice changes nothing
    for(auto _ : state)
        if(! s.memory->revoke("jti-m-" + std::to_string(n++), bench_clock().now() + std::chrono::hours(1)))
            fail("a revocation failed");
}
BENCHMARK(BM_redis_baseline_revoke_memory)->Unit(benchmark::kMicrosecond);

// The same through the Redis store: one compare-and-append on loopback,
// what every replica then applies.
void BM_redis_revoke(benchmark::State& state)
{
    auto& s = stores::get();
    static std::uint64_t n = 0;
    for(auto _ : state)
        if(! s.redis->revoke("jti-r-" + std::to_string(n++), bench_clock().now() + std::chrono::hours(1)))
            fail("a revocation failed");
}
BENCHMARK(BM_redis_revoke)->Unit(benchmark::kMicrosecond);

} // namespace
