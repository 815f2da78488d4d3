//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/tokens/journal_token_store.hpp>
#include <modelauth/tokens/error.hpp>

#include <modelauth/tokens/in_memory_token_store.hpp>

#include "support/doctest_result.hpp"
#include "tokens/store_test_support.hpp"

#include "support/temporary_directory.hpp"

#include <doctest/doctest.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MODELAUTH_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MODELAUTH_TEST_ASAN 1
#endif
#if defined(MODELAUTH_TEST_ASAN)
#include <sanitizer/allocator_interface.h>
#else
#include <malloc.h>
#endif
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>

namespace ma = modelauth;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using time_point = std::chrono::system_clock::time_point;

time_point const t0 = time_point(std::chrono::seconds(1'800'000'000));

// Each test's state directory, removed at the end.
struct temporary_directory : modelauth_test::temporary_directory
{
    temporary_directory() : modelauth_test::temporary_directory("journal-store") {}
};

std::shared_ptr<ma::tokens::JournalTokenStore> open_store(fs::path const& dir, ma::tokens::journal_options options = {})
{
    std::string why;
    auto store = ma::tokens::JournalTokenStore::open(dir, options, &why);
    INFO(why);
    REQUIRE(store);
    return *store;
}

std::string read_file(fs::path const& file)
{
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(fs::path const& file, std::string const& text)
{
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
}

std::vector<std::string> lines_of(std::string const& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for(std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

ma::validation::stored_token token(std::string id, std::string owner = "alice")
{
    ma::validation::stored_token t;
    t.secret_hash = ma::validation::hash_secret("secret-" + id);
    t.hint = "hint";
    t.id = std::move(id);
    t.owner = std::move(owner);
    t.cls = ma::validation::token_class::instance;
    t.bindings = {42, "p/eu01/i-1", "demo", "s1"};
    t.scopes = {"models:read", "models:infer"};
    t.name = "name \"quoted\"\n\u00e9";
    t.description = "d";
    t.created = t0;
    t.expires = t0 + 24h;
    return t;
}

using modelauth_test::store_records::refresh; // from t0, as this file's t0

// Everything a store holds that its API can show, as text; the jtis and
// refresh secrets it knows of are probed.
std::string describe(ma::tokens::ManagedTokenStore const& store)
{
    std::ostringstream out;
    for(auto const& t : store.list())
    {
        out << "token " << t->id << ' ' << t->hint << ' ' << t->owner << ' ' << int(t->cls) << ' '
            << t->bindings.model_id.value_or(-1) << ' ' << t->bindings.instance << ' ' << t->bindings.account << ' '
            << t->bindings.space << ' ' << t->name << ' ' << t->description << ' ' << t->permanent << ' '
            << t->active << ' ' << t->created.time_since_epoch().count() << ' '
            << (t->expires ? t->expires->time_since_epoch().count() : -1);
        for(auto const& s : t->scopes)
            out << ' ' << s;
        out << (store.find_by_secret(t->secret_hash) == t ? " found" : " lost") << '\n';
    }
    for(auto const* jti : {"jti-1", "jti-2", "access-1", "access-2", "t1", "t2"})
        out << "revoked " << jti << ' ' << store.is_revoked(jti) << '\n';
    for(auto const* id : {"r1", "r2", "r3"})
        if(auto r = store.find_refresh(ma::validation::hash_secret(std::string("refresh-") + id)))
            out << "refresh " << r->id << ' ' << r->family << ' ' << r->owner << ' '
                << r->issued.time_since_epoch().count() << ' ' << r->expires.time_since_epoch().count() << ' '
                << r->rotated << '\n';
    return out.str();
}

} // namespace

TEST_CASE("a restart after each kind of change finds the same state as before it")
{
    temporary_directory dir;
    ma::tokens::InMemoryTokenStore memory; // the same changes, never restarted
    auto store = open_store(dir.path);

    using change = std::function<void(ma::tokens::ManagedTokenStore&)>;
    std::vector<std::pair<char const*, change>> const changes = {
        {"insert", [](ma::tokens::ManagedTokenStore& s) { CHECK(s.insert(token("t1"))); }},
        {"insert permanent", [](ma::tokens::ManagedTokenStore& s) {
             auto t = token("t2", "carol");
             t.permanent = true;
             t.expires.reset();
             t.bindings.model_id.reset();
             CHECK(s.insert(t, ma::tokens::insert_limits{5}));
         }},
        {"update", [](ma::tokens::ManagedTokenStore& s) {
             CHECK(s.update("t1", [](ma::validation::stored_token& t) { t.name = "renamed"; t.scopes = {"x"}; }));
         }},
        {"set_active", [](ma::tokens::ManagedTokenStore& s) { CHECK(s.set_active("t2", false)); }},
        {"replace_owned", [](ma::tokens::ManagedTokenStore& s) { CHECK(s.replace_owned(token("t3"))); }},
        {"insert another", [](ma::tokens::ManagedTokenStore& s) { CHECK(s.insert(token("t4", "bob"))); }},
        {"erase", [](ma::tokens::ManagedTokenStore& s) { CHECK(s.erase("t4")); }},
        {"revoke", [](ma::tokens::ManagedTokenStore& s) {
             CHECK(s.revoke("jti-1", t0 + 1h));
             CHECK(s.revoke("jti-2"));
         }},
        {"erase_revocation", [](ma::tokens::ManagedTokenStore& s) { CHECK(s.erase_revocation("jti-2")); }},
        {"insert_refresh", [](ma::tokens::ManagedTokenStore& s) { CHECK(s.insert_refresh(refresh("r1", "f1"))); }},
        {"add_family_access", [](ma::tokens::ManagedTokenStore& s) {
             CHECK(s.add_family_access("f1", "access-1", t0 + 30min));
         }},
        {"rotate_refresh", [](ma::tokens::ManagedTokenStore& s) { CHECK(s.rotate_refresh("r1", refresh("r2", "f1"))); }},
        {"revoke_family", [](ma::tokens::ManagedTokenStore& s) {
             CHECK(s.revoke_family("f1", {{"access-2", t0 + 2h}}));
         }},
        {"insert_refresh again", [](ma::tokens::ManagedTokenStore& s) { CHECK(s.insert_refresh(refresh("r3", "f3"))); }},
        {"F3 insert_refresh ending the owner's oldest family", [](ma::tokens::ManagedTokenStore& s) {
             ma::tokens::family_limits limits;
             limits.max_families_per_owner = 1;
             CHECK(s.insert_refresh(refresh("r4", "f4"), limits));
             CHECK(s.find_refresh(ma::validation::hash_secret("refresh-r3")) == nullptr);
         }},
        {"erase_if", [](ma::tokens::ManagedTokenStore& s) {
             ma::tokens::token_filter f;
             f.owner = "alice";
             f.except_id = "t2";
             CHECK(s.erase_if(f).value() == 1);
         }},
        {"prune", [](ma::tokens::ManagedTokenStore& s) { CHECK(s.prune(t0 + 90min).value() == 2); }}, // jti-1, access-1
    };
    for(auto const& c : changes)
    {
        INFO(c.first);
        auto const bytes = store->journal_bytes();
        c.second(*store);
        c.second(memory);
        CHECK(store->journal_bytes() > bytes);
        auto const before = describe(*store);
        CHECK(before == describe(memory));
        store.reset(); // a restart
        store = open_store(dir.path);
        CHECK(describe(*store) == before);
    }
    CHECK(lines_of(read_file(store->path())).size() == changes.size() + 2); // the header; 2 revokes in one change
}

TEST_CASE("the journal is created mode 0600 in a directory created mode 0700, and never holds a secret")
{
    temporary_directory dir;
    auto const state_dir = dir.path / "nested" / "state";
    auto store = open_store(state_dir);
    CHECK(store->path() == state_dir / "tokens.journal");
    CHECK(fs::status(state_dir).permissions() == fs::perms::owner_all);
    CHECK(fs::status(store->path()).permissions() == (fs::perms::owner_read | fs::perms::owner_write));

    auto const key = ma::validation::generate_api_key().value();
    ma::validation::stored_token t;
    t.id = "k1";
    t.secret_hash = ma::validation::hash_secret(key);
    t.hint = std::string(ma::validation::api_key_hint(key));
    t.owner = "alice";
    t.created = t0;
    CHECK(store->insert(t));
    auto const refresh_secret = ma::validation::generate_api_key("mrt").value();
    auto r = refresh("r1", "f1");
    r.secret_hash = ma::validation::hash_secret(refresh_secret);
    CHECK(store->insert_refresh(r));
    CHECK(store->compact());

    auto const bytes = read_file(store->path());
    CHECK(bytes.size() == store->journal_bytes());
    CHECK(bytes.find(key) == std::string::npos);
    CHECK(bytes.find(key.substr(4, 20)) == std::string::npos);
    CHECK(bytes.find(refresh_secret) == std::string::npos);
    CHECK(bytes.find("\"hash\":\"") != std::string::npos); // digests are there, in hex
    CHECK(fs::status(store->path()).permissions() == (fs::perms::owner_read | fs::perms::owner_write));

    // A journal readable by others is restricted at open.
    store.reset();
    fs::permissions(state_dir / "tokens.journal", fs::perms::group_read | fs::perms::others_read, fs::perm_options::add);
    store = open_store(state_dir);
    CHECK(fs::status(store->path()).permissions() == (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(store->find_by_secret(ma::validation::hash_secret(key)));
}

TEST_CASE("a torn last line is dropped and truncated away")
{
    temporary_directory dir;
    auto store = open_store(dir.path);
    CHECK(store->insert(token("t1")));
    CHECK(store->revoke("jti-1"));
    auto const state = describe(*store);
    auto const file = store->path();
    auto const complete = read_file(file);
    store.reset();

    // A crash in the middle of appending a line.
    write_file(file, complete + "{\"op\":\"revoke\",\"jti\":\"jti-2\",\"un");
    store = open_store(dir.path);
    CHECK(describe(*store) == state);
    CHECK(read_file(file) == complete);
    CHECK_FALSE(store->is_revoked("jti-2"));

    // A whole line but for its newline was not fsynced either: dropped too.
    store.reset();
    write_file(file, complete + "{\"op\":\"revoke\",\"jti\":\"jti-2\",\"until\":null}");
    store = open_store(dir.path);
    CHECK_FALSE(store->is_revoked("jti-2"));
    CHECK(store->revoke("jti-2"));
    store.reset();
    store = open_store(dir.path);
    CHECK(store->is_revoked("jti-2"));
    CHECK(store->is_revoked("jti-1"));

    // A torn header: the journal starts again.
    temporary_directory other;
    fs::create_directories(other.path);
    write_file(other.path / "tokens.journal", "{\"format\":\"modelauth.to");
    store = open_store(other.path);
    CHECK(store->count() == 0);
    CHECK(lines_of(read_file(other.path / "tokens.journal")).size() == 1);
}

TEST_CASE("a bad line before the last refuses to open, naming the file and the line")
{
    temporary_directory dir;
    {
        auto store = open_store(dir.path);
        CHECK(store->insert(token("t1")));
        CHECK(store->insert(token("t2")));
        CHECK(store->revoke("jti-1"));
    }
    auto const file = dir.path / "tokens.journal";
    auto const good = lines_of(read_file(file));
    REQUIRE(good.size() == 4);

    struct row
    {
        char const* name;
        std::size_t line; // 1-based
        std::string text;
        char const* says;
    };
    std::string duplicate = good[1];
    std::string bad_digest = good[2];
    bad_digest.replace(bad_digest.find("\"hash\":\"") + 8, 2, "ZZ");
    std::string extra_member = good[3];
    extra_member.insert(1, "\"extra\":1,");
    row const rows[] = {
        {"not JSON", 3, "this is not json", "not one strict JSON object"},
        {"unknown op", 2, "{\"op\":\"bogus\"}", "op: is not a known op"},
        {"wrong member type", 4, "{\"op\":\"revoke\",\"jti\":7,\"until\":null}", "jti: must be a string"},
        {"bad digest", 3, bad_digest, "token.hash: must be a digest"},
        {"does not apply", 3, duplicate, "duplicate_token"},
        {"unexpected member", 4, extra_member, "extra: is not a known key; expected one of: op,"},
        {"empty line", 2, "", "not one strict JSON object"},
        {"bad header", 1, "{\"format\":\"something else\",\"version\":1}", "not a modelauth token journal"},
        {"newer version", 1, "{\"format\":\"modelauth.tokens.journal\",\"version\":2}", "version 2"},
    };
    for(auto const& r : rows)
    {
        INFO(r.name);
        auto lines = good;
        lines[r.line - 1] = r.text;
        std::string text;
        for(auto const& l : lines)
            text += l + "\n";
        write_file(file, text);
        std::string why;
        auto store = ma::tokens::JournalTokenStore::open(dir.path, {}, &why);
        REQUIRE_FALSE(store);
        CHECK(store.error() == ma::tokens::error::storage_failure);
        CHECK(why.find(file.string() + ":" + std::to_string(r.line) + ": ") == 0);
        CHECK(why.find(r.says) != std::string::npos);
        CHECK(why.find("secret") == std::string::npos);
        CHECK(read_file(file) == text); // a refused journal is left as it is
    }
}

TEST_CASE("compaction keeps the state and shrinks the journal")
{
    temporary_directory dir;
    auto store = open_store(dir.path);
    for(int i = 0; i < 40; ++i)
        CHECK(store->insert(token("t" + std::to_string(i))));
    for(int i = 0; i < 38; ++i)
        CHECK(store->erase("t" + std::to_string(i)));
    CHECK(store->update("t38", [](ma::validation::stored_token& t) { t.name = "kept"; }));
    CHECK(store->revoke("jti-1", t0));
    CHECK(store->revoke("jti-2"));
    CHECK(store->insert_refresh(refresh("r1", "f1")));
    CHECK(store->rotate_refresh("r1", refresh("r2", "f1")));
    CHECK(store->add_family_access("f1", "access-1", t0 + 1h));
    auto const state = describe(*store);
    auto const before = store->journal_bytes();
    CHECK(before == fs::file_size(store->path()));

    CHECK(store->compact());
    CHECK(store->journal_bytes() < before / 4);
    CHECK(store->journal_bytes() == fs::file_size(store->path()));
    CHECK(describe(*store) == state);
    CHECK_FALSE(fs::exists(dir.path / "tokens.journal.tmp"));
    CHECK(fs::status(store->path()).permissions() == (fs::perms::owner_read | fs::perms::owner_write));

    // The compacted journal still takes appends, and a restart reads both.
    CHECK(store->insert(token("after")));
    auto const after = describe(*store);
    store.reset();
    store = open_store(dir.path);
    CHECK(describe(*store) == after);
    auto reused = store->rotate_refresh("r1", refresh("r3", "f1"));
    REQUIRE_FALSE(reused);
    CHECK(reused.error() == ma::tokens::error::refresh_token_reused);
    // The family's access id survived: revoking the family revokes it.
    CHECK(store->revoke_family("f1"));
    CHECK(store->is_revoked("access-1"));

    // compact_on_open rewrites at once.
    auto const grown = store->journal_bytes();
    store.reset();
    store = open_store(dir.path, ma::tokens::journal_options{true});
    CHECK(store->journal_bytes() < grown);
}

TEST_CASE("a compaction writes a journal that opens again: a rotated refresh record sharing a live record's id")
{
    // Found by fuzz/journal_fuzz.cpp (fuzz/corpus/journal/regression-rotated-then-live-same-id):
    // a rotated record is kept by its secret only, so a replay accepts a live
    // record of the same id after it; the compaction must write them in that order.
    temporary_directory dir;
    fs::create_directories(dir.path);
    std::ifstream seed(fs::path(MODELAUTH_SOURCE_DIR) / "fuzz/corpus/journal/regression-rotated-then-live-same-id",
                       std::ios::binary);
    REQUIRE(seed);
    std::string const text((std::istreambuf_iterator<char>(seed)), std::istreambuf_iterator<char>());
    write_file(dir.path / "tokens.journal", text);
    {
        auto store = open_store(dir.path, ma::tokens::journal_options{true});
        CHECK(store->journal_bytes() > 0);
    }
    auto reopened = open_store(dir.path);
    std::array<std::uint8_t, 32> live{};
    for(std::size_t i = 0; i < live.size(); ++i)
        live[i] = static_cast<std::uint8_t>(0x0b + 7 * i);
    ma::validation::secret_digest digest{};
    std::copy(live.begin(), live.end(), digest.begin());
    auto const found = reopened->find_refresh(digest);
    REQUIRE(found);
    CHECK(found->id == "x");
    CHECK_FALSE(found->rotated);
}

TEST_CASE("a second store cannot open a journal that is in use")
{
    temporary_directory dir;
    auto store = open_store(dir.path);
    std::string why;
    auto second = ma::tokens::JournalTokenStore::open(dir.path, {}, &why);
    REQUIRE_FALSE(second);
    CHECK(second.error() == ma::tokens::error::storage_failure);
    CHECK(why.find("in use") != std::string::npos);
    store.reset();
    CHECK(ma::tokens::JournalTokenStore::open(dir.path));

    temporary_directory file_in_the_way;
    write_file(file_in_the_way.path, "x");
    auto refused = ma::tokens::JournalTokenStore::open(file_in_the_way.path, {}, &why);
    REQUIRE_FALSE(refused);
    CHECK(why.find("not a directory") != std::string::npos);
}

TEST_CASE("a change that cannot be written changes nothing, and later changes work")
{
    temporary_directory dir;
    auto store = open_store(dir.path);
    CHECK(store->insert(token("t1")));
    auto const state = describe(*store);
    auto const epoch = store->epoch();
    auto const bytes = store->journal_bytes();

    // The file may not grow past a few bytes more: the write is cut short.
    auto const previous_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit previous{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &previous) == 0);
    rlimit limited = previous;
    limited.rlim_cur = static_cast<rlim_t>(bytes + 10);
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
    auto const refused = store->insert(token("t2"));
    auto const rename_refused = store->update("t1", [](ma::validation::stored_token& t) { t.name = "renamed"; });
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &previous) == 0);
    std::signal(SIGXFSZ, previous_handler);

    REQUIRE_FALSE(refused);
    CHECK(refused.error() == ma::tokens::error::storage_failure);
    CHECK(ma::http_status(refused.error()) == 503);
    REQUIRE_FALSE(rename_refused);
    CHECK(rename_refused.error() == ma::tokens::error::storage_failure);
    CHECK(store->find_by_id("t2") == nullptr);
    CHECK(store->epoch() == epoch);
    CHECK(store->healthy()); // nothing diverged: a failed write was undone
    CHECK(describe(*store) == state);
    CHECK(fs::file_size(store->path()) == bytes); // the partial line was truncated away
    CHECK(store->last_storage_error().find("tokens.journal: write: ") != std::string::npos);

    CHECK(store->insert(token("t2")));
    store.reset();
    store = open_store(dir.path);
    CHECK(store->find_by_id("t2"));
    CHECK(store->find_by_id("t1")->name != "renamed");
}

TEST_CASE("F9 after a failed fsync, revocations, deletions and deactivations still take effect; other changes are refused")
{
    temporary_directory dir;
    std::atomic<int> failing{0};
    ma::tokens::journal_options options;
    options.inject_failure = [&](std::string_view operation) { return operation == "fsync" ? failing.load() : 0; };
    auto store = open_store(dir.path, options);
    for(auto const* id : {"t1", "t2", "t3"})
        CHECK(store->insert(token(id)));
    CHECK(store->insert_refresh(refresh("r1", "f1")));
    CHECK(store->add_family_access("f1", "access-1", t0 + 1h));
    CHECK(store->healthy());

    failing = EIO;
    auto const refused = store->insert(token("t4"));
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == ma::tokens::error::storage_failure);
    CHECK_FALSE(store->healthy());
    CHECK(store->last_storage_error().find("tokens.journal: fsync: ") != std::string::npos);
    failing = 0; // the disk recovers, the journal cannot be trusted until compacted

    auto const epoch = store->epoch();
    auto storage_failure = [](ma::result<void> const& r) {
        return ! r && r.error() == ma::tokens::error::storage_failure;
    };
    CHECK(storage_failure(store->revoke("jti-1", t0 + 1h)));
    CHECK(store->is_revoked("jti-1"));
    CHECK(storage_failure(store->erase("t1")));
    CHECK(store->find_by_id("t1") == nullptr);
    CHECK(store->find_by_secret(ma::validation::hash_secret("secret-t1")) == nullptr);
    CHECK(storage_failure(store->set_active("t2", false)));
    CHECK_FALSE(store->find_by_id("t2")->active);
    auto const family = store->revoke_family("f1");
    REQUIRE_FALSE(family);
    CHECK(family.error() == ma::tokens::error::storage_failure);
    CHECK(store->is_revoked("access-1"));
    CHECK(store->find_refresh(ma::validation::hash_secret("refresh-r1")) == nullptr);
    CHECK(store->epoch() > epoch); // the validator's cache drops them at once

    // Anything else is refused and changes nothing.
    CHECK(storage_failure(store->update("t3", [](ma::validation::stored_token& t) { t.name = "renamed"; })));
    CHECK(store->find_by_id("t3")->name != "renamed");
    CHECK(storage_failure(store->set_active("t2", true)));
    CHECK_FALSE(store->find_by_id("t2")->active);
    CHECK(storage_failure(store->erase_revocation("jti-1")));
    CHECK(store->is_revoked("jti-1"));
    CHECK(storage_failure(store->insert(token("t5"))));
    CHECK(store->find_by_id("t5") == nullptr);

    // A compaction writes memory, revocations included: healthy and durable again.
    CHECK(store->compact());
    CHECK(store->healthy());
    CHECK(store->insert(token("t6")));
    auto const state = describe(*store);
    store.reset();
    store = open_store(dir.path);
    CHECK(describe(*store) == state);
    CHECK(store->is_revoked("jti-1"));
    CHECK(store->find_by_id("t1") == nullptr);
    CHECK_FALSE(store->find_by_id("t2")->active);
    CHECK(store->is_revoked("access-1"));
}

TEST_CASE("F9 a revocation whose write fails takes effect in memory and leaves the store unhealthy")
{
    temporary_directory dir;
    bool failing = false;
    ma::tokens::journal_options options;
    options.inject_failure = [&](std::string_view operation) { return failing && operation == "write" ? ENOSPC : 0; };
    auto store = open_store(dir.path, options);
    CHECK(store->insert(token("t1")));
    failing = true;
    auto const revoked = store->revoke("jti-1");
    REQUIRE_FALSE(revoked);
    CHECK(revoked.error() == ma::tokens::error::storage_failure);
    CHECK(store->is_revoked("jti-1"));
    CHECK_FALSE(store->healthy()); // memory holds what the journal lacks
    failing = false;
    CHECK_FALSE(store->insert(token("t2")));
    CHECK(store->compact());
    CHECK(store->insert(token("t2")));
    store.reset();
    store = open_store(dir.path);
    CHECK(store->is_revoked("jti-1"));
    CHECK(store->find_by_id("t2"));
}

TEST_CASE("F3 the journal compacts itself once it is twice the size of the state it rebuilds")
{
    temporary_directory dir;
    ma::tokens::journal_options options;
    options.auto_compact_min_bytes = 4096;
    auto store = open_store(dir.path, options);
    CHECK(store->insert(token("kept")));
    std::uint64_t largest = 0;
    for(int i = 0; i < 200; ++i)
    {
        CHECK(store->insert(token("t" + std::to_string(i))));
        CHECK(store->erase("t" + std::to_string(i)));
        largest = std::max(largest, store->journal_bytes());
    }
    // 400 lines of history would be ~100 KiB: the journal never passed
    // the threshold by more than one line.
    CHECK(largest < 4096 + 1024);
    CHECK(store->journal_bytes() == fs::file_size(store->path()));
    auto const state = describe(*store);
    store.reset();

    // Opening a journal of mostly history compacts it too.
    auto plain = open_store(dir.path, ma::tokens::journal_options{false, false});
    for(int i = 0; i < 100; ++i)
    {
        CHECK(plain->insert(token("u" + std::to_string(i))));
        CHECK(plain->erase("u" + std::to_string(i)));
    }
    auto const grown = plain->journal_bytes();
    CHECK(grown > 20000);
    plain.reset();
    store = open_store(dir.path, options);
    CHECK(store->journal_bytes() < grown / 10);
    CHECK(describe(*store) == state);
}

TEST_CASE("a journal without history opens as it is, and still compacts once history doubles it")
{
    temporary_directory dir;
    ma::tokens::journal_options options;
    options.auto_compact_min_bytes = 1024;
    auto store = open_store(dir.path, options);
    for(int i = 0; i < 40; ++i)
        CHECK(store->insert(token("t" + std::to_string(i))));
    auto const later = std::chrono::system_clock::now() + std::chrono::hours(24 * 365);
    CHECK(store->revoke("jti-1", later));
    auto const all_live = read_file(store->path());
    store.reset();

    // Only additions, each still live: nothing to measure, nothing rewritten.
    struct ::stat before{};
    REQUIRE(::stat((dir.path / "tokens.journal").c_str(), &before) == 0);
    store = open_store(dir.path, options);
    struct ::stat after{};
    REQUIRE(::stat(store->path().c_str(), &after) == 0);
    CHECK(after.st_ino == before.st_ino);
    CHECK(read_file(store->path()) == all_live);
    CHECK(store->journal_bytes() == all_live.size());

    // Its live size is what it read: history compacts it once the journal
    // passes twice that, not before.
    std::uint64_t previous = store->journal_bytes();
    bool compacted = false;
    for(int i = 0; i < 200 && ! compacted; ++i)
    {
        CHECK(store->insert(token("u" + std::to_string(i))));
        CHECK(store->erase("u" + std::to_string(i)));
        compacted = store->journal_bytes() < previous;
        if(! compacted)
            previous = store->journal_bytes();
    }
    CHECK(compacted);
    CHECK(previous <= 2 * all_live.size());
    CHECK(previous + 1024 > 2 * all_live.size()); // within a cycle's two lines
    CHECK(store->journal_bytes() < all_live.size() + 1024); // the state, and the cycle's lines after it
    CHECK(store->count() == 40);
    store.reset();

    // A revocation made later adds no record: the replay measures, and
    // finds a journal that is not yet twice its state.
    store = open_store(dir.path, options);
    auto const size_before = store->journal_bytes();
    CHECK(store->revoke("jti-1", later + std::chrono::hours(1)));
    CHECK(store->journal_bytes() > size_before);
    auto const size = store->journal_bytes();
    store.reset();
    store = open_store(dir.path, options);
    CHECK(store->journal_bytes() == size);
    CHECK(store->is_revoked("jti-1"));
}

// Bytes the heap holds in allocations now (the sanitizer's allocator
// under ASan, glibc's otherwise).
std::size_t heap_in_use()
{
#if defined(MODELAUTH_TEST_ASAN)
    return __sanitizer_get_current_allocated_bytes();
#else
    return mallinfo2().uordblks;
#endif
}

TEST_CASE("bounded growth: a store grown by thousands of tokens and revocations, then pruned, "
          "comes back to its memory and its journal to its size")
{
    temporary_directory dir;
    ma::tokens::journal_options options;
    options.auto_compact_min_bytes = 4096;
    auto store = open_store(dir.path, options);
    for(int i = 0; i < 20; ++i)
    {
        auto t = token("kept-" + std::to_string(i));
        t.permanent = true;
        t.expires.reset();
        REQUIRE(store->insert(std::move(t)));
    }
    auto const journal_before = store->journal_bytes();
    auto const heap_before = heap_in_use();

    std::size_t peak_heap = 0;
    std::uint64_t peak_journal = 0;
    for(int round = 0; round < 3; ++round)
    {
        auto const prefix = "r" + std::to_string(round) + "-";
        for(int i = 0; i < 3000; ++i)
        {
            auto t = token(prefix + std::to_string(i), "owner-" + std::to_string(i % 50));
            t.bindings.instance = "i-" + std::to_string(i % 300);
            t.expires = t0 + 1h;
            REQUIRE(store->insert(std::move(t)));
        }
        for(int i = 0; i < 1000; ++i)
            REQUIRE(store->revoke("jti-" + prefix + std::to_string(i), t0 + 1h));
        CHECK(store->count() == 3020);
        peak_heap = std::max(peak_heap, heap_in_use());
        peak_journal = std::max(peak_journal, store->journal_bytes());

        // Nothing live was written twice: the journal grew with the store,
        // and no compaction ran on the way up.
        CHECK(store->journal_bytes() > journal_before + 3000 * 300);

        auto const pruned = store->prune(t0 + 2h);
        REQUIRE(pruned);
        CHECK(*pruned == 4000);
        CHECK(store->count() == 20);
        CHECK_FALSE(store->is_revoked("jti-" + prefix + "0"));

        // The prune made the journal twice its state and more: it was
        // compacted, to exactly the twenty tokens it started with.
        CHECK(store->journal_bytes() == journal_before);
        CHECK(fs::file_size(store->path()) == journal_before);
    }
    // The store held megabytes at its peak, and gave them back: what stays
    // is the capacity its index tables and buffers kept.
    CHECK(peak_heap > heap_before + 1024 * 1024);
    CHECK(peak_journal > journal_before + 1024 * 1024);
    CHECK(heap_in_use() <= heap_before + 64 * 1024);
    MESSAGE("heap: " << heap_before << " bytes before, " << peak_heap << " at the peak, " << heap_in_use()
                     << " after");

    // And what is left replays to the same state.
    store.reset();
    store = open_store(dir.path, options);
    CHECK(store->count() == 20);
    CHECK(store->journal_bytes() == journal_before);
}

TEST_CASE("F8 the journal and its temporary file are never opened through a symbolic link")
{
    temporary_directory dir;
    temporary_directory victim_dir;
    fs::create_directory(victim_dir.path);
    auto const victim = victim_dir.path / "victim";
    write_file(victim, "precious\n");

    // A link planted as the journal refuses to open.
    fs::create_directory(dir.path);
    fs::permissions(dir.path, fs::perms::owner_all);
    fs::create_symlink(victim, dir.path / "tokens.journal");
    std::string why;
    auto refused = ma::tokens::JournalTokenStore::open(dir.path, {}, &why);
    REQUIRE_FALSE(refused);
    CHECK(why.find("symbolic link") != std::string::npos);
    CHECK(read_file(victim) == "precious\n");
    fs::remove(dir.path / "tokens.journal");

    // A link planted as the temporary file is removed, not followed.
    auto store = open_store(dir.path);
    CHECK(store->insert(token("t1")));
    fs::create_symlink(victim, dir.path / "tokens.journal.tmp");
    CHECK(store->compact());
    CHECK(read_file(victim) == "precious\n");
    CHECK(store->find_by_id("t1"));
    CHECK_FALSE(fs::exists(fs::symlink_status(dir.path / "tokens.journal.tmp")));
}

TEST_CASE("F8 a state directory that group or others may write is refused at open")
{
    temporary_directory dir;
    fs::create_directory(dir.path);
    for(auto const perms : {fs::perms::owner_all | fs::perms::group_all, fs::perms::owner_all | fs::perms::others_all,
                            fs::perms::owner_all | fs::perms::others_write})
    {
        fs::permissions(dir.path, perms);
        std::string why;
        auto refused = ma::tokens::JournalTokenStore::open(dir.path, {}, &why);
        REQUIRE_FALSE(refused);
        CHECK(refused.error() == ma::tokens::error::storage_failure);
        CHECK(why.find(dir.path.string() + ": group or others may write it") == 0);
        CHECK_FALSE(fs::exists(dir.path / "tokens.journal"));
    }
    fs::permissions(dir.path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
    CHECK(ma::tokens::JournalTokenStore::open(dir.path));
}

TEST_CASE("F8 a store never runs on the journal a compaction of another store left behind")
{
    temporary_directory dir;
    auto first = open_store(dir.path);
    CHECK(first->insert(token("t1")));
    bool compacted = false;
    ma::tokens::journal_options options;
    // The second store has opened the journal, not yet locked it, when the
    // first compacts: the file it opened is no longer the journal, and its
    // lock is free.
    options.before_lock = [&] {
        if(! std::exchange(compacted, true))
            CHECK(first->compact());
    };
    std::string why;
    auto second = ma::tokens::JournalTokenStore::open(dir.path, options, &why);
    CHECK(compacted);
    REQUIRE_FALSE(second);
    CHECK(why.find("in use") != std::string::npos);
    first.reset();
    CHECK(ma::tokens::JournalTokenStore::open(dir.path, options));
}

TEST_CASE("what the journal cannot replay exactly is refused or normalised before it is stored")
{
    temporary_directory dir;
    auto store = open_store(dir.path);
    auto bad_text = token("t1");
    bad_text.name = std::string("\xff\xfe", 2); // not UTF-8
    auto const bytes = store->journal_bytes();
    auto const refused = store->insert(bad_text);
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == ma::tokens::error::invalid_request_body);
    CHECK(store->journal_bytes() == bytes);
    CHECK(store->count() == 0);

    // Times are kept to the second, in memory as after a restart.
    auto precise = token("t2");
    precise.created = t0 + 1500ms;
    precise.expires = t0 + 1h + 999ms;
    CHECK(store->insert(precise));
    CHECK(store->find_by_id("t2")->created == t0 + 1s);
    CHECK(store->find_by_id("t2")->expires == t0 + 1h);
    store.reset();
    store = open_store(dir.path);
    CHECK(store->find_by_id("t2")->created == t0 + 1s);
}
