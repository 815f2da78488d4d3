//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_DETAIL_FLAT_INDEX_HPP
#define MODELAUTH_DETAIL_FLAT_INDEX_HPP

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace detail {

// splitmix64's finalizer: spreads every input bit over the whole word.
constexpr std::uint64_t mix_hash(std::uint64_t x) noexcept
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

inline std::uint64_t hash_text(std::string_view text) noexcept
{
    return mix_hash(static_cast<std::uint64_t>(std::hash<std::string_view>{}(text)));
}

// The hash of a key that lives inside an owner (a model's name inside a
// prefix, a version inside a model).
inline std::uint64_t hash_text(std::string_view text, std::uint32_t owner) noexcept
{
    return mix_hash(static_cast<std::uint64_t>(std::hash<std::string_view>{}(text))
        ^ (static_cast<std::uint64_t>(owner) * 0x9E3779B97F4A7C15ULL));
}

// An immutable-after-build open-addressing hash index from keys to dense
// indices (uint32). It stores only the hash's upper half and the index; the
// key itself stays where it lives (the registry's strings), and the caller
// compares it through `equal(index)`. Linear probing, load factor <= 1/2, so
// a lookup probes about 1.5 slots on average whatever the size. Lookups
// allocate nothing and never throw.
class flat_index
{
public:
    static constexpr std::uint32_t none = 0xFFFFFFFFu;

    flat_index() = default;

    // An index for up to `count` entries.
    explicit flat_index(std::size_t count)
    {
        std::size_t capacity = 8;
        while(capacity < count * 2)
            capacity *= 2;
        slots_.assign(capacity, slot{0, none});
        mask_ = capacity - 1;
    }

    // Inserts `value` under `hash` unless an entry for which `equal(index)`
    // holds is there already: then returns that entry's index and inserts
    // nothing. Returns `none` after an insertion.
    template<class Equal>
    std::uint32_t insert(std::uint64_t hash, std::uint32_t value, Equal&& equal)
    {
        auto const tag = static_cast<std::uint32_t>(hash >> 32);
        for(std::size_t i = static_cast<std::size_t>(hash) & mask_;; i = (i + 1) & mask_)
        {
            slot& s = slots_[i];
            if(s.value == none)
            {
                s = slot{tag, value};
                return none;
            }
            if(s.tag == tag && equal(s.value))
                return s.value;
        }
    }

    // The index of the entry under `hash` for which `equal(index)` holds, or `none`.
    template<class Equal>
    std::uint32_t find(std::uint64_t hash, Equal&& equal) const noexcept
    {
        if(slots_.empty())
            return none;
        auto const tag = static_cast<std::uint32_t>(hash >> 32);
        for(std::size_t i = static_cast<std::size_t>(hash) & mask_;; i = (i + 1) & mask_)
        {
            slot const& s = slots_[i];
            if(s.value == none)
                return none;
            if(s.tag == tag && equal(s.value))
                return s.value;
        }
    }

private:
    struct slot
    {
        std::uint32_t tag;
        std::uint32_t value;
    };

    std::vector<slot> slots_;
    std::size_t mask_ = 0;
};

} // namespace detail
} // namespace v0
} // namespace modelauth

#endif
