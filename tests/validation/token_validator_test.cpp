//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/validation/token_validator.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/validation/error.hpp>

#include <modelauth/jose/base64url.hpp>
#include <modelauth/tokens/in_memory_token_store.hpp>

#include <boost/json/serialize.hpp>

#include "support/doctest_result.hpp"

#include <doctest/doctest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace ma = modelauth;
namespace jose = modelauth::jose;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

std::string const issuer = "https://issuer.test";       // asymmetric keys
std::string const hs_issuer = "https://hs-issuer.test"; // a shared secret (key sets never mix them, J23)

std::string b64(std::string_view bytes)
{
    return jose::base64url_encode(bytes);
}

// Signs any header and payload text exactly as given (no re-serialisation),
// so tests can build hostile tokens a normal signer would refuse to make.
std::string sign_raw(jose::key const& k, std::string const& header, std::string const& payload)
{
    auto input = b64(header) + "." + b64(payload);
    return input + "." + b64(k.sign(input).value());
}

struct fixture
{
    ma::manual_clock clock;
    std::shared_ptr<ma::tokens::InMemoryTokenStore> store = std::make_shared<ma::tokens::InMemoryTokenStore>();
    jose::key hs = jose::key::from_secret(std::string(32, 'k'), jose::algorithm::hs256, "hs").value();
    jose::key es = jose::key::generate(jose::algorithm::es256, "es").value();
    jose::key ed = jose::key::generate(jose::algorithm::eddsa, "ed").value();
    jose::key rs = jose::key::generate(jose::algorithm::rs256, "rs").value();
    ma::validation::basic_token_validator<ma::manual_clock_ref> validator;

    static ma::validation::trusted_issuer make_issuer(std::vector<jose::key> keys, std::string name = issuer)
    {
        ma::validation::trusted_issuer t;
        t.issuer = std::move(name);
        t.keys = jose::key_set::from_keys(std::move(keys)).value();
        t.audiences = {"models"};
        return t;
    }

    fixture()
        : validator({make_issuer({es, ed, rs}), make_issuer({hs}, hs_issuer)}, {}, store,
                    ma::manual_clock_ref(clock))
    {
    }

    std::int64_t now() const
    {
        return std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    }

    json::object claims(std::string const& iss = issuer) const
    {
        return {{"iss", iss},       {"sub", "alice"},           {"aud", "models"},
                {"exp", now() + 600},  {"iat", now()},             {"jti", "jti-1"},
                {"scope", "models:read models:infer"}};
    }

    std::string token(jose::key const& k, json::object const& c) const
    {
        return jose::sign_compact_jws(json::serialize(c), k).value();
    }

    std::string token(jose::key const& k) const
    {
        return token(k, claims(k.alg() == jose::algorithm::hs256 ? hs_issuer : issuer));
    }

    std::error_code error_of(std::string_view credential) const
    {
        auto r = validator.validate(credential);
        return r ? std::error_code{} : r.error();
    }
};

std::string const header_hs = R"({"alg":"HS256","kid":"hs"})";

} // namespace

TEST_CASE_FIXTURE(fixture, "a valid token of each algorithm yields its principal")
{
    for(auto const* k : {&hs, &es, &ed, &rs})
    {
        CAPTURE(jose::algorithm_name(k->alg()));
        auto p = validator.validate(token(*k));
        REQUIRE(p);
        CHECK((*p)->subject == "alice");
        CHECK((*p)->issuer == (k == &hs ? hs_issuer : issuer));
        CHECK((*p)->token_id == "jti-1");
        CHECK((*p)->scopes == std::vector<std::string>{"models:read", "models:infer"});
        CHECK((*p)->cls == ma::validation::token_class::user);
        CHECK((*p)->kind == ma::validation::credential_kind::jwt);
        REQUIRE((*p)->expires_at);
        CHECK(*(*p)->expires_at == clock.now() + 600s);
        REQUIRE((*p)->claim("aud"));
        CHECK((*p)->claim("aud")->as_string() == "models");
    }
}

TEST_CASE_FIXTURE(fixture, "class and bindings of a model session token reach the principal")
{
    auto c = claims();
    c["cls"] = "model_session";
    c["model_id"] = 42;
    c["account"] = "demo";
    auto p = validator.validate(token(ed, c));
    REQUIRE(p);
    CHECK((*p)->cls == ma::validation::token_class::model_session);
    CHECK((*p)->bindings.model_id == 42);
    CHECK((*p)->bindings.account == "demo");
}

TEST_CASE_FIXTURE(fixture, "J1: alg none in any spelling never verifies")
{
    auto const payload = b64(json::serialize(claims()));
    for(auto const* alg : {"none", "None", "NONE", "nOnE"})
    {
        CAPTURE(alg);
        auto const header = b64(std::string(R"({"alg":")") + alg + R"("})");
        CHECK(error_of(header + "." + payload + ".") == ma::jose::error::empty_signature);
        CHECK(error_of(header + "." + payload + ".c2ln") == ma::jose::error::algorithm_none);
    }
}

TEST_CASE_FIXTURE(fixture, "J2: a real algorithm with an empty signature is rejected")
{
    auto const t = token(rs);
    CHECK(error_of(t.substr(0, t.rfind('.') + 1)) == ma::jose::error::empty_signature);
}

TEST_CASE_FIXTURE(fixture, "J3: wrong numbers of parts, JWE and empty parts are rejected")
{
    auto const t = token(hs);
    auto const first = t.find('.');
    auto const second = t.rfind('.');
    CHECK(error_of("") == ma::jose::error::malformed_compact_serialization);
    CHECK(error_of(t.substr(0, second)) == ma::jose::error::malformed_compact_serialization);
    CHECK(error_of(t + ".AAAA") == ma::jose::error::malformed_compact_serialization);
    CHECK(error_of(t + ".AAAA.AAAA") == ma::jose::error::encrypted_token_not_supported);
    CHECK(error_of(t.substr(first)) == ma::jose::error::malformed_compact_serialization);
    // An empty payload is valid JWS (RFC 7515) but no JWT: its claims are not JSON.
    CHECK(error_of(t.substr(0, first + 1) + t.substr(second)) == ma::jose::error::invalid_json);
}

TEST_CASE_FIXTURE(fixture, "J4: an HS256 token MACed with a public key is refused: the key pins its algorithm")
{
    auto const pem_like = std::string("-----BEGIN PUBLIC KEY-----\nMFkw...\n-----END PUBLIC KEY-----\n");
    auto const input = b64(R"({"alg":"HS256","kid":"rs"})") + "." + b64(json::serialize(claims()));
    // Whatever bytes were used as the MAC key, the key named by kid is RS256.
    auto const forged = input + "." + b64(std::string(32, '\x01'));
    CHECK(error_of(forged) == ma::jose::error::key_algorithm_mismatch);
    auto const forged_es = b64(R"({"alg":"HS256","kid":"es"})") + "." + b64(json::serialize(claims())) + ".AAAA";
    CHECK(error_of(forged_es) == ma::jose::error::key_algorithm_mismatch);
    // A secret that looks like public key material cannot become an HS key.
    CHECK_FALSE(jose::key::from_secret(pem_like, jose::algorithm::hs256));
}

TEST_CASE_FIXTURE(fixture, "J8, J9: one key, one algorithm; ES256 header with another key is refused")
{
    auto const es384 = jose::key::generate(jose::algorithm::es384, "es").value();
    auto const forged = sign_raw(es384, R"({"alg":"ES384","kid":"es"})", json::serialize(claims()));
    CHECK(error_of(forged) == ma::jose::error::key_algorithm_mismatch);
    auto const ps = jose::key::generate(jose::algorithm::ps256, "rs").value();
    CHECK(error_of(sign_raw(ps, R"({"alg":"PS256","kid":"rs"})", json::serialize(claims())))
          == ma::jose::error::key_algorithm_mismatch);
}

TEST_CASE_FIXTURE(fixture, "J17: base64url variants in a token are rejected")
{
    auto const t = token(hs);
    auto const first = t.find('.');
    CHECK(error_of(t + "=") == ma::jose::error::invalid_base64url);
    CHECK(error_of(t.substr(0, first) + "=" + t.substr(first)) == ma::jose::error::invalid_base64url);
    std::string plus = t;
    plus[3] = '+';
    CHECK(error_of(plus) == ma::jose::error::invalid_base64url);
    std::string slash = t;
    slash[3] = '/';
    CHECK(error_of(slash) == ma::jose::error::invalid_base64url);
    CHECK(error_of(t.substr(0, 5) + " " + t.substr(5)) == ma::jose::error::invalid_base64url);
    // A signature whose length is 1 mod 4 (43 + 2 characters).
    CHECK(error_of(t + "AA") == ma::jose::error::invalid_base64url);
}

TEST_CASE_FIXTURE(fixture, "J18: a JSON-serialized JWS is not accepted as a bearer token")
{
    CHECK(error_of(R"({"payload":"eyJ9","signatures":[]})") == ma::jose::error::json_serialization_not_supported);
}

TEST_CASE_FIXTURE(fixture, "J19: keys named in the header (jwk, jku, x5u, x5c) are never used")
{
    auto const attacker = jose::key::generate(jose::algorithm::es256, "es").value();
    auto header = json::object{{"alg", "ES256"}, {"kid", "es"}, {"jwk", attacker.public_jwk()}};
    CHECK(error_of(sign_raw(attacker, json::serialize(header), json::serialize(claims())))
          == ma::jose::error::signature_mismatch);
    header = json::object{{"alg", "ES256"}, {"jku", "https://attacker.test/jwks.json"}};
    auto const single = jose::key_set::from_keys({es}).value();
    (void)single;
    CHECK(error_of(sign_raw(attacker, json::serialize(header), json::serialize(claims())))
          == ma::jose::error::unknown_key); // no kid and several keys: no key at all
    header = json::object{{"alg", "ES256"}, {"kid", "es"}, {"x5u", "https://attacker.test/c.pem"},
                          {"x5c", json::array{"MIIB"}}};
    CHECK(error_of(sign_raw(attacker, json::serialize(header), json::serialize(claims())))
          == ma::jose::error::signature_mismatch);
}

TEST_CASE_FIXTURE(fixture, "J20: kid is an opaque name; unknown or hostile kids find no key")
{
    for(auto const* kid : {"../../../../dev/null", "/dev/null", "", "x' UNION SELECT '1';--", "|sleep 10",
                           "HS", "hs ", "unknown"})
    {
        CAPTURE(kid);
        auto header = json::object{{"alg", "HS256"}, {"kid", kid}};
        CHECK(error_of(sign_raw(hs, json::serialize(header), json::serialize(claims(hs_issuer))))
              == ma::jose::error::unknown_key);
    }
}

TEST_CASE_FIXTURE(fixture, "J21: critical extensions and unencoded payloads are refused")
{
    auto const payload = json::serialize(claims(hs_issuer));
    CHECK(error_of(sign_raw(hs, R"({"alg":"HS256","kid":"hs","crit":["b64"],"b64":false})", payload))
          == ma::jose::error::unknown_critical_header);
    CHECK(error_of(sign_raw(hs, R"({"alg":"HS256","kid":"hs","crit":["exp"]})", payload))
          == ma::jose::error::unknown_critical_header);
    CHECK(error_of(sign_raw(hs, R"({"alg":"HS256","kid":"hs","b64":false})", payload))
          == ma::jose::error::unknown_critical_header);
    CHECK(validator.validate(sign_raw(hs, R"({"alg":"HS256","kid":"hs","b64":true})", payload)));
}

TEST_CASE_FIXTURE(fixture, "J24: a date beyond what the clock can hold saturates instead of overflowing")
{
    // system_clock counts nanoseconds in 64 bits: it ends in 2262. exp
    // 9999999999 (2286) is a common "never"; it must not wrap into the past.
    auto c = claims(hs_issuer);
    c["exp"] = 9999999999;
    auto const t = token(hs, c);
    auto p = validator.validate(t);
    REQUIRE(p);
    CHECK((*p)->expires_at == std::chrono::system_clock::time_point::max());
    // Cached until "forever", and still served from the cache much later.
    clock.advance(std::chrono::hours(24 * 365 * 100));
    auto again = validator.validate(t);
    REQUIRE(again);
    CHECK(again->get() == p->get());

    c["exp"] = now() + 600;
    c["nbf"] = 9999999999;
    CHECK(error_of(token(hs, c)) == ma::validation::error::token_not_yet_valid);
    c.erase("nbf");
    c["iat"] = 9999999999;
    CHECK(error_of(token(hs, c)) == ma::validation::error::issued_in_future);
    c["iat"] = 9007199254740993; // 2^53 + 1: out of range, not rounded to 2^53
    CHECK(error_of(token(hs, c)) == ma::validation::error::claim_out_of_range);
}

TEST_CASE_FIXTURE(fixture, "J24: time, audience, issuer and type claims are enforced")
{
    auto with = [&](std::string_view name, json::value v) {
        auto c = claims();
        c[name] = std::move(v);
        return error_of(token(es, c));
    };
    auto without = [&](std::string_view name) {
        auto c = claims();
        c.erase(name);
        return error_of(token(es, c));
    };
    CHECK(with("exp", now() - 61) == ma::validation::error::token_expired);
    CHECK(with("exp", now() - 59) == std::error_code{});
    CHECK(with("nbf", now() + 61) == ma::validation::error::token_not_yet_valid);
    CHECK(with("iat", now() + 61) == ma::validation::error::issued_in_future);
    CHECK(without("exp") == ma::validation::error::missing_expiry);
    CHECK(with("exp", "4000000000") == ma::validation::error::invalid_claim_type);
    CHECK(with("exp", 18446744073709551615ull) == ma::validation::error::claim_out_of_range);
    CHECK(with("exp", 1.5e300) == ma::validation::error::claim_out_of_range);
    CHECK(with("aud", "other") == ma::validation::error::audience_mismatch);
    CHECK(with("aud", json::array{"other", "models"}) == std::error_code{});
    CHECK(without("aud") == ma::validation::error::audience_mismatch);
    CHECK(with("iss", "https://evil.test") == ma::validation::error::untrusted_issuer);
    CHECK(with("iss", 7) == ma::validation::error::invalid_claim_type);
    CHECK(without("iss") == ma::validation::error::untrusted_issuer);
    CHECK(with("sub", 7) == ma::validation::error::invalid_claim_type);
    CHECK(with("jti", json::array{}) == ma::validation::error::invalid_claim_type);
    CHECK(with("scope", 1) == ma::validation::error::invalid_claim_type);
    CHECK(with("cls", "root") == ma::validation::error::invalid_claim_type);

    // The leeway is per issuer; time moves only with the injected clock.
    auto const t = token(es);
    clock.advance(600s + 59s);
    CHECK(error_of(t) == std::error_code{});
    clock.advance(1s);
    CHECK(error_of(t) == ma::validation::error::token_expired);
}

TEST_CASE("J24: a required typ, an algorithm allow-list, a maximum lifetime and exp opt-out per issuer")
{
    ma::manual_clock clock;
    auto const k = jose::key::generate(jose::algorithm::eddsa, "k").value();
    auto const now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    ma::validation::trusted_issuer t;
    t.issuer = issuer;
    t.keys = jose::key_set::from_keys({k}).value();
    t.required_type = "at+jwt";
    t.algorithms = {jose::algorithm::eddsa};
    t.max_lifetime = 3600s;
    ma::validation::basic_token_validator<ma::manual_clock_ref> v({t}, {}, nullptr, ma::manual_clock_ref(clock));
    json::object c{{"iss", issuer}, {"sub", "svc"}, {"iat", now}, {"exp", now + 600}};
    auto const payload = json::serialize(c);

    CHECK(v.validate(jose::sign_compact_jws(payload, k, "at+jwt").value()));
    CHECK(v.validate(jose::sign_compact_jws(payload, k, "application/AT+JWT").value()));
    CHECK(v.validate(jose::sign_compact_jws(payload, k, "JWT").value()).error() == ma::validation::error::type_mismatch);
    CHECK(v.validate(jose::sign_compact_jws(payload, k, "").value()).error() == ma::validation::error::type_mismatch);

    c["exp"] = now + 7200;
    CHECK(v.validate(jose::sign_compact_jws(json::serialize(c), k, "at+jwt").value()).error()
          == ma::validation::error::lifetime_too_long);

    auto const es = jose::key::generate(jose::algorithm::es256, "e").value();
    t.keys = jose::key_set::from_keys({k, es}).value();
    v.set_trusted_issuers({t});
    CHECK(v.validate(jose::sign_compact_jws(payload, es, "at+jwt").value()).error()
          == ma::jose::error::unsupported_algorithm);

    t.required_type.reset();
    t.max_lifetime.reset();
    t.require_expiry = false;
    v.set_trusted_issuers({t});
    c.erase("exp");
    auto p = v.validate(jose::sign_compact_jws(json::serialize(c), k).value());
    REQUIRE(p);
    CHECK_FALSE((*p)->expires_at);
}

TEST_CASE_FIXTURE(fixture, "J25, J26: duplicate names and non-object headers or claims are rejected")
{
    auto const payload = json::serialize(claims());
    CHECK(error_of(sign_raw(hs, R"({"alg":"HS256","kid":"hs","alg":"none"})", payload))
          == ma::jose::error::duplicate_json_member);
    CHECK(error_of(sign_raw(hs, header_hs, R"({"iss":"https://hs-issuer.test","iss":"x"})"))
          == ma::jose::error::duplicate_json_member);
    CHECK(error_of(sign_raw(hs, R"(["HS256"])", payload)) == ma::jose::error::not_a_json_object);
    CHECK(error_of(sign_raw(hs, R"("HS256")", payload)) == ma::jose::error::not_a_json_object);
    CHECK(error_of(sign_raw(hs, header_hs, R"([1,2])")) == ma::jose::error::not_a_json_object);
    CHECK(error_of(sign_raw(hs, header_hs, "\xef\xbb\xbf{}")) == ma::jose::error::invalid_json);
    CHECK(error_of(sign_raw(hs, header_hs, "{\"sub\":\"\xc0\xaf\"}")) == ma::jose::error::invalid_json);
    CHECK(error_of(sign_raw(hs, R"({"kid":"hs"})", payload)) == ma::jose::error::missing_algorithm);
    CHECK(error_of(sign_raw(hs, R"({"alg":"HS256","kid":5})", payload)) == ma::jose::error::invalid_header_parameter);
}

TEST_CASE_FIXTURE(fixture, "J27: huge tokens, deep nesting and huge signatures are refused fast")
{
    CHECK(error_of(std::string(1024 * 1024, 'A')) == ma::jose::error::token_too_large);
    auto deep = std::string(R"({"iss":"https://issuer.test","x":)") + std::string(1000, '[')
        + std::string(1000, ']') + "}";
    CHECK(error_of(sign_raw(hs, header_hs, deep)) == ma::jose::error::json_too_deep);
    auto const t = token(es);
    auto const huge_signature = t.substr(0, t.rfind('.') + 1) + std::string(21830, 'A');
    CHECK(error_of(huge_signature) == ma::jose::error::token_too_large);

    ma::validation::token_validator_options roomy;
    roomy.limits.max_token_bytes = 64 * 1024;
    ma::validation::basic_token_validator<ma::manual_clock_ref> v({make_issuer({es})}, roomy, nullptr, ma::manual_clock_ref(clock));
    CHECK(v.validate(huge_signature).error() == ma::jose::error::invalid_signature_length);
    auto const big_header = b64(R"({"alg":"ES256","pad":")" + std::string(2000, 'x') + "\"}");
    CHECK(v.validate(big_header + t.substr(t.find('.'))).error() == ma::jose::error::header_too_large);
}

TEST_CASE_FIXTURE(fixture, "J31: algorithm names are case-sensitive")
{
    auto const payload = json::serialize(claims());
    for(auto const* alg : {"hs256", "Hs256", "HS-256", "RS1", "ES256K"})
    {
        CAPTURE(alg);
        auto header = json::object{{"alg", alg}, {"kid", "hs"}};
        CHECK(error_of(sign_raw(hs, json::serialize(header), payload)) == ma::jose::error::unsupported_algorithm);
    }
}

TEST_CASE_FIXTURE(fixture, "J32: a token signed by another key of the same type is refused")
{
    for(auto alg : {jose::algorithm::hs256, jose::algorithm::es256, jose::algorithm::eddsa, jose::algorithm::rs256})
    {
        CAPTURE(jose::algorithm_name(alg));
        auto const kid = alg == jose::algorithm::hs256 ? "hs"
            : alg == jose::algorithm::es256            ? "es"
            : alg == jose::algorithm::eddsa            ? "ed"
                                                       : "rs";
        auto const other = jose::key::generate(alg, kid).value();
        CHECK(error_of(token(other)) == ma::jose::error::signature_mismatch);
    }
    // One flipped bit in the payload breaks the signature too.
    auto t = token(ed);
    auto const dot = t.find('.') + 3;
    t[dot] = t[dot] == 'A' ? 'B' : 'A';
    auto const e = error_of(t);
    CHECK((e == ma::jose::error::signature_mismatch || e == ma::jose::error::invalid_json
           || e == ma::jose::error::invalid_base64url));
}

TEST_CASE_FIXTURE(fixture, "a seen token is served from the cache, yet expiry and revocation apply at once")
{
    auto const t = token(rs);
    auto first = validator.validate(t);
    REQUIRE(first);
    auto second = validator.validate(t);
    REQUIRE(second);
    CHECK(first->get() == second->get()); // the same cached principal
    CHECK(validator.cache().stats().hits == 1);

    REQUIRE(store->revoke("jti-1"));
    CHECK(error_of(t) == ma::validation::error::token_revoked);
    CHECK(store->erase_revocation("jti-1"));
    CHECK(error_of(t) == std::error_code{});

    clock.advance(661s);
    CHECK(error_of(t) == ma::validation::error::token_expired);
}

TEST_CASE_FIXTURE(fixture, "new tokens leave cached verdicts warm; a key refused before it existed works once it does")
{
    ma::validation::token_validator_options options;
    options.cache.cache_failures = true;
    ma::validation::basic_token_validator<ma::manual_clock_ref> v({make_issuer({es})}, options, store,
                                                                   ma::manual_clock_ref(clock));
    auto const t = token(es);
    REQUIRE(v.validate(t));
    REQUIRE(v.validate(t));
    CHECK(v.cache().stats().hits == 1);

    auto const secret = ma::validation::generate_api_key().value();
    CHECK(v.validate(secret).error() == ma::validation::error::unknown_api_key);
    CHECK(v.validate(secret).error() == ma::validation::error::unknown_api_key); // the failure, cached
    CHECK(v.cache().stats().hits == 2);

    // Other tokens come and go: the cached JWT is served from the cache still.
    for(int i = 0; i < 50; ++i)
    {
        ma::validation::stored_token other;
        other.id = "other-" + std::to_string(i);
        other.secret_hash = ma::validation::hash_secret("other-secret-" + std::to_string(i));
        other.owner = "carol";
        REQUIRE(store->insert(other));
    }
    REQUIRE(v.validate(t));
    CHECK(v.cache().stats().hits == 3);

    // The refused key, once stored, works at once: a new token makes cached failures stale.
    ma::validation::stored_token k;
    k.id = "key-late";
    k.secret_hash = ma::validation::hash_secret(secret);
    k.owner = "bob";
    k.scopes = {"models:infer"};
    REQUIRE(store->insert(k));
    auto p = v.validate(secret);
    REQUIRE(p);
    CHECK((*p)->token_id == "key-late");

    // And a revocation still reaches the cached JWT at once.
    REQUIRE(store->revoke("jti-1"));
    CHECK(v.validate(t).error() == ma::validation::error::token_revoked);
}

TEST_CASE_FIXTURE(fixture, "key rotation: a removed key stops verifying at once, cached or not")
{
    auto const old_token = token(es);
    CHECK(validator.validate(old_token));
    auto const next = jose::key::generate(jose::algorithm::es256, "es2").value();
    validator.set_issuer_keys(issuer, jose::key_set::from_keys({next}).value());
    CHECK(error_of(old_token) == ma::jose::error::unknown_key);
    CHECK(validator.validate(token(next)));
    CHECK_THROWS_AS(validator.set_issuer_keys("https://nobody.test", jose::key_set::from_keys({next}).value()),
                    ma::configuration_error);
}

TEST_CASE_FIXTURE(fixture, "issuer keys reload from a JWKS text; a bad or empty one keeps the old keys")
{
    auto const next = jose::key::generate(jose::algorithm::eddsa, "file-key").value();
    REQUIRE(validator.set_issuer_jwks(issuer, json::serialize(jose::key_set::from_keys({next}).value().to_public_jwks())));
    CHECK(validator.validate(token(next)));
    CHECK(error_of(token(es)) == ma::jose::error::unknown_key);
    for(std::string_view bad_jwks : {R"({"keys":[)", R"({"keys":[]})", "[]"})
    {
        CAPTURE(bad_jwks);
        auto bad = validator.set_issuer_jwks(issuer, bad_jwks);
        REQUIRE(bad.has_error());
        CHECK(bad.error() == ma::jose::key_error::invalid_jwks);
        CHECK(validator.validate(token(next)));
    }
    CHECK_THROWS_AS((void)validator.set_issuer_jwks("https://nobody.test", R"({"keys":[]})"), ma::configuration_error);
}

TEST_CASE_FIXTURE(fixture, "API keys validate through the store; deactivation, deletion and expiry apply at once")
{
    auto const secret = ma::validation::generate_api_key().value();
    ma::validation::stored_token t;
    t.id = "key-1";
    t.secret_hash = ma::validation::hash_secret(secret);
    t.hint = std::string(ma::validation::api_key_hint(secret));
    t.owner = "bob";
    t.cls = ma::validation::token_class::personal_key;
    t.scopes = {"models:infer"};
    t.bindings.account = "demo";
    t.created = clock.now();
    t.expires = clock.now() + 1h;
    REQUIRE(store->insert(t));

    auto p = validator.validate(secret);
    REQUIRE(p);
    CHECK((*p)->subject == "bob");
    CHECK((*p)->token_id == "key-1");
    CHECK((*p)->kind == ma::validation::credential_kind::api_key);
    CHECK((*p)->cls == ma::validation::token_class::personal_key);
    CHECK((*p)->scopes == std::vector<std::string>{"models:infer"});
    CHECK((*p)->bindings.account == "demo");
    CHECK(validator.validate(secret)); // cached

    REQUIRE(store->set_active("key-1", false));
    CHECK(error_of(secret) == ma::validation::error::token_inactive);
    REQUIRE(store->set_active("key-1", true));
    CHECK(error_of(secret) == std::error_code{});
    REQUIRE(store->revoke("key-1"));
    CHECK(error_of(secret) == ma::validation::error::token_revoked);
    REQUIRE(store->erase_revocation("key-1"));
    clock.advance(1h);
    CHECK(error_of(secret) == ma::validation::error::token_expired);
    REQUIRE(store->erase("key-1"));
    CHECK(error_of(secret) == ma::validation::error::unknown_api_key);

    CHECK(error_of(ma::validation::generate_api_key().value()) == ma::validation::error::unknown_api_key);
    CHECK(error_of(secret.substr(0, secret.size() - 1)) == ma::validation::error::malformed_api_key);
    CHECK(validator.validate_api_key("not-a-key").error() == ma::validation::error::malformed_api_key);
    CHECK(validator.validate_jwt(secret).error() == ma::jose::error::malformed_compact_serialization);
}

TEST_CASE("without a store, API keys are unknown")
{
    ma::validation::TokenValidator v({});
    CHECK(v.validate(ma::validation::generate_api_key().value()).error() == ma::validation::error::unknown_api_key);
    CHECK(v.validate("a.b.c").error() == ma::jose::error::invalid_base64url);
    CHECK(v.validate("e30.e30.c2ln").error() == ma::jose::error::missing_algorithm);
}

TEST_CASE("bad configuration throws, naming the field")
{
    auto const k = jose::key::generate(jose::algorithm::eddsa, "k").value();
    ma::validation::trusted_issuer t;
    t.issuer = issuer;
    t.keys = jose::key_set::from_keys({k}).value();
    auto message = [](auto&& make) -> std::string {
        try
        {
            make();
        }
        catch(ma::configuration_error const& e)
        {
            return e.what();
        }
        return "no exception";
    };
    CHECK(message([&] { ma::validation::TokenValidator v({t, t}); }) == "trusted_issuers[1].issuer: is listed twice: " + issuer);
    auto empty_name = t;
    empty_name.issuer.clear();
    CHECK(message([&] { ma::validation::TokenValidator v({t, empty_name}); }) == "trusted_issuers[1].issuer: must not be empty");
    auto no_keys = t;
    no_keys.keys = {};
    CHECK(message([&] { ma::validation::TokenValidator v({no_keys}); }) == "trusted_issuers[0].keys: has no key");
    ma::validation::token_validator_options options;
    options.api_key_prefix = "Bad_";
    CHECK(message([&] { ma::validation::TokenValidator v({t}, options); })
          == "api_key_prefix: must be 1 to 16 characters of [a-z0-9]");
}

TEST_CASE_FIXTURE(fixture, "errors never carry token bytes")
{
    auto const t = token(hs) + "x";
    auto r = validator.validate(t);
    REQUIRE(r.has_error());
    auto const message = r.error().message();
    CHECK(message.find(t.substr(0, 10)) == std::string::npos);
    CHECK(message.find("eyJ") == std::string::npos);
}

TEST_CASE_FIXTURE(fixture, "many threads validate concurrently while keys rotate")
{
    auto const t = token(es);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for(int i = 0; i < 3; ++i)
        threads.emplace_back([&] {
            for(int j = 0; j < 300; ++j)
                if(! validator.validate(t))
                    ++failures;
        });
    for(int j = 0; j < 20; ++j)
        validator.set_issuer_keys(issuer, jose::key_set::from_keys({es, ed, rs}).value());
    for(auto& th : threads)
        th.join();
    CHECK(failures == 0);
}

namespace {

// A store whose first is_revoked() (after the signature check, before the
// cache insert) waits until the test releases it (review F1's demo).
struct blocking_store : ma::validation::TokenStore
{
    mutable std::mutex m;
    mutable std::condition_variable cv;
    mutable bool entered = false;
    mutable bool released = false;
    mutable bool once = false;

    std::shared_ptr<ma::validation::stored_token const> find_by_secret(ma::validation::secret_digest const&) const override
    {
        return nullptr;
    }
    bool is_revoked(std::string_view) const override
    {
        std::unique_lock<std::mutex> lock(m);
        if(once)
            return false;
        once = true;
        entered = true;
        cv.notify_all();
        cv.wait(lock, [&] { return released; });
        return false;
    }
    std::uint64_t epoch() const noexcept override { return 1; }
};

} // namespace

TEST_CASE("F1: a token verified with a key retired during its check is never served from the cache")
{
    ma::manual_clock clock;
    auto const k1 = jose::key::generate(jose::algorithm::eddsa, "k1").value();
    auto const k2 = jose::key::generate(jose::algorithm::eddsa, "k2").value();
    auto store = std::make_shared<blocking_store>();
    ma::validation::basic_token_validator<ma::manual_clock_ref> validator({fixture::make_issuer({k1})}, {}, store,
                                                       ma::manual_clock_ref(clock));
    auto const now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    json::object const claims{{"iss", issuer},        {"sub", "mallory"}, {"aud", "models"},
                              {"exp", now + 3600},    {"jti", "j1"},      {"scope", "models:infer"}};
    auto const token = jose::sign_compact_jws(json::serialize(claims), k1).value();

    std::vector<std::string> seen; // what thread A's calls answered
    std::thread a([&] {
        auto first = validator.validate(token); // verified with k1, then waits in is_revoked
        seen.push_back(first ? "accepted" : first.error().message());
        for(int i = 0; i < 3; ++i)
        {
            auto again = validator.validate(token);
            seen.push_back(again ? "accepted" : std::string(again.error().category().name()) + ":"
                                                    + std::to_string(again.error().value()));
        }
    });
    {
        std::unique_lock<std::mutex> lock(store->m);
        store->cv.wait(lock, [&] { return store->entered; });
    }
    validator.set_issuer_keys(issuer, jose::key_set::from_keys({k2}).value()); // k1 retired as compromised
    {
        std::lock_guard<std::mutex> lock(store->m);
        store->released = true;
    }
    store->cv.notify_all();
    a.join();

    // The call in flight finished with the keys it had read; every later one
    // sees k2 only. Before the fix, the three later calls were cache hits.
    REQUIRE(seen.size() == 4);
    CHECK(seen[0] == "accepted");
    auto const unknown = std::string(make_error_code(ma::jose::error::unknown_key).category().name()) + ":"
                       + std::to_string(make_error_code(ma::jose::error::unknown_key).value());
    for(std::size_t i = 1; i < seen.size(); ++i)
        CHECK(seen[i] == unknown);
    CHECK(validator.cache().stats().hits == 0);
}

TEST_CASE("F11: reloading an alg-less JWKS takes the issuer's one algorithm, as at start-up")
{
    ma::manual_clock clock;
    auto const first = jose::key::generate(jose::algorithm::rs256, "rsa-1").value();
    auto const next = jose::key::generate(jose::algorithm::rs256, "rsa-2").value();
    // What Microsoft Entra ID publishes: RSA keys without "alg".
    auto const alg_less = [](jose::key const& k) {
        auto jwks = jose::key_set::from_keys({k}).value().to_public_jwks();
        for(auto& entry : jwks.at("keys").as_array())
            entry.as_object().erase("alg");
        return jwks;
    };
    auto issuer_config = fixture::make_issuer({first});
    issuer_config.algorithms = {jose::algorithm::rs256};
    issuer_config.keys = jose::key_set::from_jwks(json::value(alg_less(first)), jose::algorithm::rs256).value();
    ma::validation::basic_token_validator<ma::manual_clock_ref> validator({issuer_config}, {}, nullptr, ma::manual_clock_ref(clock));

    auto reloaded = validator.set_issuer_jwks(issuer, json::serialize(alg_less(next)));
    REQUIRE(reloaded); // before the fix: unsupported_algorithm, and the old key stayed

    auto const now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    json::object const claims{{"iss", issuer}, {"sub", "alice"}, {"aud", "models"}, {"exp", now + 600}};
    CHECK(validator.validate(jose::sign_compact_jws(json::serialize(claims), next).value()));
    auto const old = validator.validate(jose::sign_compact_jws(json::serialize(claims), first).value());
    REQUIRE(old.has_error());
    CHECK(old.error() == ma::jose::error::unknown_key);
}

TEST_CASE("F12: claims() of a token accepted under a deeper max_json_depth does not throw")
{
    ma::manual_clock clock;
    auto const k = jose::key::generate(jose::algorithm::es256, "es").value();
    ma::validation::token_validator_options options;
    options.limits.max_json_depth = 40;
    ma::validation::basic_token_validator<ma::manual_clock_ref> validator({fixture::make_issuer({k})}, options, nullptr,
                                                       ma::manual_clock_ref(clock));
    auto const now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    // 30 levels: over the default 16 that claims() used to parse with.
    std::string nested = "1";
    for(int i = 0; i < 30; ++i)
        nested = "[" + nested + "]";
    auto const payload = R"({"iss":")" + issuer + R"(","sub":"alice","aud":"models","exp":)"
                       + std::to_string(now + 600) + R"(,"deep":)" + nested + "}";
    auto const token = jose::sign_compact_jws(payload, k).value();
    auto principal = validator.validate(token);
    REQUIRE(principal);
    boost::json::object const* claims = nullptr;
    CHECK_NOTHROW(claims = &(*principal)->claims());
    REQUIRE(claims != nullptr);
    CHECK(claims->contains("deep"));
}
