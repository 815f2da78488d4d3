//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TESTS_ROUTER_ROUTER_FIXTURE_HPP
#define MODELAUTH_TESTS_ROUTER_ROUTER_FIXTURE_HPP

// The registry most router tests route against: the demo's models plus
// neighbours chosen to catch partial matches.

#include <modelauth/router/model_url_router.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace router_test {

inline modelauth::router::model_description describe(std::int64_t id, std::string prefix, std::string name,
    std::vector<std::string> versions, std::string default_version = {})
{
    modelauth::router::model_description d;
    d.model_id = id;
    d.prefix = std::move(prefix);
    d.name = std::move(name);
    d.versions = std::move(versions);
    d.default_version = std::move(default_version);
    return d;
}

inline std::vector<modelauth::router::model_description> fixture_models()
{
    std::vector<modelauth::router::model_description> models;
    models.push_back(describe(1, "models/practicus", "diamond-price", {"1", "2"}, "2"));
    models.back().instance = "demo/eu01/demo";
    models.back().account = "demo";
    models.back().space = "default";
    models.back().metadata = boost::json::value{{"kind", "linear"}};
    models.push_back(describe(2, "models/practicus", "churn", {"1"}));
    // Same name under a prefix that starts like the first one.
    models.push_back(describe(3, "models/practicus-beta", "diamond-price", {"1"}));
    // A one-segment prefix that is a segment-prefix of "models/practicus".
    models.push_back(describe(4, "models", "sentiment", {"v1", "01", "1e3", "v2"}, "v2"));
    // A three-segment prefix and dotted versions.
    models.push_back(describe(5, "a/b/c", "deep", {"1.0.0", "2.0-rc1"}));
    // Case matters.
    models.push_back(describe(6, "models/practicus", "Case", {"A"}));
    return models;
}

inline modelauth::router::router_options fixture_options()
{
    modelauth::router::router_options options;
    options.kserve.enabled = true;
    options.kserve.root = "/v2";
    options.kserve.prefix = "models/practicus";
    return options;
}

} // namespace router_test

#endif
