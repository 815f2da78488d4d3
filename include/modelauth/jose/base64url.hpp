//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_BASE64URL_HPP
#define MODELAUTH_JOSE_BASE64URL_HPP

/** @file
    Strict base64url without padding (RFC 7515 section 2, RFC 4648 section 5).

    The decoder accepts exactly one spelling of every byte string: the
    alphabet `A-Z a-z 0-9 - _`, no `=` padding, no white space, a length that
    is not 1 modulo 4, and zero bits in the unused low bits of the last
    character. Anything else is `jose::error::invalid_base64url` (J17): a token
    has one encoding, so a cache or a replay check keyed on its text cannot be
    fooled by an alternative spelling.
*/

#include <modelauth/error.hpp>
#include <modelauth/jose/error.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace jose {

/** The exact number of bytes that `encoded_size` characters decode to.

    Only meaningful for a length that is valid (not 1 modulo 4).
    Complexity: constant.
*/
[[nodiscard]] constexpr std::size_t base64url_decoded_size(std::size_t encoded_size) noexcept
{
    return encoded_size / 4 * 3 + (encoded_size % 4 == 0 ? 0 : encoded_size % 4 - 1);
}

/** The number of characters that `size` bytes encode to, without padding.

    Complexity: constant.
*/
[[nodiscard]] constexpr std::size_t base64url_encoded_size(std::size_t size) noexcept
{
    return size / 3 * 4 + (size % 3 == 0 ? 0 : size % 3 + 1);
}

/** Decodes `in` into `out`, which has room for `out_capacity` bytes.

    @return The number of bytes written, or `jose::error::invalid_base64url`
    if `in` is not strict base64url, or if `out_capacity` is smaller than
    `base64url_decoded_size(in.size())` (nothing useful is written then).

    Complexity: linear in `in.size()`. Exception safety: no-throw; no allocation.
*/
[[nodiscard]] inline result<std::size_t>
base64url_decode(std::string_view in, unsigned char* out, std::size_t out_capacity) noexcept;

/** Decodes `in` into a new string of bytes.

    @return The bytes, or `jose::error::invalid_base64url`.
    Complexity: linear. Exception safety: strong (may throw `std::bad_alloc`).
*/
[[nodiscard]] inline result<std::string> base64url_decode(std::string_view in);

/** Whether `in` is strict base64url, without decoding it anywhere.

    Complexity: linear. Exception safety: no-throw.
*/
[[nodiscard]] inline bool is_base64url(std::string_view in) noexcept;

/** Encodes `size` bytes at `in` into `out`, which has room for
    `base64url_encoded_size(size)` characters. No padding, no terminator.

    Complexity: linear. Exception safety: no-throw.
*/
inline void base64url_encode(unsigned char const* in, std::size_t size, char* out) noexcept;

/** Encodes `bytes` as base64url without padding.

    Complexity: linear. Exception safety: strong (may throw `std::bad_alloc`).
*/
[[nodiscard]] inline std::string base64url_encode(std::string_view bytes);

} // namespace jose
} // namespace v0
} // namespace modelauth

#include <modelauth/jose/impl/base64url.hpp>

#endif
