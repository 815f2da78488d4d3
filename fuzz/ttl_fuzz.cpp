//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// libFuzzer target for token lifetimes (tokens/ttl.hpp): the input is a
// lifetime as a configuration or a request spells it, e.g. `30d`.
//
// Besides "no crash, no leak, no undefined behaviour" (ASan + UBSan), it
// checks an oracle on every input:
// - parse_ttl accepts exactly what the grammar of the file comment accepts
//   (a count without sign or leading zero, then one of s m h d) up to
//   max_ttl, with the value a plain computation gives, and refuses all else
//   with tokens::error::invalid_ttl; an accepted value is positive and at
//   most 3650 days;
// - format_ttl of an accepted value picks the largest unit that divides it
//   and parses back to the same value;
// - the input's first 8 bytes, read as a count of seconds: format_ttl throws
//   std::invalid_argument for a count <= 0, otherwise writes the grammar,
//   which parses back to the count if it is at most max_ttl and is refused
//   above it; the count folded into (0, max_ttl] always round-trips.

#include <modelauth/tokens/ttl.hpp>
#include <modelauth/tokens/error.hpp>

#include "oracle.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

namespace ma = modelauth;
namespace t = modelauth::tokens;

using modelauth_fuzz::check;

constexpr std::int64_t max_seconds = 3650LL * 24 * 3600;

std::int64_t unit_seconds(char c)
{
    switch(c)
    {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return 86400;
    default: return 0;
    }
}

bool grammar(std::string_view s)
{
    if(s.size() < 2 || s[0] < '1' || s[0] > '9' || unit_seconds(s.back()) == 0)
        return false;
    for(char c : s.substr(0, s.size() - 1))
        if(c < '0' || c > '9')
            return false;
    return true;
}

// The seconds `s` names if it matches the grammar and is at most max_seconds, else -1.
std::int64_t model_parse(std::string_view s)
{
    if(! grammar(s))
        return -1;
    std::string_view const digits = s.substr(0, s.size() - 1);
    if(digits.size() > 12) // more than 10^11 of any unit is over max_seconds
        return -1;
    std::int64_t count = 0;
    for(char c : digits)
        count = count * 10 + (c - '0');
    std::int64_t const seconds = count * unit_seconds(s.back());
    return seconds <= max_seconds ? seconds : -1;
}

std::string model_format(std::int64_t seconds)
{
    for(char unit : {'d', 'h', 'm', 's'})
        if(seconds % unit_seconds(unit) == 0)
            return std::to_string(seconds / unit_seconds(unit)) + unit;
    return {};
}

void check_format(std::int64_t seconds)
{
    if(seconds <= 0)
    {
        bool threw = false;
        try
        {
            (void)t::format_ttl(std::chrono::seconds(seconds));
        }
        catch(std::invalid_argument const&)
        {
            threw = true;
        }
        check(threw);
        return;
    }
    std::string const text = t::format_ttl(std::chrono::seconds(seconds));
    check(text == model_format(seconds));
    check(grammar(text));
    auto const back = t::parse_ttl(text);
    if(seconds <= max_seconds)
        check(back.has_value() && back->count() == seconds);
    else
        check(! back && back.error() == t::error::invalid_ttl);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const input(reinterpret_cast<char const*>(data), size);
    check(t::max_ttl.count() == max_seconds);

    auto const ttl = t::parse_ttl(input);
    std::int64_t const want = model_parse(input);
    if(! ttl)
    {
        check(want == -1);
        check(ttl.error() == t::error::invalid_ttl);
    }
    else
    {
        check(want == ttl->count());
        check(ttl->count() > 0 && *ttl <= t::max_ttl && *ttl <= std::chrono::hours(24 * 3650));
        check(grammar(input));
        check_format(ttl->count());
    }

    if(size >= sizeof(std::int64_t))
    {
        std::int64_t seconds = 0;
        std::memcpy(&seconds, data, sizeof seconds);
        check_format(seconds);
        auto const folded = static_cast<std::uint64_t>(seconds) % static_cast<std::uint64_t>(max_seconds);
        check_format(static_cast<std::int64_t>(folded) + 1);
    }
    return 0;
}
