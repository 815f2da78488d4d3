//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_HTTP_IMPL_REST_API_HPP
#define MODELAUTH_HTTP_IMPL_REST_API_HPP

#include <modelauth/configuration_error.hpp>
#include <modelauth/jose/json.hpp>
#include <modelauth/router/query_view.hpp>
#include <modelauth/router/request_target.hpp>
#include <modelauth/tokens/ttl.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/router/error.hpp>
#include <modelauth/tokens/error.hpp>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace http {
namespace detail {

//----------------------------------------------------------------------------
// The route table

// The route groups, each switched on or off by `rest_api_options`.
enum class rest_group : std::uint8_t
{
    practicus,
    stackit,
    modelon,
    neuroio,
    well_known
};

enum class rest_route : std::uint8_t
{
    login,
    refresh,
    model_prefixes,
    models,
    model_auth,
    instance_tokens,
    instance_token,
    api_key,
    tokens,
    token,
    space_tokens,
    iam_tokens,
    iam_whoami,
    jwks,
    openid_configuration
};

// What a route asks of its caller before it runs.
enum class rest_access : std::uint8_t
{
    // No credential (login, refresh, JWKS, discovery).
    anonymous,
    // A credential whose class the policy admits on the route (manager
    // tokens on IAM routes only; model session and instance tokens nowhere);
    // what it may see is decided after: per model for listings and the
    // model-auth exchange, by the service for `whoami` and the caller's own
    // API key.
    identified,
    // As `identified`, and a scope granting `tokens:manage` on the route's
    // resource.
    manage
};

// The methods a route allows, as bits (in the order of an `Allow` header).
enum rest_method : std::uint8_t
{
    method_get = 1,
    method_post = 2,
    method_patch = 4,
    method_delete = 8
};

struct rest_route_entry
{
    rest_route route;
    rest_group group;
    // The path: literal segments, and `{}` for a parameter (one non-empty
    // segment). A final `/` is optional in requests, whichever form is given
    // here (it is the canonical one).
    std::string_view pattern;
    std::uint8_t methods;
    rest_access access;
    // The policy's `route_descriptor`.
    std::string_view resource;
    bool iam;
};

inline constexpr std::uint8_t method_get_post = method_get | method_post;

inline constexpr rest_route_entry rest_routes[] = {
    // Practicus
    {rest_route::login, rest_group::practicus, "/console/api/auth/", method_post,
        rest_access::anonymous, {}, false},
    {rest_route::refresh, rest_group::practicus, "/console/api/auth/refresh/", method_post,
        rest_access::anonymous, {}, false},
    {rest_route::model_prefixes, rest_group::practicus, "/console/api/modelhost/model-prefixes/", method_get,
        rest_access::identified, {}, false},
    {rest_route::models, rest_group::practicus, "/console/api/modelhost/models/", method_get,
        rest_access::identified, {}, false},
    {rest_route::model_auth, rest_group::practicus, "/console/api/modelhost/model-auth/", method_get_post,
        rest_access::identified, {}, false},
    // STACKIT
    {rest_route::instance_tokens, rest_group::stackit, "/v1alpha/projects/{}/regions/{}/instances/{}/tokens",
        method_get_post, rest_access::manage, "instances", false},
    {rest_route::instance_token, rest_group::stackit,
        "/v1alpha/projects/{}/regions/{}/instances/{}/tokens/{}", method_get | method_patch | method_delete,
        rest_access::manage, "instances", false},
    // Modelon
    // Self-service (api.md section 3): any signed-in user manages their own
    // key, without `tokens:manage`; the service admits console users and the
    // key itself.
    {rest_route::api_key, rest_group::modelon, "/api/users/me/api-key", method_get_post | method_delete,
        rest_access::identified, "api-key", false},
    // NeuroIO
    {rest_route::tokens, rest_group::neuroio, "/api/v1/tokens/", method_get_post | method_delete,
        rest_access::manage, "tokens", true},
    {rest_route::token, rest_group::neuroio, "/api/v1/tokens/{}/", method_get | method_patch | method_delete,
        rest_access::manage, "tokens", true},
    {rest_route::space_tokens, rest_group::neuroio, "/api/v1/spaces/{}/tokens/", method_post,
        rest_access::manage, "spaces", false},
    {rest_route::iam_tokens, rest_group::neuroio, "/api/v1/iam/tokens/", method_post,
        rest_access::manage, "iam", true},
    {rest_route::iam_whoami, rest_group::neuroio, "/api/v1/iam/whoami/", method_get, rest_access::identified,
        "iam", true},
    // Well-known documents
    {rest_route::jwks, rest_group::well_known, "/.well-known/jwks.json", method_get,
        rest_access::anonymous, {}, false},
    {rest_route::openid_configuration, rest_group::well_known, "/.well-known/openid-configuration",
        method_get, rest_access::anonymous, {}, false},
};

// The path prefixes a group owns whole: any other path below one is a 404
// of this API, not the server's. The well-known group owns its two
// documents only, leaving the rest of `/.well-known/` to the server.
struct rest_mount
{
    rest_group group;
    std::string_view prefix;
};

inline constexpr rest_mount rest_mounts[] = {
    {rest_group::practicus, "/console/api/"},
    {rest_group::stackit, "/v1alpha/projects/"},
    {rest_group::modelon, "/api/users/"},
    {rest_group::neuroio, "/api/v1/"},
};

inline bool rest_group_enabled(rest_api_options const& options, rest_group group) noexcept
{
    switch(group)
    {
    case rest_group::practicus: return options.practicus;
    case rest_group::stackit: return options.stackit;
    case rest_group::modelon: return options.modelon;
    case rest_group::neuroio: return options.neuroio;
    case rest_group::well_known: return options.well_known;
    }
    return false;
}

// The most segments a route has; longer paths match none.
inline constexpr std::size_t max_rest_segments = 10;

// The most parameters a route has.
inline constexpr std::size_t max_rest_params = 4;

using rest_params = std::array<std::string_view, max_rest_params>;

// The segments of an absolute path, without the empty one a final `/`
// leaves: "/a/b/" and "/a/b" both give {a, b}.
struct path_segments
{
    std::array<std::string_view, max_rest_segments> items{};
    std::size_t size = 0;
};

// Splits `path` (which starts with `/`); false if it has more than
// `max_rest_segments` segments or an empty one before the last.
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
        if(out.size == max_rest_segments)
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

// Whether `path` matches `pattern`; fills `params` with the `{}` segments.
inline bool match_pattern(std::string_view pattern, path_segments const& path, rest_params& params) noexcept
{
    path_segments expected;
    if(! split_path(pattern, expected) || expected.size != path.size)
        return false;
    std::size_t param = 0;
    for(std::size_t i = 0; i < path.size; ++i)
    {
        if(expected.items[i] == "{}")
        {
            if(param == max_rest_params)
                return false;
            params[param++] = path.items[i];
        }
        else if(expected.items[i] != path.items[i])
            return false;
    }
    return true;
}

// The path of a target: everything before the first `?`.
inline std::string_view target_path(std::string_view target) noexcept
{
    return target.substr(0, target.find('?'));
}

// Whether a mounted group owns `path` (a raw, unchecked path).
inline bool rest_owns_path(rest_api_options const& options, std::string_view path) noexcept
{
    for(auto const& mount : rest_mounts)
        if(rest_group_enabled(options, mount.group) && path.substr(0, mount.prefix.size()) == mount.prefix)
            return true;
    // The groups without a mount own their routes' exact paths.
    path_segments segments;
    if(! split_path(path, segments))
        return false;
    for(auto const& entry : rest_routes)
    {
        rest_params params;
        if(entry.group == rest_group::well_known && rest_group_enabled(options, entry.group)
            && match_pattern(entry.pattern, segments, params))
            return true;
    }
    return false;
}

inline std::uint8_t rest_method_bit(boost::beast::http::verb method) noexcept
{
    switch(method)
    {
    case boost::beast::http::verb::get: return method_get;
    case boost::beast::http::verb::post: return method_post;
    case boost::beast::http::verb::patch: return method_patch;
    case boost::beast::http::verb::delete_: return method_delete;
    default: return 0;
    }
}

// The `Allow` header of a route: "GET, POST".
inline std::string allow_header(std::uint8_t methods)
{
    static constexpr std::pair<rest_method, std::string_view> names[] = {
        {method_get, "GET"}, {method_post, "POST"}, {method_patch, "PATCH"}, {method_delete, "DELETE"}};
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

// Reads the members of a JSON request body: strict on their types, silent
// on members it is not asked for. A member of the wrong type marks the
// whole reading bad; `null` reads as an absent member.
class json_fields
{
public:
    explicit json_fields(boost::json::object const& object) noexcept
        : object_(object)
    {
    }

    std::optional<std::string> string(std::string_view key)
    {
        auto const* value = find(key);
        if(value == nullptr)
            return std::nullopt;
        if(auto const* s = value->if_string())
            return std::string(s->data(), s->size());
        ok_ = false;
        return std::nullopt;
    }

    std::optional<bool> boolean(std::string_view key)
    {
        auto const* value = find(key);
        if(value == nullptr)
            return std::nullopt;
        if(auto const* b = value->if_bool())
            return *b;
        ok_ = false;
        return std::nullopt;
    }

    // An integer that fits `std::int64_t` (not `1.0`, not `"1"`).
    std::optional<std::int64_t> integer(std::string_view key)
    {
        auto const* value = find(key);
        if(value == nullptr)
            return std::nullopt;
        if(auto const* i = value->if_int64())
            return *i;
        if(auto const* u = value->if_uint64();
           u && *u <= static_cast<std::uint64_t>((std::numeric_limits<std::int64_t>::max)()))
            return static_cast<std::int64_t>(*u);
        ok_ = false;
        return std::nullopt;
    }

    // Whether every member read had its type.
    bool ok() const noexcept
    {
        return ok_;
    }

private:
    boost::json::value const* find(std::string_view key) const noexcept
    {
        auto const* value = object_.if_contains(key);
        return value == nullptr || value->is_null() ? nullptr : value;
    }

    boost::json::object const& object_;
    bool ok_ = true;
};

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

// Reads parameters of a query or a form body, as `json_fields` reads JSON:
// a parameter given twice, or not of its type, marks the reading bad.
class form_fields
{
public:
    explicit form_fields(std::string_view encoded) noexcept
        : params_(encoded)
        , ok_(is_form_encoded(encoded))
    {
    }

    // The decoded value of `key`, at most 64 bytes encoded.
    std::optional<std::string> text(std::string_view key)
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

    // `true`/`false`, in any case, or `1`/`0`: what clients send for a
    // boolean query parameter (Python sends `True`). An empty value is no
    // value (NeuroIO's SDK sends `permanent=` for None).
    std::optional<bool> flag(std::string_view key)
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

    // A plain decimal that fits `T`; an empty value is no value (its default).
    template<class T>
    std::optional<T> number(std::string_view key)
    {
        auto const value = text(key);
        if(! value || value->empty())
            return std::nullopt;
        T n{};
        if(parse_decimal(*value, n))
            return n;
        ok_ = false;
        return std::nullopt;
    }

    bool ok() const noexcept
    {
        return ok_;
    }

private:
    router::query_view params_;
    bool ok_;
};

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

// STACKIT: `id`, `name`, `description`, `state`, `validUntil`, and
// `content` when the secret is given (the create answer), else `hint`: the
// secret's last 4 characters, as the other flows' reads show.
inline boost::json::object instance_token_json(
    validation::stored_token const& token, std::chrono::system_clock::time_point now, std::string_view secret = {})
{
    bool const live = token.active && (! token.expires || *token.expires > now);
    boost::json::object out{
        {"id", json_view(token.id)},
        {"name", json_view(token.name)},
        {"description", json_view(token.description)},
        {"state", live ? "active" : "inactive"},
        {"validUntil", rfc3339_or_null(token.expires)},
    };
    if(! secret.empty())
        out.emplace("content", json_view(secret));
    else
        out.emplace("hint", json_view(token.hint));
    return out;
}

// NeuroIO: `id`, then `key` (the create answer) or `key_hint`, `permanent`,
// `is_active`, `created`, `expires`.
inline boost::json::object managed_token_json(validation::stored_token const& token, std::string_view secret = {})
{
    boost::json::object out;
    out.emplace("id", json_view(token.id));
    if(! secret.empty())
        out.emplace("key", json_view(secret));
    else
        out.emplace("key_hint", json_view(token.hint));
    out.emplace("permanent", token.permanent);
    out.emplace("is_active", token.active);
    out.emplace("created", rfc3339(token.created));
    out.emplace("expires", rfc3339_or_null(token.expires));
    return out;
}

// Modelon: the key's metadata, never the key.
inline boost::json::object api_key_json(validation::stored_token const& token)
{
    return boost::json::object{
        {"id", json_view(token.id)},
        {"hint", json_view(token.hint)},
        {"created", rfc3339(token.created)},
        {"expires", rfc3339_or_null(token.expires)},
    };
}

// The last segment of a model prefix: the Practicus `key` of a prefix.
inline std::string_view prefix_key(std::string_view prefix) noexcept
{
    auto const slash = prefix.rfind('/');
    return slash == std::string_view::npos ? prefix : prefix.substr(slash + 1);
}

// NeuroIO's page size when a listing names no `limit` (api.md section 4).
inline constexpr std::size_t default_page_size = 20;

inline void check_base_url(std::string_view url)
{
    if(auto const problem = base_url_problem(url); ! problem.empty())
        throw configuration_error("rest_api_options.base_url", problem);
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

namespace detail {

//----------------------------------------------------------------------------
// One request on one route

template<class Clock, class Fields>
class rest_exchange
{
public:
    using request_type = boost::beast::http::request<boost::beast::http::string_body, Fields>;
    using response_type = typename rest_api<Clock>::response;
    using status = boost::beast::http::status;

    rest_exchange(rest_api<Clock> const& api, request_type const& req, rest_route_entry const& route,
        rest_params const& params, router::request_target const& target, std::string_view client_address) noexcept
        : api_(api)
        , req_(req)
        , route_(route)
        , params_(params)
        , target_(target)
        , client_address_(client_address)
    {
    }

    response_type run()
    {
        if(route_.access != rest_access::anonymous)
        {
            auto auth = api_.guard().authenticate(req_);
            if(! auth)
                return refuse(auth.failure());
            principal_ = auth.principal();
            auto const& policy = api_.guard().policy();
            auto const decision = policy.decide(*principal_,
                policy::route_descriptor{route_.resource, route_.iam},
                route_.access == rest_access::manage ? policy::ScopePolicy::tokens_manage : policy::ScopePolicy::models_read);
            bool const scope_decided_later = route_.access == rest_access::identified
                && decision.error() == policy::error::missing_scope;
            if(! decision && ! scope_decided_later)
                return refuse(guard_failure{decision.error(), decision.required_scope(), {}});
        }

        auto const method = req_.method();
        switch(route_.route)
        {
        case rest_route::login: return login();
        case rest_route::refresh: return refresh();
        case rest_route::model_prefixes: return model_prefixes();
        case rest_route::models: return models();
        case rest_route::model_auth: return model_auth();
        case rest_route::instance_tokens:
            return method == boost::beast::http::verb::post ? create_instance_token()
                                                            : list_instance_tokens();
        case rest_route::instance_token: return instance_token(method);
        case rest_route::api_key: return api_key(method);
        case rest_route::tokens: return tokens(method);
        case rest_route::token: return token(method);
        case rest_route::space_tokens: return create_managed(tokens::managed_kind::space, std::string(params_[0]));
        case rest_route::iam_tokens: return create_managed(tokens::managed_kind::manager, std::nullopt);
        case rest_route::iam_whoami: return whoami();
        case rest_route::jwks: return json(status::ok, service().issuer().jwks());
        case rest_route::openid_configuration:
            return json(status::ok, service().issuer().discovery(api_.options().base_url));
        }
        return fail(router::error::outside_mount_root);
    }

private:
    tokens::token_service<Clock>& service() const noexcept
    {
        return api_.service();
    }

    validation::Principal const& caller() const noexcept
    {
        return *principal_;
    }

    //--------------------------------------------------------------------
    // Answers

    void finish(response_type& res) const
    {
        if(route_.group != rest_group::well_known)
            res.set(boost::beast::http::field::cache_control, "no-store");
        res.keep_alive(req_.keep_alive());
    }

    response_type json(status code, boost::json::value const& body) const
    {
        response_type res{code, req_.version()};
        res.set(boost::beast::http::field::content_type, "application/json; charset=utf-8");
        res.body() = boost::json::serialize(body);
        res.prepare_payload();
        finish(res);
        return res;
    }

    response_type no_content() const
    {
        response_type res{status::no_content, req_.version()};
        finish(res);
        return res;
    }

    // The guard's answer to an authentication or policy failure.
    response_type refuse(guard_failure const& failure) const
    {
        auto res = api_.guard().render(req_, failure);
        finish(res);
        return res;
    }

    // Any other failure: the same JSON and challenge rules, by its code.
    response_type fail(std::error_code ec) const
    {
        return refuse(guard_failure{ec, {}, {}});
    }

    //--------------------------------------------------------------------
    // Bodies

    // The body as a JSON object; an empty body reads as `{}`.
    result<boost::json::object> body_object() const
    {
        std::string_view const body = req_.body();
        if(is_blank(body))
            return boost::json::object();
        auto parsed = jose::parse_json_object_strict(body);
        if(! parsed)
            return make_error_code(tokens::error::invalid_request_body);
        return std::move(*parsed);
    }

    // `model_id` from the body (a form, as the Practicus sample sends even
    // with GET, or JSON) and from the query; both must agree.
    result<std::int64_t> model_id() const
    {
        auto const bad = make_error_code(tokens::error::invalid_request_body);
        std::optional<std::int64_t> from_body;
        std::string_view const body = req_.body();
        if(! is_blank(body))
        {
            if(req_.count(boost::beast::http::field::content_type) > 1)
                return bad;
            // Without a Content-Type, a body that opens an object is JSON.
            auto const type = media_type(to_std(req_[boost::beast::http::field::content_type]));
            bool const json_body = type.empty() ? body[body.find_first_not_of(" \t\r\n")] == '{'
                                                : boost::beast::iequals(type, "application/json");
            if(json_body)
            {
                auto object = body_object();
                if(! object)
                    return object.error();
                json_fields fields(*object);
                from_body = fields.integer("model_id");
                if(! fields.ok())
                    return bad;
            }
            else if(type.empty() || boost::beast::iequals(type, "application/x-www-form-urlencoded"))
            {
                form_fields fields(body);
                from_body = fields.number<std::int64_t>("model_id");
                if(! fields.ok())
                    return bad;
            }
            else
                return bad;
        }
        form_fields query(target_.encoded_query());
        auto const from_query = query.number<std::int64_t>("model_id");
        if(! query.ok() || (from_body && from_query && *from_body != *from_query))
            return bad;
        if(from_body)
            return *from_body;
        if(from_query)
            return *from_query;
        return bad;
    }

    //--------------------------------------------------------------------
    // Practicus

    response_type token_pair_json(tokens::token_pair const& pair) const
    {
        return json(status::ok, boost::json::object{{"access", pair.access}, {"refresh", pair.refresh}});
    }

    response_type login()
    {
        auto body = body_object();
        if(! body)
            return fail(body.error());
        json_fields fields(*body);
        auto const email = fields.string("email");
        auto const password = fields.string("password");
        if(! fields.ok() || ! email || ! password)
            return fail(tokens::error::invalid_request_body);
        auto const pair = service().login(*email, *password, client_address_);
        if(pair)
            return token_pair_json(*pair);
        auto res = fail(pair.error());
        if(pair.error() == tokens::error::too_many_attempts)
        {
            // At least one second: the lock may end between the two calls.
            auto const wait = service().login_retry_after(*email, client_address_).count();
            res.set(boost::beast::http::field::retry_after, std::to_string(wait > 0 ? wait : 1));
        }
        return res;
    }

    response_type refresh()
    {
        auto body = body_object();
        if(! body)
            return fail(body.error());
        json_fields fields(*body);
        auto const from_body = fields.string("refresh");
        if(! fields.ok())
            return fail(tokens::error::invalid_request_body);

        // The Practicus sample also sends the refresh token as a Bearer token.
        std::optional<std::string_view> from_header;
        auto const credential = extract_credential(req_, api_.guard().options().credentials);
        if(credential)
        {
            if(credential->source == credential_source::authorization_bearer)
                from_header = credential->value;
        }
        else if(credential.error() != http::error::missing_credentials)
            return fail(credential.error());

        if(from_body && from_header && *from_body != *from_header)
            return fail(http::error::multiple_credentials);
        if(! from_body && ! from_header)
            return fail(http::error::missing_credentials);
        auto const pair = service().refresh(from_body ? std::string_view(*from_body) : *from_header);
        if(! pair)
            return fail(pair.error());
        return token_pair_json(*pair);
    }

    // Whether the caller may read `model` in some version (`models:read`).
    template<class Registry>
    bool may_read(std::shared_ptr<Registry const> const& registry, std::size_t model_index) const
    {
        auto const& policy = api_.guard().policy();
        auto const& model = registry->models()[model_index];
        auto const default_version = registry->default_version_index(model_index);
        for(std::size_t v = 0; v < model.versions.size(); ++v)
        {
            router::basic_model_endpoint<Registry> const endpoint(registry, model_index, v, v != default_version);
            if(policy.decide(caller(), endpoint, policy::ScopePolicy::models_read))
                return true;
        }
        return false;
    }

    // The indices of the models the caller may read, in registry order.
    template<class Registry>
    std::vector<std::size_t> readable_models(std::shared_ptr<Registry const> const& registry) const
    {
        std::vector<std::size_t> readable;
        for(std::size_t i = 0; i < registry->size(); ++i)
            if(may_read(registry, i))
                readable.push_back(i);
        return readable;
    }

    // The prefixes of the models the caller may read, each once, in
    // registry order.
    response_type model_prefixes()
    {
        auto const registry = service().router().registry();
        boost::json::array out;
        std::vector<std::string_view> seen;
        for(auto const i : readable_models(registry))
        {
            std::string_view const prefix = registry->models()[i].prefix;
            if(std::find(seen.begin(), seen.end(), prefix) != seen.end())
                continue;
            seen.push_back(prefix);
            out.push_back(boost::json::object{
                {"key", json_view(prefix_key(prefix))}, {"prefix", json_view(prefix)}});
        }
        return json(status::ok, out);
    }

    response_type models()
    {
        auto const registry = service().router().registry();
        boost::json::array out;
        for(auto const i : readable_models(registry))
        {
            auto const& model = registry->models()[i];
            boost::json::array versions;
            for(auto const& v : model.versions)
                versions.push_back(json_view(v));
            out.push_back(boost::json::object{
                {"model_id", model.model_id},
                {"name", json_view(model.name)},
                {"prefix", json_view(model.prefix)},
                {"versions", std::move(versions)},
            });
        }
        return json(status::ok, out);
    }

    response_type model_auth()
    {
        auto const id = model_id();
        if(! id)
            return fail(id.error());
        auto const session = service().model_session(caller(), *id);
        if(! session)
            return fail(session.error());
        return json(status::ok, boost::json::object{{"token", session->token}});
    }

    //--------------------------------------------------------------------
    // STACKIT

    std::string instance_key() const
    {
        std::string key(params_[0]);
        key += '/';
        key += params_[1];
        key += '/';
        key += params_[2];
        return key;
    }

    std::chrono::system_clock::time_point now() const
    {
        return service().clock().now();
    }

    response_type create_instance_token()
    {
        auto body = body_object();
        if(! body)
            return fail(body.error());
        // A `ttlDuration` that is not a lifetime string is a bad lifetime.
        if(auto const* ttl = body->if_contains("ttlDuration"); ttl && ! ttl->is_string() && ! ttl->is_null())
            return fail(tokens::error::invalid_ttl);
        json_fields fields(*body);
        auto name = fields.string("name");
        auto description = fields.string("description");
        auto const ttl_text = fields.string("ttlDuration");
        if(! fields.ok() || ! name)
            return fail(tokens::error::invalid_request_body);
        std::optional<std::chrono::seconds> ttl;
        if(ttl_text)
        {
            auto const parsed = tokens::parse_ttl(*ttl_text);
            if(! parsed)
                return fail(parsed.error());
            ttl = *parsed;
        }
        auto const created = service().create_instance_token(
            caller(), instance_key(), std::move(*name), std::move(description).value_or(std::string()), ttl);
        if(! created)
            return fail(created.error());
        return json(status::created, instance_token_json(*created->token, now(), created->secret));
    }

    response_type list_instance_tokens()
    {
        auto const listed = service().list_instance_tokens(caller(), instance_key());
        if(! listed)
            return fail(listed.error());
        boost::json::array tokens;
        auto const at = now();
        for(auto const& t : *listed)
            tokens.push_back(instance_token_json(*t, at));
        return json(status::ok, boost::json::object{{"tokens", std::move(tokens)}});
    }

    response_type instance_token(boost::beast::http::verb method)
    {
        auto const instance = instance_key();
        auto const id = params_[3];
        if(method == boost::beast::http::verb::delete_)
        {
            auto const deleted = service().delete_instance_token(caller(), instance, id);
            return deleted ? no_content() : fail(deleted.error());
        }
        result<std::shared_ptr<validation::stored_token const>> token = make_error_code(tokens::error::token_not_found);
        if(method == boost::beast::http::verb::patch)
        {
            auto body = body_object();
            if(! body)
                return fail(body.error());
            json_fields fields(*body);
            auto name = fields.string("name");
            auto description = fields.string("description");
            if(! fields.ok())
                return fail(tokens::error::invalid_request_body);
            token = service().update_instance_token(
                caller(), instance, id, std::move(name), std::move(description));
        }
        else
            token = service().get_instance_token(caller(), instance, id);
        if(! token)
            return fail(token.error());
        return json(status::ok, instance_token_json(**token, now()));
    }

    //--------------------------------------------------------------------
    // Modelon

    response_type api_key(boost::beast::http::verb method)
    {
        if(method == boost::beast::http::verb::post)
        {
            auto const created = service().regenerate_api_key(caller());
            if(! created)
                return fail(created.error());
            return json(status::ok, boost::json::object{{"secret_key", created->secret}});
        }
        if(method == boost::beast::http::verb::delete_)
        {
            auto const deleted = service().delete_api_key(caller());
            return deleted ? no_content() : fail(deleted.error());
        }
        auto const info = service().api_key_info(caller());
        if(! info)
            return fail(info.error());
        return json(status::ok, api_key_json(**info));
    }

    //--------------------------------------------------------------------
    // NeuroIO

    response_type create_managed(tokens::managed_kind kind, std::optional<std::string> space)
    {
        auto body = body_object();
        if(! body)
            return fail(body.error());
        json_fields fields(*body);
        auto const permanent = fields.boolean("permanent");
        if(! fields.ok())
            return fail(tokens::error::invalid_request_body);
        auto const created
            = service().create_managed(caller(), kind, std::move(space), permanent.value_or(false));
        if(! created)
            return fail(created.error());
        return json(status::created, managed_token_json(*created->token, created->secret));
    }

    // `<base>/api/v1/tokens/?[permanent=...&]limit=...&offset=...`
    std::string page_url(std::optional<bool> permanent, std::size_t limit, std::size_t offset) const
    {
        std::string url = api_.options().base_url;
        url += route_.pattern;
        url += '?';
        if(permanent)
            url += *permanent ? "permanent=true&" : "permanent=false&";
        url += "limit=" + std::to_string(limit) + "&offset=" + std::to_string(offset);
        return url;
    }

    response_type tokens(boost::beast::http::verb method)
    {
        if(method == boost::beast::http::verb::post)
            return create_managed(tokens::managed_kind::same_as_caller, std::nullopt);
        form_fields query(target_.encoded_query());
        auto const permanent = query.flag("permanent");
        if(method == boost::beast::http::verb::delete_)
        {
            if(! query.ok())
                return fail(tokens::error::invalid_request_body);
            auto const deleted = service().delete_managed_many(caller(), permanent);
            return deleted ? no_content() : fail(deleted.error());
        }

        auto const max_page = service().options().max_page_size;
        auto const limit = query.number<std::size_t>("limit");
        auto const offset = query.number<std::size_t>("offset");
        if(! query.ok() || (limit && *limit == 0))
            return fail(tokens::error::invalid_request_body);
        // As Django REST framework's limit/offset pagination: no limit (or an
        // empty one) is NeuroIO's default page of 20, a limit over the
        // largest page is the largest page.
        std::size_t const page_size = (std::min)(limit.value_or(default_page_size), max_page);
        auto const page = service().list_managed(caller(), permanent, page_size, offset.value_or(0));
        if(! page)
            return fail(page.error());

        boost::json::array results;
        for(auto const& t : page->results)
            results.push_back(managed_token_json(*t));
        auto link = [&](std::optional<std::size_t> at) -> boost::json::value {
            if(! at)
                return nullptr;
            return boost::json::value(page_url(permanent, page_size, *at));
        };
        boost::json::object out;
        out.emplace("count", page->count);
        out.emplace("next", link(page->next_offset));
        out.emplace("previous", link(page->previous_offset));
        out.emplace("results", std::move(results));
        return json(status::ok, out);
    }

    response_type token(boost::beast::http::verb method)
    {
        auto const id_or_key = params_[0];
        if(method == boost::beast::http::verb::delete_)
        {
            auto const deleted = service().delete_managed(caller(), id_or_key);
            return deleted ? no_content() : fail(deleted.error());
        }
        result<std::shared_ptr<validation::stored_token const>> token = make_error_code(tokens::error::token_not_found);
        if(method == boost::beast::http::verb::patch)
        {
            auto body = body_object();
            if(! body)
                return fail(body.error());
            json_fields fields(*body);
            auto const active = fields.boolean("is_active");
            if(! fields.ok())
                return fail(tokens::error::invalid_request_body);
            token = active ? service().set_managed_active(caller(), id_or_key, *active)
                           : service().get_managed(caller(), id_or_key);
        }
        else
            token = service().get_managed(caller(), id_or_key);
        if(! token)
            return fail(token.error());
        return json(status::ok, managed_token_json(**token));
    }

    response_type whoami()
    {
        auto const who = service().whoami(caller());
        if(! who)
            return fail(who.error());
        return json(status::ok,
            boost::json::object{
                {"account", who->first}, {"class", json_view(validation::token_class_name(who->second))}});
    }

    rest_api<Clock> const& api_;
    request_type const& req_;
    rest_route_entry const& route_;
    rest_params params_;
    router::request_target const& target_;
    std::string_view client_address_;
    validation::principal_ptr principal_;
};

// A JSON error answer for the faults that have no modelauth code (405, 413).
template<class Fields>
boost::beast::http::response<boost::beast::http::string_body> rest_status_answer(
    boost::beast::http::request<boost::beast::http::string_body, Fields> const& req,
    boost::beast::http::status status, std::string_view code, std::string_view description)
{
    boost::beast::http::response<boost::beast::http::string_body> res{status, req.version()};
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

} // namespace detail

template<class Clock>
rest_api<Clock>::rest_api(std::shared_ptr<tokens::token_service<Clock>> service,
    std::shared_ptr<basic_guard<Clock> const> guard, rest_api_options options)
    : service_(std::move(service))
    , guard_(std::move(guard))
    , options_(std::move(options))
{
    if(! service_)
        throw configuration_error("rest_api.service", "must not be null");
    if(! guard_)
        throw configuration_error("rest_api.guard", "must not be null");
    detail::check_base_url(options_.base_url);
}

template<class Clock>
bool rest_api<Clock>::owns(std::string_view target) const noexcept
{
    return detail::rest_owns_path(options_, detail::target_path(target));
}

template<class Clock>
template<class Fields>
auto rest_api<Clock>::handle(
    boost::beast::http::request<boost::beast::http::string_body, Fields> const& req,
    std::string_view client_address) const -> std::optional<response>
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
    for(auto const& entry : detail::rest_routes)
    {
        detail::rest_params params;
        if(! detail::rest_group_enabled(options_, entry.group)
            || ! detail::match_pattern(entry.pattern, segments, params))
            continue;
        if((detail::rest_method_bit(req.method()) & entry.methods) == 0)
        {
            auto res = detail::rest_status_answer(req, beast_http::status::method_not_allowed,
                "method_not_allowed", "the method is not allowed on this route");
            res.set(beast_http::field::allow, detail::allow_header(entry.methods));
            return res;
        }
        if(req.body().size() > options_.max_body_bytes)
            return detail::rest_status_answer(req, beast_http::status::payload_too_large, "content_too_large",
                "the request body is too large");
        return detail::rest_exchange<Clock, Fields>(*this, req, entry, params, *target, client_address).run();
    }
    return refuse(router::error::outside_mount_root);
}

template<class Clock>
template<class Fields>
auto rest_api<Clock>::model_meta(
    boost::beast::http::request<boost::beast::http::string_body, Fields> const& req,
    AuthContext const& ctx, boost::json::object const& extra) const -> response
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
    res.set("x-prt-model-id", std::to_string(model.model_id));
    res.set(beast_http::field::content_type, "application/json; charset=utf-8");
    res.body() = boost::json::serialize(meta);
    res.prepare_payload();
    if(req.method() == beast_http::verb::head)
        res.body().clear(); // Content-Length keeps the size a GET would get
    res.keep_alive(req.keep_alive());
    return res;
}

} // namespace http
} // namespace v0
} // namespace modelauth

#endif
