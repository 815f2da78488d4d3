//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/detail/snapshot.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

namespace md = modelauth::detail;

namespace {

// Counts live instances, to see when a snapshot's value is released.
struct tracked
{
    static inline std::atomic<int> alive{0};

    explicit tracked(int v)
        : value(v)
    {
        ++alive;
    }
    tracked(tracked const& o)
        : value(o.value)
    {
        ++alive;
    }
    ~tracked()
    {
        --alive;
    }

    int value;
};

} // namespace

TEST_CASE("a snapshot publishes whole values and keeps them alive for their readers")
{
    {
        md::snapshot<tracked> s;
        CHECK(s.load().get() == nullptr);

        s.store(std::make_shared<tracked const>(1));
        auto const first = s.load();
        REQUIRE(first.get() != nullptr);
        CHECK(first->value == 1);

        s.store(std::make_shared<tracked const>(2));
        CHECK(s.load()->value == 2);
        // The reader's value is still alive, and only it and the current one are.
        CHECK(first->value == 1);
        CHECK(tracked::alive == 2);

        auto const previous = s.exchange(std::make_shared<tracked const>(3));
        CHECK(previous->value == 2);
        CHECK(s.load()->value == 3);
    }
    CHECK(tracked::alive == 0);
}

TEST_CASE("compare_exchange publishes only over the expected value")
{
    md::snapshot<int> s(std::make_shared<int const>(1));
    auto expected = s.load();
    auto const stale = expected;
    CHECK(s.compare_exchange(expected, std::make_shared<int const>(2)));
    CHECK(*s.load() == 2);

    expected = stale;
    CHECK_FALSE(s.compare_exchange(expected, std::make_shared<int const>(3)));
    CHECK(*expected == 2); // updated to the current value
    CHECK(*s.load() == 2);
}

TEST_CASE("update derives the next value and publishes nothing if it throws")
{
    md::snapshot<int> s(std::make_shared<int const>(10));
    auto const next = s.update([](std::shared_ptr<int const> const& current) {
        return std::make_shared<int const>(*current + 1);
    });
    CHECK(*next == 11);
    CHECK(*s.load() == 11);

    auto const before = s.load();
    CHECK_THROWS_AS(s.update([](std::shared_ptr<int const> const&) -> std::shared_ptr<int const> {
        throw std::runtime_error("no");
    }),
        std::runtime_error);
    CHECK(s.load().get() == before.get());
}

TEST_CASE("concurrent updates never lose an increment and readers see values only grow")
{
    md::snapshot<int> s(std::make_shared<int const>(0));
    constexpr int writers = 3;
    constexpr int increments = 2000;
    std::atomic<bool> done{false};
    std::atomic<int> went_backwards{0};

    std::thread reader([&] {
        int last = 0;
        while(! done.load())
        {
            int const now = *s.load();
            if(now < last)
                ++went_backwards;
            last = now;
        }
    });
    std::vector<std::thread> threads;
    for(int w = 0; w < writers; ++w)
        threads.emplace_back([&] {
            for(int i = 0; i < increments; ++i)
                (void)s.update([](std::shared_ptr<int const> const& current) {
                    return std::make_shared<int const>(*current + 1);
                });
        });
    for(auto& t : threads)
        t.join();
    done = true;
    reader.join();

    CHECK(*s.load() == writers * increments);
    CHECK(went_backwards == 0);
}

namespace {

// Whether a and b share one control block (count in the same place).
template<class T>
bool same_owner(std::shared_ptr<T> const& a, std::shared_ptr<T> const& b)
{
    return ! a.owner_before(b) && ! b.owner_before(a);
}

} // namespace

TEST_CASE("load_local counts a thread's pointers in a block of the thread's own")
{
    md::snapshot<tracked> s(std::make_shared<tracked const>(1));
    auto const global = s.load();

    auto const a = s.load_local();
    auto const b = s.load_local();
    REQUIRE(a.get() != nullptr);
    CHECK(a.get() == global.get());
    CHECK(a->value == 1);
    CHECK(same_owner(a, b));        // one block for the thread
    CHECK_FALSE(same_owner(a, global)); // not the block every load() copies

    std::shared_ptr<tracked const> other;
    std::thread([&] { other = s.load_local(); }).join();
    CHECK(other.get() == global.get());
    CHECK_FALSE(same_owner(other, a)); // another thread, another block

    // A replacement: the next call sees the new value; the pointers taken
    // before keep the old one alive, on their own.
    s.store(std::make_shared<tracked const>(2));
    auto const c = s.load_local();
    CHECK(c->value == 2);
    CHECK_FALSE(same_owner(c, a));
    CHECK(a->value == 1);
    CHECK(other->value == 1);

    // This thread's memo lets go of the value when it reads another snapshot.
    md::snapshot<tracked> const empty;
    CHECK(empty.load_local().get() == nullptr);
}

TEST_CASE("a pointer from load_local keeps its value alive after the snapshot and the thread let go")
{
    int const before = tracked::alive;
    std::shared_ptr<tracked const> kept;
    {
        md::snapshot<tracked> s(std::make_shared<tracked const>(7));
        std::thread([&] { kept = s.load_local(); }).join(); // the thread's memo is gone
        s.store(nullptr);
    }
    REQUIRE(kept.get() != nullptr);
    CHECK(kept->value == 7);
    CHECK(tracked::alive == before + 1);
    kept.reset();
    CHECK(tracked::alive == before);
}
