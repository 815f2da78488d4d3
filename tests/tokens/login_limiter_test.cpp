//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/tokens/login_limiter.hpp>
#include <modelauth/tokens/error.hpp>

#include <modelauth/configuration_error.hpp>

#include "support/doctest_result.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace ma = modelauth;
using namespace std::chrono_literals;

namespace {

using limiter = ma::tokens::login_limiter<ma::manual_clock_ref>;

void fail(limiter& l, std::string_view account, int times)
{
    for(int i = 0; i < times; ++i)
        l.record_failure(account);
}

bool locked(limiter const& l, std::string_view account)
{
    auto checked = l.check(account);
    return checked.has_error() && checked.error() == ma::tokens::error::too_many_attempts;
}

} // namespace

TEST_CASE("the fifth failure within the window locks the account for the window")
{
    ma::manual_clock clock;
    limiter l({}, ma::manual_clock_ref(clock));
    CHECK(l.check("alice@example.com"));
    fail(l, "alice@example.com", 4);
    CHECK(l.check("alice@example.com"));
    CHECK(l.retry_after("alice@example.com") == 0s);

    clock.advance(5min);
    l.record_failure("alice@example.com");
    auto checked = l.check("alice@example.com");
    REQUIRE(checked.has_error());
    CHECK(checked.error() == ma::tokens::error::too_many_attempts);
    CHECK(ma::http_status(checked.error()) == 429);
    CHECK(l.retry_after("alice@example.com") == 900s);

    // Other accounts are not affected.
    CHECK(l.check("bob@example.com"));

    clock.advance(899s);
    CHECK(locked(l, "alice@example.com"));
    CHECK(l.retry_after("alice@example.com") == 1s);
    clock.advance(1s);
    CHECK(l.check("alice@example.com"));
    CHECK(l.retry_after("alice@example.com") == 0s);
}

TEST_CASE("failures in an expired window are forgotten")
{
    ma::manual_clock clock;
    limiter l({}, ma::manual_clock_ref(clock));
    fail(l, "alice", 4);
    clock.advance(15min);
    // A new window: four more failures do not lock.
    fail(l, "alice", 4);
    CHECK(l.check("alice"));
    clock.advance(14min);
    l.record_failure("alice");
    CHECK(locked(l, "alice"));
}

TEST_CASE("a lock that has ended starts a fresh count")
{
    ma::manual_clock clock;
    limiter l({}, ma::manual_clock_ref(clock));
    fail(l, "alice", 5);
    CHECK(locked(l, "alice"));
    clock.advance(15min);
    CHECK(l.check("alice"));
    fail(l, "alice", 4);
    CHECK(l.check("alice"));
    l.record_failure("alice");
    CHECK(locked(l, "alice"));
}

TEST_CASE("a success forgets the account's failures")
{
    ma::manual_clock clock;
    limiter l({}, ma::manual_clock_ref(clock));
    fail(l, "alice", 4);
    CHECK(l.tracked() == 1);
    l.record_success("alice");
    CHECK(l.tracked() == 0);
    fail(l, "alice", 4);
    CHECK(l.check("alice"));
    l.record_failure("alice");
    CHECK(locked(l, "alice"));
    l.record_success("unknown"); // no effect, no crash
    CHECK(l.tracked() == 1);
}

TEST_CASE("failures while locked neither count nor extend the lock")
{
    ma::manual_clock clock;
    limiter l({}, ma::manual_clock_ref(clock));
    fail(l, "alice", 5);
    clock.advance(10min);
    fail(l, "alice", 20);
    CHECK(l.retry_after("alice") == 300s);
    clock.advance(5min);
    CHECK(l.check("alice"));
}

TEST_CASE("retry_after rounds up to whole seconds")
{
    ma::manual_clock clock;
    limiter l({1, 10s, 100}, ma::manual_clock_ref(clock));
    l.record_failure("alice");
    CHECK(l.retry_after("alice") == 10s);
    clock.advance(1ms);
    CHECK(l.retry_after("alice") == 10s);
    clock.advance(999ms);
    CHECK(l.retry_after("alice") == 9s);
    clock.advance(8999ms);
    CHECK(l.retry_after("alice") == 1s);
    clock.advance(1ms);
    CHECK(l.retry_after("alice") == 0s);
}

TEST_CASE("keys are compared exactly, whatever their length")
{
    ma::manual_clock clock;
    limiter l({2, 1min, 100}, ma::manual_clock_ref(clock));
    std::string const long_key(100000, 'k');
    fail(l, long_key, 2);
    CHECK(locked(l, long_key));
    CHECK(l.check(long_key.substr(1)));
    CHECK(l.check("Alice"));
    fail(l, "alice", 2);
    CHECK(locked(l, "alice"));
    CHECK(l.check("Alice"));
}

TEST_CASE("when full, expired entries are dropped first")
{
    ma::manual_clock clock;
    limiter l({3, 1min, 4}, ma::manual_clock_ref(clock));
    l.record_failure("old-1");
    l.record_failure("old-2");
    clock.advance(30s);
    fail(l, "locked", 3);
    l.record_failure("recent");
    CHECK(l.tracked() == 4);
    clock.advance(31s); // old-1 and old-2 expire, "locked" and "recent" do not
    l.record_failure("new");
    CHECK(l.tracked() == 3);
    CHECK(locked(l, "locked"));
    CHECK(l.retry_after("locked") == 29s);
}

TEST_CASE("when full of live entries, the oldest unlocked one is dropped (F2)")
{
    ma::manual_clock clock;
    limiter l({2, 1min, 3}, ma::manual_clock_ref(clock));
    fail(l, "a", 2); // locked until t+60
    clock.advance(1s);
    fail(l, "b", 2); // locked until t+61
    clock.advance(1s);
    l.record_failure("c");
    clock.advance(1s);
    l.record_failure("d"); // full: "c" goes, the older locks stay
    CHECK(l.tracked() == 3);
    CHECK(locked(l, "a"));
    CHECK(locked(l, "b"));
    // "c" starts afresh: one failure does not lock it.
    l.record_failure("c");
    CHECK(l.check("c"));
}

TEST_CASE("a lock moves an entry behind newer ones in the eviction order")
{
    ma::manual_clock clock;
    limiter l({2, 1min, 3}, ma::manual_clock_ref(clock));
    l.record_failure("a"); // window until t+60
    clock.advance(10s);
    l.record_failure("b"); // window until t+70
    clock.advance(10s);
    l.record_failure("a"); // locked until t+80: now the latest to expire
    l.record_failure("c");
    l.record_failure("d"); // full: "b" is the oldest
    CHECK(l.tracked() == 3);
    CHECK(locked(l, "a"));
    l.record_failure("b"); // a fresh entry: one failure does not lock
    CHECK(l.check("b"));
}

TEST_CASE("memory stays bounded under a spray of distinct accounts")
{
    ma::manual_clock clock;
    limiter l({5, 15min, 1000}, ma::manual_clock_ref(clock));
    for(int i = 0; i < 20000; ++i)
    {
        l.record_failure("user" + std::to_string(i) + "@example.com");
        if(i % 100 == 0)
            clock.advance(1s);
    }
    CHECK(l.tracked() == 1000);
}

TEST_CASE("bad limiter options are configuration errors naming the field")
{
    ma::manual_clock clock;
    auto build = [&](ma::tokens::login_limiter_options o) { limiter l(o, ma::manual_clock_ref(clock)); };
    struct row
    {
        ma::tokens::login_limiter_options options;
        char const* field;
    };
    row const rows[] = {
        {{0, 15min, 10}, "login_limiter_options.max_failures"},
        {{5, 0s, 10}, "login_limiter_options.window"},
        {{5, -1s, 10}, "login_limiter_options.window"},
        {{5, 15min, 0}, "login_limiter_options.max_tracked"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.field);
        try
        {
            build(r.options);
            FAIL("no exception");
        }
        catch(ma::configuration_error const& e)
        {
            CHECK(e.field() == r.field);
        }
    }
    ma::tokens::login_limiter<> defaults;
    CHECK(defaults.options().max_failures == 5);
    CHECK(defaults.options().window == 15min);
    CHECK(defaults.options().max_tracked == 100000);
    CHECK(defaults.check("anyone"));
}

TEST_CASE("concurrent failures on one account are all counted")
{
    constexpr int threads_used = 4;
    constexpr int failures_per_thread = 5000;
    constexpr unsigned total = threads_used * failures_per_thread;
    ma::manual_clock clock;
    limiter l({total + 1, 1min, 100}, ma::manual_clock_ref(clock));
    std::vector<std::thread> threads;
    for(int t = 0; t < threads_used; ++t)
        threads.emplace_back([&] {
            for(int i = 0; i < failures_per_thread; ++i)
            {
                l.record_failure("shared");
                (void)l.check("shared");
            }
        });
    for(auto& t : threads)
        t.join();
    // Every failure was counted: one more locks, none was lost.
    CHECK(l.check("shared"));
    l.record_failure("shared");
    CHECK(locked(l, "shared"));
}

TEST_CASE("F2: try_acquire counts the attempt before it is verified, so parallel guesses cannot pass the limit")
{
    ma::manual_clock clock;
    limiter l({}, ma::manual_clock_ref(clock));
    // Five attempts in flight at once (none reported yet): each was counted
    // when it started, so a sixth is refused even before any of them ends.
    for(int i = 0; i < 5; ++i)
        CHECK(l.try_acquire("alice\n198.51.100.7"));
    auto const sixth = l.try_acquire("alice\n198.51.100.7");
    REQUIRE(sixth.has_error());
    CHECK(sixth.error() == ma::tokens::error::too_many_attempts);
    CHECK(l.retry_after("alice\n198.51.100.7") == 15min);
    // The fifth attempt was the right password: its success lifts the lock.
    l.record_success("alice\n198.51.100.7");
    CHECK(l.try_acquire("alice\n198.51.100.7"));
}

TEST_CASE("F2: many threads acquiring at once get exactly max_failures attempts")
{
    ma::manual_clock clock;
    limiter l({}, ma::manual_clock_ref(clock));
    std::atomic<int> passed{0};
    std::vector<std::thread> threads;
    for(int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for(int i = 0; i < 50; ++i)
                if(l.try_acquire("admin\n203.0.113.1"))
                    ++passed;
        });
    for(auto& t : threads)
        t.join();
    CHECK(passed == 5);
}

TEST_CASE("F2: refund gives back one attempt and the lock it set, not the failures before it")
{
    ma::manual_clock clock;
    limiter l({}, ma::manual_clock_ref(clock));
    for(int i = 0; i < 4; ++i)
        CHECK(l.try_acquire("198.51.100.7"));
    CHECK(l.try_acquire("198.51.100.7")); // the fifth locks...
    CHECK(locked(l, "198.51.100.7"));
    l.refund("198.51.100.7"); // ...but succeeded: the lock it set goes
    CHECK_FALSE(locked(l, "198.51.100.7"));
    CHECK(l.try_acquire("198.51.100.7")); // the four failures still count
    CHECK(locked(l, "198.51.100.7"));
    l.refund("nobody"); // nothing to give back: no effect
    CHECK(l.tracked() == 1);
}

TEST_CASE("F2: a full limiter drops an unlocked entry before a lock")
{
    ma::manual_clock clock;
    ma::tokens::login_limiter_options options;
    options.max_tracked = 2;
    limiter l(options, ma::manual_clock_ref(clock));
    fail(l, "locked-first", 5);            // oldest, locked
    clock.advance(1s);
    fail(l, "counting", 1);                // newer, not locked
    clock.advance(1s);
    fail(l, "newcomer", 1);                // full: "counting" goes, not the lock
    CHECK(l.tracked() == 2);
    CHECK(locked(l, "locked-first"));
    // Only when every entry is locked does the oldest lock go.
    fail(l, "newcomer", 4);
    fail(l, "third", 1);
    CHECK(l.tracked() == 2);
    CHECK_FALSE(locked(l, "locked-first"));
    CHECK(locked(l, "newcomer"));
}
