//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_METRICS_HPP
#define MODELAUTH_HTTP_METRICS_HPP

/** @file
    Counters of the guard's decisions, a histogram of validation latency,
    their Prometheus text exposition, and a secret-free event for audit logs.

    @code
    modelauth::http::guard_metrics metrics;   // one per process, shared

    auto const start = clock.now();
    auto const checked = guard->check(req);
    metrics.observe(clock.now() - start);
    metrics.record(checked);
    if(audit)
        audit(modelauth::http::make_decision_event(checked, policy.action_name(action)));

    // In the /metrics handler:
    res.body() = metrics.prometheus_text(&guard->validator().cache());
    @endcode

    Nothing here reads a clock, starts a thread or takes a lock: the caller
    measures the time and calls from whatever thread handles the request.
*/

#include <modelauth/error.hpp>
#include <modelauth/http/guard.hpp>
#include <modelauth/validation/token_cache.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>

namespace modelauth {
inline namespace v0 {
namespace http {

/// One finite bucket of the validation latency histogram.
struct latency_bucket
{
    /// The bucket's inclusive upper bound, in nanoseconds.
    std::int64_t upper_bound_ns;

    /// The same bound in seconds as the `le` label spells it.
    std::string_view le;
};

/** The finite buckets of `modelauth_validation_seconds`, in increasing
    order: 1us to 1ms. A `+Inf` bucket follows them implicitly.
*/
inline constexpr std::array<latency_bucket, 10> validation_latency_buckets{{
    {1'000, "1e-06"},
    {2'500, "2.5e-06"},
    {5'000, "5e-06"},
    {10'000, "1e-05"},
    {25'000, "2.5e-05"},
    {50'000, "5e-05"},
    {100'000, "0.0001"},
    {250'000, "0.00025"},
    {500'000, "0.0005"},
    {1'000'000, "0.001"},
}};

/** The `reason` label of a decision that failed with `ec`.

    @return An empty view for an empty code (an allowed request);
    `error_name(ec)` for a code of one of modelauth's categories, e.g.
    `"missing_scope"`; `"other"` for any other code.

    The returned view refers to static storage.
    Complexity: constant. Exception safety: no-throw.
*/
[[nodiscard]] inline std::string_view decision_reason(std::error_code const& ec) noexcept;

/** Counters of guard decisions and a histogram of validation latency.

    Decisions are counted by outcome (`allow`, `deny`) and, for denials, by
    reason (`decision_reason`): one counter for every code of modelauth's
    router, jose, key, token, credential and policy categories, codes of the
    same name sharing a counter, plus `other`. The set of label values is
    fixed, so the number of series is bounded whatever the requests hold.

    Thread safety: safe to share between threads; every member may be called
    concurrently. Counters are relaxed atomics and take no lock; a reader
    running during updates sees each counter at some recent value, not one
    consistent snapshot of all of them.
    Not copyable or movable: share it by reference or pointer.
*/
class guard_metrics
{
public:
    /// All counters at zero.
    guard_metrics() noexcept;

    guard_metrics(guard_metrics const&) = delete;
    guard_metrics& operator=(guard_metrics const&) = delete;

    /** Counts one decision: an allow if `ec` is empty, otherwise a denial
        with the reason `decision_reason(ec)`.

        Complexity: constant. Exception safety: no-throw.
    */
    void record(std::error_code const& ec) noexcept;

    /// Counts the decision `result` holds: `record(result.error())`.
    template<class Registry>
    void record(basic_guard_result<Registry> const& result) noexcept;

    /** Adds one validation that took `elapsed` to the latency histogram.
        A negative duration counts as zero.

        Complexity: constant. Exception safety: no-throw.
    */
    void observe(std::chrono::nanoseconds elapsed) noexcept;

    /// The number of allowed decisions so far.
    [[nodiscard]] std::uint64_t allowed() const noexcept;

    /// The number of denied decisions so far, over all reasons.
    [[nodiscard]] std::uint64_t denied() const noexcept;

    /** The number of denied decisions so far with the reason `reason`
        (e.g. `"token_expired"`, `"other"`); 0 for a name that is no reason.
    */
    [[nodiscard]] std::uint64_t denied(std::string_view reason) const noexcept;

    /// The number of latency observations so far.
    [[nodiscard]] std::uint64_t observations() const noexcept;

    /** The counters in the Prometheus text exposition format 0.0.4.

        Families, each with `# HELP` and `# TYPE` lines:
        - `modelauth_decisions_total` (counter):
          `{outcome="allow"}` always, then `{outcome="deny",reason="<reason>"}`
          for each reason with a non-zero count, in the order of the
          categories above and of the codes in each, `other` last;
        - `modelauth_validation_seconds` (histogram): cumulative `_bucket`
          series for each of `validation_latency_buckets` and `+Inf`, `_sum`
          in seconds and `_count` (equal to the `+Inf` bucket);
        - when `cache` is not null, `modelauth_token_cache_hits_total` and
          `modelauth_token_cache_misses_total` (counters) from `cache->stats()`.

        Label values are only the fixed names above; nothing comes from a
        request.
        Complexity: linear in the number of reasons and buckets.
        Exception safety: strong; throws only `std::bad_alloc`.
    */
    [[nodiscard]] std::string prometheus_text(validation::verified_token_cache const* cache = nullptr) const;

private:
    static constexpr std::size_t max_reasons_ = 128;
    static constexpr std::size_t bucket_slots_ = validation_latency_buckets.size() + 1;

    // The allow counter is the hottest; each group has its own cache line.
    alignas(64) std::atomic<std::uint64_t> allowed_;
    alignas(64) std::array<std::atomic<std::uint64_t>, max_reasons_> denied_;
    alignas(64) std::array<std::atomic<std::uint64_t>, bucket_slots_> buckets_;
    std::atomic<std::uint64_t> sum_ns_;
};

/** What an audit log needs to know about one guard decision.

    Holds no secret: never the credential, a key or a claim other than the
    subject, issuer and token id of an authenticated caller.
    Lifetime: the views refer to the guard result and the action name the
    event was made from (or to static storage); use the event before either
    goes away.
    Thread safety: a value.
*/
struct decision_event
{
    /// `"allow"` or `"deny"`.
    std::string_view outcome;

    /// `decision_reason` of the failure; empty on allow.
    std::string_view reason;

    /// The principal's subject on allow; empty on deny.
    std::string_view subject;

    /// The principal's issuer on allow; empty on deny.
    std::string_view issuer;

    /// The principal's token id (`jti` or API key id) on allow; empty on deny.
    std::string_view token_id;

    /// The endpoint's model id on allow; 0 on deny or without a model.
    std::int64_t model_id = 0;

    /// The action name the caller passed, e.g. `"models:infer"`.
    std::string_view action;
};

/** A callback receiving one `decision_event` per decision, for audit logs.

    The server calls it itself (modelauth never does), after `check`, with
    `make_decision_event`. The event's views are valid during the call only;
    a hook that keeps the event copies the strings. A hook shared between
    threads must itself be safe to call concurrently.
*/
using decision_hook = std::function<void(decision_event const&)>;

/** The audit event of `result` for the action named `action_name`.

    On success: outcome `"allow"`, the principal's subject, issuer and token
    id, the endpoint's model id. On failure: outcome `"deny"` and the reason
    only. The credential and keys are never part of a result, so never of an
    event.
    Lifetime: the event borrows from `result` and `action_name`.
    Complexity: constant. Exception safety: no-throw.
*/
template<class Registry>
[[nodiscard]] decision_event make_decision_event(
    basic_guard_result<Registry> const& result, std::string_view action_name) noexcept;

} // namespace http
} // namespace v0
} // namespace modelauth

#include <modelauth/http/impl/metrics.hpp>

#endif
