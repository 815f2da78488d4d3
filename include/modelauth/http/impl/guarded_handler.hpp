//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_IMPL_GUARDED_HANDLER_HPP
#define MODELAUTH_HTTP_IMPL_GUARDED_HANDLER_HPP

#include <chrono>

namespace modelauth {
inline namespace v0 {
namespace http {

template<class Clock, class Registry, class Handler>
template<class Body, class Fields>
auto guarded_handler<Clock, Registry, Handler>::operator()(boost::beast::http::request<Body, Fields>&& req) const
    -> response_type
{
    auto const action = action_for_method(req.method());
    return (*this)(std::move(req), action);
}

template<class Clock, class Registry, class Handler>
template<class Body, class Fields>
auto guarded_handler<Clock, Registry, Handler>::operator()(
    boost::beast::http::request<Body, Fields>&& req, policy::action_id action) const -> response_type
{
    static_assert(is_guarded_model_handler<Handler, Registry, Body, Fields>::value,
        "the handler must be callable as (basic_auth_context<Registry> const&, request<Body, Fields>&&) "
        "and return response<string_body>");

    // The clock is read only for metrics (two reads are some 50 ns).
    std::chrono::steady_clock::time_point start{};
    if(options_.metrics != nullptr)
        start = std::chrono::steady_clock::now();
    auto const checked = guard_->check(req, action);
    if(options_.metrics != nullptr)
    {
        options_.metrics->observe(std::chrono::steady_clock::now() - start);
        options_.metrics->record(checked);
    }
    if(! checked)
        return guard_->render(req, checked.failure());
    if(options_.strip_credentials)
        guard_->strip_credentials(req);
    return handler_(checked.context(), std::move(req));
}

template<class Clock, class Registry, class Handler>
guarded_handler<Clock, Registry, std::decay_t<Handler>> guarded(
    std::shared_ptr<basic_guard<Clock, Registry> const> guard, Handler&& handler, guarded_handler_options options)
{
    return {std::move(guard), std::forward<Handler>(handler), options};
}

template<class Clock, class Registry, class Handler>
guarded_handler<Clock, Registry, std::decay_t<Handler>> guarded(
    basic_guard<Clock, Registry> const& guard, Handler&& handler, guarded_handler_options options)
{
    // An owner-less aliasing pointer: the wrapper borrows the guard.
    return {std::shared_ptr<basic_guard<Clock, Registry> const>(std::shared_ptr<void>(), &guard),
        std::forward<Handler>(handler), options};
}

} // namespace http
} // namespace v0
} // namespace modelauth

#endif
