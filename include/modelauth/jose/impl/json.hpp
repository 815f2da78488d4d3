//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_IMPL_JSON_HPP
#define MODELAUTH_JOSE_IMPL_JSON_HPP

#include <modelauth/jose/detail/json_scan.hpp>
#include <modelauth/jose/error.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace jose {
namespace detail {

// A basic_parser handler that builds a value exactly as boost::json::parser
// does, and records how many members each object had in the text, in the
// order the objects end (post-order). boost::json's object keeps one member
// per name, so after the parse a document has a repeated name if and only if
// some object of the tree, visited in the same post-order, has fewer members
// than the text gave it (or a whole object was dropped with a repeated
// member). Recording counts needs no copy of any name and, for documents
// with up to 32 objects, no allocation.
class strict_json_handler
{
public:
    static constexpr std::size_t max_object_size = boost::json::object::max_size();
    static constexpr std::size_t max_array_size = boost::json::array::max_size();
    static constexpr std::size_t max_key_size = boost::json::string::max_size();
    static constexpr std::size_t max_string_size = boost::json::string::max_size();

    explicit strict_json_handler(boost::json::storage_ptr sp)
        : storage_(std::move(sp))
        , stack_({}, temp_, sizeof temp_)
    {
    }

    boost::json::value_stack& stack() noexcept { return stack_; }

    // Whether `v`, the value built, kept every member the text had.
    bool members_intact(boost::json::value const& v) const noexcept
    {
        std::size_t next = 0;
        return check(v, next) && next == count_;
    }

    bool on_document_begin(boost::system::error_code&)
    {
        stack_.reset(storage_);
        return true;
    }
    bool on_document_end(boost::system::error_code&) { return true; }
    bool on_object_begin(boost::system::error_code&) { return true; }

    bool on_object_end(std::size_t n, boost::system::error_code&)
    {
        if(count_ < inline_counts_.size())
            inline_counts_[count_] = n;
        else
            more_counts_.push_back(n);
        ++count_;
        stack_.push_object(n);
        return true;
    }

    bool on_array_begin(boost::system::error_code&) { return true; }
    bool on_array_end(std::size_t n, boost::system::error_code&)
    {
        stack_.push_array(n);
        return true;
    }
    bool on_key_part(boost::json::string_view s, std::size_t, boost::system::error_code&)
    {
        stack_.push_chars(s);
        return true;
    }
    bool on_key(boost::json::string_view s, std::size_t, boost::system::error_code&)
    {
        stack_.push_key(s);
        return true;
    }
    bool on_string_part(boost::json::string_view s, std::size_t, boost::system::error_code&)
    {
        stack_.push_chars(s);
        return true;
    }
    bool on_string(boost::json::string_view s, std::size_t, boost::system::error_code&)
    {
        stack_.push_string(s);
        return true;
    }
    bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
    bool on_int64(std::int64_t i, boost::json::string_view, boost::system::error_code&)
    {
        stack_.push_int64(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, boost::json::string_view, boost::system::error_code&)
    {
        stack_.push_uint64(u);
        return true;
    }
    bool on_double(double d, boost::json::string_view, boost::system::error_code& ec)
    {
        if(! finite_number(d, ec))
            return false;
        stack_.push_double(d);
        return true;
    }
    bool on_bool(bool b, boost::system::error_code&)
    {
        stack_.push_bool(b);
        return true;
    }
    bool on_null(boost::system::error_code&)
    {
        stack_.push_null();
        return true;
    }
    bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
    bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

private:
    std::size_t count_at(std::size_t i) const noexcept
    {
        return i < inline_counts_.size() ? inline_counts_[i] : more_counts_[i - inline_counts_.size()];
    }

    // Visits `v` in post-order, as the parser ended its objects.
    bool check(boost::json::value const& v, std::size_t& next) const noexcept
    {
        if(v.is_array())
        {
            for(auto const& element : v.get_array())
                if(! check(element, next))
                    return false;
        }
        else if(v.is_object())
        {
            for(auto const& member : v.get_object())
                if(! check(member.value(), next))
                    return false;
            if(next >= count_ || count_at(next) != v.get_object().size())
                return false;
            ++next;
        }
        return true;
    }

    boost::json::storage_ptr storage_;
    unsigned char temp_[1024];
    boost::json::value_stack stack_;
    std::array<std::size_t, 32> inline_counts_{};
    std::vector<std::size_t> more_counts_;
    std::size_t count_ = 0;
};

} // namespace detail

inline result<boost::json::value>
parse_json_strict(std::string_view text, boost::json::storage_ptr sp, std::size_t max_depth)
{
    boost::json::parse_options options;
    options.max_depth = max_depth;
    options.allow_comments = false;
    options.allow_trailing_commas = false;
    options.allow_invalid_utf8 = false;

    boost::json::basic_parser<detail::strict_json_handler> parser(options, std::move(sp));
    boost::system::error_code ec;
    auto const consumed = parser.write_some(false, text.data(), text.size(), ec);
    if(auto const outcome = detail::strict_parse_outcome(ec, consumed, text.size(), parser.done()))
        return outcome;
    auto value = parser.handler().stack().release();
    if(! parser.handler().members_intact(value))
        return jose::error::duplicate_json_member;
    return value;
}

inline result<boost::json::object>
parse_json_object_strict(std::string_view text, boost::json::storage_ptr sp, std::size_t max_depth)
{
    auto parsed = parse_json_strict(text, std::move(sp), max_depth);
    if(! parsed)
        return parsed.error();
    if(! parsed->is_object())
        return jose::error::not_a_json_object;
    return std::move(parsed->get_object());
}

} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
