//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_KEY_HPP
#define MODELAUTH_JOSE_KEY_HPP

/** @file
    A signing or verification key bound to one JWS algorithm.

    Keys come from an HMAC secret, PEM (SubjectPublicKeyInfo or PKCS#8), a JWK
    (RFC 7517), or are generated. Everything is parsed, checked and prepared
    once, at load: a key that loads is strong enough (J5, J6, J7), fits its
    algorithm (J4, J9) and verifies with nothing left to fetch or parse.

    All cryptography is OpenSSL 3 EVP. Errors at load are `jose::key_error`s
    (configuration, never request input); errors of `verify` are
    `jose::error`s. Messages never contain key material.
*/

#include <modelauth/error.hpp>
#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/error.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace jose {

namespace detail {
class key_impl;
} // namespace detail

/** A key bound to exactly one `algorithm`, with an optional key id.

    A key is immutable. Copies are cheap (they share one reference-counted
    state) and a key is safe to share between threads: `verify`, `sign` and
    every other member may run concurrently on the same key or its copies.

    There is no empty key: a `key` is only ever obtained from one of the
    factories below.

    @par Example
    @code
    auto k = modelauth::jose::key::from_pem(pem_text, modelauth::jose::algorithm::rs256, "2026-01");
    if(! k)
        throw std::runtime_error(k.error().message()); // never contains the key
    auto ok = k->verify(signing_input, signature_bytes);
    @endcode
*/
class key
{
public:
    /** Makes an HMAC key (HS256/384/512) from a shared secret.

        The secret is used as bytes, exactly as given (no decoding).

        @param secret The shared secret; copied into the key's keyed HMAC
        context (OpenSSL's memory, wiped when freed); no other copy is kept.
        @param alg An HMAC algorithm.
        @param kid The key id, possibly empty.

        @return The key, or `jose::key_error::algorithm_key_mismatch` when `alg` is
        not an HMAC algorithm or `secret` is public-key material (a PEM block,
        DER, base64 DER, an OpenSSH key line or a JSON object such as a JWK),
        which no HMAC key may be made of (J4); `jose::key_error::empty_key` for an
        empty secret (J5); `jose::key_error::weak_key` for a secret shorter than the
        hash, 32, 48 or 64 bytes (RFC 7518 section 3.2, J6).

        Complexity: linear in the size of the secret.
        Exception safety: strong; throws only `std::bad_alloc`.
    */
    [[nodiscard]] static result<key>
    from_secret(std::string_view secret, algorithm alg, std::string kid = {});

    /** Makes a key from one PEM block (RFC 7468): a `PUBLIC KEY`
        (SubjectPublicKeyInfo) or an unencrypted `PRIVATE KEY` (PKCS#8).

        A private key can sign and verify. White space and RFC 7468
        explanatory text may surround the block; a second block, encrypted
        or legacy formats (`RSA PRIVATE KEY`, `EC PRIVATE KEY`, `ENCRYPTED
        PRIVATE KEY`) and certificates are refused. Key types must fit the
        algorithm: RSA for RS* and PS* (2048 to 16384 bits, odd exponent of at
        least 3 and at most 256 bits, no ROCA fingerprint: J7), the curve of
        the algorithm for ES* (P-256, P-384, P-521, named, never explicit
        parameters), Ed25519 for EdDSA.

        @return The key, or `jose::key_error::invalid_pem` (not one well-formed key
        block, or a private key whose halves do not match),
        `algorithm_key_mismatch` (an HMAC algorithm, J4; another key type or
        curve, J9), `unsupported_key_type` (DSA, Ed448, RSA-PSS-only keys,
        other curves, RSA above 16384 bits), or `weak_key` (J7).

        Complexity: one parse, one public-key validation, and for a private
        key one signature and its verification.
        Exception safety: strong; throws only `std::bad_alloc`.
    */
    [[nodiscard]] static result<key>
    from_pem(std::string_view pem, algorithm alg, std::string kid = {});

    /** Makes a key from a JWK (RFC 7517, RFC 7518 section 6, RFC 8037).

        Supported: `kty` "RSA", "EC" (P-256, P-384, P-521), "OKP" (Ed25519)
        and "oct", public or private. The algorithm is the JWK's `alg` if it
        has one (it must name an algorithm this key can serve); otherwise the
        curve decides for EC and OKP keys, and `default_alg` for RSA and oct
        keys. Without either, the key is refused: an algorithm is never
        guessed (J5, cf. the libjwt flaw that made an RSA JWK without `alg`
        an empty HMAC key). The key id is the JWK's `kid`.

        `use`, when present, must be "sig"; `key_ops`, when present, must
        hold "verify", or "sign" for a private key (J22). Binary members are
        strict base64url (no padding) and, for EC and OKP, exactly the field
        size long. Unknown members are ignored.

        @return The key, or `jose::key_error::invalid_jwk` (a missing or mistyped
        member, bad base64url, wrong lengths, a point not on the curve,
        private and public members that do not match),
        `unsupported_key_type`, `unsupported_algorithm` (unknown or `none`
        `alg`; no `alg` and no default), `algorithm_key_mismatch` (J9),
        `key_use_mismatch` (J22), `empty_key` (J5), `weak_key` (J6, J7).

        Complexity: linear in the JWK's size, plus key validation.
        Exception safety: strong; throws only `std::bad_alloc`.
    */
    [[nodiscard]] static result<key>
    from_jwk(boost::json::object const& jwk, std::optional<algorithm> default_alg = {});

    /** Makes a key from the JSON text of a JWK.

        @return As the overload above, and `jose::key_error::invalid_jwk` when the
        text is not one JSON object or is longer than 64 KiB.
    */
    [[nodiscard]] static result<key>
    from_jwk(std::string_view json_text, std::optional<algorithm> default_alg = {});

    /** Generates a fresh key for `alg`: an RSA 2048-bit key pair (e = 65537)
        for RS* and PS*, a key pair on the algorithm's curve for ES*, an
        Ed25519 key pair for EdDSA, or `hash_size(alg)` random bytes from
        `RAND_bytes` for HS*.

        @return The private key, or `jose::key_error::key_generation_failed`.

        Complexity: one key generation (RSA: tens of milliseconds).
        Exception safety: strong; throws only `std::bad_alloc`.
    */
    [[nodiscard]] static result<key> generate(algorithm alg, std::string kid = {});

    /// The algorithm the key is bound to. Complexity: constant.
    [[nodiscard]] algorithm alg() const noexcept;

    /// The key id; empty when the key has none. Valid as long as the key (or
    /// a copy) lives. Complexity: constant.
    [[nodiscard]] std::string_view kid() const noexcept;

    /// Whether the key can sign: a private key, or any HMAC secret.
    [[nodiscard]] bool has_private_key() const noexcept;

    /// The exact size in bytes of every signature of this key: the hash size
    /// for HS*, the modulus size for RS* and PS*, 64/96/132 for ES*, 64 for
    /// EdDSA.
    [[nodiscard]] std::size_t signature_size() const noexcept;

    /** Verifies `signature` over `signing_input` (for a JWS, the ASCII text
        `header "." payload` exactly as received, J30).

        @param signature The decoded signature bytes: the MAC, the RSA
        signature, `R || S` for ECDSA (never DER, J11), or the Ed25519
        signature.

        @return Success, or `jose::error::empty_signature` (J2),
        `jose::error::invalid_signature_length` (not exactly
        `signature_size()` bytes, J11, J15), or `jose::error::signature_mismatch`
        (J10, J13-J16, J32; also any OpenSSL failure: only a result of
        exactly 1 from OpenSSL is success, J29). HMAC tags are compared with
        `CRYPTO_memcmp` (J28).

        ECDSA signatures are malleable: when (r, s) verifies, so does
        (r, n - s), a second valid encoding of the same token (J12). Never
        key a replay cache or a revocation list on a token's bytes; use its
        claims (`jti`) or its signing input.

        The thread's OpenSSL error queue is left as it was found.

        Complexity: linear in the size of the input plus one signature check.
        No allocation once the key has a prepared context per concurrent
        thread. Exception safety: no-throw. Thread safety: may run
        concurrently on one key.
    */
    [[nodiscard]] result<void>
    verify(std::string_view signing_input, std::string_view signature) const noexcept;

    /** Verifies a signature made with `token_alg`, the algorithm a token
        claims.

        @return `jose::error::key_algorithm_mismatch` when `token_alg` is not
        the key's algorithm (J4, J8, J9); otherwise as `verify` above.
    */
    [[nodiscard]] result<void> verify(algorithm token_alg,
                                      std::string_view signing_input,
                                      std::string_view signature) const noexcept;

    /** Signs `signing_input`.

        @return The raw signature of `signature_size()` bytes (ES*: `R || S`;
        PS*: salt of hash length, MGF1 with the same hash), or
        `jose::key_error::not_a_private_key` for a public key, or
        `jose::key_error::signing_failed`.

        Complexity: linear in the input plus one signature.
        Exception safety: strong; throws only `std::bad_alloc`.
    */
    [[nodiscard]] result<std::string> sign(std::string_view signing_input) const;

    /** The key's JWK thumbprint (RFC 7638): base64url of the SHA-256 of the
        required public members (RSA e, kty, n; EC crv, kty, x, y; OKP crv,
        kty, x; oct k, kty) in that order, without white space.

        For an HMAC key it is a hash of the secret, as RFC 7638 defines it;
        it reveals no more than any MAC made with the key.

        Computed once at load. Complexity: constant.
    */
    [[nodiscard]] std::string const& thumbprint() const noexcept;

    /** The public JWK of the key: `kty`, the public members, `kid` (when not
        empty), `alg` and `use` "sig". Never a private member.

        @return An empty object for an HMAC key: secrets are never exported.

        Complexity: linear in the key size.
        Exception safety: strong; throws only `std::bad_alloc`.
    */
    [[nodiscard]] boost::json::object public_jwk() const;

    /** The private key as one unencrypted PKCS#8 PEM block
        (`-----BEGIN PRIVATE KEY-----`, RFC 5958 / RFC 7468), the text that
        `from_pem(pem, alg(), kid())` reads back into the same key: same
        algorithm, same public members, same `thumbprint()`.

        This is how an issuer keeps its signing keys across restarts. The
        text *is* the key: whoever reads it can sign tokens. The caller must
        protect it as the key itself: write it only to a file of mode 0600
        (created with `O_CREAT | O_EXCL`, never world- or group-readable),
        never log it, and wipe the string (`OPENSSL_cleanse`) when done. The
        PEM is not encrypted; encrypting it would only move the secret to
        the passphrase.

        @return The PEM text, or `jose::key_error::not_a_private_key` for a public
        key and for every HMAC key (a shared secret is never exported: it
        is configuration the caller already holds); or
        `jose::key_error::unsupported_key_type` when OpenSSL has no PKCS#8
        encoder for it.

        Complexity: linear in the key size.
        Exception safety: strong; throws only `std::bad_alloc`.
        Thread safety: may run concurrently with any other member.
    */
    [[nodiscard]] result<std::string> private_pem() const;

private:
    explicit key(std::shared_ptr<detail::key_impl const> impl) noexcept;

    static result<key> wrap(result<std::shared_ptr<detail::key_impl const>> impl) noexcept;

    std::shared_ptr<detail::key_impl const> impl_;
};

} // namespace jose
} // namespace v0
} // namespace modelauth

#include <modelauth/jose/impl/key.hpp>

#endif
