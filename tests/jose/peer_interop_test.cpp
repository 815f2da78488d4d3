//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Cross-implementation evidence: tokens made by PyJWT (Debian's python3-jwt)
// and by the npm package `jose` verify with modelauth, and tokens signed by
// modelauth verify in both. Every token and key is made at test time.
// scripts/deps installs both peers; a missing peer fails this test.

#include <modelauth/validation/token_validator.hpp>

#include <modelauth/jose/base64url.hpp>

#include "support/doctest_result.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <openssl/rand.h>
#include <sstream>

namespace ma = modelauth;
namespace jose = modelauth::jose;
namespace json = boost::json;

namespace {

struct peer
{
    char const* name;
    std::string command; // followed by "sign ALG" or "verify ALG"
};

std::vector<peer> peers()
{
    std::string const dir = std::string(MODELAUTH_SOURCE_DIR) + "/tests/peers/";
    return {{"PyJWT", "/usr/bin/python3 " + dir + "pyjwt_peer.py"}, {"jose (npm)", "node " + dir + "jose_peer.mjs"}};
}

struct run_result
{
    int status;
    std::string out;
};

// Runs `command` with `input` on its standard input; returns exit status and output.
run_result run(std::string const& command, std::string const& input)
{
    static int counter = 0;
    auto const path = "modelauth_peer_input_" + std::to_string(++counter) + ".json";
    {
        std::ofstream f(path, std::ios::binary);
        f << input;
    }
    std::string out;
    FILE* pipe = popen((command + " < " + path + " 2>/dev/null").c_str(), "r");
    REQUIRE(pipe);
    char buffer[4096];
    std::size_t n;
    while((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
        out.append(buffer, n);
    int const status = pclose(pipe);
    std::remove(path.c_str());
    return {status, out};
}

std::vector<std::string> const algorithms = {"HS256", "HS384", "HS512", "RS256", "PS256",
                                             "ES256", "ES384", "ES512", "EdDSA"};

} // namespace

TEST_CASE("tokens signed by PyJWT and by npm jose verify with modelauth")
{
    auto const exp = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count()
        + 600;
    for(auto const& p : peers())
        for(auto const& alg : algorithms)
        {
            CAPTURE(p.name);
            CAPTURE(alg);
            json::object claims{{"iss", "peer"}, {"sub", "carol"}, {"exp", exp}, {"scope", "models:infer"}};
            auto const signed_by_peer = run(p.command + " sign " + alg, json::serialize(claims));
            REQUIRE(signed_by_peer.status == 0);
            auto const answer = json::parse(signed_by_peer.out).as_object();
            auto k = jose::key::from_jwk(answer.at("jwk").as_object());
            REQUIRE(k);
            ma::validation::trusted_issuer t;
            t.issuer = "peer";
            t.keys = jose::key_set::from_keys({*k}).value();
            ma::validation::TokenValidator validator({t});
            auto const& token = answer.at("token").as_string();
            auto principal = validator.validate(std::string_view(token.data(), token.size()));
            REQUIRE(principal);
            CHECK((*principal)->subject == "carol");
            CHECK((*principal)->scopes == std::vector<std::string>{"models:infer"});

            // One changed signature byte: refused.
            std::string forged(token.data(), token.size());
            forged[forged.size() - 2] = forged[forged.size() - 2] == 'A' ? 'B' : 'A';
            CHECK_FALSE(validator.validate(forged));
        }
}

TEST_CASE("tokens signed by modelauth verify with PyJWT and with npm jose")
{
    for(auto const& p : peers())
        for(auto const& alg_name : algorithms)
        {
            CAPTURE(p.name);
            CAPTURE(alg_name);
            auto const alg = jose::algorithm_from_name(alg_name).value();
            std::optional<jose::key> k;
            json::object jwk;
            if(alg_name.rfind("HS", 0) == 0)
            {
                // A shared secret: the peer needs it as an oct JWK.
                std::string secret(alg == jose::algorithm::hs256 ? 32 : alg == jose::algorithm::hs384 ? 48 : 64, '\0');
                REQUIRE(RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), static_cast<int>(secret.size())) == 1);
                k = jose::key::from_secret(secret, alg, "ours").value();
                jwk = {{"kty", "oct"}, {"k", jose::base64url_encode(secret)}, {"alg", alg_name}};
            }
            else
            {
                k = jose::key::generate(alg, "ours").value();
                jwk = k->public_jwk();
            }
            json::object claims{{"iss", "modelauth"}, {"sub", "dave"}, {"exp", 4102444800}};
            auto token = jose::sign_compact_jws(json::serialize(claims), *k);
            REQUIRE(token);
            auto const verified = run(p.command + " verify " + alg_name,
                                      json::serialize(json::object{{"token", *token}, {"jwk", jwk}}));
            REQUIRE(verified.status == 0);
            CHECK(json::parse(verified.out) == json::value(claims));

            std::string forged = *token;
            forged[forged.size() - 2] = forged[forged.size() - 2] == 'A' ? 'B' : 'A';
            auto const refused = run(p.command + " verify " + alg_name,
                                     json::serialize(json::object{{"token", forged}, {"jwk", jwk}}));
            CHECK(refused.status != 0);
        }
}
