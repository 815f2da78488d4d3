//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_TOKEN_STORE_HPP
#define MODELAUTH_VALIDATION_TOKEN_STORE_HPP

/** @file
    The TokenStore concept: where managed tokens (API keys and other opaque
    secrets) and revocations live, as the validator sees them.

    The validator asks a store three things: which token a presented secret
    belongs to (by the secret's SHA-256, never the secret itself), whether a
    JWT id has been revoked, and two counters: the *epoch*, which moves on
    every change that could turn a valid credential invalid or change what it
    grants (revocation, deactivation, deletion, replacement, an update), and
    the *grant epoch*, which moves on every change that could turn an invalid
    credential valid (a new token, an activation, a revocation lifted). The
    verified-token cache compares the epoch on every hit, so a revocation
    reaches every cached credential at once, and the grant epoch on a cached
    failure only, so that creating tokens leaves the cached valid ones warm.

    This is the read side, part of the request path. The lifecycle layer
    (`modelauth/tokens.hpp`) changes a store through `ManagedTokenStore`
    (`tokens/managed_token_store.hpp`), which derives from `TokenStore`; its
    implementations are `InMemoryTokenStore` and `JournalTokenStore`. A
    server that only validates may implement `TokenStore` over its own data.
*/

#include <modelauth/validation/api_key.hpp>
#include <modelauth/validation/principal.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace validation {

/** A managed token as a store keeps it: metadata and the secret's digest,
    never the secret.
*/
struct stored_token
{
    using clock = std::chrono::system_clock;

    /// The public id, used to list, update and delete the token.
    std::string id;

    /// SHA-256 of the secret (`hash_secret`).
    secret_digest secret_hash{};

    /// The last 4 characters of the secret, a hint safe to show.
    std::string hint;

    /// The subject the token acts for.
    std::string owner;

    /// The token's class.
    token_class cls = token_class::personal_key;

    /// What the token is bound to.
    token_bindings bindings;

    /// The scopes the token grants.
    std::vector<std::string> scopes;

    /// A name and description given by its owner.
    std::string name;
    std::string description;

    /// Permanent tokens do not expire.
    bool permanent = false;

    /// Inactive tokens are refused until activated again.
    bool active = true;

    /// When it was created.
    clock::time_point created{};

    /// When it expires; empty for permanent tokens.
    std::optional<clock::time_point> expires;
};

/** The store interface the validator reads (the TokenStore concept).

    Implementations must be safe to call from many threads at once, and
    should answer reads without locks (the in-memory store reads immutable
    snapshots).
*/
class TokenStore
{
public:
    virtual ~TokenStore() = default;

    /** The token whose secret has `digest`, or null.

        Implementations compare digests in constant time (`digest_equal`)
        and never match an all-zero digest.
    */
    [[nodiscard]] virtual std::shared_ptr<stored_token const>
    find_by_secret(secret_digest const& digest) const = 0;

    /// Whether the token (or JWT) with id `token_id` has been revoked.
    [[nodiscard]] virtual bool is_revoked(std::string_view token_id) const = 0;

    /** A counter that increases on every change that may invalidate a
        credential or change what it grants: a cached validation is used
        only while it is unchanged.
    */
    [[nodiscard]] virtual std::uint64_t epoch() const noexcept = 0;

    /** A counter that increases on every change that may make an invalid
        credential valid (a token added or activated, a revocation lifted):
        a cached failure is used only while it is unchanged.

        By default the epoch: right for a store whose epoch moves on every
        change. A store whose epoch stays put when a token is added must
        override it.
    */
    [[nodiscard]] virtual std::uint64_t grant_epoch() const noexcept { return epoch(); }
};

} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
