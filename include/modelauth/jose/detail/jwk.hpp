//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_DETAIL_JWK_HPP
#define MODELAUTH_JOSE_DETAIL_JWK_HPP

// Reading a JWK (RFC 7517 section 4, RFC 7518 section 6, RFC 8037 section 2)
// into a key bound to one algorithm. Numbers and points are built with
// OSSL_PARAM_BLD and EVP_PKEY_fromdata; private members pass through wiped
// buffers and secure-heap BIGNUMs.

#include <modelauth/error.hpp>
#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/base64url.hpp>
#include <modelauth/jose/detail/key_impl.hpp>
#include <modelauth/jose/detail/openssl.hpp>
#include <modelauth/jose/error.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace jose {
namespace detail {

// Far above any real JWK (an RSA-16384 private JWK is about 16 KiB).
inline constexpr std::size_t max_jwk_text_size = 64 * 1024;

using optional_string = std::optional<std::string_view>;

// A member that must be a string when present (else invalid_jwk).
inline result<optional_string>
string_member(boost::json::object const& jwk, std::string_view name) noexcept
{
    auto const* value = jwk.if_contains(name);
    if(! value)
        return optional_string{};
    if(! value->is_string())
        return jose::key_error::invalid_jwk;
    auto const& s = value->get_string();
    return optional_string(std::string_view(s.data(), s.size()));
}

// Decodes a base64url member (strict, RFC 7515 section 2) into wiped memory.
inline result<secret_bytes> decode_member(std::string_view text)
{
    if(text.size() % 4 == 1)
        return jose::key_error::invalid_jwk;
    secret_bytes out(base64url_decoded_size(text.size()));
    if(! base64url_decode(text, out.data(), out.size()))
        return jose::key_error::invalid_jwk;
    return out;
}

// A base64url member that must be present and not empty.
inline result<secret_bytes> required_bytes(boost::json::object const& jwk, std::string_view name)
{
    auto text = string_member(jwk, name);
    if(! text)
        return text.error();
    if(! *text || (*text)->empty())
        return jose::key_error::invalid_jwk;
    return decode_member(**text);
}

// An optional base64url member: empty when absent; present but empty is invalid.
inline result<secret_bytes> optional_bytes(boost::json::object const& jwk, std::string_view name)
{
    auto text = string_member(jwk, name);
    if(! text)
        return text.error();
    if(! *text)
        return secret_bytes{};
    if((*text)->empty())
        return jose::key_error::invalid_jwk;
    return decode_member(**text);
}

inline bignum_ptr to_bignum(secret_bytes const& value, bool secret) noexcept
{
    bignum_ptr bn(secret ? BN_secure_new() : BN_new());
    if(bn && ! BN_bin2bn(value.data(), static_cast<int>(value.size()), bn.get()))
        bn.reset();
    return bn;
}

inline evp_pkey_ptr pkey_from_params(char const* type, int selection, OSSL_PARAM* params) noexcept
{
    evp_pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* pkey = nullptr;
    if(! ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1
       || EVP_PKEY_fromdata(ctx.get(), &pkey, selection, params) != 1)
        return nullptr;
    return evp_pkey_ptr(pkey);
}

// The key operations and intended use a JWK declares (RFC 7517 sections 4.2, 4.3).
struct jwk_usage
{
    bool has_key_ops = false;
    bool allows_verify = false;
    bool allows_sign = false;
};

inline result<jwk_usage> read_usage(boost::json::object const& jwk)
{
    jwk_usage usage;
    auto use = string_member(jwk, "use");
    if(! use)
        return use.error();
    if(*use && **use != "sig")
        return jose::key_error::key_use_mismatch;
    auto const* ops = jwk.if_contains("key_ops");
    if(! ops)
        return usage;
    if(! ops->is_array())
        return jose::key_error::invalid_jwk;
    usage.has_key_ops = true;
    auto const& array = ops->get_array();
    for(std::size_t i = 0; i < array.size(); ++i)
    {
        if(! array[i].is_string())
            return jose::key_error::invalid_jwk;
        // "Duplicate key operation values MUST NOT be present."
        for(std::size_t j = 0; j < i; ++j)
            if(array[j] == array[i])
                return jose::key_error::invalid_jwk;
        auto const& op = array[i].get_string();
        if(op == "verify")
            usage.allows_verify = true;
        else if(op == "sign")
            usage.allows_sign = true;
    }
    return usage;
}

// The algorithm a JWK names, if any; "none" and unknown names are refused.
inline result<std::optional<algorithm>> read_algorithm(boost::json::object const& jwk)
{
    auto name = string_member(jwk, "alg");
    if(! name)
        return name.error();
    if(! *name)
        return std::optional<algorithm>{};
    auto alg = algorithm_from_name(**name);
    if(! alg)
        return jose::key_error::unsupported_algorithm;
    return std::optional<algorithm>(*alg);
}

// The algorithm the key is bound to: its own `alg`, else the one its curve
// implies (EC, OKP), else the caller's default (RSA, oct). Never guessed (J5).
inline result<algorithm> choose_algorithm(
    std::optional<algorithm> named,
    std::optional<algorithm> implied,
    std::optional<algorithm> default_alg,
    algorithm_family family_a,
    algorithm_family family_b)
{
    if(implied)
    {
        if(named && *named != *implied)
            return jose::key_error::algorithm_key_mismatch;
        return *implied;
    }
    auto const alg = named ? named : default_alg;
    if(! alg)
        return jose::key_error::unsupported_algorithm;
    if(family(*alg) != family_a && family(*alg) != family_b)
        return jose::key_error::algorithm_key_mismatch;
    return *alg;
}

inline result<std::shared_ptr<key_impl const>> rsa_key_from_jwk(
    boost::json::object const& jwk, algorithm alg, std::string kid)
{
    if(jwk.contains("oth"))
        return jose::key_error::unsupported_key_type; // multi-prime RSA
    auto n = required_bytes(jwk, "n");
    if(! n)
        return n.error();
    auto e = required_bytes(jwk, "e");
    if(! e)
        return e.error();
    auto d = optional_bytes(jwk, "d");
    if(! d)
        return d.error();
    // RFC 7518 section 6.3.2: p, q, dp, dq, qi come all together, and only
    // with d.
    static constexpr char const* crt_names[5] = {"p", "q", "dp", "dq", "qi"};
    static constexpr char const* crt_params[5] = {
        OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    secret_bytes crt[5];
    std::size_t crt_count = 0;
    for(std::size_t i = 0; i < 5; ++i)
    {
        auto member = optional_bytes(jwk, crt_names[i]);
        if(! member)
            return member.error();
        crt[i] = std::move(*member);
        if(! crt[i].empty())
            ++crt_count;
    }
    if((crt_count != 0 && crt_count != 5) || (crt_count == 5 && d->empty()))
        return jose::key_error::invalid_jwk;

    bool const is_private = ! d->empty();
    param_bld_ptr builder(OSSL_PARAM_BLD_new());
    bignum_ptr numbers[8];
    numbers[0] = to_bignum(*n, false);
    numbers[1] = to_bignum(*e, false);
    if(! builder || ! numbers[0] || ! numbers[1]
       || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, numbers[0].get()) != 1
       || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, numbers[1].get()) != 1)
        return jose::key_error::invalid_jwk;
    if(is_private)
    {
        numbers[2] = to_bignum(*d, true);
        if(! numbers[2]
           || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_D, numbers[2].get()) != 1)
            return jose::key_error::invalid_jwk;
        for(std::size_t i = 0; i < crt_count; ++i)
        {
            numbers[3 + i] = to_bignum(crt[i], true);
            if(! numbers[3 + i]
               || OSSL_PARAM_BLD_push_BN(builder.get(), crt_params[i], numbers[3 + i].get()) != 1)
                return jose::key_error::invalid_jwk;
        }
    }
    params_ptr params(OSSL_PARAM_BLD_to_param(builder.get()));
    if(! params)
        return jose::key_error::invalid_jwk;
    auto pkey = pkey_from_params(
        "RSA", is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get());
    return key_impl::make_asymmetric(
        alg, std::move(pkey), is_private, std::move(kid), jose::key_error::invalid_jwk);
}

inline result<std::shared_ptr<key_impl const>> ec_key_from_jwk(
    boost::json::object const& jwk, curve_info const& curve, std::string kid)
{
    auto x = required_bytes(jwk, "x");
    if(! x)
        return x.error();
    auto y = required_bytes(jwk, "y");
    if(! y)
        return y.error();
    auto d = optional_bytes(jwk, "d");
    if(! d)
        return d.error();
    // RFC 7518 sections 6.2.1.2, 6.2.1.3, 6.2.2.1: full-length octet strings.
    if(x->size() != curve.field_size || y->size() != curve.field_size
       || (! d->empty() && d->size() != curve.field_size))
        return jose::key_error::invalid_jwk;

    unsigned char point[1 + 2 * max_ecdsa_integer_size];
    point[0] = 0x04; // uncompressed
    std::memcpy(point + 1, x->data(), curve.field_size);
    std::memcpy(point + 1 + curve.field_size, y->data(), curve.field_size);

    bool const is_private = ! d->empty();
    param_bld_ptr builder(OSSL_PARAM_BLD_new());
    if(! builder
       || OSSL_PARAM_BLD_push_utf8_string(
              builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.openssl_name.data(), 0)
           != 1
       || OSSL_PARAM_BLD_push_octet_string(
              builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * curve.field_size)
           != 1)
        return jose::key_error::invalid_jwk;
    bignum_ptr private_scalar;
    if(is_private)
    {
        private_scalar = to_bignum(*d, true);
        if(! private_scalar
           || OSSL_PARAM_BLD_push_BN(
                  builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, private_scalar.get())
               != 1)
            return jose::key_error::invalid_jwk;
    }
    params_ptr params(OSSL_PARAM_BLD_to_param(builder.get()));
    if(! params)
        return jose::key_error::invalid_jwk;
    auto pkey = pkey_from_params(
        "EC", is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get());
    return key_impl::make_asymmetric(
        curve.alg, std::move(pkey), is_private, std::move(kid), jose::key_error::invalid_jwk);
}

inline result<std::shared_ptr<key_impl const>> ed25519_key_from_jwk(
    boost::json::object const& jwk, std::string kid)
{
    auto x = required_bytes(jwk, "x");
    if(! x)
        return x.error();
    auto d = optional_bytes(jwk, "d");
    if(! d)
        return d.error();
    if(x->size() != ed25519_key_size || (! d->empty() && d->size() != ed25519_key_size))
        return jose::key_error::invalid_jwk;
    bool const is_private = ! d->empty();
    OSSL_PARAM params[3];
    std::size_t count = 0;
    params[count++]
        = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, x->data(), x->size());
    if(is_private)
        params[count++]
            = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, d->data(), d->size());
    params[count] = OSSL_PARAM_construct_end();
    auto pkey = pkey_from_params(
        "ED25519", is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params);
    return key_impl::make_asymmetric(
        algorithm::eddsa, std::move(pkey), is_private, std::move(kid), jose::key_error::invalid_jwk);
}

inline result<std::shared_ptr<key_impl const>>
key_from_jwk(boost::json::object const& jwk, std::optional<algorithm> default_alg)
{
    error_queue_guard guard; // EVP_PKEY_fromdata reports bad points there
    auto kty = string_member(jwk, "kty");
    if(! kty)
        return kty.error();
    if(! *kty)
        return jose::key_error::invalid_jwk;
    auto kid = string_member(jwk, "kid");
    if(! kid)
        return kid.error();
    auto usage = read_usage(jwk);
    if(! usage)
        return usage.error();
    auto named = read_algorithm(jwk);
    if(! named)
        return named.error();

    std::string_view const type = **kty;
    bool const is_private = jwk.contains("d") || type == "oct";
    // key_ops must allow what this key is for: verifying, or signing when
    // the JWK carries a private key (J22).
    if(usage->has_key_ops && ! usage->allows_verify && ! (is_private && usage->allows_sign))
        return jose::key_error::key_use_mismatch;
    std::string key_id(kid->value_or(std::string_view{}));

    if(type == "oct")
    {
        auto alg = choose_algorithm(
            *named, std::nullopt, default_alg, algorithm_family::hmac, algorithm_family::hmac);
        if(! alg)
            return alg.error();
        auto k = string_member(jwk, "k");
        if(! k)
            return k.error();
        if(! *k)
            return jose::key_error::invalid_jwk;
        if((*k)->empty())
            return jose::key_error::empty_key; // J5
        auto secret = decode_member(**k);
        if(! secret)
            return secret.error();
        return key_impl::make_hmac(*alg, *secret, std::move(key_id));
    }
    if(type == "RSA")
    {
        auto alg = choose_algorithm(*named, std::nullopt, default_alg,
                                    algorithm_family::rsa_pkcs1_v1_5, algorithm_family::rsa_pss);
        if(! alg)
            return alg.error();
        return rsa_key_from_jwk(jwk, *alg, std::move(key_id));
    }
    if(type == "EC" || type == "OKP")
    {
        auto crv = string_member(jwk, "crv");
        if(! crv)
            return crv.error();
        if(! *crv)
            return jose::key_error::invalid_jwk;
        curve_info const* curve = nullptr;
        std::optional<algorithm> implied;
        if(type == "EC")
        {
            curve = curve_by_jwk_name(**crv);
            if(curve)
                implied = curve->alg;
        }
        else if(**crv == "Ed25519")
        {
            implied = algorithm::eddsa;
        }
        if(! implied)
            return jose::key_error::unsupported_key_type; // secp256k1, Ed448, X25519, ...
        auto alg
            = choose_algorithm(*named, implied, default_alg, family(*implied), family(*implied));
        if(! alg)
            return alg.error();
        if(curve)
            return ec_key_from_jwk(jwk, *curve, std::move(key_id));
        return ed25519_key_from_jwk(jwk, std::move(key_id));
    }
    return jose::key_error::unsupported_key_type;
}

} // namespace detail
} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
