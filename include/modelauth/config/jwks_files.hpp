//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CONFIG_JWKS_FILES_HPP
#define MODELAUTH_CONFIG_JWKS_FILES_HPP

/** @file
    A `jwks_loader` that reads key files: an issuer's `jwks_file` (a path)
    or a `file://` `jwks_uri` (RFC 8089: `file:///path` or
    `file://localhost/path`, percent-decoded). It does file I/O, so it is
    not part of `<modelauth/modelauth.hpp>`; `<modelauth/tokens.hpp>` and
    servers include it.

    @code
    auto issuers = modelauth::config::trusted_issuers_from_json(
        root["trusted_issuers"], modelauth::config::load_jwks_files);
    @endcode

    It never fetches over the network: any other `jwks_uri` is refused.
*/

#include <modelauth/config/json_reader.hpp>
#include <modelauth/config/trusted_issuer.hpp>
#include <modelauth/detail/ascii.hpp>
#include <modelauth/detail/path_grammar.hpp>
#include <modelauth/jose/jwks_file.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace config {

/** The local path a `file://` URL names, percent-decoded.

    @throws configuration_error naming `source`: not a `file://` URL, a
    remote host, no absolute path, a query or fragment, a bad or `%00` escape.
*/
[[nodiscard]] inline std::string file_url_path(json_reader const& source)
{
    std::string_view const url = source.text();
    std::string_view const scheme = "file://";
    if(url.size() < scheme.size() || ! modelauth::detail::iequals_ascii(url.substr(0, scheme.size()), scheme))
        source.fail("must be a file:// URL: this server never fetches keys over the network; save the issuer's JWKS "
                    "to a file and give its path in jwks_file or as file:///path");
    std::string_view rest = url.substr(scheme.size());
    auto const slash = rest.find('/');
    if(slash == std::string_view::npos)
        source.fail("must name an absolute path: file:///path");
    if(slash != 0 && ! modelauth::detail::iequals_ascii(rest.substr(0, slash), "localhost"))
        source.fail("names a remote host: only local files (file:///path) are read");
    rest = rest.substr(slash);
    if(rest.find_first_of("?#") != std::string_view::npos)
        source.fail("must not have a query or a fragment");
    std::string decoded;
    for(std::size_t i = 0; i < rest.size(); ++i)
    {
        if(rest[i] != '%')
        {
            decoded += rest[i];
            continue;
        }
        int const hi = i + 2 < rest.size() ? modelauth::detail::hex_value(rest[i + 1]) : -1;
        int const lo = i + 2 < rest.size() ? modelauth::detail::hex_value(rest[i + 2]) : -1;
        if(hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            source.fail("has a bad percent-escape (each % needs two hex digits, and %00 is refused)");
        decoded += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return decoded;
}

/** A `jwks_loader` reading `jwks_file` (a path, relative to the working
    directory) or a `file://` `jwks_uri` with `jose::load_jwks_file`.

    @throws configuration_error naming the key: `...jwks_file: does not
    load: <why>` (the reason never quotes the file's contents).
*/
[[nodiscard]] inline jose::key_set load_jwks_files(
    std::string_view key, json_reader const& source, std::optional<jose::algorithm> default_alg)
{
    std::string const path = key == "jwks_uri" ? file_url_path(source) : std::string(source.text());
    auto keys = jose::load_jwks_file(path, default_alg);
    if(! keys)
        source.fail("does not load: " + keys.error().message());
    return std::move(*keys);
}

} // namespace config
} // namespace v0
} // namespace modelauth

#endif
