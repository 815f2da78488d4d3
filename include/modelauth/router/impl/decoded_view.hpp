//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_ROUTER_IMPL_DECODED_VIEW_HPP
#define MODELAUTH_ROUTER_IMPL_DECODED_VIEW_HPP

#include <modelauth/detail/path_grammar.hpp>

namespace modelauth {
inline namespace v0 {
namespace router {

inline std::size_t decoded_view::iterator::width() const noexcept
{
    if(*pos_ == '%' && end_ - pos_ >= 3
        && modelauth::detail::hex_value(pos_[1]) >= 0 && modelauth::detail::hex_value(pos_[2]) >= 0)
        return 3;
    return 1;
}

inline char decoded_view::iterator::operator*() const noexcept
{
    if(width() == 3)
        return static_cast<char>(modelauth::detail::hex_value(pos_[1]) * 16 + modelauth::detail::hex_value(pos_[2]));
    if(*pos_ == '+' && plus_as_space_)
        return ' ';
    return *pos_;
}

inline decoded_view::iterator& decoded_view::iterator::operator++() noexcept
{
    pos_ += width();
    return *this;
}

inline decoded_view::iterator decoded_view::begin() const noexcept
{
    return iterator(encoded_.data(), encoded_.data() + encoded_.size(), plus_as_space_);
}

inline decoded_view::iterator decoded_view::end() const noexcept
{
    char const* const last = encoded_.data() + encoded_.size();
    return iterator(last, last, plus_as_space_);
}

inline std::size_t decoded_view::size() const noexcept
{
    std::size_t n = 0;
    for(auto it = begin(), last = end(); it != last; ++it)
        ++n;
    return n;
}

inline bool decoded_view::equals(std::string_view plain) const noexcept
{
    // Each decoded character takes 1 to 3 encoded ones.
    if(plain.size() > encoded_.size() || plain.size() * 3 < encoded_.size())
        return false;
    std::size_t i = 0;
    for(auto it = begin(), last = end(); it != last; ++it, ++i)
        if(i == plain.size() || *it != plain[i])
            return false;
    return i == plain.size();
}

inline std::string decoded_view::to_string() const
{
    std::string s;
    s.reserve(encoded_.size());
    for(char c : *this)
        s.push_back(c);
    return s;
}

} // namespace router
} // namespace v0
} // namespace modelauth

#endif
