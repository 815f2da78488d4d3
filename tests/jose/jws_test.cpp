//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/jose/jws.hpp>
#include <modelauth/jose/key_set.hpp>
#include <modelauth/jose/error.hpp>

#include "support/doctest_result.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

namespace ma = modelauth;
namespace jose = modelauth::jose;
namespace json = boost::json;

namespace {

json::value load_json(std::string const& relative)
{
    std::ifstream in(std::string(MODELAUTH_TESTDATA_DIR) + "/" + relative, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "missing test data: " << relative);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());
}

std::string str(json::value const& v)
{
    return std::string(v.as_string().data(), v.as_string().size());
}

// The algorithm a token's header names, read without any checks: used only
// to bind a test key that lacks "alg" to the algorithm its vector is about.
std::optional<jose::algorithm> header_alg(std::string const& token)
{
    auto const dot = token.find('.');
    auto header = jose::base64url_decode(token.substr(0, dot));
    if(! header)
        return std::nullopt;
    boost::system::error_code ec;
    auto v = json::parse(*header, ec);
    if(ec || ! v.is_object() || ! v.as_object().contains("alg") || ! v.at("alg").is_string())
        return std::nullopt;
    auto alg = jose::algorithm_from_name(str(v.at("alg")));
    return alg ? std::optional<jose::algorithm>(*alg) : std::nullopt;
}

} // namespace

TEST_CASE("split_compact_jws gives views of the three parts and the signing input")
{
    auto parts = jose::split_compact_jws("aGVhZA.cGF5.c2ln");
    REQUIRE(parts);
    CHECK(parts->header == "aGVhZA");
    CHECK(parts->payload == "cGF5");
    CHECK(parts->signature == "c2ln");
    CHECK(parts->signing_input == "aGVhZA.cGF5");

    auto empty_payload = jose::split_compact_jws("aGVhZA..c2ln"); // valid JWS (RFC 7515)
    REQUIRE(empty_payload);
    CHECK(empty_payload->payload.empty());
    CHECK(empty_payload->signing_input == "aGVhZA.");
}

TEST_CASE("J3, J18: split_compact_jws rejects every other shape before decoding")
{
    namespace jose = ma::jose;
    struct row
    {
        std::string token;
        jose::error expected;
        std::string why;
    };
    row const rows[] = {
        {"", jose::error::malformed_compact_serialization, "J3 empty"},
        {"a.b", jose::error::malformed_compact_serialization, "J3 two parts"},
        {"a.b.c.d", jose::error::malformed_compact_serialization, "J3 four parts"},
        {"a.b.c.d.e", jose::error::encrypted_token_not_supported, "J3 five parts: JWE"},
        {"a.b.c.d.e.f", jose::error::malformed_compact_serialization, "J3 six parts"},
        {".b.c", jose::error::malformed_compact_serialization, "J3 missing header"},
        {"a.b.", jose::error::empty_signature, "J2 empty signature"},
        {R"({"payload":"e30","signatures":[]})", jose::error::json_serialization_not_supported, "J18"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.why);
        auto parts = jose::split_compact_jws(r.token);
        REQUIRE(parts.has_error());
        CHECK(parts.error() == r.expected);
    }
    jose::jws_limits limits;
    limits.max_token_bytes = 10;
    CHECK(jose::split_compact_jws("aaaa.bbbb.c", limits).error() == ma::jose::error::token_too_large);
    CHECK(jose::split_compact_jws("aaaa.bbb.c", limits));
}

TEST_CASE("J17: a character outside base64url in any part is refused when that part is decoded")
{
    auto const k = jose::key::from_secret(std::string(32, 'k'), jose::algorithm::hs256).value();
    auto const token = jose::sign_compact_jws(R"({"sub":"x"})", k).value();
    auto const first = token.find('.');
    auto const second = token.rfind('.');
    std::string const inserted[] = {"=", "+", "/", " ", "?", "#", "\n", std::string(1, '\0'), "\xc3\xa9"};
    for(auto const& bad : inserted)
        for(auto at : {std::size_t(3), first + 3, second + 3})
        {
            CAPTURE(bad);
            CAPTURE(at);
            auto const mutated = token.substr(0, at) + bad + token.substr(at);
            auto verified = jose::verify_compact_jws(mutated, k);
            REQUIRE(verified.has_error());
            if(at == first + 3)
                // The signing input changed, so the signature check refuses it
                // before the payload is decoded.
                CHECK(verified.error() == ma::jose::error::signature_mismatch);
            else
                CHECK(verified.error() == ma::jose::error::invalid_base64url);
        }
    CHECK(jose::verify_compact_jws(token, k));
}

TEST_CASE("parse_jws_header reads alg, kid, typ and refuses what it does not understand")
{
    auto h = jose::parse_jws_header(jose::base64url_encode(R"({"alg":"ES256","kid":"k1","typ":"at+jwt","x5u":"https://x"})"));
    REQUIRE(h);
    CHECK(h->alg() == jose::algorithm::es256);
    CHECK(h->kid() == std::optional<std::string_view>("k1"));
    CHECK(h->typ() == std::optional<std::string_view>("at+jwt"));
    CHECK(h->json().contains("x5u"));

    struct row
    {
        char const* header;
        ma::jose::error expected;
        char const* why;
    };
    row const rows[] = {
        {R"({"alg":"none"})", ma::jose::error::algorithm_none, "J1"},
        {R"({"alg":"NoNe"})", ma::jose::error::algorithm_none, "J1 case"},
        {R"({"alg":"hs256"})", ma::jose::error::unsupported_algorithm, "J31"},
        {R"({"alg":"HS256","crit":["b64"],"b64":false})", ma::jose::error::unknown_critical_header, "J21"},
        {R"({"alg":"HS256","crit":[]})", ma::jose::error::unknown_critical_header, "J21 empty crit"},
        {R"({"alg":"HS256","b64":false})", ma::jose::error::unknown_critical_header, "J21 b64 without crit"},
        {R"({"alg":"HS256","alg":"none"})", ma::jose::error::duplicate_json_member, "J25"},
        {R"(["HS256"])", ma::jose::error::not_a_json_object, "J26 array"},
        {R"({"alg":7})", ma::jose::error::missing_algorithm, "alg not a string"},
        {R"({})", ma::jose::error::missing_algorithm, "no alg"},
        {R"({"alg":"HS256","kid":1})", ma::jose::error::invalid_header_parameter, "kid not a string"},
        {R"({"alg":"HS256","typ":null})", ma::jose::error::invalid_header_parameter, "typ not a string"},
        {"{\"alg\":\"HS256\"\x01}", ma::jose::error::invalid_json, "J26 control byte"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.why);
        auto parsed = jose::parse_jws_header(jose::base64url_encode(r.header));
        REQUIRE(parsed.has_error());
        CHECK(parsed.error() == r.expected);
    }
    auto big = jose::parse_jws_header(jose::base64url_encode(std::string(R"({"alg":"HS256","p":")") + std::string(1100, 'x') + "\"}"));
    REQUIRE(big.has_error());
    CHECK(big.error() == ma::jose::error::header_too_large);
}

TEST_CASE("sign_compact_jws and verify_compact_jws round-trip for every algorithm")
{
    for(auto alg : {jose::algorithm::hs256, jose::algorithm::hs384, jose::algorithm::hs512,
                    jose::algorithm::rs256, jose::algorithm::rs384, jose::algorithm::rs512,
                    jose::algorithm::ps256, jose::algorithm::ps384, jose::algorithm::ps512,
                    jose::algorithm::es256, jose::algorithm::es384, jose::algorithm::es512,
                    jose::algorithm::eddsa})
    {
        CAPTURE(jose::algorithm_name(alg));
        auto k = jose::key::generate(alg, "kid-1").value();
        auto token = jose::sign_compact_jws(R"({"sub":"x"})", k);
        REQUIRE(token);
        auto header = jose::parse_jws_header(jose::split_compact_jws(*token).value().header).value();
        CHECK(header.kid() == std::optional<std::string_view>("kid-1"));
        CHECK(header.typ() == std::optional<std::string_view>("JWT"));
        auto payload = jose::verify_compact_jws(*token, k);
        REQUIRE(payload);
        CHECK(*payload == R"({"sub":"x"})");
    }
}

namespace {

struct wycheproof_counts
{
    std::size_t executed = 0, accepted = 0, rejected = 0, acceptable = 0, excluded = 0, jwe = 0;
};

// Verifies one Wycheproof JWS vector with its group's key (a JWK or a JWKS,
// public if given, else private) and checks the outcome it expects.
void run_jws_vector(json::object const& group, json::object const& test, wycheproof_counts& counts)
{
    auto const& material = group.contains("public") ? group.at("public") : group.at("private");
    std::string const token = test.at("jws").is_string() ? str(test.at("jws")) : json::serialize(test.at("jws"));
    bool ok = false;
    if(material.is_object() && material.as_object().contains("keys"))
    {
        // A key set: the token's kid chooses the key, as a validator does.
        auto set = jose::key_set::from_jwks(material, header_alg(token));
        if(set)
            if(auto parts = jose::split_compact_jws(token))
                if(auto header = jose::parse_jws_header(parts->header))
                {
                    auto const* k = header->kid() ? set->find(*header->kid()) : set->only_key();
                    ok = k && jose::verify_compact_jws(token, *k).has_value();
                }
    }
    else
    {
        auto k = jose::key::from_jwk(material.as_object(), header_alg(token));
        ok = k && jose::verify_compact_jws(token, *k).has_value();
    }
    auto const expected = str(test.at("result"));
    ++counts.executed;
    if(expected == "valid")
    {
        CHECK(ok);
        ++counts.accepted;
    }
    else if(expected == "invalid")
    {
        CHECK_FALSE(ok);
        ++counts.rejected;
    }
    else
        ++counts.acceptable;
}

} // namespace

TEST_CASE("Wycheproof json_web_signature_test.json: every vector but the eight allowed exclusions")
{
    auto const doc = load_json("wycheproof/json_web_signature_test.json");
    // The exclusions the issue allows, each with its reason.
    std::map<std::int64_t, char const*> const excluded = {
        {346, "cookbook Figure 20 (PS384) paired with a key whose JWK says PS256: a key is bound to one alg"},
        {347, "cookbook Figure 27 (ES512) paired with a key whose JWK says alg ES521, not a JOSE name"},
        {350, "as 346, a second group with the same cookbook figure"},
        {351, "as 347, a second group with the same cookbook figure"},
        {367, "invalid base64 padding case whose token text is canonical: the vector cannot fail as named"},
        {370, "as 367, for the payload"},
        {372, "marked valid with a '?' inside the header: modelauth's strict base64url rejects it (J17)"},
        {373, "marked valid with a '?' inside the payload: strict base64url rejects it (J17)"},
    };
    wycheproof_counts counts;
    for(auto const& group : doc.at("testGroups").as_array())
        for(auto const& test : group.at("tests").as_array())
        {
            auto const id = test.at("tcId").to_number<std::int64_t>();
            if(excluded.count(id))
            {
                ++counts.excluded;
                continue;
            }
            CAPTURE(id);
            CAPTURE(str(test.at("comment")));
            run_jws_vector(group.as_object(), test.as_object(), counts);
        }
    std::cout << "wycheproof json_web_signature_test.json: " << counts.executed << " executed ("
              << counts.accepted << " valid accepted, " << counts.rejected << " invalid rejected, "
              << counts.acceptable << " acceptable), " << counts.excluded << " excluded\n";
    CHECK(counts.excluded == excluded.size());
    CHECK(counts.executed + counts.excluded == doc.at("numberOfTests").to_number<std::size_t>());
}

TEST_CASE("Wycheproof json_web_crypto_test.json: JWS vectors verify as expected, JWE is never taken for JWS")
{
    auto const doc = load_json("wycheproof/json_web_crypto_test.json");
    wycheproof_counts counts;
    for(auto const& group : doc.at("testGroups").as_array())
        for(auto const& test : group.at("tests").as_array())
        {
            CAPTURE(test.at("tcId").to_number<std::int64_t>());
            CAPTURE(str(test.at("comment")));
            auto const& t = test.as_object();
            if(t.contains("jws"))
            {
                run_jws_vector(group.as_object(), t, counts);
                continue;
            }
            // An encrypted token: whatever it says, it is not a signed one.
            auto const& jwe = t.at("jwe");
            std::string token = jwe.is_string() ? str(jwe) : json::serialize(jwe);
            auto parts = jose::split_compact_jws(token);
            REQUIRE(parts.has_error());
            bool const refused = parts.error() == ma::jose::error::encrypted_token_not_supported
                || parts.error() == ma::jose::error::json_serialization_not_supported
                || parts.error() == ma::jose::error::malformed_compact_serialization
                || parts.error() == ma::jose::error::invalid_base64url;
            CHECK(refused);
            ++counts.jwe;
        }
    std::cout << "wycheproof json_web_crypto_test.json: " << counts.executed << " JWS executed ("
              << counts.accepted << " valid accepted, " << counts.rejected << " invalid rejected), "
              << counts.jwe << " JWE refused as JWS\n";
    CHECK(counts.executed + counts.jwe == doc.at("numberOfTests").to_number<std::size_t>());
}

TEST_CASE("RFC 7520 section 4 and RFC 8037 cookbook vectors verify, and deterministic ones re-sign identically")
{
    std::size_t executed = 0;
    for(auto const* file : {"jws_4_1.rsa_v15_signature.json", "jws_4_2.rsa-pss_signature.json",
                            "jws_4_3.ecdsa_signature.json", "jws_4_4.hmac-sha2_integrity_protection.json",
                            "jws_4_5.signature_with_detached_content.json",
                            "jws_4_6.protecting_specific_header_fields.json",
                            "jws_4_7.protecting_content_only.json", "jws_4_8.multiple_signatures.json",
                            "curve25519_jws.json"})
    {
        CAPTURE(file);
        auto const doc = load_json(std::string("cookbook/") + file);
        auto const& input = doc.at("input").as_object();
        auto const& output = doc.at("output").as_object();
        ++executed;
        if(output.contains("json"))
        {
            // JSON serialization is not a bearer token format (J18).
            auto parts = jose::split_compact_jws(json::serialize(output.at("json")));
            REQUIRE(parts.has_error());
            CHECK(parts.error() == ma::jose::error::json_serialization_not_supported);
        }
        if(! output.contains("compact"))
            continue;
        auto const compact = str(output.at("compact"));
        auto alg = jose::algorithm_from_name(str(input.at("alg"))).value();
        auto k = jose::key::from_jwk(input.at("key").as_object(), alg);
        REQUIRE(k);
        auto payload = jose::verify_compact_jws(compact, *k);
        if(std::string(file).find("detached") != std::string::npos)
        {
            // RFC 7520 4.5: the payload travels elsewhere, and the signature
            // covers it, so the compact form with an empty payload fails.
            REQUIRE(payload.has_error());
            CHECK(payload.error() == ma::jose::error::signature_mismatch);
            continue;
        }
        REQUIRE(payload);
        CHECK(*payload == str(input.at("payload")));
        bool const deterministic = alg == jose::algorithm::rs256 || alg == jose::algorithm::hs256
            || alg == jose::algorithm::eddsa;
        if(deterministic && doc.at("signing").as_object().contains("sig-input"))
        {
            auto const signing_input = str(doc.at("signing").at("sig-input"));
            auto signature = k->sign(signing_input);
            REQUIRE(signature);
            CHECK(jose::base64url_encode(*signature) == str(doc.at("signing").at("sig")));
        }
    }
    CHECK(executed == 9);
}

TEST_CASE("J30 and jose_vectors.json: RFC 7515 appendix tokens, CRLF in JSON, and the hand-made negatives")
{
    auto const doc = load_json("jose_vectors.json");
    std::size_t executed = 0;
    for(auto const& vector : doc.at("vectors").as_array())
    {
        auto const& v = vector.as_object();
        auto const id = str(v.at("id"));
        CAPTURE(id);
        auto const compact = str(v.at("compact"));
        auto const expected = str(v.at("expected"));
        std::optional<jose::algorithm> alg;
        if(v.contains("alg") && v.at("alg").is_string())
            if(auto a = jose::algorithm_from_name(str(v.at("alg"))))
                alg = *a;
        if(! alg)
            alg = header_alg(compact);
        if(id.rfind("alg-confusion", 0) == 0)
            alg = jose::algorithm::rs256; // the server configured the RSA key for RS256 (J4)
        ++executed;
        if(! v.contains("jwk_public") || v.at("jwk_public").is_null() || ! alg)
        {
            // alg none: no key can be configured for it, and the token fails on its own.
            auto parts = jose::split_compact_jws(compact);
            bool const rejected = ! parts || ! jose::parse_jws_header(parts->header);
            CHECK(rejected);
            CHECK(expected == "invalid");
            continue;
        }
        auto k = jose::key::from_jwk(v.at("jwk_public").as_object(), alg);
        REQUIRE(k);
        auto payload = jose::verify_compact_jws(compact, *k);
        if(expected.rfind("valid", 0) == 0)
        {
            REQUIRE(payload);
            if(v.contains("payload_utf8"))
                CHECK(*payload == str(v.at("payload_utf8")));
        }
        else
            CHECK(payload.has_error());
    }
    std::cout << "jose_vectors.json: " << executed << " executed\n";
    CHECK(executed == doc.at("vectors").as_array().size());
}
