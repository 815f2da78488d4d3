//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TESTS_SUPPORT_TEMPORARY_DIRECTORY_HPP
#define MODELAUTH_TESTS_SUPPORT_TEMPORARY_DIRECTORY_HPP

// A fresh directory path under the system's temporary directory (not yet
// created: the code under test creates it), removed with what it holds when
// the object goes.

#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>

#include <unistd.h>

namespace modelauth_test {

struct temporary_directory
{
    std::filesystem::path path;

    explicit temporary_directory(std::string const& tag = "test")
    {
        static std::atomic<int> counter{0};
        path = std::filesystem::temp_directory_path()
            / ("modelauth-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(path);
    }

    temporary_directory(temporary_directory const&) = delete;
    temporary_directory& operator=(temporary_directory const&) = delete;

    ~temporary_directory()
    {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

} // namespace modelauth_test

#endif
