//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/tokens/password.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/tokens/error.hpp>

#include "support/doctest_result.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>

namespace ma = modelauth;

namespace {

// A valid hash: password "pw", salt "salt", 100,000 iterations. Computed once
// with Python's hashlib, outside the tests:
//   python3 -c "import hashlib,base64; print(base64.b64encode(
//       hashlib.pbkdf2_hmac('sha256', b'pw', b'salt', 100000)).decode())"
constexpr char const* pw_salt_100000 = "pbkdf2_sha256$100000$salt$78kXWNzmghxYlS/tnNQuoeYiBOAhPXYSv21KPF+46h0=";

std::string from_hex(std::string_view hex)
{
    std::string bytes;
    for(std::size_t i = 0; i + 1 < hex.size(); i += 2)
        bytes += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    return bytes;
}

} // namespace

TEST_CASE("PBKDF2-HMAC-SHA256 matches the RFC 7914 section 11 test vectors")
{
    struct row
    {
        char const* password;
        char const* salt;
        unsigned iterations;
        char const* derived_hex;
    };
    row const rows[] = {
        {"passwd", "salt", 1,
         "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
         "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"},
        {"Password", "NaCl", 80000,
         "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
         "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.password);
        std::string derived(64, '\0');
        REQUIRE(ma::tokens::detail::pbkdf2_hmac_sha256(r.password, r.salt, r.iterations,
                                               reinterpret_cast<unsigned char*>(derived.data()),
                                               derived.size()));
        CHECK(derived == from_hex(r.derived_hex));
    }
    unsigned char out[32];
    CHECK_FALSE(ma::tokens::detail::pbkdf2_hmac_sha256("pw", "salt", 0, out, sizeof out));
}

TEST_CASE("a hash from Django's own test suite parses and verifies")
{
    // Django 4.2, tests/auth_tests/test_hashers.py, test_pbkdf2:
    // make_password("lètmein", "seasalt", "pbkdf2_sha256"). Checked with
    //   python3 -c "import hashlib,base64; print(base64.b64encode(hashlib.pbkdf2_hmac(
    //       'sha256', 'lètmein'.encode(), b'seasalt', 600000)).decode())"
    std::string const encoded = "pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=";
    auto hash = ma::tokens::password_hash::parse(encoded);
    REQUIRE(hash);
    CHECK(hash->iterations() == 600000);
    CHECK(hash->encoded() == encoded);
    CHECK(hash->verify("l\xc3\xa8tmein"));
    CHECK_FALSE(hash->verify("l\xc3\xa8tmeinz"));
    CHECK_FALSE(hash->verify("letmein"));
}

TEST_CASE("hashes computed by Python's hashlib verify")
{
    auto hash = ma::tokens::password_hash::parse(pw_salt_100000);
    REQUIRE(hash);
    CHECK(hash->iterations() == 100000);
    CHECK(hash->verify("pw"));
    CHECK_FALSE(hash->verify("pW"));
    CHECK_FALSE(hash->verify("pw "));
    CHECK_FALSE(hash->verify(""));
    // HMAC pads its key with zero bytes, so PBKDF2 (here, in Django, in
    // hashlib) cannot tell "pw" from "pw\0": knowing one is knowing the other.
    CHECK(hash->verify(std::string_view("pw\0", 3)));
    CHECK_FALSE(hash->verify(std::string_view("\0pw", 3)));

    // Any printable salt but `$` and space is the PBKDF2 salt as it is:
    // hashlib.pbkdf2_hmac('sha256', b'pw', b'N0t-Alnum.Salt_+/=', 100000).
    auto punctuated = ma::tokens::password_hash::parse(
        "pbkdf2_sha256$100000$N0t-Alnum.Salt_+/=$VevGEyoVoUjrjbMwgRez6C7viu1p3po3SKyAPbPg7GU=");
    REQUIRE(punctuated);
    CHECK(punctuated->verify("pw"));
}

TEST_CASE("hash_password makes a Django hash with a fresh 22-character salt")
{
    auto encoded = ma::tokens::hash_password("correct horse battery staple", ma::tokens::min_password_iterations);
    REQUIRE(encoded);
    CHECK(encoded->rfind("pbkdf2_sha256$100000$", 0) == 0);
    auto const salt_begin = std::string("pbkdf2_sha256$100000$").size();
    auto const salt_end = encoded->find('$', salt_begin);
    REQUIRE(salt_end == salt_begin + ma::tokens::password_salt_chars);
    for(std::size_t i = salt_begin; i < salt_end; ++i)
        CHECK(std::isalnum(static_cast<unsigned char>((*encoded)[i])));
    CHECK(encoded->size() == salt_end + 1 + 44);
    CHECK(encoded->back() == '=');

    auto hash = ma::tokens::password_hash::parse(*encoded);
    REQUIRE(hash);
    CHECK(hash->iterations() == ma::tokens::min_password_iterations);
    CHECK(hash->encoded() == *encoded);
    CHECK(hash->verify("correct horse battery staple"));
    CHECK_FALSE(hash->verify("correct horse battery stapl"));

    auto again = ma::tokens::hash_password("correct horse battery staple", ma::tokens::min_password_iterations);
    REQUIRE(again);
    CHECK(*again != *encoded);
}

TEST_CASE("hash_password uses 600,000 iterations by default")
{
    CHECK(ma::tokens::default_password_iterations == 600000);
    auto encoded = ma::tokens::hash_password("pw");
    REQUIRE(encoded);
    CHECK(encoded->rfind("pbkdf2_sha256$600000$", 0) == 0);
    auto hash = ma::tokens::password_hash::parse(*encoded);
    REQUIRE(hash);
    CHECK(hash->iterations() == 600000);
    CHECK(hash->verify("pw"));
}

TEST_CASE("salts are uniform over [A-Za-z0-9] and do not repeat")
{
    constexpr int salts_drawn = 2000;
    std::set<std::string> salts;
    std::map<char, int> counts;
    for(int i = 0; i < salts_drawn; ++i)
    {
        std::string salt;
        REQUIRE(ma::tokens::detail::make_password_salt(salt));
        REQUIRE(salt.size() == ma::tokens::password_salt_chars);
        for(char c : salt)
        {
            CHECK(std::isalnum(static_cast<unsigned char>(c)));
            ++counts[c];
        }
        salts.insert(salt);
    }
    CHECK(salts.size() == salts_drawn);
    REQUIRE(counts.size() == 62);
    // Chi-square over 62 characters (61 degrees of freedom: mean 61, standard
    // deviation 11). Uniform draws stay under 120 but once in about a million
    // runs; a modulo bias (`byte % 62` without rejection makes 8 characters
    // 25% likelier) scores near 290.
    double const expected = salts_drawn * double(ma::tokens::password_salt_chars) / 62;
    double chi_square = 0;
    for(auto const& [c, n] : counts)
        chi_square += (n - expected) * (n - expected) / expected;
    CAPTURE(chi_square);
    CHECK(chi_square < 120);
}

TEST_CASE("hash_password refuses iterations out of range and over-long passwords")
{
    struct row
    {
        std::size_t password_bytes;
        unsigned iterations;
        std::error_code expected;
    };
    row const rows[] = {
        {2, ma::tokens::min_password_iterations - 1, ma::tokens::error::invalid_password_hash},
        {2, 0, ma::tokens::error::invalid_password_hash},
        {2, ma::tokens::max_password_iterations + 1, ma::tokens::error::invalid_password_hash},
        {ma::tokens::max_password_bytes + 1, ma::tokens::min_password_iterations, ma::http::error::credential_too_large},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.iterations);
        auto encoded = ma::tokens::hash_password(std::string(r.password_bytes, 'p'), r.iterations);
        REQUIRE(encoded.has_error());
        CHECK(encoded.error() == r.expected);
    }
}

TEST_CASE("only the exact Django format parses")
{
    std::string const hash = "78kXWNzmghxYlS/tnNQuoeYiBOAhPXYSv21KPF+46h0=";
    REQUIRE(ma::tokens::password_hash::parse("pbkdf2_sha256$100000$salt$" + hash));
    struct row
    {
        std::string input;
        char const* why;
    };
    row const rows[] = {
        {"", "empty"},
        {"pbkdf2_sha256", "algorithm only"},
        {"pbkdf2_sha256$100000$salt", "no hash field"},
        {"pbkdf2_sha256$100000$salt$", "empty hash"},
        {"pbkdf2_sha1$100000$salt$" + hash, "another algorithm"},
        {"PBKDF2_SHA256$100000$salt$" + hash, "algorithm in upper case"},
        {"argon2$100000$salt$" + hash, "argon2"},
        {"$pbkdf2_sha256$100000$salt$" + hash, "leading $"},
        {"pbkdf2_sha256$99999$salt$" + hash, "too few iterations"},
        {"pbkdf2_sha256$10000001$salt$" + hash, "too many iterations"},
        {"pbkdf2_sha256$99999999999999999999999$salt$" + hash, "iterations overflow"},
        {"pbkdf2_sha256$0100000$salt$" + hash, "leading zero"},
        {"pbkdf2_sha256$+100000$salt$" + hash, "plus sign"},
        {"pbkdf2_sha256$-100000$salt$" + hash, "minus sign"},
        {"pbkdf2_sha256$ 100000$salt$" + hash, "space before iterations"},
        {"pbkdf2_sha256$100000 $salt$" + hash, "space after iterations"},
        {"pbkdf2_sha256$1e5$salt$" + hash, "exponent"},
        {"pbkdf2_sha256$$salt$" + hash, "empty iterations"},
        {"pbkdf2_sha256$100000$$" + hash, "empty salt"},
        {"pbkdf2_sha256$100000$sa$lt$" + hash, "salt with $ (five fields)"},
        {"pbkdf2_sha256$100000$sa lt$" + hash, "salt with a space"},
        {"pbkdf2_sha256$100000$sa\tlt$" + hash, "salt with a tab"},
        {"pbkdf2_sha256$100000$sa\x7flt$" + hash, "salt with DEL"},
        {std::string("pbkdf2_sha256$100000$sa\0lt$", 27) + hash, "salt with NUL"},
        {"pbkdf2_sha256$100000$s\xc3\xa4lt$" + hash, "salt not ASCII"},
        {"pbkdf2_sha256$100000$salt$" + hash.substr(0, 43), "no padding"},
        {"pbkdf2_sha256$100000$salt$" + hash + "=", "extra padding"},
        {"pbkdf2_sha256$100000$salt$" + hash + "\n", "trailing newline"},
        {"pbkdf2_sha256$100000$salt$ " + hash, "leading space in the hash"},
        {"pbkdf2_sha256$100000$salt$" + hash + "$", "trailing $"},
        {"pbkdf2_sha256$100000$salt$" + hash.substr(0, 42) + "1=", "non-zero unused bits"},
        {"pbkdf2_sha256$100000$salt$78kXWNzmghxYlS_tnNQuoeYiBOAhPXYSv21KPF-46h0=", "base64url alphabet"},
        {"pbkdf2_sha256$100000$salt$78kXWNzmghxYlS/tnNQu=eYiBOAhPXYSv21KPF+46h0=", "padding inside"},
        {"pbkdf2_sha256$100000$salt$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", "31 bytes"},
        {"pbkdf2_sha256$100000$salt$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", "33 bytes"},
        {"pbkdf2_sha256$100000$salt$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==", "34 bytes"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.why);
        auto parsed = ma::tokens::password_hash::parse(r.input);
        REQUIRE(parsed.has_error());
        CHECK(parsed.error() == ma::tokens::error::invalid_password_hash);
        // The message is a fixed text: it never echoes the hash or its salt.
        CHECK(parsed.error().message().find("78kX") == std::string::npos);
        CHECK(parsed.error().message().find("salt$") == std::string::npos);
    }
}

TEST_CASE("the iteration bounds are inclusive")
{
    std::string const hash = "$salt$78kXWNzmghxYlS/tnNQuoeYiBOAhPXYSv21KPF+46h0=";
    auto low = ma::tokens::password_hash::parse("pbkdf2_sha256$100000" + hash);
    REQUIRE(low);
    CHECK(low->iterations() == 100000);
    auto high = ma::tokens::password_hash::parse("pbkdf2_sha256$10000000" + hash);
    REQUIRE(high);
    CHECK(high->iterations() == ma::tokens::max_password_iterations);
    CHECK(ma::tokens::max_password_iterations == 10000000);
}

TEST_CASE("a password over the limit never verifies, even when its prefix is the password")
{
    std::string const longest(ma::tokens::max_password_bytes, 'a');
    auto encoded = ma::tokens::hash_password(longest, ma::tokens::min_password_iterations);
    REQUIRE(encoded);
    auto hash = ma::tokens::password_hash::parse(*encoded).value();
    CHECK(hash.verify(longest));
    CHECK_FALSE(hash.verify(longest + "a"));
    CHECK_FALSE(hash.verify(longest + std::string(100000, 'a')));
}

TEST_CASE("the dummy hash costs default iterations and verifies nothing")
{
    auto const& dummy = ma::tokens::password_hash::dummy();
    CHECK(&dummy == &ma::tokens::password_hash::dummy());
    CHECK(dummy.iterations() == ma::tokens::default_password_iterations);
    CHECK_FALSE(dummy.verify(""));
    CHECK_FALSE(dummy.verify("password"));
    auto reparsed = ma::tokens::password_hash::parse(dummy.encoded());
    REQUIRE(reparsed);
    CHECK(reparsed->encoded() == dummy.encoded());
}
