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
    Linux), passwords and the login limiter, the user directory, the four
    token flows (`tokens/flows/`: console session, resource tokens, personal
    API key, managed tokens), each with its rules and its mountable routes,
    the route table they mount into (`http/token_routes.hpp`), and their
    building from configuration (`config/`: the user directory, token
    lifetimes, the issuer and store of a state directory, the trusted
    issuers' key files).

    `journal_token_store.hpp` uses Linux file I/O: off Linux, include the
    headers you need instead of this one and implement `ManagedTokenStore`.
*/

#include <modelauth/modelauth.hpp>

#include <modelauth/config/jwks_files.hpp>
#include <modelauth/config/token_stack.hpp>
#include <modelauth/config/user_directory.hpp>
#include <modelauth/http/token_routes.hpp>
#include <modelauth/tokens/error.hpp>
#include <modelauth/tokens/flows/console_session.hpp>
#include <modelauth/tokens/flows/flow_context.hpp>
#include <modelauth/tokens/flows/managed_tokens.hpp>
#include <modelauth/tokens/flows/personal_api_key.hpp>
#include <modelauth/tokens/flows/resource_tokens.hpp>
#include <modelauth/tokens/in_memory_token_store.hpp>
#include <modelauth/tokens/issuer.hpp>
#include <modelauth/tokens/journal_token_store.hpp>
#include <modelauth/tokens/login_limiter.hpp>
#include <modelauth/tokens/managed_token_store.hpp>
#include <modelauth/tokens/password.hpp>
#include <modelauth/tokens/ttl.hpp>
#include <modelauth/tokens/user_directory.hpp>

#endif
