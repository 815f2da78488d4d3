//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_TTL_HPP
#define MODELAUTH_TOKENS_TTL_HPP

/** @file
    Token lifetimes as text: `30d`, `4h`, `90s` (STACKIT's `ttlDuration`, and
    the `lifetimes` of the server's configuration).

    The grammar is strict, one spelling per lifetime apart from the choice
    of unit:

    @code
    ttl   = count unit
    count = %x31-39 *DIGIT        ; a positive integer, no sign, no leading zero
    unit  = "s" / "m" / "h" / "d" ; lower case, exactly one
    @endcode

    Nothing else is accepted: no white space, no sign, no fraction, no
    second unit, no upper case. A lifetime is at most `max_ttl` (3650 days).
*/

#include <modelauth/error.hpp>
#include <modelauth/tokens/error.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace tokens {

/// The longest lifetime `parse_ttl` accepts: 3650 days (about ten years).
inline constexpr std::chrono::seconds max_ttl = std::chrono::hours(24 * 3650);

/** Parses a lifetime such as `30d` (see the grammar in the file comment).

    @return The lifetime, or `tokens::error::invalid_ttl` if `text` does not
    match the grammar exactly or names more than `max_ttl`. Counts of any
    length are handled: a huge count is rejected, never wrapped.

    Complexity: linear in `text.size()`. Exception safety: no-throw; no allocation.
*/
[[nodiscard]] inline result<std::chrono::seconds> parse_ttl(std::string_view text) noexcept;

/** Formats a lifetime in the largest unit that divides it: 86400 s gives
    `1d`, 7200 s `2h`, 90 s `90s`.

    The inverse of `parse_ttl`: `parse_ttl(format_ttl(t)) == t` for every
    `t` in `(0, max_ttl]` (a lifetime over `max_ttl` is formatted all the
    same but does not parse back).

    @pre `ttl > 0`.
    @throws std::invalid_argument if `ttl <= 0` (a programming error).

    Complexity: constant. Exception safety: strong (may throw `std::bad_alloc`).
*/
[[nodiscard]] inline std::string format_ttl(std::chrono::seconds ttl);

} // namespace tokens
} // namespace v0
} // namespace modelauth

#include <modelauth/tokens/impl/ttl.hpp>

#endif
