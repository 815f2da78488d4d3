//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/jose/base64url.hpp>
#include <modelauth/jose/error.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace jose = modelauth::jose;

TEST_CASE("base64url encodes and decodes the RFC 4648 section 10 vectors without padding")
{
    struct row { char const* bytes; char const* text; };
    row const rows[] = {
        {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
    for(auto const& r : rows)
    {
        CAPTURE(r.text);
        CHECK(jose::base64url_encode(r.bytes) == r.text);
        auto decoded = jose::base64url_decode(r.text);
        REQUIRE(decoded);
        CHECK(*decoded == r.bytes);
        CHECK(jose::is_base64url(r.text));
    }
}

TEST_CASE("base64url uses the URL-safe alphabet: - and _ for 62 and 63")
{
    std::string const bytes = "\xfb\xff\xbf";
    CHECK(jose::base64url_encode(bytes) == "-_-_");
    CHECK(jose::base64url_decode("-_-_").value() == bytes);
}

TEST_CASE("J17: base64url rejects every non-canonical or foreign spelling")
{
    char const* const rejected[] = {
        "Zg==",      // padding
        "Zm8=",      // padding
        "Zm9v+g",    // '+' from standard base64
        "Zm9v/g",    // '/' from standard base64
        "Zm9v Yg",   // space
        " Zm9v",     // leading space
        "Zm9v\n",    // newline
        "Zm9v?g",    // query delimiter
        "Zm9v#g",    // fragment delimiter
        "Z",         // length 1 mod 4
        "Zm9vY",     // length 1 mod 4
        "Zh",        // unused bits not zero ("f" is "Zg")
        "Zm9",       // unused bits not zero ("fo" is "Zm8")
        "Zm9vYh",    // unused bits not zero
        "Zm9\x80",   // non-ASCII
        "Zm9\0"};    // NUL (3 chars: "Zm9")
    for(auto const* text : rejected)
    {
        CAPTURE(text);
        auto decoded = jose::base64url_decode(text);
        REQUIRE(decoded.has_error());
        CHECK(decoded.error() == modelauth::jose::error::invalid_base64url);
        CHECK_FALSE(jose::is_base64url(text));
    }
    std::string const with_nul("Zm\0v", 4);
    CHECK_FALSE(jose::is_base64url(with_nul));
}

TEST_CASE("base64url decoding into a caller's buffer checks the capacity and allocates nothing")
{
    unsigned char out[6];
    auto n = jose::base64url_decode("Zm9vYmFy", out, sizeof out);
    REQUIRE(n);
    CHECK(*n == 6);
    CHECK(std::string(reinterpret_cast<char*>(out), 6) == "foobar");

    auto too_small = jose::base64url_decode("Zm9vYmFy", out, 5);
    REQUIRE(too_small.has_error());
    CHECK(too_small.error() == modelauth::jose::error::invalid_base64url);
}

TEST_CASE("base64url sizes are exact for every length")
{
    for(std::size_t n = 0; n < 64; ++n)
    {
        auto const encoded = jose::base64url_encoded_size(n);
        CHECK(encoded % 4 != 1);
        CHECK(jose::base64url_decoded_size(encoded) == n);
    }
}

TEST_CASE("base64url round-trips random bytes and each text has one decoding")
{
    std::mt19937 rng(20261123);
    for(int i = 0; i < 2000; ++i)
    {
        std::string bytes(rng() % 70, '\0');
        for(auto& c : bytes)
            c = static_cast<char>(rng());
        auto const text = jose::base64url_encode(bytes);
        auto decoded = jose::base64url_decode(text);
        REQUIRE(decoded);
        CHECK(*decoded == bytes);
        CHECK(jose::base64url_encode(*decoded) == text);
    }
}

TEST_CASE("base64url: every byte value at every position of a long text is decoded as its table says")
{
    // Texts of 16 characters and more take the vectorised path on x86-64;
    // each position of a block, and of the tail after it, must agree with
    // the one-character definition of the alphabet.
    std::string const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::mt19937 rng(7);
    for(std::size_t length : {16u, 20u, 32u, 36u, 48u, 64u})
    {
        std::string text(length, 'A');
        for(auto& c : text)
            c = alphabet[rng() % 64];
        auto const good = jose::base64url_decode(text);
        REQUIRE(good);
        CHECK(jose::base64url_encode(*good) == text);
        for(std::size_t pos = 0; pos < length; ++pos)
        {
            for(int byte = 0; byte < 256; ++byte)
            {
                std::string changed = text;
                changed[pos] = static_cast<char>(byte);
                bool const in_alphabet = alphabet.find(static_cast<char>(byte)) != std::string::npos;
                auto const decoded = jose::base64url_decode(changed);
                CAPTURE(length);
                CAPTURE(pos);
                CAPTURE(byte);
                REQUIRE(decoded.has_value() == in_alphabet);
                if(in_alphabet)
                {
                    // Each character carries its own 6 bits: re-encoding gives the text back.
                    REQUIRE(jose::base64url_encode(*decoded) == changed);
                }
            }
        }
    }
}

#if defined(__SSE2__)
namespace {

// What one block decoder makes of `text`: the characters it consumed (or
// text.size() + 1), and the bytes it wrote for them.
template<class Decoder>
std::pair<std::size_t, std::string> run_blocks(Decoder decode, std::string const& text)
{
    std::string out(text.size(), '\0');
    auto const* p = reinterpret_cast<unsigned char const*>(text.data());
    auto const consumed = decode(p, text.size(), reinterpret_cast<unsigned char*>(out.data()));
    out.resize(consumed <= text.size() ? consumed / 4 * 3 : 0);
    return {consumed, out};
}

} // namespace

TEST_CASE("base64url: the SSE2, SSSE3 and AVX2 block decoders agree with the one-character table on every byte")
{
    // Both are tested wherever the CPU can run them, whichever one
    // base64url_decode picks here.
    using decoder = std::size_t (*)(unsigned char const*, std::size_t, unsigned char*);
    std::vector<std::pair<char const*, std::pair<decoder, decoder>>> decoders{
        {"sse2", {&jose::detail::base64url_decode_blocks_sse2<true>, &jose::detail::base64url_decode_blocks_sse2<false>}}};
#if defined(MODELAUTH_BASE64URL_SSSE3)
    if(jose::detail::base64url_ssse3_available())
        decoders.push_back({"ssse3",
            {&jose::detail::base64url_decode_blocks_ssse3<true>, &jose::detail::base64url_decode_blocks_ssse3<false>}});
    if(jose::detail::base64url_avx2_available())
        decoders.push_back({"avx2",
            {&jose::detail::base64url_decode_blocks_avx2<true>, &jose::detail::base64url_decode_blocks_avx2<false>}});
#endif
    std::string const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::mt19937 rng(11);
    for(auto const& entry : decoders)
    {
        char const* const name = entry.first;
        auto const& d = entry.second;
        CAPTURE(name);
        for(std::size_t length : {15u, 16u, 31u, 32u, 47u, 48u, 64u, 79u})
        {
            std::string text(length, 'A');
            for(auto& c : text)
                c = alphabet[rng() % 64];
            auto const blocks = length / 16 * 16;
            auto const whole = run_blocks(d.first, text);
            REQUIRE(whole.first == blocks);
            CHECK(whole.second == jose::base64url_decode(text.substr(0, blocks)).value());
            CHECK(run_blocks(d.second, text).first == blocks);
            int wrong = 0;
            for(std::size_t pos = 0; pos < length; ++pos)
                for(int byte = 0; byte < 256; ++byte)
                {
                    std::string changed = text;
                    changed[pos] = static_cast<char>(byte);
                    auto const value = jose::detail::base64url_table[static_cast<unsigned char>(byte)];
                    bool const valid = value != jose::detail::base64url_invalid || pos >= blocks;
                    auto const decoded = run_blocks(d.first, changed);
                    auto const& b = decoded.second;
                    wrong += decoded.first != (valid ? blocks : length + 1);
                    wrong += run_blocks(d.second, changed).first != (valid ? blocks : length + 1);
                    if(valid && pos < blocks)
                    {
                        // The changed character's 6 bits land where the table says.
                        auto const group = pos / 4 * 3;
                        std::uint32_t const v = (std::uint32_t(static_cast<unsigned char>(b[group])) << 16)
                            | (std::uint32_t(static_cast<unsigned char>(b[group + 1])) << 8)
                            | static_cast<unsigned char>(b[group + 2]);
                        wrong += ((v >> (18 - 6 * (pos % 4))) & 0x3F) != value;
                    }
                }
            CHECK(wrong == 0);
        }
    }
}
#endif
