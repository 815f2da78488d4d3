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
// Ids are held as views of the indexed tokens' own: a token is indexed
// exactly while the published state holds it (the store removes it from the
// index, reading the version it leaves, before it publishes the next), and a
// token lives at least as long as a version that holds it.

#include <modelauth/tokens/detail/store_state.hpp>
#include <modelauth/validation/token_store.hpp>

#include <algorithm>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {
namespace managed_store { // distinct names: detail is shared by every header

class store_index
{
public:
    void add(validation::stored_token const& t)
    {
        if(t.permanent)
            ++permanent_[holder_key(t)];
        else
            temporary_[holder_key(t)].emplace(expiry_of(t), std::string_view(t.id));
        if(t.cls == validation::token_class::instance)
            instance_[t.bindings.instance].emplace(expiry_of(t), std::string_view(t.id));
        owned_[owner_key(t)].insert(std::string_view(t.id));
    }

    void remove(validation::stored_token const& t)
    {
        if(t.permanent)
        {
            auto it = permanent_.find(holder_key(t));
            if(it != permanent_.end() && --it->second == 0)
                permanent_.erase(it);
        }
        else
            erase_from(temporary_, holder_key(t), t);
        if(t.cls == validation::token_class::instance)
            erase_from(instance_, t.bindings.instance, t);
        auto owned = owned_.find(owner_key(t));
        if(owned != owned_.end())
        {
            owned->second.erase(std::string_view(t.id));
            if(owned->second.empty())
                owned_.erase(owned);
        }
    }

    void clear() noexcept
    {
        permanent_.clear();
        temporary_.clear();
        instance_.clear();
        owned_.clear();
    }

    // The permanent tokens of the class, account and space of `t`.
    std::size_t permanent_count(validation::stored_token const& t) const
    {
        auto it = permanent_.find(holder_key(t));
        return it == permanent_.end() ? 0 : it->second;
    }

    // The temporary tokens of the class, account and space of `t` that have
    // not expired at its creation, but those of `spared`; counted up to
    // `most` (the answer is then `most`).
    std::size_t temporary_count(validation::stored_token const& t, std::vector<std::string> const& spared,
                                std::size_t most) const
    {
        return live_count(temporary_, holder_key(t), t.created, spared, most);
    }

    // The instance tokens of the instance of `t` that have not expired at
    // its creation, but those of `spared`; counted up to `most`.
    std::size_t instance_count(validation::stored_token const& t, std::vector<std::string> const& spared,
                               std::size_t most) const
    {
        return live_count(instance_, t.bindings.instance, t.created, spared, most);
    }

    // The ids of the tokens of `owner` and class `cls`, sorted.
    std::vector<std::string> owned(std::string const& owner, validation::token_class cls) const
    {
        auto it = owned_.find(owner_key(owner, cls));
        if(it == owned_.end())
            return {};
        std::vector<std::string> ids(it->second.begin(), it->second.end());
        std::sort(ids.begin(), ids.end());
        return ids;
    }

private:
    using by_expiry = std::set<std::pair<token_time, std::string_view>>;

    static token_time expiry_of(validation::stored_token const& t) noexcept
    {
        return t.expires ? *t.expires : token_time::max();
    }

    static void append_field(std::string& key, std::string_view field)
    {
        key += std::to_string(field.size());
        key += ':';
        key += field;
    }

    static std::string holder_key(validation::stored_token const& t)
    {
        std::string key(1, static_cast<char>(t.cls));
        append_field(key, t.bindings.account);
        append_field(key, t.bindings.space);
        return key;
    }

    static std::string owner_key(std::string const& owner, validation::token_class cls)
    {
        std::string key(1, static_cast<char>(cls));
        append_field(key, owner);
        return key;
    }

    static std::string owner_key(validation::stored_token const& t) { return owner_key(t.owner, t.cls); }

    static void erase_from(std::unordered_map<std::string, by_expiry>& groups, std::string const& key,
                           validation::stored_token const& t)
    {
        auto it = groups.find(key);
        if(it == groups.end())
            return;
        it->second.erase({expiry_of(t), std::string_view(t.id)});
        if(it->second.empty())
            groups.erase(it);
    }

    // Entries of `groups[key]` expiring after `at` (not expired at `at`),
    // but those of `spared`, counted up to `most`: from the latest expiry
    // down, so the walk stops after `most` live ones.
    static std::size_t live_count(std::unordered_map<std::string, by_expiry> const& groups, std::string const& key,
                                  token_time at, std::vector<std::string> const& spared, std::size_t most)
    {
        auto it = groups.find(key);
        if(it == groups.end())
            return 0;
        std::size_t n = 0;
        for(auto e = it->second.rbegin(); e != it->second.rend() && n < most; ++e)
        {
            if(e->first <= at)
                break;
            if(! contains(spared, e->second))
                ++n;
        }
        return n;
    }

    std::unordered_map<std::string, std::size_t> permanent_;
    std::unordered_map<std::string, by_expiry> temporary_;
    std::unordered_map<std::string, by_expiry> instance_;
    std::unordered_map<std::string, std::unordered_set<std::string_view>> owned_;
};

} // namespace managed_store
} // namespace detail
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
