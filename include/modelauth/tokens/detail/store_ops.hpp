//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_DETAIL_STORE_OPS_HPP
#define MODELAUTH_TOKENS_DETAIL_STORE_OPS_HPP

// The mutations of a managed token store as values (`token_op`), the checks
// they share, and `apply_change`, which applies one to a state.
//
// Every mutation is planned into one op (its checks, against the current
// state), then applied to a copy of the state; a journal records that op
// before the new state is published. Replaying a journal applies the same
// ops in the same order, so it rebuilds the same state: `apply_change`
// re-checks everything and refuses an op that does not fit.

#include <modelauth/error.hpp>
#include <modelauth/tokens/detail/store_index.hpp>
#include <modelauth/tokens/detail/store_state.hpp>
#include <modelauth/tokens/error.hpp>
#include <modelauth/tokens/managed_token_store.hpp>
#include <modelauth/validation/token_store.hpp>

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {
namespace managed_store { // distinct names: detail is shared by every header

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

// A token the store can hold: an id, a digest, and no expiry if permanent.
inline bool is_storable(validation::stored_token const& t) noexcept
{
    return ! t.id.empty() && ! is_zero_digest(t.secret_hash) && ! (t.permanent && t.expires);
}

// Whether another token than those of `spared` has the id or digest of `t`.
inline bool is_taken(token_table const& table, validation::stored_token const& t,
                     std::vector<std::string> const& spared = {})
{
    if(auto const* by_id = table.find_id(t.id); by_id && ! contains(spared, by_id->id))
        return true;
    auto const* by_secret = table.find_secret(t.secret_hash);
    return by_secret && ! contains(spared, by_secret->id);
}

// Whether `other` has the class, account and space of `t`.
inline bool same_holder(validation::stored_token const& other, validation::stored_token const& t) noexcept
{
    return other.cls == t.cls && other.bindings.account == t.bindings.account
        && other.bindings.space == t.bindings.space;
}

// The quota `t` would exceed, or no error: counted through the writer's
// index, as if the tokens of `spared` were gone already.
inline std::error_code quota_error(store_index const& index, token_table const& table, validation::stored_token const& t,
                                   insert_limits const& limits, std::vector<std::string> const& spared = {})
{
    if(t.permanent && limits.max_permanent)
    {
        std::size_t n = index.permanent_count(t);
        for(auto const& id : spared)
            if(auto const* other = table.find_id(id); other && other->permanent && same_holder(*other, t) && n > 0)
                --n;
        if(n >= *limits.max_permanent)
            return make_lifecycle_error(tokens::error::permanent_token_quota);
    }
    if(! t.permanent && limits.max_temporary
       && index.temporary_count(t, spared, *limits.max_temporary) >= *limits.max_temporary)
        return make_lifecycle_error(tokens::error::token_quota);
    if(t.cls == validation::token_class::instance && limits.max_per_instance
       && index.instance_count(t, spared, *limits.max_per_instance) >= *limits.max_per_instance)
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
    return table.by_id.find(r.id) != nullptr || table.by_secret.find(r.secret_hash) != nullptr;
}

// Whether recording `until` for `jti` would change the revocations: a
// revocation is never shortened.
inline bool extends_revocation(revocation_table const& table, std::string_view jti,
                               std::optional<token_time> until)
{
    auto const* r = table.find(jti);
    if(r == nullptr)
        return true;
    return r->until && (! until || *until > *r->until);
}

inline bool add_revocation(state_editor& s, std::string jti, std::optional<token_time> until)
{
    if(! extends_revocation(s.revocations(), jti, until))
        return false;
    s.put_revocation(revocation_entry{std::move(jti), until});
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
    table.by_id.for_each([&](refresh_ptr const& r) { n += r->expires <= now; });
    table.families.for_each([&](family_entry const& entry) {
        n += entry.family.records.empty();
        for(auto const& rotated : entry.family.rotated)
            n += rotated->expires <= now;
        for(auto const& access : entry.family.access)
            n += access.second <= now;
    });
    return n;
}


// The ids of the tokens `prune(now)` drops, found by a walk of every token.
inline std::vector<std::string> prunable_token_ids(token_table const& tokens, token_time now)
{
    std::vector<std::string> ids;
    tokens.for_each([&](token_ptr const& p) {
        if(prunable_token(*p, now))
            ids.push_back(p->id);
    });
    return ids;
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
    auto const* current = s.tokens().find_id(update->token.id);
    if(! current || ! current->active)
        return false;
    auto deactivated = *current;
    deactivated.active = false;
    return same_identity(deactivated, update->token) && same_mutable_fields(deactivated, update->token);
}

// What a change applied to `s` (the editor of the change) does to the
// validator's cached verdicts: whether it may invalidate a valid credential
// or change what it grants (the epoch moves: every cached verdict goes), and
// whether it may make an invalid credential valid (the grant epoch moves:
// cached failures go). A new token does only the latter, so creating tokens
// leaves the cache warm. Pruning does neither: it drops tokens that have
// expired (a cached verdict never outlives its token's expiry) and
// revocations of tokens expired by then.
struct cache_effect
{
    bool invalidates = false;
    bool grants = false;
};

inline cache_effect cache_effect_of(state_editor const& s, token_op const& op) noexcept
{
    if(std::holds_alternative<prune_op>(op))
        return {};
    if(std::holds_alternative<insert_op>(op))
        return {false, true};
    if(std::holds_alternative<erase_revocation_op>(op))
        return {false, true};
    if(auto const* replace = std::get_if<replace_owned_op>(&op))
        return {! replace->erase.empty(), true};
    if(std::holds_alternative<update_op>(op))
        return {true, true};
    // Deletions, revocations, and the refresh-token changes that revoke
    // access ids (a family's revocation or eviction).
    return {s.changes_credentials(), false};
}

//----------------------------------------------------------------------------
// Applying ops; each returns how many entries it changed

inline void put_refresh(refresh_table& table, refresh_token_record record, transaction& t)
{
    auto p = std::make_shared<refresh_token_record const>(std::move(record));
    table.by_secret.assign(p, t);
    table.by_id.assign(std::move(p), t);
}

// Forgets the access id `jti` of the family `name` in the index.
inline void forget_access(refresh_table& table, std::string const& jti, std::string const& name, transaction& t)
{
    auto const* a = table.access_family.find(jti);
    if(a != nullptr && a->family == name)
        table.access_family.erase(jti, t);
}

// Forgets what of the family `name` expired by `now`: its rotated records
// (they can no longer be presented) and its access ids (they need no
// revocation any more). Returns how many.
inline std::size_t forget_expired(refresh_table& table, std::string const& name, refresh_family& family,
                                  token_time now, transaction& t)
{
    auto const kept_rotated = std::remove_if(family.rotated.begin(), family.rotated.end(), [&](refresh_ptr const& r) {
        if(r->expires > now)
            return false;
        table.by_secret.erase(r->secret_hash, t);
        return true;
    });
    auto const kept_access = std::remove_if(family.access.begin(), family.access.end(),
        [&](std::pair<std::string, token_time> const& a) {
            if(a.second > now)
                return false;
            forget_access(table, a.first, name, t);
            return true;
        });
    auto const n = static_cast<std::size_t>((family.rotated.end() - kept_rotated) + (family.access.end() - kept_access));
    family.rotated.erase(kept_rotated, family.rotated.end());
    family.access.erase(kept_access, family.access.end());
    return n;
}

// Deletes the family `name` and its records (live and rotated); moves its
// access ids to `access` and returns how many records it deleted.
inline std::size_t remove_family(refresh_table& table, std::string const& name,
                                 std::vector<std::pair<std::string, token_time>>& access, transaction& t)
{
    auto const* entry = table.families.find(name);
    if(entry == nullptr)
        return 0;
    // A copy: erasing the family retires the entry (alive, but the handle
    // moves on).
    refresh_family family = entry->family;
    for(auto const& id : family.records)
    {
        auto const* record = table.by_id.find(id);
        if(record == nullptr)
            continue;
        auto const digest = (*record)->secret_hash;
        table.by_secret.erase(digest, t);
        table.by_id.erase(id, t);
    }
    for(auto const& rotated : family.rotated)
        table.by_secret.erase(rotated->secret_hash, t);
    for(auto const& a : family.access)
        forget_access(table, a.first, name, t);
    std::size_t const deleted = family.records.size() + family.rotated.size();
    std::move(family.access.begin(), family.access.end(), std::back_inserter(access));
    table.families.erase(name, t);
    return deleted;
}

// The most recent `issued` of the family's live records: when it was last used.
inline token_time last_used(refresh_table const& table, refresh_family const& family)
{
    auto latest = token_time::min();
    for(auto const& id : family.records)
        if(auto const* r = table.find_id(id))
            latest = std::max(latest, r->issued);
    return latest;
}

// The families of `owner` a new family must end first so that the owner
// keeps at most `most` families: the least recently used ones.
inline std::vector<std::string> families_to_evict(refresh_table const& table, std::string const& owner,
                                                  std::size_t most)
{
    std::vector<std::pair<token_time, std::string>> owned;
    table.families.for_each([&](family_entry const& entry) {
        if(entry.family.owner == owner)
            owned.emplace_back(last_used(table, entry.family), entry.name);
    });
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
    s.edit_tokens().put(op.token, s.tx());
    return 1;
}

inline result<std::size_t> apply_op(state_editor& s, replace_owned_op const& op)
{
    for(auto const& id : op.erase)
    {
        auto const* current = s.tokens().find_id(id);
        if(current == nullptr)
            return make_lifecycle_error(tokens::error::token_not_found);
        if(current->owner != op.token.owner || current->cls != op.token.cls)
            return make_lifecycle_error(tokens::error::invalid_request_body);
    }
    if(! is_storable(op.token))
        return make_lifecycle_error(tokens::error::invalid_request_body);
    if(is_taken(s.tokens(), op.token, op.erase))
        return make_lifecycle_error(tokens::error::duplicate_token);
    auto& table = s.edit_tokens();
    for(auto const& id : op.erase)
        table.remove(id, s.tx());
    table.put(op.token, s.tx());
    return op.erase.size() + 1;
}

inline result<std::size_t> apply_op(state_editor& s, update_op const& op)
{
    auto const* current = s.tokens().find_id(op.token.id);
    if(current == nullptr)
        return make_lifecycle_error(tokens::error::token_not_found);
    if(! same_identity(*current, op.token) || ! is_storable(op.token))
        return make_lifecycle_error(tokens::error::invalid_request_body);
    s.edit_tokens().put(op.token, s.tx());
    return 1;
}

inline result<std::size_t> apply_op(state_editor& s, erase_op const& op)
{
    for(auto const& id : op.ids)
        if(s.tokens().find_id(id) == nullptr)
            return make_lifecycle_error(tokens::error::token_not_found);
    auto& table = s.edit_tokens();
    for(auto const& id : op.ids)
        table.remove(id, s.tx());
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
    if(s.revocations().find(op.jti) == nullptr)
        return make_lifecycle_error(tokens::error::token_not_found);
    s.erase_revocation(op.jti);
    return 1;
}

inline result<std::size_t> apply_op(state_editor& s, prune_op const& op)
{
    std::size_t n = 0;
    std::vector<std::string> ids;
    auto const* expired = s.expired_hint();
    if(expired == nullptr)
    {
        ids = prunable_token_ids(s.tokens(), op.now);
        expired = &ids;
    }
    if(! expired->empty())
    {
        auto& table = s.edit_tokens();
        for(auto const& id : *expired)
            table.remove(id, s.tx());
        n += expired->size();
    }

    std::vector<std::string> jtis;
    auto const* revoked = s.expired_revocations_hint();
    if(revoked == nullptr)
    {
        s.revocations().for_each([&](revocation_entry const& r) {
            if(prunable_revocation(r.until, op.now))
                jtis.push_back(r.jti);
        });
        revoked = &jtis;
    }
    for(auto const& jti : *revoked)
        s.erase_revocation(jti);
    n += revoked->size();

    if(prunable_refresh_count(s.refresh(), op.now) == 0)
        return n;
    auto& refresh = s.edit_refresh();
    std::vector<std::string> names;
    refresh.families.for_each([&](family_entry const& entry) { names.push_back(entry.name); });
    for(auto const& name : names)
    {
        refresh_family family = refresh.families.find(name)->family;
        std::size_t const before = n;
        auto& records = family.records;
        auto const kept_records = std::remove_if(records.begin(), records.end(), [&](std::string const& id) {
            auto const* r = refresh.by_id.find(id);
            if(r == nullptr)
                return true;
            if((*r)->expires > op.now)
                return false;
            auto const digest = (*r)->secret_hash;
            refresh.by_secret.erase(digest, s.tx());
            refresh.by_id.erase(id, s.tx());
            return true;
        });
        n += static_cast<std::size_t>(records.end() - kept_records);
        records.erase(kept_records, records.end());

        n += forget_expired(refresh, name, family, op.now, s.tx());

        bool const emptied = records.empty();
        if(emptied || n != before)
            refresh.families.assign(family_entry{name, std::move(family)}, s.tx());
        if(emptied)
        {
            // Forgotten with their family: its remembered rotated records
            // and access ids (the family, with no refresh token, can never
            // be revoked by a reuse again).
            std::vector<std::pair<std::string, token_time>> forgotten;
            n += remove_family(refresh, name, forgotten, s.tx()) + forgotten.size();
        }
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
        auto const* family = s.refresh().find_family(name);
        if(name == op.record.family || family == nullptr || family->owner != op.record.owner)
            return make_lifecycle_error(tokens::error::invalid_refresh_token);
    }
    auto& table = s.edit_refresh();
    std::size_t n = 1;
    std::vector<std::pair<std::string, token_time>> access;
    for(auto const& name : op.evict)
        n += remove_family(table, name, access, s.tx());
    refresh_family family;
    if(auto const* existing = table.find_family(op.record.family))
        family = *existing;
    if(family.owner.empty())
        family.owner = op.record.owner;
    auto p = std::make_shared<refresh_token_record const>(op.record);
    table.by_secret.assign(p, s.tx());
    if(p->rotated)
        family.rotated.push_back(std::move(p));
    else
    {
        family.records.push_back(p->id);
        table.by_id.assign(std::move(p), s.tx());
    }
    table.families.assign(family_entry{op.record.family, std::move(family)}, s.tx());
    for(auto& a : access)
        add_revocation(s, std::move(a.first), a.second);
    return n;
}

// The checks of a rotation, shared by planning and applying.
inline std::error_code check_rotation(refresh_table const& table, std::string_view old_id,
                                      refresh_token_record const& next)
{
    auto const* old = table.find_id(old_id);
    if(old == nullptr)
    {
        auto const* family = table.find_family(next.family);
        if(family != nullptr
           && std::any_of(family->rotated.begin(), family->rotated.end(),
                          [&](refresh_ptr const& r) { return r->id == old_id; }))
            return make_lifecycle_error(tokens::error::refresh_token_reused);
        return make_lifecycle_error(tokens::error::invalid_refresh_token);
    }
    if(old->rotated)
        return make_lifecycle_error(tokens::error::refresh_token_reused);
    if(! is_storable(next) || next.rotated || next.family != old->family)
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
    auto rotated = std::make_shared<refresh_token_record>(*table.find_id(op.old_id));
    rotated->rotated = true;
    table.by_id.erase(op.old_id, s.tx());
    table.by_secret.assign(rotated, s.tx());
    refresh_family family;
    if(auto const* existing = table.find_family(op.next.family))
        family = *existing;
    family.records.erase(std::remove(family.records.begin(), family.records.end(), op.old_id),
                         family.records.end());
    forget_expired(table, op.next.family, family, op.next.issued, s.tx());
    family.rotated.push_back(std::move(rotated));
    family.records.push_back(op.next.id);
    table.families.assign(family_entry{op.next.family, std::move(family)}, s.tx());
    put_refresh(table, op.next, s.tx());
    return 2;
}

inline result<std::size_t> apply_op(state_editor& s, revoke_family_op const& op)
{
    for(auto const& jti : op.jtis)
        if(jti.first.empty())
            return make_lifecycle_error(tokens::error::invalid_request_body);
    std::size_t deleted = 0;
    if(s.refresh().find_family(op.family) != nullptr)
    {
        auto& table = s.edit_refresh();
        std::vector<std::pair<std::string, token_time>> access;
        deleted = remove_family(table, std::string(op.family), access, s.tx());
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
    auto const* existing = s.refresh().find_family(op.family);
    if(existing == nullptr)
        return make_lifecycle_error(tokens::error::invalid_refresh_token);
    // An access id belongs to one family: the index maps it to one, and
    // pruning or revoking either family would otherwise drop the other's entry
    // (the store's ids are random; only a hand-edited journal repeats one).
    if(auto const* owner = s.refresh().access_family.find(op.jti); owner != nullptr && owner->family != op.family)
        return make_lifecycle_error(tokens::error::duplicate_token);
    refresh_family family = *existing;
    auto& table = s.edit_refresh();
    auto& access = family.access;
    auto same = std::find_if(access.begin(), access.end(),
        [&](std::pair<std::string, token_time> const& a) { return a.first == op.jti; });
    if(same != access.end())
    {
        same->second = std::max(same->second, op.expires);
        table.families.assign(family_entry{op.family, std::move(family)}, s.tx());
        return 1;
    }
    // Every id is kept until it expires: a full family refuses new ids
    // (family_limits) instead of forgetting live ones.
    access.emplace_back(op.jti, op.expires);
    table.families.assign(family_entry{op.family, std::move(family)}, s.tx());
    table.access_family.assign(access_entry{op.jti, op.family}, s.tx());
    return 1;
}

inline result<std::size_t> apply_change(state_editor& s, token_op const& op)
{
    return std::visit([&](auto const& o) { return apply_op(s, o); }, op);
}

} // namespace managed_store
} // namespace detail
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
