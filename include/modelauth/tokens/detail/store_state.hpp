//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_DETAIL_STORE_STATE_HPP
#define MODELAUTH_TOKENS_DETAIL_STORE_STATE_HPP

// The state of a managed token store, shared by InMemoryTokenStore and
// JournalTokenStore: three tables (tokens, revocations, refresh tokens) of
// persistent maps (detail/persistent_map.hpp) behind one snapshot, and the
// editor a writer changes them through. A write copies the path to what it
// changes, a few nodes, never a table: its cost does not grow with the store
// (docs/token-store.md).
//
// Versions and memory: each superseded `token_state` owns the nodes and
// values the edit that replaced it took out (`retired`: only it and older
// versions reach them), and holds the version that replaced it (`next`), so
// a version is destroyed only after every older one, and its garbage with
// it. The newest version frees what it still reaches when it goes.

#include <modelauth/detail/persistent_map.hpp>
#include <modelauth/tokens/managed_token_store.hpp>
#include <modelauth/validation/token_store.hpp>

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {
namespace managed_store { // distinct names: detail is shared by every header

using token_time = std::chrono::system_clock::time_point;
using token_ptr = std::shared_ptr<validation::stored_token const>;
using refresh_ptr = std::shared_ptr<refresh_token_record const>;
using revocation = std::pair<std::string, std::optional<token_time>>;

//----------------------------------------------------------------------------
// Tables

// Hashes and compares string keys (ids, JWT ids, family names).
struct string_key_hash
{
    std::size_t operator()(std::string_view key) const noexcept
    {
        return std::hash<std::string_view>{}(key);
    }
};

struct string_key_equal
{
    bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

// A SHA-256 digest is uniform already: its first bytes are a good hash.
struct digest_key_hash
{
    std::size_t operator()(validation::secret_digest const& d) const noexcept
    {
        std::size_t h;
        std::memcpy(&h, d.data(), sizeof h);
        return h;
    }
};

struct digest_key_equal
{
    bool operator()(validation::secret_digest const& a, validation::secret_digest const& b) const noexcept
    {
        return validation::digest_equal(a, b);
    }
};

// Whether `id` is one of `ids`.
inline bool contains(std::vector<std::string> const& ids, std::string_view id) noexcept
{
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

inline bool is_zero_digest(validation::secret_digest const& d) noexcept
{
    unsigned char any = 0;
    for(auto b : d)
        any |= b;
    return any == 0;
}

// A persistent set of `Value`s keyed by a string member (`KeyOf`), or by a
// digest.
template<class Value, class KeyOf>
using string_set = modelauth::detail::persistent_map<Value, KeyOf, string_key_hash, string_key_equal>;

template<class Value, class KeyOf>
using digest_set = modelauth::detail::persistent_map<Value, KeyOf, digest_key_hash, digest_key_equal>;

using modelauth::detail::transaction;

//----------------------------------------------------------------------------
// Tables

struct token_id_of
{
    std::string_view operator()(token_ptr const& t) const noexcept { return t->id; }
};

struct token_digest_of
{
    validation::secret_digest const& operator()(token_ptr const& t) const noexcept { return t->secret_hash; }
};

// The tokens, by id and by their secret's digest: one token in both.
struct token_table
{
    string_set<token_ptr, token_id_of> by_id;
    digest_set<token_ptr, token_digest_of> by_secret;

    // The token with id `id`, or null.
    validation::stored_token const* find_id(std::string_view id) const noexcept
    {
        auto const* p = by_id.find(id);
        return p ? p->get() : nullptr;
    }

    token_ptr shared_id(std::string_view id) const noexcept
    {
        auto const* p = by_id.find(id);
        return p ? *p : nullptr;
    }

    validation::stored_token const* find_secret(validation::secret_digest const& d) const noexcept
    {
        auto const* p = by_secret.find(d);
        return p ? p->get() : nullptr;
    }

    token_ptr shared_secret(validation::secret_digest const& d) const noexcept
    {
        auto const* p = by_secret.find(d);
        return p ? *p : nullptr;
    }

    std::size_t size() const noexcept { return by_id.size(); }

    // Calls f(token_ptr const&) for every token.
    template<class F>
    void for_each(F&& f) const
    {
        by_id.for_each(f);
    }

    // Adds `token`, or replaces the token with its id (whose digest it may
    // change).
    void put(validation::stored_token token, transaction& t)
    {
        auto p = std::make_shared<validation::stored_token const>(std::move(token));
        if(auto const* old = find_id(p->id); old && ! validation::digest_equal(old->secret_hash, p->secret_hash))
        {
            auto const digest = old->secret_hash;
            by_secret.erase(digest, t);
        }
        by_secret.assign(p, t);
        by_id.assign(std::move(p), t);
    }

    // Removes the token `id` if it is there (an op read from a damaged
    // journal may name one twice).
    void remove(std::string_view id, transaction& t)
    {
        auto const* old = find_id(id);
        if(! old)
            return;
        // `id` may view the token's own id: erasing retires the token, it
        // stays alive until this version's garbage goes.
        auto const digest = old->secret_hash;
        by_secret.erase(digest, t);
        by_id.erase(id, t);
    }

    void free_all() noexcept
    {
        by_id.free_all();
        by_secret.free_all();
    }
};

// A JWT id revoked, and when its revocation may be forgotten (empty: never).
struct revocation_entry
{
    std::string jti;
    std::optional<token_time> until;
};

struct revocation_jti_of
{
    std::string_view operator()(revocation_entry const& r) const noexcept { return r.jti; }
};

using revocation_table = string_set<revocation_entry, revocation_jti_of>;

struct refresh_family
{
    // Whose family it is (the owner of its first record).
    std::string owner;
    // The ids of the family's live refresh-token records, oldest first.
    std::vector<std::string> records;
    // Its rotated records, oldest first, remembered until they expire only
    // to recognise a reuse: in `by_secret`, never in `by_id`.
    std::vector<refresh_ptr> rotated;
    // Access-token (and session-token) ids issued from the family and their expiry.
    std::vector<std::pair<std::string, token_time>> access;
};

struct family_entry
{
    std::string name;
    refresh_family family;
};

struct family_name_of
{
    std::string_view operator()(family_entry const& f) const noexcept { return f.name; }
};

// An access id and the family that remembers it.
struct access_entry
{
    std::string jti;
    std::string family;
};

struct access_jti_of
{
    std::string_view operator()(access_entry const& a) const noexcept { return a.jti; }
};

struct refresh_id_of
{
    std::string_view operator()(refresh_ptr const& r) const noexcept { return r->id; }
};

struct refresh_digest_of
{
    validation::secret_digest const& operator()(refresh_ptr const& r) const noexcept { return r->secret_hash; }
};

struct refresh_table
{
    // The live records.
    string_set<refresh_ptr, refresh_id_of> by_id;
    // The live records and the remembered rotated ones.
    digest_set<refresh_ptr, refresh_digest_of> by_secret;
    // Every family has a live record (but while an old journal is replayed).
    string_set<family_entry, family_name_of> families;
    // Access id -> the family that remembers it.
    string_set<access_entry, access_jti_of> access_family;

    refresh_token_record const* find_id(std::string_view id) const noexcept
    {
        auto const* p = by_id.find(id);
        return p ? p->get() : nullptr;
    }

    refresh_family const* find_family(std::string_view name) const noexcept
    {
        auto const* f = families.find(name);
        return f ? &f->family : nullptr;
    }

    void free_all() noexcept
    {
        by_id.free_all();
        by_secret.free_all();
        families.free_all();
        access_family.free_all();
    }
};

// One published version of the state: see the file comment.
struct token_state
{
    token_table tokens;
    revocation_table revocations;
    refresh_table refresh;
    // What the edit that made this version replaced, until `supersede`
    // hands it to the version before (whose destruction frees it); then
    // what the edit that replaced this version replaced: memory only this
    // version and older ones reach. Written under the store's write lock,
    // never read by readers.
    mutable modelauth::detail::garbage retired;
    // The version that replaced this one, and whether there is one (set
    // once, under the store's write lock, before the next is published).
    mutable std::shared_ptr<token_state const> next;
    mutable bool superseded = false;

    token_state() = default;
    token_state(token_state const&) = delete;
    token_state& operator=(token_state const&) = delete;

    ~token_state()
    {
        if(! superseded)
        {
            tokens.free_all();
            revocations.free_all();
            refresh.free_all();
        }
        // The newer versions this one alone kept alive, one after the other
        // rather than recursively (a reader that held an old version while a
        // million writes went by leaves a chain that long).
        auto n = std::move(next);
        while(n && n.use_count() == 1)
        {
            auto after = std::move(n->next);
            n.reset();
            n = std::move(after);
        }
    }
};

// Marks `current` replaced by `next`: call under the write lock, before
// publishing `next`.
// What the edit replaced goes with `current`: once `current` and every
// older version are gone, no reader reaches it (a prune's tokens are freed
// as soon as the last reader of the version before it lets go).
inline void supersede(token_state const& current, std::shared_ptr<token_state const> const& next) noexcept
{
    // `current` handed its own garbage to its predecessor when it was
    // published, so it holds none: moving frees nothing.
    if(current.retired.empty())
        current.retired = std::move(next->retired);
    else
        current.retired.splice(std::move(next->retired));
    current.next = next;
    current.superseded = true;
}

// An edit of a version: reads see the base until a table is edited; edits
// happen in one transaction, whose garbage the built version owns. Neither
// copied nor moved (the transaction refers to the garbage).
class state_editor
{
public:
    // The JWT ids whose revocation an edit changed: most edits change none
    // or one, kept without allocating.
    using revocation_ids = boost::container::small_vector<std::string_view, 2>;

    explicit state_editor(token_state const& base)
        : tokens_(base.tokens)
        , revocations_(base.revocations)
        , refresh_(base.refresh)
        , tx_{modelauth::detail::next_transaction_id(), retired_}
        , from_empty_(tokens_.size() == 0 && revocations_.empty() && refresh_.by_id.empty()
                      && refresh_.by_secret.empty() && refresh_.families.empty()
                      && refresh_.access_family.empty())
    {
    }

    state_editor(state_editor const&) = delete;
    state_editor& operator=(state_editor const&) = delete;

    // An edit never built is dropped. From an empty state (a journal being
    // replayed), everything it reaches and retired was made by it: freed.
    // Otherwise what it retired is still reached by the base, and is
    // forgotten, not freed, leaking the few nodes the edit made; the store
    // builds every edit it applied (see store_core::write), so this happens
    // only when an exception interrupts an edit.
    ~state_editor()
    {
        if(built_)
            return;
        if(from_empty_)
        {
            tokens_.free_all();
            revocations_.free_all();
            refresh_.free_all();
        }
        else
            retired_.abandon();
    }

    token_table const& tokens() const noexcept { return tokens_; }
    revocation_table const& revocations() const noexcept { return revocations_; }
    refresh_table const& refresh() const noexcept { return refresh_; }

    token_table& edit_tokens() noexcept
    {
        tokens_changed_ = true;
        return tokens_;
    }
    revocation_table& edit_revocations() noexcept
    {
        revocations_changed_ = true;
        return revocations_;
    }
    refresh_table& edit_refresh() noexcept { return refresh_; }

    transaction& tx() noexcept { return tx_; }

    // Whether a token or a revocation changed.
    bool changes_credentials() const noexcept { return tokens_changed_ || revocations_changed_; }

    // The ids of the tokens and the revocations a prune of this edit drops,
    // as the writer's index found them (`store_index::expired`,
    // `expired_revocations`), or null: applying the prune then finds them
    // itself (a journal being replayed). Set while planning, hence const.
    void hint_expired(std::vector<std::string> const* tokens, std::vector<std::string> const* revocations) const noexcept
    {
        expired_hint_ = tokens;
        expired_revocations_hint_ = revocations;
    }
    std::vector<std::string> const* expired_hint() const noexcept { return expired_hint_; }
    std::vector<std::string> const* expired_revocations_hint() const noexcept { return expired_revocations_hint_; }

    // Revocations are changed through these, so that a writer that asked
    // for it (`track_revocations`: the store's writes, not a replay) learns
    // which ids an edit touched, for its index.
    // The ids are views of the entries stored or erased: alive as long as
    // the version before the edit, whose garbage holds what it erased.
    void put_revocation(revocation_entry r)
    {
        revocation_entry const* stored = nullptr;
        edit_revocations().assign(std::move(r), tx_, &stored);
        if(track_revocations_)
            touched_revocations_.push_back(stored->jti);
    }
    void erase_revocation(std::string_view jti)
    {
        if(track_revocations_)
            if(auto const* stored = revocations_.find(jti))
                touched_revocations_.push_back(stored->jti);
        edit_revocations().erase(jti, tx_);
    }
    void track_revocations() noexcept { track_revocations_ = true; }
    // The ids, sorted and each once.
    revocation_ids& touched_revocations()
    {
        std::sort(touched_revocations_.begin(), touched_revocations_.end());
        touched_revocations_.erase(std::unique(touched_revocations_.begin(), touched_revocations_.end()),
                                   touched_revocations_.end());
        return touched_revocations_;
    }

    // The version with the edits; call once, and edit no more.
    std::shared_ptr<token_state> build()
    {
        auto next = std::make_shared<token_state>();
        next->tokens = tokens_;
        next->revocations = revocations_;
        next->refresh = refresh_;
        next->retired = std::move(retired_);
        built_ = true;
        return next;
    }

private:
    token_table tokens_;
    revocation_table revocations_;
    refresh_table refresh_;
    modelauth::detail::garbage retired_;
    transaction tx_;
    bool from_empty_;
    bool tokens_changed_ = false;
    bool revocations_changed_ = false;
    bool built_ = false;
    mutable std::vector<std::string> const* expired_hint_ = nullptr;
    mutable std::vector<std::string> const* expired_revocations_hint_ = nullptr;
    bool track_revocations_ = false;
    revocation_ids touched_revocations_;
};

} // namespace managed_store
} // namespace detail
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
