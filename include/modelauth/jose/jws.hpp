//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_JWS_HPP
#define MODELAUTH_JOSE_JWS_HPP

/** @file
    Compact JWS (RFC 7515 section 7.1): splitting a token into views, reading
    its protected header, and verifying it with a key.

    Sizes are checked before anything is decoded or parsed. The signing input
    is the received ASCII text (`header "." payload`), never re-serialised JSON
    (J30). Header parameters that name keys (`jwk`, `jku`, `x5u`, `x5c`) are
    never used to select or fetch a key (J19); critical extensions are not
    supported, so any `crit` rejects the token (J21).
*/

#include <modelauth/error.hpp>
#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/jose/json.hpp>
#include <modelauth/jose/key.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace jose {

/** Size limits applied before any decoding or parsing (J27). */
struct jws_limits
{
    /// The longest token accepted, in bytes of its compact text.
    std::size_t max_token_bytes = 8 * 1024;

    /// The longest decoded protected header accepted, in bytes.
    std::size_t max_header_bytes = 1024;

    /// The deepest JSON nesting accepted in the header and the payload.
    std::size_t max_json_depth = default_max_json_depth;
};

/** A compact JWS split into its parts: views into the token's text.

    The views are valid as long as the token's characters are.
*/
struct compact_jws
{
    /// The base64url protected header.
    std::string_view header;
    /// The base64url payload.
    std::string_view payload;
    /// The base64url signature.
    std::string_view signature;
    /// `header "." payload`: exactly what was signed.
    std::string_view signing_input;
};

/** Splits a compact JWS into its three parts.

    Checks the size and the structure only. Only the characters of base64url
    and `.` may appear in a token (RFC 7515 section 7.1, RFC 8725bis token
    format): any other character is `jose::error::invalid_base64url` when its
    part is decoded, which `parse_jws_header`, `verify_jws_signature` and the
    validator do for every part before trusting any of them.

    @return The parts, or: `jose::error::token_too_large` (over
    `limits.max_token_bytes`), `json_serialization_not_supported` (a JSON
    object, J18), `encrypted_token_not_supported` (five parts: a JWE, J3),
    `malformed_compact_serialization` (not three parts, or an empty header,
    J3; an empty payload is valid JWS), `empty_signature` (J2).

    Complexity: linear in the token's length. Exception safety: no-throw;
    no allocation.
*/
[[nodiscard]] inline result<compact_jws>
split_compact_jws(std::string_view token, jws_limits const& limits = {}) noexcept;

/** The protected header of a JWS, checked strictly, owning its text. */
class jws_header
{
public:
    /// The algorithm the header names; never `none` (rejected at parse).
    [[nodiscard]] algorithm alg() const noexcept { return alg_; }

    /// The `kid`, if the header has one.
    [[nodiscard]] std::optional<std::string_view> kid() const noexcept
    {
        return kid_ ? std::optional<std::string_view>(*kid_) : std::nullopt;
    }

    /// The `typ`, if the header has one.
    [[nodiscard]] std::optional<std::string_view> typ() const noexcept
    {
        return typ_ ? std::optional<std::string_view>(*typ_) : std::nullopt;
    }

    /// The decoded header: the JSON text exactly as received.
    [[nodiscard]] std::string const& text() const noexcept { return text_; }

    /** The whole header as JSON, for parameters modelauth does not interpret.

        Parses `text()` on each call (it was checked when the header was
        parsed, so this cannot fail).
        Complexity: linear in the header's length.
    */
    [[nodiscard]] boost::json::object json() const;

private:
    friend result<jws_header> parse_jws_header(std::string_view, jws_limits const&);
    algorithm alg_{};
    std::optional<std::string> kid_;
    std::optional<std::string> typ_;
    std::string text_;
};

/** Decodes and checks the base64url protected header of a JWS.

    @return The header, or: `jose::error::header_too_large`,
    `invalid_base64url`, `invalid_json`, `json_too_deep`,
    `duplicate_json_member` (J25), `not_a_json_object` (J26),
    `missing_algorithm`, `algorithm_none` (J1), `unsupported_algorithm` (J31),
    `invalid_header_parameter` (`kid`, `typ` or `cty` not a string),
    `unknown_critical_header` (any `crit`, or `b64` other than `true`, J21).

    Complexity: linear in the header's length.
    Exception safety: strong; throws only `std::bad_alloc`.
*/
[[nodiscard]] inline result<jws_header> parse_jws_header(std::string_view header_b64,
                                                         jws_limits const& limits = {});

/** Decodes the signature of `parts` and verifies it with `k`.

    Does not look at the header: the caller has checked that the header's
    `alg` is `k.alg()`.

    @return Nothing, or `jose::error::invalid_base64url`,
    `invalid_signature_length`, `signature_mismatch`.

    Complexity: one signature check. Exception safety: no-throw; the
    signature is decoded on the stack.
*/
[[nodiscard]] inline result<void> verify_jws_signature(compact_jws const& parts, key const& k) noexcept;

/** Verifies a compact JWS with one key and returns its decoded payload.

    The key is chosen by the caller, never by the token. The header's `alg`
    must be the key's algorithm (J4, J8, J9), else
    `jose::error::key_algorithm_mismatch`.

    @return The payload bytes, or the first error of splitting, header
    parsing, the algorithm check, signature decoding or verification.

    Complexity: linear in the token's length plus one signature check.
    Exception safety: strong; throws only `std::bad_alloc`.
*/
[[nodiscard]] inline result<std::string>
verify_compact_jws(std::string_view token, key const& k, jws_limits const& limits = {});

/** Signs `payload` with `k` and returns the compact JWS.

    The header is `{"alg":...,"typ":...,"kid":...}` with `typ` and `kid`
    present only when not empty; `kid` defaults to the key's own.

    @return The token, or `jose::key_error::not_a_private_key` / `signing_failed`.

    Complexity: linear in the payload's length plus one signature.
    Exception safety: strong; throws only `std::bad_alloc`.
*/
[[nodiscard]] inline result<std::string> sign_compact_jws(
    std::string_view payload,
    key const& k,
    std::string_view typ = "JWT",
    std::optional<std::string_view> kid = std::nullopt);

} // namespace jose
} // namespace v0
} // namespace modelauth

#include <modelauth/jose/impl/jws.hpp>

#endif
