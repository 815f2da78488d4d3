//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_DETAIL_OPENSSL_HPP
#define MODELAUTH_JOSE_DETAIL_OPENSSL_HPP

// Ownership of OpenSSL objects, the error-queue discipline, and a buffer for
// secrets that is wiped when it goes away. OpenSSL 3 EVP only.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstddef>
#include <memory>
#include <string_view>

#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "modelauth needs OpenSSL 3.0 or later"
#endif

namespace modelauth {
inline namespace v0 {
namespace jose {
namespace detail {

// One deleter for every OpenSSL type we own; unique_ptr picks the overload.
struct openssl_deleter
{
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
    void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
    void operator()(EVP_MD* p) const noexcept { EVP_MD_free(p); }
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
    void operator()(EVP_MAC* p) const noexcept { EVP_MAC_free(p); }
    void operator()(EVP_MAC_CTX* p) const noexcept { EVP_MAC_CTX_free(p); }
    // Some of our BIGNUMs hold private key parts: always wipe.
    void operator()(BIGNUM* p) const noexcept { BN_clear_free(p); }
    void operator()(BN_CTX* p) const noexcept { BN_CTX_free(p); }
    void operator()(ECDSA_SIG* p) const noexcept { ECDSA_SIG_free(p); }
    void operator()(BIO* p) const noexcept { BIO_free(p); }
    void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
    // Secret parameters built from BN_secure_new() numbers live in the
    // secure heap, which OSSL_PARAM_free() wipes.
    void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
    void operator()(PKCS8_PRIV_KEY_INFO* p) const noexcept { PKCS8_PRIV_KEY_INFO_free(p); }
};

template<class T>
using openssl_ptr = std::unique_ptr<T, openssl_deleter>;

using evp_pkey_ptr = openssl_ptr<EVP_PKEY>;
using evp_pkey_ctx_ptr = openssl_ptr<EVP_PKEY_CTX>;
using evp_md_ptr = openssl_ptr<EVP_MD>;
using evp_md_ctx_ptr = openssl_ptr<EVP_MD_CTX>;
using evp_mac_ptr = openssl_ptr<EVP_MAC>;
using evp_mac_ctx_ptr = openssl_ptr<EVP_MAC_CTX>;
using bignum_ptr = openssl_ptr<BIGNUM>;
using bn_ctx_ptr = openssl_ptr<BN_CTX>;
using ecdsa_sig_ptr = openssl_ptr<ECDSA_SIG>;
using bio_ptr = openssl_ptr<BIO>;
using param_bld_ptr = openssl_ptr<OSSL_PARAM_BLD>;
using params_ptr = openssl_ptr<OSSL_PARAM>;
using pkcs8_ptr = openssl_ptr<PKCS8_PRIV_KEY_INFO>;

// Memory that OpenSSL allocated with OPENSSL_malloc (PEM_read_bio, i2d_*).
struct openssl_free_deleter
{
    void operator()(void* p) const noexcept { OPENSSL_free(p); }
};

// OpenSSL's verify functions return 1 for a valid signature, 0 for an
// invalid one and a negative value for errors: only exactly 1 is success (J29).
constexpr bool succeeded(int openssl_result) noexcept
{
    return openssl_result == 1;
}

inline unsigned char const* bytes(std::string_view s) noexcept
{
    return reinterpret_cast<unsigned char const*>(s.data());
}

/* Keeps the thread's OpenSSL error queue as it was: whatever an operation
   pushes is popped when the guard goes away. A server that uses OpenSSL for
   TLS must find the queue empty before each SSL_* call; a failed signature
   check must not leave anything behind for it.
*/
class error_queue_guard
{
public:
    error_queue_guard() noexcept { ERR_set_mark(); }
    ~error_queue_guard() { ERR_pop_to_mark(); }
    error_queue_guard(error_queue_guard const&) = delete;
    error_queue_guard& operator=(error_queue_guard const&) = delete;
};

/* A fixed-size buffer of secret bytes (HMAC secrets, private JWK members),
   wiped with OPENSSL_cleanse when it is destroyed or reassigned.
*/
class secret_bytes
{
public:
    secret_bytes() noexcept = default;

    explicit secret_bytes(std::size_t size)
        : data_(size ? new unsigned char[size] : nullptr), size_(size)
    {
    }

    secret_bytes(unsigned char const* data, std::size_t size) : secret_bytes(size)
    {
        for(std::size_t i = 0; i < size; ++i)
            data_[i] = data[i];
    }

    secret_bytes(secret_bytes&& other) noexcept
        : data_(std::move(other.data_)), size_(other.size_)
    {
        other.size_ = 0;
    }

    secret_bytes& operator=(secret_bytes&& other) noexcept
    {
        if(this != &other)
        {
            wipe();
            data_ = std::move(other.data_);
            size_ = other.size_;
            other.size_ = 0;
        }
        return *this;
    }

    secret_bytes(secret_bytes const&) = delete;
    secret_bytes& operator=(secret_bytes const&) = delete;

    ~secret_bytes() { wipe(); }

    unsigned char* data() noexcept { return data_.get(); }
    unsigned char const* data() const noexcept { return data_.get(); }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    /// Keeps only the first `size` bytes (wiping the rest).
    void shrink(std::size_t size) noexcept
    {
        if(size < size_)
        {
            OPENSSL_cleanse(data_.get() + size, size_ - size);
            size_ = size;
        }
    }

    std::string_view view() const noexcept
    {
        return {reinterpret_cast<char const*>(data_.get()), size_};
    }

private:
    void wipe() noexcept
    {
        if(data_)
            OPENSSL_cleanse(data_.get(), size_);
    }

    std::unique_ptr<unsigned char[]> data_;
    std::size_t size_ = 0;
};

} // namespace detail
} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
