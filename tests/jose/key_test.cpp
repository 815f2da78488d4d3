//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/jose/key.hpp>
#include <modelauth/jose/error.hpp>

#include <modelauth/jose/base64url.hpp>
#include <modelauth/jose/detail/ecdsa_signature.hpp>
#include <modelauth/jose/detail/rsa_key_checks.hpp>

#include "jose/key_test_support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace jose = modelauth::jose;
namespace ossl = modelauth::jose::detail;
using jose::algorithm;

namespace {

using key_test::error_of;

// Keys made by raw OpenSSL, once per process (RSA generation is slow).
struct raw_keys
{
    ossl::evp_pkey_ptr rsa_a = key_test::generate_rsa(2048);
    ossl::evp_pkey_ptr rsa_b = key_test::generate_rsa(2048);
    ossl::evp_pkey_ptr p256_a = key_test::generate_ec("P-256");
    ossl::evp_pkey_ptr p256_b = key_test::generate_ec("P-256");
    ossl::evp_pkey_ptr p384 = key_test::generate_ec("P-384");
    ossl::evp_pkey_ptr p521 = key_test::generate_ec("P-521");
    ossl::evp_pkey_ptr ed_a = key_test::generate_of_type("ED25519");
    ossl::evp_pkey_ptr ed_b = key_test::generate_of_type("ED25519");
};

raw_keys const& raw()
{
    static raw_keys const keys;
    return keys;
}

jose::key public_key(EVP_PKEY* pkey, algorithm alg, std::string kid = {})
{
    return jose::key::from_pem(key_test::pem_of_public(pkey), alg, std::move(kid)).value();
}

jose::key private_key(EVP_PKEY* pkey, algorithm alg, std::string kid = {})
{
    return jose::key::from_pem(key_test::pem_of_private(pkey), alg, std::move(kid)).value();
}

// A private key of `alg`, from the raw keys above (HS: a fixed secret).
jose::key key_for(algorithm alg, bool second = false)
{
    auto const& k = raw();
    switch(jose::family(alg))
    {
    case jose::algorithm_family::hmac:
        return jose::key::from_secret(
                   std::string(jose::hash_size(alg), second ? 'b' : 'a') + "0123456789", alg)
            .value();
    case jose::algorithm_family::rsa_pkcs1_v1_5:
    case jose::algorithm_family::rsa_pss:
        return private_key(second ? k.rsa_b.get() : k.rsa_a.get(), alg);
    case jose::algorithm_family::ecdsa:
        if(alg == algorithm::es256)
            return private_key(second ? k.p256_b.get() : k.p256_a.get(), alg);
        if(second)
            return jose::key::generate(alg).value();
        return private_key(alg == algorithm::es384 ? k.p384.get() : k.p521.get(), alg);
    default:
        return private_key(second ? k.ed_b.get() : k.ed_a.get(), alg);
    }
}

std::string const signing_input
    = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6IjIwMjYtMDEifQ."
      "eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwic3ViIjoidXNlci0xMjMiLCJleHAiOjE4MDAwMDAwMDB9";

std::string flip_last_bit(std::string s)
{
    s.back() = static_cast<char>(s.back() ^ 1);
    return s;
}

ossl::bignum_ptr bignum_from_hex(char const* hex)
{
    BIGNUM* bn = nullptr;
    BN_hex2bn(&bn, hex);
    return ossl::bignum_ptr(bn);
}

std::string bignum_bytes(BIGNUM const* bn, int size)
{
    std::string out(static_cast<std::size_t>(size), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), size);
    return out;
}

char const* const p256_order = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

} // namespace

//----------------------------------------------------------------------------
// Round trips

TEST_CASE("every algorithm signs and verifies, with signatures of exactly signature_size() bytes")
{
    for(auto alg : jose::all_algorithms)
    {
        CAPTURE(jose::algorithm_name(alg));
        auto const k = key_for(alg);
        CHECK(k.alg() == alg);
        CHECK(k.has_private_key());
        auto signature = k.sign(signing_input);
        REQUIRE(signature);
        CHECK(signature->size() == k.signature_size());
        CHECK(k.verify(signing_input, *signature));
        CHECK(k.verify(alg, signing_input, *signature));
        CHECK(error_of(k.verify(signing_input + "x", *signature))
              == modelauth::jose::error::signature_mismatch);
        CHECK(error_of(k.verify(signing_input, flip_last_bit(*signature)))
              == modelauth::jose::error::signature_mismatch);
    }
}

TEST_CASE("generated keys have the documented sizes and sign for their algorithm")
{
    struct row
    {
        algorithm alg;
        std::size_t signature_size;
    };
    row const rows[] = {
        {algorithm::hs256, 32}, {algorithm::hs384, 48}, {algorithm::hs512, 64},
        {algorithm::rs256, 256}, {algorithm::ps512, 256}, {algorithm::es256, 64},
        {algorithm::es384, 96}, {algorithm::es512, 132}, {algorithm::eddsa, 64}};
    for(auto const& r : rows)
    {
        CAPTURE(jose::algorithm_name(r.alg));
        auto k = jose::key::generate(r.alg, "generated");
        REQUIRE(k);
        CHECK(k->kid() == "generated");
        CHECK(k->signature_size() == r.signature_size);
        auto signature = k->sign("payload");
        REQUIRE(signature);
        CHECK(k->verify("payload", *signature));
    }
    // Two generated HMAC keys never share a secret.
    auto a = jose::key::generate(algorithm::hs256).value();
    auto b = jose::key::generate(algorithm::hs256).value();
    CHECK(a.thumbprint() != b.thumbprint());
}

TEST_CASE("a public key verifies what its private key signs and cannot sign")
{
    for(auto alg : {algorithm::rs256, algorithm::ps384, algorithm::es256, algorithm::eddsa})
    {
        CAPTURE(jose::algorithm_name(alg));
        auto const signer = key_for(alg);
        EVP_PKEY* pkey = jose::family(alg) == jose::algorithm_family::ecdsa ? raw().p256_a.get()
            : alg == algorithm::eddsa                                         ? raw().ed_a.get()
                                                                              : raw().rsa_a.get();
        auto const verifier = public_key(pkey, alg, "public");
        CHECK_FALSE(verifier.has_private_key());
        CHECK(verifier.thumbprint() == signer.thumbprint());
        auto signature = signer.sign(signing_input).value();
        CHECK(verifier.verify(signing_input, signature));
        CHECK(error_of(verifier.sign(signing_input)) == modelauth::jose::key_error::not_a_private_key);
    }
}

TEST_CASE("signatures of raw OpenSSL verify, and modelauth's verify under raw OpenSSL")
{
    auto const& k = raw();
    // RS256 and PS256 both ways.
    auto rs = public_key(k.rsa_a.get(), algorithm::rs256);
    CHECK(rs.verify(signing_input,
                    key_test::raw_sign(k.rsa_a.get(), "SHA256", signing_input, RSA_PKCS1_PADDING)));
    auto ps = public_key(k.rsa_a.get(), algorithm::ps256);
    CHECK(ps.verify(signing_input, key_test::raw_sign(k.rsa_a.get(), "SHA256", signing_input,
                                                      RSA_PKCS1_PSS_PADDING)));
    // EdDSA both ways.
    auto ed = private_key(k.ed_a.get(), algorithm::eddsa);
    CHECK(ed.verify(signing_input, key_test::raw_sign(k.ed_a.get(), nullptr, signing_input)));
    auto ed_signature = ed.sign(signing_input).value();
    ossl::evp_md_ctx_ptr ctx(EVP_MD_CTX_new());
    REQUIRE(EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, k.ed_a.get(),
                                    nullptr)
            == 1);
    CHECK(EVP_DigestVerify(ctx.get(), ossl::bytes(ed_signature), ed_signature.size(),
                           ossl::bytes(signing_input), signing_input.size())
          == 1);
    // HS256 against an independent HMAC.
    std::string const secret(32, 's');
    auto hs = jose::key::from_secret(secret, algorithm::hs256).value();
    CHECK(hs.sign(signing_input).value() == key_test::raw_hmac("SHA256", secret, signing_input));
}

TEST_CASE("an HMAC key gives the right tag on every call, whatever came before")
{
    // The pooled HMAC context is restarted with its key on every call; a
    // restart that kept state would break the second and later tags.
    std::string const secret =
        "a secret of at least thirty-two bytes, for HS384 and HS512 more: 64+";
    for(auto alg : {algorithm::hs256, algorithm::hs384, algorithm::hs512})
    {
        CAPTURE(jose::algorithm_name(alg));
        char const* md = alg == algorithm::hs256   ? "SHA256"
                         : alg == algorithm::hs384 ? "SHA384"
                                                   : "SHA512";
        auto const k = jose::key::from_secret(secret, alg).value();
        for(int i = 0; i < 20; ++i)
        {
            std::string const input = "message " + std::to_string(i) + std::string(i * 7, 'x');
            auto const expected = key_test::raw_hmac(md, secret, input);
            CHECK(k.sign(input).value() == expected);
            CHECK(k.verify(input, expected));
            CHECK(error_of(k.verify(input, flip_last_bit(expected)))
                  == modelauth::jose::error::signature_mismatch);
        }
    }
}

TEST_CASE("the RFC 7515, 7520 and 8037 vectors verify at the key level")
{
    auto const vectors = key_test::read_json(key_test::testdata("jose_vectors.json"));
    int verified = 0;
    for(auto const& entry : vectors.at("vectors").as_array())
    {
        auto const& v = entry.as_object();
        std::string const id(v.at("id").as_string());
        if(v.at("expected") != "valid" || ! v.contains("signing_input"))
            continue;
        CAPTURE(id);
        auto const parts = key_test::split_jws(std::string(v.at("compact").as_string()));
        auto const alg = jose::algorithm_from_name(
                             std::string(v.at("alg").as_string()))
                             .value();
        auto const k = jose::key::from_jwk(v.at("jwk_public").as_object(), alg);
        REQUIRE(k);
        CHECK(k->alg() == alg);
        CHECK(k->verify(alg, parts.signing_input, parts.signature));
        CHECK(error_of(k->verify(parts.signing_input, flip_last_bit(parts.signature)))
              == modelauth::jose::error::signature_mismatch);
        if(v.contains("jwk_private") && v.at("jwk_private").is_object())
        {
            auto const signer = jose::key::from_jwk(v.at("jwk_private").as_object(), alg);
            REQUIRE(signer);
            CHECK(signer->has_private_key());
            CHECK(k->verify(parts.signing_input, signer->sign(parts.signing_input).value()));
        }
        ++verified;
    }
    CHECK(verified == 9);
}

//----------------------------------------------------------------------------
// HMAC secrets

TEST_CASE("J5: an empty HMAC secret never makes a key")
{
    for(auto alg : {algorithm::hs256, algorithm::hs384, algorithm::hs512})
        CHECK(error_of(jose::key::from_secret("", alg)) == modelauth::jose::key_error::empty_key);
}

TEST_CASE("J6: an HMAC secret shorter than the hash is a weak key; the hash size is enough")
{
    for(auto alg : {algorithm::hs256, algorithm::hs384, algorithm::hs512})
    {
        CAPTURE(jose::algorithm_name(alg));
        auto const n = jose::hash_size(alg);
        CHECK(error_of(jose::key::from_secret(std::string(n - 1, 'k'), alg))
              == modelauth::jose::key_error::weak_key);
        CHECK(error_of(jose::key::from_secret("k", alg)) == modelauth::jose::key_error::weak_key);
        CHECK(jose::key::from_secret(std::string(n, 'k'), alg));
        CHECK(jose::key::from_secret(std::string(4 * n, 'k'), alg));
    }
}

TEST_CASE("J4: public-key material is never an HMAC secret")
{
    auto const& k = raw();
    std::string const pem = key_test::pem_of_public(k.rsa_a.get());
    std::string const der = key_test::der_of_public(k.rsa_a.get());
    std::string pem_body;
    for(std::size_t at = pem.find('\n') + 1; at < pem.size();)
    {
        auto const end = pem.find('\n', at);
        auto const line = pem.substr(at, end - at);
        if(line.rfind("-----", 0) != 0)
            pem_body += line + "\n";
        at = end + 1;
    }
    std::string const jwk_text =
        R"({"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp","e":"AQAB"})";
    std::string const secrets[] = {
        pem,                           // PEM with its trailing \n
        pem.substr(0, pem.size() - 1), // without it
        "\r\n  " + pem,                // after white space
        key_test::pem_of_public(k.p256_a.get()),
        key_test::pem_of_public(k.ed_a.get()),
        key_test::pem_of_private(k.p256_a.get()),
        der, // DER SubjectPublicKeyInfo
        key_test::der_of_public(k.p256_a.get()),
        pem_body, // base64 body of the PEM
        jwk_text, // a JWK's JSON
        "  " + jwk_text + "\n",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl "
        "user@host",
        "ecdsa-sha2-nistp256 "
        "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opOdd user@host"};
    for(auto const& secret : secrets)
    {
        CAPTURE(secret.size());
        for(auto alg : {algorithm::hs256, algorithm::hs512})
            CHECK(error_of(jose::key::from_secret(secret, alg))
                  == modelauth::jose::key_error::algorithm_key_mismatch);
    }
    // A PEM offered for an HMAC algorithm is refused before it is parsed.
    CHECK(error_of(jose::key::from_pem(pem, algorithm::hs256))
          == modelauth::jose::key_error::algorithm_key_mismatch);
    // A secret that merely starts with '{' or 'M' is fine.
    CHECK(jose::key::from_secret("{not json, just a long enough secret...}", algorithm::hs256));
    CHECK(jose::key::from_secret("MIIsNotBase64DerButLongEnoughForHS256!", algorithm::hs256));
    // An HMAC algorithm with from_secret only: a non-HMAC algorithm is refused.
    CHECK(error_of(jose::key::from_secret(std::string(64, 'x'), algorithm::rs256))
          == modelauth::jose::key_error::algorithm_key_mismatch);
}

TEST_CASE("J4: a token MACed with the RSA public key's PEM is refused by the RSA key")
{
    // jose_vectors.json "alg-confusion-HS256-with-A.2-RSA-PEM": the attacker
    // HMACs with the PEM text of the server's public key.
    auto const vectors = key_test::read_json(key_test::testdata("jose_vectors.json"));
    for(auto const& entry : vectors.at("vectors").as_array())
    {
        auto const& v = entry.as_object();
        if(v.at("id") != "alg-confusion-HS256-with-A.2-RSA-PEM")
            continue;
        auto const parts = key_test::split_jws(std::string(v.at("compact").as_string()));
        auto const rsa =
            jose::key::from_jwk(v.at("jwk_public").as_object(), algorithm::rs256).value();
        auto const header_alg = jose::algorithm_from_name("HS256").value();
        CHECK(error_of(rsa.verify(header_alg, parts.signing_input, parts.signature))
              == modelauth::jose::error::key_algorithm_mismatch);
        // Without the algorithm check, the length alone already fails.
        CHECK(error_of(rsa.verify(parts.signing_input, parts.signature))
              == modelauth::jose::error::invalid_signature_length);
        // The attacker's "secret" cannot even be loaded as an HMAC key.
        auto const n =
            jose::base64url_decode(std::string(v.at("jwk_public").at("n").as_string())).value();
        auto const e =
            jose::base64url_decode(std::string(v.at("jwk_public").at("e").as_string())).value();
        ossl::bignum_ptr bn_n(BN_bin2bn(ossl::bytes(n), static_cast<int>(n.size()), nullptr));
        ossl::bignum_ptr bn_e(BN_bin2bn(ossl::bytes(e), static_cast<int>(e.size()), nullptr));
        auto const pkey = key_test::rsa_public_from(bn_n.get(), bn_e.get());
        auto const pem = key_test::pem_of_public(pkey.get());
        CHECK(key_test::raw_hmac("SHA256", pem, parts.signing_input) == parts.signature);
        CHECK(error_of(jose::key::from_secret(pem, algorithm::hs256))
              == modelauth::jose::key_error::algorithm_key_mismatch);
        return;
    }
    FAIL("the alg-confusion vector is missing");
}

//----------------------------------------------------------------------------
// PEM

TEST_CASE("PEM keys: SubjectPublicKeyInfo and PKCS#8 load, nothing else does")
{
    ERR_clear_error(); // whatever raw OpenSSL calls of other tests left
    auto const& k = raw();
    auto const pem = key_test::pem_of_public(k.p256_a.get());
    auto const priv = key_test::pem_of_private(k.p256_a.get());

    CHECK(jose::key::from_pem(pem, algorithm::es256));
    CHECK(jose::key::from_pem(priv, algorithm::es256).value().has_private_key());
    // RFC 7468 explanatory text before the block, white space after, CRLF.
    CHECK(jose::key::from_pem("Issuer: example\n" + pem + "\n\n  ", algorithm::es256));
    std::string crlf;
    for(char c : pem)
        crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    CHECK(jose::key::from_pem(crlf, algorithm::es256));

    // PKCS#1 "RSA PUBLIC KEY", legacy "RSA PRIVATE KEY", encrypted PKCS#8.
    ossl::bio_ptr bio(BIO_new(BIO_s_mem()));
    REQUIRE(PEM_write_bio_PrivateKey_traditional(bio.get(), k.rsa_a.get(), nullptr, nullptr, 0,
                                                 nullptr, nullptr)
            == 1);
    char* data = nullptr;
    auto size = static_cast<std::size_t>(BIO_get_mem_data(bio.get(), &data));
    std::string const traditional(data, size);
    REQUIRE(traditional.find("BEGIN RSA PRIVATE KEY") != std::string::npos);
    bio.reset(BIO_new(BIO_s_mem()));
    REQUIRE(PEM_write_bio_PKCS8PrivateKey(bio.get(), k.p256_a.get(), EVP_aes_256_cbc(), nullptr, 0,
                                          nullptr, const_cast<char*>("passphrase"))
            == 1);
    size = static_cast<std::size_t>(BIO_get_mem_data(bio.get(), &data));
    std::string const encrypted(data, size);
    REQUIRE(encrypted.find("ENCRYPTED PRIVATE KEY") != std::string::npos);

    std::string const refused[] = {"",
                                   "not a pem at all",
                                   traditional,
                                   encrypted,
                                   pem + pem, // two blocks
                                   pem + "trailing garbage",
                                   pem.substr(0, pem.size() / 2), // truncated
                                   "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                                   "-----BEGIN CERTIFICATE-----\n"
                                       + pem.substr(27, pem.size() - 27 - 25)
                                       + "-----END CERTIFICATE-----\n",
                                   std::string(70 * 1024, 'A')};
    for(auto const& text : refused)
    {
        CAPTURE(text.substr(0, 40));
        CHECK(error_of(jose::key::from_pem(text, algorithm::es256)) == modelauth::jose::key_error::invalid_pem);
    }
    CHECK(ERR_peek_error() == 0);
}

TEST_CASE("J9: a key type or curve that does not fit the algorithm is refused")
{
    auto const& k = raw();
    struct row
    {
        EVP_PKEY* pkey;
        algorithm alg;
    };
    row const rows[] = {
        {k.p384.get(), algorithm::es256}, {k.p256_a.get(), algorithm::es512},
        {k.p521.get(), algorithm::es384}, {k.p256_a.get(), algorithm::rs256},
        {k.ed_a.get(), algorithm::es256}, {k.rsa_a.get(), algorithm::es256},
        {k.rsa_a.get(), algorithm::eddsa}, {k.p256_a.get(), algorithm::eddsa},
        {k.ed_a.get(), algorithm::ps256}};
    for(auto const& r : rows)
    {
        CAPTURE(jose::algorithm_name(r.alg));
        CHECK(error_of(jose::key::from_pem(key_test::pem_of_public(r.pkey), r.alg))
              == modelauth::jose::key_error::algorithm_key_mismatch);
        CHECK(error_of(jose::key::from_pem(key_test::pem_of_private(r.pkey), r.alg))
              == modelauth::jose::key_error::algorithm_key_mismatch);
    }
    // A token naming another algorithm than its key's (ES512 header, P-256 key).
    auto const es256 = key_for(algorithm::es256);
    auto const signature = es256.sign(signing_input).value();
    CHECK(error_of(es256.verify(algorithm::es512, signing_input, signature))
          == modelauth::jose::error::key_algorithm_mismatch);
    CHECK(error_of(es256.verify(algorithm::hs256, signing_input, signature))
          == modelauth::jose::error::key_algorithm_mismatch);
}

TEST_CASE("key types modelauth does not implement are unsupported_key_type")
{
    auto const ed448 = key_test::generate_of_type("ED448");
    auto const x25519 = key_test::generate_of_type("X25519");
    auto const k1 = key_test::generate_ec("secp256k1");
    auto const pss = key_test::generate_rsa(2048, 65537, "RSA-PSS");
    CHECK(error_of(jose::key::from_pem(key_test::pem_of_public(ed448.get()), algorithm::eddsa))
          == modelauth::jose::key_error::unsupported_key_type);
    CHECK(error_of(jose::key::from_pem(key_test::pem_of_public(x25519.get()), algorithm::eddsa))
          == modelauth::jose::key_error::unsupported_key_type);
    CHECK(error_of(jose::key::from_pem(key_test::pem_of_public(k1.get()), algorithm::es256))
          == modelauth::jose::key_error::unsupported_key_type);
    CHECK(error_of(jose::key::from_pem(key_test::pem_of_public(pss.get()), algorithm::ps256))
          == modelauth::jose::key_error::unsupported_key_type);
}

TEST_CASE("an EC key with explicit curve parameters is refused")
{
    auto const pkey = key_test::generate_ec("P-256");
    REQUIRE(EVP_PKEY_set_utf8_string_param(pkey.get(), OSSL_PKEY_PARAM_EC_ENCODING,
                                           OSSL_PKEY_EC_ENCODING_EXPLICIT)
            == 1);
    auto const pem = key_test::pem_of_public(pkey.get());
    REQUIRE(pem.size() > 300); // the curve's parameters are spelled out
    CHECK(error_of(jose::key::from_pem(pem, algorithm::es256)) == modelauth::jose::key_error::unsupported_key_type);
}

//----------------------------------------------------------------------------
// RSA key strength (J7)

TEST_CASE("J7: RSA keys under 2048 bits, with exponent 1 or even, or a ROCA modulus are weak")
{
    auto const small = key_test::generate_rsa(1024);
    CHECK(error_of(jose::key::from_pem(key_test::pem_of_public(small.get()), algorithm::rs256))
          == modelauth::jose::key_error::weak_key);
    CHECK(error_of(jose::key::from_pem(key_test::pem_of_private(small.get()), algorithm::ps256))
          == modelauth::jose::key_error::weak_key);
    auto const just_below = key_test::generate_rsa(2040);
    CHECK(error_of(jose::key::from_pem(key_test::pem_of_public(just_below.get()), algorithm::rs256))
          == modelauth::jose::key_error::weak_key);

    auto const n = key_test::rsa_modulus(raw().rsa_a.get());
    for(unsigned long e : {1ul, 0ul, 2ul, 65538ul})
    {
        CAPTURE(e);
        ossl::bignum_ptr exponent(BN_new());
        BN_set_word(exponent.get(), e);
        auto const pkey = key_test::rsa_public_from(n.get(), exponent.get());
        CHECK(error_of(jose::key::from_pem(key_test::pem_of_public(pkey.get()), algorithm::rs256))
              == modelauth::jose::key_error::weak_key);
    }
    // An exponent above 2^256.
    auto const huge =
        bignum_from_hex("1000000000000000000000000000000000000000000000000000000000000000001");
    auto const huge_e = key_test::rsa_public_from(n.get(), huge.get());
    CHECK(error_of(jose::key::from_pem(key_test::pem_of_public(huge_e.get()), algorithm::rs256))
          == modelauth::jose::key_error::weak_key);

    // An even modulus and one with a small factor.
    ossl::bignum_ptr even(BN_dup(n.get()));
    BN_add_word(even.get(), 1);
    ossl::bignum_ptr f4(BN_new());
    BN_set_word(f4.get(), 65537);
    CHECK(error_of(jose::key::from_pem(
              key_test::pem_of_public(key_test::rsa_public_from(even.get(), f4.get()).get()),
              algorithm::rs256))
          == modelauth::jose::key_error::weak_key);
    ossl::bignum_ptr times_three(BN_dup(n.get()));
    BN_mul_word(times_three.get(), 3);
    CHECK(error_of(jose::key::from_pem(
              key_test::pem_of_public(key_test::rsa_public_from(times_three.get(), f4.get()).get()),
              algorithm::rs256))
          == modelauth::jose::key_error::weak_key);

    // The ROCA-fingerprinted key of Wycheproof's JWK tests.
    auto const jwk_tests =
        key_test::read_json(key_test::testdata("wycheproof/json_web_key_test.json"));
    int roca_keys = 0;
    for(auto const& group : jwk_tests.at("testGroups").as_array())
    {
        if(group.at("comment") != "jws_rsa_roca_key")
            continue;
        auto const& jwk = group.at("private").at("keys").at(0).as_object();
        CHECK(error_of(jose::key::from_jwk(jwk)) == modelauth::jose::key_error::weak_key);
        auto const modulus = jose::base64url_decode(std::string(jwk.at("n").as_string())).value();
        ossl::bignum_ptr bn(
            BN_bin2bn(ossl::bytes(modulus), static_cast<int>(modulus.size()), nullptr));
        CHECK(ossl::has_roca_fingerprint(bn.get()));
        ++roca_keys;
    }
    CHECK(roca_keys == 1);
    CHECK_FALSE(ossl::has_roca_fingerprint(n.get()));
}

TEST_CASE("J7: a small public exponent such as 3 is accepted (RFC 8017 allows it)")
{
    auto const e3 = key_test::generate_rsa(2048, 3);
    auto const k = jose::key::from_pem(key_test::pem_of_private(e3.get()), algorithm::rs256);
    REQUIRE(k);
    auto const signature = k->sign(signing_input).value();
    CHECK(jose::key::from_pem(key_test::pem_of_public(e3.get()), algorithm::rs256)
              .value()
              .verify(signing_input, signature));
}

TEST_CASE("the ROCA table is the published detector's")
{
    // crocs-muni/roca detect.py: the bit masks of the first eight primes.
    std::uint64_t const published[] = {6, 30, 126, 1026, 5658, 107286, 199410, 8388606};
    for(std::size_t i = 0; i < 8; ++i)
    {
        CAPTURE(ossl::roca_subgroups[i].prime);
        CHECK(ossl::roca_subgroups[i].residues[0] == published[i]);
    }
    CHECK(ossl::roca_subgroups.back().prime == 167);
}

//----------------------------------------------------------------------------
// Signatures under attack

TEST_CASE("J2: an empty signature is empty_signature for every algorithm")
{
    for(auto alg : jose::all_algorithms)
    {
        CAPTURE(jose::algorithm_name(alg));
        CHECK(error_of(key_for(alg).verify(signing_input, "")) == modelauth::jose::error::empty_signature);
    }
}

TEST_CASE("J8: one RSA key, one algorithm: other RSA algorithms are refused")
{
    auto const ps512 = public_key(raw().rsa_a.get(), algorithm::ps512);
    for(auto other : {algorithm::rs256, algorithm::rs384, algorithm::rs512, algorithm::ps256,
                      algorithm::ps384})
    {
        CAPTURE(jose::algorithm_name(other));
        auto const signature = key_for(other).sign(signing_input).value();
        // The key refuses the token's algorithm outright...
        CHECK(error_of(ps512.verify(other, signing_input, signature))
              == modelauth::jose::error::key_algorithm_mismatch);
        // ...and the signature does not verify as PS512 either.
        CHECK(error_of(ps512.verify(signing_input, signature)) == modelauth::jose::error::signature_mismatch);
    }
}

TEST_CASE("J10: ECDSA signatures with r or s in {0, 1, n-1, n} or all zero are refused")
{
    ERR_clear_error(); // whatever raw OpenSSL calls of other tests left
    auto const k = key_for(algorithm::es256);
    auto const valid = k.sign(signing_input).value();
    auto const n = bignum_from_hex(p256_order);
    ossl::bignum_ptr n_minus_1(BN_dup(n.get()));
    BN_sub_word(n_minus_1.get(), 1);
    ossl::bignum_ptr one(BN_new());
    BN_one(one.get());
    ossl::bignum_ptr zero(BN_new());
    BN_zero(zero.get());
    std::string const specials[] = {bignum_bytes(zero.get(), 32), bignum_bytes(one.get(), 32),
                                    bignum_bytes(n_minus_1.get(), 32), bignum_bytes(n.get(), 32)};
    CHECK(error_of(k.verify(signing_input, std::string(64, '\0')))
          == modelauth::jose::error::signature_mismatch);
    for(auto const& special : specials)
    {
        CHECK(error_of(k.verify(signing_input, special + valid.substr(32)))
              == modelauth::jose::error::signature_mismatch);
        CHECK(error_of(k.verify(signing_input, valid.substr(0, 32) + special))
              == modelauth::jose::error::signature_mismatch);
        for(auto const& other : specials)
            CHECK(error_of(k.verify(signing_input, special + other))
                  == modelauth::jose::error::signature_mismatch);
    }
    CHECK(ERR_peek_error() == 0);
}

TEST_CASE("J11: ECDSA signatures must be R || S of exactly 64, 96 or 132 bytes, never DER")
{
    for(auto alg : {algorithm::es256, algorithm::es384, algorithm::es512})
    {
        CAPTURE(jose::algorithm_name(alg));
        auto const k = key_for(alg);
        auto const size = jose::ecdsa_signature_size(alg);
        auto const valid = k.sign(signing_input).value();
        REQUIRE(valid.size() == size);
        // OpenSSL's own DER signature of the same input.
        EVP_PKEY* pkey = alg == algorithm::es256 ? raw().p256_a.get()
            : alg == algorithm::es384              ? raw().p384.get()
                                                   : raw().p521.get();
        auto const der = key_test::raw_sign(pkey, ossl::digest_name(alg), signing_input);
        CHECK(error_of(k.verify(signing_input, der)) == modelauth::jose::error::invalid_signature_length);
        CHECK(error_of(k.verify(signing_input, valid + std::string(1, '\0')))
              == modelauth::jose::error::invalid_signature_length);
        CHECK(error_of(k.verify(signing_input, valid.substr(0, size - 1)))
              == modelauth::jose::error::invalid_signature_length);
        CHECK(error_of(k.verify(signing_input, valid + valid))
              == modelauth::jose::error::invalid_signature_length);
        // R or S of all ones: larger than the group order.
        CHECK(error_of(
                  k.verify(signing_input, std::string(size / 2, '\xff') + valid.substr(size / 2)))
              == modelauth::jose::error::signature_mismatch);
        CHECK(error_of(k.verify(signing_input,
                                valid.substr(0, size / 2) + std::string(size / 2, '\xff')))
              == modelauth::jose::error::signature_mismatch);
    }
    // "MAYCAQACAQA": the DER of r = s = 0 (8 bytes).
    auto const der_zero = jose::base64url_decode("MAYCAQACAQA").value();
    CHECK(error_of(key_for(algorithm::es256).verify(signing_input, der_zero))
          == modelauth::jose::error::invalid_signature_length);
    // A 21,830-character ES256 signature part (J27) is refused on its length.
    CHECK(error_of(key_for(algorithm::es256).verify(signing_input, std::string(16372, 'A')))
          == modelauth::jose::error::invalid_signature_length);
}

TEST_CASE("J12: ECDSA is malleable: (r, n - s) verifies too, so a raw token hash is no identity")
{
    // Documented, not a defect: a replay cache or revocation list keyed on
    // the token's bytes can be bypassed with the twin signature; key them on
    // claims (jti) or on the signing input instead.
    auto const k = key_for(algorithm::es256);
    auto const valid = k.sign(signing_input).value();
    auto const n = bignum_from_hex(p256_order);
    ossl::bignum_ptr s(BN_bin2bn(ossl::bytes(valid) + 32, 32, nullptr));
    ossl::bignum_ptr twin(BN_new());
    REQUIRE(BN_sub(twin.get(), n.get(), s.get()) == 1);
    auto const malleated = valid.substr(0, 32) + bignum_bytes(twin.get(), 32);
    CHECK(malleated != valid);
    CHECK(k.verify(signing_input, malleated));

    // The same with jose_vectors.json's malleated RFC 7515 A.3 signature.
    auto const vectors = key_test::read_json(key_test::testdata("jose_vectors.json"));
    for(auto const& entry : vectors.at("vectors").as_array())
    {
        if(entry.at("id") != "rfc7515-A.3-malleated-s")
            continue;
        auto const parts = key_test::split_jws(std::string(entry.at("compact").as_string()));
        auto const a3 = jose::key::from_jwk(entry.at("jwk_public").as_object()).value();
        CHECK(a3.alg() == algorithm::es256);
        CHECK(a3.verify(parts.signing_input, parts.signature));
    }
}

TEST_CASE("J13: PS* pins MGF1 to the signature hash and the salt to the hash length")
{
    EVP_PKEY* pkey = raw().rsa_a.get();
    auto const ps256 = public_key(pkey, algorithm::ps256);
    CHECK(ps256.verify(signing_input, key_test::raw_sign(pkey, "SHA256", signing_input,
                                                         RSA_PKCS1_PSS_PADDING, 32)));
    for(int salt : {0, 1, 20, 31, 33, 64, RSA_PSS_SALTLEN_MAX})
    {
        CAPTURE(salt);
        auto const signature =
            key_test::raw_sign(pkey, "SHA256", signing_input, RSA_PKCS1_PSS_PADDING, salt);
        CHECK(error_of(ps256.verify(signing_input, signature)) == modelauth::jose::error::signature_mismatch);
    }
    for(char const* mgf1 : {"SHA1", "SHA384", "SHA512"})
    {
        CAPTURE(mgf1);
        auto const signature
            = key_test::raw_sign(pkey, "SHA256", signing_input, RSA_PKCS1_PSS_PADDING, 32, mgf1);
        CHECK(error_of(ps256.verify(signing_input, signature)) == modelauth::jose::error::signature_mismatch);
    }
    // PS512 with a 32-byte salt (Wycheproof's rsa_pss_4096_sha512_mgf1_32 case).
    auto const ps512 = public_key(pkey, algorithm::ps512);
    CHECK(error_of(ps512.verify(signing_input, key_test::raw_sign(pkey, "SHA512", signing_input,
                                                                  RSA_PKCS1_PSS_PADDING, 32)))
          == modelauth::jose::error::signature_mismatch);
    // What modelauth signs is the pinned form.
    auto const signed_here = private_key(pkey, algorithm::ps384).sign(signing_input).value();
    ossl::evp_pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    REQUIRE(EVP_PKEY_verify_init(ctx.get()) == 1);
    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), 48);
    EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha384());
    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha384());
    unsigned char digest[48];
    unsigned digest_size = 0;
    EVP_Digest(signing_input.data(), signing_input.size(), digest, &digest_size, EVP_sha384(),
               nullptr);
    CHECK(EVP_PKEY_verify(ctx.get(), ossl::bytes(signed_here), signed_here.size(), digest,
                          digest_size)
          == 1);
}

TEST_CASE("J14: RS* refuses PKCS#1 v1.5 signatures over another hash, with no DigestInfo, or PSS")
{
    EVP_PKEY* pkey = raw().rsa_a.get();
    auto const rs256 = public_key(pkey, algorithm::rs256);
    CHECK(rs256.verify(signing_input,
                       key_test::raw_sign(pkey, "SHA256", signing_input, RSA_PKCS1_PADDING)));
    for(char const* md : {"SHA1", "SHA224", "SHA384", "SHA512", "SHA3-256"})
    {
        CAPTURE(md);
        CHECK(error_of(rs256.verify(signing_input,
                                    key_test::raw_sign(pkey, md, signing_input, RSA_PKCS1_PADDING)))
              == modelauth::jose::error::signature_mismatch);
    }
    CHECK(error_of(rs256.verify(signing_input, key_test::raw_sign(pkey, "SHA256", signing_input,
                                                                  RSA_PKCS1_PSS_PADDING)))
          == modelauth::jose::error::signature_mismatch);
    // The bare SHA-256 digest padded without its DigestInfo ("NoHash").
    unsigned char digest[32];
    unsigned digest_size = 0;
    EVP_Digest(signing_input.data(), signing_input.size(), digest, &digest_size, EVP_sha256(),
               nullptr);
    ossl::evp_pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    REQUIRE(EVP_PKEY_sign_init(ctx.get()) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1);
    std::string no_hash(256, '\0');
    std::size_t size = no_hash.size();
    REQUIRE(EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(no_hash.data()), &size,
                          digest, digest_size)
            == 1);
    CHECK(error_of(rs256.verify(signing_input, no_hash)) == modelauth::jose::error::signature_mismatch);
}

TEST_CASE("J15: RSA signatures must be exactly the modulus size and below the modulus")
{
    ERR_clear_error(); // whatever raw OpenSSL calls of other tests left
    EVP_PKEY* pkey = raw().rsa_a.get();
    for(auto alg : {algorithm::rs256, algorithm::ps256})
    {
        CAPTURE(jose::algorithm_name(alg));
        auto const k = private_key(pkey, alg);
        auto const valid = k.sign(signing_input).value();
        REQUIRE(valid.size() == 256);
        CHECK(error_of(k.verify(signing_input, "AAAA")) == modelauth::jose::error::invalid_signature_length);
        CHECK(error_of(k.verify(signing_input, valid.substr(1)))
              == modelauth::jose::error::invalid_signature_length);
        CHECK(error_of(k.verify(signing_input, std::string(1, '\0') + valid))
              == modelauth::jose::error::invalid_signature_length);
        CHECK(error_of(k.verify(signing_input, valid + std::string(1, '\0')))
              == modelauth::jose::error::invalid_signature_length);
        auto const n = key_test::rsa_modulus(pkey);
        ossl::bignum_ptr n_plus_1(BN_dup(n.get()));
        BN_add_word(n_plus_1.get(), 1);
        std::string const values[] = {
            std::string(256, '\0'), std::string(255, '\0') + '\1', bignum_bytes(n.get(), 256),
            bignum_bytes(n_plus_1.get(), 256), std::string(256, '\xff')};
        for(auto const& value : values)
            CHECK(error_of(k.verify(signing_input, value)) == modelauth::jose::error::signature_mismatch);
    }
    CHECK(ERR_peek_error() == 0);
}

TEST_CASE("J16: Ed25519 refuses S >= L, truncated or extended signatures and changed R")
{
    ERR_clear_error(); // whatever raw OpenSSL calls of other tests left
    auto const k = key_for(algorithm::eddsa);
    auto const valid = k.sign(signing_input).value();
    // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    auto const l =
        key_test::hex_decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
    std::string s_plus_l = valid;
    unsigned carry = 0;
    for(std::size_t i = 0; i < 32; ++i)
    {
        unsigned const sum =
            static_cast<unsigned char>(valid[32 + i]) + static_cast<unsigned char>(l[i]) + carry;
        s_plus_l[32 + i] = static_cast<char>(sum & 0xff);
        carry = sum >> 8;
    }
    REQUIRE(carry == 0);
    CHECK(error_of(k.verify(signing_input, s_plus_l)) == modelauth::jose::error::signature_mismatch);
    CHECK(error_of(k.verify(signing_input, valid.substr(0, 63)))
          == modelauth::jose::error::invalid_signature_length);
    CHECK(error_of(k.verify(signing_input, valid + "garbage"))
          == modelauth::jose::error::invalid_signature_length);
    std::string changed_r = valid;
    changed_r[0] = static_cast<char>(changed_r[0] ^ 0x40);
    CHECK(error_of(k.verify(signing_input, changed_r)) == modelauth::jose::error::signature_mismatch);
    CHECK(ERR_peek_error() == 0);
}

TEST_CASE("J28: HMAC tags are compared in full and in constant time")
{
    // The comparison is CRYPTO_memcmp (key_impl.hpp); here its outcome: a tag
    // differing in its first, middle or last byte is refused alike.
    auto const k = key_for(algorithm::hs256);
    auto const valid = k.sign(signing_input).value();
    for(std::size_t at : {std::size_t(0), std::size_t(15), std::size_t(31)})
    {
        auto changed = valid;
        changed[at] = static_cast<char>(changed[at] ^ 0x80);
        CHECK(error_of(k.verify(signing_input, changed)) == modelauth::jose::error::signature_mismatch);
    }
    CHECK(error_of(k.verify(signing_input, valid.substr(0, 16)))
          == modelauth::jose::error::invalid_signature_length);
    CHECK(error_of(k.verify(signing_input, valid + valid)) == modelauth::jose::error::invalid_signature_length);
    CHECK(k.verify(signing_input, valid));
}

TEST_CASE("J29: only an OpenSSL result of exactly 1 is a valid signature")
{
    CHECK(ossl::succeeded(1));
    CHECK_FALSE(ossl::succeeded(0));
    CHECK_FALSE(ossl::succeeded(-1));
    CHECK_FALSE(ossl::succeeded(-2));
    CHECK_FALSE(ossl::succeeded(2));
    // Inputs on which OpenSSL reports an error (< 0) rather than 0: an RSA
    // value above the modulus, an ECDSA r equal to the order.
    auto const rs = key_for(algorithm::rs256);
    CHECK(error_of(rs.verify(signing_input, std::string(256, '\xff')))
          == modelauth::jose::error::signature_mismatch);
    auto const es = key_for(algorithm::es256);
    auto const n = bignum_from_hex(p256_order);
    CHECK(error_of(es.verify(signing_input, bignum_bytes(n.get(), 32) + bignum_bytes(n.get(), 32)))
          == modelauth::jose::error::signature_mismatch);
}

TEST_CASE("J32: a valid signature does not verify under another key of the same type")
{
    for(auto alg : jose::all_algorithms)
    {
        CAPTURE(jose::algorithm_name(alg));
        auto const signature = key_for(alg).sign(signing_input).value();
        auto const other = key_for(alg, true);
        CHECK(error_of(other.verify(signing_input, signature)) == modelauth::jose::error::signature_mismatch);
    }
}

//----------------------------------------------------------------------------
// Concurrency and the OpenSSL error queue

TEST_CASE("one key verifies concurrently from many threads")
{
    for(auto alg : {algorithm::hs256, algorithm::rs256, algorithm::es256, algorithm::eddsa})
    {
        CAPTURE(jose::algorithm_name(alg));
        auto const k = key_for(alg);
        auto const valid = k.sign(signing_input).value();
        auto const invalid = flip_last_bit(valid);
        int const iterations = jose::is_symmetric(alg) ? 2000 : 40;
        std::atomic<int> wrong{0};
        std::vector<std::thread> threads;
        for(int t = 0; t < 24; ++t) // more threads than the pool has slots
            threads.emplace_back([&, t] {
                auto const copy = k; // copies share the state
                for(int i = 0; i < iterations; ++i)
                {
                    bool const good = (i + t) % 3 != 0;
                    bool const verified =
                        static_cast<bool>(copy.verify(signing_input, good ? valid : invalid));
                    if(verified != good)
                        ++wrong;
                }
                if(ERR_peek_error() != 0)
                    ++wrong;
            });
        for(auto& thread : threads)
            thread.join();
        CHECK(wrong == 0);
    }
}

TEST_CASE("a failed verification leaves the thread's OpenSSL error queue as it found it")
{
    ERR_clear_error();
    for(auto alg : {algorithm::rs256, algorithm::ps256, algorithm::es256, algorithm::eddsa})
    {
        CAPTURE(jose::algorithm_name(alg));
        auto const k = key_for(alg);
        auto const garbage = std::string(k.signature_size(), '\x5a');
        CHECK_FALSE(k.verify(signing_input, garbage));
        CHECK(ERR_peek_error() == 0);
        // An error the application left there stays, and stays the last one.
        ERR_raise(ERR_LIB_USER, 42);
        auto const before = ERR_peek_last_error();
        CHECK_FALSE(k.verify(signing_input, garbage));
        CHECK(ERR_peek_last_error() == before);
        CHECK(ERR_get_error() == before);
        CHECK(ERR_peek_error() == 0);
    }
}

//----------------------------------------------------------------------------
// Thumbprints and public JWKs

TEST_CASE("thumbprints are RFC 7638's: the section 3.1 RSA vector and RFC 8037's Ed25519 one")
{
    auto const rsa = jose::key::from_jwk(
        R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"})");
    REQUIRE(rsa);
    CHECK(rsa->thumbprint() == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    CHECK(rsa->kid() == "2011-04-29");

    // RFC 8037 appendix A.3.
    auto const ed = jose::key::from_jwk(
        R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
    REQUIRE(ed);
    CHECK(ed->thumbprint() == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST_CASE("the thumbprint of a key is the same whatever it was loaded from")
{
    for(auto alg : {algorithm::rs256, algorithm::es256, algorithm::es512, algorithm::eddsa})
    {
        CAPTURE(jose::algorithm_name(alg));
        auto const k = key_for(alg);
        auto const from_jwk = jose::key::from_jwk(k.public_jwk()).value();
        CHECK(from_jwk.thumbprint() == k.thumbprint());
        CHECK(from_jwk.alg() == alg);
        CHECK(from_jwk.thumbprint().size() == 43);
    }
    // oct: {"k":...,"kty":"oct"}.
    std::string const secret(32, 'q');
    auto const hs = jose::key::from_secret(secret, algorithm::hs256).value();
    auto const expected_json = R"({"k":")" + jose::base64url_encode(secret) + R"(","kty":"oct"})";
    unsigned char digest[32];
    unsigned size = 0;
    EVP_Digest(expected_json.data(), expected_json.size(), digest, &size, EVP_sha256(), nullptr);
    CHECK(hs.thumbprint()
          == jose::base64url_encode(std::string_view(reinterpret_cast<char*>(digest), size)));
}

TEST_CASE("public_jwk holds the public members, kid, alg and use, and never a private member")
{
    for(auto alg : {algorithm::rs256, algorithm::ps512, algorithm::es384, algorithm::eddsa})
    {
        CAPTURE(jose::algorithm_name(alg));
        auto const k = jose::key::generate(alg, "kid-1").value();
        auto const jwk = k.public_jwk();
        for(char const* secret_member : {"d", "p", "q", "dp", "dq", "qi", "k", "oth"})
            CHECK_FALSE(jwk.contains(secret_member));
        CHECK(jwk.at("kid") == "kid-1");
        CHECK(jwk.at("alg").as_string() == jose::algorithm_name(alg));
        CHECK(jwk.at("use") == "sig");
        auto const reloaded = jose::key::from_jwk(jwk).value();
        CHECK_FALSE(reloaded.has_private_key());
        CHECK(reloaded.verify(signing_input, k.sign(signing_input).value()));
    }
    CHECK(jose::key::generate(algorithm::hs512).value().public_jwk().empty());
}

//----------------------------------------------------------------------------
// Private key export

namespace {

std::string const pem_begin = "-----BEGIN PRIVATE KEY-----\n";
std::string const pem_end = "-----END PRIVATE KEY-----\n";

// The raw OpenSSL key of `alg` from raw(), for the export tests.
EVP_PKEY* raw_private_key(algorithm alg)
{
    auto const& k = raw();
    switch(alg)
    {
    case algorithm::rs256:
    case algorithm::ps256:
        return k.rsa_a.get();
    case algorithm::es256:
        return k.p256_a.get();
    case algorithm::es384:
        return k.p384.get();
    case algorithm::es512:
        return k.p521.get();
    default:
        return k.ed_a.get();
    }
}

// What OpenSSL itself reads from a PEM text, independent of modelauth.
ossl::evp_pkey_ptr openssl_read_private(std::string const& pem)
{
    ossl::bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return ossl::evp_pkey_ptr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

algorithm const exportable_algorithms[] = {algorithm::rs256, algorithm::ps256, algorithm::es256,
                                           algorithm::es384, algorithm::es512, algorithm::eddsa};

} // namespace

TEST_CASE("private_pem is one PKCS#8 block that from_pem reads back into the same key")
{
    for(auto alg : exportable_algorithms)
    {
        CAPTURE(jose::algorithm_name(alg));
        auto const original = private_key(raw_private_key(alg), alg, "k-1");
        auto const pem = original.private_pem();
        REQUIRE(pem);
        CHECK(pem->compare(0, pem_begin.size(), pem_begin) == 0);
        REQUIRE(pem->size() > pem_end.size());
        CHECK(pem->compare(pem->size() - pem_end.size(), pem_end.size(), pem_end) == 0);
        CHECK(pem->find("-----BEGIN", 1) == std::string::npos); // one block only

        // OpenSSL reads the very key that was loaded.
        auto const by_openssl = openssl_read_private(*pem);
        REQUIRE(by_openssl);
        CHECK(EVP_PKEY_eq(by_openssl.get(), raw_private_key(alg)) == 1);

        auto const reloaded = jose::key::from_pem(*pem, alg, "k-2");
        REQUIRE(reloaded);
        CHECK(reloaded->has_private_key());
        CHECK(reloaded->alg() == alg);
        CHECK(reloaded->kid() == "k-2");
        CHECK(reloaded->thumbprint() == original.thumbprint());
        CHECK(reloaded->public_jwk().at("kty") == original.public_jwk().at("kty"));
        // Each signs what the other verifies.
        CHECK(original.verify(signing_input, reloaded->sign(signing_input).value()));
        CHECK(reloaded->verify(signing_input, original.sign(signing_input).value()));
        // And the export of the reloaded key is the same text.
        CHECK(reloaded->private_pem().value() == *pem);
    }
}

TEST_CASE("a generated key exports and reloads with its thumbprint, and copies share the export")
{
    for(auto alg : exportable_algorithms)
    {
        CAPTURE(jose::algorithm_name(alg));
        auto const generated = jose::key::generate(alg).value();
        auto const copy = generated;
        auto const pem = copy.private_pem();
        REQUIRE(pem);
        CHECK(generated.private_pem().value() == *pem);
        auto const reloaded = jose::key::from_pem(*pem, alg).value();
        CHECK(reloaded.thumbprint() == generated.thumbprint());
        CHECK(generated.verify(signing_input, reloaded.sign(signing_input).value()));
        // The algorithm is the caller's to give again: another one is refused (J9).
        auto const other = alg == algorithm::eddsa ? algorithm::es256 : algorithm::eddsa;
        CHECK(error_of(jose::key::from_pem(*pem, other)) == modelauth::jose::key_error::algorithm_key_mismatch);
    }
}

TEST_CASE("public keys and HMAC secrets are never exported: not_a_private_key")
{
    for(auto alg : exportable_algorithms)
    {
        CAPTURE(jose::algorithm_name(alg));
        auto const from_pem = public_key(raw_private_key(alg), alg);
        CHECK(error_of(from_pem.private_pem()) == modelauth::jose::key_error::not_a_private_key);
        auto const from_jwk = jose::key::from_jwk(key_for(alg).public_jwk()).value();
        CHECK(error_of(from_jwk.private_pem()) == modelauth::jose::key_error::not_a_private_key);
    }
    for(auto alg : {algorithm::hs256, algorithm::hs384, algorithm::hs512})
    {
        CAPTURE(jose::algorithm_name(alg));
        CHECK(error_of(key_for(alg).private_pem()) == modelauth::jose::key_error::not_a_private_key);
        CHECK(error_of(jose::key::generate(alg).value().private_pem())
              == modelauth::jose::key_error::not_a_private_key);
    }
}

TEST_CASE("a private key made from a JWK exports to the same key")
{
    unsigned char d[32];
    unsigned char x[32];
    std::size_t d_size = sizeof d;
    std::size_t x_size = sizeof x;
    REQUIRE(EVP_PKEY_get_raw_private_key(raw().ed_a.get(), d, &d_size) == 1);
    REQUIRE(EVP_PKEY_get_raw_public_key(raw().ed_a.get(), x, &x_size) == 1);
    boost::json::object jwk{
        {"kty", "OKP"},
        {"crv", "Ed25519"},
        {"d", jose::base64url_encode(std::string_view(reinterpret_cast<char*>(d), d_size))},
        {"x", jose::base64url_encode(std::string_view(reinterpret_cast<char*>(x), x_size))}};
    OPENSSL_cleanse(d, sizeof d);
    auto const k = jose::key::from_jwk(jwk).value();
    REQUIRE(k.has_private_key());
    auto const pem = k.private_pem();
    REQUIRE(pem.has_value());
    auto const back = jose::key::from_pem(*pem, algorithm::eddsa).value();
    CHECK(back.has_private_key());
    CHECK(back.thumbprint() == k.thumbprint());
    auto const signature = back.sign("payload").value();
    CHECK(k.verify("payload", signature).has_value());
}

TEST_CASE("error messages never contain key material")
{
    std::string const secret = "short-secret-XYZ";
    auto const failed = jose::key::from_secret(secret, algorithm::hs256);
    REQUIRE(failed.has_error());
    CHECK(failed.error().message().find("XYZ") == std::string::npos);
    auto const pem = key_test::pem_of_private(raw().p256_a.get());
    auto const mismatch = jose::key::from_pem(pem, algorithm::es384);
    REQUIRE(mismatch.has_error());
    auto const message = mismatch.error().message();
    CHECK(message.find("BEGIN") == std::string::npos);
    CHECK(message.find(pem.substr(40, 16)) == std::string::npos);
}

//----------------------------------------------------------------------------
// R || S to DER

TEST_CASE("R || S becomes the DER that i2d_ECDSA_SIG writes, for edge values and P-521")
{
    std::vector<std::string> raws;
    for(std::size_t size : {64u, 96u, 132u})
    {
        raws.push_back(std::string(size, '\0'));
        raws.push_back(std::string(size, '\xff'));
        raws.push_back(std::string(size / 2, '\x7f') + std::string(size / 2, '\x80'));
        raws.push_back(std::string(size / 2 - 1, '\0') + '\1' + std::string(size / 2 - 1, '\0')
                       + '\x80');
        std::string random(size, '\0');
        for(int i = 0; i < 20; ++i)
        {
            RAND_bytes(reinterpret_cast<unsigned char*>(random.data()), static_cast<int>(size));
            raws.push_back(random);
        }
    }
    for(auto const& raw_signature : raws)
    {
        auto const half = static_cast<int>(raw_signature.size() / 2);
        ossl::ecdsa_sig_ptr sig(ECDSA_SIG_new());
        ECDSA_SIG_set0(sig.get(), BN_bin2bn(ossl::bytes(raw_signature), half, nullptr),
                       BN_bin2bn(ossl::bytes(raw_signature) + half, half, nullptr));
        unsigned char* expected = nullptr;
        int const expected_size = i2d_ECDSA_SIG(sig.get(), &expected);
        REQUIRE(expected_size > 0);
        unsigned char der[ossl::max_ecdsa_der_size];
        auto const size =
            ossl::ecdsa_raw_to_der(ossl::bytes(raw_signature), raw_signature.size(), der);
        CHECK(std::string(reinterpret_cast<char*>(der), size)
              == std::string(reinterpret_cast<char*>(expected),
                             static_cast<std::size_t>(expected_size)));
        OPENSSL_free(expected);
        // And back.
        std::string back(raw_signature.size(), '\0');
        CHECK(ossl::ecdsa_der_to_raw(der, size, reinterpret_cast<unsigned char*>(back.data()),
                                     back.size()));
        CHECK(back == raw_signature);
    }
}
