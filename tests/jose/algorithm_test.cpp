//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/error.hpp>

#include "jose/key_test_support.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

namespace jose = modelauth::jose;
using jose::algorithm;
using jose::algorithm_family;

TEST_CASE("every registered JWS algorithm name parses to its algorithm and back")
{
    struct row
    {
        char const* name;
        algorithm alg;
        algorithm_family fam;
        std::size_t hash;
        std::size_t ecdsa_size;
    };
    row const rows[] = {
        {"HS256", algorithm::hs256, algorithm_family::hmac, 32, 0},
        {"HS384", algorithm::hs384, algorithm_family::hmac, 48, 0},
        {"HS512", algorithm::hs512, algorithm_family::hmac, 64, 0},
        {"RS256", algorithm::rs256, algorithm_family::rsa_pkcs1_v1_5, 32, 0},
        {"RS384", algorithm::rs384, algorithm_family::rsa_pkcs1_v1_5, 48, 0},
        {"RS512", algorithm::rs512, algorithm_family::rsa_pkcs1_v1_5, 64, 0},
        {"PS256", algorithm::ps256, algorithm_family::rsa_pss, 32, 0},
        {"PS384", algorithm::ps384, algorithm_family::rsa_pss, 48, 0},
        {"PS512", algorithm::ps512, algorithm_family::rsa_pss, 64, 0},
        {"ES256", algorithm::es256, algorithm_family::ecdsa, 32, 64},
        {"ES384", algorithm::es384, algorithm_family::ecdsa, 48, 96},
        {"ES512", algorithm::es512, algorithm_family::ecdsa, 64, 132},
        {"EdDSA", algorithm::eddsa, algorithm_family::eddsa, 0, 0},
    };
    std::set<algorithm> seen;
    for(auto const& r : rows)
    {
        CAPTURE(r.name);
        auto parsed = jose::algorithm_from_name(r.name);
        REQUIRE(parsed);
        CHECK(*parsed == r.alg);
        CHECK(jose::algorithm_name(r.alg) == r.name);
        CHECK(jose::family(r.alg) == r.fam);
        CHECK(jose::is_symmetric(r.alg) == (r.fam == algorithm_family::hmac));
        CHECK(jose::hash_size(r.alg) == r.hash);
        CHECK(jose::ecdsa_signature_size(r.alg) == r.ecdsa_size);
        seen.insert(r.alg);
    }
    CHECK(seen.size() == jose::all_algorithms.size());
    for(auto alg : jose::all_algorithms)
        CHECK(seen.count(alg) == 1);
}

TEST_CASE("Ed25519 is a second name of EdDSA, which is always written EdDSA")
{
    CHECK(jose::algorithm_from_name("Ed25519").value() == algorithm::eddsa);
    CHECK(jose::algorithm_name(algorithm::eddsa) == "EdDSA");
}

TEST_CASE("J1: none in any letter case is algorithm_none, never an algorithm")
{
    for(char const* name : {"none", "None", "NONE", "nOnE", "noNE", "NoNe"})
    {
        CAPTURE(name);
        auto parsed = jose::algorithm_from_name(name);
        REQUIRE(parsed.has_error());
        CHECK(parsed.error() == modelauth::jose::error::algorithm_none);
    }
}

TEST_CASE("J31: algorithm names are case-sensitive and exact")
{
    char const* const rejected[] = {
        "hs256",   "Hs256", "hS256",    "Rs256",   "rs256",   "RS256 ", " RS256", "ps256", "es256",
        "ES256\n", "eddsa", "EDDSA",    "ed25519", "ED25519", "Ed448",  "ES256K", "ES521", "ES224",
        "HS1",     "RS1",   "RSA-OAEP", "A256GCM", "",        "nonee",  "non"};
    for(auto const* name : rejected)
    {
        CAPTURE(name);
        auto parsed = jose::algorithm_from_name(name);
        REQUIRE(parsed.has_error());
        CHECK(parsed.error() == modelauth::jose::error::unsupported_algorithm);
    }
    // An embedded NUL is not the end of the name.
    auto with_nul = jose::algorithm_from_name(std::string_view("HS256\0", 6));
    REQUIRE(with_nul.has_error());
    CHECK(with_nul.error() == modelauth::jose::error::unsupported_algorithm);
}

TEST_CASE("a value outside the enumeration has no name")
{
    CHECK(jose::algorithm_name(static_cast<algorithm>(0)).empty());
    CHECK(jose::algorithm_name(static_cast<algorithm>(200)).empty());
}

TEST_CASE("the algorithm helpers are usable in constant expressions")
{
    static_assert(jose::family(algorithm::ps384) == algorithm_family::rsa_pss);
    static_assert(jose::hash_size(algorithm::hs512) == 64);
    static_assert(jose::ecdsa_signature_size(algorithm::es512) == 132);
    static_assert(jose::is_symmetric(algorithm::hs256) && ! jose::is_symmetric(algorithm::eddsa));
    CHECK(true);
}
