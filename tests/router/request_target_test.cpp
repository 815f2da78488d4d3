//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/router/request_target.hpp>
#include <modelauth/router/error.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace ma = modelauth;
using namespace std::string_view_literals;

TEST_CASE("a target splits into its path and its query")
{
    auto const t = ma::router::parse_request_target("/models/practicus/diamond-price/?get_meta=true&x");
    REQUIRE(t.has_value());
    CHECK(t->target() == "/models/practicus/diamond-price/?get_meta=true&x");
    CHECK(t->path() == "/models/practicus/diamond-price/");
    CHECK(t->has_query());
    CHECK(t->encoded_query() == "get_meta=true&x");
    CHECK(t->query().get("get_meta").value() == "true");
    CHECK(t->has_trailing_slash());
    CHECK_FALSE(t->path_has_escapes());

    auto const bare = ma::router::parse_request_target("/a/b");
    REQUIRE(bare.has_value());
    CHECK(bare->path() == "/a/b");
    CHECK_FALSE(bare->has_query());
    CHECK(bare->encoded_query().empty());
    CHECK(bare->query().empty());
    CHECK_FALSE(bare->has_trailing_slash());

    auto const empty_query = ma::router::parse_request_target("/a/?");
    REQUIRE(empty_query.has_value());
    CHECK(empty_query->has_query());
    CHECK(empty_query->encoded_query().empty());

    auto const escaped = ma::router::parse_request_target("/a%2Db/");
    REQUIRE(escaped.has_value());
    CHECK(escaped->path_has_escapes());
    CHECK(escaped->path() == "/a%2Db/");

    ma::router::request_target const root;
    CHECK(root.path() == "/");
    CHECK_FALSE(root.has_query());
}

TEST_CASE("the root path and trailing slashes")
{
    CHECK(ma::router::parse_request_target("/").has_value());
    CHECK(ma::router::parse_request_target("/?x").has_value());
    CHECK(ma::router::parse_request_target("//").error() == ma::router::error::empty_segment);
    CHECK(ma::router::parse_request_target("/a//").error() == ma::router::error::empty_segment);
    CHECK(ma::router::parse_request_target("/a/").has_value());
}

TEST_CASE("the size limit is checked first and is inclusive")
{
    std::string const at_limit = "/" + std::string(ma::router::default_max_target_bytes - 1, 'a');
    CHECK(ma::router::parse_request_target(at_limit).has_value());
    CHECK(ma::router::parse_request_target(at_limit + "a").error() == ma::router::error::target_too_long);
    // Over the limit, even garbage is target_too_long (U11: reject fast).
    CHECK(ma::router::parse_request_target(std::string(5000, '\0')).error() == ma::router::error::target_too_long);
    CHECK(ma::router::parse_request_target("/abc", 3).error() == ma::router::error::target_too_long);
    CHECK(ma::router::parse_request_target("/abc", 4).has_value());
}

TEST_CASE("faults are reported left to right")
{
    CHECK(ma::router::parse_request_target("/a;/%2F/").error() == ma::router::error::invalid_character);
    CHECK(ma::router::parse_request_target("/%2F/a;/").error() == ma::router::error::percent_encoded_slash);
    CHECK(ma::router::parse_request_target("/../%2F/").error() == ma::router::error::dot_segment);
    CHECK(ma::router::parse_request_target("/..%2F/").error() == ma::router::error::percent_encoded_slash);
    CHECK(ma::router::parse_request_target("/a;?\x01").error() == ma::router::error::invalid_character);
    CHECK(ma::router::parse_request_target("/a?\x01#").error() == ma::router::error::control_character);
    CHECK(ma::router::parse_request_target("/a?#\x01").error() == ma::router::error::encoded_delimiter);
}

TEST_CASE("every printable ASCII character has a fixed verdict in a path segment")
{
    for(int c = 0x20; c < 0x7F; ++c)
    {
        CAPTURE(c);
        std::string const t = std::string("/a") + static_cast<char>(c) + "b/";
        auto const r = ma::router::parse_request_target(t);
        bool const unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '-' || c == '.' || c == '_' || c == '~';
        if(unreserved || c == '/')
            CHECK(r.has_value());
        else if(c == '?')
            CHECK(r.has_value()); // the query starts there
        else if(c == '%')
            CHECK(r.error() == ma::router::error::invalid_percent_escape);
        else if(c == '#')
            CHECK(r.error() == ma::router::error::encoded_delimiter);
        else if(c == '\\')
            CHECK(r.error() == ma::router::error::backslash);
        else
            CHECK(r.error() == ma::router::error::invalid_character);
    }
}

TEST_CASE("every percent-escape has a fixed verdict in a path segment")
{
    char const* const hex = "0123456789ABCDEF";
    for(int b = 0; b < 256; ++b)
    {
        CAPTURE(b);
        std::string const t = std::string("/a%") + hex[b >> 4] + hex[b & 15] + "b/";
        auto const r = ma::router::parse_request_target(t);
        auto const c = static_cast<char>(b);
        bool const unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '-' || c == '.' || c == '_' || c == '~';
        if(unreserved)
            CHECK(r.has_value());
        else if(b < 0x20 || b == 0x7F)
            CHECK(r.error() == ma::router::error::control_character);
        else if(b >= 0x80)
            CHECK(r.error() == ma::router::error::non_ascii);
        else if(c == '/')
            CHECK(r.error() == ma::router::error::percent_encoded_slash);
        else if(c == '\\')
            CHECK(r.error() == ma::router::error::backslash);
        else if(c == '%')
            CHECK(r.error() == ma::router::error::percent_encoded_percent);
        else if(c == '?' || c == '#')
            CHECK(r.error() == ma::router::error::encoded_delimiter);
        else
            CHECK(r.error() == ma::router::error::invalid_character);
    }
}

TEST_CASE("the query is any visible ASCII except '#', so a redirect can repeat it")
{
    CHECK(ma::router::parse_request_target("/a/?x=%zz&y=<>|{}\"'^`\\").has_value());
    CHECK(ma::router::parse_request_target("/a/?x=1 2").error() == ma::router::error::invalid_character);
    CHECK(ma::router::parse_request_target("/a/?x=\r\nLocation:evil").error() == ma::router::error::control_character);
    CHECK(ma::router::parse_request_target("/a/?x=\x7f").error() == ma::router::error::control_character);
    CHECK(ma::router::parse_request_target("/a/?x=\0"sv).error() == ma::router::error::control_character);
    CHECK(ma::router::parse_request_target("/a/?x=\xc3\xa9").error() == ma::router::error::non_ascii);
    CHECK(ma::router::parse_request_target("/a/?x#y").error() == ma::router::error::encoded_delimiter);
}

TEST_CASE("the redirect location is path, '/', and the query as received")
{
    struct location_case
    {
        std::string_view target;
        std::string_view location;
    };
    location_case const cases[] = {
        {"/a/b", "/a/b/"},
        {"/a/b?", "/a/b/?"},
        {"/a/b?x=1&y=%2F", "/a/b/?x=1&y=%2F"},
        {"/a%2Db?q=?", "/a%2Db/?q=?"},
    };
    for(auto const& c : cases)
    {
        CAPTURE(c.target);
        auto const t = ma::router::parse_request_target(c.target);
        REQUIRE(t.has_value());
        CHECK(t->redirect_location() == c.location);
    }
}
