//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include "config.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace ms = model_server;
namespace json = boost::json;

namespace {

// A password hash of the right shape (the library checks the rest).
constexpr char const* hash = "pbkdf2_sha256$600000$saltsalt$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

// A valid configuration touching every section; each error case changes one thing.
std::string base_config_text()
{
    return std::string(R"({
  "listen": "127.0.0.1:8080",
  "threads": 0,
  "state_dir": null,
  "strict_slash": false,
  "limits": {"body_bytes": 1048576, "target_bytes": 2048, "read_timeout_s": 30},
  "lifetimes": {"access": "30m", "refresh": "90d", "model_session": "4h", "temporary": "24h"},
  "accounts": [{"id": "demo", "spaces": ["default"]}, {"id": "acme", "spaces": ["lab", "prod"]}],
  "instances": [{"project": "demo", "region": "eu01", "id": "demo"}],
  "users": [{"email": "demo@example.com", "password": ")") + hash + R"(",
             "account": "demo", "scopes": ["models:read", "models:infer", "tokens:manage"],
             "instances": ["demo/eu01/demo"]},
            {"email": "ops@example.com", "password": ")" + hash + R"(",
             "account": "acme", "scopes": ["models:infer:models/practicus"]}],
  "models": [{"model_id": 1, "prefix": "models/practicus", "name": "diamond-price",
              "versions": ["1", "2"], "default_version": "2", "kind": "linear",
              "weights": [3900.0, 60.0], "bias": -250.0,
              "account": "demo", "space": "default", "instance": "demo/eu01/demo"},
             {"model_id": 2, "prefix": "models/practicus", "name": "churn",
              "versions": ["1"], "default_version": "1", "kind": "logistic",
              "weights": [0.8, -0.05, 1.2], "bias": -0.5, "account": "acme", "space": "lab"}],
  "trusted_issuers": [{"issuer": "https://login.example.com", "audiences": ["models"],
                       "algorithms": ["RS256", "EdDSA"], "jwks": {"keys": []}, "leeway_s": 30}]
})";
}

// What parse_config throws for `text`: {field, what()}; {"", ""} if it accepts it.
struct thrown
{
    std::string field;
    std::string what;
};

thrown parse_error(std::string const& text, ms::parse_config_options const& options = {})
{
    try
    {
        (void)ms::parse_config(text, options);
    }
    catch(modelauth::configuration_error const& e)
    {
        return {e.field(), e.what()};
    }
    return {};
}

enum class op
{
    put,  // set the member or element the pointer names (adding a member if need be)
    erase // remove the member the pointer names
};

// Applies `action` at the JSON pointer `pointer` (no escapes) of `doc`.
void apply(json::value& doc, op action, std::string const& pointer, char const* replacement)
{
    auto const slash = pointer.rfind('/');
    std::string const parent = pointer.substr(0, slash);
    std::string const last = pointer.substr(slash + 1);
    json::value& holder = parent.empty() ? doc : doc.at_pointer(parent);
    if(holder.is_array())
    {
        REQUIRE(action == op::put);
        auto& elements = holder.as_array();
        std::size_t const index = std::stoul(last);
        if(index == elements.size())
            elements.emplace_back(json::parse(replacement));
        else
            elements.at(index) = json::parse(replacement);
    }
    else if(action == op::put)
        holder.as_object()[last] = json::parse(replacement);
    else
        REQUIRE(holder.as_object().erase(last) == 1);
}

struct config_case
{
    char const* id;
    op action;
    char const* pointer;
    char const* replacement; // JSON text, for op::put
    char const* field;
    char const* problem;
};

constexpr char const* label_rule =
    "1 to 128 characters of [A-Za-z0-9._-], the first a letter or a digit, the last not '.'";
constexpr char const* listen_rule =
    "must be an IP address and a port: \"127.0.0.1:8080\", \"[::1]:8080\" (port 0: any free port)";
constexpr char const* ttl_rule = "must be a lifetime: a positive integer without a leading zero and one unit of "
                                 "s, m, h, d (\"30m\", \"90d\"), at most 3650d";
constexpr char const* scope_rule =
    "must be a scope: <action> or <action>:<path>, without spaces, e.g. \"models:infer\"";
// The registry's own rule (router::model_registry).
constexpr char const* prefix_rule = "is not a valid prefix: 1 to 8 segments separated by '/', each of 1 to 128 "
                                    "characters of [A-Za-z0-9._-], the first a letter or a digit, the last not '.', "
                                    "256 bytes at most";

std::string known(char const* keys)
{
    return std::string("is not a known key; expected one of: ") + keys;
}

} // namespace

TEST_CASE("the base configuration of these tests is valid")
{
    auto const e = parse_error(base_config_text());
    CHECK(e.field == "");
    CHECK(e.what == "");
}

TEST_CASE("every configuration error names its key path exactly")
{
    std::string const top = known("listen, issuer, redis, threads, state_dir, strict_slash, limits, lifetimes, "
                                  "maintenance_s, accounts, instances, users, models, trusted_issuers");
    std::string const model_keys = known("model_id, prefix, name, versions, default_version, kind, weights, "
                                         "bias, account, space, instance");
    std::string const issuer_keys = known("issuer, audiences, algorithms, jwks, jwks_file, jwks_uri, discovery, leeway_s, account_claim, ca_file, refresh_s, min_refresh_s");
    std::string const account_rule = std::string("is not a valid account id: ") + label_rule;
    std::string const name_rule = std::string("is not a valid model name: ") + label_rule;

    // clang-format off
    config_case const cases[] = {
        // Unknown keys, at every level.
        {"C1", op::put, "/listne", R"("x")", "listne", top.c_str()},
        {"C2", op::put, "/limits/body_byte", "1", "limits.body_byte",
            "is not a known key; expected one of: body_bytes, target_bytes, read_timeout_s, header_timeout_s, "
            "max_connections"},
        {"C3", op::put, "/models/1/weight", "[1]", "models[1].weight", model_keys.c_str()},
        {"C4", op::put, "/users/0/role", R"("admin")", "users[0].role",
            "is not a known key; expected one of: email, password, account, scopes, instances"},
        {"C5", op::put, "/trusted_issuers/0/jwks_url", R"("x")", "trusted_issuers[0].jwks_url", issuer_keys.c_str()},
        {"C6", op::put, "/limits/bad key", "1", "limits[\"bad key\"]",
            "is not a known key; expected one of: body_bytes, target_bytes, read_timeout_s, header_timeout_s, "
            "max_connections"},
        {"C7", op::put, "/lifetimes/session", R"("1h")", "lifetimes.session",
            "is not a known key; expected one of: access, refresh, model_session, temporary"},
        {"C8", op::put, "/accounts/0/name", R"("x")", "accounts[0].name", "is not a known key; expected one of: id, spaces"},
        {"C9", op::put, "/instances/0/zone", R"("x")", "instances[0].zone",
            "is not a known key; expected one of: project, region, id"},
        // listen, threads, state_dir, strict_slash.
        {"C10", op::put, "/listen", "8080", "listen", "must be a string"},
        {"C11", op::put, "/listen", R"("localhost:8080")", "listen", listen_rule},
        {"C12", op::put, "/listen", R"("127.0.0.1")", "listen", listen_rule},
        {"C13", op::put, "/listen", R"("::1:8080")", "listen", "must put an IPv6 address in brackets: \"[::1]:8080\""},
        {"C14", op::put, "/listen", R"("127.0.0.1:65536")", "listen", "has a port above 65535"},
        {"C15", op::put, "/listen", R"("127.0.0.1:08080")", "listen", listen_rule},
        {"C16", op::put, "/listen", R"("[127.0.0.1]:8080")", "listen", listen_rule},
        {"C17", op::put, "/listen", R"("127.0.0.1:-1")", "listen", listen_rule},
        {"C18", op::put, "/threads", "-1", "threads", "must be an integer from 0 to 1024"},
        {"C19", op::put, "/threads", "1.5", "threads", "must be an integer"},
        {"C20", op::put, "/threads", "2000", "threads", "must be an integer from 0 to 1024"},
        {"C21", op::put, "/state_dir", R"("")", "state_dir", "must not be empty"},
        {"C22", op::put, "/state_dir", "false", "state_dir", "must be a string"},
        {"C23", op::put, "/strict_slash", R"("yes")", "strict_slash", "must be true or false"},
        // redis (with state_dir: replicas_test.cpp).
        {"C100", op::put, "/redis", R"("http://127.0.0.1:6379")", "redis", "must be a redis:// URL: redis://host:port/db"},
        {"C101", op::put, "/redis", R"("redis://127.0.0.1:0/0")", "redis", "must have a port from 1 to 65535"},
        {"C102", op::put, "/redis", R"("redis://127.0.0.1/x")", "redis",
            "must name a database by its number: redis://host:port/0"},
        {"C103", op::put, "/redis", "5", "redis", "must be a string"},
        {"C104", op::put, "/redis", R"("redis://alice@127.0.0.1/0")", "redis", "has a user name without a password"},
        // limits, lifetimes.
        {"C24", op::put, "/limits", "[]", "limits", "must be an object"},
        {"C25", op::put, "/limits/body_bytes", "0", "limits.body_bytes", "must be an integer from 1 to 67108864"},
        {"C26", op::put, "/limits/body_bytes", "67108865", "limits.body_bytes", "must be an integer from 1 to 67108864"},
        {"C27", op::put, "/limits/target_bytes", R"("2048")", "limits.target_bytes", "must be an integer"},
        {"C28", op::put, "/limits/read_timeout_s", "3601", "limits.read_timeout_s", "must be an integer from 1 to 3600"},
        {"C105", op::put, "/maintenance_s", "0", "maintenance_s", "must be an integer from 1 to 3600"},
        {"C106", op::put, "/maintenance_s", R"("60")", "maintenance_s", "must be an integer"},
        // F10: limits.max_connections, limits.header_timeout_s.
        {"F10-C1", op::put, "/limits/max_connections", "0", "limits.max_connections",
            "must be an integer from 1 to 1048576"},
        {"F10-C2", op::put, "/limits/max_connections", "-5", "limits.max_connections",
            "must be an integer from 1 to 1048576"},
        {"F10-C3", op::put, "/limits/max_connections", R"("10000")", "limits.max_connections", "must be an integer"},
        {"F10-C4", op::put, "/limits/max_connections", "1048577", "limits.max_connections",
            "must be an integer from 1 to 1048576"},
        {"F10-C5", op::put, "/limits/header_timeout_s", "0", "limits.header_timeout_s",
            "must be an integer from 1 to 3600"},
        {"F10-C6", op::put, "/limits/header_timeout_s", "2.5", "limits.header_timeout_s", "must be an integer"},
        // contract: issuer.
        {"ISS1", op::put, "/issuer", "8080", "issuer", "must be a string"},
        {"ISS2", op::put, "/issuer", R"("models.example.com")", "issuer",
            "must be an http:// or https:// URL, e.g. \"https://models.example.com\""},
        {"ISS3", op::put, "/issuer", R"("ftp://models.example.com")", "issuer",
            "must be an http:// or https:// URL, e.g. \"https://models.example.com\""},
        {"ISS4", op::put, "/issuer", R"("https://")", "issuer", "must name a host"},
        {"ISS5", op::put, "/issuer", R"("https://models.example.com/")", "issuer", "must not end in '/'"},
        {"ISS6", op::put, "/issuer", R"("https://models.example.com/a b")", "issuer",
            "may hold only visible ASCII, without '?' and '#'"},
        {"ISS7", op::put, "/issuer", R"("https://models.example.com?x=1")", "issuer",
            "may hold only visible ASCII, without '?' and '#'"},
        {"C29", op::put, "/lifetimes/access", R"("030m")", "lifetimes.access", ttl_rule},
        {"C30", op::put, "/lifetimes/refresh", R"("3651d")", "lifetimes.refresh", ttl_rule},
        {"C31", op::put, "/lifetimes/temporary", "86400", "lifetimes.temporary", "must be a string"},
        {"C32", op::put, "/lifetimes/model_session", R"("4 h")", "lifetimes.model_session", ttl_rule},
        // accounts, instances.
        {"C33", op::erase, "/accounts/1/id", nullptr, "accounts[1].id", "is required"},
        {"C34", op::put, "/accounts/1/id", R"("demo")", "accounts[1].id", "repeats accounts[0]"},
        {"C35", op::put, "/accounts/1/spaces/1", R"("lab")", "accounts[1].spaces[1]", "repeats spaces[0]"},
        {"C36", op::put, "/accounts/0/id", R"("-x")", "accounts[0].id", account_rule.c_str()},
        {"C37", op::put, "/accounts/0/spaces", R"("default")", "accounts[0].spaces", "must be an array"},
        {"C38", op::erase, "/instances/0/region", nullptr, "instances[0].region", "is required"},
        {"C39", op::put, "/instances/1", R"({"project": "demo", "region": "eu01", "id": "demo"})", "instances[1]",
            "repeats instances[0]"},
        {"C40", op::put, "/instances/0/project", "7", "instances[0].project", "must be a string"},
        // users.
        {"C41", op::erase, "/users/0/email", nullptr, "users[0].email", "is required"},
        {"C42", op::put, "/users/1/email", R"("Demo@Example.COM")", "users[1].email", "repeats users[0]"},
        {"C43", op::put, "/users/0/email", R"("demo")", "users[0].email",
            "must be an e-mail address: local-part@domain, printable ASCII without spaces"},
        {"C44", op::put, "/users/0/password", R"("hunter2")", "users[0].password",
            "must be a password hash pbkdf2_sha256$<iterations>$<salt>$<hash>, never a plain password"},
        {"C45", op::put, "/users/0/password", R"("argon2$600000$salt$hash")", "users[0].password",
            "must be a pbkdf2_sha256 hash: no other algorithm is accepted"},
        {"C46", op::put, "/users/0/password", R"("pbkdf2_sha256$99999$salt$hash")", "users[0].password",
            "has fewer than 100000 PBKDF2 iterations"},
        {"C47", op::put, "/users/0/password", R"("pbkdf2_sha256$6e5$salt$hash")", "users[0].password",
            "has an iteration count that is not a positive integer below 2^31"},
        {"C48", op::put, "/users/0/password", R"("pbkdf2_sha256$600000$$hash")", "users[0].password",
            "has an empty salt"},
        {"C49", op::put, "/users/0/password", R"("pbkdf2_sha256$600000$salt$")", "users[0].password",
            "has an empty hash"},
        {"C50", op::put, "/users/1/password", R"("$demo$")", "users[1].password",
            "is the demo placeholder, which only the embedded demo config may use; store a hash made by the "
            "hash-password subcommand"},
        {"C51", op::put, "/users/0/account", R"("nobody")", "users[0].account",
            "\"nobody\" is not the id of an account in accounts"},
        {"C52", op::erase, "/users/1/account", nullptr, "users[1].account", "is required"},
        {"C53", op::put, "/users/0/instances/0", R"("demo/eu01/other")", "users[0].instances[0]",
            "\"demo/eu01/other\" is not an instance of instances (project/region/id)"},
        {"C54", op::put, "/users/0/scopes/1", R"("models: infer")", "users[0].scopes[1]", scope_rule},
        {"C55", op::put, "/users/0/scopes/0", R"("")", "users[0].scopes[0]", scope_rule},
        {"C56", op::put, "/users/0/scopes/2", R"("models:infer:")", "users[0].scopes[2]", scope_rule},
        {"C57", op::put, "/users/0/scopes", R"("models:read")", "users[0].scopes", "must be an array"},
        {"C58", op::put, "/users/0", "[]", "users[0]", "must be an object"},
        // models.
        {"C59", op::put, "/models/0/model_id", "0", "models[0].model_id", "must be an integer from 1 to 9223372036854775807"},
        {"C60", op::put, "/models/0/model_id", R"("1")", "models[0].model_id", "must be an integer"},
        {"C61", op::put, "/models/0/model_id", "1.0", "models[0].model_id", "must be an integer"},
        {"C62", op::put, "/models/1/model_id", "1", "models[1].model_id", "1 is already the model_id of models[0]"},
        {"C63", op::put, "/models/1/name", R"("diamond-price")", "models[1].name",
            "\"models/practicus/diamond-price\" is already registered by models[0]"},
        {"C64", op::put, "/models/0/prefix", R"("/models")", "models[0].prefix", prefix_rule},
        {"C65", op::put, "/models/0/prefix", R"("models/../x")", "models[0].prefix", prefix_rule},
        {"C66", op::put, "/models/0/prefix", R"("models//x")", "models[0].prefix", prefix_rule},
        {"C67", op::put, "/models/0/prefix", R"("models/")", "models[0].prefix", prefix_rule},
        {"C68", op::put, "/models/1/prefix", R"("models/practicus/diamond-price")", "models[0].name",
            "\"models/practicus/diamond-price\" is also a registered prefix: the model's versioned URLs would "
            "route into it"},
        {"C69", op::put, "/models/0/name", R"(".hidden")", "models[0].name", name_rule.c_str()},
        {"C70", op::put, "/models/0/versions", "[]", "models[0].versions", "must list at least one version"},
        {"C71", op::put, "/models/0/versions/1", R"("1")", "models[0].versions[1]", "repeats versions[0] \"1\""},
        {"C72", op::put, "/models/0/versions/0", R"("v 1")", "models[0].versions[0]",
            "is not a valid version: 1 to 32 characters of [A-Za-z0-9._-], the first a letter or a digit, the "
            "last not '.'"},
        {"C73", op::put, "/models/1/default_version", R"("3")", "models[1].default_version",
            "\"3\" is not one of the model's versions"},
        {"C74", op::put, "/models/0/kind", R"("tree")", "models[0].kind", "must be \"linear\" or \"logistic\""},
        {"C75", op::erase, "/models/0/kind", nullptr, "models[0].kind", "is required"},
        {"C76", op::put, "/models/0/weights", "[]", "models[0].weights", "must list at least one weight"},
        {"C77", op::put, "/models/0/weights/1", R"("60")", "models[0].weights[1]", "must be a number"},
        {"C78", op::erase, "/models/0/bias", nullptr, "models[0].bias", "is required"},
        {"C79", op::put, "/models/0/bias", "null", "models[0].bias", "must be a number"},
        {"C80", op::put, "/models/0/account", R"("nobody")", "models[0].account",
            "\"nobody\" is not the id of an account in accounts"},
        {"C81", op::put, "/models/0/space", R"("lab")", "models[0].space", "\"lab\" is not a space of account \"demo\""},
        {"C82", op::erase, "/models/1/account", nullptr, "models[1].space",
            "needs the model's account: a space belongs to an account"},
        {"C83", op::put, "/models/0/instance", R"("demo/eu02/demo")", "models[0].instance",
            "\"demo/eu02/demo\" is not an instance of instances (project/region/id)"},
        {"C84", op::put, "/models", "{}", "models", "must be an array"},
        {"C85", op::put, "/models/0", "5", "models[0]", "must be an object"},
        {"C86", op::erase, "/models/1/versions", nullptr, "models[1].versions", "is required"},
        // trusted_issuers.
        {"C87", op::put, "/trusted_issuers/0/jwks_file", R"("/etc/jwks.json")", "trusted_issuers[0].jwks_file",
            "cannot be given together with jwks: give exactly one of jwks, jwks_file, jwks_uri"},
        {"C88", op::erase, "/trusted_issuers/0/jwks", nullptr, "trusted_issuers[0]",
            "needs exactly one of jwks, jwks_file, jwks_uri: the issuer's keys"},
        {"C89", op::put, "/trusted_issuers/0",
            R"({"issuer": "i", "audiences": ["a"], "algorithms": ["ES256"], "jwks_uri": "http://idp.example.com/jwks"})",
            "trusted_issuers[0].jwks_uri", "must be an https:// URL (http:// only to a loopback host)"},
        {"C90", op::put, "/trusted_issuers/0",
            R"({"issuer": "i", "audiences": ["a"], "algorithms": ["ES256"], "jwks_uri": "file://idp.example.com/jwks"})",
            "trusted_issuers[0].jwks_uri", "names a remote host: only local files (file:///path) are read"},
        {"C91", op::put, "/trusted_issuers/0",
            R"({"issuer": "i", "audiences": ["a"], "algorithms": ["ES256"], "jwks_uri": "file:///a%2"})",
            "trusted_issuers[0].jwks_uri",
            "has a bad percent-escape (each % needs two hex digits, and %00 is refused)"},
        {"C92", op::put, "/trusted_issuers/0/leeway_s", "3601", "trusted_issuers[0].leeway_s",
            "must be an integer from 0 to 3600"},
        {"C93", op::put, "/trusted_issuers/0/algorithms", R"(["none"])", "trusted_issuers[0].algorithms[0]",
            "must be a JWS algorithm: HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, "
            "ES512 or EdDSA"},
        {"C94", op::put, "/trusted_issuers/0/algorithms", "[]", "trusted_issuers[0].algorithms",
            "must list at least one algorithm"},
        {"C95", op::put, "/trusted_issuers/0/audiences", "[]", "trusted_issuers[0].audiences",
            "must list at least one audience"},
        {"C96", op::put, "/trusted_issuers/0/audiences", R"([""])", "trusted_issuers[0].audiences[0]",
            "must not be empty"},
        {"C97", op::put, "/trusted_issuers/1",
            R"({"issuer": "https://login.example.com", "audiences": ["a"], "algorithms": ["ES256"], "jwks_file": "k.json"})",
            "trusted_issuers[1].issuer", "repeats trusted_issuers[0]"},
        {"C98", op::put, "/trusted_issuers/0/jwks", "{}", "trusted_issuers[0].jwks",
            "must be a JWKS: an object with a \"keys\" array"},
        {"C99", op::erase, "/trusted_issuers/0/issuer", nullptr, "trusted_issuers[0].issuer", "is required"},
    };
    // clang-format on

    for(auto const& c : cases)
    {
        std::string const id = c.id;
        CAPTURE(id);
        json::value doc = json::parse(base_config_text());
        apply(doc, c.action, c.pointer, c.replacement);
        auto const e = parse_error(json::serialize(doc));
        CHECK(e.field == std::string(c.field));
        CHECK(e.what == std::string(c.field) + ": " + c.problem);
        // No message ever shows a password hash, or its salt or its hash part.
        CHECK(e.what.find("saltsalt") == std::string::npos);
        CHECK(e.what.find("hunter2") == std::string::npos);
    }
}

TEST_CASE("a document that is not strict JSON names (config) and the position")
{
    struct text_case
    {
        char const* id;
        char const* text;
        char const* field;
        char const* problem;
    };
    text_case const cases[] = {
        {"T1", "{", "(config)", "is not valid JSON: incomplete JSON at line 1, column 2"},
        {"T2", "", "(config)", "is not valid JSON: incomplete JSON at line 1, column 1"},
        {"T3", "{\"threads\": 1,}", "(config)", "is not valid JSON: syntax error at line 1, column 15"},
        {"T4", "{\n  \"threads\": 1 // one\n}", "(config)", "is not valid JSON: syntax error at line 2, column 16"},
        {"T5", "{\"listen\": \"x\",\n  \"threads\": }", "(config)", "is not valid JSON: syntax error at line 2, column 14"},
        {"T6", "{} {}", "(config)", "is not valid JSON: extra data at line 1, column 4"},
        {"T7", "[]", "(config)", "must be a JSON object"},
        {"T8", "null", "(config)", "must be a JSON object"},
        {"T9", "{\"state_dir\": \"\xff\"}", "(config)", "is not valid JSON: syntax error at line 1, column 16"},
        // A key given twice is refused wherever it is (Boost.JSON alone would keep one);
        // config::parse_document finds it, before any key path is known.
        {"T10", "{\"threads\": 1, \"threads\": 2}", "(config)", "is not valid JSON: a key appears twice in one object"},
        {"T11", "{\"models\": [{\"model_id\": 1, \"model_id\": 2}]}", "(config)",
            "is not valid JSON: a key appears twice in one object"},
        {"T12", "{\"limits\": {\"body_bytes\": 1,\n \"body_bytes\": 2}}", "(config)",
            "is not valid JSON: a key appears twice in one object"},
        // A number beyond a double is refused, never read as infinity.
        {"T13", "{\"models\": [{\"weights\": [1, 1e400]}]}", "(config)",
            "is not valid JSON: a number is too large for a double"},
        {"T14", "{\"models\": [{\"bias\": -1e999}]}", "(config)", "is not valid JSON: a number is too large for a double"},
    };
    for(auto const& c : cases)
    {
        std::string const id = c.id;
        CAPTURE(id);
        auto const e = parse_error(c.text);
        CHECK(e.field == std::string(c.field));
        CHECK(e.what == std::string(c.field) + ": " + c.problem);
    }
}

TEST_CASE("the base configuration reads into every field")
{
    auto const config = ms::parse_config(base_config_text());
    CHECK(config.listen.host == "127.0.0.1");
    CHECK(config.listen.port == 8080);
    CHECK(config.threads == 0);
    CHECK(! config.state_dir);
    CHECK(! config.strict_slash);
    CHECK(config.limits.body_bytes == 1048576);
    CHECK(config.limits.target_bytes == 2048);
    CHECK(config.limits.read_timeout == std::chrono::seconds(30));
    CHECK(config.lifetimes.access == std::chrono::minutes(30));
    CHECK(config.lifetimes.refresh == std::chrono::hours(24 * 90));
    CHECK(config.lifetimes.model_session == std::chrono::hours(4));
    CHECK(config.lifetimes.temporary == std::chrono::hours(24));

    REQUIRE(config.directory.accounts.size() == 2);
    CHECK(config.directory.accounts[1].id == "acme");
    CHECK(config.directory.accounts[1].spaces == std::vector<std::string>{"lab", "prod"});
    CHECK(config.directory.instances == std::vector<std::string>{"demo/eu01/demo"});
    REQUIRE(config.directory.users.size() == 2);
    CHECK(config.directory.users[0].email == "demo@example.com");
    CHECK(config.directory.users[0].password.encoded() == hash);
    CHECK(config.directory.users[0].account == "demo");
    CHECK(config.directory.users[0].scopes == std::vector<std::string>{"models:read", "models:infer", "tokens:manage"});
    CHECK(config.directory.users[0].instances == std::vector<std::string>{"demo/eu01/demo"});
    CHECK(config.directory.users[1].instances.empty());

    REQUIRE(config.models.size() == 2);
    auto const* diamond = config.models.find(1);
    REQUIRE(diamond != nullptr);
    CHECK(diamond->prefix == "models/practicus");
    CHECK(diamond->name == "diamond-price");
    CHECK(diamond->versions == std::vector<std::string>{"1", "2"});
    CHECK(diamond->default_version == "2");
    CHECK(diamond->account == "demo");
    CHECK(diamond->space == "default");
    CHECK(diamond->instance == "demo/eu01/demo");
    auto const toy = ms::toy_model_of(modelauth::config::json_reader(*diamond->metadata), "1");
    CHECK(toy.model_id == 1);
    CHECK(toy.version == "1");
    CHECK(toy.kind == ms::model_kind::linear);
    CHECK(toy.weights == std::vector<double>{3900.0, 60.0});
    CHECK(toy.bias == -250.0);
    auto const* churn = config.models.find(2);
    REQUIRE(churn != nullptr);
    CHECK(ms::toy_model_of(modelauth::config::json_reader(*churn->metadata)).kind == ms::model_kind::logistic);
    CHECK(churn->space == "lab");
    CHECK(churn->instance == "");

    REQUIRE(config.trusted_issuers.size() == 1);
    auto const& idp = config.trusted_issuers[0];
    CHECK(idp.issuer == "https://login.example.com");
    CHECK(idp.audiences == std::vector<std::string>{"models"});
    CHECK(idp.algorithms == std::vector<modelauth::jose::algorithm>{
        modelauth::jose::algorithm::rs256, modelauth::jose::algorithm::eddsa});
    CHECK(idp.keys.empty()); // the inline {"keys": []}
    CHECK(idp.leeway == std::chrono::seconds(30));
}

TEST_CASE("omitted keys take their documented defaults")
{
    auto const config = ms::parse_config(R"({"models": [{"model_id": 7, "prefix": "p", "name": "m",
        "versions": ["a", "b"], "kind": "linear", "weights": [1], "bias": 0,
        "account": null, "space": null, "instance": null, "default_version": null}],
        "trusted_issuers": [{"issuer": "i", "audiences": ["a"], "algorithms": ["ES256"], "jwks": {"keys": []}}]})");
    CHECK(config.listen.host == "127.0.0.1");
    CHECK(config.listen.port == 8080);
    CHECK(config.threads == 0);
    CHECK(config.limits.body_bytes == 1048576);
    CHECK(config.limits.target_bytes == 2048);
    CHECK(config.limits.read_timeout == std::chrono::seconds(30));
    CHECK(config.lifetimes.access == std::chrono::minutes(30));
    CHECK(config.lifetimes.temporary == std::chrono::hours(24));
    CHECK(config.directory.users.empty());
    REQUIRE(config.models.size() == 1);
    CHECK(config.models.find(7)->default_version == "b"); // the last version
    CHECK(config.models.find(7)->account == "");
    REQUIRE(config.trusted_issuers.size() == 1);
    CHECK(config.trusted_issuers[0].leeway == std::chrono::seconds(60));

    auto const empty = ms::parse_config("{}");
    CHECK(empty.models.empty());
    CHECK(empty.directory.accounts.empty());
    CHECK(empty.trusted_issuers.empty());
    CHECK(! empty.state_dir);
}

TEST_CASE("F10: limits.max_connections and limits.header_timeout_s default to 10000 and 10 s, and are read")
{
    auto const defaults = ms::parse_config("{}");
    CHECK(defaults.limits.max_connections == 10000);
    CHECK(defaults.limits.header_timeout == std::chrono::seconds(10));
    auto const set = ms::parse_config(R"({"limits": {"max_connections": 1, "header_timeout_s": 3600}})");
    CHECK(set.limits.max_connections == 1);
    CHECK(set.limits.header_timeout == std::chrono::seconds(3600));
    CHECK(set.limits.read_timeout == std::chrono::seconds(30));
}

// contract: the server's own tokens are named by `issuer`, or when it is null
// or absent by "http://" + `listen` as written (port 0 stays 0).
TEST_CASE("contract: issuer is the configured URL, or http:// and listen as written")
{
    struct issuer_case
    {
        char const* config;
        char const* issuer;
    };
    issuer_case const cases[] = {
        {"{}", "http://127.0.0.1:8080"},
        {R"({"issuer": null})", "http://127.0.0.1:8080"},
        {R"({"listen": "127.0.0.1:0"})", "http://127.0.0.1:0"},
        {R"({"listen": "0.0.0.0:9000", "issuer": null})", "http://0.0.0.0:9000"},
        {R"({"listen": "[::1]:8080"})", "http://[::1]:8080"},
        {R"({"listen": "127.0.0.1:0", "issuer": "https://models.example.com"})", "https://models.example.com"},
        {R"({"issuer": "http://10.0.0.1:8080/models"})", "http://10.0.0.1:8080/models"},
    };
    for(auto const& c : cases)
    {
        std::string const text = c.config;
        CAPTURE(text);
        auto const config = ms::parse_config(text);
        CHECK(ms::issuer_of(config) == std::string(c.issuer));
    }
    CHECK_FALSE(ms::parse_config("{}").issuer);
}

TEST_CASE("listen takes IPv4 and bracketed IPv6 addresses and port 0")
{
    struct listen_case
    {
        char const* text;
        char const* host;
        std::uint16_t port;
    };
    listen_case const cases[] = {
        {"127.0.0.1:8080", "127.0.0.1", 8080},
        {"[::1]:8080", "::1", 8080},
        {"0.0.0.0:0", "0.0.0.0", 0},
        {"[::]:65535", "::", 65535},
        {"10.1.2.3:1", "10.1.2.3", 1},
    };
    for(auto const& c : cases)
    {
        std::string const text = c.text;
        CAPTURE(text);
        auto const config = ms::parse_config(std::string("{\"listen\": \"") + c.text + "\"}");
        CHECK(config.listen.host == std::string(c.host));
        CHECK(config.listen.port == c.port);
    }
}

TEST_CASE("a file:// jwks_uri is read as a local path, percent-decoded")
{
    struct uri_case
    {
        char const* uri;
        char const* path;
    };
    uri_case const cases[] = {
        {"file:///etc/idp/jwks.json", "/etc/idp/jwks.json"},
        {"file://localhost/etc/idp/jwks.json", "/etc/idp/jwks.json"},
        {"FILE:///a%20b/k.json", "/a b/k.json"},
    };
    for(auto const& c : cases)
    {
        std::string const uri = c.uri;
        CAPTURE(uri);
        json::value const value(c.uri);
        CHECK(modelauth::config::file_url_path(modelauth::config::json_reader(value, "trusted_issuers[0].jwks_uri"))
            == c.path);
        // The file is read at parse time; a missing one is named by its key.
        auto const e = parse_error(std::string(R"({"trusted_issuers": [{"issuer": "i", "audiences": ["a"],
            "algorithms": ["ES256"], "jwks_uri": ")") + c.uri + "\"}]}");
        CHECK(e.field == "trusted_issuers[0].jwks_uri");
    }
}

TEST_CASE("lifetimes are read with the strict TTL grammar")
{
    struct ttl_case
    {
        char const* text;
        std::int64_t seconds; // 0: refused
    };
    ttl_case const cases[] = {
        {"1s", 1},
        {"30m", 1800},
        {"4h", 14400},
        {"90d", 7776000},
        {"3650d", 315360000},
        {"87600h", 315360000},
        {"", 0},
        {"0s", 0},
        {"030m", 0},
        {"1", 0},
        {"m", 0},
        {"1x", 0},
        {"1.5h", 0},
        {"-1h", 0},
        {"+1h", 0},
        {" 1h", 0},
        {"1h ", 0},
        {"1H", 0},
        {"1hm", 0},
        {"1h30m", 0},
        {"3651d", 0},
        {"87601h", 0},
        {"99999999999999999999999s", 0},
    };
    for(auto const& c : cases)
    {
        std::string const text = c.text;
        CAPTURE(text);
        if(c.seconds != 0)
        {
            CHECK(modelauth::config::lifetime_from_json(modelauth::config::json_reader(json::value(c.text),
                      "lifetimes.access"))
                == std::chrono::seconds(c.seconds));
            auto const config = ms::parse_config(std::string("{\"lifetimes\": {\"refresh\": \"") + c.text + "\"}}");
            CHECK(config.lifetimes.refresh == std::chrono::seconds(c.seconds));
            continue;
        }
        try
        {
            (void)modelauth::config::lifetime_from_json(
                modelauth::config::json_reader(json::value(c.text), "lifetimes.access"));
            FAIL("accepted");
        }
        catch(modelauth::configuration_error const& e)
        {
            CHECK(e.field() == "lifetimes.access");
            CHECK(std::string(e.what()) == std::string("lifetimes.access: ") + ttl_rule);
        }
    }
}

TEST_CASE("the embedded demo config parses only with a demo password for its placeholder")
{
    std::string const text = ms::default_config_text();
    CHECK(parse_error(text).field == "users[0].password");

    ms::parse_config_options options;
    options.demo_password = modelauth::tokens::password_hash::parse(hash).value();
    auto const config = ms::parse_config(text, options);
    CHECK(config.listen.host == "127.0.0.1");
    CHECK(config.listen.port == 8080);
    CHECK(! config.state_dir);
    REQUIRE(config.directory.users.size() == 1);
    CHECK(config.directory.users[0].email == "demo@example.com");
    CHECK(config.directory.users[0].scopes == std::vector<std::string>{"models:read", "models:infer", "tokens:manage"});
    CHECK(config.directory.accounts.size() == 1);
    CHECK(config.directory.instances.size() == 1);
    CHECK(config.trusted_issuers.empty());
    REQUIRE(config.models.size() == 2);
    auto const* diamond = config.models.find("models/practicus", "diamond-price");
    REQUIRE(diamond != nullptr);
    CHECK(diamond->model_id == 1);
    CHECK(diamond->versions == std::vector<std::string>{"1", "2"});
    CHECK(diamond->default_version == "2");
    auto const linear = ms::toy_model_of(modelauth::config::json_reader(*diamond->metadata));
    CHECK(linear.kind == ms::model_kind::linear);
    CHECK(linear.weights == std::vector<double>{3900.0, 60.0});
    CHECK(linear.bias == -250.0);
    auto const* churn = config.models.find("models/practicus", "churn");
    REQUIRE(churn != nullptr);
    CHECK(churn->model_id == 2);
    CHECK(churn->versions == std::vector<std::string>{"1"});
    CHECK(churn->default_version == "1");
    CHECK(churn->account == "demo");
    CHECK(churn->space == "default");
    CHECK(churn->instance == "demo/eu01/demo");
    auto const toy = ms::toy_model_of(modelauth::config::json_reader(*churn->metadata));
    CHECK(toy.kind == ms::model_kind::logistic);
    CHECK(toy.weights == std::vector<double>{0.8, -0.05, 1.2});
    CHECK(toy.bias == -0.5);

    // The placeholder is that exact text only: anything near it is a bad hash.
    json::value doc = json::parse(text);
    doc.at_pointer("/users/0/password") = "$demo";
    CHECK(parse_error(json::serialize(doc), options).field == "users[0].password");
}

TEST_CASE("thread_count is the configured count, or one per core")
{
    ms::server_config config;
    config.threads = 3;
    CHECK(ms::thread_count(config) == 3);
    config.threads = 0;
    unsigned const cores = std::thread::hardware_concurrency();
    CHECK(ms::thread_count(config) == (cores == 0 ? 1u : cores));
}

TEST_CASE("load_config_file reads a file and names the path when it cannot")
{
    auto const dir = std::filesystem::temp_directory_path()
        / ("modelauth_model_server_config_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto const file = dir / "server.json";
    {
        std::ofstream out(file, std::ios::binary);
        out << base_config_text();
    }
    auto const config = ms::load_config_file(file);
    CHECK(config.models.size() == 2);

    auto const missing = dir / "missing.json";
    try
    {
        (void)ms::load_config_file(missing);
        FAIL("a missing file was read");
    }
    catch(modelauth::configuration_error const& e)
    {
        CHECK(e.field() == missing.string());
        CHECK(std::string(e.what()) == missing.string() + ": cannot be read: no such file");
    }
    try
    {
        (void)ms::load_config_file(dir);
        FAIL("a directory was read");
    }
    catch(modelauth::configuration_error const& e)
    {
        CHECK(e.field() == dir.string());
        CHECK(std::string(e.what()) == dir.string() + ": cannot be read: not a regular file");
    }
    // Errors inside the file keep their key paths.
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << R"({"threads": "4"})";
    }
    try
    {
        (void)ms::load_config_file(file);
        FAIL("a bad file was accepted");
    }
    catch(modelauth::configuration_error const& e)
    {
        CHECK(e.field() == "threads");
    }
    std::filesystem::remove_all(dir);
}
