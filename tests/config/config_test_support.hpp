//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TESTS_CONFIG_CONFIG_TEST_SUPPORT_HPP
#define MODELAUTH_TESTS_CONFIG_CONFIG_TEST_SUPPORT_HPP

// What a configuration builder throws, as a comparable {field, problem}.

#include <modelauth/configuration_error.hpp>

#include <doctest/doctest.h>

#include <ostream>
#include <string>

namespace config_test {

struct fault
{
    std::string field;   // empty: nothing thrown
    std::string problem; // what() without "field: "

    friend bool operator==(fault const& a, fault const& b) { return a.field == b.field && a.problem == b.problem; }

    friend std::ostream& operator<<(std::ostream& os, fault const& f)
    {
        return os << "{" << f.field << ": " << f.problem << "}";
    }
};

// The configuration_error `f()` throws, or an empty fault.
template<class F>
fault fault_of(F&& f)
{
    try
    {
        f();
    }
    catch(modelauth::configuration_error const& e)
    {
        std::string const what = e.what();
        CHECK(what.rfind(e.field() + ": ", 0) == 0);
        return {e.field(), what.substr(e.field().size() + 2)};
    }
    return {};
}

} // namespace config_test

#endif
