//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_FLOWS_RESOURCE_TOKENS_HPP
#define MODELAUTH_TOKENS_FLOWS_RESOURCE_TOKENS_HPP

/** @file
    The resource token flow: a console user makes, lists, reads, renames and
    deletes API keys bound to one instance (`project/region/id`) they
    manage, each with a name, a description and an optional lifetime.
*/

#include <modelauth/http/token_routes.hpp>
#include <modelauth/tokens/flows/detail/flow_base.hpp>
#include <modelauth/tokens/flows/flow_context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace flows {
namespace detail {
struct user_ref;
} // namespace detail

/** The resource token flow's rules.

    - Resource tokens are made by console access tokens (class `user`)
      whose user lists the instance; never by a resource token.
    - A name is 1 to 128 characters, a description at most 512, both UTF-8
      without control characters (a description may hold tab and line
      breaks); a lifetime is positive and at most `tokens::max_ttl`.
    - At most `max_instance_tokens` unexpired tokens per instance.

    Thread safety: safe to share between threads.
    @tparam Clock As for `TokenValidator`.
*/
template<class Clock = system_clock_source>
class resource_tokens : public detail::flow_base<Clock>
{
public:
    using token_ptr = std::shared_ptr<validation::stored_token const>;

    /** @throws configuration_error naming `resource_tokens.context` if null. */
    explicit resource_tokens(std::shared_ptr<flow_context<Clock>> context);

    /** Makes a token for `instance` (`project/region/id`).

        @param ttl Its lifetime; empty: it does not expire.
        @return The token and its secret, or `unknown_instance`,
        `not_permitted`, `invalid_request_body` (empty name, name or
        description too long), `invalid_ttl`, `token_quota`,
        `storage_failure`.
    */
    [[nodiscard]] result<created_token> create(validation::Principal const& caller, std::string_view instance,
        std::string name, std::string description, std::optional<std::chrono::seconds> ttl);

    /// The instance's tokens, oldest first; errors as above.
    [[nodiscard]] result<std::vector<token_ptr>> list(validation::Principal const& caller,
                                                      std::string_view instance) const;

    /// One of the instance's tokens; `token_not_found` if it is not one.
    [[nodiscard]] result<token_ptr> get(validation::Principal const& caller, std::string_view instance,
                                        std::string_view id) const;

    /// Changes the name and/or description of a token.
    [[nodiscard]] result<token_ptr> update(validation::Principal const& caller, std::string_view instance,
        std::string_view id, std::optional<std::string> name, std::optional<std::string> description);

    /// Deletes a token: it stops working at once.
    [[nodiscard]] result<void> erase(validation::Principal const& caller, std::string_view instance,
                                     std::string_view id);

private:
    // The console user `caller` if it may manage the tokens of `instance`;
    // `not_permitted`, `unknown_instance`.
    result<detail::user_ref> check_manager(validation::Principal const& caller, std::string_view instance) const;

    // The token `id` of `instance`; `token_not_found`.
    result<token_ptr> find(std::string_view instance, std::string_view id) const;

    using detail::flow_base<Clock>::context_;
};

/** The paths of the resource token routes (api.md section 2 by default);
    an empty one is not mounted.

    The collection's `{}` segments, joined with `/`, name the instance; the
    item's last `{}` is the token's id.
*/
struct resource_token_paths
{
    /// Below it, any other path is a 404 of the route table.
    std::string owned_prefix = "/v1alpha/projects/";

    /// POST `{"name","description","ttlDuration"}` (201 with `content`, the
    /// secret), GET (`{"tokens":[...]}`); `tokens:manage`.
    std::string collection = "/v1alpha/projects/{}/regions/{}/instances/{}/tokens";

    /// GET, PATCH `{"name","description"}`, DELETE (204); `tokens:manage`.
    std::string item = "/v1alpha/projects/{}/regions/{}/instances/{}/tokens/{}";
};

/** The resource token routes over `flow`, for `http::token_routes`.

    @throws configuration_error naming `resource_tokens.routes` if `flow`
    is null.
*/
template<class Clock>
[[nodiscard]] http::route_group<Clock> make_routes(std::shared_ptr<resource_tokens<Clock>> flow,
                                                   resource_token_paths paths = {});

} // namespace flows
} // namespace tokens
} // namespace v0
} // namespace modelauth

#include <modelauth/tokens/flows/impl/resource_tokens.hpp>

#endif
