//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_IMPL_BASE64URL_HPP
#define MODELAUTH_JOSE_IMPL_BASE64URL_HPP

#include <modelauth/jose/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
// SSSE3 (pshufb) decodes a block in a third of the instructions SSE2 needs,
// and AVX2 two blocks in about the same. Every x86-64 CPU since 2006 has
// SSSE3 and most since 2013 AVX2, but the x86-64 baseline promises neither:
// that code is compiled for its target alone and chosen at run time.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MODELAUTH_BASE64URL_SSSE3 1
#include <immintrin.h>
#include <tmmintrin.h>
#endif

namespace modelauth {
inline namespace v0 {
namespace jose {
namespace detail {

inline constexpr char base64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

inline constexpr std::uint8_t base64url_invalid = 0xFF;

constexpr std::array<std::uint8_t, 256> make_base64url_table() noexcept
{
    std::array<std::uint8_t, 256> table{};
    for(auto& v : table)
        v = base64url_invalid;
    for(std::uint8_t i = 0; i < 64; ++i)
        table[static_cast<unsigned char>(base64url_alphabet[i])] = i;
    return table;
}

inline constexpr std::array<std::uint8_t, 256> base64url_table = make_base64url_table();

// The value of each character pre-shifted to its place in a 4-character
// group, with bit 31 marking characters outside the alphabet: a group is
// decoded by OR-ing four lookups, and one test of bit 31 validates it.
inline constexpr std::uint32_t base64url_group_invalid = 0x80000000u;

constexpr std::array<std::uint32_t, 256> make_base64url_group_table(unsigned shift) noexcept
{
    std::array<std::uint32_t, 256> table{};
    for(std::size_t c = 0; c < 256; ++c)
        table[c] = base64url_table[c] == base64url_invalid
            ? base64url_group_invalid
            : static_cast<std::uint32_t>(base64url_table[c]) << shift;
    return table;
}

inline constexpr std::array<std::array<std::uint32_t, 256>, 4> base64url_group_tables = {
    make_base64url_group_table(18), make_base64url_group_table(12), make_base64url_group_table(6),
    make_base64url_group_table(0)};

#if defined(__SSE2__)
// Decodes 16 characters (4 groups) with SSE2, which every x86-64 has: the
// characters are classified by range compares (no table), their values
// merged pairwise into 12 and then 24 bits per 32-bit lane. Returns false
// (and writes nothing) if a character is outside the alphabet.
template<bool Decode>
inline bool base64url_decode_16(unsigned char const* p, unsigned char* out) noexcept
{
    __m128i const x = _mm_loadu_si128(reinterpret_cast<__m128i const*>(p));
    auto const in_range = [&](char lo, char hi) {
        // Signed compares: bytes >= 0x80 are negative and never in a range.
        return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(static_cast<char>(lo - 1))),
                             _mm_cmplt_epi8(x, _mm_set1_epi8(static_cast<char>(hi + 1))));
    };
    __m128i const upper = in_range('A', 'Z');
    __m128i const lower = in_range('a', 'z');
    __m128i const digit = in_range('0', '9');
    __m128i const dash = _mm_cmpeq_epi8(x, _mm_set1_epi8('-'));
    __m128i const underscore = _mm_cmpeq_epi8(x, _mm_set1_epi8('_'));
    __m128i const valid = _mm_or_si128(_mm_or_si128(_mm_or_si128(upper, lower), _mm_or_si128(digit, dash)),
                                       underscore);
    if(_mm_movemask_epi8(valid) != 0xFFFF)
        return false;
    if constexpr(Decode)
    {
        // 'A'..'Z' -> 0..25, 'a'..'z' -> 26..51, '0'..'9' -> 52..61, '-' 62, '_' 63.
        __m128i v = _mm_and_si128(upper, _mm_sub_epi8(x, _mm_set1_epi8('A')));
        v = _mm_or_si128(v, _mm_and_si128(lower, _mm_sub_epi8(x, _mm_set1_epi8('a' - 26))));
        v = _mm_or_si128(v, _mm_and_si128(digit, _mm_add_epi8(x, _mm_set1_epi8(52 - '0'))));
        v = _mm_or_si128(v, _mm_and_si128(dash, _mm_set1_epi8(62)));
        v = _mm_or_si128(v, _mm_and_si128(underscore, _mm_set1_epi8(63)));
        // Pairs of 6-bit values -> 12 bits per 16-bit lane (first character high).
        __m128i const pairs = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(v, _mm_set1_epi16(0x00FF)), 6),
                                           _mm_srli_epi16(v, 8));
        // Pairs of 12-bit values -> 24 bits per 32-bit lane.
        __m128i const groups = _mm_or_si128(
            _mm_slli_epi32(_mm_and_si128(pairs, _mm_set1_epi32(0x0000FFFF)), 12), _mm_srli_epi32(pairs, 16));
        // Each lane's 3 bytes, most significant first, packed 6 to a 64-bit
        // word in memory order (x86-64 is little-endian) and stored as is:
        // no round trip through memory.
        auto const six_bytes = [](std::uint64_t two_lanes) noexcept {
            auto const first = __builtin_bswap32(static_cast<std::uint32_t>(two_lanes)) >> 8;
            auto const second = __builtin_bswap32(static_cast<std::uint32_t>(two_lanes >> 32)) >> 8;
            return static_cast<std::uint64_t>(first) | (static_cast<std::uint64_t>(second) << 24);
        };
        std::uint64_t const low = six_bytes(static_cast<std::uint64_t>(_mm_cvtsi128_si64(groups)));
        std::uint64_t const high
            = six_bytes(static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(groups, groups))));
        std::memcpy(out, &low, 6);
        std::memcpy(out + 6, &high, 6);
    }
    return true;
}
#endif

#if defined(__SSE2__)
// The whole 16-character blocks of p[0, size) with base64url_decode_16:
// returns the number of characters consumed (a multiple of 16, leaving
// fewer than 16), or `size + 1` on an invalid character.
template<bool Decode>
inline std::size_t base64url_decode_blocks_sse2(unsigned char const* p, std::size_t size, unsigned char* out) noexcept
{
    std::size_t i = 0;
    for(; i + 16 <= size; i += 16)
    {
        if(! base64url_decode_16<Decode>(p + i, out))
            return size + 1;
        if constexpr(Decode)
            out += 12;
    }
    return i;
}
#endif

#if defined(MODELAUTH_BASE64URL_SSSE3)
// The tables of the SSSE3 and AVX2 code, 16 bytes each (AVX2 repeats them
// in both halves).
//
// Rows (high nibbles) 2 to 7 hold the alphabet: bit 0 stands for row 2 ("-"
// only, low nibble D), bit 1 for row 3 (digits, 0 to 9), bit 2 for rows 4
// and 6 (letters, 1 to F), bit 3 for row 5 ("P" to "Z", and "_" at F), bit 4
// for row 7 ("p" to "z"), bit 5 for every other row. A low nibble's entry
// sets the bits of the rows it is not valid in: a character is outside the
// alphabet if its two entries share a bit.
inline __m128i base64url_by_low() noexcept
{
    return _mm_setr_epi8(0x25, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x23, 0x3B, 0x3B, 0x3A, 0x3B, 0x33);
}

inline __m128i base64url_by_high() noexcept
{
    return _mm_setr_epi8(0x20, 0x20, 0x01, 0x02, 0x04, 0x08, 0x04, 0x10, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20);
}

// What each row adds to a character to make its value: "-" + 17 = 62,
// "0" + 4 = 52, "A" - 65 = 0, "a" - 71 = 26 (and "_" - 65 + 33 = 63).
inline __m128i base64url_offsets() noexcept
{
    return _mm_setr_epi8(0, 0, 17, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
}

// Where each of a 16-character block's 12 bytes lies in its 4 lanes of 24 bits.
inline __m128i base64url_in_order() noexcept
{
    return _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
}

// As base64url_decode_blocks_sse2, with SSSE3: each character is classified
// by two table lookups (pshufb), on its low and its high nibble, whose AND is
// not zero for a character outside the alphabet; its value is the character
// plus an offset looked up by high nibble ('_' is the one exception in its
// row); pmaddubsw and pmaddwd merge the 6-bit values into 24 bits per
// 32-bit lane, and a last pshufb puts the 12 bytes in order.
template<bool Decode>
__attribute__((target("ssse3"))) inline std::size_t
base64url_decode_blocks_ssse3(unsigned char const* p, std::size_t size, unsigned char* out) noexcept
{
    __m128i const by_low = base64url_by_low();
    __m128i const by_high = base64url_by_high();
    __m128i const offsets = base64url_offsets();
    __m128i const nibble = _mm_set1_epi8(0x0F);
    std::size_t i = 0;
    for(; i + 16 <= size; i += 16)
    {
        __m128i const x = _mm_loadu_si128(reinterpret_cast<__m128i const*>(p + i));
        __m128i const high = _mm_and_si128(_mm_srli_epi32(x, 4), nibble);
        __m128i const bad = _mm_and_si128(_mm_shuffle_epi8(by_low, _mm_and_si128(x, nibble)),
                                          _mm_shuffle_epi8(by_high, high));
        if(_mm_movemask_epi8(_mm_cmpeq_epi8(bad, _mm_setzero_si128())) != 0xFFFF)
            return size + 1;
        if constexpr(Decode)
        {
            __m128i const underscore = _mm_and_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('_')), _mm_set1_epi8(33));
            __m128i const v = _mm_add_epi8(_mm_add_epi8(x, _mm_shuffle_epi8(offsets, high)), underscore);
            // a * 64 + b per 16-bit lane, then ab * 4096 + cd per 32-bit lane.
            __m128i const pairs = _mm_maddubs_epi16(v, _mm_set1_epi32(0x01400140));
            __m128i const groups = _mm_madd_epi16(pairs, _mm_set1_epi32(0x00011000));
            __m128i const bytes = _mm_shuffle_epi8(groups, base64url_in_order());
            _mm_storel_epi64(reinterpret_cast<__m128i*>(out), bytes);
            auto const last = static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm_srli_si128(bytes, 8)));
            std::memcpy(out + 8, &last, 4);
            out += 12;
        }
    }
    return i;
}

// As base64url_decode_blocks_ssse3, 32 characters at a time with AVX2 (its
// byte shuffles work within each 128-bit half, which holds 16 characters as
// the SSSE3 code does); a last block of 16 goes through the SSSE3 code.
template<bool Decode>
__attribute__((target("avx2"))) inline std::size_t
base64url_decode_blocks_avx2(unsigned char const* p, std::size_t size, unsigned char* out) noexcept
{
    __m256i const by_low = _mm256_broadcastsi128_si256(base64url_by_low());
    __m256i const by_high = _mm256_broadcastsi128_si256(base64url_by_high());
    __m256i const offsets = _mm256_broadcastsi128_si256(base64url_offsets());
    __m256i const in_order = _mm256_broadcastsi128_si256(base64url_in_order());
    __m256i const nibble = _mm256_set1_epi8(0x0F);
    std::size_t i = 0;
    for(; i + 32 <= size; i += 32)
    {
        __m256i const x = _mm256_loadu_si256(reinterpret_cast<__m256i const*>(p + i));
        __m256i const high = _mm256_and_si256(_mm256_srli_epi32(x, 4), nibble);
        __m256i const bad = _mm256_and_si256(_mm256_shuffle_epi8(by_low, _mm256_and_si256(x, nibble)),
                                             _mm256_shuffle_epi8(by_high, high));
        if(static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(bad, _mm256_setzero_si256()))) != 0xFFFFFFFFu)
            return size + 1;
        if constexpr(Decode)
        {
            __m256i const underscore
                = _mm256_and_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8('_')), _mm256_set1_epi8(33));
            __m256i const v = _mm256_add_epi8(_mm256_add_epi8(x, _mm256_shuffle_epi8(offsets, high)), underscore);
            __m256i const pairs = _mm256_maddubs_epi16(v, _mm256_set1_epi32(0x01400140));
            __m256i const groups = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
            // 12 bytes at the start of each half; the halves' first three
            // 32-bit lanes moved together make 24 bytes in a row.
            __m256i const bytes = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(groups, in_order),
                                                              _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(bytes));
            _mm_storel_epi64(reinterpret_cast<__m128i*>(out + 16), _mm256_extracti128_si256(bytes, 1));
            out += 24;
        }
    }
    if(i + 16 <= size)
    {
        auto const rest = base64url_decode_blocks_ssse3<Decode>(p + i, 16, out);
        if(rest != 16)
            return size + 1;
        i += 16;
    }
    return i;
}

// Whether this CPU runs the SSSE3 and the AVX2 code; asked once.
struct base64url_simd_support
{
    bool ssse3 = false;
    bool avx2 = false;
};

inline base64url_simd_support const& base64url_cpu() noexcept
{
    static base64url_simd_support const support = [] {
        __builtin_cpu_init();
        base64url_simd_support s;
        s.ssse3 = __builtin_cpu_supports("ssse3") != 0;
        s.avx2 = __builtin_cpu_supports("avx2") != 0;
        return s;
    }();
    return support;
}

inline bool base64url_ssse3_available() noexcept
{
#if defined(__SSSE3__)
    return true;
#else
    return base64url_cpu().ssse3;
#endif
}

inline bool base64url_avx2_available() noexcept
{
#if defined(__AVX2__)
    return true;
#else
    return base64url_cpu().avx2;
#endif
}
#endif

// Validates (and, if `Decode`, decodes into `out`) the whole 4-character
// groups of `p[0, size)`; returns the number of characters consumed, or
// `size + 1` on an invalid character. Blocks of 16 go through SIMD code where
// there is; in the rest, invalid characters are collected and tested once
// at the end, so that loop has no data-dependent branch. On
// failure `out` holds unspecified bytes.
template<bool Decode>
inline std::size_t base64url_decode_groups(unsigned char const* p, std::size_t size, unsigned char* out) noexcept
{
    auto const& t = base64url_group_tables;
    std::uint32_t seen = 0;
    std::size_t i = 0;
#if defined(MODELAUTH_BASE64URL_SSSE3)
    if(size >= 32 && base64url_avx2_available())
        i = base64url_decode_blocks_avx2<Decode>(p, size, out);
    else if(size >= 16 && base64url_ssse3_available())
        i = base64url_decode_blocks_ssse3<Decode>(p, size, out);
    else
        i = base64url_decode_blocks_sse2<Decode>(p, size, out);
#elif defined(__SSE2__)
    i = base64url_decode_blocks_sse2<Decode>(p, size, out);
#endif
    if(i > size)
        return size + 1;
    if constexpr(Decode)
        out += i / 4 * 3;
    for(; i + 8 <= size; i += 8)
    {
        std::uint32_t const a = t[0][p[i]] | t[1][p[i + 1]] | t[2][p[i + 2]] | t[3][p[i + 3]];
        std::uint32_t const b = t[0][p[i + 4]] | t[1][p[i + 5]] | t[2][p[i + 6]] | t[3][p[i + 7]];
        seen |= a | b;
        if constexpr(Decode)
        {
            out[0] = static_cast<unsigned char>(a >> 16);
            out[1] = static_cast<unsigned char>(a >> 8);
            out[2] = static_cast<unsigned char>(a);
            out[3] = static_cast<unsigned char>(b >> 16);
            out[4] = static_cast<unsigned char>(b >> 8);
            out[5] = static_cast<unsigned char>(b);
            out += 6;
        }
    }
    if(i + 4 <= size)
    {
        std::uint32_t const a = t[0][p[i]] | t[1][p[i + 1]] | t[2][p[i + 2]] | t[3][p[i + 3]];
        seen |= a;
        if constexpr(Decode)
        {
            out[0] = static_cast<unsigned char>(a >> 16);
            out[1] = static_cast<unsigned char>(a >> 8);
            out[2] = static_cast<unsigned char>(a);
        }
        i += 4;
    }
    return (seen & base64url_group_invalid) ? size + 1 : i;
}

// Validates (and, if `out` is not null, decodes) in one pass.
inline bool base64url_decode_into(std::string_view in, unsigned char* out) noexcept
{
    auto const size = in.size();
    if(size % 4 == 1)
        return false;
    auto const* p = reinterpret_cast<unsigned char const*>(in.data());
    std::size_t const i = out ? base64url_decode_groups<true>(p, size, out)
                              : base64url_decode_groups<false>(p, size, nullptr);
    if(i > size)
        return false;
    std::size_t const o = i / 4 * 3;
    auto const rest = size - i;
    if(rest == 0)
        return true;
    auto const a = base64url_table[p[i]];
    auto const b = base64url_table[p[i + 1]];
    if((a | b) & 0xC0)
        return false;
    if(rest == 2)
    {
        // 12 bits carry 8: the low 4 bits of the second character must be 0.
        if(b & 0x0F)
            return false;
        if(out)
            out[o] = static_cast<unsigned char>((a << 2) | (b >> 4));
        return true;
    }
    auto const c = base64url_table[p[i + 2]];
    // 18 bits carry 16: the low 2 bits of the third character must be 0.
    if((c & 0xC0) || (c & 0x03))
        return false;
    if(out)
    {
        out[o] = static_cast<unsigned char>((a << 2) | (b >> 4));
        out[o + 1] = static_cast<unsigned char>(((b & 0x0F) << 4) | (c >> 2));
    }
    return true;
}

} // namespace detail

inline result<std::size_t>
base64url_decode(std::string_view in, unsigned char* out, std::size_t out_capacity) noexcept
{
    if(in.size() % 4 == 1)
        return jose::error::invalid_base64url;
    auto const needed = base64url_decoded_size(in.size());
    if(out_capacity < needed || ! detail::base64url_decode_into(in, out))
        return jose::error::invalid_base64url;
    return needed;
}

inline result<std::string> base64url_decode(std::string_view in)
{
    if(in.size() % 4 == 1)
        return jose::error::invalid_base64url;
    std::string bytes(base64url_decoded_size(in.size()), '\0');
    if(! detail::base64url_decode_into(in, reinterpret_cast<unsigned char*>(bytes.data())))
        return jose::error::invalid_base64url;
    return bytes;
}

inline bool is_base64url(std::string_view in) noexcept
{
    return detail::base64url_decode_into(in, nullptr);
}

inline void base64url_encode(unsigned char const* in, std::size_t size, char* out) noexcept
{
    auto const* alphabet = detail::base64url_alphabet;
    std::size_t i = 0;
    for(; i + 3 <= size; i += 3)
    {
        std::uint32_t const v = (std::uint32_t(in[i]) << 16) | (std::uint32_t(in[i + 1]) << 8)
            | in[i + 2];
        *out++ = alphabet[(v >> 18) & 0x3F];
        *out++ = alphabet[(v >> 12) & 0x3F];
        *out++ = alphabet[(v >> 6) & 0x3F];
        *out++ = alphabet[v & 0x3F];
    }
    if(size - i == 1)
    {
        std::uint32_t const v = std::uint32_t(in[i]) << 16;
        *out++ = alphabet[(v >> 18) & 0x3F];
        *out++ = alphabet[(v >> 12) & 0x3F];
    }
    else if(size - i == 2)
    {
        std::uint32_t const v = (std::uint32_t(in[i]) << 16) | (std::uint32_t(in[i + 1]) << 8);
        *out++ = alphabet[(v >> 18) & 0x3F];
        *out++ = alphabet[(v >> 12) & 0x3F];
        *out++ = alphabet[(v >> 6) & 0x3F];
    }
}

inline std::string base64url_encode(std::string_view bytes)
{
    std::string text(base64url_encoded_size(bytes.size()), '\0');
    base64url_encode(reinterpret_cast<unsigned char const*>(bytes.data()), bytes.size(),
                     text.data());
    return text;
}

} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
