//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The scope policy decides every request. Goal (issue 6): a decision under
// 50 ns, no allocation.
//
// A realistic principal: a console user holding five scopes, of which only
// the last allows the request (so the whole list is scanned). The baseline
// is what a server would write without a compiled policy: for each raw scope
// string, split it at its colons and compare the action and the path (on
// whole segments) with the endpoint's, every request.

#include "alloc_counter.hpp"

#include <modelauth/policy/scope_policy.hpp>

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::shared_ptr<modelauth::router::model_registry const> make_registry()
{
    std::vector<modelauth::router::model_description> models(2);
    models[0].model_id = 1;
    models[0].prefix = "models/practicus";
    models[0].name = "diamond-price";
    models[0].versions = {"1", "2"};
    models[0].account = "demo";
    models[1].model_id = 2;
    models[1].prefix = "models/practicus";
    models[1].name = "churn";
    models[1].versions = {"1"};
    return std::make_shared<modelauth::router::model_registry const>(std::move(models));
}

modelauth::validation::Principal make_principal()
{
    modelauth::validation::Principal p;
    p.subject = "demo@example.com";
    p.cls = modelauth::validation::token_class::user;
    p.scopes = {
        "models:read",
        "tokens:manage",
        "reports:export",
        "models:infer:models/practicus/churn",
        "models:infer:models/practicus/diamond-price",
    };
    return p;
}

struct fixture
{
    std::shared_ptr<modelauth::router::model_registry const> registry = make_registry();
    // The default-version URL of diamond-price (version index 1, "2").
    modelauth::router::ModelEndpoint endpoint{registry, 0, 1, false};
    modelauth::validation::Principal principal = make_principal();
    modelauth::policy::ScopePolicy policy = modelauth::policy::ScopePolicy::builder().add_action("reports:export").build();
};

// A decision about a principal whose scopes the policy has already compiled
// and kept in it (the first decision, before the loop, does that).
void BM_policy_decide(benchmark::State& state)
{
    fixture const f;
    (void)f.policy.decide(f.principal, f.endpoint, modelauth::policy::ScopePolicy::models_infer);
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        auto d = f.policy.decide(f.principal, f.endpoint, modelauth::policy::ScopePolicy::models_infer);
        benchmark::DoNotOptimize(d);
    }
    allocs.report(state);
    if(! f.policy.decide(f.principal, f.endpoint, modelauth::policy::ScopePolicy::models_infer))
        state.SkipWithError("the request should be allowed");
}
BENCHMARK(BM_policy_decide);

// A denial (missing_scope on another model's endpoint): every scope scanned,
// then the required scope recorded (as views; not spelled out here).
void BM_policy_decide_deny(benchmark::State& state)
{
    fixture const f;
    modelauth::validation::Principal p = f.principal;
    p.scopes.pop_back();
    (void)f.policy.decide(p, f.endpoint, modelauth::policy::ScopePolicy::models_infer);
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        auto d = f.policy.decide(p, f.endpoint, modelauth::policy::ScopePolicy::models_infer);
        benchmark::DoNotOptimize(d);
    }
    allocs.report(state);
}
BENCHMARK(BM_policy_decide_deny);

// Compiling a principal's scopes: paid once per principal, not per request.
void BM_policy_compile(benchmark::State& state)
{
    fixture const f;
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        auto scopes = f.policy.compile(f.principal.scopes);
        benchmark::DoNotOptimize(scopes);
    }
    allocs.report(state);
}
BENCHMARK(BM_policy_compile);

// Whether the raw `scope` allows `action` on `path` (`<prefix>/<name>/<version>`),
// parsed from the string each time.
bool naive_allows(std::string_view scope, std::string_view action, std::string_view path)
{
    if(scope.size() < action.size() || scope.compare(0, action.size(), action) != 0)
        return false;
    if(scope.size() == action.size())
        return true;
    if(scope[action.size()] != ':')
        return false;
    std::string_view const scope_path = scope.substr(action.size() + 1);
    return path.size() >= scope_path.size() && path.compare(0, scope_path.size(), scope_path) == 0
        && (path.size() == scope_path.size() || path[scope_path.size()] == '/');
}

// The baseline: raw scope strings against a resource path the server has
// already joined (which the baseline does not even pay for).
void BM_policy_baseline_string_compare(benchmark::State& state)
{
    fixture const f;
    std::string const path = std::string(f.endpoint.prefix()) + "/" + std::string(f.endpoint.name()) + "/"
        + std::string(f.endpoint.version());
    std::string_view const action = "models:infer";
    modelauth_bench::alloc_scope allocs;
    for(auto _ : state)
    {
        bool allowed = false;
        for(auto const& s : f.principal.scopes)
            if(naive_allows(s, action, path))
            {
                allowed = true;
                break;
            }
        benchmark::DoNotOptimize(allowed);
    }
    allocs.report(state);
}
BENCHMARK(BM_policy_baseline_string_compare);

} // namespace
