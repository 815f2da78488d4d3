//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_ROUTER_ERROR_HPP
#define MODELAUTH_ROUTER_ERROR_HPP

/** @file
    The error codes of the `router` area, and their HTTP mapping (see
    `modelauth/error.hpp` for conditions, `http_status` and `rfc6750_error`).
*/

#include <modelauth/error.hpp>

namespace modelauth {
inline namespace v0 {
namespace router {

/** Errors of the model URL router (`model_url_router.hpp`).

    See `security/url_header_attack_catalogue.md`, cases U1-U17.
*/
enum class error
{
    /// The request target is longer than the configured limit (U11). HTTP 414.
    target_too_long = 1,

    /// The target is not in origin-form: absolute-form, authority-form or `*` (U15).
    not_origin_form,

    /// The path has an empty segment, e.g. `//` or `/models//x/` (U8).
    empty_segment,

    /// A segment is `.` or `..`, plain or percent-encoded (U1, U2, U17).
    dot_segment,

    /// A segment holds `%2F`, an encoded `/` that must never become a separator (U4).
    percent_encoded_slash,

    /// A segment holds `\`, literal or as `%5C` (U5).
    backslash,

    /// A `%` is not followed by two hexadecimal digits (U13).
    invalid_percent_escape,

    /// A segment holds `%25`: double percent-encoding is never accepted (U3).
    percent_encoded_percent,

    /// A control byte (00-1F, 7F), raw or percent-encoded (U7).
    control_character,

    /// A byte outside ASCII, raw or percent-encoded (U6, U12).
    non_ascii,

    /// A character that the segment grammar does not allow, such as `;` (U9).
    invalid_character,

    /// A segment holds an encoded `?` or `#` (`%3F`, `%23`) or the target holds `#` (U10).
    encoded_delimiter,

    /// A model name does not match the name grammar (U17).
    invalid_model_name,

    /// A version does not match the version grammar (U16).
    invalid_version,

    /// The path is not below the router's mount root. HTTP 404.
    outside_mount_root,

    /// No registered model prefix matches the path. HTTP 404.
    unknown_prefix,

    /// The prefix is known but no model of that name is registered under it. HTTP 404.
    unknown_model,

    /// The model exists but not in the requested version. HTTP 404.
    unknown_version,

    /// The path goes on after the version, or names an unknown operation (U14). HTTP 404.
    unexpected_segment,

    /// The path lacks only its final `/`: the answer is a 308 redirect to the
    /// path with `/` appended (the query kept).
    missing_trailing_slash,

    /// The path lacks its final `/` and the router is strict about it. HTTP 404.
    trailing_slash_required
};

/// The category of `router::error`; its name is `"modelauth.router"`.
inline std::error_category const& error_category() noexcept;

/// Makes a `std::error_code` of `error`; found by argument-dependent lookup.
inline std::error_code make_error_code(error e) noexcept;

} // namespace router
} // namespace v0
} // namespace modelauth

namespace std {

template<> struct is_error_code_enum<::modelauth::router::error> : true_type {};

} // namespace std

#include <modelauth/router/impl/error.hpp>

#endif
