//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_IMPL_TOKEN_CACHE_HPP
#define MODELAUTH_VALIDATION_IMPL_TOKEN_CACHE_HPP

#include <algorithm>
#include <cstring>
#include <functional>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace validation {
namespace detail {

// Ids are never reused, so a thread's lookup can never find the table of a
// cache that has been destroyed.
inline std::uint64_t next_token_cache_id() noexcept
{
    static std::atomic<std::uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

inline std::size_t round_up_to_power_of_two(std::size_t n) noexcept
{
    std::size_t p = 1;
    while(p < n)
        p <<= 1;
    return p;
}

// Each thread's tables, by cache id; almost always one entry. `alive`
// expires when the cache is destroyed: a lookup that finds no table drops
// those entries, so a thread that sees caches come and go (validators
// rebuilt on a config reload) keeps only the live ones.
struct thread_cache_entry
{
    std::uint64_t id = 0;
    void* table = nullptr;
    std::weak_ptr<char const> alive;
};

struct thread_cache_index
{
    std::vector<thread_cache_entry> tables;
};

inline thread_cache_index& this_thread_caches() noexcept
{
    thread_local thread_cache_index index;
    return index;
}

} // namespace detail

inline verified_token_cache::verified_token_cache(token_cache_options options)
    : options_(options)
    , capacity_(options.capacity_per_thread == 0 ? 0
                                                 : detail::round_up_to_power_of_two(options.capacity_per_thread))
    , id_(detail::next_token_cache_id())
{
}

inline std::uint64_t verified_token_cache::hash_of(std::string_view credential) noexcept
{
    // The last 32 bytes and the length: a JWT's signature, an API key's
    // random part and checksum. Hashing the whole token would cost a pass
    // over it on every request for nothing: an entry matches only if all
    // its bytes are equal anyway. Four 8-byte words through a multiply-xorshift
    // mix (a few ns, against some 15 ns for std::hash over 64 bytes).
    auto const n = credential.size();
    if(n < 32)
        return static_cast<std::uint64_t>(std::hash<std::string_view>{}(credential))
            ^ (static_cast<std::uint64_t>(n) << 48);
    std::uint64_t h = 0x9E3779B97F4A7C15ull ^ static_cast<std::uint64_t>(n);
    for(std::size_t at = n - 32; at < n; at += 8)
    {
        std::uint64_t word;
        std::memcpy(&word, credential.data() + at, sizeof word);
        h = (h ^ word) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
    }
    h *= 0xC4CEB9FE1A85EC53ull;
    return h ^ (h >> 29);
}

inline bool verified_token_cache::same_credential(
    slot const& s, std::uint64_t hash, std::string_view credential) noexcept
{
    if(s.hash != hash || s.credential.size() != credential.size())
        return false;
    // Reached only when the full 64-bit hash matched (see the file comment).
    auto const n = credential.size();
    auto const tail = n < 32 ? n : std::size_t(32);
    auto const head = n - tail;
    bool const head_equal = std::memcmp(s.credential.data(), credential.data(), head) == 0;
    bool const tail_equal =
        CRYPTO_memcmp(s.credential.data() + head, credential.data() + head, tail) == 0;
    return head_equal & tail_equal;
}

inline verified_token_cache::thread_table& verified_token_cache::table() const
{
    auto& index = detail::this_thread_caches();
    for(auto const& entry : index.tables)
        if(entry.id == id_)
            return *static_cast<thread_table*>(entry.table);

    // The slow path, once per thread and cache: forget destroyed caches.
    index.tables.erase(std::remove_if(index.tables.begin(), index.tables.end(),
                                      [](detail::thread_cache_entry const& e) { return e.alive.expired(); }),
                       index.tables.end());

    auto table = std::make_unique<thread_table>(capacity_);
    auto* raw = table.get();
    {
        std::lock_guard<std::mutex> lock(registry_mutex_);
        registry_.push_back(std::move(table));
    }
    index.tables.push_back(detail::thread_cache_entry{id_, raw, alive_});
    return *raw;
}

inline std::optional<verified_token_cache::hit> verified_token_cache::find(
    std::string_view credential, clock::time_point now, std::uint64_t epoch) const
{
    if(capacity_ == 0 || credential.size() > options_.max_credential_bytes)
        return std::nullopt;
    auto& t = table();
    auto const hash = hash_of(credential);
    auto const& s = t.slots[hash & (capacity_ - 1)];
    if(same_credential(s, hash, credential) && s.epoch == epoch
       && s.generation == generation_.load(std::memory_order_acquire) && now < s.valid_until)
    {
        t.hits.store(t.hits.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        return hit{s.principal, s.error, s.grants};
    }
    t.misses.store(t.misses.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return std::nullopt;
}

inline void verified_token_cache::store(std::string_view credential, principal_ptr const& principal,
                                        std::error_code error, clock::time_point valid_until,
                                        stamp at) const
{
    if(capacity_ == 0 || credential.size() > options_.max_credential_bytes)
        return;
    auto& t = table();
    auto const hash = hash_of(credential);
    auto& s = t.slots[hash & (capacity_ - 1)];
    s.hash = hash;
    s.epoch = at.epoch;
    s.generation = at.generation;
    s.grants = at.grants;
    s.valid_until = valid_until;
    s.credential.assign(credential.data(), credential.size());
    s.principal = principal;
    s.error = error;
}

inline void verified_token_cache::insert(std::string_view credential, principal_ptr const& principal,
                                         clock::time_point valid_until, stamp at) const
{
    store(credential, principal, {}, valid_until, at);
}

inline void verified_token_cache::insert_failure(std::string_view credential, std::error_code error,
                                                 clock::time_point now, stamp at) const
{
    if(! options_.cache_failures)
        return;
    store(credential, nullptr, error, now + options_.failure_ttl, at);
}

inline token_cache_stats verified_token_cache::stats() const
{
    token_cache_stats out;
    std::lock_guard<std::mutex> lock(registry_mutex_);
    for(auto const& t : registry_)
    {
        out.hits += t->hits.load(std::memory_order_relaxed);
        out.misses += t->misses.load(std::memory_order_relaxed);
    }
    return out;
}

} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
