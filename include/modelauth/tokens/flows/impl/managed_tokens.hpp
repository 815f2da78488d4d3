//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_FLOWS_IMPL_MANAGED_TOKENS_HPP
#define MODELAUTH_TOKENS_FLOWS_IMPL_MANAGED_TOKENS_HPP

#include <modelauth/tokens/error.hpp>
#include <modelauth/tokens/flows/detail/flow_steps.hpp>
#include <modelauth/tokens/flows/detail/routes.hpp>
#include <modelauth/validation/api_key.hpp>

#include <boost/json/array.hpp>

#include <algorithm>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace flows {

//----------------------------------------------------------------------------
// Rules

template<class Clock>
managed_tokens<Clock>::managed_tokens(std::shared_ptr<flow_context<Clock>> context)
    : detail::flow_base<Clock>(std::move(context), "managed_tokens")
{
}

template<class Clock>
auto managed_tokens<Clock>::management_scope_of(validation::Principal const& caller) const -> result<management_scope>
{
    if(caller.cls == validation::token_class::user)
    {
        auto user = detail::console_user(*context_, caller);
        if(! user)
            return user.error();
        return management_scope{validation::token_class::account, user->user->account, {}};
    }
    // Managed tokens are the store's API keys, never JWTs of some issuer.
    if(caller.kind != validation::credential_kind::api_key || caller.bindings.account.empty())
        return tokens::error::not_permitted;
    switch(caller.cls)
    {
    case validation::token_class::account:
    case validation::token_class::manager:
        return management_scope{caller.cls, caller.bindings.account, {}};
    case validation::token_class::space:
        if(caller.bindings.space.empty())
            return tokens::error::not_permitted;
        return management_scope{validation::token_class::space, caller.bindings.account, caller.bindings.space};
    default:
        return tokens::error::not_permitted;
    }
}

template<class Clock>
token_filter managed_tokens<Clock>::filter_of(management_scope const& scope, std::optional<bool> permanent)
{
    token_filter filter;
    filter.cls = scope.cls;
    filter.account = scope.account;
    filter.space = scope.space;
    filter.permanent = permanent;
    return filter;
}

template<class Clock>
auto managed_tokens<Clock>::find(validation::Principal const& caller, std::string_view id_or_key) const
    -> result<token_ptr>
{
    auto scope = management_scope_of(caller);
    if(! scope)
        return scope.error();
    auto const& prefix = context_->options().api_key_prefix;
    auto& store = context_->store();
    token_ptr token;
    if(validation::has_api_key_prefix(id_or_key, prefix))
    {
        if(validation::check_api_key(id_or_key, prefix))
            token = store.find_by_secret(validation::hash_secret(id_or_key));
    }
    else
        token = store.find_by_id(id_or_key);
    if(! token || token->cls != scope->cls || token->bindings.account != scope->account
       || token->bindings.space != scope->space || detail::has_expired(*token, context_->now()))
        return tokens::error::token_not_found;
    return token;
}

template<class Clock>
result<created_token> managed_tokens<Clock>::create(validation::Principal const& caller, managed_kind kind,
                                                    std::optional<std::string_view> space, bool permanent)
{
    auto scope = management_scope_of(caller);
    if(! scope)
        return scope.error();
    // A temporary token makes no permanent one: a leaked 24-hour token must
    // not become lasting access (review F12).
    if(permanent && caller.kind == validation::credential_kind::api_key && caller.expires_at)
        return tokens::error::not_permitted;
    management_scope target = *scope;
    switch(kind)
    {
    case managed_kind::same_as_caller:
        break;
    case managed_kind::space:
    {
        // Space tokens come from the account's authority: a console user or
        // an account token.
        if(scope->cls != validation::token_class::account)
            return tokens::error::not_permitted;
        if(! space || space->empty())
            return tokens::error::invalid_request_body;
        auto const directory = context_->directory();
        auto const* account = directory->find_account(scope->account);
        if(! account || std::find(account->spaces.begin(), account->spaces.end(), *space) == account->spaces.end())
            return tokens::error::unknown_space;
        target = management_scope{validation::token_class::space, scope->account, std::string(*space)};
        break;
    }
    case managed_kind::manager:
        if(scope->cls != validation::token_class::account)
            return tokens::error::not_permitted;
        target = management_scope{validation::token_class::manager, scope->account, {}};
        break;
    default:
        return tokens::error::invalid_request_body;
    }

    auto const& options = context_->options();
    validation::stored_token token;
    token.owner = caller.subject;
    token.cls = target.cls;
    token.bindings.account = std::move(target.account);
    token.bindings.space = std::move(target.space);
    token.scopes = detail::grantable_scopes(caller.scopes);
    token.permanent = permanent;
    token.active = true;
    token.created = context_->now();
    if(! permanent)
        token.expires = token.created + options.lifetimes.temporary;
    insert_limits limits;
    if(permanent)
        limits.max_permanent = options.max_permanent_tokens;
    else
        limits.max_temporary = options.max_temporary_tokens;
    return detail::store_new_token(*context_, std::move(token), limits, false);
}

template<class Clock>
result<token_page> managed_tokens<Clock>::list(validation::Principal const& caller, std::optional<bool> permanent,
                                               std::size_t limit, std::size_t offset) const
{
    auto scope = management_scope_of(caller);
    if(! scope)
        return scope.error();
    auto tokens = context_->store().list(filter_of(*scope, permanent));
    detail::drop_expired(tokens, context_->now());

    auto const max_page_size = context_->options().max_page_size;
    if(limit == 0 || limit > max_page_size)
        limit = max_page_size;
    token_page page;
    page.count = tokens.size();
    if(offset < page.count)
    {
        auto const end = page.count - offset > limit ? offset + limit : page.count;
        page.results.assign(tokens.begin() + static_cast<std::ptrdiff_t>(offset),
                            tokens.begin() + static_cast<std::ptrdiff_t>(end));
        if(end < page.count)
            page.next_offset = end;
    }
    if(offset > 0)
        page.previous_offset = offset > limit ? offset - limit : 0;
    return page;
}

template<class Clock>
auto managed_tokens<Clock>::get(validation::Principal const& caller, std::string_view id_or_key) const
    -> result<token_ptr>
{
    return find(caller, id_or_key);
}

template<class Clock>
auto managed_tokens<Clock>::set_active(validation::Principal const& caller, std::string_view id_or_key, bool active)
    -> result<token_ptr>
{
    auto token = find(caller, id_or_key);
    if(! token)
        return token.error();
    auto& store = context_->store();
    if(auto changed = store.set_active((*token)->id, active); ! changed)
        return changed.error();
    auto updated = store.find_by_id((*token)->id);
    if(! updated)
        return tokens::error::token_not_found;
    return updated;
}

template<class Clock>
result<void> managed_tokens<Clock>::erase(validation::Principal const& caller, std::string_view id_or_key)
{
    auto token = find(caller, id_or_key);
    if(! token)
        return token.error();
    return context_->store().erase((*token)->id);
}

template<class Clock>
result<std::size_t> managed_tokens<Clock>::erase_many(validation::Principal const& caller,
                                                      std::optional<bool> permanent)
{
    auto scope = management_scope_of(caller);
    if(! scope)
        return scope.error();
    auto filter = filter_of(*scope, permanent);
    if(caller.kind == validation::credential_kind::api_key && ! caller.token_id.empty())
        filter.except_id = caller.token_id;
    return context_->store().erase_if(filter);
}

template<class Clock>
auto managed_tokens<Clock>::whoami(validation::Principal const& caller) const
    -> result<std::pair<std::string, validation::token_class>>
{
    if(caller.cls != validation::token_class::manager || caller.kind != validation::credential_kind::api_key
       || caller.bindings.account.empty())
        return tokens::error::not_permitted;
    return std::pair<std::string, validation::token_class>(caller.bindings.account, validation::token_class::manager);
}

//----------------------------------------------------------------------------
// Routes

namespace detail {

// A list's page size when it names no `limit` (api.md section 4).
inline constexpr std::size_t default_page_size = 20;

// A managed token as JSON: `id`, then `key` (the create answer) or
// `key_hint`, `permanent`, `is_active`, `created`, `expires`.
inline boost::json::object managed_token_json(validation::stored_token const& token, std::string_view secret = {})
{
    using http::detail::json_view;
    boost::json::object out;
    out.emplace("id", json_view(token.id));
    if(! secret.empty())
        out.emplace("key", json_view(secret));
    else
        out.emplace("key_hint", json_view(token.hint));
    out.emplace("permanent", token.permanent);
    out.emplace("is_active", token.active);
    out.emplace("created", http::detail::rfc3339(token.created));
    out.emplace("expires", http::detail::rfc3339_or_null(token.expires));
    return out;
}

// A create of `kind` from the body's `permanent`: 201 with the key.
template<class Clock>
http::token_response create_managed(managed_tokens<Clock>& flow, http::token_exchange<Clock>& x, managed_kind kind,
                                    std::optional<std::string_view> space)
{
    auto const permanent = read_body(x, [](config::json_reader const& body) {
        auto const member = body.find_non_null("permanent");
        return member && member->boolean();
    });
    if(! permanent)
        return x.fail(permanent.error());
    auto const created = flow.create(x.caller(), kind, space, *permanent);
    return answer(x, created, [&](created_token const& c) {
        return x.json(boost::beast::http::status::created, managed_token_json(*c.token, c.secret));
    });
}

// `<base><route>?[permanent=...&]limit=...&offset=...`
template<class Clock>
std::string page_url(http::token_exchange<Clock> const& x, std::optional<bool> permanent, std::size_t limit,
                     std::size_t offset)
{
    std::string url = x.options().base_url;
    url += x.route().pattern;
    url += '?';
    if(permanent)
        url += *permanent ? "permanent=true&" : "permanent=false&";
    url += "limit=" + std::to_string(limit) + "&offset=" + std::to_string(offset);
    return url;
}

template<class Clock>
http::token_response managed_collection_route(managed_tokens<Clock>& flow, http::token_exchange<Clock>& x)
{
    auto const method = x.request().method();
    if(method == boost::beast::http::verb::post)
        return create_managed(flow, x, managed_kind::same_as_caller, std::nullopt);
    http::form_fields query(x.target().encoded_query());
    auto const permanent = query.flag("permanent");
    if(method == boost::beast::http::verb::delete_)
    {
        if(! query.ok())
            return x.fail(tokens::error::invalid_request_body);
        auto const erased = flow.erase_many(x.caller(), permanent);
        return erased ? x.no_content() : x.fail(erased.error());
    }

    auto const max_page = flow.context().options().max_page_size;
    auto const limit = query.number<std::size_t>("limit");
    auto const offset = query.number<std::size_t>("offset");
    if(! query.ok() || (limit && *limit == 0))
        return x.fail(tokens::error::invalid_request_body);
    // As Django REST framework's limit/offset pagination: no limit (or an
    // empty one) is the default page of 20, a limit over the largest page
    // is the largest page.
    std::size_t const page_size = (std::min)(limit.value_or(default_page_size), max_page);
    auto const page = flow.list(x.caller(), permanent, page_size, offset.value_or(0));
    return answer(x, page, [&](token_page const& p) {
        boost::json::array results;
        for(auto const& t : p.results)
            results.push_back(managed_token_json(*t));
        auto link = [&](std::optional<std::size_t> at) -> boost::json::value {
            if(! at)
                return nullptr;
            return boost::json::value(page_url(x, permanent, page_size, *at));
        };
        boost::json::object out;
        out.emplace("count", p.count);
        out.emplace("next", link(p.next_offset));
        out.emplace("previous", link(p.previous_offset));
        out.emplace("results", std::move(results));
        return x.json(boost::beast::http::status::ok, out);
    });
}

template<class Clock>
http::token_response managed_item_route(managed_tokens<Clock>& flow, http::token_exchange<Clock>& x)
{
    auto const id_or_key = x.params().front();
    return token_item_answer(
        x, [&] { return flow.erase(x.caller(), id_or_key); },
        [&]() -> result<std::shared_ptr<validation::stored_token const>> {
            auto const active = read_body(x, [](config::json_reader const& body) -> std::optional<bool> {
                auto const member = body.find_non_null("is_active");
                if(! member)
                    return std::nullopt;
                return member->boolean();
            });
            if(! active)
                return active.error();
            return *active ? flow.set_active(x.caller(), id_or_key, **active) : flow.get(x.caller(), id_or_key);
        },
        [&] { return flow.get(x.caller(), id_or_key); },
        [](validation::stored_token const& t) { return managed_token_json(t); });
}

template<class Clock>
http::token_response space_tokens_route(managed_tokens<Clock>& flow, http::token_exchange<Clock>& x)
{
    return create_managed(flow, x, managed_kind::space, x.params().front());
}

template<class Clock>
http::token_response manager_tokens_route(managed_tokens<Clock>& flow, http::token_exchange<Clock>& x)
{
    return create_managed(flow, x, managed_kind::manager, std::nullopt);
}

template<class Clock>
http::token_response whoami_route(managed_tokens<Clock>& flow, http::token_exchange<Clock>& x)
{
    return answer(x, flow.whoami(x.caller()), [&](auto const& who) {
        return x.json(boost::beast::http::status::ok,
            boost::json::object{{"account", who.first},
                {"class", http::detail::json_view(validation::token_class_name(who.second))}});
    });
}

} // namespace detail

template<class Clock>
http::route_group<Clock> make_routes(std::shared_ptr<managed_tokens<Clock>> flow, managed_token_paths paths)
{
    using http::route_access;
    using http::route_methods;
    std::pair<std::string const*, char const*> const one_param[] = {
        {&paths.token, "managed_token_paths.token"}, {&paths.space_tokens, "managed_token_paths.space_tokens"}};
    for(auto const& [path, field] : one_param)
        if(! path->empty() && path->find("{}") == std::string::npos)
            throw configuration_error(field, "must have a '{}' segment");
    return detail::route_builder<Clock, managed_tokens<Clock>>(std::move(flow), "managed_tokens",
                                                              std::move(paths.owned_prefix))
        .add(std::move(paths.tokens), route_methods::get | route_methods::post | route_methods::delete_,
             route_access::manage, "tokens", true, &detail::managed_collection_route<Clock>)
        .add(std::move(paths.token), route_methods::get | route_methods::patch | route_methods::delete_,
             route_access::manage, "tokens", true, &detail::managed_item_route<Clock>)
        .add(std::move(paths.space_tokens), route_methods::post, route_access::manage, "spaces", false,
             &detail::space_tokens_route<Clock>)
        .add(std::move(paths.manager_tokens), route_methods::post, route_access::manage, "iam", true,
             &detail::manager_tokens_route<Clock>)
        .add(std::move(paths.whoami), route_methods::get, route_access::identified, "iam", true,
             &detail::whoami_route<Clock>)
        .done();
}

} // namespace flows
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
