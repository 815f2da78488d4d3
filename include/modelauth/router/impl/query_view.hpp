//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_ROUTER_IMPL_QUERY_VIEW_HPP
#define MODELAUTH_ROUTER_IMPL_QUERY_VIEW_HPP

namespace modelauth {
inline namespace v0 {
namespace router {

inline query_view::iterator::iterator(std::string_view query, std::size_t begin) noexcept
    : query_(query)
    , begin_(begin)
{
    if(begin_ <= query_.size())
    {
        std::size_t const amp = query_.find('&', begin_);
        end_ = amp == std::string_view::npos ? query_.size() : amp;
    }
    else
    {
        end_ = begin_;
    }
}

inline query_param query_view::iterator::operator*() const noexcept
{
    std::string_view const piece = query_.substr(begin_, end_ - begin_);
    std::size_t const eq = piece.find('=');
    if(eq == std::string_view::npos)
        return query_param{decoded_view(piece, true), decoded_view({}, true), false};
    return query_param{
        decoded_view(piece.substr(0, eq), true), decoded_view(piece.substr(eq + 1), true), true};
}

inline query_view::iterator& query_view::iterator::operator++() noexcept
{
    *this = iterator(query_, end_ + 1);
    return *this;
}

inline query_view::iterator query_view::begin() const noexcept
{
    // An empty query has no parameters: begin is the end.
    return iterator(encoded_, encoded_.empty() ? 1 : 0);
}

inline query_view::iterator query_view::end() const noexcept
{
    return iterator(encoded_, encoded_.size() + 1);
}

inline query_view::iterator query_view::find(std::string_view key) const noexcept
{
    auto it = begin();
    for(auto const last = end(); it != last; ++it)
        if((*it).key == key)
            break;
    return it;
}

inline std::optional<decoded_view> query_view::get(std::string_view key) const noexcept
{
    auto const it = find(key);
    if(it == end())
        return std::nullopt;
    return (*it).value;
}

inline bool query_view::contains(std::string_view key) const noexcept
{
    return find(key) != end();
}

inline std::size_t query_view::count(std::string_view key) const noexcept
{
    std::size_t n = 0;
    for(query_param const p : *this)
        if(p.key == key)
            ++n;
    return n;
}

} // namespace router
} // namespace v0
} // namespace modelauth

#endif
