//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_IMPL_BASE64URL_HPP
#define MODELAUTH_JOSE_IMPL_BASE64URL_HPP

#include <array>
#include <cstdint>

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

// Validates (and, if `out` is not null, decodes) in one pass.
inline bool base64url_decode_into(std::string_view in, unsigned char* out) noexcept
{
    auto const size = in.size();
    if(size % 4 == 1)
        return false;
    auto const* p = reinterpret_cast<unsigned char const*>(in.data());
    std::size_t i = 0;
    std::size_t o = 0;
    for(; i + 4 <= size; i += 4)
    {
        auto const a = base64url_table[p[i]];
        auto const b = base64url_table[p[i + 1]];
        auto const c = base64url_table[p[i + 2]];
        auto const d = base64url_table[p[i + 3]];
        if((a | b | c | d) & 0xC0)
            return false;
        std::uint32_t const v = (std::uint32_t(a) << 18) | (std::uint32_t(b) << 12)
            | (std::uint32_t(c) << 6) | d;
        if(out)
        {
            out[o] = static_cast<unsigned char>(v >> 16);
            out[o + 1] = static_cast<unsigned char>(v >> 8);
            out[o + 2] = static_cast<unsigned char>(v);
        }
        o += 3;
    }
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
        return jose_error::invalid_base64url;
    auto const needed = base64url_decoded_size(in.size());
    if(out_capacity < needed || ! detail::base64url_decode_into(in, out))
        return jose_error::invalid_base64url;
    return needed;
}

inline result<std::string> base64url_decode(std::string_view in)
{
    if(in.size() % 4 == 1)
        return jose_error::invalid_base64url;
    std::string bytes(base64url_decoded_size(in.size()), '\0');
    if(! detail::base64url_decode_into(in, reinterpret_cast<unsigned char*>(bytes.data())))
        return jose_error::invalid_base64url;
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
