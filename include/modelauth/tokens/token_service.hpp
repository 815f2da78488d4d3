//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_TOKEN_SERVICE_HPP
#define MODELAUTH_TOKENS_TOKEN_SERVICE_HPP

/** @file
    The token service: the operations of the four token flows of
    docs/lifecycle.md, with their rules, over a user directory, a model
    router, an issuer, a managed token store and a login limiter.

    It knows nothing of HTTP: `rest_api.hpp` maps routes onto it, and a
    server with its own API can call it directly.

    @code
    auto service = std::make_shared<modelauth::tokens::token_service<>>(
        directory, router, issuer, store, policy);
    auto pair = service->login(email, password);          // Practicus
    auto session = service->model_session(*pair_principal, 42);
    @endcode
*/

#include <modelauth/detail/snapshot.hpp>
#include <modelauth/error.hpp>
#include <modelauth/router/model_url_router.hpp>
#include <modelauth/validation/principal.hpp>
#include <modelauth/policy/scope_policy.hpp>
#include <modelauth/tokens/issuer.hpp>
#include <modelauth/tokens/login_limiter.hpp>
#include <modelauth/tokens/managed_token_store.hpp>
#include <modelauth/tokens/password.hpp>
#include <modelauth/tokens/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {

/** A person who can log in. */
struct user_record
{
    /// The login name, also the `sub` of their tokens. Compared exactly.
    std::string email;

    /// Their password, as `pbkdf2_sha256$...` (never the password).
    password_hash password;

    /// The account they belong to.
    std::string account;

    /// The scopes of their console access tokens, and the most any token
    /// they make may carry.
    std::vector<std::string> scopes;

    /// The instances (`project/region/id`) whose tokens they may manage.
    std::vector<std::string> instances;
};

/** An account and its spaces. */
struct account_record
{
    std::string id;
    std::vector<std::string> spaces;
};

/** Who exists: users, accounts, instances. Immutable once built; the
    service holds it as a snapshot that `token_service::set_directory`
    replaces.
*/
struct user_directory
{
    std::vector<user_record> users;
    std::vector<account_record> accounts;

    /// Instance keys, `project/region/id`.
    std::vector<std::string> instances;

    /// The user with `email`, or null.
    [[nodiscard]] user_record const* find_user(std::string_view email) const noexcept;

    /// The account `id`, or null.
    [[nodiscard]] account_record const* find_account(std::string_view id) const noexcept;

    /// Whether the instance `key` exists.
    [[nodiscard]] bool has_instance(std::string_view key) const noexcept;
};

/** Settings of a token service. */
struct token_service_options
{
    /// Lifetimes of what the service issues.
    token_lifetimes lifetimes;

    /// The most permanent tokens per (class, account, space) (NeuroIO: 5).
    std::size_t max_permanent_tokens = 5;

    /// The most unexpired temporary tokens per (class, account, space);
    /// beyond it a create answers `tokens::error::token_quota` (409).
    std::size_t max_temporary_tokens = 100;

    /// The most unexpired instance tokens per instance, permanent or not;
    /// beyond it a create answers `tokens::error::token_quota` (409).
    std::size_t max_instance_tokens = 100;

    /// The most refresh-token families (logged-in sessions) per user: a
    /// login beyond it ends the user's least recently used session first
    /// (its refresh token and the tokens issued from it stop working).
    std::size_t max_refresh_families = 20;

    /// The most unexpired access and model session tokens one refresh-token
    /// family (one login) may have at once: beyond it, refresh and
    /// model_session answer `tokens::error::token_quota` (409) until some
    /// expire. Every one of them is revoked with its family.
    std::size_t max_family_tokens = 1000;

    /// The most rotated refresh tokens one family remembers (until they
    /// expire) to recognise their reuse: a refresh beyond it answers
    /// `tokens::error::token_quota` and the user logs in again. The
    /// default covers a refresh every 30 minutes for 90 days.
    std::size_t max_family_rotations = 5000;

    /// The prefix of the opaque API keys it makes (`<prefix>_...`); must be
    /// the validator's `api_key_prefix`.
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

    /// How many tokens one list page holds at most (NeuroIO `limit`).
    std::size_t max_page_size = 100;
};

/** An access token and its refresh token (Practicus login and refresh). */
struct token_pair
{
    /// The console access JWT (class `user`).
    std::string access;

    /// The opaque refresh token, shown once.
    std::string refresh;

    /// When the access token expires.
    std::chrono::system_clock::time_point access_expires;

    /// When the refresh token expires.
    std::chrono::system_clock::time_point refresh_expires;
};

/** A managed token just made: its record and its secret, shown once. */
struct created_token
{
    /// The stored record (id, hint, class, bindings, expiry...).
    std::shared_ptr<validation::stored_token const> token;

    /// The secret itself (an API key `mak_...`). Never stored.
    std::string secret;
};

/** One page of a token list (NeuroIO pagination). */
struct token_page
{
    /// How many tokens match in all.
    std::size_t count = 0;

    /// This page's tokens, oldest first.
    std::vector<std::shared_ptr<validation::stored_token const>> results;

    /// The offset of the next page, if any.
    std::optional<std::size_t> next_offset;

    /// The offset of the previous page, if any.
    std::optional<std::size_t> previous_offset;
};

/** What `token_service::apply_grants` changed. */
struct grant_changes
{
    /// Tokens deleted: their owner, account, instance or space is gone.
    std::size_t deleted = 0;

    /// Tokens whose scopes were narrowed to what their owner still holds.
    std::size_t narrowed = 0;

    /// Refresh-token families revoked: their user is gone.
    std::size_t families_revoked = 0;
};

/** Which NeuroIO tokens an operation is about (the target of a create). */
enum class managed_kind : std::uint8_t
{
    /// `POST /api/v1/tokens/`: a token of the caller's own kind.
    same_as_caller,
    /// `POST /api/v1/spaces/{space}/tokens/`: a space token.
    space,
    /// `POST /api/v1/iam/tokens/`: a manager token.
    manager
};

/** The operations of the token flows.

    Every operation takes the caller's validated `Principal` (from the
    guard's `authenticate`) where the flow needs one, and decides itself
    whether that caller may do it (`tokens::error::not_permitted`, 403,
    or `token_not_found`, 404, when the caller may not even know the token
    exists).

    Rules (docs/lifecycle.md):
    - Login checks the password in constant time and costs the same for an
      unknown email; failures are limited per email (429).
    - Refresh tokens rotate on every use; presenting a rotated one revokes
      its family: its refresh tokens and the access and model session
      tokens issued from it (API keys, instance and NeuroIO tokens made with
      them are durable tokens of their own and survive; delete them through
      their routes). A user has at most `max_refresh_families` families.
    - A model session token carries the caller's scopes, is bound to one
      model, and is only issued if the caller's scopes allow reading or
      inferring that model.
    - Instance tokens are made by console access tokens (class `user`)
      whose user lists the instance; never by an instance token.
    - One personal API key per user: regenerating replaces the old one,
      which stops working at once.
    - NeuroIO: a console access token or an account token manages the
      account's account tokens, a space token its space's space tokens, a
      manager token the account's manager tokens; at most
      `max_permanent_tokens` permanent ones per (class, account, space).
    - Tokens a caller makes carry the caller's scopes (a token never grants
      more than its maker has) and the bindings of its kind.
    - Every deletion, deactivation or revocation reaches the validator at
      once through the store's epoch.

    Thread safety: safe to share between threads.
    @tparam Clock As for `TokenValidator`.
*/
template<class Clock = system_clock_source>
class token_service
{
public:
    using token_ptr = std::shared_ptr<validation::stored_token const>;

    /** A service.

        @throws configuration_error naming the field (`token_service.issuer`,
        `token_service.store`, ... null; `options.api_key_prefix` invalid or
        equal to the refresh prefix; `max_permanent_tokens` 0).
    */
    token_service(user_directory directory, std::shared_ptr<router::ModelUrlRouter const> router,
                  std::shared_ptr<token_issuer<Clock> const> issuer, std::shared_ptr<ManagedTokenStore> store,
                  std::shared_ptr<policy::ScopePolicy const> policy, token_service_options options = {},
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

    // -- Practicus -----------------------------------------------------------

    /** Checks `email` and `password`; issues an access token and starts a
        refresh-token family.

        @param client_address The client's address (any text naming it, e.g.
        `203.0.113.7`); empty: throttled on the email alone, for callers
        that have no address.
        @return The pair, or `tokens::error::invalid_credentials` (unknown
        email or wrong password: one answer, similar time),
        `too_many_attempts` (the pair or the address made too many failed
        attempts; each attempt is counted before the password is checked, so
        parallel guesses cannot pass the limit), `storage_failure`.
    */
    [[nodiscard]] result<token_pair> login(std::string_view email, std::string_view password,
                                           std::string_view client_address = {});

    /** How long until `email` may try to log in again from `client_address`
        (the `Retry-After` of a 429), zero if it may now.
    */
    [[nodiscard]] std::chrono::seconds login_retry_after(std::string_view email,
                                                         std::string_view client_address = {}) const;

    /** Rotates `refresh_token`: a new access token and a new refresh token
        of the same family.

        @return The pair, or `tokens::error::invalid_refresh_token`
        (unknown, expired, malformed), `refresh_token_reused` (its family is
        revoked now), `storage_failure`.
    */
    [[nodiscard]] result<token_pair> refresh(std::string_view refresh_token);

    /** A model session token for `model_id`. It joins the refresh-token
        family of the caller's access token (if any): revoking the family
        revokes it.

        @return The issued JWT, or `tokens::error::unknown_model`,
        `not_permitted` (the caller is not a console user, or may neither
        read nor infer the model), `token_quota` (the family holds
        `max_family_tokens` live tokens), `storage_failure`.
    */
    [[nodiscard]] result<issued_jwt> model_session(validation::Principal const& caller, std::int64_t model_id);

    // -- STACKIT instance tokens ---------------------------------------------

    /** Makes an instance token for `instance` (`project/region/id`).

        @param ttl Its lifetime; empty: it does not expire.
        @return The token and its secret, or `unknown_instance`,
        `not_permitted`, `invalid_request_body` (empty name, name or
        description too long), `storage_failure`.
    */
    [[nodiscard]] result<created_token> create_instance_token(validation::Principal const& caller, std::string_view instance,
        std::string name, std::string description, std::optional<std::chrono::seconds> ttl);

    /// The instance's tokens, oldest first; errors as above.
    [[nodiscard]] result<std::vector<token_ptr>> list_instance_tokens(validation::Principal const& caller,
                                                                      std::string_view instance) const;

    /// One of the instance's tokens; `token_not_found` if it is not one.
    [[nodiscard]] result<token_ptr> get_instance_token(validation::Principal const& caller, std::string_view instance,
                                                       std::string_view id) const;

    /// Changes the name and/or description of an instance token.
    [[nodiscard]] result<token_ptr> update_instance_token(validation::Principal const& caller, std::string_view instance,
        std::string_view id, std::optional<std::string> name, std::optional<std::string> description);

    /// Deletes an instance token: it stops working at once.
    [[nodiscard]] result<void> delete_instance_token(validation::Principal const& caller, std::string_view instance,
                                                     std::string_view id);

    // -- Modelon personal API key ----------------------------------------------

    /** Makes the caller's personal API key, replacing (and disabling at
        once) the one they had.

        The caller is a console access token or the user's current personal
        key.
    */
    [[nodiscard]] result<created_token> regenerate_api_key(validation::Principal const& caller);

    /// The caller's personal key's record (metadata only); `token_not_found`.
    [[nodiscard]] result<token_ptr> api_key_info(validation::Principal const& caller) const;

    /// Deletes the caller's personal key; `token_not_found` if none.
    [[nodiscard]] result<void> delete_api_key(validation::Principal const& caller);

    // -- NeuroIO account / space / manager tokens ------------------------------

    /** Makes a token of `kind` (see `managed_kind`).

        @param space For `managed_kind::space`, the space; it must be one of
        the caller's account's spaces (`unknown_space`).
        @param permanent Permanent, or temporary (`lifetimes.temporary`).
        @return The token and its secret, or `not_permitted`,
        `unknown_space`, `permanent_token_quota`, `storage_failure`.
    */
    [[nodiscard]] result<created_token> create_managed(validation::Principal const& caller, managed_kind kind,
                                                       std::optional<std::string> space, bool permanent);

    /** The tokens the caller manages (see the class comment), a page of them.

        Pagination as Django REST framework's limit/offset: `limit` 0 means
        `options().max_page_size`, and a larger one is clamped to it;
        `next_offset` is `offset + limit` while tokens remain after this
        page; `previous_offset` is empty at offset 0, else `offset - limit`
        (0 at least). Expired tokens (not yet pruned) are not listed.
    */
    [[nodiscard]] result<token_page> list_managed(validation::Principal const& caller, std::optional<bool> permanent,
                                                  std::size_t limit, std::size_t offset) const;

    /// One token the caller manages, by id or by its secret; `token_not_found`.
    [[nodiscard]] result<token_ptr> get_managed(validation::Principal const& caller, std::string_view id_or_key) const;

    /// Activates or deactivates one token the caller manages.
    [[nodiscard]] result<token_ptr> set_managed_active(validation::Principal const& caller, std::string_view id_or_key,
                                                       bool active);

    /// Deletes one token the caller manages.
    [[nodiscard]] result<void> delete_managed(validation::Principal const& caller, std::string_view id_or_key);

    /** Deletes the tokens the caller manages: only permanent ones, only
        temporary ones, or (empty) all, always except the caller's own.

        @return How many were deleted.
    */
    [[nodiscard]] result<std::size_t> delete_managed_many(validation::Principal const& caller, std::optional<bool> permanent);

    /** For a manager token: its account and class (`GET /api/v1/iam/whoami/`).

        @return `{account, "manager"}`, or `not_permitted` for any other class.
    */
    [[nodiscard]] result<std::pair<std::string, validation::token_class>> whoami(validation::Principal const& caller) const;

    // -- Parts ---------------------------------------------------------------

    [[nodiscard]] token_issuer<Clock> const& issuer() const noexcept;
    [[nodiscard]] ManagedTokenStore& store() const noexcept;
    [[nodiscard]] router::ModelUrlRouter const& router() const noexcept;
    [[nodiscard]] policy::ScopePolicy const& policy() const noexcept;
    [[nodiscard]] token_service_options const& options() const noexcept;
    [[nodiscard]] Clock const& clock() const noexcept;

    /// The login limiter of (email, client address) pairs; its key is
    /// `login_limiter_key(email, client_address)`.
    [[nodiscard]] login_limiter<Clock> const& limiter() const noexcept;

    /** The hash a login with an unknown email is verified against: one of
        the most common iteration count among the directory's users, so an
        unknown email costs what most known ones cost (security review F7).
        Follows `set_directory`.
    */
    [[nodiscard]] password_hash const& dummy_hash() const noexcept;

    /// The key of the pair limiter for `email` from `client_address`.
    [[nodiscard]] static std::string login_limiter_key(std::string_view email, std::string_view client_address);

private:
    using time_point = std::chrono::system_clock::time_point;

    // A user record and the directory snapshot that keeps it alive.
    struct user_ref
    {
        std::shared_ptr<user_directory const> directory;
        user_record const* user = nullptr;
    };

    // The NeuroIO tokens a caller manages: one class in one account (and space).
    struct management_scope
    {
        validation::token_class cls = validation::token_class::account;
        std::string account;
        std::string space;
    };

    // Now, in whole seconds (what a journal keeps and a JWT carries).
    time_point now() const noexcept;

    // Whether `caller` is a console access token: class `user`, issued by
    // our issuer (a user token of another trusted issuer is not one).
    bool is_console_user(validation::Principal const& caller) const noexcept;

    // The directory's record of the console user `caller`; `not_permitted`.
    result<user_ref> console_user(validation::Principal const& caller) const;

    // The user whose personal key `caller` may manage: a console user, or
    // the owner of the personal key `caller` presents; `not_permitted`.
    result<user_ref> key_owner(validation::Principal const& caller) const;

    // The console user `caller` if it may manage the tokens of `instance`;
    // `not_permitted`, `unknown_instance`.
    result<user_ref> instance_manager(validation::Principal const& caller, std::string_view instance) const;

    // The instance token `id` of `instance`; `token_not_found`.
    result<token_ptr> find_instance_token(std::string_view instance, std::string_view id) const;

    // Which NeuroIO tokens `caller` manages; `not_permitted`.
    result<management_scope> management_scope_of(validation::Principal const& caller) const;

    // A token of the caller's management scope, by id or secret; `token_not_found`.
    result<token_ptr> find_managed(validation::Principal const& caller, std::string_view id_or_key) const;

    // Issues a console access token for `user`.
    result<issued_jwt> issue_access(user_record const& user) const;

    // A new refresh token of `family` for `owner`, issued `at`: the secret
    // for the client and the record (its hash) for the store.
    struct new_refresh_token
    {
        std::string secret;
        refresh_token_record record;
    };
    result<new_refresh_token> new_refresh(std::string family, std::string owner, time_point at) const;

    // Gives `token` a fresh id and secret, stores it (`replace` or
    // `insert`, under `limits`) and returns it with its secret.
    result<created_token> store_new_token(validation::stored_token token, insert_limits limits, bool replace);

    // Revokes `family` after a reuse and answers `refresh_token_reused`.
    result<token_pair> refuse_reused(std::string_view family);

    std::shared_ptr<router::ModelUrlRouter const> router_;
    std::shared_ptr<token_issuer<Clock> const> issuer_;
    std::shared_ptr<ManagedTokenStore> store_;
    std::shared_ptr<policy::ScopePolicy const> policy_;
    token_service_options options_;
    Clock clock_;
    // How long after its `exp` the validator may still accept a JWT: its
    // revocation is kept that much longer.
    std::chrono::seconds revocation_margin_;
    modelauth::detail::snapshot<user_directory> directory_;
    mutable login_limiter<Clock> limiter_;
    mutable login_limiter<Clock> address_limiter_;
    // The dummy hash for unknown emails: the directory's most common cost.
    modelauth::detail::snapshot<password_hash> dummy_hash_;
};

} // namespace tokens
} // namespace v0
} // namespace modelauth

#include <modelauth/tokens/impl/token_service.hpp>

#endif
