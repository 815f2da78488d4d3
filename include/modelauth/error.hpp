//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_ERROR_HPP
#define MODELAUTH_ERROR_HPP

/** @file
    The error codes of modelauth, the conditions they belong to, and what each
    one means on the wire: its HTTP status and its RFC 6750 `error` value.

    Every fallible function of the library returns `modelauth::result<T>`, a
    `boost::system::result<T, std::error_code>` whose error is one of the enums
    below. A caller that does not care about the precise fault tests the
    condition instead:

    @code
    auto r = validator.validate(token);
    if(! r && r.error() == modelauth::condition::unauthenticated)
        ...
    @endcode

    Messages are fixed texts: they never contain token bytes, key material,
    passwords or hashes, so they are safe to log and to put in a response.
*/

#include <boost/system/result.hpp>

#include <string_view>
#include <system_error>

namespace modelauth {
inline namespace v0 {

/** The result of an operation that can fail on its input.

    Holds either a `T` or a `std::error_code` in one of modelauth's categories.
*/
template<class T>
using result = boost::system::result<T, std::error_code>;

//----------------------------------------------------------------------------

/** Broad classes of failure, one per kind of HTTP answer.

    Every modelauth error code compares equal to exactly one condition, so
    `ec == condition::forbidden` works without knowing the precise code.
*/
enum class condition
{
    /// The caller is not authenticated: no, unusable or invalid credentials (401).
    unauthenticated = 1,

    /// The caller is authenticated but may not do this (403).
    forbidden,

    /// What the request names does not exist (404).
    not_found,

    /// The request is malformed (400, or 414 for an over-long target).
    bad_request,

    /// The request should be repeated at another location (308).
    redirect,

    /// The server's own configuration (keys, key sets, settings) is unusable;
    /// never caused by request input.
    invalid_configuration,

    /// The request conflicts with the state of what it names, e.g. a quota (409).
    conflict,

    /// The caller made too many attempts; it may retry later (429).
    too_many_requests,

    /// The server cannot complete the request now, e.g. its state could not
    /// be written durably (503).
    unavailable
};

//----------------------------------------------------------------------------

/** Errors of the model URL router (`model_url_router.hpp`).

    See `security/url_header_attack_catalogue.md`, cases U1-U17.
*/
enum class router_error
{
    /// The request target is longer than the configured limit (U11). HTTP 414.
    target_too_long = 1,

    /// The target is not in origin-form: absolute-form, authority-form or `*` (U15).
    not_origin_form,

    /// The path has an empty segment, e.g. `//` or `/models//x/` (U8).
    empty_segment,

    /// A segment is `.` or `..`, plain or percent-encoded (U1, U2, U17).
    dot_segment,

    /// A segment holds `%2F`, an encoded `/` that must never become a separator (U4).
    percent_encoded_slash,

    /// A segment holds `\`, literal or as `%5C` (U5).
    backslash,

    /// A `%` is not followed by two hexadecimal digits (U13).
    invalid_percent_escape,

    /// A segment holds `%25`: double percent-encoding is never accepted (U3).
    percent_encoded_percent,

    /// A control byte (00-1F, 7F), raw or percent-encoded (U7).
    control_character,

    /// A byte outside ASCII, raw or percent-encoded (U6, U12).
    non_ascii,

    /// A character that the segment grammar does not allow, such as `;` (U9).
    invalid_character,

    /// A segment holds an encoded `?` or `#` (`%3F`, `%23`) or the target holds `#` (U10).
    encoded_delimiter,

    /// A model name does not match the name grammar (U17).
    invalid_model_name,

    /// A version does not match the version grammar (U16).
    invalid_version,

    /// The path is not below the router's mount root. HTTP 404.
    outside_mount_root,

    /// No registered model prefix matches the path. HTTP 404.
    unknown_prefix,

    /// The prefix is known but no model of that name is registered under it. HTTP 404.
    unknown_model,

    /// The model exists but not in the requested version. HTTP 404.
    unknown_version,

    /// The path goes on after the version, or names an unknown operation (U14). HTTP 404.
    unexpected_segment,

    /// The path lacks only its final `/`: the answer is a 308 redirect to the
    /// path with `/` appended (the query kept).
    missing_trailing_slash,

    /// The path lacks its final `/` and the router is strict about it. HTTP 404.
    trailing_slash_required
};

/** Errors of the JOSE layer: compact JWS parsing, headers, algorithms, signatures.

    All of them answer 401 with `error="invalid_token"`.
    See `security/jwt_attack_catalogue.md`, cases J1-J32.
*/
enum class jose_error
{
    /// The token is longer than the configured limit (J27, H11).
    token_too_large = 1,

    /// The decoded JOSE header is longer than the configured limit (J27).
    header_too_large,

    /// The token does not have exactly three dot-separated parts (J3).
    malformed_compact_serialization,

    /// The token has five parts: a JWE, which is never treated as a JWS (J3).
    encrypted_token_not_supported,

    /// The credential is a JSON-serialized JWS, not compact serialization (J18).
    json_serialization_not_supported,

    /// A part is not strict base64url: padding, `+`, `/`, spaces, bad length or
    /// non-zero unused bits (J17).
    invalid_base64url,

    /// The header or the claims are not valid JSON or not valid UTF-8 (J26).
    invalid_json,

    /// The header or the claims nest deeper than the parser allows (J27).
    json_too_deep,

    /// A JSON object names the same member twice (J25).
    duplicate_json_member,

    /// The header or the claims set is not a JSON object (J26).
    not_a_json_object,

    /// The header has no `alg`, or `alg` is not a string.
    missing_algorithm,

    /// The header's `alg` is `none` in any spelling (J1).
    algorithm_none,

    /// The header's `alg` is not one modelauth implements; names are
    /// case-sensitive (J31).
    unsupported_algorithm,

    /// A header parameter has the wrong type (e.g. `kid` not a string).
    invalid_header_parameter,

    /// The header lists a critical extension that is not understood, or uses
    /// `b64: false` (J21).
    unknown_critical_header,

    /// No trusted key matches the token's issuer and `kid` (J19, J20).
    unknown_key,

    /// The token's `alg` is not the algorithm its key is bound to (J4, J8, J9).
    key_algorithm_mismatch,

    /// The signature part is empty (J2).
    empty_signature,

    /// The signature has the wrong length for its algorithm and key (J11, J15).
    invalid_signature_length,

    /// The signature does not verify (J10, J13-J16, J32).
    signature_mismatch
};

/** Errors found while loading keys and key sets: configuration, not requests.

    These are returned at start-up or on a key-set reload; they never come from
    request input. They map to HTTP 500 should one ever reach a response.
*/
enum class key_error
{
    /// The PEM text could not be parsed as an SPKI public or PKCS#8 private key.
    invalid_pem = 1,

    /// The JWK is not valid JSON or misses a required member.
    invalid_jwk,

    /// The JWKS is not a JSON object with a `keys` array.
    invalid_jwks,

    /// The key type (or curve) is not supported.
    unsupported_key_type,

    /// The algorithm named for the key is unknown or `none`.
    unsupported_algorithm,

    /// The key cannot be used with the algorithm it is bound to, e.g. an EC
    /// P-384 key for ES256 or an RSA key for HS256 (J4, J9).
    algorithm_key_mismatch,

    /// The key is too weak: an HMAC secret shorter than the hash, an RSA
    /// modulus under 2048 bits or a bad public exponent (J6, J7).
    weak_key,

    /// An HMAC secret is empty (J5).
    empty_key,

    /// The JWK's `use` is not `sig`, or its `key_ops` do not allow verifying (J22).
    key_use_mismatch,

    /// Two keys of one set share a `kid`, or one `kid` maps to keys of
    /// different types (J23).
    duplicate_key_id,

    /// A signing operation needs a private key and the key is public only.
    not_a_private_key,

    /// OpenSSL failed to sign; the key or the library is unusable.
    signing_failed,

    /// A key set mixes HMAC secrets with public-key keys, under any key ids:
    /// such a set is ambiguous and too easy to mishandle (J23).
    mixed_key_set,

    /// OpenSSL failed to generate a key (no randomness, or the library is
    /// unusable).
    key_generation_failed
};

/** Errors of claim and credential validation that are not about the JWS itself.

    All of them answer 401 with `error="invalid_token"`.
*/
enum class token_error
{
    /// `exp` is in the past beyond the leeway (J24).
    token_expired = 1,

    /// `nbf` is in the future beyond the leeway (J24).
    token_not_yet_valid,

    /// `iat` is in the future beyond the leeway (J24).
    issued_in_future,

    /// `exp` is missing and the validator requires it (J24).
    missing_expiry,

    /// A registered claim has the wrong JSON type, e.g. `exp` as a string (J24).
    invalid_claim_type,

    /// A numeric date is not finite or out of range (J24).
    claim_out_of_range,

    /// The token's `iss` is not a trusted issuer (J24).
    untrusted_issuer,

    /// None of the token's audiences is accepted (J24).
    audience_mismatch,

    /// The header's `typ` is not the required type (J24).
    type_mismatch,

    /// The token lives longer than the configured maximum lifetime.
    lifetime_too_long,

    /// The token has been revoked.
    token_revoked,

    /// The token has been deactivated.
    token_inactive,

    /// An API key does not have the key format: prefix, length or alphabet (H16).
    malformed_api_key,

    /// An API key's checksum does not match: a typo or a forgery (H16).
    api_key_checksum_mismatch,

    /// A well-formed API key is not in the token store (H16).
    unknown_api_key
};

/** Errors of credential extraction from HTTP requests.

    See `security/url_header_attack_catalogue.md`, cases H1-H16.
*/
enum class credential_error
{
    /// The request carries no credentials at all (H1). HTTP 401 with a bare
    /// challenge, no `error` attribute (RFC 6750 section 3.1).
    missing_credentials = 1,

    /// The Authorization header uses a scheme other than Bearer (H10). HTTP 401
    /// with a bare challenge.
    unsupported_scheme,

    /// The Authorization header does not match RFC 6750's grammar (H3, H5, H8,
    /// H12). HTTP 400 `invalid_request`.
    malformed_authorization,

    /// The request has more than one Authorization header (H7). HTTP 400.
    multiple_authorization_headers,

    /// The request carries credentials in more than one place (H9). HTTP 400.
    multiple_credentials,

    /// A credential is longer than the configured limit (H11). HTTP 401.
    credential_too_large
};

/** Denials of the scope policy (`scope_policy.hpp`).
*/
enum class policy_error
{
    /// No scope of the token allows the action on the endpoint (H14). HTTP 403
    /// `insufficient_scope`.
    missing_scope = 1,

    /// The token is bound to another model, instance, account or space. HTTP 403.
    binding_mismatch,

    /// The token's class may not be used on this route (e.g. a manager token
    /// outside the IAM routes). HTTP 403.
    class_forbidden,

    /// The token's principal is not active. HTTP 401 `invalid_token`.
    inactive,

    /// The model belongs to another account than the token's: HTTP 404,
    /// answered exactly as a model that does not exist (tenancy: a caller
    /// never learns that another account's model exists).
    other_account
};

/** Errors of the token lifecycle (`tokens/...`): login, refresh, issuing
    and managing tokens.
*/
enum class lifecycle_error
{
    /// Wrong email or password; the answer never says which. HTTP 401.
    invalid_credentials = 1,

    /// Too many failed logins for the account; retry later. HTTP 429.
    too_many_attempts,

    /// The refresh token is unknown, expired or revoked. HTTP 401 `invalid_token`.
    invalid_refresh_token,

    /// A rotated refresh token was presented again: its whole family is
    /// revoked. HTTP 401 `invalid_token`.
    refresh_token_reused,

    /// A lifetime such as `ttlDuration` is not a positive integer followed by
    /// one unit of `s m h d`, or is too long. HTTP 400 `invalid_request`.
    invalid_ttl,

    /// The request body or a parameter is missing, malformed or of the wrong
    /// type. HTTP 400 `invalid_request`.
    invalid_request_body,

    /// No token has that id (or key), or the caller may not see it. HTTP 404.
    token_not_found,

    /// The account or space already has the most permanent tokens allowed. HTTP 409.
    permanent_token_quota,

    /// The caller's credential may not perform this management operation
    /// (wrong class, another account, space or instance). HTTP 403.
    not_permitted,

    /// The model named by the request does not exist. HTTP 404.
    unknown_model,

    /// The instance named by the request does not exist. HTTP 404.
    unknown_instance,

    /// The space named by the request does not exist. HTTP 404.
    unknown_space,

    /// A stored password hash is not `pbkdf2_sha256$<iterations>$<salt>$<hash>`
    /// with enough iterations. Configuration, never request input.
    invalid_password_hash,

    /// The token store could not make a change durable (a journal write or
    /// fsync failed); nothing was changed. HTTP 503.
    storage_failure,

    /// A secret could not be generated (the random source failed). HTTP 503.
    random_failure,

    /// A token with that id or secret already exists. HTTP 409.
    duplicate_token,

    /// A quota other than the permanent-token one is reached: the live
    /// temporary tokens of one (class, account, space), the tokens of one
    /// instance, or the access and session tokens one refresh-token family
    /// may have at once. HTTP 409.
    token_quota
};

//----------------------------------------------------------------------------

/// The category of `condition`; its name is `"modelauth"`.
inline std::error_category const& condition_category() noexcept;

/// The category of `router_error`; its name is `"modelauth.router"`.
inline std::error_category const& router_category() noexcept;

/// The category of `jose_error`; its name is `"modelauth.jose"`.
inline std::error_category const& jose_category() noexcept;

/// The category of `key_error`; its name is `"modelauth.key"`.
inline std::error_category const& key_category() noexcept;

/// The category of `token_error`; its name is `"modelauth.token"`.
inline std::error_category const& token_category() noexcept;

/// The category of `credential_error`; its name is `"modelauth.credential"`.
inline std::error_category const& credential_category() noexcept;

/// The category of `policy_error`; its name is `"modelauth.policy"`.
inline std::error_category const& policy_category() noexcept;

/// The category of `lifecycle_error`; its name is `"modelauth.lifecycle"`.
inline std::error_category const& lifecycle_category() noexcept;

/// Makes an error condition from a `condition`.
inline std::error_condition make_error_condition(condition c) noexcept;

/// Makes an error code from a `router_error`.
inline std::error_code make_error_code(router_error e) noexcept;
/// Makes an error code from a `jose_error`.
inline std::error_code make_error_code(jose_error e) noexcept;
/// Makes an error code from a `key_error`.
inline std::error_code make_error_code(key_error e) noexcept;
/// Makes an error code from a `token_error`.
inline std::error_code make_error_code(token_error e) noexcept;
/// Makes an error code from a `credential_error`.
inline std::error_code make_error_code(credential_error e) noexcept;
/// Makes an error code from a `policy_error`.
inline std::error_code make_error_code(policy_error e) noexcept;
/// Makes an error code from a `lifecycle_error`.
inline std::error_code make_error_code(lifecycle_error e) noexcept;

//----------------------------------------------------------------------------

/** The HTTP status that answers a request failing with `ec`.

    @return The status of the code's table entry for modelauth's codes; 500 for
    any code of another category, and for a code that is not an enumerator.

    Complexity: constant. Exception safety: no-throw.
*/
[[nodiscard]] inline unsigned http_status(std::error_code const& ec) noexcept;

/** The RFC 6750 section 3.1 `error` value for `ec`.

    @return `"invalid_request"`, `"invalid_token"` or `"insufficient_scope"`
    for failures that answer with a Bearer challenge carrying an `error`
    attribute; an empty view for those whose challenge must not carry one
    (missing credentials, another auth scheme) and for errors that are not
    authentication failures at all (routing, configuration).

    Complexity: constant. Exception safety: no-throw.
*/
[[nodiscard]] inline std::string_view rfc6750_error(std::error_code const& ec) noexcept;

/** Whether a response to `ec` carries a `WWW-Authenticate: Bearer` challenge.

    True for every failure of the `unauthenticated` condition, for
    `insufficient_scope` denials and for the credential errors that answer
    400 `invalid_request` (a malformed `Authorization` header, two of them,
    credentials in two places); false for routing and configuration errors
    and for a bad request body or parameter.
*/
[[nodiscard]] inline bool needs_bearer_challenge(std::error_code const& ec) noexcept;

/** The stable machine name of `ec`: the enumerator's spelling, e.g.
    `"percent_encoded_slash"`; `"unknown"` for codes of other categories.

    The name is part of the API: logs and metrics may key on it.
*/
[[nodiscard]] inline std::string_view error_name(std::error_code const& ec) noexcept;

} // namespace v0
} // namespace modelauth

namespace std {

template<> struct is_error_condition_enum<::modelauth::condition> : true_type {};
template<> struct is_error_code_enum<::modelauth::router_error> : true_type {};
template<> struct is_error_code_enum<::modelauth::jose_error> : true_type {};
template<> struct is_error_code_enum<::modelauth::key_error> : true_type {};
template<> struct is_error_code_enum<::modelauth::token_error> : true_type {};
template<> struct is_error_code_enum<::modelauth::credential_error> : true_type {};
template<> struct is_error_code_enum<::modelauth::policy_error> : true_type {};
template<> struct is_error_code_enum<::modelauth::lifecycle_error> : true_type {};

} // namespace std

#include <modelauth/impl/error.hpp>

#endif
