//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_IMPL_TOKEN_ROUTES_HPP
#define MODELAUTH_HTTP_IMPL_TOKEN_ROUTES_HPP

#include <modelauth/configuration_error.hpp>
#include <modelauth/http/credentials.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/jose/json.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/router/error.hpp>
#include <modelauth/tokens/error.hpp>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace http {
namespace detail {

//----------------------------------------------------------------------------
// Matching paths

// The most segments a route has; longer paths match none.
inline constexpr std::size_t max_route_segments = 10;

// The most parameters a route has.
inline constexpr std::size_t max_route_params = 4;

// The segments of an absolute path, without the empty one a final `/`
// leaves: "/a/b/" and "/a/b" both give {a, b}.
struct path_segments
{
    std::array<std::string_view, max_route_segments> items{};
    std::size_t size = 0;
};

// Splits `path` (which starts with `/`); false if it has more than
// `max_route_segments` segments or an empty one before the last.
inline bool split_path(std::string_view path, path_segments& out) noexcept
{
    out.size = 0;
    if(path.empty() || path.front() != '/')
        return false;
    path.remove_prefix(1);
    if(! path.empty() && path.back() == '/')
        path.remove_suffix(1);
    while(! path.empty())
    {
        if(out.size == max_route_segments)
            return false;
        auto const slash = path.find('/');
        auto const segment = path.substr(0, slash);
        if(segment.empty())
            return false;
        out.items[out.size++] = segment;
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    }
    return true;
}

// Whether `path` matches `pattern`.
inline bool match_pattern(std::string_view pattern, path_segments const& path) noexcept
{
    path_segments expected;
    if(! split_path(pattern, expected) || expected.size != path.size)
        return false;
    for(std::size_t i = 0; i < path.size; ++i)
        if(expected.items[i] != "{}" && expected.items[i] != path.items[i])
            return false;
    return true;
}

// The `{}` segments of `path`, which matches `pattern`.
inline std::vector<std::string_view> pattern_params(std::string_view pattern, path_segments const& path)
{
    path_segments expected;
    split_path(pattern, expected);
    std::vector<std::string_view> params;
    for(std::size_t i = 0; i < path.size; ++i)
        if(expected.items[i] == "{}")
            params.push_back(path.items[i]);
    return params;
}

// Why `pattern` cannot be a route's; empty if it can.
inline std::string_view pattern_problem(std::string_view pattern) noexcept
{
    path_segments segments;
    if(! split_path(pattern, segments))
        return "must be '/' then at most 10 non-empty segments";
    std::size_t params = 0;
    for(std::size_t i = 0; i < segments.size; ++i)
    {
        if(segments.items[i] == "{}")
            ++params;
        else if(segments.items[i].find_first_of("{}%?#") != std::string_view::npos)
            return "a segment is a literal without '{', '}', '%', '?' and '#', or '{}'";
    }
    if(params > max_route_params)
        return "may have at most 4 '{}' parameters";
    return {};
}

// The path of a target: everything before the first `?`.
inline std::string_view target_path(std::string_view target) noexcept
{
    return target.substr(0, target.find('?'));
}

inline std::uint8_t method_bit(boost::beast::http::verb method) noexcept
{
    switch(method)
    {
    case boost::beast::http::verb::get: return route_methods::get;
    case boost::beast::http::verb::post: return route_methods::post;
    case boost::beast::http::verb::patch: return route_methods::patch;
    case boost::beast::http::verb::delete_: return route_methods::delete_;
    default: return 0;
    }
}

// The `Allow` header of a route: "GET, POST".
inline std::string allow_header(std::uint8_t methods)
{
    static constexpr std::pair<std::uint8_t, std::string_view> names[] = {{route_methods::get, "GET"},
        {route_methods::post, "POST"}, {route_methods::patch, "PATCH"}, {route_methods::delete_, "DELETE"}};
    std::string allow;
    for(auto const& [bit, name] : names)
    {
        if((methods & bit) == 0)
            continue;
        if(! allow.empty())
            allow += ", ";
        allow += name;
    }
    return allow;
}

//----------------------------------------------------------------------------
// Reading requests

inline std::string_view to_std(boost::beast::string_view s) noexcept
{
    return std::string_view(s.data(), s.size());
}

inline bool is_json_white_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

inline bool is_blank(std::string_view text) noexcept
{
    for(char c : text)
        if(! is_json_white_space(c))
            return false;
    return true;
}

// Whether `text` is an integer in plain decimal (an optional `-`, then
// digits only) that fits `T`; sets `out`.
template<class T>
bool parse_decimal(std::string_view text, T& out) noexcept
{
    if(text.empty() || text.size() > 20 || text.front() == '+')
        return false;
    auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

inline bool is_hex_digit(char c) noexcept
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Whether `text` is well-formed `application/x-www-form-urlencoded` (or a
// query): visible ASCII only, each `%` followed by two hexadecimal digits.
inline bool is_form_encoded(std::string_view text) noexcept
{
    for(std::size_t i = 0; i < text.size(); ++i)
    {
        auto const c = static_cast<unsigned char>(text[i]);
        if(c <= 0x20 || c >= 0x7F)
            return false;
        if(c == '%' && (i + 2 >= text.size() || ! is_hex_digit(text[i + 1]) || ! is_hex_digit(text[i + 2])))
            return false;
    }
    return true;
}

// The media type of a Content-Type value, without parameters or white space.
inline std::string_view media_type(std::string_view content_type) noexcept
{
    content_type = content_type.substr(0, content_type.find(';'));
    while(! content_type.empty() && (content_type.back() == ' ' || content_type.back() == '\t'))
        content_type.remove_suffix(1);
    while(! content_type.empty() && (content_type.front() == ' ' || content_type.front() == '\t'))
        content_type.remove_prefix(1);
    return content_type;
}

//----------------------------------------------------------------------------
// Writing answers

// RFC 3339 in UTC, whole seconds: `2026-01-01T00:00:00Z`.
inline std::string rfc3339(std::chrono::system_clock::time_point t)
{
    auto const seconds = std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
    auto days = seconds / 86400;
    auto second_of_day = seconds % 86400;
    if(second_of_day < 0)
    {
        second_of_day += 86400;
        --days;
    }
    // Civil date from days since 1970-01-01 (H. Hinnant, "chrono-compatible
    // low-level date algorithms").
    auto const z = days + 719468;
    auto const era = (z >= 0 ? z : z - 146096) / 146097;
    auto const day_of_era = z - era * 146097;
    auto const year_of_era
        = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    auto const day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    auto const mp = (5 * day_of_year + 2) / 153;
    auto const day = day_of_year - (153 * mp + 2) / 5 + 1;
    auto const month = mp < 10 ? mp + 3 : mp - 9;
    auto const year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);

    char text[64];
    auto const ll = [](auto n) { return static_cast<long long>(n); };
    std::snprintf(text, sizeof text, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", ll(year), ll(month),
        ll(day), ll(second_of_day / 3600), ll(second_of_day / 60 % 60), ll(second_of_day % 60));
    return text;
}

inline boost::json::value rfc3339_or_null(std::optional<std::chrono::system_clock::time_point> const& t)
{
    if(! t)
        return nullptr;
    return boost::json::value(rfc3339(*t));
}

inline boost::json::string_view json_view(std::string_view s) noexcept
{
    return boost::json::string_view(s.data(), s.size());
}

// A JSON error answer for the faults that have no modelauth code (405, 413).
inline token_response status_answer(token_request const& req, boost::beast::http::status status,
                                    std::string_view code, std::string_view description)
{
    token_response res{status, req.version()};
    res.set(boost::beast::http::field::content_type, "application/json; charset=utf-8");
    res.set(boost::beast::http::field::cache_control, "no-store");
    res.body() = boost::json::serialize(
        boost::json::object{{"error", json_view(code)}, {"error_description", json_view(description)}});
    res.prepare_payload();
    if(req.method() == boost::beast::http::verb::head)
        res.body().clear(); // Content-Length keeps the size a GET would get
    res.keep_alive(req.keep_alive());
    return res;
}

//----------------------------------------------------------------------------
// The policy

// The one place the token routes ask the policy: whether `caller` may do
// `action` on `target` (a model endpoint or a `route_descriptor`); the
// policy keeps the caller's compiled scopes with the principal.
template<class Clock, class Target>
policy::policy_decision decide(basic_guard<Clock> const& guard, validation::principal_ptr const& caller,
                               Target const& target, policy::action_id action)
{
    return guard.policy().decide(*caller, target, action);
}

} // namespace detail

inline std::string_view base_url_problem(std::string_view url) noexcept
{
    std::string_view rest;
    if(url.substr(0, 7) == "http://")
        rest = url.substr(7);
    else if(url.substr(0, 8) == "https://")
        rest = url.substr(8);
    else
        return "must be an http:// or https:// URL, e.g. \"https://models.example.com\"";
    if(rest.empty() || rest.front() == '/')
        return "must name a host";
    if(url.back() == '/')
        return "must not end in '/'";
    for(char c : url)
        if(auto const u = static_cast<unsigned char>(c); u <= 0x20 || u >= 0x7F || c == '?' || c == '#')
            return "may hold only visible ASCII, without '?' and '#'";
    return {};
}

//----------------------------------------------------------------------------
// form_fields

inline form_fields::form_fields(std::string_view encoded) noexcept
    : params_(encoded)
    , ok_(detail::is_form_encoded(encoded))
{
}

inline std::optional<std::string> form_fields::text(std::string_view key)
{
    auto const n = params_.count(key);
    if(n == 0)
        return std::nullopt;
    auto const value = params_.get(key);
    if(n > 1 || ! value || value->encoded().size() > 64)
    {
        ok_ = false;
        return std::nullopt;
    }
    return value->to_string();
}

inline std::optional<bool> form_fields::flag(std::string_view key)
{
    auto const value = text(key);
    if(! value || value->empty())
        return std::nullopt;
    if(boost::beast::iequals(*value, "true") || *value == "1")
        return true;
    if(boost::beast::iequals(*value, "false") || *value == "0")
        return false;
    ok_ = false;
    return std::nullopt;
}

template<class T>
std::optional<T> form_fields::number(std::string_view key)
{
    auto const value = text(key);
    if(! value || value->empty())
        return std::nullopt;
    T n{};
    if(detail::parse_decimal(*value, n))
        return n;
    ok_ = false;
    return std::nullopt;
}

inline bool form_fields::ok() const noexcept
{
    return ok_;
}

//----------------------------------------------------------------------------
// token_exchange

template<class Clock>
token_exchange<Clock>::token_exchange(basic_guard<Clock> const& guard, token_routes_options const& options,
    token_request const& req, token_route<Clock> const& route, std::vector<std::string_view> params,
    router::request_target const& target, std::string_view client_address) noexcept
    : guard_(guard)
    , options_(options)
    , req_(req)
    , route_(route)
    , params_(std::move(params))
    , target_(target)
    , client_address_(client_address)
{
}

template<class Clock>
std::optional<token_response> token_exchange<Clock>::admit()
{
    if(route_.access == route_access::anonymous)
        return std::nullopt;
    auto auth = guard_.authenticate(req_);
    if(! auth)
        return refuse(auth.failure());
    principal_ = auth.principal();
    auto const decision = decide(policy::route_descriptor{route_.resource, route_.iam},
        route_.access == route_access::manage ? policy::ScopePolicy::tokens_manage
                                              : policy::ScopePolicy::models_read);
    // What an identified caller may see is the route's decision.
    bool const scope_decided_later
        = route_.access == route_access::identified && decision.error() == policy::error::missing_scope;
    if(! decision && ! scope_decided_later)
        return refuse(guard_failure{decision.error(), decision.required_scope(), {}});
    return std::nullopt;
}

template<class Clock>
template<class Target>
policy::policy_decision token_exchange<Clock>::decide(Target const& target, policy::action_id action) const
{
    return detail::decide(guard_, principal_, target, action);
}

template<class Clock>
result<boost::json::value> token_exchange<Clock>::body_json() const
{
    std::string_view const body = req_.body();
    if(detail::is_blank(body))
        return boost::json::value(boost::json::object());
    auto parsed = jose::parse_json_object_strict(body);
    if(! parsed)
        return make_error_code(tokens::error::invalid_request_body);
    return boost::json::value(std::move(*parsed));
}

template<class Clock>
void token_exchange<Clock>::finish(token_response& res) const
{
    if(route_.no_store)
        res.set(boost::beast::http::field::cache_control, "no-store");
    res.keep_alive(req_.keep_alive());
}

template<class Clock>
token_response token_exchange<Clock>::json(status code, boost::json::value const& body) const
{
    token_response res{code, req_.version()};
    res.set(boost::beast::http::field::content_type, "application/json; charset=utf-8");
    res.body() = boost::json::serialize(body);
    res.prepare_payload();
    finish(res);
    return res;
}

template<class Clock>
token_response token_exchange<Clock>::no_content() const
{
    token_response res{status::no_content, req_.version()};
    finish(res);
    return res;
}

template<class Clock>
token_response token_exchange<Clock>::refuse(guard_failure const& failure) const
{
    auto res = guard_.render(req_, failure);
    finish(res);
    return res;
}

template<class Clock>
token_response token_exchange<Clock>::fail(std::error_code ec) const
{
    return refuse(guard_failure{ec, {}, {}});
}

//----------------------------------------------------------------------------
// token_routes

template<class Clock>
token_routes<Clock>::token_routes(std::shared_ptr<basic_guard<Clock> const> guard, token_routes_options options,
                                  std::vector<route_group<Clock>> groups)
    : guard_(std::move(guard))
    , options_(std::move(options))
{
    if(! guard_)
        throw configuration_error("token_routes.guard", "must not be null");
    if(auto const problem = base_url_problem(options_.base_url); ! problem.empty())
        throw configuration_error("token_routes_options.base_url", problem);
    for(auto& group : groups)
    {
        for(auto& route : group.routes)
        {
            auto const field = "token_routes.routes[" + std::to_string(routes_.size()) + "]";
            if(auto const problem = detail::pattern_problem(route.pattern); ! problem.empty())
                throw configuration_error(field + ".pattern", problem);
            if(route.methods == 0)
                throw configuration_error(field + ".methods", "must allow a method");
            if(! route.handler)
                throw configuration_error(field + ".handler", "must not be empty");
            routes_.push_back(std::move(route));
        }
        for(auto& prefix : group.owned_prefixes)
        {
            if(prefix.empty() || prefix.front() != '/')
                throw configuration_error("token_routes.owned_prefixes", "each must start with '/'");
            owned_prefixes_.push_back(std::move(prefix));
        }
    }
}

template<class Clock>
bool token_routes<Clock>::owns(std::string_view target) const noexcept
{
    auto const path = detail::target_path(target);
    for(auto const& prefix : owned_prefixes_)
        if(path.substr(0, prefix.size()) == prefix)
            return true;
    // Routes outside an owned prefix own their exact paths only.
    detail::path_segments segments;
    if(! detail::split_path(path, segments))
        return false;
    for(auto const& route : routes_)
        if(detail::match_pattern(route.pattern, segments))
            return true;
    return false;
}

template<class Clock>
auto token_routes<Clock>::handle(request const& req, std::string_view client_address) const
    -> std::optional<response>
{
    namespace beast_http = boost::beast::http;
    auto const raw_target = detail::to_std(req.target());
    if(! owns(raw_target))
        return std::nullopt;

    auto const refuse = [&](std::error_code ec) {
        auto res = guard_->render(req, guard_failure{ec, {}, {}});
        res.set(beast_http::field::cache_control, "no-store");
        return res;
    };

    // Hostile targets are refused for what they are (400, 414), before
    // anything else; escapes are never needed on these routes.
    auto const target = guard_->router().parse(raw_target);
    if(! target)
        return refuse(target.error());
    if(target->path_has_escapes())
        return refuse(router::error::invalid_character);

    detail::path_segments segments;
    if(! detail::split_path(target->path(), segments))
        return refuse(router::error::outside_mount_root);
    for(auto const& route : routes_)
    {
        if(! detail::match_pattern(route.pattern, segments))
            continue;
        if((detail::method_bit(req.method()) & route.methods) == 0)
        {
            auto res = detail::status_answer(req, beast_http::status::method_not_allowed, "method_not_allowed",
                "the method is not allowed on this route");
            res.set(beast_http::field::allow, detail::allow_header(route.methods));
            return res;
        }
        if(req.body().size() > options_.max_body_bytes)
            return detail::status_answer(req, beast_http::status::payload_too_large, "content_too_large",
                "the request body is too large");
        token_exchange<Clock> exchange(*guard_, options_, req, route, detail::pattern_params(route.pattern, segments),
            *target, client_address);
        if(auto refused = exchange.admit())
            return std::move(*refused);
        return route.handler(exchange);
    }
    return refuse(router::error::outside_mount_root);
}

template<class Clock>
auto token_routes<Clock>::model_meta(request const& req, AuthContext const& ctx,
                                     boost::json::object const& extra) const -> response
{
    namespace beast_http = boost::beast::http;
    auto const& endpoint = ctx.endpoint;
    if(! endpoint.has_model())
        return guard_->render(req, guard_failure{router::error::unknown_model, {}, {}});

    auto const& model = endpoint.model();
    boost::json::array versions;
    for(auto const& v : model.versions)
        versions.push_back(detail::json_view(v));
    boost::json::object meta{
        {"model_id", model.model_id},
        {"prefix", detail::json_view(model.prefix)},
        {"name", detail::json_view(model.name)},
        {"versions", std::move(versions)},
        {"default_version", detail::json_view(model.default_version)},
        {"version", detail::json_view(endpoint.version())},
    };
    for(auto const& member : extra)
        meta.emplace(member.key(), member.value()); // never replaces one of ours

    response res{beast_http::status::ok, req.version()};
    if(! options_.model_id_header.empty())
        res.set(options_.model_id_header, std::to_string(model.model_id));
    res.set(beast_http::field::content_type, "application/json; charset=utf-8");
    res.body() = boost::json::serialize(meta);
    res.prepare_payload();
    if(req.method() == beast_http::verb::head)
        res.body().clear(); // Content-Length keeps the size a GET would get
    res.keep_alive(req.keep_alive());
    return res;
}

//----------------------------------------------------------------------------
// The well-known documents

template<class Clock>
route_group<Clock> well_known_routes(std::shared_ptr<tokens::token_issuer<Clock> const> issuer, well_known_paths paths)
{
    if(! issuer)
        throw configuration_error("well_known_routes.issuer", "must not be null");
    route_group<Clock> group;
    auto const add = [&](std::string path, auto document) {
        if(path.empty())
            return;
        token_route<Clock> route;
        route.pattern = std::move(path);
        route.methods = route_methods::get;
        route.access = route_access::anonymous;
        route.no_store = false;
        route.handler = [issuer, document](token_exchange<Clock>& x) {
            return x.json(boost::beast::http::status::ok, document(*issuer, x));
        };
        group.routes.push_back(std::move(route));
    };
    add(std::move(paths.jwks),
        [](tokens::token_issuer<Clock> const& i, token_exchange<Clock>&) { return i.jwks(); });
    add(std::move(paths.openid_configuration), [](tokens::token_issuer<Clock> const& i, token_exchange<Clock>& x) {
        return i.discovery(x.options().base_url);
    });
    return group;
}

} // namespace http
} // namespace v0
} // namespace modelauth

#endif
