//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/config/token_stack.hpp>

#include "config/config_test_support.hpp"
#include "support/temporary_directory.hpp"

#include <boost/json/parse.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace cfg = modelauth::config;
using config_test::fault;
using config_test::fault_of;

TEST_CASE("token lifetimes read from TTL strings, each naming its key when wrong")
{
    auto const doc = boost::json::parse(R"({"access": "15m", "temporary": "2d"})");
    auto const lifetimes = cfg::token_lifetimes_from_json(cfg::json_reader(doc, "lifetimes"));
    CHECK(lifetimes.access == std::chrono::minutes(15));
    CHECK(lifetimes.temporary == std::chrono::hours(48));
    CHECK(lifetimes.refresh == modelauth::tokens::token_lifetimes{}.refresh);

    std::string const ttl_rule = "must be a lifetime: a positive integer without a leading zero and one unit of "
                                 "s, m, h, d (\"30m\", \"90d\"), at most 3650d";
    struct row
    {
        char const* id;
        char const* json;
        fault expected;
    };
    row const rows[] = {
        {"C7", R"({"idle": "1m"})",
            {"lifetimes.idle", "is not a known key; expected one of: access, refresh, model_session, temporary"}},
        {"C29", R"({"access": "030m"})", {"lifetimes.access", ttl_rule}},
        {"C30", R"({"refresh": "3651d"})", {"lifetimes.refresh", ttl_rule}},
        {"C31", R"({"temporary": 86400})", {"lifetimes.temporary", "must be a string"}},
        {"C32", R"({"model_session": "4 h"})", {"lifetimes.model_session", ttl_rule}},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.id);
        auto const bad = boost::json::parse(r.json);
        CHECK(fault_of([&] { (void)cfg::token_lifetimes_from_json(cfg::json_reader(bad, "lifetimes")); })
            == r.expected);
    }
}

TEST_CASE("a token stack keeps its issuer's keys in the state directory across restarts, or lives in memory")
{
    modelauth::tokens::issuer_options options;
    options.issuer = "http://127.0.0.1:8080";

    auto const memory = cfg::make_token_stack(options, std::nullopt, {}, modelauth::system_clock_source{});
    CHECK(memory.store);
    CHECK_FALSE(memory.journal);
    CHECK(memory.issuer->options().issuer == "http://127.0.0.1:8080");

    modelauth_test::temporary_directory const dir("config-token-stack");
    std::filesystem::create_directories(dir.path);
    std::string first_kid;
    {
        auto const stack = cfg::make_token_stack(options, dir.path, {}, modelauth::system_clock_source{});
        REQUIRE(stack.journal);
        CHECK(stack.store == stack.journal);
        first_kid = stack.issuer->current_kid();
    }
    CHECK(std::filesystem::exists(dir.path / "issuer_keys.json"));
    auto const again = cfg::make_token_stack(options, dir.path, {}, modelauth::system_clock_source{});
    CHECK(again.issuer->current_kid() == first_kid);

    // A key file that is not one: the state directory is named.
    modelauth_test::temporary_directory const broken("config-token-stack-broken");
    std::filesystem::create_directories(broken.path);
    std::ofstream(broken.path / "issuer_keys.json") << "not json";
    CHECK(fault_of([&] { (void)cfg::make_token_stack(options, broken.path, {}, modelauth::system_clock_source{}); })
              .field
        == "state_dir");
}
