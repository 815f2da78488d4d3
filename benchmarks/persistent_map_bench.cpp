//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The token store's map (detail::persistent_map). Goal: a write costs the
// same at 1,000,000 entries as at 1,000 (it copies one path of at most 14
// nodes and touches no child's memory), and a lookup allocates nothing.
//
// BM_persistent_map_assign/N: one new key into a map of about N entries,
// each assign in its own transaction (so every edit copies its path, as a
// store publishing each write would). Every 256 assigns, outside the
// timing, the 256 keys are erased again, so the map stays between N and
// N + 256 entries; freeing the garbage of the timed assigns is timed.
//
// BM_persistent_map_find/N: lookups of 4096 keys spread over the map.
//
// The baselines do the same with a std::unordered_map (mutable, no
// versions): how much of the growth from 1,000 to 1,000,000 entries any
// hash table pays in cache misses.

#include "alloc_counter.hpp"

#include <modelauth/detail/persistent_map.hpp>

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

namespace md = modelauth::detail;

struct entry
{
    std::string key;
    long value;
};

struct key_of
{
    std::string_view operator()(entry const& e) const noexcept
    {
        return e.key;
    }
};

struct key_hash
{
    std::size_t operator()(std::string_view s) const noexcept
    {
        return std::hash<std::string_view>{}(s);
    }
};

struct key_equal
{
    bool operator()(std::string_view a, std::string_view b) const noexcept
    {
        return a == b;
    }
};

using map = md::persistent_map<entry, key_of, key_hash, key_equal>;

std::string key_name(std::size_t i)
{
    return "key-" + std::to_string(i);
}

// n entries, loaded in one transaction (nothing retired).
map make_map(std::size_t n, md::garbage& g)
{
    map m;
    md::transaction t{md::next_transaction_id(), g};
    for(std::size_t i = 0; i < n; ++i)
        m.assign(entry{key_name(i), static_cast<long>(i)}, t);
    return m;
}

void BM_persistent_map_assign(benchmark::State& state)
{
    constexpr std::size_t batch = 256;
    auto const n = static_cast<std::size_t>(state.range(0));
    md::garbage load_garbage;
    map m = make_map(n, load_garbage);
    state.counters["bytes_per_entry"] = static_cast<double>(m.memory_bytes()) / static_cast<double>(n);
    std::vector<std::string> fresh;
    for(std::size_t i = 0; i < batch; ++i)
        fresh.push_back("new-" + std::to_string(i));

    md::garbage g;
    std::size_t j = 0;
    std::uint64_t untimed_allocations = 0;
    auto const start = modelauth_bench::allocation_count();
    for(auto _ : state)
    {
        md::transaction t{md::next_transaction_id(), g};
        benchmark::DoNotOptimize(m.assign(entry{fresh[j], static_cast<long>(j)}, t));
        if(++j == batch)
        {
            g.clear();
            state.PauseTiming();
            auto const paused = modelauth_bench::allocation_count();
            md::garbage erase_garbage;
            md::transaction erase{md::next_transaction_id(), erase_garbage};
            for(auto const& key : fresh)
                m.erase(key, erase);
            erase_garbage.clear();
            j = 0;
            untimed_allocations += modelauth_bench::allocation_count() - paused;
            state.ResumeTiming();
        }
    }
    state.counters["allocs_per_op"] = benchmark::Counter(
        static_cast<double>(modelauth_bench::allocation_count() - start - untimed_allocations),
        benchmark::Counter::kAvgIterations);
    g.clear();
    m.free_all();
}
BENCHMARK(BM_persistent_map_assign)->Arg(1000)->Arg(100000)->Arg(1000000);

void BM_persistent_map_find(benchmark::State& state)
{
    auto const n = static_cast<std::size_t>(state.range(0));
    md::garbage load_garbage;
    map m = make_map(n, load_garbage);
    std::mt19937 rng(1);
    std::uniform_int_distribution<std::size_t> pick(0, n - 1);
    std::vector<std::string> keys;
    for(std::size_t i = 0; i < 4096; ++i)
        keys.push_back(key_name(pick(rng)));

    modelauth_bench::alloc_scope allocs;
    std::size_t i = 0;
    for(auto _ : state)
    {
        benchmark::DoNotOptimize(m.find(keys[i]));
        i = (i + 1) & 4095;
    }
    allocs.report(state);
    m.free_all();
}
BENCHMARK(BM_persistent_map_find)->Arg(1000)->Arg(1000000);

void BM_persistent_map_baseline_unordered_assign(benchmark::State& state)
{
    constexpr std::size_t batch = 256;
    auto const n = static_cast<std::size_t>(state.range(0));
    std::unordered_map<std::string, long> m;
    for(std::size_t i = 0; i < n; ++i)
        m.emplace(key_name(i), static_cast<long>(i));
    std::vector<std::string> fresh;
    for(std::size_t i = 0; i < batch; ++i)
        fresh.push_back("new-" + std::to_string(i));

    std::size_t j = 0;
    for(auto _ : state)
    {
        m[fresh[j]] = static_cast<long>(j);
        if(++j == batch)
        {
            state.PauseTiming();
            for(auto const& key : fresh)
                m.erase(key);
            j = 0;
            state.ResumeTiming();
        }
    }
}
BENCHMARK(BM_persistent_map_baseline_unordered_assign)->Arg(1000)->Arg(1000000);

void BM_persistent_map_baseline_unordered_find(benchmark::State& state)
{
    auto const n = static_cast<std::size_t>(state.range(0));
    std::unordered_map<std::string, long> m;
    for(std::size_t i = 0; i < n; ++i)
        m.emplace(key_name(i), static_cast<long>(i));
    std::mt19937 rng(1);
    std::uniform_int_distribution<std::size_t> pick(0, n - 1);
    std::vector<std::string> keys;
    for(std::size_t i = 0; i < 4096; ++i)
        keys.push_back(key_name(pick(rng)));

    std::size_t i = 0;
    for(auto _ : state)
    {
        benchmark::DoNotOptimize(m.find(keys[i]));
        i = (i + 1) & 4095;
    }
}
BENCHMARK(BM_persistent_map_baseline_unordered_find)->Arg(1000)->Arg(1000000);

} // namespace
