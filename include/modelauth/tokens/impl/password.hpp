//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_IMPL_PASSWORD_HPP
#define MODELAUTH_TOKENS_IMPL_PASSWORD_HPP

#include <modelauth/validation/api_key.hpp> // validation::detail::base62_alphabet
#include <modelauth/http/error.hpp>
#include <modelauth/tokens/error.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <climits>
#include <cstdint>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {

/* PBKDF2-HMAC-SHA256 (RFC 8018 section 5.2) of `password` and `salt` into
   `size` bytes at `out`, through OpenSSL's PKCS5_PBKDF2_HMAC.

   Returns false if OpenSSL fails or a length does not fit its `int`
   parameters; `out` holds nothing useful then. Exposed for the RFC 7914
   section 11 test vectors.
*/
inline bool pbkdf2_hmac_sha256(std::string_view password, std::string_view salt,
                               unsigned iterations, unsigned char* out, std::size_t size) noexcept
{
    if(password.size() > INT_MAX || salt.size() > INT_MAX || size > INT_MAX || iterations == 0
       || iterations > INT_MAX)
        return false;
    return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                             reinterpret_cast<unsigned char const*>(salt.data()),
                             static_cast<int>(salt.size()), static_cast<int>(iterations),
                             EVP_sha256(), static_cast<int>(size), out)
        == 1;
}

inline constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The value of a standard base64 character, or 64 for any other byte.
inline constexpr unsigned base64_value(char c) noexcept
{
    if(c >= 'A' && c <= 'Z')
        return static_cast<unsigned>(c - 'A');
    if(c >= 'a' && c <= 'z')
        return static_cast<unsigned>(c - 'a') + 26;
    if(c >= '0' && c <= '9')
        return static_cast<unsigned>(c - '0') + 52;
    if(c == '+')
        return 62;
    if(c == '/')
        return 63;
    return 64;
}

/* Decodes canonical padded standard base64 (RFC 4648 section 4) of exactly
   `size` bytes into `out`: the length is 4 * ceil(size / 3), the padding is
   exactly what `size` needs, and the unused low bits of the last character
   are zero. Anything else (white space, missing or extra `=`, base64url
   characters, another length) returns false. EVP_DecodeBlock is not used: it
   skips white space and decodes padding into zero bytes.
*/
inline bool base64_decode_exact(std::string_view in, unsigned char* out, std::size_t size) noexcept
{
    if(in.size() != (size + 2) / 3 * 4)
        return false;
    std::size_t const padding = (3 - size % 3) % 3;
    std::uint32_t bits = 0;
    unsigned bit_count = 0;
    std::size_t written = 0;
    for(std::size_t i = 0; i < in.size(); ++i)
    {
        if(i >= in.size() - padding)
        {
            if(in[i] != '=')
                return false;
            continue;
        }
        auto const v = base64_value(in[i]);
        if(v == 64)
            return false;
        bits = (bits << 6) | v;
        bit_count += 6;
        if(bit_count >= 8)
        {
            bit_count -= 8;
            out[written++] = static_cast<unsigned char>(bits >> bit_count);
            bits &= (1u << bit_count) - 1;
        }
    }
    // Left-over bits (2 or 4) pad the last character and must be zero.
    return written == size && bits == 0;
}

// Canonical padded standard base64 of `size` bytes.
inline std::string base64_encode(unsigned char const* in, std::size_t size)
{
    std::string text((size + 2) / 3 * 4, '\0');
    std::size_t o = 0;
    for(std::size_t i = 0; i < size; i += 3)
    {
        std::uint32_t v = std::uint32_t(in[i]) << 16;
        if(i + 1 < size)
            v |= std::uint32_t(in[i + 1]) << 8;
        if(i + 2 < size)
            v |= in[i + 2];
        text[o++] = base64_alphabet[(v >> 18) & 0x3F];
        text[o++] = base64_alphabet[(v >> 12) & 0x3F];
        text[o++] = i + 1 < size ? base64_alphabet[(v >> 6) & 0x3F] : '=';
        text[o++] = i + 2 < size ? base64_alphabet[v & 0x3F] : '=';
    }
    return text;
}

// A PBKDF2 iteration count in the accepted range, spelled without sign or
// leading zero; 0 for anything else.
inline unsigned parse_password_iterations(std::string_view text) noexcept
{
    if(text.empty() || text.front() < '1' || text.front() > '9')
        return 0;
    std::uint64_t n = 0;
    for(char c : text)
    {
        if(c < '0' || c > '9')
            return 0;
        n = n * 10 + static_cast<unsigned>(c - '0');
        if(n > max_password_iterations) // stops long before overflow
            return 0;
    }
    return n < min_password_iterations ? 0 : static_cast<unsigned>(n);
}

// Printable ASCII except space and `$`: what a stored salt may hold.
inline constexpr bool is_password_salt_char(char c) noexcept
{
    return c > ' ' && c <= '~' && c != '$';
}

// Splits `text` at its first `$`: the part before it goes to `field`, the rest
// stays in `text`. False if there is no `$`.
inline bool take_field(std::string_view& text, std::string_view& field) noexcept
{
    auto const at = text.find('$');
    if(at == std::string_view::npos)
        return false;
    field = text.substr(0, at);
    text.remove_prefix(at + 1);
    return true;
}

/* Sets `salt` to `password_salt_chars` characters of [A-Za-z0-9] drawn from
   RAND_bytes, each uniform: bytes >= 248 (= 4 * 62) are drawn again, so
   `b % 62` has no bias. False if the CSPRNG fails.
*/
inline bool make_password_salt(std::string& salt)
{
    salt.clear();
    salt.reserve(password_salt_chars);
    unsigned char bytes[32];
    while(salt.size() < password_salt_chars)
    {
        if(RAND_bytes(bytes, sizeof bytes) != 1)
            return false;
        for(unsigned char b : bytes)
            if(b < 248 && salt.size() < password_salt_chars)
                salt += validation::detail::base62_alphabet[b % 62];
    }
    OPENSSL_cleanse(bytes, sizeof bytes);
    return true;
}

// `pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte hash>`.
inline std::string encode_password_hash(unsigned iterations, std::string_view salt,
                                        unsigned char const* hash)
{
    std::string encoded;
    encoded.reserve(password_hash_algorithm.size() + 12 + salt.size() + 44);
    encoded.append(password_hash_algorithm);
    encoded += '$';
    encoded += std::to_string(iterations);
    encoded += '$';
    encoded.append(salt);
    encoded += '$';
    encoded += base64_encode(hash, password_hash::hash_bytes);
    return encoded;
}

} // namespace detail

inline result<std::string> hash_password(std::string_view password, unsigned iterations)
{
    if(iterations < min_password_iterations || iterations > max_password_iterations)
        return tokens::error::invalid_password_hash;
    if(password.size() > max_password_bytes)
        return http::error::credential_too_large;

    std::string salt;
    if(! detail::make_password_salt(salt))
        return tokens::error::random_failure;

    unsigned char derived[password_hash::hash_bytes];
    if(! detail::pbkdf2_hmac_sha256(password, salt, iterations, derived, sizeof derived))
        return tokens::error::random_failure; // OpenSSL is unusable: no secret can be made
    auto encoded = detail::encode_password_hash(iterations, salt, derived);
    OPENSSL_cleanse(derived, sizeof derived);
    return encoded;
}

inline result<password_hash> password_hash::parse(std::string_view encoded)
{
    std::string_view rest = encoded;
    std::string_view algorithm, iterations, salt;
    if(! detail::take_field(rest, algorithm) || ! detail::take_field(rest, iterations)
       || ! detail::take_field(rest, salt))
        return tokens::error::invalid_password_hash;
    // `rest` is the hash: a `$` in it means a fifth field (or a `$` in the salt).
    if(algorithm != password_hash_algorithm || rest.find('$') != std::string_view::npos)
        return tokens::error::invalid_password_hash;

    password_hash h;
    h.iterations_ = detail::parse_password_iterations(iterations);
    if(h.iterations_ == 0 || salt.empty())
        return tokens::error::invalid_password_hash;
    for(char c : salt)
        if(! detail::is_password_salt_char(c))
            return tokens::error::invalid_password_hash;
    if(! detail::base64_decode_exact(rest, h.hash_.data(), h.hash_.size()))
        return tokens::error::invalid_password_hash;
    h.salt_ = std::string(salt);
    return h;
}

inline bool password_hash::verify(std::string_view password) const noexcept
{
    // An over-long password costs the same PBKDF2 work as any other, then fails.
    bool const too_long = password.size() > max_password_bytes;
    if(too_long)
        password = password.substr(0, max_password_bytes);
    unsigned char derived[hash_bytes] = {};
    bool const derived_ok
        = detail::pbkdf2_hmac_sha256(password, salt_, iterations_, derived, sizeof derived);
    bool const equal = CRYPTO_memcmp(derived, hash_.data(), hash_bytes) == 0;
    OPENSSL_cleanse(derived, sizeof derived);
    return derived_ok && equal && ! too_long;
}

inline std::string password_hash::encoded() const
{
    return detail::encode_password_hash(iterations_, salt_, hash_.data());
}

inline password_hash password_hash::dummy(unsigned iterations)
{
    password_hash d = dummy();
    d.iterations_ = iterations < min_password_iterations ? min_password_iterations
                  : iterations > max_password_iterations ? max_password_iterations
                                                         : iterations;
    return d;
}

inline password_hash const& password_hash::dummy()
{
    // A fixed salt and 32 zero bytes: no known password derives them.
    static password_hash const h = [] {
        password_hash d;
        d.iterations_ = default_password_iterations;
        d.salt_ = "modelauthDummySalt0000";
        return d;
    }();
    return h;
}

} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
