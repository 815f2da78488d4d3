//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_ERROR_HPP
#define MODELAUTH_TOKENS_ERROR_HPP

/** @file
    The error codes of the `tokens` area, and their HTTP mapping (see
    `modelauth/error.hpp` for conditions, `http_status` and `rfc6750_error`).
*/

#include <modelauth/error.hpp>

namespace modelauth {
inline namespace v0 {
namespace tokens {

/** Errors of the token lifecycle (`tokens/...`): login, refresh, issuing
    and managing tokens.
*/
enum class error
{
    /// Wrong email or password; the answer never says which. HTTP 401.
    invalid_credentials = 1,

    /// Too many failed logins for the account; retry later. HTTP 429.
    too_many_attempts,

    /// The refresh token is unknown, expired or revoked. HTTP 401 `invalid_token`.
    invalid_refresh_token,

    /// A rotated refresh token was presented again: its whole family is
    /// revoked. HTTP 401 `invalid_token`.
    refresh_token_reused,

    /// A lifetime such as `ttlDuration` is not a positive integer followed by
    /// one unit of `s m h d`, or is too long. HTTP 400 `invalid_request`.
    invalid_ttl,

    /// The request body or a parameter is missing, malformed or of the wrong
    /// type. HTTP 400 `invalid_request`.
    invalid_request_body,

    /// No token has that id (or key), or the caller may not see it. HTTP 404.
    token_not_found,

    /// The account or space already has the most permanent tokens allowed. HTTP 409.
    permanent_token_quota,

    /// The caller's credential may not perform this management operation
    /// (wrong class, another account, space or instance). HTTP 403.
    not_permitted,

    /// The model named by the request does not exist. HTTP 404.
    unknown_model,

    /// The instance named by the request does not exist. HTTP 404.
    unknown_instance,

    /// The space named by the request does not exist. HTTP 404.
    unknown_space,

    /// A stored password hash is not `pbkdf2_sha256$<iterations>$<salt>$<hash>`
    /// with enough iterations. Configuration, never request input.
    invalid_password_hash,

    /// The token store could not make a change durable (a journal write or
    /// fsync failed); nothing was changed. HTTP 503.
    storage_failure,

    /// A secret could not be generated (the random source failed). HTTP 503.
    random_failure,

    /// A token with that id or secret already exists. HTTP 409.
    duplicate_token,

    /// A quota other than the permanent-token one is reached: the live
    /// temporary tokens of one (class, account, space), the tokens of one
    /// instance, or the access and session tokens one refresh-token family
    /// may have at once. HTTP 409.
    token_quota
};

/// The category of `tokens::error`; its name is `"modelauth.lifecycle"`.
inline std::error_category const& error_category() noexcept;

/// Makes a `std::error_code` of `error`; found by argument-dependent lookup.
inline std::error_code make_error_code(error e) noexcept;

} // namespace tokens
} // namespace v0
} // namespace modelauth

namespace std {

template<> struct is_error_code_enum<::modelauth::tokens::error> : true_type {};

} // namespace std

#include <modelauth/tokens/impl/error.hpp>

#endif
