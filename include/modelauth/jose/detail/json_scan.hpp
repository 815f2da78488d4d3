//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_DETAIL_JSON_SCAN_HPP
#define MODELAUTH_JOSE_DETAIL_JSON_SCAN_HPP

// A strict JSON scan that builds no document: it checks a JOSE header or a
// claims set exactly as parse_json_object_strict does (RFC 8259 syntax, UTF-8,
// depth, finite numbers, no repeated member name at any depth, an object at
// the top) and hands back only the top-level members the caller names. It is
// the validator's fast path: no allocation once a thread's buffers have
// grown, and about a fifth of the cost of building a boost::json::value.

#include <modelauth/error.hpp>
#include <modelauth/jose/error.hpp>

#include <boost/container/small_vector.hpp>
#include <boost/json/array.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace jose {
namespace detail {

// A top-level member as scanned. Views point into the scanned text or into
// the scan buffers (see scan_json_members).
struct scanned_value
{
    enum class kind : std::uint8_t
    {
        absent,
        string,
        int64,
        uint64,
        number_double,
        boolean,
        null,
        object,
        array
    };

    kind type = kind::absent;
    std::string_view string;
    std::int64_t int64 = 0;
    std::uint64_t uint64 = 0;
    double number = 0;
    bool boolean = false;
    // For an array: its string elements, and whether every element was one.
    bool all_strings = true;
    boost::container::small_vector<std::string_view, 4> strings;

    bool present() const noexcept { return type != kind::absent; }
    bool is_string() const noexcept { return type == kind::string; }
};

// Buffers reused by every scan on a thread.
struct scan_buffers
{
    std::string arena;                     // names and strings, unescaped
    std::vector<std::string_view> names;   // names of the open objects
    std::vector<std::size_t> object_starts; // where each open object's names begin
};

// One set per kind of document, so a header's views survive the scan of the
// claims that follows it on the same thread.
inline scan_buffers& thread_header_buffers()
{
    thread_local scan_buffers buffers;
    return buffers;
}

inline scan_buffers& thread_claims_buffers()
{
    thread_local scan_buffers buffers;
    return buffers;
}

// Boost.JSON turns 1e400 into infinity; no JOSE value is infinite, so the
// strict parsers refuse such a number (as invalid JSON).
inline bool finite_number(double d, boost::system::error_code& ec) noexcept
{
    if(std::isfinite(d))
        return true;
    ec = boost::json::error::exponent_overflow;
    return false;
}

// What a strict parse that stopped with `ec` (after `consumed` of `size`
// bytes, `done` or not) means; repeated names and non-objects are told by
// the handlers before this.
inline std::error_code strict_parse_outcome(boost::system::error_code const& ec, std::size_t consumed,
                                            std::size_t size, bool done) noexcept
{
    if(! ec && consumed == size && done)
        return {};
    if(ec == boost::json::error::too_deep)
        return jose::error::json_too_deep;
    return jose::error::invalid_json;
}

// Name equality with the cheap tests first: most names differ in length or
// in their first byte. Member names are short (claims, header parameters),
// so the bytes are compared inline rather than through a call to memcmp.
inline bool same_name(std::string_view a, std::string_view b) noexcept
{
    if(a.size() != b.size())
        return false;
    if(a.size() > 16)
        return a == b;
    for(std::size_t i = 0; i < a.size(); ++i)
        if(a[i] != b[i])
            return false;
    return true;
}

// Length and first byte in one integer: a wanted name is compared in full
// only when both match.
constexpr std::uint64_t quick_key(std::string_view name) noexcept
{
    return (static_cast<std::uint64_t>(name.size()) << 8)
        | (name.empty() ? 0u : static_cast<unsigned char>(name.front()));
}

// The top-level members a scan wants, with their quick keys computed once
// (a constant for each kind of document).
template<std::size_t N>
struct member_names
{
    std::array<std::string_view, N> names;
    std::array<std::uint64_t, N> keys{};

    // Implicit: a scan may be given the names alone.
    constexpr member_names(std::array<std::string_view, N> const& wanted) noexcept
        : names(wanted)
    {
        for(std::size_t i = 0; i < N; ++i)
            keys[i] = quick_key(names[i]);
    }
};

template<std::size_t N>
class member_scanner
{
public:
    static constexpr std::size_t max_object_size = boost::json::object::max_size();
    static constexpr std::size_t max_array_size = boost::json::array::max_size();
    static constexpr std::size_t max_key_size = boost::json::string::max_size();
    static constexpr std::size_t max_string_size = boost::json::string::max_size();

    member_scanner(std::string_view text, member_names<N> const& wanted, std::array<scanned_value, N>& out,
                   scan_buffers& buffers) noexcept
        : text_(text), wanted_(wanted), out_(out), buffers_(buffers)
    {
    }

    bool duplicate() const noexcept { return duplicate_; }
    bool not_an_object() const noexcept { return not_an_object_; }

    bool on_document_begin(boost::system::error_code&) { return true; }
    bool on_document_end(boost::system::error_code&) { return true; }

    bool on_object_begin(boost::system::error_code& ec)
    {
        if(! value_begins(scanned_value::kind::object, ec))
            return false;
        ++depth_;
        buffers_.object_starts.push_back(buffers_.names.size());
        return true;
    }

    bool on_object_end(std::size_t, boost::system::error_code&)
    {
        buffers_.names.resize(buffers_.object_starts.back());
        buffers_.object_starts.pop_back();
        --depth_;
        return true;
    }

    bool on_array_begin(boost::system::error_code& ec)
    {
        if(! value_begins(scanned_value::kind::array, ec))
            return false;
        ++depth_;
        return true;
    }

    bool on_array_end(std::size_t, boost::system::error_code&)
    {
        --depth_;
        return true;
    }

    bool on_key_part(boost::json::string_view s, std::size_t, boost::system::error_code& ec)
    {
        return append_part(s, ec);
    }

    bool on_key(boost::json::string_view s, std::size_t, boost::system::error_code& ec)
    {
        std::string_view name;
        if(! finish(s, name, ec))
            return false;
        if(depth_ == 1)
        {
            slot_ = nullptr;
            auto const key = quick_key(name);
            for(std::size_t i = 0; i < N; ++i)
                if(wanted_.keys[i] == key && same_name(wanted_.names[i], name))
                {
                    slot_ = &out_[i];
                    break;
                }
            // A wanted member seen before has its slot filled: its name
            // need not join the list the other names are checked against.
            if(slot_)
                return slot_->present() ? repeated(ec) : true;
        }
        for(std::size_t i = buffers_.object_starts.back(); i < buffers_.names.size(); ++i)
            if(same_name(buffers_.names[i], name))
                return repeated(ec);
        buffers_.names.push_back(name);
        return true;
    }

    bool on_string_part(boost::json::string_view s, std::size_t, boost::system::error_code& ec)
    {
        return append_part(s, ec);
    }

    bool on_string(boost::json::string_view s, std::size_t, boost::system::error_code& ec)
    {
        std::string_view text;
        if(! finish(s, text, ec))
            return false;
        if(! value_begins(scanned_value::kind::string, ec))
            return false;
        if(depth_ == 1 && slot_)
            slot_->string = text;
        else if(depth_ == 2 && in_wanted_array())
            slot_->strings.push_back(text);
        return true;
    }

    bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }

    bool on_int64(std::int64_t i, boost::json::string_view, boost::system::error_code& ec)
    {
        if(! value_begins(scanned_value::kind::int64, ec))
            return false;
        if(depth_ == 1 && slot_)
            slot_->int64 = i;
        return true;
    }

    bool on_uint64(std::uint64_t u, boost::json::string_view, boost::system::error_code& ec)
    {
        if(! value_begins(scanned_value::kind::uint64, ec))
            return false;
        if(depth_ == 1 && slot_)
            slot_->uint64 = u;
        return true;
    }

    bool on_double(double d, boost::json::string_view, boost::system::error_code& ec)
    {
        if(! finite_number(d, ec) || ! value_begins(scanned_value::kind::number_double, ec))
            return false;
        if(depth_ == 1 && slot_)
            slot_->number = d;
        return true;
    }

    bool on_bool(bool b, boost::system::error_code& ec)
    {
        if(! value_begins(scanned_value::kind::boolean, ec))
            return false;
        if(depth_ == 1 && slot_)
            slot_->boolean = b;
        return true;
    }

    bool on_null(boost::system::error_code& ec) { return value_begins(scanned_value::kind::null, ec); }

    bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
    bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

private:
    bool repeated(boost::system::error_code& ec) noexcept
    {
        duplicate_ = true;
        ec = boost::json::error::syntax; // reported as duplicate_json_member
        return false;
    }

    bool in_wanted_array() const noexcept
    {
        return slot_ && slot_->type == scanned_value::kind::array;
    }

    // Records the kind of a value that starts at the current depth.
    bool value_begins(scanned_value::kind k, boost::system::error_code& ec)
    {
        if(depth_ == 0 && k != scanned_value::kind::object)
        {
            not_an_object_ = true;
            ec = boost::json::error::syntax; // reported as not_a_json_object
            return false;
        }
        if(depth_ == 1 && slot_)
            slot_->type = k;
        else if(depth_ == 2 && in_wanted_array() && k != scanned_value::kind::string)
            slot_->all_strings = false;
        return true;
    }

    bool append_part(boost::json::string_view s, boost::system::error_code& ec)
    {
        auto& arena = buffers_.arena;
        // The arena was reserved to the text's size, which bounds everything
        // unescaped from it; views into it therefore never move.
        if(arena.size() + s.size() > arena.capacity())
        {
            ec = boost::json::error::syntax;
            return false;
        }
        arena.append(s.data(), s.size());
        return true;
    }

    // The whole of a name or string whose last part is `s`. A string that
    // came in one piece straight from the input (no escapes) is a view of
    // the input itself, which outlives the scan's results; anything else is
    // assembled in the arena.
    bool finish(boost::json::string_view s, std::string_view& whole, boost::system::error_code& ec)
    {
        bool const in_text = s.data() >= text_.data() && s.data() + s.size() <= text_.data() + text_.size();
        if(in_text && part_begin_ == buffers_.arena.size())
        {
            whole = std::string_view(s.data(), s.size());
            return true;
        }
        if(! append_part(s, ec))
            return false;
        std::string_view const all(buffers_.arena);
        whole = all.substr(part_begin_);
        part_begin_ = all.size();
        return true;
    }

    std::string_view text_;
    member_names<N> const& wanted_;
    std::array<scanned_value, N>& out_;
    scan_buffers& buffers_;
    scanned_value* slot_ = nullptr;
    std::size_t depth_ = 0;
    std::size_t part_begin_ = 0;
    bool duplicate_ = false;
    bool not_an_object_ = false;
};

// Scans `text` strictly; fills `out[i]` with the top-level member named
// `wanted[i]`, if present. Errors as parse_json_object_strict. The views in
// `out` point into `text` or into `buffers`, and live as long as `text` and
// until the next scan with `buffers`.
template<std::size_t N>
result<void> scan_json_members(std::string_view text, member_names<N> const& wanted,
                               std::array<scanned_value, N>& out, std::size_t max_depth,
                               scan_buffers& buffers)
{
    buffers.arena.clear();
    buffers.arena.reserve(text.size());
    buffers.names.clear();
    buffers.object_starts.clear();
    for(auto& v : out)
    {
        v.type = scanned_value::kind::absent;
        v.all_strings = true;
        v.strings.clear();
    }

    boost::json::parse_options options;
    options.max_depth = max_depth;
    boost::json::basic_parser<member_scanner<N>> parser(options, text, wanted, out, buffers);
    boost::system::error_code ec;
    auto const consumed = parser.write_some(false, text.data(), text.size(), ec);
    if(parser.handler().duplicate())
        return jose::error::duplicate_json_member;
    if(parser.handler().not_an_object())
        return jose::error::not_a_json_object;
    if(auto const outcome = strict_parse_outcome(ec, consumed, text.size(), parser.done()))
        return outcome;
    return {};
}

} // namespace detail
} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
