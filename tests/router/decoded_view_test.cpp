//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/router/decoded_view.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace ma = modelauth;

TEST_CASE("a decoded view reads, sizes and compares the decoded text")
{
    ma::router::decoded_view const v("a%2Fb%20c+d%", true);
    CHECK(v.size() == 8);
    CHECK(v == "a/b c d%");
    CHECK("a/b c d%" == v);
    CHECK(v != "a/b c+d%");
    CHECK(v.to_string() == "a/b c d%");
    CHECK_FALSE(v.empty());
    CHECK(v.plus_as_space());

    ma::router::decoded_view const plain("a+b");
    CHECK(plain == "a+b");
    CHECK(plain.size() == 3);

    ma::router::decoded_view const nul("%00x");
    CHECK(nul.size() == 2);
    CHECK(nul == std::string_view("\0x", 2));
    CHECK(ma::router::decoded_view("%e9") == "\xe9");
    CHECK(ma::router::decoded_view("%2") == "%2");
    CHECK(ma::router::decoded_view("") == "");
    CHECK(ma::router::decoded_view().empty());
    CHECK(ma::router::decoded_view("abc") != "abcd");
    CHECK(ma::router::decoded_view("abcd") != "abc");
    CHECK(ma::router::decoded_view("%41%42%43") == "ABC");
    CHECK(ma::router::decoded_view("%41%42%43") != "AB");

    std::string copied;
    for(char c : ma::router::decoded_view("x%41y"))
        copied += c;
    CHECK(copied == "xAy");
}
