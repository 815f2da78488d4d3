//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_IMPL_CREDENTIALS_HPP
#define MODELAUTH_HTTP_IMPL_CREDENTIALS_HPP

#include <modelauth/detail/ascii.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/router/query_view.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/type_traits.hpp>

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace modelauth {
inline namespace v0 {
namespace http {

constexpr std::string_view credential_source_name(credential_source s) noexcept
{
    switch(s)
    {
    case credential_source::authorization_bearer: return "authorization_bearer";
    case credential_source::api_key_header: return "api_key_header";
    case credential_source::query_parameter: return "query_parameter";
    }
    return "unknown";
}

namespace detail {

// The b64token characters before the "=" padding (RFC 6750 section 2.1).
constexpr bool is_b64token_char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
        || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

// tchar of RFC 9110 section 5.6.2: the characters of a token, such as an auth-scheme.
constexpr bool is_tchar(char c) noexcept
{
    if((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch(c)
    {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

// A control character: not allowed anywhere in a field value, HTAB excepted
// (RFC 9110 section 5.5).
constexpr bool is_field_control(char c) noexcept
{
    auto const u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7F;
}

// The field value without the SP and HTAB around it (RFC 9110 section 5.5:
// they are not part of the value; Beast's parser strips them already).
constexpr std::string_view trim_ows(std::string_view v) noexcept
{
    while(! v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
    while(! v.empty() && (v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
    return v;
}

// "Bearer" 1*SP b64token, with the value already trimmed.
inline result<credential> parse_authorization(std::string_view value, std::size_t max_bytes) noexcept
{
    std::size_t i = 0;
    while(i < value.size() && is_tchar(value[i]))
        ++i;
    // credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]: a scheme,
    // then the end or SP. Anything else (an empty value, "Bearer\tx",
    // "Bearer,x", a quoted string) is not an Authorization value at all.
    if(i == 0 || (i < value.size() && value[i] != ' '))
        return http::error::malformed_authorization;
    if(! modelauth::detail::iequals_ascii(value.substr(0, i), "bearer"))
        return http::error::unsupported_scheme; // H10
    while(i < value.size() && value[i] == ' ')
        ++i; // H4: 1*SP
    std::string_view const token = value.substr(i);
    if(token.empty())
        return http::error::malformed_authorization; // H3
    if(token.size() > max_bytes)
        return http::error::credential_too_large; // H11
    if(! is_b64token(token))
        return http::error::malformed_authorization; // H5, H8, H13
    return credential{credential_source::authorization_bearer, token};
}

inline result<credential> parse_api_key(std::string_view value, std::size_t max_bytes) noexcept
{
    value = trim_ows(value);
    if(value.empty())
        return http::error::malformed_authorization;
    if(value.size() > max_bytes)
        return http::error::credential_too_large;
    for(char c : value)
        if(is_field_control(c))
            return http::error::malformed_authorization; // H13
    return credential{credential_source::api_key_header, value};
}

inline result<credential> parse_query_credential(router::query_param const& param, std::size_t max_bytes) noexcept
{
    std::string_view const value = param.value.encoded();
    if(value.empty())
        return http::error::malformed_authorization;
    if(value.size() > max_bytes)
        return http::error::credential_too_large;
    // Percent-escapes and "+" (a space in form encoding) would need decoding.
    if(value.find('+') != std::string_view::npos || ! is_b64token(value))
        return http::error::malformed_authorization;
    return credential{credential_source::query_parameter, value};
}

// The query of a request target: after the first "?", without it.
inline router::query_view query_of(std::string_view target) noexcept
{
    std::size_t const q = target.find('?');
    return q == std::string_view::npos ? router::query_view() : router::query_view(target.substr(q + 1));
}

} // namespace detail

namespace detail {

constexpr std::array<unsigned char, 256> make_b64token_table() noexcept
{
    std::array<unsigned char, 256> table{};
    for(std::size_t c = 0; c < 256; ++c)
        table[c] = is_b64token_char(static_cast<char>(c)) ? 1 : 0;
    return table;
}

inline constexpr std::array<unsigned char, 256> b64token_table = make_b64token_table();

#if defined(__SSE2__) && defined(__has_builtin)
#if __has_builtin(__builtin_is_constant_evaluated)
#define MODELAUTH_B64TOKEN_SSE2 1
#endif
#endif

#if defined(MODELAUTH_B64TOKEN_SSE2)
// How many leading characters of p[0, size) are b64token characters, 16 at a
// time with SSE2 (every x86-64 has it): the set is five ranges and singles,
// tested by compares, and the first character outside it found in the mask.
inline std::size_t b64token_prefix_sse2(char const* p, std::size_t size) noexcept
{
    std::size_t i = 0;
    for(; i + 16 <= size; i += 16)
    {
        __m128i const x = _mm_loadu_si128(reinterpret_cast<__m128i const*>(p + i));
        auto const in_range = [&](char lo, char hi) {
            // Signed compares: bytes >= 0x80 are negative and never in a range.
            return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(static_cast<char>(lo - 1))),
                                 _mm_cmplt_epi8(x, _mm_set1_epi8(static_cast<char>(hi + 1))));
        };
        // "-" "." "/" and the digits are one range, 0x2D to 0x39.
        __m128i const valid = _mm_or_si128(
            _mm_or_si128(_mm_or_si128(in_range('A', 'Z'), in_range('a', 'z')), in_range('-', '9')),
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('+')), _mm_cmpeq_epi8(x, _mm_set1_epi8('_'))),
                         _mm_cmpeq_epi8(x, _mm_set1_epi8('~'))));
        auto const mask = static_cast<unsigned>(_mm_movemask_epi8(valid));
        if(mask != 0xFFFFu)
            return i + static_cast<std::size_t>(__builtin_ctz(~mask));
    }
    return i;
}
#endif

// How many leading characters of `token` are b64token characters: 16 at a
// time with SSE2 where there is, then a table lookup per character, 8 at a
// time while all 8 are (tokens are long).
constexpr std::size_t b64token_prefix(std::string_view token) noexcept
{
    auto const in = [&](std::size_t k) -> unsigned { return b64token_table[static_cast<unsigned char>(token[k])]; };
    std::size_t i = 0;
#if defined(MODELAUTH_B64TOKEN_SSE2)
    if(! __builtin_is_constant_evaluated())
    {
        i = b64token_prefix_sse2(token.data(), token.size());
        if(i + 16 <= token.size())
            return i; // stopped at a character outside the set
    }
#endif
    while(i + 8 <= token.size()
          && (in(i) & in(i + 1) & in(i + 2) & in(i + 3) & in(i + 4) & in(i + 5) & in(i + 6) & in(i + 7)) != 0)
        i += 8;
    while(i < token.size() && in(i) != 0)
        ++i;
    return i;
}

} // namespace detail

constexpr bool is_b64token(std::string_view token) noexcept
{
    std::size_t i = detail::b64token_prefix(token);
    if(i == 0)
        return false;
    while(i < token.size() && token[i] == '=')
        ++i;
    return i == token.size();
}

namespace detail {

inline std::string_view to_string_view(boost::beast::string_view v) noexcept
{
    return std::string_view(v.data(), v.size());
}

// Whether a Fields type can be walked field by field as basic_fields can:
// begin() and end(), each field telling its name() and name_string() and
// value(). Other Fields types are asked by name.
template<class Fields, class = void>
struct iterable_fields : std::false_type
{
};

template<class Fields>
struct iterable_fields<Fields,
    std::void_t<decltype(std::declval<Fields const&>().begin() != std::declval<Fields const&>().end()),
        decltype(std::declval<Fields const&>().begin()->name() == boost::beast::http::field::authorization),
        decltype(to_string_view(std::declval<Fields const&>().begin()->name_string())),
        decltype(to_string_view(std::declval<Fields const&>().begin()->value()))>> : std::true_type
{
};

// Whether a Fields type can also erase a field by position, as basic_fields
// can: erase(const_iterator) returning the next position.
template<class Fields, class = void>
struct erasable_fields : std::false_type
{
};

template<class Fields>
struct erasable_fields<Fields,
    std::enable_if_t<iterable_fields<Fields>::value,
        std::void_t<decltype(std::declval<Fields&>().begin() = std::declval<Fields&>().erase(
                                 std::declval<Fields&>().begin()))>>> : std::true_type
{
};

// Whether the field `f` is the API-key header `name` (empty: there is none).
template<class Field>
bool is_api_key_field(Field const& f, std::string_view name) noexcept
{
    if(name.empty())
        return false;
    auto const field_name = f.name_string();
    return field_name.size() == name.size()
        && modelauth::detail::iequals_ascii(to_string_view(field_name), name);
}

} // namespace detail

template<class Fields>
result<credential> extract_credential(
    boost::beast::http::header<true, Fields> const& message, credential_options const& options) noexcept
{
    static_assert(boost::beast::http::is_fields<Fields>::value,
        "extract_credential: Fields type requirements not met (see Beast's Fields concept)");
    using boost::beast::http::field;

    std::size_t authorization_fields = 0;
    std::size_t api_key_fields = 0;
    std::string_view authorization;
    std::string_view api_key;
    if constexpr(detail::iterable_fields<Fields>::value)
    {
        // One pass over the fields (a request has a handful) rather than a
        // lookup in Beast's tree per name and per question.
        for(auto const& f : message)
        {
            if(f.name() == field::authorization && authorization_fields++ == 0)
                authorization = detail::to_string_view(f.value());
            if(detail::is_api_key_field(f, options.api_key_header) && api_key_fields++ == 0)
                api_key = detail::to_string_view(f.value());
        }
    }
    else
    {
        authorization_fields = message.count(field::authorization);
        if(authorization_fields == 1)
            authorization = detail::to_string_view(message[field::authorization]);
        if(! options.api_key_header.empty())
            api_key_fields = message.count(options.api_key_header);
        if(api_key_fields == 1)
            api_key = detail::to_string_view(message[options.api_key_header]);
    }
    if(authorization_fields > 1)
        return http::error::multiple_authorization_headers; // H7

    router::query_view query;
    router::query_param query_credential;
    std::size_t query_credentials = 0;
    if(! options.query_parameter.empty())
    {
        query = detail::query_of(std::string_view(message.target().data(), message.target().size()));
        for(auto it = query.begin(); it != query.end(); ++it)
        {
            router::query_param const param = *it;
            if(! param.key.equals(options.query_parameter))
                continue;
            if(query_credentials == 0)
                query_credential = param;
            ++query_credentials;
        }
    }

    if(api_key_fields > 1 || query_credentials > 1
        || authorization_fields + (api_key_fields != 0) + (query_credentials != 0) > 1)
        return http::error::multiple_credentials; // H9

    if(authorization_fields == 1)
        return detail::parse_authorization(detail::trim_ows(authorization), options.max_credential_bytes);
    if(api_key_fields == 1)
        return detail::parse_api_key(api_key, options.max_credential_bytes);
    if(query_credentials == 1)
        return detail::parse_query_credential(query_credential, options.max_credential_bytes);
    return http::error::missing_credentials; // H1
}

} // namespace http
} // namespace v0
} // namespace modelauth

#endif
