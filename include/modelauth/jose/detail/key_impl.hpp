//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_DETAIL_KEY_IMPL_HPP
#define MODELAUTH_JOSE_DETAIL_KEY_IMPL_HPP

// The state behind a jose::key: the OpenSSL key, everything verification
// needs prepared once at load, and the pool of per-operation contexts.
//
// Verification, on every uncached request, does only this:
//   HS*   take a keyed EVP_MAC_CTX, EVP_MAC_init(ctx, NULL, ...) to restart it
//         with its key, update, final, CRYPTO_memcmp (J28);
//   RS/PS take a verify-initialised EVP_PKEY_CTX (padding, digest, and for PSS
//         MGF1 = digest and salt = digest length pinned, J13) and a digest
//         context; hash; EVP_PKEY_verify;
//   ES*   the same, R || S turned into DER on the stack;
//   EdDSA take an EVP_MD_CTX, restart its verification, EVP_DigestVerify.
// Nothing is fetched or parsed per call, and nothing is allocated once the
// pool holds a context per concurrent thread.

#include <modelauth/error.hpp>
#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/base64url.hpp>
#include <modelauth/jose/detail/context_pool.hpp>
#include <modelauth/jose/detail/ecdsa_signature.hpp>
#include <modelauth/jose/detail/key_material.hpp>
#include <modelauth/jose/detail/openssl.hpp>
#include <modelauth/jose/detail/rsa_key_checks.hpp>
#include <modelauth/jose/error.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace jose {
namespace detail {

inline char const* digest_name(algorithm alg) noexcept
{
    switch(hash_size(alg))
    {
    case 32:
        return "SHA256";
    case 48:
        return "SHA384";
    case 64:
        return "SHA512";
    default:
        return nullptr;
    }
}

// The curves of ES256/384/512 (RFC 7518 section 3.4 and 6.2.1.1).
struct curve_info
{
    algorithm alg;
    std::string_view jwk_name;      // JWK "crv"
    std::string_view openssl_name;  // OSSL_PKEY_PARAM_GROUP_NAME
    std::size_t field_size;         // bytes of a coordinate or the private scalar
};

inline constexpr curve_info curves[] = {
    {algorithm::es256, "P-256", "prime256v1", 32},
    {algorithm::es384, "P-384", "secp384r1", 48},
    {algorithm::es512, "P-521", "secp521r1", 66}};

inline curve_info const* curve_of(algorithm alg) noexcept
{
    for(auto const& c : curves)
        if(c.alg == alg)
            return &c;
    return nullptr;
}

inline curve_info const* curve_by_jwk_name(std::string_view name) noexcept
{
    for(auto const& c : curves)
        if(c.jwk_name == name)
            return &c;
    return nullptr;
}

inline curve_info const* curve_by_openssl_name(std::string_view name) noexcept
{
    for(auto const& c : curves)
        if(c.openssl_name == name || c.jwk_name == name)
            return &c;
    return nullptr;
}

inline constexpr std::size_t ed25519_key_size = 32;
inline constexpr std::size_t ed25519_signature_size = 64;

// What one verification (or HMAC signature) needs for itself.
struct verify_context
{
    evp_mac_ctx_ptr mac;   // HS*: a keyed HMAC context
    evp_pkey_ctx_ptr pkey; // RS*, PS*, ES*: a verify-initialised context
    evp_md_ctx_ptr md;     // RS*, PS*, ES*: the digest; EdDSA: DigestVerify
};

inline std::string base64url_of(unsigned char const* data, std::size_t size)
{
    std::string text(base64url_encoded_size(size), '\0');
    base64url_encode(data, size, text.data());
    return text;
}

inline std::string base64url_of_bignum(BIGNUM const* bn, std::size_t padded_size = 0)
{
    std::size_t const size = padded_size ? padded_size : static_cast<std::size_t>(BN_num_bytes(bn));
    std::string bytes(size ? size : 1, '\0');
    auto* out = reinterpret_cast<unsigned char*>(bytes.data());
    if(size == 0)
        bytes[0] = '\0'; // zero is one zero octet (RFC 7518 section 2, Base64urlUInt)
    else if(BN_bn2binpad(bn, out, static_cast<int>(size)) < 0)
        return {};
    return base64url_of(out, bytes.size());
}

/* Checks that `pkey` is a key type (and curve) that `alg` can use (J4, J7, J9).

   @return `algorithm_key_mismatch` for a supported key type that belongs to
   another family or curve, `unsupported_key_type` for any other type or
   curve, the RSA checks' `weak_key`, or `invalid` when the public key fails
   OpenSSL's own validation.
*/
inline result<void> check_key_for_algorithm(EVP_PKEY* pkey, algorithm alg, jose::key_error invalid)
{
    bool const is_rsa = EVP_PKEY_is_a(pkey, "RSA") == 1;
    bool const is_ec = EVP_PKEY_is_a(pkey, "EC") == 1;
    bool const is_ed25519 = EVP_PKEY_is_a(pkey, "ED25519") == 1;
    bool const known = is_rsa || is_ec || is_ed25519;
    auto const fam = family(alg);

    if(fam == algorithm_family::hmac)
        return jose::key_error::algorithm_key_mismatch;
    if(fam == algorithm_family::rsa_pkcs1_v1_5 || fam == algorithm_family::rsa_pss)
    {
        if(! is_rsa)
            return known ? jose::key_error::algorithm_key_mismatch : jose::key_error::unsupported_key_type;
        return check_rsa_public_key(pkey);
    }
    if(fam == algorithm_family::eddsa)
    {
        if(! is_ed25519)
            return known ? jose::key_error::algorithm_key_mismatch : jose::key_error::unsupported_key_type;
    }
    else
    {
        if(! is_ec)
            return known ? jose::key_error::algorithm_key_mismatch : jose::key_error::unsupported_key_type;
        char text[64] = {};
        std::size_t length = 0;
        if(EVP_PKEY_get_utf8_string_param(
               pkey, OSSL_PKEY_PARAM_EC_ENCODING, text, sizeof text, &length) == 1
           && std::string_view(text, length) != OSSL_PKEY_EC_ENCODING_GROUP)
            return jose::key_error::unsupported_key_type; // explicit curve parameters
        if(EVP_PKEY_get_utf8_string_param(
               pkey, OSSL_PKEY_PARAM_GROUP_NAME, text, sizeof text, &length) != 1)
            return jose::key_error::unsupported_key_type;
        auto const* curve = curve_by_openssl_name(std::string_view(text, length));
        if(! curve)
            return jose::key_error::unsupported_key_type;
        if(curve->alg != alg)
            return jose::key_error::algorithm_key_mismatch;
    }
    // The point is on the curve, not at infinity, of the right order; for
    // Ed25519, the encoding is valid where OpenSSL checks it.
    evp_pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    if(! ctx)
        return invalid;
    int const checked = EVP_PKEY_public_check(ctx.get());
    if(checked != 1 && checked != -2) // -2: no check for this type
        return invalid;
    return {};
}

class key_impl
{
public:
    key_impl() = default;
    key_impl(key_impl const&) = delete;
    key_impl& operator=(key_impl const&) = delete;

    ~key_impl() = default;

    // An HMAC key. The secret lives on only inside the keyed MAC context.
    static result<std::shared_ptr<key_impl const>>
    make_hmac(algorithm alg, secret_bytes const& secret, std::string kid)
    {
        if(! is_symmetric(alg))
            return jose::key_error::algorithm_key_mismatch;
        if(secret.empty())
            return jose::key_error::empty_key;
        if(is_key_material(secret.view()))
            return jose::key_error::algorithm_key_mismatch;
        if(secret.size() < hash_size(alg))
            return jose::key_error::weak_key;

        error_queue_guard guard;
        auto impl = std::make_shared<key_impl>();
        impl->alg_ = alg;
        impl->kid_ = std::move(kid);
        impl->has_private_ = true;
        impl->signature_size_ = hash_size(alg);
        impl->mac_.reset(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
        if(! impl->mac_)
            return jose::key_error::unsupported_algorithm;
        impl->mac_prototype_.reset(EVP_MAC_CTX_new(impl->mac_.get()));
        if(! impl->mac_prototype_)
            return jose::key_error::unsupported_algorithm;
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(
                OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest_name(alg)), 0),
            OSSL_PARAM_construct_end()};
        if(EVP_MAC_init(impl->mac_prototype_.get(), secret.data(), secret.size(), params) != 1)
            return jose::key_error::unsupported_algorithm;
        impl->mac_restart_works_ = impl->mac_restart_self_test();

        impl->thumbprint_ = thumbprint_of_secret(secret);
        impl->prime_pool();
        return std::shared_ptr<key_impl const>(std::move(impl));
    }

    /* A key of an asymmetric algorithm. `invalid` is the error for key
       material that OpenSSL refuses (jose::key_error::invalid_pem or invalid_jwk).
    */
    static result<std::shared_ptr<key_impl const>> make_asymmetric(
        algorithm alg, evp_pkey_ptr pkey, bool is_private, std::string kid, jose::key_error invalid)
    {
        if(! pkey)
            return invalid;
        error_queue_guard guard;
        auto fits = check_key_for_algorithm(pkey.get(), alg, invalid);
        if(! fits)
            return fits.error();

        auto impl = std::make_shared<key_impl>();
        impl->alg_ = alg;
        impl->kid_ = std::move(kid);
        impl->has_private_ = is_private;
        impl->pkey_ = std::move(pkey);
        auto const fam = family(alg);
        if(fam == algorithm_family::eddsa)
            impl->signature_size_ = ed25519_signature_size;
        else if(fam == algorithm_family::ecdsa)
            impl->signature_size_ = ecdsa_signature_size(alg);
        else
            impl->signature_size_ = static_cast<std::size_t>(EVP_PKEY_get_size(impl->pkey_.get()));

        if(! impl->prepare_verification())
            return invalid;
        if(! impl->read_public_members())
            return invalid;
        impl->thumbprint_ = impl->thumbprint_of_public_members();
        impl->prime_pool();

        // A private key must sign what its public half verifies: catches a
        // JWK whose private and public members do not belong together.
        if(is_private)
        {
            constexpr std::string_view probe = "modelauth key self-test";
            auto signature = impl->sign(probe);
            if(! signature || ! impl->verify(probe, *signature))
                return invalid;
        }
        return std::shared_ptr<key_impl const>(std::move(impl));
    }

    algorithm alg() const noexcept { return alg_; }
    std::string_view kid() const noexcept { return kid_; }
    bool has_private_key() const noexcept { return has_private_; }

    // The OpenSSL key of an asymmetric key; null for an HMAC secret.
    EVP_PKEY const* pkey() const noexcept { return pkey_.get(); }
    std::size_t signature_size() const noexcept { return signature_size_; }
    std::string const& thumbprint() const noexcept { return thumbprint_; }

    result<void> verify(std::string_view input, std::string_view signature) const noexcept
    {
        if(signature.empty())
            return jose::error::empty_signature;
        if(signature.size() != signature_size_)
            return jose::error::invalid_signature_length;
        switch(family(alg_))
        {
        case algorithm_family::hmac:
            return verify_hmac(input, signature);
        case algorithm_family::eddsa:
            return verify_eddsa(input, signature);
        default:
            return verify_hashed(input, signature);
        }
    }

    result<std::string> sign(std::string_view input) const
    {
        if(! has_private_)
            return jose::key_error::not_a_private_key;
        if(family(alg_) == algorithm_family::hmac)
        {
            unsigned char tag[EVP_MAX_MD_SIZE];
            if(! compute_hmac(input, tag))
                return jose::key_error::signing_failed;
            std::string signature(reinterpret_cast<char const*>(tag), signature_size_);
            OPENSSL_cleanse(tag, sizeof tag);
            return signature;
        }
        return sign_asymmetric(input);
    }

    // RFC 7517 public members plus kid, alg and use; empty for HMAC secrets.
    boost::json::object public_jwk() const
    {
        boost::json::object jwk;
        if(is_symmetric(alg_))
            return jwk;
        jwk["kty"] = members_.kty;
        if(! members_.crv.empty())
            jwk["crv"] = members_.crv;
        if(! members_.n.empty())
        {
            jwk["n"] = members_.n;
            jwk["e"] = members_.e;
        }
        if(! members_.x.empty())
            jwk["x"] = members_.x;
        if(! members_.y.empty())
            jwk["y"] = members_.y;
        if(! kid_.empty())
            jwk["kid"] = kid_;
        jwk["alg"] = algorithm_name(alg_);
        jwk["use"] = "sig";
        return jwk;
    }

private:
    // The public members of the JWK of this key, base64url (RFC 7518 section 6).
    struct public_members
    {
        std::string_view kty;
        std::string_view crv;
        std::string n, e, x, y;
    };

    bool prepare_verification()
    {
        auto const fam = family(alg_);
        if(fam == algorithm_family::eddsa)
        {
            eddsa_prototype_.reset(EVP_MD_CTX_new());
            return eddsa_prototype_
                && EVP_DigestVerifyInit_ex(eddsa_prototype_.get(), nullptr, nullptr, nullptr,
                                           nullptr, pkey_.get(), nullptr)
                == 1;
        }
        md_.reset(EVP_MD_fetch(nullptr, digest_name(alg_), nullptr));
        verify_prototype_.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
        if(! md_ || ! verify_prototype_ || EVP_PKEY_verify_init(verify_prototype_.get()) != 1)
            return false;
        EVP_PKEY_CTX* ctx = verify_prototype_.get();
        if(fam == algorithm_family::rsa_pkcs1_v1_5)
            return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1
                && EVP_PKEY_CTX_set_signature_md(ctx, md_.get()) == 1;
        if(fam == algorithm_family::rsa_pss)
            return set_pss_parameters(ctx) && EVP_PKEY_CTX_set_signature_md(ctx, md_.get()) == 1;
        return EVP_PKEY_CTX_set_signature_md(ctx, md_.get()) == 1;
    }

    // RFC 7518 section 3.5: MGF1 with the signature's hash, a salt as long as
    // the hash. Pinned, never RSA_PSS_SALTLEN_AUTO (J13).
    bool set_pss_parameters(EVP_PKEY_CTX* ctx) const noexcept
    {
        return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1
            && EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, digest_name(alg_), nullptr) == 1
            && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) == 1;
    }

    std::unique_ptr<verify_context> make_verify_context() const noexcept
    {
        std::unique_ptr<verify_context> context(new(std::nothrow) verify_context);
        if(! context)
            return nullptr;
        switch(family(alg_))
        {
        case algorithm_family::hmac:
            context->mac.reset(EVP_MAC_CTX_dup(mac_prototype_.get()));
            return context->mac ? std::move(context) : nullptr;
        case algorithm_family::eddsa:
            context->md.reset(EVP_MD_CTX_new());
            if(! context->md || EVP_MD_CTX_copy_ex(context->md.get(), eddsa_prototype_.get()) != 1)
                return nullptr;
            return context;
        default:
            context->pkey.reset(EVP_PKEY_CTX_dup(verify_prototype_.get()));
            context->md.reset(EVP_MD_CTX_new());
            return context->pkey && context->md ? std::move(context) : nullptr;
        }
    }

    // Puts one prepared context in the pool, so that the first verification
    // of a single-threaded server allocates nothing either.
    void prime_pool() const
    {
        pool_.give(make_verify_context());
    }

    // OpenSSL 3.0.0 to 3.0.2 ignored EVP_MAC_init(ctx, NULL, 0, NULL) instead
    // of restarting HMAC with its key (openssl/openssl#17811), and other
    // providers may too. Check once per key; without it, every HMAC starts
    // from a fresh copy of the keyed prototype (slower, still correct).
    bool mac_restart_self_test() const noexcept
    {
        static constexpr unsigned char probe[] = "modelauth HMAC restart probe";
        unsigned char expected[EVP_MAX_MD_SIZE];
        unsigned char got[EVP_MAX_MD_SIZE];
        std::size_t expected_size = 0;
        std::size_t got_size = 0;
        evp_mac_ctx_ptr fresh(EVP_MAC_CTX_dup(mac_prototype_.get()));
        if(! fresh || EVP_MAC_update(fresh.get(), probe, sizeof probe) != 1
           || EVP_MAC_final(fresh.get(), expected, &expected_size, sizeof expected) != 1)
            return false;
        bool same = true;
        for(int round = 0; round < 2 && same; ++round)
        {
            same = EVP_MAC_init(fresh.get(), nullptr, 0, nullptr) == 1
                && EVP_MAC_update(fresh.get(), probe, sizeof probe) == 1
                && EVP_MAC_final(fresh.get(), got, &got_size, sizeof got) == 1
                && got_size == expected_size && std::memcmp(got, expected, got_size) == 0;
        }
        OPENSSL_cleanse(expected, sizeof expected);
        OPENSSL_cleanse(got, sizeof got);
        return same;
    }

    // Writes the HMAC of `input` (signature_size_ bytes) to `out`.
    bool compute_hmac(std::string_view input, unsigned char* out) const noexcept
    {
        std::size_t size = 0;
        if(! mac_restart_works_)
        {
            evp_mac_ctx_ptr mac(EVP_MAC_CTX_dup(mac_prototype_.get()));
            bool const ok = mac && EVP_MAC_update(mac.get(), bytes(input), input.size()) == 1
                && EVP_MAC_final(mac.get(), out, &size, EVP_MAX_MD_SIZE) == 1
                && size == signature_size_;
            if(! ok)
                ERR_clear_error();
            return ok;
        }
        pooled_context<verify_context> context(pool_, [this] { return make_verify_context(); });
        if(! context)
            return false;
        EVP_MAC_CTX* mac = context->mac.get();
        bool const ok = EVP_MAC_init(mac, nullptr, 0, nullptr) == 1
            && EVP_MAC_update(mac, bytes(input), input.size()) == 1
            && EVP_MAC_final(mac, out, &size, EVP_MAX_MD_SIZE) == 1 && size == signature_size_;
        if(! ok)
        {
            // Only an allocation failure gets here; leave no error behind
            // for a TLS stack sharing this thread.
            context.discard();
            ERR_clear_error();
        }
        return ok;
    }

    result<void> verify_hmac(std::string_view input, std::string_view signature) const noexcept
    {
        unsigned char tag[EVP_MAX_MD_SIZE];
        if(! compute_hmac(input, tag))
            return jose::error::signature_mismatch;
        // Constant time in the position of the first difference (J28).
        bool const equal = CRYPTO_memcmp(tag, signature.data(), signature_size_) == 0;
        // The tag is the valid MAC of attacker-chosen input: never leave it around.
        OPENSSL_cleanse(tag, sizeof tag);
        if(! equal)
            return jose::error::signature_mismatch;
        return {};
    }

    result<void> verify_hashed(std::string_view input, std::string_view signature) const noexcept
    {
        error_queue_guard guard;
        pooled_context<verify_context> context(pool_, [this] { return make_verify_context(); });
        if(! context)
            return jose::error::signature_mismatch;
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned digest_size = 0;
        if(EVP_DigestInit_ex2(context->md.get(), md_.get(), nullptr) != 1
           || EVP_DigestUpdate(context->md.get(), input.data(), input.size()) != 1
           || EVP_DigestFinal_ex(context->md.get(), digest, &digest_size) != 1)
        {
            context.discard();
            return jose::error::signature_mismatch;
        }
        unsigned char const* sig = bytes(signature);
        std::size_t sig_size = signature.size();
        unsigned char der[max_ecdsa_der_size];
        if(family(alg_) == algorithm_family::ecdsa)
        {
            sig_size = ecdsa_raw_to_der(sig, sig_size, der);
            sig = der;
        }
        int const verified
            = EVP_PKEY_verify(context->pkey.get(), sig, sig_size, digest, digest_size);
        if(verified < 0)
            context.discard();
        if(! succeeded(verified))
            return jose::error::signature_mismatch;
        return {};
    }

    result<void> verify_eddsa(std::string_view input, std::string_view signature) const noexcept
    {
        error_queue_guard guard;
        pooled_context<verify_context> context(pool_, [this] { return make_verify_context(); });
        if(! context)
            return jose::error::signature_mismatch;
        EVP_MD_CTX* md = context->md.get();
        // Restart the operation with the same key (OpenSSL >= 3.0.1); else
        // start again from the prepared prototype.
        if(EVP_DigestVerifyInit_ex(md, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr) != 1
           && EVP_MD_CTX_copy_ex(md, eddsa_prototype_.get()) != 1)
        {
            context.discard();
            return jose::error::signature_mismatch;
        }
        int const verified
            = EVP_DigestVerify(md, bytes(signature), signature.size(), bytes(input), input.size());
        if(verified < 0)
            context.discard();
        if(! succeeded(verified))
            return jose::error::signature_mismatch;
        return {};
    }

    result<std::string> sign_asymmetric(std::string_view input) const
    {
        error_queue_guard guard;
        auto const fam = family(alg_);
        evp_md_ctx_ptr ctx(EVP_MD_CTX_new());
        EVP_PKEY_CTX* pctx = nullptr;
        char const* md = fam == algorithm_family::eddsa ? nullptr : digest_name(alg_);
        if(! ctx
           || EVP_DigestSignInit_ex(ctx.get(), &pctx, md, nullptr, nullptr, pkey_.get(), nullptr)
               != 1)
            return jose::key_error::signing_failed;
        if(fam == algorithm_family::rsa_pkcs1_v1_5
           && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
            return jose::key_error::signing_failed;
        if(fam == algorithm_family::rsa_pss && ! set_pss_parameters(pctx))
            return jose::key_error::signing_failed;

        std::size_t size = 0;
        if(EVP_DigestSign(ctx.get(), nullptr, &size, bytes(input), input.size()) != 1)
            return jose::key_error::signing_failed;
        std::string signature(size, '\0');
        auto* out = reinterpret_cast<unsigned char*>(signature.data());
        if(EVP_DigestSign(ctx.get(), out, &size, bytes(input), input.size()) != 1)
            return jose::key_error::signing_failed;
        signature.resize(size);
        if(fam != algorithm_family::ecdsa)
        {
            if(signature.size() != signature_size_)
                return jose::key_error::signing_failed;
            return signature;
        }
        std::string raw(signature_size_, '\0');
        if(! ecdsa_der_to_raw(out, size, reinterpret_cast<unsigned char*>(raw.data()), raw.size()))
            return jose::key_error::signing_failed;
        return raw;
    }

    bool read_public_members()
    {
        auto const fam = family(alg_);
        if(fam == algorithm_family::eddsa)
        {
            unsigned char x[ed25519_key_size];
            std::size_t size = sizeof x;
            if(EVP_PKEY_get_raw_public_key(pkey_.get(), x, &size) != 1 || size != sizeof x)
                return false;
            members_.kty = "OKP";
            members_.crv = "Ed25519";
            members_.x = base64url_of(x, size);
            return true;
        }
        if(fam == algorithm_family::ecdsa)
        {
            auto const* curve = curve_of(alg_);
            BIGNUM* x_raw = nullptr;
            BIGNUM* y_raw = nullptr;
            bool got = EVP_PKEY_get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x_raw) == 1;
            bignum_ptr x(x_raw);
            got = EVP_PKEY_get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y_raw) == 1 && got;
            bignum_ptr y(y_raw);
            if(! got)
                return false;
            members_.kty = "EC";
            members_.crv = curve->jwk_name;
            members_.x = base64url_of_bignum(x.get(), curve->field_size);
            members_.y = base64url_of_bignum(y.get(), curve->field_size);
            return ! members_.x.empty() && ! members_.y.empty();
        }
        BIGNUM* n_raw = nullptr;
        BIGNUM* e_raw = nullptr;
        bool got = EVP_PKEY_get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_RSA_N, &n_raw) == 1;
        bignum_ptr n(n_raw);
        got = EVP_PKEY_get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_RSA_E, &e_raw) == 1 && got;
        bignum_ptr e(e_raw);
        if(! got)
            return false;
        members_.kty = "RSA";
        members_.n = base64url_of_bignum(n.get());
        members_.e = base64url_of_bignum(e.get());
        return ! members_.n.empty() && ! members_.e.empty();
    }

    static std::string sha256_base64url(std::string_view text)
    {
        unsigned char digest[32];
        std::size_t size = 0;
        if(EVP_Q_digest(nullptr, "SHA256", nullptr, text.data(), text.size(), digest, &size) != 1)
            return {};
        return base64url_of(digest, size);
    }

    // RFC 7638 section 3.2: the required members only, in lexicographic
    // order, no white space.
    std::string thumbprint_of_public_members() const
    {
        std::string json;
        if(members_.kty == "RSA")
            json = R"({"e":")" + members_.e + R"(","kty":"RSA","n":")" + members_.n + R"("})";
        else if(members_.kty == "EC")
            json = R"({"crv":")" + std::string(members_.crv) + R"(","kty":"EC","x":")" + members_.x
                + R"(","y":")" + members_.y + R"("})";
        else
            json = R"({"crv":")" + std::string(members_.crv) + R"(","kty":"OKP","x":")"
                + members_.x + R"("})";
        return sha256_base64url(json);
    }

    // RFC 7638 section 3.2 for "oct": {"k":...,"kty":"oct"}. The digest reveals
    // no more about the secret than any MAC made with it.
    static std::string thumbprint_of_secret(secret_bytes const& secret)
    {
        constexpr std::string_view head = R"({"k":")";
        constexpr std::string_view tail = R"(","kty":"oct"})";
        secret_bytes json(head.size() + base64url_encoded_size(secret.size()) + tail.size());
        auto* p = reinterpret_cast<char*>(json.data());
        std::memcpy(p, head.data(), head.size());
        base64url_encode(secret.data(), secret.size(), p + head.size());
        std::memcpy(p + json.size() - tail.size(), tail.data(), tail.size());
        return sha256_base64url(json.view());
    }

    algorithm alg_{};
    std::string kid_;
    bool has_private_ = false;
    bool mac_restart_works_ = false;
    std::size_t signature_size_ = 0;
    std::string thumbprint_;
    public_members members_;

    evp_pkey_ptr pkey_;                 // asymmetric keys
    evp_md_ptr md_;                     // RS*, PS*, ES*: fetched once
    evp_pkey_ctx_ptr verify_prototype_; // RS*, PS*, ES*: verify-initialised
    evp_md_ctx_ptr eddsa_prototype_;    // EdDSA: DigestVerify-initialised
    evp_mac_ptr mac_;                   // HS*: fetched once
    evp_mac_ctx_ptr mac_prototype_;     // HS*: keyed

    mutable context_pool<verify_context> pool_;
};

} // namespace detail
} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
