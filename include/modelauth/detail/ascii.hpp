//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_DETAIL_ASCII_HPP
#define MODELAUTH_DETAIL_ASCII_HPP

// ASCII-only case folding: HTTP schemes, media types and other protocol
// tokens compare case-insensitively in ASCII, never by locale.

#include <cstddef>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace detail {

constexpr char ascii_lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool iequals_ascii(std::string_view a, std::string_view b) noexcept
{
    if(a.size() != b.size())
        return false;
    for(std::size_t i = 0; i < a.size(); ++i)
        if(ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

} // namespace detail
} // namespace v0
} // namespace modelauth

#endif
