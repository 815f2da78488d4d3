//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_DETAIL_PRINCIPAL_MEMO_HPP
#define MODELAUTH_VALIDATION_DETAIL_PRINCIPAL_MEMO_HPP

// What other components derive from a principal and keep with it, so that a
// principal the validator's cache shares between requests is worked on once:
// today a ScopePolicy's compiled scopes, keyed by the policy's id. Never named
// by users.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace validation {
namespace detail {

// One derived value; the deriving component subclasses it.
struct memo_node
{
    explicit memo_node(std::uint64_t k) noexcept : key(k) {}
    memo_node(memo_node const&) = delete;
    memo_node& operator=(memo_node const&) = delete;
    virtual ~memo_node() = default;

    std::uint64_t const key;
    memo_node* next = nullptr;
};

// A short list of derived values, one per key, added to by any thread
// without a lock and emptied only when no other thread reads (the principal
// is destroyed, recycled or assigned). A copy starts empty: it is another
// principal, which may change before it is shared.
class memo_list
{
public:
    // The most values kept; a component finding the list full works
    // without it (a principal outliving many policy replacements).
    static constexpr std::size_t capacity = 4;

    memo_list() noexcept = default;
    memo_list(memo_list const&) noexcept {}
    memo_list(memo_list&& other) noexcept : head_(other.head_.exchange(nullptr, std::memory_order_relaxed)) {}

    memo_list& operator=(memo_list const& other) noexcept
    {
        if(this != &other)
            clear();
        return *this;
    }

    memo_list& operator=(memo_list&& other) noexcept
    {
        if(this != &other)
        {
            clear();
            head_.store(other.head_.exchange(nullptr, std::memory_order_relaxed), std::memory_order_relaxed);
        }
        return *this;
    }

    ~memo_list() { clear(); }

    // The value kept under `key`, or null.
    memo_node const* find(std::uint64_t key) const noexcept
    {
        for(memo_node const* n = head_.load(std::memory_order_acquire); n != nullptr; n = n->next)
            if(n->key == key)
                return n;
        return nullptr;
    }

    // Keeps `node` unless a value with its key is there already (another
    // thread was first) or the list is full. Returns the value kept under
    // the key, or null when full (`node` is then the caller's again).
    memo_node const* publish(std::unique_ptr<memo_node>& node) const noexcept
    {
        memo_node* head = head_.load(std::memory_order_acquire);
        for(;;)
        {
            std::size_t size = 0;
            for(memo_node const* n = head; n != nullptr; n = n->next, ++size)
                if(n->key == node->key)
                    return n;
            if(size >= capacity)
                return nullptr;
            node->next = head;
            if(head_.compare_exchange_weak(head, node.get(), std::memory_order_acq_rel, std::memory_order_acquire))
                return node.release();
        }
    }

    // Frees every value. Precondition: no other thread reads the list.
    void clear() noexcept
    {
        memo_node* n = head_.load(std::memory_order_relaxed);
        head_.store(nullptr, std::memory_order_relaxed);
        while(n != nullptr)
            delete std::exchange(n, n->next);
    }

private:
    mutable std::atomic<memo_node*> head_{nullptr};
};

} // namespace detail
} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
