//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/policy/scope_policy.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/router/error.hpp>

#include "router/router_fixture.hpp"

#include <boost/json/parse.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ma = modelauth;
using ma::policy::ScopePolicy;
using ma::validation::token_class;

namespace {

std::shared_ptr<ma::router::model_registry const> const& registry()
{
    static auto const r = std::make_shared<ma::router::model_registry const>(router_test::fixture_models());
    return r;
}

// The endpoint of model `id` in `version` (empty: the default version, as a
// URL without a version routes).
ma::router::ModelEndpoint endpoint(std::int64_t id, std::string_view version = {})
{
    auto const& r = registry();
    std::size_t const model = r->find_model_id(id);
    REQUIRE(model != ma::router::model_registry::npos);
    bool const explicit_version = ! version.empty();
    if(! explicit_version)
        version = r->models()[model].default_version;
    std::size_t const v = r->find_version(model, version);
    REQUIRE(v != ma::router::model_registry::npos);
    return ma::router::ModelEndpoint(r, model, v, explicit_version);
}

ma::validation::Principal principal(std::vector<std::string> scopes, token_class cls = token_class::user)
{
    ma::validation::Principal p;
    p.subject = "demo@example.com";
    p.scopes = std::move(scopes);
    p.cls = cls;
    return p;
}

auto const allowed = std::error_code();
auto const missing_scope = make_error_code(ma::policy::error::missing_scope);
auto const binding_mismatch = make_error_code(ma::policy::error::binding_mismatch);
auto const class_forbidden = make_error_code(ma::policy::error::class_forbidden);
auto const inactive = make_error_code(ma::policy::error::inactive);
auto const other_account = make_error_code(ma::policy::error::other_account);

// The error a policy read from `json` throws: its field, or "" if none.
std::string json_error_field(char const* json)
{
    try
    {
        (void)ScopePolicy::from_json(boost::json::parse(json));
    }
    catch(ma::configuration_error const& e)
    {
        CHECK(std::string(e.what()).rfind(e.field() + ": ", 0) == 0);
        return e.field();
    }
    return {};
}

} // namespace

TEST_CASE("the scope grammar")
{
    struct row
    {
        char const* scope;
        bool valid;
        char const* action;
        char const* path;
    };
    row const rows[] = {
        {"models:read", true, "models:read", ""},
        {"models:infer", true, "models:infer", ""},
        {"tokens:manage", true, "tokens:manage", ""},
        {"reports:export", true, "reports:export", ""},
        {"Reports:Export_v2-x", true, "Reports:Export_v2-x", ""},
        {"models:infer:models", true, "models:infer", "models"},
        {"models:infer:models/practicus", true, "models:infer", "models/practicus"},
        {"models:infer:models/practicus/diamond-price", true, "models:infer", "models/practicus/diamond-price"},
        {"models:infer:models/practicus/diamond-price/2", true, "models:infer", "models/practicus/diamond-price/2"},
        {"models:infer:a/b/c/d/e/f/g/h/name/1.0", true, "models:infer", "a/b/c/d/e/f/g/h/name/1.0"},
        // Not scopes: they grant nothing.
        {"", false, "", ""},
        {"models", false, "", ""},
        {"models:", false, "", ""},
        {":infer", false, "", ""},
        {"models:infer:", false, "", ""},
        {"models:infer:/models", false, "", ""},
        {"models:infer:models/", false, "", ""},
        {"models:infer:models//x", false, "", ""},
        {"models:infer:models/../x", false, "", ""},
        {"models:infer:models/./x", false, "", ""},
        {"models:infer:models/.hidden", false, "", ""},
        {"models:infer:models/x.", false, "", ""},
        {"models:infer:models/a:b", false, "", ""},
        {"models:infer:models/%2e%2e", false, "", ""},
        {"models:infer:models/caf\xc3\xa9", false, "", ""},
        {"models:infer:a/b/c/d/e/f/g/h/i/name/1", false, "", ""}, // 11 segments
        {"models:infer:*", false, "", ""},
        {"models:*", false, "", ""},
        {"*", false, "", ""},
        {"models:in fer", false, "", ""},
        {"1models:infer", false, "", ""},
        {"models:_infer", false, "", ""},
        {"models.read", false, "", ""},
        {"MODELS:READ:", false, "", ""},
        {" models:read", false, "", ""},
        {"models:read ", false, "", ""},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.scope);
        auto const parts = ma::policy::parse_scope(r.scope);
        REQUIRE(parts.has_value() == r.valid);
        if(parts)
        {
            CHECK(parts->action == r.action);
            CHECK(parts->path == r.path);
        }
    }
    CHECK(ma::policy::is_valid_action_name(std::string(32, 'a') + ":" + std::string(32, 'b')));
    CHECK_FALSE(ma::policy::is_valid_action_name(std::string(33, 'a') + ":b"));
    static_assert(ma::policy::parse_scope("models:infer:models/practicus").has_value(), "constexpr");
}

TEST_CASE("scope paths match on whole segments, versions included")
{
    ScopePolicy const policy;
    struct row
    {
        char const* scope;
        std::int64_t model;
        char const* version; // "" for the default-version URL
        bool allows;
    };
    row const rows[] = {
        {"models:infer", 1, "", true},
        {"models:infer", 3, "1", true},
        {"models:infer:models", 1, "", true},
        {"models:infer:models", 3, "", true},  // "models" is a whole segment of models/practicus-beta
        {"models:infer:models", 4, "v1", true},
        {"models:infer:models/practicus", 1, "", true},
        {"models:infer:models/practicus", 2, "1", true},
        {"models:infer:models/practicus", 3, "", false}, // never models/practicus-beta
        {"models:infer:models/practicus", 4, "", false},
        {"models:infer:models/practicus-beta", 1, "", false},
        {"models:infer:models/practicus-beta", 3, "", true},
        {"models:infer:models/practicu", 1, "", false},
        {"models:infer:model", 1, "", false},
        {"models:infer:models/practicus/diamond-price", 1, "", true},
        {"models:infer:models/practicus/diamond-price", 1, "1", true},
        {"models:infer:models/practicus/diamond-price", 3, "", false},
        {"models:infer:models/practicus/diamond", 1, "", false},
        {"models:infer:models/practicus/diamond-price-x", 1, "", false},
        {"models:infer:models/practicus/diamond-price/2", 1, "", true}, // the default version is 2
        {"models:infer:models/practicus/diamond-price/2", 1, "2", true},
        {"models:infer:models/practicus/diamond-price/1", 1, "", false},
        {"models:infer:models/practicus/diamond-price/1", 1, "1", true},
        {"models:infer:models/practicus/diamond-price/1/x", 1, "1", false},
        {"models:infer:models/sentiment/v1", 4, "v1", true},
        {"models:infer:models/sentiment/v", 4, "v1", false},
        {"models:infer:models/sentiment/01", 4, "1e3", false},
        {"models:infer:a/b", 5, "", true},
        {"models:infer:a/b/c/deep/1.0.0", 5, "1.0.0", true},
        {"models:infer:a/b/c/deep/1.0", 5, "1.0.0", false},
        {"models:infer:models/practicus/case", 6, "", false}, // case-sensitive
        {"models:infer:models/practicus/Case", 6, "", true},
        {"models:infer:practicus", 1, "", false},           // anchored at the start
        {"models:infer:diamond-price", 1, "", false},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.scope);
        CAPTURE(r.model);
        CAPTURE(r.version);
        auto const p = principal({r.scope});
        auto const d = policy.decide(p, endpoint(r.model, r.version), ScopePolicy::models_infer);
        CHECK(d.allowed() == r.allows);
        if(! r.allows)
            CHECK(d.error() == missing_scope);
    }
}

TEST_CASE("a scope grants its own action only")
{
    auto const policy = ScopePolicy::builder().add_action("reports:export").build();
    auto const reports = policy.find_action("reports:export").value();
    auto const e = endpoint(1);
    struct row
    {
        char const* scope;
        ma::policy::action_id action;
        bool allows;
    };
    row const rows[] = {
        {"models:read", ScopePolicy::models_read, true},
        {"models:read", ScopePolicy::models_infer, false},
        {"models:infer", ScopePolicy::models_read, false},
        {"models:infer:models/practicus", ScopePolicy::models_read, false},
        {"tokens:manage", ScopePolicy::models_infer, false},
        {"reports:export", reports, true},
        {"reports:export:models/practicus/diamond-price", reports, true},
        {"reports:export", ScopePolicy::models_read, false},
        {"models:read", reports, false},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.scope);
        CHECK(policy.decide(principal({r.scope}), e, r.action).allowed() == r.allows);
    }
}

TEST_CASE("unknown and malformed scopes grant nothing")
{
    ScopePolicy const policy;
    auto const e = endpoint(1);
    for(char const* scope : {"reports:export", "models:write", "models:infer:", "models:infer:models/",
            "models:infer:*", "*", "admin", "models:INFER", "Models:infer", "", "models:infer:models/practicus/"})
    {
        CAPTURE(scope);
        auto const p = principal({scope});
        CHECK(policy.compile(p.scopes).empty());
        for(auto action : {ScopePolicy::models_read, ScopePolicy::models_infer, ScopePolicy::tokens_manage})
            CHECK(policy.decide(p, e, action).error() == missing_scope);
    }
    // No scopes at all: default deny.
    CHECK(policy.decide(principal({}), e, ScopePolicy::models_read).error() == missing_scope);
    // An action id the policy does not have.
    CHECK(policy.decide(principal({"models:read"}), e, ma::policy::action_id{99}).error() == missing_scope);
    // A known scope among unknown ones still grants.
    auto const mixed = principal({"bogus", "reports:export", "models:infer:models/practicus"});
    CHECK(policy.compile(mixed.scopes).size() == 1);
    CHECK(policy.decide(mixed, e, ScopePolicy::models_infer).allowed());
    // A default decision denies.
    CHECK_FALSE(ma::policy::policy_decision().allowed());
}

TEST_CASE("token classes and bindings")
{
    ScopePolicy const policy;
    std::vector<std::string> const all = {"models:read", "models:infer", "tokens:manage"};

    struct row
    {
        char const* name;
        token_class cls;
        ma::validation::token_bindings bindings;
        std::int64_t model;
        std::error_code expected;
    };
    auto bind = [](std::optional<std::int64_t> model_id, std::string instance, std::string account,
                    std::string space) {
        ma::validation::token_bindings b;
        b.model_id = model_id;
        b.instance = std::move(instance);
        b.account = std::move(account);
        b.space = std::move(space);
        return b;
    };
    row const rows[] = {
        {"a user token reaches any model", token_class::user, {}, 1, allowed},
        {"a user token reaches a model without owner", token_class::user, {}, 2, allowed},
        {"F4: a user token of another account does not find the model", token_class::user,
            bind({}, "", "other", ""), 1, other_account},
        {"F4: a user token reaches its own account's models", token_class::user, bind({}, "", "demo", ""), 1,
            allowed},
        {"F4: a user token with an account reaches shared models", token_class::user, bind({}, "", "other", ""), 2,
            allowed},
        {"F4: a personal key of another account does not find the model", token_class::personal_key,
            bind({}, "", "other", ""), 1, other_account},
        {"F4: a model session token minted in another account does not find the model",
            token_class::model_session, bind(1, "", "other", ""), 1, other_account},
        {"F4: an instance token of another account does not find the model", token_class::instance,
            bind({}, "demo/eu01/demo", "other", ""), 1, other_account},
        {"a personal key reaches any model", token_class::personal_key, {}, 3, allowed},
        {"a model session token reaches its model", token_class::model_session, bind(1, "", "", ""), 1, allowed},
        {"a model session token reaches no other model", token_class::model_session, bind(1, "", "", ""), 2,
            binding_mismatch},
        {"a model session token bound to nothing reaches nothing", token_class::model_session, {}, 1,
            binding_mismatch},
        {"any token with a model_id is bound to it", token_class::user, bind(2, "", "", ""), 1, binding_mismatch},
        {"an instance token reaches its instance's models", token_class::instance,
            bind({}, "demo/eu01/demo", "", ""), 1, allowed},
        {"an instance token reaches no other instance", token_class::instance, bind({}, "demo/eu01/other", "", ""),
            1, binding_mismatch},
        {"an instance token reaches no model without instance", token_class::instance,
            bind({}, "demo/eu01/demo", "", ""), 2, binding_mismatch},
        {"an instance token without instance reaches nothing", token_class::instance, {}, 2, binding_mismatch},
        {"an account token reaches its account's models", token_class::account, bind({}, "", "demo", ""), 1, allowed},
        {"an account token reaches no other account, nor learns of its models", token_class::account,
            bind({}, "", "other", ""), 1, other_account},
        {"an account token reaches no model without account", token_class::account, bind({}, "", "demo", ""), 2,
            binding_mismatch},
        {"an account token without account reaches nothing", token_class::account, {}, 2, binding_mismatch},
        {"a space token reaches its space's models", token_class::space, bind({}, "", "demo", "default"), 1, allowed},
        {"a space token reaches no other space", token_class::space, bind({}, "", "demo", "other"), 1,
            binding_mismatch},
        {"a space token of another account does not match on the space name alone", token_class::space,
            bind({}, "", "other", "default"), 1, other_account},
        {"a space token without account reaches nothing", token_class::space, bind({}, "", "", "default"), 1,
            binding_mismatch},
        {"a space token reaches no model without space", token_class::space, bind({}, "", "demo", "default"), 2,
            binding_mismatch},
        {"a manager token reaches no model", token_class::manager, bind({}, "", "demo", ""), 1, class_forbidden},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.name);
        auto p = principal(all, r.cls);
        p.bindings = r.bindings;
        auto const d = policy.decide(p, endpoint(r.model), ScopePolicy::models_infer);
        CHECK(d.error() == r.expected);
        if(d.error() != missing_scope)
            CHECK(d.required_scope().empty());
    }

    SUBCASE("a binding is checked before the scopes")
    {
        auto p = principal({}, token_class::model_session);
        p.bindings.model_id = 2;
        CHECK(policy.decide(p, endpoint(1), ScopePolicy::models_read).error() == binding_mismatch);
        CHECK(policy.decide(p, endpoint(2), ScopePolicy::models_read).error() == missing_scope);
    }
    SUBCASE("a bound token still needs the scope")
    {
        auto p = principal({"models:read"}, token_class::model_session);
        p.bindings.model_id = 1;
        CHECK(policy.decide(p, endpoint(1), ScopePolicy::models_read).allowed());
        CHECK(policy.decide(p, endpoint(1), ScopePolicy::models_infer).error() == missing_scope);
    }
}

TEST_CASE("F4: isolate_accounts(false) lets users' tokens cross accounts, never account tokens")
{
    auto const open = ScopePolicy::builder().isolate_accounts(false).build();
    CHECK_FALSE(open.isolates_accounts());
    CHECK(ScopePolicy().isolates_accounts());
    auto user = principal({"models:infer"}, token_class::user);
    user.bindings.account = "other";
    CHECK(open.decide(user, endpoint(1), ScopePolicy::models_infer).allowed());
    CHECK(ScopePolicy().decide(user, endpoint(1), ScopePolicy::models_infer).error() == other_account);
    auto account = principal({"models:infer"}, token_class::account);
    account.bindings.account = "other";
    CHECK(open.decide(account, endpoint(1), ScopePolicy::models_infer).error() == other_account);

    CHECK_FALSE(ScopePolicy::from_json(boost::json::parse(R"({"isolate_accounts": false})")).isolates_accounts());
    CHECK(json_error_field(R"({"isolate_accounts": "no"})") == "policy.isolate_accounts");

    // The 404 is the unknown model's, word for word: nothing tells them apart.
    CHECK(other_account.message() == make_error_code(ma::router::error::unknown_model).message());
    CHECK(ma::http_status(other_account) == 404);
}

TEST_CASE("routes that are not model endpoints")
{
    ScopePolicy const policy;
    ma::policy::route_descriptor const iam{"iam/whoami", true};
    ma::policy::route_descriptor const tokens{"tokens", true};
    ma::policy::route_descriptor const listing{"", false};
    std::vector<std::string> const all = {"models:read", "tokens:manage"};

    struct row
    {
        char const* name;
        token_class cls;
        ma::policy::route_descriptor route;
        std::error_code expected;
    };
    row const rows[] = {
        {"a manager token on an IAM route", token_class::manager, iam, allowed},
        {"a manager token on a route that is not IAM", token_class::manager, listing, class_forbidden},
        {"a user token on an IAM route", token_class::user, iam, allowed},
        {"an account token on the token routes", token_class::account, tokens, allowed},
        {"a space token on the token routes", token_class::space, tokens, allowed},
        {"a personal key on a listing", token_class::personal_key, listing, allowed},
        {"a model session token on the token routes", token_class::model_session, tokens, class_forbidden},
        {"a model session token on a listing", token_class::model_session, listing, class_forbidden},
        {"an instance token is never a management token", token_class::instance, tokens, class_forbidden},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.name);
        auto const p = principal(all, r.cls);
        CHECK(policy.decide(p, r.route, ScopePolicy::tokens_manage).error() == r.expected);
    }

    SUBCASE("route resources narrow scopes on whole segments")
    {
        CHECK(policy.decide(principal({"tokens:manage:tokens"}), tokens, ScopePolicy::tokens_manage).allowed());
        CHECK(policy.decide(principal({"tokens:manage:iam"}), iam, ScopePolicy::tokens_manage).allowed());
        CHECK(policy.decide(principal({"tokens:manage:iam/whoami"}), iam, ScopePolicy::tokens_manage).allowed());
        CHECK_FALSE(policy.decide(principal({"tokens:manage:iam/who"}), iam, ScopePolicy::tokens_manage).allowed());
        CHECK_FALSE(policy.decide(principal({"tokens:manage:token"}), tokens, ScopePolicy::tokens_manage).allowed());
        // A route without a resource: only scopes without a path.
        CHECK_FALSE(policy.decide(principal({"models:read:models"}), listing, ScopePolicy::models_read).allowed());
        CHECK(policy.decide(principal({"models:read"}), listing, ScopePolicy::models_read).allowed());
    }
    SUBCASE("the required scope of a route")
    {
        auto const d = policy.decide(principal({"models:read"}), tokens, ScopePolicy::tokens_manage);
        CHECK(d.error() == missing_scope);
        CHECK(d.required_scope() == "tokens:manage:tokens");
        CHECK(policy.decide(principal({}), listing, ScopePolicy::models_read).required_scope() == "models:read");
    }
    SUBCASE("a model binding reaches no other route")
    {
        auto p = principal(all);
        p.bindings.model_id = 1;
        CHECK(policy.decide(p, listing, ScopePolicy::models_read).error() == binding_mismatch);
    }
}

TEST_CASE("missing_scope names the narrowest scope that would allow the request")
{
    auto const policy = ScopePolicy::builder().add_action("reports:export").build();
    auto const p = principal({"models:read", "models:infer:models/practicus/churn"});
    struct row
    {
        std::int64_t model;
        char const* version;
        char const* action;
        char const* required;
    };
    row const rows[] = {
        // No version in the URL: the model, so the URL keeps working when the default moves.
        {1, "", "models:infer", "models:infer:models/practicus/diamond-price"},
        // A version in the URL: that version.
        {1, "1", "models:infer", "models:infer:models/practicus/diamond-price/1"},
        {5, "2.0-rc1", "models:infer", "models:infer:a/b/c/deep/2.0-rc1"},
        {3, "", "reports:export", "reports:export:models/practicus-beta/diamond-price"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.required);
        auto const d = policy.decide(p, endpoint(r.model, r.version), policy.find_action(r.action).value());
        REQUIRE(d.error() == missing_scope);
        CHECK(d.required_scope() == r.required);
        // The required scope is itself a scope that allows the request.
        CHECK(policy.decide(principal({d.required_scope()}), endpoint(r.model, r.version),
                  policy.find_action(r.action).value())
                  .allowed());
    }
    CHECK(ma::http_status(missing_scope) == 403);
    CHECK(ma::rfc6750_error(missing_scope) == "insufficient_scope");
}

TEST_CASE("KServe server operations have no model: only scopes without a path allow")
{
    ScopePolicy const policy;
    ma::router::ModelEndpoint const server(registry(), ma::router::model_registry::npos, 0, false, ma::router::kserve_operation::server_live);
    CHECK(policy.decide(principal({"models:read"}), server, ScopePolicy::models_read).allowed());
    auto const d = policy.decide(principal({"models:read:models"}), server, ScopePolicy::models_read);
    CHECK(d.error() == missing_scope);
    CHECK(d.required_scope() == "models:read");
    auto session = principal({"models:read"}, token_class::model_session);
    session.bindings.model_id = 1;
    CHECK(policy.decide(session, server, ScopePolicy::models_read).error() == binding_mismatch);
}

TEST_CASE("disabled token classes are inactive")
{
    auto const policy = ScopePolicy::builder().disable_class(token_class::personal_key).build();
    CHECK_FALSE(policy.class_enabled(token_class::personal_key));
    CHECK(policy.class_enabled(token_class::user));
    auto const key = principal({"models:infer"}, token_class::personal_key);
    CHECK(policy.decide(key, endpoint(1), ScopePolicy::models_infer).error() == inactive);
    CHECK(policy.decide(key, ma::policy::route_descriptor{"tokens", true}, ScopePolicy::tokens_manage).error() == inactive);
    CHECK(policy.decide(principal({"models:infer"}), endpoint(1), ScopePolicy::models_infer).allowed());
    CHECK(ma::http_status(inactive) == 401);
}

TEST_CASE("a principal keeps the compiled scopes of each policy apart")
{
    auto const first = ScopePolicy::builder().add_action("reports:export").build();
    auto const second = ScopePolicy::builder().add_action("audit:read").add_action("reports:export").build();
    auto const copy = first;
    auto const p = principal({"reports:export"});
    // "reports:export" has another id in `second`: scopes compiled by one
    // policy must never answer for the other, whichever decides first.
    REQUIRE(first.find_action("reports:export") != second.find_action("reports:export"));
    for(int i = 0; i < 2; ++i)
    {
        CHECK(first.decide(p, endpoint(1), first.find_action("reports:export").value()).allowed());
        CHECK(second.decide(p, endpoint(1), second.find_action("reports:export").value()).allowed());
        CHECK(second.decide(p, endpoint(1), second.find_action("audit:read").value()).error() == missing_scope);
        CHECK(copy.decide(p, endpoint(1), copy.find_action("reports:export").value()).allowed());
    }
}

TEST_CASE("a principal decided by more policies than it keeps is still decided right")
{
    auto const p = principal({"models:read", "reports:export"});
    std::vector<ScopePolicy> policies;
    for(std::size_t i = 0; i < ma::validation::detail::memo_list::capacity + 3; ++i)
        policies.push_back(ScopePolicy::builder().add_action("reports:export").build());
    for(int round = 0; round < 2; ++round)
        for(auto const& policy : policies)
        {
            CHECK(policy.decide(p, endpoint(1), policy.find_action("reports:export").value()).allowed());
            CHECK(policy.decide(p, endpoint(1), ScopePolicy::models_infer).error() == missing_scope);
        }
}

TEST_CASE("a copy of a principal starts without compiled scopes, so it may change")
{
    ScopePolicy const policy;
    auto p = principal({"models:read"});
    CHECK(policy.decide(p, endpoint(1), ScopePolicy::models_read).allowed());
    auto q = p;
    q.scopes = {"models:infer"};
    CHECK(policy.decide(q, endpoint(1), ScopePolicy::models_read).error() == missing_scope);
    CHECK(policy.decide(q, endpoint(1), ScopePolicy::models_infer).allowed());
    CHECK(policy.decide(p, endpoint(1), ScopePolicy::models_read).allowed());
}

TEST_CASE("the builder checks its actions")
{
    auto error_field = [](auto&& build) -> std::string {
        try
        {
            build();
        }
        catch(ma::configuration_error const& e)
        {
            return e.field();
        }
        return {};
    };
    CHECK(error_field([] { (void)ScopePolicy::builder().add_action("reports"); }) == "actions[0]");
    CHECK(error_field([] { (void)ScopePolicy::builder().add_action("a:b").add_action("a:b"); }) == "actions[1]");
    CHECK(error_field([] { (void)ScopePolicy::builder().add_action("a:b").add_action("a:b:c"); }) == "actions[1]");
    CHECK(error_field([] { (void)ScopePolicy::builder().add_action("models:read").add_action("models:read"); })
        == "actions[1]");
    CHECK(error_field([] { (void)ScopePolicy::builder().add_action("models:read").build(); }).empty());

    auto const policy = ScopePolicy::builder().add_action("a:b").add_action("models:infer").build();
    CHECK(policy.action_count() == 4);
    CHECK(policy.find_action("models:read") == ScopePolicy::models_read);
    CHECK(policy.find_action("models:infer") == ScopePolicy::models_infer);
    CHECK(policy.find_action("tokens:manage") == ScopePolicy::tokens_manage);
    CHECK(policy.action_name(policy.find_action("a:b").value()) == "a:b");
    CHECK(policy.action_name(ma::policy::action_id{4}).empty());
    CHECK_FALSE(policy.find_action("a:c"));

    ScopePolicy::builder many;
    for(std::size_t i = 3; i < ScopePolicy::max_actions; ++i)
        many.add_action("x:a" + std::to_string(i));
    CHECK(many.build().action_count() == ScopePolicy::max_actions);
    CHECK(error_field([&] { many.add_action("x:b"); }) == "actions[4093]");
}

TEST_CASE("a policy from JSON, and its errors naming the field")
{
    auto const policy = ScopePolicy::from_json(boost::json::parse(
        R"({"actions": ["reports:export", "models:read"], "disabled_classes": ["personal_key", "manager"]})"));
    CHECK(policy.find_action("reports:export").has_value());
    CHECK_FALSE(policy.class_enabled(token_class::personal_key));
    CHECK_FALSE(policy.class_enabled(token_class::manager));
    CHECK(policy.class_enabled(token_class::user));
    CHECK(ScopePolicy::from_json(boost::json::parse("{}")).action_count() == 3);

    struct row
    {
        char const* json;
        char const* field;
    };
    row const rows[] = {
        {R"([])", "policy"},
        {R"(null)", "policy"},
        {R"({"actions": "reports:export"})", "policy.actions"},
        {R"({"actions": ["a:b", "c:d", "reports"]})", "policy.actions[2]"},
        {R"({"actions": ["a:b", 7]})", "policy.actions[1]"},
        {R"({"actions": ["a:b", "a:b"]})", "policy.actions[1]"},
        {R"({"actions": ["a:b:c"]})", "policy.actions[0]"},
        {R"({"actions": [""]})", "policy.actions[0]"},
        {R"({"disabled_classes": "manager"})", "policy.disabled_classes"},
        {R"({"disabled_classes": ["manager", "admin"]})", "policy.disabled_classes[1]"},
        {R"({"disabled_classes": ["Manager"]})", "policy.disabled_classes[0]"},
        {R"({"disabled_classes": [null]})", "policy.disabled_classes[0]"},
        {R"({"actions": [], "scopes": []})", "policy.scopes"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.json);
        CHECK(json_error_field(r.json) == r.field);
    }

    try
    {
        (void)ScopePolicy::from_json(boost::json::parse(R"({"actions": ["x"]})"), "server.policy");
        FAIL("no error");
    }
    catch(ma::configuration_error const& e)
    {
        CHECK(e.field() == "server.policy.actions[0]");
        CHECK(std::string(e.what()).rfind("server.policy.actions[0]: is not an action: ", 0) == 0);
    }
}

TEST_CASE("decisions from several threads at once")
{
    auto const policy = ScopePolicy::builder().add_action("reports:export").build();
    auto const p = principal({"models:read", "models:infer:models/practicus/diamond-price", "reports:export"});
    auto const yes = endpoint(1);
    auto const no = endpoint(3);
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for(int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for(int i = 0; i < 2000; ++i)
            {
                // The first decisions race to compile and keep the scopes.
                if(! policy.decide(p, yes, ScopePolicy::models_infer))
                    ++wrong;
                auto const d = policy.decide(p, no, ScopePolicy::models_infer);
                if(d || d.required_scope() != "models:infer:models/practicus-beta/diamond-price")
                    ++wrong;
                if(! policy.decide(p, no, ScopePolicy::models_read))
                    ++wrong;
            }
        });
    for(auto& t : threads)
        t.join();
    CHECK(wrong.load() == 0);
}
