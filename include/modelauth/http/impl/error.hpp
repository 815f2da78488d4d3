//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_IMPL_ERROR_HPP
#define MODELAUTH_HTTP_IMPL_ERROR_HPP

namespace modelauth {
inline namespace v0 {
namespace detail {

template<>
struct error_table<http::error>
{
    // A credential carried wrongly is an RFC 6750 `invalid_request` of the
    // Bearer scheme: it is challenged like an authentication failure.
    static constexpr bool challenge_invalid_request = true;
    static constexpr char const* category_name = "modelauth.credential";
    static constexpr error_info rows[] = {
        {1, "missing_credentials", "the request has no credentials", 401, no_rfc6750_error, condition::unauthenticated},
        {2, "unsupported_scheme", "the authorization scheme is not supported", 401, no_rfc6750_error, condition::unauthenticated},
        {3, "malformed_authorization", "the Authorization header is malformed", 400, invalid_request, condition::bad_request},
        {4, "multiple_authorization_headers", "the request has more than one Authorization header", 400, invalid_request, condition::bad_request},
        {5, "multiple_credentials", "the request has credentials in more than one place", 400, invalid_request, condition::bad_request},
        {6, "credential_too_large", "the credential is too large", 401, invalid_token, condition::unauthenticated},
    };
};

static_assert(rows_are_dense<http::error>(), "http::error table out of order");

} // namespace detail

namespace http {

inline std::error_category const& error_category() noexcept
{
    return modelauth::detail::category_of<error>();
}

inline std::error_code make_error_code(error e) noexcept
{
    return std::error_code(static_cast<int>(e), error_category());
}

} // namespace http
} // namespace v0
} // namespace modelauth

#endif
