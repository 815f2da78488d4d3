//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_MODELAUTH_HPP
#define MODELAUTH_MODELAUTH_HPP

/** @file
    The request path in one include: JOSE, validation, the router, the scope
    policy and the Beast guard, and their building from configuration JSON
    (`config/`: one strict reader, issuers, router, policy, `make_guard`).
    What a server includes to answer, per request, *who is calling, which
    model endpoint do they want, and may they?*

    It holds nothing of the token lifecycle (issuing, stores, login and the
    token routes: `<modelauth/tokens.hpp>`) and no header that does file
    or network I/O of its own, so it builds wherever Boost and OpenSSL do.
    `tests/layers` checks both. A server that needs only one part may include
    that part's header alone: each public header is self-contained.
*/

#include <modelauth/clock.hpp>
#include <modelauth/config/guard.hpp>
#include <modelauth/config/json_reader.hpp>
#include <modelauth/config/router.hpp>
#include <modelauth/config/trusted_issuer.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/error.hpp>
#include <modelauth/http/credentials.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/http/guard.hpp>
#include <modelauth/http/guarded_handler.hpp>
#include <modelauth/http/metrics.hpp>
#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/base64url.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/jose/json.hpp>
#include <modelauth/jose/jws.hpp>
#include <modelauth/jose/key.hpp>
#include <modelauth/jose/key_set.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/policy/scope_policy.hpp>
#include <modelauth/router/decoded_view.hpp>
#include <modelauth/router/error.hpp>
#include <modelauth/router/model_endpoint.hpp>
#include <modelauth/router/model_registry.hpp>
#include <modelauth/router/model_url_router.hpp>
#include <modelauth/router/query_view.hpp>
#include <modelauth/router/request_target.hpp>
#include <modelauth/validation/api_key.hpp>
#include <modelauth/validation/error.hpp>
#include <modelauth/validation/jwt_claims.hpp>
#include <modelauth/validation/principal.hpp>
#include <modelauth/validation/token_cache.hpp>
#include <modelauth/validation/token_store.hpp>
#include <modelauth/validation/token_validator.hpp>
#include <modelauth/validation/trusted_issuer.hpp>
#include <modelauth/version.hpp>

#endif
