//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CONFIG_USER_DIRECTORY_HPP
#define MODELAUTH_CONFIG_USER_DIRECTORY_HPP

/** @file
    The token service's directory (accounts, instances, users) from
    configuration JSON, with every reference between them checked; and the
    models' owners checked against it. Part of the lifecycle
    (`<modelauth/tokens.hpp>`).

    @code
    accounts  [{id, spaces?: [...]}]                        labels; ids and an account's spaces unique
    instances [{project, region, id}]                       labels; "project/region/id" unique
    users     [{email, password, account, scopes?: [...], instances?: [...]}]
               email     unique ignoring ASCII case
               password  pbkdf2_sha256$<iterations>$<salt>$<base64 hash>, at least 100000 iterations
               account   an id of accounts; instances: keys of instances
               scopes    <action> or <action>:<path>, printable ASCII without spaces
    @endcode

    Messages name keys and quote configured names (account ids, e-mails)
    but never a password hash.
*/

#include <modelauth/config/json_reader.hpp>
#include <modelauth/router/model_registry.hpp>
#include <modelauth/tokens/password.hpp>
#include <modelauth/tokens/user_directory.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace config {

/// How `user_directory_from_json` reads passwords.
struct user_directory_options
{
    /** A password value that stands for `placeholder_hash` (a demo config's
        `$demo$`, replaced by the hash of a password chosen at start); empty:
        none. A placeholder without a hash is refused, naming the key.
    */
    std::string password_placeholder;

    /// What `password_placeholder` stands for.
    std::optional<tokens::password_hash> placeholder_hash;
};

/** Reads `accounts`, `instances` and `users` of the object `root` (each
    optional, default empty; other keys are the caller's).

    @throws configuration_error naming the key path of the first fault:
    `users[1].email: repeats users[0]`, `users[0].account: "nobody" is not
    the id of an account in accounts`, `accounts[0].spaces[1]: repeats spaces[0]`.
*/
[[nodiscard]] inline tokens::user_directory user_directory_from_json(
    json_reader const& root, user_directory_options const& options = {});

/** Checks that each model's `account`, `space` and `instance` (if set) is
    one of `directory`: `models[0].space: "lab" is not a space of account "demo"`.

    @param models The registry, its models in the order of the array at `models_path`.
    @throws configuration_error naming the key path.
*/
inline void check_model_owners(
    router::model_registry const& registry, tokens::user_directory const& directory, std::string const& models_path = "models");

} // namespace config
} // namespace v0
} // namespace modelauth

#include <modelauth/config/impl/user_directory.hpp>

#endif
