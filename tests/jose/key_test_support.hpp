//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TESTS_JOSE_KEY_TEST_SUPPORT_HPP
#define MODELAUTH_TESTS_JOSE_KEY_TEST_SUPPORT_HPP

// Helpers for the key, JWK, key set and Wycheproof tests: raw OpenSSL keys
// made independently of modelauth, PEM export, hex, test data files.

#include <modelauth/detail/path_grammar.hpp>
#include <modelauth/jose/base64url.hpp>
#include <modelauth/jose/detail/openssl.hpp>

#include "support/doctest_result.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace key_test {

namespace ossl = modelauth::jose::detail;

// The error of a result that must have failed.
template<class Result>
std::error_code error_of(Result const& r)
{
    REQUIRE(r.has_error());
    return r.error();
}

inline std::string read_file(std::string const& path)
{
    std::ifstream file(path, std::ios::binary);
    if(! file)
        throw std::runtime_error("cannot open " + path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

inline boost::json::value read_json(std::string const& path)
{
    return boost::json::parse(read_file(path));
}

inline std::string testdata(std::string const& relative)
{
    return std::string(MODELAUTH_TESTDATA_DIR) + "/" + relative;
}

inline std::string hex_decode(std::string_view hex)
{
    auto nibble = [](char c) -> int {
        auto const v = modelauth::detail::hex_value(c);
        if(v < 0)
            throw std::runtime_error("bad hex");
        return v;
    };
    if(hex.size() % 2)
        throw std::runtime_error("odd hex length");
    std::string out(hex.size() / 2, '\0');
    for(std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<char>(nibble(hex[2 * i]) * 16 + nibble(hex[2 * i + 1]));
    return out;
}

inline std::string pem_of_public(EVP_PKEY* pkey)
{
    ossl::bio_ptr bio(BIO_new(BIO_s_mem()));
    if(! bio || PEM_write_bio_PUBKEY(bio.get(), pkey) != 1)
        throw std::runtime_error("PEM_write_bio_PUBKEY");
    char* data = nullptr;
    long const size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

// PKCS#8 ("PRIVATE KEY"), unencrypted.
inline std::string pem_of_private(EVP_PKEY* pkey)
{
    ossl::bio_ptr bio(BIO_new(BIO_s_mem()));
    if(! bio
       || PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        throw std::runtime_error("PEM_write_bio_PrivateKey");
    char* data = nullptr;
    long const size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

inline std::string der_of_public(EVP_PKEY* pkey)
{
    unsigned char* der = nullptr;
    int const size = i2d_PUBKEY(pkey, &der);
    if(size <= 0)
        throw std::runtime_error("i2d_PUBKEY");
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(size));
    OPENSSL_free(der);
    return out;
}

// `type` "RSA-PSS" makes a key restricted to RSASSA-PSS (id-RSASSA-PSS).
inline ossl::evp_pkey_ptr
generate_rsa(unsigned bits, unsigned long exponent = 65537, char const* type = "RSA")
{
    ossl::evp_pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    ossl::bignum_ptr e(BN_new());
    EVP_PKEY* pkey = nullptr;
    if(! ctx || ! e || BN_set_word(e.get(), exponent) != 1 || EVP_PKEY_keygen_init(ctx.get()) != 1
       || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)) != 1
       || EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()) != 1
       || EVP_PKEY_keygen(ctx.get(), &pkey) != 1)
        throw std::runtime_error("RSA keygen");
    return ossl::evp_pkey_ptr(pkey);
}

// An RSA public key with any modulus and exponent, e.g. e = 1.
inline ossl::evp_pkey_ptr rsa_public_from(BIGNUM const* n, BIGNUM const* e)
{
    ossl::param_bld_ptr bld(OSSL_PARAM_BLD_new());
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n);
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e);
    ossl::params_ptr params(OSSL_PARAM_BLD_to_param(bld.get()));
    ossl::evp_pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    EVP_PKEY* pkey = nullptr;
    if(! params || ! ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1
       || EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        throw std::runtime_error("RSA fromdata");
    return ossl::evp_pkey_ptr(pkey);
}

inline ossl::bignum_ptr rsa_modulus(EVP_PKEY const* pkey)
{
    BIGNUM* n = nullptr;
    if(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1)
        throw std::runtime_error("RSA n");
    return ossl::bignum_ptr(n);
}

inline ossl::evp_pkey_ptr generate_ec(char const* curve)
{
    ossl::evp_pkey_ptr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
    if(! pkey)
        throw std::runtime_error("EC keygen");
    return pkey;
}

inline ossl::evp_pkey_ptr generate_of_type(char const* type)
{
    ossl::evp_pkey_ptr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, type));
    if(! pkey)
        throw std::runtime_error("keygen");
    return pkey;
}

/* Signs with raw OpenSSL: `md` null for EdDSA; for RSA `padding` and, for
   PSS, the salt length and MGF1 digest. Returns OpenSSL's own encoding
   (DER for ECDSA).
*/
inline std::string raw_sign(EVP_PKEY* pkey, char const* md, std::string_view input,
                            int padding = 0, int salt_length = RSA_PSS_SALTLEN_DIGEST,
                            char const* mgf1 = nullptr)
{
    ossl::evp_md_ctx_ptr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if(EVP_DigestSignInit_ex(ctx.get(), &pctx, md, nullptr, nullptr, pkey, nullptr) != 1)
        throw std::runtime_error("sign init");
    if(padding)
    {
        EVP_PKEY_CTX_set_rsa_padding(pctx, padding);
        if(padding == RSA_PKCS1_PSS_PADDING)
        {
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt_length);
            EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, mgf1 ? mgf1 : md, nullptr);
        }
    }
    std::size_t size = 0;
    auto const* in = reinterpret_cast<unsigned char const*>(input.data());
    if(EVP_DigestSign(ctx.get(), nullptr, &size, in, input.size()) != 1)
        throw std::runtime_error("sign size");
    std::string sig(size, '\0');
    if(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &size, in,
                      input.size())
       != 1)
        throw std::runtime_error("sign");
    sig.resize(size);
    return sig;
}

// An HMAC computed by raw OpenSSL, independent of modelauth.
inline std::string raw_hmac(char const* md, std::string_view key, std::string_view input)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    std::size_t size = 0;
    if(! EVP_Q_mac(nullptr, "HMAC", nullptr, md, nullptr, key.data(), key.size(),
                   reinterpret_cast<unsigned char const*>(input.data()), input.size(), out,
                   sizeof out, &size))
        throw std::runtime_error("HMAC");
    return std::string(reinterpret_cast<char*>(out), size);
}

// A compact JWS split by hand (these tests do not depend on the JWS parser).
struct jws_parts
{
    std::string header_json;
    std::string signing_input;
    std::string signature;
};

inline jws_parts split_jws(std::string_view compact)
{
    auto const first = compact.find('.');
    auto const second = compact.find('.', first + 1);
    if(first == compact.npos || second == compact.npos)
        throw std::runtime_error("not a compact JWS");
    jws_parts parts;
    parts.header_json = modelauth::jose::base64url_decode(compact.substr(0, first)).value();
    parts.signing_input = std::string(compact.substr(0, second));
    parts.signature = modelauth::jose::base64url_decode(compact.substr(second + 1)).value();
    return parts;
}

} // namespace key_test

#endif
