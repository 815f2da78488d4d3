//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_IMPL_ISSUER_HPP
#define MODELAUTH_TOKENS_IMPL_ISSUER_HPP

#include <modelauth/detail/durable_file.hpp>
#include <modelauth/jose/base64url.hpp>
#include <modelauth/jose/json.hpp>
#include <modelauth/jose/jws.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/tokens/error.hpp>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {

// One signing key of an issuer: the private key, its public half as
// published (with the issuer's kid), and for a retired key the time until
// which it stays published.
struct issuer_key
{
    jose::key signing;
    jose::key published;
    std::chrono::system_clock::time_point retired_until{};
};

// Everything that changes on rotate and prune, published as one snapshot.
struct issuer_state
{
    issuer_key current;
    std::vector<issuer_key> retired; // most recently retired first
    jose::key_set public_keys;       // current.published, then each retired one
};

// The claims the issuer writes or the validator interprets: request.extra
// may not name them.
inline constexpr std::string_view issuer_claim_names[] = {
    "iss", "sub", "aud", "exp", "iat", "nbf", "jti", "cls",
    "scope", "scp", "model_id", "instance", "account", "space"};

inline bool is_issuer_claim(std::string_view name) noexcept
{
    for(auto const claim : issuer_claim_names)
        if(claim == name)
            return true;
    return false;
}

// RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
inline bool is_scope_token(std::string_view scope) noexcept
{
    if(scope.empty())
        return false;
    for(char const c : scope)
    {
        auto const u = static_cast<unsigned char>(c);
        if(u < 0x21 || u > 0x7E || u == 0x22 || u == 0x5C)
            return false;
    }
    return true;
}

inline std::int64_t unix_seconds(std::chrono::system_clock::time_point t) noexcept
{
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// `bytes` random bytes from RAND_bytes, base64url.
inline result<std::string> random_base64url(std::size_t bytes)
{
    unsigned char buffer[32];
    if(bytes > sizeof buffer || RAND_bytes(buffer, static_cast<int>(bytes)) != 1)
    {
        ERR_clear_error();
        return tokens::error::random_failure;
    }
    std::string text(jose::base64url_encoded_size(bytes), '\0');
    jose::base64url_encode(buffer, bytes, text.data());
    return text;
}

// The issuer's entry for `signing`: kid = the key's own, else its RFC 7638
// thumbprint; the published key is the public half under that kid.
inline result<issuer_key>
make_issuer_key(jose::key signing, std::chrono::system_clock::time_point retired_until = {})
{
    auto jwk = signing.public_jwk();
    jwk["kid"] = signing.kid().empty() ? signing.thumbprint() : std::string(signing.kid());
    auto published = jose::key::from_jwk(jwk);
    if(! published)
        return published.error();
    return issuer_key{std::move(signing), std::move(*published), retired_until};
}

inline result<std::shared_ptr<issuer_state const>>
make_issuer_state(issuer_key current, std::vector<issuer_key> retired)
{
    std::vector<jose::key> published;
    published.reserve(1 + retired.size());
    published.push_back(current.published);
    for(auto const& k : retired)
        published.push_back(k.published);
    auto keys = jose::key_set::from_keys(std::move(published));
    if(! keys)
        return keys.error();
    return std::make_shared<issuer_state const>(
        issuer_state{std::move(current), std::move(retired), std::move(*keys)});
}

// The retired keys of `state` still published at `now`.
inline std::vector<issuer_key>
retired_keys_kept(issuer_state const& state, std::chrono::system_clock::time_point now)
{
    std::vector<issuer_key> kept;
    kept.reserve(state.retired.size());
    for(auto const& k : state.retired)
        if(k.retired_until > now)
            kept.push_back(k);
    return kept;
}

// Whether `signing` may sign for an issuer of `alg`.
inline result<void> check_issuer_key(jose::key const& signing, jose::algorithm alg) noexcept
{
    if(! signing.has_private_key())
        return jose::key_error::not_a_private_key;
    if(signing.alg() != alg)
        return jose::key_error::algorithm_key_mismatch;
    return {};
}

//----------------------------------------------------------------------------
// The key file

// Far above any real key file (an RSA-16384 PKCS#8 block is about 13 KiB).
inline constexpr std::size_t max_issuer_key_file_size = 1024 * 1024;

// Wipes the characters of every `pem` member of a key file's JSON.
inline void wipe_pem_members(boost::json::object& file) noexcept
{
    auto wipe = [](boost::json::value* entry) {
        if(auto* object = entry ? entry->if_object() : nullptr)
            if(auto* pem = object->if_contains("pem"))
                if(auto* text = pem->if_string())
                    OPENSSL_cleanse(text->data(), text->size());
    };
    wipe(file.if_contains("current"));
    if(auto* retired = file.if_contains("retired"))
        if(auto* entries = retired->if_array())
            for(auto& entry : *entries)
                wipe(&entry);
}

inline result<boost::json::object> key_file_entry(issuer_key const& k)
{
    auto pem = k.signing.private_pem();
    if(! pem)
        return pem.error();
    boost::json::object entry;
    entry["alg"] = jose::algorithm_name(k.signing.alg());
    entry["kid"] = k.published.kid();
    entry["pem"] = *pem;
    OPENSSL_cleanse(pem->data(), pem->size());
    return entry;
}

// The JSON text of the key file of `state`. A secret: the caller wipes it.
inline result<std::string> serialize_issuer_state(issuer_state const& state)
{
    boost::json::object file;
    auto current = key_file_entry(state.current);
    if(! current)
        return current.error();
    file["current"] = std::move(*current);
    auto& retired = file["retired"].emplace_array();
    for(auto const& k : state.retired)
    {
        auto entry = key_file_entry(k);
        if(! entry)
        {
            wipe_pem_members(file);
            return entry.error();
        }
        // Round up: a key is never dropped before its time after a restart.
        auto until = std::chrono::ceil<std::chrono::seconds>(k.retired_until);
        (*entry)["until"] = unix_seconds(until);
        retired.push_back(std::move(*entry));
    }
    auto text = boost::json::serialize(file);
    wipe_pem_members(file);
    return text;
}

inline result<boost::json::string const*>
key_file_string(boost::json::object const& entry, std::string_view name) noexcept
{
    auto const* value = entry.if_contains(name);
    if(! value || ! value->is_string())
        return jose::key_error::invalid_pem;
    return &value->get_string();
}

inline result<issuer_key>
parse_key_file_entry(boost::json::value const& value, jose::algorithm alg, bool retired)
{
    auto const* entry = value.if_object();
    if(! entry)
        return jose::key_error::invalid_pem;
    auto alg_name = key_file_string(*entry, "alg");
    if(! alg_name)
        return alg_name.error();
    auto kid = key_file_string(*entry, "kid");
    if(! kid)
        return kid.error();
    auto pem = key_file_string(*entry, "pem");
    if(! pem)
        return pem.error();
    auto const named = jose::algorithm_from_name(**alg_name);
    if(! named)
        return jose::key_error::unsupported_algorithm;
    if(*named != alg)
        return jose::key_error::algorithm_key_mismatch;

    std::chrono::system_clock::time_point until{};
    if(retired)
    {
        auto const* seconds = entry->if_contains("until");
        if(! seconds || ! seconds->is_int64() || seconds->get_int64() < 0)
            return jose::key_error::invalid_pem;
        until = std::chrono::system_clock::time_point(std::chrono::seconds(seconds->get_int64()));
    }

    auto signing = jose::key::from_pem(**pem, alg, std::string(**kid));
    if(! signing)
        return signing.error();
    if(! signing->has_private_key())
        return jose::key_error::not_a_private_key;
    return make_issuer_key(std::move(*signing), until);
}

// The state saved in a key file's text; retired keys gone by `now` are dropped.
inline result<std::shared_ptr<issuer_state const>> parse_issuer_state(
    std::string_view text, jose::algorithm alg, std::chrono::system_clock::time_point now)
{
    auto parsed = jose::parse_json_object_strict(text);
    if(! parsed)
        return jose::key_error::invalid_pem;
    struct wipe_on_exit
    {
        boost::json::object& file;
        ~wipe_on_exit() { wipe_pem_members(file); }
    } wipe{*parsed};

    auto const* current_value = parsed->if_contains("current");
    auto const* retired_value = parsed->if_contains("retired");
    if(! current_value || ! retired_value || ! retired_value->is_array())
        return jose::key_error::invalid_pem;
    auto current = parse_key_file_entry(*current_value, alg, false);
    if(! current)
        return current.error();
    std::vector<issuer_key> retired;
    for(auto const& value : retired_value->get_array())
    {
        auto k = parse_key_file_entry(value, alg, true);
        if(! k)
            return k.error();
        if(k->retired_until > now)
            retired.push_back(std::move(*k));
    }
    return make_issuer_state(std::move(*current), std::move(retired));
}

/* The whole text of the key file `file`; empty when there is no such file.
   The caller wipes the text.
*/
inline result<std::optional<std::string>> read_key_file(std::filesystem::path const& file)
{
    std::string text;
    switch(modelauth::detail::read_file(file, max_issuer_key_file_size, text))
    {
    case 0:
        return std::optional<std::string>(std::move(text));
    case ENOENT:
        return std::optional<std::string>();
    case EFBIG:
        return jose::key_error::invalid_pem;
    default:
        return tokens::error::storage_failure;
    }
}

} // namespace detail

//----------------------------------------------------------------------------

template<class Clock>
void token_issuer<Clock>::check_configuration(issuer_options const& options,
                                              std::chrono::seconds retain)
{
    if(options.issuer.empty())
        throw configuration_error("issuer_options.issuer", "must not be empty");
    for(auto const& audience : options.audience)
        if(audience.empty())
            throw configuration_error("issuer_options.audience", "must not hold an empty audience");
    if(jose::algorithm_name(options.alg).empty())
        throw configuration_error("issuer_options.alg", "is not an algorithm");
    if(jose::is_symmetric(options.alg))
        throw configuration_error(
            "issuer_options.alg",
            "must be an asymmetric algorithm (EdDSA, RS*, PS*, ES*): an HMAC secret "
            "cannot be published in the issuer's JWKS");
    if(retain.count() <= 0)
        throw configuration_error("retain_old_keys", "must be positive");
}

template<class Clock>
token_issuer<Clock>::token_issuer(issuer_options options,
                                  jose::key signing_key,
                                  std::chrono::seconds retain_old_keys,
                                  Clock clock)
    : options_(std::move(options))
    , retain_(retain_old_keys)
    , clock_(std::move(clock))
{
    check_configuration(options_, retain_);
    if(! signing_key.has_private_key())
        throw configuration_error("signing_key", "must be a private key");
    if(signing_key.alg() != options_.alg)
        throw configuration_error(
            "signing_key", "is bound to " + std::string(jose::algorithm_name(signing_key.alg()))
                               + ", not to issuer_options.alg "
                               + std::string(jose::algorithm_name(options_.alg)));
    auto current = detail::make_issuer_key(std::move(signing_key));
    if(! current)
        throw configuration_error("signing_key", current.error().message());
    auto state = detail::make_issuer_state(std::move(*current), {});
    if(! state)
        throw configuration_error("signing_key", state.error().message());
    state_.store(std::move(*state));
}

template<class Clock>
token_issuer<Clock>::token_issuer(issuer_options options,
                                  state_ptr state,
                                  std::chrono::seconds retain,
                                  Clock clock)
    : options_(std::move(options))
    , retain_(retain)
    , clock_(std::move(clock))
    , state_(std::move(state))
{
}

template<class Clock>
token_issuer<Clock>::token_issuer(token_issuer&& other) noexcept(
    std::is_nothrow_move_constructible<Clock>::value)
    : options_(std::move(other.options_))
    , retain_(other.retain_)
    , clock_(std::move(other.clock_))
    , state_(other.state_.load())
{
}

template<class Clock>
auto token_issuer<Clock>::generate(issuer_options options,
                                   std::chrono::seconds retain_old_keys,
                                   Clock clock) -> result<token_issuer>
{
    check_configuration(options, retain_old_keys);
    auto signing = jose::key::generate(options.alg);
    if(! signing)
        return signing.error();
    return token_issuer(std::move(options), std::move(*signing), retain_old_keys, std::move(clock));
}

template<class Clock>
auto token_issuer<Clock>::load(std::filesystem::path const& file,
                               issuer_options options,
                               std::chrono::seconds retain_old_keys,
                               Clock clock) -> result<token_issuer>
{
    return read_or(file, std::move(options), retain_old_keys, std::move(clock), false);
}

template<class Clock>
auto token_issuer<Clock>::load_or_create(std::filesystem::path const& file,
                                         issuer_options options,
                                         std::chrono::seconds retain_old_keys,
                                         Clock clock) -> result<token_issuer>
{
    return read_or(file, std::move(options), retain_old_keys, std::move(clock), true);
}

template<class Clock>
auto token_issuer<Clock>::read_or(std::filesystem::path const& file,
                                  issuer_options options,
                                  std::chrono::seconds retain_old_keys,
                                  Clock clock,
                                  bool create) -> result<token_issuer>
{
    check_configuration(options, retain_old_keys);
    auto text = detail::read_key_file(file);
    if(! text)
        return text.error();
    if(*text)
        return from_key_file(**text, std::move(options), retain_old_keys, std::move(clock));
    if(! create)
        return tokens::error::storage_failure; // no such file
    auto made = generate(std::move(options), retain_old_keys, std::move(clock));
    if(! made)
        return made.error();
    auto saved = made->save(file);
    if(! saved)
        return saved.error();
    return made;
}

template<class Clock>
auto token_issuer<Clock>::from_key_file(std::string& text,
                                        issuer_options options,
                                        std::chrono::seconds retain,
                                        Clock clock) -> result<token_issuer>
{
    auto state = detail::parse_issuer_state(text, options.alg, clock.now());
    OPENSSL_cleanse(text.data(), text.size());
    if(! state)
        return state.error();
    return token_issuer(std::move(options), std::move(*state), retain, std::move(clock));
}

template<class Clock>
auto token_issuer<Clock>::issue(jwt_request const& request) const -> result<issued_jwt>
{
    if(request.subject.empty())
        return tokens::error::invalid_request_body;
    if(request.lifetime.count() <= 0 || request.lifetime > retain_)
        return tokens::error::invalid_ttl;
    auto const class_name = validation::token_class_name(request.cls);
    if(! validation::token_class_from_name(class_name))
        return tokens::error::invalid_request_body;
    for(auto const& scope : request.scopes)
        if(! detail::is_scope_token(scope))
            return tokens::error::invalid_request_body;
    for(auto const& member : request.extra)
        if(detail::is_issuer_claim(member.key()))
            return tokens::error::invalid_request_body;

    auto jti = detail::random_base64url(16);
    if(! jti)
        return jti.error();

    issued_jwt out;
    out.issued_at = std::chrono::floor<std::chrono::seconds>(clock_.now());
    out.expires_at = out.issued_at + request.lifetime;
    out.jti = std::move(*jti);

    boost::json::object claims;
    claims.reserve(12 + request.extra.size());
    claims["iss"] = options_.issuer;
    claims["sub"] = request.subject;
    if(options_.audience.empty())
        claims["aud"] = options_.issuer;
    else if(options_.audience.size() == 1)
        claims["aud"] = options_.audience.front();
    else
    {
        boost::json::array audiences;
        for(auto const& audience : options_.audience)
            audiences.emplace_back(audience);
        claims["aud"] = std::move(audiences);
    }
    claims["iat"] = detail::unix_seconds(out.issued_at);
    claims["exp"] = detail::unix_seconds(out.expires_at);
    claims["jti"] = out.jti;
    claims["cls"] = class_name;
    if(! request.scopes.empty())
    {
        std::string scope;
        for(auto const& s : request.scopes)
        {
            if(! scope.empty())
                scope += ' ';
            scope += s;
        }
        claims["scope"] = std::move(scope);
    }
    auto const& bindings = request.bindings;
    if(bindings.model_id)
        claims["model_id"] = *bindings.model_id;
    if(! bindings.instance.empty())
        claims["instance"] = bindings.instance;
    if(! bindings.account.empty())
        claims["account"] = bindings.account;
    if(! bindings.space.empty())
        claims["space"] = bindings.space;
    for(auto const& member : request.extra)
        claims.emplace(member.key(), member.value());

    auto const state = state_.load();
    auto token = jose::sign_compact_jws(boost::json::serialize(claims), state->current.signing,
                                        options_.type, state->current.published.kid());
    if(! token)
        return token.error();
    out.token = std::move(*token);
    return out;
}

template<class Clock>
result<void> token_issuer<Clock>::rotate(jose::key next)
{
    auto usable = detail::check_issuer_key(next, options_.alg);
    if(! usable)
        return usable.error();
    auto entry = detail::make_issuer_key(std::move(next));
    if(! entry)
        return entry.error();
    auto current = state_.load();
    for(;;)
    {
        auto const now = clock_.now();
        std::vector<detail::issuer_key> retired;
        retired.reserve(1 + current->retired.size());
        retired.push_back(current->current);
        retired.back().retired_until = now + retain_;
        for(auto& k : detail::retired_keys_kept(*current, now))
            retired.push_back(std::move(k));
        auto next_state = detail::make_issuer_state(*entry, std::move(retired));
        if(! next_state)
            return next_state.error();
        if(state_.compare_exchange(current, std::move(*next_state)))
            return {};
    }
}

template<class Clock>
result<void> token_issuer<Clock>::rotate()
{
    auto next = jose::key::generate(options_.alg);
    if(! next)
        return next.error();
    return rotate(std::move(*next));
}

template<class Clock>
std::size_t token_issuer<Clock>::prune()
{
    auto current = state_.load();
    for(;;)
    {
        auto kept = detail::retired_keys_kept(*current, clock_.now());
        std::size_t const dropped = current->retired.size() - kept.size();
        if(dropped == 0)
            return 0;
        // A subset of a valid set: cannot fail.
        auto next_state = detail::make_issuer_state(current->current, std::move(kept));
        if(! next_state)
            return 0;
        if(state_.compare_exchange(current, std::move(*next_state)))
            return dropped;
    }
}

template<class Clock>
jose::key_set token_issuer<Clock>::public_keys() const
{
    return state_.load()->public_keys;
}

template<class Clock>
boost::json::object token_issuer<Clock>::jwks() const
{
    return state_.load()->public_keys.to_public_jwks();
}

template<class Clock>
boost::json::object token_issuer<Clock>::discovery(std::string_view base_url) const
{
    if(! base_url.empty() && base_url.back() == '/')
        base_url.remove_suffix(1);
    std::string const base(base_url);
    boost::json::object document;
    document["issuer"] = options_.issuer;
    document["jwks_uri"] = base + "/.well-known/jwks.json";
    document["token_endpoint"] = base + "/console/api/auth/";
    document["response_types_supported"] = boost::json::array{"token"};
    document["subject_types_supported"] = boost::json::array{"public"};
    document["id_token_signing_alg_values_supported"]
        = boost::json::array{boost::json::string(jose::algorithm_name(options_.alg))};
    document["token_endpoint_auth_methods_supported"] = boost::json::array{"none"};
    document["grant_types_supported"] = boost::json::array{"password", "refresh_token"};
    return document;
}

template<class Clock>
validation::trusted_issuer token_issuer<Clock>::trusted(std::vector<std::string> audiences) const
{
    validation::trusted_issuer config;
    config.issuer = options_.issuer;
    config.keys = public_keys();
    if(! audiences.empty())
        config.audiences = std::move(audiences);
    else if(! options_.audience.empty())
        config.audiences = options_.audience;
    else
        config.audiences = {options_.issuer};
    config.algorithms = {options_.alg};
    if(! options_.type.empty())
        config.required_type = options_.type;
    return config;
}

template<class Clock>
result<std::string> token_issuer<Clock>::key_text() const
{
    auto const state = state_.load();
    return detail::serialize_issuer_state(*state);
}

template<class Clock>
auto token_issuer<Clock>::from_key_text(std::string& text,
                                        issuer_options options,
                                        std::chrono::seconds retain_old_keys,
                                        Clock clock) -> result<token_issuer>
{
    check_configuration(options, retain_old_keys);
    return from_key_file(text, std::move(options), retain_old_keys, std::move(clock));
}

template<class Clock>
result<void> token_issuer<Clock>::reload(std::string& text)
{
    auto state = detail::parse_issuer_state(text, options_.alg, clock_.now());
    OPENSSL_cleanse(text.data(), text.size());
    if(! state)
        return state.error();
    state_.store(std::move(*state));
    return {};
}

template<class Clock>
result<void> token_issuer<Clock>::save(std::filesystem::path const& file) const
{
    auto text = key_text();
    if(! text)
        return text.error();
    // A new file beside it, renamed over it, the directory synced too.
    int const error = modelauth::detail::write_file_atomically(file, *text);
    OPENSSL_cleanse(text->data(), text->size());
    if(error != 0)
        return tokens::error::storage_failure;
    return {};
}

template<class Clock>
std::string token_issuer<Clock>::current_kid() const
{
    return std::string(state_.load()->current.published.kid());
}

} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
