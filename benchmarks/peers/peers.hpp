//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_BENCHMARKS_PEERS_PEERS_HPP
#define MODELAUTH_BENCHMARKS_PEERS_PEERS_HPP

// The peer JWT libraries benchmarked beside modelauth, each behind a plain
// function in its own translation unit: cpp-jwt's `namespace jwt` and
// libjwt's `struct jwt` cannot share one.
//
// Each verifies a token the way its documentation recommends: the signature
// with the configured key and algorithm, then `exp` (with 60 s leeway),
// `iss` and `aud`.

#include <memory>
#include <string>

namespace modelauth_bench {

struct peer_expectations
{
    std::string alg;       // "HS256" or "RS256"
    std::string key;       // the HMAC secret, or the RSA public key as SPKI PEM
    std::string issuer;
    std::string audience;
};

// cpp-jwt (libcpp-jwt-dev): jwt::decode with algorithms, secret, issuer,
// aud, leeway and verify(true), reporting through std::error_code.
bool cppjwt_verify(std::string const& token, peer_expectations const& expected);

// libjwt 1.10 (libjwt-dev): jwt_decode verifies the signature with the key;
// the algorithm and the claims are then checked through jwt_get_alg and
// jwt_get_grant*, as its documentation shows.
bool libjwt_verify(std::string const& token, peer_expectations const& expected, long now);

} // namespace modelauth_bench

#endif
