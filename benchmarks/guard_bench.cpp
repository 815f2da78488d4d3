//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The guard on a prepared request: what every request pays for
// authentication and authorization. Baseline: the same request answered by a
// bare handler (status, body, prepare_payload), the work any server does anyway.

#include "alloc_counter.hpp"

#include <modelauth/http/guard.hpp>
#include <modelauth/http/guarded_handler.hpp>
#include <modelauth/jose/jws.hpp>

#include <boost/beast/http/string_body.hpp>
#include <boost/json/serialize.hpp>

#include <benchmark/benchmark.h>

#include <memory>
#include <string>

namespace {

namespace ma = modelauth;
namespace jose = modelauth::jose;
namespace http = boost::beast::http;
using request = http::request<http::string_body>;

struct guard_case
{
    jose::key key;
    std::shared_ptr<ma::http::Guard const> guard;
    request req{http::verb::post, "/models/practicus/diamond-price/", 11};

    explicit guard_case(bool cached)
        : key(cached ? jose::key::generate(jose::algorithm::es256, "k").value()
                     : jose::key::from_secret("0123456789abcdef0123456789abcdef", jose::algorithm::hs256, "k").value())
    {
        ma::validation::trusted_issuer issuer;
        issuer.issuer = "https://auth.example.com";
        issuer.keys = jose::key_set::from_keys({key}).value();
        issuer.audiences = {"https://models.example.com"};
        ma::validation::token_validator_options options;
        if(! cached)
            options.cache.capacity_per_thread = 0;
        ma::router::model_description model;
        model.model_id = 1;
        model.prefix = "models/practicus";
        model.name = "diamond-price";
        model.versions = {"1", "2"};
        guard = std::make_shared<ma::http::Guard const>(
            std::make_shared<ma::validation::TokenValidator const>(std::vector<ma::validation::trusted_issuer>{issuer}, options),
            std::make_shared<ma::router::ModelUrlRouter const>(ma::router::model_registry({model})),
            std::make_shared<ma::policy::ScopePolicy const>());
        boost::json::object claims{{"iss", "https://auth.example.com"}, {"sub", "user-8f3a2c"},
            {"aud", "https://models.example.com"}, {"exp", 4102444800}, {"iat", 1790000000},
            {"scope", "models:read models:infer:models/practicus"}};
        req.set(http::field::authorization,
                "Bearer " + jose::sign_compact_jws(boost::json::serialize(claims), key).value());
        if(! guard->check(req))
            std::abort(); // the benchmark request must be allowed
    }
};

// The ES256 case with the verified-token cache on, built once for every
// benchmark that uses it.
guard_case const& cached_case()
{
    static guard_case const c(true);
    return c;
}

void run_guard(benchmark::State& state, guard_case const& c)
{
    (void)c.guard->check(c.req); // this thread's caches hold the token and its scopes now
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        auto result = c.guard->check(c.req);
        benchmark::DoNotOptimize(result);
    }
    allocs.report(state);
}

void BM_guard_baseline_bare_handler(benchmark::State& state)
{
    request const req{http::verb::post, "/models/practicus/diamond-price/", 11};
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        http::response<http::string_body> res{http::status::ok, req.version()};
        res.body() = R"({"outputs":[1]})";
        res.prepare_payload();
        benchmark::DoNotOptimize(res);
    }
    allocs.report(state);
}
BENCHMARK(BM_guard_baseline_bare_handler);

void BM_guard_check_cached(benchmark::State& state)
{
    run_guard(state, cached_case());
}
BENCHMARK(BM_guard_check_cached);

// The cached case from 1 and 2 threads sharing one guard: the throughput
// (items_per_second) of 2 threads against 1 shows whether a check writes
// memory the other thread reads.
void BM_guard_check_cached_shared(benchmark::State& state)
{
    run_guard(state, cached_case());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_guard_check_cached_shared)->Threads(1)->Threads(2)->UseRealTime();

void BM_guard_check_hs256_uncached(benchmark::State& state)
{
    static guard_case const c(false);
    run_guard(state, c);
}
BENCHMARK(BM_guard_check_hs256_uncached);

// What a whole guarded request adds to a server's work: the same handler
// (minimal_guard's shape: a JSON answer built from the request) called on a
// fresh copy of the request, behind `guarded()` (check, strip_credentials,
// the context) or directly. The difference is the guard's added CPU per
// request that scripts/bench-http measures on a real server, warm here.
http::response<http::string_body> model_handler(ma::http::AuthContext const&, request&& req)
{
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.body() = R"({"outputs":[10,26]})";
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

void BM_guard_baseline_unguarded_request(benchmark::State& state)
{
    request const& prepared = cached_case().req;
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        auto res = model_handler({}, request(prepared));
        benchmark::DoNotOptimize(res);
    }
    allocs.report(state);
}
BENCHMARK(BM_guard_baseline_unguarded_request);

void BM_guard_guarded_request(benchmark::State& state)
{
    guard_case const& c = cached_case();
    auto const handler = ma::http::guarded(c.guard, &model_handler);
    if(handler(request(c.req)).result() != http::status::ok)
        state.SkipWithError("the request should be allowed");
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        auto res = handler(request(c.req));
        benchmark::DoNotOptimize(res);
    }
    allocs.report(state);
}
BENCHMARK(BM_guard_guarded_request);

} // namespace
