//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_ROUTER_REQUEST_TARGET_HPP
#define MODELAUTH_ROUTER_REQUEST_TARGET_HPP

/** @file
    `parse_request_target`: the strict grammar modelauth routes on.

    An HTTP request target (`req.target()` in Beast) is checked once, split
    into its path and query, and kept as views: the router matches the path,
    the handler reads the query, and a redirect reuses both without parsing
    the target again.
*/

#include <modelauth/error.hpp>
#include <modelauth/router/error.hpp>
#include <modelauth/router/query_view.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace router {

/// The default limit on the size of a request target, in bytes (U11).
inline constexpr std::size_t default_max_target_bytes = 2048;

class request_target;

/** Checks and splits an HTTP request target (RFC 9112 section 3.2).

    Accepted: origin-form only, `absolute-path [ "?" query ]`, where
    - every path segment is one or more unreserved characters
      (`A-Z a-z 0-9 - . _ ~`) or percent-escapes of them (`%2D` for `-`),
      which compare as the character they encode;
    - only the last segment may be empty (the path ends in `/`);
    - no segment is `.` or `..`, plain or percent-encoded;
    - the query is any visible ASCII except `#`.

    Faults, checked in this order and then from left to right, each with its
    own code (all HTTP 400 except the first):
    | fault | code | catalogue |
    |---|---|---|
    | more than `max_target_bytes` bytes | `target_too_long` (414) | U11 |
    | not starting with `/` (absolute-form, authority-form, `*`) | `not_origin_form` | U15 |
    | `//`, an empty segment | `empty_segment` | U8 |
    | `.`, `..`, `%2e`, `.%2E`... as a segment | `dot_segment` | U1, U2, U17 |
    | `%2F` | `percent_encoded_slash` | U4 |
    | `\` or `%5C` | `backslash` | U5 |
    | `%` without two hex digits: `%`, `%2`, `%zz`, `%2>`, `%%32` | `invalid_percent_escape` | U13, U3 |
    | `%25` | `percent_encoded_percent` | U3 |
    | bytes 00-1F, 7F, raw or encoded | `control_character` | U7 |
    | bytes 80-FF, raw or encoded | `non_ascii` | U6, U12 |
    | `#` anywhere, `%3F` or `%23` in the path | `encoded_delimiter` | U10 |
    | any other character in the path (`;`, `%3B`, `:`, `+`, space...) | `invalid_character` | U9 |

    The query is not decoded or checked for escapes: it is read lazily by
    `query_view`, and only needs to be safe to repeat in a `Location`.

    @param target The request target, e.g. `req.target()`; borrowed by the result.
    @param max_target_bytes The size limit; targets longer than this fail fast.

    Complexity: linear in the target size, one pass. Allocates nothing.
    Exception safety: no-throw.
*/
[[nodiscard]] inline result<request_target> parse_request_target(
    std::string_view target, std::size_t max_target_bytes = default_max_target_bytes) noexcept;

/** A request target that passed `parse_request_target`: a checked path and a query.

    Only `parse_request_target` makes one; a default-constructed target is
    the path `/` without a query.

    Lifetime: borrows the target string it was parsed from (for Beast, the
    request's target), which must outlive it and every view obtained from it.

    Thread safety: a value; a const target may be shared between threads.
*/
class request_target
{
public:
    /// The target `/`.
    constexpr request_target() noexcept = default;

    /// The whole target as given: path, and `?` and query if any.
    [[nodiscard]] constexpr std::string_view target() const noexcept
    {
        return target_;
    }

    /// The path, still percent-encoded; it starts with `/`.
    [[nodiscard]] constexpr std::string_view path() const noexcept
    {
        return target_.substr(0, path_size_);
    }

    /// Whether the target has a `?` (possibly followed by an empty query).
    [[nodiscard]] constexpr bool has_query() const noexcept
    {
        return path_size_ < target_.size();
    }

    /// The query without its `?`, still percent-encoded; empty if there is none.
    [[nodiscard]] constexpr std::string_view encoded_query() const noexcept
    {
        return has_query() ? target_.substr(path_size_ + 1) : std::string_view{};
    }

    /// The query's parameters, decoded lazily.
    [[nodiscard]] constexpr query_view query() const noexcept
    {
        return query_view(encoded_query());
    }

    /// Whether the path holds a percent-escape (each one of an unreserved character).
    [[nodiscard]] constexpr bool path_has_escapes() const noexcept
    {
        return path_has_escapes_;
    }

    /// Whether the path ends in `/`.
    [[nodiscard]] constexpr bool has_trailing_slash() const noexcept
    {
        return target_[path_size_ - 1] == '/';
    }

    /** The `Location` for the 308 answer to `router::error::missing_trailing_slash`:
        the path, then `/`, then `?` and the query exactly as received if the
        target had them.

        It is a path-absolute reference (it starts with a single `/`, so never
        with `//`) and holds only characters this parser accepted, so it can
        be put in a header as it is.

        Complexity: linear. Exception safety: strong; throws `std::bad_alloc`.
    */
    [[nodiscard]] std::string redirect_location() const;

private:
    friend result<request_target> parse_request_target(std::string_view, std::size_t) noexcept;

    constexpr request_target(std::string_view target, std::size_t path_size, bool escapes) noexcept
        : target_(target)
        , path_size_(path_size)
        , path_has_escapes_(escapes)
    {
    }

    std::string_view target_ = "/";
    std::size_t path_size_ = 1;
    bool path_has_escapes_ = false;
};

} // namespace router
} // namespace v0
} // namespace modelauth

#include <modelauth/router/impl/request_target.hpp>

#endif
