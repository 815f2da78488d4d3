//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Every applicable Wycheproof vector (C2SP/wycheproof, testvectors_v1) run
// through jose::key and jose::key_set: HMAC, RSASSA-PKCS1-v1_5, RSASSA-PSS,
// ECDSA (IEEE P1363 and DER), Ed25519 and JWK key sets. The JWS and JWE
// files (json_web_signature_test.json, json_web_crypto_test.json) need the
// JWS parser and are run by its tests.
//
// Each file prints how many vectors ran, how many were valid, invalid and
// acceptable, and which were decided by modelauth's policy rather than by
// the primitive:
//   - an HMAC key shorter than the hash is refused at load (RFC 7518 3.2, J6);
//   - a truncated HMAC tag is refused (a JWS tag is the full hash, J11);
//   - an RSASSA-PSS salt other than the hash length is refused (RFC 7518 3.5, J13);
//   - a DER ECDSA signature is never a JWS signature (RFC 7518 3.4, J11).
// The count of every file is asserted, so a skipped or truncated file fails.

#include <modelauth/jose/key.hpp>
#include <modelauth/jose/key_set.hpp>
#include <modelauth/jose/error.hpp>

#include "jose/key_test_support.hpp"

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace jose = modelauth::jose;
namespace ossl = modelauth::jose::detail;
using jose::algorithm;

namespace {

// The vectors of each file handled here; the count is asserted.
std::map<std::string, int> const expected_vectors = {
    {"ecdsa_secp256r1_sha256_p1363_test.json", 262},
    {"ecdsa_secp256r1_sha256_test.json", 484},
    {"ecdsa_secp384r1_sha384_p1363_test.json", 280},
    {"ecdsa_secp521r1_sha512_p1363_test.json", 318},
    {"ed25519_test.json", 151},
    {"hmac_sha256_test.json", 174},
    {"hmac_sha384_test.json", 174},
    {"hmac_sha512_test.json", 174},
    {"json_web_key_test.json", 26},
    {"rsa_pss_2048_sha256_mgf1_0_test.json", 103},
    {"rsa_pss_2048_sha256_mgf1_32_test.json", 108},
    {"rsa_pss_2048_sha384_mgf1_48_test.json", 141},
    {"rsa_pss_3072_sha256_mgf1_32_test.json", 108},
    {"rsa_pss_4096_sha256_mgf1_32_test.json", 108},
    {"rsa_pss_4096_sha384_mgf1_48_test.json", 141},
    {"rsa_pss_4096_sha512_mgf1_32_test.json", 177},
    {"rsa_pss_4096_sha512_mgf1_64_test.json", 179},
    {"rsa_signature_2048_sha256_test.json", 259},
    {"rsa_signature_2048_sha384_test.json", 258},
    {"rsa_signature_2048_sha512_test.json", 259},
    {"rsa_signature_3072_sha256_test.json", 259},
    {"rsa_signature_3072_sha384_test.json", 259},
    {"rsa_signature_3072_sha512_test.json", 260},
    {"rsa_signature_4096_sha256_test.json", 258},
    {"rsa_signature_4096_sha384_test.json", 259},
    {"rsa_signature_4096_sha512_test.json", 259},
};

// Run by the JWS parser's tests, not here.
std::set<std::string> const jws_files = {"json_web_signature_test.json",
                                         "json_web_crypto_test.json"};

std::string wycheproof_path(std::string const& file)
{
    return key_test::testdata("wycheproof/" + file);
}

std::string str(boost::json::value const& v)
{
    auto const& s = v.as_string();
    return std::string(s.data(), s.size());
}

std::string hex_member(boost::json::value const& v, char const* name)
{
    return key_test::hex_decode(str(v.at(name)));
}

// What happened to the vectors of one file.
struct tally
{
    explicit tally(std::string name) : file(std::move(name)) {}

    std::string file;
    int executed = 0;
    int valid = 0;
    int invalid = 0;
    int acceptable = 0;
    int valid_accepted = 0;
    int acceptable_rejected = 0;
    // Policy decisions: reason -> {vectors, of which valid}.
    std::map<std::string, std::pair<int, int>> policy;

    void count(std::string const& result)
    {
        ++executed;
        if(result == "valid")
            ++valid;
        else if(result == "invalid")
            ++invalid;
        else
            ++acceptable;
    }

    void by_policy(std::string const& reason, std::string const& result)
    {
        auto& p = policy[reason];
        ++p.first;
        if(result == "valid")
            ++p.second;
    }

    int valid_rejected_by_policy() const
    {
        int n = 0;
        for(auto const& p : policy)
            n += p.second.second;
        return n;
    }

    void report(int number_of_tests) const
    {
        std::printf("wycheproof %-42s %4d executed (%d valid, %d invalid, %d acceptable)",
                    file.c_str(), executed, valid, invalid, acceptable);
        if(acceptable)
            std::printf("; %d acceptable rejected", acceptable_rejected);
        for(auto const& p : policy)
            std::printf("; policy \"%s\": %d (%d valid)", p.first.c_str(), p.second.first,
                        p.second.second);
        std::printf("\n");
        CHECK(executed == number_of_tests);
        auto const expected = expected_vectors.find(file);
        REQUIRE(expected != expected_vectors.end());
        CHECK(executed == expected->second);
        CHECK(valid_accepted + valid_rejected_by_policy() == valid);
    }
};

// Checks a primitive's verdict against the vector's result. "acceptable"
// vectors may go either way; they are counted.
void check_verdict(tally& t, boost::json::value const& test, bool accepted)
{
    auto const result = str(test.at("result"));
    CAPTURE(test.at("tcId").as_int64());
    CAPTURE(str(test.at("comment")));
    if(result == "valid")
    {
        CHECK(accepted);
        if(accepted)
            ++t.valid_accepted;
    }
    else if(result == "invalid")
        CHECK_FALSE(accepted);
    else if(! accepted)
        ++t.acceptable_rejected;
}

algorithm algorithm_for(char const* family, std::string const& sha)
{
    auto const bits = sha == "SHA-256"   ? "256"
                      : sha == "SHA-384" ? "384"
                      : sha == "SHA-512" ? "512"
                                         : "?";
    return jose::algorithm_from_name(std::string(family) + bits).value();
}

int number_of_tests(boost::json::value const& json)
{
    return static_cast<int>(json.at("numberOfTests").as_int64());
}

//----------------------------------------------------------------------------

void run_mac_file(std::string const& file, algorithm alg)
{
    auto const json = key_test::read_json(wycheproof_path(file));
    REQUIRE(str(json.at("schema")) == "mac_test_schema_v1.json");
    tally t(file);
    auto const hash = jose::hash_size(alg);
    for(auto const& group : json.at("testGroups").as_array())
    {
        auto const key_bytes = static_cast<std::size_t>(group.at("keySize").as_int64()) / 8;
        auto const tag_bytes = static_cast<std::size_t>(group.at("tagSize").as_int64()) / 8;
        for(auto const& test : group.at("tests").as_array())
        {
            auto const result = str(test.at("result"));
            t.count(result);
            CAPTURE(test.at("tcId").as_int64());
            auto const k = jose::key::from_secret(hex_member(test, "key"), alg);
            auto const msg = hex_member(test, "msg");
            auto const tag = hex_member(test, "tag");
            if(key_bytes < hash)
            {
                REQUIRE(k.has_error());
                CHECK(k.error() == modelauth::jose::key_error::weak_key);
                t.by_policy("key shorter than the hash", result);
                continue;
            }
            REQUIRE(k);
            auto const verified = k->verify(alg, msg, tag);
            if(tag_bytes < hash)
            {
                REQUIRE(verified.has_error());
                CHECK(verified.error() == modelauth::jose::error::invalid_signature_length);
                t.by_policy("truncated tag", result);
                // The full tag modelauth computes still starts with a valid
                // truncated tag, and only with a valid one.
                auto const full = k->sign(msg).value();
                CHECK((full.compare(0, tag.size(), tag) == 0) == (result == "valid"));
                continue;
            }
            check_verdict(t, test, static_cast<bool>(verified));
            if(result == "valid")
                CHECK(k->sign(msg).value() == tag);
        }
    }
    t.report(number_of_tests(json));
}

void run_rsa_pkcs1_file(std::string const& file)
{
    auto const json = key_test::read_json(wycheproof_path(file));
    REQUIRE(str(json.at("schema")) == "rsassa_pkcs1_verify_schema_v1.json");
    tally t(file);
    for(auto const& group : json.at("testGroups").as_array())
    {
        auto const alg = algorithm_for("RS", str(group.at("sha")));
        auto const from_pem = jose::key::from_pem(str(group.at("publicKeyPem")), alg);
        REQUIRE(from_pem);
        auto const from_jwk = jose::key::from_jwk(group.at("keyJwk").as_object(), alg);
        REQUIRE(from_jwk);
        CHECK(from_jwk->alg() == alg);
        CHECK(from_jwk->thumbprint() == from_pem->thumbprint());
        for(auto const& test : group.at("tests").as_array())
        {
            t.count(str(test.at("result")));
            auto const msg = hex_member(test, "msg");
            auto const sig = hex_member(test, "sig");
            bool const accepted = static_cast<bool>(from_pem->verify(msg, sig));
            CHECK(accepted == static_cast<bool>(from_jwk->verify(msg, sig)));
            check_verdict(t, test, accepted);
            // J14: legacy encodings (MissingNull) are not accepted either.
            if(str(test.at("result")) == "acceptable")
                CHECK_FALSE(accepted);
        }
    }
    t.report(number_of_tests(json));
}

void run_rsa_pss_file(std::string const& file)
{
    auto const json = key_test::read_json(wycheproof_path(file));
    REQUIRE(str(json.at("schema")) == "rsassa_pss_verify_schema_v1.json");
    tally t(file);
    int pinned_salt_accepted = 0;
    for(auto const& group : json.at("testGroups").as_array())
    {
        auto const sha = str(group.at("sha"));
        auto const alg = algorithm_for("PS", sha);
        REQUIRE(str(group.at("mgf")) == "MGF1");
        bool const pinned =
            static_cast<std::size_t>(group.at("sLen").as_int64()) == jose::hash_size(alg)
            && str(group.at("mgfSha")) == sha;
        auto const k = jose::key::from_pem(str(group.at("publicKeyPem")), alg);
        REQUIRE(k);
        std::optional<jose::key> from_jwk;
        if(group.as_object().contains("publicKeyJwk"))
        {
            auto jwk = jose::key::from_jwk(group.at("publicKeyJwk").as_object(), alg);
            REQUIRE(jwk);
            CHECK(jwk->thumbprint() == k->thumbprint());
            from_jwk = *jwk;
        }
        for(auto const& test : group.at("tests").as_array())
        {
            auto const result = str(test.at("result"));
            t.count(result);
            CAPTURE(test.at("tcId").as_int64());
            auto const msg = hex_member(test, "msg");
            auto const sig = hex_member(test, "sig");
            bool const accepted = static_cast<bool>(k->verify(msg, sig));
            if(from_jwk)
                CHECK(accepted == static_cast<bool>(from_jwk->verify(msg, sig)));
            if(! pinned)
            {
                // J13: a signature with the group's salt length fails. The
                // only ones that pass are those Wycheproof re-made with a
                // salt of the hash length: valid PS* signatures for a JWS.
                t.by_policy("PSS salt length is not the hash length", result);
                if(accepted)
                {
                    CHECK(result == "invalid");
                    CHECK(str(test.at("comment"))
                          == "s_len changed to " + std::to_string(jose::hash_size(alg)));
                    ++pinned_salt_accepted;
                }
                continue;
            }
            check_verdict(t, test, accepted);
        }
    }
    t.report(number_of_tests(json));
    if(pinned_salt_accepted)
        std::printf(
            "wycheproof %-42s      %d invalid for the group's salt length but valid with "
            "RFC 7518's (\"s_len changed to %zu\"): accepted\n",
            file.c_str(), pinned_salt_accepted,
            jose::hash_size(algorithm_for("PS", str(json.at("testGroups").at(0).at("sha")))));
}

algorithm ecdsa_algorithm(boost::json::value const& group)
{
    auto const sha = str(group.at("sha"));
    auto const curve = str(group.at("publicKey").at("curve"));
    auto const alg = algorithm_for("ES", sha);
    // Wycheproof pairs each curve with the hash JWS pairs it with.
    REQUIRE(((curve == "secp256r1" && alg == algorithm::es256)
             || (curve == "secp384r1" && alg == algorithm::es384)
             || (curve == "secp521r1" && alg == algorithm::es512)));
    return alg;
}

void run_ecdsa_p1363_file(std::string const& file)
{
    auto const json = key_test::read_json(wycheproof_path(file));
    REQUIRE(str(json.at("schema")) == "ecdsa_p1363_verify_schema_v1.json");
    tally t(file);
    for(auto const& group : json.at("testGroups").as_array())
    {
        auto const alg = ecdsa_algorithm(group);
        auto const k = jose::key::from_pem(str(group.at("publicKeyPem")), alg);
        REQUIRE(k);
        std::optional<jose::key> from_jwk;
        if(group.as_object().contains("publicKeyJwk"))
        {
            auto jwk = jose::key::from_jwk(group.at("publicKeyJwk").as_object());
            REQUIRE(jwk);
            CHECK(jwk->alg() == alg);
            CHECK(jwk->thumbprint() == k->thumbprint());
            from_jwk = *jwk;
        }
        for(auto const& test : group.at("tests").as_array())
        {
            t.count(str(test.at("result")));
            auto const msg = hex_member(test, "msg");
            auto const sig = hex_member(test, "sig");
            bool const accepted = static_cast<bool>(k->verify(msg, sig));
            if(from_jwk)
                CHECK(accepted == static_cast<bool>(from_jwk->verify(msg, sig)));
            if(sig.size() != jose::ecdsa_signature_size(alg))
                CHECK(k->verify(msg, sig).error()
                      == modelauth::jose::error::invalid_signature_length);
            check_verdict(t, test, accepted);
        }
    }
    t.report(number_of_tests(json));
}

// Strict DER: one ECDSA-Sig-Value that re-encodes to the same bytes, with r
// and s fitting the field. Returns R || S.
std::optional<std::string> strict_der_to_raw(std::string const& der, std::size_t size)
{
    unsigned char const* p = ossl::bytes(der);
    ossl::ecdsa_sig_ptr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    ERR_clear_error();
    if(! sig || p != ossl::bytes(der) + der.size())
        return std::nullopt;
    unsigned char* again = nullptr;
    int const again_size = i2d_ECDSA_SIG(sig.get(), &again);
    bool const canonical = again_size > 0
        && std::string(reinterpret_cast<char*>(again), static_cast<std::size_t>(again_size)) == der;
    OPENSSL_free(again);
    if(! canonical)
        return std::nullopt;
    BIGNUM const* r = nullptr;
    BIGNUM const* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    int const half = static_cast<int>(size / 2);
    std::string raw(size, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    if(BN_is_negative(r) || BN_is_negative(s) || BN_bn2binpad(r, out, half) != half
       || BN_bn2binpad(s, out + half, half) != half)
        return std::nullopt;
    return raw;
}

void run_ecdsa_der_file(std::string const& file)
{
    auto const json = key_test::read_json(wycheproof_path(file));
    REQUIRE(str(json.at("schema")) == "ecdsa_verify_schema_v1.json");
    tally t(file);
    int der_refused = 0;
    int valid_as_raw = 0;
    int invalid_refused_at_decoding = 0;
    for(auto const& group : json.at("testGroups").as_array())
    {
        auto const alg = ecdsa_algorithm(group);
        auto const k = jose::key::from_pem(str(group.at("publicKeyPem")), alg);
        REQUIRE(k);
        for(auto const& test : group.at("tests").as_array())
        {
            auto const result = str(test.at("result"));
            t.count(result);
            CAPTURE(test.at("tcId").as_int64());
            auto const msg = hex_member(test, "msg");
            auto const der = hex_member(test, "sig");
            // J11: as a JWS signature, DER is refused, valid or not.
            auto const as_jws = k->verify(msg, der);
            CHECK(as_jws.has_error());
            if(as_jws.has_error())
                ++der_refused;
            t.by_policy("DER signature in a JWS", result);
            // The same signature as R || S, decoded strictly: the primitive
            // must agree with the vector.
            auto const raw = strict_der_to_raw(der, jose::ecdsa_signature_size(alg));
            if(! raw)
            {
                CHECK(result == "invalid");
                ++invalid_refused_at_decoding;
                continue;
            }
            bool const accepted = static_cast<bool>(k->verify(msg, *raw));
            if(result == "valid")
            {
                CHECK(accepted);
                valid_as_raw += accepted;
            }
            else if(result == "invalid")
                CHECK_FALSE(accepted);
        }
    }
    t.report(number_of_tests(json));
    std::printf(
        "wycheproof %-42s      as R || S: %d valid accepted, %d invalid refused at strict DER "
        "decoding, %d refused by the primitive\n",
        file.c_str(), valid_as_raw, invalid_refused_at_decoding,
        t.invalid - invalid_refused_at_decoding);
    CHECK(der_refused == t.executed);
    CHECK(valid_as_raw == t.valid);
}

void run_ed25519_file(std::string const& file)
{
    auto const json = key_test::read_json(wycheproof_path(file));
    REQUIRE(str(json.at("schema")) == "eddsa_verify_schema_v1.json");
    tally t(file);
    for(auto const& group : json.at("testGroups").as_array())
    {
        REQUIRE(str(group.at("publicKey").at("curve")) == "edwards25519");
        auto const k = jose::key::from_pem(str(group.at("publicKeyPem")), algorithm::eddsa);
        REQUIRE(k);
        auto const from_jwk = jose::key::from_jwk(group.at("publicKeyJwk").as_object());
        REQUIRE(from_jwk);
        CHECK(from_jwk->thumbprint() == k->thumbprint());
        for(auto const& test : group.at("tests").as_array())
        {
            t.count(str(test.at("result")));
            auto const msg = hex_member(test, "msg");
            auto const sig = hex_member(test, "sig");
            bool const accepted = static_cast<bool>(k->verify(msg, sig));
            CHECK(accepted == static_cast<bool>(from_jwk->verify(msg, sig)));
            check_verdict(t, test, accepted);
        }
    }
    t.report(number_of_tests(json));
}

// Verifies a compact JWS with a key set: header alg and kid, nothing else.
modelauth::result<void> verify_with_set(jose::key_set const& set, std::string const& compact)
{
    auto const parts = key_test::split_jws(compact);
    auto const header = boost::json::parse(parts.header_json).as_object();
    auto const alg = jose::algorithm_from_name(str(header.at("alg")));
    if(! alg)
        return alg.error();
    auto const* k = header.contains("kid") ? set.find(str(header.at("kid"))) : set.only_key();
    if(! k)
        return modelauth::jose::error::unknown_key;
    return k->verify(*alg, parts.signing_input, parts.signature);
}

void run_json_web_key_file(std::string const& file)
{
    auto const json = key_test::read_json(wycheproof_path(file));
    REQUIRE(str(json.at("schema")) == "json_web_key_schema_v1.json");
    tally t(file);
    int refused_at_load = 0;
    for(auto const& group : json.at("testGroups").as_array())
    {
        CAPTURE(str(group.at("comment")));
        std::vector<modelauth::result<jose::key_set>> sets;
        for(char const* which : {"private", "public"})
            if(group.as_object().contains(which))
                sets.push_back(jose::key_set::from_jwks(group.at(which)));
        REQUIRE(! sets.empty());
        for(auto const& test : group.at("tests").as_array())
        {
            t.count(str(test.at("result")));
            bool accepted_by_all = true;
            bool accepted_by_any = false;
            for(auto const& set : sets)
            {
                bool accepted = false;
                if(! set)
                    ++refused_at_load;
                else
                    accepted = static_cast<bool>(verify_with_set(*set, str(test.at("jws"))));
                accepted_by_all = accepted_by_all && accepted;
                accepted_by_any = accepted_by_any || accepted;
            }
            // Every key set of a group must reach the same verdict.
            CHECK(accepted_by_all == accepted_by_any);
            check_verdict(t, test, accepted_by_all);
        }
    }
    t.report(number_of_tests(json));
    std::printf(
        "wycheproof %-42s      %d key sets refused at load (weak, ambiguous or mismatched keys)\n",
        file.c_str(), refused_at_load);
}

} // namespace

TEST_CASE("Wycheproof HMAC-SHA-256/384/512 (J6: short keys refused, J11: truncated tags refused)")
{
    run_mac_file("hmac_sha256_test.json", algorithm::hs256);
    run_mac_file("hmac_sha384_test.json", algorithm::hs384);
    run_mac_file("hmac_sha512_test.json", algorithm::hs512);
}

TEST_CASE("J14, J15: Wycheproof RSASSA-PKCS1-v1_5 signatures, 2048 to 4096 bits")
{
    for(char const* file :
        {"rsa_signature_2048_sha256_test.json", "rsa_signature_2048_sha384_test.json",
         "rsa_signature_2048_sha512_test.json", "rsa_signature_3072_sha256_test.json",
         "rsa_signature_3072_sha384_test.json", "rsa_signature_3072_sha512_test.json",
         "rsa_signature_4096_sha256_test.json", "rsa_signature_4096_sha384_test.json",
         "rsa_signature_4096_sha512_test.json"})
        run_rsa_pkcs1_file(file);
}

TEST_CASE("J13: Wycheproof RSASSA-PSS, only a salt of the hash length accepted")
{
    for(char const* file :
        {"rsa_pss_2048_sha256_mgf1_0_test.json", "rsa_pss_2048_sha256_mgf1_32_test.json",
         "rsa_pss_2048_sha384_mgf1_48_test.json", "rsa_pss_3072_sha256_mgf1_32_test.json",
         "rsa_pss_4096_sha256_mgf1_32_test.json", "rsa_pss_4096_sha384_mgf1_48_test.json",
         "rsa_pss_4096_sha512_mgf1_32_test.json", "rsa_pss_4096_sha512_mgf1_64_test.json"})
        run_rsa_pss_file(file);
}

TEST_CASE("J10, J11: Wycheproof ECDSA P-256, P-384, P-521 in R || S (IEEE P1363)")
{
    run_ecdsa_p1363_file("ecdsa_secp256r1_sha256_p1363_test.json");
    run_ecdsa_p1363_file("ecdsa_secp384r1_sha384_p1363_test.json");
    run_ecdsa_p1363_file("ecdsa_secp521r1_sha512_p1363_test.json");
}

TEST_CASE("J11: Wycheproof ECDSA P-256 in DER: refused as JWS signatures, verified as R || S")
{
    run_ecdsa_der_file("ecdsa_secp256r1_sha256_test.json");
}

TEST_CASE("J16: Wycheproof Ed25519")
{
    run_ed25519_file("ed25519_test.json");
}

TEST_CASE("J7, J22, J23: Wycheproof JWK key sets")
{
    run_json_web_key_file("json_web_key_test.json");
}

TEST_CASE("every Wycheproof file in the test data is run here or by the JWS tests")
{
    std::set<std::string> present;
    for(auto const& entry : std::filesystem::directory_iterator(key_test::testdata("wycheproof")))
    {
        auto const name = entry.path().filename().string();
        if(entry.is_regular_file() && name.size() > 10
           && name.substr(name.size() - 10) == "_test.json")
            present.insert(name);
    }
    for(auto const& name : present)
    {
        CAPTURE(name);
        CHECK((expected_vectors.count(name) == 1 || jws_files.count(name) == 1));
    }
    for(auto const& file : expected_vectors)
    {
        CAPTURE(file.first);
        CHECK(present.count(file.first) == 1);
    }
    int total = 0;
    for(auto const& file : expected_vectors)
        total += file.second;
    std::printf("wycheproof: %zu files, %d vectors run here\n", expected_vectors.size(), total);
    CHECK(total == 5438);
}
