//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_FLOWS_CONSOLE_SESSION_HPP
#define MODELAUTH_TOKENS_FLOWS_CONSOLE_SESSION_HPP

/** @file
    The console session flow: a user logs in with email and password and
    gets a console access token and a refresh token that rotates on every
    use; with the access token they list the models they may read and get
    model session tokens, each bound to one model.

    @code
    auto console = std::make_shared<modelauth::tokens::flows::console_session<>>(context);
    auto pair = console->login(email, password, client_address);
    auto session = console->model_session(*principal, 42);
    auto routes = modelauth::tokens::flows::make_routes(console); // for http::token_routes
    @endcode
*/

#include <modelauth/http/token_routes.hpp>
#include <modelauth/tokens/flows/detail/flow_base.hpp>
#include <modelauth/tokens/flows/flow_context.hpp>
#include <modelauth/tokens/login_limiter.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace flows {

/** An access token and its refresh token (login and refresh). */
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

/** The console session flow's rules.

    - Login checks the password in constant time and costs the same for an
      unknown email; failures are limited per (email, client address) and
      per address (429).
    - Refresh tokens rotate on every use; presenting a rotated one revokes
      its family: its refresh tokens and the access and model session
      tokens issued from it (durable tokens made with them survive). A user
      has at most `max_refresh_families` families.
    - A model session token carries the caller's scopes, is bound to one
      model, and is only issued if the caller's scopes allow reading or
      inferring that model.

    Thread safety: safe to share between threads.
    @tparam Clock As for `TokenValidator`.
*/
template<class Clock = system_clock_source>
class console_session : public detail::flow_base<Clock>
{
public:
    /** @throws configuration_error naming `console_session.context` if null. */
    explicit console_session(std::shared_ptr<flow_context<Clock>> context);

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

    /// The login limiter of (email, client address) pairs; its key is
    /// `login_limiter_key(email, client_address)`.
    [[nodiscard]] login_limiter<Clock> const& limiter() const noexcept { return limiter_; }

    /// The key of the pair limiter for `email` from `client_address`.
    [[nodiscard]] static std::string login_limiter_key(std::string_view email, std::string_view client_address);

private:
    using time_point = std::chrono::system_clock::time_point;

    // A new refresh token of `family` for `owner`, issued `at`: the secret
    // for the client and the record (its hash) for the store.
    struct new_refresh_token
    {
        std::string secret;
        refresh_token_record record;
    };
    result<new_refresh_token> new_refresh(std::string family, std::string owner, time_point at) const;

    // Issues a console access token for `user`.
    result<issued_jwt> issue_access(user_record const& user) const;

    // Revokes `family` after a reuse and answers `refresh_token_reused`.
    result<token_pair> refuse_reused(std::string_view family);

    using detail::flow_base<Clock>::context_;
    mutable login_limiter<Clock> limiter_;
    mutable login_limiter<Clock> address_limiter_;
};

/** The paths of the console session routes (api.md section 1 by default);
    an empty one is not mounted.
*/
struct console_session_paths
{
    /// Below it, any other path is a 404 of the route table.
    std::string owned_prefix = "/console/api/";

    /// POST `{"email","password"}`, no credential: `{"access","refresh"}`
    /// (429 with `Retry-After` when throttled).
    std::string login = "/console/api/auth/";

    /// POST `{"refresh"}` and/or the refresh token as Bearer (they must
    /// agree): a new pair.
    std::string refresh = "/console/api/auth/refresh/";

    /// GET, any credential: `[{"key","prefix"}]` of the models it may read.
    std::string model_prefixes = "/console/api/modelhost/model-prefixes/";

    /// GET, any credential: `[{"model_id","name","prefix","versions"}]` of
    /// the models it may read.
    std::string models = "/console/api/modelhost/models/";

    /// GET or POST with `model_id` (form or JSON body, or query), a console
    /// access token: `{"token"}`, a model session token.
    std::string model_session = "/console/api/modelhost/model-auth/";
};

/** The console session routes over `flow`, for `http::token_routes`.

    @throws configuration_error naming `console_session.routes` if `flow`
    is null.
*/
template<class Clock>
[[nodiscard]] http::route_group<Clock> make_routes(std::shared_ptr<console_session<Clock>> flow,
                                                   console_session_paths paths = {});

} // namespace flows
} // namespace tokens
} // namespace v0
} // namespace modelauth

#include <modelauth/tokens/flows/impl/console_session.hpp>

#endif
