//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_DETAIL_PRINCIPAL_POOL_HPP
#define MODELAUTH_VALIDATION_DETAIL_PRINCIPAL_POOL_HPP

// How the validator reuses principals: per-thread pools of emptied
// principals and of shared_ptr control blocks, so that validating a token
// allocates nothing in the steady state. Never named by users.

#include <modelauth/validation/principal.hpp>

#include <cstddef>
#include <memory>
#include <new>
#include <string>

namespace modelauth {
inline namespace v0 {
namespace validation {
namespace detail {

// A few objects kept per thread for reuse, with no lock: `take_here` and
// `give_here` only ever touch the calling thread's cache. `Free` releases what
// the cache cannot keep, and everything it holds when its thread ends.
template<class T, void (*Free)(T*) noexcept, std::size_t Capacity>
class thread_cache
{
public:
    thread_cache() noexcept = default;
    thread_cache(thread_cache const&) = delete;
    thread_cache& operator=(thread_cache const&) = delete;

    ~thread_cache()
    {
        closed() = true;
        while(size_ > 0)
            Free(items_[--size_]);
    }

    // An object kept by the calling thread's cache, or null.
    static T* take_here() noexcept
    {
        auto* const own = of_this_thread();
        return own ? own->take() : nullptr;
    }

    // Keeps `p` in the calling thread's cache, or frees it.
    static void give_here(T* p) noexcept
    {
        auto* const own = of_this_thread();
        if(! own || ! own->give(p))
            Free(p);
    }

private:
    // A kept object, or null.
    T* take() noexcept
    {
        return size_ > 0 ? items_[--size_] : nullptr;
    }

    // Keeps `p`, or returns false when the cache is full.
    bool give(T* p) noexcept
    {
        if(size_ == Capacity)
            return false;
        items_[size_++] = p;
        return true;
    }

    // The calling thread's cache; null while the thread is ending (an object
    // released by another thread-local's destructor is freed, not kept).
    static thread_cache* of_this_thread() noexcept
    {
        if(closed())
            return nullptr;
        thread_local thread_cache instance;
        return &instance;
    }

    // Trivially destructible, so it stays readable to the end of the
    // thread, after the cache itself is gone.
    static bool& closed() noexcept
    {
        thread_local bool flag = false;
        return flag;
    }

    T* items_[Capacity] = {};
    std::size_t size_ = 0;
};

// The validator builds a principal for every token it verifies. Rather than
// five allocations each time (the principal, its claims text, issuer, scope
// list and the shared_ptr's control block), each thread keeps a few released
// principals, emptied but with their buffers, and a few control blocks; the
// validator refills one of each, so the steady state allocates nothing.
//
// A principal goes back to the cache of the thread that releases the last
// reference to it (any thread), after `reset` has emptied every member; a
// member added to Principal must be reset there too (the validator's tests
// check that a reused principal carries nothing of its previous token).
struct principal_recycling
{
    static constexpr std::size_t pool_capacity = 8;

    // Empties `p` to the state of a default-constructed Principal, keeping
    // the capacity of its strings and vectors.
    static void reset(Principal& p) noexcept
    {
        p.subject.clear();
        p.issuer.clear();
        p.token_id.clear();
        p.expires_at.reset();
        p.issued_at.reset();
        for(auto& scope : p.scopes)
            scope.clear();
        p.scopes.clear();
        p.cls = token_class::user;
        p.bindings.model_id.reset();
        p.bindings.instance.clear();
        p.bindings.account.clear();
        p.bindings.space.clear();
        p.kind = credential_kind::jwt;
        p.claims_.clear();
        p.memo_.clear();
    }

    // The claims text buffer of `p` (empty, with its capacity), for the
    // validator to decode into and give back with set_checked_claims_json.
    static std::string take_claims_buffer(Principal& p) noexcept
    {
        return p.claims_.release_text();
    }

    static void free_principal(Principal* p) noexcept
    {
        delete p;
    }

    using pool = thread_cache<Principal, &free_principal, pool_capacity>;

    // The deleter of recycled principals.
    struct recycle
    {
        void operator()(Principal const* p) const noexcept
        {
            auto* q = const_cast<Principal*>(p);
            reset(*q);
            pool::give_here(q);
        }
    };

    // A principal to fill: a recycled one, or a new one.
    static std::unique_ptr<Principal, recycle> acquire()
    {
        Principal* p = pool::take_here();
        return std::unique_ptr<Principal, recycle>(p ? p : new Principal);
    }

    // Frees one control block of `Size` bytes from ::operator new; `Size`
    // only gives each block size its own cache.
    template<std::size_t Size>
    static void free_block(void* p) noexcept
    {
        ::operator delete(p);
    }

    template<std::size_t Size>
    using block_pool = thread_cache<void, &free_block<Size>, pool_capacity>;

    // The allocator of the shared_ptr's control block: blocks of the one
    // size it asks for go back to the releasing thread's cache.
    template<class T>
    struct block_allocator
    {
        static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__,
                      "control blocks come from ::operator new(size)");
        using value_type = T;

        block_allocator() noexcept = default;
        template<class U>
        block_allocator(block_allocator<U> const&) noexcept
        {
        }

        T* allocate(std::size_t n)
        {
            if(n == 1)
                if(void* p = block_pool<sizeof(T)>::take_here())
                    return static_cast<T*>(p);
            return static_cast<T*>(::operator new(n * sizeof(T)));
        }

        void deallocate(T* p, std::size_t n) noexcept
        {
            if(n == 1)
                block_pool<sizeof(T)>::give_here(p);
            else
                ::operator delete(p);
        }

        template<class U>
        bool operator==(block_allocator<U> const&) const noexcept
        {
            return true;
        }
        template<class U>
        bool operator!=(block_allocator<U> const&) const noexcept
        {
            return false;
        }
    };

    // Shares a filled principal; its memory returns to the caches when the
    // last reference goes.
    static principal_ptr share(std::unique_ptr<Principal, recycle> p)
    {
        return principal_ptr(p.release(), recycle{}, block_allocator<Principal>{});
    }
};

} // namespace detail
} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
