//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/jose/key_set.hpp>
#include <modelauth/jose/error.hpp>

#include "jose/key_test_support.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

namespace jose = modelauth::jose;
using jose::algorithm;

namespace {

using key_test::error_of;

jose::key es256(std::string kid)
{
    return jose::key::generate(algorithm::es256, std::move(kid)).value();
}

boost::json::value jwks_of(std::initializer_list<boost::json::object> keys)
{
    boost::json::array array;
    for(auto const& k : keys)
        array.push_back(k);
    return boost::json::object{{"keys", std::move(array)}};
}

boost::json::object with(boost::json::object jwk, char const* member, boost::json::value value)
{
    jwk[member] = std::move(value);
    return jwk;
}

} // namespace

TEST_CASE("a key set finds its keys by kid, without allocating, and only by exact kid")
{
    auto const set =
        jose::key_set::from_keys({es256("a"), es256("b"), es256("c"), es256("2026-01")}).value();
    CHECK(set.size() == 4);
    for(char const* kid : {"a", "b", "c", "2026-01"})
    {
        CAPTURE(kid);
        auto const* k = set.find(kid);
        REQUIRE(k);
        CHECK(k->kid() == kid);
    }
    CHECK(set.find("A") == nullptr);
    CHECK(set.find("a ") == nullptr);
    CHECK(set.find("") == nullptr);
    CHECK(set.only_key() == nullptr);
    // Iteration keeps the given order.
    std::vector<std::string> order;
    for(auto const& k : set)
        order.emplace_back(k.kid());
    CHECK(order == std::vector<std::string>{"a", "b", "c", "2026-01"});
}

TEST_CASE("J20: a kid is an opaque name: paths, SQL and shell text find nothing")
{
    auto const set = jose::key_set::from_keys({es256("key-1")}).value();
    for(char const* kid : {"../../../../dev/null", "/dev/null", "", "x' UNION SELECT '1';--",
                           "|sleep 10", "key-1\n", "KEY-1", "unknown"})
    {
        CAPTURE(kid);
        CHECK(set.find(kid) == nullptr);
    }
    CHECK(set.find("key-1"));
    CHECK(set.find(std::string_view("key-1\0", 6)) == nullptr);
}

TEST_CASE("a token without kid uses the set's only key, and no key when there are several")
{
    auto const one = jose::key_set::from_keys({es256("")}).value();
    REQUIRE(one.only_key());
    CHECK(one.find("") == nullptr);
    auto const two = jose::key_set::from_keys({es256("x"), es256("y")}).value();
    CHECK(two.only_key() == nullptr);
    jose::key_set const empty;
    CHECK(empty.empty());
    CHECK(empty.only_key() == nullptr);
    CHECK(empty.find("x") == nullptr);
}

TEST_CASE("J23: a duplicate kid makes the set ambiguous and it is refused")
{
    CHECK(error_of(jose::key_set::from_keys({es256("same"), es256("other"), es256("same")}))
          == modelauth::jose::key_error::duplicate_key_id);
    // Two keys without a kid are just as ambiguous.
    CHECK(error_of(jose::key_set::from_keys({es256(""), es256("")}))
          == modelauth::jose::key_error::duplicate_key_id);
    // The same kid for an HMAC and an EC key.
    auto const hs = jose::key::generate(algorithm::hs256, "same").value();
    CHECK(error_of(jose::key_set::from_keys({hs, es256("same")})) == modelauth::jose::key_error::duplicate_key_id);
}

TEST_CASE("J23: HMAC secrets and public-key keys never share a set, whatever their kids")
{
    auto const hs = jose::key::generate(algorithm::hs256, "secret").value();
    CHECK(error_of(jose::key_set::from_keys({hs, es256("public")})) == modelauth::jose::key_error::mixed_key_set);
    auto const rs = jose::key::generate(algorithm::rs256, "rsa").value();
    CHECK(error_of(jose::key_set::from_keys({rs, hs})) == modelauth::jose::key_error::mixed_key_set);
    // Several HMAC keys, or several public-key types, are fine.
    CHECK(jose::key_set::from_keys({hs, jose::key::generate(algorithm::hs512, "s2").value()}));
    CHECK(jose::key_set::from_keys(
        {rs, es256("ec"), jose::key::generate(algorithm::eddsa, "ed").value()}));
}

TEST_CASE("a JWKS loads into a set; its public form round-trips and holds no secrets")
{
    auto const rs = jose::key::generate(algorithm::rs256, "rs").value();
    auto const ec = jose::key::generate(algorithm::es384, "ec").value();
    auto const ed = jose::key::generate(algorithm::eddsa, "ed").value();
    auto const set = jose::key_set::from_keys({rs, ec, ed}).value();
    auto const jwks = set.to_public_jwks();
    REQUIRE(jwks.at("keys").as_array().size() == 3);
    auto const text = boost::json::serialize(jwks);
    CHECK(text.find("\"d\"") == std::string::npos);

    auto const reloaded = jose::key_set::from_jwks(std::string_view(text)).value();
    REQUIRE(reloaded.size() == 3);
    for(auto const& original : set)
    {
        auto const* k = reloaded.find(original.kid());
        REQUIRE(k);
        CHECK(k->alg() == original.alg());
        CHECK(k->thumbprint() == original.thumbprint());
        CHECK_FALSE(k->has_private_key());
        CHECK(k->verify("input", original.sign("input").value()));
    }
    // HMAC keys are never exported.
    auto const secrets =
        jose::key_set::from_keys({jose::key::generate(algorithm::hs256, "s").value()}).value();
    CHECK(secrets.to_public_jwks().at("keys").as_array().empty());
}

TEST_CASE("J22: keys not meant for signatures are skipped, not loaded and not fatal")
{
    auto const sig = es256("sig").public_jwk();
    auto const enc = with(es256("enc").public_jwk(), "use", "enc");
    auto wrap_jwk = with(es256("wrap").public_jwk(), "key_ops", boost::json::array{"wrapKey"});
    wrap_jwk.erase("use");
    auto oaep_jwk =
        with(jose::key::generate(algorithm::rs256, "oaep").value().public_jwk(), "alg", "RSA-OAEP");
    oaep_jwk.erase("use");
    auto const x25519 =
        boost::json::parse(
            R"({"kty":"OKP","crv":"X25519","kid":"ecdh","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"})")
            .as_object();
    auto const k1 =
        boost::json::parse(
            R"({"kty":"EC","crv":"secp256k1","kid":"k1","alg":"ES256K","x":"AAAA","y":"AAAA"})")
            .as_object();
    auto const unknown_kty =
        boost::json::parse(R"({"kty":"AKP","kid":"pq","alg":"ML-DSA-44","pub":"AAAA"})")
            .as_object();
    auto const aes =
        boost::json::parse(
            R"({"kty":"oct","kid":"aes","alg":"A256GCM","use":"sig","k":"-ebuDNsVZ2iJtoZ-akfXTSCt4UO2cruLCsbWlBinggE"})")
            .as_object();

    auto const set = jose::key_set::from_jwks(
        jwks_of({sig, enc, wrap_jwk, oaep_jwk, x25519, k1, unknown_kty, aes}));
    REQUIRE(set);
    CHECK(set->size() == 1);
    CHECK(set->find("sig"));
    for(char const* skipped : {"enc", "wrap", "oaep", "ecdh", "k1", "pq", "aes"})
        CHECK(set->find(skipped) == nullptr);
}

TEST_CASE("a signature key that does not load fails the whole set")
{
    auto const good = es256("good").public_jwk();
    auto const weak_rsa = [] {
        auto jwk = jose::key::generate(algorithm::rs256, "weak").value().public_jwk();
        auto const small = key_test::generate_rsa(1024);
        auto const n = key_test::rsa_modulus(small.get());
        std::string bytes(static_cast<std::size_t>(BN_num_bytes(n.get())), '\0');
        BN_bn2bin(n.get(), reinterpret_cast<unsigned char*>(bytes.data()));
        jwk["n"] = jose::base64url_encode(bytes);
        return jwk;
    }();
    auto const no_alg_rsa = [] {
        auto jwk = jose::key::generate(algorithm::rs256, "no-alg").value().public_jwk();
        jwk.erase("alg");
        return jwk;
    }();
    auto const short_hs =
        boost::json::parse(
            R"({"kty":"oct","kid":"hs","alg":"HS256","k":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg"})")
            .as_object();
    auto const bad_point = with(es256("bad").public_jwk(), "y", boost::json::string(43, 'A'));
    auto const none = with(es256("none").public_jwk(), "alg", "none");

    CHECK(error_of(jose::key_set::from_jwks(jwks_of({good, weak_rsa}))) == modelauth::jose::key_error::weak_key);
    CHECK(error_of(jose::key_set::from_jwks(jwks_of({good, no_alg_rsa})))
          == modelauth::jose::key_error::unsupported_algorithm);
    CHECK(error_of(jose::key_set::from_jwks(jwks_of({short_hs}))) == modelauth::jose::key_error::weak_key);
    CHECK(error_of(jose::key_set::from_jwks(jwks_of({good, bad_point}))) == modelauth::jose::key_error::invalid_jwk);
    CHECK(error_of(jose::key_set::from_jwks(jwks_of({good, none})))
          == modelauth::jose::key_error::unsupported_algorithm);
    // The missing alg can come from the set's default.
    CHECK(jose::key_set::from_jwks(jwks_of({good, no_alg_rsa}), algorithm::rs256));
}

TEST_CASE("text that is not a JWKS is invalid_jwks; an entry that is not an object is invalid_jwk")
{
    for(char const* text :
        {"", "[]", "{}", R"({"keys":{}})", R"({"keys":"x"})", "{\"keys\":[", "null"})
    {
        CAPTURE(text);
        CHECK(error_of(jose::key_set::from_jwks(std::string_view(text)))
              == modelauth::jose::key_error::invalid_jwks);
    }
    CHECK(error_of(jose::key_set::from_jwks(std::string_view(R"({"keys":[1]})")))
          == modelauth::jose::key_error::invalid_jwk);
    CHECK(jose::key_set::from_jwks(std::string_view(R"({"keys":[]})")).value().empty());
    std::string const huge =
        R"({"keys":[],"pad":")" + std::string(jose::key_set::max_jwks_size, ' ') + R"("})";
    CHECK(error_of(jose::key_set::from_jwks(std::string_view(huge))) == modelauth::jose::key_error::invalid_jwks);
}

TEST_CASE("Wycheproof's JWK key sets: mixed, duplicate kid and valid sets")
{
    auto const tests = key_test::read_json(key_test::testdata("wycheproof/json_web_key_test.json"));
    std::map<std::string, std::error_code> results;
    for(auto const& group : tests.at("testGroups").as_array())
    {
        auto const comment = std::string(group.at("comment").as_string());
        auto const set = jose::key_set::from_jwks(group.at("private"));
        results[comment] = set ? std::error_code{} : set.error();
    }
    CHECK(results.at("jws_mixedSymmetryKeyset") == modelauth::jose::key_error::mixed_key_set);
    // Refused before its kids are compared: its second "k" has non-zero
    // unused bits, which strict base64url (RFC 7515 section 2) refuses.
    CHECK(results.at("jws_duplicate_kid") == modelauth::jose::key_error::invalid_jwk);
    CHECK(results.at("jws_keyset") == std::error_code{});
}
