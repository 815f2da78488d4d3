//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The token store under the request path: a cached validation while another
// thread creates tokens (the cache must stay warm: a new token invalidates no
// verdict), beside the same validation with the store quiet; and what one
// insert costs as the store grows.

#include "alloc_counter.hpp"

#include <modelauth/jose/jws.hpp>
#include <modelauth/jose/key.hpp>
#include <modelauth/tokens/detail/journal_codec.hpp>
#include <modelauth/tokens/in_memory_token_store.hpp>
#include <modelauth/tokens/journal_token_store.hpp>
#include <modelauth/validation/token_validator.hpp>

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

namespace ma = modelauth;
namespace jose = modelauth::jose;

// Bytes of the heap in use (glibc), to weigh what a store holds.
std::size_t heap_in_use() noexcept
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    return mallinfo2().uordblks;
#else
    return 0;
#endif
}

[[noreturn]] void fail(char const* what)
{
    std::fprintf(stderr, "store_bench: %s\n", what);
    std::abort();
}

// A fixed instant, so no case depends on the date.
struct bench_clock
{
    std::chrono::system_clock::time_point now() const noexcept
    {
        return std::chrono::system_clock::time_point(std::chrono::seconds(1795000000));
    }
};

// A token as the managed-token flows store one: a 24-character id, an owner,
// an account binding, one scope, an hour to live. 10,000 accounts of 100
// tokens each at a million: what a platform holds under the flows' default
// quota (100 temporary tokens per account and space).
// The id of token `i`, into `id`.
void format_token_id(char (&id)[32], std::uint64_t i)
{
    std::snprintf(id, sizeof id, "tok_%020llu", static_cast<unsigned long long>(i));
}

// A prime: (i * visit_stride) % n visits every one of n (1,000, 100,000 or
// 1,000,000) once in n steps, each far from the last.
constexpr std::uint64_t visit_stride = 7919;

ma::validation::stored_token make_token(std::uint64_t i)
{
    ma::validation::stored_token t;
    char id[32];
    format_token_id(id, i);
    t.id = id;
    // A distinct digest per token (SHA-256 is what the store keeps; any
    // distinct 32 bytes do here, the store hashes none).
    std::uint64_t x = i * 0x9E3779B97F4A7C15ull + 1;
    for(std::size_t at = 0; at < t.secret_hash.size(); at += sizeof x)
    {
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9ull;
        std::memcpy(t.secret_hash.data() + at, &x, sizeof x);
    }
    t.hint = "...abcd";
    t.owner = "user-" + std::to_string(i % 1000);
    t.cls = ma::validation::token_class::personal_key;
    t.bindings.account = "acct-" + std::to_string(i % 10000);
    t.scopes = {"models:infer:models/team-3"};
    t.name = "ci key";
    t.created = bench_clock().now();
    t.expires = t.created + std::chrono::hours(1);
    return t;
}

// A validator over an in-memory store, and a JWT it has cached.
struct cached_case
{
    std::shared_ptr<ma::tokens::InMemoryTokenStore> store = std::make_shared<ma::tokens::InMemoryTokenStore>();
    std::string token;
    std::optional<ma::validation::basic_token_validator<bench_clock>> validator;

    cached_case()
    {
        auto const key = jose::key::generate(jose::algorithm::es256, "k").value();
        token = jose::sign_compact_jws(
            R"({"iss":"https://auth.example.com","sub":"user-8f3a2c","aud":"https://models.example.com",)"
            R"("exp":4102444800,"iat":1790000000,"jti":"j-1","scope":"models:infer models:read"})",
            key, "JWT").value();
        ma::validation::trusted_issuer issuer;
        issuer.issuer = "https://auth.example.com";
        issuer.keys = jose::key_set::from_keys({key}).value();
        issuer.audiences = {"https://models.example.com"};
        validator.emplace(std::vector<ma::validation::trusted_issuer>{issuer},
                          ma::validation::token_validator_options{}, store);
        if(! validator->validate(token))
            fail("the benchmark token does not validate");
    }
};

// `count_allocations`: whether allocs_per_op means anything (the counter is
// global: a writer thread's allocations would count too).
void run_cached(benchmark::State& state, cached_case const& c, bool count_allocations)
{
    (void)c.validator->validate(c.token); // this thread's cache holds it now
    auto const before = c.validator->cache().stats();
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        auto principal = c.validator->validate(c.token);
        benchmark::DoNotOptimize(principal);
    }
    if(count_allocations)
        allocs.report(state);
    auto const after = c.validator->cache().stats();
    auto const hits = static_cast<double>(after.hits - before.hits);
    auto const misses = static_cast<double>(after.misses - before.misses);
    state.counters["hit_ratio"] = hits / (hits + misses);
}

// Baseline: the cached validation with the store quiet. Registered with
// Threads(1) like its peer below, so that scripts/bench runs both unpinned
// (the peer needs a second CPU for its writer).
void BM_validate_cached_quiet_store(benchmark::State& state)
{
    static cached_case const c;
    run_cached(state, c, true);
}
BENCHMARK(BM_validate_cached_quiet_store)->Threads(1)->UseRealTime();

// The same while another thread creates 10,000 tokens a second (or as many
// as the store takes, if fewer: `inserts_per_second` says how many it
// took).
void BM_validate_cached_under_inserts(benchmark::State& state)
{
    static cached_case const c;
    static std::atomic<std::uint64_t> next_id{0};
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> inserted{0};
    std::thread writer([&] {
        constexpr auto period = std::chrono::microseconds(100); // 10,000 a second
        auto due = std::chrono::steady_clock::now();
        while(! stop.load(std::memory_order_relaxed))
        {
            if(! c.store->insert(make_token(next_id++)))
                fail("an insert failed");
            inserted.fetch_add(1, std::memory_order_relaxed);
            due += period;
            auto const now = std::chrono::steady_clock::now();
            if(due > now)
                std::this_thread::sleep_until(due);
            else if(now - due > std::chrono::milliseconds(10))
                due = now; // behind: as fast as the store goes, no burst after
        }
    });
    auto const started = std::chrono::steady_clock::now();
    run_cached(state, c, false);
    auto const seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    stop = true;
    writer.join();
    state.counters["inserts_per_second"] = static_cast<double>(inserted.load()) / seconds;
}
BENCHMARK(BM_validate_cached_under_inserts)->Threads(1)->UseRealTime();

// Every 256 iterations, outside the timing, undoes what they did: calls
// `undo` on each of `done`, and empties it.
template<class T, class Undo>
void undo_every_256(benchmark::State& state, std::vector<T>& done, Undo undo)
{
    if(done.size() < 256)
        return;
    state.PauseTiming();
    for(auto const& d : done)
        undo(d);
    done.clear();
    state.ResumeTiming();
}

// Inserts a new token into `store`, which holds `n`, per iteration; the
// tokens added are erased every 256 iterations, outside the timing, so the
// store stays at `n`.
void insert_loop(benchmark::State& state, ma::tokens::ManagedTokenStore& store, std::uint64_t n)
{
    std::uint64_t next = n;
    std::vector<std::string> added;
    added.reserve(256);
    for(auto _ : state)
    {
        auto t = make_token(next++);
        added.push_back(t.id);
        if(! store.insert(std::move(t)))
            fail("an insert failed");
        undo_every_256(state, added, [&](std::string const& id) { (void)store.erase(id); });
    }
}

// One insert into a store of N tokens. The tokens an iteration adds are
// erased every 256 iterations, outside the timing, so the store stays at N
// (allocs_per_op counts those erasures too). `bytes_per_token`: the heap
// the N tokens take (glibc's mallinfo2), divided by N.
// Puts tokens 0 .. n-1 in `store`.
void fill(ma::tokens::ManagedTokenStore& store, std::uint64_t n)
{
    for(std::uint64_t i = 0; i < n; ++i)
        if(! store.insert(make_token(i)))
            fail("setting up the store failed");
}

void BM_store_insert(benchmark::State& state)
{
    auto const n = static_cast<std::uint64_t>(state.range(0));
    auto const heap_before = heap_in_use();
    ma::tokens::InMemoryTokenStore store;
    fill(store, n);
    // What a live token costs the heap: the token, its strings, its entries
    // in the tables (and the versions readers may still hold: none here).
    state.counters["bytes_per_token"] =
        static_cast<double>(heap_in_use() - heap_before) / static_cast<double>(n);
    modelauth_bench::alloc_scope allocs;
    insert_loop(state, store, n);
    allocs.report(state);
}
BENCHMARK(BM_store_insert)->Arg(1000)->Arg(100000)->Arg(1000000);

// One revocation of a new JWT id in a store of N tokens and N revocations
// (each until an hour from now). The revocations an iteration adds are
// erased every 256 iterations, outside the timing.
void BM_store_revoke(benchmark::State& state)
{
    auto const n = static_cast<std::uint64_t>(state.range(0));
    ma::tokens::InMemoryTokenStore store;
    fill(store, n);
    auto const until = bench_clock().now() + std::chrono::hours(1);
    for(std::uint64_t i = 0; i < n; ++i)
        if(! store.revoke("jti-" + std::to_string(i), until))
            fail("setting up the revocations failed");
    std::uint64_t next = n;
    std::vector<std::string> added;
    added.reserve(256);
    for(auto _ : state)
    {
        added.push_back("jti-" + std::to_string(next++));
        if(! store.revoke(added.back(), until))
            fail("a revocation failed");
        undo_every_256(state, added, [&](std::string const& jti) { (void)store.erase_revocation(jti); });
    }
}
BENCHMARK(BM_store_revoke)->Arg(1000)->Arg(100000)->Arg(1000000);

// One deactivation (or activation) of a token in a store of N: a stride
// through the tokens, so each is one the previous iterations did not touch;
// every pass flips them back.
void BM_store_deactivate(benchmark::State& state)
{
    auto const n = static_cast<std::uint64_t>(state.range(0));
    ma::tokens::InMemoryTokenStore store;
    fill(store, n);
    std::uint64_t i = 0;
    char id[32];
    for(auto _ : state)
    {
        format_token_id(id, (i * visit_stride) % n);
        bool const active = (i / n) % 2 == 1;
        ++i;
        if(! store.set_active(id, active))
            fail("a deactivation failed");
    }
}
BENCHMARK(BM_store_deactivate)->Arg(1000)->Arg(100000)->Arg(1000000);

// One deletion from a store of N: a stride through the tokens (as for
// deactivation), each put back, outside the timing, every 256 iterations.
void BM_store_erase(benchmark::State& state)
{
    auto const n = static_cast<std::uint64_t>(state.range(0));
    ma::tokens::InMemoryTokenStore store;
    fill(store, n);
    std::uint64_t i = 0;
    std::vector<std::uint64_t> erased;
    erased.reserve(256);
    char id[32];
    for(auto _ : state)
    {
        auto const k = (i++ * visit_stride) % n;
        format_token_id(id, k);
        if(! store.erase(id))
            fail("a deletion failed");
        erased.push_back(k);
        undo_every_256(state, erased, [&](std::uint64_t e) {
            if(! store.insert(make_token(e)))
                fail("putting a token back failed");
        });
    }
}
BENCHMARK(BM_store_erase)->Arg(1000)->Arg(100000)->Arg(1000000);

// A prune that finds nothing expired, in a store of N tokens: what the
// platform's maintenance (every 60 s) holds the write lock for.
void BM_store_prune_nothing(benchmark::State& state)
{
    auto const n = static_cast<std::uint64_t>(state.range(0));
    ma::tokens::InMemoryTokenStore store;
    fill(store, n);
    for(auto _ : state)
    {
        auto pruned = store.prune(bench_clock().now());
        if(! pruned || *pruned != 0)
            fail("a prune failed");
    }
}
BENCHMARK(BM_store_prune_nothing)->Arg(1000)->Arg(1000000)->Unit(benchmark::kMicrosecond);

// A refresh-token record of family `f`, generation `g`: issued 10 s after
// generation g-1, valid 15 s, so the record a rotation leaves is forgotten
// at the family's next rotation (expired by then).
ma::tokens::refresh_token_record refresh_record(std::uint64_t f, std::uint64_t g)
{
    ma::tokens::refresh_token_record r;
    char id[48];
    std::snprintf(id, sizeof id, "rt_%012llu_%08llu", static_cast<unsigned long long>(f),
                  static_cast<unsigned long long>(g));
    r.id = id;
    std::uint64_t x = (f << 24 | g) * 0x9E3779B97F4A7C15ull + 7; // distinct 32 bytes, as make_token
    for(std::size_t at = 0; at < r.secret_hash.size(); at += sizeof x)
    {
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9ull;
        std::memcpy(r.secret_hash.data() + at, &x, sizeof x);
    }
    r.family = "fam-" + std::to_string(f);
    r.owner = "user-" + std::to_string(f % 10000);
    r.issued = bench_clock().now() + std::chrono::seconds(10 * g);
    r.expires = r.issued + std::chrono::seconds(15);
    return r;
}

// One rotation of a refresh token in a store of N families (one live record
// each, and the record the last rotation left): a stride through the
// families, as for deactivation.
void BM_store_rotate_refresh(benchmark::State& state)
{
    auto const n = static_cast<std::uint64_t>(state.range(0));
    ma::tokens::InMemoryTokenStore store;
    for(std::uint64_t f = 0; f < n; ++f)
        if(! store.insert_refresh(refresh_record(f, 0)))
            fail("setting up the refresh families failed");
    std::uint64_t i = 0;
    for(auto _ : state)
    {
        auto const f = (i * visit_stride) % n;
        auto const generation = i / n;
        ++i;
        char old_id[48];
        std::snprintf(old_id, sizeof old_id, "rt_%012llu_%08llu", static_cast<unsigned long long>(f),
                      static_cast<unsigned long long>(generation));
        if(! store.rotate_refresh(old_id, refresh_record(f, generation + 1)))
            fail("a rotation failed");
    }
}
BENCHMARK(BM_store_rotate_refresh)->Arg(1000)->Arg(100000)->Arg(1000000);

// A state directory holding a journal of `n` token inserts, written
// directly (what a store that took them would have written), and removed
// with the object. Under /dev/shm unless `on_disk`: there fsync costs next
// to nothing, so the cases measure the store, and fsync is measured apart.
struct journal_dir
{
    std::filesystem::path path;

    journal_dir(std::uint64_t n, bool on_disk)
    {
        auto const base = on_disk ? std::filesystem::current_path() : std::filesystem::path("/dev/shm");
        path = base / ("modelauth-store-bench-" + std::to_string(::getpid()) + "-" + std::to_string(n));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
        std::filesystem::permissions(path, std::filesystem::perms::owner_all);
        std::ofstream out(path / std::string(ma::tokens::JournalTokenStore::journal_file_name), std::ios::binary);
        namespace store_detail = ma::tokens::detail::managed_store;
        out << store_detail::header_line();
        for(std::uint64_t i = 0; i < n; ++i)
            out << store_detail::op_line(store_detail::insert_op{make_token(i)});
        if(! out.flush())
            fail("writing the journal failed");
    }

    journal_dir(journal_dir const&) = delete;
    journal_dir& operator=(journal_dir const&) = delete;

    ~journal_dir() { std::filesystem::remove_all(path); }

    std::shared_ptr<ma::tokens::JournalTokenStore> open(ma::tokens::journal_options options = {}) const
    {
        std::string why;
        auto store = ma::tokens::JournalTokenStore::open(path, std::move(options), &why);
        if(! store)
            fail(why.c_str());
        return *store;
    }
};

// Start-up: replaying a journal of N live tokens.
void BM_journal_replay(benchmark::State& state)
{
    journal_dir const dir(static_cast<std::uint64_t>(state.range(0)), false);
    for(auto _ : state)
    {
        auto store = dir.open();
        state.PauseTiming();
        if(store->count() != static_cast<std::size_t>(state.range(0)))
            fail("the replayed store lacks tokens");
        store.reset();
        state.ResumeTiming();
    }
}
BENCHMARK(BM_journal_replay)->Arg(1000000)->Iterations(1)->Unit(benchmark::kMillisecond);

// One insert into a journal store of N tokens: the line written and
// fsynced (on tmpfs, or on disk for `_disk`), the tables edited.
void run_journal_insert(benchmark::State& state, bool on_disk)
{
    auto const n = static_cast<std::uint64_t>(state.range(0));
    journal_dir const dir(n, on_disk);
    ma::tokens::journal_options options;
    options.auto_compact = false; // the erasures below would make it compact in the timing
    auto store = dir.open(options);
    insert_loop(state, *store, n);
}

void BM_journal_insert(benchmark::State& state)
{
    run_journal_insert(state, false);
}
BENCHMARK(BM_journal_insert)->Arg(1000)->Arg(1000000);

void BM_journal_insert_disk(benchmark::State& state)
{
    run_journal_insert(state, true);
}
BENCHMARK(BM_journal_insert_disk)->Arg(1000);

} // namespace
