//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_POLICY_SCOPE_POLICY_HPP
#define MODELAUTH_POLICY_SCOPE_POLICY_HPP

/** @file
    `ScopePolicy`: may this principal do this action on this endpoint?

    @code
    // At start-up.
    auto const policy = modelauth::policy::ScopePolicy::builder()
        .add_action("reports:export")
        .build();

    // Per request: the first decision about a principal compiles its scopes
    // and keeps them in it; the next ones parse nothing and allocate nothing.
    auto const d = policy.decide(*principal, endpoint, modelauth::policy::ScopePolicy::models_infer);
    if(! d)
        return deny(d.error(), d.required_scope()); // 403 insufficient_scope, scope="..."
    @endcode

    Scope grammar (api.md, "Scopes"). Names are case-sensitive ASCII:

        scope  = action [ ":" path ]
        action = word ":" word                 ; <namespace>:<verb>, e.g. models:infer
        word   = ALPHA *( ALPHA / DIGIT / "_" / "-" )        ; at most 32 bytes
        path   = label *( "/" label )          ; at most 10 labels, 418 bytes
        label  = the model name grammar (is_valid_model_name): A-Z a-z 0-9 . _ -,
                 the first a letter or a digit, the last not "."

    A scope without a path grants its action everywhere. A path narrows it
    to the resources below it, on whole segments: on a model endpoint the
    resource is `<prefix>/<name>/<version>` (the resolved version), so
    `models:infer:models/practicus` covers every model of that prefix and
    never `models/practicus-beta/...`, `models:infer:models/practicus/churn`
    every version of one model, and `.../churn/1` version 1 alone.

    A scope that does not parse, or names an action the policy does not
    know, grants nothing; it is dropped when scopes are compiled and is never
    an error.

    The built-in actions are `models:read` (metadata, listings, `get_meta`),
    `models:infer` (inference) and `tokens:manage` (the token and IAM routes);
    a server adds its own with `builder::add_action`.
*/

#include <modelauth/configuration_error.hpp>
#include <modelauth/error.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/router/model_endpoint.hpp>
#include <modelauth/validation/error.hpp>
#include <modelauth/validation/principal.hpp>

#include <boost/json/value.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace policy {

/// The longest word of an action name, in bytes (`models`, `infer`).
inline constexpr std::size_t max_action_word_bytes = 32;

/// The most labels a scope path may have: a full prefix, a name and a version.
inline constexpr std::size_t max_scope_path_segments = router::max_model_prefix_segments + 2;

/// The longest scope path, in bytes: a full prefix, a name and a version.
inline constexpr std::size_t max_scope_path_bytes =
    router::max_model_prefix_bytes + 1 + router::max_model_name_bytes + 1 + router::max_model_version_bytes;

/** Whether `name` is a valid action: `word ":" word` (see the file comment).

    Complexity: linear. Exception safety: no-throw.
*/
[[nodiscard]] constexpr bool is_valid_action_name(std::string_view name) noexcept;

/** A scope split into its action and its path (empty: the whole action).

    Views into the scope text.
*/
struct scope_parts
{
    /// `<namespace>:<verb>`.
    std::string_view action;
    /// The path, without the `:` before it; empty if the scope has none.
    std::string_view path;
};

/** Splits `scope` by the scope grammar (see the file comment).

    @return The parts, or nothing if `scope` does not parse.

    Complexity: linear. Exception safety: no-throw.
*/
[[nodiscard]] constexpr std::optional<scope_parts> parse_scope(std::string_view scope) noexcept;

/** An action interned in one `ScopePolicy`: an index into its action table.

    The built-in actions have the same id in every policy
    (`ScopePolicy::models_read`, ...); the ids of added actions are those of
    the policy that `find_action` was asked.
*/
enum class action_id : std::uint16_t
{
};

/** A route that is not a model endpoint, for `ScopePolicy::decide`:
    token management, IAM, listings.

    Views: the caller keeps `resource` alive while it uses the decision.
*/
struct route_descriptor
{
    /// The resource a scope path must cover, in the scope path grammar, e.g.
    /// `tokens` or `iam/whoami`; empty: only scopes without a path allow.
    std::string_view resource;

    /// Whether this is an identity and access management route
    /// (`/api/v1/iam/`, `/api/v1/tokens/`): the only routes where manager
    /// tokens are accepted.
    bool iam = false;
};

//----------------------------------------------------------------------------

/** The answer of `ScopePolicy::decide`: allow, or deny with a reason.

    Converts to `true` when allowed. On denial `error()` is a `policy::error`
    (map it with `http_status` and `rfc6750_error`), and for
    `missing_scope` `required_scope()` spells the narrowest scope that would
    allow the request, ready for the RFC 6750 `scope` attribute.

    Lifetime: the decision borrows the policy's action names and the
    endpoint's (or route's) strings; use it while those live (within the
    request).

    Thread safety: a value.
*/
class policy_decision
{
public:
    /// A denial (`missing_scope`, no required scope): default deny.
    policy_decision() noexcept
        : error_(make_error_code(policy::error::missing_scope))
    {
    }

    /// Makes an allowing decision.
    static policy_decision allow() noexcept
    {
        policy_decision d;
        d.error_ = std::error_code();
        return d;
    }

    /// Whether the request is allowed.
    [[nodiscard]] bool allowed() const noexcept
    {
        return ! error_;
    }

    /// Whether the request is allowed.
    explicit operator bool() const noexcept
    {
        return allowed();
    }

    /// Why it is denied (a `policy::error`); empty when allowed.
    [[nodiscard]] std::error_code error() const noexcept
    {
        return error_;
    }

    /** For a `missing_scope` denial, the narrowest scope that would allow
        the request: `<action>:<prefix>/<name>` for a model URL without a
        version (it keeps the URL working when the default version moves),
        `<action>:<prefix>/<name>/<version>` for one naming its version,
        `<action>:<resource>` or `<action>` for other routes. Empty for
        other outcomes.

        The characters all come from the scope grammar, so the text may go
        into a `WWW-Authenticate` header as it is.

        Complexity: linear. Exception safety: strong; allocates the string.
    */
    [[nodiscard]] std::string required_scope() const;

    /// Makes a denial without a required scope.
    static policy_decision deny(policy::error e) noexcept
    {
        policy_decision d;
        d.error_ = make_error_code(e);
        return d;
    }

    /// Makes a `missing_scope` denial whose required scope is `action`
    /// narrowed to the path `piece0/piece1/piece2` (empty pieces skipped).
    /// Borrows the views.
    static policy_decision missing_scope(std::string_view action,
        std::string_view piece0 = {}, std::string_view piece1 = {}, std::string_view piece2 = {}) noexcept
    {
        policy_decision d = deny(policy::error::missing_scope);
        d.scope_pieces_ = {action, piece0, piece1, piece2};
        return d;
    }

private:
    std::error_code error_;
    std::array<std::string_view, 4> scope_pieces_{}; // action, then path pieces
};

//----------------------------------------------------------------------------

class ScopePolicy;

/** A principal's scopes compiled by one `ScopePolicy`: each a known action
    id and a checked path, so a decision compares integers and bytes and
    parses nothing.

    Made by `ScopePolicy::compile`; `ScopePolicy::decide` makes them once
    per principal and keeps them in it, so a caller need not hold them.
    Unknown and malformed scopes are not in it.

    Thread safety: immutable after construction; safe to share.
*/
class compiled_scopes
{
public:
    /// No scopes: grants nothing.
    compiled_scopes() = default;

    /// How many scopes grant something.
    [[nodiscard]] std::size_t size() const noexcept
    {
        return entries_.size();
    }

    /// Whether no scope grants anything.
    [[nodiscard]] bool empty() const noexcept
    {
        return entries_.empty();
    }

private:
    friend class ScopePolicy;

    struct entry
    {
        action_id action;
        std::uint16_t path_size;  // 0: the whole action
        std::uint32_t path_offset; // into paths_
    };

    std::vector<entry> entries_;
    std::string paths_;
};

//----------------------------------------------------------------------------

/** Decides whether a principal may perform an action on an endpoint.

    A decision, in this order:
    1. `inactive` (401) if the principal's token class is disabled in this
       policy (`builder::disable_class`). The token store refuses
       deactivated tokens already at validation (`validation::error::token_inactive`);
       this is the policy's way to switch a whole kind of credential off
       (e.g. personal API keys) without touching the validator.
    2. `class_forbidden` (403) for a manager token anywhere but an IAM route
       (so on every model endpoint), and for model session and instance tokens
       on routes that are not model endpoints (they reach models only).
    3. `other_account` (404, answered as a model that does not exist) if the
       token is held to an account (`bindings.account`) and the model
       belongs to another one. Tenancy: account and space tokens always;
       user tokens, personal keys, model session and instance tokens (all
       minted for a user, carrying the user's account) unless
       `builder::isolate_accounts(false)`. Models without an account are
       shared, and a token without an account binding (an outside issuer's
       JWT without one) reaches models by its scopes alone.
    4. `binding_mismatch` (403) if the token is bound elsewhere:
       - any token with a `model_id` binding reaches that model only (a model
         session token without one reaches none);
       - an instance token only models whose `instance` equals its own;
       - a space token only models of its account and space;
       - an account token only models of its account.
       A binding the token's class requires but the token or the model lacks
       never matches. User tokens and personal keys carry no class binding
       beyond their account (rule 3).
    5. `missing_scope` (403 insufficient_scope) unless one scope has the
       action and no path, or a path covering the resource on whole segments.
    Default deny: no scope, no access.

    Built once from code (`builder`) or JSON (`from_json`); immutable
    afterwards, safe to share between threads.
*/
class ScopePolicy
{
public:
    class builder;

    /// The built-in action `models:read`: metadata, listings, `get_meta`.
    static constexpr action_id models_read = action_id{0};

    /// The built-in action `models:infer`: inference.
    static constexpr action_id models_infer = action_id{1};

    /// The built-in action `tokens:manage`: token management and IAM routes.
    static constexpr action_id tokens_manage = action_id{2};

    /// The most actions a policy holds, built-ins included.
    static constexpr std::size_t max_actions = 4096;

    /// A policy with the built-in actions only and every class enabled.
    ScopePolicy();

    /** Reads a policy from JSON configuration.

        @code
        {
          "actions": ["reports:export"],        // added to the built-ins; optional
          "disabled_classes": ["personal_key"], // token class names; optional
          "isolate_accounts": true              // rule 3 for users' tokens; optional, default true
        }
        @endcode

        Built-in actions may be listed; no name may appear twice. Any other
        member is an error.

        @param config The policy object.
        @param field_path How error messages name `config` (`policy` gives
        `policy.actions[2]`).

        @throws configuration_error naming the first bad field, e.g.
        `policy.actions[2]: "reports" is not an action: ...`.
    */
    [[nodiscard]] static ScopePolicy from_json(boost::json::value const& config, std::string_view field_path = "policy");

    /// The id of the action named `name`, if the policy knows it.
    /// Complexity: linear in the number of actions (a start-up call).
    [[nodiscard]] std::optional<action_id> find_action(std::string_view name) const noexcept;

    /// The name of `id`; empty if the policy has no such action.
    [[nodiscard]] std::string_view action_name(action_id id) const noexcept;

    /// How many actions the policy knows, built-ins included.
    [[nodiscard]] std::size_t action_count() const noexcept
    {
        return actions_.size();
    }

    /// Whether tokens of class `c` are enabled (see `decide`, `inactive`).
    [[nodiscard]] bool class_enabled(validation::token_class c) const noexcept;

    /// Whether users' tokens are held to their account (rule 3 of `decide`).
    [[nodiscard]] bool isolates_accounts() const noexcept
    {
        return isolate_accounts_;
    }

    /** Compiles scope strings (`principal.scopes`) for this policy.

        Scopes that do not parse or name an unknown action are dropped.

        @param scopes A range of elements convertible to `std::string_view`.

        Complexity: linear in the scopes' size and the number of actions.
        Exception safety: strong; allocates.
    */
    template<class Range>
    [[nodiscard]] compiled_scopes compile(Range const& scopes) const;

    /** Decides whether `principal` may perform `action` on `endpoint` (see
        the class comment for the rules).

        The first decision about a principal compiles its scopes (`compile`)
        and keeps them in the principal, keyed by this policy (a copy of the
        policy shares them); every later decision, from any thread, parses
        nothing and allocates nothing. The validator's cache shares one
        principal between the requests of a token, so a busy token is
        compiled once.

        Precondition: `principal.scopes` has not changed since a policy
        first decided about `principal` (see `validation::Principal`).

        Complexity: linear in the number of scopes.
        Exception safety: no-throw once the principal's scopes are kept;
        the first decision may throw `std::bad_alloc` (strong).
        Thread safety: may be called for one principal from many threads.
    */
    template<class Registry>
    [[nodiscard]] policy_decision decide(
        validation::Principal const& principal, router::basic_model_endpoint<Registry> const& endpoint, action_id action) const;

    /** Decides whether `principal` may perform `action` on a route that is
        not a model endpoint (token management, IAM, listings).

        Rules as for endpoints, with the route's `resource` as the resource
        and `route.iam` deciding manager tokens; account and space tokens
        are not narrowed here (which tokens they manage is the token
        service's business). Compiled scopes are kept as by the endpoint
        overload.

        Complexity: linear in the number of scopes.
        Exception safety: as the endpoint overload.
    */
    [[nodiscard]] policy_decision decide(
        validation::Principal const& principal, route_descriptor const& route, action_id action) const;

private:
    // Whether the principal's scopes, compiled by this policy (kept in the
    // principal, compiled and kept on the first call), grant as below.
    bool granted(validation::Principal const& principal, action_id action,
        std::string_view const* pieces, std::size_t piece_count) const;

    // `granted` when the principal keeps no scopes of this policy yet.
    bool granted_first(validation::Principal const& principal, action_id action,
        std::string_view const* pieces, std::size_t piece_count) const;

    // Whether a scope with `action` covers the resource made of `pieces`
    // (a path split in up to three pieces joined by "/").
    bool granted(compiled_scopes const& scopes, action_id action,
        std::string_view const* pieces, std::size_t piece_count) const noexcept;

    std::vector<std::string> actions_;
    std::uint8_t disabled_classes_ = 0; // bit (1 << token_class)
    bool isolate_accounts_ = true;
    std::uint64_t id_ = 0;
};

/** Builds a `ScopePolicy` from code.

    @code
    auto policy = modelauth::policy::ScopePolicy::builder()
        .add_action("reports:export")
        .disable_class(modelauth::validation::token_class::personal_key)
        .build();
    @endcode

    One per thread; `build` may be called more than once.
*/
class ScopePolicy::builder
{
public:
    /// A builder holding the built-in actions.
    builder();

    /** Adds the action `name` (`<namespace>:<verb>`).

        @throws configuration_error with the field `actions[N]` (N counting
        calls to `add_action` from 0) if `name` is not a valid action, is
        added twice, or the policy would hold more than `max_actions`.
        Adding a built-in action does nothing.
    */
    builder& add_action(std::string_view name);

    /** Disables token class `c`: its principals are denied with `inactive`.
    */
    builder& disable_class(validation::token_class c) noexcept;

    /** Whether tokens minted for a user (user, personal key, model session,
        instance) are held to the user's account: another account's model
        is `other_account` (404). On by default; turn it off only for a
        single-tenant deployment whose accounts are not tenants.
    */
    builder& isolate_accounts(bool on) noexcept;

    /// Builds the policy. Exception safety: strong; allocates.
    [[nodiscard]] ScopePolicy build() const;

private:
    std::vector<std::string> actions_;
    std::vector<bool> added_; // per action: added explicitly (for duplicates)
    std::size_t calls_ = 0;
    std::uint8_t disabled_classes_ = 0;
    bool isolate_accounts_ = true;
};

} // namespace policy
} // namespace v0
} // namespace modelauth

#include <modelauth/policy/impl/scope_policy.hpp>

#endif
