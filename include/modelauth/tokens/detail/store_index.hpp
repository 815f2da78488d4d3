//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_DETAIL_STORE_INDEX_HPP
#define MODELAUTH_TOKENS_DETAIL_STORE_INDEX_HPP

// What a managed store's writers look tokens up by besides id and digest:
// the groups its quotas count (class, account and space; an instance) and
// the tokens of an owner and class (`replace_owned`). Kept by the writer,
// under the store's write lock, beside the published state; never read by
// the request path. With it a quota check or a replacement costs what the
// group holds, not what the store holds.
//
// Every table is a Boost.Unordered flat map (open addressing, one array per
// table): a write touches a few cache lines wherever the store's size, and
// allocates only when a group is new or grows. A group names its tokens by
// address: a token is indexed exactly while the published state holds it
// (the store removes it from the index, reading the version it leaves,
// before it publishes the next), and a token lives at least as long as a
// version that holds it. So an entry is 8 bytes (16 with its expiry), and
// no lookup reads another token's id.

#include <modelauth/tokens/detail/store_state.hpp>
#include <modelauth/validation/token_store.hpp>

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {
namespace managed_store { // distinct names: detail is shared by every header

// A group's name: a token class and up to two strings (account and space;
// an owner; an instance). `group_view` looks one up without building it.
struct group_view
{
    validation::token_class cls;
    std::string_view first;
    std::string_view second;
};

struct group_key
{
    validation::token_class cls;
    std::string first;
    std::string second;

    explicit group_key(group_view v) : cls(v.cls), first(v.first), second(v.second) {}

    group_view view() const noexcept { return {cls, first, second}; }
};

struct group_hash
{
    using is_transparent = void;

    std::size_t operator()(group_view v) const noexcept
    {
        std::hash<std::string_view> const h;
        std::size_t x = h(v.first) * 0x9E3779B97F4A7C15ull;
        x ^= h(v.second) + 0x7F4A7C159E3779B9ull + (x << 6) + (x >> 2);
        return x ^ static_cast<std::size_t>(v.cls);
    }

    std::size_t operator()(group_key const& k) const noexcept { return (*this)(k.view()); }
};

struct group_equal
{
    using is_transparent = void;

    static bool same(group_view a, group_view b) noexcept
    {
        return a.cls == b.cls && a.first == b.first && a.second == b.second;
    }
    bool operator()(group_key const& a, group_key const& b) const noexcept { return same(a.view(), b.view()); }
    bool operator()(group_key const& a, group_view b) const noexcept { return same(a.view(), b); }
    bool operator()(group_view a, group_key const& b) const noexcept { return same(a, b.view()); }
};

class store_index
{
public:
    void add(validation::stored_token const& t)
    {
        if(t.permanent)
            ++group_of(permanent_, holder_of(t));
        else
            group_of(temporary_, holder_of(t)).emplace(&t, expiry_of(t));
        if(t.cls == validation::token_class::instance)
            group_of(instance_, instance_of(t)).emplace(&t, expiry_of(t));
        group_of(owned_, owner_of(t.owner, t.cls)).insert(&t);
        if(! t.permanent && t.expires)
            expiring_[minute_of(*t.expires)].insert(&t);
    }

    void remove(validation::stored_token const& t)
    {
        if(t.permanent)
        {
            auto it = permanent_.find(holder_of(t));
            if(it != permanent_.end() && --it->second == 0)
            {
                permanent_.erase(it);
                shrink_if_sparse(permanent_);
            }
        }
        else
            erase_from(temporary_, holder_of(t), &t);
        if(t.cls == validation::token_class::instance)
            erase_from(instance_, instance_of(t), &t);
        erase_from(owned_, owner_of(t.owner, t.cls), &t);
        if(! t.permanent && t.expires)
            erase_from(expiring_, minute_of(*t.expires), &t);
    }

    void clear() noexcept
    {
        permanent_.clear();
        temporary_.clear();
        instance_.clear();
        owned_.clear();
        expiring_.clear();
        revocations_.clear();
    }

    // A revocation that ends (`until`), by the minute it ends; one that
    // never ends is never pruned, and not kept.
    void add_revocation(revocation_entry const& r)
    {
        if(r.until)
            revocations_[minute_of(*r.until)].insert(&r);
    }

    void remove_revocation(revocation_entry const& r)
    {
        if(r.until)
            erase_from(revocations_, minute_of(*r.until), &r);
    }

    // The JWT ids whose revocation `prune(now)` drops (`prunable_revocation`).
    std::vector<std::string> expired_revocations(token_time now) const
    {
        return expired_in(revocations_, now, [&](revocation_entry const& r) {
            return *r.until < now ? &r.jti : nullptr;
        });
    }

    // The ids of the tokens `prune(now)` drops (`prunable_token`): from the
    // minutes that have begun by `now`, so it costs the expiry minutes
    // known and the tokens in those that have begun, not the store.
    std::vector<std::string> expired(token_time now) const
    {
        return expired_in(expiring_, now, [&](validation::stored_token const& t) {
            return *t.expires <= now ? &t.id : nullptr;
        });
    }

    // The permanent tokens of the class, account and space of `t`.
    std::size_t permanent_count(validation::stored_token const& t) const
    {
        auto it = permanent_.find(holder_of(t));
        return it == permanent_.end() ? 0 : it->second;
    }

    // The temporary tokens of the class, account and space of `t` that have
    // not expired at its creation, but those of `spared`; counted up to
    // `most` (the answer is then `most`).
    std::size_t temporary_count(validation::stored_token const& t, std::vector<std::string> const& spared,
                                std::size_t most) const
    {
        return live_count(temporary_, holder_of(t), t.created, spared, most);
    }

    // The instance tokens of the instance of `t` that have not expired at
    // its creation, but those of `spared`; counted up to `most`.
    std::size_t instance_count(validation::stored_token const& t, std::vector<std::string> const& spared,
                               std::size_t most) const
    {
        return live_count(instance_, instance_of(t), t.created, spared, most);
    }

    // The ids of the tokens of `owner` and class `cls`, sorted.
    std::vector<std::string> owned(std::string const& owner, validation::token_class cls) const
    {
        auto it = owned_.find(owner_of(owner, cls));
        if(it == owned_.end())
            return {};
        std::vector<std::string> ids;
        ids.reserve(it->second.size());
        for(auto const* t : it->second)
            ids.push_back(t->id);
        std::sort(ids.begin(), ids.end());
        return ids;
    }

private:
    using token_address = validation::stored_token const*;
    // A group of expiring tokens, each with its expiry.
    using expiring = boost::unordered_flat_map<token_address, token_time>;
    using members = boost::unordered_flat_set<token_address>;
    template<class Group>
    using groups = boost::unordered_flat_map<group_key, Group, group_hash, group_equal>;

    // The minute `at` is in, counted from the clock's epoch.
    static std::int64_t minute_of(token_time at) noexcept
    {
        auto const m = std::chrono::floor<std::chrono::minutes>(at);
        return static_cast<std::int64_t>(m.time_since_epoch().count());
    }

    static token_time expiry_of(validation::stored_token const& t) noexcept
    {
        return t.expires ? *t.expires : token_time::max();
    }

    static group_view holder_of(validation::stored_token const& t) noexcept
    {
        return {t.cls, t.bindings.account, t.bindings.space};
    }

    static group_view instance_of(validation::stored_token const& t) noexcept
    {
        return {validation::token_class::instance, t.bindings.instance, {}};
    }

    static group_view owner_of(std::string const& owner, validation::token_class cls) noexcept
    {
        return {cls, owner, {}};
    }

    // The group `name` of `all`, made empty if it is new.
    template<class Group>
    static Group& group_of(groups<Group>& all, group_view name)
    {
        auto it = all.find(name);
        if(it == all.end())
            it = all.emplace(group_key(name), Group{}).first;
        return it->second;
    }

    // The ids of the entries of `minutes` (entries by the minute they end)
    // that have ended by `now`: `id_if_ended(entry)` gives an entry's id if
    // it has, else null. Only the minutes begun by `now` are read.
    template<class Minutes, class IdIfEnded>
    static std::vector<std::string> expired_in(Minutes const& minutes, token_time now, IdIfEnded id_if_ended)
    {
        std::vector<std::string> ids;
        auto const last = minute_of(now);
        for(auto const& [minute, entries] : minutes)
            if(minute <= last)
                for(auto const* e : entries)
                    if(std::string const* id = id_if_ended(*e))
                        ids.push_back(*id);
        return ids;
    }

    // Takes `member` out of the group `name` of `all`, and the group out of
    // `all` once empty.
    template<class Table, class Name, class Member>
    static void erase_from(Table& all, Name const& name, Member const* member)
    {
        auto it = all.find(name);
        if(it == all.end())
            return;
        it->second.erase(member);
        if(it->second.empty())
        {
            all.erase(it);
            shrink_if_sparse(all);
        }
        else
            shrink_if_sparse(it->second);
    }

    // Gives memory back once a table is an eighth full: the index follows
    // the store down after a prune, as the tables do (a table that shrank
    // grows again at the usual amortised cost).
    template<class Table>
    static void shrink_if_sparse(Table& table)
    {
        if(table.bucket_count() > 64 && table.size() * 8 < table.bucket_count())
            table.rehash(0);
    }

    // Entries of group `name` expiring after `at` (not expired at `at`), but
    // those of `spared`, counted up to `most`. A group with a quota holds at
    // most its quota of live tokens, and those expired since the last prune.
    static std::size_t live_count(groups<expiring> const& all, group_view name, token_time at,
                                  std::vector<std::string> const& spared, std::size_t most)
    {
        auto it = all.find(name);
        if(it == all.end())
            return 0;
        std::size_t n = 0;
        for(auto const& [t, expires] : it->second)
        {
            if(expires > at && (spared.empty() || ! contains(spared, t->id)) && ++n >= most)
                break;
        }
        return n;
    }

    groups<std::size_t> permanent_;
    groups<expiring> temporary_;
    groups<expiring> instance_;
    groups<members> owned_;
    // The tokens that expire (non-permanent), by the minute of their expiry.
    boost::unordered_flat_map<std::int64_t, members> expiring_;
    // The revocations that end, by the minute they end.
    boost::unordered_flat_map<std::int64_t, boost::unordered_flat_set<revocation_entry const*>> revocations_;
};

} // namespace managed_store
} // namespace detail
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
