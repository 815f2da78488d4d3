//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_FLOWS_PERSONAL_API_KEY_HPP
#define MODELAUTH_TOKENS_FLOWS_PERSONAL_API_KEY_HPP

/** @file
    The personal API key flow: each user has at most one long-lived API key
    carrying their scopes, which they make, read (metadata only) and delete
    themselves, signed in or with the key itself.
*/

#include <modelauth/http/token_routes.hpp>
#include <modelauth/tokens/flows/detail/flow_base.hpp>
#include <modelauth/tokens/flows/flow_context.hpp>

#include <memory>
#include <string>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace flows {
namespace detail {
struct user_ref;
} // namespace detail

/** The personal API key flow's rules.

    - One personal API key per user: regenerating replaces the old one,
      which stops working at once.
    - The caller is a console access token (class `user`) or the user's
      current personal key (self-service: no `tokens:manage` needed).

    Thread safety: safe to share between threads.
    @tparam Clock As for `TokenValidator`.
*/
template<class Clock = system_clock_source>
class personal_api_key : public detail::flow_base<Clock>
{
public:
    using token_ptr = std::shared_ptr<validation::stored_token const>;

    /** @throws configuration_error naming `personal_api_key.context` if null. */
    explicit personal_api_key(std::shared_ptr<flow_context<Clock>> context);

    /** Makes the caller's personal API key, replacing (and disabling at
        once) the one they had.

        @return The key and its secret, or `not_permitted`, `storage_failure`.
    */
    [[nodiscard]] result<created_token> regenerate(validation::Principal const& caller);

    /// The caller's personal key's record (metadata only); `token_not_found`.
    [[nodiscard]] result<token_ptr> info(validation::Principal const& caller) const;

    /// Deletes the caller's personal key; `token_not_found` if none.
    [[nodiscard]] result<void> erase(validation::Principal const& caller);

private:
    // The user whose personal key `caller` may manage: a console user, or
    // the owner of the personal key `caller` presents; `not_permitted`.
    result<detail::user_ref> key_owner(validation::Principal const& caller) const;

    // The filter that finds the personal key of `caller`'s key owner.
    result<token_filter> key_filter(validation::Principal const& caller) const;

    using detail::flow_base<Clock>::context_;
};

/** The path of the personal API key route (api.md section 3 by default);
    empty: not mounted.
*/
struct personal_api_key_paths
{
    /// Below it, any other path is a 404 of the route table.
    std::string owned_prefix = "/api/users/";

    /// POST (`{"secret_key"}`, shown once), GET (`{"id","hint","created",
    /// "expires"}`), DELETE (204); a console access token or the key itself.
    std::string key = "/api/users/me/api-key";
};

/** The personal API key route over `flow`, for `http::token_routes`.

    @throws configuration_error naming `personal_api_key.routes` if `flow`
    is null.
*/
template<class Clock>
[[nodiscard]] http::route_group<Clock> make_routes(std::shared_ptr<personal_api_key<Clock>> flow,
                                                   personal_api_key_paths paths = {});

} // namespace flows
} // namespace tokens
} // namespace v0
} // namespace modelauth

#include <modelauth/tokens/flows/impl/personal_api_key.hpp>

#endif
