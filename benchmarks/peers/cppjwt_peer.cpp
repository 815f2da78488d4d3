//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include "peers.hpp"

#include <jwt/jwt.hpp>

#include <system_error>

bool modelauth_bench::cppjwt_verify(std::string const& token, peer_expectations const& expected)
{
    using namespace jwt::params;
    std::error_code ec;
    auto decoded = jwt::decode(token, algorithms({expected.alg}), ec, secret(expected.key),
                               issuer(expected.issuer), aud(expected.audience), leeway(60), verify(true));
    return ! ec && decoded.payload().has_claim("sub");
}
