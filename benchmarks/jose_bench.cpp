//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Signature verification is on every uncached request. Each jose::key::verify
// case runs beside its baseline: the same check written directly against
// OpenSSL 3 EVP the way an expert would, with the key, the fetched digest and
// the verify context prepared outside the loop. The goal is for key::verify
// to add next to nothing: <= 1.05x for RS256, ES256 and EdDSA, and an HMAC
// close to the raw one.

#include "alloc_counter.hpp"

#include <modelauth/jose/base64url.hpp>
#include <modelauth/jose/jws.hpp>
#include <modelauth/jose/key.hpp>
#include <modelauth/validation/token_validator.hpp>

#if defined(MODELAUTH_BENCH_PEERS)
#include "peers/peers.hpp"
#endif

#include <benchmark/benchmark.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

namespace jose = modelauth::jose;

// A realistic JWT signing input (header "." claims, about 300 bytes).
std::string make_signing_input(std::string_view alg)
{
    std::string const header
        = R"({"alg":")" + std::string(alg) + R"(","typ":"JWT","kid":"2026-01-models"})";
    std::string const claims =
        R"({"iss":"https://auth.example.com","sub":"user-8f3a2c","aud":"https://models.example.com",)"
        R"("exp":1800000000,"iat":1790000000,"scope":"models:invoke models:read"})";
    return jose::base64url_encode(header) + "." + jose::base64url_encode(claims);
}

[[noreturn]] void fail(char const* what)
{
    std::fprintf(stderr, "jose_bench: %s\n", what);
    std::abort();
}

unsigned char const* bytes(std::string const& s)
{
    return reinterpret_cast<unsigned char const*>(s.data());
}

// The key in PEM: its public half, or all of it.
std::string pem_of(EVP_PKEY* pkey, bool with_private)
{
    BIO* bio = BIO_new(BIO_s_mem());
    bool const written = bio
        && (with_private ? PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr)
                         : PEM_write_bio_PUBKEY(bio, pkey))
            == 1;
    if(! written)
        fail("PEM_write_bio");
    char* data = nullptr;
    long const size = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    return pem;
}

std::string public_pem(EVP_PKEY* pkey)
{
    return pem_of(pkey, false);
}

// OpenSSL's signature of `input` (DER for ECDSA).
std::string raw_sign(EVP_PKEY* pkey, char const* md, std::string const& input)
{
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t size = 0;
    if(! ctx || EVP_DigestSignInit_ex(ctx, nullptr, md, nullptr, nullptr, pkey, nullptr) != 1
       || EVP_DigestSign(ctx, nullptr, &size, bytes(input), input.size()) != 1)
        fail("sign");
    std::string signature(size, '\0');
    if(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size, bytes(input),
                      input.size())
       != 1)
        fail("sign");
    signature.resize(size);
    EVP_MD_CTX_free(ctx);
    return signature;
}

// One asymmetric key as both raw OpenSSL and jose::key see it. Made once
// per process and deliberately never freed (a benchmark fixture).
struct asymmetric_fixture
{
    EVP_PKEY* pkey = nullptr;
    std::string input;
    std::string signature;     // what a JWS carries: R || S for ECDSA
    std::string der_signature; // ECDSA only: what OpenSSL produced
    jose::key key;
};

asymmetric_fixture make_fixture(EVP_PKEY* pkey, jose::algorithm alg, char const* md)
{
    if(! pkey)
        fail("keygen");
    auto const input = make_signing_input(jose::algorithm_name(alg));
    auto key = jose::key::from_pem(public_pem(pkey), alg, "2026-01-models");
    if(! key)
        fail("key::from_pem");
    auto const signature = raw_sign(pkey, md, input);
    std::string jws_signature = signature;
    if(jose::family(alg) == jose::algorithm_family::ecdsa)
    {
        unsigned char const* p = bytes(signature);
        ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(signature.size()));
        BIGNUM const* r = nullptr;
        BIGNUM const* s = nullptr;
        ECDSA_SIG_get0(sig, &r, &s);
        jws_signature.assign(64, '\0');
        auto* out = reinterpret_cast<unsigned char*>(jws_signature.data());
        BN_bn2binpad(r, out, 32);
        BN_bn2binpad(s, out + 32, 32);
        ECDSA_SIG_free(sig);
    }
    if(! key->verify(input, jws_signature))
        fail("key::verify of the fixture");
    return {pkey, input, jws_signature, signature, *key};
}

asymmetric_fixture const& rs256()
{
    static asymmetric_fixture const f =
        make_fixture(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t(2048)),
                     jose::algorithm::rs256, "SHA256");
    return f;
}

asymmetric_fixture const& es256()
{
    static asymmetric_fixture const f = make_fixture(
        EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), jose::algorithm::es256, "SHA256");
    return f;
}

asymmetric_fixture const& eddsa()
{
    static asymmetric_fixture const f = make_fixture(
        EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), jose::algorithm::eddsa, nullptr);
    return f;
}

struct hmac_fixture
{
    std::string secret = "an HS256 secret of 32+ bytes, for benchmarks only";
    std::string input = make_signing_input("HS256");
    std::string tag;
    jose::key key = jose::key::from_secret(secret, jose::algorithm::hs256).value();
};

hmac_fixture const& hs256()
{
    static hmac_fixture const f = [] {
        hmac_fixture fixture;
        fixture.tag = fixture.key.sign(fixture.input).value();
        return fixture;
    }();
    return f;
}

// Every jose::key::verify case is this loop.
void run_key_verify(benchmark::State& state, jose::key const& key, std::string const& input,
                    std::string const& signature)
{
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        auto const verified = key.verify(input, signature);
        if(! verified)
            state.SkipWithError("verify failed");
        benchmark::DoNotOptimize(verified);
    }
    allocs.report(state);
}

//----------------------------------------------------------------------------
// HS256

// Baseline: a keyed EVP_MAC_CTX, restarted with its key for each message.
void BM_raw_hmac_sha256(benchmark::State& state)
{
    auto const& f = hs256();
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end()};
    if(! ctx || EVP_MAC_init(ctx, bytes(f.secret), f.secret.size(), params) != 1)
        fail("EVP_MAC_init");
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        unsigned char tag[EVP_MAX_MD_SIZE];
        std::size_t size = 0;
        bool const ok = EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1
            && EVP_MAC_update(ctx, bytes(f.input), f.input.size()) == 1
            && EVP_MAC_final(ctx, tag, &size, sizeof tag) == 1 && size == f.tag.size()
            && CRYPTO_memcmp(tag, f.tag.data(), size) == 0;
        if(! ok)
            state.SkipWithError("HMAC mismatch");
        benchmark::DoNotOptimize(ok);
    }
    allocs.report(state);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
}
BENCHMARK(BM_raw_hmac_sha256);

void BM_key_verify_hs256(benchmark::State& state)
{
    auto const& f = hs256();
    run_key_verify(state, f.key, f.input, f.tag);
}
BENCHMARK(BM_key_verify_hs256);

//----------------------------------------------------------------------------
// RS256, ES256: hash, then EVP_PKEY_verify with a prepared context

struct prepared_verify
{
    EVP_MD* md = nullptr;
    EVP_MD_CTX* hash = nullptr;
    EVP_PKEY_CTX* verify = nullptr;

    prepared_verify(EVP_PKEY* pkey, int rsa_padding)
    {
        md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        hash = EVP_MD_CTX_new();
        verify = EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr);
        if(! md || ! hash || ! verify || EVP_PKEY_verify_init(verify) != 1
           || (rsa_padding && EVP_PKEY_CTX_set_rsa_padding(verify, rsa_padding) != 1)
           || EVP_PKEY_CTX_set_signature_md(verify, md) != 1)
            fail("verify context");
    }

    ~prepared_verify()
    {
        EVP_PKEY_CTX_free(verify);
        EVP_MD_CTX_free(hash);
        EVP_MD_free(md);
    }

    bool digest(std::string const& input, unsigned char* out, unsigned* size) const
    {
        return EVP_DigestInit_ex2(hash, md, nullptr) == 1
            && EVP_DigestUpdate(hash, input.data(), input.size()) == 1
            && EVP_DigestFinal_ex(hash, out, size) == 1;
    }
};

void BM_raw_rs256_verify(benchmark::State& state)
{
    auto const& f = rs256();
    prepared_verify const v(f.pkey, RSA_PKCS1_PADDING);
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned digest_size = 0;
        bool const ok = v.digest(f.input, digest, &digest_size)
                        && EVP_PKEY_verify(v.verify, bytes(f.signature), f.signature.size(), digest,
                                           digest_size)
                               == 1;
        if(! ok)
            state.SkipWithError("RS256 verify failed");
        benchmark::DoNotOptimize(ok);
    }
    allocs.report(state);
}
BENCHMARK(BM_raw_rs256_verify);

void BM_key_verify_rs256(benchmark::State& state)
{
    auto const& f = rs256();
    run_key_verify(state, f.key, f.input, f.signature);
}
BENCHMARK(BM_key_verify_rs256);

// Baseline: the JWS's R || S through ECDSA_SIG to DER, as OpenSSL's
// documentation shows, then EVP_PKEY_verify.
void BM_raw_es256_verify(benchmark::State& state)
{
    auto const& f = es256();
    prepared_verify const v(f.pkey, 0);
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned digest_size = 0;
        ECDSA_SIG* sig = ECDSA_SIG_new();
        ECDSA_SIG_set0(sig, BN_bin2bn(bytes(f.signature), 32, nullptr),
                       BN_bin2bn(bytes(f.signature) + 32, 32, nullptr));
        unsigned char der[80];
        unsigned char* p = der;
        int const der_size = i2d_ECDSA_SIG(sig, &p);
        ECDSA_SIG_free(sig);
        bool const ok = der_size > 0 && v.digest(f.input, digest, &digest_size)
                        && EVP_PKEY_verify(v.verify, der, static_cast<std::size_t>(der_size),
                                           digest, digest_size)
                               == 1;
        if(! ok)
            state.SkipWithError("ES256 verify failed");
        benchmark::DoNotOptimize(ok);
    }
    allocs.report(state);
}
BENCHMARK(BM_raw_es256_verify);

void BM_key_verify_es256(benchmark::State& state)
{
    auto const& f = es256();
    run_key_verify(state, f.key, f.input, f.signature);
}
BENCHMARK(BM_key_verify_es256);

//----------------------------------------------------------------------------
// EdDSA: one-shot EVP_DigestVerify on a prepared context

void BM_raw_eddsa_verify(benchmark::State& state)
{
    auto const& f = eddsa();
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if(! ctx
       || EVP_DigestVerifyInit_ex(ctx, nullptr, nullptr, nullptr, nullptr, f.pkey, nullptr) != 1)
        fail("EVP_DigestVerifyInit_ex");
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        // Restart with the same key (OpenSSL 3.0.1+), then verify.
        bool const ok =
            EVP_DigestVerifyInit_ex(ctx, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr) == 1
            && EVP_DigestVerify(ctx, bytes(f.signature), f.signature.size(), bytes(f.input),
                                f.input.size())
                   == 1;
        if(! ok)
            state.SkipWithError("EdDSA verify failed");
        benchmark::DoNotOptimize(ok);
    }
    allocs.report(state);
    EVP_MD_CTX_free(ctx);
}
BENCHMARK(BM_raw_eddsa_verify);

void BM_key_verify_eddsa(benchmark::State& state)
{
    auto const& f = eddsa();
    run_key_verify(state, f.key, f.input, f.signature);
}
BENCHMARK(BM_key_verify_eddsa);

} // namespace

//----------------------------------------------------------------------------
// TokenValidator beside the raw primitives above and the peer libraries.
//
// The uncached cases turn the verified-token cache off, so every iteration
// does what a first request with a token does: split, header, claims, key
// lookup, signature, claim checks, Principal. The cached case is what every
// later request with that token costs.

namespace {

namespace ma = modelauth;

constexpr std::string_view bench_issuer = "https://auth.example.com";
constexpr std::string_view bench_audience = "https://models.example.com";
constexpr std::string_view bench_kid = "2026-01-models";
constexpr std::string_view bench_secret = "0123456789abcdef0123456789abcdef"; // 32 bytes

// The claims of make_signing_input, with an exp that holds until 2100 so the
// peers, which read the real clock, accept the token too.
std::string bench_claims()
{
    return R"({"iss":"https://auth.example.com","sub":"user-8f3a2c","aud":"https://models.example.com",)"
           R"("exp":4102444800,"iat":1790000000,"scope":"models:invoke models:read"})";
}

// The validator's clock: a fixed instant, so no case depends on the date.
struct bench_clock
{
    std::chrono::system_clock::time_point now() const noexcept
    {
        return std::chrono::system_clock::time_point(std::chrono::seconds(1795000000));
    }
};

struct validator_case
{
    std::string token;
    std::optional<ma::validation::basic_token_validator<bench_clock>> validator;

    // `signer` makes the token; the validator trusts `verifier`, which for an
    // asymmetric algorithm is the public key its raw baseline verifies with.
    validator_case(jose::key const& signer, jose::key const& verifier, bool cached)
    {
        token = jose::sign_compact_jws(bench_claims(), signer, "JWT", bench_kid).value();
        ma::validation::trusted_issuer issuer;
        issuer.issuer = std::string(bench_issuer);
        issuer.keys = jose::key_set::from_keys({verifier}).value();
        issuer.audiences = {std::string(bench_audience)};
        ma::validation::token_validator_options options;
        if(! cached)
            options.cache.capacity_per_thread = 0;
        validator.emplace(std::vector<ma::validation::trusted_issuer>{issuer}, options);
        if(! validator->validate(token))
            fail("the benchmark token does not validate");
    }
};

asymmetric_fixture const& fixture_of(jose::algorithm alg)
{
    switch(alg)
    {
    case jose::algorithm::rs256: return rs256();
    case jose::algorithm::es256: return es256();
    default: return eddsa();
    }
}

// The key that signs the benchmark tokens: the HS256 secret, or the private
// half of the fixture the raw baseline of `alg` uses.
jose::key bench_signer(jose::algorithm alg)
{
    if(alg == jose::algorithm::hs256)
        return jose::key::from_secret(bench_secret, alg, std::string(bench_kid)).value();
    return jose::key::from_pem(pem_of(fixture_of(alg).pkey, true), alg, std::string(bench_kid)).value();
}

// What the validator trusts for `alg`.
jose::key bench_verifier(jose::algorithm alg)
{
    if(alg == jose::algorithm::hs256)
        return bench_signer(alg);
    return fixture_of(alg).key;
}

validator_case make_validator_case(jose::algorithm alg, bool cached)
{
    return validator_case(bench_signer(alg), bench_verifier(alg), cached);
}

void run_validate(benchmark::State& state, validator_case const& c)
{
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        auto principal = c.validator->validate(c.token);
        benchmark::DoNotOptimize(principal);
    }
    allocs.report(state);
}

void BM_validate_hs256(benchmark::State& state)
{
    static validator_case const c = make_validator_case(jose::algorithm::hs256, false);
    run_validate(state, c);
}
BENCHMARK(BM_validate_hs256);

void BM_validate_rs256(benchmark::State& state)
{
    static validator_case const c = make_validator_case(jose::algorithm::rs256, false);
    run_validate(state, c);
}
BENCHMARK(BM_validate_rs256);

void BM_validate_es256(benchmark::State& state)
{
    static validator_case const c = make_validator_case(jose::algorithm::es256, false);
    run_validate(state, c);
}
BENCHMARK(BM_validate_es256);

void BM_validate_eddsa(benchmark::State& state)
{
    static validator_case const c = make_validator_case(jose::algorithm::eddsa, false);
    run_validate(state, c);
}
BENCHMARK(BM_validate_eddsa);

// A token seen before, from 1 and 2 threads sharing one validator: the
// throughput (items_per_second) of 2 threads against 1 shows the scaling.
void BM_validate_cached(benchmark::State& state)
{
    static validator_case const c = make_validator_case(jose::algorithm::es256, true);
    (void)c.validator->validate(c.token); // this thread's cache holds it now
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        auto principal = c.validator->validate(c.token);
        benchmark::DoNotOptimize(principal);
    }
    state.SetItemsProcessed(state.iterations());
    allocs.report(state);
}
BENCHMARK(BM_validate_cached)->Threads(1)->Threads(2)->UseRealTime();

#if defined(MODELAUTH_BENCH_PEERS)

struct peer_case
{
    std::string token;
    modelauth_bench::peer_expectations expected;

    explicit peer_case(jose::algorithm alg)
    {
        token = jose::sign_compact_jws(bench_claims(), bench_signer(alg), "JWT", bench_kid).value();
        expected.alg = std::string(jose::algorithm_name(alg));
        expected.key = alg == jose::algorithm::hs256 ? std::string(bench_secret) : public_pem(rs256().pkey);
        expected.issuer = std::string(bench_issuer);
        expected.audience = std::string(bench_audience);
    }
};

long unix_now()
{
    return static_cast<long>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

template<class Verify>
void run_peer(benchmark::State& state, peer_case const& c, Verify verify)
{
    if(! verify(c))
        fail("a peer library refused the benchmark token");
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
        benchmark::DoNotOptimize(verify(c));
    allocs.report(state);
}

void BM_cppjwt_hs256(benchmark::State& state)
{
    static peer_case const c(jose::algorithm::hs256);
    run_peer(state, c, [](peer_case const& p) { return modelauth_bench::cppjwt_verify(p.token, p.expected); });
}
BENCHMARK(BM_cppjwt_hs256);

void BM_cppjwt_rs256(benchmark::State& state)
{
    static peer_case const c(jose::algorithm::rs256);
    run_peer(state, c, [](peer_case const& p) { return modelauth_bench::cppjwt_verify(p.token, p.expected); });
}
BENCHMARK(BM_cppjwt_rs256);

void BM_libjwt_hs256(benchmark::State& state)
{
    static peer_case const c(jose::algorithm::hs256);
    long const now = unix_now();
    run_peer(state, c, [now](peer_case const& p) { return modelauth_bench::libjwt_verify(p.token, p.expected, now); });
}
BENCHMARK(BM_libjwt_hs256);

void BM_libjwt_rs256(benchmark::State& state)
{
    static peer_case const c(jose::algorithm::rs256);
    long const now = unix_now();
    run_peer(state, c, [now](peer_case const& p) { return modelauth_bench::libjwt_verify(p.token, p.expected, now); });
}
BENCHMARK(BM_libjwt_rs256);

#endif

} // namespace
