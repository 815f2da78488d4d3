//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_USER_DIRECTORY_HPP
#define MODELAUTH_TOKENS_USER_DIRECTORY_HPP

/** @file
    Who exists for the token flows: users (who may log in), accounts and
    their spaces, instances. `flows::flow_context` holds one as a snapshot.
*/

#include <modelauth/tokens/password.hpp>

#include <string>
#include <string_view>
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

/** Who exists: users, accounts, instances. Immutable once built; the flows'
    context holds it as a snapshot that `flows::flow_context::set_directory`
    replaces.
*/
struct user_directory
{
    std::vector<user_record> users;
    std::vector<account_record> accounts;

    /// Instance keys, `project/region/id`.
    std::vector<std::string> instances;

    /// The user with `email`, or null. Complexity: linear.
    [[nodiscard]] user_record const* find_user(std::string_view email) const noexcept;

    /// The account `id`, or null. Complexity: linear.
    [[nodiscard]] account_record const* find_account(std::string_view id) const noexcept;

    /// Whether the instance `key` exists. Complexity: linear.
    [[nodiscard]] bool has_instance(std::string_view key) const noexcept;
};

} // namespace tokens
} // namespace v0
} // namespace modelauth

#include <modelauth/tokens/impl/user_directory.hpp>

#endif
