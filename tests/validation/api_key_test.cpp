//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/validation/api_key.hpp>
#include <modelauth/validation/error.hpp>

#include <doctest/doctest.h>

#include <cctype>
#include <set>
#include <string>

namespace ma = modelauth;

TEST_CASE("a generated API key has the prefix, 43 base62 characters of randomness and a checksum")
{
    auto key = ma::validation::generate_api_key();
    REQUIRE(key);
    CHECK(key->size() == 3 + 1 + 43 + 1 + 6);
    CHECK(key->rfind("mak_", 0) == 0);
    CHECK((*key)[4 + 43] == '_');
    for(std::size_t i = 4; i < key->size(); ++i)
        if(i != 4 + 43)
            CHECK(std::isalnum(static_cast<unsigned char>((*key)[i])));
    CHECK(ma::validation::check_api_key(*key));
    CHECK(ma::validation::has_api_key_prefix(*key, "mak"));
    CHECK(ma::validation::api_key_hint(*key) == key->substr(key->size() - 4));
}

TEST_CASE("generated API keys do not repeat and use the whole base62 alphabet")
{
    std::set<std::string> keys;
    std::set<char> seen;
    for(int i = 0; i < 500; ++i)
    {
        auto key = ma::validation::generate_api_key("inst");
        REQUIRE(key);
        CHECK(ma::validation::check_api_key(*key, "inst"));
        keys.insert(*key);
        for(std::size_t j = 5; j < 5 + 43; ++j)
            seen.insert((*key)[j]);
    }
    CHECK(keys.size() == 500);
    CHECK(seen.size() == 62);
}

TEST_CASE("H16: malformed API keys are rejected before any lookup")
{
    auto key = ma::validation::generate_api_key().value();
    std::string flipped_case = key;
    for(std::size_t i = 4; i < 4 + 43; ++i)
        if(std::isalpha(static_cast<unsigned char>(flipped_case[i])))
        {
            flipped_case[i] = static_cast<char>(std::islower(static_cast<unsigned char>(flipped_case[i]))
                                                    ? std::toupper(static_cast<unsigned char>(flipped_case[i]))
                                                    : std::tolower(static_cast<unsigned char>(flipped_case[i])));
            break;
        }
    struct row
    {
        std::string input;
        ma::validation::error expected;
        char const* why;
    };
    row const rows[] = {
        {key.substr(0, key.size() - 1), ma::validation::error::malformed_api_key, "H16 wrong length (short)"},
        {key + "x", ma::validation::error::malformed_api_key, "H16 wrong length (long)"},
        {key.substr(0, 20), ma::validation::error::malformed_api_key, "H16 prefix of a valid key"},
        {" " + key.substr(1), ma::validation::error::malformed_api_key, "H16 whitespace"},
        {key.substr(0, 10) + " " + key.substr(11), ma::validation::error::malformed_api_key, "H16 inner whitespace"},
        {"MAK" + key.substr(3), ma::validation::error::malformed_api_key, "H16 case variant of the prefix"},
        {flipped_case, ma::validation::error::api_key_checksum_mismatch, "H16 case variant of the body"},
        {"xyz" + key.substr(3), ma::validation::error::malformed_api_key, "another prefix"},
        {key.substr(0, 47) + "-" + key.substr(48), ma::validation::error::malformed_api_key, "separator replaced"},
        {key.substr(0, 10) + "!" + key.substr(11), ma::validation::error::malformed_api_key, "non-base62"},
        {"", ma::validation::error::malformed_api_key, "empty"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.why);
        auto checked = ma::validation::check_api_key(r.input);
        REQUIRE(checked.has_error());
        CHECK(checked.error() == r.expected);
    }
}

TEST_CASE("a typo in an API key fails its checksum")
{
    auto key = ma::validation::generate_api_key().value();
    int detected = 0;
    for(std::size_t i = 4; i < 4 + 43; ++i)
    {
        std::string typo = key;
        typo[i] = typo[i] == 'a' ? 'b' : 'a';
        auto checked = ma::validation::check_api_key(typo);
        REQUIRE(checked.has_error());
        detected += checked.error() == ma::validation::error::api_key_checksum_mismatch;
    }
    CHECK(detected == 43);
}

TEST_CASE("API key prefixes are short lower-case ASCII")
{
    CHECK(ma::validation::is_valid_api_key_prefix("mak"));
    CHECK(ma::validation::is_valid_api_key_prefix("neuro2"));
    CHECK_FALSE(ma::validation::is_valid_api_key_prefix(""));
    CHECK_FALSE(ma::validation::is_valid_api_key_prefix("MAK"));
    CHECK_FALSE(ma::validation::is_valid_api_key_prefix("ma_k"));
    CHECK_FALSE(ma::validation::is_valid_api_key_prefix(std::string(17, 'a')));
    CHECK_THROWS_AS((void)ma::validation::generate_api_key("Bad"), std::invalid_argument);
}

TEST_CASE("secrets are hashed with SHA-256 and digests compare in constant time")
{
    // FIPS 180-2 test vector: SHA-256("abc").
    auto const digest = ma::validation::hash_secret("abc");
    unsigned char const expected[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    CHECK(std::equal(digest.begin(), digest.end(), expected));
    CHECK(ma::validation::digest_equal(digest, ma::validation::hash_secret("abc")));
    CHECK_FALSE(ma::validation::digest_equal(digest, ma::validation::hash_secret("abd")));
}
