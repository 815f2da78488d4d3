//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/validation/remote_keys.hpp>

#include <modelauth/error.hpp>
#include <modelauth/jose/key.hpp>

#include "support/doctest_result.hpp"

#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

namespace {

namespace ma = modelauth;
namespace jose = modelauth::jose;
using ma::validation::fetch_error;
using namespace std::chrono_literals;

std::string es256_jwks(std::string const& kid)
{
    auto const key = jose::key::generate(jose::algorithm::es256, kid).value();
    boost::json::object jwks;
    jwks["keys"] = boost::json::array{key.public_jwk()};
    return boost::json::serialize(jwks);
}

ma::validation::remote_key_source source(std::chrono::seconds refresh, std::chrono::seconds min_refresh)
{
    ma::validation::remote_key_source s;
    s.issuer = "https://login.example.com";
    s.jwks_uri = "https://login.example.com/keys";
    s.refresh = refresh;
    s.min_refresh = min_refresh;
    return s;
}

} // namespace

TEST_CASE("parse_fetch_url splits an https URL into host, port and target")
{
    auto const url = ma::validation::parse_fetch_url("https://Login.Example.com/realms/a/protocol/openid-connect/certs?x=1");
    REQUIRE(url);
    CHECK(url->tls);
    CHECK(url->host == "login.example.com");
    CHECK(url->port == 443);
    CHECK(url->target == "/realms/a/protocol/openid-connect/certs?x=1");
    CHECK_FALSE(url->host_is_address);
    CHECK(url->host_header() == "login.example.com");

    auto const ported = ma::validation::parse_fetch_url("https://127.0.0.1:8443");
    REQUIRE(ported);
    CHECK(ported->host == "127.0.0.1");
    CHECK(ported->port == 8443);
    CHECK(ported->target == "/");
    CHECK(ported->host_is_address);
    CHECK(ported->host_header() == "127.0.0.1:8443");

    auto const v6 = ma::validation::parse_fetch_url("http://[::1]:9000/jwks");
    REQUIRE(v6);
    CHECK_FALSE(v6->tls);
    CHECK(v6->host == "::1");
    CHECK(v6->host_header() == "[::1]:9000");
}

TEST_CASE("parse_fetch_url: plain http only to a loopback host")
{
    CHECK(ma::validation::parse_fetch_url("http://127.0.0.1:8080/keys"));
    CHECK(ma::validation::parse_fetch_url("http://127.8.9.10/keys"));
    CHECK(ma::validation::parse_fetch_url("http://localhost:8080/keys"));
    CHECK(ma::validation::parse_fetch_url("http://login.example.com/keys").error() == fetch_error::invalid_url);
    CHECK(ma::validation::parse_fetch_url("http://10.0.0.1/keys").error() == fetch_error::invalid_url);
    CHECK(ma::validation::fetch_url_problem("http://login.example.com/keys")
          == "must be an https:// URL (http:// only to a loopback host)");
}

TEST_CASE("parse_fetch_url refuses what a fetch must never read another way")
{
    for(char const* bad : {"", "login.example.com/keys", "/keys", "ftp://login.example.com/keys",
                           "file:///etc/jwks.json", "https://user:pw@login.example.com/keys",
                           "https://login.example.com/keys#frag", "https://login.exa%6Dple.com/keys",
                           "https://login.example.com:0/keys", "https:///keys", "https://login_example.com/"})
    {
        CAPTURE(bad);
        CHECK(ma::validation::parse_fetch_url(bad).error() == fetch_error::invalid_url);
        CHECK_FALSE(ma::validation::fetch_url_problem(bad).empty());
    }
    CHECK(ma::validation::fetch_url_problem("https://user@login.example.com/") == "must not hold a user name or password");
    CHECK(ma::validation::fetch_url_problem("https://login.example.com/") == "");
}

TEST_CASE("discovery_url appends the well-known path to the issuer without its final slash")
{
    CHECK(ma::validation::discovery_url("https://login.example.com/realms/models")
          == "https://login.example.com/realms/models/.well-known/openid-configuration");
    CHECK(ma::validation::discovery_url("https://tenant.auth0.com/")
          == "https://tenant.auth0.com/.well-known/openid-configuration");
}

TEST_CASE("jwks_uri_from_discovery: the issuer must match byte for byte (OIDC Discovery 4.3)")
{
    std::string const issuer = "https://login.example.com/realms/models";
    auto const doc = R"({"issuer":"https://login.example.com/realms/models","jwks_uri":"https://login.example.com/certs"})";
    auto const uri = ma::validation::jwks_uri_from_discovery(doc, issuer);
    REQUIRE(uri);
    CHECK(*uri == "https://login.example.com/certs");

    // Another issuer, a trailing slash, a missing or non-string issuer.
    CHECK(ma::validation::jwks_uri_from_discovery(doc, issuer + "/").error() == fetch_error::issuer_mismatch);
    CHECK(ma::validation::jwks_uri_from_discovery(R"({"issuer":"https://evil.example.com/realms/models","jwks_uri":"https://login.example.com/certs"})", issuer).error()
          == fetch_error::issuer_mismatch);
    CHECK(ma::validation::jwks_uri_from_discovery(R"({"jwks_uri":"https://login.example.com/certs"})", issuer).error()
          == fetch_error::issuer_mismatch);
    CHECK(ma::validation::jwks_uri_from_discovery(R"({"issuer":7,"jwks_uri":"https://login.example.com/certs"})", issuer).error()
          == fetch_error::issuer_mismatch);
}

TEST_CASE("jwks_uri_from_discovery refuses documents that are not discovery documents")
{
    std::string const issuer = "https://login.example.com";
    for(char const* bad : {"", "not json", "[]", "\"x\"", R"({"issuer":"https://login.example.com"})",
                           R"({"issuer":"https://login.example.com","jwks_uri":5})", R"({"issuer":"https://login.example.com",)"})
    {
        CAPTURE(bad);
        CHECK(ma::validation::jwks_uri_from_discovery(bad, issuer).error() == fetch_error::invalid_discovery_document);
    }
    // 40 levels of nesting: over the depth limit.
    std::string deep = R"({"issuer":"https://login.example.com","jwks_uri":"https://login.example.com/k","x":)";
    deep += std::string(40, '[') + std::string(40, ']') + "}";
    CHECK(ma::validation::jwks_uri_from_discovery(deep, issuer).error() == fetch_error::invalid_discovery_document);
    // Over 1 MiB.
    std::string big = R"({"issuer":"https://login.example.com","jwks_uri":"https://login.example.com/k","pad":")";
    big += std::string(1024 * 1024, 'a') + "\"}";
    CHECK(ma::validation::jwks_uri_from_discovery(big, issuer).error() == fetch_error::invalid_discovery_document);
    // A jwks_uri a fetch may not follow: plain http to another host.
    CHECK(ma::validation::jwks_uri_from_discovery(R"({"issuer":"https://login.example.com","jwks_uri":"http://login.example.com/k"})", issuer).error()
          == fetch_error::invalid_url);
}

TEST_CASE("key_set_from_fetched_jwks: public signature keys only, at least one")
{
    auto const keys = ma::validation::key_set_from_fetched_jwks(es256_jwks("k1"), std::nullopt);
    REQUIRE(keys);
    CHECK(keys->size() == 1);
    CHECK(keys->find("k1") != nullptr);

    CHECK(ma::validation::key_set_from_fetched_jwks("<html>", std::nullopt).error() == fetch_error::invalid_jwks);
    CHECK(ma::validation::key_set_from_fetched_jwks(R"({"keys":5})", std::nullopt).error() == fetch_error::invalid_jwks);
    CHECK(ma::validation::key_set_from_fetched_jwks(R"({"keys":[]})", std::nullopt).error() == fetch_error::no_usable_keys);
    // Only an encryption key: nothing that verifies a signature.
    CHECK(ma::validation::key_set_from_fetched_jwks(
              R"({"keys":[{"kty":"RSA","use":"enc","alg":"RSA-OAEP","kid":"e","n":"AQAB","e":"AQAB"}]})", std::nullopt)
              .error()
          == fetch_error::no_usable_keys);
    // An HMAC secret published by a provider is refused (J23's cousin: a
    // fetched set must never hold a secret anyone who reads it can sign with).
    CHECK(ma::validation::key_set_from_fetched_jwks(
              R"({"keys":[{"kty":"oct","alg":"HS256","kid":"s","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}]})",
              std::nullopt)
              .error()
          == fetch_error::secret_in_jwks);
}

TEST_CASE("cache_control_max_age reads max-age, no-store and no-cache")
{
    CHECK(ma::validation::cache_control_max_age("max-age=60") == 60s);
    CHECK(ma::validation::cache_control_max_age("public, Max-Age=3600, must-revalidate") == 3600s);
    CHECK(ma::validation::cache_control_max_age("max-age=\"120\"") == 120s);
    CHECK(ma::validation::cache_control_max_age("no-store") == 0s);
    CHECK(ma::validation::cache_control_max_age("private, no-cache") == 0s);
    CHECK(ma::validation::cache_control_max_age("") == std::nullopt);
    CHECK(ma::validation::cache_control_max_age("public") == std::nullopt);
    CHECK(ma::validation::cache_control_max_age("max-age=") == std::nullopt);
    CHECK(ma::validation::cache_control_max_age("max-age=-5") == std::nullopt);
    CHECK(ma::validation::cache_control_max_age("max-age=1e3") == std::nullopt);
    CHECK(ma::validation::cache_control_max_age("max-age=99999999999999999999") == std::nullopt);
    CHECK(ma::validation::cache_control_max_age("max-age=5, max-age=600") == std::nullopt);
}

TEST_CASE("refresh_delay: max-age or refresh, within [min_refresh, 24 h]")
{
    auto const s = source(300s, 5s);
    CHECK(ma::validation::refresh_delay(s, std::nullopt) == 300s);
    CHECK(ma::validation::refresh_delay(s, 60s) == 60s);
    CHECK(ma::validation::refresh_delay(s, 1s) == 5s);
    CHECK(ma::validation::refresh_delay(s, 0s) == 5s);
    CHECK(ma::validation::refresh_delay(s, std::chrono::seconds(10 * 86400)) == 86400s);
}

TEST_CASE("retry_delay backs off from min_refresh to refresh, with jitter in the upper half")
{
    auto const s = source(300s, 5s);
    CHECK(ma::validation::retry_delay(s, 1, 0.0) == 2500ms);
    CHECK(ma::validation::retry_delay(s, 1, 0.999999) == 4999ms);
    CHECK(ma::validation::retry_delay(s, 2, 0.0) == 5000ms);
    CHECK(ma::validation::retry_delay(s, 3, 0.0) == 10000ms);
    CHECK(ma::validation::retry_delay(s, 7, 0.0) == 150000ms);
    CHECK(ma::validation::retry_delay(s, 8, 0.0) == 150000ms); // capped at refresh
    CHECK(ma::validation::retry_delay(s, 1000, 1.0) == 300000ms);
    for(double u : {0.0, 0.25, 0.5, 0.75, 0.99})
    {
        auto const d = ma::validation::retry_delay(s, 4, u);
        CHECK(d >= 20000ms);
        CHECK(d <= 40000ms);
    }
}

TEST_CASE("fetch_error: names for the metrics, never a 401")
{
    CHECK(ma::error_name(make_error_code(fetch_error::tls_failure)) == "tls_failure");
    CHECK(ma::error_name(make_error_code(fetch_error::issuer_mismatch)) == "issuer_mismatch");
    CHECK(std::string(make_error_code(fetch_error::timeout).category().name()) == "modelauth.key_fetch");
    CHECK(make_error_code(fetch_error::timeout) == ma::condition::unavailable);
}
