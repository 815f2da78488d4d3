//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_FLOWS_IMPL_PERSONAL_API_KEY_HPP
#define MODELAUTH_TOKENS_FLOWS_IMPL_PERSONAL_API_KEY_HPP

#include <modelauth/tokens/error.hpp>
#include <modelauth/tokens/flows/detail/flow_steps.hpp>
#include <modelauth/tokens/flows/detail/routes.hpp>

#include <utility>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace flows {

//----------------------------------------------------------------------------
// Rules

template<class Clock>
personal_api_key<Clock>::personal_api_key(std::shared_ptr<flow_context<Clock>> context)
    : detail::flow_base<Clock>(std::move(context), "personal_api_key")
{
}

template<class Clock>
auto personal_api_key<Clock>::key_owner(validation::Principal const& caller) const -> result<detail::user_ref>
{
    if(caller.cls == validation::token_class::personal_key && caller.kind == validation::credential_kind::api_key)
        return detail::directory_user(*context_, caller.subject);
    return detail::console_user(*context_, caller);
}

template<class Clock>
result<token_filter> personal_api_key<Clock>::key_filter(validation::Principal const& caller) const
{
    auto owner = key_owner(caller);
    if(! owner)
        return owner.error();
    token_filter filter;
    filter.owner = owner->user->email;
    filter.cls = validation::token_class::personal_key;
    return filter;
}

template<class Clock>
result<created_token> personal_api_key<Clock>::regenerate(validation::Principal const& caller)
{
    auto owner = key_owner(caller);
    if(! owner)
        return owner.error();
    auto const& user = *owner->user;
    validation::stored_token token;
    token.owner = user.email;
    token.cls = validation::token_class::personal_key;
    token.bindings.account = user.account;
    token.scopes = detail::grantable_scopes(user.scopes);
    token.permanent = true;
    token.active = true;
    token.created = context_->now();
    // One atomic change: the old key is gone when the new one exists.
    return detail::store_new_token(*context_, std::move(token), {}, true);
}

template<class Clock>
auto personal_api_key<Clock>::info(validation::Principal const& caller) const -> result<token_ptr>
{
    auto filter = key_filter(caller);
    if(! filter)
        return filter.error();
    auto keys = context_->store().list(*filter);
    if(keys.empty())
        return tokens::error::token_not_found;
    return keys.back();
}

template<class Clock>
result<void> personal_api_key<Clock>::erase(validation::Principal const& caller)
{
    auto filter = key_filter(caller);
    if(! filter)
        return filter.error();
    auto erased = context_->store().erase_if(*filter);
    if(! erased)
        return erased.error();
    if(*erased == 0)
        return tokens::error::token_not_found;
    return {};
}

//----------------------------------------------------------------------------
// Routes

namespace detail {

// The key's metadata, never the key.
inline boost::json::object personal_key_json(validation::stored_token const& token)
{
    using http::detail::json_view;
    return boost::json::object{
        {"id", json_view(token.id)},
        {"hint", json_view(token.hint)},
        {"created", http::detail::rfc3339(token.created)},
        {"expires", http::detail::rfc3339_or_null(token.expires)},
    };
}

template<class Clock>
http::token_response personal_key_route(personal_api_key<Clock>& flow, http::token_exchange<Clock>& x)
{
    using status = boost::beast::http::status;
    auto const method = x.request().method();
    if(method == boost::beast::http::verb::post)
        return answer(x, flow.regenerate(x.caller()), [&](created_token const& c) {
            return x.json(status::ok, boost::json::object{{"secret_key", c.secret}});
        });
    if(method == boost::beast::http::verb::delete_)
        return deleted(x, flow.erase(x.caller()));
    return answer(x, flow.info(x.caller()), [&](auto const& t) { return x.json(status::ok, personal_key_json(*t)); });
}

} // namespace detail

template<class Clock>
http::route_group<Clock> make_routes(std::shared_ptr<personal_api_key<Clock>> flow, personal_api_key_paths paths)
{
    using http::route_methods;
    // Self-service (api.md section 3): any signed-in user manages their own
    // key, without `tokens:manage`; the flow admits console users and the
    // key itself.
    return detail::route_builder<Clock, personal_api_key<Clock>>(std::move(flow), "personal_api_key",
                                                                std::move(paths.owned_prefix))
        .add(std::move(paths.key), route_methods::get | route_methods::post | route_methods::delete_,
             http::route_access::identified, "api-key", false, &detail::personal_key_route<Clock>)
        .done();
}

} // namespace flows
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
