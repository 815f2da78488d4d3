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

#include <modelauth/tokens/detail/store_core.hpp>
#include <modelauth/tokens/managed_token_store.hpp>

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
    The epoch starts at 1.

    Thread safety: safe to share between threads.
*/
class InMemoryTokenStore final : public detail::managed_store::store_overrides<InMemoryTokenStore>
{
public:
    /// An empty store, at epoch 1.
    InMemoryTokenStore() = default;

    /** Every token, in no particular order (`list` sorts).

        Complexity: linear in the number of tokens.
    */
    [[nodiscard]] std::vector<token_ptr> tokens() const { return core_.tokens(); }

private:
    friend class detail::managed_store::store_overrides<InMemoryTokenStore>;

    // Every change is durable at once: there is nothing to write.
    detail::managed_store::null_journal& journal() noexcept { return journal_; }

    detail::managed_store::null_journal journal_;
};

} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
