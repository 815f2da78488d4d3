//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_JWKS_FILE_HPP
#define MODELAUTH_JOSE_JWKS_FILE_HPP

/** @file
    Reading a JWKS from a file: the one piece of JOSE that touches the file
    system, kept out of `<modelauth/modelauth.hpp>` (the request path does no
    I/O of its own). Include it where start-up or a reload reads key files.

    @code
    auto keys = modelauth::jose::load_jwks_file("/etc/idp/jwks.json", jose::algorithm::rs256);
    // or, for a running validator (the issuer's algorithm applies):
    validator.set_issuer_jwks(issuer, modelauth::jose::read_jwks_file(path).value());
    @endcode
*/

#include <modelauth/error.hpp>
#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/jose/key_set.hpp>

#include <fstream>
#include <optional>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace jose {

/** Reads the text of a JWKS file, at most `key_set::max_jwks_size` bytes.

    @return The text, or `jose::key_error::invalid_jwks` when the file cannot be
    opened or read, or is too large. The error never contains the path's
    contents.

    Exception safety: strong.
*/
[[nodiscard]] inline result<std::string> read_jwks_file(std::string const& path)
{
    std::ifstream file(path, std::ios::binary);
    if(! file)
        return jose::key_error::invalid_jwks;
    std::string text;
    char buffer[16 * 1024];
    while(file)
    {
        file.read(buffer, sizeof buffer);
        text.append(buffer, static_cast<std::size_t>(file.gcount()));
        if(text.size() > key_set::max_jwks_size)
            return jose::key_error::invalid_jwks;
    }
    if(file.bad())
        return jose::key_error::invalid_jwks;
    return text;
}

/** Reads a JWKS file (as `read_jwks_file`) and makes a set
    (`key_set::from_jwks`; `default_alg` for keys without `alg`).

    @return The set, or the errors of both.
    Exception safety: strong.
*/
[[nodiscard]] inline result<key_set> load_jwks_file(std::string const& path,
                                                    std::optional<algorithm> default_alg = {})
{
    auto text = read_jwks_file(path);
    if(! text)
        return text.error();
    return key_set::from_jwks(std::string_view(*text), default_alg);
}

} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
