//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The model path while an identity provider's keys are being fetched: the
// guard's cached check of a request carrying the provider's JWT, timed one
// check at a time so that the tail shows (counters p50_ns, p99_ns). The
// baseline is the same check with the provider quiet; the case runs while
// another thread keeps a fetch in flight all the time (TLS handshake,
// request, JWKS parse, back to back from a provider on 127.0.0.1), the
// provider serving the same keys, as it does between two rotations.

#include "alloc_counter.hpp"
#include "../tests/support/https_test_server.hpp"

#include <modelauth/clock.hpp>
#include <modelauth/http/guard.hpp>
#include <modelauth/jose/jws.hpp>
#include <modelauth/validation/jwks_source.hpp>

#include <boost/beast/http/string_body.hpp>
#include <boost/json/serialize.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <unistd.h>

namespace {

namespace ma = modelauth;
namespace jose = modelauth::jose;
namespace v = modelauth::validation;
namespace http = boost::beast::http;
using request = http::request<http::string_body>;
using validator_type = v::basic_token_validator<ma::manual_clock_ref>;
using source_type = v::basic_jwks_source<ma::manual_clock_ref>;

// Latencies in 1 ns buckets up to 100 us: percentiles without allocating in the loop.
class latency_histogram
{
public:
    void add(std::chrono::nanoseconds d) noexcept
    {
        auto const n = static_cast<std::size_t>(d.count() < 0 ? 0 : d.count());
        ++buckets_[n < buckets_.size() ? n : buckets_.size() - 1];
        ++count_;
    }

    double percentile(double p) const noexcept
    {
        auto const wanted = static_cast<std::uint64_t>(p * static_cast<double>(count_));
        std::uint64_t seen = 0;
        for(std::size_t i = 0; i < buckets_.size(); ++i)
            if((seen += buckets_[i]) > wanted)
                return static_cast<double>(i);
        return static_cast<double>(buckets_.size());
    }

private:
    std::array<std::uint64_t, 100000> buckets_{};
    std::uint64_t count_ = 0;
};

struct remote_case
{
    std::filesystem::path dir = std::filesystem::temp_directory_path()
        / ("modelauth-remote-keys-bench-" + std::to_string(::getpid()));
    modelauth_test::test_pki pki = modelauth_test::test_pki::make({"localhost"}, {});
    modelauth_test::https_test_server provider{pki};
    std::string issuer = provider.base_url("localhost");
    jose::key key = jose::key::generate(jose::algorithm::es256, "idp-1").value();
    ma::manual_clock clock{std::chrono::system_clock::now()};
    std::mutex mutex;
    std::condition_variable changed;
    std::uint64_t fetches = 0;
    std::shared_ptr<validator_type> validator;
    std::unique_ptr<source_type> source;
    std::shared_ptr<ma::http::basic_guard<ma::manual_clock_ref> const> guard;
    request req{http::verb::post, "/models/practicus/diamond-price/", 11};

    remote_case()
    {
        std::filesystem::create_directories(dir);
        pki.write_ca(dir / "ca.pem");
        boost::json::object jwks{{"keys", boost::json::array{key.public_jwk()}}};
        modelauth_test::canned_response r;
        r.body = boost::json::serialize(jwks);
        r.headers = {{"Content-Type", "application/json"}};
        provider.set("/jwks", r);

        validator = std::make_shared<validator_type>(
            std::vector<v::trusted_issuer>{v::trusted_issuer::named(issuer).audience("models").remote_keys()},
            v::token_validator_options{}, nullptr, ma::manual_clock_ref(clock));
        v::remote_key_source s;
        s.issuer = issuer;
        s.jwks_uri = issuer + "/jwks";
        s.ca_file = (dir / "ca.pem").string();
        s.min_refresh = std::chrono::seconds(1);
        v::jwks_source_options options;
        options.on_fetch = [this](std::string const&, std::error_code ec) {
            if(ec)
                std::abort(); // the benchmark's provider never fails
            std::lock_guard<std::mutex> lock(mutex);
            ++fetches;
            changed.notify_all();
        };
        source = std::make_unique<source_type>(std::vector<v::remote_key_source>{s}, options, ma::manual_clock_ref(clock));
        source->attach(validator);
        source->start();
        wait_for(1);

        ma::router::model_description model;
        model.model_id = 1;
        model.prefix = "models/practicus";
        model.name = "diamond-price";
        model.versions = {"1", "2"};
        guard = std::make_shared<ma::http::basic_guard<ma::manual_clock_ref> const>(
            validator, std::make_shared<ma::router::ModelUrlRouter const>(ma::router::model_registry({model})),
            std::make_shared<ma::policy::ScopePolicy const>());
        auto const now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
        boost::json::object claims{{"iss", issuer}, {"sub", "user-8f3a2c"}, {"aud", "models"},
            {"exp", now + 86400}, {"scope", "models:read models:infer:models/practicus"}};
        req.set(http::field::authorization, "Bearer " + jose::sign_compact_jws(boost::json::serialize(claims), key).value());
        if(! guard->check(req))
            std::abort(); // the benchmark request must be allowed
    }

    ~remote_case()
    {
        source->stop();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    void wait_for(std::uint64_t n)
    {
        std::unique_lock<std::mutex> lock(mutex);
        if(! changed.wait_for(lock, std::chrono::seconds(30), [&] { return fetches >= n; }))
            std::abort(); // a fetch never ended
    }

    std::uint64_t fetched()
    {
        std::lock_guard<std::mutex> lock(mutex);
        return fetches;
    }
};

remote_case& the_case()
{
    static remote_case c;
    return c;
}

void run_timed(benchmark::State& state, remote_case& c)
{
    (void)c.guard->check(c.req); // this thread's caches hold the token and its scopes now
    static latency_histogram histogram; // 800 KB: not on the stack
    histogram = latency_histogram();
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        auto const start = std::chrono::steady_clock::now();
        auto result = c.guard->check(c.req);
        benchmark::DoNotOptimize(result);
        histogram.add(std::chrono::steady_clock::now() - start);
    }
    allocs.report(state);
    state.counters["p50_ns"] = histogram.percentile(0.50);
    state.counters["p99_ns"] = histogram.percentile(0.99);
}

void BM_remote_keys_check_quiet(benchmark::State& state)
{
    run_timed(state, the_case());
}
// Both cases run on one thread but are registered as threads:1 so that
// scripts/bench leaves them unpinned: the fetch has a core of its own, as on
// any server (pinned to one CPU, the fetch's TLS and parsing would share the
// checks' core and caches).
BENCHMARK(BM_remote_keys_check_quiet)->Threads(1)->UseRealTime();

void BM_remote_keys_check_refreshing(benchmark::State& state)
{
    auto& c = the_case();
    std::atomic<bool> done{false};
    auto const before = c.fetched();
    // Back-to-back fetches: each asks as soon as the last one ended.
    std::thread refresher([&] {
        while(! done.load())
        {
            auto const n = c.fetched();
            c.clock.advance(std::chrono::seconds(1));
            if(! c.source->request_refresh(c.issuer))
                std::abort();
            c.wait_for(n + 1);
        }
    });
    run_timed(state, c);
    done.store(true);
    refresher.join();
    state.counters["fetches"] = static_cast<double>(c.fetched() - before);
}
BENCHMARK(BM_remote_keys_check_refreshing)->Threads(1)->UseRealTime();

} // namespace
