//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_FLOWS_FLOW_CONTEXT_HPP
#define MODELAUTH_TOKENS_FLOWS_FLOW_CONTEXT_HPP

/** @file
    What the token flows share: the user directory, the model router, the
    issuer, the managed token store, the scope policy, the clock and the
    settings. Each flow (`console_session.hpp`, `resource_tokens.hpp`,
    `personal_api_key.hpp`, `managed_tokens.hpp`) holds its rules and
    routes over one `flow_context`; a server makes the flows it speaks.

    @code
    auto context = std::make_shared<modelauth::tokens::flows::flow_context<>>(
        directory, router, issuer, store, policy);
    modelauth::tokens::flows::console_session<> console(context);
    auto pair = console.login(email, password, client_address);
    @endcode
*/

#include <modelauth/clock.hpp>
#include <modelauth/detail/snapshot.hpp>
#include <modelauth/error.hpp>
#include <modelauth/policy/scope_policy.hpp>
#include <modelauth/router/model_url_router.hpp>
#include <modelauth/tokens/issuer.hpp>
#include <modelauth/tokens/login_limiter.hpp>
#include <modelauth/tokens/managed_token_store.hpp>
#include <modelauth/tokens/password.hpp>
#include <modelauth/tokens/ttl.hpp>
#include <modelauth/tokens/user_directory.hpp>
#include <modelauth/validation/principal.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace flows {

/** Settings of the token flows (one set for all: the quotas of one flow
    never limit another's). */
struct flow_options
{
    /// Lifetimes of what the flows issue.
    token_lifetimes lifetimes;

    /// Managed tokens: the most permanent ones per (class, account, space).
    std::size_t max_permanent_tokens = 5;

    /// Managed tokens: the most unexpired temporary ones per (class,
    /// account, space); beyond it a create answers
    /// `tokens::error::token_quota` (409).
    std::size_t max_temporary_tokens = 100;

    /// Resource tokens: the most unexpired ones per instance, permanent or
    /// not; beyond it a create answers `tokens::error::token_quota` (409).
    std::size_t max_instance_tokens = 100;

    /// Console sessions: the most refresh-token families (logged-in
    /// sessions) per user: a login beyond it ends the user's least recently
    /// used session first (its refresh token and the tokens issued from it
    /// stop working).
    std::size_t max_refresh_families = 20;

    /// Console sessions: the most unexpired access and model session tokens
    /// one refresh-token family (one login) may have at once: beyond it,
    /// refresh and model_session answer `tokens::error::token_quota` (409)
    /// until some expire. Every one of them is revoked with its family.
    std::size_t max_family_tokens = 1000;

    /// Console sessions: the most rotated refresh tokens one family
    /// remembers (until they expire) to recognise their reuse: a refresh
    /// beyond it answers `tokens::error::token_quota` and the user logs in
    /// again. The default covers a refresh every 30 minutes for 90 days.
    std::size_t max_family_rotations = 5000;

    /// The prefix of the opaque API keys the flows make (`<prefix>_...`);
    /// must be the validator's `api_key_prefix`.
    std::string api_key_prefix = "mak";

    /// The prefix of refresh tokens; never accepted as an API key.
    std::string refresh_token_prefix = "mrt";

    /// Failed logins per (email, client address) before 429: the client's
    /// address is part of the key, so nobody's failures lock a user out of
    /// another address (security review F2).
    login_limiter_options login;

    /// Failed logins per client address, whatever the email, before 429:
    /// bounds one address's guesses across many emails. Looser than
    /// `login`: many users may share one address (NAT).
    login_limiter_options login_per_address{50, std::chrono::minutes(15), 100000};

    /// Managed tokens: how many one list page holds at most.
    std::size_t max_page_size = 100;
};

/** A managed token just made: its record and its secret, shown once. */
struct created_token
{
    /// The stored record (id, hint, class, bindings, expiry...).
    std::shared_ptr<validation::stored_token const> token;

    /// The secret itself (an API key `mak_...`). Never stored.
    std::string secret;
};

/** What `flow_context::apply_grants` changed. */
struct grant_changes
{
    /// Tokens deleted: their owner, account, instance or space is gone.
    std::size_t deleted = 0;

    /// Tokens whose scopes were narrowed to what their owner still holds.
    std::size_t narrowed = 0;

    /// Refresh-token families revoked: their user is gone.
    std::size_t families_revoked = 0;
};

/** The state the token flows share, and the rules that span them: the
    directory and holding every stored token to its owner's grants.

    Rules every flow follows (docs/lifecycle.md): tokens a caller makes
    carry the caller's scopes (a token never grants more than its maker
    has); every deletion, deactivation or revocation reaches the validator
    at once through the store's epoch.

    Thread safety: safe to share between threads.
    @tparam Clock As for `TokenValidator`.
*/
template<class Clock = system_clock_source>
class flow_context
{
public:
    /** A context.

        @throws configuration_error naming the field (`flow_context.router`,
        `flow_context.issuer`, ... null; `flow_options.api_key_prefix`
        invalid or equal to the refresh prefix; a count 0; a lifetime not
        positive, or a JWT lifetime over the issuer's `retain_old_keys`).
    */
    flow_context(user_directory directory, std::shared_ptr<router::ModelUrlRouter const> router,
                 std::shared_ptr<token_issuer<Clock> const> issuer, std::shared_ptr<ManagedTokenStore> store,
                 std::shared_ptr<policy::ScopePolicy const> policy, flow_options options = {},
                 Clock clock = Clock{});

    /** Replaces the directory (users, accounts, instances) atomically, then
        holds every stored token to its owner's new grants (`apply_grants`).

        @return As `apply_grants`.
    */
    result<grant_changes> set_directory(user_directory directory);

    /** Holds every stored token to the current grants of the user who made
        it (security review F5): call it once at start, after the store has
        been loaded (a server started with a narrower config than the one
        that minted its tokens), as `set_directory` does.

        - A token whose owner is no longer in the directory, or whose
          account binding is no longer the owner's account, is deleted.
        - An instance token of an instance the owner no longer lists, and a
          space token of a space the account no longer has, are deleted.
        - A token carrying scopes its owner no longer holds keeps only those
          still covered by the owner's scopes (`narrowed`); with none left
          it is deleted.
        - The refresh-token families of users no longer in the directory are
          revoked (their access and model session tokens with them).

        Each change reaches the validator at once (the store's epoch).
        @return How many tokens were deleted and narrowed, or the store's
        `storage_failure` (changes made before it stay made).
    */
    [[nodiscard]] result<grant_changes> apply_grants();

    /// The current directory.
    [[nodiscard]] std::shared_ptr<user_directory const> directory() const noexcept;

    /** The hash a login with an unknown email is verified against: one of
        the most common iteration count among the directory's users, so an
        unknown email costs what most known ones cost (security review F7).
        Follows `set_directory`.
    */
    [[nodiscard]] password_hash const& dummy_hash() const noexcept;

    [[nodiscard]] token_issuer<Clock> const& issuer() const noexcept;
    [[nodiscard]] ManagedTokenStore& store() const noexcept;
    [[nodiscard]] router::ModelUrlRouter const& router() const noexcept;
    [[nodiscard]] policy::ScopePolicy const& policy() const noexcept;
    [[nodiscard]] flow_options const& options() const noexcept;
    [[nodiscard]] Clock const& clock() const noexcept;

    /// Now, in whole seconds (what a journal keeps and a JWT carries).
    [[nodiscard]] std::chrono::system_clock::time_point now() const noexcept;

    /// How long after its `exp` the validator may still accept a JWT: a
    /// revocation is kept that much longer.
    [[nodiscard]] std::chrono::seconds revocation_margin() const noexcept;

private:
    std::shared_ptr<router::ModelUrlRouter const> router_;
    std::shared_ptr<token_issuer<Clock> const> issuer_;
    std::shared_ptr<ManagedTokenStore> store_;
    std::shared_ptr<policy::ScopePolicy const> policy_;
    flow_options options_;
    Clock clock_;
    std::chrono::seconds revocation_margin_;
    modelauth::detail::snapshot<user_directory> directory_;
    // The dummy hash for unknown emails: the directory's most common cost.
    modelauth::detail::snapshot<password_hash> dummy_hash_;
};

} // namespace flows
} // namespace tokens
} // namespace v0
} // namespace modelauth

#include <modelauth/tokens/flows/impl/flow_context.hpp>

#endif
