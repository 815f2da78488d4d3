//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CONFIG_IMPL_TRUSTED_ISSUER_HPP
#define MODELAUTH_CONFIG_IMPL_TRUSTED_ISSUER_HPP

#include <string>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace config {
namespace detail {

// "HS256, HS384, ..., ES512 or EdDSA"
inline std::string algorithm_names()
{
    std::string names;
    for(std::size_t i = 0; i < jose::all_algorithms.size(); ++i)
    {
        if(i != 0)
            names += i + 1 == jose::all_algorithms.size() ? " or " : ", ";
        names += jose::algorithm_name(jose::all_algorithms[i]);
    }
    return names;
}

// An issuer's keys, from whichever one source it gives.
inline jose::key_set issuer_keys(
    json_reader const& entry, std::optional<jose::algorithm> default_alg, jwks_loader const& load)
{
    auto const key = entry.one_of({"jwks", "jwks_file", "jwks_uri"}, "the issuer's keys");
    json_reader const source = entry[key];
    if(key != "jwks")
    {
        if(! load)
            source.fail("cannot be read: this program loads no key files; give the keys inline in jwks");
        return load(key, source, default_alg);
    }
    auto const* keys = source.object().if_contains("keys");
    if(keys == nullptr || ! keys->is_array())
        source.fail("must be a JWKS: an object with a \"keys\" array");
    auto loaded = jose::key_set::from_jwks(source.value(), default_alg);
    if(! loaded)
        source.fail("does not load: " + loaded.error().message());
    return std::move(*loaded);
}

inline validation::trusted_issuer issuer_settings(json_reader const& entry)
{
    entry.allow_only({"issuer", "audiences", "algorithms", "jwks", "jwks_file", "jwks_uri", "leeway_s"});
    validation::trusted_issuer issuer;
    issuer.issuer = std::string(entry["issuer"].text());
    issuer.audiences = entry["audiences"].texts(1, "audience");
    for(auto const& name : entry["algorithms"].elements(1, jose::all_algorithms.size() * 2, "algorithm"))
    {
        auto const alg = jose::algorithm_from_name(name.string());
        if(! alg || jose::algorithm_name(*alg) != name.string())
            name.fail("must be a JWS algorithm: " + algorithm_names());
        issuer.algorithms.push_back(*alg);
    }
    if(auto const leeway = entry.find("leeway_s"))
        issuer.leeway = leeway->seconds(std::chrono::seconds(0), max_issuer_leeway);
    return issuer;
}

inline void read_keys(validation::trusted_issuer& issuer, json_reader const& entry, jwks_loader const& load)
{
    std::optional<jose::algorithm> default_alg;
    if(issuer.algorithms.size() == 1)
        default_alg = issuer.algorithms.front();
    issuer.keys = issuer_keys(entry, default_alg, load);
}

} // namespace detail

inline validation::trusted_issuer trusted_issuer_from_json(json_reader const& entry, jwks_loader const& load)
{
    auto issuer = detail::issuer_settings(entry);
    detail::read_keys(issuer, entry, load);
    return issuer;
}

inline std::vector<validation::trusted_issuer> trusted_issuers_from_json(json_reader const& list, jwks_loader const& load)
{
    std::vector<validation::trusted_issuer> issuers;
    auto const entries = list.elements();
    for(std::size_t i = 0; i < entries.size(); ++i)
    {
        auto issuer = detail::issuer_settings(entries[i]);
        for(std::size_t j = 0; j < i; ++j)
            if(issuers[j].issuer == issuer.issuer)
                entries[i]["issuer"].fail("repeats " + index_path(list.path(), j));
        detail::read_keys(issuer, entries[i], load);
        issuers.push_back(std::move(issuer));
    }
    return issuers;
}

} // namespace config
} // namespace v0
} // namespace modelauth

#endif
