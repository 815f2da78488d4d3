//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_ROUTER_DECODED_VIEW_HPP
#define MODELAUTH_ROUTER_DECODED_VIEW_HPP

/** @file
    `decoded_view`: a percent-encoded string read as its decoded text, lazily.

    Modelled on Boost.URL's `decode_view`: nothing is decoded until a character
    is read, and comparing with plain text decodes on the fly, so
    `query.get("get_meta") == "true"` allocates nothing.
*/

#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace router {

/** A non-owning view of percent-encoded text that reads as the decoded text.

    Decoding rules (RFC 3986 section 2.1, and the HTML form encoding for `+`):
    - `%` followed by two hexadecimal digits reads as the byte they encode
      (any byte, including `%00` or bytes above 0x7F: the caller decides what
      it accepts);
    - a `%` not followed by two hexadecimal digits reads as itself, as
      browsers do (this view never fails);
    - `+` reads as a space when the view was made with `plus_as_space`, as in
      `application/x-www-form-urlencoded` query strings;
    - every other byte reads as itself.

    Lifetime: the view borrows the encoded characters; they must outlive it
    (for a query, that is the request target).

    Thread safety: a view is a value; distinct views may be used concurrently
    and a const view may be shared.
*/
class decoded_view
{
public:
    class iterator;

    /// An empty view.
    constexpr decoded_view() noexcept = default;

    /** A view of `encoded`.

        Complexity: constant. Exception safety: no-throw.
    */
    constexpr explicit decoded_view(std::string_view encoded, bool plus_as_space = false) noexcept
        : encoded_(encoded)
        , plus_as_space_(plus_as_space)
    {
    }

    /// The encoded characters, as given.
    [[nodiscard]] constexpr std::string_view encoded() const noexcept
    {
        return encoded_;
    }

    /// Whether `+` reads as a space.
    [[nodiscard]] constexpr bool plus_as_space() const noexcept
    {
        return plus_as_space_;
    }

    /// Whether the decoded text is empty (equivalently, the encoded text is).
    [[nodiscard]] constexpr bool empty() const noexcept
    {
        return encoded_.empty();
    }

    /** The number of decoded characters.

        Complexity: linear in the encoded size. Exception safety: no-throw.
    */
    [[nodiscard]] std::size_t size() const noexcept;

    /// The first decoded character. Complexity: constant.
    [[nodiscard]] iterator begin() const noexcept;

    /// Past the last decoded character. Complexity: constant.
    [[nodiscard]] iterator end() const noexcept;

    /** Whether the decoded text equals `plain`, compared byte by byte.

        Complexity: linear in the shorter of the two. Exception safety: no-throw.
    */
    [[nodiscard]] bool equals(std::string_view plain) const noexcept;

    /** The decoded text as a string (this allocates; the rest of the view does not).

        Exception safety: strong; throws `std::bad_alloc`.
    */
    [[nodiscard]] std::string to_string() const;

    /// `view.equals(plain)`.
    friend bool operator==(decoded_view const& view, std::string_view plain) noexcept
    {
        return view.equals(plain);
    }

    /// `view.equals(plain)`.
    friend bool operator==(std::string_view plain, decoded_view const& view) noexcept
    {
        return view.equals(plain);
    }

    /// `! view.equals(plain)`.
    friend bool operator!=(decoded_view const& view, std::string_view plain) noexcept
    {
        return ! view.equals(plain);
    }

    /// `! view.equals(plain)`.
    friend bool operator!=(std::string_view plain, decoded_view const& view) noexcept
    {
        return ! view.equals(plain);
    }

private:
    std::string_view encoded_;
    bool plus_as_space_ = false;
};

/** A forward iterator over the decoded characters of a `decoded_view`.

    Dereferencing yields a `char` by value. Valid while the encoded
    characters are.
*/
class decoded_view::iterator
{
public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = char;

    /// A singular iterator.
    constexpr iterator() noexcept = default;

    /// The decoded character here. Precondition: not the end.
    [[nodiscard]] char operator*() const noexcept;

    /// Moves to the next decoded character. Precondition: not the end.
    iterator& operator++() noexcept;

    /// Moves to the next decoded character, returning the previous position.
    iterator operator++(int) noexcept
    {
        iterator old = *this;
        ++*this;
        return old;
    }

    /// Whether both are at the same position of the same text.
    friend bool operator==(iterator const& a, iterator const& b) noexcept
    {
        return a.pos_ == b.pos_;
    }

    /// Whether the positions differ.
    friend bool operator!=(iterator const& a, iterator const& b) noexcept
    {
        return a.pos_ != b.pos_;
    }

private:
    friend class decoded_view;

    constexpr iterator(char const* pos, char const* end, bool plus_as_space) noexcept
        : pos_(pos)
        , end_(end)
        , plus_as_space_(plus_as_space)
    {
    }

    // The number of encoded bytes of the character at pos_ (1 or 3).
    std::size_t width() const noexcept;

    char const* pos_ = nullptr;
    char const* end_ = nullptr;
    bool plus_as_space_ = false;
};

} // namespace router
} // namespace v0
} // namespace modelauth

#include <modelauth/router/impl/decoded_view.hpp>

#endif
