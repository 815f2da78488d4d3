//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CONFIG_ROUTER_HPP
#define MODELAUTH_CONFIG_ROUTER_HPP

/** @file
    The model registry and the router's options from configuration JSON.

    @code
    models  [{model_id, prefix, name, versions, default_version?, account?, space?, instance?, ...}]
            (`router::model_descriptions_from_json`; other keys are the server's)
    router  {mount_root "/" , strict_slash false, max_target_bytes 1..65536 = 2048,
             kserve {enabled false, root "/v2", prefix}}                  each optional
    @endcode

    Every fault names its key path, including those the registry and the
    router's constructor find (`router.mount_root`, `models[1].default_version`).
*/

#include <modelauth/config/json_reader.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/router/model_registry.hpp>
#include <modelauth/router/model_url_router.hpp>

#include <memory>
#include <string>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace config {

/// The largest `router.max_target_bytes`.
inline constexpr std::size_t max_router_target_bytes = 65536;

/** Reads router options (the schema in the file comment); the router's
    constructor checks the values, `make_router` names their paths.

    @throws configuration_error naming the key path.
*/
[[nodiscard]] inline router::router_options router_options_from_json(json_reader const& options)
{
    options.allow_only({"mount_root", "strict_slash", "max_target_bytes", "kserve"});
    router::router_options out;
    if(auto const x = options.find("mount_root"))
        out.mount_root = std::string(x->text());
    if(auto const x = options.find("strict_slash"))
        out.strict_slash = x->boolean();
    if(auto const x = options.find("max_target_bytes"))
        out.max_target_bytes = x->integer<std::size_t>(1, max_router_target_bytes);
    if(auto const kserve = options.find("kserve"))
    {
        kserve->allow_only({"enabled", "root", "prefix"});
        if(auto const x = kserve->find("enabled"))
            out.kserve.enabled = x->boolean();
        if(auto const x = kserve->find("root"))
            out.kserve.root = std::string(x->text());
        if(auto const x = kserve->find("prefix"))
            out.kserve.prefix = std::string(x->text());
    }
    return out;
}

/** Reads a `models` array into a registry (each whole entry kept as the
    model's JSON metadata).

    @throws configuration_error naming the key path (`models[2].versions[0]`,
    `models[1].name: ... is already registered by models[0]`).
*/
[[nodiscard]] inline router::model_registry model_registry_from_json(json_reader const& models)
{
    return router::model_registry(router::model_descriptions_from_json(models.value(), models.path()), models.path());
}

/** A router over `registry` with `options`, read from the JSON at
    `options_path` (for messages: `router.mount_root`).

    @throws configuration_error naming the key path of a bad option.
*/
[[nodiscard]] inline std::shared_ptr<router::ModelUrlRouter const> make_router(
    router::model_registry registry, router::router_options options, std::string const& options_path = "router")
{
    return with_field_prefix("router_options", options_path, [&] {
        return std::make_shared<router::ModelUrlRouter const>(std::move(registry), std::move(options));
    });
}

} // namespace config
} // namespace v0
} // namespace modelauth

#endif
