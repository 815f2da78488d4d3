//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CONFIG_GUARD_HPP
#define MODELAUTH_CONFIG_GUARD_HPP

/** @file
    The whole request path from one JSON object: validator, router, policy
    and guard (`guard_stack`), or from parts (`make_guard`).

    @code
    {
      "trusted_issuers": [...],   // config/trusted_issuer.hpp; default []
      "models": [...],            // config/router.hpp; default []
      "router": {...},            // config/router.hpp; default {}
      "policy": {...},            // ScopePolicy::from_json; default {}
      "guard": {"realm": "models", "api_key_header": "", "query_parameter": "",
                "max_credential_bytes": 8192}                      each optional
    }
    @endcode

    @code
    auto const doc = modelauth::config::parse_document(text);
    auto const stack = modelauth::config::make_guard(modelauth::config::json_reader(doc));
    auto handler = modelauth::http::guarded(stack.guard, my_model_handler);
    @endcode
*/

#include <modelauth/clock.hpp>
#include <modelauth/config/json_reader.hpp>
#include <modelauth/config/router.hpp>
#include <modelauth/config/trusted_issuer.hpp>
#include <modelauth/http/guard.hpp>
#include <modelauth/policy/scope_policy.hpp>
#include <modelauth/validation/token_store.hpp>
#include <modelauth/validation/token_validator.hpp>
#include <modelauth/validation/trusted_issuer.hpp>

#include <boost/json/value.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace config {

/// The largest `guard.max_credential_bytes`: 64 KiB.
inline constexpr std::size_t max_guard_credential_bytes = 64 * 1024;

/** Reads guard options: `realm`, `api_key_header`, `query_parameter`
    (texts) and `max_credential_bytes` (1..64 KiB). The guard's constructor
    checks the realm; `make_guard` names its path.

    @throws configuration_error naming the key path.
*/
[[nodiscard]] inline http::guard_options guard_options_from_json(json_reader const& options)
{
    options.allow_only({"realm", "api_key_header", "query_parameter", "max_credential_bytes"});
    http::guard_options out;
    if(auto const x = options.find("realm"))
        out.realm = std::string(x->string());
    if(auto const x = options.find("api_key_header"))
        out.credentials.api_key_header = std::string(x->text(256));
    if(auto const x = options.find("query_parameter"))
        out.credentials.query_parameter = std::string(x->text(256));
    if(auto const x = options.find("max_credential_bytes"))
        out.credentials.max_credential_bytes = x->integer<std::size_t>(1, max_guard_credential_bytes);
    return out;
}

/** What `make_guard` builds: the guard and the parts it holds, each
    immutable and safe to share between threads.
*/
template<class Clock = system_clock_source>
struct basic_guard_stack
{
    /// The validator of every trusted issuer.
    /// (Not const: its keys may be replaced, by `set_issuer_jwks` or a
    /// `basic_jwks_source`.)
    std::shared_ptr<validation::basic_token_validator<Clock>> validator;

    /// The router over the models.
    std::shared_ptr<router::ModelUrlRouter const> router;

    /// The scope policy.
    std::shared_ptr<policy::ScopePolicy const> policy;

    /// The guard over the three.
    std::shared_ptr<http::basic_guard<Clock> const> guard;
};

/// The stack on the system clock.
using guard_stack = basic_guard_stack<>;

/// What `make_guard` takes beyond the JSON.
template<class Clock = system_clock_source>
struct basic_guard_stack_options
{
    /// Options with the clock `c` (a clock that has no default must be given).
    explicit basic_guard_stack_options(Clock c = Clock())
        : clock(std::move(c))
    {
    }

    /// Issuers trusted besides those of the JSON (e.g. the server's own), first.
    std::vector<validation::trusted_issuer> issuers;

    /// Reads `jwks_file` / `jwks_uri` (`<modelauth/config/jwks_files.hpp>`); empty: refused.
    jwks_loader load_jwks;

    /// The validator's settings.
    validation::token_validator_options validator;

    /// API keys and revocations; null: JWTs only.
    std::shared_ptr<validation::TokenStore const> store;

    /// The validator's and guard's clock.
    Clock clock;
};

/** Builds validator, router and guard from parts.

    @param issuers The trusted issuers.
    @param registry The models.
    @param router_opts The router's options; faults are named under `router_path`.
    @param policy The scope policy.
    @param guard_opts The guard's options; faults are named under `guard_path`.

    @throws configuration_error naming the bad field.
    Complexity: what the components' constructors take (linear in the
    models and keys). Exception safety: strong.
*/
template<class Clock>
[[nodiscard]] basic_guard_stack<Clock> make_guard(std::vector<validation::trusted_issuer> issuers,
    router::model_registry registry, router::router_options router_opts, policy::ScopePolicy policy,
    http::guard_options guard_opts, basic_guard_stack_options<Clock> options,
    std::string const& router_path = "router", std::string const& guard_path = "guard")
{
    basic_guard_stack<Clock> stack;
    options.issuers.insert(options.issuers.end(), std::make_move_iterator(issuers.begin()),
        std::make_move_iterator(issuers.end()));
    stack.validator = std::make_shared<validation::basic_token_validator<Clock>>(
        std::move(options.issuers), std::move(options.validator), std::move(options.store), options.clock);
    stack.router = make_router(std::move(registry), std::move(router_opts), router_path);
    stack.policy = std::make_shared<policy::ScopePolicy const>(std::move(policy));
    stack.guard = with_field_prefix("guard_options", guard_path, [&] {
        return std::make_shared<http::basic_guard<Clock> const>(
            stack.validator, stack.router, stack.policy, std::move(guard_opts));
    });
    return stack;
}

/** Builds the request path from one JSON object (the schema in the file comment).

    @throws configuration_error naming the key path of the first fault.
*/
template<class Clock = system_clock_source>
[[nodiscard]] basic_guard_stack<Clock> make_guard(
    json_reader const& config, basic_guard_stack_options<Clock> options = basic_guard_stack_options<Clock>())
{
    config.allow_only({"trusted_issuers", "models", "router", "policy", "guard"});
    std::vector<validation::trusted_issuer> issuers;
    if(auto const x = config.find("trusted_issuers"))
        issuers = trusted_issuers_from_json(*x, options.load_jwks);
    router::model_registry registry;
    if(auto const x = config.find("models"))
        registry = model_registry_from_json(*x);
    router::router_options router_opts;
    std::string const router_path = member_path(config.path(), "router");
    if(auto const x = config.find("router"))
        router_opts = router_options_from_json(*x);
    policy::ScopePolicy policy;
    if(auto const x = config.find("policy"))
        policy = policy::ScopePolicy::from_json(x->value(), x->path());
    http::guard_options guard_opts;
    if(auto const x = config.find("guard"))
        guard_opts = guard_options_from_json(*x);
    return make_guard<Clock>(std::move(issuers), std::move(registry), std::move(router_opts), std::move(policy),
        std::move(guard_opts), std::move(options), router_path, member_path(config.path(), "guard"));
}

} // namespace config
} // namespace v0
} // namespace modelauth

#endif
