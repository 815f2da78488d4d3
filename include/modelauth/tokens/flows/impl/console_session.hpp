//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_FLOWS_IMPL_CONSOLE_SESSION_HPP
#define MODELAUTH_TOKENS_FLOWS_IMPL_CONSOLE_SESSION_HPP

#include <modelauth/http/credentials.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/tokens/error.hpp>
#include <modelauth/tokens/flows/detail/flow_steps.hpp>
#include <modelauth/tokens/flows/detail/routes.hpp>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/array.hpp>

#include <algorithm>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace flows {
namespace detail {

// The store's limits on refresh-token families, from the flows' options.
inline family_limits family_limits_of(flow_options const& options) noexcept
{
    return family_limits{options.max_refresh_families, options.max_family_tokens, options.max_family_rotations};
}

} // namespace detail

//----------------------------------------------------------------------------
// Rules

template<class Clock>
console_session<Clock>::console_session(std::shared_ptr<flow_context<Clock>> context)
    : detail::flow_base<Clock>(std::move(context), "console_session")
    , limiter_(context_->options().login, context_->clock())
    , address_limiter_(context_->options().login_per_address, context_->clock())
{
}

template<class Clock>
std::string console_session<Clock>::login_limiter_key(std::string_view email, std::string_view client_address)
{
    // A line feed can be in neither an email of the directory nor an address.
    std::string key(email);
    key += '\n';
    key += client_address;
    return key;
}

template<class Clock>
std::chrono::seconds console_session<Clock>::login_retry_after(std::string_view email,
                                                               std::string_view client_address) const
{
    auto wait = limiter_.retry_after(login_limiter_key(email, client_address));
    if(! client_address.empty())
        wait = (std::max)(wait, address_limiter_.retry_after(client_address));
    return wait;
}

template<class Clock>
result<issued_jwt> console_session<Clock>::issue_access(user_record const& user) const
{
    jwt_request request;
    request.subject = user.email;
    request.cls = validation::token_class::user;
    request.scopes = detail::grantable_scopes(user.scopes);
    request.bindings.account = user.account;
    request.lifetime = context_->options().lifetimes.access;
    return context_->issuer().issue(request);
}

template<class Clock>
auto console_session<Clock>::new_refresh(std::string family, std::string owner, time_point at) const
    -> result<new_refresh_token>
{
    auto secret = detail::new_secret(context_->options().refresh_token_prefix);
    if(! secret)
        return secret.error();
    auto id = detail::random_uuid();
    if(! id)
        return id.error();
    new_refresh_token made;
    made.record.id = std::move(*id);
    made.record.secret_hash = validation::hash_secret(*secret);
    made.record.family = std::move(family);
    made.record.owner = std::move(owner);
    made.record.issued = at;
    made.record.expires = at + context_->options().lifetimes.refresh;
    made.secret = std::move(*secret);
    return made;
}

template<class Clock>
result<token_pair> console_session<Clock>::refuse_reused(std::string_view family)
{
    auto revoked = context_->store().revoke_family(family);
    if(! revoked)
        return revoked.error();
    return tokens::error::refresh_token_reused;
}

template<class Clock>
result<token_pair> console_session<Clock>::login(std::string_view email, std::string_view password,
                                                 std::string_view client_address)
{
    // Each attempt is counted before the password is checked (F2): a burst
    // of parallel guesses gets no more tries than a sequence would.
    if(! client_address.empty())
        if(auto allowed = address_limiter_.try_acquire(client_address); ! allowed)
            return allowed.error();
    auto const pair_key = login_limiter_key(email, client_address);
    if(auto allowed = limiter_.try_acquire(pair_key); ! allowed)
    {
        if(! client_address.empty())
            address_limiter_.refund(client_address);
        return allowed.error();
    }
    auto const directory = context_->directory();
    user_record const* const user = directory->find_user(email);
    // An unknown email costs one verification too, against a dummy hash of
    // the directory's usual cost (F7).
    bool const verified = (user ? user->password : context_->dummy_hash()).verify(password) && user != nullptr;
    if(! verified)
        return tokens::error::invalid_credentials; // the attempt is counted
    limiter_.record_success(pair_key);
    if(! client_address.empty())
        address_limiter_.refund(client_address);

    auto access = issue_access(*user);
    if(! access)
        return access.error();
    auto family = detail::random_uuid();
    if(! family)
        return family.error();
    auto refresh = new_refresh(*family, user->email, context_->now());
    if(! refresh)
        return refresh.error();
    auto const refresh_expires = refresh->record.expires;
    // A user's oldest session ends when a login passes max_refresh_families.
    auto const limits = detail::family_limits_of(context_->options());
    auto& store = context_->store();
    if(auto inserted = store.insert_refresh(std::move(refresh->record), limits); ! inserted)
        return inserted.error();
    if(auto recorded
       = store.add_family_access(*family, access->jti, access->expires_at + context_->revocation_margin(), limits);
       ! recorded)
        return recorded.error();
    return token_pair{std::move(access->token), std::move(refresh->secret), access->expires_at, refresh_expires};
}

template<class Clock>
result<token_pair> console_session<Clock>::refresh(std::string_view refresh_token)
{
    auto const& options = context_->options();
    auto& store = context_->store();
    if(! validation::check_api_key(refresh_token, options.refresh_token_prefix))
        return tokens::error::invalid_refresh_token;
    auto const record = store.find_refresh(validation::hash_secret(refresh_token));
    if(! record)
        return tokens::error::invalid_refresh_token;
    // A rotated token presented again was stolen or replayed: whoever holds
    // the family's current token may be the thief, so the family goes.
    if(record->rotated)
        return refuse_reused(record->family);
    auto const at = context_->now();
    if(at >= record->expires)
        return tokens::error::invalid_refresh_token;
    auto const directory = context_->directory();
    user_record const* const user = directory->find_user(record->owner);
    if(! user)
    {
        // The user is gone: so is every token of theirs.
        if(auto revoked = store.revoke_family(record->family); ! revoked)
            return revoked.error();
        return tokens::error::invalid_refresh_token;
    }

    // Everything that can fail without touching the store comes first, so
    // that a rotation is never lost to a later failure.
    auto access = issue_access(*user);
    if(! access)
        return access.error();
    auto next = new_refresh(record->family, record->owner, at);
    if(! next)
        return next.error();
    auto const refresh_expires = next->record.expires;
    auto const limits = detail::family_limits_of(options);
    if(auto rotated = store.rotate_refresh(record->id, std::move(next->record), limits); ! rotated)
    {
        // A concurrent refresh of the same token won: this one is a reuse.
        if(rotated.error() == tokens::error::refresh_token_reused)
            return refuse_reused(record->family);
        return rotated.error();
    }
    auto const revoke_until = access->expires_at + context_->revocation_margin();
    if(auto recorded = store.add_family_access(record->family, access->jti, revoke_until, limits); ! recorded)
    {
        // The family was revoked between the rotation and now (a reuse of
        // this token raced us): the new access token is never handed out.
        if(recorded.error() == tokens::error::invalid_refresh_token)
        {
            if(auto revoked = store.revoke(access->jti, revoke_until); ! revoked)
                return revoked.error();
            return tokens::error::refresh_token_reused;
        }
        return recorded.error();
    }
    return token_pair{std::move(access->token), std::move(next->secret), access->expires_at, refresh_expires};
}

template<class Clock>
result<issued_jwt> console_session<Clock>::model_session(validation::Principal const& caller, std::int64_t model_id)
{
    auto user = detail::console_user(*context_, caller);
    if(! user)
        return user.error();
    auto endpoint = context_->router().find(model_id);
    if(! endpoint)
        return tokens::error::unknown_model;

    // Allowed if the caller may read or infer any version of the model (a
    // scope narrowed to one version allows a session for that version).
    auto const& policy = context_->policy();
    auto const& model = endpoint->model();
    bool allowed = false;
    for(std::size_t v = 0; v < model.versions.size() && ! allowed; ++v)
    {
        router::ModelEndpoint const version(endpoint->registry(), endpoint->model_index(), v, true);
        auto const read = policy.decide(caller, version, policy::ScopePolicy::models_read);
        // Another account's model does not exist for this caller (tenancy, F4).
        if(read.error() == policy::error::other_account)
            return tokens::error::unknown_model;
        allowed = read.allowed() || policy.decide(caller, version, policy::ScopePolicy::models_infer).allowed();
    }
    if(! allowed)
        return tokens::error::not_permitted;

    jwt_request request;
    request.subject = caller.subject;
    request.cls = validation::token_class::model_session;
    request.scopes = detail::grantable_scopes(caller.scopes);
    request.bindings.model_id = model_id;
    request.bindings.account = caller.bindings.account;
    request.lifetime = context_->options().lifetimes.model_session;
    auto issued = context_->issuer().issue(request);
    if(! issued)
        return issued.error();
    // The session token joins the refresh-token family of the access token
    // it was made with: revoking the family revokes it too.
    auto& store = context_->store();
    if(auto family = caller.token_id.empty() ? std::string() : store.find_family_of(caller.token_id); ! family.empty())
    {
        auto const until = issued->expires_at + context_->revocation_margin();
        if(auto recorded = store.add_family_access(family, issued->jti, until, detail::family_limits_of(context_->options()));
           ! recorded)
        {
            // The family was revoked since the caller's token was checked.
            if(recorded.error() == tokens::error::invalid_refresh_token)
                return tokens::error::not_permitted;
            return recorded.error();
        }
    }
    return issued;
}

//----------------------------------------------------------------------------
// Routes

namespace detail {

template<class Clock>
using console_exchange = http::token_exchange<Clock>;

template<class Clock>
http::token_response token_pair_answer(console_exchange<Clock> const& x, token_pair const& pair)
{
    return x.json(boost::beast::http::status::ok, boost::json::object{{"access", pair.access}, {"refresh", pair.refresh}});
}

template<class Clock>
http::token_response login_route(console_session<Clock>& flow, console_exchange<Clock>& x)
{
    auto const credentials = read_body(x, [](config::json_reader const& body) {
        return std::pair(std::string(body["email"].string()), std::string(body["password"].string()));
    });
    if(! credentials)
        return x.fail(credentials.error());
    auto const& [email, password] = *credentials;
    auto const pair = flow.login(email, password, x.client_address());
    if(pair)
        return token_pair_answer(x, *pair);
    auto res = x.fail(pair.error());
    if(pair.error() == tokens::error::too_many_attempts)
    {
        // At least one second: the lock may end between the two calls.
        auto const wait = flow.login_retry_after(email, x.client_address()).count();
        res.set(boost::beast::http::field::retry_after, std::to_string(wait > 0 ? wait : 1));
    }
    return res;
}

template<class Clock>
http::token_response refresh_route(console_session<Clock>& flow, console_exchange<Clock>& x)
{
    auto const read = read_body(x, [](config::json_reader const& body) { return optional_string(body, "refresh"); });
    if(! read)
        return x.fail(read.error());
    auto const& from_body = *read;

    // Clients also send the refresh token as a Bearer token.
    std::optional<std::string_view> from_header;
    auto const credential = http::extract_credential(x.request(), x.guard().options().credentials);
    if(credential)
    {
        if(credential->source == http::credential_source::authorization_bearer)
            from_header = credential->value;
    }
    else if(credential.error() != http::error::missing_credentials)
        return x.fail(credential.error());

    if(from_body && from_header && *from_body != *from_header)
        return x.fail(http::error::multiple_credentials);
    if(! from_body && ! from_header)
        return x.fail(http::error::missing_credentials);
    auto const pair = flow.refresh(from_body ? std::string_view(*from_body) : *from_header);
    return answer(x, pair, [&](token_pair const& p) { return token_pair_answer(x, p); });
}

// Whether the caller may read `model` in some version (`models:read`).
template<class Clock, class Registry>
bool may_read(console_exchange<Clock> const& x, std::shared_ptr<Registry const> const& registry,
              std::size_t model_index)
{
    auto const& model = registry->models()[model_index];
    auto const default_version = registry->default_version_index(model_index);
    for(std::size_t v = 0; v < model.versions.size(); ++v)
    {
        router::basic_model_endpoint<Registry> const endpoint(registry, model_index, v, v != default_version);
        if(x.decide(endpoint, policy::ScopePolicy::models_read))
            return true;
    }
    return false;
}

// The indices of the models the caller may read, in registry order.
template<class Clock, class Registry>
std::vector<std::size_t> readable_models(console_exchange<Clock> const& x, std::shared_ptr<Registry const> const& registry)
{
    std::vector<std::size_t> readable;
    for(std::size_t i = 0; i < registry->size(); ++i)
        if(may_read(x, registry, i))
            readable.push_back(i);
    return readable;
}

// The last segment of a model prefix: the `key` of a prefix.
inline std::string_view prefix_key(std::string_view prefix) noexcept
{
    auto const slash = prefix.rfind('/');
    return slash == std::string_view::npos ? prefix : prefix.substr(slash + 1);
}

// The prefixes of the models the caller may read, each once, in registry order.
template<class Clock>
http::token_response model_prefixes_route(console_session<Clock>& flow, console_exchange<Clock>& x)
{
    auto const registry = flow.context().router().registry();
    boost::json::array out;
    std::vector<std::string_view> seen;
    for(auto const i : readable_models(x, registry))
    {
        std::string_view const prefix = registry->models()[i].prefix;
        if(std::find(seen.begin(), seen.end(), prefix) != seen.end())
            continue;
        seen.push_back(prefix);
        out.push_back(boost::json::object{
            {"key", http::detail::json_view(prefix_key(prefix))}, {"prefix", http::detail::json_view(prefix)}});
    }
    return x.json(boost::beast::http::status::ok, out);
}

template<class Clock>
http::token_response models_route(console_session<Clock>& flow, console_exchange<Clock>& x)
{
    auto const registry = flow.context().router().registry();
    boost::json::array out;
    for(auto const i : readable_models(x, registry))
    {
        auto const& model = registry->models()[i];
        boost::json::array versions;
        for(auto const& v : model.versions)
            versions.push_back(http::detail::json_view(v));
        out.push_back(boost::json::object{
            {"model_id", model.model_id},
            {"name", http::detail::json_view(model.name)},
            {"prefix", http::detail::json_view(model.prefix)},
            {"versions", std::move(versions)},
        });
    }
    return x.json(boost::beast::http::status::ok, out);
}

// `model_id` from the body (a form, as clients send even with GET, or JSON)
// and from the query; both must agree.
template<class Clock>
result<std::int64_t> model_id_of(console_exchange<Clock> const& x)
{
    auto const bad = make_error_code(tokens::error::invalid_request_body);
    auto const& req = x.request();
    std::optional<std::int64_t> from_body;
    std::string_view const body = req.body();
    if(! http::detail::is_blank(body))
    {
        if(req.count(boost::beast::http::field::content_type) > 1)
            return bad;
        // Without a Content-Type, a body that opens an object is JSON.
        auto const type = http::detail::media_type(http::detail::to_std(req[boost::beast::http::field::content_type]));
        bool const json_body = type.empty() ? body[body.find_first_not_of(" \t\r\n")] == '{'
                                            : boost::beast::iequals(type, "application/json");
        if(json_body)
        {
            auto const read = read_body(x, [](config::json_reader const& body) -> std::optional<std::int64_t> {
                auto const member = body.find_non_null("model_id");
                if(! member)
                    return std::nullopt;
                return member->integer<std::int64_t>();
            });
            if(! read)
                return read.error();
            from_body = *read;
        }
        else if(type.empty() || boost::beast::iequals(type, "application/x-www-form-urlencoded"))
        {
            http::form_fields fields(body);
            from_body = fields.number<std::int64_t>("model_id");
            if(! fields.ok())
                return bad;
        }
        else
            return bad;
    }
    http::form_fields query(x.target().encoded_query());
    auto const from_query = query.number<std::int64_t>("model_id");
    if(! query.ok() || (from_body && from_query && *from_body != *from_query))
        return bad;
    if(from_body)
        return *from_body;
    if(from_query)
        return *from_query;
    return bad;
}

template<class Clock>
http::token_response model_session_route(console_session<Clock>& flow, console_exchange<Clock>& x)
{
    auto const id = model_id_of(x);
    if(! id)
        return x.fail(id.error());
    auto const session = flow.model_session(x.caller(), *id);
    return answer(x, session, [&](issued_jwt const& s) {
        return x.json(boost::beast::http::status::ok, boost::json::object{{"token", s.token}});
    });
}

} // namespace detail

template<class Clock>
http::route_group<Clock> make_routes(std::shared_ptr<console_session<Clock>> flow, console_session_paths paths)
{
    using http::route_access;
    using http::route_methods;
    using flow_type = console_session<Clock>;
    return detail::route_builder<Clock, flow_type>(std::move(flow), "console_session", std::move(paths.owned_prefix))
        .add(std::move(paths.login), route_methods::post, route_access::anonymous, {}, false,
             &detail::login_route<Clock>)
        .add(std::move(paths.refresh), route_methods::post, route_access::anonymous, {}, false,
             &detail::refresh_route<Clock>)
        .add(std::move(paths.model_prefixes), route_methods::get, route_access::identified, {}, false,
             &detail::model_prefixes_route<Clock>)
        .add(std::move(paths.models), route_methods::get, route_access::identified, {}, false,
             &detail::models_route<Clock>)
        .add(std::move(paths.model_session), route_methods::get | route_methods::post, route_access::identified, {},
             false, &detail::model_session_route<Clock>)
        .done();
}

} // namespace flows
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
