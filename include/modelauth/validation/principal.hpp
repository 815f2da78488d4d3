//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_PRINCIPAL_HPP
#define MODELAUTH_VALIDATION_PRINCIPAL_HPP

/** @file
    Who is calling: the `Principal` a validated credential yields.
*/

#include <modelauth/jose/json.hpp>
#include <modelauth/validation/detail/lazy_json_object.hpp>
#include <modelauth/validation/detail/principal_memo.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace validation {
namespace detail {

struct principal_recycling;
struct principal_memo_access;

} // namespace detail

/** The kind of credential a principal presented, which decides where it may go.

    The class of a JWT comes from its `cls` claim (absent: `user`); the class
    of an API key from the token store.
*/
enum class token_class : std::uint8_t
{
    /// A person's console access token, or a token from a trusted identity provider.
    user = 1,
    /// A short-lived token bound to one model (`model_id`).
    model_session,
    /// A token bound to one instance (`project/region/instance`).
    instance,
    /// A person's own API key.
    personal_key,
    /// A token of an account: all the account's models.
    account,
    /// A token of one space of an account.
    space,
    /// A manager token: identity and access management routes only.
    manager
};

/// The lower-case name of a token class, as the `cls` claim spells it.
[[nodiscard]] inline constexpr std::string_view token_class_name(token_class c) noexcept
{
    switch(c)
    {
    case token_class::user: return "user";
    case token_class::model_session: return "model_session";
    case token_class::instance: return "instance";
    case token_class::personal_key: return "personal_key";
    case token_class::account: return "account";
    case token_class::space: return "space";
    case token_class::manager: return "manager";
    }
    return "unknown";
}

/// The token class that `name` spells, if any. Case-sensitive.
[[nodiscard]] inline constexpr std::optional<token_class> token_class_from_name(std::string_view name) noexcept
{
    for(auto c : {token_class::user, token_class::model_session, token_class::instance,
                  token_class::personal_key, token_class::account, token_class::space,
                  token_class::manager})
        if(token_class_name(c) == name)
            return c;
    return std::nullopt;
}

/** What a credential is bound to. An empty member binds nothing.

    Claims: `model_id` (integer), `instance` (`project/region/instance`),
    `account`, `space`.
*/
struct token_bindings
{
    /// The one model a model session token may reach.
    std::optional<std::int64_t> model_id;
    /// The one instance an instance token may reach.
    std::string instance;
    /// The account the token belongs to.
    std::string account;
    /// The space the token belongs to.
    std::string space;

    friend bool operator==(token_bindings const& a, token_bindings const& b) noexcept
    {
        return a.model_id == b.model_id && a.instance == b.instance && a.account == b.account
            && a.space == b.space;
    }
};

/// How the principal authenticated.
enum class credential_kind : std::uint8_t
{
    /// A signed JWT.
    jwt = 1,
    /// An opaque API key looked up in a token store.
    api_key
};

/** Who is calling, as established by a validated credential.

    Immutable once built; the validator shares it as
    `std::shared_ptr<const Principal>` between its cache and the requests,
    so it is safe to read from any thread.

    What the request path derives from a principal is kept with it, so a
    principal shared by many requests is worked on once: a `ScopePolicy`
    compiles its scopes on the first decision about it and keeps them here
    (safe from many threads at once). Hence the one rule for a principal you
    build yourself: do not change its `scopes` after a policy has decided
    about it (a copy starts afresh and may be changed).
*/
struct Principal
{
    using clock = std::chrono::system_clock;

    /// The subject: `sub` of a JWT, the owner of an API key.
    std::string subject;

    /// The issuer (`iss`) of a JWT; empty for API keys.
    std::string issuer;

    /// The token's id: `jti` of a JWT, the store id of an API key.
    std::string token_id;

    /// When the credential stops being valid; empty for permanent API keys.
    std::optional<clock::time_point> expires_at;

    /// When the credential was issued (`iat`, or the store's creation time).
    std::optional<clock::time_point> issued_at;

    /// The granted scopes, from `scope` (space-separated) or `scp` (array),
    /// or the store; in the order given, duplicates removed.
    std::vector<std::string> scopes;

    /// The token's class.
    token_class cls = token_class::user;

    /// What the token is bound to.
    token_bindings bindings;

    /// How it authenticated.
    credential_kind kind = credential_kind::jwt;

    /// Whether `scope` is among the granted scopes (exact match).
    [[nodiscard]] bool has_scope(std::string_view scope) const noexcept
    {
        for(auto const& s : scopes)
            if(s == scope)
                return true;
        return false;
    }

    /** Every claim of a JWT as received (empty for API keys), so an
        application reads its own claims without decoding the token again.

        The validator keeps the claims' JSON text, already checked strictly;
        the object is built on the first call and kept (safe to call from
        many threads at once). Principals that are validated and never asked
        for their claims never pay for building it.
    */
    [[nodiscard]] boost::json::object const& claims() const { return claims_.get(); }

    /// The claim `name`, or null if the token has none.
    [[nodiscard]] boost::json::value const* claim(std::string_view name) const
    {
        return claims().if_contains(name);
    }

    /// The claims' JSON text as received (empty for API keys).
    [[nodiscard]] std::string const& claims_json() const noexcept { return claims_.text(); }

    /** Sets the claims from the JSON text of an object.

        @throws std::system_error (with a `jose::error`) if `json_text` is not
        one strict JSON object.
    */
    void set_claims_json(std::string json_text) { claims_ = detail::lazy_json_object(std::move(json_text), true); }

    /// Sets the claims from an object.
    void set_claims(boost::json::object const& claims) { claims_ = detail::lazy_json_object(claims); }

    /// Sets the claims from JSON text the caller has already checked as
    /// `jose::parse_json_object_strict` does with `max_depth` (the
    /// validator's own path, with its `limits.max_json_depth`): `claims()`
    /// then parses with that depth and never throws for it.
    void set_checked_claims_json(std::string json_text,
                                 std::size_t max_depth = jose::default_max_json_depth) noexcept
    {
        claims_.adopt_checked_text(std::move(json_text), max_depth);
    }

private:
    friend struct detail::principal_recycling;
    friend struct detail::principal_memo_access;

    detail::lazy_json_object claims_;
    detail::memo_list memo_;
};

/// A shared, immutable principal.
using principal_ptr = std::shared_ptr<Principal const>;

namespace detail {

// What a component derives from a principal is kept in it (see Principal):
// the one door to its memo, for the policy.
struct principal_memo_access
{
    static memo_list const& of(Principal const& p) noexcept { return p.memo_; }
};

} // namespace detail

} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
