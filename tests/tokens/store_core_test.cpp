//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// store_core's writes over a journal that may lose a race (a log other
// replicas append to): the change is planned again on the state that holds
// what the others appended, so their checks (duplicates, quotas) hold.

#include <modelauth/tokens/detail/store_core.hpp>

#include <modelauth/tokens/detail/journal_codec.hpp>
#include <modelauth/validation/api_key.hpp>

#include "support/doctest_result.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <system_error>
#include <vector>

namespace {

namespace ma = modelauth;
namespace ms = modelauth::tokens::detail::managed_store;
using namespace std::chrono_literals;
using time_point = std::chrono::system_clock::time_point;

time_point const t0 = time_point(std::chrono::seconds(1'800'000'000));

ma::validation::stored_token token(std::string id, bool permanent = false)
{
    ma::validation::stored_token t;
    t.secret_hash = ma::validation::hash_secret("secret-" + id);
    t.hint = id.substr(id.size() - 2);
    t.id = std::move(id);
    t.owner = "alice";
    t.cls = ma::validation::token_class::account;
    t.bindings.account = "acme";
    t.scopes = {"models:read"};
    t.created = t0;
    t.permanent = permanent;
    if(! permanent)
        t.expires = t0 + 24h;
    return t;
}

// A shared log in memory: `others` are the lines other writers append
// before this writer's next commit (one race per entry), which catch_up
// hands over.
struct racing_journal
{
    std::vector<ms::token_op> others; // appended by others, each before one of our commits
    std::vector<ms::token_op> pending; // what catch_up hands over next
    std::vector<std::string> log;      // our own committed lines
    std::string staged;
    bool lost = false;
    int commits = 0;
    int catch_ups = 0;
    bool always_lose = false;

    ma::result<void> stage(ms::token_op& op)
    {
        staged = ms::op_line(op);
        return {};
    }
    ma::result<void> commit()
    {
        ++commits;
        if(always_lose || ! others.empty())
        {
            lost = true;
            if(! others.empty())
            {
                pending.push_back(std::move(others.front()));
                others.erase(others.begin());
            }
            return std::make_error_code(std::errc::resource_unavailable_try_again);
        }
        lost = false;
        log.push_back(staged);
        return {};
    }
    bool lost_race() const noexcept { return lost; }
    template<class Apply>
    ma::result<std::size_t> catch_up(Apply&& apply)
    {
        ++catch_ups;
        for(auto const& op : pending)
            if(auto applied = apply(op, [] { return true; }); ! applied)
                return ma::result<std::size_t>(boost::system::in_place_error, applied.error());
        auto const count = pending.size();
        pending.clear();
        return count;
    }
    void diverged() noexcept {}
    void published(ms::token_state const&) noexcept {}
};

static_assert(ms::journal_retries<racing_journal>::value, "a journal with lost_race() may plan again");
static_assert(! ms::journal_retries<ms::null_journal>::value, "null_journal never loses a race");

} // namespace

TEST_CASE("a write that lost a race is planned again with what the other writer appended")
{
    ms::store_core core;
    racing_journal journal;
    journal.others.push_back(ms::insert_op{token("theirs")});
    REQUIRE(core.insert(journal, token("mine"), {}));
    CHECK(journal.commits == 2);
    CHECK(journal.catch_ups == 1);
    CHECK(core.find_by_id("theirs") != nullptr);
    CHECK(core.find_by_id("mine") != nullptr);
    REQUIRE(journal.log.size() == 1);
    CHECK(journal.log[0].find("\"mine\"") != std::string::npos);
}

TEST_CASE("checks hold across writers: the other writer's token makes this one a duplicate, or over quota")
{
    SUBCASE("duplicate")
    {
        ms::store_core core;
        racing_journal journal;
        journal.others.push_back(ms::insert_op{token("same")});
        CHECK(core.insert(journal, token("same"), {}).error() == ma::tokens::error::duplicate_token);
        CHECK(journal.log.empty());
    }
    SUBCASE("the permanent-token quota")
    {
        ms::store_core core;
        racing_journal journal;
        ma::tokens::insert_limits limits;
        limits.max_permanent = 1;
        journal.others.push_back(ms::insert_op{token("first", true)});
        CHECK(core.insert(journal, token("second", true), limits).error() == ma::tokens::error::permanent_token_quota);
        CHECK(core.find_by_id("first") != nullptr);
        CHECK(core.find_by_id("second") == nullptr);
        CHECK(journal.log.empty());
    }
}

TEST_CASE("a revocation that lost a race is not applied until it is in the log")
{
    ms::store_core core;
    racing_journal journal;
    journal.others.push_back(ms::revoke_op{"other-jti", std::nullopt});
    REQUIRE(core.revoke(journal, "my-jti", std::nullopt));
    CHECK(core.is_revoked("other-jti"));
    CHECK(core.is_revoked("my-jti"));
    CHECK(journal.commits == 2);
    CHECK(journal.log.size() == 1);
}

TEST_CASE("a writer that keeps losing gives up with storage_failure, changing nothing")
{
    ms::store_core core;
    racing_journal journal;
    journal.always_lose = true;
    auto const epoch = core.epoch();
    CHECK(core.revoke(journal, "jti", std::nullopt).error() == ma::tokens::error::storage_failure);
    CHECK(journal.commits == ms::max_write_attempts);
    CHECK_FALSE(core.is_revoked("jti"));
    CHECK(core.epoch() == epoch);
}

TEST_CASE("a change this writer's state refuses is planned again once the log gave it what others did")
{
    ms::store_core core;
    racing_journal journal;
    // Another writer made "theirs"; this writer has not read it yet.
    journal.pending.push_back(ms::insert_op{token("theirs")});
    REQUIRE(core.erase(journal, "theirs"));
    CHECK(journal.catch_ups == 1);
    CHECK(core.find_by_id("theirs") == nullptr);
    REQUIRE(journal.log.size() == 1);

    // Nothing new in the log: the refusal stands, after one look.
    CHECK(core.erase(journal, "never").error() == ma::tokens::error::token_not_found);
    CHECK(journal.catch_ups == 2);
    CHECK(journal.log.size() == 1);
}
