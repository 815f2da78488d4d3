//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The router is on every request's path. Goals (issue 4): a match under
// 100 ns, no allocation, and the same cost for 100,000 models as for 10.
//
// Each case routes a fixed working set of 10 targets spread over the
// registry (so the 10-model and the 100,000-model registries are asked the
// same number of distinct questions, and the lookup structures, not the
// caches, make the difference). The baseline is the floor a hand-written
// router cannot go below: one std::unordered_map lookup of the raw path,
// without checking or decoding anything and without a swappable snapshot.

#include "alloc_counter.hpp"

#include <modelauth/router/model_url_router.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

constexpr std::size_t working_set = 10;

// n models spread over 10 two-segment prefixes, versions 1..3 (default 3).
modelauth::router::model_registry make_registry(std::size_t n)
{
    std::vector<modelauth::router::model_description> models(n);
    for(std::size_t i = 0; i < n; ++i)
    {
        auto& m = models[i];
        m.model_id = static_cast<std::int64_t>(i + 1);
        m.prefix = "models/team-" + std::to_string(i % 10);
        m.name = "model-" + std::to_string(i);
        m.versions = {"1", "2", "3"};
    }
    return modelauth::router::model_registry(std::move(models));
}

modelauth::router::router_options bench_options()
{
    modelauth::router::router_options options;
    options.kserve.enabled = true;
    options.kserve.prefix = "models/team-0";
    return options;
}

// The k-th model of the working set: spread evenly over the n models, and
// over all ten prefixes (model i is under prefix i % 10), whatever n.
std::size_t pick(std::size_t k, std::size_t n)
{
    std::size_t const stride = n / working_set;
    return k * stride + (k < stride ? k : 0);
}

std::string model_url(std::size_t i, std::string_view version = {})
{
    std::string url = "/models/team-" + std::to_string(i % 10) + "/model-" + std::to_string(i) + "/";
    if(! version.empty())
        url.append(version).append("/");
    return url;
}

template<class Targets>
void run_matches(benchmark::State& state, modelauth::router::ModelUrlRouter const& router, Targets const& targets)
{
    modelauth_bench::alloc_scope allocs;
    std::size_t i = 0;
    for(auto _ : state)
    {
        auto r = router.match(targets[i]);
        benchmark::DoNotOptimize(r);
        if(++i == targets.size())
            i = 0;
    }
    allocs.report(state);
}

void BM_router_baseline_unchecked_lookup(benchmark::State& state)
{
    auto const n = static_cast<std::size_t>(state.range(0));
    std::vector<std::string> urls;
    for(std::size_t i = 0; i < n; ++i)
        urls.push_back(model_url(i));
    std::unordered_map<std::string_view, std::int64_t> table;
    for(std::size_t i = 0; i < n; ++i)
        table.emplace(urls[i], static_cast<std::int64_t>(i + 1));
    std::array<std::string, working_set> targets;
    for(std::size_t k = 0; k < working_set; ++k)
        targets[k] = model_url(pick(k, n));

    modelauth_bench::alloc_scope allocs;
    std::size_t i = 0;
    for(auto _ : state)
    {
        std::string_view const target = targets[i];
        auto const it = table.find(target.substr(0, target.find('?')));
        benchmark::DoNotOptimize(it);
        if(++i == targets.size())
            i = 0;
    }
    allocs.report(state);
}
BENCHMARK(BM_router_baseline_unchecked_lookup)->Arg(10)->Arg(1000)->Arg(100000);

void BM_router_match(benchmark::State& state)
{
    auto const n = static_cast<std::size_t>(state.range(0));
    modelauth::router::ModelUrlRouter const router(make_registry(n), bench_options());
    std::array<std::string, working_set> targets;
    for(std::size_t k = 0; k < working_set; ++k)
        targets[k] = model_url(pick(k, n));
    run_matches(state, router, targets);
}
BENCHMARK(BM_router_match)->Arg(10)->Arg(1000)->Arg(100000);

// One router shared by 1 and 2 threads: the throughput (items_per_second)
// of 2 threads against 1 shows whether a match writes memory the other
// thread reads (the registry's reference count did, before each thread
// counted its own).
void BM_router_match_shared(benchmark::State& state)
{
    static modelauth::router::ModelUrlRouter const router(make_registry(1000), bench_options());
    std::array<std::string, working_set> targets;
    for(std::size_t k = 0; k < working_set; ++k)
        targets[k] = model_url(pick(k, 1000));
    (void)router.match(targets[0]); // this thread's view of the registry is made now
    run_matches(state, router, targets);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_router_match_shared)->Threads(1)->Threads(2)->UseRealTime();

void BM_router_match_versioned(benchmark::State& state)
{
    std::size_t const n = 1000;
    modelauth::router::ModelUrlRouter const router(make_registry(n), bench_options());
    std::array<std::string, working_set> targets;
    for(std::size_t k = 0; k < working_set; ++k)
        targets[k] = model_url(pick(k, n), k % 2 ? "2" : "1");
    run_matches(state, router, targets);
}
BENCHMARK(BM_router_match_versioned);

void BM_router_kserve(benchmark::State& state)
{
    std::size_t const n = 1000;
    modelauth::router::ModelUrlRouter const router(make_registry(n), bench_options());
    std::array<std::string, working_set> targets;
    for(std::size_t k = 0; k < working_set; ++k)
    {
        // Models of the KServe prefix (models/team-0) are those with i % 10 == 0.
        std::size_t const i = pick(k, n) / 10 * 10;
        targets[k] = "/v2/models/model-" + std::to_string(i) + (k % 2 ? "/versions/2/infer" : "/infer");
    }
    run_matches(state, router, targets);
}
BENCHMARK(BM_router_kserve);

void BM_router_reject_hostile(benchmark::State& state)
{
    modelauth::router::ModelUrlRouter const router(make_registry(1000), bench_options());
    // One target per catalogue row (U1-U17), each rejected.
    std::array<std::string, 17> const targets = {
        "/models/team-0/../admin/1/",                  // U1
        "/models/team-0/%2e%2E/",                      // U2
        "/models/team-0/%252e%252e/",                  // U3
        "/models/team-0/model-0%2F..%2Fother/",        // U4
        "/models/team-0/model-0%5C..%5Cx/",            // U5
        "/models/team-0/%c0%ae%c0%ae%c0%af/",          // U6
        "/models/team-0/model-0%00.json/",             // U7
        "//models//team-0//model-0//",                 // U8
        "/models/team-0/model-0;v=1/",                 // U9
        "/models/team-0/model-0%3F/",                  // U10
        "/models/team-0/" + std::string(3000, 'a') + "/", // U11
        "/models/team-0/\xef\xbc\x8e\xef\xbc\x8e/",    // U12
        "/models/team-0/model-0%2>/",                  // U13
        "/MODELS/TEAM-0/model-0/",                     // U14
        "http://h/models/team-0/model-0/",             // U15
        "/models/team-0/model-0/+1/",                  // U16
        "/models/team-0/.hidden/",                     // U17
    };
    run_matches(state, router, targets);
}
BENCHMARK(BM_router_reject_hostile);

} // namespace
