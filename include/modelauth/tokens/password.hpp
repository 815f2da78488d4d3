//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_PASSWORD_HPP
#define MODELAUTH_TOKENS_PASSWORD_HPP

/** @file
    Password hashes: PBKDF2-HMAC-SHA256 (RFC 8018) in Django's format, so a
    server can take the hashes of an existing Django user table as they are.

    An encoded hash reads

    @code
    pbkdf2_sha256$<iterations>$<salt>$<hash>
    @endcode

    - `iterations`: a decimal count from `min_password_iterations` to
      `max_password_iterations`, without sign or leading zero;
    - `salt`: printable ASCII without `$` or space; its bytes, as text, are
      the PBKDF2 salt (Django draws 22 characters of `[A-Za-z0-9]`, and so
      does `hash_password`);
    - `hash`: the 32-byte PBKDF2 output in standard base64 with its `=`
      padding (RFC 4648 section 4), 44 characters, canonical.

    Verifying runs PBKDF2 with the stored iterations and compares in constant
    time. Passwords, hashes and salts never appear in an error message.

    The work factor is the point: verifying a password at the default
    600,000 iterations takes a few hundred milliseconds of one core. Run it
    off any thread that serves other requests, and put a `login_limiter`
    in front of it.
*/

#include <modelauth/error.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/tokens/error.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace tokens {

/// The Django algorithm name that prefixes every encoded hash.
inline constexpr std::string_view password_hash_algorithm = "pbkdf2_sha256";

/// The fewest PBKDF2 iterations a hash may have: below OWASP's 600,000 for
/// PBKDF2-HMAC-SHA256, so that hashes from older Django versions still load.
inline constexpr unsigned min_password_iterations = 100000;

/// The iterations `hash_password` uses by default: Django 4.2's, OWASP 2023's.
inline constexpr unsigned default_password_iterations = 600000;

/// The most PBKDF2 iterations a hash may have, so that one stored hash cannot
/// make every login cost seconds.
inline constexpr unsigned max_password_iterations = 10000000;

/// The longest password accepted, in bytes.
inline constexpr std::size_t max_password_bytes = 4096;

/// The characters of salt `hash_password` draws, from `[A-Za-z0-9]`
/// (about 131 bits).
inline constexpr std::size_t password_salt_chars = 22;

/** Hashes `password` with a fresh random salt.

    @param password The password's bytes (UTF-8 in practice; not normalised).
    @param iterations The PBKDF2 work factor, from `min_password_iterations`
    to `max_password_iterations`.
    @return The encoded hash, or
    - `tokens::error::invalid_password_hash` if `iterations` is out of range;
    - `http::error::credential_too_large` if `password` is longer than
      `max_password_bytes` (such a password could never verify);
    - `tokens::error::random_failure` if OpenSSL's CSPRNG (or its PBKDF2)
      fails.

    The salt is 22 characters of `[A-Za-z0-9]` drawn from `RAND_bytes` by
    rejection sampling, so each character is uniform.

    Complexity: `iterations` HMAC-SHA256 pairs. Exception safety: strong
    (may throw `std::bad_alloc`). Thread safety: may be called concurrently.
*/
[[nodiscard]] inline result<std::string> hash_password(std::string_view password,
                                                       unsigned iterations = default_password_iterations);

/** A parsed password hash: iterations, salt and the 32-byte PBKDF2 output.

    Thread safety: immutable after `parse`; safe to share between threads.
*/
class password_hash
{
public:
    /// The size of the PBKDF2 output Django stores for `pbkdf2_sha256`.
    static constexpr std::size_t hash_bytes = 32;

    /** Parses an encoded hash (see the file comment for the format).

        @return The hash, or `tokens::error::invalid_password_hash` for
        anything that is not exactly the format: another algorithm, iterations
        out of range or spelled with a sign or leading zero, an empty salt or
        one holding `$`, space or a non-printable byte, a hash that is not the
        canonical padded base64 of 32 bytes, or a missing or extra field.

        Complexity: linear in `encoded.size()`. Exception safety: strong (may
        throw `std::bad_alloc`).
    */
    [[nodiscard]] static result<password_hash> parse(std::string_view encoded);

    /** Whether `password` is the password this hash was made from.

        Runs PBKDF2 with this hash's iterations and salt, then compares the
        outputs with `CRYPTO_memcmp` (constant time). A password longer than
        `max_password_bytes` is refused, but only after the same PBKDF2 work
        on its first `max_password_bytes` bytes, so the answer's timing does
        not tell a long password from a wrong one. Returns false if OpenSSL
        fails. As in every PBKDF2-HMAC implementation, Django's included, a
        password verifies with trailing zero bytes added (HMAC pads its key
        with zeros), which gives nothing to anyone who does not know it.

        Complexity: `iterations()` HMAC-SHA256 pairs. Exception safety:
        no-throw; no allocation.
    */
    [[nodiscard]] bool verify(std::string_view password) const noexcept;

    /// The PBKDF2 iteration count.
    [[nodiscard]] unsigned iterations() const noexcept { return iterations_; }

    /** The encoded form, `pbkdf2_sha256$<iterations>$<salt>$<hash>`: what
        `parse` read, or an equal string. For storage, never for messages.
    */
    [[nodiscard]] std::string encoded() const;

    /** A fixed hash with `default_password_iterations`, to verify against when
        a login names an unknown account.

        Verifying a password against it costs the same as verifying a wrong
        password against a real hash of default iterations, so a login's
        timing does not reveal whether the account exists. Its hash bytes
        are not the output of any known password, but a caller must treat the
        outcome as a failure whatever `verify` returns:

        @code
        password_hash const* stored = find_hash(email); // null: unknown account
        bool const ok = (stored ? stored : &password_hash::dummy())->verify(password)
                     && stored != nullptr;
        @endcode

        Thread safety: safe to call concurrently (a function-local static).
    */
    [[nodiscard]] static password_hash const& dummy();

    /** A hash like `dummy()` with `iterations` (clamped to the accepted
        range): verify against it for an unknown user when the directory's
        hashes have another cost than the default, so that an unknown email
        takes as long as a known one (security review F7). Cheap to make: no
        PBKDF2 runs until `verify`.
    */
    [[nodiscard]] static password_hash dummy(unsigned iterations);

private:
    password_hash() = default;

    unsigned iterations_ = 0;
    std::string salt_;
    std::array<unsigned char, hash_bytes> hash_{};
};

} // namespace tokens
} // namespace v0
} // namespace modelauth

#include <modelauth/tokens/impl/password.hpp>

#endif
