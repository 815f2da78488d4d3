//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_IMPL_KEY_HPP
#define MODELAUTH_JOSE_IMPL_KEY_HPP

#include <modelauth/jose/detail/jwk.hpp>
#include <modelauth/jose/detail/key_impl.hpp>
#include <modelauth/jose/detail/openssl.hpp>
#include <modelauth/jose/detail/pem.hpp>
#include <modelauth/jose/error.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <openssl/encoder.h>

#include <cstddef>
#include <memory>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace jose {
namespace detail {

struct encoder_ctx_deleter
{
    void operator()(OSSL_ENCODER_CTX* p) const noexcept { OSSL_ENCODER_CTX_free(p); }
};

// Unencrypted PKCS#8 PEM ("PRIVATE KEY") of `pkey`, through the OpenSSL 3
// encoder API. The intermediate buffer is wiped before it is freed.
inline result<std::string> pkcs8_pem_of(EVP_PKEY const* pkey)
{
    error_queue_guard guard;
    std::unique_ptr<OSSL_ENCODER_CTX, encoder_ctx_deleter> ctx(OSSL_ENCODER_CTX_new_for_pkey(
        pkey, EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo", nullptr));
    if(! ctx || OSSL_ENCODER_CTX_get_num_encoders(ctx.get()) == 0)
        return jose::key_error::unsupported_key_type;
    unsigned char* data = nullptr;
    std::size_t size = 0;
    if(OSSL_ENCODER_to_data(ctx.get(), &data, &size) != 1 || ! data)
        return jose::key_error::unsupported_key_type;
    std::unique_ptr<unsigned char, openssl_free_deleter> owned(data);
    std::string pem;
    try
    {
        pem.assign(reinterpret_cast<char const*>(data), size);
    }
    catch(...)
    {
        OPENSSL_cleanse(data, size);
        throw;
    }
    OPENSSL_cleanse(data, size);
    return pem;
}

} // namespace detail

inline key::key(std::shared_ptr<detail::key_impl const> impl) noexcept : impl_(std::move(impl)) {}

inline result<key> key::wrap(result<std::shared_ptr<detail::key_impl const>> impl) noexcept
{
    if(! impl)
        return impl.error();
    return key(std::move(*impl));
}

inline result<key> key::from_secret(std::string_view secret, algorithm alg, std::string kid)
{
    detail::secret_bytes bytes(detail::bytes(secret), secret.size());
    return wrap(detail::key_impl::make_hmac(alg, bytes, std::move(kid)));
}

inline result<key> key::from_pem(std::string_view pem, algorithm alg, std::string kid)
{
    if(is_symmetric(alg))
        return jose::key_error::algorithm_key_mismatch; // an HMAC key is never PEM (J4)
    auto parsed = detail::read_pem_key(pem);
    if(! parsed)
        return parsed.error();
    return wrap(detail::key_impl::make_asymmetric(
        alg, std::move(parsed->pkey), parsed->is_private, std::move(kid), jose::key_error::invalid_pem));
}

inline result<key>
key::from_jwk(boost::json::object const& jwk, std::optional<algorithm> default_alg)
{
    return wrap(detail::key_from_jwk(jwk, default_alg));
}

inline result<key> key::from_jwk(std::string_view json_text, std::optional<algorithm> default_alg)
{
    if(json_text.size() > detail::max_jwk_text_size)
        return jose::key_error::invalid_jwk;
    boost::system::error_code ec;
    auto const json = boost::json::parse(json_text, ec);
    if(ec || ! json.is_object())
        return jose::key_error::invalid_jwk;
    return from_jwk(json.get_object(), default_alg);
}

inline result<key> key::generate(algorithm alg, std::string kid)
{
    if(is_symmetric(alg))
    {
        detail::secret_bytes secret(hash_size(alg));
        if(RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1)
        {
            ERR_clear_error();
            return jose::key_error::key_generation_failed;
        }
        return wrap(detail::key_impl::make_hmac(alg, secret, std::move(kid)));
    }
    detail::evp_pkey_ptr pkey;
    {
        detail::error_queue_guard guard;
        switch(family(alg))
        {
        case algorithm_family::rsa_pkcs1_v1_5:
        case algorithm_family::rsa_pss:
            pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t(2048)));
            break;
        case algorithm_family::ecdsa:
            pkey.reset(EVP_PKEY_Q_keygen(
                nullptr, nullptr, "EC", detail::curve_of(alg)->openssl_name.data()));
            break;
        default:
            pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
            break;
        }
    }
    if(! pkey)
        return jose::key_error::key_generation_failed;
    auto made = detail::key_impl::make_asymmetric(
        alg, std::move(pkey), true, std::move(kid), jose::key_error::key_generation_failed);
    return wrap(std::move(made));
}

inline algorithm key::alg() const noexcept
{
    return impl_->alg();
}

inline std::string_view key::kid() const noexcept
{
    return impl_->kid();
}

inline bool key::has_private_key() const noexcept
{
    return impl_->has_private_key();
}

inline std::size_t key::signature_size() const noexcept
{
    return impl_->signature_size();
}

inline result<void>
key::verify(std::string_view signing_input, std::string_view signature) const noexcept
{
    return impl_->verify(signing_input, signature);
}

inline result<void> key::verify(algorithm token_alg,
                               std::string_view signing_input,
                               std::string_view signature) const noexcept
{
    if(token_alg != impl_->alg())
        return jose::error::key_algorithm_mismatch;
    return impl_->verify(signing_input, signature);
}

inline result<std::string> key::sign(std::string_view signing_input) const
{
    return impl_->sign(signing_input);
}

inline std::string const& key::thumbprint() const noexcept
{
    return impl_->thumbprint();
}

inline boost::json::object key::public_jwk() const
{
    return impl_->public_jwk();
}

inline result<std::string> key::private_pem() const
{
    if(! impl_->has_private_key() || is_symmetric(impl_->alg()))
        return jose::key_error::not_a_private_key;
    return detail::pkcs8_pem_of(impl_->pkey());
}

} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
