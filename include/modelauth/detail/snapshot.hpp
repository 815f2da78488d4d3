//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_DETAIL_SNAPSHOT_HPP
#define MODELAUTH_DETAIL_SNAPSHOT_HPP

#include <atomic>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#if __has_include(<version>)
#include <version> // __cpp_lib_atomic_shared_ptr
#endif

namespace modelauth {
inline namespace v0 {
namespace detail {

// Versions of published snapshot values, unique in the process: a thread's
// memo (snapshot::load_cached) can never mistake one snapshot's value for
// another's, even at the address of a destroyed one.
inline std::atomic<std::uint64_t> snapshot_versions{0};

inline std::uint64_t next_snapshot_version() noexcept
{
    return snapshot_versions.fetch_add(1, std::memory_order_relaxed) + 1;
}

/** An immutable value published to many readers and replaced as a whole.

    Holds a `std::shared_ptr<T const>`. Readers call `load()` and keep the
    returned pointer for as long as they need the value; a writer builds a new
    `T` completely and publishes it with `store`, `exchange` or `update`.
    A reader therefore sees either the old value or the new one, never a
    half-built state, and a value stays alive while any reader holds it.

    Used by every component whose state changes while requests are served:
    the model registry, key sets, revocation lists.

    Implementation: `std::atomic<std::shared_ptr<T const>>` where the standard
    library has it (`__cpp_lib_atomic_shared_ptr`, C++20), otherwise the C++11
    free functions `std::atomic_load` / `std::atomic_store` on a `shared_ptr`
    (deprecated in C++20, hence never used there). Readers take no lock of
    modelauth's and never wait for a writer that is building a value; the
    pointer copy itself may use the standard library's internal lock (a
    spin bit in libstdc++'s `atomic<shared_ptr>`, a hashed mutex pool behind
    `std::atomic_load`), held only for the copy.

    Thread safety: safe to share between threads; every member may be called
    concurrently with every other.
*/
template<class T>
class snapshot
{
    static_assert(std::is_object<T>::value && ! std::is_const<T>::value,
        "snapshot<T>: T must be a non-const object type (the snapshot adds the const)");

public:
    /// The pointer readers hold.
    using pointer = std::shared_ptr<T const>;

    /// An empty snapshot: `load()` returns a null pointer until a value is stored.
    snapshot() noexcept = default;

    /// A snapshot publishing `value` (may be null).
    explicit snapshot(pointer value) noexcept
        : ptr_(std::move(value))
    {
    }

    snapshot(snapshot const&) = delete;
    snapshot& operator=(snapshot const&) = delete;

    /** The current value.

        The returned pointer keeps that value alive however often it is
        replaced afterwards.

        Complexity: constant. Exception safety: no-throw.
    */
    [[nodiscard]] pointer load() const noexcept
    {
#if defined(__cpp_lib_atomic_shared_ptr)
        return ptr_.load(std::memory_order_acquire);
#else
        return std::atomic_load_explicit(&ptr_, std::memory_order_acquire);
#endif
    }

    /** Publishes `value`; later `load()` calls return it.

        The previous value is released here (and destroyed here if no reader
        holds it any longer).

        Complexity: constant, plus the destruction of the previous value.
        Exception safety: no-throw if `T`'s destructor does not throw.
    */
    void store(pointer value) noexcept
    {
        (void)exchange(std::move(value));
    }

    /** Publishes `value` and returns the value it replaces.

        Complexity: constant. Exception safety: no-throw.
    */
    [[nodiscard]] pointer exchange(pointer value) noexcept
    {
#if defined(__cpp_lib_atomic_shared_ptr)
        auto previous = ptr_.exchange(std::move(value), std::memory_order_acq_rel);
#else
        auto previous = std::atomic_exchange_explicit(&ptr_, std::move(value), std::memory_order_acq_rel);
#endif
        version_.store(next_snapshot_version(), std::memory_order_release);
        return previous;
    }

    /** Publishes `desired` if the current value is still `expected`.

        On failure `expected` is set to the current value.

        @return Whether `desired` was published.

        Complexity: constant. Exception safety: no-throw.
    */
    [[nodiscard]] bool compare_exchange(pointer& expected, pointer desired) noexcept
    {
#if defined(__cpp_lib_atomic_shared_ptr)
        bool const published = ptr_.compare_exchange_strong(expected, std::move(desired),
            std::memory_order_acq_rel, std::memory_order_acquire);
#else
        bool const published = std::atomic_compare_exchange_strong_explicit(&ptr_, &expected,
            std::move(desired), std::memory_order_acq_rel, std::memory_order_acquire);
#endif
        if(published)
            version_.store(next_snapshot_version(), std::memory_order_release);
        return published;
    }

    /** The current value through the calling thread's memo: the hot-path
        form of `load()`, for readers that consult a snapshot on every
        request.

        Each thread keeps, per `T`, the last value it loaded and that value's
        version. While the snapshot has not been replaced, a call costs one
        atomic load of the version and copies no `shared_ptr`; after a
        replacement (or when the thread last read another snapshot of the
        same `T`) it loads and remembers the new value.

        Lifetime: the returned pointer is valid until the calling thread's
        next `load_cached` on any `snapshot<T>`. The memo keeps the value it
        holds alive until then, or until the thread ends.

        Complexity: constant. Exception safety: no-throw.
    */
    [[nodiscard]] T const* load_cached() const noexcept
    {
        struct memo
        {
            std::uint64_t version = 0;
            pointer value;
        };
        thread_local memo m;
        auto const version = version_.load(std::memory_order_acquire);
        if(m.version != version)
        {
            // The value published with `version`, or a newer one: pointers
            // are published before their versions.
            m.value = load();
            m.version = version;
        }
        return m.value.get();
    }

    /** The current value as an owning pointer whose reference count belongs
        to the calling thread: the hot-path form of `load()` for readers that
        hand the value on (a router's endpoint keeps its registry).

        Every `load()` copies the one `shared_ptr` all threads share, so each
        call writes its reference count's cache line (and, under C++17,
        takes a lock of the standard library's mutex pool): two threads
        serving requests take that line from each other on every request.
        Here each thread keeps, per `T`, its own `shared_ptr` to the value it
        last loaded, with a control block of its own (one allocation per
        thread after each replacement); copies of the returned pointer count
        in that block, a line only this thread writes while it holds the
        pointers it copies. After a replacement, or when the thread last read
        another snapshot of the same `T`, the thread makes a new block.

        Lifetime: the returned pointer owns the value like `load()`'s, on any
        thread and for as long as it is kept. The memo keeps the value it
        holds alive until the thread's next call after a replacement, or
        until the thread ends.

        Complexity: constant. Exception safety: no-throw (if the thread's
        block cannot be allocated, the shared pointer is returned).
    */
    [[nodiscard]] pointer load_local() const noexcept
    {
        struct memo
        {
            std::uint64_t version = 0;
            pointer value;
        };
        thread_local memo m;
        auto const version = version_.load(std::memory_order_acquire);
        if(m.version != version)
        {
            pointer shared = load();
            try
            {
                // An aliasing pointer: its control block owns `shared`.
                auto owner = std::make_shared<pointer>(shared);
                m.value = pointer(owner, shared.get());
            }
            catch(std::bad_alloc const&)
            {
                m.value = pointer();
                m.version = 0;
                return shared;
            }
            m.version = version;
        }
        return m.value;
    }

    /** Replaces the value with one derived from it, without losing concurrent updates.

        Calls `make_next(current)` with the current `pointer` and publishes what
        it returns (a `pointer`) if no other writer published in between;
        otherwise calls it again with the newer value. `make_next` may therefore
        run more than once and should have no side effects besides building
        its result.

        @return The value published.

        Complexity: one call of `make_next` per attempt. Exception safety:
        strong: if `make_next` throws, nothing is published.
    */
    template<class MakeNext>
    pointer update(MakeNext&& make_next)
    {
        pointer current = load();
        for(;;)
        {
            pointer next = make_next(static_cast<pointer const&>(current));
            if(compare_exchange(current, next))
                return next;
        }
    }

private:
    std::atomic<std::uint64_t> version_{next_snapshot_version()};
#if defined(__cpp_lib_atomic_shared_ptr)
    std::atomic<pointer> ptr_;
#else
    pointer ptr_;
#endif
};

} // namespace detail
} // namespace v0
} // namespace modelauth

#endif
