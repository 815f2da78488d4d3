//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include "peers.hpp"

#include <jwt.h>

#include <cstring>

bool modelauth_bench::libjwt_verify(std::string const& token, peer_expectations const& expected, long now)
{
    jwt_t* decoded = nullptr;
    auto const* key = reinterpret_cast<unsigned char const*>(expected.key.data());
    if(jwt_decode(&decoded, token.c_str(), key, static_cast<int>(expected.key.size())) != 0)
        return false;
    jwt_alg_t const alg = expected.alg == "HS256" ? JWT_ALG_HS256 : JWT_ALG_RS256;
    bool ok = jwt_get_alg(decoded) == alg;
    long const exp = jwt_get_grant_int(decoded, "exp");
    ok = ok && exp > 0 && now < exp + 60;
    char const* iss = jwt_get_grant(decoded, "iss");
    ok = ok && iss && expected.issuer == iss;
    char const* aud = jwt_get_grant(decoded, "aud");
    ok = ok && aud && expected.audience == aud;
    ok = ok && jwt_get_grant(decoded, "sub") != nullptr;
    jwt_free(decoded);
    return ok;
}
