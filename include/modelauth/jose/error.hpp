//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_ERROR_HPP
#define MODELAUTH_JOSE_ERROR_HPP

/** @file
    The error codes of the `jose` area, and their HTTP mapping (see
    `modelauth/error.hpp` for conditions, `http_status` and `rfc6750_error`).
*/

#include <modelauth/error.hpp>

namespace modelauth {
inline namespace v0 {
namespace jose {

/** Errors of the JOSE layer: compact JWS parsing, headers, algorithms, signatures.

    All of them answer 401 with `error="invalid_token"`.
    See `security/jwt_attack_catalogue.md`, cases J1-J32.
*/
enum class error
{
    /// The token is longer than the configured limit (J27, H11).
    token_too_large = 1,

    /// The decoded JOSE header is longer than the configured limit (J27).
    header_too_large,

    /// The token does not have exactly three dot-separated parts (J3).
    malformed_compact_serialization,

    /// The token has five parts: a JWE, which is never treated as a JWS (J3).
    encrypted_token_not_supported,

    /// The credential is a JSON-serialized JWS, not compact serialization (J18).
    json_serialization_not_supported,

    /// A part is not strict base64url: padding, `+`, `/`, spaces, bad length or
    /// non-zero unused bits (J17).
    invalid_base64url,

    /// The header or the claims are not valid JSON or not valid UTF-8 (J26).
    invalid_json,

    /// The header or the claims nest deeper than the parser allows (J27).
    json_too_deep,

    /// A JSON object names the same member twice (J25).
    duplicate_json_member,

    /// The header or the claims set is not a JSON object (J26).
    not_a_json_object,

    /// The header has no `alg`, or `alg` is not a string.
    missing_algorithm,

    /// The header's `alg` is `none` in any spelling (J1).
    algorithm_none,

    /// The header's `alg` is not one modelauth implements; names are
    /// case-sensitive (J31).
    unsupported_algorithm,

    /// A header parameter has the wrong type (e.g. `kid` not a string).
    invalid_header_parameter,

    /// The header lists a critical extension that is not understood, or uses
    /// `b64: false` (J21).
    unknown_critical_header,

    /// No trusted key matches the token's issuer and `kid` (J19, J20).
    unknown_key,

    /// The token's `alg` is not the algorithm its key is bound to (J4, J8, J9).
    key_algorithm_mismatch,

    /// The signature part is empty (J2).
    empty_signature,

    /// The signature has the wrong length for its algorithm and key (J11, J15).
    invalid_signature_length,

    /// The signature does not verify (J10, J13-J16, J32).
    signature_mismatch
};

/** Errors found while loading keys and key sets: configuration, not requests.

    These are returned at start-up or on a key-set reload; they never come from
    request input. They map to HTTP 500 should one ever reach a response.
*/
enum class key_error
{
    /// The PEM text could not be parsed as an SPKI public or PKCS#8 private key.
    invalid_pem = 1,

    /// The JWK is not valid JSON or misses a required member.
    invalid_jwk,

    /// The JWKS is not a JSON object with a `keys` array.
    invalid_jwks,

    /// The key type (or curve) is not supported.
    unsupported_key_type,

    /// The algorithm named for the key is unknown or `none`.
    unsupported_algorithm,

    /// The key cannot be used with the algorithm it is bound to, e.g. an EC
    /// P-384 key for ES256 or an RSA key for HS256 (J4, J9).
    algorithm_key_mismatch,

    /// The key is too weak: an HMAC secret shorter than the hash, an RSA
    /// modulus under 2048 bits or a bad public exponent (J6, J7).
    weak_key,

    /// An HMAC secret is empty (J5).
    empty_key,

    /// The JWK's `use` is not `sig`, or its `key_ops` do not allow verifying (J22).
    key_use_mismatch,

    /// Two keys of one set share a `kid`, or one `kid` maps to keys of
    /// different types (J23).
    duplicate_key_id,

    /// A signing operation needs a private key and the key is public only.
    not_a_private_key,

    /// OpenSSL failed to sign; the key or the library is unusable.
    signing_failed,

    /// A key set mixes HMAC secrets with public-key keys, under any key ids:
    /// such a set is ambiguous and too easy to mishandle (J23).
    mixed_key_set,

    /// OpenSSL failed to generate a key (no randomness, or the library is
    /// unusable).
    key_generation_failed
};

/// The category of `jose::error`; its name is `"modelauth.jose"`.
inline std::error_category const& error_category() noexcept;

/// Makes a `std::error_code` of `error`; found by argument-dependent lookup.
inline std::error_code make_error_code(error e) noexcept;

/// The category of `jose::key_error`; its name is `"modelauth.key"`.
inline std::error_category const& key_error_category() noexcept;

/// Makes a `std::error_code` of `key_error`; found by argument-dependent lookup.
inline std::error_code make_error_code(key_error e) noexcept;

} // namespace jose
} // namespace v0
} // namespace modelauth

namespace std {

template<> struct is_error_code_enum<::modelauth::jose::error> : true_type {};
template<> struct is_error_code_enum<::modelauth::jose::key_error> : true_type {};

} // namespace std

#include <modelauth/jose/impl/error.hpp>

#endif
