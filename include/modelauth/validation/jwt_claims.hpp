//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_JWT_CLAIMS_HPP
#define MODELAUTH_VALIDATION_JWT_CLAIMS_HPP

/** @file
    Checks of the registered JWT claims (RFC 7519 section 4.1): `exp`, `nbf`,
    `iat`, `aud`, and the lifetime of a token; plus reading the claims
    modelauth maps into a `Principal`.

    Time comes from the caller (the validator's Clock), never from the
    system clock here.
*/

#include <modelauth/error.hpp>
#include <modelauth/jose/detail/json_scan.hpp>
#include <modelauth/validation/error.hpp>
#include <modelauth/validation/principal.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace validation {

/** What a token's registered claims must satisfy. */
struct claim_rules
{
    /// Whether `exp` must be present. Secure default: yes.
    bool require_expiry = true;

    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    std::chrono::seconds leeway{60};

    /// The longest lifetime accepted (`exp - iat`, or `exp - now` without `iat`).
    std::optional<std::chrono::seconds> max_lifetime;

    /// Accepted audiences: the token's `aud` (string or array) must name one.
    /// Empty: `aud` is not checked.
    std::vector<std::string> audiences;
};

/** A NumericDate claim (seconds since the epoch, RFC 7519 section 2).

    @return Empty if the claim is absent; the time point if it is a number
    in [0, 2^53] (a date after the clock's last instant, in 2262 for
    libstdc++'s nanosecond clock, is that instant: `exp` 9999999999 never
    expires); `validation::error::invalid_claim_type` if it is not a number
    (e.g. the string "1700000000"), `validation::error::claim_out_of_range` if it
    is negative or too large (J24).

    Complexity: linear in the number of claims. Exception safety: strong.
*/
[[nodiscard]] inline result<std::optional<std::chrono::system_clock::time_point>>
numeric_date_claim(boost::json::object const& claims, std::string_view name);

/** Checks `exp`, `nbf`, `iat`, the lifetime and `aud` of a claims set at `now`.

    @return Nothing, or the first failure in this order: a claim of the wrong
    type or range, `validation::error::missing_expiry`, `token_expired` (`now` is
    at or after `exp + leeway`), `token_not_yet_valid` (`now + leeway` is
    before `nbf`), `issued_in_future` (`iat` after `now + leeway`),
    `lifetime_too_long`, `audience_mismatch`.

    Complexity: linear in the number of claims and audiences.
    Exception safety: strong; throws only `std::bad_alloc` (an `aud` array
    of more than 4 entries).
*/
[[nodiscard]] inline result<void> check_registered_claims(
    boost::json::object const& claims,
    claim_rules const& rules,
    std::chrono::system_clock::time_point now);

/** The scopes of a claims set: `scope` (a space-separated string, RFC 8693)
    or `scp` (an array of strings, or a string), in order, duplicates removed.

    @return The scopes (empty if neither claim is present), or
    `validation::error::invalid_claim_type` for any other JSON type.
*/
[[nodiscard]] inline result<std::vector<std::string>> scope_claim(boost::json::object const& claims);

/** The bindings and class of a claims set: `cls`, `model_id`, `instance`,
    `account`, `space` (see `token_bindings`).

    @return `validation::error::invalid_claim_type` for a claim of the wrong type
    or an unknown class name.
*/
[[nodiscard]] inline result<std::pair<token_class, token_bindings>>
binding_claims(boost::json::object const& claims);

/** Whether a JOSE `typ` value names `expected`, comparing as RFC 7515
    section 4.1.9 says: case-insensitively, with an optional `application/`
    prefix (`at+JWT` names `application/at+jwt`).
*/
[[nodiscard]] inline bool media_type_matches(std::string_view typ, std::string_view expected) noexcept;

} // namespace validation
} // namespace v0
} // namespace modelauth

#include <modelauth/validation/impl/jwt_claims.hpp>

#endif
