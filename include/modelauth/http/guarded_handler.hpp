//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_GUARDED_HANDLER_HPP
#define MODELAUTH_HTTP_GUARDED_HANDLER_HPP

/** @file
    A model handler behind a guard in one line: the wrapper checks each
    request, answers refusals itself and calls the handler only for allowed
    requests.

    @code
    modelauth::http::guard_metrics metrics;
    modelauth::http::guarded_handler_options options;
    options.metrics = &metrics;                  // credentials are stripped by default
    auto handler = modelauth::http::guarded(guard,
        [](modelauth::http::AuthContext const& ctx, http::request<http::string_body>&& req) {
            http::response<http::string_body> res{http::status::ok, req.version()};
            res.body() = run_model(ctx.endpoint, req.body());
            res.prepare_payload();
            return res;
        },
        options);

    auto res = handler(std::move(req));   // 200 from the handler, or 401/403/404/...
    @endcode

    The wrapper answers with the handler's own response type, whatever its
    body: `response<string_body>`, `response<vector_body<char>>`,
    `response<dynamic_body>`, `response<file_body>`, ... A refusal is
    `basic_guard::render`'s answer in that type (see `guarded_handler`).
*/

#include <modelauth/http/guard.hpp>
#include <modelauth/http/metrics.hpp>
#include <modelauth/policy/scope_policy.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/type_traits.hpp>

#include <memory>
#include <type_traits>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace http {

/** Settings of a `guarded_handler`. */
struct guarded_handler_options
{
    /// Whether the credentials are removed from an allowed request before the
    /// handler sees it (`basic_guard::strip_credentials`).
    bool strip_credentials = true;

    /// Where each decision (`guard_metrics::record`) and the time `check`
    /// took (`guard_metrics::observe`, measured with `std::chrono::steady_clock`)
    /// are counted; null: nowhere. Not owned: it must outlive the wrapper.
    guard_metrics* metrics = nullptr;
};

namespace detail {

// Whether `T` is a Beast response, and if so its body and fields.
template<class T>
struct response_parts : std::false_type
{
};

template<class Body, class Fields>
struct response_parts<boost::beast::http::response<Body, Fields>> : std::true_type
{
    using body = Body;
    using fields = Fields;
};

template<class Handler, class Registry, class Body, class Fields, class = void>
struct guarded_response
{
};

template<class Handler, class Registry, class Body, class Fields>
struct guarded_response<Handler, Registry, Body, Fields,
    std::void_t<std::invoke_result_t<Handler const&, basic_auth_context<Registry> const&,
        boost::beast::http::request<Body, Fields>&&>>>
{
    using type = std::invoke_result_t<Handler const&, basic_auth_context<Registry> const&,
        boost::beast::http::request<Body, Fields>&&>;
};

} // namespace detail

/** Whether `Handler` can serve an allowed request: callable as `const` with
    `(basic_auth_context<Registry> const&, request<Body, Fields>&&)` and
    returning a `boost::beast::http::response<ResponseBody, ResponseFields>`
    of any body and fields.
*/
template<class Handler, class Registry, class Body, class Fields, class = void>
struct is_guarded_model_handler : std::false_type
{
};

template<class Handler, class Registry, class Body, class Fields>
struct is_guarded_model_handler<Handler, Registry, Body, Fields,
    std::void_t<typename detail::guarded_response<Handler, Registry, Body, Fields>::type>>
    : std::bool_constant<detail::response_parts<
          typename detail::guarded_response<Handler, Registry, Body, Fields>::type>::value>
{
};

/** The response type of a `guarded_handler` serving `request<Body, Fields>`:
    the handler's.
*/
template<class Handler, class Registry, class Body, class Fields>
using guarded_response_t = typename detail::guarded_response<Handler, Registry, Body, Fields>::type;

/** `res`, a refusal from `basic_guard::render`, as a response with
    `Body` and `Fields`: the status, version and fields as they are; the
    body's bytes written with `Body::reader` (string, vector, dynamic and
    flat bodies take them; `Content-Length` is kept for a HEAD request's
    empty body). A body that has no reader, or whose reader refuses them (a
    `file_body` with no open file), stays empty with `Content-Length: 0`.

    Exception safety: strong; throws only `std::bad_alloc` (or what
    `Body::reader` throws).
*/
template<class Body, class Fields>
[[nodiscard]] boost::beast::http::response<Body, Fields> convert_refusal(
    boost::beast::http::response<boost::beast::http::string_body>&& res);

/** A handler behind a guard: calling it checks the request, answers a
    refusal with `basic_guard::render` and passes an allowed request, with
    its auth context, to the wrapped handler.

    Made by `guarded`. Copyable if `Handler` is; copies share the guard.
    Thread safety: as safe to share between threads as `Handler` is when
    called as `const` (the guard and `guard_metrics` are).

    @tparam Clock The guard's clock.
    @tparam Registry The guard's registry type.
    @tparam Handler The wrapped handler (see `is_guarded_model_handler`):
    its response type, deduced for each request type, is the wrapper's.
*/
template<class Clock, class Registry, class Handler>
class guarded_handler
{
public:
    /// The guard type.
    using guard_type = basic_guard<Clock, Registry>;

    /** Wraps `handler` behind `guard`.

        Precondition: `guard` is not null.
    */
    guarded_handler(std::shared_ptr<guard_type const> guard, Handler handler, guarded_handler_options options)
        : guard_(std::move(guard))
        , handler_(std::move(handler))
        , options_(options)
    {
    }

    /// The options in force.
    [[nodiscard]] guarded_handler_options const& options() const noexcept
    {
        return options_;
    }

    /// The guard.
    [[nodiscard]] guard_type const& guard() const noexcept
    {
        return *guard_;
    }

    /** Serves `req` for the action its method needs (`action_for_method`). */
    template<class Body, class Fields>
    [[nodiscard]] guarded_response_t<Handler, Registry, Body, Fields> operator()(
        boost::beast::http::request<Body, Fields>&& req) const;

    /** Serves `req` if it may perform `action`.

        1. `guard().check(req, action)`, timed and recorded in
           `options().metrics` when it is set;
        2. on failure, returns `guard().render(req, failure)` in the
           handler's response type (`convert_refusal`; no conversion for
           `response<string_body>`); the handler is not called;
        3. on success, strips the credentials if `options().strip_credentials`
           and returns `handler(context, std::move(req))`.

        Exception safety: whatever the handler's; otherwise throws only
        `std::bad_alloc`. The decision is recorded before the handler runs.
    */
    template<class Body, class Fields>
    [[nodiscard]] guarded_response_t<Handler, Registry, Body, Fields> operator()(
        boost::beast::http::request<Body, Fields>&& req, policy::action_id action) const;

private:
    // The refusal of `req` for `failure`, in the handler's response type;
    // out of line, so that the allowed path stays small.
    template<class ResponseBody, class ResponseFields, class Body, class Fields>
    boost::beast::http::response<ResponseBody, ResponseFields> refuse(
        boost::beast::http::request<Body, Fields> const& req, guard_failure const& failure) const;

    std::shared_ptr<guard_type const> guard_;
    Handler handler_;
    guarded_handler_options options_;
};

/** `handler` behind `guard`, which the wrapper shares. */
template<class Clock, class Registry, class Handler>
[[nodiscard]] guarded_handler<Clock, Registry, std::decay_t<Handler>> guarded(
    std::shared_ptr<basic_guard<Clock, Registry> const> guard, Handler&& handler,
    guarded_handler_options options = {});

/** `handler` behind `guard`, which the wrapper borrows.

    Lifetime: `guard` must outlive the wrapper and its copies.
*/
template<class Clock, class Registry, class Handler>
[[nodiscard]] guarded_handler<Clock, Registry, std::decay_t<Handler>> guarded(
    basic_guard<Clock, Registry> const& guard, Handler&& handler, guarded_handler_options options = {});

} // namespace http
} // namespace v0
} // namespace modelauth

#include <modelauth/http/impl/guarded_handler.hpp>

#endif
