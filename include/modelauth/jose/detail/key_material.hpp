//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_DETAIL_KEY_MATERIAL_HPP
#define MODELAUTH_JOSE_DETAIL_KEY_MATERIAL_HPP

// Recognises public-key material offered as an HMAC secret (J4).
//
// The classic algorithm-confusion attack (CVE-2015-9235) MACs a token with
// the bytes of the server's *public* key. modelauth binds every key to one
// algorithm, so a key loaded as RSA never verifies an HS256 token. This check
// closes the configuration-side door: an HMAC secret that is in fact a PEM
// block, a DER key, the base64 body of a PEM block, an OpenSSH public key
// line or a JWK is refused, because whoever configured it meant a public key.

#include <modelauth/jose/detail/openssl.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace jose {
namespace detail {

inline bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

inline std::string_view trim_space(std::string_view s) noexcept
{
    while(! s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while(! s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

inline bool starts_with(std::string_view s, std::string_view prefix) noexcept
{
    return s.substr(0, prefix.size()) == prefix;
}

// Whether `der` is exactly one DER SubjectPublicKeyInfo or private key.
inline bool is_der_key(unsigned char const* der, std::size_t size) noexcept
{
    if(size < 2 || der[0] != 0x30)
        return false;
    error_queue_guard guard;
    long const length = static_cast<long>(size);
    unsigned char const* p = der;
    if(evp_pkey_ptr key{d2i_PUBKEY(nullptr, &p, length)}; key && p == der + size)
        return true;
    p = der;
    if(evp_pkey_ptr key{d2i_AutoPrivateKey(nullptr, &p, length)}; key && p == der + size)
        return true;
    return false;
}

// Whether `text` is standard base64 (white space allowed) of a DER key.
// Every copy of the (possibly secret) text is wiped.
inline bool is_base64_der_key(std::string_view text)
{
    secret_bytes compact(text.size());
    std::size_t size = 0;
    for(char c : text)
    {
        if(is_space(c))
            continue;
        bool const base64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
        if(! base64)
            return false;
        compact.data()[size++] = static_cast<unsigned char>(c);
    }
    if(size < 8 || size % 4 != 0)
        return false;
    secret_bytes der(size / 4 * 3);
    int const decoded = EVP_DecodeBlock(der.data(), compact.data(), static_cast<int>(size));
    if(decoded < 0)
        return false;
    // EVP_DecodeBlock counts padding as zero bytes.
    auto der_size = static_cast<std::size_t>(decoded);
    for(std::size_t i = size; i > 0 && compact.data()[i - 1] == '='; --i)
        --der_size;
    return is_der_key(der.data(), der_size);
}

// Whether `text` is one JSON object. The parse happens in a stack buffer
// that is wiped afterwards (the text may be a real secret that merely
// starts with '{').
inline bool is_json_object(std::string_view text)
{
    unsigned char buffer[4096];
    bool object = false;
    {
        boost::json::monotonic_resource memory(buffer, sizeof buffer);
        boost::system::error_code ec;
        auto const json = boost::json::parse(text, ec, &memory);
        object = ! ec && json.is_object();
    }
    OPENSSL_cleanse(buffer, sizeof buffer);
    return object;
}

/* Whether `secret` is public-key (or private-key) material rather than a
   shared secret: PEM, DER, base64 DER, an OpenSSH public key or a JSON
   object such as a JWK.
*/
inline bool is_key_material(std::string_view secret)
{
    if(is_der_key(bytes(secret), secret.size()))
        return true;
    auto const text = trim_space(secret);
    if(starts_with(text, "-----BEGIN") || starts_with(text, "ssh-")
       || starts_with(text, "ecdsa-sha2-"))
        return true;
    if(starts_with(text, "{") && is_json_object(text))
        return true;
    if(starts_with(text, "M") && is_base64_der_key(text)) // base64 of 0x30, a DER SEQUENCE
        return true;
    return false;
}

} // namespace detail
} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
