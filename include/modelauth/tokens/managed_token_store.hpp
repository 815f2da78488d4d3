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

    The *epoch* (`TokenStore::epoch`) advances after every change that may
    invalidate a credential or change what it grants (deletion, replacement,
    update, deactivation, revocation, a family's revocation): the validator's
    cache then drops every verdict it holds, at once, on every thread. The
    *grant epoch* (`TokenStore::grant_epoch`) advances after every change
    that may make an invalid credential valid (a new token, a replacement, an
    update, a revocation lifted): the cache drops the failures it holds.
    Creating tokens therefore leaves cached valid credentials warm. Pruning
    moves neither (it drops only what has expired), nor do changes to
    refresh-token records alone, which the validator never reads.

    Implementations: `InMemoryTokenStore` (`in_memory_token_store.hpp`) and
    `JournalTokenStore` (`journal_token_store.hpp`, the same state persisted
    in a write-ahead journal).
*/

#include <modelauth/error.hpp>
#include <modelauth/tokens/error.hpp>
#include <modelauth/validation/token_store.hpp>

#include <chrono>
#include <cstddef>
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

        Complexity: logarithmic in the number of tokens (a path of the
        store's persistent tables is copied; docs/token-store.md), plus
        linear when `limits` sets a quota.
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

        Complexity: logarithmic in the number of tokens.
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

        Complexity: logarithmic in the number of tokens. Exception safety: strong.
    */
    [[nodiscard]] result<void> set_active(std::string_view id, bool active)
    {
        return update(id, [active](validation::stored_token& t) { t.active = active; });
    }

    /** Deletes the token with `id`; it stops working at once.

        @return Nothing, or `tokens::error::token_not_found` or
        `tokens::error::storage_failure`.

        Complexity: logarithmic in the number of tokens. Exception safety: strong.
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

        Complexity: logarithmic in the number of revocations. Exception safety: strong.
    */
    [[nodiscard]] result<void> revoke(std::string jti,
                                      std::optional<clock::time_point> until = std::nullopt)
    {
        return do_revoke(std::move(jti), until);
    }

    /** Forgets the revocation of `jti`.

        @return Nothing, or `tokens::error::token_not_found` if it is not
        revoked, or `tokens::error::storage_failure`.

        Complexity: logarithmic in the number of revocations. Exception safety: strong.
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

        Complexity: for the built-in stores, linear in the tokens dropped
        (found by expiry), the revocations and the refresh tokens.
        Exception safety: strong.
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

#include <modelauth/tokens/impl/managed_token_store.hpp>

#endif
