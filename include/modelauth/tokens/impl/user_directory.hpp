//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_IMPL_USER_DIRECTORY_HPP
#define MODELAUTH_TOKENS_IMPL_USER_DIRECTORY_HPP

#include <algorithm>

namespace modelauth {
inline namespace v0 {
namespace tokens {

inline user_record const* user_directory::find_user(std::string_view email) const noexcept
{
    for(auto const& user : users)
        if(user.email == email)
            return &user;
    return nullptr;
}

inline account_record const* user_directory::find_account(std::string_view id) const noexcept
{
    for(auto const& account : accounts)
        if(account.id == id)
            return &account;
    return nullptr;
}

inline bool user_directory::has_instance(std::string_view key) const noexcept
{
    return std::find(instances.begin(), instances.end(), key) != instances.end();
}

} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
