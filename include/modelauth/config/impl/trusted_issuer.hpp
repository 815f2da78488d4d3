//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CONFIG_IMPL_TRUSTED_ISSUER_HPP
#define MODELAUTH_CONFIG_IMPL_TRUSTED_ISSUER_HPP

#include <modelauth/detail/ascii.hpp>

#include <algorithm>
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
    entry.allow_only({"issuer", "audiences", "algorithms", "jwks", "jwks_file", "jwks_uri", "discovery", "leeway_s",
                      "account_claim", "ca_file", "refresh_s", "min_refresh_s"});
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
    // An outside issuer's tokens are bound to an account only through the
    // claim the config names, which each of them must then carry.
    issuer.account_claim.reset();
    if(auto const claim = entry.find_non_null("account_claim"))
    {
        issuer.account_claim = std::string(claim->text(256));
        issuer.account_required = true;
    }
    return issuer;
}

// The issuer's remote key source, if its keys come over the network
// (`discovery: true`, or a jwks_uri that is not a file:// URL while
// `remote_allowed`).
inline std::optional<validation::remote_key_source> remote_source(
    validation::trusted_issuer const& issuer, json_reader const& entry, bool remote_allowed)
{
    bool discovery = false;
    if(auto const x = entry.find("discovery"))
        discovery = x->boolean();
    bool remote = discovery;
    auto const uri = entry.find("jwks_uri");
    if(! discovery && uri && remote_allowed)
    {
        auto const text = uri->text();
        remote = ! (text.size() >= 7 && modelauth::detail::iequals_ascii(text.substr(0, 7), "file://"));
    }
    if(! remote)
    {
        for(auto const key : {"ca_file", "refresh_s", "min_refresh_s"})
            if(auto const x = entry.find(key))
                x->fail("applies only to keys fetched over the network (an https:// jwks_uri or discovery)");
        return std::nullopt;
    }
    if(discovery)
    {
        for(auto const key : {"jwks", "jwks_file", "jwks_uri"})
            if(auto const x = entry.find(key))
                x->fail("must not be given with discovery: true, which finds the issuer's jwks_uri");
        if(! remote_allowed)
            entry["discovery"].fail("cannot be used: this program fetches no keys over the network");
        if(auto const problem = validation::fetch_url_problem(validation::discovery_url(issuer.issuer)); ! problem.empty())
            entry["issuer"].fail("has no discovery document to fetch: the issuer " + problem);
    }
    else
    {
        static_cast<void>(entry.one_of({"jwks", "jwks_file", "jwks_uri"}, "the issuer's keys"));
        if(auto const problem = validation::fetch_url_problem(uri->text()); ! problem.empty())
            uri->fail(problem);
    }
    validation::remote_key_source source;
    source.issuer = issuer.issuer;
    source.discovery = discovery;
    if(! discovery)
        source.jwks_uri = std::string(uri->text());
    if(auto const x = entry.find("ca_file"))
    {
        source.ca_file = std::string(x->text());
    }
    if(auto const x = entry.find("refresh_s"))
        source.refresh = x->seconds(std::chrono::seconds(1), validation::max_key_refresh);
    if(auto const x = entry.find("min_refresh_s"))
    {
        source.min_refresh = x->seconds(std::chrono::seconds(1), std::chrono::hours(1));
        if(source.min_refresh > source.refresh)
            x->fail("must not exceed refresh_s");
    }
    else
        source.min_refresh = (std::min)(source.min_refresh, source.refresh);
    if(issuer.algorithms.size() == 1)
        source.default_alg = issuer.algorithms.front();
    return source;
}

inline void read_keys(validation::trusted_issuer& issuer, json_reader const& entry, jwks_loader const& load)
{
    std::optional<jose::algorithm> default_alg;
    if(issuer.algorithms.size() == 1)
        default_alg = issuer.algorithms.front();
    issuer.keys = issuer_keys(entry, default_alg, load);
}

inline std::vector<validation::trusted_issuer> read_issuers(
    json_reader const& list, jwks_loader const& load, std::vector<validation::remote_key_source>* remote)
{
    std::vector<validation::trusted_issuer> issuers;
    auto const entries = list.elements();
    for(std::size_t i = 0; i < entries.size(); ++i)
    {
        auto issuer = issuer_settings(entries[i]);
        for(std::size_t j = 0; j < i; ++j)
            if(issuers[j].issuer == issuer.issuer)
                entries[i]["issuer"].fail("repeats " + index_path(list.path(), j));
        if(auto source = remote_source(issuer, entries[i], remote != nullptr))
        {
            issuer.remote_keys = true;
            source->config_path = entries[i].path();
            remote->push_back(std::move(*source));
        }
        else
            read_keys(issuer, entries[i], load);
        issuers.push_back(std::move(issuer));
    }
    return issuers;
}

} // namespace detail

inline validation::trusted_issuer trusted_issuer_from_json(json_reader const& entry, jwks_loader const& load)
{
    auto issuer = detail::issuer_settings(entry);
    static_cast<void>(detail::remote_source(issuer, entry, false));
    detail::read_keys(issuer, entry, load);
    return issuer;
}

inline std::vector<validation::trusted_issuer> trusted_issuers_from_json(json_reader const& list, jwks_loader const& load)
{
    return detail::read_issuers(list, load, nullptr);
}

inline std::vector<validation::trusted_issuer> trusted_issuers_from_json(
    json_reader const& list, jwks_loader const& load, std::vector<validation::remote_key_source>& remote)
{
    return detail::read_issuers(list, load, &remote);
}



} // namespace config
} // namespace v0
} // namespace modelauth

#endif
