//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_IMPL_MANAGED_TOKEN_STORE_HPP
#define MODELAUTH_TOKENS_IMPL_MANAGED_TOKEN_STORE_HPP

#include <modelauth/validation/token_store.hpp>

namespace modelauth {
inline namespace v0 {
namespace tokens {

inline bool token_filter::matches(validation::stored_token const& token) const noexcept
{
    return (! owner || *owner == token.owner) && (! cls || *cls == token.cls)
        && (! account || *account == token.bindings.account)
        && (! space || *space == token.bindings.space)
        && (! instance || *instance == token.bindings.instance)
        && (! permanent || *permanent == token.permanent) && (! except_id || *except_id != token.id);
}

} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
