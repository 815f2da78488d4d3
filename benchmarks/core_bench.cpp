//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The error mapping is on every rejected request's path: turning an
// error_code into its HTTP status and RFC 6750 value must cost about what a
// hand-written switch costs.

#include "alloc_counter.hpp"

#include <modelauth/error.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/router/error.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <string_view>
#include <system_error>

namespace {

std::array<std::error_code, 4> const codes = {
    modelauth::jose::error::signature_mismatch,
    modelauth::router::error::unknown_model,
    modelauth::policy::error::missing_scope,
    modelauth::http::error::missing_credentials};

// Baseline: what a server without the table would write by hand for these
// four codes: the status and the RFC 6750 value, per category.
struct hand_written_mapping
{
    unsigned status;
    std::string_view rfc6750;
};

hand_written_mapping hand_written(std::error_code const& ec) noexcept
{
    if(ec.category() == modelauth::jose::error_category())
        return {401, "invalid_token"};
    if(ec.category() == modelauth::router::error_category())
        return {404, {}};
    if(ec.category() == modelauth::policy::error_category())
        return {403, "insufficient_scope"};
    if(ec.category() == modelauth::http::error_category())
        return {401, {}};
    return {500, {}};
}

void BM_baseline_status_switch(benchmark::State& state)
{
    modelauth_bench::alloc_scope allocs;
    std::size_t i = 0;
    for(auto _ : state)
    {
        auto const& ec = codes[i++ & 3];
        benchmark::DoNotOptimize(ec);
        auto const mapping = hand_written(ec);
        benchmark::DoNotOptimize(mapping.status);
        benchmark::DoNotOptimize(mapping.rfc6750);
    }
    allocs.report(state);
}
BENCHMARK(BM_baseline_status_switch);

void BM_error_http_status(benchmark::State& state)
{
    modelauth_bench::alloc_scope allocs;
    std::size_t i = 0;
    for(auto _ : state)
    {
        auto const& ec = codes[i++ & 3];
        benchmark::DoNotOptimize(ec);
        benchmark::DoNotOptimize(modelauth::http_status(ec));
        benchmark::DoNotOptimize(modelauth::rfc6750_error(ec));
    }
    allocs.report(state);
}
BENCHMARK(BM_error_http_status);

} // namespace
