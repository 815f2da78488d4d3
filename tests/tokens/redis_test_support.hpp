//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TESTS_TOKENS_REDIS_TEST_SUPPORT_HPP
#define MODELAUTH_TESTS_TOKENS_REDIS_TEST_SUPPORT_HPP

// What the Redis tests share: the endpoint of a test's redis-server.

#include <modelauth/tokens/detail/redis_connection.hpp>

#include "support/redis_test_server.hpp"

#include <doctest/doctest.h>

#include <string>

namespace modelauth_test {

inline modelauth::tokens::detail::redis_endpoint endpoint_of(redis_test_server const& server)
{
    std::string problem;
    auto e = modelauth::tokens::detail::parse_redis_url(server.url(), problem);
    REQUIRE(problem.empty());
    return e;
}

} // namespace modelauth_test

#endif
