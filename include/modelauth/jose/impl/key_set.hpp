//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_IMPL_KEY_SET_HPP
#define MODELAUTH_JOSE_IMPL_KEY_SET_HPP

#include <modelauth/jose/detail/key_impl.hpp>
#include <modelauth/jose/error.hpp>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <iterator>
#include <limits>

namespace modelauth {
inline namespace v0 {
namespace jose {
namespace detail {

// JWE key management and content encryption algorithms (RFC 7518 sections
// 4.1 and 5.1, RFC 8230 aside): a JWK naming one of these is an encryption
// key, never a signature key.
inline constexpr std::string_view encryption_algorithms[] = {
    "RSA1_5",         "RSA-OAEP",       "RSA-OAEP-256",   "RSA-OAEP-384",
    "RSA-OAEP-512",   "A128KW",         "A192KW",         "A256KW",
    "dir",            "ECDH-ES",        "ECDH-ES+A128KW", "ECDH-ES+A192KW",
    "ECDH-ES+A256KW", "A128GCMKW",      "A192GCMKW",      "A256GCMKW",
    "PBES2-HS256+A128KW", "PBES2-HS384+A192KW", "PBES2-HS512+A256KW",
    "A128CBC-HS256",  "A192CBC-HS384",  "A256CBC-HS512",  "A128GCM",
    "A192GCM",        "A256GCM"};

inline bool string_member_is(
    boost::json::object const& jwk, std::string_view name, std::string_view* out) noexcept
{
    auto const* value = jwk.if_contains(name);
    if(! value || ! value->is_string())
        return false;
    *out = std::string_view(value->get_string().data(), value->get_string().size());
    return true;
}

/* Whether a JWKS entry is not a signature key modelauth implements and is to
   be skipped (RFC 7517 section 5: keys not understood are ignored). Entries
   with mistyped members are not skipped: loading them reports the error.
*/
inline bool is_skipped_jwk(boost::json::object const& jwk) noexcept
{
    std::string_view text;
    if(string_member_is(jwk, "use", &text) && text != "sig")
        return true; // an encryption key (J22)
    if(auto const* ops = jwk.if_contains("key_ops"); ops && ops->is_array())
    {
        bool signs = false;
        for(auto const& op : ops->get_array())
            if(op.is_string() && (op.get_string() == "verify" || op.get_string() == "sign"))
                signs = true;
        if(! signs)
            return true;
    }
    if(string_member_is(jwk, "alg", &text))
    {
        for(auto name : encryption_algorithms)
            if(text == name)
                return true;
        auto const alg = algorithm_from_name(text);
        if(! alg && alg.error() == jose::error::unsupported_algorithm)
            return true; // e.g. ES256K, or a name from another registry
    }
    if(! string_member_is(jwk, "kty", &text))
        return false;
    if(text == "EC" || text == "OKP")
    {
        std::string_view crv;
        if(! string_member_is(jwk, "crv", &crv))
            return false;
        if(text == "EC")
            return curve_by_jwk_name(crv) == nullptr; // secp256k1, ...
        return crv != "Ed25519"; // X25519, X448 (key agreement), Ed448
    }
    return text != "RSA" && text != "oct";
}

} // namespace detail

inline result<key_set> key_set::from_keys(std::vector<key> keys)
{
    if(keys.size() > std::numeric_limits<std::uint32_t>::max())
        return jose::key_error::invalid_jwks;
    key_set set;
    set.by_kid_.resize(keys.size());
    for(std::size_t i = 0; i < keys.size(); ++i)
        set.by_kid_[i] = static_cast<std::uint32_t>(i);
    std::sort(set.by_kid_.begin(), set.by_kid_.end(), [&keys](std::uint32_t a, std::uint32_t b) {
        return keys[a].kid() < keys[b].kid();
    });
    for(std::size_t i = 1; i < set.by_kid_.size(); ++i)
        if(keys[set.by_kid_[i - 1]].kid() == keys[set.by_kid_[i]].kid())
            return jose::key_error::duplicate_key_id;
    auto const secrets = std::count_if(
        keys.begin(), keys.end(), [](key const& k) { return is_symmetric(k.alg()); });
    if(secrets != 0 && static_cast<std::size_t>(secrets) != keys.size())
        return jose::key_error::mixed_key_set;
    set.keys_ = std::move(keys);
    return set;
}

inline result<key_set>
key_set::from_jwks(boost::json::value const& jwks, std::optional<algorithm> default_alg)
{
    if(! jwks.is_object())
        return jose::key_error::invalid_jwks;
    auto const* entries = jwks.get_object().if_contains("keys");
    if(! entries || ! entries->is_array())
        return jose::key_error::invalid_jwks;
    std::vector<key> keys;
    keys.reserve(entries->get_array().size());
    for(auto const& entry : entries->get_array())
    {
        if(! entry.is_object())
            return jose::key_error::invalid_jwk;
        auto const& jwk = entry.get_object();
        if(detail::is_skipped_jwk(jwk))
            continue;
        auto k = key::from_jwk(jwk, default_alg);
        if(! k)
            return k.error();
        keys.push_back(std::move(*k));
    }
    return from_keys(std::move(keys));
}

inline result<key_set>
key_set::from_jwks(std::string_view json_text, std::optional<algorithm> default_alg)
{
    if(json_text.size() > max_jwks_size)
        return jose::key_error::invalid_jwks;
    boost::system::error_code ec;
    auto const json = boost::json::parse(json_text, ec);
    if(ec)
        return jose::key_error::invalid_jwks;
    return from_jwks(json, default_alg);
}

inline key const* key_set::find(std::string_view kid) const noexcept
{
    if(kid.empty())
        return nullptr;
    auto const it = std::lower_bound(by_kid_.begin(), by_kid_.end(), kid,
                                     [this](std::uint32_t index, std::string_view id) {
                                         return keys_[index].kid() < id;
                                     });
    if(it == by_kid_.end() || keys_[*it].kid() != kid)
        return nullptr;
    return &keys_[*it];
}

inline key const* key_set::only_key() const noexcept
{
    return keys_.size() == 1 ? &keys_.front() : nullptr;
}

inline boost::json::object key_set::to_public_jwks() const
{
    boost::json::array entries;
    for(auto const& k : keys_)
        if(! is_symmetric(k.alg()))
            entries.push_back(k.public_jwk());
    boost::json::object jwks;
    jwks["keys"] = std::move(entries);
    return jwks;
}

} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
