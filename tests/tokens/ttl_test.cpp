//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/tokens/ttl.hpp>
#include <modelauth/tokens/error.hpp>

#include "support/doctest_result.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace ma = modelauth;
using namespace std::chrono_literals;

TEST_CASE("a lifetime is a positive integer and one unit of s m h d")
{
    struct row
    {
        char const* input;
        std::chrono::seconds expected;
    };
    row const rows[] = {
        {"1s", 1s},
        {"90s", 90s},
        {"1m", 60s},
        {"30m", 1800s},
        {"4h", 14400s},
        {"24h", 86400s},
        {"1d", 86400s},
        {"30d", 30 * 86400s},
        {"90d", 90 * 86400s},
        {"10s", 10s},
        {"3650d", 3650 * 86400s},
        {"87600h", 3650 * 86400s},
        {"5256000m", 3650 * 86400s},
        {"315360000s", 315360000s},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.input);
        auto ttl = ma::tokens::parse_ttl(r.input);
        REQUIRE(ttl);
        CHECK(ttl->count() == r.expected.count());
    }
}

TEST_CASE("anything but the strict lifetime grammar is invalid_ttl")
{
    char const* const rows[] = {
        "",
        "d",
        "s",
        "0d",
        "0s",
        "00d",
        "007d",
        "01h",
        "30D",
        "30S",
        "30 d",
        " 30d",
        "30d ",
        "30d\n",
        "30dd",
        "30dh",
        "1h30m",
        "+1d",
        "-1d",
        "1.5h",
        "1e3s",
        "0x10s",
        "30",
        "30w",
        "30y",
        "30ms",
        "d30",
        "3651d",
        "87601h",
        "5256001m",
        "315360001s",
        "99999999999999999999d",
        "18446744073709551617s",
        "9223372036854775808s",
        "999999999999999999999999999999999999999999s",
        "\u0663d", // ARABIC-INDIC DIGIT THREE, in UTF-8
    };
    for(auto const* input : rows)
    {
        CAPTURE(input);
        auto ttl = ma::tokens::parse_ttl(input);
        REQUIRE(ttl.has_error());
        CHECK(ttl.error() == ma::tokens::error::invalid_ttl);
    }
    // An embedded NUL, which a C string would hide.
    auto ttl = ma::tokens::parse_ttl(std::string_view("3\0d", 3));
    REQUIRE(ttl.has_error());
    CHECK(ttl.error() == ma::tokens::error::invalid_ttl);
}

TEST_CASE("a lifetime is formatted in the largest unit that divides it")
{
    CHECK(ma::tokens::format_ttl(1s) == "1s");
    CHECK(ma::tokens::format_ttl(59s) == "59s");
    CHECK(ma::tokens::format_ttl(60s) == "1m");
    CHECK(ma::tokens::format_ttl(90s) == "90s");
    CHECK(ma::tokens::format_ttl(1800s) == "30m");
    CHECK(ma::tokens::format_ttl(3600s) == "1h");
    CHECK(ma::tokens::format_ttl(5400s) == "90m");
    CHECK(ma::tokens::format_ttl(14400s) == "4h");
    CHECK(ma::tokens::format_ttl(86400s) == "1d");
    CHECK(ma::tokens::format_ttl(86401s) == "86401s");
    CHECK(ma::tokens::format_ttl(90000s) == "25h");
    CHECK(ma::tokens::format_ttl(std::chrono::hours(24 * 90)) == "90d");
    CHECK(ma::tokens::format_ttl(ma::tokens::max_ttl) == "3650d");
    CHECK_THROWS_AS((void)ma::tokens::format_ttl(0s), std::invalid_argument);
    CHECK_THROWS_AS((void)ma::tokens::format_ttl(-1s), std::invalid_argument);
}

TEST_CASE("parse_ttl reads back every lifetime format_ttl writes")
{
    // Every lifetime up to two days, then a stride over the whole range.
    auto round_trips = [](std::chrono::seconds t) {
        auto const text = ma::tokens::format_ttl(t);
        auto const back = ma::tokens::parse_ttl(text);
        return back && *back == t;
    };
    int failures = 0;
    for(std::chrono::seconds t = 1s; t <= 2 * 86400s; ++t)
        failures += ! round_trips(t);
    for(std::chrono::seconds t = 2 * 86400s; t <= ma::tokens::max_ttl; t += 997s)
        failures += ! round_trips(t);
    CHECK(failures == 0);
    CHECK(round_trips(ma::tokens::max_ttl));
    CHECK(ma::tokens::format_ttl(ma::tokens::max_ttl + 1s) == "315360001s");
    CHECK_FALSE(ma::tokens::parse_ttl(ma::tokens::format_ttl(ma::tokens::max_ttl + 1s)));
}
