//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_HPP
#define MODELAUTH_TOKENS_HPP

/** @file
    The token lifecycle in one include, on top of the request path
    (`<modelauth/modelauth.hpp>`, included too): the token issuer (keys,
    rotation, JWKS), the managed token stores (in memory; a journal file on
    Linux), passwords and the login limiter, the token service of the four
    flows and their mountable REST routes, and their building from configuration
    (`config/`: the user directory, token lifetimes, the issuer and store of
    a state directory, the trusted issuers' key files).

    `journal_token_store.hpp` uses Linux file I/O: off Linux, include the
    headers you need instead of this one and implement `ManagedTokenStore`.
*/

#include <modelauth/modelauth.hpp>

#include <modelauth/config/jwks_files.hpp>
#include <modelauth/config/token_stack.hpp>
#include <modelauth/config/user_directory.hpp>
#include <modelauth/http/rest_api.hpp>
#include <modelauth/tokens/error.hpp>
#include <modelauth/tokens/in_memory_token_store.hpp>
#include <modelauth/tokens/issuer.hpp>
#include <modelauth/tokens/journal_token_store.hpp>
#include <modelauth/tokens/login_limiter.hpp>
#include <modelauth/tokens/managed_token_store.hpp>
#include <modelauth/tokens/password.hpp>
#include <modelauth/tokens/token_service.hpp>
#include <modelauth/tokens/ttl.hpp>

#endif
