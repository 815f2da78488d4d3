//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/config/user_directory.hpp>

#include <modelauth/config/router.hpp>

#include "config/config_test_support.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <string>

namespace cfg = modelauth::config;
namespace json = boost::json;
using config_test::fault;
using config_test::fault_of;

namespace {

// A password hash of the right shape.
constexpr char const* hash = "pbkdf2_sha256$600000$saltsalt$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

json::value base()
{
    return json::parse(std::string(R"({
  "accounts": [{"id": "demo", "spaces": ["default"]}, {"id": "acme", "spaces": ["lab", "prod"]}],
  "instances": [{"project": "demo", "region": "eu01", "id": "demo"}],
  "users": [{"email": "demo@example.com", "password": ")") + hash + R"(",
             "account": "demo", "scopes": ["models:read", "models:infer", "tokens:manage"],
             "instances": ["demo/eu01/demo"]},
            {"email": "ops@example.com", "password": ")" + hash + R"(",
             "account": "acme", "scopes": ["models:infer:models/practicus"]}],
  "models": [{"model_id": 1, "prefix": "models/practicus", "name": "diamond-price", "versions": ["1", "2"],
              "account": "demo", "space": "default", "instance": "demo/eu01/demo"},
             {"model_id": 2, "prefix": "models/practicus", "name": "churn", "versions": ["1"],
              "account": "acme", "space": "lab"}]
})");
}

// The fault of reading `doc` after `change` (a JSON pointer and the new value; null erases).
fault fault_after(char const* pointer, char const* replacement, cfg::user_directory_options const& options = {})
{
    auto doc = base();
    std::string p(pointer);
    auto const slash = p.rfind('/');
    auto& holder = doc.at_pointer(p.substr(0, slash));
    std::string const last = p.substr(slash + 1);
    if(holder.is_array())
        holder.as_array().at(std::stoul(last)) = json::parse(replacement == nullptr ? "null" : replacement);
    else if(replacement == nullptr)
        REQUIRE(holder.as_object().erase(last) == 1);
    else
        holder.as_object()[last] = json::parse(replacement);
    return fault_of([&] {
        cfg::json_reader const root(doc);
        auto const directory = cfg::user_directory_from_json(root, options);
        cfg::check_model_owners(cfg::model_registry_from_json(root["models"]), directory);
    });
}

} // namespace

TEST_CASE("accounts, instances and users read into the token service's directory")
{
    auto const doc = base();
    auto const d = cfg::user_directory_from_json(cfg::json_reader(doc));
    REQUIRE(d.accounts.size() == 2);
    CHECK(d.accounts[1].spaces == std::vector<std::string>{"lab", "prod"});
    CHECK(d.instances == std::vector<std::string>{"demo/eu01/demo"});
    REQUIRE(d.users.size() == 2);
    CHECK(d.users[0].email == "demo@example.com");
    CHECK(d.users[0].account == "demo");
    CHECK(d.users[0].scopes.size() == 3);
    CHECK(d.users[0].instances == std::vector<std::string>{"demo/eu01/demo"});
    CHECK(d.users[0].password.iterations() == 600000);

    auto const empty = json::parse("{}");
    CHECK(cfg::user_directory_from_json(cfg::json_reader(empty)).users.empty());
}

TEST_CASE("the demo placeholder stands for the hash it is given, and only then")
{
    cfg::user_directory_options options;
    options.password_placeholder = "$demo$";
    CHECK(fault_after("/users/1/password", R"("$demo$")", options)
        == fault{"users[1].password",
            "is the demo placeholder, which only the embedded demo config may use; store a hash made by the "
            "hash-password subcommand"});
    options.placeholder_hash = modelauth::tokens::password_hash::parse(hash).value();
    CHECK(fault_after("/users/1/password", R"("$demo$")", options) == fault{});
    CHECK(fault_after("/users/1/password", R"("$demo$")").field == "users[1].password");
}

TEST_CASE("the directory's faults name the key path")
{
    std::string const label_rule =
        "1 to 128 characters of [A-Za-z0-9._-], the first a letter or a digit, the last not '.'";
    std::string const scope_rule =
        "must be a scope: <action> or <action>:<path>, without spaces, e.g. \"models:infer\"";
    struct row
    {
        char const* id;
        char const* pointer;
        char const* replacement; // nullptr: erase
        fault expected;
    };
    row const rows[] = {
        {"C8", "/accounts/0/name", R"("x")", {"accounts[0].name", "is not a known key; expected one of: id, spaces"}},
        {"C9", "/instances/0/zone", R"("x")",
            {"instances[0].zone", "is not a known key; expected one of: project, region, id"}},
        {"C33", "/accounts/1/id", nullptr, {"accounts[1].id", "is required"}},
        {"C34", "/accounts/1/id", R"("demo")", {"accounts[1].id", "repeats accounts[0]"}},
        {"C35", "/accounts/1/spaces/1", R"("lab")", {"accounts[1].spaces[1]", "repeats spaces[0]"}},
        {"C36", "/accounts/0/id", R"("-x")", {"accounts[0].id", "is not a valid account id: " + label_rule}},
        {"C37", "/accounts/0/spaces", R"("default")", {"accounts[0].spaces", "must be an array"}},
        {"C38", "/instances/0/region", nullptr, {"instances[0].region", "is required"}},
        {"C40", "/instances/0/project", "7", {"instances[0].project", "must be a string"}},
        {"C41", "/users/0/email", nullptr, {"users[0].email", "is required"}},
        {"C42", "/users/1/email", R"("Demo@Example.COM")", {"users[1].email", "repeats users[0]"}},
        {"C43", "/users/0/email", R"("demo")",
            {"users[0].email", "must be an e-mail address: local-part@domain, printable ASCII without spaces"}},
        {"C44", "/users/0/password", R"("hunter2")",
            {"users[0].password",
                "must be a password hash pbkdf2_sha256$<iterations>$<salt>$<hash>, never a plain password"}},
        {"C45", "/users/0/password", R"("argon2$600000$salt$hash")",
            {"users[0].password", "must be a pbkdf2_sha256 hash: no other algorithm is accepted"}},
        {"C46", "/users/0/password", R"("pbkdf2_sha256$99999$salt$hash")",
            {"users[0].password", "has fewer than 100000 PBKDF2 iterations"}},
        {"C47", "/users/0/password", R"("pbkdf2_sha256$6e5$salt$hash")",
            {"users[0].password", "has an iteration count that is not a positive integer below 2^31"}},
        {"C48", "/users/0/password", R"("pbkdf2_sha256$600000$$hash")", {"users[0].password", "has an empty salt"}},
        {"C49", "/users/0/password", R"("pbkdf2_sha256$600000$salt$")", {"users[0].password", "has an empty hash"}},
        {"C49b", "/users/0/password", R"("pbkdf2_sha256$600000$salt$AAAA")",
            {"users[0].password",
                "must be a password hash pbkdf2_sha256$<iterations>$<salt>$<hash>: the salt is printable ASCII "
                "without '$' and the hash the padded base64 of 32 bytes"}},
        {"C51", "/users/0/account", R"("nobody")",
            {"users[0].account", "\"nobody\" is not the id of an account in accounts"}},
        {"C52", "/users/1/account", nullptr, {"users[1].account", "is required"}},
        {"C53", "/users/0/instances/0", R"("demo/eu01/other")",
            {"users[0].instances[0]", "\"demo/eu01/other\" is not an instance of instances (project/region/id)"}},
        {"C54", "/users/0/scopes/1", R"("models: infer")", {"users[0].scopes[1]", scope_rule}},
        {"C55", "/users/0/scopes/0", R"("")", {"users[0].scopes[0]", scope_rule}},
        {"C56", "/users/0/scopes/2", R"("models:infer:")", {"users[0].scopes[2]", scope_rule}},
        {"C57", "/users/0/scopes", R"("models:read")", {"users[0].scopes", "must be an array"}},
        {"C58", "/users/0", "[]", {"users[0]", "must be an object"}},
        {"C80", "/models/0/account", R"("nobody")",
            {"models[0].account", "\"nobody\" is not the id of an account in accounts"}},
        {"C81", "/models/0/space", R"("lab")", {"models[0].space", "\"lab\" is not a space of account \"demo\""}},
        {"C82", "/models/1/account", nullptr,
            {"models[1].space", "needs the model's account: a space belongs to an account"}},
        {"C83", "/models/0/instance", R"("demo/eu02/demo")",
            {"models[0].instance", "\"demo/eu02/demo\" is not an instance of instances (project/region/id)"}},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.id);
        CHECK(fault_after(r.pointer, r.replacement) == r.expected);
    }
    // C39: a repeated instance.
    auto doc = base();
    doc.at("instances").as_array().push_back(json::parse(R"({"project": "demo", "region": "eu01", "id": "demo"})"));
    CHECK(fault_of([&] { (void)cfg::user_directory_from_json(cfg::json_reader(doc)); })
        == fault{"instances[1]", "repeats instances[0]"});
}
