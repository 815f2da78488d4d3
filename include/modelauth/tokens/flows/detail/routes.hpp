//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_FLOWS_DETAIL_ROUTES_HPP
#define MODELAUTH_TOKENS_FLOWS_DETAIL_ROUTES_HPP

// How a flow builds its route group for `http::token_routes`.

#include <modelauth/configuration_error.hpp>
#include <modelauth/http/token_routes.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace flows {
namespace detail {

// A flow's route group, its routes calling one flow object.
template<class Clock, class Flow>
class route_builder
{
public:
    // @throws configuration_error naming `<name>.routes` if `flow` is null.
    route_builder(std::shared_ptr<Flow> flow, char const* name, std::string owned_prefix)
        : flow_(std::move(flow))
    {
        if(! flow_)
            throw configuration_error(std::string(name) + ".routes", "the flow is null");
        if(! owned_prefix.empty())
            group_.owned_prefixes.push_back(std::move(owned_prefix));
    }

    // Adds the route at `path` (none if empty); `handler(flow, exchange)`
    // answers it.
    template<class Handler>
    route_builder& add(std::string path, std::uint8_t methods, http::route_access access, std::string resource,
                       bool iam, Handler handler)
    {
        if(path.empty())
            return *this;
        http::token_route<Clock> route;
        route.pattern = std::move(path);
        route.methods = methods;
        route.access = access;
        route.resource = std::move(resource);
        route.iam = iam;
        route.handler = [flow = flow_, handler](http::token_exchange<Clock>& x) { return handler(*flow, x); };
        group_.routes.push_back(std::move(route));
        return *this;
    }

    http::route_group<Clock> done()
    {
        return std::move(group_);
    }

private:
    std::shared_ptr<Flow> flow_;
    http::route_group<Clock> group_;
};

// `result<T>`'s answer: `ok(value)` if it holds one, else the failure.
template<class Clock, class T, class Ok>
http::token_response answer(http::token_exchange<Clock> const& x, result<T> const& r, Ok ok)
{
    if(! r)
        return x.fail(r.error());
    return ok(*r);
}

// A deletion's answer: 204, or the failure.
template<class Clock>
http::token_response deleted(http::token_exchange<Clock> const& x, result<void> const& r)
{
    return r ? x.no_content() : x.fail(r.error());
}

} // namespace detail
} // namespace flows
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
