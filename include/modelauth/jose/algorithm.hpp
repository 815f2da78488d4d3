//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_ALGORITHM_HPP
#define MODELAUTH_JOSE_ALGORITHM_HPP

/** @file
    The JWS algorithms modelauth implements (RFC 7518 section 3, RFC 8037
    section 3.1) and their names.

    There is no `none`: an unsecured JWS can never be represented, let alone
    verified (J1). Names are case-sensitive (RFC 7515 section 4.1.1, J31).
*/

#include <modelauth/error.hpp>
#include <modelauth/jose/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace jose {

/** A JWS signature or MAC algorithm.

    Every key is bound to exactly one of these when it is loaded; a token is
    verified only with a key bound to the algorithm its header names.
*/
enum class algorithm : std::uint8_t
{
    /// HMAC with SHA-256 (RFC 7518 section 3.2); secret of at least 32 bytes.
    hs256 = 1,
    /// HMAC with SHA-384; secret of at least 48 bytes.
    hs384,
    /// HMAC with SHA-512; secret of at least 64 bytes.
    hs512,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 section 3.3); modulus of at least 2048 bits.
    rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    rs512,
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-byte salt (RFC 7518 section 3.5).
    ps256,
    /// RSASSA-PSS with SHA-384, MGF1 with SHA-384 and a 48-byte salt.
    ps384,
    /// RSASSA-PSS with SHA-512, MGF1 with SHA-512 and a 64-byte salt.
    ps512,
    /// ECDSA on P-256 with SHA-256 (RFC 7518 section 3.4); 64-byte `R || S` signature.
    es256,
    /// ECDSA on P-384 with SHA-384; 96-byte `R || S` signature.
    es384,
    /// ECDSA on P-521 with SHA-512; 132-byte `R || S` signature.
    es512,
    /// EdDSA with Ed25519 (RFC 8037 section 3.1); 64-byte signature.
    eddsa
};

/// Every algorithm, in the order of the enumeration.
inline constexpr std::array<algorithm, 13> all_algorithms = {
    algorithm::hs256, algorithm::hs384, algorithm::hs512, algorithm::rs256, algorithm::rs384,
    algorithm::rs512, algorithm::ps256, algorithm::ps384, algorithm::ps512, algorithm::es256,
    algorithm::es384, algorithm::es512, algorithm::eddsa};

/** The kind of cryptography behind an algorithm, which fixes the key type
    it needs.
*/
enum class algorithm_family : std::uint8_t
{
    /// HS256/384/512: a shared secret (JWK `kty` "oct").
    hmac = 1,
    /// RS256/384/512: an RSA key.
    rsa_pkcs1_v1_5,
    /// PS256/384/512: an RSA key.
    rsa_pss,
    /// ES256/384/512: an EC key on the algorithm's curve.
    ecdsa,
    /// EdDSA: an Ed25519 key (JWK `kty` "OKP").
    eddsa
};

/** The family of `alg`.

    Complexity: constant. Exception safety: no-throw.
*/
[[nodiscard]] constexpr algorithm_family family(algorithm alg) noexcept;

/** Whether `alg` is an HMAC, verified with the same secret that signs.

    Complexity: constant. Exception safety: no-throw.
*/
[[nodiscard]] constexpr bool is_symmetric(algorithm alg) noexcept;

/** The size in bytes of the SHA-2 digest `alg` applies to the signing input:
    32, 48 or 64. For HMAC it is also the tag size and the shortest secret
    accepted (RFC 7518 section 3.2).

    @return 0 for `algorithm::eddsa`, which hashes the whole message itself.

    Complexity: constant. Exception safety: no-throw.
*/
[[nodiscard]] constexpr std::size_t hash_size(algorithm alg) noexcept;

/** The exact size of an ECDSA signature, `R || S` (RFC 7518 section 3.4):
    64, 96 or 132 bytes.

    @return 0 when `alg` is not an ECDSA algorithm.

    Complexity: constant. Exception safety: no-throw.
*/
[[nodiscard]] constexpr std::size_t ecdsa_signature_size(algorithm alg) noexcept;

/** Parses a JOSE `alg` name, case-sensitively (J31).

    `"EdDSA"` and `"Ed25519"` both name `algorithm::eddsa`.

    @return The algorithm, or `jose::error::algorithm_none` for `"none"` in
    any letter case (J1), or `jose::error::unsupported_algorithm` for any other
    name, including case variants of supported ones (`"hs256"`, `"Rs256"`).

    Complexity: constant (names are at most a few bytes long).
    Exception safety: no-throw.
*/
[[nodiscard]] inline result<algorithm> algorithm_from_name(std::string_view name) noexcept;

/** The registered JOSE name of `alg`: `"HS256"` ... `"ES512"`, `"EdDSA"`.

    @return A view of a static string; empty for a value that is not an
    enumerator.

    Complexity: constant. Exception safety: no-throw.
*/
[[nodiscard]] inline std::string_view algorithm_name(algorithm alg) noexcept;

} // namespace jose
} // namespace v0
} // namespace modelauth

#include <modelauth/jose/impl/algorithm.hpp>

#endif
