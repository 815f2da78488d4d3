//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_IMPL_REMOTE_KEYS_HPP
#define MODELAUTH_VALIDATION_IMPL_REMOTE_KEYS_HPP

#include <modelauth/detail/ascii.hpp>
#include <modelauth/impl/error.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cmath>

namespace modelauth {
inline namespace v0 {
namespace detail {

template<>
struct error_table<validation::fetch_error>
{
    static constexpr char const* category_name = "modelauth.key_fetch";
    static constexpr error_info rows[] = {
        {1, "invalid_url", "the URL is not an https:// URL (or http:// to a loopback host)", 500, no_rfc6750_error, condition::invalid_configuration},
        {2, "unreachable", "the key provider could not be reached", 503, no_rfc6750_error, condition::unavailable},
        {3, "timeout", "the key provider did not answer in time", 503, no_rfc6750_error, condition::unavailable},
        {4, "tls_failure", "the TLS handshake with the key provider failed", 503, no_rfc6750_error, condition::unavailable},
        {5, "redirect_refused", "the key provider answered a redirect, which is not followed", 503, no_rfc6750_error, condition::unavailable},
        {6, "bad_status", "the key provider answered a status other than 200", 503, no_rfc6750_error, condition::unavailable},
        {7, "body_too_large", "the key provider's answer is larger than the limit", 503, no_rfc6750_error, condition::unavailable},
        {8, "bad_response", "the key provider's answer is not a well-formed HTTP response", 503, no_rfc6750_error, condition::unavailable},
        {9, "invalid_discovery_document", "the discovery document is not a JSON object with a jwks_uri", 503, no_rfc6750_error, condition::unavailable},
        {10, "issuer_mismatch", "the discovery document names another issuer", 503, no_rfc6750_error, condition::unavailable},
        {11, "invalid_jwks", "the fetched key set does not load", 503, no_rfc6750_error, condition::unavailable},
        {12, "no_usable_keys", "the fetched key set holds no usable signature key", 503, no_rfc6750_error, condition::unavailable},
        {13, "secret_in_jwks", "the fetched key set holds a secret key", 503, no_rfc6750_error, condition::unavailable},
    };
};

static_assert(rows_are_dense<validation::fetch_error>(), "validation::fetch_error table out of order");

} // namespace detail

namespace validation {

inline std::error_category const& fetch_error_category() noexcept
{
    return modelauth::detail::category_of<fetch_error>();
}

inline std::error_code make_error_code(fetch_error e) noexcept
{
    return std::error_code(static_cast<int>(e), fetch_error_category());
}

inline std::string fetch_url::host_header() const
{
    bool const v6 = host.find(':') != std::string::npos;
    std::string h = v6 ? "[" + host + "]" : host;
    if(port != (tls ? 443 : 80))
        h += ":" + std::to_string(port);
    return h;
}

namespace detail {

inline bool is_host_name_char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// The URL, or the words that say what is wrong with it.
inline fetch_url split_fetch_url(std::string_view text, std::string& problem)
{
    fetch_url url;
    auto const parsed = boost::urls::parse_absolute_uri(boost::core::string_view(text.data(), text.size()));
    if(! parsed)
    {
        problem = "must be an absolute URL: https://host/path";
        return url;
    }
    boost::urls::url_view const& u = *parsed;
    if(u.scheme_id() != boost::urls::scheme::https && u.scheme_id() != boost::urls::scheme::http)
    {
        problem = "must be an https:// URL";
        return url;
    }
    url.tls = u.scheme_id() == boost::urls::scheme::https;
    if(u.has_userinfo())
    {
        problem = "must not hold a user name or password";
        return url;
    }
    if(u.has_fragment())
    {
        problem = "must not have a fragment";
        return url;
    }
    bool loopback = false;
    switch(u.host_type())
    {
    case boost::urls::host_type::ipv4:
        url.host = u.host_ipv4_address().to_string();
        url.host_is_address = true;
        loopback = u.host_ipv4_address().is_loopback();
        break;
    case boost::urls::host_type::ipv6:
        url.host = u.host_ipv6_address().to_string();
        url.host_is_address = true;
        loopback = u.host_ipv6_address().is_loopback();
        break;
    case boost::urls::host_type::name:
    {
        // A DNS name, as written: no escapes, nothing a resolver or a
        // certificate check could read another way.
        auto const name = u.encoded_host();
        if(name.empty() || name.size() > 253
           || ! std::all_of(name.begin(), name.end(), is_host_name_char))
        {
            problem = "must name a host: letters, digits, '-' and '.'";
            return url;
        }
        url.host.assign(name.data(), name.size());
        for(auto& c : url.host)
            if(c >= 'A' && c <= 'Z')
                c = static_cast<char>(c - 'A' + 'a');
        loopback = url.host == "localhost";
        break;
    }
    default:
        problem = "must name a host";
        return url;
    }
    if(! url.tls && ! loopback)
    {
        problem = "must be an https:// URL (http:// only to a loopback host)";
        return url;
    }
    url.port = url.tls ? 443 : 80;
    if(u.has_port() && ! u.port().empty())
    {
        if(u.port_number() == 0)
        {
            problem = "must have a port from 1 to 65535";
            return url;
        }
        url.port = u.port_number();
    }
    auto const path = u.encoded_path();
    url.target = path.empty() ? "/" : std::string(path.data(), path.size());
    if(url.target.front() != '/')
    {
        problem = "must have an absolute path";
        return url;
    }
    if(u.has_query())
    {
        auto const query = u.encoded_query();
        url.target += '?';
        url.target.append(query.data(), query.size());
    }
    return url;
}

} // namespace detail

inline result<fetch_url> parse_fetch_url(std::string_view url)
{
    std::string problem;
    auto parsed = detail::split_fetch_url(url, problem);
    if(! problem.empty())
        return fetch_error::invalid_url;
    return parsed;
}

inline std::string fetch_url_problem(std::string_view url)
{
    std::string problem;
    static_cast<void>(detail::split_fetch_url(url, problem));
    return problem;
}

inline std::string discovery_url(std::string_view issuer)
{
    while(! issuer.empty() && issuer.back() == '/')
        issuer.remove_suffix(1);
    std::string url(issuer);
    url += "/.well-known/openid-configuration";
    return url;
}

inline result<std::string> jwks_uri_from_discovery(std::string_view document, std::string_view expected_issuer)
{
    if(document.size() > jose::key_set::max_jwks_size)
        return fetch_error::invalid_discovery_document;
    boost::json::parse_options options;
    options.max_depth = 32;
    boost::system::error_code ec;
    auto const value = boost::json::parse(boost::json::string_view(document.data(), document.size()), ec,
                                          boost::json::storage_ptr(), options);
    if(ec || ! value.is_object())
        return fetch_error::invalid_discovery_document;
    auto const& object = value.get_object();
    auto const* issuer = object.if_contains("issuer");
    if(issuer == nullptr || ! issuer->is_string()
       || std::string_view(issuer->get_string().data(), issuer->get_string().size()) != expected_issuer)
        return fetch_error::issuer_mismatch;
    auto const* uri = object.if_contains("jwks_uri");
    if(uri == nullptr || ! uri->is_string())
        return fetch_error::invalid_discovery_document;
    std::string jwks_uri(uri->get_string().data(), uri->get_string().size());
    if(! parse_fetch_url(jwks_uri))
        return fetch_error::invalid_url;
    return jwks_uri;
}

inline result<jose::key_set> key_set_from_fetched_jwks(std::string_view document,
                                                       std::optional<jose::algorithm> default_alg)
{
    auto keys = jose::key_set::from_jwks(document, default_alg);
    if(! keys)
        return fetch_error::invalid_jwks;
    if(keys->empty())
        return fetch_error::no_usable_keys;
    for(auto const& key : *keys)
        if(jose::is_symmetric(key.alg()))
            return fetch_error::secret_in_jwks;
    return keys;
}

inline std::optional<std::chrono::seconds> cache_control_max_age(std::string_view value) noexcept
{
    auto const trim = [](std::string_view s) {
        while(! s.empty() && (s.front() == ' ' || s.front() == '\t'))
            s.remove_prefix(1);
        while(! s.empty() && (s.back() == ' ' || s.back() == '\t'))
            s.remove_suffix(1);
        return s;
    };
    std::optional<std::chrono::seconds> max_age;
    while(! value.empty())
    {
        auto const comma = value.find(',');
        auto directive = trim(value.substr(0, comma));
        value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
        auto const equals = directive.find('=');
        auto const name = trim(directive.substr(0, equals));
        if(modelauth::detail::iequals_ascii(name, "no-store") || modelauth::detail::iequals_ascii(name, "no-cache"))
            return std::chrono::seconds(0);
        if(! modelauth::detail::iequals_ascii(name, "max-age") || equals == std::string_view::npos)
            continue;
        auto number = trim(directive.substr(equals + 1));
        if(number.size() >= 2 && number.front() == '"' && number.back() == '"')
            number = number.substr(1, number.size() - 2);
        if(number.empty() || number.size() > 18)
            return std::nullopt;
        std::int64_t seconds = 0;
        for(char c : number)
        {
            if(c < '0' || c > '9')
                return std::nullopt;
            seconds = seconds * 10 + (c - '0');
        }
        if(max_age) // two max-age directives: trust neither
            return std::nullopt;
        max_age = std::chrono::seconds(seconds);
    }
    return max_age;
}

inline std::chrono::milliseconds refresh_delay(remote_key_source const& source,
                                               std::optional<std::chrono::seconds> max_age) noexcept
{
    auto const wanted = max_age ? *max_age : source.refresh;
    auto const low = source.min_refresh;
    auto const high = (std::max)(low, max_key_refresh);
    return std::chrono::milliseconds((std::clamp)(wanted, low, high));
}

inline std::chrono::milliseconds retry_delay(remote_key_source const& source, unsigned failures,
                                             double unit) noexcept
{
    using std::chrono::milliseconds;
    milliseconds const floor = (std::max)(milliseconds(source.min_refresh), milliseconds(100));
    milliseconds const cap = (std::max)(milliseconds(source.refresh), floor);
    milliseconds delay = floor;
    for(unsigned i = 1; i < failures && delay < cap; ++i)
        delay *= 2;
    delay = (std::min)(delay, cap);
    unit = (std::clamp)(unit, 0.0, 1.0);
    auto const half = delay.count() / 2;
    return milliseconds(half + static_cast<milliseconds::rep>(std::floor(static_cast<double>(delay.count() - half) * unit)));
}

} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
