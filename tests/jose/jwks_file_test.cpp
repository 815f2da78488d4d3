//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/jose/jwks_file.hpp>
#include <modelauth/jose/error.hpp>

#include "jose/key_test_support.hpp"

#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace jose = modelauth::jose;

namespace {

using key_test::error_of;

// A file removed when the test ends.
struct temporary_file
{
    std::string path;
    explicit temporary_file(std::string const& contents)
    {
        static std::atomic<int> counter{0};
        path = (std::filesystem::temp_directory_path()
                / ("modelauth_jwks_file_test_" + std::to_string(counter++) + ".json"))
                   .string();
        std::ofstream(path, std::ios::binary) << contents;
    }
    ~temporary_file() { std::remove(path.c_str()); }
};

} // namespace

TEST_CASE("load_jwks_file reads a bounded file; missing or oversized files are invalid_jwks")
{
    auto const key = jose::key::generate(jose::algorithm::es256, "file-key").value();
    auto const set = jose::key_set::from_keys({key}).value();
    temporary_file const file(boost::json::serialize(set.to_public_jwks()));
    auto const loaded = jose::load_jwks_file(file.path);
    REQUIRE(loaded);
    CHECK(loaded->find("file-key"));

    CHECK(error_of(jose::load_jwks_file("/nonexistent/modelauth/jwks.json")) == modelauth::jose::key_error::invalid_jwks);
    CHECK(error_of(jose::load_jwks_file("/")) == modelauth::jose::key_error::invalid_jwks);
    temporary_file const big(std::string(jose::key_set::max_jwks_size + 1, ' '));
    CHECK(error_of(jose::load_jwks_file(big.path)) == modelauth::jose::key_error::invalid_jwks);
    CHECK(error_of(jose::read_jwks_file(big.path)) == modelauth::jose::key_error::invalid_jwks);
}

TEST_CASE("read_jwks_file returns the text as it is, up to the size limit")
{
    std::string const exact(jose::key_set::max_jwks_size, 'x');
    temporary_file const file(exact);
    auto const text = jose::read_jwks_file(file.path);
    REQUIRE(text);
    CHECK(*text == exact);

    // An alg-less key takes the default algorithm given.
    auto const rsa = jose::key::generate(jose::algorithm::rs256, "r").value();
    auto jwks = jose::key_set::from_keys({rsa}).value().to_public_jwks();
    jwks.at("keys").as_array().at(0).as_object().erase("alg");
    temporary_file const alg_less(boost::json::serialize(jwks));
    CHECK(jose::load_jwks_file(alg_less.path).has_error());
    auto const loaded = jose::load_jwks_file(alg_less.path, jose::algorithm::rs256);
    REQUIRE(loaded);
    CHECK(loaded->find("r")->alg() == jose::algorithm::rs256);
}
