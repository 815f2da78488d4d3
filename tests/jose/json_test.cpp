//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/jose/json.hpp>
#include <modelauth/jose/detail/json_scan.hpp>
#include <modelauth/jose/error.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <array>
#include <string>
#include <string_view>

namespace jose = modelauth::jose;

TEST_CASE("strict JSON parses what boost::json::parse parses, member order kept")
{
    auto v = jose::parse_json_strict(R"({"alg":"HS256","n":[1,-2,3.5,true,null,{"a":"\u00e9"}]})");
    REQUIRE(v);
    CHECK(boost::json::serialize(*v)
          == "{\"alg\":\"HS256\",\"n\":[1,-2,3.5E0,true,null,{\"a\":\"\xc3\xa9\"}]}");
    auto big = jose::parse_json_strict("18446744073709551615");
    REQUIRE(big);
    CHECK(big->is_uint64());
}

TEST_CASE("J25: a repeated member name is rejected at any depth")
{
    char const* const rejected[] = {
        R"({"alg":"RS256","alg":"none"})",
        R"({"a":1,"b":2,"a":1})",
        R"({"x":{"k":1,"k":2}})",
        R"({"x":[{"k":1},{"k":1,"k":1}]})",
        R"({"al\u0067":"RS256","alg":"none"})", // an escaped spelling of the same name
        R"({"a":{"x":1},"a":{"y":2}})",         // a repeated name whose values are objects
        R"({"a":[{"k":1},{"j":{}}],"a":2})",     // ... whose first value holds objects
        R"({"a":{},"b":{"c":{}},"b":{"c":{}}})", // identical repeated subtrees
        R"([{"k":{}},{"k":1,"k":{}}])",
    };
    for(auto const* text : rejected)
    {
        CAPTURE(text);
        auto v = jose::parse_json_strict(text);
        REQUIRE(v.has_error());
        CHECK(v.error() == modelauth::jose::error::duplicate_json_member);
    }
    // More objects than the parser records inline: the count spills over.
    std::string many = "[";
    for(int i = 0; i < 40; ++i)
        many += std::string(i ? "," : "") + R"({"k":)" + std::to_string(i) + "}";
    CHECK(jose::parse_json_strict(many + "]"));
    CHECK(jose::parse_json_strict(many + R"(,{"k":1,"k":2}])").error() == modelauth::jose::error::duplicate_json_member);

    // The same name in sibling or nested objects is not a repetition.
    CHECK(jose::parse_json_strict(R"({"k":{"k":{"k":1}},"j":{"k":2}})"));
    CHECK(jose::parse_json_strict(R"([{"k":1},{"k":2}])"));
}

TEST_CASE("J25: the member scan finds a repeated name as the strict parser does, wanted or not")
{
    namespace jd = modelauth::jose::detail;
    // Wanted names go to slots, the others to a list; a repetition is found either way.
    jd::member_names<4> const wanted(std::array<std::string_view, 4>{"alg", "a", "b", "x"});
    jd::member_names<2> const unwanted(std::array<std::string_view, 2>{"nope", "none"});
    char const* const rejected[] = {
        R"({"alg":"RS256","alg":"none"})",
        R"({"a":1,"b":2,"a":1})",
        R"({"k":1,"b":2,"k":1})",
        R"({"x":{"k":1,"k":2}})",
        R"({"x":[{"k":1},{"k":1,"k":1}]})",
        R"({"al\u0067":"RS256","alg":"none"})",
        R"({"alg":"RS256","al\u0067":"none"})",
        R"({"a":{"x":1},"a":{"y":2}})",
        R"({"a":[{"k":1},{"j":{}}],"a":2})",
        R"({"a":{},"b":{"c":{}},"b":{"c":{}}})",
        R"({"x":null,"x":null})",
    };
    for(auto const* text : rejected)
    {
        CAPTURE(text);
        std::array<jd::scanned_value, 4> out;
        CHECK(jd::scan_json_members(text, wanted, out, 32, jd::thread_claims_buffers()).error()
              == modelauth::jose::error::duplicate_json_member);
        std::array<jd::scanned_value, 2> none;
        CHECK(jd::scan_json_members(text, unwanted, none, 32, jd::thread_claims_buffers()).error()
              == modelauth::jose::error::duplicate_json_member);
    }
    // The same name in sibling or nested objects, or at another depth than a wanted one, is not a repetition.
    for(auto const* text : {R"({"x":{"x":{"x":1}},"a":{"x":2}})", R"({"a":[{"a":1},{"a":2}],"b":{"a":3}})"})
    {
        CAPTURE(text);
        std::array<jd::scanned_value, 4> out;
        REQUIRE(jd::scan_json_members(text, wanted, out, 32, jd::thread_claims_buffers()));
        CHECK(out[1].present());
        CHECK(out[0].type == jd::scanned_value::kind::absent);
    }
}

TEST_CASE("J26: invalid JSON, invalid UTF-8, BOM, UTF-16 and comments are rejected")
{
    std::string const rejected[] = {
        "", "{", "{\"a\":1,}", "[1,2,]", "{\"a\":1} x", "{'a':1}", "{\"a\":01}",
        "{\"a\":1 /* c */}", "\xef\xbb\xbf{\"a\":1}", std::string("{\0\"\0a\0\"\0:\01\0}", 12),
        "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xff\"}", "{\"a\":NaN}", "{\"a\":Infinity}",
        "{\"a\":\"\x01\"}"};
    for(auto const& text : rejected)
    {
        CAPTURE(text);
        auto v = jose::parse_json_strict(text);
        REQUIRE(v.has_error());
        CHECK(v.error() == modelauth::jose::error::invalid_json);
    }
}

TEST_CASE("J26: a header or claims set must be an object")
{
    for(auto const* text : {"[]", "\"alg\"", "1", "null", "true"})
    {
        CAPTURE(text);
        auto v = jose::parse_json_object_strict(text);
        REQUIRE(v.has_error());
        CHECK(v.error() == modelauth::jose::error::not_a_json_object);
    }
    CHECK(jose::parse_json_object_strict("{}"));
}

TEST_CASE("J27: nesting beyond the limit is rejected without recursion trouble")
{
    std::string deep(10000, '[');
    deep += std::string(10000, ']');
    auto v = jose::parse_json_strict(deep);
    REQUIRE(v.has_error());
    CHECK(v.error() == modelauth::jose::error::json_too_deep);

    std::string nested = "{\"a\":" + std::string(15, '[') + std::string(15, ']') + "}";
    CHECK(jose::parse_json_strict(nested)); // depth 16: accepted
    auto custom = jose::parse_json_strict(nested, {}, 4);
    REQUIRE(custom.has_error());
    CHECK(custom.error() == modelauth::jose::error::json_too_deep);
}

TEST_CASE("J24: numbers that do not fit a finite double are invalid JSON, never infinity")
{
    for(auto const* text : {"{\"exp\":1e400}", "{\"exp\":-1e400}", "[1e999999]"})
    {
        CAPTURE(text);
        auto v = jose::parse_json_strict(text);
        REQUIRE(v.has_error());
        CHECK(v.error() == modelauth::jose::error::invalid_json);
    }
    auto small = jose::parse_json_strict("{\"exp\":1e-400}"); // underflows to 0: finite
    REQUIRE(small);
    CHECK(small->at("exp").as_double() == 0.0);
}

TEST_CASE("strict JSON can parse into a caller's buffer")
{
    unsigned char buffer[2048];
    boost::json::monotonic_resource mr(buffer, sizeof buffer);
    auto v = jose::parse_json_object_strict(R"({"sub":"alice","scope":"models:read"})", &mr);
    REQUIRE(v);
    CHECK(v->at("sub").as_string() == "alice");
}
