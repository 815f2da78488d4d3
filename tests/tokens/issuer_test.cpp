//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/tokens/issuer.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/tokens/error.hpp>
#include <modelauth/validation/error.hpp>

#include <modelauth/jose/base64url.hpp>
#include <modelauth/validation/token_validator.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "support/doctest_result.hpp"

#include <doctest/doctest.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace ma = modelauth;
namespace jose = modelauth::jose;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using jose::algorithm;

namespace {

using issuer_type = ma::tokens::token_issuer<ma::manual_clock_ref>;
using validator_type = ma::validation::basic_token_validator<ma::manual_clock_ref>;

std::string const issuer_url = "http://127.0.0.1:8080";

template<class Result>
std::error_code error_of(Result const& r)
{
    REQUIRE(r.has_error());
    return r.error();
}

std::error_code error_of_validation(validator_type const& validator, std::string_view token)
{
    auto r = validator.validate(token);
    return r ? std::error_code{} : r.error();
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point t)
{
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// The decoded JSON of part `index` (0: header, 1: claims) of a compact JWS.
json::object part_of(std::string const& token, std::size_t index)
{
    std::size_t begin = 0;
    for(std::size_t i = 0; i < index; ++i)
        begin = token.find('.', begin) + 1;
    auto const end = token.find('.', begin);
    auto const text = jose::base64url_decode(token.substr(begin, end - begin)).value();
    return json::parse(text).as_object();
}

std::string header_text(std::string const& token)
{
    return jose::base64url_decode(token.substr(0, token.find('.'))).value();
}

std::vector<std::string> member_names(json::object const& object)
{
    std::vector<std::string> names;
    for(auto const& member : object)
        names.emplace_back(member.key());
    return names;
}

// RFC 7638 thumbprint of an Ed25519 JWK, computed here by hand.
std::string ed25519_thumbprint(json::object const& jwk)
{
    std::string const canonical = R"({"crv":"Ed25519","kty":"OKP","x":")"
        + std::string(jwk.at("x").as_string()) + R"("})";
    unsigned char digest[32];
    unsigned size = 0;
    EVP_Digest(canonical.data(), canonical.size(), digest, &size, EVP_sha256(), nullptr);
    return jose::base64url_encode(std::string_view(reinterpret_cast<char*>(digest), size));
}

// The options of an issuer at issuer_url.
ma::tokens::issuer_options options_for(algorithm alg = algorithm::eddsa,
                               std::vector<std::string> audience = {})
{
    ma::tokens::issuer_options options;
    options.issuer = issuer_url;
    options.audience = std::move(audience);
    options.alg = alg;
    return options;
}

ma::tokens::jwt_request request_for(std::string subject, std::chrono::seconds lifetime = 30min)
{
    ma::tokens::jwt_request request;
    request.subject = std::move(subject);
    request.lifetime = lifetime;
    return request;
}

// A fresh directory, removed with everything in it.
struct temp_dir
{
    fs::path path;

    temp_dir()
    {
        static std::atomic<int> counter{0};
        path = fs::temp_directory_path()
            / ("modelauth_issuer_test_" + std::to_string(::getpid()) + "_"
               + std::to_string(counter++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~temp_dir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    temp_dir(temp_dir const&) = delete;
    temp_dir& operator=(temp_dir const&) = delete;
};

std::string read_text(fs::path const& file)
{
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_text(fs::path const& file, std::string const& text)
{
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
}

unsigned mode_of(fs::path const& file)
{
    struct stat info = {};
    REQUIRE(::stat(file.c_str(), &info) == 0);
    return static_cast<unsigned>(info.st_mode & 07777);
}

struct fixture
{
    ma::manual_clock clock;
    issuer_type issuer = issuer_type::generate(options_for(),
                                               ma::tokens::default_retain_old_keys,
                                               ma::manual_clock_ref(clock))
                             .value();
    validator_type validator{{issuer.trusted()}, {}, nullptr, ma::manual_clock_ref(clock)};

    ma::validation::principal_ptr validate(std::string const& token) const
    {
        auto p = validator.validate(token);
        REQUIRE(p);
        return *p;
    }

    void publish_keys() { validator.set_issuer_keys(issuer_url, issuer.public_keys()); }
};

} // namespace

//----------------------------------------------------------------------------
// Issuing

TEST_CASE_FIXTURE(fixture, "an issued token passes the validator with its subject, class, scopes, bindings and times")
{
    clock.advance(123ms); // iat is truncated to whole seconds
    auto request = request_for("demo@example.com");
    request.scopes = {"models:read", "models:infer"};
    request.bindings.account = "demo";
    auto const jwt = issuer.issue(request);
    REQUIRE(jwt);
    auto const now = std::chrono::floor<std::chrono::seconds>(clock.now());
    CHECK(jwt->issued_at == now);
    CHECK(jwt->expires_at == now + 30min);

    auto const p = validate(jwt->token);
    CHECK(p->subject == "demo@example.com");
    CHECK(p->issuer == issuer_url);
    CHECK(p->token_id == jwt->jti);
    CHECK(p->cls == ma::validation::token_class::user);
    CHECK(p->scopes == std::vector<std::string>{"models:read", "models:infer"});
    ma::validation::token_bindings expected_bindings;
    expected_bindings.account = "demo";
    CHECK(p->bindings == expected_bindings);
    REQUIRE(p->expires_at);
    CHECK(*p->expires_at == jwt->expires_at);
    REQUIRE(p->issued_at);
    CHECK(*p->issued_at == jwt->issued_at);
    CHECK(p->kind == ma::validation::credential_kind::jwt);
}

TEST_CASE_FIXTURE(fixture, "the claims are exactly the documented ones, in order")
{
    auto request = request_for("alice", 1h);
    request.cls = ma::validation::token_class::model_session;
    request.scopes = {"models:infer"};
    request.bindings.model_id = 42;
    request.bindings.instance = "demo/eu01/demo";
    request.bindings.account = "demo";
    request.bindings.space = "default";
    request.extra["email_verified"] = true;
    auto const jwt = issuer.issue(request).value();
    auto const claims = part_of(jwt.token, 1);
    auto const iat = unix_seconds(clock.now());
    json::object const expected{
        {"iss", issuer_url}, {"sub", "alice"},  {"aud", issuer_url},
        {"iat", iat},        {"exp", iat + 3600}, {"jti", jwt.jti},
        {"cls", "model_session"}, {"scope", "models:infer"}, {"model_id", 42},
        {"instance", "demo/eu01/demo"}, {"account", "demo"}, {"space", "default"},
        {"email_verified", true}};
    CHECK(json::serialize(claims) == json::serialize(expected));
    CHECK(member_names(claims)
          == std::vector<std::string>{"iss", "sub", "aud", "iat", "exp", "jti", "cls", "scope",
                                      "model_id", "instance", "account", "space",
                                      "email_verified"});
    CHECK(claims.at("model_id").is_int64());
}

TEST_CASE_FIXTURE(fixture, "without scopes or bindings only iss sub aud iat exp jti cls are written")
{
    auto const jwt = issuer.issue(request_for("bob")).value();
    CHECK(member_names(part_of(jwt.token, 1))
          == std::vector<std::string>{"iss", "sub", "aud", "iat", "exp", "jti", "cls"});
    CHECK(part_of(jwt.token, 1).at("cls") == "user");
    CHECK(validate(jwt.token)->scopes.empty());
}

TEST_CASE_FIXTURE(fixture, "the header is alg, typ at+jwt and kid, the RFC 7638 thumbprint of the key")
{
    auto const jwt = issuer.issue(request_for("alice")).value();
    auto const jwks = issuer.jwks();
    REQUIRE(jwks.at("keys").as_array().size() == 1);
    auto const thumbprint = ed25519_thumbprint(jwks.at("keys").as_array()[0].as_object());
    CHECK(issuer.current_kid() == thumbprint);
    CHECK(header_text(jwt.token)
          == R"({"alg":"EdDSA","typ":"at+jwt","kid":")" + thumbprint + R"("})");
}

TEST_CASE_FIXTURE(fixture, "every token class is written in cls and read back by the validator")
{
    struct row
    {
        ma::validation::token_class cls;
        char const* name;
    };
    row const rows[] = {{ma::validation::token_class::user, "user"},
                        {ma::validation::token_class::model_session, "model_session"},
                        {ma::validation::token_class::instance, "instance"},
                        {ma::validation::token_class::personal_key, "personal_key"},
                        {ma::validation::token_class::account, "account"},
                        {ma::validation::token_class::space, "space"},
                        {ma::validation::token_class::manager, "manager"}};
    for(auto const& r : rows)
    {
        CAPTURE(r.name);
        auto request = request_for("alice");
        request.cls = r.cls;
        request.bindings.account = "demo";
        if(r.cls == ma::validation::token_class::model_session)
            request.bindings.model_id = 7;
        if(r.cls == ma::validation::token_class::instance)
            request.bindings.instance = "demo/eu01/demo";
        if(r.cls == ma::validation::token_class::space)
            request.bindings.space = "default";
        auto const jwt = issuer.issue(request).value();
        CHECK(part_of(jwt.token, 1).at("cls") == r.name);
        auto const p = validate(jwt.token);
        CHECK(p->cls == r.cls);
        CHECK(p->bindings == request.bindings);
    }
}

TEST_CASE_FIXTURE(fixture, "extra claims reach the principal; registered claims cannot be overridden")
{
    auto request = request_for("alice");
    request.extra["groups"] = json::array{"admins", "ops"};
    request.extra["tenant"] = "t-1";
    auto const p = validate(issuer.issue(request).value().token);
    REQUIRE(p->claim("groups"));
    CHECK(json::serialize(*p->claim("groups")) == R"(["admins","ops"])");
    CHECK(p->claim("tenant")->as_string() == "t-1");

    for(char const* name : {"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "cls", "scope", "scp",
                            "model_id", "instance", "account", "space"})
    {
        CAPTURE(name);
        auto bad = request_for("alice");
        bad.extra[name] = "x";
        CHECK(error_of(issuer.issue(bad)) == ma::tokens::error::invalid_request_body);
    }
}

TEST_CASE_FIXTURE(fixture, "a bad request is refused with its precise error")
{
    CHECK(error_of(issuer.issue(request_for(""))) == ma::tokens::error::invalid_request_body);

    for(auto lifetime : {0s, -1s, ma::tokens::default_retain_old_keys + 1s})
    {
        CAPTURE(lifetime.count());
        CHECK(error_of(issuer.issue(request_for("alice", lifetime))) == ma::tokens::error::invalid_ttl);
    }
    CHECK(issuer.issue(request_for("alice", ma::tokens::default_retain_old_keys)));
    CHECK(issuer.issue(request_for("alice", 1s)));

    for(char const* scope : {"", "models:read models:infer", "a\"b", "a\\b", "tab\t", "caf\xc3\xa9"})
    {
        CAPTURE(scope);
        auto request = request_for("alice");
        request.scopes = {"models:read", scope};
        CHECK(error_of(issuer.issue(request)) == ma::tokens::error::invalid_request_body);
    }
    auto request = request_for("alice");
    request.scopes = {"!#[]~", "models:infer:models/practicus"};
    CHECK(issuer.issue(request));

    request.cls = static_cast<ma::validation::token_class>(99);
    CHECK(error_of(issuer.issue(request)) == ma::tokens::error::invalid_request_body);
}

TEST_CASE_FIXTURE(fixture, "jti are 128 random bits in base64url, all different")
{
    std::set<std::string> seen;
    for(int i = 0; i < 500; ++i)
    {
        auto const jwt = issuer.issue(request_for("alice")).value();
        CHECK(jwt.jti.size() == 22);
        CHECK(jose::base64url_decode(jwt.jti).value().size() == 16);
        CHECK(part_of(jwt.token, 1).at("jti").as_string() == jwt.jti);
        seen.insert(jwt.jti);
    }
    CHECK(seen.size() == 500);
}

TEST_CASE_FIXTURE(fixture, "a token expires after its lifetime plus the validator's leeway")
{
    auto const jwt = issuer.issue(request_for("alice", 30min)).value();
    clock.advance(30min + 59s);
    CHECK(validator.validate(jwt.token));
    clock.advance(1s);
    CHECK(error_of_validation(validator, jwt.token) == ma::validation::error::token_expired);

    // A fresh validator, so nothing comes from a cache.
    validator_type fresh({issuer.trusted()}, {}, nullptr, ma::manual_clock_ref(clock));
    CHECK(error_of_validation(fresh, jwt.token) == ma::validation::error::token_expired);
}

TEST_CASE("aud is the issuer by default, a string for one audience, an array for several")
{
    ma::manual_clock clock;
    struct row
    {
        std::vector<std::string> audience;
        char const* expected;
    };
    row const rows[] = {{{}, R"("http://127.0.0.1:8080")"},
                        {{"models"}, R"("models")"},
                        {{"models", "console"}, R"(["models","console"])"}};
    for(auto const& r : rows)
    {
        CAPTURE(r.expected);
        auto const options = options_for(algorithm::eddsa, r.audience);
        auto const issuer
            = issuer_type::generate(options, ma::tokens::default_retain_old_keys, ma::manual_clock_ref(clock))
                  .value();
        auto const jwt = issuer.issue(request_for("alice")).value();
        CHECK(json::serialize(part_of(jwt.token, 1).at("aud")) == r.expected);
        validator_type accepts({issuer.trusted()}, {}, nullptr, ma::manual_clock_ref(clock));
        CHECK(accepts.validate(jwt.token));
        validator_type other({issuer.trusted({"elsewhere"})}, {}, nullptr, ma::manual_clock_ref(clock));
        CHECK(error_of_validation(other, jwt.token) == ma::validation::error::audience_mismatch);
    }
}

TEST_CASE("each asymmetric algorithm family issues tokens the validator accepts")
{
    ma::manual_clock clock;
    for(auto alg : {algorithm::rs256, algorithm::ps256, algorithm::es256, algorithm::es384,
                    algorithm::es512, algorithm::eddsa})
    {
        CAPTURE(jose::algorithm_name(alg));
        auto options = options_for();
        options.alg = alg;
        auto const issuer
            = issuer_type::generate(options, ma::tokens::default_retain_old_keys, ma::manual_clock_ref(clock))
                  .value();
        auto const jwt = issuer.issue(request_for("alice")).value();
        auto const header = part_of(jwt.token, 0);
        CHECK(header.at("alg").as_string() == jose::algorithm_name(alg));
        auto const keys = issuer.public_keys();
        REQUIRE(keys.size() == 1);
        CHECK(header.at("kid").as_string() == keys.begin()->thumbprint());
        validator_type validator({issuer.trusted()}, {}, nullptr, ma::manual_clock_ref(clock));
        auto const p = validator.validate(jwt.token);
        REQUIRE(p);
        CHECK((*p)->subject == "alice");
        CHECK(issuer.discovery(issuer_url).at("id_token_signing_alg_values_supported")
              == json::array{json::string(jose::algorithm_name(alg))});
    }
}

//----------------------------------------------------------------------------
// Configuration

TEST_CASE("HMAC algorithms are refused at construction: a JWKS cannot publish a secret")
{
    for(auto alg : {algorithm::hs256, algorithm::hs384, algorithm::hs512})
    {
        CAPTURE(jose::algorithm_name(alg));
        auto options = options_for();
        options.alg = alg;
        try
        {
            (void)ma::tokens::token_issuer<>::generate(options);
            FAIL("no configuration_error");
        }
        catch(ma::configuration_error const& e)
        {
            CHECK(e.field() == "issuer_options.alg");
        }
        auto const secret = jose::key::generate(alg).value();
        try
        {
            ma::tokens::token_issuer<> issuer(options, secret);
            FAIL("no configuration_error");
        }
        catch(ma::configuration_error const& e)
        {
            CHECK(e.field() == "issuer_options.alg");
        }
    }
}

TEST_CASE("bad configuration throws, naming the field")
{
    auto const ed = jose::key::generate(algorithm::eddsa).value();
    auto const field_of = [](auto&& make) -> std::string {
        try
        {
            make();
        }
        catch(ma::configuration_error const& e)
        {
            return e.field();
        }
        return "(nothing thrown)";
    };
    CHECK(field_of([&] { ma::tokens::token_issuer<> i(ma::tokens::issuer_options(), ed); }) == "issuer_options.issuer");
    CHECK(field_of([&] { ma::tokens::token_issuer<> i(options_for(algorithm::eddsa, {"models", ""}), ed); })
          == "issuer_options.audience");
    CHECK(field_of([&] {
              auto options = options_for();
              options.alg = static_cast<algorithm>(0);
              ma::tokens::token_issuer<> i(options, ed);
          })
          == "issuer_options.alg");
    auto const public_only = jose::key::from_jwk(ed.public_jwk()).value();
    CHECK(field_of([&] { ma::tokens::token_issuer<> i(options_for(), public_only); })
          == "signing_key");
    auto const es = jose::key::generate(algorithm::es256).value();
    CHECK(field_of([&] { ma::tokens::token_issuer<> i(options_for(), es); }) == "signing_key");
    CHECK(field_of([&] { ma::tokens::token_issuer<> i(options_for(), ed, 0s); })
          == "retain_old_keys");
    CHECK(field_of([&] { (void)ma::tokens::token_issuer<>::generate(ma::tokens::issuer_options()); })
          == "issuer_options.issuer");
    CHECK(field_of([&] { ma::tokens::token_issuer<> i(options_for(), ed); })
          == "(nothing thrown)");
}

TEST_CASE("a key with its own kid keeps it; a key without one is named by its thumbprint")
{
    auto const named = jose::key::generate(algorithm::es256, "2026-01").value();
    ma::tokens::token_issuer<> with_kid(options_for(algorithm::es256), named);
    CHECK(with_kid.current_kid() == "2026-01");
    CHECK(part_of(with_kid.issue(request_for("alice")).value().token, 0).at("kid") == "2026-01");
    CHECK(with_kid.jwks().at("keys").as_array()[0].as_object().at("kid") == "2026-01");

    auto const unnamed = jose::key::generate(algorithm::es256).value();
    ma::tokens::token_issuer<> without(options_for(algorithm::es256), unnamed);
    CHECK(without.current_kid() == unnamed.thumbprint());
}

TEST_CASE("the default lifetimes, and the default retention is the longest JWT lifetime")
{
    ma::tokens::token_lifetimes const lifetimes;
    CHECK(lifetimes.access == 30min);
    CHECK(lifetimes.refresh == 24h * 90);
    CHECK(lifetimes.model_session == 4h);
    CHECK(lifetimes.temporary == 24h);
    static_assert(ma::tokens::default_retain_old_keys == std::chrono::hours(4), "4 h");
    ma::tokens::token_lifetimes longer_access;
    longer_access.access = 5h;
    CHECK(ma::tokens::longest_jwt_lifetime(longer_access) == 5h);
    CHECK(ma::tokens::longest_jwt_lifetime(lifetimes) == 4h);
}

//----------------------------------------------------------------------------
// Rotation

TEST_CASE_FIXTURE(fixture, "after a rotation old tokens verify until the retention passes, then their key is pruned")
{
    auto const old_kid = issuer.current_kid();
    auto const old_token = issuer.issue(request_for("alice", 4h)).value().token;
    REQUIRE(issuer.rotate());
    CHECK(issuer.current_kid() != old_kid);
    publish_keys();
    CHECK(issuer.public_keys().size() == 2);
    CHECK(issuer.public_keys().find(old_kid) != nullptr);

    auto const new_token = issuer.issue(request_for("alice")).value().token;
    CHECK(part_of(new_token, 0).at("kid").as_string() == issuer.current_kid());
    CHECK(validate(old_token)->subject == "alice");
    CHECK(validate(new_token)->subject == "alice");

    clock.advance(4h - 1s);
    CHECK(issuer.prune() == 0);
    CHECK(issuer.public_keys().size() == 2);
    publish_keys();
    CHECK(validate(old_token)->subject == "alice");

    clock.advance(1s);
    CHECK(issuer.prune() == 1);
    CHECK(issuer.prune() == 0);
    CHECK(issuer.public_keys().size() == 1);
    CHECK(issuer.public_keys().find(old_kid) == nullptr);
    publish_keys();
    CHECK(error_of_validation(validator, old_token) == ma::jose::error::unknown_key);
    CHECK(validate(issuer.issue(request_for("alice")).value().token)->subject == "alice");
}

TEST_CASE_FIXTURE(fixture, "rotate prunes, and keeps the most recently retired key first")
{
    auto const first = issuer.current_kid();
    REQUIRE(issuer.rotate());
    auto const second = issuer.current_kid();
    clock.advance(1h);
    REQUIRE(issuer.rotate());
    auto const third = issuer.current_kid();
    std::vector<std::string> kids;
    for(auto const& k : issuer.public_keys())
        kids.emplace_back(k.kid());
    CHECK(kids == std::vector<std::string>{third, second, first});

    clock.advance(3h); // first retired 4 h ago, second 3 h ago
    REQUIRE(issuer.rotate());
    kids.clear();
    for(auto const& k : issuer.public_keys())
        kids.emplace_back(k.kid());
    CHECK(kids == std::vector<std::string>{issuer.current_kid(), third, second});
}

TEST_CASE_FIXTURE(fixture, "rotate refuses public keys, other algorithms and a kid still published; nothing changes")
{
    auto const kid = issuer.current_kid();
    auto const next = jose::key::generate(algorithm::eddsa).value();
    CHECK(error_of(issuer.rotate(jose::key::from_jwk(next.public_jwk()).value()))
          == ma::jose::key_error::not_a_private_key);
    CHECK(error_of(issuer.rotate(jose::key::generate(algorithm::es256).value()))
          == ma::jose::key_error::algorithm_key_mismatch);
    auto const same_kid = jose::key::generate(algorithm::eddsa, kid).value();
    CHECK(error_of(issuer.rotate(same_kid)) == ma::jose::key_error::duplicate_key_id);
    CHECK(issuer.current_kid() == kid);
    CHECK(issuer.public_keys().size() == 1);

    REQUIRE(issuer.rotate(next));
    CHECK(issuer.current_kid() == next.thumbprint());
    // The retired key's kid is still published: it cannot come back yet.
    auto const again = jose::key::generate(algorithm::eddsa, kid).value();
    CHECK(error_of(issuer.rotate(again)) == ma::jose::key_error::duplicate_key_id);
}

TEST_CASE_FIXTURE(fixture, "tokens issued while another thread rotates all verify with the published keys")
{
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for(int t = 0; t < 2; ++t)
        threads.emplace_back([&] {
            for(int i = 0; i < 100; ++i)
            {
                auto const jwt = issuer.issue(request_for("alice"));
                if(! jwt)
                {
                    ++failures;
                    continue;
                }
                auto const kid = part_of(jwt->token, 0).at("kid").as_string();
                auto const keys = issuer.public_keys();
                auto const* k = keys.find(kid);
                if(! k || ! jose::verify_compact_jws(jwt->token, *k))
                    ++failures;
            }
        });
    for(int i = 0; i < 20; ++i)
        CHECK(issuer.rotate());
    for(auto& t : threads)
        t.join();
    CHECK(failures == 0);
    CHECK(issuer.public_keys().size() == 21);
}

//----------------------------------------------------------------------------
// Publishing

TEST_CASE_FIXTURE(fixture, "jwks() is a JWKS of public members only, and a validator built from it accepts the tokens")
{
    REQUIRE(issuer.rotate());
    auto const text = json::serialize(issuer.jwks());
    auto const parsed = json::parse(text).as_object();
    CHECK(member_names(parsed) == std::vector<std::string>{"keys"});
    auto const& keys = parsed.at("keys").as_array();
    REQUIRE(keys.size() == 2);
    CHECK(keys[0].as_object().at("kid").as_string() == issuer.current_kid());
    for(auto const& entry : keys)
    {
        auto const& jwk = entry.as_object();
        CHECK(member_names(jwk) == std::vector<std::string>{"kty", "crv", "x", "kid", "alg", "use"});
        for(char const* secret : {"d", "p", "q", "dp", "dq", "qi", "k"})
            CHECK_FALSE(jwk.contains(secret));
        CHECK(jwk.at("kty") == "OKP");
        CHECK(jwk.at("alg") == "EdDSA");
        CHECK(jwk.at("use") == "sig");
        CHECK(jwk.at("kid").as_string() == ed25519_thumbprint(jwk));
    }

    ma::validation::trusted_issuer from_jwks;
    from_jwks.issuer = issuer_url;
    from_jwks.keys = jose::key_set::from_jwks(text).value();
    validator_type outside({from_jwks}, {}, nullptr, ma::manual_clock_ref(clock));
    auto const p = outside.validate(issuer.issue(request_for("alice")).value().token);
    REQUIRE(p);
    CHECK((*p)->subject == "alice");
}

TEST_CASE_FIXTURE(fixture, "an RSA issuer's JWKS carries n and e, never a private member")
{
    auto options = options_for();
    options.alg = algorithm::rs256;
    auto const rsa = issuer_type::generate(options, ma::tokens::default_retain_old_keys,
                                           ma::manual_clock_ref(clock))
                         .value();
    auto const jwk = rsa.jwks().at("keys").as_array()[0].as_object();
    CHECK(member_names(jwk) == std::vector<std::string>{"kty", "n", "e", "kid", "alg", "use"});
    CHECK(jwk.at("e") == "AQAB");
}

TEST_CASE_FIXTURE(fixture, "discovery holds exactly the documented fields")
{
    json::object const expected{
        {"issuer", issuer_url},
        {"jwks_uri", "https://models.example/.well-known/jwks.json"},
        {"token_endpoint", "https://models.example/console/api/auth/"},
        {"response_types_supported", json::array{"token"}},
        {"subject_types_supported", json::array{"public"}},
        {"id_token_signing_alg_values_supported", json::array{"EdDSA"}},
        {"token_endpoint_auth_methods_supported", json::array{"none"}},
        {"grant_types_supported", json::array{"password", "refresh_token"}}};
    CHECK(json::serialize(issuer.discovery("https://models.example")) == json::serialize(expected));
    CHECK(json::serialize(issuer.discovery("https://models.example/")) == json::serialize(expected));
}

TEST_CASE_FIXTURE(fixture, "trusted() is the validator's configuration for this issuer")
{
    auto const config = issuer.trusted();
    CHECK(config.issuer == issuer_url);
    CHECK(config.audiences == std::vector<std::string>{issuer_url});
    CHECK(config.algorithms == std::vector<algorithm>{algorithm::eddsa});
    REQUIRE(config.required_type);
    CHECK(*config.required_type == "at+jwt");
    REQUIRE(config.keys.size() == 1);
    CHECK(config.keys.begin()->kid() == issuer.current_kid());
    CHECK_FALSE(config.keys.begin()->has_private_key());
    CHECK(issuer.trusted({"a", "b"}).audiences == std::vector<std::string>{"a", "b"});

    auto untyped = options_for();
    untyped.type.clear();
    auto const plain = issuer_type::generate(untyped, ma::tokens::default_retain_old_keys,
                                             ma::manual_clock_ref(clock))
                           .value();
    CHECK_FALSE(plain.trusted().required_type);
    auto const jwt = plain.issue(request_for("alice")).value();
    CHECK_FALSE(part_of(jwt.token, 0).contains("typ"));
}

TEST_CASE_FIXTURE(fixture, "a token of another type is refused by trusted()'s required type")
{
    auto options = options_for();
    options.type = "JWT";
    ma::tokens::token_issuer<ma::manual_clock_ref> other(
        options, jose::key::generate(algorithm::eddsa).value(), ma::tokens::default_retain_old_keys,
        ma::manual_clock_ref(clock));
    validator_type strict({other.trusted()}, {}, nullptr, ma::manual_clock_ref(clock));
    auto config = other.trusted();
    config.required_type = "at+jwt";
    validator_type wants_at_jwt({config}, {}, nullptr, ma::manual_clock_ref(clock));
    auto const jwt = other.issue(request_for("alice")).value();
    CHECK(strict.validate(jwt.token));
    CHECK(error_of_validation(wants_at_jwt, jwt.token) == ma::validation::error::type_mismatch);
}

//----------------------------------------------------------------------------
// Persistence

TEST_CASE_FIXTURE(fixture, "save then load keeps every token verifying; the file is 0600 and replaced atomically")
{
    temp_dir dir;
    auto const file = dir.path / "issuer_keys.json";
    auto const before_rotation = issuer.issue(request_for("alice", 4h)).value().token;
    auto const retired_kid = issuer.current_kid();
    auto const retired_at = clock.now();
    REQUIRE(issuer.rotate());
    publish_keys();
    auto const after_rotation = issuer.issue(request_for("bob")).value().token;
    REQUIRE(issuer.save(file));
    CHECK(mode_of(file) == 0600);
    REQUIRE(issuer.save(file)); // replaces the file it wrote
    CHECK(mode_of(file) == 0600);
    std::vector<std::string> entries;
    for(auto const& entry : fs::directory_iterator(dir.path))
        entries.push_back(entry.path().filename().string());
    CHECK(entries == std::vector<std::string>{"issuer_keys.json"}); // no temporary left

    auto const saved = json::parse(read_text(file)).as_object();
    CHECK(member_names(saved) == std::vector<std::string>{"current", "retired"});
    auto const& current = saved.at("current").as_object();
    CHECK(member_names(current) == std::vector<std::string>{"alg", "kid", "pem"});
    CHECK(current.at("alg") == "EdDSA");
    CHECK(current.at("kid").as_string() == issuer.current_kid());
    CHECK(current.at("pem").as_string().starts_with("-----BEGIN PRIVATE KEY-----\n"));
    auto const& retired = saved.at("retired").as_array();
    REQUIRE(retired.size() == 1);
    auto const& old = retired[0].as_object();
    CHECK(member_names(old) == std::vector<std::string>{"alg", "kid", "pem", "until"});
    CHECK(old.at("kid").as_string() == retired_kid);
    CHECK(old.at("until") == unix_seconds(retired_at + 4h));

    auto loaded = issuer_type::load(file, options_for(), ma::tokens::default_retain_old_keys,
                                    ma::manual_clock_ref(clock));
    REQUIRE(loaded);
    CHECK(loaded->current_kid() == issuer.current_kid());
    CHECK(json::serialize(loaded->jwks()) == json::serialize(issuer.jwks()));

    validator_type restarted({loaded->trusted()}, {}, nullptr, ma::manual_clock_ref(clock));
    CHECK((*restarted.validate(before_rotation).value()).subject == "alice");
    CHECK((*restarted.validate(after_rotation).value()).subject == "bob");
    // The reloaded issuer signs with the same key: the old validator accepts it.
    CHECK(validate(loaded->issue(request_for("carol")).value().token)->subject == "carol");
}

TEST_CASE_FIXTURE(fixture, "load drops retired keys whose time has passed")
{
    temp_dir dir;
    auto const file = dir.path / "keys.json";
    REQUIRE(issuer.rotate());
    REQUIRE(issuer.save(file));
    clock.advance(4h - 1s);
    CHECK(issuer_type::load(file, options_for(), ma::tokens::default_retain_old_keys,
                            ma::manual_clock_ref(clock))
              .value()
              .public_keys()
              .size()
          == 2);
    clock.advance(1s);
    CHECK(issuer_type::load(file, options_for(), ma::tokens::default_retain_old_keys,
                            ma::manual_clock_ref(clock))
              .value()
              .public_keys()
              .size()
          == 1);
}

TEST_CASE("save and load work for every asymmetric algorithm family")
{
    ma::manual_clock clock;
    temp_dir dir;
    for(auto alg : {algorithm::rs256, algorithm::ps256, algorithm::es256, algorithm::es384,
                    algorithm::es512, algorithm::eddsa})
    {
        CAPTURE(jose::algorithm_name(alg));
        auto options = options_for();
        options.alg = alg;
        auto const file = dir.path / (std::string(jose::algorithm_name(alg)) + ".json");
        auto issuer = issuer_type::generate(options, ma::tokens::default_retain_old_keys,
                                            ma::manual_clock_ref(clock))
                          .value();
        auto const token = issuer.issue(request_for("alice")).value().token;
        REQUIRE(issuer.rotate());
        REQUIRE(issuer.save(file));
        auto const loaded
            = issuer_type::load(file, options, ma::tokens::default_retain_old_keys, ma::manual_clock_ref(clock));
        REQUIRE(loaded);
        CHECK(loaded->current_kid() == issuer.current_kid());
        validator_type validator({loaded->trusted()}, {}, nullptr, ma::manual_clock_ref(clock));
        CHECK(validator.validate(token));
        CHECK(validator.validate(loaded->issue(request_for("bob")).value().token));
    }
}

TEST_CASE("load_or_create creates the file once, then loads the same key")
{
    ma::manual_clock clock;
    temp_dir dir;
    auto const file = dir.path / "issuer_keys.json";
    auto created = issuer_type::load_or_create(file, options_for(),
                                               ma::tokens::default_retain_old_keys, ma::manual_clock_ref(clock));
    REQUIRE(created);
    REQUIRE(fs::exists(file));
    CHECK(mode_of(file) == 0600);
    auto const text = read_text(file);
    auto const token = created->issue(request_for("alice")).value().token;

    auto loaded = issuer_type::load_or_create(file, options_for(),
                                              ma::tokens::default_retain_old_keys, ma::manual_clock_ref(clock));
    REQUIRE(loaded);
    CHECK(loaded->current_kid() == created->current_kid());
    CHECK(read_text(file) == text);
    validator_type validator({loaded->trusted()}, {}, nullptr, ma::manual_clock_ref(clock));
    CHECK(validator.validate(token));
}

TEST_CASE_FIXTURE(fixture, "a missing, corrupt or mismatched key file is refused with its error")
{
    temp_dir dir;
    auto const file = dir.path / "keys.json";
    REQUIRE(issuer.rotate());
    REQUIRE(issuer.save(file));
    auto const good = json::parse(read_text(file)).as_object();
    auto const pem = std::string(good.at("current").as_object().at("pem").as_string());
    auto const load = [&](ma::tokens::issuer_options options = options_for()) {
        return issuer_type::load(file, std::move(options), ma::tokens::default_retain_old_keys,
                                 ma::manual_clock_ref(clock));
    };
    auto const with = [&](char const* entry, char const* member, json::value v) {
        auto changed = good;
        if(std::string_view(entry) == "current")
            changed.at("current").as_object()[member] = std::move(v);
        else
            changed.at("retired").as_array()[0].as_object()[member] = std::move(v);
        return json::serialize(changed);
    };
    auto const without = [&](char const* member) {
        auto changed = good;
        changed.erase(member);
        return json::serialize(changed);
    };
    auto const public_pem = [&] {
        auto const k = jose::key::from_pem(pem, algorithm::eddsa).value();
        // The public half, as SubjectPublicKeyInfo PEM.
        auto const jwk = k.public_jwk();
        auto const x = jose::base64url_decode(jwk.at("x").as_string()).value();
        EVP_PKEY* raw = EVP_PKEY_new_raw_public_key(
            EVP_PKEY_ED25519, nullptr, reinterpret_cast<unsigned char const*>(x.data()), x.size());
        BIO* bio = BIO_new(BIO_s_mem());
        PEM_write_bio_PUBKEY(bio, raw);
        char* data = nullptr;
        long const size = BIO_get_mem_data(bio, &data);
        std::string text(data, static_cast<std::size_t>(size));
        BIO_free(bio);
        EVP_PKEY_free(raw);
        return text;
    }();

    struct row
    {
        char const* name;
        std::string text;
        std::error_code expected;
    };
    auto const es256_pem = jose::key::generate(algorithm::es256).value().private_pem().value();
    row const rows[] = {
        {"empty", "", ma::jose::key_error::invalid_pem},
        {"not JSON", "current: pem", ma::jose::key_error::invalid_pem},
        {"truncated", read_text(file).substr(0, 100), ma::jose::key_error::invalid_pem},
        {"an array", "[]", ma::jose::key_error::invalid_pem},
        {"duplicate member", R"({"current":{},"current":{},"retired":[]})", ma::jose::key_error::invalid_pem},
        {"no current", without("current"), ma::jose::key_error::invalid_pem},
        {"no retired", without("retired"), ma::jose::key_error::invalid_pem},
        {"pem not a string", with("current", "pem", 1), ma::jose::key_error::invalid_pem},
        {"kid not a string", with("current", "kid", json::array{}), ma::jose::key_error::invalid_pem},
        {"bad pem", with("current", "pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
         ma::jose::key_error::invalid_pem},
        {"unknown alg", with("current", "alg", "HS999"), ma::jose::key_error::unsupported_algorithm},
        {"alg none", with("current", "alg", "none"), ma::jose::key_error::unsupported_algorithm},
        {"another alg", with("current", "alg", "ES256"), ma::jose::key_error::algorithm_key_mismatch},
        {"a public key", with("current", "pem", json::string(public_pem)), ma::jose::key_error::not_a_private_key},
        {"an ES256 key for EdDSA", with("current", "pem", json::string(es256_pem)),
         ma::jose::key_error::algorithm_key_mismatch},
        {"until a string", with("retired", "until", "tomorrow"), ma::jose::key_error::invalid_pem},
        {"until negative", with("retired", "until", -1), ma::jose::key_error::invalid_pem},
        {"until missing", [&] {
             auto changed = good;
             changed.at("retired").as_array()[0].as_object().erase("until");
             return json::serialize(changed);
         }(), ma::jose::key_error::invalid_pem},
        {"duplicate kid", with("retired", "kid", good.at("current").as_object().at("kid")),
         ma::jose::key_error::duplicate_key_id},
        {"too large", std::string(1024 * 1024 + 1, ' '), ma::jose::key_error::invalid_pem},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.name);
        write_text(file, r.text);
        CHECK(error_of(load()) == r.expected);
        // load_or_create never overwrites a file it cannot read.
        CHECK(error_of(issuer_type::load_or_create(file, options_for(),
                                                   ma::tokens::default_retain_old_keys,
                                                   ma::manual_clock_ref(clock)))
              == r.expected);
        CHECK(read_text(file) == r.text);
    }

    // The file's keys are EdDSA: an issuer configured for ES256 cannot use them.
    write_text(file, json::serialize(good));
    REQUIRE(load());
    auto es = options_for();
    es.alg = algorithm::es256;
    CHECK(error_of(load(es)) == ma::jose::key_error::algorithm_key_mismatch);

    fs::remove(file);
    CHECK(error_of(load()) == ma::tokens::error::storage_failure);
    CHECK(error_of(issuer_type::load(dir.path, options_for(),
                                     ma::tokens::default_retain_old_keys, ma::manual_clock_ref(clock)))
          == ma::tokens::error::storage_failure); // a directory
}

TEST_CASE_FIXTURE(fixture, "save fails with storage_failure where it cannot write, and leaves nothing behind")
{
    temp_dir dir;
    CHECK(error_of(issuer.save(dir.path / "missing" / "keys.json")) == ma::tokens::error::storage_failure);
    CHECK(fs::is_empty(dir.path));
    CHECK(error_of(issuer_type::load_or_create(dir.path / "missing" / "keys.json",
                                               options_for(),
                                               ma::tokens::default_retain_old_keys, ma::manual_clock_ref(clock)))
          == ma::tokens::error::storage_failure);
}

TEST_CASE("an issuer whose key came from a private JWK signs, saves and loads it")
{
    unsigned char d[32];
    unsigned char x[32];
    std::size_t d_size = sizeof d;
    std::size_t x_size = sizeof x;
    EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    REQUIRE(raw);
    REQUIRE(EVP_PKEY_get_raw_private_key(raw, d, &d_size) == 1);
    REQUIRE(EVP_PKEY_get_raw_public_key(raw, x, &x_size) == 1);
    EVP_PKEY_free(raw);
    json::object const jwk{
        {"kty", "OKP"},
        {"crv", "Ed25519"},
        {"d", jose::base64url_encode(std::string_view(reinterpret_cast<char*>(d), d_size))},
        {"x", jose::base64url_encode(std::string_view(reinterpret_cast<char*>(x), x_size))}};
    ma::tokens::token_issuer<> issuer(options_for(), jose::key::from_jwk(jwk).value());
    ma::validation::TokenValidator validator({issuer.trusted()});
    CHECK(validator.validate(issuer.issue(request_for("alice")).value().token));
    temp_dir dir;
    REQUIRE(issuer.save(dir.path / "keys.json"));
    auto loaded = ma::tokens::token_issuer<>::load(dir.path / "keys.json", options_for());
    REQUIRE(loaded);
    CHECK(loaded->current_kid() == issuer.current_kid());
    ma::validation::TokenValidator reloaded({loaded->trusted()});
    CHECK(reloaded.validate(issuer.issue(request_for("alice")).value().token));
}

TEST_CASE_FIXTURE(fixture, "a moved issuer keeps its keys and its clock")
{
    auto const kid = issuer.current_kid();
    auto const token = issuer.issue(request_for("alice")).value().token;
    issuer_type moved(std::move(issuer));
    CHECK(moved.current_kid() == kid);
    CHECK(moved.options().issuer == issuer_url);
    CHECK(moved.retain_old_keys() == ma::tokens::default_retain_old_keys);
    auto const jwt = moved.issue(request_for("bob")).value();
    CHECK(jwt.issued_at == std::chrono::floor<std::chrono::seconds>(clock.now()));
    CHECK(validate(jwt.token)->subject == "bob");
    CHECK(validate(token)->subject == "alice");
}
