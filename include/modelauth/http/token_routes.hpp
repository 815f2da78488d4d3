//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_TOKEN_ROUTES_HPP
#define MODELAUTH_HTTP_TOKEN_ROUTES_HPP

/** @file
    The generic part of the token routes: a route table a server mounts in
    front of its own routes, built from the route groups of the flows it
    speaks (the headers of `tokens/flows/`, each flow's `make_routes`), plus the
    well-known documents of the issuer. It matches paths, reads JSON and
    form bodies, authenticates and asks the policy before a route runs, and
    renders every answer and error the same way.

    @code
    modelauth::http::token_routes<> routes(guard, {"http://127.0.0.1:8080"}, {
        modelauth::tokens::flows::make_routes(console),
        modelauth::tokens::flows::make_routes(managed),
        modelauth::http::well_known_routes(issuer)});
    ...
    if(auto res = routes.handle(req, client_address)) // one of the token routes
        return send(std::move(*res));
    // otherwise: model endpoints through guard->check(req), the server's own routes
    @endcode
*/

#include <modelauth/error.hpp>
#include <modelauth/http/guard.hpp>
#include <modelauth/policy/scope_policy.hpp>
#include <modelauth/router/query_view.hpp>
#include <modelauth/router/request_target.hpp>
#include <modelauth/tokens/issuer.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace http {

/** The request every token route reads: a Beast string-body request. */
using token_request = boost::beast::http::request<boost::beast::http::string_body>;

/** The answer of a token route. */
using token_response = boost::beast::http::response<boost::beast::http::string_body>;

/** Settings of a `token_routes` table. */
struct token_routes_options
{
    /// The server's external base URL, without a final `/`, e.g.
    /// `http://127.0.0.1:8080`: the discovery document's links and the
    /// links of paged listings.
    std::string base_url;

    /// The largest request body accepted (413 above it). The server's own
    /// parser limit should be the same or lower.
    std::size_t max_body_bytes = 1024 * 1024;

    /// The response header `model_meta` names the model's id in, e.g.
    /// `x-prt-model-id` (the reference server's); empty: none.
    std::string model_id_header{};
};

/** Why `url` cannot be a `token_routes_options::base_url` (or an issuer's
    name, which a server usually makes the same): an absolute `http://` or
    `https://` URL naming a host, without a final `/`, a query or a fragment,
    in visible ASCII. Empty if it can.

    Complexity: linear. Exception safety: no-throw.
*/
[[nodiscard]] inline std::string_view base_url_problem(std::string_view url) noexcept;

/** What a route asks of its caller before it runs. */
enum class route_access : std::uint8_t
{
    /// No credential (login, refresh, JWKS, discovery).
    anonymous,

    /// A credential whose class the policy admits on the route (manager
    /// tokens on IAM routes only; model session and instance tokens
    /// nowhere); what it may see is decided by the route.
    identified,

    /// As `identified`, and a scope granting `tokens:manage` on the route's
    /// resource.
    manage
};

/** The methods a route allows, as bits of `token_route::methods` (in the
    order of an `Allow` header). */
struct route_methods
{
    static constexpr std::uint8_t get = 1;
    static constexpr std::uint8_t post = 2;
    static constexpr std::uint8_t patch = 4;
    static constexpr std::uint8_t delete_ = 8;
};

template<class Clock>
class token_exchange;

/** One route of a token route table. */
template<class Clock = system_clock_source>
struct token_route
{
    /// The path: `/` then literal segments and `{}` for a parameter (one
    /// non-empty segment, never percent-encoded), at most 10 segments and 4
    /// parameters. A final `/` is optional in requests, whichever form is
    /// given here (it is the canonical one, e.g. of paged links).
    std::string pattern;

    /// The methods it allows (`route_methods` bits); others are 405.
    std::uint8_t methods = 0;

    /// What it asks of the caller before `handler` runs.
    route_access access = route_access::anonymous;

    /// The policy's `route_descriptor`: the resource a scope must cover.
    std::string resource;

    /// Whether this is an identity and access management route (the only
    /// routes where manager tokens are accepted).
    bool iam = false;

    /// Whether its answers carry `Cache-Control: no-store` (all but
    /// public documents).
    bool no_store = true;

    /// Answers one request (the method is one of `methods`, the caller
    /// checked as `access` asks).
    std::function<token_response(token_exchange<Clock>&)> handler;
};

/** What one flow mounts: its routes, and the path prefixes it owns whole
    (any other path below one of them is a 404 of the table, not the
    server's). */
template<class Clock = system_clock_source>
struct route_group
{
    std::vector<token_route<Clock>> routes;
    std::vector<std::string> owned_prefixes;
};

/** Reads parameters of a query or an `application/x-www-form-urlencoded`
    body, strict on their types and silent on parameters it is not asked
    for: a parameter given twice, or not of its type, or a text that is not
    well-formed, marks the reading bad. (A JSON body is read with
    `config::json_reader`.)

    Views: borrows `encoded` for its lifetime.
*/
class form_fields
{
public:
    explicit form_fields(std::string_view encoded) noexcept;

    /// The decoded value of `key`, at most 64 bytes encoded.
    [[nodiscard]] std::optional<std::string> text(std::string_view key);

    /// `true`/`false`, in any case, or `1`/`0` (Python sends `True`). An
    /// empty value is no value (SDKs send `flag=` for None).
    [[nodiscard]] std::optional<bool> flag(std::string_view key);

    /// A plain decimal that fits `T`; an empty value is no value.
    template<class T>
    [[nodiscard]] std::optional<T> number(std::string_view key);

    /// Whether every parameter read was well-formed and of its type.
    [[nodiscard]] bool ok() const noexcept;

private:
    router::query_view params_;
    bool ok_;
};

/** One request on one route, as its handler sees it: the request, the
    path parameters, the caller, and the answers in the table's format.

    Every answer with a body is JSON (`application/json; charset=utf-8`),
    a route's `no_store` answers carry `Cache-Control: no-store`; errors are
    `{"error","error_description"}` with the status of the error's code
    (`http_status`) and, for authentication failures, the guard's RFC 6750
    challenge (`basic_guard::render`).

    Views: valid during the handler's call only. One per request.
*/
template<class Clock = system_clock_source>
class token_exchange
{
public:
    using status = boost::beast::http::status;

    token_exchange(basic_guard<Clock> const& guard, token_routes_options const& options, token_request const& req,
                   token_route<Clock> const& route, std::vector<std::string_view> params,
                   router::request_target const& target, std::string_view client_address) noexcept;

    /// The request.
    [[nodiscard]] token_request const& request() const noexcept { return req_; }

    /// The route.
    [[nodiscard]] token_route<Clock> const& route() const noexcept { return route_; }

    /// The path parameters (`{}` segments), in order.
    [[nodiscard]] std::vector<std::string_view> const& params() const noexcept { return params_; }

    /// The parsed target (path and query).
    [[nodiscard]] router::request_target const& target() const noexcept { return target_; }

    /// The client's address as the server passed it (may be empty).
    [[nodiscard]] std::string_view client_address() const noexcept { return client_address_; }

    /// The authenticated caller. Precondition: the route is not anonymous.
    [[nodiscard]] validation::Principal const& caller() const noexcept { return *principal_; }

    /// The guard.
    [[nodiscard]] basic_guard<Clock> const& guard() const noexcept { return guard_; }

    /// The table's settings.
    [[nodiscard]] token_routes_options const& options() const noexcept { return options_; }

    /** Asks the policy whether the caller may do `action` on `target` (a
        model endpoint or a `policy::route_descriptor`). Precondition: the
        route is not anonymous.
    */
    template<class Target>
    [[nodiscard]] policy::policy_decision decide(Target const& target, policy::action_id action) const;

    /// The body as a JSON value that is an object (for a
    /// `config::json_reader`); an empty body reads as `{}`; else
    /// `tokens::error::invalid_request_body`.
    [[nodiscard]] result<boost::json::value> body_json() const;

    /// A JSON answer.
    [[nodiscard]] token_response json(status code, boost::json::value const& body) const;

    /// 204 without a body.
    [[nodiscard]] token_response no_content() const;

    /// The guard's answer to an authentication or policy failure.
    [[nodiscard]] token_response refuse(guard_failure const& failure) const;

    /// Any other failure: the same JSON and challenge rules, by its code.
    [[nodiscard]] token_response fail(std::error_code ec) const;

    /// Authenticates the caller and asks the policy as the route's `access`
    /// says; the refusal if it may not go on. Called by `token_routes`.
    [[nodiscard]] std::optional<token_response> admit();

private:
    void finish(token_response& res) const;

    basic_guard<Clock> const& guard_;
    token_routes_options const& options_;
    token_request const& req_;
    token_route<Clock> const& route_;
    std::vector<std::string_view> params_;
    router::request_target const& target_;
    std::string_view client_address_;
    validation::principal_ptr principal_;
};

/** A table of token routes: the groups of the mounted flows, in front of a
    server's own routes.

    Before a route runs: a target that is hostile is refused (400, 414), a
    path holding a percent-escape is 400, a wrong method is 405 with
    `Allow`, a body over the limit 413, then the caller is authenticated
    and the policy decides on the route (`ScopePolicy::decide` with a
    `route_descriptor`): manager tokens only on IAM routes, model session
    and instance tokens on none (403 `class_forbidden`), and
    `tokens:manage` where the route's access says so (403
    `insufficient_scope`). Unknown paths below an owned prefix are 404.

    Thread safety: `handle` is const and may run on many threads at once.
    @tparam Clock The clock of the guard and the flows.
*/
template<class Clock = system_clock_source>
class token_routes
{
public:
    using request = token_request;
    using response = token_response;

    /** @throws configuration_error naming `token_routes.guard` if null,
        `token_routes_options.base_url` if it is not an absolute http(s)
        URL without a final `/`, or `token_routes.routes[<i>]` for a route
        whose pattern is not one (see `token_route::pattern`) or that has no
        handler or no method.
    */
    token_routes(std::shared_ptr<basic_guard<Clock> const> guard, token_routes_options options,
                 std::vector<route_group<Clock>> groups);

    /** Whether `handle` answers `target` (path and query), whatever its
        method: it is one of the routes, or lies below an owned prefix
        (which then answers 404 or 400 for it).

        Complexity: linear in the target's size and the number of routes.
        Allocates nothing.
    */
    [[nodiscard]] bool owns(std::string_view target) const noexcept;

    /** Answers `req` if its target is one of the table's.

        @param client_address The client's address as the server knows it
        (e.g. `socket.remote_endpoint().address().to_string()`, or the
        address a trusted proxy reported). Logins are throttled per (email,
        address) and per address; empty: per email alone, which lets anyone
        lock a known user out, so a server should always pass it.
        @return The response (any status), or nothing when the target is not
        the table's: the server answers those (model endpoints, its own
        routes).

        Exception safety: strong; throws only `std::bad_alloc`.
    */
    [[nodiscard]] std::optional<response> handle(request const& req, std::string_view client_address = {}) const;

    /** The answer to `GET <model url>?get_meta=true` that the guard allowed
        (`ctx` from `basic_guard::check`): 200, the `model_id_header` (if
        set), and a JSON object with `model_id`, `prefix`, `name`,
        `versions`, `default_version`, `version` (the resolved one), plus
        the members of `extra` (a server's own, e.g. the number of features).
    */
    [[nodiscard]] response model_meta(request const& req, AuthContext const& ctx,
                                      boost::json::object const& extra = {}) const;

    /// The guard.
    [[nodiscard]] basic_guard<Clock> const& guard() const noexcept { return *guard_; }

    /// The options.
    [[nodiscard]] token_routes_options const& options() const noexcept { return options_; }

private:
    std::shared_ptr<basic_guard<Clock> const> guard_;
    token_routes_options options_;
    std::vector<token_route<Clock>> routes_;
    std::vector<std::string> owned_prefixes_;
};

/** The paths of the issuer's public documents; an empty one is not mounted. */
struct well_known_paths
{
    std::string jwks = "/.well-known/jwks.json";
    std::string openid_configuration = "/.well-known/openid-configuration";
};

/** The issuer's JWKS and OpenID discovery document (GET, no credential,
    cacheable), with links from `token_routes_options::base_url`. They own
    their exact paths only, leaving the rest of `/.well-known/` to the
    server.

    @throws configuration_error naming `well_known_routes.issuer` if null.
*/
template<class Clock>
[[nodiscard]] route_group<Clock> well_known_routes(std::shared_ptr<tokens::token_issuer<Clock> const> issuer,
                                                   well_known_paths paths = {});

/// The same for an issuer the server may rotate (`basic_token_stack::issuer`).
template<class Clock>
[[nodiscard]] route_group<Clock> well_known_routes(std::shared_ptr<tokens::token_issuer<Clock>> issuer,
                                                   well_known_paths paths = {})
{
    return well_known_routes(std::shared_ptr<tokens::token_issuer<Clock> const>(std::move(issuer)), std::move(paths));
}

} // namespace http
} // namespace v0
} // namespace modelauth

#include <modelauth/http/impl/token_routes.hpp>

#endif
