//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// libFuzzer target for the model URL router: the input is a request target.
//
// Besides "no crash, no leak, no undefined behaviour" (ASan + UBSan), it
// checks an oracle on every input:
// - a match re-serialises (canonical_path) to a registered URL, which is the
//   input's path with its escapes decoded, and routes to the same endpoint;
// - a missing_trailing_slash answer redirects to a location that routes;
// - whatever the router accepted is also accepted by parse_request_target,
//   and the query view can be walked and decoded.

#include <modelauth/router/model_url_router.hpp>
#include <modelauth/router/error.hpp>

#include "oracle.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace ma = modelauth;

ma::router::model_description describe(std::int64_t id, std::string prefix, std::string name, std::vector<std::string> versions)
{
    ma::router::model_description d;
    d.model_id = id;
    d.prefix = std::move(prefix);
    d.name = std::move(name);
    d.versions = std::move(versions);
    return d;
}

std::vector<ma::router::model_description> fuzz_models()
{
    return {
        describe(1, "models/practicus", "diamond-price", {"1", "2"}),
        describe(2, "models/practicus", "churn", {"1"}),
        describe(3, "models/practicus-beta", "diamond-price", {"1"}),
        describe(4, "models", "sentiment", {"v1", "01", "1e3"}),
        describe(5, "a/b/c", "deep", {"1.0.0", "2.0-rc1"}),
        describe(6, "models/practicus", "Case", {"A"}),
    };
}

struct routers
{
    ma::router::ModelUrlRouter open;   // mount "/", KServe on, redirects
    ma::router::ModelUrlRouter strict; // mount "/serving", strict slash
    std::set<std::string> registered;

    static ma::router::router_options open_options()
    {
        ma::router::router_options o;
        o.kserve.enabled = true;
        o.kserve.prefix = "models/practicus";
        return o;
    }

    static ma::router::router_options strict_options()
    {
        ma::router::router_options o;
        o.mount_root = "/serving";
        o.strict_slash = true;
        return o;
    }

    routers()
        : open(ma::router::model_registry(fuzz_models()), open_options())
        , strict(ma::router::model_registry(fuzz_models()), strict_options())
    {
        for(auto const& m : open.registry()->models())
        {
            for(char const* root : {"", "/serving"})
            {
                std::string const base = std::string(root) + "/" + m.prefix + "/" + m.name + "/";
                registered.insert(base);
                for(auto const& v : m.versions)
                    registered.insert(base + v + "/");
            }
            if(m.prefix != "models/practicus")
                continue;
            std::vector<std::string> versions = {""};
            for(auto const& v : m.versions)
                versions.push_back("/versions/" + v);
            for(auto const& version : versions)
                for(char const* op : {"", "/ready", "/infer"})
                    registered.insert("/v2/models/" + m.name + version + op);
        }
        registered.insert("/v2");
        registered.insert("/v2/health/live");
        registered.insert("/v2/health/ready");
    }
};

routers const& the_routers()
{
    static routers const r;
    return r;
}

using modelauth_fuzz::check;

void check_router(ma::router::ModelUrlRouter const& router, std::set<std::string> const& registered, std::string_view input)
{
    auto const target = router.parse(input);
    auto const r = router.match(input);
    if(! target)
    {
        check(r.has_error() && r.error() == target.error());
        return;
    }
    // Walk the query: lazy decoding must stay in bounds whatever the bytes.
    std::size_t decoded = 0;
    for(ma::router::query_param const p : target->query())
        decoded += p.key.size() + p.value.to_string().size();
    (void)decoded;
    (void)target->query().get("get_meta");

    if(r)
    {
        std::string const canonical = router.canonical_path(*r);
        check(registered.count(canonical) == 1);
        check(canonical == ma::router::decoded_view(target->path()).to_string());
        auto const again = router.match(canonical);
        check(again.has_value());
        check(again->model_index() == r->model_index());
        check(again->version_index() == r->version_index());
        check(again->operation() == r->operation());
        return;
    }
    check(r.error().category() == ma::router::error_category());
    check(ma::http_status(r.error()) != 500);
    if(r.error() == ma::router::error::missing_trailing_slash)
    {
        std::string const location = target->redirect_location();
        check(location.size() >= 2 && location[0] == '/' && location[1] != '/');
        // The location may exceed the size limit by its one added byte.
        if(location.size() <= router.options().max_target_bytes)
            check(router.match(location).has_value());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const input(reinterpret_cast<char const*>(data), size);
    auto const& r = the_routers();
    check_router(r.open, r.registered, input);
    check_router(r.strict, r.registered, input);
    return 0;
}
