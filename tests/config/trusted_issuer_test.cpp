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
                "discovery, leeway_s, account_claim, ca_file, refresh_s, min_refresh_s"}},
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

namespace {

struct remote_read
{
    std::vector<modelauth::validation::trusted_issuer> issuers;
    std::vector<modelauth::validation::remote_key_source> remote;
};

remote_read read_remote(std::string const& text, cfg::jwks_loader const& load = {})
{
    auto const doc = cfg::parse_document(text);
    remote_read r;
    r.issuers = cfg::trusted_issuers_from_json(cfg::json_reader(doc, "trusted_issuers"), load, r.remote);
    return r;
}

fault remote_fault(std::string const& text)
{
    return fault_of([&] { (void)read_remote(text); });
}

} // namespace

TEST_CASE("discovery and https jwks_uri describe keys fetched over the network (api.md section 5)")
{
    auto const r = read_remote(R"([
        {"issuer": "https://kc.example.com/realms/models", "audiences": ["models"], "algorithms": ["RS256"],
         "discovery": true},
        {"issuer": "https://tenant.auth0.com/", "audiences": ["a"], "algorithms": ["RS256", "ES256"],
         "jwks_uri": "https://tenant.auth0.com/.well-known/jwks.json", "ca_file": "/etc/idp-ca.pem",
         "refresh_s": 600, "min_refresh_s": 30},
        {"issuer": "local", "audiences": ["a"], "algorithms": ["ES256"], "jwks": )" + public_jwks() + R"(}])");
    REQUIRE(r.issuers.size() == 3);
    REQUIRE(r.remote.size() == 2);
    CHECK(r.issuers[0].remote_keys);
    CHECK(r.issuers[0].keys.empty());
    CHECK(r.remote[0].config_path == "trusted_issuers[0]");
    CHECK(r.remote[0].issuer == "https://kc.example.com/realms/models");
    CHECK(r.remote[0].discovery);
    CHECK(r.remote[0].jwks_uri.empty());
    CHECK(r.remote[0].ca_file.empty());
    CHECK(r.remote[0].refresh == std::chrono::seconds(300));
    CHECK(r.remote[0].min_refresh == std::chrono::seconds(5));
    CHECK(r.remote[0].default_alg == jose::algorithm::rs256);

    CHECK(r.issuers[1].remote_keys);
    CHECK(r.remote[1].config_path == "trusted_issuers[1]");
    CHECK_FALSE(r.remote[1].discovery);
    CHECK(r.remote[1].jwks_uri == "https://tenant.auth0.com/.well-known/jwks.json");
    CHECK(r.remote[1].ca_file == "/etc/idp-ca.pem");
    CHECK(r.remote[1].refresh == std::chrono::seconds(600));
    CHECK(r.remote[1].min_refresh == std::chrono::seconds(30));
    CHECK(r.remote[1].default_alg == std::nullopt);

    CHECK_FALSE(r.issuers[2].remote_keys);
    CHECK(r.issuers[2].keys.find("k1"));

    // A refresh_s below the default min_refresh_s lowers it.
    auto const fast = read_remote(R"([{"issuer": "https://idp.example.com", "audiences": ["a"],
        "algorithms": ["ES256"], "jwks_uri": "http://127.0.0.1:9000/jwks", "refresh_s": 2}])");
    CHECK(fast.remote.at(0).min_refresh == std::chrono::seconds(2));
}

TEST_CASE("a file:// jwks_uri still goes to the loader when remote keys are read")
{
    bool loaded = false;
    cfg::jwks_loader const load = [&](std::string_view, cfg::json_reader const&, std::optional<jose::algorithm>) {
        loaded = true;
        return jose::key_set::from_jwks(std::string_view(public_jwks())).value();
    };
    auto const r = read_remote(
        R"([{"issuer": "i", "audiences": ["a"], "algorithms": ["ES256"], "jwks_uri": "FILE:///k.json"}])", load);
    CHECK(loaded);
    CHECK(r.remote.empty());
    CHECK_FALSE(r.issuers[0].remote_keys);
}

TEST_CASE("remote key settings: faults name the key path")
{
    std::string const base = R"("issuer": "https://idp.example.com", "audiences": ["a"], "algorithms": ["ES256"])";
    struct row
    {
        char const* id;
        std::string text;
        fault expected;
    };
    row const rows[] = {
        {"R1", "[{" + base + R"(, "discovery": true, "jwks_uri": "https://idp.example.com/jwks"}])",
            {"trusted_issuers[0].jwks_uri", "must not be given with discovery: true, which finds the issuer's jwks_uri"}},
        {"R2", "[{" + base + R"(, "jwks_uri": "http://idp.example.com/jwks"}])",
            {"trusted_issuers[0].jwks_uri", "must be an https:// URL (http:// only to a loopback host)"}},
        {"R3", "[{" + base + R"(, "jwks_uri": "https://user:pw@idp.example.com/jwks"}])",
            {"trusted_issuers[0].jwks_uri", "must not hold a user name or password"}},
        {"R4", "[{" + base + R"(, "jwks_uri": "https://idp.example.com/jwks", "refresh_s": 0}])",
            {"trusted_issuers[0].refresh_s", "must be an integer from 1 to 86400"}},
        {"R5", "[{" + base + R"(, "jwks_uri": "https://idp.example.com/jwks", "refresh_s": 60, "min_refresh_s": 61}])",
            {"trusted_issuers[0].min_refresh_s", "must not exceed refresh_s"}},
        {"R6", "[{" + base + R"(, "jwks": {"keys": []}, "ca_file": "/etc/ca.pem"}])",
            {"trusted_issuers[0].ca_file",
                "applies only to keys fetched over the network (an https:// jwks_uri or discovery)"}},
        {"R7", R"([{"issuer": "idp", "audiences": ["a"], "algorithms": ["ES256"], "discovery": true}])",
            {"trusted_issuers[0].issuer",
                "has no discovery document to fetch: the issuer must be an absolute URL: https://host/path"}},
        {"R8", "[{" + base + R"(, "discovery": "yes"}])", {"trusted_issuers[0].discovery", "must be true or false"}},
        {"R9", "[{" + base + R"(, "jwks_uri": "https://idp.example.com/jwks", "ca_file": ""}])",
            {"trusted_issuers[0].ca_file", "must not be empty"}},
        {"R10", "[{" + base + R"(, "discovery": false}])",
            {"trusted_issuers[0]", "needs exactly one of jwks, jwks_file, jwks_uri: the issuer's keys"}},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.id);
        CHECK(remote_fault(r.text) == r.expected);
    }
    // Without a list of remote sources to fill, nothing is fetched.
    CHECK(list_fault("[{" + base + R"(, "discovery": true}])")
          == fault{"trusted_issuers[0].discovery", "cannot be used: this program fetches no keys over the network"});
}

TEST_CASE("account_claim: null by default (no account binding), or a claim every token must carry")
{
    auto const r = read_remote(R"([
        {"issuer": "a", "audiences": ["m"], "algorithms": ["ES256"], "jwks": )" + public_jwks() + R"(},
        {"issuer": "b", "audiences": ["m"], "algorithms": ["ES256"], "jwks": )" + public_jwks() + R"(, "account_claim": null},
        {"issuer": "c", "audiences": ["m"], "algorithms": ["ES256"], "jwks": )" + public_jwks() + R"(, "account_claim": "tenant"}])");
    CHECK_FALSE(r.issuers[0].account_claim);
    CHECK_FALSE(r.issuers[1].account_claim);
    CHECK(r.issuers[2].account_claim == std::string("tenant"));
    CHECK(r.issuers[2].account_required);
    CHECK(remote_fault(R"([{"issuer": "a", "audiences": ["m"], "algorithms": ["ES256"], "jwks": {"keys": []}, "account_claim": ""}])")
          == fault{"trusted_issuers[0].account_claim", "must not be empty"});
    CHECK(remote_fault(R"([{"issuer": "a", "audiences": ["m"], "algorithms": ["ES256"], "jwks": {"keys": []}, "account_claim": 5}])")
          == fault{"trusted_issuers[0].account_claim", "must be a string"});
}
