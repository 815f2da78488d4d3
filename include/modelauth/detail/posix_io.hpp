//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_DETAIL_POSIX_IO_HPP
#define MODELAUTH_DETAIL_POSIX_IO_HPP

// Small POSIX file helpers shared by the parts that keep state on disk (the
// issuer's key file, the client's API-key file, the token journal).

#include <cerrno>
#include <cstddef>
#include <string_view>

#include <unistd.h>

namespace modelauth {
inline namespace v0 {
namespace detail {

// Writes all of `data` to `fd`, retrying on EINTR and short writes.
// False on any other failure (errno tells which).
inline bool write_all(int fd, std::string_view data) noexcept
{
    while(! data.empty())
    {
        auto const n = ::write(fd, data.data(), data.size());
        if(n < 0 && errno == EINTR)
            continue;
        if(n <= 0)
            return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

} // namespace detail
} // namespace v0
} // namespace modelauth

#endif
