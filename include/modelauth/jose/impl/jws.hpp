//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_IMPL_JWS_HPP
#define MODELAUTH_JOSE_IMPL_JWS_HPP

#include <modelauth/jose/base64url.hpp>
#include <modelauth/jose/detail/json_scan.hpp>
#include <modelauth/jose/error.hpp>

#include <boost/json/serialize.hpp>

#include <array>
#include <cstring>

namespace modelauth {
inline namespace v0 {
namespace jose {
namespace detail {

// The largest signature of any supported algorithm: RSA 16384 bits.
inline constexpr std::size_t max_signature_bytes = 2048;

} // namespace detail

inline result<compact_jws> split_compact_jws(std::string_view token, jws_limits const& limits) noexcept
{
    if(token.size() > limits.max_token_bytes)
        return jose::error::token_too_large;
    if(! token.empty() && token.front() == '{')
        return jose::error::json_serialization_not_supported;

    // Only the dots are looked for here (memchr, fast); every character of
    // every part is checked when the part is decoded, which each consumer
    // of the parts does before trusting any of them.
    std::size_t dots[5];
    std::size_t count = 0;
    for(auto const* p = token.data(), *end = token.data() + token.size();;)
    {
        auto const* dot = static_cast<char const*>(std::memchr(p, '.', static_cast<std::size_t>(end - p)));
        if(! dot)
            break;
        dots[count++] = static_cast<std::size_t>(dot - token.data());
        if(count == 5)
            return jose::error::malformed_compact_serialization;
        p = dot + 1;
    }
    if(count == 4)
        return jose::error::encrypted_token_not_supported;
    if(count != 2)
        return jose::error::malformed_compact_serialization;

    compact_jws parts;
    parts.header = token.substr(0, dots[0]);
    parts.payload = token.substr(dots[0] + 1, dots[1] - dots[0] - 1);
    parts.signature = token.substr(dots[1] + 1);
    parts.signing_input = token.substr(0, dots[1]);
    // RFC 7515 allows an empty payload; a JWT then fails on its claims.
    if(parts.header.empty())
        return jose::error::malformed_compact_serialization;
    if(parts.signature.empty())
        return jose::error::empty_signature;
    return parts;
}

namespace detail {

// The header parameters modelauth reads, as views into the thread's header
// scan buffers (valid until the next header scan on this thread).
struct header_fields
{
    algorithm alg{};
    std::optional<std::string_view> kid;
    std::optional<std::string_view> typ;
};

inline result<header_fields> scan_jws_header(std::string_view decoded, std::size_t max_depth)
{
    static constexpr member_names<6> names(std::array<std::string_view, 6>{"alg", "kid", "typ", "cty", "crit", "b64"});
    std::array<scanned_value, 6> v;
    auto scanned = scan_json_members(decoded, names, v, max_depth, thread_header_buffers());
    if(! scanned)
        return scanned.error();
    auto const& [alg, kid, typ, cty, crit, b64] = v;

    if(! alg.is_string())
        return jose::error::missing_algorithm;
    header_fields fields;
    auto parsed_alg = algorithm_from_name(alg.string);
    if(! parsed_alg)
        return parsed_alg.error();
    fields.alg = *parsed_alg;
    for(auto const* p : {&kid, &typ, &cty})
        if(p->present() && ! p->is_string())
            return jose::error::invalid_header_parameter;
    // No extension is understood, so any critical one is unknown; an
    // unencoded payload (RFC 7797 b64: false) is not supported either.
    if(crit.present())
        return jose::error::unknown_critical_header;
    if(b64.present() && ! (b64.type == scanned_value::kind::boolean && b64.boolean))
        return jose::error::unknown_critical_header;
    if(kid.present())
        fields.kid = kid.string;
    if(typ.present())
        fields.typ = typ.string;
    return fields;
}

} // namespace detail

inline boost::json::object jws_header::json() const
{
    return parse_json_object_strict(text_).value();
}

inline result<jws_header> parse_jws_header(std::string_view header_b64, jws_limits const& limits)
{
    if(header_b64.size() % 4 == 1)
        return jose::error::invalid_base64url;
    auto const decoded_size = base64url_decoded_size(header_b64.size());
    if(decoded_size > limits.max_header_bytes)
        return jose::error::header_too_large;
    jws_header header;
    auto decoded = base64url_decode(header_b64);
    if(! decoded)
        return decoded.error();
    header.text_ = std::move(*decoded);
    auto fields = detail::scan_jws_header(header.text_, limits.max_json_depth);
    if(! fields)
        return fields.error();
    header.alg_ = fields->alg;
    if(fields->kid)
        header.kid_.emplace(*fields->kid);
    if(fields->typ)
        header.typ_.emplace(*fields->typ);
    return header;
}

inline result<void> verify_jws_signature(compact_jws const& parts, key const& k) noexcept
{
    if(parts.signature.size() % 4 == 1)
        return jose::error::invalid_base64url;
    if(base64url_decoded_size(parts.signature.size()) > detail::max_signature_bytes)
        return jose::error::invalid_signature_length;
    std::array<unsigned char, detail::max_signature_bytes> signature;
    auto size = base64url_decode(parts.signature, signature.data(), signature.size());
    if(! size)
        return size.error();
    return k.verify(parts.signing_input,
                    std::string_view(reinterpret_cast<char const*>(signature.data()), *size));
}

inline result<std::string> verify_compact_jws(std::string_view token, key const& k, jws_limits const& limits)
{
    auto parts = split_compact_jws(token, limits);
    if(! parts)
        return parts.error();
    auto header = parse_jws_header(parts->header, limits);
    if(! header)
        return header.error();
    if(header->alg() != k.alg())
        return jose::error::key_algorithm_mismatch;
    auto verified = verify_jws_signature(*parts, k);
    if(! verified)
        return verified.error();
    return base64url_decode(parts->payload);
}

inline result<std::string> sign_compact_jws(
    std::string_view payload, key const& k, std::string_view typ, std::optional<std::string_view> kid)
{
    boost::json::object header;
    header["alg"] = algorithm_name(k.alg());
    if(! typ.empty())
        header["typ"] = typ;
    auto const key_id = kid ? *kid : k.kid();
    if(! key_id.empty())
        header["kid"] = key_id;

    std::string token = base64url_encode(boost::json::serialize(header));
    token += '.';
    token += base64url_encode(payload);
    auto signature = k.sign(token);
    if(! signature)
        return signature.error();
    token += '.';
    token += base64url_encode(*signature);
    return token;
}

} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
