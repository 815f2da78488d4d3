//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/router/query_view.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace ma = modelauth;

namespace {

struct param_text
{
    std::string key;
    std::string value;
    bool has_value;

    bool operator==(param_text const& o) const
    {
        return key == o.key && value == o.value && has_value == o.has_value;
    }
};

std::vector<param_text> params_of(std::string_view query)
{
    std::vector<param_text> out;
    for(ma::router::query_param const p : ma::router::query_view(query))
        out.push_back({p.key.to_string(), p.value.to_string(), p.has_value});
    return out;
}

} // namespace

TEST_CASE("a query is split at '&' and each parameter at its first '='")
{
    CHECK(params_of("").empty());
    CHECK(params_of("get_meta=true") == std::vector<param_text>{{"get_meta", "true", true}});
    CHECK(params_of("a=1&b=&c") == std::vector<param_text>{{"a", "1", true}, {"b", "", true}, {"c", "", false}});
    CHECK(params_of("a&&b") == std::vector<param_text>{{"a", "", false}, {"", "", false}, {"b", "", false}});
    CHECK(params_of("a=") == std::vector<param_text>{{"a", "", true}});
    CHECK(params_of("&") == std::vector<param_text>{{"", "", false}, {"", "", false}});
    CHECK(params_of("x=a=b") == std::vector<param_text>{{"x", "a=b", true}});
    CHECK(params_of("k%3D=v%26w") == std::vector<param_text>{{"k=", "v&w", true}});
}

TEST_CASE("keys and values decode lazily, '+' as a space")
{
    ma::router::query_view const q("get%5Fmeta=tr%75e&name=a+b%20c&raw=100%&bad=%zz%4");
    CHECK(q.get("get_meta").value() == "true");
    CHECK(q.get("name").value() == "a b c");
    CHECK(q.get("name").value().encoded() == "a+b%20c");
    CHECK(q.get("raw").value() == "100%");
    CHECK(q.get("bad").value() == "%zz%4");
    CHECK(q.get("get%5Fmeta") == std::nullopt);
    CHECK(q.get("missing") == std::nullopt);
}

TEST_CASE("find, contains, count and get see duplicates")
{
    ma::router::query_view const q("a=1&b=2&a=3&flag");
    CHECK(q.contains("a"));
    CHECK(q.contains("flag"));
    CHECK_FALSE(q.contains("A"));
    CHECK(q.count("a") == 2);
    CHECK(q.count("b") == 1);
    CHECK(q.count("c") == 0);
    CHECK(q.get("a").value() == "1");
    CHECK(q.get("flag").value().empty());
    CHECK((*q.find("flag")).has_value == false);
    CHECK(q.find("zzz") == q.end());
    auto it = q.find("b");
    REQUIRE(it != q.end());
    ++it;
    CHECK((*it).value == "3");
    auto old = it++;
    CHECK((*old).key == "a");
    CHECK((*it).key == "flag");
    ++it;
    CHECK(it == q.end());
}
