//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_IMPL_ALGORITHM_HPP
#define MODELAUTH_JOSE_IMPL_ALGORITHM_HPP

namespace modelauth {
inline namespace v0 {
namespace jose {
namespace detail {

struct algorithm_entry
{
    std::string_view name;
    algorithm alg;
};

// The registered names, plus "Ed25519" as a second name of EdDSA with an
// Ed25519 key (used by some issuers, e.g. in draft-ietf-jose-fully-specified-algorithms).
inline constexpr algorithm_entry algorithm_names[] = {
    {"HS256", algorithm::hs256}, {"HS384", algorithm::hs384}, {"HS512", algorithm::hs512},
    {"RS256", algorithm::rs256}, {"RS384", algorithm::rs384}, {"RS512", algorithm::rs512},
    {"PS256", algorithm::ps256}, {"PS384", algorithm::ps384}, {"PS512", algorithm::ps512},
    {"ES256", algorithm::es256}, {"ES384", algorithm::es384}, {"ES512", algorithm::es512},
    {"EdDSA", algorithm::eddsa}, {"Ed25519", algorithm::eddsa}};

inline constexpr bool equals_none_ignoring_case(std::string_view name) noexcept
{
    if(name.size() != 4)
        return false;
    constexpr char none[] = "none";
    for(std::size_t i = 0; i < 4; ++i)
    {
        char c = name[i];
        if(c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
        if(c != none[i])
            return false;
    }
    return true;
}

} // namespace detail

constexpr algorithm_family family(algorithm alg) noexcept
{
    switch(alg)
    {
    case algorithm::hs256:
    case algorithm::hs384:
    case algorithm::hs512:
        return algorithm_family::hmac;
    case algorithm::rs256:
    case algorithm::rs384:
    case algorithm::rs512:
        return algorithm_family::rsa_pkcs1_v1_5;
    case algorithm::ps256:
    case algorithm::ps384:
    case algorithm::ps512:
        return algorithm_family::rsa_pss;
    case algorithm::es256:
    case algorithm::es384:
    case algorithm::es512:
        return algorithm_family::ecdsa;
    case algorithm::eddsa:
        break;
    }
    return algorithm_family::eddsa;
}

constexpr bool is_symmetric(algorithm alg) noexcept
{
    return family(alg) == algorithm_family::hmac;
}

constexpr std::size_t hash_size(algorithm alg) noexcept
{
    switch(alg)
    {
    case algorithm::hs256:
    case algorithm::rs256:
    case algorithm::ps256:
    case algorithm::es256:
        return 32;
    case algorithm::hs384:
    case algorithm::rs384:
    case algorithm::ps384:
    case algorithm::es384:
        return 48;
    case algorithm::hs512:
    case algorithm::rs512:
    case algorithm::ps512:
    case algorithm::es512:
        return 64;
    case algorithm::eddsa:
        break;
    }
    return 0;
}

constexpr std::size_t ecdsa_signature_size(algorithm alg) noexcept
{
    switch(alg)
    {
    case algorithm::es256:
        return 64;
    case algorithm::es384:
        return 96;
    case algorithm::es512:
        return 132;
    default:
        return 0;
    }
}

inline result<algorithm> algorithm_from_name(std::string_view name) noexcept
{
    for(auto const& entry : detail::algorithm_names)
        if(entry.name == name)
            return entry.alg;
    if(detail::equals_none_ignoring_case(name))
        return jose::error::algorithm_none;
    return jose::error::unsupported_algorithm;
}

inline std::string_view algorithm_name(algorithm alg) noexcept
{
    // The first entry of each algorithm is its registered name.
    for(auto const& entry : detail::algorithm_names)
        if(entry.alg == alg)
            return entry.name;
    return {};
}

} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
