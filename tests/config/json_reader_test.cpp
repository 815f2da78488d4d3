//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/config/json_reader.hpp>

#include "config/config_test_support.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

namespace cfg = modelauth::config;
using config_test::fault;
using config_test::fault_of;

TEST_CASE("key paths name members, odd keys quoted and escaped, and elements")
{
    CHECK(cfg::member_path("", "listen") == "listen");
    CHECK(cfg::member_path("limits", "body_bytes") == "limits.body_bytes");
    CHECK(cfg::member_path("models[1]", "default_version") == "models[1].default_version");
    CHECK(cfg::member_path("a", "x y") == "a[\"x y\"]");
    CHECK(cfg::member_path("a", "q\"\n") == "a[\"q\\x22\\x0a\"]");
    CHECK(cfg::member_path("", "") == "[\"\"]");
    CHECK(cfg::member_path("a", std::string(70, '.')) == "a[\"" + std::string(64, '.') + "...\"]");
    CHECK(cfg::index_path("issuers", 0) == "issuers[0]");
}

TEST_CASE("a document that is not strict JSON names the place where it breaks")
{
    struct row
    {
        char const* id;
        char const* text;
        char const* problem;
    };
    row const rows[] = {
        {"T1", "{", "is not valid JSON: incomplete JSON at line 1, column 2"},
        {"T2", "", "is not valid JSON: incomplete JSON at line 1, column 1"},
        {"T3", "{\"threads\": 1,}", "is not valid JSON: syntax error at line 1, column 15"},
        {"T4", "{\n  \"threads\": 1 // one\n}", "is not valid JSON: syntax error at line 2, column 16"},
        {"T6", "{} {}", "is not valid JSON: extra data at line 1, column 4"},
        {"T9", "{\"state_dir\": \"\xff\"}", "is not valid JSON: syntax error at line 1, column 16"},
        {"T10", "{\"threads\": 1, \"threads\": 2}", "is not valid JSON: a key appears twice in one object"},
        {"T11", "{\"models\": [{\"model_id\": 1, \"model_id\": 2}]}",
            "is not valid JSON: a key appears twice in one object"},
        {"T13", "{\"weights\": [1, 1e400]}", "is not valid JSON: a number is too large for a double"},
        {"T15", "[[[[[1]]]]]", "is not valid JSON: nested deeper than 4"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.id);
        try
        {
            (void)cfg::parse_document(r.text, "server.json", 4);
            FAIL("accepted");
        }
        catch(modelauth::configuration_error const& e)
        {
            CHECK(e.field() == "server.json");
            CHECK(std::string(e.what()) == std::string("server.json: ") + r.problem);
        }
    }
    CHECK(cfg::parse_document("{\"a\": [1, {\"b\": null}]}").is_object());
    CHECK(cfg::parse_document("7").is_int64());
}

TEST_CASE("members: required, optional, null, unknown keys and one source of several")
{
    auto const doc = cfg::parse_document(R"({"a": 1, "n": null, "o": {"x": true, "odd key": 2}})");
    cfg::json_reader const root(doc);
    CHECK(root.path().empty());
    CHECK(root["a"].path() == "a");
    CHECK(root["o"]["x"].boolean());
    CHECK(root.find("n").has_value());
    CHECK_FALSE(root.find_non_null("n").has_value());
    CHECK_FALSE(root.find("z").has_value());
    CHECK(root.find_non_null("a")->integer<int>() == 1);

    CHECK(fault_of([&] { (void)root["z"]; }) == fault{"z", "is required"});
    CHECK(fault_of([&] { (void)root["o"]["y"]; }) == fault{"o.y", "is required"});
    CHECK(fault_of([&] { root["o"].allow_only({"x"}); })
        == fault{"o[\"odd key\"]", "is not a known key; expected one of: x"});
    CHECK(fault_of([&] { root.allow_only({"a", "n", "o"}); }) == fault{});
    CHECK(fault_of([&] { (void)root["a"]["b"]; }) == fault{"a", "must be an object"});

    auto const top = cfg::parse_document("[]");
    CHECK(fault_of([&] { (void)cfg::json_reader(top).object(); }) == fault{"(config)", "must be a JSON object"});

    auto const keys = cfg::parse_document(R"({"jwks": {}, "jwks_file": "f"})");
    cfg::json_reader const issuer(keys, "issuers[0]");
    CHECK(fault_of([&] { (void)issuer.one_of({"jwks", "jwks_file", "jwks_uri"}, "the keys"); })
        == fault{"issuers[0].jwks_file",
            "cannot be given together with jwks: give exactly one of jwks, jwks_file, jwks_uri"});
    CHECK(fault_of([&] { (void)issuer.one_of({"a", "b"}, "the keys"); })
        == fault{"issuers[0]", "needs exactly one of a, b: the keys"});
    CHECK(issuer.one_of({"a", "b"}, "the keys", false).empty());
    CHECK(issuer.one_of({"jwks", "jwks_uri"}, "the keys") == "jwks");
}

TEST_CASE("arrays: bounded, each element with its index in the path")
{
    auto const doc = cfg::parse_document(R"({"audiences": ["a", "", 3, "b\u0001"], "none": [], "s": "x"})");
    cfg::json_reader const root(doc, "issuers[0]");
    auto const audiences = root["audiences"].elements(1, 4, "audience");
    REQUIRE(audiences.size() == 4);
    CHECK(audiences[2].path() == "issuers[0].audiences[2]");
    CHECK(audiences[0].text() == "a");
    CHECK(fault_of([&] { (void)audiences[1].text(); }) == fault{"issuers[0].audiences[1]", "must not be empty"});
    CHECK(fault_of([&] { (void)audiences[2].text(); }) == fault{"issuers[0].audiences[2]", "must be a string"});
    CHECK(fault_of([&] { (void)audiences[3].text(); })
        == fault{"issuers[0].audiences[3]", "must not contain control characters"});
    CHECK(fault_of([&] { (void)audiences[0].text(0); }) == fault{"issuers[0].audiences[0]", "must be at most 0 bytes"});
    CHECK(fault_of([&] { (void)root["none"].elements(1, 9, "audience"); })
        == fault{"issuers[0].none", "must list at least one audience"});
    CHECK(fault_of([&] { (void)root["none"].elements(2, 9, "audience"); })
        == fault{"issuers[0].none", "must list at least 2 audiences"});
    CHECK(fault_of([&] { (void)root["audiences"].elements(0, 3, "audience"); })
        == fault{"issuers[0].audiences", "must list at most 3 audiences"});
    CHECK(fault_of([&] { (void)root["s"].array(); }) == fault{"issuers[0].s", "must be an array"});
    CHECK(fault_of([&] { (void)root["audiences"].texts(1, "audience"); })
        == fault{"issuers[0].audiences[1]", "must not be empty"});
}

TEST_CASE("scalars: booleans, bounded integers, numbers and durations in seconds")
{
    auto const doc = cfg::parse_document(
        R"({"t": true, "n": -3, "big": 18446744073709551615, "f": 1.5, "one": 1.0, "s": "1", "l": 60})");
    cfg::json_reader const root(doc, "limits");
    CHECK(root["t"].boolean());
    CHECK(fault_of([&] { (void)root["n"].boolean(); }) == fault{"limits.n", "must be true or false"});

    CHECK(root["n"].integer<int>(-5, 5) == -3);
    CHECK(root["big"].integer<std::uint64_t>() == 18446744073709551615u);
    CHECK(fault_of([&] { (void)root["n"].integer<unsigned>(0, 9); })
        == fault{"limits.n", "must be an integer from 0 to 9"});
    CHECK(fault_of([&] { (void)root["big"].integer<std::int64_t>(); })
        == fault{"limits.big", "must be an integer from -9223372036854775808 to 9223372036854775807"});
    CHECK(fault_of([&] { (void)root["big"].integer<int>(-1, 1); }) == fault{"limits.big", "must be an integer from -1 to 1"});
    CHECK(fault_of([&] { (void)root["one"].integer<int>(); }) == fault{"limits.one", "must be an integer"});
    CHECK(fault_of([&] { (void)root["s"].integer<int>(); }) == fault{"limits.s", "must be an integer"});

    CHECK(root["f"].number() == 1.5);
    CHECK(root["n"].number() == -3.0);
    CHECK(fault_of([&] { (void)root["s"].number(); }) == fault{"limits.s", "must be a number"});

    CHECK(root["l"].seconds(std::chrono::seconds(0), std::chrono::hours(1)) == std::chrono::seconds(60));
    CHECK(fault_of([&] { (void)root["l"].seconds(std::chrono::seconds(1), std::chrono::seconds(30)); })
        == fault{"limits.l", "must be an integer from 1 to 30"});
    CHECK(fault_of([&] { root.fail("is wrong"); }) == fault{"limits", "is wrong"});
}

TEST_CASE("a reader given a json_fault records the first fault and never throws")
{
    auto const doc = cfg::parse_document(R"({"name": 7, "n": "x", "list": [1, "a"], "o": 3, "extra": true})");
    cfg::json_fault recorded;
    cfg::json_reader const body(doc, {}, &recorded);
    CHECK_FALSE(recorded);
    CHECK(body["name"].text().empty());
    CHECK(recorded.field == "name");
    CHECK(recorded.problem == "must be a string");

    // Later faults leave the first in place; every accessor returns an empty value.
    CHECK(body["missing"].string().empty());
    CHECK(body["n"].integer<int>(3, 9) == 3);
    CHECK(body["n"].number() == 0);
    CHECK_FALSE(body["n"].boolean());
    CHECK(body["o"].object().empty());
    CHECK(body["o"]["deep"].value().is_null());
    CHECK(body["o"].array().empty());
    CHECK(body["list"].elements(3).size() == 2);
    CHECK(body["list"].texts().size() == 2);
    body.allow_only({"name"});
    CHECK(body.one_of({"name", "n"}, "x") == "name");
    CHECK(recorded.field == "name");
    CHECK(recorded.problem == "must be a string");

    // Each kind of fault, recorded with its path.
    struct row
    {
        char const* json;
        fault expected;
    };
    row const rows[] = {
        {R"({"a": 1})", {"a", "is not a known key; expected one of: b"}},
        {R"({"b": [1]})", {"b[0]", "must be a string"}},
        {R"({"b": ["x", ""]})", {"b[1]", "must not be empty"}},
        {R"([])", {"(config)", "must be a JSON object"}},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.json);
        auto const v = cfg::parse_document(r.json);
        cfg::json_fault f;
        cfg::json_reader const root(v, {}, &f);
        root.allow_only({"b"});
        if(auto const b = root.find("b"))
            (void)b->texts();
        CHECK(fault{f.field, f.problem} == r.expected);
    }
    // fail() throws all the same: it is for the caller's own checks at start-up.
    CHECK(fault_of([&] { body["n"].fail("is wrong"); }) == fault{"n", "is wrong"});
}
