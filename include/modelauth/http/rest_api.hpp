//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_REST_API_HPP
#define MODELAUTH_HTTP_REST_API_HPP

/** @file
    Mountable Beast handlers for every token route of the reference server's
    contract (api.md): console login and refresh, model listings and model
    session tokens (Practicus), instance tokens (STACKIT), the personal API
    key (Modelon), account / space / manager tokens (NeuroIO), JWKS and OIDC
    discovery.

    A server mounts them in front of its own routes:

    @code
    modelauth::http::rest_api<> api(service, guard, {"http://127.0.0.1:8080"});
    ...
    if(auto res = api.handle(req))      // one of the token routes
        return send(std::move(*res));
    // otherwise: model endpoints through guard->check(req), the server's own routes
    @endcode
*/

#include <modelauth/http/guard.hpp>
#include <modelauth/tokens/token_service.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace http {

/** Settings of a `rest_api`. */
struct rest_api_options
{
    /// The server's external base URL, without a final `/`, e.g.
    /// `http://127.0.0.1:8080`: the discovery document's links.
    std::string base_url;

    /// The largest request body accepted (413 above it). The server's own
    /// parser limit should be the same or lower.
    std::size_t max_body_bytes = 1024 * 1024;

    /// Which route groups are mounted.
    bool practicus = true;  ///< `/console/api/...`
    bool stackit = true;    ///< `/v1alpha/projects/...`
    bool modelon = true;    ///< `/api/users/me/api-key`
    bool neuroio = true;    ///< `/api/v1/tokens/`, `/api/v1/spaces/...`, `/api/v1/iam/...`
    bool well_known = true; ///< `/.well-known/jwks.json`, `/.well-known/openid-configuration`
};

/** Why `url` cannot be a `rest_api_options::base_url` (or an issuer's
    name, which a server usually makes the same): an absolute `http://` or
    `https://` URL naming a host, without a final `/`, a query or a fragment,
    in visible ASCII. Empty if it can.

    Complexity: linear. Exception safety: no-throw.
*/
[[nodiscard]] inline std::string_view base_url_problem(std::string_view url) noexcept;

/** The token routes of api.md over a `token_service`.

    Every answer with a body is JSON (`application/json; charset=utf-8`;
    a deletion is 204 without one), and all but the well-known documents
    carry `Cache-Control: no-store`; errors are
    `{"error","error_description"}` with the status of the error's code
    (`http_status`), authentication failures carry the guard's RFC 6750
    challenge (`basic_guard::render`), 429 carries `Retry-After`, a wrong
    method 405 with `Allow`, a body over the limit 413, malformed JSON 400.
    No answer ever carries a password, a hash, or a secret other than the one
    just created.

    Routes (a final `/` is optional; `{x}` is one segment of unreserved
    characters, never percent-encoded):
    | route | methods | credential |
    |---|---|---|
    | `/console/api/auth/` | POST | none |
    | `/console/api/auth/refresh/` | POST | the refresh token, in the body and/or as Bearer |
    | `/console/api/modelhost/model-prefixes/`, `.../models/` | GET | any; lists what it may read |
    | `/console/api/modelhost/model-auth/` | GET, POST | any; the service decides |
    | `/v1alpha/projects/{p}/regions/{r}/instances/{i}/tokens` | POST, GET | `tokens:manage` |
    | `/v1alpha/projects/{p}/regions/{r}/instances/{i}/tokens/{id}` | GET, PATCH, DELETE | `tokens:manage` |
    | `/api/users/me/api-key` | POST, GET, DELETE | a console access token or the key itself (self-service) |
    | `/api/v1/tokens/` | POST, GET, DELETE | `tokens:manage` (IAM) |
    | `/api/v1/tokens/{id_or_key}/` | GET, PATCH, DELETE | `tokens:manage` (IAM) |
    | `/api/v1/spaces/{space}/tokens/` | POST | `tokens:manage` |
    | `/api/v1/iam/tokens/` | POST | `tokens:manage` (IAM) |
    | `/api/v1/iam/whoami/` | GET | any (IAM); the service decides |
    | `/.well-known/jwks.json`, `/.well-known/openid-configuration` | GET | none |

    Before a route runs, the policy decides on the route
    (`ScopePolicy::decide` with a `route_descriptor`): manager tokens only
    on IAM routes, model session and instance tokens on none (403
    `class_forbidden`), and `tokens:manage` where the table says so (403
    `insufficient_scope`). Unknown paths below `/console/api/`,
    `/v1alpha/projects/`, `/api/users/` and `/api/v1/` are 404; a path
    holding a percent-escape there is 400.

    Thread safety: `handle` is const and may run on many threads at once.
    @tparam Clock The clock of the guard and the service.
*/
template<class Clock = system_clock_source>
class rest_api
{
public:
    using request = boost::beast::http::request<boost::beast::http::string_body>;
    using response = boost::beast::http::response<boost::beast::http::string_body>;

    /** @throws configuration_error naming `rest_api.service` or
        `rest_api.guard` if null, or `rest_api_options.base_url` if it is
        not an absolute http(s) URL without a final `/`.
    */
    rest_api(std::shared_ptr<tokens::token_service<Clock>> service,
             std::shared_ptr<basic_guard<Clock> const> guard, rest_api_options options);

    /** Whether `handle` answers `target` (path and query), whatever its
        method: it is one of the mounted routes, or lies below the path
        prefix of a mounted group (which then answers 404 or 400 for it).

        Complexity: linear in the target's size. Allocates nothing.
    */
    [[nodiscard]] bool owns(std::string_view target) const noexcept;

    /** Answers `req` if its target is one of the mounted routes.

        @param client_address The client's address as the server knows it
        (e.g. `socket.remote_endpoint().address().to_string()`, or the
        address a trusted proxy reported). Logins are throttled per (email,
        address) and per address; empty: per email alone, which lets anyone
        lock a known user out, so a server should always pass it.
        @return The response (any status), or nothing when the target is not
        one of this API's routes: the server answers those (model endpoints,
        its own routes).

        Exception safety: strong; throws only `std::bad_alloc`.
    */
    template<class Fields>
    [[nodiscard]] std::optional<response>
    handle(boost::beast::http::request<boost::beast::http::string_body, Fields> const& req,
           std::string_view client_address = {}) const;

    /** The answer to `GET <model url>?get_meta=true` that the guard allowed
        (`ctx` from `basic_guard::check`): 200, header `x-prt-model-id`, and
        a JSON object with `model_id`, `prefix`, `name`, `versions`,
        `default_version`, `version` (the resolved one), plus the members of
        `extra` (a server's own, e.g. the number of features).
    */
    template<class Fields>
    [[nodiscard]] response model_meta(
        boost::beast::http::request<boost::beast::http::string_body, Fields> const& req,
        AuthContext const& ctx, boost::json::object const& extra = {}) const;

    /// The service.
    [[nodiscard]] tokens::token_service<Clock>& service() const noexcept { return *service_; }

    /// The guard.
    [[nodiscard]] basic_guard<Clock> const& guard() const noexcept { return *guard_; }

    /// The options.
    [[nodiscard]] rest_api_options const& options() const noexcept { return options_; }

private:
    std::shared_ptr<tokens::token_service<Clock>> service_;
    std::shared_ptr<basic_guard<Clock> const> guard_;
    rest_api_options options_;
};

} // namespace http
} // namespace v0
} // namespace modelauth

#include <modelauth/http/impl/rest_api.hpp>

#endif
