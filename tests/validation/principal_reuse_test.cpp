//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The validator refills principals released earlier on the same thread
// (validation::detail::principal_recycling). A refilled principal must carry nothing of
// the token it was made for before, and a principal still referenced must
// never be refilled.

#include <modelauth/validation/detail/principal_pool.hpp>
#include <modelauth/validation/token_validator.hpp>

#include <boost/json/serialize.hpp>

#include "support/doctest_result.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace ma = modelauth;
namespace jose = modelauth::jose;
namespace json = boost::json;

namespace {

struct reuse_fixture
{
    ma::manual_clock clock;
    jose::key key = jose::key::from_secret(std::string(32, 'r'), jose::algorithm::hs256, "r").value();
    ma::validation::basic_token_validator<ma::manual_clock_ref> validator;

    static ma::validation::token_validator_options no_cache()
    {
        ma::validation::token_validator_options o;
        o.cache.capacity_per_thread = 0; // every validation builds a principal
        return o;
    }

    reuse_fixture()
        : validator({[this] {
                        ma::validation::trusted_issuer t;
                        t.issuer = "https://reuse.test/a-long-issuer-name-beyond-small-strings";
                        t.keys = jose::key_set::from_keys({key}).value();
                        return t;
                    }()},
                    no_cache(), nullptr, ma::manual_clock_ref(clock))
    {
    }

    std::int64_t now() const
    {
        return std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    }

    std::string token(json::object const& claims) const
    {
        return jose::sign_compact_jws(json::serialize(claims), key).value();
    }

    // Everything a principal can carry, with strings too long for the
    // small-string buffer.
    std::string rich() const
    {
        return token({{"iss", "https://reuse.test/a-long-issuer-name-beyond-small-strings"},
                      {"sub", "a-subject-that-is-long-enough-to-allocate"},
                      {"exp", now() + 600},
                      {"iat", now()},
                      {"jti", "a-token-id-that-is-long-enough-to-allocate"},
                      {"scope", "models:read models:infer:models/practicus/diamond-price tokens:manage"},
                      {"scp", json::array{"custom:action:models/practicus/churn/1"}},
                      {"cls", "model_session"},
                      {"model_id", 7},
                      {"instance", "project-with-a-long-name/eu01/instance-with-a-long-name"},
                      {"account", "account-with-a-long-name"},
                      {"space", "space-with-a-long-name"},
                      {"tenant", "acme"}});
    }

    // The fewest claims a token may have.
    std::string bare() const
    {
        return token({{"iss", "https://reuse.test/a-long-issuer-name-beyond-small-strings"},
                      {"sub", "bob"},
                      {"exp", now() + 60}});
    }
};

void check_bare(ma::validation::Principal const& p, std::int64_t exp)
{
    CHECK(p.subject == "bob");
    CHECK(p.issuer == "https://reuse.test/a-long-issuer-name-beyond-small-strings");
    CHECK(p.token_id.empty());
    REQUIRE(p.expires_at);
    CHECK(std::chrono::system_clock::to_time_t(*p.expires_at) == exp);
    CHECK_FALSE(p.issued_at);
    CHECK(p.scopes.empty());
    CHECK(p.cls == ma::validation::token_class::user);
    CHECK(p.bindings == ma::validation::token_bindings{});
    CHECK(p.kind == ma::validation::credential_kind::jwt);
    CHECK(p.claim("tenant") == nullptr);
    CHECK(p.claim("model_id") == nullptr);
    CHECK(p.claims().size() == 3);
}

} // namespace

TEST_CASE_FIXTURE(reuse_fixture, "a principal refilled for another token carries nothing of the first")
{
    ma::validation::Principal const* first_address = nullptr;
    {
        auto rich_principal = validator.validate(rich());
        REQUIRE(rich_principal);
        auto const& p = **rich_principal;
        CHECK(p.cls == ma::validation::token_class::model_session);
        CHECK(p.bindings.model_id == 7);
        CHECK(p.scopes.size() == 4);
        REQUIRE(p.claim("tenant")); // the parsed claims exist too
        first_address = &p;
    } // released: back to this thread's pool

    auto bare_principal = validator.validate(bare());
    REQUIRE(bare_principal);
    // The same object, refilled: the path under test was taken.
    CHECK(bare_principal->get() == first_address);
    check_bare(**bare_principal, now() + 60);
}

TEST_CASE_FIXTURE(reuse_fixture, "a principal still referenced is never refilled")
{
    auto held = validator.validate(rich());
    REQUIRE(held);
    auto other = validator.validate(bare());
    REQUIRE(other);
    CHECK(held->get() != other->get());
    check_bare(**other, now() + 60);
    CHECK((*held)->subject == "a-subject-that-is-long-enough-to-allocate");
    CHECK((*held)->scopes.size() == 4);
    CHECK((*held)->bindings.account == "account-with-a-long-name");
}

TEST_CASE_FIXTURE(reuse_fixture, "principals released on another thread are reused or freed there")
{
    // Made here, released on a thread that then ends: its pool frees them
    // (the sanitizer build checks nothing leaks).
    std::vector<ma::validation::principal_ptr> made;
    for(int i = 0; i < 12; ++i) // more than a pool keeps
    {
        auto p = validator.validate(rich());
        REQUIRE(p);
        made.push_back(*p);
    }
    std::thread([moved = std::move(made)]() mutable { moved.clear(); }).join();

    // And a thread that refills principals released by another still sees
    // only its own token's contents.
    auto kept = validator.validate(rich());
    REQUIRE(kept);
    std::thread([&] {
        auto p = validator.validate(bare());
        REQUIRE(p);
        check_bare(**p, now() + 60);
        kept = {}; // released on this thread
        auto q = validator.validate(bare());
        REQUIRE(q);
        check_bare(**q, now() + 60);
    }).join();
}

TEST_CASE_FIXTURE(reuse_fixture, "the shared_ptr's control block is reused too")
{
    using recycling = ma::validation::detail::principal_recycling;
    // The deleter lives inside the control block: its address is the block's.
    void const* first_block = nullptr;
    {
        auto p = validator.validate(rich());
        REQUIRE(p);
        first_block = std::get_deleter<recycling::recycle>(*p);
        REQUIRE(first_block != nullptr);
    }
    auto again = validator.validate(bare());
    REQUIRE(again);
    CHECK(std::get_deleter<recycling::recycle>(*again) == first_block);
    check_bare(**again, now() + 60);

    // Two live principals never share a block.
    auto other = validator.validate(bare());
    REQUIRE(other);
    CHECK(std::get_deleter<recycling::recycle>(*other) != first_block);
}

TEST_CASE("the control-block allocator keeps a few blocks per thread and frees the rest")
{
    struct block
    {
        std::uint64_t words[4];
    };
    using allocator = ma::validation::detail::principal_recycling::block_allocator<block>;
    allocator a;
    auto* p = a.allocate(1);
    a.deallocate(p, 1);
    CHECK(a.allocate(1) == p); // kept, then handed out again
    a.deallocate(p, 1);

    // More than the cache keeps: the first ones given are kept and handed
    // out last-in first-out, the rest go back to ::operator delete (the
    // sanitizer build checks nothing leaks); arrays never enter the cache.
    constexpr auto capacity = ma::validation::detail::principal_recycling::pool_capacity;
    std::vector<block*> blocks;
    for(std::size_t i = 0; i < 3 * capacity; ++i)
        blocks.push_back(a.allocate(1));
    for(auto* b : blocks)
        a.deallocate(b, 1);
    for(std::size_t i = capacity; i-- > 0;)
        CHECK(a.allocate(1) == blocks[i]);
    for(std::size_t i = 0; i < capacity; ++i)
        a.deallocate(blocks[i], 1);
    auto* array = a.allocate(3);
    a.deallocate(array, 3);

    // Blocks released by a thread that ends are freed with its cache.
    std::vector<block*> moved;
    for(std::size_t i = 0; i < 4; ++i)
        moved.push_back(a.allocate(1));
    std::thread([&] {
        for(auto* b : moved)
            a.deallocate(b, 1);
    }).join();
}
