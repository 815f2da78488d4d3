//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/detail/persistent_map.hpp>

#include <modelauth/detail/snapshot.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace md = modelauth::detail;

namespace {

struct entry
{
    std::string key;
    long value;
};

struct key_of
{
    std::string_view operator()(entry const& e) const noexcept
    {
        return e.key;
    }
};

struct key_equal
{
    bool operator()(std::string_view a, std::string_view b) const noexcept
    {
        return a == b;
    }
};

struct text_hash
{
    std::size_t operator()(std::string_view s) const noexcept
    {
        return std::hash<std::string_view>{}(s);
    }
};

// Every key has the same hash: everything is in one collision node, below
// a chain of 13 single-child nodes.
struct constant_hash
{
    std::size_t operator()(std::string_view) const noexcept
    {
        return 0x5bd1e995u;
    }
};

// Four distinct hashes that agree on their low 60 bits: keys share the
// first 12 levels, split at the last one, and collide below it.
struct few_hash
{
    std::size_t operator()(std::string_view s) const noexcept
    {
        auto const top = static_cast<std::uint64_t>(std::hash<std::string_view>{}(s) & 3);
        return static_cast<std::size_t>((top << 60) | 0x0123456789abcdeULL);
    }
};

template<class Hash>
using map_of = md::persistent_map<entry, key_of, Hash, key_equal>;

using text_map = map_of<text_hash>;

std::string key_name(std::size_t i)
{
    return "key-" + std::to_string(i);
}

template<class Map>
std::map<std::string, long> contents(Map const& m)
{
    std::map<std::string, long> out;
    std::size_t visited = 0;
    m.for_each([&](entry const& e) {
        ++visited;
        out.emplace(e.key, e.value);
    });
    CHECK(visited == m.size());
    return out;
}

// The map holds exactly the reference's entries.
template<class Map>
void check_same(Map const& m, std::unordered_map<std::string, long> const& reference)
{
    REQUIRE(m.size() == reference.size());
    CHECK(m.empty() == reference.empty());
    for(auto const& [key, value] : reference)
    {
        entry const* e = m.find(key);
        REQUIRE(e != nullptr);
        CHECK(e->key == key);
        CHECK(e->value == value);
    }
    auto const all = contents(m);
    REQUIRE(all.size() == reference.size());
    for(auto const& [key, value] : all)
    {
        auto const it = reference.find(key);
        REQUIRE(it != reference.end());
        CHECK(it->second == value);
    }
}

// Random assigns, erases and finds, in batches of one transaction each,
// against std::unordered_map; the whole map is compared after every batch.
template<class Hash>
void differential(std::size_t operations, std::size_t key_space, std::size_t batch, std::uint32_t seed)
{
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::size_t> pick_key(0, key_space - 1);
    std::uniform_int_distribution<int> pick_op(0, 9);
    std::unordered_map<std::string, long> reference;
    map_of<Hash> m;
    std::vector<md::garbage> garbages;
    std::size_t erased = 0;
    std::size_t replaced = 0;
    for(std::size_t done = 0; done < operations;)
    {
        garbages.emplace_back();
        md::transaction t{md::next_transaction_id(), garbages.back()};
        for(std::size_t i = 0; i < batch; ++i, ++done)
        {
            auto const key = key_name(pick_key(rng));
            int const op = pick_op(rng);
            if(op < 6)
            {
                auto const value = static_cast<long>(done);
                entry const* old = m.assign(entry{key, value}, t);
                auto const it = reference.find(key);
                if(it == reference.end())
                    CHECK(old == nullptr);
                else
                {
                    REQUIRE(old != nullptr);
                    CHECK(old->key == key);
                    CHECK(old->value == it->second);
                    ++replaced;
                }
                reference[key] = value;
            }
            else if(op < 9)
            {
                bool const expected = reference.erase(key) == 1;
                CHECK(m.erase(key, t) == expected);
                erased += expected ? 1 : 0;
            }
            else
            {
                entry const* e = m.find(key);
                auto const it = reference.find(key);
                if(it == reference.end())
                    CHECK(e == nullptr);
                else
                {
                    REQUIRE(e != nullptr);
                    CHECK(e->value == it->second);
                }
            }
            CHECK(m.size() == reference.size());
        }
        check_same(m, reference);
    }
    // Some of everything happened.
    CHECK(erased > operations / 10);
    CHECK(replaced > operations / 10);
    m.free_all();
    CHECK(m.empty());
    CHECK(m.memory_bytes() == 0);
}

// Counts live instances, to see when the map's values are destroyed.
struct tracked
{
    static inline std::atomic<long> alive{0};

    tracked(std::string k, long v)
        : key(std::move(k))
        , value(v)
    {
        ++alive;
    }
    tracked(tracked const& o)
        : key(o.key)
        , value(o.value)
    {
        ++alive;
    }
    tracked(tracked&& o) noexcept
        : key(std::move(o.key))
        , value(o.value)
    {
        ++alive;
    }
    tracked& operator=(tracked const&) = delete;
    ~tracked()
    {
        --alive;
    }

    std::string key;
    long value;
};

struct tracked_key
{
    std::string_view operator()(tracked const& e) const noexcept
    {
        return e.key;
    }
};

template<class Hash>
using tracked_map = md::persistent_map<tracked, tracked_key, Hash, key_equal>;

} // namespace

TEST_CASE("persistent_map: an empty map finds nothing and owns no memory")
{
    text_map m;
    CHECK(m.empty());
    CHECK(m.size() == 0);
    CHECK(m.find("absent") == nullptr);
    CHECK(m.memory_bytes() == 0);
    md::garbage g;
    md::transaction t{md::next_transaction_id(), g};
    CHECK_FALSE(m.erase("absent", t));
    CHECK(g.empty());
    std::size_t visited = 0;
    m.for_each([&](entry const&) { ++visited; });
    CHECK(visited == 0);
    m.free_all();
}

TEST_CASE("persistent_map: transaction ids are fresh and never 0")
{
    auto const a = md::next_transaction_id();
    auto const b = md::next_transaction_id();
    CHECK(a != 0);
    CHECK(b != 0);
    CHECK(a != b);
}

TEST_CASE("persistent_map: randomized assign, erase and find agree with std::unordered_map")
{
    SUBCASE("a well-mixed hash")
    {
        differential<text_hash>(40000, 6000, 2500, 1);
    }
    SUBCASE("a dense key space: most operations replace or erase")
    {
        differential<text_hash>(30000, 700, 1000, 2);
    }
    SUBCASE("four hashes for all keys: deep chains and collision lists")
    {
        differential<few_hash>(6000, 150, 300, 3);
    }
    SUBCASE("one hash for all keys: a single collision list")
    {
        differential<constant_hash>(3000, 60, 200, 4);
    }
}

TEST_CASE("persistent_map: versions edited in later transactions are unchanged")
{
    std::unordered_map<std::string, long> first_contents;
    text_map first;
    md::garbage g1;
    {
        md::transaction t{md::next_transaction_id(), g1};
        for(std::size_t i = 0; i < 3000; ++i)
        {
            first.assign(entry{key_name(i), static_cast<long>(i)}, t);
            first_contents[key_name(i)] = static_cast<long>(i);
        }
    }
    CHECK(g1.empty());
    auto const first_bytes = first.memory_bytes();

    // Replace some, erase most (collapsing nodes), insert new ones.
    text_map second = first;
    std::unordered_map<std::string, long> second_contents = first_contents;
    md::garbage g2;
    {
        md::transaction t{md::next_transaction_id(), g2};
        for(std::size_t i = 0; i < 3000; i += 7)
        {
            second.assign(entry{key_name(i), -1}, t);
            second_contents[key_name(i)] = -1;
        }
        for(std::size_t i = 0; i < 3000; ++i)
            if(i % 10 != 3)
            {
                CHECK(second.erase(key_name(i), t));
                second_contents.erase(key_name(i));
            }
        for(std::size_t i = 5000; i < 5100; ++i)
        {
            second.assign(entry{key_name(i), static_cast<long>(i)}, t);
            second_contents[key_name(i)] = static_cast<long>(i);
        }
    }
    check_same(first, first_contents);
    check_same(second, second_contents);
    CHECK(first.memory_bytes() == first_bytes);
    CHECK(second.memory_bytes() < first_bytes);

    // A third version erases everything left: the second is still whole.
    text_map third = second;
    md::garbage g3;
    {
        md::transaction t{md::next_transaction_id(), g3};
        for(auto const& [key, value] : second_contents)
            CHECK(third.erase(key, t));
    }
    CHECK(third.empty());
    CHECK(third.memory_bytes() == 0);
    check_same(second, second_contents);
    check_same(first, first_contents);

    // Each node and value is freed once: by a garbage or by free_all of the
    // last version (the third is empty).
    third.free_all();
}

TEST_CASE("persistent_map: old versions keep their collision lists")
{
    map_of<constant_hash> first;
    md::garbage g1;
    md::transaction t1{md::next_transaction_id(), g1};
    for(std::size_t i = 0; i < 5; ++i)
        first.assign(entry{key_name(i), static_cast<long>(i)}, t1);
    // 13 single-child levels and one collision node of 5.
    CHECK(first.memory_bytes() == 13 * (16 + 8) + 16 + 5 * 8);

    auto second = first;
    md::garbage g2;
    md::transaction t2{md::next_transaction_id(), g2};
    entry const* old = second.assign(entry{key_name(2), 200}, t2);
    REQUIRE(old != nullptr);
    CHECK(old->value == 2);
    CHECK(second.erase(key_name(0), t2));
    CHECK(second.erase(key_name(1), t2));
    CHECK(second.erase(key_name(3), t2));
    CHECK_FALSE(second.erase(key_name(3), t2));
    CHECK(second.size() == 2);
    CHECK(second.memory_bytes() == 13 * (16 + 8) + 16 + 2 * 8);
    CHECK(second.erase(key_name(4), t2));
    // One entry left: the whole chain collapsed into the root.
    CHECK(second.size() == 1);
    CHECK(second.memory_bytes() == 16 + 8);
    REQUIRE(second.find(key_name(2)) != nullptr);
    CHECK(second.find(key_name(2))->value == 200);
    CHECK(second.find(key_name(4)) == nullptr);
    for(std::size_t i = 0; i < 5; ++i)
    {
        REQUIRE(first.find(key_name(i)) != nullptr);
        CHECK(first.find(key_name(i))->value == static_cast<long>(i));
    }
    // Growing again rebuilds the chain.
    second.assign(entry{key_name(9), 9}, t2);
    CHECK(second.memory_bytes() == 13 * (16 + 8) + 16 + 2 * 8);
    second.free_all();
}

TEST_CASE("persistent_map: retired values live exactly as long as their garbage")
{
    REQUIRE(tracked::alive == 0);
    {
        tracked_map<text_hash> first;
        md::garbage g1;
        {
            md::transaction t{md::next_transaction_id(), g1};
            for(long i = 0; i < 100; ++i)
                first.assign(tracked{key_name(static_cast<std::size_t>(i)), i}, t);
        }
        CHECK(tracked::alive == 100);
        CHECK(g1.empty());

        auto second = first;
        md::garbage g2;
        {
            md::transaction t{md::next_transaction_id(), g2};
            for(long i = 0; i < 10; ++i)
            {
                tracked const* old = second.assign(tracked{key_name(static_cast<std::size_t>(i)), 1000 + i}, t);
                REQUIRE(old != nullptr);
                CHECK(old->value == i);
            }
            for(std::size_t i = 10; i < 20; ++i)
                CHECK(second.erase(key_name(i), t));
        }
        // 100 loaded, 10 replacements; the 10 replaced and the 10 erased are
        // in g2, and the first version still sees them.
        CHECK(tracked::alive == 110);
        CHECK(second.size() == 90);
        REQUIRE(first.find(key_name(3)) != nullptr);
        CHECK(first.find(key_name(3))->value == 3);
        CHECK(first.find(key_name(15)) != nullptr);
        CHECK(second.find(key_name(3))->value == 1003);
        CHECK(second.find(key_name(15)) == nullptr);

        // The first version is gone with g2: only the second's values live.
        g2.clear();
        CHECK(g2.empty());
        CHECK(tracked::alive == 90);

        second.free_all();
        CHECK(tracked::alive == 0);
    }
    CHECK(tracked::alive == 0);

    SUBCASE("moved garbage frees once, in its new owner")
    {
        tracked_map<constant_hash> m;
        md::garbage g;
        {
            md::transaction t{md::next_transaction_id(), g};
            m.assign(tracked{"a", 1}, t);
            m.assign(tracked{"b", 2}, t);
            m.assign(tracked{"a", 3}, t);
        }
        CHECK(tracked::alive == 3);
        CHECK(g.size() == 1); // the replaced value; every node was transient
        md::garbage moved(std::move(g));
        CHECK(g.empty());
        md::garbage assigned;
        assigned = std::move(moved);
        CHECK(assigned.size() == 1);
        md::garbage spliced;
        spliced.splice(std::move(assigned));
        CHECK(assigned.empty());
        CHECK(spliced.size() == 1);
        spliced.clear();
        CHECK(tracked::alive == 2);
        m.free_all();
        CHECK(tracked::alive == 0);
    }
}

TEST_CASE("persistent_map: edits within one transaction change its nodes in place")
{
    constexpr std::size_t n = 5000;

    // Bulk load in one transaction: nothing is retired.
    text_map bulk;
    md::garbage bulk_garbage;
    {
        md::transaction t{md::next_transaction_id(), bulk_garbage};
        for(std::size_t i = 0; i < n; ++i)
            bulk.assign(entry{key_name(i), static_cast<long>(i)}, t);
    }
    CHECK(bulk_garbage.size() == 0);

    // One transaction per assign: every edit copies its path.
    text_map single;
    md::garbage single_garbage;
    for(std::size_t i = 0; i < n; ++i)
    {
        md::transaction t{md::next_transaction_id(), single_garbage};
        single.assign(entry{key_name(i), static_cast<long>(i)}, t);
    }
    CHECK(single_garbage.size() > n);

    // Same contents, and the same shape (the trie is canonical).
    CHECK(contents(bulk) == contents(single));
    CHECK(bulk.memory_bytes() == single.memory_bytes());

    // Replacing one key again and again under one transaction copies its
    // path once; afterwards only the replaced values are retired.
    md::garbage g;
    {
        md::transaction t{md::next_transaction_id(), g};
        bulk.assign(entry{key_name(42), -1}, t);
        std::size_t const path_nodes = g.size() - 1;
        CHECK(path_nodes >= 2);
        CHECK(path_nodes <= 4);
        text_map const before = bulk;
        for(long i = 0; i < 99; ++i)
            bulk.assign(entry{key_name(42), -2 - i}, t);
        CHECK(g.size() == 100 + path_nodes);
        CHECK(bulk.find(key_name(42))->value == -100);
        // No node was reallocated: the root is the one of the first replace.
        CHECK(bulk.shares_root_with(before));
    }
    // Under a new transaction the path, root included, is copied.
    {
        md::transaction t{md::next_transaction_id(), g};
        text_map const before = bulk;
        bulk.assign(entry{key_name(42), 1}, t);
        CHECK_FALSE(bulk.shares_root_with(before));
        CHECK(before.find(key_name(42))->value == -100);
        CHECK(bulk.find(key_name(42))->value == 1);
        // Erasing an absent key changes nothing.
        text_map const unchanged = bulk;
        CHECK_FALSE(bulk.erase("absent", t));
        CHECK(bulk.shares_root_with(unchanged));
    }

    // Erasing everything in one transaction on a map made in that
    // transaction retires the values only.
    md::garbage erase_garbage;
    {
        text_map fresh;
        md::transaction t{md::next_transaction_id(), erase_garbage};
        for(std::size_t i = 0; i < n; ++i)
            fresh.assign(entry{key_name(i), 0}, t);
        for(std::size_t i = 0; i < n; ++i)
            CHECK(fresh.erase(key_name(i), t));
        CHECK(erase_garbage.size() == n);
        CHECK(fresh.memory_bytes() == 0);
    }

    bulk.free_all();
    single.free_all();
}

TEST_CASE("persistent_map: memory comes back as the map shrinks")
{
    constexpr std::size_t n = 20000;
    text_map m;
    std::vector<md::garbage> garbages(4);
    {
        md::transaction t{md::next_transaction_id(), garbages[0]};
        for(std::size_t i = 0; i < n; ++i)
            m.assign(entry{key_name(i), 0}, t);
    }
    auto const full = m.memory_bytes();
    // About one slot per entry plus the nodes' headers: well under 32 bytes an entry.
    CHECK(full > n * 8);
    CHECK(full < n * 32);

    {
        md::transaction t{md::next_transaction_id(), garbages[1]};
        for(std::size_t i = 0; i < n; i += 2)
            CHECK(m.erase(key_name(i), t));
    }
    // Exactly the memory of a map built with the remaining half only.
    text_map half;
    {
        md::transaction t{md::next_transaction_id(), garbages[2]};
        for(std::size_t i = 1; i < n; i += 2)
            half.assign(entry{key_name(i), 0}, t);
    }
    CHECK(m.memory_bytes() == half.memory_bytes());
    CHECK(m.memory_bytes() < full);

    {
        md::transaction t{md::next_transaction_id(), garbages[3]};
        for(std::size_t i = 1; i < n; i += 2)
            CHECK(m.erase(key_name(i), t));
    }
    CHECK(m.empty());
    CHECK(m.memory_bytes() == 0);
    half.free_all();
    m.free_all();
}

namespace {

// A value whose move constructor throws on request.
struct fragile
{
    static inline bool fail = false;
    fragile(std::string k, long v)
        : key(std::move(k))
        , value(v)
    {
    }
    fragile(fragile&& o)
        : key(std::move(o.key))
        , value(o.value)
    {
        if(fail)
            throw std::bad_alloc();
    }
    std::string key;
    long value;
};

struct fragile_key
{
    std::string_view operator()(fragile const& e) const noexcept
    {
        return e.key;
    }
};

} // namespace

TEST_CASE("persistent_map: an edit that throws leaves the map as it was")
{
    // The handle, the version and the garbage are unchanged.
    md::persistent_map<fragile, fragile_key, text_hash, key_equal> m;
    md::garbage g;
    md::transaction t{md::next_transaction_id(), g};
    m.assign(fragile{"a", 1}, t);
    auto const before = m.memory_bytes();
    fragile::fail = true;
    CHECK_THROWS_AS(m.assign(fragile{"b", 2}, t), std::bad_alloc);
    fragile::fail = false;
    CHECK(m.size() == 1);
    CHECK(m.memory_bytes() == before);
    CHECK(m.find("b") == nullptr);
    CHECK(g.empty());
    m.free_all();
}

namespace {

// What the concurrent test publishes: a version, and the garbage chain that
// keeps every node it can reach alive. The garbage retired by the edit that
// succeeded version N lives in box N, and box N keeps box N+1 alive, so a
// reader holding version N keeps all the garbage retired after it.
struct box
{
    md::garbage retired;
    std::shared_ptr<box> newer;
};

struct version
{
    text_map map;
    std::shared_ptr<box> boxed;
};

// Key k's value in generation g encodes both.
long encode(std::size_t key, std::size_t generation)
{
    return static_cast<long>(key * 100000 + generation);
}

} // namespace

TEST_CASE("persistent_map: readers find keys while a writer publishes versions")
{
    constexpr std::size_t keys = 2000;
    constexpr std::size_t versions = 400;
    constexpr std::size_t edits = 40;

    md::snapshot<version> published;
    auto current_box = std::make_shared<box>();
    text_map current;
    {
        md::garbage g;
        md::transaction t{md::next_transaction_id(), g};
        for(std::size_t i = 0; i < keys; ++i)
            current.assign(entry{key_name(i), encode(i, 0)}, t);
        CHECK(g.empty());
    }
    published.store(std::make_shared<version const>(version{current, current_box}));

    std::atomic<bool> done{false};
    std::atomic<std::size_t> bad{0};
    std::atomic<std::size_t> found{0};
    std::atomic<int> started{0};
    auto reader = [&](std::uint32_t seed) {
        std::mt19937 rng(seed);
        std::uniform_int_distribution<std::size_t> pick(0, keys - 1);
        std::vector<std::string> names;
        for(std::size_t i = 0; i < keys; ++i)
            names.push_back(key_name(i));
        std::size_t hits = 0;
        ++started;
        // At least one round, however soon the writer is done (a Release
        // build can publish every version before a thread is scheduled).
        do
        {
            auto const v = published.load();
            for(int i = 0; i < 50; ++i)
            {
                std::size_t const k = pick(rng);
                entry const* e = v->map.find(names[k]);
                if(e == nullptr)
                    continue;
                ++hits;
                if(e->key != names[k] || static_cast<std::size_t>(e->value) / 100000 != k
                    || static_cast<std::size_t>(e->value) % 100000 > versions)
                    ++bad;
            }
        } while(! done.load(std::memory_order_acquire));
        found += hits;
    };
    std::thread r1(reader, 11);
    std::thread r2(reader, 12);
    while(started.load() < 2) // the readers read while versions change
        std::this_thread::yield();

    std::mt19937 rng(5);
    std::uniform_int_distribution<std::size_t> pick(0, keys - 1);
    for(std::size_t generation = 1; generation <= versions; ++generation)
    {
        md::garbage g;
        md::transaction t{md::next_transaction_id(), g};
        text_map next = current;
        for(std::size_t i = 0; i < edits; ++i)
        {
            std::size_t const k = pick(rng);
            if(i % 4 == 3)
                next.erase(key_name(k), t);
            else
                next.assign(entry{key_name(k), encode(k, generation)}, t);
        }
        auto next_box = std::make_shared<box>();
        current_box->retired = std::move(g);
        current_box->newer = next_box;
        published.store(std::make_shared<version const>(version{next, next_box}));
        current_box = std::move(next_box);
        current = next;
    }
    done.store(true, std::memory_order_release);
    r1.join();
    r2.join();
    CHECK(bad == 0);
    CHECK(found > 0);

    // The last version is freed by free_all, every other node by a garbage.
    published.store(nullptr);
    current_box.reset();
    current.free_all();
}
