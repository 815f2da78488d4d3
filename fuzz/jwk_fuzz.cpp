//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// libFuzzer target for JWK and JWKS parsing (jose/key.hpp key::from_jwk,
// jose/key_set.hpp key_set::from_jwks): the input is the JSON text of a JWK
// or a JWKS, read without a default algorithm and with one picked by the
// input's size.
//
// Besides "no crash, no leak, no undefined behaviour, no exception" (ASan +
// UBSan), it checks an oracle on every input:
// - a key that loads is bound to an algorithm of its kty (oct: HS*, RSA:
//   RS*/PS*, EC: the ES* of its curve, OKP: EdDSA), the JWK's own `alg` when
//   it names one, else the default; it has the JWK's `kid`, and a private
//   key exactly when the JWK has `d` (oct: always);
// - its thumbprint is RFC 7638's, recomputed here from the members (oct:
//   from `k` as given; EC and OKP: as given, they are of fixed length);
// - its public JWK (empty for a secret) holds no private member, names its
//   kty, alg and kid, uses "sig", and loads again (with no default) into a
//   public key with the same algorithm, kid and thumbprint, whose public JWK
//   is the same; a private key signs what that public key verifies (EC,
//   OKP), and its private_pem (refused only for a public key, or an RSA key
//   without CRT members) reads back into the same key;
// - a JWKS that loads has no two keys with one kid and no secret beside a
//   public key; its keys are, in order, the entries that load on their own
//   (every skipped entry is one that would not load); find() and only_key()
//   find them; its public JWKS holds no secret or private member and loads
//   again into its public-key keys.

#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/base64url.hpp>
#include <modelauth/jose/key.hpp>
#include <modelauth/jose/key_set.hpp>

#include "oracle.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace ma = modelauth;
namespace jose = ma::jose;

using modelauth_fuzz::check;

std::optional<std::string_view> string_member(boost::json::object const& o, std::string_view name)
{
    auto const* v = o.if_contains(name);
    if(! v || ! v->is_string())
        return std::nullopt;
    return std::string_view(v->get_string().data(), v->get_string().size());
}

// RFC 4648 section 5, no padding: written here, not the library's.
std::string base64url(unsigned char const* p, std::size_t n)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for(std::size_t i = 0; i < n; ++i)
    {
        bits = (bits << 8) | p[i];
        count += 8;
        while(count >= 6)
        {
            count -= 6;
            out += alphabet[(bits >> count) & 63];
        }
    }
    if(count > 0)
        out += alphabet[(bits << (6 - count)) & 63];
    return out;
}

// RFC 7638: base64url(SHA-256(the required members, sorted, no white space)).
std::string thumbprint_of(std::string const& canonical)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    check(EVP_Digest(canonical.data(), canonical.size(), digest, &size, EVP_sha256(), nullptr) == 1);
    return base64url(digest, size);
}

std::string member(boost::json::object const& o, std::string_view name)
{
    auto const s = string_member(o, name);
    check(s.has_value());
    return std::string(*s);
}

std::string expected_thumbprint(boost::json::object const& pub)
{
    auto const kty = member(pub, "kty");
    if(kty == "RSA")
        return thumbprint_of(R"({"e":")" + member(pub, "e") + R"(","kty":"RSA","n":")" + member(pub, "n") + R"("})");
    if(kty == "EC")
        return thumbprint_of(R"({"crv":")" + member(pub, "crv") + R"(","kty":"EC","x":")" + member(pub, "x")
                             + R"(","y":")" + member(pub, "y") + R"("})");
    check(kty == "OKP");
    return thumbprint_of(R"({"crv":")" + member(pub, "crv") + R"(","kty":"OKP","x":")" + member(pub, "x") + R"("})");
}

constexpr std::string_view private_members[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

void check_public_jwk(boost::json::object const& pub)
{
    for(auto name : private_members)
        check(! pub.contains(name));
}

std::optional<jose::algorithm> curve_algorithm(std::string_view crv)
{
    if(crv == "P-256")
        return jose::algorithm::es256;
    if(crv == "P-384")
        return jose::algorithm::es384;
    if(crv == "P-521")
        return jose::algorithm::es512;
    return std::nullopt;
}

// The key `k` loaded from `jwk` with `default_alg`.
void check_key(jose::key const& k, boost::json::object const& jwk, std::optional<jose::algorithm> default_alg)
{
    auto const kty = string_member(jwk, "kty");
    check(kty.has_value());
    auto const fam = jose::family(k.alg());

    // The algorithm binding.
    if(*kty == "oct")
        check(fam == jose::algorithm_family::hmac);
    else if(*kty == "RSA")
        check(fam == jose::algorithm_family::rsa_pkcs1_v1_5 || fam == jose::algorithm_family::rsa_pss);
    else if(*kty == "EC")
        check(curve_algorithm(string_member(jwk, "crv").value_or("")) == k.alg());
    else
        check(*kty == "OKP" && string_member(jwk, "crv") == std::string_view("Ed25519")
              && k.alg() == jose::algorithm::eddsa);
    if(auto const alg = string_member(jwk, "alg"))
        check(jose::algorithm_name(k.alg()) == *alg
              || (*alg == "Ed25519" && k.alg() == jose::algorithm::eddsa));
    else if(*kty == "oct" || *kty == "RSA")
        check(default_alg == k.alg());

    check(k.kid() == string_member(jwk, "kid").value_or(""));
    check(k.has_private_key() == (*kty == "oct" || jwk.contains("d")));
    check(k.thumbprint().size() == 43);

    auto const pub = k.public_jwk();
    if(jose::is_symmetric(k.alg()))
    {
        check(pub.empty()); // a secret is never exported
        check(k.thumbprint() == thumbprint_of(R"({"k":")" + member(jwk, "k") + R"(","kty":"oct"})"));
        check(! k.private_pem());
        return;
    }
    check_public_jwk(pub);
    check(string_member(pub, "kty") == *kty);
    check(string_member(pub, "alg") == jose::algorithm_name(k.alg()));
    check(string_member(pub, "use") == std::string_view("sig"));
    check(string_member(pub, "kid").value_or("") == k.kid() && pub.contains("kid") == ! k.kid().empty());
    check(k.thumbprint() == expected_thumbprint(pub));
    if(*kty != "RSA") // fixed-length members: one spelling only
    {
        check(string_member(pub, "crv") == string_member(jwk, "crv"));
        check(string_member(pub, "x") == string_member(jwk, "x"));
        if(*kty == "EC")
            check(string_member(pub, "y") == string_member(jwk, "y"));
        else
            check(! pub.contains("y")); // an OKP key has no y, whatever the JWK held
    }

    // The public JWK loads again into the public half.
    auto const again = jose::key::from_jwk(pub);
    check(again.has_value());
    check(again->alg() == k.alg() && again->kid() == k.kid() && again->thumbprint() == k.thumbprint());
    check(! again->has_private_key());
    check(again->public_jwk() == pub);
    check(again->signature_size() == k.signature_size());

    auto const pem = k.private_pem();
    if(! k.has_private_key())
        check(! pem && pem.error() == jose::key_error::not_a_private_key);
    else if(! pem)
    {
        // OpenSSL 3.0 has no PKCS#8 encoder for an RSA key of n, e and d
        // alone (no CRT members, which RFC 7518 section 6.3.2 allows): the
        // documented unsupported_key_type. Every other private key exports.
        check(*kty == "RSA" && ! jwk.contains("p") && pem.error() == jose::key_error::unsupported_key_type);
    }
    if(! pem)
        return;
    auto const from_pem = jose::key::from_pem(*pem, k.alg(), std::string(k.kid()));
    check(from_pem.has_value());
    check(from_pem->thumbprint() == k.thumbprint() && from_pem->has_private_key());
    check(from_pem->public_jwk() == pub);
    if(fam == jose::algorithm_family::ecdsa || fam == jose::algorithm_family::eddsa)
    {
        constexpr std::string_view message = "modelauth jwk fuzz";
        auto const signature = k.sign(message);
        check(signature.has_value() && signature->size() == k.signature_size());
        check(again->verify(k.alg(), message, *signature).has_value());
    }
}

void check_set(jose::key_set const& set, boost::json::value const& jwks, std::optional<jose::algorithm> default_alg)
{
    // No two keys with one kid (two without a kid count as one), no secret
    // beside a public key.
    std::size_t secrets = 0;
    for(auto a = set.begin(); a != set.end(); ++a)
    {
        secrets += jose::is_symmetric(a->alg());
        for(auto b = set.begin(); b != a; ++b)
            check(a->kid() != b->kid());
        if(! a->kid().empty())
            check(set.find(a->kid()) == &*a);
    }
    check(secrets == 0 || secrets == set.size());
    check(set.find("") == nullptr);
    check((set.only_key() != nullptr) == (set.size() == 1));
    if(set.only_key())
        check(set.only_key() == &*set.begin());

    // Its keys are the entries that load, in order.
    auto it = set.begin();
    for(auto const& entry : jwks.as_object().at("keys").as_array())
    {
        auto const& jwk = entry.as_object();
        auto const k = jose::key::from_jwk(jwk, default_alg);
        if(! k)
            continue;
        check(it != set.end());
        check(it->thumbprint() == k->thumbprint() && it->kid() == k->kid() && it->alg() == k->alg());
        check_key(*it, jwk, default_alg);
        ++it;
    }
    check(it == set.end());

    // The public JWKS: public-key keys only, loading again.
    auto const pub = set.to_public_jwks();
    auto const& entries = pub.at("keys").as_array();
    for(auto const& entry : entries)
        check_public_jwk(entry.as_object());
    auto const again = jose::key_set::from_jwks(boost::json::serialize(pub));
    check(again.has_value());
    check(again->size() == entries.size());
    auto a = again->begin();
    for(auto const& k : set)
    {
        if(jose::is_symmetric(k.alg()))
            continue;
        check(a != again->end() && a->thumbprint() == k.thumbprint() && a->kid() == k.kid() && a->alg() == k.alg());
        ++a;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const input(reinterpret_cast<char const*>(data), size);
    boost::system::error_code ec;
    auto const json = boost::json::parse(input, ec); // as the library reads the text
    std::optional<jose::algorithm> const defaults[] = {
        std::nullopt, jose::all_algorithms[size % jose::all_algorithms.size()]};
    for(auto const default_alg : defaults)
    {
        if(auto const k = jose::key::from_jwk(input, default_alg))
        {
            check(! ec && json.is_object());
            check_key(*k, json.get_object(), default_alg);
        }
        if(auto const set = jose::key_set::from_jwks(input, default_alg))
        {
            check(! ec);
            check_set(*set, json, default_alg);
        }
    }
    return 0;
}
