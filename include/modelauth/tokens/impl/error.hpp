//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_IMPL_ERROR_HPP
#define MODELAUTH_TOKENS_IMPL_ERROR_HPP

namespace modelauth {
inline namespace v0 {
namespace detail {

template<>
struct error_table<tokens::error>
{
    static constexpr char const* category_name = "modelauth.lifecycle";
    static constexpr error_info rows[] = {
        {1, "invalid_credentials", "the email or password is wrong", 401, no_rfc6750_error, condition::unauthenticated},
        {2, "too_many_attempts", "too many failed attempts, retry later", 429, no_rfc6750_error, condition::too_many_requests},
        {3, "invalid_refresh_token", "the refresh token is not valid", 401, invalid_token, condition::unauthenticated},
        {4, "refresh_token_reused", "the refresh token was already used, its family is revoked", 401, invalid_token, condition::unauthenticated},
        {5, "invalid_ttl", "the lifetime is not a positive integer and one unit of s m h d", 400, invalid_request, condition::bad_request},
        {6, "invalid_request_body", "the request body or a parameter is not valid", 400, invalid_request, condition::bad_request},
        {7, "token_not_found", "no such token", 404, no_rfc6750_error, condition::not_found},
        {8, "permanent_token_quota", "the most permanent tokens allowed already exist", 409, no_rfc6750_error, condition::conflict},
        {9, "not_permitted", "this credential may not manage that resource", 403, no_rfc6750_error, condition::forbidden},
        {10, "unknown_model", "no such model", 404, no_rfc6750_error, condition::not_found},
        {11, "unknown_instance", "no such instance", 404, no_rfc6750_error, condition::not_found},
        {12, "unknown_space", "no such space", 404, no_rfc6750_error, condition::not_found},
        {13, "invalid_password_hash", "a stored password hash is not valid", 500, no_rfc6750_error, condition::invalid_configuration},
        {14, "storage_failure", "the change could not be stored", 503, no_rfc6750_error, condition::unavailable},
        {15, "random_failure", "no secret could be generated", 503, no_rfc6750_error, condition::unavailable},
        {16, "duplicate_token", "a token with that id or secret already exists", 409, no_rfc6750_error, condition::conflict},
        {17, "token_quota", "the most tokens allowed already exist", 409, no_rfc6750_error, condition::conflict},
    };
};

static_assert(rows_are_dense<tokens::error>(), "tokens::error table out of order");

} // namespace detail

namespace tokens {

inline std::error_category const& error_category() noexcept
{
    return modelauth::detail::category_of<error>();
}

inline std::error_code make_error_code(error e) noexcept
{
    return std::error_code(static_cast<int>(e), error_category());
}

} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
