//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_BENCHMARKS_ALLOC_COUNTER_HPP
#define MODELAUTH_BENCHMARKS_ALLOC_COUNTER_HPP

// Counts calls to the global operator new in this process (alloc_counter.cpp
// replaces it), so a benchmark can report how many allocations one operation
// makes. OpenSSL's own malloc calls are not operator new and are not counted.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>

namespace modelauth_bench {

std::uint64_t allocation_count() noexcept;

/// Reads the allocation count at construction; `report` sets the counter
/// `allocs_per_op` on the state to the allocations per iteration since.
class alloc_scope
{
public:
    alloc_scope() noexcept : start_(allocation_count()) {}

    void report(benchmark::State& state) const
    {
        auto const allocations = allocation_count() - start_;
        state.counters["allocs_per_op"] = benchmark::Counter(
            static_cast<double>(allocations),
            benchmark::Counter::kAvgIterations);
    }

private:
    std::uint64_t start_;
};

} // namespace modelauth_bench

#endif
