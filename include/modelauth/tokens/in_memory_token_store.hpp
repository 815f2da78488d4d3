//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_IN_MEMORY_TOKEN_STORE_HPP
#define MODELAUTH_TOKENS_IN_MEMORY_TOKEN_STORE_HPP

/** @file
    The default TokenStore: everything in memory, read through immutable
    snapshots.
*/

#include <modelauth/detail/snapshot.hpp>
#include <modelauth/tokens/token_store.hpp>

#include <atomic>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace modelauth {
inline namespace v0 {

/** A TokenStore kept in memory.

    Reads (`find_by_secret`, `find_by_id`, `is_revoked`, `epoch`) take no
    lock: they read an immutable snapshot. Writes are serialised by a mutex,
    copy the snapshot, change the copy and publish it, then advance the
    epoch; a write therefore costs time linear in the number of tokens, which
    suits stores that change far less often than they are read.

    Thread safety: safe to share between threads.
*/
class InMemoryTokenStore final : public TokenStore
{
public:
    using clock = std::chrono::system_clock;
    using token_ptr = std::shared_ptr<stored_token const>;

    InMemoryTokenStore() : state_(std::make_shared<state const>()) {}

    [[nodiscard]] token_ptr find_by_secret(secret_digest const& digest) const override
    {
        if(is_zero(digest))
            return nullptr;
        auto const s = state_.load();
        auto it = s->by_secret.find(digest);
        return it == s->by_secret.end() ? nullptr : it->second;
    }

    [[nodiscard]] bool is_revoked(std::string_view token_id) const override
    {
        auto const s = state_.load();
        return s->revoked.find(std::string(token_id)) != s->revoked.end();
    }

    [[nodiscard]] std::uint64_t epoch() const noexcept override
    {
        return epoch_.load(std::memory_order_acquire);
    }

    /// The token with public id `id`, or null.
    [[nodiscard]] token_ptr find_by_id(std::string_view id) const
    {
        auto const s = state_.load();
        auto it = s->by_id.find(std::string(id));
        return it == s->by_id.end() ? nullptr : it->second;
    }

    /// Every token, in no particular order.
    [[nodiscard]] std::vector<token_ptr> tokens() const
    {
        auto const s = state_.load();
        std::vector<token_ptr> out;
        out.reserve(s->by_id.size());
        for(auto const& entry : s->by_id)
            out.push_back(entry.second);
        return out;
    }

    /** Adds a token.

        @return false (and changes nothing) if its id or its secret's digest
        is already in the store, or the digest is all zero.
    */
    bool insert(stored_token token)
    {
        return write([&](state& s) {
            if(is_zero(token.secret_hash) || s.by_id.count(token.id)
               || s.by_secret.count(token.secret_hash))
                return false;
            auto p = std::make_shared<stored_token const>(std::move(token));
            s.by_id.emplace(p->id, p);
            s.by_secret.emplace(p->secret_hash, p);
            return true;
        });
    }

    /** Replaces the token that has `token.id` (its secret may change too).

        @return false if there is no such token, or the new digest belongs to
        another token or is all zero.
    */
    bool replace(stored_token token)
    {
        return write([&](state& s) {
            auto it = s.by_id.find(token.id);
            if(it == s.by_id.end() || is_zero(token.secret_hash))
                return false;
            auto other = s.by_secret.find(token.secret_hash);
            if(other != s.by_secret.end() && other->second->id != token.id)
                return false;
            s.by_secret.erase(it->second->secret_hash);
            auto p = std::make_shared<stored_token const>(std::move(token));
            it->second = p;
            s.by_secret.emplace(p->secret_hash, p);
            return true;
        });
    }

    /// Deletes the token with `id`; it stops working at once. False if absent.
    bool erase(std::string_view id)
    {
        return write([&](state& s) {
            auto it = s.by_id.find(std::string(id));
            if(it == s.by_id.end())
                return false;
            s.by_secret.erase(it->second->secret_hash);
            s.by_id.erase(it);
            return true;
        });
    }

    /// Activates or deactivates the token with `id`. False if absent.
    bool set_active(std::string_view id, bool active)
    {
        return write([&](state& s) {
            auto it = s.by_id.find(std::string(id));
            if(it == s.by_id.end())
                return false;
            auto copy = *it->second;
            copy.active = active;
            auto p = std::make_shared<stored_token const>(std::move(copy));
            it->second = p;
            s.by_secret[p->secret_hash] = p;
            return true;
        });
    }

    /** Revokes the token or JWT with id `token_id` (a `jti`).

        @param until When the revocation may be forgotten (the token's own
        expiry); empty keeps it until `erase_revocation`.
    */
    void revoke(std::string token_id, std::optional<clock::time_point> until = std::nullopt)
    {
        write([&](state& s) {
            s.revoked[std::move(token_id)] = until;
            return true;
        });
    }

    /// Forgets the revocation of `token_id`. False if there was none.
    bool erase_revocation(std::string_view token_id)
    {
        return write([&](state& s) { return s.revoked.erase(std::string(token_id)) > 0; });
    }

    /// Forgets revocations whose `until` is before `now`; returns how many.
    std::size_t prune_revocations(clock::time_point now)
    {
        std::size_t pruned = 0;
        write([&](state& s) {
            for(auto it = s.revoked.begin(); it != s.revoked.end();)
                if(it->second && *it->second < now)
                {
                    it = s.revoked.erase(it);
                    ++pruned;
                }
                else
                    ++it;
            return pruned > 0;
        });
        return pruned;
    }

private:
    struct digest_hash
    {
        std::size_t operator()(secret_digest const& d) const noexcept
        {
            std::size_t h;
            std::memcpy(&h, d.data(), sizeof h); // a SHA-256 digest is uniform already
            return h;
        }
    };

    struct digest_equal_to
    {
        bool operator()(secret_digest const& a, secret_digest const& b) const noexcept
        {
            return digest_equal(a, b);
        }
    };

    struct state
    {
        std::unordered_map<std::string, token_ptr> by_id;
        std::unordered_map<secret_digest, token_ptr, digest_hash, digest_equal_to> by_secret;
        std::unordered_map<std::string, std::optional<clock::time_point>> revoked;
    };

    static bool is_zero(secret_digest const& d) noexcept
    {
        unsigned char any = 0;
        for(auto b : d)
            any |= b;
        return any == 0;
    }

    // Copies the state, applies `change`, publishes the copy if `change`
    // returns true, then advances the epoch so caches drop what they hold.
    template<class Change>
    bool write(Change&& change)
    {
        std::lock_guard<std::mutex> lock(write_mutex_);
        auto next = std::make_shared<state>(*state_.load());
        if(! change(*next))
            return false;
        state_.store(std::move(next));
        epoch_.fetch_add(1, std::memory_order_acq_rel);
        return true;
    }

    detail::snapshot<state> state_;
    std::atomic<std::uint64_t> epoch_{1};
    std::mutex write_mutex_;
};

} // namespace v0
} // namespace modelauth

#endif
