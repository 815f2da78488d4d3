//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_IMPL_ERROR_HPP
#define MODELAUTH_JOSE_IMPL_ERROR_HPP

namespace modelauth {
inline namespace v0 {
namespace detail {

template<>
struct error_table<jose::error>
{
    static constexpr char const* category_name = "modelauth.jose";
    static constexpr error_info rows[] = {
        {1, "token_too_large", "the token is too large", 401, invalid_token, condition::unauthenticated},
        {2, "header_too_large", "the token header is too large", 401, invalid_token, condition::unauthenticated},
        {3, "malformed_compact_serialization", "the token is not a compact JWS", 401, invalid_token, condition::unauthenticated},
        {4, "encrypted_token_not_supported", "encrypted tokens are not accepted", 401, invalid_token, condition::unauthenticated},
        {5, "json_serialization_not_supported", "JSON-serialized tokens are not accepted", 401, invalid_token, condition::unauthenticated},
        {6, "invalid_base64url", "the token is not valid base64url", 401, invalid_token, condition::unauthenticated},
        {7, "invalid_json", "the token header or claims are not valid JSON", 401, invalid_token, condition::unauthenticated},
        {8, "json_too_deep", "the token header or claims nest too deep", 401, invalid_token, condition::unauthenticated},
        {9, "duplicate_json_member", "the token header or claims repeat a member", 401, invalid_token, condition::unauthenticated},
        {10, "not_a_json_object", "the token header or claims are not a JSON object", 401, invalid_token, condition::unauthenticated},
        {11, "missing_algorithm", "the token header has no algorithm", 401, invalid_token, condition::unauthenticated},
        {12, "algorithm_none", "unsigned tokens are not accepted", 401, invalid_token, condition::unauthenticated},
        {13, "unsupported_algorithm", "the token algorithm is not supported", 401, invalid_token, condition::unauthenticated},
        {14, "invalid_header_parameter", "a token header parameter has the wrong type", 401, invalid_token, condition::unauthenticated},
        {15, "unknown_critical_header", "the token header has an unsupported critical parameter", 401, invalid_token, condition::unauthenticated},
        {16, "unknown_key", "no trusted key matches the token", 401, invalid_token, condition::unauthenticated},
        {17, "key_algorithm_mismatch", "the token algorithm does not match its key", 401, invalid_token, condition::unauthenticated},
        {18, "empty_signature", "the token signature is empty", 401, invalid_token, condition::unauthenticated},
        {19, "invalid_signature_length", "the token signature has the wrong length", 401, invalid_token, condition::unauthenticated},
        {20, "signature_mismatch", "the token signature does not verify", 401, invalid_token, condition::unauthenticated},
    };
};

static_assert(rows_are_dense<jose::error>(), "jose::error table out of order");

template<>
struct error_table<jose::key_error>
{
    static constexpr char const* category_name = "modelauth.key";
    static constexpr error_info rows[] = {
        {1, "invalid_pem", "the PEM key could not be parsed", 500, no_rfc6750_error, condition::invalid_configuration},
        {2, "invalid_jwk", "the JWK is not valid", 500, no_rfc6750_error, condition::invalid_configuration},
        {3, "invalid_jwks", "the JWK set is not valid", 500, no_rfc6750_error, condition::invalid_configuration},
        {4, "unsupported_key_type", "the key type is not supported", 500, no_rfc6750_error, condition::invalid_configuration},
        {5, "unsupported_algorithm", "the key algorithm is not supported", 500, no_rfc6750_error, condition::invalid_configuration},
        {6, "algorithm_key_mismatch", "the key cannot be used with its algorithm", 500, no_rfc6750_error, condition::invalid_configuration},
        {7, "weak_key", "the key is too weak", 500, no_rfc6750_error, condition::invalid_configuration},
        {8, "empty_key", "the key is empty", 500, no_rfc6750_error, condition::invalid_configuration},
        {9, "key_use_mismatch", "the key is not meant for signatures", 500, no_rfc6750_error, condition::invalid_configuration},
        {10, "duplicate_key_id", "the key set repeats a key id", 500, no_rfc6750_error, condition::invalid_configuration},
        {11, "not_a_private_key", "signing needs a private key", 500, no_rfc6750_error, condition::invalid_configuration},
        {12, "signing_failed", "signing failed", 500, no_rfc6750_error, condition::invalid_configuration},
        {13, "mixed_key_set", "the key set mixes secret and public keys", 500, no_rfc6750_error, condition::invalid_configuration},
        {14, "key_generation_failed", "key generation failed", 500, no_rfc6750_error, condition::invalid_configuration},
    };
};

static_assert(rows_are_dense<jose::key_error>(), "jose::key_error table out of order");

} // namespace detail

namespace jose {

inline std::error_category const& error_category() noexcept
{
    return modelauth::detail::category_of<error>();
}

inline std::error_code make_error_code(error e) noexcept
{
    return std::error_code(static_cast<int>(e), error_category());
}

inline std::error_category const& key_error_category() noexcept
{
    return modelauth::detail::category_of<key_error>();
}

inline std::error_code make_error_code(key_error e) noexcept
{
    return std::error_code(static_cast<int>(e), key_error_category());
}

} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
