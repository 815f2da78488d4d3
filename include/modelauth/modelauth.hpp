//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_MODELAUTH_HPP
#define MODELAUTH_MODELAUTH_HPP

/** @file
    Everything modelauth offers, in one include.

    A server that needs only one part may include that part's header alone:
    each public header is self-contained.
*/

#include <modelauth/api_key.hpp>
#include <modelauth/clock.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/decoded_view.hpp>
#include <modelauth/error.hpp>
#include <modelauth/http/credentials.hpp>
#include <modelauth/http/guard.hpp>
#include <modelauth/http/guarded_handler.hpp>
#include <modelauth/http/metrics.hpp>
#include <modelauth/http/rest_api.hpp>
#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/base64url.hpp>
#include <modelauth/jose/json.hpp>
#include <modelauth/jose/jws.hpp>
#include <modelauth/jose/key.hpp>
#include <modelauth/jose/key_set.hpp>
#include <modelauth/jwt_claims.hpp>
#include <modelauth/model_endpoint.hpp>
#include <modelauth/model_registry.hpp>
#include <modelauth/model_url_router.hpp>
#include <modelauth/principal.hpp>
#include <modelauth/query_view.hpp>
#include <modelauth/request_target.hpp>
#include <modelauth/scope_policy.hpp>
#include <modelauth/token_cache.hpp>
#include <modelauth/token_validator.hpp>
#include <modelauth/tokens/api_key_source.hpp>
#include <modelauth/tokens/in_memory_token_store.hpp>
#include <modelauth/tokens/issuer.hpp>
#include <modelauth/tokens/journal_token_store.hpp>
#include <modelauth/tokens/login_limiter.hpp>
#include <modelauth/tokens/managed_token_store.hpp>
#include <modelauth/tokens/password.hpp>
#include <modelauth/tokens/token_service.hpp>
#include <modelauth/tokens/token_store.hpp>
#include <modelauth/tokens/ttl.hpp>
#include <modelauth/version.hpp>

#endif
