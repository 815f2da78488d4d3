//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_IMPL_ERROR_HPP
#define MODELAUTH_VALIDATION_IMPL_ERROR_HPP

namespace modelauth {
inline namespace v0 {
namespace detail {

template<>
struct error_table<validation::error>
{
    static constexpr char const* category_name = "modelauth.token";
    static constexpr error_info rows[] = {
        {1, "token_expired", "the token has expired", 401, invalid_token, condition::unauthenticated},
        {2, "token_not_yet_valid", "the token is not valid yet", 401, invalid_token, condition::unauthenticated},
        {3, "issued_in_future", "the token is issued in the future", 401, invalid_token, condition::unauthenticated},
        {4, "missing_expiry", "the token has no expiry", 401, invalid_token, condition::unauthenticated},
        {5, "invalid_claim_type", "a token claim has the wrong type", 401, invalid_token, condition::unauthenticated},
        {6, "claim_out_of_range", "a token claim is out of range", 401, invalid_token, condition::unauthenticated},
        {7, "untrusted_issuer", "the token issuer is not trusted", 401, invalid_token, condition::unauthenticated},
        {8, "audience_mismatch", "the token is not meant for this audience", 401, invalid_token, condition::unauthenticated},
        {9, "type_mismatch", "the token type is not accepted", 401, invalid_token, condition::unauthenticated},
        {10, "lifetime_too_long", "the token lives too long", 401, invalid_token, condition::unauthenticated},
        {11, "token_revoked", "the token has been revoked", 401, invalid_token, condition::unauthenticated},
        {12, "token_inactive", "the token is not active", 401, invalid_token, condition::unauthenticated},
        {13, "malformed_api_key", "the API key is malformed", 401, invalid_token, condition::unauthenticated},
        {14, "api_key_checksum_mismatch", "the API key checksum does not match", 401, invalid_token, condition::unauthenticated},
        {15, "unknown_api_key", "the API key is not known", 401, invalid_token, condition::unauthenticated},
        {16, "missing_account", "the token names no account", 401, invalid_token, condition::unauthenticated},
    };
};

static_assert(rows_are_dense<validation::error>(), "validation::error table out of order");

} // namespace detail

namespace validation {

inline std::error_category const& error_category() noexcept
{
    return modelauth::detail::category_of<error>();
}

inline std::error_code make_error_code(error e) noexcept
{
    return std::error_code(static_cast<int>(e), error_category());
}

} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
