//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/router/model_registry.hpp>

#include "router/router_fixture.hpp"

#include <boost/json/parse.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace ma = modelauth;
using router_test::describe;
using router_test::fixture_models;

namespace {

// The error a registry built from `models` throws: "field: problem", or "" if none.
std::string construction_error(std::vector<ma::router::model_description> models)
{
    try
    {
        ma::router::model_registry const registry(std::move(models));
    }
    catch(ma::configuration_error const& e)
    {
        CHECK(std::string(e.what()).rfind(e.field() + ": ", 0) == 0);
        return e.what();
    }
    return {};
}

std::string field_of_json_error(char const* json)
{
    try
    {
        auto const models = ma::router::model_descriptions_from_json(boost::json::parse(json));
        ma::router::model_registry const registry(models);
    }
    catch(ma::configuration_error const& e)
    {
        return e.field();
    }
    return {};
}

} // namespace

TEST_CASE("the name, version and prefix grammars")
{
    // Names (U17).
    CHECK(ma::router::is_valid_model_name("diamond-price"));
    CHECK(ma::router::is_valid_model_name("a"));
    CHECK(ma::router::is_valid_model_name("A_b.c-1"));
    CHECK(ma::router::is_valid_model_name(std::string(128, 'n')));
    CHECK_FALSE(ma::router::is_valid_model_name(std::string(129, 'n')));
    CHECK_FALSE(ma::router::is_valid_model_name(""));
    CHECK_FALSE(ma::router::is_valid_model_name("."));
    CHECK_FALSE(ma::router::is_valid_model_name(".."));
    CHECK_FALSE(ma::router::is_valid_model_name(".hidden"));
    CHECK_FALSE(ma::router::is_valid_model_name("-x"));
    CHECK_FALSE(ma::router::is_valid_model_name("_x"));
    CHECK_FALSE(ma::router::is_valid_model_name("x."));
    CHECK_FALSE(ma::router::is_valid_model_name("a/b"));
    CHECK_FALSE(ma::router::is_valid_model_name("a~b"));
    CHECK_FALSE(ma::router::is_valid_model_name("a b"));
    CHECK_FALSE(ma::router::is_valid_model_name("caf\xc3\xa9"));
    // Versions (U16): labels, never numbers.
    CHECK(ma::router::is_valid_model_version("1"));
    CHECK(ma::router::is_valid_model_version("01"));
    CHECK(ma::router::is_valid_model_version("1e3"));
    CHECK(ma::router::is_valid_model_version("18446744073709551616"));
    CHECK(ma::router::is_valid_model_version("2.0-rc1"));
    CHECK(ma::router::is_valid_model_version(std::string(32, '9')));
    CHECK_FALSE(ma::router::is_valid_model_version(std::string(33, '9')));
    CHECK_FALSE(ma::router::is_valid_model_version("+1"));
    CHECK_FALSE(ma::router::is_valid_model_version("-1"));
    CHECK_FALSE(ma::router::is_valid_model_version(" 1"));
    CHECK_FALSE(ma::router::is_valid_model_version(".1"));
    CHECK_FALSE(ma::router::is_valid_model_version(""));
    // Prefixes.
    CHECK(ma::router::is_valid_model_prefix("models"));
    CHECK(ma::router::is_valid_model_prefix("models/practicus"));
    CHECK(ma::router::is_valid_model_prefix("a/b/c/d/e/f/g/h"));
    CHECK_FALSE(ma::router::is_valid_model_prefix("a/b/c/d/e/f/g/h/i"));
    CHECK_FALSE(ma::router::is_valid_model_prefix(""));
    CHECK_FALSE(ma::router::is_valid_model_prefix("/models"));
    CHECK_FALSE(ma::router::is_valid_model_prefix("models/"));
    CHECK_FALSE(ma::router::is_valid_model_prefix("models//practicus"));
    CHECK_FALSE(ma::router::is_valid_model_prefix("models/../admin"));
    CHECK_FALSE(ma::router::is_valid_model_prefix("models/%2e"));
    CHECK(ma::router::is_valid_model_prefix(std::string(128, 'a') + "/" + std::string(127, 'b')));
    CHECK_FALSE(ma::router::is_valid_model_prefix(std::string(128, 'a') + "/" + std::string(128, 'b')));
}

TEST_CASE("a registry looks models up by id, by prefix and name, and versions by name")
{
    ma::router::model_registry const registry(fixture_models());
    CHECK(registry.size() == 6);
    CHECK_FALSE(registry.empty());
    CHECK(registry.prefixes() == std::vector<std::string>{"models/practicus", "models/practicus-beta", "models", "a/b/c"});
    CHECK(registry.max_prefix_segments() == 3);

    auto const* m = registry.find(1);
    REQUIRE(m != nullptr);
    CHECK(m->name == "diamond-price");
    CHECK(registry.find("models/practicus", "diamond-price") == m);
    CHECK(registry.find("models/practicus-beta", "diamond-price")->model_id == 3);
    CHECK(registry.find("models/practicus", "Case")->model_id == 6);
    CHECK(registry.find("models/practicus", "case") == nullptr);
    CHECK(registry.find("models", "practicus") == nullptr);
    CHECK(registry.find("nope", "diamond-price") == nullptr);
    CHECK(registry.find(1000) == nullptr);
    CHECK(registry.find(-1) == nullptr);

    std::size_t const p = registry.find_prefix("models/practicus");
    REQUIRE(p == 0);
    CHECK(registry.find_prefix("models/practicus/") == ma::router::model_registry::npos);
    CHECK(registry.find_prefix("models/practicu") == ma::router::model_registry::npos);
    CHECK(registry.find_model(p, "churn") == 1);
    CHECK(registry.find_model(p, "nope") == ma::router::model_registry::npos);
    CHECK(registry.find_model(99, "churn") == ma::router::model_registry::npos);
    CHECK(registry.find_model_id(5) == 4);

    // Default versions: given, or the last of the list.
    CHECK(registry.models()[0].default_version == "2");
    CHECK(registry.default_version_index(0) == 1);
    CHECK(registry.models()[4].default_version == "2.0-rc1");
    CHECK(registry.default_version_index(4) == 1);
    CHECK(registry.find_version(3, "01") == 1);
    CHECK(registry.find_version(3, "1") == ma::router::model_registry::npos);
    CHECK(registry.find_version(0, "v1") == ma::router::model_registry::npos);

    ma::router::model_registry const empty;
    CHECK(empty.empty());
    CHECK(empty.find(1) == nullptr);
    CHECK(empty.find_prefix("models") == ma::router::model_registry::npos);
    CHECK(empty.max_prefix_segments() == 0);
}

TEST_CASE("a registry is a value: copies index the same models")
{
    ma::router::model_registry const original(fixture_models());
    ma::router::model_registry copy = original;
    ma::router::model_registry moved = std::move(copy);
    CHECK(moved.find("models/practicus", "churn")->model_id == 2);
    CHECK(moved.find(5)->name == "deep");
    CHECK(original.find(5)->name == "deep");
}

TEST_CASE("registry construction errors name the bad field")
{
    struct error_case
    {
        char const* what;
        void (*mutate)(std::vector<ma::router::model_description>&);
        char const* message;
    };
    error_case const cases[] = {
        {"empty prefix", [](auto& m) { m[1].prefix = ""; }, "models[1].prefix: must not be empty"},
        {"prefix with leading /", [](auto& m) { m[1].prefix = "/models"; }, "models[1].prefix: is not a valid prefix"},
        {"prefix with dot segment", [](auto& m) { m[1].prefix = "models/.."; }, "models[1].prefix: is not a valid prefix"},
        {"prefix too deep", [](auto& m) { m[1].prefix = "a/b/c/d/e/f/g/h/i"; }, "models[1].prefix: is not a valid prefix"},
        {"empty name", [](auto& m) { m[2].name = ""; }, "models[2].name: must not be empty"},
        {"hidden name", [](auto& m) { m[2].name = ".hidden"; }, "models[2].name: is not a valid model name"},
        {"name with slash", [](auto& m) { m[2].name = "a/b"; }, "models[2].name: is not a valid model name"},
        {"non-ASCII name", [](auto& m) { m[2].name = "caf\xc3\xa9"; }, "models[2].name: is not a valid model name"},
        {"no versions", [](auto& m) { m[0].versions.clear(); m[0].default_version.clear(); }, "models[0].versions: must list at least one version"},
        {"bad version", [](auto& m) { m[0].versions[1] = "+1"; }, "models[0].versions[1]: is not a valid version"},
        {"duplicate version", [](auto& m) { m[0].versions = {"1", "2", "1"}; }, "models[0].versions[2]: repeats versions[0] \"1\""},
        {"default not a version", [](auto& m) { m[1].default_version = "3"; }, "models[1].default_version: \"3\" is not one of the model's versions"},
        {"default not valid", [](auto& m) { m[1].default_version = " 1"; }, "models[1].default_version: is not one of the model's versions"},
        {"bad instance", [](auto& m) { m[0].instance = "demo/eu01"; }, "models[0].instance: is not an instance id"},
        {"bad instance segment", [](auto& m) { m[0].instance = "demo/eu01/.x"; }, "models[0].instance: is not an instance id"},
        {"bad account", [](auto& m) { m[0].account = "a b"; }, "models[0].account: is not a valid account id"},
        {"bad space", [](auto& m) { m[0].space = "../x"; }, "models[0].space: is not a valid space id"},
        {"duplicate model_id", [](auto& m) { m[3].model_id = 1; }, "models[3].model_id: 1 is already the model_id of models[0]"},
        {"duplicate prefix and name", [](auto& m) { m[5].name = "churn"; }, "models[5].name: \"models/practicus/churn\" is already registered by models[1]"},
        {"name shadowed by a prefix", [](auto& m) { m[3].name = "practicus"; }, "models[3].name: \"models/practicus\" is also a registered prefix"},
    };
    for(auto const& c : cases)
    {
        CAPTURE(c.what);
        auto models = fixture_models();
        c.mutate(models);
        std::string const error = construction_error(std::move(models));
        CAPTURE(error);
        CHECK(error.rfind(c.message, 0) == 0);
    }
    CHECK(construction_error(fixture_models()).empty());
}

TEST_CASE("configuration_error keeps the field apart from the problem")
{
    ma::configuration_error const e("models[1].default_version", "is not one of the model's versions");
    CHECK(e.field() == "models[1].default_version");
    CHECK(std::string(e.what()) == "models[1].default_version: is not one of the model's versions");
    std::invalid_argument const& base = e;
    CHECK(std::string(base.what()) == e.what());
}

TEST_CASE("the models of a configuration file are read from JSON with their entry as metadata")
{
    // The demo configuration of api.md.
    auto const json = boost::json::parse(R"([
        {"model_id": 1, "prefix": "models/practicus", "name": "diamond-price",
         "versions": ["1", "2"], "default_version": "2", "kind": "linear",
         "weights": [3900.0, 60.0], "bias": -250.0,
         "account": "demo", "space": "default", "instance": "demo/eu01/demo"},
        {"model_id": 2, "prefix": "models/practicus", "name": "churn",
         "versions": ["1"], "default_version": "1", "kind": "logistic",
         "weights": [0.5], "bias": 0.1, "account": null}
    ])");
    ma::router::model_registry const registry(ma::router::model_descriptions_from_json(json));
    auto const* m = registry.find(1);
    REQUIRE(m != nullptr);
    CHECK(m->prefix == "models/practicus");
    CHECK(m->versions == std::vector<std::string>{"1", "2"});
    CHECK(m->instance == "demo/eu01/demo");
    CHECK(m->account == "demo");
    CHECK(m->space == "default");
    REQUIRE(m->metadata.has_value());
    CHECK(m->metadata->as_object().at("kind").as_string() == "linear");
    CHECK(registry.find(2)->account.empty());
}

TEST_CASE("JSON model errors name the field path")
{
    CHECK(field_of_json_error(R"({"models": []})") == "models");
    CHECK(field_of_json_error(R"([1])") == "models[0]");
    CHECK(field_of_json_error(R"([{"prefix": "m", "name": "n", "versions": ["1"]}])") == "models[0].model_id");
    CHECK(field_of_json_error(R"([{"model_id": "1", "prefix": "m", "name": "n", "versions": ["1"]}])") == "models[0].model_id");
    CHECK(field_of_json_error(R"([{"model_id": 1.5, "prefix": "m", "name": "n", "versions": ["1"]}])") == "models[0].model_id");
    CHECK(field_of_json_error(R"([{"model_id": 18446744073709551615, "prefix": "m", "name": "n", "versions": ["1"]}])") == "models[0].model_id");
    CHECK(field_of_json_error(R"([{"model_id": 1, "name": "n", "versions": ["1"]}])") == "models[0].prefix");
    CHECK(field_of_json_error(R"([{"model_id": 1, "prefix": 3, "name": "n", "versions": ["1"]}])") == "models[0].prefix");
    CHECK(field_of_json_error(R"([{"model_id": 1, "prefix": "m", "versions": ["1"]}])") == "models[0].name");
    CHECK(field_of_json_error(R"([{"model_id": 1, "prefix": "m", "name": "n"}])") == "models[0].versions");
    CHECK(field_of_json_error(R"([{"model_id": 1, "prefix": "m", "name": "n", "versions": "1"}])") == "models[0].versions");
    CHECK(field_of_json_error(R"([{"model_id": 1, "prefix": "m", "name": "n", "versions": ["1", 2]}])") == "models[0].versions[1]");
    CHECK(field_of_json_error(R"([{"model_id": 1, "prefix": "m", "name": "n", "versions": ["1"], "space": 1}])") == "models[0].space");
    // Grammar and references: the registry's checks, with the same paths.
    CHECK(field_of_json_error(R"([{"model_id": 1, "prefix": "m", "name": "n", "versions": ["1"]},
                                  {"model_id": 2, "prefix": "m", "name": "o", "versions": ["1", "2"], "default_version": "3"}])")
        == "models[1].default_version");
    CHECK(field_of_json_error(R"([{"model_id": 1, "prefix": "m", "name": "n", "versions": ["1"]}])").empty());
}

namespace {

struct linear_model
{
    std::vector<double> weights;
    double bias = 0;
};

// Maps a configuration entry to the server's own metadata type.
linear_model to_linear_model(boost::json::object const& entry)
{
    linear_model m;
    auto const* weights = entry.if_contains("weights");
    if(weights == nullptr || ! weights->is_array())
        throw ma::configuration_error("weights", "must be an array of numbers");
    for(auto const& w : weights->get_array())
        m.weights.push_back(w.to_number<double>());
    m.bias = entry.at("bias").to_number<double>();
    return m;
}

} // namespace

TEST_CASE("a server maps configuration entries to its own metadata type")
{
    auto const json = boost::json::parse(R"([
        {"model_id": 1, "prefix": "models/practicus", "name": "diamond-price",
         "versions": ["1", "2"], "weights": [3900.0, 60.0], "bias": -250.0}])");
    auto descriptions = ma::router::model_descriptions_from_json<linear_model>(json, to_linear_model);
    ma::router::basic_model_registry<linear_model> const registry(std::move(descriptions));
    REQUIRE(registry.find(1)->metadata.has_value());
    CHECK(registry.find(1)->metadata->weights == std::vector<double>{3900.0, 60.0});
    CHECK(registry.find(1)->metadata->bias == -250.0);
    CHECK(registry.find(1)->default_version == "2");

    // The mapper's own field gets the entry's path in front.
    auto const bad = boost::json::parse(R"([
        {"model_id": 1, "prefix": "m", "name": "a", "versions": ["1"], "weights": [1], "bias": 0},
        {"model_id": 2, "prefix": "m", "name": "b", "versions": ["1"], "weights": 1, "bias": 0}])");
    try
    {
        (void)ma::router::model_descriptions_from_json<linear_model>(bad, to_linear_model, "config.models");
        FAIL("no error");
    }
    catch(ma::configuration_error const& e)
    {
        CHECK(e.field() == "config.models[1].weights");
        CHECK(std::string(e.what()) == "config.models[1].weights: must be an array of numbers");
    }
}
