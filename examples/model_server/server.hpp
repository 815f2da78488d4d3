// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)

#ifndef MODEL_SERVER_SERVER_HPP
#define MODEL_SERVER_SERVER_HPP

// The reference model server of api.md: modelauth::config::basic_platform_server
// (guard, token flows, /healthz, /metrics, hardened HTTP/1.1) with the toy models.

#include "config.hpp"

namespace model_server {

using start_options = cfg::platform_start_options;

template<class Clock = modelauth::system_clock_source>
class basic_server : public cfg::basic_platform_server<Clock>
{
public:
    explicit basic_server(Clock clock = Clock{})
        : cfg::basic_platform_server<Clock>(toy_hooks(), std::move(clock))
    {
    }
};

using server = basic_server<>;

} // namespace model_server

#endif
