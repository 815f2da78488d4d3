//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_TRUSTED_ISSUER_HPP
#define MODELAUTH_VALIDATION_TRUSTED_ISSUER_HPP

/** @file
    `trusted_issuer`: an issuer whose JWTs the validator accepts, with its
    keys and rules. Its own header so that what describes an issuer (the
    validator's configuration, a token issuer's `trusted()`) needs nothing of
    the validator itself.
*/

#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/key_set.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace validation {

/** An issuer whose JWTs are accepted, with its own keys and rules. */
struct trusted_issuer
{
    /// The exact `iss` value (compared byte for byte).
    std::string issuer;

    /// The issuer's keys, chosen by the token's `kid`.
    jose::key_set keys;

    /// Accepted audiences, any of which the token's `aud` must name. Empty:
    /// `aud` is not checked.
    std::vector<std::string> audiences;

    /// Algorithms accepted from this issuer. Empty: whatever its keys are bound to.
    std::vector<jose::algorithm> algorithms;

    /// Clock skew tolerated on `exp`, `nbf`, `iat`.
    std::chrono::seconds leeway{60};

    /// Whether `exp` is required (secure default: yes). Opting out is explicit.
    bool require_expiry = true;

    /// The longest token lifetime accepted, if any.
    std::optional<std::chrono::seconds> max_lifetime;

    /// A required header `typ`, e.g. `at+jwt` (RFC 9068); compared as
    /// `media_type_matches` does.
    std::optional<std::string> required_type;
};

} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
