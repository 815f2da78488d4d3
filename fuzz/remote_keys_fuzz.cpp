//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// libFuzzer target for what a remote key source reads from the network: a
// discovery document, a JWKS, a Cache-Control value, and the URLs it would
// follow. Any input must give a value or an error, never a crash, a leak, a
// hang or an exception. Oracles: a jwks_uri taken from a document obeys the
// URL rules and the document names the expected issuer; a key set taken
// from a document is not empty and holds no secret; a URL that passes is
// https, or http to a loopback host, with an origin-form target.

#include <modelauth/validation/remote_keys.hpp>

#include <boost/json/parse.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

namespace v = modelauth::validation;

constexpr std::string_view issuer = "https://login.example.com/realms/models";

void check_url(std::string_view text)
{
    auto const url = v::parse_fetch_url(text);
    if(! url)
    {
        if(v::fetch_url_problem(text).empty())
            std::abort(); // refused without a reason
        return;
    }
    if(url->host.empty() || url->target.empty() || url->target.front() != '/' || url->port == 0)
        std::abort();
    if(! url->tls && url->host != "localhost" && url->host.rfind("127.", 0) != 0 && url->host != "::1")
        std::abort(); // plain http to a host that is not loopback
    if(! v::fetch_url_problem(text).empty())
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const input(reinterpret_cast<char const*>(data), size);

    if(auto const uri = v::jwks_uri_from_discovery(input, issuer))
    {
        if(! v::parse_fetch_url(*uri))
            std::abort(); // a jwks_uri the rules refuse was taken
        auto const doc = boost::json::parse(boost::json::string_view(input.data(), input.size()));
        if(doc.as_object().at("issuer").as_string() != boost::json::string_view(issuer.data(), issuer.size()))
            std::abort(); // another issuer's document was taken
    }

    for(auto const alg : {std::optional<modelauth::jose::algorithm>{}, std::optional(modelauth::jose::algorithm::rs256)})
        if(auto const keys = v::key_set_from_fetched_jwks(input, alg))
        {
            if(keys->empty())
                std::abort();
            for(auto const& key : *keys)
                if(modelauth::jose::is_symmetric(key.alg()) || key.has_private_key())
                    std::abort(); // a secret taken from the network
        }

    if(auto const max_age = v::cache_control_max_age(input); max_age && max_age->count() < 0)
        std::abort();

    check_url(input);
    return 0;
}
