//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_IMPL_GUARD_HPP
#define MODELAUTH_HTTP_IMPL_GUARD_HPP

#include <modelauth/router/error.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/type_traits.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <utility>

namespace modelauth {
inline namespace v0 {
namespace http {
namespace detail {

// RFC 6750 section 3: the characters `realm`, `error_description` and
// `scope` values may hold, none of which needs escaping in a quoted-string.
constexpr bool is_rfc6750_attribute_char(char c) noexcept
{
    return c >= 0x20 && c <= 0x7E && c != '"' && c != '\\';
}

// Appends `, name="value"`, dropping any character RFC 6750 does not allow.
inline void append_challenge_attribute(std::string& out, std::string_view name, std::string_view value)
{
    out += ", ";
    out += name;
    out += "=\"";
    for(char c : value)
        if(is_rfc6750_attribute_char(c))
            out += c;
    out += '"';
}

// The body's `error` code for a failure without an RFC 6750 `error` value.
inline std::string_view fallback_error_code(std::error_code const& ec, unsigned status) noexcept
{
    switch(status)
    {
    case 400:
    case 414:
        return "invalid_request";
    case 404:
        return "not_found";
    case 308:
        return "redirect";
    case 500:
        return "server_error";
    default:
        return error_name(ec);
    }
}

inline void check_realm(std::string_view realm)
{
    if(realm.empty())
        throw configuration_error("guard_options.realm", "must not be empty");
    for(char c : realm)
        if(! is_rfc6750_attribute_char(c))
            throw configuration_error("guard_options.realm",
                "may hold only printable ASCII other than '\"' and '\\' (RFC 6750 section 3)");
}

} // namespace detail

constexpr policy::action_id action_for_method(boost::beast::http::verb method) noexcept
{
    switch(method)
    {
    case boost::beast::http::verb::get:
    case boost::beast::http::verb::head:
        return policy::ScopePolicy::models_read;
    default:
        return policy::ScopePolicy::models_infer;
    }
}

template<class Body, class Fields>
void strip_credentials(boost::beast::http::request<Body, Fields>& req, credential_options const& options)
{
    static_assert(boost::beast::http::is_fields<Fields>::value, "Fields type requirements not met");
    if constexpr(detail::erasable_fields<Fields>::value)
    {
        // One pass, erasing by position, rather than a lookup in Beast's tree
        // per name.
        for(auto it = req.begin(); it != req.end();)
        {
            if(it->name() == boost::beast::http::field::authorization
               || detail::is_api_key_field(*it, options.api_key_header))
                it = req.erase(it);
            else
                ++it;
        }
    }
    else
    {
        req.erase(boost::beast::http::field::authorization);
        if(! options.api_key_header.empty())
            req.erase(boost::beast::string_view(options.api_key_header.data(), options.api_key_header.size()));
    }
}

template<class Clock, class Registry>
basic_guard<Clock, Registry>::basic_guard(std::shared_ptr<validator_type const> validator,
    std::shared_ptr<router_type const> router, std::shared_ptr<policy::ScopePolicy const> policy, guard_options options)
    : validator_(std::move(validator))
    , router_(std::move(router))
    , policy_(std::move(policy))
    , options_(std::move(options))
{
    if(! validator_)
        throw configuration_error("guard.validator", "must not be null");
    if(! router_)
        throw configuration_error("guard.router", "must not be null");
    if(! policy_)
        throw configuration_error("guard.policy", "must not be null");
    detail::check_realm(options_.realm);
}

template<class Clock, class Registry>
template<class Body, class Fields>
auto basic_guard<Clock, Registry>::check(boost::beast::http::request<Body, Fields> const& req, policy::action_id action) const
    -> result_type
{
    auto const raw_target = req.target();
    auto const target = router_->parse(std::string_view(raw_target.data(), raw_target.size()));
    if(! target)
        return guard_failure{target.error(), {}, {}};

    auto principal = authenticated_principal(req);
    if(! principal)
        return guard_failure{principal.error(), {}, {}};

    auto endpoint = router_->match(*target);
    if(! endpoint)
    {
        if(endpoint.error() == router::error::missing_trailing_slash)
            return guard_failure{endpoint.error(), {}, target->redirect_location()};
        return guard_failure{endpoint.error(), {}, {}};
    }

    auto const decision = policy_->decide(**principal, *endpoint, action);
    if(! decision)
        return guard_failure{decision.error(), decision.required_scope(), {}};

    return context_type{std::move(*principal), std::move(*endpoint), action};
}

template<class Clock, class Registry>
template<class Body, class Fields>
auto basic_guard<Clock, Registry>::check(boost::beast::http::request<Body, Fields> const& req) const -> result_type
{
    return check(req, action_for_method(req.method()));
}

template<class Clock, class Registry>
template<class Body, class Fields>
authentication_result basic_guard<Clock, Registry>::authenticate(
    boost::beast::http::request<Body, Fields> const& req) const
{
    auto principal = authenticated_principal(req);
    if(! principal)
        return guard_failure{principal.error(), {}, {}};
    return authentication_result(std::move(*principal));
}

template<class Clock, class Registry>
template<class Body, class Fields>
result<validation::principal_ptr> basic_guard<Clock, Registry>::authenticated_principal(
    boost::beast::http::request<Body, Fields> const& req) const
{
    auto const credential = extract_credential(req, options_.credentials);
    if(! credential)
        return credential.error();
    return validate_credential(*credential);
}

template<class Clock, class Registry>
result<validation::principal_ptr> basic_guard<Clock, Registry>::validate_credential(credential const& c) const
{
    // The API-key header carries API keys only: a JWT there is refused as a
    // malformed key. A bearer token or the query parameter may be either
    // (instance and account tokens are opaque keys sent as Bearer tokens).
    if(c.source == credential_source::api_key_header)
        return validator_->validate_api_key(c.value);
    return validator_->validate(c.value);
}

template<class Clock, class Registry>
template<class Body, class Fields>
boost::beast::http::response<boost::beast::http::string_body> basic_guard<Clock, Registry>::render(
    boost::beast::http::request<Body, Fields> const& req, guard_failure const& f) const
{
    namespace beast_http = boost::beast::http;

    auto const status = http_status(f.error);
    auto const description = f.error.message();
    std::string_view code = rfc6750_error(f.error);

    beast_http::response<beast_http::string_body> res{static_cast<beast_http::status>(status), req.version()};
    if(needs_bearer_challenge(f.error))
    {
        std::string challenge = "Bearer realm=\"" + options_.realm + "\"";
        if(! code.empty())
        {
            detail::append_challenge_attribute(challenge, "error", code);
            detail::append_challenge_attribute(challenge, "error_description", description);
            if(! f.required_scope.empty())
                detail::append_challenge_attribute(challenge, "scope", f.required_scope);
        }
        res.set(beast_http::field::www_authenticate, challenge);
    }
    if(! f.location.empty())
        res.set(beast_http::field::location, f.location);
    if(code.empty())
        code = detail::fallback_error_code(f.error, status);

    res.set(beast_http::field::content_type, "application/json; charset=utf-8");
    res.body() = boost::json::serialize(boost::json::object{
        {"error", boost::json::string_view(code.data(), code.size())},
        {"error_description", description},
    });
    res.prepare_payload();
    if(req.method() == beast_http::verb::head)
        res.body().clear(); // Content-Length keeps the size a GET would get
    res.keep_alive(req.keep_alive());
    return res;
}

template<class Clock, class Registry>
template<class Body, class Fields>
void basic_guard<Clock, Registry>::strip_credentials(boost::beast::http::request<Body, Fields>& req) const
{
    http::strip_credentials(req, options_.credentials);
}

} // namespace http
} // namespace v0
} // namespace modelauth

#endif
