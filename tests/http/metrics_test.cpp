//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/http/metrics.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/router/error.hpp>
#include <modelauth/validation/error.hpp>

#include <modelauth/error.hpp>
#include <modelauth/validation/principal.hpp>
#include <modelauth/policy/scope_policy.hpp>
#include <modelauth/validation/token_cache.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace http = modelauth::http;
using std::chrono::nanoseconds;

namespace {

http::guard_result denial(std::error_code ec)
{
    return http::guard_result(http::guard_failure{ec, {}, {}});
}

// Every code of each of modelauth's categories, found as the metrics find them.
std::vector<std::error_code> all_modelauth_codes()
{
    std::error_category const* const categories[] = {&modelauth::router::error_category(), &modelauth::jose::error_category(),
        &modelauth::jose::key_error_category(), &modelauth::validation::error_category(), &modelauth::http::error_category(),
        &modelauth::policy::error_category()};
    std::vector<std::error_code> codes;
    for(auto const* category : categories)
        for(int value = 1; modelauth::error_name(std::error_code(value, *category)) != "unknown"; ++value)
            codes.emplace_back(value, *category);
    return codes;
}

} // namespace

TEST_CASE("the Prometheus text of a known sequence is exact")
{
    http::guard_metrics metrics;
    metrics.record(std::error_code());
    metrics.record(std::error_code());
    metrics.record(denial(make_error_code(modelauth::policy::error::missing_scope)));
    metrics.record(make_error_code(modelauth::validation::error::token_expired));
    metrics.record(denial(make_error_code(modelauth::validation::error::token_expired)));
    metrics.record(std::error_code(5, std::generic_category()));
    metrics.record(make_error_code(modelauth::jose::key_error::unsupported_algorithm));

    metrics.observe(nanoseconds(500));
    metrics.observe(nanoseconds(1'000));     // on the bound: le="1e-06"
    metrics.observe(nanoseconds(3'000));
    metrics.observe(nanoseconds(2'000'000)); // above every finite bound
    metrics.observe(nanoseconds(-5));        // counts as zero

    CHECK(metrics.prometheus_text() ==
          "# HELP modelauth_decisions_total Guard decisions by outcome and, for denials, by reason.\n"
          "# TYPE modelauth_decisions_total counter\n"
          "modelauth_decisions_total{outcome=\"allow\"} 2\n"
          "modelauth_decisions_total{outcome=\"deny\",reason=\"unsupported_algorithm\"} 1\n"
          "modelauth_decisions_total{outcome=\"deny\",reason=\"token_expired\"} 2\n"
          "modelauth_decisions_total{outcome=\"deny\",reason=\"missing_scope\"} 1\n"
          "modelauth_decisions_total{outcome=\"deny\",reason=\"other\"} 1\n"
          "# HELP modelauth_validation_seconds Time taken to authenticate and authorize a request, in seconds.\n"
          "# TYPE modelauth_validation_seconds histogram\n"
          "modelauth_validation_seconds_bucket{le=\"1e-06\"} 3\n"
          "modelauth_validation_seconds_bucket{le=\"2.5e-06\"} 3\n"
          "modelauth_validation_seconds_bucket{le=\"5e-06\"} 4\n"
          "modelauth_validation_seconds_bucket{le=\"1e-05\"} 4\n"
          "modelauth_validation_seconds_bucket{le=\"2.5e-05\"} 4\n"
          "modelauth_validation_seconds_bucket{le=\"5e-05\"} 4\n"
          "modelauth_validation_seconds_bucket{le=\"0.0001\"} 4\n"
          "modelauth_validation_seconds_bucket{le=\"0.00025\"} 4\n"
          "modelauth_validation_seconds_bucket{le=\"0.0005\"} 4\n"
          "modelauth_validation_seconds_bucket{le=\"0.001\"} 4\n"
          "modelauth_validation_seconds_bucket{le=\"+Inf\"} 5\n"
          "modelauth_validation_seconds_sum 0.0020045\n"
          "modelauth_validation_seconds_count 5\n");
}

TEST_CASE("fresh metrics expose the allow series and an empty histogram")
{
    http::guard_metrics const metrics;
    auto const text = metrics.prometheus_text();
    CHECK(text.find("modelauth_decisions_total{outcome=\"allow\"} 0\n") != std::string::npos);
    CHECK(text.find("outcome=\"deny\"") == std::string::npos);
    CHECK(text.find("modelauth_validation_seconds_bucket{le=\"+Inf\"} 0\n") != std::string::npos);
    CHECK(text.find("modelauth_validation_seconds_sum 0\n") != std::string::npos);
    CHECK(text.find("modelauth_validation_seconds_count 0\n") != std::string::npos);
    CHECK(text.find("token_cache") == std::string::npos);
}

TEST_CASE("histogram buckets are cumulative, each bound inclusive")
{
    http::guard_metrics metrics;
    // One observation exactly on each finite bound, one just above the last.
    for(auto const& bucket : http::validation_latency_buckets)
        metrics.observe(nanoseconds(bucket.upper_bound_ns));
    metrics.observe(nanoseconds(http::validation_latency_buckets.back().upper_bound_ns + 1));

    auto const text = metrics.prometheus_text();
    std::uint64_t expected = 0;
    std::int64_t sum_ns = 0;
    for(auto const& bucket : http::validation_latency_buckets)
    {
        ++expected;
        sum_ns += bucket.upper_bound_ns;
        auto const line = "modelauth_validation_seconds_bucket{le=\"" + std::string(bucket.le) + "\"} " +
                          std::to_string(expected) + "\n";
        CHECK_MESSAGE(text.find(line) != std::string::npos, line);
    }
    sum_ns += http::validation_latency_buckets.back().upper_bound_ns + 1;
    CHECK(sum_ns == 2'943'501);
    CHECK(text.find("modelauth_validation_seconds_bucket{le=\"+Inf\"} 11\n") != std::string::npos);
    CHECK(text.find("modelauth_validation_seconds_sum 0.002943501\n") != std::string::npos);
    CHECK(text.find("modelauth_validation_seconds_count 11\n") != std::string::npos);
    CHECK(metrics.observations() == 11);
}

TEST_CASE("every modelauth code is its own reason and foreign codes are other")
{
    http::guard_metrics metrics;
    auto const codes = all_modelauth_codes();
    CHECK(codes.size() == 82);
    for(auto const& ec : codes)
    {
        CAPTURE(ec.category().name());
        CAPTURE(ec.value());
        CHECK(http::decision_reason(ec) == modelauth::error_name(ec));
        auto const before = metrics.denied(modelauth::error_name(ec));
        metrics.record(ec);
        CHECK(metrics.denied(modelauth::error_name(ec)) == before + 1);
    }
    CHECK(metrics.denied() == codes.size());
    CHECK(metrics.denied("other") == 0);

    CHECK(http::decision_reason(std::error_code()).empty());
    CHECK(http::decision_reason(std::error_code(22, std::generic_category())) == "other");
    CHECK(http::decision_reason(std::error_code(999, modelauth::policy::error_category())) == "other");
    CHECK(http::decision_reason(std::error_code(0, modelauth::router::error_category())).empty());
    CHECK(http::decision_reason(std::error_code(-1, modelauth::router::error_category())) == "other");
    metrics.record(std::error_code(999, modelauth::validation::error_category()));
    CHECK(metrics.denied("other") == 1);
    CHECK(metrics.denied("no_such_reason") == 0);
    CHECK(metrics.allowed() == 0);
}

TEST_CASE("label values hold only the fixed names")
{
    http::guard_metrics metrics;
    for(auto const& ec : all_modelauth_codes())
        metrics.record(ec);
    metrics.record(std::error_code(1, std::system_category()));
    auto const text = metrics.prometheus_text();
    std::size_t deny_lines = 0;
    for(std::size_t at = text.find("reason=\""); at != std::string::npos; at = text.find("reason=\"", at + 1))
    {
        ++deny_lines;
        auto const begin = at + 8;
        auto const end = text.find('"', begin);
        REQUIRE(end != std::string::npos);
        auto const value = std::string_view(text).substr(begin, end - begin);
        CAPTURE(value);
        CHECK(! value.empty());
        CHECK(value.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string_view::npos);
    }
    // 82 codes, two of them named unsupported_algorithm, plus other.
    CHECK(deny_lines == 82);
}

TEST_CASE("the token cache's hits and misses are exposed when a cache is given")
{
    modelauth::validation::verified_token_cache cache;
    auto const now = modelauth::validation::verified_token_cache::clock::time_point(std::chrono::seconds(1'700'000'000));
    auto principal = std::make_shared<modelauth::validation::Principal>();
    principal->subject = "alice";
    CHECK(! cache.find("credential", now, 0).has_value());
    cache.insert("credential", principal, now + std::chrono::hours(1), cache.stamp_for(0));
    CHECK(cache.find("credential", now, 0).has_value());
    CHECK(cache.find("credential", now, 0).has_value());
    auto const stats = cache.stats();
    CHECK(stats.hits == 2);
    CHECK(stats.misses == 1);

    http::guard_metrics const metrics;
    auto const text = metrics.prometheus_text(&cache);
    auto const tail = std::string_view(text).substr(text.find("# HELP modelauth_token_cache_hits_total"));
    CHECK(tail ==
          "# HELP modelauth_token_cache_hits_total Lookups of the verified token cache that found the token.\n"
          "# TYPE modelauth_token_cache_hits_total counter\n"
          "modelauth_token_cache_hits_total 2\n"
          "# HELP modelauth_token_cache_misses_total Lookups of the verified token cache that did not.\n"
          "# TYPE modelauth_token_cache_misses_total counter\n"
          "modelauth_token_cache_misses_total 1\n");
}

TEST_CASE("concurrent records and observations are all counted")
{
    constexpr int threads = 4;
    constexpr int per_thread = 10'000;
    http::guard_metrics metrics;
    auto const expired = denial(make_error_code(modelauth::validation::error::token_expired));
    std::vector<std::thread> workers;
    for(int t = 0; t < threads; ++t)
        workers.emplace_back([&metrics, &expired, t] {
            for(int i = 0; i < per_thread; ++i)
            {
                if(i % 2 == 0)
                    metrics.record(std::error_code());
                else
                    metrics.record(expired);
                metrics.observe(nanoseconds(t * 1'000 + 1));
            }
        });
    for(auto& worker : workers)
        worker.join();

    CHECK(metrics.allowed() == threads * per_thread / 2);
    CHECK(metrics.denied() == threads * per_thread / 2);
    CHECK(metrics.denied("token_expired") == threads * per_thread / 2);
    CHECK(metrics.observations() == threads * per_thread);
    auto const text = metrics.prometheus_text();
    // Thread t observes t us + 1 ns: thread 0 in le=1e-06, 1 and 2 in 2.5e-06, 3 in 5e-06.
    CHECK(text.find("modelauth_validation_seconds_bucket{le=\"1e-06\"} 10000\n") != std::string::npos);
    CHECK(text.find("modelauth_validation_seconds_bucket{le=\"2.5e-06\"} 30000\n") != std::string::npos);
    CHECK(text.find("modelauth_validation_seconds_bucket{le=\"5e-06\"} 40000\n") != std::string::npos);
    // Sum: 10,000 * (1 + 1001 + 2001 + 3001) ns = 60,040,000 ns.
    CHECK(text.find("modelauth_validation_seconds_sum 0.06004\n") != std::string::npos);
    CHECK(text.find("modelauth_decisions_total{outcome=\"allow\"} 20000\n") != std::string::npos);
    CHECK(text.find("modelauth_decisions_total{outcome=\"deny\",reason=\"token_expired\"} 20000\n") !=
          std::string::npos);
}

TEST_CASE("a denial's event names the reason and nothing of the caller")
{
    std::string const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2VjcmV0LXNpZ25hdHVyZQ";
    http::guard_failure failure{make_error_code(modelauth::policy::error::missing_scope), "models:infer", {}};
    http::guard_result const result(failure);

    auto const event = http::make_decision_event(result, "models:infer");
    CHECK(event.outcome == "deny");
    CHECK(event.reason == "missing_scope");
    CHECK(event.subject.empty());
    CHECK(event.issuer.empty());
    CHECK(event.token_id.empty());
    CHECK(event.model_id == 0);
    CHECK(event.action == "models:infer");

    std::error_code const codes[] = {make_error_code(modelauth::jose::error::signature_mismatch),
        make_error_code(modelauth::validation::error::token_expired),
        make_error_code(modelauth::http::error::malformed_authorization),
        make_error_code(modelauth::router::error::missing_trailing_slash)};
    for(auto const& ec : codes)
    {
        auto const denied = http::make_decision_event(denial(ec), "models:read");
        CHECK(denied.outcome == "deny");
        CHECK(denied.reason == modelauth::error_name(ec));
        for(auto field : {denied.outcome, denied.reason, denied.subject, denied.issuer, denied.token_id, denied.action})
            CHECK(field.find(token) == std::string_view::npos);
    }
}

TEST_CASE("an allow's event names the caller and the model but never the token")
{
    std::string const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2VjcmV0LXNpZ25hdHVyZQ";
    auto principal = std::make_shared<modelauth::validation::Principal>();
    principal->subject = "alice";
    principal->issuer = "https://issuer.example";
    principal->token_id = "jti-42";
    principal->scopes = {"models:infer"};
    principal->set_claims_json(R"({"sub":"alice","raw_token":")" + token + R"("})");

    // A default endpoint has no model: the event's model id is 0. Made by a
    // function, as the guard makes it: built inline here, g++ 12 at -O2
    // cannot see that the variant holds the context and warns that the
    // failure's strings it destroys may be uninitialized (a false positive
    // of -Wmaybe-uninitialized on std::variant's destructor).
    auto const make_allow = [&principal]() -> http::guard_result {
        return http::AuthContext{principal, {}, modelauth::policy::ScopePolicy::models_infer};
    };
    http::guard_result const result = make_allow();
    REQUIRE(result);

    auto const event = http::make_decision_event(result, "models:infer");
    CHECK(event.outcome == "allow");
    CHECK(event.reason.empty());
    CHECK(event.subject == "alice");
    CHECK(event.issuer == "https://issuer.example");
    CHECK(event.token_id == "jti-42");
    CHECK(event.model_id == 0);
    CHECK(event.action == "models:infer");
    for(auto field : {event.outcome, event.reason, event.subject, event.issuer, event.token_id, event.action})
        CHECK(field.find(token) == std::string_view::npos);

    http::guard_metrics metrics;
    metrics.record(result);
    CHECK(metrics.allowed() == 1);
    CHECK(metrics.denied() == 0);
}

TEST_CASE("a decision hook receives the event")
{
    std::vector<std::string> log;
    http::decision_hook const hook = [&log](http::decision_event const& event) {
        log.push_back(std::string(event.outcome) + " " + std::string(event.reason) + " " + std::string(event.action));
    };
    hook(http::make_decision_event(denial(make_error_code(modelauth::validation::error::token_revoked)), "models:read"));
    REQUIRE(log.size() == 1);
    CHECK(log[0] == "deny token_revoked models:read");
}
