//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/version.hpp>

#include <doctest/doctest.h>

#include <string>

TEST_CASE("the version macros and accessor agree with the CMake project version")
{
    constexpr auto v = modelauth::version();
    static_assert(v.major == MODELAUTH_VERSION_MAJOR, "major");
    static_assert(v.minor == MODELAUTH_VERSION_MINOR, "minor");
    static_assert(v.patch == MODELAUTH_VERSION_PATCH, "patch");
    CHECK(v.text == MODELAUTH_PROJECT_VERSION);
    CHECK(std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch)
          == MODELAUTH_PROJECT_VERSION);
    CHECK(MODELAUTH_VERSION == v.major * 10000 + v.minor * 100 + v.patch);
}
