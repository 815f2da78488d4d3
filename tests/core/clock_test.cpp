//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/clock.hpp>

#include <doctest/doctest.h>

namespace ma = modelauth;
using namespace std::chrono_literals;

TEST_CASE("a manual clock moves only when told to")
{
    ma::manual_clock clock;
    auto const start = clock.now();
    CHECK(start == std::chrono::system_clock::time_point(std::chrono::seconds(1767225600)));
    clock.advance(90s);
    CHECK(clock.now() - start == 90s);
    clock.advance(-30s);
    CHECK(clock.now() - start == 60s);
    clock.set(start);
    CHECK(clock.now() == start);

    ma::manual_clock_ref ref(clock);
    clock.advance(1h);
    CHECK(ref.now() == start + 1h);
}

TEST_CASE("the system clock source reads the system clock")
{
    // It may read the time of the kernel's last tick (at most 10 ms ago).
    auto const before = std::chrono::system_clock::now();
    auto const now = ma::system_clock_source{}.now();
    auto const after = std::chrono::system_clock::now();
    CHECK(now >= before - 20ms);
    CHECK(now <= after);
}

struct not_a_clock
{
    int now() const { return 0; }
};

TEST_CASE("is_clock tells a Clock from other types")
{
    static_assert(ma::is_clock<ma::system_clock_source>::value, "");
    static_assert(! ma::is_clock<not_a_clock>::value, "");
    static_assert(! ma::is_clock<int>::value, "");
    CHECK(true);
}
