//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// key::from_jwk: JWK members, algorithm binding, use and key_ops.

#include <modelauth/jose/key.hpp>
#include <modelauth/jose/error.hpp>

#include <modelauth/jose/base64url.hpp>

#include "jose/key_test_support.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <iterator>
#include <string>

namespace jose = modelauth::jose;
using jose::algorithm;

namespace {

using key_test::error_of;

boost::json::object parse_object(std::string_view text)
{
    return boost::json::parse(text).as_object();
}

// RFC 7520 section 3: the cookbook's keys, public and private.
boost::json::object cookbook_key(char const* file)
{
    auto const json = key_test::read_json(key_test::testdata(std::string("cookbook/") + file));
    return json.at("input").at("key").as_object();
}

boost::json::object without(boost::json::object jwk, std::initializer_list<char const*> members)
{
    for(auto const* m : members)
        jwk.erase(m);
    return jwk;
}

boost::json::object with(boost::json::object jwk, char const* member, boost::json::value value)
{
    jwk[member] = std::move(value);
    return jwk;
}

boost::json::object with_text(boost::json::object jwk, char const* member, std::string const& text)
{
    jwk[member] = boost::json::string_view(text);
    return jwk;
}

std::string const input = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJqd2stdGVzdCJ9";

} // namespace

TEST_CASE("private JWKs of every key type load, sign, and verify through their public half")
{
    struct row
    {
        char const* file;
        algorithm alg;
    };
    row const rows[] = {
        {"jws_4_1.rsa_v15_signature.json", algorithm::rs256},
        {"jws_4_2.rsa-pss_signature.json", algorithm::ps384},
        {"jws_4_3.ecdsa_signature.json", algorithm::es512},
        {"jws_4_4.hmac-sha2_integrity_protection.json", algorithm::hs256},
        {"curve25519_jws.json", algorithm::eddsa}};
    for(auto const& r : rows)
    {
        CAPTURE(r.file);
        auto const jwk = cookbook_key(r.file);
        auto const k = jose::key::from_jwk(jwk, r.alg);
        REQUIRE(k);
        CHECK(k->alg() == r.alg);
        CHECK(k->has_private_key());
        auto const signature = k->sign(input).value();
        CHECK(k->verify(input, signature));
        if(! jose::is_symmetric(r.alg))
        {
            auto const pub = jose::key::from_jwk(k->public_jwk()).value();
            CHECK_FALSE(pub.has_private_key());
            CHECK(pub.verify(input, signature));
            CHECK(pub.kid() == k->kid());
        }
    }
}

TEST_CASE("the RFC 7520 section 4 signatures verify with the cookbook's JWKs")
{
    for(char const* file : {"jws_4_1.rsa_v15_signature.json", "jws_4_2.rsa-pss_signature.json",
                            "jws_4_3.ecdsa_signature.json",
                            "jws_4_4.hmac-sha2_integrity_protection.json", "curve25519_jws.json"})
    {
        CAPTURE(file);
        auto const json = key_test::read_json(key_test::testdata(std::string("cookbook/") + file));
        auto const alg =
            jose::algorithm_from_name(std::string(json.at("input").at("alg").as_string())).value();
        auto const k = jose::key::from_jwk(json.at("input").at("key").as_object(), alg).value();
        auto const& signing = json.at("signing");
        auto const signature =
            jose::base64url_decode(std::string(signing.at("sig").as_string())).value();
        CHECK(k.verify(alg, std::string(signing.at("sig-input").as_string()), signature));
    }
}

TEST_CASE("an RSA private JWK with d only (no CRT members) signs")
{
    auto const full = cookbook_key("jws_4_1.rsa_v15_signature.json");
    auto const k =
        jose::key::from_jwk(without(full, {"p", "q", "dp", "dq", "qi"}), algorithm::rs256);
    REQUIRE(k);
    CHECK(k->has_private_key());
    auto const pub =
        jose::key::from_jwk(without(full, {"d", "p", "q", "dp", "dq", "qi"}), algorithm::rs256)
            .value();
    CHECK(pub.verify(input, k->sign(input).value()));
}

TEST_CASE("J5: without alg and without a default, RSA and oct JWKs are refused, never guessed")
{
    auto const rsa = without(cookbook_key("jws_4_1.rsa_v15_signature.json"), {"alg"});
    CHECK(error_of(jose::key::from_jwk(rsa)) == modelauth::jose::key_error::unsupported_algorithm);
    auto const oct =
        parse_object(R"({"kty":"oct","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"})");
    CHECK(error_of(jose::key::from_jwk(oct)) == modelauth::jose::key_error::unsupported_algorithm);
    // An empty k is an empty key, whatever the algorithm (Wycheproof JWK tc16-18).
    CHECK(error_of(jose::key::from_jwk(parse_object(R"({"kty":"oct","alg":"HS256","k":""})")))
          == modelauth::jose::key_error::empty_key);
    // With a default of the right family they load.
    CHECK(jose::key::from_jwk(rsa, algorithm::ps256).value().alg() == algorithm::ps256);
    CHECK(jose::key::from_jwk(oct, algorithm::hs256).value().alg() == algorithm::hs256);
    // A default of the wrong family is a mismatch, and the JWK's own alg wins.
    CHECK(error_of(jose::key::from_jwk(rsa, algorithm::hs256))
          == modelauth::jose::key_error::algorithm_key_mismatch);
    CHECK(error_of(jose::key::from_jwk(oct, algorithm::rs256))
          == modelauth::jose::key_error::algorithm_key_mismatch);
    CHECK(jose::key::from_jwk(with(oct, "alg", "HS256"), algorithm::hs512).value().alg()
          == algorithm::hs256);
}

TEST_CASE("EC and OKP keys take their algorithm from the curve; a different alg is a mismatch (J9)")
{
    auto const p521 = cookbook_key("jws_4_3.ecdsa_signature.json");
    CHECK(jose::key::from_jwk(p521).value().alg() == algorithm::es512);
    CHECK(jose::key::from_jwk(p521, algorithm::rs256).value().alg() == algorithm::es512);
    for(char const* alg : {"ES256", "ES384", "RS256", "HS256", "EdDSA"})
    {
        CAPTURE(alg);
        CHECK(error_of(jose::key::from_jwk(with(p521, "alg", alg)))
              == modelauth::jose::key_error::algorithm_key_mismatch);
    }
    auto const ed = cookbook_key("curve25519_jws.json");
    CHECK(jose::key::from_jwk(ed).value().alg() == algorithm::eddsa);
    CHECK(jose::key::from_jwk(with(ed, "alg", "Ed25519")).value().alg() == algorithm::eddsa);
    CHECK(error_of(jose::key::from_jwk(with(ed, "alg", "ES256")))
          == modelauth::jose::key_error::algorithm_key_mismatch);
    // RSA and oct with an alg of another family.
    auto const rsa = cookbook_key("jws_4_1.rsa_v15_signature.json");
    CHECK(error_of(jose::key::from_jwk(with(rsa, "alg", "ES256")))
          == modelauth::jose::key_error::algorithm_key_mismatch);
    CHECK(error_of(jose::key::from_jwk(with(rsa, "alg", "HS256")))
          == modelauth::jose::key_error::algorithm_key_mismatch);
    auto const oct = cookbook_key("jws_4_4.hmac-sha2_integrity_protection.json");
    CHECK(error_of(jose::key::from_jwk(with(oct, "alg", "RS256")))
          == modelauth::jose::key_error::algorithm_key_mismatch);
}

TEST_CASE("a JWK alg that is none or unknown is unsupported_algorithm")
{
    auto const rsa = cookbook_key("jws_4_1.rsa_v15_signature.json");
    for(char const* alg : {"none", "NONE", "rs256", "RS1", "RSA-OAEP", "ES521"})
    {
        CAPTURE(alg);
        CHECK(error_of(jose::key::from_jwk(with(rsa, "alg", alg)))
              == modelauth::jose::key_error::unsupported_algorithm);
    }
}

TEST_CASE(
    "J22: use other than sig, or key_ops without verify (or sign for a private key), are refused")
{
    auto const pub = without(cookbook_key("jws_4_3.ecdsa_signature.json"), {"d"});
    auto const priv = cookbook_key("jws_4_3.ecdsa_signature.json");
    CHECK(error_of(jose::key::from_jwk(with(pub, "use", "enc"))) == modelauth::jose::key_error::key_use_mismatch);
    CHECK(error_of(jose::key::from_jwk(with(pub, "use", "SIG"))) == modelauth::jose::key_error::key_use_mismatch);
    CHECK(error_of(jose::key::from_jwk(with(pub, "use", ""))) == modelauth::jose::key_error::key_use_mismatch);
    CHECK(jose::key::from_jwk(with(pub, "use", "sig")));

    auto ops = [](std::initializer_list<char const*> names) {
        boost::json::array a;
        for(auto const* n : names)
            a.emplace_back(n);
        return boost::json::value(std::move(a));
    };
    CHECK(error_of(jose::key::from_jwk(with(pub, "key_ops", ops({"encrypt"}))))
          == modelauth::jose::key_error::key_use_mismatch);
    CHECK(error_of(jose::key::from_jwk(with(pub, "key_ops", ops({}))))
          == modelauth::jose::key_error::key_use_mismatch);
    CHECK(error_of(jose::key::from_jwk(with(pub, "key_ops", ops({"sign"}))))
          == modelauth::jose::key_error::key_use_mismatch);
    CHECK(jose::key::from_jwk(with(pub, "key_ops", ops({"verify"}))));
    CHECK(jose::key::from_jwk(with(priv, "key_ops", ops({"sign"}))));
    CHECK(jose::key::from_jwk(with(priv, "key_ops", ops({"sign", "verify"}))));
    // Duplicates are forbidden (RFC 7517 section 4.3), and so are non-strings.
    CHECK(error_of(jose::key::from_jwk(with(pub, "key_ops", ops({"verify", "verify"}))))
          == modelauth::jose::key_error::invalid_jwk);
    CHECK(error_of(jose::key::from_jwk(with(pub, "key_ops", boost::json::array{1})))
          == modelauth::jose::key_error::invalid_jwk);
    CHECK(error_of(jose::key::from_jwk(with(pub, "key_ops", "verify"))) == modelauth::jose::key_error::invalid_jwk);
}

TEST_CASE("JWK members of the wrong type, missing, or not strict base64url are invalid_jwk")
{
    auto const ec = without(cookbook_key("jws_4_3.ecdsa_signature.json"), {"d"});
    auto const rsa =
        without(cookbook_key("jws_4_1.rsa_v15_signature.json"), {"d", "p", "q", "dp", "dq", "qi"});
    auto const x = std::string(ec.at("x").as_string());
    boost::json::object const cases[] = {
        without(ec, {"kty"}),
        with(ec, "kty", 1),
        with(ec, "kid", 7),
        with(ec, "use", true),
        with(ec, "alg", boost::json::array{}),
        with(ec, "crv", nullptr),
        without(ec, {"crv"}),
        without(ec, {"x"}),
        without(ec, {"y"}),
        with(ec, "x", ""),
        with_text(ec, "x", x + "="),                   // padding
        with_text(ec, "x", x.substr(0, x.size() - 1)), // wrong length
        with_text(ec, "x",
                  std::string(x).replace(20, 1, x[20] == 'A' ? "B" : "A")), // off the curve
        with_text(ec, "x", std::string(x).replace(3, 1, "+")),
        with(ec, "d", ""),
        with(ec, "d", "AAAA"), // wrong length
        without(rsa, {"n"}),
        without(rsa, {"e"}),
        with(rsa, "e", ""),
        with(rsa, "n", 12345),
        with(rsa, "p", rsa.at("n")), // CRT members without d
        with(cookbook_key("jws_4_1.rsa_v15_signature.json"), "qi", nullptr),
        without(cookbook_key("jws_4_1.rsa_v15_signature.json"), {"q"}), // incomplete CRT
        parse_object(R"({"kty":"oct","alg":"HS256"})"),
        parse_object(R"({"kty":"oct","alg":"HS256","k":42})"),
        parse_object(
            R"({"kty":"oct","alg":"HS256","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG+Onbc6mxCcYg"})"),
    };
    for(std::size_t row = 0; row < std::size(cases); ++row)
    {
        CAPTURE(row);
        CHECK(error_of(jose::key::from_jwk(cases[row], algorithm::rs256))
              == modelauth::jose::key_error::invalid_jwk);
    }
}

TEST_CASE("a private JWK whose private and public members do not belong together is refused")
{
    auto ec = cookbook_key("jws_4_3.ecdsa_signature.json");
    auto other = jose::key::generate(algorithm::es512).value().public_jwk();
    ec["x"] = other.at("x");
    ec["y"] = other.at("y");
    CHECK(error_of(jose::key::from_jwk(ec)) == modelauth::jose::key_error::invalid_jwk);

    auto ed = cookbook_key("curve25519_jws.json");
    ed["x"] = jose::key::generate(algorithm::eddsa).value().public_jwk().at("x");
    CHECK(error_of(jose::key::from_jwk(ed)) == modelauth::jose::key_error::invalid_jwk);

    auto rsa = cookbook_key("jws_4_1.rsa_v15_signature.json");
    auto const d = jose::base64url_decode(std::string(rsa.at("d").as_string())).value();
    std::string changed = d;
    changed.back() = static_cast<char>(changed.back() ^ 2);
    rsa["d"] = jose::base64url_encode(changed);
    rsa.erase("p");
    rsa.erase("q");
    rsa.erase("dp");
    rsa.erase("dq");
    rsa.erase("qi");
    CHECK(error_of(jose::key::from_jwk(rsa, algorithm::rs256)) == modelauth::jose::key_error::invalid_jwk);
}

TEST_CASE("key types and curves outside JWS signatures are unsupported_key_type")
{
    char const* const cases[] = {
        R"({"kty":"EC","crv":"secp256k1","x":"AAAA","y":"AAAA"})",
        R"({"kty":"EC","crv":"P-224","x":"AAAA","y":"AAAA"})",
        R"({"kty":"OKP","crv":"Ed448","x":"AAAA"})",
        R"({"kty":"OKP","crv":"X25519","x":"AAAA"})",
        R"({"kty":"DSA","x":"AAAA"})",
        R"({"kty":"rsa","n":"AAAA","e":"AQAB"})",
        R"({"kty":"RSA","alg":"RS256","n":"AAAA","e":"AQAB","d":"AAAA","oth":[]})"};
    for(auto const* text : cases)
    {
        CAPTURE(text);
        CHECK(error_of(jose::key::from_jwk(std::string_view(text)))
              == modelauth::jose::key_error::unsupported_key_type);
    }
}

TEST_CASE("JWK text that is not one JSON object is invalid_jwk")
{
    for(char const* text : {"", "[]", "\"kty\"", "{", "{\"kty\":\"oct\"", "null", "{} {}"})
    {
        CAPTURE(text);
        CHECK(error_of(jose::key::from_jwk(std::string_view(text))) == modelauth::jose::key_error::invalid_jwk);
    }
    std::string huge =
        R"({"kty":"oct","alg":"HS256","k":")" + std::string(70 * 1024, 'A') + R"("})";
    CHECK(error_of(jose::key::from_jwk(std::string_view(huge))) == modelauth::jose::key_error::invalid_jwk);
}

TEST_CASE("J7: weak RSA JWKs from Wycheproof are refused: 1024 bits, e = 1, ROCA")
{
    auto const tests = key_test::read_json(key_test::testdata("wycheproof/json_web_key_test.json"));
    int checked = 0;
    for(auto const& group : tests.at("testGroups").as_array())
    {
        auto const comment = std::string(group.at("comment").as_string());
        if(comment != "keysize_too_small" && comment != "exponentOne"
           && comment != "jws_rsa_roca_key")
            continue;
        CAPTURE(comment);
        CHECK(error_of(jose::key::from_jwk(group.at("private").at("keys").at(0).as_object()))
              == modelauth::jose::key_error::weak_key);
        ++checked;
    }
    CHECK(checked == 3);
}

TEST_CASE("a JWK's kid becomes the key's kid; unknown members are ignored")
{
    auto jwk = cookbook_key("jws_4_3.ecdsa_signature.json");
    jwk["x5t"] = "whatever";
    jwk["ext"] = true;
    auto const k = jose::key::from_jwk(jwk).value();
    CHECK(k.kid() == "bilbo.baggins@hobbiton.example");
    CHECK(jose::key::from_jwk(without(jwk, {"kid"})).value().kid().empty());
}
