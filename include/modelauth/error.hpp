//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_ERROR_HPP
#define MODELAUTH_ERROR_HPP

/** @file
    The conditions modelauth's error codes belong to, and what each code means
    on the wire: its HTTP status and its RFC 6750 `error` value.

    Each area declares its own codes beside its headers, each enum with its own
    category: `router/error.hpp` (`router::error`), `jose/error.hpp`
    (`jose::error`, `jose::key_error`), `validation/error.hpp`
    (`validation::error`), `policy/error.hpp` (`policy::error`),
    `http/error.hpp` (`http::error`) and `tokens/error.hpp` (`tokens::error`).
    The functions below answer for a code of any of them.

    Every fallible function of the library returns `modelauth::result<T>`, a
    `boost::system::result<T, std::error_code>` whose error is one of those
    enums. A caller that does not care about the precise fault tests the
    condition instead:

    @code
    auto r = validator.validate(token);
    if(! r && r.error() == modelauth::condition::unauthenticated)
        ...
    @endcode

    Messages are fixed texts: they never contain token bytes, key material,
    passwords or hashes, so they are safe to log and to put in a response.
*/

#include <boost/system/result.hpp>

#include <string_view>
#include <system_error>

namespace modelauth {
inline namespace v0 {

/** The result of an operation that can fail on its input.

    Holds either a `T` or a `std::error_code` in one of modelauth's categories.
*/
template<class T>
using result = boost::system::result<T, std::error_code>;

//----------------------------------------------------------------------------

/** Broad classes of failure, one per kind of HTTP answer.

    Every modelauth error code compares equal to exactly one condition, so
    `ec == condition::forbidden` works without knowing the precise code.
*/
enum class condition
{
    /// The caller is not authenticated: no, unusable or invalid credentials (401).
    unauthenticated = 1,

    /// The caller is authenticated but may not do this (403).
    forbidden,

    /// What the request names does not exist (404).
    not_found,

    /// The request is malformed (400, or 414 for an over-long target).
    bad_request,

    /// The request should be repeated at another location (308).
    redirect,

    /// The server's own configuration (keys, key sets, settings) is unusable;
    /// never caused by request input.
    invalid_configuration,

    /// The request conflicts with the state of what it names, e.g. a quota (409).
    conflict,

    /// The caller made too many attempts; it may retry later (429).
    too_many_requests,

    /// The server cannot complete the request now, e.g. its state could not
    /// be written durably (503).
    unavailable
};

//----------------------------------------------------------------------------

/// The category of `condition`; its name is `"modelauth"`.
inline std::error_category const& condition_category() noexcept;

/// Makes an error condition from a `condition`.
inline std::error_condition make_error_condition(condition c) noexcept;

//----------------------------------------------------------------------------

/** The HTTP status that answers a request failing with `ec`.

    @return The status of the code's table entry for modelauth's codes; 500 for
    any code of another category, and for a code that is not an enumerator.

    Complexity: constant. Exception safety: no-throw.
*/
[[nodiscard]] inline unsigned http_status(std::error_code const& ec) noexcept;

/** The RFC 6750 section 3.1 `error` value for `ec`.

    @return `"invalid_request"`, `"invalid_token"` or `"insufficient_scope"`
    for failures that answer with a Bearer challenge carrying an `error`
    attribute; an empty view for those whose challenge must not carry one
    (missing credentials, another auth scheme) and for errors that are not
    authentication failures at all (routing, configuration).

    Complexity: constant. Exception safety: no-throw.
*/
[[nodiscard]] inline std::string_view rfc6750_error(std::error_code const& ec) noexcept;

/** Whether a response to `ec` carries a `WWW-Authenticate: Bearer` challenge.

    True for every failure of the `unauthenticated` condition, for
    `insufficient_scope` denials and for the credential errors that answer
    400 `invalid_request` (a malformed `Authorization` header, two of them,
    credentials in two places); false for routing and configuration errors
    and for a bad request body or parameter.
*/
[[nodiscard]] inline bool needs_bearer_challenge(std::error_code const& ec) noexcept;

/** The stable machine name of `ec`: the enumerator's spelling, e.g.
    `"percent_encoded_slash"`; `"unknown"` for codes of other categories.

    The name is part of the API: logs and metrics may key on it.
*/
[[nodiscard]] inline std::string_view error_name(std::error_code const& ec) noexcept;

} // namespace v0
} // namespace modelauth

namespace std {

template<> struct is_error_condition_enum<::modelauth::condition> : true_type {};

} // namespace std

#include <modelauth/impl/error.hpp>

#endif
