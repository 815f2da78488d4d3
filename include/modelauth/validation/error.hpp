//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_ERROR_HPP
#define MODELAUTH_VALIDATION_ERROR_HPP

/** @file
    The error codes of the `validation` area, and their HTTP mapping (see
    `modelauth/error.hpp` for conditions, `http_status` and `rfc6750_error`).
*/

#include <modelauth/error.hpp>

namespace modelauth {
inline namespace v0 {
namespace validation {

/** Errors of claim and credential validation that are not about the JWS itself.

    All of them answer 401 with `error="invalid_token"`.
*/
enum class error
{
    /// `exp` is in the past beyond the leeway (J24).
    token_expired = 1,

    /// `nbf` is in the future beyond the leeway (J24).
    token_not_yet_valid,

    /// `iat` is in the future beyond the leeway (J24).
    issued_in_future,

    /// `exp` is missing and the validator requires it (J24).
    missing_expiry,

    /// A registered claim has the wrong JSON type, e.g. `exp` as a string (J24).
    invalid_claim_type,

    /// A numeric date is not finite or out of range (J24).
    claim_out_of_range,

    /// The token's `iss` is not a trusted issuer (J24).
    untrusted_issuer,

    /// None of the token's audiences is accepted (J24).
    audience_mismatch,

    /// The header's `typ` is not the required type (J24).
    type_mismatch,

    /// The token lives longer than the configured maximum lifetime.
    lifetime_too_long,

    /// The token has been revoked.
    token_revoked,

    /// The token has been deactivated.
    token_inactive,

    /// An API key does not have the key format: prefix, length or alphabet (H16).
    malformed_api_key,

    /// An API key's checksum does not match: a typo or a forgery (H16).
    api_key_checksum_mismatch,

    /// A well-formed API key is not in the token store (H16).
    unknown_api_key,
    /// The token lacks the account claim its issuer requires
    /// (`trusted_issuer::account_required`), or it is not a string.
    missing_account
};

/// The category of `validation::error`; its name is `"modelauth.token"`.
inline std::error_category const& error_category() noexcept;

/// Makes a `std::error_code` of `error`; found by argument-dependent lookup.
inline std::error_code make_error_code(error e) noexcept;

} // namespace validation
} // namespace v0
} // namespace modelauth

namespace std {

template<> struct is_error_code_enum<::modelauth::validation::error> : true_type {};

} // namespace std

#include <modelauth/validation/impl/error.hpp>

#endif
