//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_DETAIL_PATH_GRAMMAR_HPP
#define MODELAUTH_DETAIL_PATH_GRAMMAR_HPP

// The strict path grammar shared by request_target, the model registry and
// the router. Every function here is allocation-free and never throws.
//
//   path     = 1*( "/" segment )        ; origin-form absolute-path, RFC 9112 3.2.1
//   segment  = 1*( unreserved / pct-unreserved )
//   pct-unreserved = "%" HEXDIG HEXDIG  ; decoding to an unreserved character
//   unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"   ; RFC 3986 2.3
//
// with one exception: the last segment may be empty (the path ends in "/").
// A segment whose decoded value is "." or ".." is rejected.

#include <modelauth/error.hpp>
#include <modelauth/router/error.hpp>

#include <array>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace detail {

// What a raw byte of a request target is, for the path grammar.
enum class char_kind : unsigned char
{
    unreserved,  // ALPHA DIGIT - . _ ~
    percent,     // %
    slash,       // /
    question,    // ?
    hash,        // #
    backslash,   // \ (U5)
    control,     // 00-1F, 7F (U7)
    non_ascii,   // 80-FF (U6, U12)
    other        // space, sub-delims, ":", "@", and the rest of ASCII (U9)
};

constexpr char_kind classify_char(unsigned char c) noexcept
{
    if((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~')
        return char_kind::unreserved;
    switch(c)
    {
    case '%': return char_kind::percent;
    case '/': return char_kind::slash;
    case '?': return char_kind::question;
    case '#': return char_kind::hash;
    case '\\': return char_kind::backslash;
    default: break;
    }
    if(c < 0x20 || c == 0x7F)
        return char_kind::control;
    if(c >= 0x80)
        return char_kind::non_ascii;
    return char_kind::other;
}

constexpr std::array<char_kind, 256> make_char_table() noexcept
{
    std::array<char_kind, 256> table{};
    for(std::size_t i = 0; i < table.size(); ++i)
        table[i] = classify_char(static_cast<unsigned char>(i));
    return table;
}

inline constexpr std::array<char_kind, 256> char_table = make_char_table();

constexpr char_kind kind_of(char c) noexcept
{
    return char_table[static_cast<unsigned char>(c)];
}

constexpr bool is_unreserved(char c) noexcept
{
    return kind_of(c) == char_kind::unreserved;
}

constexpr bool is_alnum(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// The value of a hexadecimal digit, or -1.
constexpr int hex_value(char c) noexcept
{
    if(c >= '0' && c <= '9')
        return c - '0';
    if(c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if(c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// The fault of a raw byte that is not allowed in a segment.
constexpr router::error raw_char_error(char_kind k) noexcept
{
    switch(k)
    {
    case char_kind::backslash: return router::error::backslash;
    case char_kind::control: return router::error::control_character;
    case char_kind::non_ascii: return router::error::non_ascii;
    case char_kind::hash:
    case char_kind::question: return router::error::encoded_delimiter;
    default: return router::error::invalid_character;
    }
}

// The fault of a percent-escape decoding to the byte `d`; router::error{}
// (zero, no fault) when `d` is unreserved.
constexpr router::error escape_error(unsigned char d) noexcept
{
    switch(d)
    {
    case '/': return router::error::percent_encoded_slash;
    case '\\': return router::error::backslash;
    case '%': return router::error::percent_encoded_percent;
    case '?':
    case '#': return router::error::encoded_delimiter;
    default: break;
    }
    switch(classify_char(d))
    {
    case char_kind::unreserved: return router::error{};
    case char_kind::control: return router::error::control_character;
    case char_kind::non_ascii: return router::error::non_ascii;
    default: return router::error::invalid_character;
    }
}

// Whether the raw segment [first, last) decodes to "." or ".." (U1, U2):
// each character "." or "%2e" / "%2E".
inline bool is_dot_segment(char const* first, char const* last) noexcept
{
    std::size_t dots = 0;
    while(first != last)
    {
        if(*first == '.')
            ++first;
        else if(last - first >= 3 && first[0] == '%' && first[1] == '2' && (first[2] == 'e' || first[2] == 'E'))
            first += 3;
        else
            return false;
        if(++dots > 2)
            return false;
    }
    return dots > 0;
}

// Checks an absolute path (it must start with "/") against the grammar above.
// Returns router::error{} if it conforms, else the first fault from the left.
// Sets has_escapes when the path holds at least one (valid) percent-escape.
inline router::error check_path(std::string_view path, bool& has_escapes) noexcept
{
    has_escapes = false;
    char const* p = path.data() + 1;
    char const* const end = path.data() + path.size();
    char const* segment = p;
    for(;;)
    {
        while(p != end && kind_of(*p) == char_kind::unreserved)
            ++p;
        if(p != end && *p == '%')
        {
            // U13: a "%" needs two hexadecimal digits (and "%2>" is not "%2e").
            if(end - p < 3)
                return router::error::invalid_percent_escape;
            int const hi = hex_value(p[1]);
            int const lo = hex_value(p[2]);
            if(hi < 0 || lo < 0)
                return router::error::invalid_percent_escape;
            if(auto const e = escape_error(static_cast<unsigned char>(hi * 16 + lo)); e != router::error{})
                return e;
            has_escapes = true;
            p += 3;
            continue;
        }
        if(p != end && *p != '/')
            return raw_char_error(kind_of(*p));
        // The segment [segment, p) is complete.
        if(p == segment)
        {
            // Only the last segment may be empty: the path ends in "/".
            if(p == end)
                return router::error{};
            return router::error::empty_segment;
        }
        if(p - segment <= 6 && is_dot_segment(segment, p))
            return router::error::dot_segment;
        if(p == end)
            return router::error{};
        segment = ++p;
    }
}

// The character that starts at raw[i] of text check_path accepted (a plain
// character or a valid percent-escape), decoded; moves i past it.
inline char take_decoded(std::string_view raw, std::size_t& i) noexcept
{
    if(raw[i] != '%')
        return raw[i++];
    char const c = static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
    i += 3;
    return c;
}

// What decode_checked returns when the decoded text does not fit.
inline constexpr std::size_t decode_overflow = static_cast<std::size_t>(-1);

// Decodes the checked `raw` into `out`. Returns the decoded size, or
// `decode_overflow` if it would exceed `capacity`.
inline std::size_t decode_checked(std::string_view raw, char* out, std::size_t capacity) noexcept
{
    std::size_t n = 0;
    for(std::size_t i = 0; i < raw.size(); ++n)
    {
        if(n == capacity)
            return decode_overflow;
        out[n] = take_decoded(raw, i);
    }
    return n;
}

// Whether the checked `raw` decodes to exactly `plain`, without decoding into
// a buffer.
inline bool decoded_equals(std::string_view raw, std::string_view plain) noexcept
{
    std::size_t j = 0;
    for(std::size_t i = 0; i < raw.size(); ++j)
        if(j == plain.size() || take_decoded(raw, i) != plain[j])
            return false;
    return j == plain.size();
}

// A checked key (prefix, name or version) in its decoded form: `raw` itself
// when it holds no escape, else decoded into `buffer`. Returns an empty view
// if the decoded key would not fit: such a key is longer than any registered
// one (the caller has already rejected empty keys).
template<std::size_t N>
std::string_view decoded_key(std::string_view raw, bool may_have_escapes, std::array<char, N>& buffer) noexcept
{
    if(! may_have_escapes || std::memchr(raw.data(), '%', raw.size()) == nullptr)
        return raw;
    std::size_t const n = decode_checked(raw, buffer.data(), buffer.size());
    if(n == decode_overflow)
        return {};
    return std::string_view(buffer.data(), n);
}

// A label of the name grammar (U17): 1..max bytes of [A-Za-z0-9._-], the
// first one a letter or a digit, the last one not ".". Used for model names,
// versions (U16) and each segment of a prefix or root.
constexpr bool is_label(std::string_view s, std::size_t max_bytes) noexcept
{
    if(s.empty() || s.size() > max_bytes || ! is_alnum(s.front()) || s.back() == '.')
        return false;
    for(char c : s)
        if(! is_alnum(c) && c != '.' && c != '-' && c != '_')
            return false;
    return true;
}

// A "/"-separated sequence of 1..max_segments labels, at most max_bytes in all,
// without a leading or trailing "/".
constexpr bool is_label_path(std::string_view s, std::size_t max_segments,
    std::size_t max_segment_bytes, std::size_t max_bytes) noexcept
{
    if(s.empty() || s.size() > max_bytes)
        return false;
    std::size_t segments = 0;
    for(;;)
    {
        std::size_t const slash = s.find('/');
        if(++segments > max_segments || ! is_label(s.substr(0, slash), max_segment_bytes))
            return false;
        if(slash == std::string_view::npos)
            return true;
        s.remove_prefix(slash + 1);
    }
}

// Splits off the first segment of `rest` (which starts after a "/"): returns
// it and leaves `rest` after the following "/", or empty if there is none.
// Sets `slash` to whether a "/" followed the segment.
inline std::string_view next_segment(std::string_view& rest, bool& slash) noexcept
{
    // Segments are short: a plain loop beats a call to memchr.
    char const* const first = rest.data();
    char const* const end = first + rest.size();
    char const* p = first;
    while(p != end && *p != '/')
        ++p;
    std::string_view const segment(first, static_cast<std::size_t>(p - first));
    slash = p != end;
    rest = slash ? std::string_view(p + 1, static_cast<std::size_t>(end - p - 1)) : std::string_view();
    return segment;
}

} // namespace detail
} // namespace v0
} // namespace modelauth

#endif
