//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_API_KEY_HPP
#define MODELAUTH_VALIDATION_API_KEY_HPP

/** @file
    Opaque API keys: their format, generation, checks and hashing.

    A key reads `<prefix>_<random>_<checksum>`, e.g.
    `mak_4kTq...Zr9_1bX0aQ`:
    - `prefix`: 1 to 16 characters of `[a-z0-9]` naming the issuer's key type,
      so secret scanners recognise a leaked key;
    - `random`: 43 characters of base62 drawn uniformly from OpenSSL's CSPRNG,
      256 bits of entropy;
    - `checksum`: the CRC-32 of `<prefix>_<random>` in 6 base62 characters,
      so a typo is rejected without a store lookup.

    Keys are stored only as their SHA-256 digest (`hash_secret`); a lookup
    compares digests in constant time. A key is shown once, at creation.
*/

#include <modelauth/error.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/validation/error.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace validation {

/// The default key prefix: modelauth key.
inline constexpr std::string_view default_api_key_prefix = "mak";

/// Base62 characters of randomness in a key (43 * log2(62) > 256 bits).
inline constexpr std::size_t api_key_random_chars = 43;

/// Base62 characters of the CRC-32 checksum.
inline constexpr std::size_t api_key_checksum_chars = 6;

/// The longest prefix allowed.
inline constexpr std::size_t api_key_max_prefix_chars = 16;

/// A SHA-256 digest of a secret: what a store keeps instead of the secret.
using secret_digest = std::array<unsigned char, 32>;

/** Whether `prefix` may prefix API keys: 1 to 16 characters of `[a-z0-9]`.

    Complexity: linear. Exception safety: no-throw.
*/
[[nodiscard]] inline bool is_valid_api_key_prefix(std::string_view prefix) noexcept;

/** Makes a new API key with `prefix`.

    @return The key, or `jose::key_error::signing_failed` if the CSPRNG fails.
    @throws std::invalid_argument if `prefix` is not valid (a programming
    error, see `is_valid_api_key_prefix`).

    Complexity: constant. Exception safety: strong.
*/
[[nodiscard]] inline result<std::string> generate_api_key(std::string_view prefix = default_api_key_prefix);

/** Whether `key` looks like a key of `prefix`: starts with `prefix` and `_`.

    Cheap routing between API keys and JWTs; says nothing of validity.
*/
[[nodiscard]] inline bool has_api_key_prefix(std::string_view key, std::string_view prefix) noexcept;

/** Checks the format and checksum of `key` for `prefix`, without any lookup.

    @return Nothing, or `validation::error::malformed_api_key` (wrong prefix,
    length, separators or alphabet: H16) or
    `validation::error::api_key_checksum_mismatch`.

    Complexity: linear in `key.size()`. Exception safety: no-throw; no allocation.
*/
[[nodiscard]] inline result<void> check_api_key(std::string_view key, std::string_view prefix = default_api_key_prefix) noexcept;

/** The SHA-256 digest of `secret`, computed with OpenSSL.

    Complexity: linear. Exception safety: no-throw.
*/
[[nodiscard]] inline secret_digest hash_secret(std::string_view secret) noexcept;

/** Whether two digests are equal, compared in constant time (`CRYPTO_memcmp`).
*/
[[nodiscard]] inline bool digest_equal(secret_digest const& a, secret_digest const& b) noexcept;

/** The last 4 characters of a key: a hint safe to show after creation.
*/
[[nodiscard]] inline std::string_view api_key_hint(std::string_view key) noexcept
{
    return key.size() <= 4 ? key : key.substr(key.size() - 4);
}

} // namespace validation
} // namespace v0
} // namespace modelauth

#include <modelauth/validation/impl/api_key.hpp>

#endif
