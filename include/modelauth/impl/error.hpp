//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_IMPL_ERROR_HPP
#define MODELAUTH_IMPL_ERROR_HPP

#include <cstddef>
#include <iterator>
#include <string>

namespace modelauth {
inline namespace v0 {
namespace detail {

// One row per error code: the single table that says what each code means.
// Messages are fixed ASCII texts restricted to the characters RFC 6750
// allows in error_description (%x20-21 / %x23-5B / %x5D-7E), so a message can
// be put in a WWW-Authenticate header as it is.
struct error_info
{
    int value;
    std::string_view name;
    char const* message;
    unsigned status;
    std::string_view rfc6750;
    condition cond;
};

inline constexpr std::string_view invalid_request = "invalid_request";
inline constexpr std::string_view invalid_token = "invalid_token";
inline constexpr std::string_view insufficient_scope = "insufficient_scope";
inline constexpr std::string_view no_rfc6750_error{};

template<class Enum>
struct error_table;

template<>
struct error_table<router_error>
{
    static constexpr char const* category_name = "modelauth.router";
    static constexpr error_info rows[] = {
        {1, "target_too_long", "the request target is too long", 414, no_rfc6750_error, condition::bad_request},
        {2, "not_origin_form", "the request target is not an origin-form path", 400, no_rfc6750_error, condition::bad_request},
        {3, "empty_segment", "the path has an empty segment", 400, no_rfc6750_error, condition::bad_request},
        {4, "dot_segment", "the path has a dot segment", 400, no_rfc6750_error, condition::bad_request},
        {5, "percent_encoded_slash", "the path has a percent-encoded slash", 400, no_rfc6750_error, condition::bad_request},
        {6, "backslash", "the path has a backslash", 400, no_rfc6750_error, condition::bad_request},
        {7, "invalid_percent_escape", "the path has a malformed percent escape", 400, no_rfc6750_error, condition::bad_request},
        {8, "percent_encoded_percent", "the path is percent-encoded twice", 400, no_rfc6750_error, condition::bad_request},
        {9, "control_character", "the path has a control character", 400, no_rfc6750_error, condition::bad_request},
        {10, "non_ascii", "the path has a byte outside ASCII", 400, no_rfc6750_error, condition::bad_request},
        {11, "invalid_character", "the path has a character that is not allowed", 400, no_rfc6750_error, condition::bad_request},
        {12, "encoded_delimiter", "the path has an encoded or misplaced query or fragment delimiter", 400, no_rfc6750_error, condition::bad_request},
        {13, "invalid_model_name", "the model name is not valid", 400, no_rfc6750_error, condition::bad_request},
        {14, "invalid_version", "the model version is not valid", 400, no_rfc6750_error, condition::bad_request},
        {15, "outside_mount_root", "the path is not served here", 404, no_rfc6750_error, condition::not_found},
        {16, "unknown_prefix", "no model prefix matches the path", 404, no_rfc6750_error, condition::not_found},
        {17, "unknown_model", "no such model", 404, no_rfc6750_error, condition::not_found},
        {18, "unknown_version", "no such model version", 404, no_rfc6750_error, condition::not_found},
        {19, "unexpected_segment", "the path goes on after the model endpoint", 404, no_rfc6750_error, condition::not_found},
        {20, "missing_trailing_slash", "model URLs end in a slash", 308, no_rfc6750_error, condition::redirect},
        {21, "trailing_slash_required", "model URLs end in a slash", 404, no_rfc6750_error, condition::not_found},
    };
};

template<>
struct error_table<jose_error>
{
    static constexpr char const* category_name = "modelauth.jose";
    static constexpr error_info rows[] = {
        {1, "token_too_large", "the token is too large", 401, invalid_token, condition::unauthenticated},
        {2, "header_too_large", "the token header is too large", 401, invalid_token, condition::unauthenticated},
        {3, "malformed_compact_serialization", "the token is not a compact JWS", 401, invalid_token, condition::unauthenticated},
        {4, "encrypted_token_not_supported", "encrypted tokens are not accepted", 401, invalid_token, condition::unauthenticated},
        {5, "json_serialization_not_supported", "JSON-serialized tokens are not accepted", 401, invalid_token, condition::unauthenticated},
        {6, "invalid_base64url", "the token is not valid base64url", 401, invalid_token, condition::unauthenticated},
        {7, "invalid_json", "the token header or claims are not valid JSON", 401, invalid_token, condition::unauthenticated},
        {8, "json_too_deep", "the token header or claims nest too deep", 401, invalid_token, condition::unauthenticated},
        {9, "duplicate_json_member", "the token header or claims repeat a member", 401, invalid_token, condition::unauthenticated},
        {10, "not_a_json_object", "the token header or claims are not a JSON object", 401, invalid_token, condition::unauthenticated},
        {11, "missing_algorithm", "the token header has no algorithm", 401, invalid_token, condition::unauthenticated},
        {12, "algorithm_none", "unsigned tokens are not accepted", 401, invalid_token, condition::unauthenticated},
        {13, "unsupported_algorithm", "the token algorithm is not supported", 401, invalid_token, condition::unauthenticated},
        {14, "invalid_header_parameter", "a token header parameter has the wrong type", 401, invalid_token, condition::unauthenticated},
        {15, "unknown_critical_header", "the token header has an unsupported critical parameter", 401, invalid_token, condition::unauthenticated},
        {16, "unknown_key", "no trusted key matches the token", 401, invalid_token, condition::unauthenticated},
        {17, "key_algorithm_mismatch", "the token algorithm does not match its key", 401, invalid_token, condition::unauthenticated},
        {18, "empty_signature", "the token signature is empty", 401, invalid_token, condition::unauthenticated},
        {19, "invalid_signature_length", "the token signature has the wrong length", 401, invalid_token, condition::unauthenticated},
        {20, "signature_mismatch", "the token signature does not verify", 401, invalid_token, condition::unauthenticated},
    };
};

template<>
struct error_table<key_error>
{
    static constexpr char const* category_name = "modelauth.key";
    static constexpr error_info rows[] = {
        {1, "invalid_pem", "the PEM key could not be parsed", 500, no_rfc6750_error, condition::invalid_configuration},
        {2, "invalid_jwk", "the JWK is not valid", 500, no_rfc6750_error, condition::invalid_configuration},
        {3, "invalid_jwks", "the JWK set is not valid", 500, no_rfc6750_error, condition::invalid_configuration},
        {4, "unsupported_key_type", "the key type is not supported", 500, no_rfc6750_error, condition::invalid_configuration},
        {5, "unsupported_algorithm", "the key algorithm is not supported", 500, no_rfc6750_error, condition::invalid_configuration},
        {6, "algorithm_key_mismatch", "the key cannot be used with its algorithm", 500, no_rfc6750_error, condition::invalid_configuration},
        {7, "weak_key", "the key is too weak", 500, no_rfc6750_error, condition::invalid_configuration},
        {8, "empty_key", "the key is empty", 500, no_rfc6750_error, condition::invalid_configuration},
        {9, "key_use_mismatch", "the key is not meant for signatures", 500, no_rfc6750_error, condition::invalid_configuration},
        {10, "duplicate_key_id", "the key set repeats a key id", 500, no_rfc6750_error, condition::invalid_configuration},
        {11, "not_a_private_key", "signing needs a private key", 500, no_rfc6750_error, condition::invalid_configuration},
        {12, "signing_failed", "signing failed", 500, no_rfc6750_error, condition::invalid_configuration},
        {13, "mixed_key_set", "the key set mixes secret and public keys", 500, no_rfc6750_error, condition::invalid_configuration},
        {14, "key_generation_failed", "key generation failed", 500, no_rfc6750_error, condition::invalid_configuration},
    };
};

template<>
struct error_table<token_error>
{
    static constexpr char const* category_name = "modelauth.token";
    static constexpr error_info rows[] = {
        {1, "token_expired", "the token has expired", 401, invalid_token, condition::unauthenticated},
        {2, "token_not_yet_valid", "the token is not valid yet", 401, invalid_token, condition::unauthenticated},
        {3, "issued_in_future", "the token is issued in the future", 401, invalid_token, condition::unauthenticated},
        {4, "missing_expiry", "the token has no expiry", 401, invalid_token, condition::unauthenticated},
        {5, "invalid_claim_type", "a token claim has the wrong type", 401, invalid_token, condition::unauthenticated},
        {6, "claim_out_of_range", "a token claim is out of range", 401, invalid_token, condition::unauthenticated},
        {7, "untrusted_issuer", "the token issuer is not trusted", 401, invalid_token, condition::unauthenticated},
        {8, "audience_mismatch", "the token is not meant for this audience", 401, invalid_token, condition::unauthenticated},
        {9, "type_mismatch", "the token type is not accepted", 401, invalid_token, condition::unauthenticated},
        {10, "lifetime_too_long", "the token lives too long", 401, invalid_token, condition::unauthenticated},
        {11, "token_revoked", "the token has been revoked", 401, invalid_token, condition::unauthenticated},
        {12, "token_inactive", "the token is not active", 401, invalid_token, condition::unauthenticated},
        {13, "malformed_api_key", "the API key is malformed", 401, invalid_token, condition::unauthenticated},
        {14, "api_key_checksum_mismatch", "the API key checksum does not match", 401, invalid_token, condition::unauthenticated},
        {15, "unknown_api_key", "the API key is not known", 401, invalid_token, condition::unauthenticated},
    };
};

template<>
struct error_table<credential_error>
{
    static constexpr char const* category_name = "modelauth.credential";
    static constexpr error_info rows[] = {
        {1, "missing_credentials", "the request has no credentials", 401, no_rfc6750_error, condition::unauthenticated},
        {2, "unsupported_scheme", "the authorization scheme is not supported", 401, no_rfc6750_error, condition::unauthenticated},
        {3, "malformed_authorization", "the Authorization header is malformed", 400, invalid_request, condition::bad_request},
        {4, "multiple_authorization_headers", "the request has more than one Authorization header", 400, invalid_request, condition::bad_request},
        {5, "multiple_credentials", "the request has credentials in more than one place", 400, invalid_request, condition::bad_request},
        {6, "credential_too_large", "the credential is too large", 401, invalid_token, condition::unauthenticated},
    };
};

template<>
struct error_table<policy_error>
{
    static constexpr char const* category_name = "modelauth.policy";
    static constexpr error_info rows[] = {
        {1, "missing_scope", "the token lacks the scope for this request", 403, insufficient_scope, condition::forbidden},
        {2, "binding_mismatch", "the token is bound to another resource", 403, insufficient_scope, condition::forbidden},
        {3, "class_forbidden", "this kind of token may not be used here", 403, insufficient_scope, condition::forbidden},
        {4, "inactive", "the token is not active", 401, invalid_token, condition::unauthenticated},
        // The same text as router_error::unknown_model: the answers must not differ.
        {5, "other_account", "no such model", 404, no_rfc6750_error, condition::not_found},
    };
};

template<>
struct error_table<lifecycle_error>
{
    static constexpr char const* category_name = "modelauth.lifecycle";
    static constexpr error_info rows[] = {
        {1, "invalid_credentials", "the email or password is wrong", 401, no_rfc6750_error, condition::unauthenticated},
        {2, "too_many_attempts", "too many failed attempts, retry later", 429, no_rfc6750_error, condition::too_many_requests},
        {3, "invalid_refresh_token", "the refresh token is not valid", 401, invalid_token, condition::unauthenticated},
        {4, "refresh_token_reused", "the refresh token was already used, its family is revoked", 401, invalid_token, condition::unauthenticated},
        {5, "invalid_ttl", "the lifetime is not a positive integer and one unit of s m h d", 400, invalid_request, condition::bad_request},
        {6, "invalid_request_body", "the request body or a parameter is not valid", 400, invalid_request, condition::bad_request},
        {7, "token_not_found", "no such token", 404, no_rfc6750_error, condition::not_found},
        {8, "permanent_token_quota", "the most permanent tokens allowed already exist", 409, no_rfc6750_error, condition::conflict},
        {9, "not_permitted", "this credential may not manage that resource", 403, no_rfc6750_error, condition::forbidden},
        {10, "unknown_model", "no such model", 404, no_rfc6750_error, condition::not_found},
        {11, "unknown_instance", "no such instance", 404, no_rfc6750_error, condition::not_found},
        {12, "unknown_space", "no such space", 404, no_rfc6750_error, condition::not_found},
        {13, "invalid_password_hash", "a stored password hash is not valid", 500, no_rfc6750_error, condition::invalid_configuration},
        {14, "storage_failure", "the change could not be stored", 503, no_rfc6750_error, condition::unavailable},
        {15, "random_failure", "no secret could be generated", 503, no_rfc6750_error, condition::unavailable},
        {16, "duplicate_token", "a token with that id or secret already exists", 409, no_rfc6750_error, condition::conflict},
        {17, "token_quota", "the most tokens allowed already exist", 409, no_rfc6750_error, condition::conflict},
    };
};

// Each row sits at index value - 1: checked at compile time, so a row can
// never be looked up under another code's value.
template<class Enum>
constexpr bool rows_are_dense() noexcept
{
    std::size_t i = 0;
    for(auto const& row : error_table<Enum>::rows)
        if(row.value != static_cast<int>(++i))
            return false;
    return true;
}

static_assert(rows_are_dense<router_error>(), "router_error table out of order");
static_assert(rows_are_dense<jose_error>(), "jose_error table out of order");
static_assert(rows_are_dense<key_error>(), "key_error table out of order");
static_assert(rows_are_dense<token_error>(), "token_error table out of order");
static_assert(rows_are_dense<credential_error>(), "credential_error table out of order");
static_assert(rows_are_dense<policy_error>(), "policy_error table out of order");
static_assert(rows_are_dense<lifecycle_error>(), "lifecycle_error table out of order");

template<class Enum>
constexpr error_info const* find_row(int value) noexcept
{
    constexpr auto count = static_cast<int>(std::size(error_table<Enum>::rows));
    if(value < 1 || value > count)
        return nullptr;
    return &error_table<Enum>::rows[value - 1];
}

template<class Enum>
class enum_category final : public std::error_category
{
public:
    constexpr enum_category() noexcept = default;

    char const* name() const noexcept override
    {
        return error_table<Enum>::category_name;
    }

    std::string message(int value) const override
    {
        auto const* row = find_row<Enum>(value);
        return row ? row->message : "unknown modelauth error";
    }

    std::error_condition default_error_condition(int value) const noexcept override
    {
        auto const* row = find_row<Enum>(value);
        if(! row)
            return std::error_condition(value, *this);
        return make_error_condition(row->cond);
    }
};

class condition_category_impl final : public std::error_category
{
public:
    constexpr condition_category_impl() noexcept = default;

    char const* name() const noexcept override
    {
        return "modelauth";
    }

    std::string message(int value) const override
    {
        switch(static_cast<condition>(value))
        {
        case condition::unauthenticated: return "the request is not authenticated";
        case condition::forbidden: return "the request is not allowed";
        case condition::not_found: return "the requested resource does not exist";
        case condition::bad_request: return "the request is malformed";
        case condition::redirect: return "the request must be redirected";
        case condition::invalid_configuration: return "the server configuration is invalid";
        case condition::conflict: return "the request conflicts with the current state";
        case condition::too_many_requests: return "too many requests";
        case condition::unavailable: return "the service is unavailable";
        }
        return "unknown modelauth condition";
    }
};

// Namespace-scope inline objects with constexpr constructors are constant-
// initialized: reading them needs no guard, unlike a function-local static,
// so matching a code's category costs one address comparison.
template<class Enum>
inline enum_category<Enum> const category_instance{};

inline condition_category_impl const condition_category_instance{};

template<class Enum>
constexpr std::error_category const& category_of() noexcept
{
    return category_instance<Enum>;
}

template<class... Enums>
struct error_enums
{
    static error_info const* find(std::error_code const& ec) noexcept
    {
        error_info const* row = nullptr;
        // Fold over the enums: the first one whose category matches answers.
        (void)((ec.category() == category_of<Enums>()
                    ? (row = find_row<Enums>(ec.value()), true)
                    : false) || ...);
        return row;
    }
};

using all_error_enums = error_enums<
    router_error, jose_error, key_error, token_error, credential_error, policy_error,
    lifecycle_error>;

inline error_info const* find_info(std::error_code const& ec) noexcept
{
    return all_error_enums::find(ec);
}

} // namespace detail

inline std::error_category const& condition_category() noexcept
{
    return detail::condition_category_instance;
}

inline std::error_category const& router_category() noexcept
{
    return detail::category_of<router_error>();
}

inline std::error_category const& jose_category() noexcept
{
    return detail::category_of<jose_error>();
}

inline std::error_category const& key_category() noexcept
{
    return detail::category_of<key_error>();
}

inline std::error_category const& token_category() noexcept
{
    return detail::category_of<token_error>();
}

inline std::error_category const& credential_category() noexcept
{
    return detail::category_of<credential_error>();
}

inline std::error_category const& policy_category() noexcept
{
    return detail::category_of<policy_error>();
}

inline std::error_category const& lifecycle_category() noexcept
{
    return detail::category_of<lifecycle_error>();
}

inline std::error_condition make_error_condition(condition c) noexcept
{
    return std::error_condition(static_cast<int>(c), condition_category());
}

inline std::error_code make_error_code(router_error e) noexcept
{
    return std::error_code(static_cast<int>(e), router_category());
}

inline std::error_code make_error_code(jose_error e) noexcept
{
    return std::error_code(static_cast<int>(e), jose_category());
}

inline std::error_code make_error_code(key_error e) noexcept
{
    return std::error_code(static_cast<int>(e), key_category());
}

inline std::error_code make_error_code(token_error e) noexcept
{
    return std::error_code(static_cast<int>(e), token_category());
}

inline std::error_code make_error_code(credential_error e) noexcept
{
    return std::error_code(static_cast<int>(e), credential_category());
}

inline std::error_code make_error_code(policy_error e) noexcept
{
    return std::error_code(static_cast<int>(e), policy_category());
}

inline std::error_code make_error_code(lifecycle_error e) noexcept
{
    return std::error_code(static_cast<int>(e), lifecycle_category());
}

inline unsigned http_status(std::error_code const& ec) noexcept
{
    auto const* row = detail::find_info(ec);
    return row ? row->status : 500;
}

inline std::string_view rfc6750_error(std::error_code const& ec) noexcept
{
    auto const* row = detail::find_info(ec);
    return row ? row->rfc6750 : std::string_view{};
}

inline bool needs_bearer_challenge(std::error_code const& ec) noexcept
{
    auto const* row = detail::find_info(ec);
    // A credential the request carries wrongly (malformed, twice, in two
    // places) is an RFC 6750 `invalid_request` of the Bearer scheme: it is
    // challenged like any other authentication failure. A bad body or
    // parameter of an API call is not.
    return row
        && (row->cond == condition::unauthenticated
            || row->rfc6750 == detail::insufficient_scope
            || (row->rfc6750 == detail::invalid_request
                && ec.category() == detail::category_of<credential_error>()));
}

inline std::string_view error_name(std::error_code const& ec) noexcept
{
    auto const* row = detail::find_info(ec);
    return row ? row->name : std::string_view("unknown");
}

} // namespace v0
} // namespace modelauth

#endif
