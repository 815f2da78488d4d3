//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Routing threads and a swapping thread at once: every match must come from
// one whole snapshot, and endpoints must outlive the swaps (run it under
// ASan and TSan-free: no locks to get wrong, only shared_ptr publication).

#include <modelauth/router/model_url_router.hpp>

#include "router/router_fixture.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ma = modelauth;
using router_test::describe;

namespace {

// Generation g: model 1 has versions 1..g+1 with the last as default, and
// model 100 + g exists only in generation g. Each model's metadata names its
// generation, so a reader can check that everything it sees is of one piece.
std::shared_ptr<ma::router::model_registry const> generation(int g)
{
    std::vector<ma::router::model_description> models;
    std::vector<std::string> versions;
    for(int v = 1; v <= g + 1; ++v)
        versions.push_back(std::to_string(v));
    models.push_back(describe(1, "models/practicus", "diamond-price", versions));
    models.push_back(describe(100 + g, "models/practicus", "only-in-" + std::to_string(g), {"1"}));
    for(auto& m : models)
        m.metadata = boost::json::value{{"generation", g}};
    return std::make_shared<ma::router::model_registry const>(std::move(models));
}

int generation_of(ma::router::ModelEndpoint const& e)
{
    return static_cast<int>(e.metadata()->as_object().at("generation").as_int64());
}

} // namespace

TEST_CASE("routing threads see whole snapshots while another thread swaps them")
{
    constexpr int generations = 8;
    std::vector<std::shared_ptr<ma::router::model_registry const>> snapshots;
    for(int g = 0; g < generations; ++g)
        snapshots.push_back(generation(g));

    ma::router::router_options options;
    options.kserve.enabled = true;
    options.kserve.prefix = "models/practicus";
    ma::router::ModelUrlRouter router(snapshots[0], options);

    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> inconsistencies{0};
    std::atomic<std::uint64_t> matches{0};

    auto reader = [&](int id) {
        // An endpoint kept across many swaps: its views must stay readable.
        ma::router::ModelEndpoint kept = router.match("/models/practicus/diamond-price/").value();
        int const kept_generation = generation_of(kept);
        std::string const kept_version(kept.version());
        std::uint64_t local = 0;
        std::uint64_t bad = 0;
        while(! stop.load(std::memory_order_relaxed) || local < 1000)
        {
            char const* const target = (local + static_cast<std::uint64_t>(id)) % 2
                ? "/models/practicus/diamond-price/"
                : "/v2/models/diamond-price/infer";
            ++local;
            auto const r = router.match(target);
            if(! r)
            {
                ++bad;
                continue;
            }
            int const g = generation_of(*r);
            // The default version of generation g is g + 1.
            if(r->version() != std::to_string(g + 1) || r->model().versions.size() != static_cast<std::size_t>(g + 1))
                ++bad;
            // The model only in generation g is in the endpoint's snapshot.
            if(r->registry()->find(100 + g) == nullptr)
                ++bad;

            // Explicit version 1 exists in every generation.
            auto const v1 = router.match("/models/practicus/diamond-price/1/");
            if(! v1 || v1->version() != "1")
                ++bad;

            if(kept.version() != kept_version || generation_of(kept) != kept_generation)
                ++bad;
        }
        inconsistencies += bad;
        matches += local;
    };

    std::vector<std::thread> readers;
    for(int i = 0; i < 3; ++i)
        readers.emplace_back(reader, i);

    // The writer: whole snapshots, and derived ones through update().
    for(int round = 0; round < 5000; ++round)
    {
        router.replace(snapshots[static_cast<std::size_t>(round % generations)]);
        if(round % 50 == 0)
            router.update([&](ma::router::model_registry const& current) {
                // Rebuild the current generation from its own models.
                return ma::router::model_registry(current.models());
            });
    }
    stop = true;
    for(auto& t : readers)
        t.join();

    CHECK(inconsistencies.load() == 0);
    CHECK(matches.load() >= 3000);
}

TEST_CASE("concurrent updates are never lost")
{
    ma::router::ModelUrlRouter router(ma::router::model_registry{});
    constexpr int writers = 3;
    constexpr int per_writer = 20;
    std::vector<std::thread> threads;
    for(int w = 0; w < writers; ++w)
        threads.emplace_back([&router, w] {
            for(int i = 0; i < per_writer; ++i)
                router.update([&](ma::router::model_registry const& current) {
                    auto models = current.models();
                    std::int64_t const id = w * 1000 + i;
                    models.push_back(describe(id, "models/w" + std::to_string(w), "m" + std::to_string(i), {"1"}));
                    return ma::router::model_registry(std::move(models));
                });
        });
    for(auto& t : threads)
        t.join();
    CHECK(router.registry()->size() == writers * per_writer);
    for(int w = 0; w < writers; ++w)
        for(int i = 0; i < per_writer; ++i)
            CHECK(router.match("/models/w" + std::to_string(w) + "/m" + std::to_string(i) + "/").has_value());
}
