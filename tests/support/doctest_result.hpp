//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TESTS_SUPPORT_DOCTEST_RESULT_HPP
#define MODELAUTH_TESTS_SUPPORT_DOCTEST_RESULT_HPP

// Lets doctest print a modelauth::result<T> in a failed CHECK/REQUIRE:
// boost::system::result declares an operator<< that needs one for T too,
// which most of our value types (keys, principals, vectors) do not have.

#include <boost/system/result.hpp>

#include <doctest/doctest.h>

#include <string>
#include <system_error>

namespace doctest {

template<class T>
struct StringMaker<boost::system::result<T, std::error_code>>
{
    static String convert(boost::system::result<T, std::error_code> const& r)
    {
        if(r.has_value())
            return "result(value)";
        std::string const text = "result(error " + std::string(r.error().category().name()) + ":"
            + std::to_string(r.error().value()) + " " + r.error().message() + ")";
        return String(text.c_str());
    }
};

} // namespace doctest

#endif
