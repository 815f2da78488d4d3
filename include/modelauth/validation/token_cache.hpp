//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_TOKEN_CACHE_HPP
#define MODELAUTH_VALIDATION_TOKEN_CACHE_HPP

/** @file
    The verified-token cache: a bounded memory of credentials already
    validated, so that a token seen before costs a lookup instead of a
    signature check.

    Design, and why:
    - *Per-thread tables.* Each thread that validates gets its own
      direct-mapped table of `capacity_per_thread` entries. A hit reads and
      writes only memory of its own thread: no lock, no shared atomic
      increment, so threads scale linearly. A credential is verified once per
      thread that sees it; memory is bounded by threads x capacity. A
      thread's table lives as long as the cache (a thread that exits leaves
      its table behind until then), so give a cache to long-lived threads
      such as an io_context pool.
    - *A different token never hits.* An entry matches only if the 64-bit
      hash of the credential's length and last 32 bytes (a JWT's signature,
      an API key's random tail: unpredictable, and cheap to hash whatever the
      token's size), its length and all its bytes are equal. The bytes are
      compared only after the hash matched, so a timing difference can only
      tell an attacker what they already know; the last 32 bytes are
      compared with `CRYPTO_memcmp` regardless.
    - *Expiry is checked on every hit* against the entry's `valid_until`.
    - *Revocation reaches the cache at once.* Each entry records the token
      store's epoch and the cache's generation *read before its credential
      was verified* (a `stamp`); a hit requires both to be current. A store
      bumps its epoch on any revocation, deactivation or deletion; `clear()`
      bumps the generation (the validator calls it when keys or issuers
      change). A cached failure also records the store's grant epoch, which
      the caller compares (`hit::grants`): a new token makes failures stale,
      and leaves valid entries warm. Because the stamp is taken before verification, a check that
      read the old keys and finishes after `clear()` stores an entry that is
      already stale (security review F1).
    - *A destroyed cache leaves nothing behind* in the threads that used it:
      its tables go with it, and each thread drops its index entry for it
      the next time it looks up a cache it has no table for.
    - *Failures are not cached* unless `cache_failures` is set; then a failed
      credential's error is remembered for `failure_ttl`.
    - *No allocation on a hit*: the principal is returned as a
      `shared_ptr` copy whose control block only this thread's table shares.
*/

#include <modelauth/validation/principal.hpp>

#include <openssl/crypto.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace validation {

/// Settings of a `verified_token_cache`.
struct token_cache_options
{
    /// Entries per thread; rounded up to a power of two. 0 disables the cache.
    std::size_t capacity_per_thread = 4096;

    /// Whether failed credentials are remembered too.
    bool cache_failures = false;

    /// How long a failure is remembered, when `cache_failures` is set.
    std::chrono::seconds failure_ttl{5};

    /// Credentials longer than this are never cached.
    std::size_t max_credential_bytes = 8 * 1024;
};

/// Hit and miss counts, summed over every thread.
struct token_cache_stats
{
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
};

/** A bounded cache of validated credentials: see the file comment.

    Thread safety: safe to share between threads; every member may be called
    concurrently. The object must outlive every call on it.
*/
class verified_token_cache
{
public:
    using clock = std::chrono::system_clock;

    /** What an entry is checked against: the store's epoch and the cache's
        generation, both read before the credential is verified. */
    struct stamp
    {
        std::uint64_t epoch = 0;
        std::uint64_t generation = 0;
        /// The store's grant epoch: what a cached failure is checked against.
        std::uint64_t grants = 0;
    };

    /// What a lookup found.
    struct hit
    {
        /// The principal, when the credential was valid.
        principal_ptr principal;
        /// The error, when a failure was cached (`principal` is null then).
        std::error_code error;
        /// The grant epoch the entry was stamped with: a cached failure
        /// holds only while the store's grant epoch still equals it.
        std::uint64_t grants = 0;
    };

    explicit verified_token_cache(token_cache_options options = {});

    verified_token_cache(verified_token_cache const&) = delete;
    verified_token_cache& operator=(verified_token_cache const&) = delete;

    /// Whether the cache stores anything at all.
    [[nodiscard]] bool enabled() const noexcept { return capacity_ != 0; }

    /** Looks `credential` up in this thread's table.

        @param now The current time; an entry valid until `now` or before is a miss.
        @param epoch The token store's current epoch.
        @return The entry's principal or cached error, or nothing on a miss.
        A cached error is returned with the grant epoch it was stamped with
        (`hit::grants`), which the caller compares with the store's.

        Complexity: linear in the credential's length (hash and compare).
        Exception safety: no-throw. No allocation, except the first call on a
        thread, which creates that thread's table.
    */
    [[nodiscard]] std::optional<hit> find(std::string_view credential, clock::time_point now,
                                          std::uint64_t epoch) const;

    /** The stamp of a verification about to start: `epoch` and `grants`
        (the store's, read first) and the current generation. Take it before
        reading any key, issuer or stored token, and give it to `insert`
        afterwards.
    */
    [[nodiscard]] stamp stamp_for(std::uint64_t epoch, std::uint64_t grants = 0) const noexcept
    {
        return stamp{epoch, generation_.load(std::memory_order_acquire), grants};
    }

    /** Remembers a valid credential until `valid_until`.

        @param at The stamp taken (`stamp_for`) before the credential was
        verified: if keys or issuers changed since, the entry is stale at
        once.

        Overwrites whatever shared its slot. Credentials over
        `max_credential_bytes` are not stored.
    */
    void insert(std::string_view credential, principal_ptr const& principal,
                clock::time_point valid_until, stamp at) const;

    /** Remembers a failure, if `cache_failures` is set; otherwise does nothing.
    */
    void insert_failure(std::string_view credential, std::error_code error,
                        clock::time_point now, stamp at) const;

    /// Makes every entry of every thread stale.
    void clear() noexcept { generation_.fetch_add(1, std::memory_order_acq_rel); }

    /// Hits and misses so far, summed over all threads.
    [[nodiscard]] token_cache_stats stats() const;

    /// The options in force.
    [[nodiscard]] token_cache_options const& options() const noexcept { return options_; }

private:
    struct slot
    {
        std::uint64_t hash = 0;
        std::uint64_t epoch = 0;
        std::uint64_t generation = 0;
        std::uint64_t grants = 0;
        clock::time_point valid_until{};
        std::string credential;
        principal_ptr principal;
        std::error_code error;
    };

    struct alignas(64) thread_table
    {
        explicit thread_table(std::size_t capacity) : slots(capacity) {}
        std::vector<slot> slots;
        std::atomic<std::uint64_t> hits{0};   // written by the owning thread only
        std::atomic<std::uint64_t> misses{0};
    };

    static std::uint64_t hash_of(std::string_view credential) noexcept;
    static bool same_credential(slot const& s, std::uint64_t hash, std::string_view credential) noexcept;
    thread_table& table() const;
    void store(std::string_view credential, principal_ptr const& principal, std::error_code error,
               clock::time_point valid_until, stamp at) const;

    token_cache_options options_;
    std::size_t capacity_;
    std::uint64_t id_;
    // Expires with the cache: how a thread's index knows an entry is dead.
    std::shared_ptr<char const> alive_ = std::make_shared<char const>('\0');
    std::atomic<std::uint64_t> generation_{1};
    mutable std::mutex registry_mutex_;
    mutable std::vector<std::unique_ptr<thread_table>> registry_;
};

} // namespace validation
} // namespace v0
} // namespace modelauth

#include <modelauth/validation/impl/token_cache.hpp>

#endif
