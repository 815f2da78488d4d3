//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_POLICY_IMPL_ERROR_HPP
#define MODELAUTH_POLICY_IMPL_ERROR_HPP

namespace modelauth {
inline namespace v0 {
namespace detail {

template<>
struct error_table<policy::error>
{
    static constexpr char const* category_name = "modelauth.policy";
    static constexpr error_info rows[] = {
        {1, "missing_scope", "the token lacks the scope for this request", 403, insufficient_scope, condition::forbidden},
        {2, "binding_mismatch", "the token is bound to another resource", 403, insufficient_scope, condition::forbidden},
        {3, "class_forbidden", "this kind of token may not be used here", 403, insufficient_scope, condition::forbidden},
        {4, "inactive", "the token is not active", 401, invalid_token, condition::unauthenticated},
        // The same text as router_error::unknown_model: the answers must not differ.
        {5, "other_account", "no such model", 404, no_rfc6750_error, condition::not_found},
    };
};

static_assert(rows_are_dense<policy::error>(), "policy::error table out of order");

} // namespace detail

namespace policy {

inline std::error_category const& error_category() noexcept
{
    return modelauth::detail::category_of<error>();
}

inline std::error_code make_error_code(error e) noexcept
{
    return std::error_code(static_cast<int>(e), error_category());
}

} // namespace policy
} // namespace v0
} // namespace modelauth

#endif
