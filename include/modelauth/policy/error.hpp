//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_POLICY_ERROR_HPP
#define MODELAUTH_POLICY_ERROR_HPP

/** @file
    The error codes of the `policy` area, and their HTTP mapping (see
    `modelauth/error.hpp` for conditions, `http_status` and `rfc6750_error`).
*/

#include <modelauth/error.hpp>

namespace modelauth {
inline namespace v0 {
namespace policy {

/** Denials of the scope policy (`scope_policy.hpp`).
*/
enum class error
{
    /// No scope of the token allows the action on the endpoint (H14). HTTP 403
    /// `insufficient_scope`.
    missing_scope = 1,

    /// The token is bound to another model, instance, account or space. HTTP 403.
    binding_mismatch,

    /// The token's class may not be used on this route (e.g. a manager token
    /// outside the IAM routes). HTTP 403.
    class_forbidden,

    /// The token's principal is not active. HTTP 401 `invalid_token`.
    inactive,

    /// The model belongs to another account than the token's: HTTP 404,
    /// answered exactly as a model that does not exist (tenancy: a caller
    /// never learns that another account's model exists).
    other_account
};

/// The category of `policy::error`; its name is `"modelauth.policy"`.
inline std::error_category const& error_category() noexcept;

/// Makes a `std::error_code` of `error`; found by argument-dependent lookup.
inline std::error_code make_error_code(error e) noexcept;

} // namespace policy
} // namespace v0
} // namespace modelauth

namespace std {

template<> struct is_error_code_enum<::modelauth::policy::error> : true_type {};

} // namespace std

#include <modelauth/policy/impl/error.hpp>

#endif
