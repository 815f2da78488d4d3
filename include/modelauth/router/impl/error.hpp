//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_ROUTER_IMPL_ERROR_HPP
#define MODELAUTH_ROUTER_IMPL_ERROR_HPP

namespace modelauth {
inline namespace v0 {
namespace detail {

template<>
struct error_table<router::error>
{
    static constexpr char const* category_name = "modelauth.router";
    static constexpr error_info rows[] = {
        {1, "target_too_long", "the request target is too long", 414, no_rfc6750_error, condition::bad_request},
        {2, "not_origin_form", "the request target is not an origin-form path", 400, no_rfc6750_error, condition::bad_request},
        {3, "empty_segment", "the path has an empty segment", 400, no_rfc6750_error, condition::bad_request},
        {4, "dot_segment", "the path has a dot segment", 400, no_rfc6750_error, condition::bad_request},
        {5, "percent_encoded_slash", "the path has a percent-encoded slash", 400, no_rfc6750_error, condition::bad_request},
        {6, "backslash", "the path has a backslash", 400, no_rfc6750_error, condition::bad_request},
        {7, "invalid_percent_escape", "the path has a malformed percent escape", 400, no_rfc6750_error, condition::bad_request},
        {8, "percent_encoded_percent", "the path is percent-encoded twice", 400, no_rfc6750_error, condition::bad_request},
        {9, "control_character", "the path has a control character", 400, no_rfc6750_error, condition::bad_request},
        {10, "non_ascii", "the path has a byte outside ASCII", 400, no_rfc6750_error, condition::bad_request},
        {11, "invalid_character", "the path has a character that is not allowed", 400, no_rfc6750_error, condition::bad_request},
        {12, "encoded_delimiter", "the path has an encoded or misplaced query or fragment delimiter", 400, no_rfc6750_error, condition::bad_request},
        {13, "invalid_model_name", "the model name is not valid", 400, no_rfc6750_error, condition::bad_request},
        {14, "invalid_version", "the model version is not valid", 400, no_rfc6750_error, condition::bad_request},
        {15, "outside_mount_root", "the path is not served here", 404, no_rfc6750_error, condition::not_found},
        {16, "unknown_prefix", "no model prefix matches the path", 404, no_rfc6750_error, condition::not_found},
        {17, "unknown_model", "no such model", 404, no_rfc6750_error, condition::not_found},
        {18, "unknown_version", "no such model version", 404, no_rfc6750_error, condition::not_found},
        {19, "unexpected_segment", "the path goes on after the model endpoint", 404, no_rfc6750_error, condition::not_found},
        {20, "missing_trailing_slash", "model URLs end in a slash", 308, no_rfc6750_error, condition::redirect},
        {21, "trailing_slash_required", "model URLs end in a slash", 404, no_rfc6750_error, condition::not_found},
    };
};

static_assert(rows_are_dense<router::error>(), "router::error table out of order");

} // namespace detail

namespace router {

inline std::error_category const& error_category() noexcept
{
    return modelauth::detail::category_of<error>();
}

inline std::error_code make_error_code(error e) noexcept
{
    return std::error_code(static_cast<int>(e), error_category());
}

} // namespace router
} // namespace v0
} // namespace modelauth

#endif
