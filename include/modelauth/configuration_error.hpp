//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CONFIGURATION_ERROR_HPP
#define MODELAUTH_CONFIGURATION_ERROR_HPP

/** @file
    The exception thrown for bad configuration at start-up.

    Requests never throw: their faults are `modelauth::result` error codes.
    Building a component from bad settings (a model registry with a duplicate
    `model_id`, a router with an invalid mount root) is a programmer or
    operator error found once, at start-up or on a reload, and throws
    `configuration_error` with the path of the bad field, e.g.
    `models[1].default_version`.
*/

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace modelauth {
inline namespace v0 {

/** Bad configuration: a setting or description that a component cannot use.

    `what()` is `"<field>: <problem>"`; `field()` is the path of the bad
    field alone (`models[1].default_version`, `router_options.mount_root`),
    so a program can print it or map it to its own config file's keys.
    Messages name fields and quote configured names, never secrets.
*/
class configuration_error : public std::invalid_argument
{
public:
    /** Makes the error for `field` with the text `problem`.

        Exception safety: strong; throws `std::bad_alloc`.
    */
    configuration_error(std::string field, std::string_view problem)
        : std::invalid_argument(field + ": " + std::string(problem))
        , field_(std::move(field))
    {
    }

    /// The path of the bad field, e.g. `models[1].default_version`.
    [[nodiscard]] std::string const& field() const noexcept
    {
        return field_;
    }

private:
    std::string field_;
};

} // namespace v0
} // namespace modelauth

#endif
