//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VERSION_HPP
#define MODELAUTH_VERSION_HPP

/** @file
    The version of modelauth these headers belong to.

    The macros serve the preprocessor (`#if MODELAUTH_VERSION >= 100`); the
    constexpr accessor serves code. Both agree with `project(VERSION)` in the
    top-level CMakeLists.txt, which a test checks.
*/

#include <string_view>

/// Major version: changes break the API. It is also the inline namespace (v0).
#define MODELAUTH_VERSION_MAJOR 0
/// Minor version: new features, compatible.
#define MODELAUTH_VERSION_MINOR 1
/// Patch version: fixes only.
#define MODELAUTH_VERSION_PATCH 0
/// The whole version as one number: major * 10000 + minor * 100 + patch.
#define MODELAUTH_VERSION \
    (MODELAUTH_VERSION_MAJOR * 10000 + MODELAUTH_VERSION_MINOR * 100 + MODELAUTH_VERSION_PATCH)

namespace modelauth {
inline namespace v0 {

/// A library version: three numbers and their dotted text.
struct version_info
{
    int major;
    int minor;
    int patch;
    std::string_view text;
};

/** The version of these headers, e.g. `{0, 1, 0, "0.1.0"}`.

    Complexity: constant. Exception safety: no-throw.
*/
[[nodiscard]] constexpr version_info version() noexcept
{
    return {MODELAUTH_VERSION_MAJOR, MODELAUTH_VERSION_MINOR, MODELAUTH_VERSION_PATCH, "0.1.0"};
}

} // namespace v0
} // namespace modelauth

#endif
