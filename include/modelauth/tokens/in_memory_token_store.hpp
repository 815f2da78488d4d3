//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_IN_MEMORY_TOKEN_STORE_HPP
#define MODELAUTH_TOKENS_IN_MEMORY_TOKEN_STORE_HPP

/** @file
    The default ManagedTokenStore: everything in memory, read through
    immutable snapshots.
*/

#include <modelauth/tokens/managed_token_store.hpp>
#include <modelauth/tokens/error.hpp>

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {

/** A ManagedTokenStore kept in memory; its state is lost when it is destroyed.

    Reads (`find_by_secret`, `find_by_id`, `is_revoked`, `epoch`, `list`,
    `count`, `find_refresh`) take no lock: they read an immutable snapshot of
    three tables (tokens, revocations, refresh tokens). Writes are
    serialised by a mutex: each copies the tables it changes (only those),
    changes the copies and publishes them, then advances the epoch if a
    token or a revocation changed. A write therefore costs time linear in
    the size of the tables it touches, which suits stores that change far
    less often than they are read. Mutations never fail for lack of
    storage: `tokens::error::storage_failure` never comes from this store.

    Thread safety: safe to share between threads.
*/
class InMemoryTokenStore final : public ManagedTokenStore
{
public:
    /// An empty store, at epoch 1.
    InMemoryTokenStore() = default;

    InMemoryTokenStore(InMemoryTokenStore const&) = delete;
    InMemoryTokenStore& operator=(InMemoryTokenStore const&) = delete;

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

    /// The epoch: see `TokenStore::epoch`. Starts at 1.
    [[nodiscard]] std::uint64_t epoch() const noexcept override { return core_.epoch(); }

    /** Every token, in no particular order (`list` sorts).

        Complexity: linear in the number of tokens.
    */
    [[nodiscard]] std::vector<token_ptr> tokens() const { return core_.tokens(); }

private:
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
        return core_.insert(journal_, std::move(token), limits);
    }
    result<std::vector<std::string>> do_replace_owned(validation::stored_token token, insert_limits limits) override
    {
        return core_.replace_owned(journal_, std::move(token), limits);
    }
    result<void> do_update(std::string_view id, std::function<void(validation::stored_token&)> const& change) override
    {
        return core_.update(journal_, id, change);
    }
    result<void> do_erase(std::string_view id) override { return core_.erase(journal_, id); }
    result<std::size_t> do_erase_if(token_filter const& filter) override
    {
        return core_.erase_if(journal_, filter);
    }
    result<void> do_revoke(std::string jti, std::optional<clock::time_point> until) override
    {
        return core_.revoke(journal_, std::move(jti), until);
    }
    result<void> do_erase_revocation(std::string_view jti) override
    {
        return core_.erase_revocation(journal_, jti);
    }
    result<std::size_t> do_prune(clock::time_point now) override { return core_.prune(journal_, now); }
    result<void> do_insert_refresh(refresh_token_record record, family_limits limits) override
    {
        return core_.insert_refresh(journal_, std::move(record), limits);
    }
    result<void> do_rotate_refresh(std::string_view old_id, refresh_token_record next,
                                   family_limits limits) override
    {
        return core_.rotate_refresh(journal_, old_id, std::move(next), limits);
    }
    result<std::size_t> do_revoke_family(std::string_view family, std::vector<revocation> jtis) override
    {
        return core_.revoke_family(journal_, family, std::move(jtis));
    }
    result<void> do_add_family_access(std::string_view family, std::string jti, clock::time_point expires,
                                      family_limits limits) override
    {
        return core_.add_family_access(journal_, family, std::move(jti), expires, limits);
    }

    detail::managed_store::store_core core_;
    detail::managed_store::null_journal journal_;
};

} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
