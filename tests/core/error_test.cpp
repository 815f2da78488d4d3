//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/error.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/router/error.hpp>
#include <modelauth/tokens/error.hpp>
#include <modelauth/validation/error.hpp>
#include <modelauth/validation/remote_keys.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

namespace ma = modelauth;

namespace {

// The expected meaning of every code, written out independently of the
// library's own table: a change to either one fails a row here.
struct expected_mapping
{
    std::error_code code;
    char const* name;
    unsigned status;
    char const* rfc6750;
    ma::condition cond;
    bool challenge;
};

using C = ma::condition;

std::vector<expected_mapping> const mappings = {
    // router::error
    {ma::router::error::target_too_long, "target_too_long", 414, "", C::bad_request, false},
    {ma::router::error::not_origin_form, "not_origin_form", 400, "", C::bad_request, false},
    {ma::router::error::empty_segment, "empty_segment", 400, "", C::bad_request, false},
    {ma::router::error::dot_segment, "dot_segment", 400, "", C::bad_request, false},
    {ma::router::error::percent_encoded_slash, "percent_encoded_slash", 400, "", C::bad_request, false},
    {ma::router::error::backslash, "backslash", 400, "", C::bad_request, false},
    {ma::router::error::invalid_percent_escape, "invalid_percent_escape", 400, "", C::bad_request, false},
    {ma::router::error::percent_encoded_percent, "percent_encoded_percent", 400, "", C::bad_request, false},
    {ma::router::error::control_character, "control_character", 400, "", C::bad_request, false},
    {ma::router::error::non_ascii, "non_ascii", 400, "", C::bad_request, false},
    {ma::router::error::invalid_character, "invalid_character", 400, "", C::bad_request, false},
    {ma::router::error::encoded_delimiter, "encoded_delimiter", 400, "", C::bad_request, false},
    {ma::router::error::invalid_model_name, "invalid_model_name", 400, "", C::bad_request, false},
    {ma::router::error::invalid_version, "invalid_version", 400, "", C::bad_request, false},
    {ma::router::error::outside_mount_root, "outside_mount_root", 404, "", C::not_found, false},
    {ma::router::error::unknown_prefix, "unknown_prefix", 404, "", C::not_found, false},
    {ma::router::error::unknown_model, "unknown_model", 404, "", C::not_found, false},
    {ma::router::error::unknown_version, "unknown_version", 404, "", C::not_found, false},
    {ma::router::error::unexpected_segment, "unexpected_segment", 404, "", C::not_found, false},
    {ma::router::error::missing_trailing_slash, "missing_trailing_slash", 308, "", C::redirect, false},
    {ma::router::error::trailing_slash_required, "trailing_slash_required", 404, "", C::not_found, false},

    // jose::error
    {ma::jose::error::token_too_large, "token_too_large", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::header_too_large, "header_too_large", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::malformed_compact_serialization, "malformed_compact_serialization", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::encrypted_token_not_supported, "encrypted_token_not_supported", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::json_serialization_not_supported, "json_serialization_not_supported", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::invalid_base64url, "invalid_base64url", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::invalid_json, "invalid_json", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::json_too_deep, "json_too_deep", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::duplicate_json_member, "duplicate_json_member", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::not_a_json_object, "not_a_json_object", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::missing_algorithm, "missing_algorithm", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::algorithm_none, "algorithm_none", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::unsupported_algorithm, "unsupported_algorithm", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::invalid_header_parameter, "invalid_header_parameter", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::unknown_critical_header, "unknown_critical_header", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::unknown_key, "unknown_key", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::key_algorithm_mismatch, "key_algorithm_mismatch", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::empty_signature, "empty_signature", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::invalid_signature_length, "invalid_signature_length", 401, "invalid_token", C::unauthenticated, true},
    {ma::jose::error::signature_mismatch, "signature_mismatch", 401, "invalid_token", C::unauthenticated, true},

    // jose::key_error
    {ma::jose::key_error::invalid_pem, "invalid_pem", 500, "", C::invalid_configuration, false},
    {ma::jose::key_error::invalid_jwk, "invalid_jwk", 500, "", C::invalid_configuration, false},
    {ma::jose::key_error::invalid_jwks, "invalid_jwks", 500, "", C::invalid_configuration, false},
    {ma::jose::key_error::unsupported_key_type, "unsupported_key_type", 500, "", C::invalid_configuration, false},
    {ma::jose::key_error::unsupported_algorithm, "unsupported_algorithm", 500, "", C::invalid_configuration, false},
    {ma::jose::key_error::algorithm_key_mismatch, "algorithm_key_mismatch", 500, "", C::invalid_configuration, false},
    {ma::jose::key_error::weak_key, "weak_key", 500, "", C::invalid_configuration, false},
    {ma::jose::key_error::empty_key, "empty_key", 500, "", C::invalid_configuration, false},
    {ma::jose::key_error::key_use_mismatch, "key_use_mismatch", 500, "", C::invalid_configuration, false},
    {ma::jose::key_error::duplicate_key_id, "duplicate_key_id", 500, "", C::invalid_configuration, false},
    {ma::jose::key_error::not_a_private_key, "not_a_private_key", 500, "", C::invalid_configuration, false},
    {ma::jose::key_error::signing_failed, "signing_failed", 500, "", C::invalid_configuration, false},
    {ma::jose::key_error::mixed_key_set, "mixed_key_set", 500, "", C::invalid_configuration, false},
    {ma::jose::key_error::key_generation_failed, "key_generation_failed", 500, "", C::invalid_configuration, false},

    // validation::error
    {ma::validation::error::token_expired, "token_expired", 401, "invalid_token", C::unauthenticated, true},
    {ma::validation::error::token_not_yet_valid, "token_not_yet_valid", 401, "invalid_token", C::unauthenticated, true},
    {ma::validation::error::issued_in_future, "issued_in_future", 401, "invalid_token", C::unauthenticated, true},
    {ma::validation::error::missing_expiry, "missing_expiry", 401, "invalid_token", C::unauthenticated, true},
    {ma::validation::error::invalid_claim_type, "invalid_claim_type", 401, "invalid_token", C::unauthenticated, true},
    {ma::validation::error::claim_out_of_range, "claim_out_of_range", 401, "invalid_token", C::unauthenticated, true},
    {ma::validation::error::untrusted_issuer, "untrusted_issuer", 401, "invalid_token", C::unauthenticated, true},
    {ma::validation::error::audience_mismatch, "audience_mismatch", 401, "invalid_token", C::unauthenticated, true},
    {ma::validation::error::type_mismatch, "type_mismatch", 401, "invalid_token", C::unauthenticated, true},
    {ma::validation::error::lifetime_too_long, "lifetime_too_long", 401, "invalid_token", C::unauthenticated, true},
    {ma::validation::error::token_revoked, "token_revoked", 401, "invalid_token", C::unauthenticated, true},
    {ma::validation::error::token_inactive, "token_inactive", 401, "invalid_token", C::unauthenticated, true},
    {ma::validation::error::malformed_api_key, "malformed_api_key", 401, "invalid_token", C::unauthenticated, true},
    {ma::validation::error::api_key_checksum_mismatch, "api_key_checksum_mismatch", 401, "invalid_token", C::unauthenticated, true},
    {ma::validation::error::unknown_api_key, "unknown_api_key", 401, "invalid_token", C::unauthenticated, true},
    {ma::validation::error::missing_account, "missing_account", 401, "invalid_token", C::unauthenticated, true},
    // validation::fetch_error: a key fetch's failures, never a request's answer
    {ma::validation::fetch_error::invalid_url, "invalid_url", 500, "", C::invalid_configuration, false},
    {ma::validation::fetch_error::unreachable, "unreachable", 503, "", C::unavailable, false},
    {ma::validation::fetch_error::timeout, "timeout", 503, "", C::unavailable, false},
    {ma::validation::fetch_error::tls_failure, "tls_failure", 503, "", C::unavailable, false},
    {ma::validation::fetch_error::redirect_refused, "redirect_refused", 503, "", C::unavailable, false},
    {ma::validation::fetch_error::bad_status, "bad_status", 503, "", C::unavailable, false},
    {ma::validation::fetch_error::body_too_large, "body_too_large", 503, "", C::unavailable, false},
    {ma::validation::fetch_error::bad_response, "bad_response", 503, "", C::unavailable, false},
    {ma::validation::fetch_error::invalid_discovery_document, "invalid_discovery_document", 503, "", C::unavailable, false},
    {ma::validation::fetch_error::issuer_mismatch, "issuer_mismatch", 503, "", C::unavailable, false},
    {ma::validation::fetch_error::invalid_jwks, "invalid_jwks", 503, "", C::unavailable, false},
    {ma::validation::fetch_error::no_usable_keys, "no_usable_keys", 503, "", C::unavailable, false},
    {ma::validation::fetch_error::secret_in_jwks, "secret_in_jwks", 503, "", C::unavailable, false},

    // http::error: H1 and H10 answer a bare challenge without error=.
    // contract: the 400s of a malformed credential carry a challenge with
    // error="invalid_request" (api.md, General rules).
    {ma::http::error::missing_credentials, "missing_credentials", 401, "", C::unauthenticated, true},
    {ma::http::error::unsupported_scheme, "unsupported_scheme", 401, "", C::unauthenticated, true},
    {ma::http::error::malformed_authorization, "malformed_authorization", 400, "invalid_request", C::bad_request, true},
    {ma::http::error::multiple_authorization_headers, "multiple_authorization_headers", 400, "invalid_request", C::bad_request, true},
    {ma::http::error::multiple_credentials, "multiple_credentials", 400, "invalid_request", C::bad_request, true},
    {ma::http::error::credential_too_large, "credential_too_large", 401, "invalid_token", C::unauthenticated, true},

    // policy::error
    {ma::policy::error::missing_scope, "missing_scope", 403, "insufficient_scope", C::forbidden, true},
    {ma::policy::error::binding_mismatch, "binding_mismatch", 403, "insufficient_scope", C::forbidden, true},
    {ma::policy::error::class_forbidden, "class_forbidden", 403, "insufficient_scope", C::forbidden, true},
    {ma::policy::error::inactive, "inactive", 401, "invalid_token", C::unauthenticated, true},
    {ma::policy::error::other_account, "other_account", 404, "", C::not_found, false},

    // tokens::error: a failed login answers a bare challenge; the store's
    // failures are the server's, never a 500.
    {ma::tokens::error::invalid_credentials, "invalid_credentials", 401, "", C::unauthenticated, true},
    {ma::tokens::error::too_many_attempts, "too_many_attempts", 429, "", C::too_many_requests, false},
    {ma::tokens::error::invalid_refresh_token, "invalid_refresh_token", 401, "invalid_token", C::unauthenticated, true},
    {ma::tokens::error::refresh_token_reused, "refresh_token_reused", 401, "invalid_token", C::unauthenticated, true},
    {ma::tokens::error::invalid_ttl, "invalid_ttl", 400, "invalid_request", C::bad_request, false},
    {ma::tokens::error::invalid_request_body, "invalid_request_body", 400, "invalid_request", C::bad_request, false},
    {ma::tokens::error::token_not_found, "token_not_found", 404, "", C::not_found, false},
    {ma::tokens::error::permanent_token_quota, "permanent_token_quota", 409, "", C::conflict, false},
    {ma::tokens::error::not_permitted, "not_permitted", 403, "", C::forbidden, false},
    {ma::tokens::error::unknown_model, "unknown_model", 404, "", C::not_found, false},
    {ma::tokens::error::unknown_instance, "unknown_instance", 404, "", C::not_found, false},
    {ma::tokens::error::unknown_space, "unknown_space", 404, "", C::not_found, false},
    {ma::tokens::error::invalid_password_hash, "invalid_password_hash", 500, "", C::invalid_configuration, false},
    {ma::tokens::error::storage_failure, "storage_failure", 503, "", C::unavailable, false},
    {ma::tokens::error::random_failure, "random_failure", 503, "", C::unavailable, false},
    {ma::tokens::error::duplicate_token, "duplicate_token", 409, "", C::conflict, false},
    {ma::tokens::error::token_quota, "token_quota", 409, "", C::conflict, false},
};

std::vector<ma::condition> const all_conditions = {
    C::unauthenticated, C::forbidden, C::not_found, C::bad_request, C::redirect,
    C::invalid_configuration, C::conflict, C::too_many_requests, C::unavailable};

// RFC 6750 section 3: error_description = 1*( %x20-21 / %x23-5B / %x5D-7E )
bool is_rfc6750_description(std::string const& text)
{
    if(text.empty())
        return false;
    for(unsigned char c : text)
        if(c < 0x20 || c > 0x7E || c == '"' || c == '\\')
            return false;
    return true;
}

} // namespace

TEST_CASE("every error code maps to its HTTP status, RFC 6750 error, name and condition")
{
    for(auto const& m : mappings)
    {
        CAPTURE(m.name);
        CHECK(ma::http_status(m.code) == m.status);
        CHECK(ma::rfc6750_error(m.code) == std::string_view(m.rfc6750));
        CHECK(ma::error_name(m.code) == std::string_view(m.name));
        CHECK(ma::needs_bearer_challenge(m.code) == m.challenge);
        CHECK(m.code == m.cond);
        CHECK(m.code.default_error_condition() == ma::make_error_condition(m.cond));
        for(auto other : all_conditions)
            if(other != m.cond)
                CHECK(m.code != other);
    }
}

TEST_CASE("the mapping table above covers every enumerator of every category")
{
    // Each category's codes are dense from 1; the value after the last one is
    // unknown. If an enumerator is added without a row here, this fails.
    struct span
    {
        std::error_category const* category;
        int count;
    };
    std::vector<span> spans = {
        {&ma::router::error_category(), 21},     {&ma::jose::error_category(), 20},
        {&ma::jose::key_error_category(), 14},        {&ma::validation::error_category(), 16},
        {&ma::validation::fetch_error_category(), 13},
        {&ma::http::error_category(), 6}, {&ma::policy::error_category(), 5},
        {&ma::tokens::error_category(), 17}};
    std::size_t total = 0;
    for(auto const& s : spans)
    {
        CAPTURE(s.category->name());
        for(int v = 1; v <= s.count; ++v)
            CHECK(ma::error_name(std::error_code(v, *s.category)) != "unknown");
        CHECK(ma::error_name(std::error_code(s.count + 1, *s.category)) == "unknown");
        CHECK(ma::error_name(std::error_code(0, *s.category)) == "unknown");
        total += static_cast<std::size_t>(s.count);
    }
    CHECK(total == mappings.size());
}

TEST_CASE("each category is distinct and has its own name")
{
    std::vector<std::error_category const*> categories = {
        &ma::condition_category(), &ma::router::error_category(), &ma::jose::error_category(),
        &ma::jose::key_error_category(),       &ma::validation::error_category(),  &ma::http::error_category(),
        &ma::policy::error_category(),    &ma::tokens::error_category(), &ma::validation::fetch_error_category()};
    std::set<std::string> names;
    for(std::size_t i = 0; i < categories.size(); ++i)
    {
        names.insert(categories[i]->name());
        for(std::size_t j = 0; j < categories.size(); ++j)
            CHECK((*categories[i] == *categories[j]) == (i == j));
    }
    CHECK(names.size() == categories.size());
    CHECK(std::string(ma::router::error_category().name()) == "modelauth.router");
    CHECK(std::string(ma::condition_category().name()) == "modelauth");
    // The same code value in two categories is two different errors.
    CHECK(std::error_code(ma::router::error::target_too_long)
          != std::error_code(ma::jose::error::token_too_large));
}

TEST_CASE("messages are safe for an RFC 6750 error_description")
{
    for(auto const& m : mappings)
    {
        CAPTURE(m.name);
        CHECK(is_rfc6750_description(m.code.message()));
    }
    for(auto c : all_conditions)
        CHECK(is_rfc6750_description(ma::make_error_condition(c).message()));
}

TEST_CASE("codes of other categories and unknown values map to safe defaults")
{
    std::error_code foreign = std::make_error_code(std::errc::invalid_argument);
    CHECK(ma::http_status(foreign) == 500);
    CHECK(ma::rfc6750_error(foreign).empty());
    CHECK(ma::error_name(foreign) == "unknown");
    CHECK_FALSE(ma::needs_bearer_challenge(foreign));
    CHECK(foreign != ma::condition::unauthenticated);

    std::error_code unknown(999, ma::jose::error_category());
    CHECK(ma::http_status(unknown) == 500);
    CHECK(unknown.message() == "unknown modelauth error");
    CHECK(unknown != ma::condition::unauthenticated);

    CHECK(ma::make_error_condition(static_cast<ma::condition>(99)).message()
          == "unknown modelauth condition");
    CHECK(ma::http_status(std::error_code{}) == 500);
}

TEST_CASE("result<T> carries a value or a modelauth error code")
{
    auto parse = [](bool ok) -> ma::result<int> {
        if(! ok)
            return ma::router::error::dot_segment;
        return 42;
    };
    auto good = parse(true);
    REQUIRE(good.has_value());
    CHECK(*good == 42);

    auto bad = parse(false);
    REQUIRE(bad.has_error());
    CHECK(bad.error() == ma::router::error::dot_segment);
    CHECK(bad.error() == ma::condition::bad_request);
    CHECK_THROWS_AS(bad.value(), std::system_error);
}
