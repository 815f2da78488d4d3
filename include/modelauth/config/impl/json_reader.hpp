//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CONFIG_IMPL_JSON_READER_HPP
#define MODELAUTH_CONFIG_IMPL_JSON_READER_HPP

#include <modelauth/configuration_error.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/jose/json.hpp>

#include <boost/json/parser.hpp>

#include <algorithm>
#include <cmath>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace config {
namespace detail {

inline bool is_identifier(std::string_view key) noexcept
{
    return ! key.empty() && key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

// "a, b, c"
template<class Words>
inline std::string joined(Words const& words)
{
    std::string out;
    for(auto w : words)
    {
        if(! out.empty())
            out += ", ";
        out += w;
    }
    return out;
}

// Where a syntax error stopped the parser, as "line L, column C" (bytes, from 1).
inline std::string text_position(std::string_view text, std::size_t at)
{
    std::size_t line = 1;
    std::size_t column = 1;
    for(std::size_t i = 0; i < (std::min)(at, text.size()); ++i)
    {
        if(text[i] == '\n')
        {
            ++line;
            column = 1;
        }
        else
            ++column;
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

} // namespace detail

inline std::string member_path(std::string_view parent, std::string_view key)
{
    std::string path(parent);
    if(detail::is_identifier(key))
    {
        if(! path.empty())
            path += '.';
        path += key;
        return path;
    }
    path += "[\"";
    std::size_t const shown = (std::min)(key.size(), std::size_t(64));
    for(std::size_t i = 0; i < shown; ++i)
    {
        auto const c = static_cast<unsigned char>(key[i]);
        if(c < 0x20 || c >= 0x7F || c == '"' || c == '\\')
        {
            static constexpr char hex[] = "0123456789abcdef";
            path += "\\x";
            path += hex[c >> 4];
            path += hex[c & 15];
        }
        else
            path += static_cast<char>(c);
    }
    if(shown < key.size())
        path += "...";
    path += "\"]";
    return path;
}

inline std::string index_path(std::string_view parent, std::size_t index)
{
    return std::string(parent) + "[" + std::to_string(index) + "]";
}

template<class F>
decltype(auto) with_field_prefix(std::string_view from, std::string const& to, F&& f)
{
    try
    {
        return std::forward<F>(f)();
    }
    catch(configuration_error const& e)
    {
        std::string const& field = e.field();
        if(field.compare(0, from.size(), from) != 0)
            throw;
        std::string rest = field.substr(from.size());
        if(to.empty() && ! rest.empty() && rest.front() == '.')
            rest.erase(0, 1);
        std::string renamed = to + rest;
        throw configuration_error(renamed, std::string_view(e.what()).substr(field.size() + 2));
    }
}

inline boost::json::value parse_document(std::string_view text, std::string const& name, std::size_t max_depth)
{
    auto parsed = jose::parse_json_strict(text, {}, max_depth);
    if(parsed)
        return std::move(*parsed);
    auto const why = parsed.error();
    if(why == jose::error::duplicate_json_member)
        throw configuration_error(name, "is not valid JSON: a key appears twice in one object");
    if(why == jose::error::json_too_deep)
        throw configuration_error(name, "is not valid JSON: nested deeper than " + std::to_string(max_depth));
    // Boost.JSON's own parser, as strict, finds where the syntax broke.
    boost::json::parse_options options;
    options.max_depth = max_depth;
    boost::json::parser parser({}, options);
    boost::system::error_code ec;
    std::size_t const consumed = parser.write_some(text.data(), text.size(), ec);
    if(! ec && consumed != text.size())
        ec = boost::json::error::extra_data;
    if(ec)
        throw configuration_error(
            name, "is not valid JSON: " + ec.message() + " at " + detail::text_position(text, consumed));
    // What Boost.JSON accepts and the strict parser does not: `1e400`.
    throw configuration_error(name, "is not valid JSON: a number is too large for a double");
}

//----------------------------------------------------------------------------

namespace detail {

// What a recording reader reads in place of a value that is absent or of the
// wrong kind.
inline boost::json::value const& null_value() noexcept
{
    static boost::json::value const v;
    return v;
}

inline boost::json::object const& empty_object() noexcept
{
    static boost::json::object const o;
    return o;
}

inline boost::json::array const& empty_array() noexcept
{
    static boost::json::array const a;
    return a;
}

} // namespace detail

inline json_reader::json_reader(boost::json::value const& value, std::string path, json_fault* faults)
    : value_(&value)
    , path_(std::move(path))
    , faults_(faults)
{
}

inline void json_reader::fail(std::string_view problem) const
{
    throw configuration_error(path_.empty() ? std::string("(config)") : path_, problem);
}

inline void json_reader::report(std::string_view problem) const
{
    report_at(path_, problem);
}

inline void json_reader::report_at(std::string path, std::string_view problem) const
{
    if(path.empty())
        path = "(config)";
    if(faults_ == nullptr)
        throw configuration_error(std::move(path), problem);
    if(! *faults_)
    {
        faults_->field = std::move(path);
        faults_->problem = std::string(problem);
    }
}

inline json_reader json_reader::child(boost::json::value const& v, std::string path) const
{
    return json_reader(v, std::move(path), faults_);
}

inline boost::json::object const& json_reader::object() const
{
    if(value_->is_object())
        return value_->get_object();
    report(path_.empty() ? "must be a JSON object" : "must be an object");
    return detail::empty_object();
}

inline void json_reader::allow_only(std::initializer_list<std::string_view> known) const
{
    allow_only(std::vector<std::string_view>(known));
}

inline void json_reader::allow_only(std::vector<std::string_view> const& known) const
{
    for(auto const& member : object())
    {
        std::string_view const key(member.key().data(), member.key().size());
        if(std::find(known.begin(), known.end(), key) == known.end())
            return report_at(member_path(path_, key), "is not a known key; expected one of: " + detail::joined(known));
    }
}

inline json_reader json_reader::operator[](std::string_view key) const
{
    auto const* v = object().if_contains(key);
    if(v == nullptr)
    {
        report_at(member_path(path_, key), "is required");
        v = &detail::null_value();
    }
    return child(*v, member_path(path_, key));
}

inline std::optional<json_reader> json_reader::find(std::string_view key) const
{
    auto const* v = object().if_contains(key);
    if(v == nullptr)
        return std::nullopt;
    return child(*v, member_path(path_, key));
}

inline std::optional<json_reader> json_reader::find_non_null(std::string_view key) const
{
    auto const* v = object().if_contains(key);
    if(v == nullptr || v->is_null())
        return std::nullopt;
    return child(*v, member_path(path_, key));
}

inline std::string_view json_reader::one_of(
    std::initializer_list<std::string_view> keys, std::string_view what, bool required) const
{
    std::string_view given;
    for(auto key : keys)
    {
        if(object().if_contains(key) == nullptr)
            continue;
        if(! given.empty())
        {
            report_at(member_path(path_, key), "cannot be given together with " + std::string(given)
                    + ": give exactly one of " + detail::joined(keys));
            return given;
        }
        given = key;
    }
    if(given.empty() && required)
        report("needs exactly one of " + detail::joined(keys) + ": " + std::string(what));
    return given;
}

inline boost::json::array const& json_reader::array() const
{
    if(value_->is_array())
        return value_->get_array();
    report("must be an array");
    return detail::empty_array();
}

inline std::vector<json_reader> json_reader::elements(
    std::size_t min_items, std::size_t max_items, std::string_view what) const
{
    auto const& list = array();
    if(list.size() < min_items)
        report(min_items == 1 ? "must list at least one " + std::string(what)
                              : "must list at least " + std::to_string(min_items) + " " + std::string(what) + "s");
    if(list.size() > max_items)
        report("must list at most " + std::to_string(max_items) + " " + std::string(what) + "s");
    std::vector<json_reader> out;
    out.reserve(list.size());
    for(std::size_t i = 0; i < list.size(); ++i)
        out.push_back(child(list[i], index_path(path_, i)));
    return out;
}

inline std::vector<std::string> json_reader::texts(
    std::size_t min_items, std::string_view what, std::size_t max_bytes) const
{
    std::vector<std::string> out;
    for(auto const& element : elements(min_items, (std::numeric_limits<std::size_t>::max)(), what))
        out.emplace_back(element.text(max_bytes));
    return out;
}

inline std::string_view json_reader::string() const
{
    if(! value_->is_string())
    {
        report("must be a string");
        return {};
    }
    auto const& s = value_->get_string();
    return std::string_view(s.data(), s.size());
}

inline std::string_view json_reader::text(std::size_t max_bytes) const
{
    std::string_view const s = string();
    if(! value_->is_string())
        return {};
    std::string problem;
    if(s.empty())
        problem = "must not be empty";
    else if(s.size() > max_bytes)
        problem = "must be at most " + std::to_string(max_bytes) + " bytes";
    else if(std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }))
        problem = "must not contain control characters";
    if(problem.empty())
        return s;
    report(problem);
    return {};
}

inline bool json_reader::boolean() const
{
    if(value_->is_bool())
        return value_->get_bool();
    report("must be true or false");
    return false;
}

template<class Int>
Int json_reader::integer(Int low, Int high) const
{
    static_assert(std::is_integral<Int>::value && ! std::is_same<Int, bool>::value,
        "json_reader::integer: Int must be an integer type other than bool");
    if(! value_->is_int64() && ! value_->is_uint64())
    {
        report("must be an integer");
        return low;
    }
    bool in_range = false;
    if(value_->is_int64())
    {
        std::int64_t const x = value_->get_int64();
        if constexpr(std::is_signed<Int>::value)
            in_range = x >= static_cast<std::int64_t>(low) && x <= static_cast<std::int64_t>(high);
        else
            in_range = x >= 0 && static_cast<std::uint64_t>(x) >= low && static_cast<std::uint64_t>(x) <= high;
    }
    else
    {
        std::uint64_t const x = value_->get_uint64();
        if constexpr(std::is_signed<Int>::value)
            in_range = high >= 0 && x <= static_cast<std::uint64_t>(high)
                && (low <= 0 || x >= static_cast<std::uint64_t>(low));
        else
            in_range = x >= low && x <= high;
    }
    if(! in_range)
    {
        report("must be an integer from " + std::to_string(low) + " to " + std::to_string(high));
        return low;
    }
    return value_->is_int64() ? static_cast<Int>(value_->get_int64()) : static_cast<Int>(value_->get_uint64());
}

inline double json_reader::number() const
{
    if(value_->is_int64())
        return static_cast<double>(value_->get_int64());
    if(value_->is_uint64())
        return static_cast<double>(value_->get_uint64());
    if(value_->is_double() && std::isfinite(value_->get_double()))
        return value_->get_double();
    report("must be a number");
    return 0;
}

inline std::chrono::seconds json_reader::seconds(std::chrono::seconds low, std::chrono::seconds high) const
{
    return std::chrono::seconds(integer<std::int64_t>(low.count(), high.count()));
}

} // namespace config
} // namespace v0
} // namespace modelauth

#endif
