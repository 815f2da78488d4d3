//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_IMPL_GUARDED_HANDLER_HPP
#define MODELAUTH_HTTP_IMPL_GUARDED_HANDLER_HPP

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/config.hpp>
#include <boost/optional/optional.hpp>

#include <chrono>
#include <cstdint>

namespace modelauth {
inline namespace v0 {
namespace http {

namespace detail {

// Writes `text` into `body` with the body's reader; false if it refuses.
template<class Body, class Fields>
bool write_body(boost::beast::http::response<Body, Fields>& res, std::string const& text)
{
    if constexpr(boost::beast::http::is_body_reader<Body>::value)
    {
        boost::beast::error_code ec;
        typename Body::reader reader(res.base(), res.body());
        reader.init(boost::optional<std::uint64_t>(text.size()), ec);
        if(! ec && ! text.empty())
            reader.put(boost::asio::const_buffer(text.data(), text.size()), ec);
        if(! ec)
            reader.finish(ec);
        return ! ec;
    }
    else
    {
        return false;
    }
}

} // namespace detail

template<class Body, class Fields>
boost::beast::http::response<Body, Fields> convert_refusal(
    boost::beast::http::response<boost::beast::http::string_body>&& res)
{
    namespace beast_http = boost::beast::http;
    if constexpr(std::is_same<beast_http::response<Body, Fields>, beast_http::response<beast_http::string_body>>::value)
    {
        return std::move(res);
    }
    else
    {
        beast_http::response<Body, Fields> out{res.result(), res.version()};
        for(auto const& field : res)
            if(field.name() != beast_http::field::unknown)
                out.insert(field.name(), field.value());
            else
                out.insert(field.name_string(), field.value());
        if(! res.body().empty() && ! detail::write_body(out, res.body()))
            out.content_length(0);
        return out;
    }
}

template<class Clock, class Registry, class Handler>
template<class Body, class Fields>
auto guarded_handler<Clock, Registry, Handler>::operator()(boost::beast::http::request<Body, Fields>&& req) const
    -> guarded_response_t<Handler, Registry, Body, Fields>
{
    auto const action = action_for_method(req.method());
    return (*this)(std::move(req), action);
}

template<class Clock, class Registry, class Handler>
template<class Body, class Fields>
auto guarded_handler<Clock, Registry, Handler>::operator()(
    boost::beast::http::request<Body, Fields>&& req, policy::action_id action) const
    -> guarded_response_t<Handler, Registry, Body, Fields>
{
    static_assert(is_guarded_model_handler<Handler, Registry, Body, Fields>::value,
        "the handler must be callable as (basic_auth_context<Registry> const&, request<Body, Fields>&&) "
        "and return a boost::beast::http::response<Body, Fields>");
    using response = detail::response_parts<guarded_response_t<Handler, Registry, Body, Fields>>;

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
        return refuse<typename response::body, typename response::fields>(req, checked.failure());
    if(options_.strip_credentials)
        guard_->strip_credentials(req);
    return handler_(checked.context(), std::move(req));
}

template<class Clock, class Registry, class Handler>
template<class ResponseBody, class ResponseFields, class Body, class Fields>
BOOST_NOINLINE boost::beast::http::response<ResponseBody, ResponseFields> guarded_handler<Clock, Registry, Handler>::refuse(
    boost::beast::http::request<Body, Fields> const& req, guard_failure const& failure) const
{
    return convert_refusal<ResponseBody, ResponseFields>(guard_->render(req, failure));
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
