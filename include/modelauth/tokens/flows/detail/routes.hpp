//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_FLOWS_DETAIL_ROUTES_HPP
#define MODELAUTH_TOKENS_FLOWS_DETAIL_ROUTES_HPP

// How a flow builds its route group for `http::token_routes`.

#include <modelauth/config/json_reader.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/http/token_routes.hpp>
#include <modelauth/tokens/error.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
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

// What `read(config::json_reader const&)` makes of the JSON body of `x`,
// given a reader that records its first fault; else
// `tokens::error::invalid_request_body`: the body is not a JSON object, or a
// member `read` asked for is not of its type. `read` returns values it
// owns: the body is gone when this returns.
template<class Clock, class Read>
auto read_body(http::token_exchange<Clock> const& x, Read read)
    -> result<std::decay_t<decltype(read(std::declval<config::json_reader const&>()))>>
{
    auto const body = x.body_json();
    if(! body)
        return {boost::system::in_place_error, body.error()};
    config::json_fault fault;
    auto fields = read(config::json_reader(*body, {}, &fault));
    if(fault)
        return {boost::system::in_place_error, make_error_code(tokens::error::invalid_request_body)};
    return {boost::system::in_place_value, std::move(fields)};
}

// The string member `key` of `body` if present and not `null`.
inline std::optional<std::string> optional_string(config::json_reader const& body, std::string_view key)
{
    auto const member = body.find_non_null(key);
    if(! member)
        return std::nullopt;
    return std::string(member->string());
}

// The answer of a route on one stored token: DELETE is `erase()` (204),
// PATCH `patch()` (which reads the body's JSON members), GET `get()`; either
// of the last two answers 200 with `to_json(token)`.
template<class Clock, class Erase, class Patch, class Get, class ToJson>
http::token_response token_item_answer(http::token_exchange<Clock>& x, Erase erase, Patch patch, Get get,
                                       ToJson to_json)
{
    auto const method = x.request().method();
    if(method == boost::beast::http::verb::delete_)
        return deleted(x, erase());
    result<std::shared_ptr<validation::stored_token const>> const token
        = method == boost::beast::http::verb::patch ? patch() : get();
    return answer(x, token, [&](auto const& t) { return x.json(boost::beast::http::status::ok, to_json(*t)); });
}

} // namespace detail
} // namespace flows
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
