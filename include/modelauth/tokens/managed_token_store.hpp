//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_MANAGED_TOKEN_STORE_HPP
#define MODELAUTH_TOKENS_MANAGED_TOKEN_STORE_HPP

/** @file
    The ManagedTokenStore interface: the `TokenStore` the token service
    writes through.

    The validator reads a store (`TokenStore`: a secret's digest, a JWT id's
    revocation, the epoch); the token service also lists, counts, creates,
    replaces, updates and deletes tokens, records revocations and keeps the
    refresh-token families. Every mutation is atomic: its checks (quota,
    duplicates, existence) and its change happen under one write lock, so two
    concurrent requests can never both take the last permanent-token slot.

    Every mutation returns `result<...>`: `tokens::error::storage_failure`
    when a persistent store could not make the change durable (nothing
    changed then), otherwise the precise fault. A mutation that finds nothing
    to change succeeds without changing anything.

    After a change could not be made durable, a revocation, a deletion, a
    deactivation or a family revocation still takes effect in memory at
    once (fail closed: a token reported stolen stops working although the
    disk failed) and answers `storage_failure`, which then says the change is
    not durable; every other mutation is refused. `healthy()` tells whether
    the store can make changes durable.

    The *epoch* (`TokenStore::epoch`) advances after every change to the
    tokens or the revocations (insert, replace, update, activation, deletion,
    revocation and its removal, pruning): the validator's cache then drops
    what it holds at once. Changes to refresh-token records alone do not move
    it, the validator never reads them.

    Implementations: `InMemoryTokenStore` (`in_memory_token_store.hpp`) and
    `JournalTokenStore` (`journal_token_store.hpp`, the same state persisted
    in a write-ahead journal).
*/

#include <modelauth/detail/snapshot.hpp>
#include <modelauth/error.hpp>
#include <modelauth/validation/token_store.hpp>
#include <modelauth/tokens/error.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>
#if __has_include(<version>)
#include <version> // __cpp_lib_generic_unordered_lookup
#endif

namespace modelauth {
inline namespace v0 {
namespace tokens {


/** Which tokens a `list`, `count` or `erase_if` applies to.

    Every member that is set must match; an empty filter matches every token.
*/
struct token_filter
{
    /// The token's `owner` equals this.
    std::optional<std::string> owner;

    /// The token's class equals this.
    std::optional<validation::token_class> cls;

    /// The token's `bindings.account` equals this.
    std::optional<std::string> account;

    /// The token's `bindings.space` equals this.
    std::optional<std::string> space;

    /// The token's `bindings.instance` equals this.
    std::optional<std::string> instance;

    /// The token's `permanent` equals this.
    std::optional<bool> permanent;

    /// The token's id is *not* this: spares the caller's own token in a
    /// delete-many.
    std::optional<std::string> except_id;

    /** Whether `token` passes every member that is set.

        Complexity: linear in the lengths of the strings compared.
        Exception safety: no-throw.
    */
    [[nodiscard]] bool matches(validation::stored_token const& token) const noexcept;
};

/// Limits checked by `ManagedTokenStore::insert` and `replace_owned`.
struct insert_limits
{
    /** The most permanent tokens of one (class, account, space); a permanent
        token beyond it is refused with `tokens::error::permanent_token_quota`.
        Empty: no limit. Temporary tokens never count.
    */
    std::optional<std::size_t> max_permanent;

    /** The most temporary tokens of one (class, account, space) that have
        not expired at the new token's `created`; a temporary token beyond it
        is refused with `tokens::error::token_quota`. Empty: no limit.
        Permanent tokens never count.
    */
    std::optional<std::size_t> max_temporary = std::nullopt;

    /** The most tokens of class `instance` bound to one instance that have
        not expired at the new token's `created`, permanent or not; an
        instance token beyond it is refused with `tokens::error::token_quota`.
        Empty: no limit.
    */
    std::optional<std::size_t> max_per_instance = std::nullopt;
};

/// Limits checked by `ManagedTokenStore::insert_refresh`, `rotate_refresh`
/// and `add_family_access`.
struct family_limits
{
    /** The most refresh-token families one owner has. A new family beyond it
        (a login) first ends the owner's least recently used families (the
        ones whose newest refresh token is oldest), as `revoke_family` would:
        their refresh tokens are deleted and their access tokens revoked.
        Empty: no limit.
    */
    std::optional<std::size_t> max_families_per_owner = std::nullopt;

    /** The most access-token and session-token ids one family remembers for
        `revoke_family`. An `add_family_access` of a new id into a full
        family, or a rotation of a family that holds this many ids still
        valid at the new record's `issued`, is refused with
        `tokens::error::token_quota`: a live id is never forgotten. Ids
        expired at a rotation's `issued` are dropped by the rotation, the
        others by `prune`. Empty: no limit.
    */
    std::optional<std::size_t> max_tokens_per_family = std::nullopt;

    /** The most rotated refresh tokens one family remembers, to recognise
        their reuse. A rotation of a family that remembers this many
        unexpired ones is refused with `tokens::error::token_quota` (the
        user logs in again): a rotated token is never forgotten before it
        expires, so a thief cannot make the victim's token unknown by
        rotating often. Empty: no limit.
    */
    std::optional<std::size_t> max_rotated_per_family = std::nullopt;
};

/** A refresh token as a store keeps it: the secret's digest, never the secret.

    Refresh tokens rotate: each use replaces the record by a new one of the
    same *family* and marks the old one `rotated`. A rotated token presented
    again has been stolen or replayed, and its whole family is revoked
    (`ManagedTokenStore::revoke_family`).
*/
struct refresh_token_record
{
    using clock = std::chrono::system_clock;

    /// The record's id, unique in the store.
    std::string id;

    /// SHA-256 of the secret (`hash_secret`).
    validation::secret_digest secret_hash{};

    /// The family: every refresh token descending from one login shares it.
    std::string family;

    /// The subject the tokens are issued to.
    std::string owner;

    /// When it was issued.
    clock::time_point issued{};

    /// When it expires.
    clock::time_point expires{};

    /** Whether it has been used (rotated) already. A store keeps a rotated
        record, until it expires, only to recognise its reuse:
        `find_refresh` finds it, `rotate_refresh` refuses it.
    */
    bool rotated = false;
};

/** A `TokenStore` the token service can change: see the file comment.

    The public members are non-virtual and forward to private virtual
    `do_...` members, which implementations override (so the default
    arguments live in one place).

    Thread safety: implementations are safe to share between threads; every
    member may be called concurrently with every other.
*/
class ManagedTokenStore : public validation::TokenStore
{
public:
    using clock = std::chrono::system_clock;

    /// A token, shared and immutable; it stays valid after any change.
    using token_ptr = std::shared_ptr<validation::stored_token const>;

    /// A refresh-token record, shared and immutable.
    using refresh_ptr = std::shared_ptr<refresh_token_record const>;

    /// A JWT id to revoke and when its revocation may be forgotten (empty:
    /// never).
    using revocation = std::pair<std::string, std::optional<clock::time_point>>;

    //--------------------------------------------------------------------
    // Reads: lock-free, never fail.

    /** The token with public id `id`, or null.

        Complexity: constant on average. Exception safety: strong.
    */
    [[nodiscard]] token_ptr find_by_id(std::string_view id) const { return do_find_by_id(id); }

    /** The tokens that `filter` matches, sorted by (`created`, `id`).

        Complexity: linear in the number of tokens, plus sorting the matches.
        Exception safety: strong.
    */
    [[nodiscard]] std::vector<token_ptr> list(token_filter const& filter = {}) const
    {
        return do_list(filter);
    }

    /** How many tokens `filter` matches.

        Complexity: linear in the number of tokens. Exception safety: no-throw.
    */
    [[nodiscard]] std::size_t count(token_filter const& filter = {}) const noexcept
    {
        return do_count(filter);
    }

    /** The refresh-token record whose secret has `digest`, or null.

        Rotated records are returned too (with `rotated` set), so the caller
        can tell a reuse from an unknown token. An all-zero digest never
        matches.

        Complexity: constant on average. Exception safety: no-throw.
    */
    [[nodiscard]] refresh_ptr find_refresh(validation::secret_digest const& digest) const noexcept
    {
        return do_find_refresh(digest);
    }

    /** The refresh-token family that remembers the access-token (or
        session-token) id `jti` (`add_family_access`), or an empty string.

        Complexity: constant on average. Exception safety: strong.
    */
    [[nodiscard]] std::string find_family_of(std::string_view jti) const { return do_find_family_of(jti); }

    /** Every refresh-token family (login) as (family id, owner), in no
        particular order; e.g. to end every session of a removed user.

        Complexity: linear in the families stored. Exception safety: strong.
    */
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> family_owners() const
    {
        return do_family_owners();
    }

    /** Whether the store can make changes durable. False after a journal
        write could not be made durable (a failed fsync, or a revocation
        applied in memory only), until the store repairs its journal
        (`JournalTokenStore::compact`); a store in memory is always healthy.

        Complexity: constant. Exception safety: no-throw.
    */
    [[nodiscard]] bool healthy() const noexcept { return do_healthy(); }

    //--------------------------------------------------------------------
    // Mutations: atomic, return result<...>.

    /** Adds `token`.

        @return Nothing, or
        - `tokens::error::invalid_request_body` if its id is empty, its
          digest is all zero, or it is `permanent` and has an expiry;
        - `tokens::error::duplicate_token` if its id or digest is taken;
        - `tokens::error::permanent_token_quota` if it is permanent and
          `limits.max_permanent` permanent tokens of its class, account and
          space exist already;
        - `tokens::error::token_quota` if `limits.max_temporary` or
          `limits.max_per_instance` is reached (see `insert_limits`);
        - `tokens::error::storage_failure` if it could not be made durable.

        Complexity: linear in the number of tokens.
        Exception safety: strong.
    */
    [[nodiscard]] result<void> insert(validation::stored_token token, insert_limits limits = {})
    {
        return do_insert(std::move(token), limits);
    }

    /** Deletes every token with the owner and class of `token` and adds
        `token`, in one atomic change: regenerate-and-replace for a
        one-key-per-user class.

        The new token's id and digest may equal those of a token it
        replaces. The quota of `limits` is checked as if the replaced tokens
        were gone already.

        @return The ids of the deleted tokens (possibly none), or the errors
        of `insert`.

        Complexity: linear in the number of tokens.
        Exception safety: strong.
    */
    [[nodiscard]] result<std::vector<std::string>> replace_owned(validation::stored_token token,
                                                                 insert_limits limits = {})
    {
        return do_replace_owned(std::move(token), limits);
    }

    /** Changes the token with `id` through `change`, which edits a copy.

        `change` may set `name`, `description`, `active`, `scopes` and
        `expires`; it runs under the write lock, so it must not call the
        store. A change that leaves the token as it was succeeds without
        changing anything. A change that only deactivates the token takes
        effect in memory even when it cannot be made durable (see the file
        comment).

        @return Nothing, or `tokens::error::token_not_found`,
        `tokens::error::invalid_request_body` if `change` altered any other
        member (id, digest, hint, owner, class, bindings, `permanent`,
        `created`) or gave a permanent token an expiry, or
        `tokens::error::storage_failure`.

        Complexity: linear in the number of tokens.
        Exception safety: strong; what `change` throws propagates and nothing
        changes.
    */
    [[nodiscard]] result<void> update(std::string_view id,
                                      std::function<void(validation::stored_token&)> const& change)
    {
        return do_update(id, change);
    }

    /** Activates or deactivates the token with `id`; an inactive token is
        refused by the validator at once.

        @return Nothing, or `tokens::error::token_not_found` or
        `tokens::error::storage_failure`.

        Complexity: linear in the number of tokens. Exception safety: strong.
    */
    [[nodiscard]] result<void> set_active(std::string_view id, bool active)
    {
        return update(id, [active](validation::stored_token& t) { t.active = active; });
    }

    /** Deletes the token with `id`; it stops working at once.

        @return Nothing, or `tokens::error::token_not_found` or
        `tokens::error::storage_failure`.

        Complexity: linear in the number of tokens. Exception safety: strong.
    */
    [[nodiscard]] result<void> erase(std::string_view id) { return do_erase(id); }

    /** Deletes every token that `filter` matches (an empty filter matches
        all of them).

        @return How many were deleted, or `tokens::error::storage_failure`.

        Complexity: linear in the number of tokens. Exception safety: strong.
    */
    [[nodiscard]] result<std::size_t> erase_if(token_filter const& filter)
    {
        return do_erase_if(filter);
    }

    /** Revokes the JWT (or token) with id `jti`.

        @param until When the revocation may be forgotten by `prune`: no
        earlier than the last instant the validator could accept the token,
        i.e. its `exp` plus the validator's leeway. Empty: never. Revoking an
        id again keeps the later of the two.

        @return Nothing, or `tokens::error::invalid_request_body` if `jti`
        is empty, or `tokens::error::storage_failure`.

        Complexity: linear in the number of revocations. Exception safety: strong.
    */
    [[nodiscard]] result<void> revoke(std::string jti,
                                      std::optional<clock::time_point> until = std::nullopt)
    {
        return do_revoke(std::move(jti), until);
    }

    /** Forgets the revocation of `jti`.

        @return Nothing, or `tokens::error::token_not_found` if it is not
        revoked, or `tokens::error::storage_failure`.

        Complexity: linear in the number of revocations. Exception safety: strong.
    */
    [[nodiscard]] result<void> erase_revocation(std::string_view jti)
    {
        return do_erase_revocation(jti);
    }

    /** Drops what has expired by `now`: revocations whose `until` is before
        `now`, non-permanent tokens whose `expires` is `now` or before,
        refresh-token records whose `expires` is `now` or before (and a
        family with none left), and remembered family access ids whose
        expiry is `now` or before.

        @return How many entries were dropped, or `tokens::error::storage_failure`.

        Complexity: linear in the size of the store. Exception safety: strong.
    */
    [[nodiscard]] result<std::size_t> prune(clock::time_point now) { return do_prune(now); }

    /** Adds a refresh-token record, starting its family if it is new; a new
        family beyond `limits.max_families_per_owner` ends the owner's least
        recently used families first (see `family_limits`). A record marked
        `rotated` is only remembered for reuse detection, as a rotation
        leaves it.

        @return Nothing, or `tokens::error::invalid_request_body` (empty id
        or family, all-zero digest), `tokens::error::duplicate_token` (id or
        digest taken) or `tokens::error::storage_failure`.

        Complexity: linear in the number of refresh tokens. Exception safety: strong.
    */
    [[nodiscard]] result<void> insert_refresh(refresh_token_record record, family_limits limits = {})
    {
        return do_insert_refresh(std::move(record), limits);
    }

    /** Marks the record `old_id` rotated and adds `next`, atomically: of two
        concurrent rotations of one token, exactly one succeeds. The rotated
        record leaves the live records (it is remembered until it expires,
        to recognise a reuse), and the family's access ids and rotated
        records that expired by `next.issued` are forgotten.

        @return Nothing, or
        - `tokens::error::invalid_refresh_token` if there is no record `old_id`;
        - `tokens::error::refresh_token_reused` if it is rotated already
          (the caller then revokes the family);
        - `tokens::error::invalid_request_body` if `next` is not of the
          same family, is marked rotated, or has an empty id or an all-zero
          digest;
        - `tokens::error::duplicate_token` if `next`'s id or digest is taken;
        - `tokens::error::token_quota` if the family holds
          `limits.max_tokens_per_family` ids, or remembers
          `limits.max_rotated_per_family` rotated records, still valid at
          `next.issued`;
        - `tokens::error::storage_failure`.

        Complexity: linear in the number of refresh tokens. Exception safety: strong.
    */
    [[nodiscard]] result<void> rotate_refresh(std::string_view old_id, refresh_token_record next,
                                              family_limits limits = {})
    {
        return do_rotate_refresh(old_id, std::move(next), limits);
    }

    /** Revokes the refresh-token family `family`, atomically: deletes every
        refresh token of the family, revokes every access-token id recorded
        for it by `add_family_access` (until its expiry) and every id of
        `jtis_to_revoke`. Takes effect in memory even when it cannot be made
        durable (see the file comment).

        @return How many refresh tokens (live and remembered rotated ones)
        were deleted (0 for an unknown
        family, whose `jtis_to_revoke` are revoked all the same), or
        `tokens::error::invalid_request_body` if an id of `jtis_to_revoke`
        is empty, or `tokens::error::storage_failure`.

        Complexity: linear in the size of the store. Exception safety: strong.
    */
    [[nodiscard]] result<std::size_t> revoke_family(std::string_view family,
                                                    std::vector<revocation> jtis_to_revoke = {})
    {
        return do_revoke_family(family, std::move(jtis_to_revoke));
    }

    /** Remembers that the access token (or model session token) `jti`,
        valid until `expires`, was issued from `family`, so that
        `revoke_family` revokes it too.

        A family remembers every id until it expires (`prune`); a new id
        beyond `limits.max_tokens_per_family` is refused rather than an older
        one forgotten.

        @return Nothing, or `tokens::error::invalid_refresh_token` if the
        family has no refresh token (it was revoked, or never existed),
        `tokens::error::invalid_request_body` if `jti` is empty,
        `tokens::error::token_quota` if the family is full, or
        `tokens::error::storage_failure`.

        Complexity: linear in the number of refresh tokens. Exception safety: strong.
    */
    [[nodiscard]] result<void> add_family_access(std::string_view family, std::string jti,
                                                 clock::time_point expires, family_limits limits = {})
    {
        return do_add_family_access(family, std::move(jti), expires, limits);
    }

private:
    // The operations above, for implementations to provide; each has the
    // contract of the public member of the same name.
    virtual token_ptr do_find_by_id(std::string_view id) const = 0;
    virtual std::vector<token_ptr> do_list(token_filter const& filter) const = 0;
    virtual std::size_t do_count(token_filter const& filter) const noexcept = 0;
    virtual refresh_ptr do_find_refresh(validation::secret_digest const& digest) const noexcept = 0;
    virtual std::string do_find_family_of(std::string_view jti) const = 0;
    virtual std::vector<std::pair<std::string, std::string>> do_family_owners() const = 0;
    virtual bool do_healthy() const noexcept { return true; }
    virtual result<void> do_insert(validation::stored_token token, insert_limits limits) = 0;
    virtual result<std::vector<std::string>> do_replace_owned(validation::stored_token token, insert_limits limits) = 0;
    virtual result<void> do_update(std::string_view id, std::function<void(validation::stored_token&)> const& change) = 0;
    virtual result<void> do_erase(std::string_view id) = 0;
    virtual result<std::size_t> do_erase_if(token_filter const& filter) = 0;
    virtual result<void> do_revoke(std::string jti, std::optional<clock::time_point> until) = 0;
    virtual result<void> do_erase_revocation(std::string_view jti) = 0;
    virtual result<std::size_t> do_prune(clock::time_point now) = 0;
    virtual result<void> do_insert_refresh(refresh_token_record record, family_limits limits) = 0;
    virtual result<void> do_rotate_refresh(std::string_view old_id, refresh_token_record next,
                                           family_limits limits) = 0;
    virtual result<std::size_t> do_revoke_family(std::string_view family, std::vector<revocation> jtis) = 0;
    virtual result<void> do_add_family_access(std::string_view family, std::string jti,
                                              clock::time_point expires, family_limits limits) = 0;
};

} // namespace tokens
} // namespace v0
} // namespace modelauth

//----------------------------------------------------------------------------
// Implementation

// The state machine shared by InMemoryTokenStore and JournalTokenStore.
//
// The state is three immutable tables (tokens, revocations, refresh tokens)
// behind one snapshot: a writer copies only the tables it changes, so a
// revocation does not copy the tokens and a new token does not copy the
// revocations. Every mutation is planned into one `token_op` (the checks,
// against the current state), then applied to a copy of the state; a
// journal records that op before the new state is published. Replaying a
// journal applies the same ops in the same order, so it rebuilds the same
// state: `apply_change` re-checks everything and refuses an op that does not fit.

namespace modelauth {
inline namespace v0 {
namespace tokens {

inline bool token_filter::matches(validation::stored_token const& token) const noexcept
{
    return (! owner || *owner == token.owner) && (! cls || *cls == token.cls)
        && (! account || *account == token.bindings.account)
        && (! space || *space == token.bindings.space)
        && (! instance || *instance == token.bindings.instance)
        && (! permanent || *permanent == token.permanent) && (! except_id || *except_id != token.id);
}

namespace detail {
namespace managed_store { // distinct names: detail is shared by every header

using token_time = std::chrono::system_clock::time_point;
using token_ptr = std::shared_ptr<validation::stored_token const>;
using refresh_ptr = std::shared_ptr<refresh_token_record const>;
using revocation = std::pair<std::string, std::optional<token_time>>;

//----------------------------------------------------------------------------
// Tables

// Hashes std::string keys and, where the library allows heterogeneous
// lookup (C++20), looks them up by string_view without allocating.
struct string_key_hash
{
    using is_transparent = void;

    std::size_t operator()(std::string_view key) const noexcept
    {
        return std::hash<std::string_view>{}(key);
    }
};

template<class Value>
using string_map = std::unordered_map<std::string, Value, string_key_hash, std::equal_to<>>;

template<class Map>
auto find_key(Map& map, std::string_view key) -> decltype(map.begin())
{
#if defined(__cpp_lib_generic_unordered_lookup)
    return map.find(key);
#else
    return map.find(std::string(key));
#endif
}

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

template<class Value>
using digest_map = std::unordered_map<validation::secret_digest, Value, digest_key_hash, digest_key_equal>;

inline bool is_zero_digest(validation::secret_digest const& d) noexcept
{
    unsigned char any = 0;
    for(auto b : d)
        any |= b;
    return any == 0;
}

struct token_table
{
    string_map<token_ptr> by_id;
    digest_map<token_ptr> by_secret;
};

// JWT id -> when its revocation may be forgotten (empty: never).
using revocation_table = string_map<std::optional<token_time>>;

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

struct refresh_table
{
    // The live records.
    string_map<refresh_ptr> by_id;
    // The live records and the remembered rotated ones.
    digest_map<refresh_ptr> by_secret;
    // Every family has a live record (but while an old journal is replayed).
    string_map<refresh_family> families;
    // Access id -> the family that remembers it.
    string_map<std::string> access_family;
};

struct token_state
{
    std::shared_ptr<token_table const> tokens = std::make_shared<token_table>();
    std::shared_ptr<revocation_table const> revocations = std::make_shared<revocation_table>();
    std::shared_ptr<refresh_table const> refresh = std::make_shared<refresh_table>();
};

// A copy-on-write view of a state: reads see the base until a table is
// edited, and only edited tables are copied (once per editor).
class state_editor
{
public:
    explicit state_editor(token_state base) : base_(std::move(base)) {}

    token_table const& tokens() const noexcept { return tokens_ ? *tokens_ : *base_.tokens; }
    revocation_table const& revocations() const noexcept
    {
        return revocations_ ? *revocations_ : *base_.revocations;
    }
    refresh_table const& refresh() const noexcept { return refresh_ ? *refresh_ : *base_.refresh; }

    token_table& edit_tokens() { return edit(tokens_, base_.tokens); }
    revocation_table& edit_revocations() { return edit(revocations_, base_.revocations); }
    refresh_table& edit_refresh() { return edit(refresh_, base_.refresh); }

    // Whether a token or a revocation changed: the epoch must advance.
    bool changes_credentials() const noexcept { return tokens_ || revocations_; }

    // The state with the edits.
    std::shared_ptr<token_state const> build() const
    {
        auto next = std::make_shared<token_state>(base_);
        if(tokens_)
            next->tokens = tokens_;
        if(revocations_)
            next->revocations = revocations_;
        if(refresh_)
            next->refresh = refresh_;
        return next;
    }

private:
    template<class T>
    static T& edit(std::shared_ptr<T>& copy, std::shared_ptr<T const> const& base)
    {
        if(! copy)
            copy = std::make_shared<T>(*base);
        return *copy;
    }

    token_state base_;
    std::shared_ptr<token_table> tokens_;
    std::shared_ptr<revocation_table> revocations_;
    std::shared_ptr<refresh_table> refresh_;
};

//----------------------------------------------------------------------------
// Ops: one per mutation, what a journal records

struct insert_op { validation::stored_token token; };
struct replace_owned_op { std::vector<std::string> erase; validation::stored_token token; };
struct update_op { validation::stored_token token; };
struct erase_op { std::vector<std::string> ids; };
struct revoke_op { std::string jti; std::optional<token_time> until; };
struct erase_revocation_op { std::string jti; };
struct prune_op { token_time now; };
// `evict`: the owner's families a new family ends first (family_limits).
struct insert_refresh_op { refresh_token_record record; std::vector<std::string> evict; };
struct rotate_refresh_op { std::string old_id; refresh_token_record next; };
struct revoke_family_op { std::string family; std::vector<revocation> jtis; };
struct add_family_access_op { std::string family; std::string jti; token_time expires; };

using token_op = std::variant<insert_op, replace_owned_op, update_op, erase_op, revoke_op,
    erase_revocation_op, prune_op, insert_refresh_op, rotate_refresh_op, revoke_family_op,
    add_family_access_op>;

//----------------------------------------------------------------------------
// Checks shared by planning and applying

inline std::error_code make_lifecycle_error(tokens::error e) noexcept
{
    return make_error_code(e);
}

inline bool contains(std::vector<std::string> const& ids, std::string_view id) noexcept
{
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// A token the store can hold: an id, a digest, and no expiry if permanent.
inline bool is_storable(validation::stored_token const& t) noexcept
{
    return ! t.id.empty() && ! is_zero_digest(t.secret_hash) && ! (t.permanent && t.expires);
}

// Whether another token than those of `spared` has the id or digest of `t`.
inline bool is_taken(token_table const& table, validation::stored_token const& t,
                     std::vector<std::string> const& spared = {})
{
    auto by_id = find_key(table.by_id, t.id);
    if(by_id != table.by_id.end() && ! contains(spared, by_id->first))
        return true;
    auto by_secret = table.by_secret.find(t.secret_hash);
    return by_secret != table.by_secret.end() && ! contains(spared, by_secret->second->id);
}

// How many tokens of `table` satisfy `counted`, but those of `spared`.
template<class Predicate>
std::size_t count_tokens(token_table const& table, std::vector<std::string> const& spared, Predicate counted)
{
    std::size_t n = 0;
    for(auto const& entry : table.by_id)
        if(counted(*entry.second) && ! contains(spared, entry.second->id))
            ++n;
    return n;
}

// Whether `other` has the class, account and space of `t`.
inline bool same_holder(validation::stored_token const& other, validation::stored_token const& t) noexcept
{
    return other.cls == t.cls && other.bindings.account == t.bindings.account
        && other.bindings.space == t.bindings.space;
}

// Whether `other` has not expired when `t` is created.
inline bool live_at_creation(validation::stored_token const& other, validation::stored_token const& t) noexcept
{
    return ! (other.expires && *other.expires <= t.created);
}

// The permanent tokens of the class, account and space of `t`, but those of `spared`.
inline std::size_t permanent_count(token_table const& table, validation::stored_token const& t,
                                   std::vector<std::string> const& spared = {})
{
    return count_tokens(table, spared,
                        [&](validation::stored_token const& other) { return other.permanent && same_holder(other, t); });
}

// The temporary tokens of the class, account and space of `t` that have
// not expired at its creation, but those of `spared`.
inline std::size_t temporary_count(token_table const& table, validation::stored_token const& t,
                                   std::vector<std::string> const& spared = {})
{
    return count_tokens(table, spared, [&](validation::stored_token const& other) {
        return ! other.permanent && same_holder(other, t) && live_at_creation(other, t);
    });
}

// The instance tokens of the instance of `t` that have not expired at its
// creation, but those of `spared`.
inline std::size_t instance_count(token_table const& table, validation::stored_token const& t,
                                  std::vector<std::string> const& spared = {})
{
    return count_tokens(table, spared, [&](validation::stored_token const& other) {
        return other.cls == validation::token_class::instance && other.bindings.instance == t.bindings.instance
            && live_at_creation(other, t);
    });
}

// The quota `t` would exceed, or no error.
inline std::error_code quota_error(token_table const& table, validation::stored_token const& t, insert_limits const& limits,
                                   std::vector<std::string> const& spared = {})
{
    if(t.permanent && limits.max_permanent && permanent_count(table, t, spared) >= *limits.max_permanent)
        return make_lifecycle_error(tokens::error::permanent_token_quota);
    if(! t.permanent && limits.max_temporary && temporary_count(table, t, spared) >= *limits.max_temporary)
        return make_lifecycle_error(tokens::error::token_quota);
    if(t.cls == validation::token_class::instance && limits.max_per_instance
       && instance_count(table, t, spared) >= *limits.max_per_instance)
        return make_lifecycle_error(tokens::error::token_quota);
    return {};
}

// Whether `next` differs from `current` only in what `update` may change.
inline bool same_identity(validation::stored_token const& current, validation::stored_token const& next) noexcept
{
    return current.id == next.id && validation::digest_equal(current.secret_hash, next.secret_hash)
        && current.hint == next.hint && current.owner == next.owner && current.cls == next.cls
        && current.bindings == next.bindings && current.permanent == next.permanent
        && current.created == next.created;
}

inline bool same_mutable_fields(validation::stored_token const& a, validation::stored_token const& b) noexcept
{
    return a.name == b.name && a.description == b.description && a.active == b.active
        && a.scopes == b.scopes && a.expires == b.expires;
}

inline bool is_storable(refresh_token_record const& r) noexcept
{
    return ! r.id.empty() && ! r.family.empty() && ! is_zero_digest(r.secret_hash);
}

inline bool is_taken(refresh_table const& table, refresh_token_record const& r)
{
    return find_key(table.by_id, r.id) != table.by_id.end()
        || table.by_secret.find(r.secret_hash) != table.by_secret.end();
}

// Whether recording `until` for `jti` would change the revocations: a
// revocation is never shortened.
inline bool extends_revocation(revocation_table const& table, std::string_view jti,
                               std::optional<token_time> until)
{
    auto it = find_key(table, jti);
    if(it == table.end())
        return true;
    return it->second && (! until || *until > *it->second);
}

inline bool add_revocation(state_editor& s, std::string jti, std::optional<token_time> until)
{
    if(! extends_revocation(s.revocations(), jti, until))
        return false;
    s.edit_revocations()[std::move(jti)] = until;
    return true;
}

// What `prune(now)` drops.
inline bool prunable_token(validation::stored_token const& t, token_time now) noexcept
{
    return ! t.permanent && t.expires && *t.expires <= now;
}

inline bool prunable_revocation(std::optional<token_time> const& until, token_time now) noexcept
{
    return until && *until < now;
}

// What `prune(now)` drops of the refresh tokens: expired records (live
// and rotated), expired access ids, and families without a live record.
inline std::size_t prunable_refresh_count(refresh_table const& table, token_time now)
{
    std::size_t n = 0;
    for(auto const& entry : table.by_id)
        n += entry.second->expires <= now;
    for(auto const& entry : table.families)
    {
        n += entry.second.records.empty();
        for(auto const& rotated : entry.second.rotated)
            n += rotated->expires <= now;
        for(auto const& access : entry.second.access)
            n += access.second <= now;
    }
    return n;
}

inline std::size_t prunable_count(state_editor const& s, token_time now)
{
    std::size_t n = 0;
    for(auto const& entry : s.tokens().by_id)
        n += prunable_token(*entry.second, now);
    for(auto const& entry : s.revocations())
        n += prunable_revocation(entry.second, now);
    return n + prunable_refresh_count(s.refresh(), now);
}

// Whether `op`, applied to `s`, only takes a credential away (a revocation,
// a deletion, a deactivation, a family's revocation): such a change takes
// effect in memory even when the journal cannot make it durable.
inline bool fails_closed(state_editor const& s, token_op const& op)
{
    if(std::holds_alternative<revoke_op>(op) || std::holds_alternative<erase_op>(op)
       || std::holds_alternative<revoke_family_op>(op))
        return true;
    auto const* update = std::get_if<update_op>(&op);
    if(! update || update->token.active)
        return false;
    auto it = find_key(s.tokens().by_id, update->token.id);
    if(it == s.tokens().by_id.end() || ! it->second->active)
        return false;
    auto deactivated = *it->second;
    deactivated.active = false;
    return same_identity(deactivated, update->token) && same_mutable_fields(deactivated, update->token);
}

//----------------------------------------------------------------------------
// Applying ops; each returns how many entries it changed

inline void put_token(token_table& table, validation::stored_token token)
{
    auto p = std::make_shared<validation::stored_token const>(std::move(token));
    table.by_secret[p->secret_hash] = p;
    table.by_id[p->id] = std::move(p);
}

// Removes the token `id` if it is there (an op read from a damaged journal
// may name one twice).
inline void remove_token(token_table& table, std::string_view id)
{
    auto it = find_key(table.by_id, id);
    if(it == table.by_id.end())
        return;
    table.by_secret.erase(it->second->secret_hash);
    table.by_id.erase(it);
}

inline void put_refresh(refresh_table& table, refresh_token_record record)
{
    auto p = std::make_shared<refresh_token_record const>(std::move(record));
    table.by_secret[p->secret_hash] = p;
    table.by_id[p->id] = std::move(p);
}

// Forgets the access id `jti` of the family `name` in the index.
inline void forget_access(refresh_table& table, std::string const& jti, std::string const& name)
{
    auto it = find_key(table.access_family, jti);
    if(it != table.access_family.end() && it->second == name)
        table.access_family.erase(it);
}

// Forgets what of the family `name` expired by `now`: its rotated records
// (they can no longer be presented) and its access ids (they need no
// revocation any more). Returns how many.
inline std::size_t forget_expired(refresh_table& table, std::string const& name, refresh_family& family,
                                  token_time now)
{
    auto const kept_rotated = std::remove_if(family.rotated.begin(), family.rotated.end(), [&](refresh_ptr const& r) {
        if(r->expires > now)
            return false;
        table.by_secret.erase(r->secret_hash);
        return true;
    });
    auto const kept_access = std::remove_if(family.access.begin(), family.access.end(),
        [&](std::pair<std::string, token_time> const& a) {
            if(a.second > now)
                return false;
            forget_access(table, a.first, name);
            return true;
        });
    auto const n = static_cast<std::size_t>((family.rotated.end() - kept_rotated) + (family.access.end() - kept_access));
    family.rotated.erase(kept_rotated, family.rotated.end());
    family.access.erase(kept_access, family.access.end());
    return n;
}

// Deletes the family `it` and its records (live and rotated); moves its
// access ids to `access` and returns how many records it deleted.
inline std::size_t remove_family(refresh_table& table, string_map<refresh_family>::iterator it,
                                 std::vector<std::pair<std::string, token_time>>& access)
{
    auto& family = it->second;
    for(auto const& id : family.records)
    {
        auto record = find_key(table.by_id, id);
        if(record == table.by_id.end())
            continue;
        table.by_secret.erase(record->second->secret_hash);
        table.by_id.erase(record);
    }
    for(auto const& rotated : family.rotated)
        table.by_secret.erase(rotated->secret_hash);
    for(auto const& a : family.access)
        forget_access(table, a.first, it->first);
    std::size_t const deleted = family.records.size() + family.rotated.size();
    std::move(family.access.begin(), family.access.end(), std::back_inserter(access));
    table.families.erase(it);
    return deleted;
}

// The most recent `issued` of the family's live records: when it was last used.
inline token_time last_used(refresh_table const& table, refresh_family const& family)
{
    auto latest = token_time::min();
    for(auto const& id : family.records)
    {
        auto it = find_key(table.by_id, id);
        if(it != table.by_id.end())
            latest = std::max(latest, it->second->issued);
    }
    return latest;
}

// The families of `owner` a new family must end first so that the owner
// keeps at most `most` families: the least recently used ones.
inline std::vector<std::string> families_to_evict(refresh_table const& table, std::string const& owner,
                                                  std::size_t most)
{
    std::vector<std::pair<token_time, std::string>> owned;
    for(auto const& entry : table.families)
        if(entry.second.owner == owner)
            owned.emplace_back(last_used(table, entry.second), entry.first);
    std::vector<std::string> evict;
    if(owned.size() < most)
        return evict;
    std::sort(owned.begin(), owned.end());
    auto const n = owned.size() - most + (most > 0 ? 1 : 0);
    for(std::size_t i = 0; i < n && i < owned.size(); ++i)
        evict.push_back(std::move(owned[i].second));
    return evict;
}

inline result<std::size_t> apply_op(state_editor& s, insert_op const& op)
{
    if(! is_storable(op.token))
        return make_lifecycle_error(tokens::error::invalid_request_body);
    if(is_taken(s.tokens(), op.token))
        return make_lifecycle_error(tokens::error::duplicate_token);
    put_token(s.edit_tokens(), op.token);
    return 1;
}

inline result<std::size_t> apply_op(state_editor& s, replace_owned_op const& op)
{
    for(auto const& id : op.erase)
    {
        auto it = find_key(s.tokens().by_id, id);
        if(it == s.tokens().by_id.end())
            return make_lifecycle_error(tokens::error::token_not_found);
        if(it->second->owner != op.token.owner || it->second->cls != op.token.cls)
            return make_lifecycle_error(tokens::error::invalid_request_body);
    }
    if(! is_storable(op.token))
        return make_lifecycle_error(tokens::error::invalid_request_body);
    if(is_taken(s.tokens(), op.token, op.erase))
        return make_lifecycle_error(tokens::error::duplicate_token);
    auto& table = s.edit_tokens();
    for(auto const& id : op.erase)
        remove_token(table, id);
    put_token(table, op.token);
    return op.erase.size() + 1;
}

inline result<std::size_t> apply_op(state_editor& s, update_op const& op)
{
    auto it = find_key(s.tokens().by_id, op.token.id);
    if(it == s.tokens().by_id.end())
        return make_lifecycle_error(tokens::error::token_not_found);
    if(! same_identity(*it->second, op.token) || ! is_storable(op.token))
        return make_lifecycle_error(tokens::error::invalid_request_body);
    put_token(s.edit_tokens(), op.token);
    return 1;
}

inline result<std::size_t> apply_op(state_editor& s, erase_op const& op)
{
    for(auto const& id : op.ids)
        if(find_key(s.tokens().by_id, id) == s.tokens().by_id.end())
            return make_lifecycle_error(tokens::error::token_not_found);
    auto& table = s.edit_tokens();
    for(auto const& id : op.ids)
        remove_token(table, id);
    return op.ids.size();
}

inline result<std::size_t> apply_op(state_editor& s, revoke_op const& op)
{
    if(op.jti.empty())
        return make_lifecycle_error(tokens::error::invalid_request_body);
    return add_revocation(s, op.jti, op.until) ? 1 : 0;
}

inline result<std::size_t> apply_op(state_editor& s, erase_revocation_op const& op)
{
    if(find_key(s.revocations(), op.jti) == s.revocations().end())
        return make_lifecycle_error(tokens::error::token_not_found);
    auto& table = s.edit_revocations();
    table.erase(find_key(table, op.jti));
    return 1;
}

inline result<std::size_t> apply_op(state_editor& s, prune_op const& op)
{
    std::size_t n = 0;
    std::vector<std::string> ids;
    for(auto const& entry : s.tokens().by_id)
        if(prunable_token(*entry.second, op.now))
            ids.push_back(entry.first);
    if(! ids.empty())
    {
        auto& table = s.edit_tokens();
        for(auto const& id : ids)
            remove_token(table, id);
        n += ids.size();
    }

    ids.clear();
    for(auto const& entry : s.revocations())
        if(prunable_revocation(entry.second, op.now))
            ids.push_back(entry.first);
    if(! ids.empty())
    {
        auto& table = s.edit_revocations();
        for(auto const& id : ids)
            table.erase(find_key(table, id));
        n += ids.size();
    }

    if(prunable_refresh_count(s.refresh(), op.now) == 0)
        return n;
    auto& refresh = s.edit_refresh();
    for(auto family = refresh.families.begin(); family != refresh.families.end();)
    {
        auto& records = family->second.records;
        auto const kept_records = std::remove_if(records.begin(), records.end(), [&](std::string const& id) {
            auto it = find_key(refresh.by_id, id);
            if(it == refresh.by_id.end())
                return true;
            if(it->second->expires > op.now)
                return false;
            refresh.by_secret.erase(it->second->secret_hash);
            refresh.by_id.erase(it);
            return true;
        });
        n += static_cast<std::size_t>(records.end() - kept_records);
        records.erase(kept_records, records.end());

        n += forget_expired(refresh, family->first, family->second, op.now);

        if(records.empty())
        {
            // Forgotten with their family: its remembered rotated records
            // and access ids (the family, with no refresh token, can never
            // be revoked by a reuse again).
            std::vector<std::pair<std::string, token_time>> forgotten;
            n += remove_family(refresh, family++, forgotten) + forgotten.size();
        }
        else
            ++family;
    }
    return n;
}

inline result<std::size_t> apply_op(state_editor& s, insert_refresh_op const& op)
{
    if(! is_storable(op.record))
        return make_lifecycle_error(tokens::error::invalid_request_body);
    if(is_taken(s.refresh(), op.record))
        return make_lifecycle_error(tokens::error::duplicate_token);
    for(auto const& name : op.evict)
    {
        auto it = find_key(s.refresh().families, name);
        if(name == op.record.family || it == s.refresh().families.end() || it->second.owner != op.record.owner)
            return make_lifecycle_error(tokens::error::invalid_refresh_token);
    }
    auto& table = s.edit_refresh();
    std::size_t n = 1;
    std::vector<std::pair<std::string, token_time>> access;
    for(auto const& name : op.evict)
        n += remove_family(table, find_key(table.families, name), access);
    auto& family = table.families[op.record.family];
    if(family.owner.empty())
        family.owner = op.record.owner;
    auto p = std::make_shared<refresh_token_record const>(op.record);
    table.by_secret[p->secret_hash] = p;
    if(p->rotated)
        family.rotated.push_back(std::move(p));
    else
    {
        family.records.push_back(p->id);
        table.by_id[p->id] = std::move(p);
    }
    for(auto& a : access)
        add_revocation(s, std::move(a.first), a.second);
    return n;
}

// The checks of a rotation, shared by planning and applying.
inline std::error_code check_rotation(refresh_table const& table, std::string_view old_id,
                                      refresh_token_record const& next)
{
    auto old = find_key(table.by_id, old_id);
    if(old == table.by_id.end())
    {
        auto family = find_key(table.families, next.family);
        if(family != table.families.end()
           && std::any_of(family->second.rotated.begin(), family->second.rotated.end(),
                          [&](refresh_ptr const& r) { return r->id == old_id; }))
            return make_lifecycle_error(tokens::error::refresh_token_reused);
        return make_lifecycle_error(tokens::error::invalid_refresh_token);
    }
    if(old->second->rotated)
        return make_lifecycle_error(tokens::error::refresh_token_reused);
    if(! is_storable(next) || next.rotated || next.family != old->second->family)
        return make_lifecycle_error(tokens::error::invalid_request_body);
    if(is_taken(table, next))
        return make_lifecycle_error(tokens::error::duplicate_token);
    return {};
}

inline result<std::size_t> apply_op(state_editor& s, rotate_refresh_op const& op)
{
    if(auto ec = check_rotation(s.refresh(), op.old_id, op.next))
        return ec;
    auto& table = s.edit_refresh();
    auto const old = find_key(table.by_id, op.old_id);
    auto rotated = std::make_shared<refresh_token_record>(*old->second);
    rotated->rotated = true;
    table.by_id.erase(old);
    table.by_secret[rotated->secret_hash] = rotated;
    auto& family = table.families[op.next.family];
    family.records.erase(std::remove(family.records.begin(), family.records.end(), op.old_id),
                         family.records.end());
    forget_expired(table, op.next.family, family, op.next.issued);
    family.rotated.push_back(std::move(rotated));
    family.records.push_back(op.next.id);
    put_refresh(table, op.next);
    return 2;
}

inline result<std::size_t> apply_op(state_editor& s, revoke_family_op const& op)
{
    for(auto const& jti : op.jtis)
        if(jti.first.empty())
            return make_lifecycle_error(tokens::error::invalid_request_body);
    std::size_t deleted = 0;
    if(find_key(s.refresh().families, op.family) != s.refresh().families.end())
    {
        auto& table = s.edit_refresh();
        std::vector<std::pair<std::string, token_time>> access;
        deleted = remove_family(table, find_key(table.families, op.family), access);
        for(auto& a : access)
            add_revocation(s, std::move(a.first), a.second);
    }
    for(auto const& jti : op.jtis)
        add_revocation(s, jti.first, jti.second);
    return deleted;
}

inline result<std::size_t> apply_op(state_editor& s, add_family_access_op const& op)
{
    if(op.jti.empty())
        return make_lifecycle_error(tokens::error::invalid_request_body);
    if(find_key(s.refresh().families, op.family) == s.refresh().families.end())
        return make_lifecycle_error(tokens::error::invalid_refresh_token);
    auto& table = s.edit_refresh();
    auto& access = find_key(table.families, op.family)->second.access;
    auto same = std::find_if(access.begin(), access.end(),
        [&](std::pair<std::string, token_time> const& a) { return a.first == op.jti; });
    if(same != access.end())
    {
        same->second = std::max(same->second, op.expires);
        return 1;
    }
    // Every id is kept until it expires: a full family refuses new ids
    // (family_limits) instead of forgetting live ones.
    access.emplace_back(op.jti, op.expires);
    table.access_family[op.jti] = op.family;
    return 1;
}

inline result<std::size_t> apply_change(state_editor& s, token_op const& op)
{
    return std::visit([&](auto const& o) { return apply_op(s, o); }, op);
}

//----------------------------------------------------------------------------
// The store's engine

// The journal of a store that keeps nothing: every change is durable at once.
struct null_journal
{
    result<void> stage(token_op&) noexcept { return {}; }
    result<void> commit() noexcept { return {}; }
    void diverged() noexcept {}
    void published(token_state const&) noexcept {}
};

/*  The state of a managed store and its operations, for a store to forward
    to. Each mutation takes the store's journal, an object with
        result<void> stage(token_op& op);  // may rewrite op as it will be replayed
        result<void> commit();             // makes the staged op durable
        void diverged();                   // memory now holds a change the journal lacks
        void published(token_state const&);// the state after a durable change
    all called under the write lock: stage before the op is applied to a
    copy of the state, commit after it applied cleanly and before the copy
    is published, published after it. When stage or commit fails with
    `storage_failure` for an op that only takes credentials away
    (`fails_closed`), the op is published all the same, the journal is told
    it diverged, and the mutation answers `storage_failure`.
*/
class store_core
{
public:
    store_core() : state_(std::make_shared<token_state const>()) {}

    //------------------------------------------------------------------------
    // Reads

    std::uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_acquire); }

    std::shared_ptr<token_state const> load() const noexcept { return state_.load(); }

    token_ptr find_by_secret(validation::secret_digest const& digest) const noexcept
    {
        if(is_zero_digest(digest))
            return nullptr;
        auto const s = state_.load();
        auto it = s->tokens->by_secret.find(digest);
        return it == s->tokens->by_secret.end() ? nullptr : it->second;
    }

    bool is_revoked(std::string_view jti) const
    {
        auto const s = state_.load();
        return ! s->revocations->empty() && find_key(*s->revocations, jti) != s->revocations->end();
    }

    token_ptr find_by_id(std::string_view id) const
    {
        auto const s = state_.load();
        auto it = find_key(s->tokens->by_id, id);
        return it == s->tokens->by_id.end() ? nullptr : it->second;
    }

    std::vector<token_ptr> tokens() const
    {
        auto const s = state_.load();
        std::vector<token_ptr> out;
        out.reserve(s->tokens->by_id.size());
        for(auto const& entry : s->tokens->by_id)
            out.push_back(entry.second);
        return out;
    }

    std::vector<token_ptr> list(token_filter const& filter) const
    {
        auto const s = state_.load();
        std::vector<token_ptr> out;
        for(auto const& entry : s->tokens->by_id)
            if(filter.matches(*entry.second))
                out.push_back(entry.second);
        std::sort(out.begin(), out.end(), [](token_ptr const& a, token_ptr const& b) {
            return std::tie(a->created, a->id) < std::tie(b->created, b->id);
        });
        return out;
    }

    std::size_t count(token_filter const& filter) const noexcept
    {
        auto const s = state_.load();
        std::size_t n = 0;
        for(auto const& entry : s->tokens->by_id)
            n += filter.matches(*entry.second);
        return n;
    }

    refresh_ptr find_refresh(validation::secret_digest const& digest) const noexcept
    {
        if(is_zero_digest(digest))
            return nullptr;
        auto const s = state_.load();
        auto it = s->refresh->by_secret.find(digest);
        return it == s->refresh->by_secret.end() ? nullptr : it->second;
    }

    std::string find_family_of(std::string_view jti) const
    {
        auto const s = state_.load();
        auto it = find_key(s->refresh->access_family, jti);
        return it == s->refresh->access_family.end() ? std::string() : it->second;
    }

    std::vector<std::pair<std::string, std::string>> family_owners() const
    {
        auto const s = state_.load();
        std::vector<std::pair<std::string, std::string>> out;
        out.reserve(s->refresh->families.size());
        for(auto const& entry : s->refresh->families)
            out.emplace_back(entry.first, entry.second.owner);
        return out;
    }

    //------------------------------------------------------------------------
    // Mutations

    template<class Journal>
    result<void> insert(Journal& journal, validation::stored_token token, insert_limits limits)
    {
        return done(write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            if(! is_storable(token))
                return make_lifecycle_error(tokens::error::invalid_request_body);
            if(is_taken(s.tokens(), token))
                return make_lifecycle_error(tokens::error::duplicate_token);
            if(auto ec = quota_error(s.tokens(), token, limits))
                return ec;
            return token_op(insert_op{std::move(token)});
        }));
    }

    template<class Journal>
    result<std::vector<std::string>> replace_owned(Journal& journal, validation::stored_token token, insert_limits limits)
    {
        std::vector<std::string> erased;
        auto r = write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            for(auto const& entry : s.tokens().by_id)
                if(entry.second->owner == token.owner && entry.second->cls == token.cls)
                    erased.push_back(entry.first);
            std::sort(erased.begin(), erased.end());
            if(! is_storable(token))
                return make_lifecycle_error(tokens::error::invalid_request_body);
            if(is_taken(s.tokens(), token, erased))
                return make_lifecycle_error(tokens::error::duplicate_token);
            if(auto ec = quota_error(s.tokens(), token, limits, erased))
                return ec;
            return token_op(replace_owned_op{erased, std::move(token)});
        });
        if(! r)
            return r.error();
        return erased;
    }

    template<class Journal>
    result<void> update(Journal& journal, std::string_view id, std::function<void(validation::stored_token&)> const& change)
    {
        return done(write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            auto it = find_key(s.tokens().by_id, id);
            if(it == s.tokens().by_id.end())
                return make_lifecycle_error(tokens::error::token_not_found);
            auto next = *it->second;
            if(change)
                change(next);
            if(! same_identity(*it->second, next) || ! is_storable(next))
                return make_lifecycle_error(tokens::error::invalid_request_body);
            if(same_mutable_fields(*it->second, next))
                return std::nullopt;
            return token_op(update_op{std::move(next)});
        }));
    }

    template<class Journal>
    result<void> erase(Journal& journal, std::string_view id)
    {
        return done(write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            if(find_key(s.tokens().by_id, id) == s.tokens().by_id.end())
                return make_lifecycle_error(tokens::error::token_not_found);
            return token_op(erase_op{{std::string(id)}});
        }));
    }

    template<class Journal>
    result<std::size_t> erase_if(Journal& journal, token_filter const& filter)
    {
        return write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            std::vector<std::string> ids;
            for(auto const& entry : s.tokens().by_id)
                if(filter.matches(*entry.second))
                    ids.push_back(entry.first);
            if(ids.empty())
                return std::nullopt;
            std::sort(ids.begin(), ids.end());
            return token_op(erase_op{std::move(ids)});
        });
    }

    template<class Journal>
    result<void> revoke(Journal& journal, std::string jti, std::optional<token_time> until)
    {
        return done(write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            if(jti.empty())
                return make_lifecycle_error(tokens::error::invalid_request_body);
            if(! extends_revocation(s.revocations(), jti, until))
                return std::nullopt;
            return token_op(revoke_op{std::move(jti), until});
        }));
    }

    template<class Journal>
    result<void> erase_revocation(Journal& journal, std::string_view jti)
    {
        return done(write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            if(find_key(s.revocations(), jti) == s.revocations().end())
                return make_lifecycle_error(tokens::error::token_not_found);
            return token_op(erase_revocation_op{std::string(jti)});
        }));
    }

    template<class Journal>
    result<std::size_t> prune(Journal& journal, token_time now)
    {
        return write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            if(prunable_count(s, now) == 0)
                return std::nullopt;
            return token_op(prune_op{now});
        });
    }

    template<class Journal>
    result<void> insert_refresh(Journal& journal, refresh_token_record record, family_limits limits)
    {
        return done(write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            if(! is_storable(record))
                return make_lifecycle_error(tokens::error::invalid_request_body);
            if(is_taken(s.refresh(), record))
                return make_lifecycle_error(tokens::error::duplicate_token);
            std::vector<std::string> evict;
            if(! record.rotated && limits.max_families_per_owner
               && find_key(s.refresh().families, record.family) == s.refresh().families.end())
                evict = families_to_evict(s.refresh(), record.owner, *limits.max_families_per_owner);
            return token_op(insert_refresh_op{std::move(record), std::move(evict)});
        }));
    }

    template<class Journal>
    result<void> rotate_refresh(Journal& journal, std::string_view old_id, refresh_token_record next,
                                family_limits limits)
    {
        return done(write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            if(auto ec = check_rotation(s.refresh(), old_id, next))
                return ec;
            auto const& family = find_key(s.refresh().families, next.family)->second;
            if(limits.max_tokens_per_family)
            {
                auto const live = std::count_if(family.access.begin(), family.access.end(),
                    [&](std::pair<std::string, token_time> const& a) { return a.second > next.issued; });
                if(static_cast<std::size_t>(live) >= *limits.max_tokens_per_family)
                    return make_lifecycle_error(tokens::error::token_quota);
            }
            if(limits.max_rotated_per_family)
            {
                auto const remembered = std::count_if(family.rotated.begin(), family.rotated.end(),
                    [&](refresh_ptr const& r) { return r->expires > next.issued; });
                if(static_cast<std::size_t>(remembered) >= *limits.max_rotated_per_family)
                    return make_lifecycle_error(tokens::error::token_quota);
            }
            return token_op(rotate_refresh_op{std::string(old_id), std::move(next)});
        }));
    }

    template<class Journal>
    result<std::size_t> revoke_family(Journal& journal, std::string_view family, std::vector<revocation> jtis)
    {
        return write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            for(auto const& jti : jtis)
                if(jti.first.empty())
                    return make_lifecycle_error(tokens::error::invalid_request_body);
            bool const known = find_key(s.refresh().families, family) != s.refresh().families.end();
            bool const revokes = std::any_of(jtis.begin(), jtis.end(), [&](revocation const& r) {
                return extends_revocation(s.revocations(), r.first, r.second);
            });
            if(! known && ! revokes)
                return std::nullopt;
            return token_op(revoke_family_op{std::string(family), std::move(jtis)});
        });
    }

    template<class Journal>
    result<void> add_family_access(Journal& journal, std::string_view family, std::string jti, token_time expires,
                                   family_limits limits)
    {
        return done(write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            if(jti.empty())
                return make_lifecycle_error(tokens::error::invalid_request_body);
            auto it = find_key(s.refresh().families, family);
            if(it == s.refresh().families.end())
                return make_lifecycle_error(tokens::error::invalid_refresh_token);
            bool known = false;
            for(auto const& a : it->second.access)
            {
                if(a.first == jti && a.second >= expires)
                    return std::nullopt;
                known = known || a.first == jti;
            }
            if(! known && limits.max_tokens_per_family && it->second.access.size() >= *limits.max_tokens_per_family)
                return make_lifecycle_error(tokens::error::token_quota);
            return token_op(add_family_access_op{std::string(family), std::move(jti), expires});
        }));
    }

    //------------------------------------------------------------------------
    // For a persistent store

    // Calls `f(state)` under the write lock, with the current state.
    template<class F>
    decltype(auto) with_write_lock(F&& f)
    {
        std::lock_guard<std::mutex> lock(write_mutex_);
        auto const s = state_.load();
        return std::forward<F>(f)(*s);
    }

    // Publishes what `editor` built (a replayed journal), advancing the epoch.
    void publish(state_editor const& editor)
    {
        auto next = editor.build();
        std::lock_guard<std::mutex> lock(write_mutex_);
        state_.store(std::move(next));
        epoch_.fetch_add(1, std::memory_order_acq_rel);
    }

private:
    static result<void> done(result<std::size_t> const& r)
    {
        if(! r)
            return r.error();
        return {};
    }

    // Plans a change with `plan(editor)` (an op, or none when there is
    // nothing to change), stages it in the journal, applies it to a copy of
    // the state, commits the journal, and publishes the copy; then advances
    // the epoch if a token or a revocation changed. All under the write lock.
    // Returns what `apply_change` counted, or 0 when there was nothing to change.
    template<class Journal, class Plan>
    result<std::size_t> write(Journal& journal, Plan&& plan)
    {
        std::lock_guard<std::mutex> lock(write_mutex_);
        state_editor editor(*state_.load());
        auto planned = plan(static_cast<state_editor const&>(editor));
        if(! planned)
            return planned.error();
        if(! *planned)
            return std::size_t(0);
        token_op& op = **planned;
        bool const closing = fails_closed(editor, op);
        auto const storage_failed = [](std::error_code const& ec) {
            return ec == make_lifecycle_error(tokens::error::storage_failure);
        };
        auto staged = journal.stage(op);
        if(! staged && ! (closing && storage_failed(staged.error())))
            return staged.error();
        auto applied = apply_change(editor, op);
        if(! applied)
            return applied.error();
        auto next = editor.build();
        std::error_code not_durable;
        if(! staged)
            not_durable = staged.error();
        else if(auto committed = journal.commit(); ! committed)
        {
            if(! (closing && storage_failed(committed.error())))
                return committed.error();
            not_durable = committed.error();
        }
        // Fail closed: a credential taken away stops working now, durable or not.
        if(not_durable)
            journal.diverged();
        state_.store(next);
        if(editor.changes_credentials())
            epoch_.fetch_add(1, std::memory_order_acq_rel);
        if(not_durable)
            return not_durable;
        journal.published(*next);
        return applied;
    }

    modelauth::detail::snapshot<token_state> state_;
    std::atomic<std::uint64_t> epoch_{1};
    std::mutex write_mutex_;
};

} // namespace managed_store
} // namespace detail
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
