//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_IMPL_TTL_HPP
#define MODELAUTH_TOKENS_IMPL_TTL_HPP

#include <cstdint>
#include <modelauth/tokens/error.hpp>
#include <stdexcept>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {

// Seconds per unit, largest first; `format_ttl` picks the first that divides.
struct ttl_unit
{
    char symbol;
    std::int64_t seconds;
};

inline constexpr ttl_unit ttl_units[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};

} // namespace detail

inline result<std::chrono::seconds> parse_ttl(std::string_view text) noexcept
{
    // At least one digit and the unit; the first digit is not 0.
    if(text.size() < 2 || text.front() < '1' || text.front() > '9')
        return tokens::error::invalid_ttl;

    std::int64_t unit_seconds = 0;
    for(auto const& unit : detail::ttl_units)
        if(text.back() == unit.symbol)
            unit_seconds = unit.seconds;
    if(unit_seconds == 0)
        return tokens::error::invalid_ttl;

    // No count above max_ttl in seconds can be valid in any unit, so the
    // accumulator stops there and never overflows: it stays below 10 * max + 10.
    std::int64_t const limit = max_ttl.count();
    std::int64_t count = 0;
    for(char c : text.substr(0, text.size() - 1))
    {
        if(c < '0' || c > '9')
            return tokens::error::invalid_ttl;
        count = count * 10 + (c - '0');
        if(count > limit)
            return tokens::error::invalid_ttl;
    }
    // count <= limit and unit_seconds <= 86400: the product fits in 64 bits.
    if(count * unit_seconds > limit)
        return tokens::error::invalid_ttl;
    return std::chrono::seconds(count * unit_seconds);
}

inline std::string format_ttl(std::chrono::seconds ttl)
{
    if(ttl.count() <= 0)
        throw std::invalid_argument("format_ttl: the lifetime must be positive");
    for(auto const& unit : detail::ttl_units)
        if(ttl.count() % unit.seconds == 0)
            return std::to_string(ttl.count() / unit.seconds) + unit.symbol;
    return {}; // unreachable: every count is a whole number of seconds
}

} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
