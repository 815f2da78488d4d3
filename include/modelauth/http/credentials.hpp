//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_CREDENTIALS_HPP
#define MODELAUTH_HTTP_CREDENTIALS_HPP

/** @file
    Credential extraction: finds the one credential of a Beast request,
    without copying it.

    @code
    modelauth::http::credential_options options;
    options.api_key_header = "impact-api-key";
    auto cred = modelauth::http::extract_credential(req, options);
    if(! cred)
        return respond(cred.error()); // 400, or 401 (see error.hpp)
    auto principal = validator.validate(cred->value);
    @endcode

    A request may carry its credential in one of three places:

    - the `Authorization` header with the Bearer scheme (RFC 6750 section 2.1),
    - an API-key header whose name the server chooses (e.g. `impact-api-key`),
    - a query parameter (RFC 6750 section 2.3), only if the server opts in.

    More than one of them, or more than one of a kind, is refused with 400
    (RFC 6750 section 2: "Clients MUST NOT use more than one method").
    Every case of `security/url_header_attack_catalogue.md` H1-H16 is
    answered as that catalogue says; the tests name each row.
*/

#include <modelauth/error.hpp>
#include <modelauth/http/error.hpp>

#include <boost/beast/http/message.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace http {

/// Where a credential was found.
enum class credential_source : std::uint8_t
{
    /// `Authorization: Bearer <b64token>`.
    authorization_bearer = 1,

    /// The configured API-key header, e.g. `impact-api-key: <key>`.
    api_key_header,

    /// The configured query parameter, e.g. `?access_token=<token>`.
    query_parameter
};

/// The name of a credential source (`"authorization_bearer"`, ...), for logs and metrics.
[[nodiscard]] constexpr std::string_view credential_source_name(credential_source s) noexcept;

/** A credential found in a request.

    Lifetime: `value` is a view into the request's header fields or target;
    it is valid while the request lives and is not modified.
*/
struct credential
{
    /// Where it was found.
    credential_source source = credential_source::authorization_bearer;

    /// The credential itself: the bearer token, the API key or the parameter
    /// value, never empty, never longer than the configured limit.
    std::string_view value;
};

/** Where `extract_credential` looks, and how much it accepts.

    Build once at start-up; safe to share between threads.
*/
struct credential_options
{
    /// The name of an API-key header (case-insensitive, as all field names);
    /// empty (the default): no API-key header. The reference server uses
    /// `impact-api-key`.
    std::string api_key_header;

    /// The name of a query parameter carrying a bearer token; empty (the
    /// default): the query is never read. RFC 6750 names it `access_token`
    /// and advises against it: URLs end up in logs.
    std::string query_parameter;

    /// The longest credential accepted, in bytes; a longer one fails with
    /// `http::error::credential_too_large` (H11).
    std::size_t max_credential_bytes = 8 * 1024;
};

/** Finds the one credential of a request.

    Checks, in this order:
    1. more than one `Authorization` field (same or different values) ->
       `multiple_authorization_headers` (H7); Beast keeps every field and
       `operator[]` would silently return the first;
    2. more than one API-key field or query parameter, or credentials in two
       places (Authorization with any scheme, API-key header, query parameter)
       -> `multiple_credentials` (H9);
    3. none -> `missing_credentials` (H1, a bare challenge);
    4. the one present, by its grammar (below).

    `Authorization` (RFC 6750 section 2.1, RFC 9110 section 11.4):

        credentials = auth-scheme [ 1*SP ... ]     ; RFC 9110
        credentials = "Bearer" 1*SP b64token       ; RFC 6750
        b64token    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="

    Surrounding SP and HTAB are not part of a field value (RFC 9110 section
    5.5) and are ignored, as Beast's parser already strips them (H4); an
    obs-fold arrives as SP (H12). The scheme is case-insensitive (H2).
    A scheme token that is not `Bearer` -> `unsupported_scheme` (H10, a bare
    challenge: 401 without `error`); a value that is not `auth-scheme`
    followed by the end or SP, an empty value, `Bearer` without a token (H3),
    a separator other than SP (H4 `Bearer\tx`), or anything after the token
    (H5, H8, H13) -> `malformed_authorization` (400). The token is not decoded
    here: `Bearer <jwt>==` is returned and fails validation (H6).

    API-key header (H16): the field value, without surrounding SP/HTAB. An
    empty value -> `malformed_authorization`; a control character (CR, LF,
    NUL, DEL, ..., but not HTAB) -> `malformed_authorization`, as no field
    value may hold one (H13). Anything else is returned as it is, inner
    spaces included: such a value is a well-formed header carrying a wrong
    key, and the validator answers it with 401 (`malformed_api_key`), as H16
    asks.

    Query parameter (RFC 6750 section 2.3), when configured: its value must
    be a `b64token` written without percent-escapes and without `+` (which
    form encoding reads as a space); otherwise, or when empty,
    `malformed_authorization`. Refusing escapes keeps the credential a view
    into the target; JWTs and API keys never need them. A form-encoded body
    parameter (RFC 6750 section 2.2) is not supported.

    Any credential longer than `options.max_credential_bytes` ->
    `credential_too_large` (H11, 401), checked before its grammar.

    @param message The request, or its header part: any
    `boost::beast::http::header<true, Fields>` (so any `request<Body, Fields>`).
    @param options Where to look.

    @return The credential, a view into `message`.

    Complexity: linear in the sizes of the credential fields and, if a query
    parameter is configured, of the target. Allocates nothing.
    Exception safety: no-throw.
*/
template<class Fields>
[[nodiscard]] result<credential> extract_credential(boost::beast::http::header<true, Fields> const& message,
    credential_options const& options = {}) noexcept;

/** Whether `token` matches RFC 6750's `b64token`:
    `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.

    Complexity: linear. Exception safety: no-throw.
*/
[[nodiscard]] constexpr bool is_b64token(std::string_view token) noexcept;

} // namespace http
} // namespace v0
} // namespace modelauth

#include <modelauth/http/impl/credentials.hpp>

#endif
