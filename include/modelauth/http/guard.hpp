//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_GUARD_HPP
#define MODELAUTH_HTTP_GUARD_HPP

/** @file
    The guard: one call that authenticates and authorizes a Beast request for
    a model endpoint, and one that renders any refusal as RFC 6750 asks.

    @code
    auto const guard = std::make_shared<modelauth::http::Guard const>(validator, router, policy);

    // In the handler, for any boost::beast::http::request<Body, Fields>:
    auto const checked = guard->check(req);      // action from the method
    if(! checked)
        return send(guard->render(req, checked.failure()));
    guard->strip_credentials(req);
    auto const& ctx = checked.context();
    handle_model(req, ctx.endpoint, ctx.principal->subject);
    @endcode

    `guarded()` (`guarded_handler.hpp`) does the same around any handler.

    The guard composes `extract_credential` (`credentials.hpp`), a
    `TokenValidator`, a `basic_model_url_router` and a `ScopePolicy`. It has
    no threads, executors or I/O of its own: `check` and `render` are plain
    synchronous calls that a synchronous or an asynchronous server makes from
    whatever thread handles the request.
*/

#include <modelauth/clock.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/error.hpp>
#include <modelauth/http/credentials.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/policy/scope_policy.hpp>
#include <modelauth/router/error.hpp>
#include <modelauth/router/model_endpoint.hpp>
#include <modelauth/router/model_registry.hpp>
#include <modelauth/router/model_url_router.hpp>
#include <modelauth/validation/error.hpp>
#include <modelauth/validation/principal.hpp>
#include <modelauth/validation/token_validator.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

namespace modelauth {
inline namespace v0 {
namespace http {

/** What a successful `basic_guard::check` established: who calls, which
    model endpoint, for which action.

    Lifetime: owns everything it refers to (the principal and the endpoint's
    registry snapshot are shared pointers); keep it for the request only, as
    it keeps that snapshot alive.
    Thread safety: a value.
*/
template<class Registry = router::model_registry>
struct basic_auth_context
{
    /// The validated caller, never null in a context `check` returned:
    /// `ctx.principal->subject`. Shared with the validator's cache.
    validation::principal_ptr principal;

    /// The model endpoint the request targets.
    router::basic_model_endpoint<Registry> endpoint;

    /// The action the request was authorized for.
    policy::action_id action = policy::ScopePolicy::models_read;
};

/// The context over the default registry.
using AuthContext = basic_auth_context<>;

/** Why `basic_guard::check` refused a request, with what a response needs.

    Thread safety: a value.
*/
struct guard_failure
{
    /// The fault: a `router::error`, `http::error`, `jose::error`,
    /// `validation::error` or `policy::error`; never empty.
    std::error_code error;

    /// For `policy::error::missing_scope`, the narrowest scope that would
    /// allow the request (the RFC 6750 `scope` attribute); empty otherwise.
    std::string required_scope;

    /// For `router::error::missing_trailing_slash`, the `Location` of the 308
    /// answer (the path with `/` appended, the query kept); empty otherwise.
    std::string location;
};

namespace detail {

// What the guard's checks return: a `T` on success or a `guard_failure`.
template<class T>
class guard_outcome
{
public:
    guard_outcome(T value) noexcept : outcome_(std::move(value)) {}

    guard_outcome(guard_failure failure) noexcept : outcome_(std::move(failure)) {}

    [[nodiscard]] bool has_value() const noexcept { return outcome_.index() == 0; }

    explicit operator bool() const noexcept { return has_value(); }

    [[nodiscard]] guard_failure const& failure() const noexcept { return *std::get_if<1>(&outcome_); }

    [[nodiscard]] std::error_code error() const noexcept
    {
        return has_value() ? std::error_code() : failure().error;
    }

protected:
    [[nodiscard]] T const& value() const noexcept { return *std::get_if<0>(&outcome_); }

    [[nodiscard]] T& mutable_value() noexcept { return *std::get_if<0>(&outcome_); }

private:
    std::variant<T, guard_failure> outcome_;
};

} // namespace detail

/** The outcome of `basic_guard::check`: an auth context or a failure.

    Built from a `basic_auth_context` (success) or a `guard_failure` whose
    `error` is not empty. `has_value()` and `explicit operator bool` tell
    whether the request is authenticated and authorized; `failure()` (when
    not) says why; `error()` is the failure's code, empty on success.
    Thread safety: a value.
*/
template<class Registry = router::model_registry>
class basic_guard_result : public detail::guard_outcome<basic_auth_context<Registry>>
{
public:
    using detail::guard_outcome<basic_auth_context<Registry>>::guard_outcome;

    /// The context. Precondition: `has_value()`.
    [[nodiscard]] basic_auth_context<Registry> const& context() const noexcept { return this->value(); }
};

/// The result over the default registry.
using guard_result = basic_guard_result<>;

/** The outcome of `basic_guard::authenticate`: the validated caller, or a
    failure, with the members of `basic_guard_result`.

    Thread safety: a value.
*/
class authentication_result : public detail::guard_outcome<validation::principal_ptr>
{
public:
    using detail::guard_outcome<validation::principal_ptr>::guard_outcome;

    /// The caller, never null: `auth.principal()->subject`.
    /// Precondition: `has_value()`.
    [[nodiscard]] validation::principal_ptr const& principal() const& noexcept { return value(); }

    /// The caller, moved out of the result. Precondition: `has_value()`.
    [[nodiscard]] validation::principal_ptr principal() && noexcept { return std::move(this->mutable_value()); }
};

/** Settings of a `basic_guard`. Checked by its constructor. */
struct guard_options
{
    /// The `realm` of every `WWW-Authenticate: Bearer` challenge. Printable
    /// ASCII without `"` and `\` (so it needs no escaping in a
    /// quoted-string), not empty.
    std::string realm = "models";

    /// Where credentials are looked for (`extract_credential`).
    credential_options credentials;
};

/** The action a request needs by its method, for `basic_guard::check(req)`.

    `POST` and `PUT` (inference) need `models:infer`; `GET` and `HEAD`
    (metadata, `get_meta`) need `models:read`. Any other method needs
    `models:infer`, the stronger model action, so that no method is cheaper to
    authorize than inference; the handler then answers 405 as usual.

    Complexity: constant. Exception safety: no-throw.
*/
[[nodiscard]] constexpr policy::action_id action_for_method(boost::beast::http::verb method) noexcept;

/** Removes the credentials from `req` before it reaches the model handler:
    every `Authorization` field and, if `options.api_key_header` names one,
    every API-key field.

    A credential passed as a query parameter (`options.query_parameter`) is
    left in the target: rewriting the target would invalidate the views a
    guard's `check` returned into it.

    Complexity: linear in the number of fields. Exception safety: no-throw.
*/
template<class Body, class Fields>
void strip_credentials(boost::beast::http::request<Body, Fields>& req, credential_options const& options);

/** Authenticates and authorizes requests for model endpoints.

    `check` runs, in this order, and stops at the first fault:
    1. the router parses the target: 400 or 414, before any authentication,
       so a hostile target is refused for what it is;
    2. `extract_credential` finds the one credential: 401 (missing, another
       scheme, too large) or 400 (malformed, several);
    3. the validator validates it: 401 (a value from the API-key header
       must be an API key; a bearer token may be a JWT or an API key);
    4. the router matches the target: 404, or 308 with `location`;
    5. the policy decides: 403 (with `required_scope` for `missing_scope`)
       or 401 (`inactive`). It compiles the principal's scopes on its first
       decision about it and keeps them in the principal, which the
       validator's cache shares between the requests of a token.

    `check` is `authenticate` (steps 2 and 3, one private function both
    call) between the router's two steps: the target is parsed before
    anything else and matched only for an authenticated caller, so an
    unknown model is no oracle.

    Thread safety: safe to share between threads; `check` and `render` are
    const and take no lock. The validator, router and policy are held by
    `shared_ptr` and may be shared with other users (the router's
    `replace`, the validator's key reloads work while the guard runs).

    @tparam Clock The validator's clock.
    @tparam Registry The router's registry type.
*/
template<class Clock = system_clock_source, class Registry = router::model_registry>
class basic_guard
{
public:
    /// The validator type.
    using validator_type = validation::basic_token_validator<Clock>;

    /// The router type.
    using router_type = router::basic_model_url_router<Registry>;

    /// What `check` returns.
    using result_type = basic_guard_result<Registry>;

    /// The context of a success.
    using context_type = basic_auth_context<Registry>;

    /** A guard over `validator`, `router` and `policy`.

        @throws configuration_error naming the field: `guard.validator`,
        `guard.router` or `guard.policy` if one is null,
        `guard_options.realm` if the realm is empty or holds a character
        outside printable ASCII, `"` or `\`.
        Exception safety: strong.
    */
    basic_guard(std::shared_ptr<validator_type const> validator, std::shared_ptr<router_type const> router,
        std::shared_ptr<policy::ScopePolicy const> policy, guard_options options = {});

    /// The options in force.
    [[nodiscard]] guard_options const& options() const noexcept
    {
        return options_;
    }

    /// The validator.
    [[nodiscard]] validator_type const& validator() const noexcept
    {
        return *validator_;
    }

    /// The router.
    [[nodiscard]] router_type const& router() const noexcept
    {
        return *router_;
    }

    /// The policy.
    [[nodiscard]] policy::ScopePolicy const& policy() const noexcept
    {
        return *policy_;
    }

    /** Checks that `req` may perform `action` on the model endpoint it targets
        (see the class comment for the order of the checks).

        @param req Any Beast request; only its target and header fields are read.
        @param action The action to authorize, e.g. `ScopePolicy::models_infer`.
        @return The auth context, or the first failure.

        Complexity: linear in the target and credential sizes; on a token
        cache hit it allocates nothing but a failure's strings (the policy's
        compiled scopes are kept with the cached principal).
        Exception safety: strong; throws only `std::bad_alloc`.
    */
    template<class Body, class Fields>
    [[nodiscard]] result_type check(boost::beast::http::request<Body, Fields> const& req, policy::action_id action) const;

    /** Checks `req` for the action its method needs (`action_for_method`:
        POST/PUT `models:infer`, GET/HEAD `models:read`, any other
        `models:infer`).
    */
    template<class Body, class Fields>
    [[nodiscard]] result_type check(boost::beast::http::request<Body, Fields> const& req) const;

    /** Authenticates `req` without routing it: finds its one credential
        and validates it, for routes that are not model endpoints (token
        management, account APIs). What the caller may do there is the
        route's own decision.

        @return The principal, or the failure of `extract_credential` (401
        or 400) or of the validator (401); `render` answers it.

        Complexity: linear in the credential's size; on a token cache hit
        it allocates nothing. Exception safety: strong; throws only
        `std::bad_alloc`.
    */
    template<class Body, class Fields>
    [[nodiscard]] authentication_result authenticate(boost::beast::http::request<Body, Fields> const& req) const;

    /** A ready response refusing `req` for `f`.

        - Status `http_status(f.error)`; HTTP version and keep-alive of `req`.
        - `WWW-Authenticate` when `needs_bearer_challenge(f.error)`:
          `Bearer realm="<realm>"`, and unless the error has no RFC 6750
          `error` value (missing credentials, another scheme: a bare
          challenge, RFC 6750 section 3.1) `, error="<error>"`,
          `, error_description="<ec.message()>"` and, with a required scope,
          `, scope="<scope>"`.
        - `Location: <f.location>` for a 308.
        - `Content-Type: application/json; charset=utf-8` and the body
          `{"error":"<code>","error_description":"<ec.message()>"}`, where
          the code is the RFC 6750 `error` value, or when there is none
          `invalid_request` (400, 414), `not_found` (404), `redirect` (308),
          `server_error` (500), the error's name (`missing_credentials`,
          `unsupported_scheme`) otherwise. For a HEAD request the body is
          left out and `Content-Length` still gives its size.

        Nothing in the response comes from the credential.
        Exception safety: strong; throws only `std::bad_alloc`.
    */
    template<class Body, class Fields>
    [[nodiscard]] boost::beast::http::response<boost::beast::http::string_body> render(
        boost::beast::http::request<Body, Fields> const& req, guard_failure const& f) const;

    /// `strip_credentials(req, options().credentials)`.
    template<class Body, class Fields>
    void strip_credentials(boost::beast::http::request<Body, Fields>& req) const;

private:
    // What `authenticate` is, as a plain result: the one credential of
    // `req`, validated. `check` runs it between the router's two steps.
    template<class Body, class Fields>
    result<validation::principal_ptr> authenticated_principal(boost::beast::http::request<Body, Fields> const& req) const;

    // Validates `c` as its source allows: the API-key header only API keys.
    result<validation::principal_ptr> validate_credential(credential const& c) const;

    std::shared_ptr<validator_type const> validator_;
    std::shared_ptr<router_type const> router_;
    std::shared_ptr<policy::ScopePolicy const> policy_;
    guard_options options_;
};

/// The guard over the system clock and the default registry.
using Guard = basic_guard<>;

} // namespace http
} // namespace v0
} // namespace modelauth

#include <modelauth/http/impl/guard.hpp>

#endif
