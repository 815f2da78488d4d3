//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The token routes of api.md, through a whole in-process stack: an issuer,
// an in-memory store, a validator, a router with two models, the default
// policy, a guard reading `impact-api-key`, a user directory, the four
// token flows and the route table mounting them, all on one manual clock.

#include <modelauth/http/token_routes.hpp>
#include <modelauth/tokens/flows/console_session.hpp>
#include <modelauth/tokens/flows/managed_tokens.hpp>
#include <modelauth/tokens/flows/personal_api_key.hpp>
#include <modelauth/tokens/flows/resource_tokens.hpp>
#include <modelauth/tokens/in_memory_token_store.hpp>
#include <modelauth/tokens/password.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/router/error.hpp>
#include <modelauth/tokens/error.hpp>

#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace ma = modelauth;
namespace bhttp = boost::beast::http;
namespace json = boost::json;

using clock_ref = ma::manual_clock_ref;
using api_type = ma::http::token_routes<clock_ref>;
using guard_type = ma::http::basic_guard<clock_ref>;
using context_type = ma::tokens::flows::flow_context<clock_ref>;
using request = bhttp::request<bhttp::string_body>;
using response = bhttp::response<bhttp::string_body>;

std::string const base_url = "http://127.0.0.1:8080";
std::string const alice = "alice@example.com";
std::string const bob = "bob@example.com";
std::string const password = "correct horse battery staple";
std::string const json_type = "application/json; charset=utf-8";
std::string const instance_base = "/v1alpha/projects/demo/regions/eu01/instances/demo/tokens";
std::string const diamond = "/models/practicus/diamond-price/";
std::string const churn = "/models/labs/churn/";

// 100,000 iterations (the least `password_hash::parse` accepts), hashed once.
ma::tokens::password_hash const& password_hash()
{
    static ma::tokens::password_hash const hash
        = ma::tokens::password_hash::parse(ma::tokens::hash_password(password, 100000).value()).value();
    return hash;
}

ma::router::model_description model(std::int64_t id, std::string prefix, std::string name,
    std::vector<std::string> versions, std::string space, std::string instance)
{
    ma::router::model_description d;
    d.model_id = id;
    d.prefix = std::move(prefix);
    d.name = std::move(name);
    d.versions = std::move(versions);
    d.account = "demo";
    d.space = std::move(space);
    d.instance = std::move(instance);
    return d;
}

ma::tokens::user_directory directory()
{
    ma::tokens::user_directory d;
    d.accounts = {{"demo", {"default", "labs"}}};
    d.instances = {"demo/eu01/demo", "demo/eu01/other"};
    // Alice manages tokens and one instance; Bob may read models/labs only.
    d.users = {
        ma::tokens::user_record{alice, password_hash(), "demo", {"models:read", "models:infer", "tokens:manage"},
            {"demo/eu01/demo"}},
        ma::tokens::user_record{bob, password_hash(), "demo", {"models:read:models/labs"}, {}},
    };
    return d;
}

json::value parse(std::string const& body)
{
    return json::parse(body);
}

// The flows a stack mounts.
struct mounts
{
    bool console_session = true;
    bool resource_tokens = true;
    bool personal_api_key = true;
    bool managed_tokens = true;
    bool well_known = true;
};

struct rest_stack
{
    ma::manual_clock clock;
    std::shared_ptr<ma::tokens::token_issuer<clock_ref> const> issuer;
    std::shared_ptr<ma::tokens::InMemoryTokenStore> store = std::make_shared<ma::tokens::InMemoryTokenStore>();
    std::shared_ptr<ma::router::ModelUrlRouter const> router;
    std::shared_ptr<ma::policy::ScopePolicy const> policy = std::make_shared<ma::policy::ScopePolicy const>();
    std::shared_ptr<guard_type const> guard;
    std::shared_ptr<context_type> context;
    std::optional<api_type> api;

    // The reference server's route table: api.md's paths, its model-id header.
    static ma::http::token_routes_options routes_options()
    {
        ma::http::token_routes_options options{base_url};
        options.model_id_header = "x-prt-model-id";
        return options;
    }

    explicit rest_stack(ma::http::token_routes_options options = routes_options(), mounts mounted = {})
    {
        ma::tokens::issuer_options io;
        io.issuer = base_url;
        issuer = std::make_shared<ma::tokens::token_issuer<clock_ref> const>(
            ma::tokens::token_issuer<clock_ref>::generate(io, ma::tokens::default_retain_old_keys, clock_ref(clock)).value());
        auto validator = std::make_shared<ma::validation::basic_token_validator<clock_ref> const>(
            std::vector<ma::validation::trusted_issuer>{issuer->trusted()}, ma::validation::token_validator_options{}, store,
            clock_ref(clock));
        router = std::make_shared<ma::router::ModelUrlRouter const>(ma::router::model_registry({
            model(1, "models/practicus", "diamond-price", {"1", "2"}, "default", "demo/eu01/demo"),
            model(2, "models/labs", "churn", {"1"}, "labs", "demo/eu01/other"),
        }));
        ma::http::guard_options go;
        go.credentials.api_key_header = "impact-api-key";
        guard = std::make_shared<guard_type const>(validator, router, policy, go);
        context = std::make_shared<context_type>(
            directory(), router, issuer, store, policy, ma::tokens::flows::flow_options{}, clock_ref(clock));
        namespace flows = ma::tokens::flows;
        std::vector<ma::http::route_group<clock_ref>> groups;
        if(mounted.console_session)
            groups.push_back(flows::make_routes(std::make_shared<flows::console_session<clock_ref>>(context)));
        if(mounted.resource_tokens)
            groups.push_back(flows::make_routes(std::make_shared<flows::resource_tokens<clock_ref>>(context)));
        if(mounted.personal_api_key)
            groups.push_back(flows::make_routes(std::make_shared<flows::personal_api_key<clock_ref>>(context)));
        if(mounted.managed_tokens)
            groups.push_back(flows::make_routes(std::make_shared<flows::managed_tokens<clock_ref>>(context)));
        if(mounted.well_known)
            groups.push_back(ma::http::well_known_routes(issuer));
        api.emplace(guard, std::move(options), std::move(groups));
    }

    static request make(bhttp::verb method, std::string const& target, std::string const& bearer = {},
        std::string body = {}, std::string const& content_type = {})
    {
        request req{method, target, 11};
        if(! bearer.empty())
            req.set(bhttp::field::authorization, "Bearer " + bearer);
        if(! content_type.empty())
            req.set(bhttp::field::content_type, content_type);
        req.body() = std::move(body);
        req.prepare_payload();
        return req;
    }

    static request make_json(bhttp::verb method, std::string const& target, std::string const& bearer,
        json::value const& body)
    {
        return make(method, target, bearer, json::serialize(body), "application/json");
    }

    response send(request const& req) const
    {
        auto res = api->handle(req);
        REQUIRE(res.has_value());
        return std::move(*res);
    }

    response call(bhttp::verb method, std::string const& target, std::string const& bearer = {}) const
    {
        return send(make(method, target, bearer));
    }

    response call_json(bhttp::verb method, std::string const& target, std::string const& bearer,
        json::value const& body) const
    {
        return send(make_json(method, target, bearer, body));
    }

    // Logs `email` in; the pair's JSON.
    json::object login(std::string const& email = alice) const
    {
        auto const res = call_json(bhttp::verb::post, "/console/api/auth/", {},
            json::object{{"email", email}, {"password", password}});
        REQUIRE(res.result_int() == 200);
        return parse(res.body()).as_object();
    }

    std::string access(std::string const& email = alice) const
    {
        return std::string(login(email).at("access").as_string());
    }

    // What the guard says of `credential` (Bearer, or the API-key header)
    // on a model URL: 200 when allowed, else the status it would render.
    unsigned model_status(bhttp::verb method, std::string const& target, std::string const& credential,
        bool api_key_header = false) const
    {
        request req{method, target, 11};
        if(api_key_header)
            req.set("impact-api-key", credential);
        else
            req.set(bhttp::field::authorization, "Bearer " + credential);
        auto const checked = guard->check(req);
        return checked ? 200 : ma::http_status(checked.error());
    }
};

std::string str(json::value const& v)
{
    return std::string(v.as_string());
}

// The error body every refusal carries.
json::value error_body(std::string const& code, std::error_code ec)
{
    return json::object{{"error", code}, {"error_description", ec.message()}};
}

void check_json_answer(response const& res, unsigned status)
{
    CHECK(res.result_int() == status);
    CHECK(res[bhttp::field::content_type] == json_type);
    CHECK(res[bhttp::field::content_length] == std::to_string(res.body().size()));
}

} // namespace

//----------------------------------------------------------------------------
// Practicus: login and refresh

TEST_CASE("a login answers an access and a refresh token, and nothing else")
{
    rest_stack s;
    auto req = rest_stack::make_json(bhttp::verb::post, "/console/api/auth/", {},
        json::object{{"email", alice}, {"password", password}});
    req.version(10);
    req.keep_alive(false);
    auto const res = s.send(req);
    check_json_answer(res, 200);
    CHECK(res.version() == 10);
    CHECK_FALSE(res.keep_alive());
    CHECK(res[bhttp::field::cache_control] == "no-store");
    auto const body = parse(res.body()).as_object();
    CHECK(body.size() == 2);
    CHECK(str(body.at("access")).rfind("eyJ", 0) == 0);
    CHECK(str(body.at("refresh")).rfind("mrt_", 0) == 0);
    CHECK(res.body().find(password) == std::string::npos);

    auto const principal = s.guard->validator().validate(str(body.at("access")));
    REQUIRE(principal);
    CHECK((*principal)->subject == alice);
    CHECK((*principal)->cls == ma::validation::token_class::user);
}

TEST_CASE("a wrong password and an unknown email get the same 401")
{
    rest_stack s;
    auto const wrong = s.call_json(bhttp::verb::post, "/console/api/auth/", {},
        json::object{{"email", alice}, {"password", "not it"}});
    auto const unknown = s.call_json(bhttp::verb::post, "/console/api/auth/", {},
        json::object{{"email", "nobody@example.com"}, {"password", password}});
    for(auto const* res : {&wrong, &unknown})
    {
        check_json_answer(*res, 401);
        CHECK((*res)[bhttp::field::www_authenticate] == "Bearer realm=\"models\"");
        CHECK(parse(res->body()) == error_body("invalid_credentials", ma::tokens::error::invalid_credentials));
    }
    CHECK(wrong.body() == unknown.body());
}

TEST_CASE("a login body that is not an object of two strings is 400")
{
    rest_stack s;
    std::string const bodies[] = {
        "not json",
        "[1, 2]",
        R"({"email": "alice@example.com"})",
        R"({"email": 7, "password": "x"})",
        R"({"email": "alice@example.com", "password": true})",
        R"({"email": "a", "email": "b", "password": "x"})", // duplicate member
        R"({"email": "alice@example.com", "password": "x"} trailing)",
        "",
    };
    for(auto const& body : bodies)
    {
        CAPTURE(body);
        auto const res = s.send(
            rest_stack::make(bhttp::verb::post, "/console/api/auth/", {}, body, "application/json"));
        check_json_answer(res, 400);
        CHECK(res[bhttp::field::www_authenticate] == "");
        CHECK(parse(res.body()) == error_body("invalid_request", ma::tokens::error::invalid_request_body));
    }
}

TEST_CASE("the sixth failed login in the window is 429 with Retry-After until the lock ends")
{
    rest_stack s;
    auto const attempt = [&](std::string const& pw) {
        return s.call_json(bhttp::verb::post, "/console/api/auth/", {},
            json::object{{"email", alice}, {"password", pw}});
    };
    for(int i = 0; i < 5; ++i)
        CHECK(attempt("wrong").result_int() == 401);
    auto const locked = attempt(password);
    check_json_answer(locked, 429);
    CHECK(locked[bhttp::field::retry_after] == "900");
    CHECK(parse(locked.body()) == error_body("too_many_attempts", ma::tokens::error::too_many_attempts));

    s.clock.advance(std::chrono::minutes(5));
    auto const still_locked = attempt(password);
    CHECK(still_locked.result_int() == 429);
    CHECK(still_locked[bhttp::field::retry_after] == "600");
    s.clock.advance(std::chrono::minutes(10));
    CHECK(attempt(password).result_int() == 200);
}

TEST_CASE("refresh takes the token from the body, the Bearer header, or both when they agree")
{
    rest_stack s;
    auto refresh = str(s.login().at("refresh"));

    SUBCASE("the Practicus sample: both")
    {
        auto const res = s.call_json(bhttp::verb::post, "/console/api/auth/refresh/", refresh,
            json::object{{"refresh", refresh}});
        check_json_answer(res, 200);
        auto const body = parse(res.body()).as_object();
        CHECK(body.size() == 2);
        CHECK(str(body.at("refresh")) != refresh);
        CHECK(s.guard->validator().validate(str(body.at("access"))));
    }
    SUBCASE("the body alone")
    {
        CHECK(s.call_json(bhttp::verb::post, "/console/api/auth/refresh/", {}, json::object{{"refresh", refresh}})
                  .result_int() == 200);
    }
    SUBCASE("the header alone, without a body")
    {
        CHECK(s.call(bhttp::verb::post, "/console/api/auth/refresh/", refresh).result_int() == 200);
    }
    SUBCASE("two different tokens are 400")
    {
        auto const other = str(s.login().at("refresh"));
        auto const res = s.call_json(bhttp::verb::post, "/console/api/auth/refresh/", other,
            json::object{{"refresh", refresh}});
        check_json_answer(res, 400);
        CHECK(parse(res.body()) == error_body("invalid_request", ma::http::error::multiple_credentials));
        // contract: a 400 caused by the credentials carries its challenge
        CHECK(res[bhttp::field::www_authenticate]
            == "Bearer realm=\"models\", error=\"invalid_request\", error_description=\"the request has "
               "credentials in more than one place\"");
    }
    SUBCASE("none is 401 with a bare challenge")
    {
        auto const res = s.call(bhttp::verb::post, "/console/api/auth/refresh/");
        check_json_answer(res, 401);
        CHECK(res[bhttp::field::www_authenticate] == "Bearer realm=\"models\"");
    }
    SUBCASE("a refresh member that is not a string is 400")
    {
        CHECK(s.call_json(bhttp::verb::post, "/console/api/auth/refresh/", {}, json::object{{"refresh", 5}})
                  .result_int() == 400);
    }
    SUBCASE("an unknown token is 401 invalid_token")
    {
        auto const res = s.call_json(bhttp::verb::post, "/console/api/auth/refresh/", {},
            json::object{{"refresh", "mrt_nothing"}});
        check_json_answer(res, 401);
        CHECK(res[bhttp::field::www_authenticate].starts_with("Bearer realm=\"models\", error=\"invalid_token\""));
        CHECK(res.body().find("mrt_nothing") == std::string::npos);
    }
}

TEST_CASE("a reused refresh token is 401 and revokes its family at once")
{
    rest_stack s;
    auto const first = s.login();
    auto const refresh = str(first.at("refresh"));
    auto const rotated = parse(s.call(bhttp::verb::post, "/console/api/auth/refresh/", refresh).body()).as_object();
    auto const access = str(rotated.at("access"));
    CHECK(s.call(bhttp::verb::get, "/console/api/modelhost/models/", access).result_int() == 200);

    auto const reused = s.call(bhttp::verb::post, "/console/api/auth/refresh/", refresh);
    check_json_answer(reused, 401);
    CHECK(parse(reused.body()) == error_body("invalid_token", ma::tokens::error::refresh_token_reused));

    // The family's newest refresh token and its access tokens are gone too.
    CHECK(s.call(bhttp::verb::post, "/console/api/auth/refresh/", str(rotated.at("refresh"))).result_int() == 401);
    CHECK(s.call(bhttp::verb::get, "/console/api/modelhost/models/", access).result_int() == 401);
    CHECK(s.call(bhttp::verb::get, "/console/api/modelhost/models/", str(first.at("access"))).result_int() == 401);
}

//----------------------------------------------------------------------------
// Practicus: listings, model-auth, get_meta

TEST_CASE("listings show the models and prefixes the caller may read")
{
    rest_stack s;
    auto const all_models = json::array{
        json::object{{"model_id", 1}, {"name", "diamond-price"}, {"prefix", "models/practicus"},
            {"versions", json::array{"1", "2"}}},
        json::object{{"model_id", 2}, {"name", "churn"}, {"prefix", "models/labs"}, {"versions", json::array{"1"}}},
    };
    auto const alice_access = s.access();
    auto res = s.call(bhttp::verb::get, "/console/api/modelhost/models/", alice_access);
    check_json_answer(res, 200);
    CHECK(parse(res.body()) == all_models);
    res = s.call(bhttp::verb::get, "/console/api/modelhost/model-prefixes/", alice_access);
    check_json_answer(res, 200);
    CHECK(parse(res.body())
        == json::array{json::object{{"key", "practicus"}, {"prefix", "models/practicus"}},
            json::object{{"key", "labs"}, {"prefix", "models/labs"}}});

    // Bob holds models:read:models/labs only.
    auto const bob_access = s.access(bob);
    res = s.call(bhttp::verb::get, "/console/api/modelhost/models/", bob_access);
    CHECK(parse(res.body()) == json::array{all_models[1]});
    res = s.call(bhttp::verb::get, "/console/api/modelhost/model-prefixes/", bob_access);
    CHECK(parse(res.body()) == json::array{json::object{{"key", "labs"}, {"prefix", "models/labs"}}});

    res = s.call(bhttp::verb::get, "/console/api/modelhost/models/");
    check_json_answer(res, 401);
    CHECK(res[bhttp::field::www_authenticate] == "Bearer realm=\"models\"");
}

TEST_CASE("model-auth reads model_id from a form body, JSON or the query")
{
    rest_stack s;
    auto const access = s.access();
    auto const session_of = [&](response const& res) {
        check_json_answer(res, 200);
        auto const body = parse(res.body()).as_object();
        CHECK(body.size() == 1);
        auto const principal = s.guard->validator().validate(str(body.at("token")));
        REQUIRE(principal);
        CHECK((*principal)->cls == ma::validation::token_class::model_session);
        return *(*principal)->bindings.model_id;
    };
    std::string const url = "/console/api/modelhost/model-auth/";

    // The Practicus sample: requests' GET with data={"model_id": 1}.
    CHECK(session_of(s.send(rest_stack::make(bhttp::verb::get, url, access, "model_id=1",
              "application/x-www-form-urlencoded"))) == 1);
    CHECK(session_of(s.send(rest_stack::make(bhttp::verb::get, url, access, "model_id=2"))) == 2);
    CHECK(session_of(s.send(rest_stack::make(bhttp::verb::post, url, access, "other=x&model_id=2",
              "application/x-www-form-urlencoded; charset=utf-8"))) == 2);
    CHECK(session_of(s.call_json(bhttp::verb::post, url, access, json::object{{"model_id", 1}})) == 1);
    CHECK(session_of(s.send(rest_stack::make(bhttp::verb::get, url, access, R"( {"model_id": 2})"))) == 2);
    CHECK(session_of(s.call(bhttp::verb::get, url + "?model_id=1", access)) == 1);
    CHECK(session_of(s.send(rest_stack::make(bhttp::verb::get, url + "?model_id=1", access, "model_id=1"))) == 1);

    struct bad_case
    {
        std::string target, body, content_type;
    };
    bad_case const bad[] = {
        {url, "", ""},
        {url, "model_id=", ""},
        {url, "model_id=abc", ""},
        {url, "model_id=1.5", ""},
        {url, "model_id=+1", ""},
        {url, "model_id=%201", ""},
        {url, "model_id=1&model_id=2", ""},
        {url, "model_id=99999999999999999999999", ""},
        {url, "model_id=1%zz", ""},
        {url, "model_id=1 ", "application/x-www-form-urlencoded"},
        {url, R"({"model_id": "1"})", "application/json"},
        {url, R"({"model_id": 1.5})", "application/json"},
        {url, R"({"model_id": 1)", "application/json"},
        {url, "model_id=1", "text/plain"},
        {url + "?model_id=2", "model_id=1", ""},
        {url + "?model_id=x", "", ""},
    };
    for(auto const& c : bad)
    {
        CAPTURE(c.target);
        CAPTURE(c.body);
        auto const res = s.send(rest_stack::make(bhttp::verb::get, c.target, access, c.body, c.content_type));
        check_json_answer(res, 400);
        CHECK(parse(res.body()) == error_body("invalid_request", ma::tokens::error::invalid_request_body));
    }

    auto const unknown = s.send(rest_stack::make(bhttp::verb::get, url, access, "model_id=999"));
    check_json_answer(unknown, 404);
    CHECK(parse(unknown.body()) == error_body("not_found", ma::tokens::error::unknown_model));

    // Bob may read models/labs only.
    auto const refused = s.send(rest_stack::make(bhttp::verb::get, url, s.access(bob), "model_id=1"));
    check_json_answer(refused, 403);
    CHECK(parse(refused.body()) == error_body("not_permitted", ma::tokens::error::not_permitted));
}

TEST_CASE("a model session token reaches its model only, and no token route")
{
    rest_stack s;
    auto const body = s.send(rest_stack::make(bhttp::verb::get, "/console/api/modelhost/model-auth/", s.access(),
        "model_id=1")).body();
    auto const session = str(parse(body).at("token"));
    CHECK(s.model_status(bhttp::verb::post, diamond, session) == 200);
    CHECK(s.model_status(bhttp::verb::post, churn, session) == 403);

    auto const res = s.send(
        rest_stack::make(bhttp::verb::get, "/console/api/modelhost/model-auth/", session, "model_id=1"));
    check_json_answer(res, 403);
    CHECK(res[bhttp::field::www_authenticate].find("error=\"insufficient_scope\"") != std::string::npos);
    CHECK(parse(res.body()) == error_body("insufficient_scope", ma::policy::error::class_forbidden));
    CHECK(s.call(bhttp::verb::get, "/api/v1/tokens/", session).result_int() == 403);
    CHECK(s.call(bhttp::verb::get, "/console/api/modelhost/models/", session).result_int() == 403);
}

TEST_CASE("get_meta answers x-prt-model-id and the model's metadata")
{
    rest_stack s;
    // requests' GET with a form body, which the meta answer ignores.
    auto req = rest_stack::make(bhttp::verb::get, diamond + "?get_meta=true", s.access(), "refresh=mrt_x",
        "application/x-www-form-urlencoded");
    CHECK_FALSE(s.api->handle(req).has_value());
    auto const checked = s.guard->check(req);
    REQUIRE(checked);
    auto const res = s.api->model_meta(req, checked.context(), json::object{{"features", 2}, {"model_id", 99}});
    check_json_answer(res, 200);
    CHECK(res["x-prt-model-id"] == "1");
    CHECK(parse(res.body())
        == json::object{{"model_id", 1}, {"prefix", "models/practicus"}, {"name", "diamond-price"},
            {"versions", json::array{"1", "2"}}, {"default_version", "2"}, {"version", "2"}, {"features", 2}});

    auto versioned = rest_stack::make(bhttp::verb::head, diamond + "1/?get_meta=true", s.access());
    auto const head_checked = s.guard->check(versioned);
    REQUIRE(head_checked);
    auto const head = s.api->model_meta(versioned, head_checked.context());
    CHECK(head.result_int() == 200);
    CHECK(head.body().empty());
    CHECK(head[bhttp::field::content_length] != "0");
}

//----------------------------------------------------------------------------
// STACKIT instance tokens

// contract: lists and single gets show the secret's `hint` (last 4
// characters), as every other flow's reads do.
TEST_CASE("contract: an instance token is created once with its secret, then listed and read with its hint, renamed and deleted")
{
    rest_stack s;
    auto const access = s.access();
    auto const created = s.call_json(bhttp::verb::post, instance_base, access,
        json::object{{"description", "My token"}, {"name", "my-token"}, {"ttlDuration", "30d"}});
    check_json_answer(created, 201);
    auto const token = parse(created.body()).as_object();
    auto const id = str(token.at("id"));
    auto const content = str(token.at("content"));
    CHECK(content.rfind("mak_", 0) == 0);
    CHECK(token == json::object{{"id", id}, {"name", "my-token"}, {"description", "My token"}, {"state", "active"},
                       {"validUntil", "2026-01-31T00:00:00Z"}, {"content", content}});

    auto const expected = json::object{{"id", id}, {"name", "my-token"}, {"description", "My token"},
        {"state", "active"}, {"validUntil", "2026-01-31T00:00:00Z"}, {"hint", content.substr(content.size() - 4)}};
    auto res = s.call(bhttp::verb::get, instance_base, access);
    check_json_answer(res, 200);
    CHECK(parse(res.body()) == json::object{{"tokens", json::array{expected}}});
    CHECK(res.body().find(content) == std::string::npos);

    res = s.call(bhttp::verb::get, instance_base + "/" + id, access);
    check_json_answer(res, 200);
    CHECK(parse(res.body()) == expected);

    // The token works on its instance's models only.
    CHECK(s.model_status(bhttp::verb::post, diamond, content) == 200);
    CHECK(s.model_status(bhttp::verb::post, churn, content) == 403);

    res = s.call_json(bhttp::verb::patch, instance_base + "/" + id, access, json::object{{"description", "renamed"}});
    check_json_answer(res, 200);
    auto renamed = expected;
    renamed["description"] = "renamed";
    CHECK(parse(res.body()) == renamed);
    CHECK(s.call_json(bhttp::verb::patch, instance_base + "/" + id, access, json::object{{"name", 3}}).result_int()
        == 400);

    res = s.call(bhttp::verb::delete_, instance_base + "/" + id, access);
    CHECK(res.result_int() == 204);
    CHECK(res.body().empty());
    CHECK(res[bhttp::field::content_type] == "");
    CHECK(s.model_status(bhttp::verb::post, diamond, content) == 401);
    res = s.call(bhttp::verb::get, instance_base + "/" + id, access);
    check_json_answer(res, 404);
    CHECK(parse(res.body()) == error_body("not_found", ma::tokens::error::token_not_found));
}

TEST_CASE("an instance token without ttlDuration never expires")
{
    rest_stack s;
    auto const res = s.call_json(bhttp::verb::post, instance_base + "/", s.access(), json::object{{"name", "ci"}});
    check_json_answer(res, 201);
    auto const token = parse(res.body()).as_object();
    CHECK(token.at("validUntil").is_null());
    CHECK(str(token.at("description")).empty());
}

TEST_CASE("a bad ttlDuration or body is 400")
{
    rest_stack s;
    auto const access = s.access();
    json::value const ttls[] = {"30", "1w", "0d", "30D", "1d1h", " 30d", "-1d", "3651d", 30, true};
    for(auto const& ttl : ttls)
    {
        CAPTURE(json::serialize(ttl));
        auto const res = s.call_json(bhttp::verb::post, instance_base, access,
            json::object{{"name", "x"}, {"ttlDuration", ttl}});
        check_json_answer(res, 400);
        CHECK(parse(res.body()) == error_body("invalid_request", ma::tokens::error::invalid_ttl));
    }
    json::value const bodies[] = {json::object{}, json::object{{"name", 1}}, json::object{{"name", ""}},
        json::object{{"name", "x"}, {"description", false}}};
    for(auto const& body : bodies)
    {
        CAPTURE(json::serialize(body));
        auto const res = s.call_json(bhttp::verb::post, instance_base, access, body);
        check_json_answer(res, 400);
        CHECK(parse(res.body()) == error_body("invalid_request", ma::tokens::error::invalid_request_body));
    }
}

TEST_CASE("instance tokens are managed only by console users of that instance")
{
    rest_stack s;
    auto const access = s.access();
    auto const content = str(parse(s.call_json(bhttp::verb::post, instance_base, access,
                                          json::object{{"name", "x"}}).body()).at("content"));

    // An instance token is never a management token.
    auto res = s.call(bhttp::verb::get, instance_base, content);
    check_json_answer(res, 403);
    CHECK(parse(res.body()) == error_body("insufficient_scope", ma::policy::error::class_forbidden));

    // Alice does not manage the other instance; nobody manages an unknown one.
    res = s.call(bhttp::verb::get, "/v1alpha/projects/demo/regions/eu01/instances/other/tokens", access);
    check_json_answer(res, 403);
    CHECK(parse(res.body()) == error_body("not_permitted", ma::tokens::error::not_permitted));
    res = s.call(bhttp::verb::get, "/v1alpha/projects/demo/regions/eu01/instances/nope/tokens", access);
    check_json_answer(res, 404);

    // Bob lacks tokens:manage.
    res = s.call(bhttp::verb::get, instance_base, s.access(bob));
    check_json_answer(res, 403);
    CHECK(res[bhttp::field::www_authenticate]
        == "Bearer realm=\"models\", error=\"insufficient_scope\", error_description=\"the token lacks the scope for "
           "this request\", scope=\"tokens:manage:instances\"");
}

//----------------------------------------------------------------------------
// Modelon personal API key

TEST_CASE("the personal API key is shown once, replaced on regeneration and deleted")
{
    rest_stack s;
    std::string const url = "/api/users/me/api-key";
    auto const access = s.access();
    auto res = s.call(bhttp::verb::post, url, access);
    check_json_answer(res, 200);
    auto const first = parse(res.body()).as_object();
    CHECK(first.size() == 1);
    auto const key = str(first.at("secret_key"));
    CHECK(s.model_status(bhttp::verb::post, churn, key, true) == 200);

    // Metadata only, with the key itself as the credential.
    request get{bhttp::verb::get, url, 11};
    get.set("impact-api-key", key);
    res = s.send(get);
    check_json_answer(res, 200);
    auto const info = parse(res.body()).as_object();
    CHECK(res.body().find(key) == std::string::npos);
    CHECK(info.size() == 4);
    CHECK(str(info.at("hint")) == key.substr(key.size() - 4));
    CHECK(str(info.at("created")) == "2026-01-01T00:00:00Z");
    CHECK(info.at("expires").is_null());
    CHECK_FALSE(str(info.at("id")).empty());

    // Regenerate with the current key: the old one stops at once.
    request regenerate{bhttp::verb::post, url, 11};
    regenerate.set("impact-api-key", key);
    res = s.send(regenerate);
    check_json_answer(res, 200);
    auto const second = str(parse(res.body()).at("secret_key"));
    CHECK(second != key);
    CHECK(s.model_status(bhttp::verb::post, churn, key, true) == 401);
    CHECK(s.send(get).result_int() == 401);
    CHECK(s.model_status(bhttp::verb::post, churn, second, true) == 200);

    // A key and a Bearer token together are two credentials.
    auto both = rest_stack::make(bhttp::verb::get, url, access);
    both.set("impact-api-key", second);
    res = s.send(both);
    check_json_answer(res, 400);
    CHECK(parse(res.body()) == error_body("invalid_request", ma::http::error::multiple_credentials));

    res = s.call(bhttp::verb::delete_, url, access);
    CHECK(res.result_int() == 204);
    CHECK(res.body().empty());
    CHECK(s.model_status(bhttp::verb::post, churn, second, true) == 401);
    res = s.call(bhttp::verb::get, url, access);
    check_json_answer(res, 404);
    CHECK(s.call(bhttp::verb::delete_, url, access).result_int() == 404);
}

// contract: api.md section 3: the key is self-service; Bob has no
// tokens:manage and still creates, reads, regenerates and deletes his own
// key, which carries his scopes.
TEST_CASE("contract: a user without tokens:manage creates, reads, regenerates and deletes their own API key")
{
    rest_stack s;
    std::string const url = "/api/users/me/api-key";
    auto const bob_access = s.access(bob);

    auto res = s.call(bhttp::verb::post, url, bob_access);
    check_json_answer(res, 200);
    auto const key = str(parse(res.body()).at("secret_key"));
    CHECK(s.model_status(bhttp::verb::get, churn, key, true) == 200);
    CHECK(s.model_status(bhttp::verb::post, churn, key, true) == 403); // his scopes: models:read:models/labs
    CHECK(s.model_status(bhttp::verb::get, diamond, key, true) == 403);

    request with_key{bhttp::verb::get, url, 11};
    with_key.set("impact-api-key", key);
    res = s.send(with_key);
    check_json_answer(res, 200);
    CHECK(str(parse(res.body()).at("hint")) == key.substr(key.size() - 4));
    res = s.call(bhttp::verb::get, url, bob_access);
    check_json_answer(res, 200);

    with_key.method(bhttp::verb::post);
    res = s.send(with_key);
    check_json_answer(res, 200);
    auto const second = str(parse(res.body()).at("secret_key"));
    CHECK(s.model_status(bhttp::verb::get, churn, key, true) == 401);
    CHECK(s.model_status(bhttp::verb::get, churn, second, true) == 200);

    request delete_with_key{bhttp::verb::delete_, url, 11};
    delete_with_key.set("impact-api-key", second);
    res = s.send(delete_with_key);
    CHECK(res.result_int() == 204);
    CHECK(s.model_status(bhttp::verb::get, churn, second, true) == 401);
    res = s.call(bhttp::verb::get, url, bob_access);
    check_json_answer(res, 404);
    CHECK(parse(res.body()) == error_body("not_found", ma::tokens::error::token_not_found));

    // Only the user's own credentials: an account token is no console user.
    auto const account = str(parse(s.call(bhttp::verb::post, "/api/v1/tokens/", s.access()).body()).at("key"));
    res = s.call(bhttp::verb::post, url, account);
    check_json_answer(res, 403);
    CHECK(parse(res.body()) == error_body("not_permitted", ma::tokens::error::not_permitted));
}

//----------------------------------------------------------------------------
// NeuroIO

TEST_CASE("a NeuroIO token is created with its key once, then read by id or key without it")
{
    rest_stack s;
    auto const access = s.access();
    auto res = s.call_json(bhttp::verb::post, "/api/v1/tokens/", access, json::object{{"permanent", false}});
    check_json_answer(res, 201);
    auto const created = parse(res.body()).as_object();
    auto const id = str(created.at("id"));
    auto const key = str(created.at("key"));
    CHECK(created == json::object{{"id", id}, {"key", key}, {"permanent", false}, {"is_active", true},
                         {"created", "2026-01-01T00:00:00Z"}, {"expires", "2026-01-02T00:00:00Z"}});

    auto const expected = json::object{{"id", id}, {"key_hint", key.substr(key.size() - 4)}, {"permanent", false},
        {"is_active", true}, {"created", "2026-01-01T00:00:00Z"}, {"expires", "2026-01-02T00:00:00Z"}};
    for(auto const& ref : {id, key})
    {
        res = s.call(bhttp::verb::get, "/api/v1/tokens/" + ref + "/", access);
        check_json_answer(res, 200);
        CHECK(parse(res.body()) == expected);
    }

    // The account token reaches every model of its account, and manages
    // the account's tokens.
    CHECK(s.model_status(bhttp::verb::post, diamond, key) == 200);
    CHECK(s.model_status(bhttp::verb::post, churn, key) == 200);
    CHECK(s.call(bhttp::verb::get, "/api/v1/tokens/" + id + "/", key).result_int() == 200);

    res = s.call_json(bhttp::verb::post, "/api/v1/tokens/", access, json::object{{"permanent", true}});
    check_json_answer(res, 201);
    CHECK(parse(res.body()).at("expires").is_null());
    CHECK(s.call(bhttp::verb::post, "/api/v1/tokens/", access).result_int() == 201); // no body: temporary
    CHECK(s.call_json(bhttp::verb::post, "/api/v1/tokens/", access, json::object{{"permanent", "yes"}}).result_int()
        == 400);
}

TEST_CASE("deactivating a NeuroIO token refuses it at once; deleting it makes it unknown")
{
    rest_stack s;
    auto const access = s.access();
    auto const created = parse(s.call(bhttp::verb::post, "/api/v1/tokens/", access).body()).as_object();
    auto const id = str(created.at("id"));
    auto const key = str(created.at("key"));
    std::string const url = "/api/v1/tokens/" + id + "/";
    CHECK(s.call(bhttp::verb::get, "/api/v1/tokens/", key).result_int() == 200);

    auto res = s.call_json(bhttp::verb::patch, url, access, json::object{{"is_active", false}});
    check_json_answer(res, 200);
    CHECK(parse(res.body()).at("is_active") == false);
    res = s.call(bhttp::verb::get, "/api/v1/tokens/", key);
    check_json_answer(res, 401);
    CHECK(res[bhttp::field::www_authenticate].find("error=\"invalid_token\"") != std::string::npos);
    CHECK(s.model_status(bhttp::verb::post, diamond, key) == 401);

    CHECK(s.call_json(bhttp::verb::patch, url, access, json::object{{"is_active", "no"}}).result_int() == 400);
    res = s.call_json(bhttp::verb::patch, url, access, json::object{{"is_active", true}});
    CHECK(parse(res.body()).at("is_active") == true);
    CHECK(s.call(bhttp::verb::get, "/api/v1/tokens/", key).result_int() == 200);

    res = s.call(bhttp::verb::delete_, url, access);
    CHECK(res.result_int() == 204);
    CHECK(res.body().empty());
    CHECK(s.call(bhttp::verb::get, "/api/v1/tokens/", key).result_int() == 401);
    res = s.call(bhttp::verb::get, url, access);
    check_json_answer(res, 404);
    CHECK(parse(res.body()) == error_body("not_found", ma::tokens::error::token_not_found));
}

TEST_CASE("the NeuroIO list pages with limit and offset and full next and previous URLs")
{
    rest_stack s;
    auto const access = s.access();
    std::vector<std::string> ids;
    for(int i = 0; i < 3; ++i)
    {
        auto const res
            = s.call_json(bhttp::verb::post, "/api/v1/tokens/", access, json::object{{"permanent", false}});
        ids.push_back(str(parse(res.body()).at("id")));
        s.clock.advance(std::chrono::seconds(1));
    }
    s.call_json(bhttp::verb::post, "/api/v1/tokens/", access, json::object{{"permanent", true}});

    auto res = s.call(bhttp::verb::get, "/api/v1/tokens/?permanent=false&limit=1&offset=1", access);
    check_json_answer(res, 200);
    auto page = parse(res.body()).as_object();
    CHECK(page.size() == 4);
    CHECK(page.at("count") == 3);
    CHECK(page.at("next") == json::value(base_url + "/api/v1/tokens/?permanent=false&limit=1&offset=2"));
    CHECK(page.at("previous") == json::value(base_url + "/api/v1/tokens/?permanent=false&limit=1&offset=0"));
    REQUIRE(page.at("results").as_array().size() == 1);
    auto const& first = page.at("results").as_array()[0].as_object();
    CHECK(str(first.at("id")) == ids[1]);
    CHECK_FALSE(first.contains("key"));
    CHECK(first.contains("key_hint"));

    res = s.call(bhttp::verb::get, "/api/v1/tokens/", access);
    page = parse(res.body()).as_object();
    CHECK(page.at("count") == 4);
    CHECK(page.at("next").is_null());
    CHECK(page.at("previous").is_null());

    res = s.call(bhttp::verb::get, "/api/v1/tokens/?permanent=True&limit=500", access);
    CHECK(parse(res.body()).at("count") == 1);

    for(auto const* query : {"?permanent=maybe", "?limit=abc", "?limit=0", "?offset=-1", "?limit=1&limit=2"})
    {
        CAPTURE(query);
        res = s.call(bhttp::verb::get, std::string("/api/v1/tokens/") + query, access);
        check_json_answer(res, 400);
        CHECK(parse(res.body()) == error_body("invalid_request", ma::tokens::error::invalid_request_body));
    }

    // Delete the temporary ones, then everything.
    CHECK(s.call(bhttp::verb::delete_, "/api/v1/tokens/?permanent=false", access).result_int() == 204);
    CHECK(parse(s.call(bhttp::verb::get, "/api/v1/tokens/", access).body()).at("count") == 1);
    CHECK(s.call(bhttp::verb::delete_, "/api/v1/tokens/", access).result_int() == 204);
    CHECK(parse(s.call(bhttp::verb::get, "/api/v1/tokens/", access).body()).at("count") == 0);
}

// contract: what NeuroIO's SDK sends for permanent=None: an empty
// parameter is no filter, an empty limit or offset its default.
TEST_CASE("contract: an empty permanent, limit or offset is no filter or the default, on GET and DELETE")
{
    rest_stack s;
    auto const access = s.access();
    s.call_json(bhttp::verb::post, "/api/v1/tokens/", access, json::object{{"permanent", false}});
    s.call_json(bhttp::verb::post, "/api/v1/tokens/", access, json::object{{"permanent", true}});

    auto res = s.call(bhttp::verb::get, "/api/v1/tokens/?permanent=&limit=20&offset=0", access);
    check_json_answer(res, 200);
    auto page = parse(res.body()).as_object();
    CHECK(page.at("count") == 2);
    CHECK(page.at("results").as_array().size() == 2);
    CHECK(page.at("next").is_null());
    CHECK(page.at("previous").is_null());

    res = s.call(bhttp::verb::get, "/api/v1/tokens/?permanent=&limit=&offset=", access);
    check_json_answer(res, 200);
    CHECK(parse(res.body()).at("count") == 2);

    // The links of a page asked with an empty filter carry none.
    res = s.call(bhttp::verb::get, "/api/v1/tokens/?permanent=&limit=1&offset=", access);
    check_json_answer(res, 200);
    page = parse(res.body()).as_object();
    CHECK(page.at("next") == json::value(base_url + "/api/v1/tokens/?limit=1&offset=1"));
    CHECK(page.at("previous").is_null());

    // No limit, or an empty one, is NeuroIO's page of 20 (the links say it).
    for(auto const* query : {"?offset=1", "?permanent=&limit=&offset=1"})
    {
        CAPTURE(query);
        res = s.call(bhttp::verb::get, std::string("/api/v1/tokens/") + query, access);
        check_json_answer(res, 200);
        CHECK(parse(res.body()).at("previous") == json::value(base_url + "/api/v1/tokens/?limit=20&offset=0"));
    }

    res = s.call(bhttp::verb::delete_, "/api/v1/tokens/?permanent=", access);
    CHECK(res.result_int() == 204);
    CHECK(parse(s.call(bhttp::verb::get, "/api/v1/tokens/", access).body()).at("count") == 0);
}

TEST_CASE("the sixth permanent token of an account is 409")
{
    rest_stack s;
    auto const access = s.access();
    for(int i = 0; i < 5; ++i)
        CHECK(s.call_json(bhttp::verb::post, "/api/v1/tokens/", access, json::object{{"permanent", true}})
                  .result_int() == 201);
    auto const res = s.call_json(bhttp::verb::post, "/api/v1/tokens/", access, json::object{{"permanent", true}});
    check_json_answer(res, 409);
    CHECK(parse(res.body())
        == error_body("permanent_token_quota", ma::tokens::error::permanent_token_quota));
    CHECK(s.call_json(bhttp::verb::post, "/api/v1/tokens/", access, json::object{{"permanent", false}}).result_int()
        == 201);
}

TEST_CASE("a space token reaches its space's models only")
{
    rest_stack s;
    auto const access = s.access();
    auto res = s.call_json(bhttp::verb::post, "/api/v1/spaces/default/tokens/", access,
        json::object{{"permanent", true}});
    check_json_answer(res, 201);
    auto const key = str(parse(res.body()).at("key"));
    CHECK(s.model_status(bhttp::verb::post, diamond, key) == 200);
    CHECK(s.model_status(bhttp::verb::post, churn, key) == 403);

    // It manages its space's tokens, and makes no space token itself.
    res = s.call(bhttp::verb::get, "/api/v1/tokens/", key);
    CHECK(parse(res.body()).at("count") == 1);
    res = s.call(bhttp::verb::post, "/api/v1/spaces/default/tokens/", key);
    check_json_answer(res, 403);

    res = s.call(bhttp::verb::post, "/api/v1/spaces/nope/tokens/", access);
    check_json_answer(res, 404);
    CHECK(parse(res.body()) == error_body("not_found", ma::tokens::error::unknown_space));
}

TEST_CASE("a manager token works on the IAM and token routes only")
{
    rest_stack s;
    auto const access = s.access();
    auto res = s.call_json(bhttp::verb::post, "/api/v1/iam/tokens/", access, json::object{{"permanent", false}});
    check_json_answer(res, 201);
    auto const manager = str(parse(res.body()).at("key"));

    res = s.call(bhttp::verb::get, "/api/v1/iam/whoami/", manager);
    check_json_answer(res, 200);
    CHECK(parse(res.body()) == json::object{{"account", "demo"}, {"class", "manager"}});
    res = s.call(bhttp::verb::get, "/api/v1/iam/whoami/", access);
    check_json_answer(res, 403);
    CHECK(parse(res.body()) == error_body("not_permitted", ma::tokens::error::not_permitted));

    res = s.call(bhttp::verb::get, "/api/v1/tokens/", manager);
    check_json_answer(res, 200);
    CHECK(parse(res.body()).at("count") == 1);

    for(auto const& target : {std::string("/console/api/modelhost/models/"), std::string("/api/users/me/api-key"),
            instance_base})
    {
        CAPTURE(target);
        res = s.call(bhttp::verb::get, target, manager);
        check_json_answer(res, 403);
        CHECK(parse(res.body()) == error_body("insufficient_scope", ma::policy::error::class_forbidden));
    }
    res = s.call(bhttp::verb::post, "/api/v1/spaces/default/tokens/", manager);
    CHECK(res.result_int() == 403);
    CHECK(s.model_status(bhttp::verb::post, diamond, manager) == 403);
}

TEST_CASE("a caller without tokens:manage gets 403 insufficient_scope on the token routes")
{
    rest_stack s;
    auto const bob_access = s.access(bob);
    struct row
    {
        std::string target, scope;
    };
    for(auto const& r : {row{"/api/v1/tokens/", "tokens:manage:tokens"},
             row{"/api/v1/spaces/default/tokens/", "tokens:manage:spaces"}})
    {
        CAPTURE(r.target);
        auto const res = s.call(bhttp::verb::post, r.target, bob_access);
        check_json_answer(res, 403);
        CHECK(res[bhttp::field::www_authenticate].find("scope=\"" + r.scope + "\"") != std::string::npos);
        CHECK(parse(res.body()) == error_body("insufficient_scope", ma::policy::error::missing_scope));
    }
}

//----------------------------------------------------------------------------
// Well-known documents

TEST_CASE("the JWKS and the discovery document need no credential")
{
    rest_stack s;
    auto res = s.call(bhttp::verb::get, "/.well-known/jwks.json");
    check_json_answer(res, 200);
    CHECK(parse(res.body()) == json::value(s.issuer->jwks()));
    CHECK(parse(res.body()).at("keys").as_array().size() == 1);
    CHECK(res[bhttp::field::cache_control] == "");

    res = s.call(bhttp::verb::get, "/.well-known/openid-configuration");
    check_json_answer(res, 200);
    auto const discovery = parse(res.body()).as_object();
    CHECK(discovery.at("issuer") == json::value(base_url));
    CHECK(discovery.at("jwks_uri") == json::value(base_url + "/.well-known/jwks.json"));

    res = s.call(bhttp::verb::post, "/.well-known/jwks.json");
    check_json_answer(res, 405);
    CHECK(res[bhttp::field::allow] == "GET");
}

//----------------------------------------------------------------------------
// Routing

TEST_CASE("paths outside every group are the server's")
{
    rest_stack s;
    char const* const targets[] = {"/", "/healthz", "/metrics", "/models/practicus/diamond-price/",
        "/models/practicus/diamond-price/?get_meta=true", "/console/api", "/console/apix/auth/", "/CONSOLE/api/auth/",
        "/api/v2/tokens/", "/api/v1", "/api/users", "/v1alpha/other/", "/.well-known/security.txt",
        "/.well-known/jwks.json/x", "http://h/console/api/auth/", "*", "", "%2Fconsole/api/auth/"};
    for(auto const* target : targets)
    {
        CAPTURE(target);
        CHECK_FALSE(s.api->owns(target));
        CHECK_FALSE(s.api->handle(rest_stack::make(bhttp::verb::get, target)).has_value());
    }
}

TEST_CASE("an unknown path under a group is a JSON 404")
{
    rest_stack s;
    char const* const targets[] = {"/console/api/", "/console/api/nothing/", "/console/api/auth/refresh/again/",
        "/api/v1/tokens/a/b/", "/api/v1/iam/", "/api/users/me/", "/api/users/you/api-key",
        "/v1alpha/projects/p/regions/r/instances/i/tokens/t/x", "/v1alpha/projects/p/",
        "/api/v1/a/b/c/d/e/f/g/h/i/j/k/l/"};
    for(auto const* target : targets)
    {
        CAPTURE(target);
        CHECK(s.api->owns(target));
        auto const res = s.call(bhttp::verb::get, target, "whatever");
        check_json_answer(res, 404);
        CHECK(parse(res.body()) == error_body("not_found", ma::router::error::outside_mount_root));
    }
}

TEST_CASE("a final slash is optional on every route")
{
    rest_stack s;
    auto const access = s.access();
    auto const credentials = json::object{{"email", alice}, {"password", password}};
    CHECK(s.call_json(bhttp::verb::post, "/console/api/auth", {}, credentials).result_int() == 200);
    CHECK(s.call(bhttp::verb::get, "/console/api/modelhost/models", access).result_int() == 200);
    CHECK(s.call(bhttp::verb::get, instance_base + "/", access).result_int() == 200);
    CHECK(s.call(bhttp::verb::get, "/api/v1/tokens", access).result_int() == 200);
    CHECK(s.call(bhttp::verb::get, "/.well-known/jwks.json/").result_int() == 200);
}

TEST_CASE("a wrong method is 405 with the route's methods in Allow")
{
    rest_stack s;
    struct row
    {
        bhttp::verb method;
        char const* target;
        char const* allow;
    };
    row const rows[] = {
        {bhttp::verb::get, "/console/api/auth/", "POST"},
        {bhttp::verb::put, "/console/api/modelhost/model-auth/", "GET, POST"},
        {bhttp::verb::patch, "/api/v1/tokens/", "GET, POST, DELETE"},
        {bhttp::verb::post, "/api/v1/tokens/x/", "GET, PATCH, DELETE"},
        {bhttp::verb::put, "/api/users/me/api-key", "GET, POST, DELETE"},
        {bhttp::verb::delete_, "/v1alpha/projects/p/regions/r/instances/i/tokens", "GET, POST"},
        {bhttp::verb::options, "/api/v1/iam/whoami/", "GET"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.target);
        auto const res = s.call(r.method, r.target);
        check_json_answer(res, 405);
        CHECK(res[bhttp::field::allow] == r.allow);
        CHECK(parse(res.body())
            == json::object{{"error", "method_not_allowed"},
                {"error_description", "the method is not allowed on this route"}});
    }
    auto const head = s.call(bhttp::verb::head, "/api/v1/tokens/");
    CHECK(head.result_int() == 405);
    CHECK(head.body().empty());
}

TEST_CASE("a body over the limit is 413 before any authentication")
{
    auto options = rest_stack::routes_options();
    options.max_body_bytes = 64;
    rest_stack s(options);
    auto const res = s.send(rest_stack::make(bhttp::verb::post, "/console/api/auth/", {}, std::string(65, ' ')));
    check_json_answer(res, 413);
    CHECK(parse(res.body())
        == json::object{{"error", "content_too_large"}, {"error_description", "the request body is too large"}});
    auto const at_limit
        = s.send(rest_stack::make(bhttp::verb::post, "/console/api/auth/", {}, std::string(64, ' ')));
    CHECK(at_limit.result_int() == 400);
}

TEST_CASE("hostile targets under a group are refused, never routed, never echoed")
{
    rest_stack s;
    struct row
    {
        char const* id;
        std::string target;
        unsigned status;
    };
    row const rows[] = {
        {"U1", "/console/api/../auth/", 400},
        {"U1", "/api/v1/tokens/./", 400},
        {"U2", "/console/api/%2e%2e/auth/", 400},
        {"U3", "/api/v1/tokens/%252e%252e/", 400},
        {"U4", "/api/v1/tokens/a%2Fb/", 400},
        {"U5", "/api/v1/tokens/a%5Cb/", 400},
        {"U5", "/api/v1/tokens/a\\b/", 400},
        {"U6", "/api/v1/tokens/%c0%ae/", 400},
        {"U7", std::string("/api/v1/tokens/a\0b/", 19), 400},
        {"U7", "/api/v1/tokens/a%0d%0ab/", 400},
        {"U8", "/api/v1//tokens/", 400},
        {"U9", "/api/v1/tokens/a;b/", 400},
        {"U9", "/console/api/auth;x/", 400},
        {"U10", "/api/v1/tokens/a%3Fb/", 400},
        {"U10", "/api/v1/tokens/#x", 400},
        {"U11", "/api/v1/tokens/" + std::string(5000, 'a') + "/", 414},
        {"U12", "/api/v1/tokens/\xef\xbc\x8e/", 400},
        {"U13", "/api/v1/tokens/%zz/", 400},
        {"U14", "/api/v1/tokens/%61bc/", 400}, // an escape, even of a harmless byte
        {"U14", "/console/api/auth/%72efresh/", 400},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.id);
        CAPTURE(r.target);
        REQUIRE(s.api->owns(r.target));
        auto const res = s.call(bhttp::verb::get, r.target, "token-never-echoed");
        check_json_answer(res, r.status);
        CHECK(parse(res.body()).at("error") == "invalid_request");
        CHECK(res.body().find("token-never-echoed") == std::string::npos);
        CHECK(res[bhttp::field::www_authenticate] == "");
    }
}

TEST_CASE("a path parameter is one opaque segment: odd ids are 404, never a crash")
{
    rest_stack s;
    auto const access = s.access();
    for(auto const* id : {"-", "~", "..a", "a.b", "mak_", "mak_abc_def", "0"})
    {
        CAPTURE(id);
        auto res = s.call(bhttp::verb::get, std::string("/api/v1/tokens/") + id + "/", access);
        check_json_answer(res, 404);
        res = s.call(bhttp::verb::get, instance_base + "/" + id, access);
        check_json_answer(res, 404);
    }
}

TEST_CASE("a flow's routes are mounted at the paths the server gives, and an empty path is not mounted")
{
    rest_stack s;
    namespace flows = ma::tokens::flows;
    flows::console_session_paths console_paths;
    console_paths.owned_prefix = "/session/";
    console_paths.login = "/session/login";
    console_paths.refresh = {};
    flows::managed_token_paths managed_paths;
    managed_paths.owned_prefix = {};
    managed_paths.tokens = "/keys/";
    managed_paths.token = "/keys/{}/";
    api_type routes(s.guard, {base_url},
        {flows::make_routes(std::make_shared<flows::console_session<clock_ref>>(s.context), console_paths),
            flows::make_routes(std::make_shared<flows::managed_tokens<clock_ref>>(s.context), managed_paths)});

    auto const login = routes.handle(rest_stack::make_json(bhttp::verb::post, "/session/login", {},
        json::object{{"email", alice}, {"password", password}}));
    REQUIRE(login);
    check_json_answer(*login, 200);
    auto const access = str(parse(login->body()).at("access"));
    CHECK_FALSE(routes.owns("/console/api/auth/"));
    // The refresh route is not mounted: a 404 of the owned prefix.
    auto const refresh = routes.handle(rest_stack::make(bhttp::verb::post, "/session/refresh/"));
    REQUIRE(refresh);
    check_json_answer(*refresh, 404);

    // Paged links follow the mounted path; without an owned prefix, only the
    // routes' own paths are the table's.
    auto const created = routes.handle(rest_stack::make_json(bhttp::verb::post, "/keys/", access, json::object{}));
    REQUIRE(created);
    check_json_answer(*created, 201);
    (void)routes.handle(rest_stack::make_json(bhttp::verb::post, "/keys/", access, json::object{}));
    auto const page = routes.handle(rest_stack::make(bhttp::verb::get, "/keys/?limit=1", access));
    REQUIRE(page);
    check_json_answer(*page, 200);
    CHECK(str(parse(page->body()).at("next")) == base_url + "/keys/?limit=1&offset=1");
    CHECK(routes.owns("/keys/x/"));
    CHECK_FALSE(routes.owns("/keys/x/y/"));
    CHECK_FALSE(routes.owns("/api/v1/tokens/"));
}

TEST_CASE("model_meta names the model in the table's model-id header, and in none by default")
{
    rest_stack s(ma::http::token_routes_options{base_url});
    auto req = rest_stack::make(bhttp::verb::get, diamond + "?get_meta=true", s.access());
    auto const checked = s.guard->check(req);
    REQUIRE(checked);
    auto const res = s.api->model_meta(req, checked.context());
    check_json_answer(res, 200);
    CHECK(res.count("x-prt-model-id") == 0);
    CHECK(parse(res.body()).at("model_id") == 1);
}

TEST_CASE("a flow not mounted is not routed")
{
    mounts mounted;
    mounted.managed_tokens = false;
    mounted.well_known = false;
    rest_stack s(rest_stack::routes_options(), mounted);
    CHECK_FALSE(s.api->owns("/api/v1/tokens/"));
    CHECK_FALSE(s.api->handle(rest_stack::make(bhttp::verb::get, "/api/v1/tokens/")).has_value());
    CHECK_FALSE(s.api->handle(rest_stack::make(bhttp::verb::get, "/.well-known/jwks.json")).has_value());
    CHECK(s.api->owns("/api/users/me/api-key"));
}

TEST_CASE("a route table refuses a null part, a base URL that is not absolute or a bad route")
{
    rest_stack s;
    auto const console = std::make_shared<ma::tokens::flows::console_session<clock_ref>>(s.context);
    auto const throws_for = [&](std::shared_ptr<ma::tokens::flows::console_session<clock_ref>> flow,
                                std::shared_ptr<guard_type const> guard, std::string const& url) -> std::string {
        try
        {
            api_type api(std::move(guard), {url}, {ma::tokens::flows::make_routes(std::move(flow))});
        }
        catch(ma::configuration_error const& e)
        {
            return e.field();
        }
        return {};
    };
    CHECK(throws_for(nullptr, s.guard, base_url) == "console_session.routes");
    CHECK(throws_for(console, nullptr, base_url) == "token_routes.guard");
    for(auto const* url : {"", "127.0.0.1:8080", "http://", "http:///x", "http://h/", "ftp://h", "http://h/a b",
            "http://h?x", "http://h\n"})
    {
        CAPTURE(url);
        CHECK(throws_for(console, s.guard, url) == "token_routes_options.base_url");
    }
    CHECK(throws_for(console, s.guard, "https://models.example.com/base") == "");

    // A path that is no route pattern, named by its place in the table.
    auto const route_problem = [&](std::string pattern) -> std::string {
        ma::http::route_group<clock_ref> group;
        group.routes.push_back({std::move(pattern), ma::http::route_methods::get, ma::http::route_access::anonymous, {},
            false, true, [](ma::http::token_exchange<clock_ref>& x) { return x.no_content(); }});
        try
        {
            api_type api(s.guard, {base_url}, {std::move(group)});
        }
        catch(ma::configuration_error const& e)
        {
            return e.field();
        }
        return {};
    };
    CHECK(route_problem("/a/{}/b") == "");
    for(auto const* pattern : {"", "a/b", "/a//b", "/a/{x}/b", "/a/%41", "/{}/{}/{}/{}/{}", "/1/2/3/4/5/6/7/8/9/10/11"})
    {
        CAPTURE(pattern);
        CHECK(route_problem(pattern) == "token_routes.routes[0].pattern");
    }
}
