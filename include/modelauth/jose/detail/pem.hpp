//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_DETAIL_PEM_HPP
#define MODELAUTH_JOSE_DETAIL_PEM_HPP

// Reads exactly one PEM key (RFC 7468): "PUBLIC KEY" (SubjectPublicKeyInfo)
// or "PRIVATE KEY" (unencrypted PKCS#8). Legacy and encrypted formats
// ("RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", Proc-Type headers),
// certificates and several blocks in one text are refused: there is one
// accepted spelling per key, and no passphrase prompt can ever appear.

#include <modelauth/error.hpp>
#include <modelauth/jose/detail/key_material.hpp>
#include <modelauth/jose/detail/openssl.hpp>
#include <modelauth/jose/error.hpp>

#include <climits>
#include <cstring>
#include <memory>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace jose {
namespace detail {

// Far above any real key (an RSA-16384 PKCS#8 block is about 13 KiB).
inline constexpr std::size_t max_pem_size = 64 * 1024;

struct pem_key
{
    evp_pkey_ptr pkey;
    bool is_private = false;
};

inline result<pem_key> read_pem_key(std::string_view pem)
{
    if(pem.empty() || pem.size() > max_pem_size)
        return jose::key_error::invalid_pem;
    error_queue_guard guard;
    bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if(! bio)
        return jose::key_error::invalid_pem;

    char* name_raw = nullptr;
    char* header_raw = nullptr;
    unsigned char* data_raw = nullptr;
    long size = 0;
    int const read = PEM_read_bio(bio.get(), &name_raw, &header_raw, &data_raw, &size);
    std::unique_ptr<char, openssl_free_deleter> name(name_raw);
    std::unique_ptr<char, openssl_free_deleter> header(header_raw);
    // The DER of a private key is secret: wipe it before freeing.
    secret_bytes der;
    if(data_raw)
    {
        der = secret_bytes(data_raw, size > 0 ? static_cast<std::size_t>(size) : 0);
        OPENSSL_clear_free(data_raw, size > 0 ? static_cast<std::size_t>(size) : 0);
    }
    if(read != 1 || ! name || der.empty())
        return jose::key_error::invalid_pem;
    if(header && header.get()[0] != '\0')
        return jose::key_error::invalid_pem;

    // Nothing but white space may follow the block.
    char rest[256];
    for(;;)
    {
        int const n = BIO_read(bio.get(), rest, sizeof rest);
        if(n <= 0)
            break;
        if(! trim_space(std::string_view(rest, static_cast<std::size_t>(n))).empty())
            return jose::key_error::invalid_pem;
    }

    std::string_view const label(name.get());
    unsigned char const* p = der.data();
    long const der_size = static_cast<long>(der.size());
    pem_key key;
    if(label == "PUBLIC KEY")
    {
        key.pkey.reset(d2i_PUBKEY(nullptr, &p, der_size));
    }
    else if(label == "PRIVATE KEY")
    {
        pkcs8_ptr info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, der_size));
        if(info)
            key.pkey.reset(EVP_PKCS82PKEY(info.get()));
        key.is_private = true;
    }
    if(! key.pkey || p != der.data() + der.size())
        return jose::key_error::invalid_pem;
    return key;
}

} // namespace detail
} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
