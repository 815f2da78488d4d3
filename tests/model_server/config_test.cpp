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
    std::string const top = known("listen, issuer, threads, state_dir, strict_slash, limits, lifetimes, accounts, "
                                  "instances, users, models, trusted_issuers");
    std::string const model_keys = known("model_id, prefix, name, versions, default_version, kind, weights, "
                                         "bias, account, space, instance");
    std::string const issuer_keys = known("issuer, audiences, algorithms, jwks, jwks_file, jwks_uri, leeway_s");
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
        {"C6", op::put, "/limits/bad key", "1", "limits[\"bad key\"]",
            "is not a known key; expected one of: body_bytes, target_bytes, read_timeout_s, header_timeout_s, "
            "max_connections"},
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
        // limits, lifetimes.
        {"C24", op::put, "/limits", "[]", "limits", "must be an object"},
        {"C25", op::put, "/limits/body_bytes", "0", "limits.body_bytes", "must be an integer from 1 to 67108864"},
        {"C26", op::put, "/limits/body_bytes", "67108865", "limits.body_bytes", "must be an integer from 1 to 67108864"},
        {"C27", op::put, "/limits/target_bytes", R"("2048")", "limits.target_bytes", "must be an integer"},
        {"C28", op::put, "/limits/read_timeout_s", "3601", "limits.read_timeout_s", "must be an integer from 1 to 3600"},
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
        // accounts, instances.
        // users.
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
        {"C84", op::put, "/models", "{}", "models", "must be an array"},
        {"C85", op::put, "/models/0", "5", "models[0]", "must be an object"},
        {"C86", op::erase, "/models/1/versions", nullptr, "models[1].versions", "is required"},
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

    REQUIRE(config.directory.accounts.size() == 2);
    CHECK(config.directory.accounts[1].spaces == std::vector<std::string>{"lab", "prod"});
    CHECK(config.directory.instances == std::vector<std::string>{"demo/eu01/demo"});
    REQUIRE(config.directory.users.size() == 2);
    CHECK(config.directory.users[0].email == "demo@example.com");
    CHECK(config.directory.users[0].instances == std::vector<std::string>{"demo/eu01/demo"});

    REQUIRE(config.models.size() == 2);
    auto const* diamond = config.models.find(1);
    REQUIRE(diamond != nullptr);
    CHECK(diamond->prefix == "models/practicus");
    CHECK(diamond->versions == std::vector<std::string>{"1", "2"});
    CHECK(diamond->default_version == "2");
    CHECK(diamond->space == "default");
    auto const toy = ms::toy_model_of(modelauth::config::json_reader(*diamond->metadata), "1");
    CHECK(toy.model_id == 1);
    CHECK(toy.version == "1");
    CHECK(toy.kind == ms::model_kind::linear);
    CHECK(toy.weights == std::vector<double>{3900.0, 60.0});
    CHECK(toy.bias == -250.0);
    CHECK(ms::toy_model_of(modelauth::config::json_reader(*config.models.find(2)->metadata)).kind
        == ms::model_kind::logistic);

    REQUIRE(config.trusted_issuers.size() == 1);
    CHECK(config.trusted_issuers[0].issuer == "https://login.example.com");
    CHECK(config.trusted_issuers[0].leeway == std::chrono::seconds(30));
}

TEST_CASE("omitted keys take their documented defaults")
{
    auto const config = ms::parse_config(R"({"models": [{"model_id": 7, "prefix": "p", "name": "m",
        "versions": ["a", "b"], "kind": "linear", "weights": [1], "bias": 0,
        "account": null, "space": null, "instance": null, "default_version": null}]})");
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
    CHECK(config.models.find("models/practicus", "diamond-price")->model_id == 1);
    auto const* churn = config.models.find("models/practicus", "churn");
    REQUIRE(churn != nullptr);
    CHECK(churn->model_id == 2);
    CHECK(churn->versions == std::vector<std::string>{"1"});
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
