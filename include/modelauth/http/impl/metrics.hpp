//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_IMPL_METRICS_HPP
#define MODELAUTH_HTTP_IMPL_METRICS_HPP

#include <modelauth/detail/prometheus.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/router/error.hpp>
#include <modelauth/validation/error.hpp>

#include <algorithm>
#include <cstddef>

namespace modelauth {
inline namespace v0 {
namespace http {
namespace detail {

inline constexpr std::string_view other_reason = "other";

// The fixed set of reason labels: every named code of modelauth's
// categories, names deduplicated, then `other`. Built once, read-only after.
class reason_table
{
public:
    static constexpr std::size_t capacity = 128;
    static constexpr std::size_t category_count = 6;

    reason_table() noexcept
    {
        std::error_category const* const categories[category_count] = {&router::error_category(), &jose::error_category(),
            &jose::key_error_category(), &validation::error_category(), &http::error_category(), &policy::error_category()};
        std::size_t code_index = 0;
        for(std::size_t c = 0; c < category_count; ++c)
        {
            categories_[c] = categories[c];
            first_code_[c] = code_index;
            int value = 1;
            // Keep one slot and one code entry free for `other`.
            for(; code_index < capacity && names_count_ < capacity - 1; ++value, ++code_index)
            {
                auto const name = error_name(std::error_code(value, *categories[c]));
                if(name == "unknown")
                    break;
                slot_of_code_[code_index] = intern(name);
            }
            code_count_[c] = static_cast<std::size_t>(value - 1);
        }
        other_slot_ = intern(other_reason);
    }

    // The counter slot of a non-empty code.
    [[nodiscard]] std::size_t slot(std::error_code const& ec) const noexcept
    {
        for(std::size_t c = 0; c < category_count; ++c)
        {
            if(&ec.category() != categories_[c])
                continue;
            auto const value = ec.value();
            if(value < 1 || static_cast<std::size_t>(value) > code_count_[c])
                return other_slot_;
            return slot_of_code_[first_code_[c] + static_cast<std::size_t>(value) - 1];
        }
        return other_slot_;
    }

    // The slot named `name`, or `capacity` if none is.
    [[nodiscard]] std::size_t find(std::string_view label) const noexcept
    {
        for(std::size_t i = 0; i < names_count_; ++i)
            if(names_[i] == label)
                return i;
        return capacity;
    }

    [[nodiscard]] std::size_t size() const noexcept { return names_count_; }

    [[nodiscard]] std::string_view name(std::size_t slot) const noexcept { return names_[slot]; }

private:
    std::size_t intern(std::string_view label) noexcept
    {
        auto const existing = find(label);
        if(existing != capacity)
            return existing;
        names_[names_count_] = label;
        return names_count_++;
    }

    std::array<std::error_category const*, category_count> categories_{};
    std::array<std::size_t, category_count> first_code_{};
    std::array<std::size_t, category_count> code_count_{};
    std::array<std::size_t, capacity> slot_of_code_{};
    std::array<std::string_view, capacity> names_{};
    std::size_t names_count_ = 0;
    std::size_t other_slot_ = 0;
};

inline reason_table const& reasons() noexcept
{
    static reason_table const table;
    return table;
}

// Appends `ns` nanoseconds as decimal seconds, without trailing zeros.
inline void append_seconds(std::string& out, std::uint64_t ns)
{
    constexpr std::uint64_t per_second = 1'000'000'000;
    out += std::to_string(ns / per_second);
    auto fraction = ns % per_second;
    if(fraction == 0)
        return;
    char digits[9];
    for(int i = 8; i >= 0; --i)
    {
        digits[i] = static_cast<char>('0' + fraction % 10);
        fraction /= 10;
    }
    std::size_t length = 9;
    while(digits[length - 1] == '0')
        --length;
    out += '.';
    out.append(digits, length);
}

using modelauth::detail::append_family;
using modelauth::detail::append_sample;

} // namespace detail

inline std::string_view decision_reason(std::error_code const& ec) noexcept
{
    if(! ec)
        return {};
    auto const& table = detail::reasons();
    return table.name(table.slot(ec));
}

inline guard_metrics::guard_metrics() noexcept
    : allowed_(0)
{
    detail::reasons(); // build the table before the first decision
    for(auto& counter : denied_)
        counter.store(0, std::memory_order_relaxed);
    for(auto& counter : buckets_)
        counter.store(0, std::memory_order_relaxed);
    sum_ns_.store(0, std::memory_order_relaxed);
}

inline void guard_metrics::record(std::error_code const& ec) noexcept
{
    if(! ec)
        allowed_.fetch_add(1, std::memory_order_relaxed);
    else
        denied_[detail::reasons().slot(ec)].fetch_add(1, std::memory_order_relaxed);
}

template<class Registry>
void guard_metrics::record(basic_guard_result<Registry> const& result) noexcept
{
    record(result.error());
}

inline void guard_metrics::observe(std::chrono::nanoseconds elapsed) noexcept
{
    auto const ns = std::max<std::int64_t>(elapsed.count(), 0);
    std::size_t bucket = 0;
    while(bucket < validation_latency_buckets.size() && ns > validation_latency_buckets[bucket].upper_bound_ns)
        ++bucket;
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
}

inline std::uint64_t guard_metrics::allowed() const noexcept
{
    return allowed_.load(std::memory_order_relaxed);
}

inline std::uint64_t guard_metrics::denied() const noexcept
{
    std::uint64_t total = 0;
    for(auto const& counter : denied_)
        total += counter.load(std::memory_order_relaxed);
    return total;
}

inline std::uint64_t guard_metrics::denied(std::string_view reason) const noexcept
{
    auto const slot = detail::reasons().find(reason);
    return slot < denied_.size() ? denied_[slot].load(std::memory_order_relaxed) : 0;
}

inline std::uint64_t guard_metrics::observations() const noexcept
{
    std::uint64_t total = 0;
    for(auto const& counter : buckets_)
        total += counter.load(std::memory_order_relaxed);
    return total;
}

inline std::string guard_metrics::prometheus_text(validation::verified_token_cache const* cache) const
{
    std::string out;
    out.reserve(2048);

    constexpr std::string_view decisions = "modelauth_decisions_total";
    detail::append_family(out, decisions, "counter", "Guard decisions by outcome and, for denials, by reason.");
    detail::append_sample(out, decisions, "outcome=\"allow\"", allowed());
    auto const& table = detail::reasons();
    for(std::size_t slot = 0; slot < table.size(); ++slot)
    {
        auto const count = denied_[slot].load(std::memory_order_relaxed);
        if(count == 0)
            continue;
        std::string labels = "outcome=\"deny\",reason=\"";
        labels.append(table.name(slot)).append("\"");
        detail::append_sample(out, decisions, labels, count);
    }

    constexpr std::string_view latency = "modelauth_validation_seconds";
    detail::append_family(out, latency, "histogram", "Time taken to authenticate and authorize a request, in seconds.");
    std::uint64_t cumulative = 0;
    for(std::size_t bucket = 0; bucket < buckets_.size(); ++bucket)
    {
        cumulative += buckets_[bucket].load(std::memory_order_relaxed);
        std::string labels = "le=\"";
        labels.append(bucket < validation_latency_buckets.size() ? validation_latency_buckets[bucket].le : "+Inf")
            .append("\"");
        detail::append_sample(out, "modelauth_validation_seconds_bucket", labels, cumulative);
    }
    out.append("modelauth_validation_seconds_sum ");
    detail::append_seconds(out, sum_ns_.load(std::memory_order_relaxed));
    out.append("\n");
    detail::append_sample(out, "modelauth_validation_seconds_count", {}, cumulative);

    if(cache)
    {
        auto const stats = cache->stats();
        constexpr std::string_view hits = "modelauth_token_cache_hits_total";
        constexpr std::string_view misses = "modelauth_token_cache_misses_total";
        detail::append_family(out, hits, "counter", "Lookups of the verified token cache that found the token.");
        detail::append_sample(out, hits, {}, stats.hits);
        detail::append_family(out, misses, "counter", "Lookups of the verified token cache that did not.");
        detail::append_sample(out, misses, {}, stats.misses);
    }
    return out;
}

template<class Registry>
decision_event make_decision_event(basic_guard_result<Registry> const& result, std::string_view action_name) noexcept
{
    decision_event event;
    event.action = action_name;
    if(! result)
    {
        event.outcome = "deny";
        event.reason = decision_reason(result.failure().error);
        return event;
    }
    event.outcome = "allow";
    auto const& context = result.context();
    if(context.principal)
    {
        event.subject = context.principal->subject;
        event.issuer = context.principal->issuer;
        event.token_id = context.principal->token_id;
    }
    event.model_id = context.endpoint.model_id();
    return event;
}

} // namespace http
} // namespace v0
} // namespace modelauth

#endif
