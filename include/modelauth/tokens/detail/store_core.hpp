//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_DETAIL_STORE_CORE_HPP
#define MODELAUTH_TOKENS_DETAIL_STORE_CORE_HPP

// The engine of a managed token store (`store_core`: the state, the write
// lock, the epoch and every operation, over a journal the store supplies),
// and `store_overrides`, the ManagedTokenStore overrides every store built on
// it writes the same.

#include <modelauth/detail/snapshot.hpp>
#include <modelauth/error.hpp>
#include <modelauth/tokens/detail/store_index.hpp>
#include <modelauth/tokens/detail/store_ops.hpp>
#include <modelauth/tokens/detail/store_state.hpp>
#include <modelauth/tokens/error.hpp>
#include <modelauth/tokens/managed_token_store.hpp>
#include <modelauth/validation/token_store.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {
namespace managed_store { // distinct names: detail is shared by every header

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

/*  Whether a journal may lose a race: a log other writers append to too
    (a Redis store's). Such a journal has `lost_race()`, true when its last
    `commit` failed because another writer appended first (that `commit`
    then answers an error other than `storage_failure`, so that nothing of
    the change is applied, not even a fail-closed one), and
    `catch_up(apply)`, which hands what the others appended to
    `apply(op, admit)` so that the change is planned again on the state
    that includes it, and answers how many changes it applied. A change
    the state refuses (no such token, a duplicate, a quota) is planned
    again once after a catch-up that applied something: the refusal may
    come from a state that lacked another writer's last change. Its plans copy their inputs, which a retry plans with
    again; every other journal's plans move them. Its changes never fail
    closed: a change the log refused is not applied at all.
*/
template<class Journal, class = void>
struct journal_retries : std::false_type
{
};

template<class Journal>
struct journal_retries<Journal, std::void_t<decltype(std::declval<Journal const&>().lost_race())>> : std::true_type
{
};

// `x` for an op: moved, or copied when the journal may plan again.
template<class Journal, class T>
T give(T& x)
{
    if constexpr(journal_retries<Journal>::value)
        return x;
    else
        return std::move(x);
}

// How many times a change is planned again before a writer gives up
// (`storage_failure`): other writers kept appending first.
inline constexpr int max_write_attempts = 64;

/*  The state of a managed store and its operations, for a store to forward
    to. Each mutation takes the store's journal, an object with
        result<void> stage(token_op& op);  // may rewrite op as it will be replayed
        result<void> commit();             // makes the staged op durable
        void diverged();                   // memory and journal differ
        void published(token_state const&);// the state after a durable change
    all called under the write lock: stage and commit before the op is
    applied to an edit of the state, published after the edit is published.
    When stage or commit fails with `storage_failure` for an op that only
    takes credentials away (`fails_closed`), the op is published all the
    same, the journal is told it diverged, and the mutation answers
    `storage_failure`.
*/
class store_core
{
public:
    store_core() : state_(std::make_shared<token_state const>()) {}

    //------------------------------------------------------------------------
    // Reads

    std::uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_acquire); }

    std::uint64_t grant_epoch() const noexcept { return grants_.load(std::memory_order_acquire); }

    std::shared_ptr<token_state const> load() const noexcept { return state_.load(); }

    token_ptr find_by_secret(validation::secret_digest const& digest) const noexcept
    {
        if(is_zero_digest(digest))
            return nullptr;
        return state_.load()->tokens.shared_secret(digest);
    }

    bool is_revoked(std::string_view jti) const
    {
        auto const s = state_.load();
        return ! s->revocations.empty() && s->revocations.find(jti) != nullptr;
    }

    token_ptr find_by_id(std::string_view id) const
    {
        return state_.load()->tokens.shared_id(id);
    }

    std::vector<token_ptr> tokens() const
    {
        auto const s = state_.load();
        std::vector<token_ptr> out;
        out.reserve(s->tokens.size());
        s->tokens.for_each([&](token_ptr const& p) { out.push_back(p); });
        return out;
    }

    std::vector<token_ptr> list(token_filter const& filter) const
    {
        auto const s = state_.load();
        std::vector<token_ptr> out;
        s->tokens.for_each([&](token_ptr const& p) {
            if(filter.matches(*p))
                out.push_back(p);
        });
        std::sort(out.begin(), out.end(), [](token_ptr const& a, token_ptr const& b) {
            return std::tie(a->created, a->id) < std::tie(b->created, b->id);
        });
        return out;
    }

    std::size_t count(token_filter const& filter) const noexcept
    {
        auto const s = state_.load();
        std::size_t n = 0;
        s->tokens.for_each([&](token_ptr const& p) { n += filter.matches(*p); });
        return n;
    }

    refresh_ptr find_refresh(validation::secret_digest const& digest) const noexcept
    {
        if(is_zero_digest(digest))
            return nullptr;
        auto const s = state_.load();
        auto const* p = s->refresh.by_secret.find(digest);
        return p ? *p : nullptr;
    }

    std::string find_family_of(std::string_view jti) const
    {
        auto const s = state_.load();
        auto const* a = s->refresh.access_family.find(jti);
        return a ? a->family : std::string();
    }

    std::vector<std::pair<std::string, std::string>> family_owners() const
    {
        auto const s = state_.load();
        std::vector<std::pair<std::string, std::string>> out;
        out.reserve(s->refresh.families.size());
        s->refresh.families.for_each([&](family_entry const& f) { out.emplace_back(f.name, f.family.owner); });
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
            if(auto ec = quota_error(index_, s.tokens(), token, limits))
                return ec;
            return token_op(insert_op{give<Journal>(token)});
        }));
    }

    template<class Journal>
    result<std::vector<std::string>> replace_owned(Journal& journal, validation::stored_token token, insert_limits limits)
    {
        std::vector<std::string> erased;
        auto r = write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            erased = index_.owned(token.owner, token.cls); // sorted
            if(! is_storable(token))
                return make_lifecycle_error(tokens::error::invalid_request_body);
            if(is_taken(s.tokens(), token, erased))
                return make_lifecycle_error(tokens::error::duplicate_token);
            if(auto ec = quota_error(index_, s.tokens(), token, limits, erased))
                return ec;
            return token_op(replace_owned_op{erased, give<Journal>(token)});
        });
        if(! r)
            return r.error();
        return erased;
    }

    template<class Journal>
    result<void> update(Journal& journal, std::string_view id, std::function<void(validation::stored_token&)> const& change)
    {
        return done(write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            auto const* current = s.tokens().find_id(id);
            if(current == nullptr)
                return make_lifecycle_error(tokens::error::token_not_found);
            auto next = *current;
            if(change)
                change(next);
            if(! same_identity(*current, next) || ! is_storable(next))
                return make_lifecycle_error(tokens::error::invalid_request_body);
            if(same_mutable_fields(*current, next))
                return std::nullopt;
            return token_op(update_op{std::move(next)});
        }));
    }

    template<class Journal>
    result<void> erase(Journal& journal, std::string_view id)
    {
        return done(write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            if(s.tokens().find_id(id) == nullptr)
                return make_lifecycle_error(tokens::error::token_not_found);
            return token_op(erase_op{{std::string(id)}});
        }));
    }

    template<class Journal>
    result<std::size_t> erase_if(Journal& journal, token_filter const& filter)
    {
        return write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            std::vector<std::string> ids;
            s.tokens().for_each([&](token_ptr const& p) {
                if(filter.matches(*p))
                    ids.push_back(p->id);
            });
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
            return token_op(revoke_op{give<Journal>(jti), until});
        }));
    }

    template<class Journal>
    result<void> erase_revocation(Journal& journal, std::string_view jti)
    {
        return done(write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            if(s.revocations().find(jti) == nullptr)
                return make_lifecycle_error(tokens::error::token_not_found);
            return token_op(erase_revocation_op{std::string(jti)});
        }));
    }

    template<class Journal>
    result<std::size_t> prune(Journal& journal, token_time now)
    {
        // The expired tokens come from the index (what has expired, not a
        // walk of the store); the edit and the index update use the list.
        std::vector<std::string> expired;
        std::vector<std::string> revocations;
        return write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            expired = index_.expired(now);
            revocations = index_.expired_revocations(now);
            if(expired.empty() && revocations.empty() && prunable_refresh_count(s.refresh(), now) == 0)
                return std::nullopt;
            s.hint_expired(&expired, &revocations);
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
               && s.refresh().find_family(record.family) == nullptr)
                evict = families_to_evict(s.refresh(), record.owner, *limits.max_families_per_owner);
            return token_op(insert_refresh_op{give<Journal>(record), std::move(evict)});
        }));
    }

    template<class Journal>
    result<void> rotate_refresh(Journal& journal, std::string_view old_id, refresh_token_record next,
                                family_limits limits)
    {
        return done(write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            if(auto ec = check_rotation(s.refresh(), old_id, next))
                return ec;
            auto const& family = *s.refresh().find_family(next.family);
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
            return token_op(rotate_refresh_op{std::string(old_id), give<Journal>(next)});
        }));
    }

    template<class Journal>
    result<std::size_t> revoke_family(Journal& journal, std::string_view family, std::vector<revocation> jtis)
    {
        return write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            for(auto const& jti : jtis)
                if(jti.first.empty())
                    return make_lifecycle_error(tokens::error::invalid_request_body);
            bool const known = s.refresh().find_family(family) != nullptr;
            bool const revokes = std::any_of(jtis.begin(), jtis.end(), [&](revocation const& r) {
                return extends_revocation(s.revocations(), r.first, r.second);
            });
            if(! known && ! revokes)
                return std::nullopt;
            return token_op(revoke_family_op{std::string(family), give<Journal>(jtis)});
        });
    }

    template<class Journal>
    result<void> add_family_access(Journal& journal, std::string_view family, std::string jti, token_time expires,
                                   family_limits limits)
    {
        return done(write(journal, [&](state_editor const& s) -> result<std::optional<token_op>> {
            if(jti.empty())
                return make_lifecycle_error(tokens::error::invalid_request_body);
            auto const* existing = s.refresh().find_family(family);
            if(existing == nullptr)
                return make_lifecycle_error(tokens::error::invalid_refresh_token);
            // As apply_op checks: an access id belongs to one family.
            if(auto const* owner = s.refresh().access_family.find(jti); owner != nullptr && owner->family != family)
                return make_lifecycle_error(tokens::error::duplicate_token);
            bool known = false;
            for(auto const& a : existing->access)
            {
                if(a.first == jti && a.second >= expires)
                    return std::nullopt;
                known = known || a.first == jti;
            }
            if(! known && limits.max_tokens_per_family && existing->access.size() >= *limits.max_tokens_per_family)
                return make_lifecycle_error(tokens::error::token_quota);
            return token_op(add_family_access_op{std::string(family), give<Journal>(jti), expires});
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

    // Publishes what `editor` built (a replayed journal), advancing the epochs.
    void publish(state_editor& editor)
    {
        publish(editor, [] {});
    }

    // The same, calling `also()` under the write lock (where a replica that
    // reloaded a snapshot moves its place in the log).
    template<class Also>
    void publish(state_editor& editor, Also&& also)
    {
        std::lock_guard<std::mutex> lock(write_mutex_);
        also();
        std::shared_ptr<token_state const> next = editor.build();
        supersede(*state_.load(), next);
        index_.clear();
        next->tokens.for_each([&](token_ptr const& p) { index_.add(*p); });
        next->revocations.for_each([&](revocation_entry const& r) { index_.add_revocation(r); });
        state_.store(std::move(next));
        epoch_.fetch_add(1, std::memory_order_acq_rel);
        grants_.fetch_add(1, std::memory_order_acq_rel);
    }

    /*  Applies `op`, a change another writer already made durable (a
        replica's, read from a shared log), as `write` applies its own: to
        a copy of the state, published with the index updated and the epochs
        the change calls for, so that a revocation made elsewhere stops
        cached verdicts at once. Costs what the change costs, not the store.

        `admit()` is called first, under the write lock: when it answers
        false, nothing is applied (a replica skips a line of the log that it
        wrote, and so applied, itself). It is where the caller moves its
        place in the log, in step with its own writes.

        @return What `apply_change` counted (0 when not admitted), or its
        error when `op` does not apply to this state (the caller's mirror
        has diverged from the log: it must rebuild from a snapshot);
        nothing is published then.
    */
    template<class Admit>
    result<std::size_t> apply_logged(token_op const& op, Admit&& admit)
    {
        std::lock_guard<std::mutex> lock(write_mutex_);
        return apply_logged_locked(op, admit);
    }

    result<std::size_t> apply_logged(token_op const& op)
    {
        return apply_logged(op, [] { return true; });
    }

private:
    // apply_logged, under the write lock.
    template<class Admit>
    result<std::size_t> apply_logged_locked(token_op const& op, Admit&& admit)
    {
        if(! admit())
            return std::size_t(0);
        auto const base = state_.load();
        state_editor editor(*base);
        editor.track_revocations();
        auto applied = apply_change(editor, op);
        if(! applied)
            return applied.error();
        publish_edit(*base, editor, op);
        return applied;
    }

    // Publishes what `editor` made of `base` by applying `op`: the index
    // updated, then the epochs the change calls for. Under the write lock.
    std::shared_ptr<token_state const> publish_edit(token_state const& base, state_editor& editor, token_op const& op)
    {
        std::shared_ptr<token_state const> next = editor.build();
        supersede(base, next);
        update_index(base, *next, op, editor);
        state_.store(next);
        auto const effect = cache_effect_of(editor, op);
        if(effect.invalidates)
            epoch_.fetch_add(1, std::memory_order_acq_rel);
        if(effect.grants)
            grants_.fetch_add(1, std::memory_order_acq_rel);
        return next;
    }

    static result<void> done(result<std::size_t> const& r)
    {
        if(! r)
            return r.error();
        return {};
    }

    // Plans a change with `plan(editor)` (an op, or none when there is
    // nothing to change), stages it in the journal, applies it to a copy of
    // the state, commits the journal, and publishes the copy; then advances
    // the epochs the change calls for (`cache_effect_of`). All under the write
    // lock.
    // Returns what `apply_change` counted, or 0 when there was nothing to change.
    template<class Journal, class Plan>
    result<std::size_t> write(Journal& journal, Plan&& plan)
    {
        std::lock_guard<std::mutex> lock(write_mutex_);
        if constexpr(journal_retries<Journal>::value)
        {
            bool refreshed = false;
            for(int attempt = 0; attempt < max_write_attempts; ++attempt)
            {
                bool raced = false;
                auto written = write_locked(journal, plan, &raced);
                if(! raced)
                {
                    if(written || refreshed || written.error() == make_lifecycle_error(tokens::error::storage_failure))
                        return written;
                    // Refused by this replica's state (no such token, say),
                    // which may not hold what another writer just did: take
                    // in what the log holds, and plan again if it held more.
                    refreshed = true;
                    auto caught = journal.catch_up([this](token_op const& op, auto&& admit) {
                        return this->apply_logged_locked(op, admit);
                    });
                    if(! caught || *caught == 0)
                        return written;
                    continue;
                }
                // Another writer appended first: take in what it wrote,
                // then plan again on the state that holds it.
                auto caught = journal.catch_up([this](token_op const& op, auto&& admit) {
                    return this->apply_logged_locked(op, admit);
                });
                if(! caught)
                    return caught.error();
            }
            return make_lifecycle_error(tokens::error::storage_failure);
        }
        else
            return write_locked(journal, plan, nullptr);
    }

    // write, under the write lock. `raced`: set when the journal lost a
    // race (nothing is applied then).
    template<class Journal, class Plan>
    result<std::size_t> write_locked(Journal& journal, Plan& plan, [[maybe_unused]] bool* raced)
    {
        auto const base = state_.load();
        state_editor editor(*base);
        editor.track_revocations();
        auto planned = plan(static_cast<state_editor const&>(editor));
        if(! planned)
            return planned.error();
        if(! *planned)
            return std::size_t(0);
        token_op& op = **planned;
        // A shared log's change that did not reach the log is not applied
        // either, even one that takes credentials away: this replica would
        // no longer match the log every other replica follows (the caller
        // is told the change failed and may retry it).
        bool const closing = ! journal_retries<Journal>::value && fails_closed(editor, op);
        auto const storage_failed = [](std::error_code const& ec) {
            return ec == make_lifecycle_error(tokens::error::storage_failure);
        };
        auto staged = journal.stage(op);
        if(! staged && ! (closing && storage_failed(staged.error())))
            return staged.error();
        // The journal is committed before the change is applied, so that a
        // change the journal refuses leaves nothing to undo in memory (an
        // edit is undone only by not publishing it). Applying cannot fail
        // after planning succeeded: both check the same against the same
        // state, under the lock.
        std::error_code not_durable;
        if(! staged)
            not_durable = staged.error();
        else if(auto committed = journal.commit(); ! committed)
        {
            if constexpr(journal_retries<Journal>::value)
                if(journal.lost_race())
                {
                    *raced = true; // another writer's change first: plan again, apply nothing
                    return committed.error();
                }
            if(! (closing && storage_failed(committed.error())))
                return committed.error();
            not_durable = committed.error();
        }
        auto applied = apply_change(editor, op);
        if(! applied)
        {
            if(! not_durable)
                journal.diverged(); // the journal holds a change memory lacks
            return applied.error();
        }
        // Fail closed: a credential taken away stops working now, durable or not.
        if(not_durable)
            journal.diverged();
        auto const next = publish_edit(*base, editor, op);
        if(not_durable)
            return not_durable;
        journal.published(*next);
        return applied;
    }

    // Moves the tokens and revocations the edit of `op` changed from
    // `before` to `after` in the index.
    void update_index(token_state const& before, token_state const& after, token_op const& op, state_editor& edit)
    {
        for(auto const& jti : edit.touched_revocations())
        {
            if(auto const* old = before.revocations.find(jti))
                index_.remove_revocation(*old);
            if(auto const* now = after.revocations.find(jti))
                index_.add_revocation(*now);
        }

        std::vector<std::string> ids;
        if(auto const* o = std::get_if<insert_op>(&op))
            ids.push_back(o->token.id);
        else if(auto const* o = std::get_if<replace_owned_op>(&op))
        {
            ids = o->erase;
            ids.push_back(o->token.id);
        }
        else if(auto const* o = std::get_if<update_op>(&op))
            ids.push_back(o->token.id);
        else if(auto const* o = std::get_if<erase_op>(&op))
            ids = o->ids;
        else if(auto const* o = std::get_if<prune_op>(&op))
            ids = edit.expired_hint() != nullptr ? *edit.expired_hint() : prunable_token_ids(before.tokens, o->now);
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        for(auto const& id : ids)
        {
            if(auto const* old = before.tokens.find_id(id))
                index_.remove(*old);
            if(auto const* now = after.tokens.find_id(id))
                index_.add(*now);
        }
    }

    modelauth::detail::snapshot<token_state> state_;
    store_index index_; // the writer's, under write_mutex_
    std::atomic<std::uint64_t> epoch_{1};
    std::atomic<std::uint64_t> grants_{1};
    std::mutex write_mutex_;
};

//----------------------------------------------------------------------------
// The overrides a store built on store_core forwards to it

/*  The ManagedTokenStore overrides of a store that keeps its state in a
    `store_core`: every operation forwards to `core_` with the store's
    journal. `Derived` derives from `store_overrides<Derived>` and gives it
    (as a friend) `journal()`, returning the `Journal` of `store_core`'s
    mutations; it is called only from the overrides, so `Derived` need not be
    complete where this class is instantiated. `Derived` may override
    `do_healthy` (by default always healthy).
*/
template<class Derived>
class store_overrides : public ManagedTokenStore
{
public:
    store_overrides(store_overrides const&) = delete;
    store_overrides& operator=(store_overrides const&) = delete;

    /** The token whose secret has `digest`, or null; an all-zero digest
        never matches.

        Complexity: constant on average. Exception safety: no-throw.
    */
    [[nodiscard]] token_ptr find_by_secret(validation::secret_digest const& digest) const override
    {
        return core_.find_by_secret(digest);
    }

    /** Whether `token_id` (a JWT's `jti` or a token's id) is revoked.

        Complexity: constant on average; allocates a copy of `token_id` in
        C++17 when any id is revoked, nothing in C++20.
    */
    [[nodiscard]] bool is_revoked(std::string_view token_id) const override
    {
        return core_.is_revoked(token_id);
    }

    /// The epoch: see `TokenStore::epoch`. Above 0 from the start.
    [[nodiscard]] std::uint64_t epoch() const noexcept override { return core_.epoch(); }

    /// The grant epoch: see `TokenStore::grant_epoch`. Above 0 from the start.
    [[nodiscard]] std::uint64_t grant_epoch() const noexcept override { return core_.grant_epoch(); }

protected:
    store_overrides() = default;
    ~store_overrides() override = default;

    store_core core_;

private:
    decltype(auto) journal() { return static_cast<Derived&>(*this).journal(); }

    token_ptr do_find_by_id(std::string_view id) const override { return core_.find_by_id(id); }
    std::vector<token_ptr> do_list(token_filter const& filter) const override { return core_.list(filter); }
    std::size_t do_count(token_filter const& filter) const noexcept override { return core_.count(filter); }
    refresh_ptr do_find_refresh(validation::secret_digest const& digest) const noexcept override
    {
        return core_.find_refresh(digest);
    }
    std::string do_find_family_of(std::string_view jti) const override { return core_.find_family_of(jti); }
    std::vector<std::pair<std::string, std::string>> do_family_owners() const override
    {
        return core_.family_owners();
    }
    result<void> do_insert(validation::stored_token token, insert_limits limits) override
    {
        return core_.insert(journal(), std::move(token), limits);
    }
    result<std::vector<std::string>> do_replace_owned(validation::stored_token token, insert_limits limits) override
    {
        return core_.replace_owned(journal(), std::move(token), limits);
    }
    result<void> do_update(std::string_view id, std::function<void(validation::stored_token&)> const& change) override
    {
        return core_.update(journal(), id, change);
    }
    result<void> do_erase(std::string_view id) override { return core_.erase(journal(), id); }
    result<std::size_t> do_erase_if(token_filter const& filter) override
    {
        return core_.erase_if(journal(), filter);
    }
    result<void> do_revoke(std::string jti, std::optional<clock::time_point> until) override
    {
        return core_.revoke(journal(), std::move(jti), until);
    }
    result<void> do_erase_revocation(std::string_view jti) override
    {
        return core_.erase_revocation(journal(), jti);
    }
    result<std::size_t> do_prune(clock::time_point now) override { return core_.prune(journal(), now); }
    result<void> do_insert_refresh(refresh_token_record record, family_limits limits) override
    {
        return core_.insert_refresh(journal(), std::move(record), limits);
    }
    result<void> do_rotate_refresh(std::string_view old_id, refresh_token_record next,
                                   family_limits limits) override
    {
        return core_.rotate_refresh(journal(), old_id, std::move(next), limits);
    }
    result<std::size_t> do_revoke_family(std::string_view family, std::vector<revocation> jtis) override
    {
        return core_.revoke_family(journal(), family, std::move(jtis));
    }
    result<void> do_add_family_access(std::string_view family, std::string jti, clock::time_point expires,
                                      family_limits limits) override
    {
        return core_.add_family_access(journal(), family, std::move(jti), expires, limits);
    }
};

} // namespace managed_store
} // namespace detail
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
