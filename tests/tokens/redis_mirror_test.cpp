//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// A replica's mirror following changes another writer appends to the shared
// log, on a real redis-server (support/redis_test_server.hpp); and
// store_core::apply_logged, which the mirror applies them with.

#include <modelauth/tokens/detail/redis_mirror.hpp>
#include <modelauth/tokens/redis_token_store.hpp>

#include <modelauth/validation/api_key.hpp>

#include "support/doctest_result.hpp"
#include "support/redis_test_server.hpp"
#include "tokens/redis_test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

namespace ma = modelauth;
namespace d = modelauth::tokens::detail;
using modelauth_test::endpoint_of;
namespace ms = modelauth::tokens::detail::managed_store;
using namespace std::chrono_literals;
using time_point = std::chrono::system_clock::time_point;

time_point const t0 = time_point(std::chrono::seconds(1'800'000'000));

ma::validation::stored_token token(std::string id)
{
    ma::validation::stored_token t;
    t.secret_hash = ma::validation::hash_secret("secret-" + id);
    t.hint = id.substr(id.size() - 2);
    t.id = std::move(id);
    t.owner = "alice";
    t.cls = ma::validation::token_class::personal_key;
    t.scopes = {"models:read"};
    t.created = t0;
    t.expires = t0 + 24h;
    return t;
}

// A journal that keeps each change's line, as a writer would send it.
struct line_journal
{
    std::vector<std::string> lines;
    std::string staged;
    std::size_t sent = 0; // lines a writer sent to the log

    ma::result<void> stage(ms::token_op& op)
    {
        staged = ms::op_line(op);
        staged.pop_back(); // the newline a file needs
        return {};
    }
    ma::result<void> commit()
    {
        lines.push_back(staged);
        return {};
    }
    void diverged() noexcept {}
    void published(ms::token_state const&) noexcept {}
};

// Another replica: a core whose changes go to the shared log.
struct writer
{
    explicit writer(d::redis_endpoint const& e) : connection(e), log(connection, "mirror") {}

    // Sends every line `journal` holds that was not sent yet; returns the last id.
    std::string flush(line_journal& journal)
    {
        for(; journal.sent < journal.lines.size(); ++journal.sent)
        {
            auto r = log.append_if_head(head, journal.lines[journal.sent]);
            REQUIRE(r);
            REQUIRE(r->appended);
            head = r->id;
        }
        return head;
    }

    d::redis_connection connection;
    d::redis_op_log log;
    std::string head = "0-0";
};

} // namespace

TEST_CASE("stream_id: Redis stream ids in the stream's order")
{
    auto const a = d::stream_id::parse("1700000000000-0");
    auto const b = d::stream_id::parse("1700000000000-7");
    auto const c = d::stream_id::parse("1700000000001-0");
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(c);
    CHECK(*a < *b);
    CHECK(*b < *c);
    CHECK_FALSE(*c < *a);
    CHECK(d::stream_id::parse("0-0"));
    for(char const* bad : {"", "-", "1-", "-1", "a-1", "1-b", "1", "99999999999999999999-0"})
    {
        CAPTURE(bad);
        CHECK_FALSE(d::stream_id::parse(bad));
    }
}

TEST_CASE("apply_logged: another writer's changes rebuild the same state, and move the epochs")
{
    ms::store_core a;
    ms::store_core b;
    line_journal journal;
    REQUIRE(a.insert(journal, token("t1"), {}));
    REQUIRE(a.insert(journal, token("t2"), {}));
    REQUIRE(a.revoke(journal, "jti-1", t0 + 1h));
    REQUIRE(a.erase(journal, "t1"));
    REQUIRE(journal.lines.size() == 4);

    auto const epoch = b.epoch();
    auto const grants = b.grant_epoch();
    std::string why;
    auto insert = ms::read_op_line(journal.lines[0], why);
    REQUIRE(insert);
    REQUIRE(b.apply_logged(*insert));
    CHECK(b.find_by_id("t1") != nullptr);
    CHECK(b.epoch() == epoch);          // an insert invalidates nothing
    CHECK(b.grant_epoch() == grants + 1); // but may grant
    for(std::size_t i = 1; i < journal.lines.size(); ++i)
        REQUIRE(b.apply_logged(*ms::read_op_line(journal.lines[i], why)));
    CHECK(b.find_by_id("t1") == nullptr);
    CHECK(b.find_by_id("t2") != nullptr);
    CHECK(b.is_revoked("jti-1"));
    CHECK(b.epoch() > epoch); // a revocation and a deletion stop cached verdicts
    CHECK(b.find_by_secret(ma::validation::hash_secret("secret-t2"))->id == "t2");

    // A line that does not apply to this state publishes nothing.
    auto const before = b.epoch();
    CHECK(b.apply_logged(*ms::read_op_line(journal.lines[1], why)).error() == ma::tokens::error::duplicate_token);
    CHECK(b.epoch() == before);
    // Not admitted: nothing applied.
    auto const skipped = b.apply_logged(*ms::read_op_line(journal.lines[3], why), [] { return false; });
    REQUIRE(skipped);
    CHECK(*skipped == 0);
}

TEST_CASE("redis_mirror: a replica follows what another appends, at once")
{
    modelauth_test::redis_test_server server;
    ms::store_core a;
    ms::store_core b;
    line_journal journal;
    writer w(endpoint_of(server));
    d::redis_mirror mirror(endpoint_of(server), "mirror", b);
    mirror.start();
    REQUIRE(mirror.wait_healthy(true, 10s));

    REQUIRE(a.insert(journal, token("t1"), {}));
    REQUIRE(a.insert(journal, token("t2"), {}));
    auto head = w.flush(journal);
    REQUIRE(mirror.wait_applied(head, 10s));
    CHECK(b.find_by_id("t1") != nullptr);
    CHECK(b.find_by_id("t2") != nullptr);

    // A revocation made through the other replica: refused here once applied.
    auto const epoch = b.epoch();
    REQUIRE(a.revoke(journal, "jti-9", std::nullopt));
    REQUIRE(a.erase(journal, "t1"));
    head = w.flush(journal);
    REQUIRE(mirror.wait_applied(head, 10s));
    CHECK(b.is_revoked("jti-9"));
    CHECK(b.find_by_id("t1") == nullptr);
    CHECK(b.epoch() > epoch);
    CHECK(mirror.applied() == head);
    CHECK(mirror.wait_healthy(true, 10s)); // healthy once the batch read is applied
}

TEST_CASE("redis_mirror: the replica's own lines are not applied twice")
{
    modelauth_test::redis_test_server server;
    writer w(endpoint_of(server));
    // b writes t1 itself: applied when written, appended, its id recorded as b's own.
    ms::store_core b;
    line_journal mine;
    REQUIRE(b.insert(mine, token("t1"), {}));
    d::redis_mirror mirror(endpoint_of(server), "mirror", b);
    mirror.applied_own(w.flush(mine));
    // Another replica adds t2 after it.
    ms::store_core a;
    line_journal theirs;
    REQUIRE(a.insert(theirs, token("t2"), {}));
    auto const head = w.flush(theirs);
    mirror.start();
    REQUIRE(mirror.wait_applied(head, 10s));
    CHECK_FALSE(mirror.diverged()); // t1 applied again would have been a duplicate: diverged
    CHECK(mirror.wait_healthy(true, 10s));
    CHECK(b.find_by_id("t1") != nullptr);
    CHECK(b.find_by_id("t2") != nullptr);
}

TEST_CASE("redis_mirror: Redis killed and back, the mirror resumes where it was, missing nothing")
{
    modelauth_test::redis_test_server server;
    ms::store_core a;
    ms::store_core b;
    line_journal journal;
    d::mirror_options options;
    options.timeouts = {500ms, 500ms};
    options.retry = 50ms;
    d::redis_mirror mirror(endpoint_of(server), "mirror", b, "0-0", options);
    mirror.start();
    {
        writer w(endpoint_of(server));
        for(int i = 0; i < 3; ++i)
            REQUIRE(a.insert(journal, token("t" + std::to_string(i)), {}));
        REQUIRE(mirror.wait_applied(w.flush(journal), 10s));
    }
    server.kill();
    REQUIRE(mirror.wait_healthy(false, 10s));
    CHECK(mirror.last_error().find("redis:") == 0);
    CHECK(b.find_by_id("t2") != nullptr); // the mirror still answers

    server.start();
    writer w(endpoint_of(server));
    w.head = *w.log.head();
    for(int i = 3; i < 5; ++i)
        REQUIRE(a.insert(journal, token("t" + std::to_string(i)), {}));
    auto const head = w.flush(journal);
    REQUIRE(mirror.wait_applied(head, 10s));
    CHECK(mirror.wait_healthy(true, 10s));
    for(int i = 0; i < 5; ++i)
        CHECK(b.find_by_id("t" + std::to_string(i)) != nullptr);
}

TEST_CASE("redis_mirror: a line that does not apply stops the mirror, diverged")
{
    modelauth_test::redis_test_server server;
    ms::store_core b;
    writer w(endpoint_of(server));
    d::redis_mirror mirror(endpoint_of(server), "mirror", b);
    mirror.start();
    REQUIRE(mirror.wait_healthy(true, 10s));
    auto r = w.log.append_if_head("0-0", R"({"op":"no-such-op"})");
    REQUIRE(r);
    REQUIRE(mirror.wait_healthy(false, 10s));
    CHECK(mirror.diverged());
    CHECK(mirror.last_error().find("the log's line " + r->id + " does not read") == 0);
    CHECK(mirror.last_error().find("no-such-op") == std::string::npos); // never a line's content
}

TEST_CASE("redis_mirror: a replica behind the lines a compaction trimmed reloads the snapshot, then follows")
{
    modelauth_test::redis_test_server server;
    ma::tokens::redis_store_options options;
    options.prefix = "mirror";
    std::string why;
    auto a = ma::tokens::RedisTokenStore::open(server.url(), options, &why);
    INFO(why);
    REQUIRE(a);
    for(int i = 0; i < 20; ++i)
        REQUIRE((*a)->insert(token("tok-" + std::to_string(100 + i))));
    for(int i = 0; i < 5; ++i)
        REQUIRE((*a)->erase("tok-" + std::to_string(100 + i)));
    REQUIRE((*a)->revoke("jti-1", t0 + 1h));
    auto compacted = (*a)->compact();
    REQUIRE(compacted);
    CHECK(*compacted);

    // b never read a line: the first line there is not the one after its place.
    ms::store_core b;
    d::redis_mirror mirror(endpoint_of(server), "mirror", b);
    mirror.start();
    REQUIRE(mirror.wait_applied((*a)->log_position(), 10s));
    CHECK(mirror.resyncs() == 1);
    CHECK(b.tokens().size() == 15);
    CHECK(b.is_revoked("jti-1"));
    CHECK(b.find_by_id("tok-100") == nullptr);
    CHECK(b.find_by_secret(ma::validation::hash_secret("secret-tok-119"))->id == "tok-119");

    REQUIRE((*a)->insert(token("tok-200")));
    REQUIRE(mirror.wait_applied((*a)->log_position(), 10s));
    CHECK(b.find_by_id("tok-200") != nullptr);
    CHECK(mirror.resyncs() == 1);
    CHECK(mirror.wait_healthy(true, 10s));
}
