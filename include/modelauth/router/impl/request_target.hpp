//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_ROUTER_IMPL_REQUEST_TARGET_HPP
#define MODELAUTH_ROUTER_IMPL_REQUEST_TARGET_HPP

#include <modelauth/detail/path_grammar.hpp>
#include <modelauth/router/error.hpp>

namespace modelauth {
inline namespace v0 {
namespace router {

inline std::string request_target::redirect_location() const
{
    std::string location;
    location.reserve(target_.size() + 1);
    location.append(path());
    location.push_back('/');
    location.append(target_.substr(path_size_));
    return location;
}

inline result<request_target> parse_request_target(
    std::string_view target, std::size_t max_target_bytes) noexcept
{
    // U11: the size first, so an over-long target costs nothing more.
    if(target.size() > max_target_bytes)
        return router::error::target_too_long;
    // U15: absolute-form ("http://h/x"), authority-form ("h:443") and "*".
    if(target.empty() || target.front() != '/')
        return router::error::not_origin_form;

    std::size_t const question = target.find('?');
    std::size_t const path_size = question == std::string_view::npos ? target.size() : question;

    bool escapes = false;
    if(auto const e = modelauth::detail::check_path(target.substr(0, path_size), escapes); e != router::error{})
        return e;

    // The query is repeated in a redirect's Location: only visible ASCII, and
    // no "#" (a fragment is never part of a request target).
    for(std::size_t i = path_size + 1; i < target.size(); ++i)
    {
        auto const c = static_cast<unsigned char>(target[i]);
        if(c > 0x20 && c < 0x7F)
        {
            if(c == '#')
                return router::error::encoded_delimiter;
            continue;
        }
        if(c == 0x20)
            return router::error::invalid_character;
        return c < 0x80 ? router::error::control_character : router::error::non_ascii;
    }
    return request_target(target, path_size, escapes);
}

} // namespace router
} // namespace v0
} // namespace modelauth

#endif
