//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_FLOWS_IMPL_RESOURCE_TOKENS_HPP
#define MODELAUTH_TOKENS_FLOWS_IMPL_RESOURCE_TOKENS_HPP

#include <modelauth/tokens/error.hpp>
#include <modelauth/tokens/flows/detail/flow_steps.hpp>
#include <modelauth/tokens/flows/detail/routes.hpp>
#include <modelauth/tokens/ttl.hpp>

#include <boost/json/array.hpp>

#include <algorithm>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace flows {
namespace detail {

// The longest instance token name and description, in characters.
inline constexpr std::size_t max_token_name_chars = 128;
inline constexpr std::size_t max_token_description_chars = 512;

// How many characters `text` holds if it is UTF-8 without control
// characters (tab, line feed and carriage return allowed when `multiline`);
// nothing otherwise.
inline std::optional<std::size_t> text_length(std::string_view text, bool multiline) noexcept
{
    std::size_t chars = 0;
    for(std::size_t i = 0; i < text.size(); ++chars)
    {
        auto const c = static_cast<unsigned char>(text[i]);
        if(c < 0x80)
        {
            bool const allowed_control = multiline && (c == '\t' || c == '\n' || c == '\r');
            if((c < 0x20 || c == 0x7f) && ! allowed_control)
                return std::nullopt;
            ++i;
            continue;
        }
        // RFC 3629 section 4: no overlong forms, no surrogates, at most U+10FFFF.
        std::size_t n = 0;
        unsigned char lo = 0x80, hi = 0xbf;
        if(c >= 0xc2 && c <= 0xdf)
            n = 1;
        else if(c >= 0xe0 && c <= 0xef)
        {
            n = 2;
            if(c == 0xe0)
                lo = 0xa0;
            else if(c == 0xed)
                hi = 0x9f;
        }
        else if(c >= 0xf0 && c <= 0xf4)
        {
            n = 3;
            if(c == 0xf0)
                lo = 0x90;
            else if(c == 0xf4)
                hi = 0x8f;
        }
        else
            return std::nullopt;
        if(text.size() - i <= n)
            return std::nullopt;
        auto const second = static_cast<unsigned char>(text[i + 1]);
        if(second < lo || second > hi)
            return std::nullopt;
        for(std::size_t k = 2; k <= n; ++k)
        {
            auto const next = static_cast<unsigned char>(text[i + k]);
            if(next < 0x80 || next > 0xbf)
                return std::nullopt;
        }
        // C1 controls (U+0080-U+009F) are controls too.
        if(c == 0xc2 && second < 0xa0)
            return std::nullopt;
        i += n + 1;
    }
    return chars;
}

// Checks an instance token's name (1 to 128 characters) and description
// (at most 512); `invalid_request_body`.
inline result<void> check_token_text(std::optional<std::string> const& name,
                                     std::optional<std::string> const& description) noexcept
{
    if(name)
    {
        auto const length = text_length(*name, false);
        if(! length || *length == 0 || *length > max_token_name_chars)
            return tokens::error::invalid_request_body;
    }
    if(description)
    {
        auto const length = text_length(*description, true);
        if(! length || *length > max_token_description_chars)
            return tokens::error::invalid_request_body;
    }
    return {};
}

} // namespace detail

//----------------------------------------------------------------------------
// Rules

template<class Clock>
resource_tokens<Clock>::resource_tokens(std::shared_ptr<flow_context<Clock>> context)
    : detail::flow_base<Clock>(std::move(context), "resource_tokens")
{
}

template<class Clock>
auto resource_tokens<Clock>::check_manager(validation::Principal const& caller, std::string_view instance) const
    -> result<detail::user_ref>
{
    if(! detail::is_console_user(*context_, caller))
        return tokens::error::not_permitted;
    detail::user_ref ref{context_->directory(), nullptr};
    if(! ref.directory->has_instance(instance))
        return tokens::error::unknown_instance;
    ref.user = ref.directory->find_user(caller.subject);
    if(! ref.user
       || std::find(ref.user->instances.begin(), ref.user->instances.end(), instance) == ref.user->instances.end())
        return tokens::error::not_permitted;
    return ref;
}

template<class Clock>
auto resource_tokens<Clock>::find(std::string_view instance, std::string_view id) const -> result<token_ptr>
{
    auto token = context_->store().find_by_id(id);
    if(! token || token->cls != validation::token_class::instance || token->bindings.instance != instance
       || detail::has_expired(*token, context_->now()))
        return tokens::error::token_not_found;
    return token;
}

template<class Clock>
result<created_token> resource_tokens<Clock>::create(validation::Principal const& caller, std::string_view instance,
    std::string name, std::string description, std::optional<std::chrono::seconds> ttl)
{
    auto user = check_manager(caller, instance);
    if(! user)
        return user.error();
    if(auto checked = detail::check_token_text(name, description); ! checked)
        return checked.error();
    if(ttl && (*ttl <= std::chrono::seconds::zero() || *ttl > max_ttl))
        return tokens::error::invalid_ttl;

    validation::stored_token token;
    token.owner = caller.subject;
    token.cls = validation::token_class::instance;
    token.bindings.instance = std::string(instance);
    token.bindings.account = user->user->account;
    token.scopes = detail::grantable_scopes(caller.scopes);
    token.name = std::move(name);
    token.description = std::move(description);
    token.permanent = ! ttl;
    token.active = true;
    token.created = context_->now();
    if(ttl)
        token.expires = token.created + *ttl;
    insert_limits limits;
    limits.max_per_instance = context_->options().max_instance_tokens;
    return detail::store_new_token(*context_, std::move(token), limits, false);
}

template<class Clock>
auto resource_tokens<Clock>::list(validation::Principal const& caller, std::string_view instance) const
    -> result<std::vector<token_ptr>>
{
    if(auto allowed = check_manager(caller, instance); ! allowed)
        return allowed.error();
    token_filter filter;
    filter.cls = validation::token_class::instance;
    filter.instance = std::string(instance);
    auto tokens = context_->store().list(filter);
    detail::drop_expired(tokens, context_->now());
    return tokens;
}

template<class Clock>
auto resource_tokens<Clock>::get(validation::Principal const& caller, std::string_view instance,
                                 std::string_view id) const -> result<token_ptr>
{
    if(auto allowed = check_manager(caller, instance); ! allowed)
        return allowed.error();
    return find(instance, id);
}

template<class Clock>
auto resource_tokens<Clock>::update(validation::Principal const& caller, std::string_view instance,
    std::string_view id, std::optional<std::string> name, std::optional<std::string> description)
    -> result<token_ptr>
{
    if(auto allowed = check_manager(caller, instance); ! allowed)
        return allowed.error();
    auto token = find(instance, id);
    if(! token)
        return token.error();
    if(auto checked = detail::check_token_text(name, description); ! checked)
        return checked.error();
    if(! name && ! description)
        return token;
    auto updated = context_->store().update((*token)->id, [&](validation::stored_token& t) {
        if(name)
            t.name = *name;
        if(description)
            t.description = *description;
    });
    if(! updated)
        return updated.error();
    return find(instance, id);
}

template<class Clock>
result<void> resource_tokens<Clock>::erase(validation::Principal const& caller, std::string_view instance,
                                           std::string_view id)
{
    if(auto allowed = check_manager(caller, instance); ! allowed)
        return allowed.error();
    auto token = find(instance, id);
    if(! token)
        return token.error();
    return context_->store().erase((*token)->id);
}

//----------------------------------------------------------------------------
// Routes

namespace detail {

// A resource token as JSON: `id`, `name`, `description`, `state`,
// `validUntil`, and `content` when the secret is given (the create answer),
// else `hint`: the secret's last 4 characters, as the other flows' reads show.
inline boost::json::object resource_token_json(
    validation::stored_token const& token, std::chrono::system_clock::time_point now, std::string_view secret = {})
{
    using http::detail::json_view;
    bool const live = token.active && (! token.expires || *token.expires > now);
    boost::json::object out{
        {"id", json_view(token.id)},
        {"name", json_view(token.name)},
        {"description", json_view(token.description)},
        {"state", live ? "active" : "inactive"},
        {"validUntil", http::detail::rfc3339_or_null(token.expires)},
    };
    if(! secret.empty())
        out.emplace("content", json_view(secret));
    else
        out.emplace("hint", json_view(token.hint));
    return out;
}

// The instance a route names: its first `count` parameters, joined with `/`.
inline std::string instance_of(std::vector<std::string_view> const& params, std::size_t count)
{
    std::string key;
    for(std::size_t i = 0; i < count && i < params.size(); ++i)
    {
        if(i != 0)
            key += '/';
        key += params[i];
    }
    return key;
}

template<class Clock>
http::token_response resource_collection_route(resource_tokens<Clock>& flow, http::token_exchange<Clock>& x)
{
    using status = boost::beast::http::status;
    auto const instance = instance_of(x.params(), x.params().size());
    auto const now = flow.context().clock().now();
    if(x.request().method() != boost::beast::http::verb::post)
    {
        auto const listed = flow.list(x.caller(), instance);
        return answer(x, listed, [&](auto const& tokens) {
            boost::json::array out;
            for(auto const& t : tokens)
                out.push_back(resource_token_json(*t, now));
            return x.json(status::ok, boost::json::object{{"tokens", std::move(out)}});
        });
    }
    auto const body = x.body_json();
    if(! body)
        return x.fail(body.error());
    config::json_fault fault;
    config::json_reader const fields(*body, {}, &fault);
    // A `ttlDuration` that is not a lifetime string is a bad lifetime.
    auto const ttl_member = fields.find_non_null("ttlDuration");
    std::string_view const ttl_text = ttl_member ? ttl_member->string() : std::string_view();
    if(fault)
        return x.fail(tokens::error::invalid_ttl);
    auto name = optional_string(fields, "name");
    auto description = optional_string(fields, "description");
    if(fault || ! name)
        return x.fail(tokens::error::invalid_request_body);
    std::optional<std::chrono::seconds> ttl;
    if(ttl_member)
    {
        auto const parsed = tokens::parse_ttl(ttl_text);
        if(! parsed)
            return x.fail(parsed.error());
        ttl = *parsed;
    }
    auto const created
        = flow.create(x.caller(), instance, std::move(*name), std::move(description).value_or(std::string()), ttl);
    return answer(x, created, [&](created_token const& c) {
        return x.json(status::created, resource_token_json(*c.token, now, c.secret));
    });
}

template<class Clock>
http::token_response resource_item_route(resource_tokens<Clock>& flow, http::token_exchange<Clock>& x)
{
    auto const& params = x.params();
    auto const instance = instance_of(params, params.size() - 1);
    auto const id = params.back();
    return token_item_answer(
        x, [&] { return flow.erase(x.caller(), instance, id); },
        [&]() -> result<std::shared_ptr<validation::stored_token const>> {
            auto read = read_body(x, [](config::json_reader const& body) {
                return std::pair(optional_string(body, "name"), optional_string(body, "description"));
            });
            if(! read)
                return read.error();
            return flow.update(x.caller(), instance, id, std::move(read->first), std::move(read->second));
        },
        [&] { return flow.get(x.caller(), instance, id); },
        [&](validation::stored_token const& t) { return resource_token_json(t, flow.context().clock().now()); });
}

} // namespace detail

template<class Clock>
http::route_group<Clock> make_routes(std::shared_ptr<resource_tokens<Clock>> flow, resource_token_paths paths)
{
    using http::route_access;
    using http::route_methods;
    if(! paths.item.empty() && paths.item.find("{}") == std::string::npos)
        throw configuration_error("resource_token_paths.item", "must have a '{}' segment for the token's id");
    return detail::route_builder<Clock, resource_tokens<Clock>>(std::move(flow), "resource_tokens",
                                                               std::move(paths.owned_prefix))
        .add(std::move(paths.collection), route_methods::get | route_methods::post, route_access::manage,
             "instances", false, &detail::resource_collection_route<Clock>)
        .add(std::move(paths.item), route_methods::get | route_methods::patch | route_methods::delete_,
             route_access::manage, "instances", false, &detail::resource_item_route<Clock>)
        .done();
}

} // namespace flows
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
