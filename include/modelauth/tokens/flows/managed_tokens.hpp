//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_FLOWS_MANAGED_TOKENS_HPP
#define MODELAUTH_TOKENS_FLOWS_MANAGED_TOKENS_HPP

/** @file
    The managed token flow: account, space and manager tokens (API keys of
    three classes), permanent (a few per class, account and space) or
    temporary, created, listed page by page, read by id or by key,
    activated and deactivated, deleted one by one or in bulk.
*/

#include <modelauth/http/token_routes.hpp>
#include <modelauth/tokens/flows/detail/flow_base.hpp>
#include <modelauth/tokens/flows/flow_context.hpp>

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
namespace flows {

/** Which class of token a create makes. */
enum class managed_kind : std::uint8_t
{
    /// A token of the caller's own class (and account and space).
    same_as_caller,
    /// A space token of one of the caller's account's spaces.
    space,
    /// A manager token of the caller's account.
    manager
};

/** One page of a token list (limit/offset pagination). */
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

/** The managed token flow's rules.

    - A console access token or an account token manages the account's
      account tokens, a space token its space's space tokens, a manager
      token the account's manager tokens (its management scope); a token
      outside the caller's scope does not exist for it (`token_not_found`).
    - Space and manager tokens come from the account's authority (a console
      user or an account token).
    - At most `max_permanent_tokens` permanent and `max_temporary_tokens`
      unexpired temporary ones per (class, account, space); a temporary
      token makes no permanent one.

    Thread safety: safe to share between threads.
    @tparam Clock As for `TokenValidator`.
*/
template<class Clock = system_clock_source>
class managed_tokens : public detail::flow_base<Clock>
{
public:
    using token_ptr = std::shared_ptr<validation::stored_token const>;

    /** @throws configuration_error naming `managed_tokens.context` if null. */
    explicit managed_tokens(std::shared_ptr<flow_context<Clock>> context);

    /** Makes a token of `kind`.

        @param space For `managed_kind::space`, the space; it must be one of
        the caller's account's spaces (`unknown_space`).
        @param permanent Permanent, or temporary (`lifetimes.temporary`).
        @return The token and its secret, or `not_permitted`,
        `unknown_space`, `invalid_request_body`, `permanent_token_quota`,
        `token_quota`, `storage_failure`.
    */
    [[nodiscard]] result<created_token> create(validation::Principal const& caller, managed_kind kind,
                                               std::optional<std::string_view> space, bool permanent);

    /** The tokens the caller manages, a page of them.

        Pagination as Django REST framework's limit/offset: `limit` 0 means
        `max_page_size`, and a larger one is clamped to it; `next_offset` is
        `offset + limit` while tokens remain after this page;
        `previous_offset` is empty at offset 0, else `offset - limit` (0 at
        least). Expired tokens (not yet pruned) are not listed.
    */
    [[nodiscard]] result<token_page> list(validation::Principal const& caller, std::optional<bool> permanent,
                                          std::size_t limit, std::size_t offset) const;

    /// One token the caller manages, by id or by its secret; `token_not_found`.
    [[nodiscard]] result<token_ptr> get(validation::Principal const& caller, std::string_view id_or_key) const;

    /// Activates or deactivates one token the caller manages.
    [[nodiscard]] result<token_ptr> set_active(validation::Principal const& caller, std::string_view id_or_key,
                                               bool active);

    /// Deletes one token the caller manages.
    [[nodiscard]] result<void> erase(validation::Principal const& caller, std::string_view id_or_key);

    /** Deletes the tokens the caller manages: only permanent ones, only
        temporary ones, or (empty) all, always except the caller's own.

        @return How many were deleted.
    */
    [[nodiscard]] result<std::size_t> erase_many(validation::Principal const& caller, std::optional<bool> permanent);

    /** For a manager token: its account and class.

        @return `{account, "manager"}`, or `not_permitted` for any other class.
    */
    [[nodiscard]] result<std::pair<std::string, validation::token_class>> whoami(validation::Principal const& caller) const;

private:
    // The tokens a caller manages: one class in one account (and space).
    struct management_scope
    {
        validation::token_class cls = validation::token_class::account;
        std::string account;
        std::string space;
    };

    // Which tokens `caller` manages; `not_permitted`.
    result<management_scope> management_scope_of(validation::Principal const& caller) const;

    // The filter of the tokens of `scope`.
    static token_filter filter_of(management_scope const& scope, std::optional<bool> permanent);

    // A token of the caller's management scope, by id or secret; `token_not_found`.
    result<token_ptr> find(validation::Principal const& caller, std::string_view id_or_key) const;

    using detail::flow_base<Clock>::context_;
};

/** The paths of the managed token routes (api.md section 4 by default); an
    empty one is not mounted.
*/
struct managed_token_paths
{
    /// Below it, any other path is a 404 of the route table.
    std::string owned_prefix = "/api/v1/";

    /// POST `{"permanent"}` (201, a token of the caller's class), GET
    /// `?permanent=&limit=&offset=` (a page), DELETE `?permanent=` (bulk);
    /// `tokens:manage` (IAM).
    std::string tokens = "/api/v1/tokens/";

    /// GET, PATCH `{"is_active"}`, DELETE of one token by id or key;
    /// `tokens:manage` (IAM).
    std::string token = "/api/v1/tokens/{}/";

    /// POST `{"permanent"}`: a space token of the `{}` space; `tokens:manage`.
    std::string space_tokens = "/api/v1/spaces/{}/tokens/";

    /// POST `{"permanent"}`: a manager token; `tokens:manage` (IAM).
    std::string manager_tokens = "/api/v1/iam/tokens/";

    /// GET, a manager token: `{"account","class"}` (IAM).
    std::string whoami = "/api/v1/iam/whoami/";
};

/** The managed token routes over `flow`, for `http::token_routes`.

    @throws configuration_error naming `managed_tokens.routes` if `flow` is
    null.
*/
template<class Clock>
[[nodiscard]] http::route_group<Clock> make_routes(std::shared_ptr<managed_tokens<Clock>> flow,
                                                   managed_token_paths paths = {});

} // namespace flows
} // namespace tokens
} // namespace v0
} // namespace modelauth

#include <modelauth/tokens/flows/impl/managed_tokens.hpp>

#endif
