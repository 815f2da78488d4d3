//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_IMPL_API_KEY_HPP
#define MODELAUTH_VALIDATION_IMPL_API_KEY_HPP

#include <boost/crc.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/validation/error.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdint>
#include <stdexcept>

namespace modelauth {
inline namespace v0 {
namespace validation {
namespace detail {

inline constexpr char base62_alphabet[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

inline constexpr bool is_base62(char c) noexcept
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// The CRC-32 of `text` in exactly 6 base62 digits, most significant first.
inline void api_key_checksum(std::string_view text, char* out) noexcept
{
    boost::crc_32_type crc;
    crc.process_bytes(text.data(), text.size());
    std::uint64_t v = crc.checksum();
    for(std::size_t i = api_key_checksum_chars; i-- > 0;)
    {
        out[i] = base62_alphabet[v % 62];
        v /= 62;
    }
}

} // namespace detail

inline bool is_valid_api_key_prefix(std::string_view prefix) noexcept
{
    if(prefix.empty() || prefix.size() > api_key_max_prefix_chars)
        return false;
    for(char c : prefix)
        if(! ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    return true;
}

inline result<std::string> generate_api_key(std::string_view prefix)
{
    if(! is_valid_api_key_prefix(prefix))
        throw std::invalid_argument("api key prefix: must be 1 to 16 characters of [a-z0-9]");

    std::string key;
    key.reserve(prefix.size() + 2 + api_key_random_chars + api_key_checksum_chars);
    key.append(prefix);
    key += '_';
    // Uniform base62 by rejection: bytes >= 248 (= 4 * 62) are drawn again.
    unsigned char bytes[64];
    while(key.size() < prefix.size() + 1 + api_key_random_chars)
    {
        if(RAND_bytes(bytes, sizeof bytes) != 1)
            return jose::key_error::signing_failed;
        for(unsigned char b : bytes)
            if(b < 248 && key.size() < prefix.size() + 1 + api_key_random_chars)
                key += detail::base62_alphabet[b % 62];
    }
    OPENSSL_cleanse(bytes, sizeof bytes);
    char checksum[api_key_checksum_chars];
    detail::api_key_checksum(key, checksum);
    key += '_';
    key.append(checksum, sizeof checksum);
    return key;
}

inline bool has_api_key_prefix(std::string_view key, std::string_view prefix) noexcept
{
    return key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0
        && key[prefix.size()] == '_';
}

inline result<void> check_api_key(std::string_view key, std::string_view prefix) noexcept
{
    auto const expected_size = prefix.size() + 2 + api_key_random_chars + api_key_checksum_chars;
    if(key.size() != expected_size || ! has_api_key_prefix(key, prefix))
        return validation::error::malformed_api_key;
    auto const random_begin = prefix.size() + 1;
    auto const checksum_begin = random_begin + api_key_random_chars + 1;
    if(key[checksum_begin - 1] != '_')
        return validation::error::malformed_api_key;
    for(std::size_t i = random_begin; i < key.size(); ++i)
        if(i != checksum_begin - 1 && ! detail::is_base62(key[i]))
            return validation::error::malformed_api_key;

    char checksum[api_key_checksum_chars];
    detail::api_key_checksum(key.substr(0, checksum_begin - 1), checksum);
    if(key.compare(checksum_begin, api_key_checksum_chars,
                   std::string_view(checksum, api_key_checksum_chars))
       != 0)
        return validation::error::api_key_checksum_mismatch;
    return {};
}

inline secret_digest hash_secret(std::string_view secret) noexcept
{
    secret_digest digest{};
    unsigned int size = 0;
    // EVP_Digest with the default SHA-256 cannot fail short of memory
    // exhaustion inside OpenSSL; a failure leaves an all-zero digest, which
    // no store entry matches.
    if(EVP_Digest(secret.data(), secret.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1
       || size != digest.size())
        digest.fill(0);
    return digest;
}

inline bool digest_equal(secret_digest const& a, secret_digest const& b) noexcept
{
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
