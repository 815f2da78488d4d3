//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_JSON_HPP
#define MODELAUTH_JOSE_JSON_HPP

/** @file
    Strict JSON parsing for JOSE headers and JWT claims sets.

    RFC 7515 section 4 and RFC 7519 section 4 require a JWS header or claims
    set with duplicate member names to be rejected (or parsed consistently);
    Boost.JSON 1.81's `parse` silently keeps one of the duplicates. This parser
    builds the same `boost::json::value` with Boost.JSON's `basic_parser`,
    records how many members each object had in the text, and rejects the
    document if any object of the result has fewer: a repeated name at any
    depth (J25). It also bounds the nesting depth (J27) and accepts only
    strict RFC 8259 JSON in valid UTF-8 (J26): no comments, no trailing
    commas, no byte order mark, and no number too large for a finite double
    (J24: `1e400` is invalid JSON here, never infinity).
*/

#include <modelauth/error.hpp>
#include <modelauth/jose/error.hpp>

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace jose {

/// The deepest nesting a JOSE header or claims set may have by default.
inline constexpr std::size_t default_max_json_depth = 16;

/** Parses `text` as one strict JSON document.

    @param text The whole document; nothing but white space may follow it.
    @param sp The storage for the resulting value (e.g. a `monotonic_resource`
    over a stack buffer, to parse without touching the heap).
    @param max_depth The deepest nesting accepted.

    @return The value, or `jose::error::invalid_json` (syntax, UTF-8, trailing
    data), `jose::error::json_too_deep`, or `jose::error::duplicate_json_member`.

    Complexity: linear in `text.size()` (one parse, then one walk of the
    value to compare each object's member count with the text's).
    Exception safety: strong; throws only `std::bad_alloc` from `sp`.
*/
[[nodiscard]] inline result<boost::json::value> parse_json_strict(
    std::string_view text,
    boost::json::storage_ptr sp = {},
    std::size_t max_depth = default_max_json_depth);

/** Parses `text` strictly and requires a JSON object.

    @return As `parse_json_strict`, plus `jose::error::not_a_json_object` when
    the document is valid JSON of another kind (J26).
*/
[[nodiscard]] inline result<boost::json::object> parse_json_object_strict(
    std::string_view text,
    boost::json::storage_ptr sp = {},
    std::size_t max_depth = default_max_json_depth);

} // namespace jose
} // namespace v0
} // namespace modelauth

#include <modelauth/jose/impl/json.hpp>

#endif
