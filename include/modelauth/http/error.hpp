//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_ERROR_HPP
#define MODELAUTH_HTTP_ERROR_HPP

/** @file
    The error codes of the `http` area, and their HTTP mapping (see
    `modelauth/error.hpp` for conditions, `http_status` and `rfc6750_error`).
*/

#include <modelauth/error.hpp>

namespace modelauth {
inline namespace v0 {
namespace http {

/** Errors of credential extraction from HTTP requests.

    See `security/url_header_attack_catalogue.md`, cases H1-H16.
*/
enum class error
{
    /// The request carries no credentials at all (H1). HTTP 401 with a bare
    /// challenge, no `error` attribute (RFC 6750 section 3.1).
    missing_credentials = 1,

    /// The Authorization header uses a scheme other than Bearer (H10). HTTP 401
    /// with a bare challenge.
    unsupported_scheme,

    /// The Authorization header does not match RFC 6750's grammar (H3, H5, H8,
    /// H12). HTTP 400 `invalid_request`.
    malformed_authorization,

    /// The request has more than one Authorization header (H7). HTTP 400.
    multiple_authorization_headers,

    /// The request carries credentials in more than one place (H9). HTTP 400.
    multiple_credentials,

    /// A credential is longer than the configured limit (H11). HTTP 401.
    credential_too_large
};

/// The category of `http::error`; its name is `"modelauth.credential"`.
inline std::error_category const& error_category() noexcept;

/// Makes a `std::error_code` of `error`; found by argument-dependent lookup.
inline std::error_code make_error_code(error e) noexcept;

} // namespace http
} // namespace v0
} // namespace modelauth

namespace std {

template<> struct is_error_code_enum<::modelauth::http::error> : true_type {};

} // namespace std

#include <modelauth/http/impl/error.hpp>

#endif
