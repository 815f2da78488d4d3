//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/config/router.hpp>

#include "config/config_test_support.hpp"

#include <doctest/doctest.h>

#include <string>

namespace cfg = modelauth::config;
using config_test::fault;
using config_test::fault_of;

TEST_CASE("router options read every setting, and the router's own faults carry the JSON path")
{
    auto const doc = cfg::parse_document(R"({"mount_root": "/serving", "strict_slash": true, "max_target_bytes": 512,
        "kserve": {"enabled": true, "root": "/v2", "prefix": "models/practicus"}})");
    auto const options = cfg::router_options_from_json(cfg::json_reader(doc, "router"));
    CHECK(options.mount_root == "/serving");
    CHECK(options.strict_slash);
    CHECK(options.max_target_bytes == 512);
    CHECK(options.kserve.enabled);
    CHECK(options.kserve.prefix == "models/practicus");

    auto const models = cfg::parse_document(R"([{"model_id": 1, "prefix": "models/practicus", "name": "a",
        "versions": ["1"], "kind": "linear"}])");
    auto const router = cfg::make_router(cfg::model_registry_from_json(cfg::json_reader(models, "models")), options);
    CHECK(router->options().strict_slash);

    struct row
    {
        char const* json;
        fault expected;
    };
    row const rows[] = {
        {R"({"mount": "/"})",
            {"server.router.mount", "is not a known key; expected one of: mount_root, strict_slash, max_target_bytes, kserve"}},
        {R"({"strict_slash": 1})", {"server.router.strict_slash", "must be true or false"}},
        {R"({"max_target_bytes": 0})", {"server.router.max_target_bytes", "must be an integer from 1 to 65536"}},
        {R"({"kserve": {"on": true}})",
            {"server.router.kserve.on", "is not a known key; expected one of: enabled, root, prefix"}},
        {R"({"mount_root": "/a b"})", {"server.router.mount_root", ""}},
        {R"({"kserve": {"enabled": true, "prefix": "/x"}})",
            {"server.router.kserve.prefix", "must be a valid model prefix such as \"models/practicus\""}},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.json);
        auto const json = cfg::parse_document(r.json);
        auto const f = fault_of([&] {
            (void)cfg::make_router(cfg::model_registry_from_json(cfg::json_reader(models, "models")),
                cfg::router_options_from_json(cfg::json_reader(json, "server.router")), "server.router");
        });
        CHECK(f.field == r.expected.field);
        if(! r.expected.problem.empty())
            CHECK(f.problem == r.expected.problem);
    }
}

TEST_CASE("a models array reads into a registry, its faults named by key path")
{
    struct row
    {
        char const* json;
        char const* field;
    };
    row const rows[] = {
        {R"({})", "config.models"},
        {R"([7])", "config.models[0]"},
        {R"([{"prefix": "m", "name": "a", "versions": ["1"]}])", "config.models[0].model_id"},
        {R"([{"model_id": 1.5, "prefix": "m", "name": "a", "versions": ["1"]}])", "config.models[0].model_id"},
        {R"([{"model_id": 1, "prefix": "m", "name": "a", "versions": ["1", 2]}])", "config.models[0].versions[1]"},
        {R"([{"model_id": 1, "prefix": "m", "name": "a", "versions": ["1"], "default_version": "2"}])",
            "config.models[0].default_version"},
        {R"([{"model_id": 1, "prefix": "m", "name": "a", "versions": ["1"]},
             {"model_id": 1, "prefix": "m", "name": "b", "versions": ["1"]}])", "config.models[1].model_id"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.json);
        auto const json = cfg::parse_document(r.json);
        CHECK(fault_of([&] { (void)cfg::model_registry_from_json(cfg::json_reader(json, "config.models")); }).field
            == r.field);
    }
    auto const ok = cfg::parse_document(R"([{"model_id": 1, "prefix": "m", "name": "a", "versions": ["1", "2"],
        "account": null, "weights": [1]}])");
    auto const registry = cfg::model_registry_from_json(cfg::json_reader(ok, "models"));
    REQUIRE(registry.find(1) != nullptr);
    CHECK(registry.find(1)->default_version == "2");
    CHECK(registry.find(1)->metadata->as_object().contains("weights"));
}
