//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_DETAIL_CONTEXT_POOL_HPP
#define MODELAUTH_JOSE_DETAIL_CONTEXT_POOL_HPP

// A lock-free pool of prepared OpenSSL contexts, one pool per key.
//
// OpenSSL contexts (EVP_MAC_CTX, EVP_PKEY_CTX, EVP_MD_CTX) hold per-operation
// state, so one context must never be used by two threads at once. Making a
// fresh one per verification (EVP_MAC_CTX_dup, EVP_PKEY_CTX_dup) costs a
// dozen mallocs, nearly doubling the cost of an HMAC. The pool keeps prepared
// contexts in a few slots instead: a verification takes one with an atomic
// exchange, uses it, and puts it back with a compare-exchange. Each thread
// starts at its own slot, so with up to `capacity` threads they rarely meet;
// when every slot is busy the caller makes a new context, and when every slot
// is full on return the extra context is freed. No locks, no allocation in
// the steady state.

#include <atomic>
#include <cstddef>
#include <memory>

namespace modelauth {
inline namespace v0 {
namespace jose {
namespace detail {

// A small number per thread, stable for the thread's life, spreading threads
// over the pool's slots.
inline std::size_t pool_thread_hint() noexcept
{
    static std::atomic<std::size_t> next{0};
    thread_local std::size_t const hint = next.fetch_add(1, std::memory_order_relaxed);
    return hint;
}

template<class T>
class context_pool
{
public:
    static constexpr std::size_t capacity = 16;
    static_assert((capacity & (capacity - 1)) == 0, "capacity must be a power of two");

    context_pool() noexcept = default;
    context_pool(context_pool const&) = delete;
    context_pool& operator=(context_pool const&) = delete;

    ~context_pool()
    {
        for(auto& s : slots_)
            delete s.item.load(std::memory_order_acquire);
    }

    // A pooled context, or null if every slot is empty.
    std::unique_ptr<T> take() noexcept
    {
        auto const start = pool_thread_hint();
        for(std::size_t i = 0; i < capacity; ++i)
        {
            auto& item = slots_[(start + i) & (capacity - 1)].item;
            if(item.load(std::memory_order_relaxed) == nullptr)
                continue;
            if(T* p = item.exchange(nullptr, std::memory_order_acquire))
                return std::unique_ptr<T>(p);
        }
        return nullptr;
    }

    // Returns a context to the pool; frees it if every slot is taken.
    void give(std::unique_ptr<T> context) noexcept
    {
        if(! context)
            return;
        auto const start = pool_thread_hint();
        for(std::size_t i = 0; i < capacity; ++i)
        {
            auto& item = slots_[(start + i) & (capacity - 1)].item;
            T* expected = nullptr;
            if(item.load(std::memory_order_relaxed) == nullptr
               && item.compare_exchange_strong(
                   expected, context.get(), std::memory_order_release, std::memory_order_relaxed))
            {
                context.release();
                return;
            }
        }
    }

private:
    // One slot per cache line: threads working on different slots never
    // write to the same line.
    struct alignas(64) slot
    {
        std::atomic<T*> item{nullptr};
    };

    slot slots_[capacity];
};

// Takes a context from a pool (or makes one with `make`) and gives it back
// when it goes out of scope.
template<class T>
class pooled_context
{
public:
    template<class Make>
    pooled_context(context_pool<T>& pool, Make&& make) noexcept
        : pool_(pool), context_(pool.take())
    {
        if(! context_)
            context_ = make();
    }

    pooled_context(pooled_context const&) = delete;
    pooled_context& operator=(pooled_context const&) = delete;

    ~pooled_context() { pool_.give(std::move(context_)); }

    explicit operator bool() const noexcept { return context_ != nullptr; }
    T* operator->() const noexcept { return context_.get(); }
    T& operator*() const noexcept { return *context_; }

    // Drops the context instead of returning it (after a failure that may
    // have left it in an unknown state).
    void discard() noexcept { context_.reset(); }

private:
    context_pool<T>& pool_;
    std::unique_ptr<T> context_;
};

} // namespace detail
} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
