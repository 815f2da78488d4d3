//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CLOCK_HPP
#define MODELAUTH_CLOCK_HPP

/** @file
    Injected time. Every component that reads the clock takes a Clock: a type
    with `now()` returning `std::chrono::system_clock::time_point`. Servers use
    `system_clock_source`; tests use `manual_clock` and never sleep.
*/

#include <atomic>
#include <chrono>
#include <time.h>
#include <type_traits>
#include <utility>

namespace modelauth {
inline namespace v0 {

/** Whether `Clock` meets the Clock requirements: `c.now()` on a const `c`
    returns a `std::chrono::system_clock::time_point`.
*/
template<class Clock, class = void>
struct is_clock : std::false_type
{
};

template<class Clock>
struct is_clock<Clock, std::void_t<decltype(std::declval<Clock const&>().now())>>
    : std::is_same<decltype(std::declval<Clock const&>().now()), std::chrono::system_clock::time_point>
{
};

/** The real time, as `std::chrono::system_clock` counts it, read at the
    resolution of the kernel's tick where the system offers that cheaply
    (Linux: `CLOCK_REALTIME_COARSE`, 1 to 10 ms, a few ns a read instead of
    some 20): every time it serves counts whole seconds (`exp`, `nbf`, `iat`,
    lifetimes, lockout windows), so a reading up to a tick old changes no
    decision by more than that tick. Elsewhere: `std::chrono::system_clock::now()`.
    Safe to share between threads.
*/
struct system_clock_source
{
    [[nodiscard]] std::chrono::system_clock::time_point now() const noexcept
    {
#if defined(CLOCK_REALTIME_COARSE)
        timespec ts{};
        if(::clock_gettime(CLOCK_REALTIME_COARSE, &ts) == 0)
            return std::chrono::system_clock::time_point(
                std::chrono::duration_cast<std::chrono::system_clock::duration>(
                    std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
#endif
        return std::chrono::system_clock::now();
    }
};

/** A clock that moves only when told to: for tests.

    Safe to share between threads: `now`, `set` and `advance` are atomic.
    Copies share nothing; share one by reference (`std::ref`-like use through
    `manual_clock_ref`) or by pointer.
*/
class manual_clock
{
public:
    using time_point = std::chrono::system_clock::time_point;

    /// Starts at `start` (default: 2026-01-01T00:00:00Z).
    explicit manual_clock(time_point start = time_point(std::chrono::seconds(1767225600))) noexcept
        : ticks_(start.time_since_epoch().count())
    {
    }

    manual_clock(manual_clock const& other) noexcept : ticks_(other.ticks_.load()) {}

    [[nodiscard]] time_point now() const noexcept
    {
        return time_point(time_point::duration(ticks_.load(std::memory_order_relaxed)));
    }

    /// Jumps to `t`.
    void set(time_point t) noexcept { ticks_.store(t.time_since_epoch().count()); }

    /// Moves forward (or back, for a negative `d`).
    template<class Rep, class Period>
    void advance(std::chrono::duration<Rep, Period> d) noexcept
    {
        ticks_.fetch_add(std::chrono::duration_cast<time_point::duration>(d).count());
    }

private:
    std::atomic<time_point::rep> ticks_;
};

/// A Clock that reads a `manual_clock` it does not own.
class manual_clock_ref
{
public:
    explicit manual_clock_ref(manual_clock const& clock) noexcept : clock_(&clock) {}

    [[nodiscard]] std::chrono::system_clock::time_point now() const noexcept
    {
        return clock_->now();
    }

private:
    manual_clock const* clock_;
};

static_assert(is_clock<system_clock_source>::value, "system_clock_source is a Clock");
static_assert(is_clock<manual_clock>::value, "manual_clock is a Clock");
static_assert(is_clock<manual_clock_ref>::value, "manual_clock_ref is a Clock");

} // namespace v0
} // namespace modelauth

#endif
