//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Property tests over random registries:
// - every registered URL routes to itself;
// - any target (here: registered URLs mutated at random) routes if and only
//   if its decoded path is a registered URL, and then to exactly that model
//   and version: a mutated URL never reaches another model by accident.

#include <modelauth/router/model_url_router.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace ma = modelauth;

namespace {

struct expected_route
{
    std::int64_t model_id;
    std::string version;
    bool explicit_version;
    ma::router::kserve_operation operation;
};

class random_world
{
public:
    explicit random_world(std::uint64_t seed)
        : rng_(seed)
    {
    }

    std::size_t below(std::size_t n)
    {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
    }

    template<class T>
    T const& pick(std::vector<T> const& from)
    {
        return from[below(from.size())];
    }

    // Labels from a small alphabet, so prefixes and names overlap often
    // ("m" and "m-x", "models" and "models/p").
    std::string label()
    {
        static std::vector<std::string> const common = {"m", "models", "p", "practicus", "a", "a-b", "A", "x1", "m.x", "churn"};
        if(below(3) != 0)
            return pick(common);
        static std::string const chars = "abcXYZ019._-";
        std::string s(1, "abcxyz0"[below(7)]);
        for(std::size_t n = below(4); n > 0; --n)
            s += chars[below(chars.size())];
        if(s.back() == '.')
            s.back() = 'z';
        return s;
    }

    std::string prefix()
    {
        std::string p = label();
        for(std::size_t n = below(3); n > 0; --n)
            p += "/" + label();
        return p;
    }

    // A registry that satisfies the registry's rules, built by skipping the
    // candidates that would break one.
    std::vector<ma::router::model_description> models()
    {
        std::vector<std::string> prefixes;
        for(std::size_t n = 1 + below(5); n > 0; --n)
            prefixes.push_back(prefix());
        std::set<std::string> prefix_set(prefixes.begin(), prefixes.end());

        std::vector<ma::router::model_description> out;
        std::set<std::string> names;
        for(std::size_t n = 1 + below(40); n > 0; --n)
        {
            ma::router::model_description d;
            d.model_id = static_cast<std::int64_t>(out.size()) * 7 - 3;
            d.prefix = pick(prefixes);
            d.name = label();
            std::string const path = d.prefix + "/" + d.name;
            if(prefix_set.count(path) || ! names.insert(path).second)
                continue;
            std::set<std::string> versions;
            for(std::size_t v = 1 + below(3); v > 0; --v)
                versions.insert(below(2) ? std::to_string(below(12)) : label());
            d.versions.assign(versions.begin(), versions.end());
            if(below(2))
                d.default_version = pick(d.versions);
            out.push_back(std::move(d));
        }
        return out;
    }

    // A random change to a target.
    std::string mutate(std::string t)
    {
        static std::vector<std::string> const insertions = {
            "/", "//", "/./", "/../", ".", "..", "%2F", "%2f", "%2e", "%2E%2E", "%25", "%", "%0", "%zz", "%00",
            "%7E", "%41", "%2D", ";", "?", "#", "\\", "%5C", " ", "+", "\x80", "\xef\xbc\x8e", "A", "a", "-", "_", "~",
            "1", "x", "/x", "/1/", "/v2/", "v2"};
        std::size_t const at = below(t.size() + 1);
        switch(below(8))
        {
        case 0: // flip the case of a letter
            for(std::size_t i = 0; i < t.size(); ++i)
            {
                char& c = t[(at + i) % t.size()];
                if(c >= 'a' && c <= 'z')
                {
                    c = static_cast<char>(c - 'a' + 'A');
                    break;
                }
                if(c >= 'A' && c <= 'Z')
                {
                    c = static_cast<char>(c - 'A' + 'a');
                    break;
                }
            }
            break;
        case 1: // delete a character
            if(at < t.size())
                t.erase(at, 1);
            break;
        case 2: // replace a character
            if(at < t.size())
                t[at] = pick(insertions)[0];
            break;
        case 3: // percent-encode an unreserved character
            for(std::size_t i = 0; i < t.size(); ++i)
            {
                std::size_t const j = (at + i) % t.size();
                char const c = t[j];
                if(ma::detail::is_unreserved(c))
                {
                    char const* hex = "0123456789ABCDEF";
                    t.replace(j, 1, std::string{'%', hex[(c >> 4) & 15], hex[c & 15]});
                    break;
                }
            }
            break;
        case 4: // duplicate a segment
        {
            std::size_t const slash = t.find('/', at);
            if(slash != std::string::npos)
            {
                std::size_t const next = t.find('/', slash + 1);
                if(next != std::string::npos)
                    t.insert(next, t.substr(slash, next - slash));
            }
            break;
        }
        case 5: // drop the tail
            t.resize(at);
            break;
        default: // insert something
            t.insert(at, pick(insertions));
            break;
        }
        return t;
    }

private:
    std::mt19937_64 rng_;
};

// Every target that must route, and where to.
std::map<std::string, expected_route> registered_urls(ma::router::model_registry const& registry,
    ma::router::router_options const& options)
{
    using K = ma::router::kserve_operation;
    std::map<std::string, expected_route> urls;
    std::string const root = options.mount_root == "/" ? "" : options.mount_root;
    for(auto const& m : registry.models())
    {
        std::string const base = root + "/" + m.prefix + "/" + m.name + "/";
        urls[base] = {m.model_id, m.default_version, false, K::none};
        for(auto const& v : m.versions)
            urls[base + v + "/"] = {m.model_id, v, true, K::none};
        if(! options.kserve.enabled || m.prefix != options.kserve.prefix)
            continue;
        std::string const k = options.kserve.root + "/models/" + m.name;
        urls[k] = {m.model_id, m.default_version, false, K::model_metadata};
        urls[k + "/ready"] = {m.model_id, m.default_version, false, K::model_ready};
        urls[k + "/infer"] = {m.model_id, m.default_version, false, K::infer};
        for(auto const& v : m.versions)
        {
            urls[k + "/versions/" + v] = {m.model_id, v, true, K::model_metadata};
            urls[k + "/versions/" + v + "/ready"] = {m.model_id, v, true, K::model_ready};
            urls[k + "/versions/" + v + "/infer"] = {m.model_id, v, true, K::infer};
        }
    }
    if(options.kserve.enabled)
    {
        urls[options.kserve.root] = {0, "", false, K::server_metadata};
        urls[options.kserve.root + "/health/live"] = {0, "", false, K::server_live};
        urls[options.kserve.root + "/health/ready"] = {0, "", false, K::server_ready};
    }
    return urls;
}

bool routes_to(ma::router::ModelUrlRouter::endpoint_type const& e, expected_route const& x)
{
    return e.model_id() == x.model_id && e.version() == x.version && e.explicit_version() == x.explicit_version
        && e.operation() == x.operation;
}

// A router over a random registry, and every URL that must route with it.
// Prefixes never start with "v2": the KServe root would hide them.
struct random_router
{
    random_router(random_world& world, std::uint64_t seed)
        : random_router(ma::router::model_registry(world.models()), seed)
    {
    }

    random_router(ma::router::model_registry registry, std::uint64_t seed)
        : options(options_for(registry, seed))
        , urls(registered_urls(registry, options))
        , router(std::move(registry), options)
    {
    }

    static ma::router::router_options options_for(ma::router::model_registry const& registry, std::uint64_t seed)
    {
        ma::router::router_options o;
        o.mount_root = seed % 3 == 0 ? "/serving" : "/";
        o.kserve.enabled = seed % 2 == 0;
        o.kserve.prefix = registry.models().front().prefix;
        return o;
    }

    ma::router::router_options options;
    std::map<std::string, expected_route> urls;
    ma::router::ModelUrlRouter router;
};

} // namespace

TEST_CASE("property: in random registries every registered URL routes to itself")
{
    for(std::uint64_t seed = 1; seed <= 60; ++seed)
    {
        CAPTURE(seed);
        random_world world(seed);
        random_router const setup(world, seed);
        auto const& urls = setup.urls;
        auto const& router = setup.router;

        for(auto const& entry : urls)
        {
            std::string const& url = entry.first;
            expected_route const& expected = entry.second;
            CAPTURE(url);
            auto const r = router.match(url);
            if(! r)
                FAIL_CHECK("error " << ma::error_name(r.error()));
            REQUIRE(r.has_value());
            CHECK(routes_to(*r, expected));
            CHECK(router.canonical_path(*r) == url);
        }
    }
}

TEST_CASE("property: a mutated URL routes only to the model its decoded path names")
{
    std::size_t routed = 0;
    std::size_t rejected = 0;
    for(std::uint64_t seed = 100; seed < 160; ++seed)
    {
        CAPTURE(seed);
        random_world world(seed);
        random_router const setup(world, seed);
        auto const& urls = setup.urls;
        auto const& router = setup.router;

        std::vector<std::string> originals;
        for(auto const& entry : urls)
            originals.push_back(entry.first);
        for(int n = 0; n < 400; ++n)
        {
            std::string target = world.pick(originals);
            for(std::size_t k = 1 + world.below(3); k > 0; --k)
                target = world.mutate(std::move(target));
            CAPTURE(target);

            auto const r = router.match(target);
            auto const parsed = router.parse(target);
            if(! parsed)
            {
                // Rejected by the grammar: never routed.
                REQUIRE(r.has_error());
                CHECK(r.error() == parsed.error());
                ++rejected;
                continue;
            }
            std::string const decoded = ma::router::decoded_view(parsed->path()).to_string();
            auto const hit = urls.find(decoded);
            if(hit == urls.end())
            {
                CHECK(r.has_error());
                ++rejected;
                continue;
            }
            if(! r)
                FAIL_CHECK("error " << ma::error_name(r.error()));
            REQUIRE(r.has_value());
            CHECK(routes_to(*r, hit->second));
            CHECK(router.canonical_path(*r) == decoded);
            ++routed;
        }
    }
    // The mutations exercise both sides.
    CHECK(routed > 100);
    CHECK(rejected > 1000);
}
