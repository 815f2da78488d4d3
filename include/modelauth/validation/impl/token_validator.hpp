//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_IMPL_TOKEN_VALIDATOR_HPP
#define MODELAUTH_VALIDATION_IMPL_TOKEN_VALIDATOR_HPP

#include <modelauth/jose/base64url.hpp>
#include <modelauth/jose/detail/json_scan.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/validation/detail/principal_pool.hpp>
#include <modelauth/validation/error.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include <algorithm>

namespace modelauth {
inline namespace v0 {
namespace validation {
namespace detail {

// The last header this thread read, and what it said. Tokens signed by one
// key share one header text, so a validator usually reads the same header
// again and again: the memo turns that into one comparison. It holds only
// headers that passed every check, keyed by their exact base64url text and
// by the limits they were checked under.
struct jws_header_memo
{
    std::string text;
    std::size_t max_header_bytes = 0;
    std::size_t max_json_depth = 0;
    jose::detail::header_fields fields;
    std::string kid;
    std::string typ;
};

inline result<jose::detail::header_fields const*> read_jws_header(std::string_view header_b64,
                                                                  jose::jws_limits const& limits)
{
    thread_local jws_header_memo memo;
    if(! memo.text.empty() && header_b64 == memo.text && limits.max_header_bytes == memo.max_header_bytes
       && limits.max_json_depth == memo.max_json_depth)
        return &memo.fields;

    if(header_b64.size() % 4 == 1)
        return jose::error::invalid_base64url;
    auto const size = jose::base64url_decoded_size(header_b64.size());
    if(size > limits.max_header_bytes)
        return jose::error::header_too_large;
    // Decoded on the stack for usual sizes; a larger configured limit uses the heap.
    unsigned char stack_bytes[1024];
    std::string heap_bytes;
    unsigned char* bytes = stack_bytes;
    if(size > sizeof stack_bytes)
    {
        heap_bytes.resize(size);
        bytes = reinterpret_cast<unsigned char*>(heap_bytes.data());
    }
    auto decoded = jose::base64url_decode(header_b64, bytes, size);
    if(! decoded)
        return decoded.error();
    auto fields = jose::detail::scan_jws_header(
        std::string_view(reinterpret_cast<char const*>(bytes), *decoded), limits.max_json_depth);
    if(! fields)
        return fields.error();

    memo.text.clear(); // not valid while it is being filled
    memo.kid.assign(fields->kid ? *fields->kid : std::string_view{});
    memo.typ.assign(fields->typ ? *fields->typ : std::string_view{});
    memo.fields.alg = fields->alg;
    memo.fields.kid = fields->kid ? std::optional<std::string_view>(memo.kid) : std::nullopt;
    memo.fields.typ = fields->typ ? std::optional<std::string_view>(memo.typ) : std::nullopt;
    memo.max_header_bytes = limits.max_header_bytes;
    memo.max_json_depth = limits.max_json_depth;
    memo.text.assign(header_b64.data(), header_b64.size());
    return &memo.fields;
}


// The string member `name` of a claims object already checked as strict
// JSON, or empty when it is absent; `invalid_claim_type` when it is not a
// string. Parses the claims again: only for an issuer whose account claim
// is not the scanned `account`, once per token (the cache keeps the result).
inline result<std::string> string_member(std::string_view claims_json, std::string const& name, std::size_t max_depth)
{
    boost::json::parse_options options;
    options.max_depth = max_depth;
    boost::system::error_code ec;
    auto const value = boost::json::parse(boost::json::string_view(claims_json.data(), claims_json.size()), ec,
                                          boost::json::storage_ptr(), options);
    if(ec || ! value.is_object())
        return validation::error::invalid_claim_type;
    auto const* member = value.get_object().if_contains(name);
    if(member == nullptr)
        return std::string();
    if(! member->is_string())
        return validation::error::invalid_claim_type;
    return std::string(member->get_string().data(), member->get_string().size());
}

} // namespace detail

template<class Clock>
basic_token_validator<Clock>::basic_token_validator(std::vector<trusted_issuer> issuers,
                                      token_validator_options options,
                                      std::shared_ptr<TokenStore const> store,
                                      Clock clock)
    : options_(std::move(options))
    , store_(std::move(store))
    , clock_(std::move(clock))
    , issuers_(check_issuers(std::move(issuers)))
    , cache_(options_.cache)
{
    if(! is_valid_api_key_prefix(options_.api_key_prefix))
        throw configuration_error("api_key_prefix", "must be 1 to 16 characters of [a-z0-9]");
    if(options_.limits.max_token_bytes == 0 || options_.limits.max_header_bytes == 0)
        throw configuration_error("limits", "token and header limits must be positive");
}

template<class Clock>
auto basic_token_validator<Clock>::check_issuers(std::vector<trusted_issuer> issuers)
    -> std::shared_ptr<issuer_table const>
{
    auto table = std::make_shared<issuer_table>();
    table->reserve(issuers.size());
    for(std::size_t i = 0; i < issuers.size(); ++i)
    {
        auto field = [i](char const* name) {
            return "trusted_issuers[" + std::to_string(i) + "]." + name;
        };
        auto& config = issuers[i];
        if(config.issuer.empty())
            throw configuration_error(field("issuer"), "must not be empty");
        for(auto const& entry : *table)
            if(entry.config.issuer == config.issuer)
                throw configuration_error(field("issuer"), "is listed twice: " + config.issuer);
        if(config.keys.size() == 0 && ! config.remote_keys)
            throw configuration_error(field("keys"), "has no key");
        if(config.leeway.count() < 0)
            throw configuration_error(field("leeway"), "must not be negative");
        if(config.max_lifetime && config.max_lifetime->count() <= 0)
            throw configuration_error(field("max_lifetime"), "must be positive");
        for(auto const& audience : config.audiences)
            if(audience.empty())
                throw configuration_error(field("audiences"), "must not hold an empty audience");
        if(config.account_claim && config.account_claim->empty())
            throw configuration_error(field("account_claim"), "must name a claim");
        if(config.account_required && ! config.account_claim)
            throw configuration_error(field("account_required"), "needs an account_claim");
        claim_rules rules;
        rules.require_expiry = config.require_expiry;
        rules.leeway = config.leeway;
        rules.max_lifetime = config.max_lifetime;
        rules.audiences = config.audiences;
        table->push_back({std::move(config), std::move(rules)});
    }
    return table;
}

template<class Clock>
std::uint64_t basic_token_validator<Clock>::current_epoch() const noexcept
{
    return store_ ? store_->epoch() : 0;
}

template<class Clock>
std::uint64_t basic_token_validator<Clock>::current_grant_epoch() const noexcept
{
    return store_ ? store_->grant_epoch() : 0;
}

template<class Clock>
result<principal_ptr> basic_token_validator<Clock>::validate(std::string_view credential) const
{
    return from_cache_or(credential, ! has_api_key_prefix(credential, options_.api_key_prefix));
}

template<class Clock>
result<principal_ptr> basic_token_validator<Clock>::validate_jwt(std::string_view token) const
{
    return from_cache_or(token, true);
}

template<class Clock>
result<principal_ptr> basic_token_validator<Clock>::validate_api_key(std::string_view key) const
{
    return from_cache_or(key, false);
}

template<class Clock>
result<principal_ptr> basic_token_validator<Clock>::from_cache_or(std::string_view credential, bool jwt) const
{
    // The store's epochs and the cache's generation are read before the
    // credential is verified: a revocation, a new token, a key or an issuer
    // change published after this point makes whatever this call caches
    // stale at once (security review F1: the generation read at insert time
    // would stamp an entry verified with retired keys as current).
    auto const epoch = current_epoch();
    auto const now = clock_.now();
    if(auto hit = cache_.find(credential, now, epoch))
    {
        // A JWT entry and an API key entry never share a credential: the
        // prefix decides the kind, so a hit is always of the requested kind.
        if(hit->principal && (hit->principal->kind == credential_kind::jwt) == jwt)
            return std::move(hit->principal);
        // A failure holds until a token is added or activated (a key tried
        // before it was created works as soon as it exists).
        if(! hit->principal && hit->grants == current_grant_epoch())
            return hit->error;
    }
    auto const stamp = cache_.stamp_for(epoch, current_grant_epoch());
    auto validated = jwt ? verify_jwt(credential, now, stamp) : verify_api_key(credential, now, stamp);
    if(! validated)
        cache_.insert_failure(credential, validated.error(), now, stamp);
    return validated;
}

template<class Clock>
result<principal_ptr> basic_token_validator<Clock>::verify_jwt(
    std::string_view token, std::chrono::system_clock::time_point now, cache_stamp stamp) const
{
    auto const& limits = options_.limits;
    auto parts = jose::split_compact_jws(token, limits);
    if(! parts)
        return parts.error();

    auto header = detail::read_jws_header(parts->header, limits);
    if(! header)
        return header.error();

    // The claims are read before the signature is checked only to learn the
    // issuer, whose keys verify it; nothing else of them is trusted before.
    // Their text goes to the Principal, which builds a JSON object from it
    // only if the application asks.
    if(parts->payload.size() % 4 == 1)
        return jose::error::invalid_base64url;
    // The principal is taken first so that the claims are decoded straight
    // into its (possibly reused) claims buffer.
    auto principal = detail::principal_recycling::acquire();
    std::string claims_json = detail::principal_recycling::take_claims_buffer(*principal);
    claims_json.resize(jose::base64url_decoded_size(parts->payload.size()));
    auto decoded_claims = jose::base64url_decode(
        parts->payload, reinterpret_cast<unsigned char*>(claims_json.data()), claims_json.size());
    if(! decoded_claims)
        return decoded_claims.error();
    // The scanned claims live in a per-thread set: it is 2 KiB of small
    // vectors that each scan resets anyway, and nothing of it outlives this
    // call (the Principal copies what it keeps).
    thread_local detail::claim_set claims;
    auto scanned = jose::detail::scan_json_members(claims_json, detail::claim_members, claims,
                                                   limits.max_json_depth, jose::detail::thread_claims_buffers());
    if(! scanned)
        return scanned.error();

    auto const& iss = claims[detail::claim_iss];
    if(! iss.present())
        return validation::error::untrusted_issuer;
    if(! iss.is_string())
        return validation::error::invalid_claim_type;

    auto const* const issuers = issuers_.load_cached();
    auto const entry = std::find_if(issuers->begin(), issuers->end(),
                                    [&](issuer_entry const& e) { return e.config.issuer == iss.string; });
    if(entry == issuers->end())
        return validation::error::untrusted_issuer;
    auto const& trusted = entry->config;

    auto const alg = (*header)->alg;
    if(! trusted.algorithms.empty()
       && std::find(trusted.algorithms.begin(), trusted.algorithms.end(), alg) == trusted.algorithms.end())
        return jose::error::unsupported_algorithm;

    auto const& kid = (*header)->kid;
    jose::key const* key = kid ? trusted.keys.find(*kid) : trusted.keys.only_key();
    if(! key)
    {
        // A provider's new key may be newer than the keys in force: its
        // source is told (it decides whether to fetch; this thread never
        // waits on the network).
        if(trusted.remote_keys)
            if(auto const listener = key_miss_.load(); listener && *listener)
                (*listener)(trusted.issuer);
        return jose::error::unknown_key;
    }
    if(key->alg() != alg)
        return jose::error::key_algorithm_mismatch;
    auto verified = jose::verify_jws_signature(*parts, *key);
    if(! verified)
        return verified.error();

    if(trusted.required_type)
    {
        auto const& typ = (*header)->typ;
        if(! typ || ! media_type_matches(*typ, *trusted.required_type))
            return validation::error::type_mismatch;
    }
    auto checked = detail::check_claims(claims, entry->rules, now);
    if(! checked)
        return checked.error();

    auto sub = detail::optional_string(claims[detail::claim_sub]);
    if(! sub)
        return sub.error();
    auto jti = detail::optional_string(claims[detail::claim_jti]);
    if(! jti)
        return jti.error();
    if(store_ && ! jti->empty() && store_->is_revoked(*jti))
        return validation::error::token_revoked;
    auto scopes = detail::scopes_into(claims, principal->scopes);
    if(! scopes)
        return scopes.error();
    auto bindings = detail::bindings_into(claims, principal->cls, principal->bindings);
    if(! bindings)
        return bindings.error();
    // The account is read from the claim the issuer names (an outside
    // provider's tenant claim), or from none.
    if(! trusted.account_claim)
        principal->bindings.account.clear();
    else if(*trusted.account_claim != "account")
    {
        auto account = detail::string_member(claims_json, *trusted.account_claim, limits.max_json_depth);
        if(! account)
            return account.error();
        principal->bindings.account = std::move(*account);
    }
    if(trusted.account_required && principal->bindings.account.empty())
        return validation::error::missing_account;

    principal->subject.assign(sub->data(), sub->size());
    principal->issuer.assign(trusted.issuer);
    principal->token_id.assign(jti->data(), jti->size());
    principal->expires_at = checked->expires_at;
    principal->issued_at = checked->issued_at;
    principal->kind = credential_kind::jwt;
    principal->set_checked_claims_json(std::move(claims_json), limits.max_json_depth);

    auto shared = detail::principal_recycling::share(std::move(principal));
    cache_.insert(token, shared, checked->valid_until, stamp);
    return shared;
}

template<class Clock>
result<principal_ptr> basic_token_validator<Clock>::verify_api_key(
    std::string_view key, std::chrono::system_clock::time_point now, cache_stamp stamp) const
{
    auto checked = check_api_key(key, options_.api_key_prefix);
    if(! checked)
        return checked.error();
    if(! store_)
        return validation::error::unknown_api_key;
    auto const stored = store_->find_by_secret(hash_secret(key));
    if(! stored)
        return validation::error::unknown_api_key;
    if(! stored->active)
        return validation::error::token_inactive;
    if(stored->expires && now >= *stored->expires)
        return validation::error::token_expired;
    if(store_->is_revoked(stored->id))
        return validation::error::token_revoked;

    auto principal = std::make_shared<Principal>();
    principal->subject = stored->owner;
    principal->token_id = stored->id;
    principal->expires_at = stored->expires;
    principal->issued_at = stored->created;
    principal->scopes = stored->scopes;
    principal->cls = stored->cls;
    principal->bindings = stored->bindings;
    principal->kind = credential_kind::api_key;

    auto const valid_until = stored->expires ? *stored->expires : std::chrono::system_clock::time_point::max();
    principal_ptr shared = std::move(principal);
    cache_.insert(key, shared, valid_until, stamp);
    return shared;
}

template<class Clock>
void basic_token_validator<Clock>::set_trusted_issuers(std::vector<trusted_issuer> issuers)
{
    issuers_.store(check_issuers(std::move(issuers)));
    cache_.clear();
}

template<class Clock>
void basic_token_validator<Clock>::on_unknown_key(std::function<void(std::string_view issuer)> listener)
{
    key_miss_.store(std::make_shared<key_miss_listener const>(std::move(listener)));
}

template<class Clock>
bool basic_token_validator<Clock>::trusts(std::string_view issuer) const
{
    auto const issuers = issuers_.load();
    return std::any_of(issuers->begin(), issuers->end(),
                       [&](issuer_entry const& e) { return e.config.issuer == issuer; });
}

template<class Clock>
void basic_token_validator<Clock>::set_issuer_keys(std::string_view issuer, jose::key_set keys)
{
    if(keys.size() == 0)
        throw configuration_error("keys", "has no key");
    bool found = false;
    issuers_.update([&](std::shared_ptr<issuer_table const> const& current) {
        auto next = std::make_shared<issuer_table>(*current);
        found = false;
        for(auto& entry : *next)
            if(entry.config.issuer == issuer)
            {
                entry.config.keys = keys;
                found = true;
            }
        return std::shared_ptr<issuer_table const>(std::move(next));
    });
    if(! found)
        throw configuration_error("issuer", "is not a trusted issuer: " + std::string(issuer));
    cache_.clear();
}

template<class Clock>
result<void> basic_token_validator<Clock>::set_issuer_jwks(std::string_view issuer, std::string_view jwks_text)
{
    // Keys without their own `alg` (Microsoft Entra ID publishes none) take
    // the issuer's one allowed algorithm, as at start-up (review F11).
    std::optional<jose::algorithm> default_alg;
    bool found = false;
    {
        auto const* issuers = issuers_.load_cached();
        for(auto const& entry : *issuers)
            if(entry.config.issuer == issuer)
            {
                found = true;
                if(entry.config.algorithms.size() == 1)
                    default_alg = entry.config.algorithms.front();
            }
    }
    if(! found)
        throw configuration_error("issuer", "is not a trusted issuer: " + std::string(issuer));
    auto keys = jose::key_set::from_jwks(jwks_text, default_alg);
    if(! keys)
        return keys.error();
    if(keys->size() == 0) // a set that verifies nothing never replaces one that does
        return jose::key_error::invalid_jwks;
    set_issuer_keys(issuer, std::move(*keys));
    return {};
}

} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
