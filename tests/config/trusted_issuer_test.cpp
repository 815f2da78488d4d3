//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/config/trusted_issuer.hpp>

#include "config/config_test_support.hpp"

#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <string>

namespace cfg = modelauth::config;
namespace jose = modelauth::jose;
using config_test::fault;
using config_test::fault_of;

namespace {

// `{"keys": [...]}` of a fresh ES256 public key with kid "k1".
std::string public_jwks()
{
    static std::string const text = boost::json::serialize(
        jose::key_set::from_keys({jose::key::generate(jose::algorithm::es256, "k1").value()}).value().to_public_jwks());
    return text;
}

// A list of one issuer: `members` spliced in after a valid issuer, audiences, algorithms and jwks.
std::string issuer_list(std::string const& replace_keys = {})
{
    if(! replace_keys.empty())
        return "[" + replace_keys + "]";
    return R"([{"issuer": "https://login.example.com", "audiences": ["models"], "algorithms": ["ES256"], "jwks": )"
        + public_jwks() + R"(, "leeway_s": 30}])";
}

fault list_fault(std::string const& text, cfg::jwks_loader const& load = {})
{
    auto const doc = cfg::parse_document(text);
    return fault_of([&] { (void)cfg::trusted_issuers_from_json(cfg::json_reader(doc, "trusted_issuers"), load); });
}

} // namespace

TEST_CASE("a trusted issuer reads into the validator's settings with its keys")
{
    auto const doc = cfg::parse_document(issuer_list());
    auto const issuers = cfg::trusted_issuers_from_json(cfg::json_reader(doc, "trusted_issuers"));
    REQUIRE(issuers.size() == 1);
    CHECK(issuers[0].issuer == "https://login.example.com");
    CHECK(issuers[0].audiences == std::vector<std::string>{"models"});
    CHECK(issuers[0].algorithms == std::vector<jose::algorithm>{jose::algorithm::es256});
    CHECK(issuers[0].leeway == std::chrono::seconds(30));
    CHECK(issuers[0].keys.find("k1"));

    auto const one = cfg::parse_document(R"({"issuer": "i", "audiences": ["a", "b"], "algorithms": ["EdDSA", "RS256"],
        "jwks": {"keys": []}})");
    auto const issuer = cfg::trusted_issuer_from_json(cfg::json_reader(one, "idp"));
    CHECK(issuer.leeway == std::chrono::seconds(60));
    CHECK(issuer.algorithms.size() == 2);
}

TEST_CASE("a trusted issuer's faults name the key path")
{
    std::string const base = R"("issuer": "i", "audiences": ["a"], "algorithms": ["ES256"])";
    struct row
    {
        char const* id;
        std::string text;
        fault expected;
    };
    row const rows[] = {
        {"C5", "{" + base + R"(, "jwks": {"keys": []}, "jwks_url": "x"})",
            {"trusted_issuers[0].jwks_url",
                "is not a known key; expected one of: issuer, audiences, algorithms, jwks, jwks_file, jwks_uri, "
                "leeway_s"}},
        {"C87", "{" + base + R"(, "jwks": {"keys": []}, "jwks_file": "/etc/jwks.json"})",
            {"trusted_issuers[0].jwks_file",
                "cannot be given together with jwks: give exactly one of jwks, jwks_file, jwks_uri"}},
        {"C88", "{" + base + "}", {"trusted_issuers[0]", "needs exactly one of jwks, jwks_file, jwks_uri: the issuer's keys"}},
        {"C92", "{" + base + R"(, "jwks": {"keys": []}, "leeway_s": 3601})",
            {"trusted_issuers[0].leeway_s", "must be an integer from 0 to 3600"}},
        {"C93", R"({"issuer": "i", "audiences": ["a"], "algorithms": ["none"], "jwks": {"keys": []}})",
            {"trusted_issuers[0].algorithms[0]",
                "must be a JWS algorithm: HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, "
                "ES384, ES512 or EdDSA"}},
        {"C93b", R"({"issuer": "i", "audiences": ["a"], "algorithms": ["Ed25519"], "jwks": {"keys": []}})",
            {"trusted_issuers[0].algorithms[0]",
                "must be a JWS algorithm: HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, "
                "ES384, ES512 or EdDSA"}},
        {"C94", R"({"issuer": "i", "audiences": ["a"], "algorithms": [], "jwks": {"keys": []}})",
            {"trusted_issuers[0].algorithms", "must list at least one algorithm"}},
        {"C95", R"({"issuer": "i", "audiences": [], "algorithms": ["ES256"], "jwks": {"keys": []}})",
            {"trusted_issuers[0].audiences", "must list at least one audience"}},
        {"C96", R"({"issuer": "i", "audiences": [""], "algorithms": ["ES256"], "jwks": {"keys": []}})",
            {"trusted_issuers[0].audiences[0]", "must not be empty"}},
        {"C96b", R"({"issuer": "i", "audiences": ["a", 2], "algorithms": ["ES256"], "jwks": {"keys": []}})",
            {"trusted_issuers[0].audiences[1]", "must be a string"}},
        {"C97", "{" + base + R"(, "jwks": {"keys": []}}, {)" + base + R"(, "jwks_file": "k.json"})",
            {"trusted_issuers[1].issuer", "repeats trusted_issuers[0]"}},
        {"C98", "{" + base + R"(, "jwks": {}})", {"trusted_issuers[0].jwks", "must be a JWKS: an object with a \"keys\" array"}},
        {"C98b", "{" + base + R"(, "jwks": {"keys": [{"kty": "EC"}]}})",
            {"trusted_issuers[0].jwks", "does not load: " + jose::make_error_code(jose::key_error::invalid_jwk).message()}},
        {"C99", R"({"audiences": ["a"], "algorithms": ["ES256"], "jwks": {"keys": []}})",
            {"trusted_issuers[0].issuer", "is required"}},
        {"C100", "{" + base + R"(, "jwks_file": "k.json"})",
            {"trusted_issuers[0].jwks_file",
                "cannot be read: this program loads no key files; give the keys inline in jwks"}},
        {"C101", "7", {"trusted_issuers[0]", "must be an object"}},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.id);
        CHECK(list_fault(issuer_list(r.text)) == r.expected);
    }
    CHECK(list_fault("{}") == fault{"trusted_issuers", "must be an array"});
}

TEST_CASE("jwks_file and jwks_uri go to the caller's loader, with the issuer's one algorithm")
{
    std::string seen_key;
    std::string seen_path;
    std::optional<jose::algorithm> seen_alg;
    cfg::jwks_loader const load = [&](std::string_view key, cfg::json_reader const& source,
                                      std::optional<jose::algorithm> alg) {
        seen_key = std::string(key);
        seen_path = source.path();
        seen_alg = alg;
        return jose::key_set::from_jwks(std::string_view(public_jwks())).value();
    };
    auto const doc = cfg::parse_document(
        R"([{"issuer": "i", "audiences": ["a"], "algorithms": ["ES256"], "jwks_uri": "file:///k.json"}])");
    auto const issuers = cfg::trusted_issuers_from_json(cfg::json_reader(doc, "idps"), load);
    CHECK(seen_key == "jwks_uri");
    CHECK(seen_path == "idps[0].jwks_uri");
    CHECK(seen_alg == jose::algorithm::es256);
    CHECK(issuers[0].keys.find("k1"));
}
