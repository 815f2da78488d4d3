//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/router/model_url_router.hpp>
#include <modelauth/router/error.hpp>

#include "router/router_fixture.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ma = modelauth;
using namespace std::string_view_literals;
using ma::router::kserve_operation;
using router_test::describe;
using router_test::fixture_models;
using router_test::fixture_options;

namespace {

// One routing case: a target and its exact outcome.
struct route_case
{
    std::string id; // catalogue id (U1-U17) or a topic
    std::string target;
    std::error_code error; // empty: the target routes
    std::int64_t model_id = 0;
    std::string version;
    bool explicit_version = false;
    kserve_operation operation = kserve_operation::none;
};

route_case routes(std::string id, std::string_view target, std::int64_t model_id, std::string version,
    bool explicit_version, kserve_operation operation = kserve_operation::none)
{
    return {std::move(id), std::string(target), {}, model_id, std::move(version), explicit_version, operation};
}

route_case fails(std::string id, std::string_view target, ma::router::error e)
{
    return {std::move(id), std::string(target), e, 0, {}, false, kserve_operation::none};
}

std::string printable(std::string_view s)
{
    std::string out;
    for(unsigned char c : s)
    {
        if(c >= 0x20 && c < 0x7F)
        {
            out += static_cast<char>(c);
            continue;
        }
        char const* digits = "0123456789ABCDEF";
        out += "\\x";
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    if(out.size() > 120)
        out = out.substr(0, 100) + "...(" + std::to_string(s.size()) + " bytes)";
    return out;
}

// The table: every catalogue row (U1-U17) by name, plus the routes that must work.
std::vector<route_case> const& route_table()
{
    using E = ma::router::error;
    using K = kserve_operation;
    std::string const long_name(129, 'n');
    std::string const max_name(128, 'n');
    static std::vector<route_case> const table = {
        // --- routes that work -------------------------------------------------
        routes("default version", "/models/practicus/diamond-price/", 1, "2", false),
        routes("explicit version", "/models/practicus/diamond-price/1/", 1, "1", true),
        routes("explicit default version", "/models/practicus/diamond-price/2/", 1, "2", true),
        routes("second model", "/models/practicus/churn/", 2, "1", false),
        routes("second model versioned", "/models/practicus/churn/1/", 2, "1", true),
        routes("segment-boundary prefix", "/models/practicus-beta/diamond-price/", 3, "1", false),
        routes("one-segment prefix", "/models/sentiment/", 4, "v2", false),
        routes("one-segment prefix versioned", "/models/sentiment/v1/", 4, "v1", true),
        routes("three-segment prefix", "/a/b/c/deep/", 5, "2.0-rc1", false),
        routes("dotted version", "/a/b/c/deep/1.0.0/", 5, "1.0.0", true),
        routes("case-sensitive name", "/models/practicus/Case/A/", 6, "A", true),
        routes("encoded unreserved in name", "/models/practicus/diamond%2Dprice/", 1, "2", false),
        routes("lower-case hex escape", "/models/practicus/diamond%2dprice/", 1, "2", false),
        routes("escapes of letters", "/models/practicus/%64%69amond-price/", 1, "2", false),
        routes("encoded prefix", "/%6Dodels/practicus/diamond-price/", 1, "2", false),
        routes("encoded version", "/models/practicus/diamond-price/%32/", 1, "2", true),
        routes("query ignored", "/models/practicus/diamond-price/?get_meta=true", 1, "2", false),
        routes("query not decoded", "/models/practicus/diamond-price/2/?a=1&b=%2F&c=%zz", 1, "2", true),
        routes("empty query", "/models/practicus/diamond-price/?", 1, "2", false),
        routes("dots in the query", "/models/practicus/diamond-price/?x=/../", 1, "2", false),

        // --- U1 dot segments --------------------------------------------------
        fails("U1", "/v1/models/../admin/1/", E::dot_segment),
        fails("U1", "/v1/models/a/./1/", E::dot_segment),
        fails("U1", "/models/practicus/../practicus/diamond-price/", E::dot_segment),
        fails("U1", "/models/practicus/diamond-price/./", E::dot_segment),
        fails("U1", "/models/practicus/diamond-price/../", E::dot_segment),
        fails("U1", "/./models/practicus/diamond-price/", E::dot_segment),
        fails("U1", "/models/practicus/diamond-price/..", E::dot_segment),
        // --- U2 encoded dot segments ------------------------------------------
        fails("U2", "/models/%2e%2e/admin/", E::dot_segment),
        fails("U2", "/models/%2E%2e/", E::dot_segment),
        fails("U2", "/models/.%2e/", E::dot_segment),
        fails("U2", "/models/%2e./", E::dot_segment),
        fails("U2", "/models/%2e/", E::dot_segment),
        fails("U2", "/models/practicus/%2E%2E%2E/", E::invalid_model_name),
        // --- U3 double encoding -----------------------------------------------
        fails("U3", "/models/%252e%252e/", E::percent_encoded_percent),
        fails("U3", "/models/%%32%65/", E::invalid_percent_escape),
        fails("U3", "/models/%25%32%65/", E::percent_encoded_percent),
        fails("U3", "/models/practicus/diamond%252Dprice/", E::percent_encoded_percent),
        // --- U4 encoded slash -------------------------------------------------
        fails("U4", "/models/practicus/name%2F..%2Fother/", E::percent_encoded_slash),
        fails("U4", "/models/practicus/name%2fx/", E::percent_encoded_slash),
        fails("U4", "/models%2Fpracticus/diamond-price/", E::percent_encoded_slash),
        // --- U5 backslash -----------------------------------------------------
        fails("U5", "/models/practicus/name%5C..%5Cx/", E::backslash),
        fails("U5", "/models/practicus/name\\x/", E::backslash),
        fails("U5", "/models\\practicus/diamond-price/", E::backslash),
        fails("U5", "/models/practicus/diamond-price/%5c/", E::backslash),
        // --- U6 overlong / invalid UTF-8 --------------------------------------
        fails("U6", "/models/%c0%ae%c0%ae%c0%af/", E::non_ascii),
        fails("U6", "/models/%e0%80%ae/", E::non_ascii),
        fails("U6", "/models/%c0%2e/", E::non_ascii),
        fails("U6", "/models/%ff/", E::non_ascii),
        fails("U6", "/models/%80/", E::non_ascii),
        fails("U6", "/models/\xc0\xae\xc0\xae/", E::non_ascii),
        // --- U7 control characters --------------------------------------------
        fails("U7", "/models/practicus/%00/", E::control_character),
        fails("U7", "/models/practicus/name%00.json/", E::control_character),
        fails("U7", "/models/practicus/diamond-price%0d%0a/", E::control_character),
        fails("U7", "/models/practicus/diamond-price%09/", E::control_character),
        fails("U7", "/models/practicus/diamond-price\t/", E::control_character),
        fails("U7", "/models/practicus/diamond-price/\r\nX-Injected: 1", E::control_character),
        fails("U7", "/models/practicus/\x7f/", E::control_character),
        fails("U7", "/models/practicus/%7F/", E::control_character),
        fails("U7", "/models/\0x/"sv, E::control_character),
        fails("U7", "/models/practicus/diamond-price/?a=\r\nSet-Cookie:x", E::control_character),
        // --- U8 empty segments ------------------------------------------------
        fails("U8", "//v1//models//n//1//", E::empty_segment),
        fails("U8", "/models//practicus/diamond-price/", E::empty_segment),
        fails("U8", "/models/practicus//diamond-price/", E::empty_segment),
        fails("U8", "/models/practicus/diamond-price//", E::empty_segment),
        fails("U8", "/models/practicus/diamond-price/2//", E::empty_segment),
        fails("U8", "//", E::empty_segment),
        // --- U9 parameters and sub-delimiters ---------------------------------
        fails("U9", "/models/practicus/diamond-price;v=1/", E::invalid_character),
        fails("U9", "/models/..;/practicus/", E::invalid_character),
        fails("U9", "/models/practicus/diamond-price%3b/", E::invalid_character),
        fails("U9", "/models/practicus/diamond-price%3B1/", E::invalid_character),
        fails("U9", "/models/practicus/diamond-price/1;/", E::invalid_character),
        fails("U9", "/models/practicus/diamond@price/", E::invalid_character),
        // --- U10 query and fragment delimiters --------------------------------
        fails("U10", "/models/practicus/diamond-price%3F/", E::encoded_delimiter),
        fails("U10", "/models/practicus/diamond-price%23/", E::encoded_delimiter),
        fails("U10", "/models/practicus/diamond-price/#frag", E::encoded_delimiter),
        fails("U10", "/models/practicus/diamond-price/?q=#x", E::encoded_delimiter),
        // "?" before the version: the query is split first, so the version is query.
        fails("U10", "/models/practicus/diamond-price?/2/", E::missing_trailing_slash),
        // --- U11 size ---------------------------------------------------------
        fails("U11", "/" + std::string(2048, 'a'), E::target_too_long),
        fails("U11", "/models/practicus/" + std::string(10000, 'n') + "/", E::target_too_long),
        fails("U11", [] { std::string t; for(int i = 0; i < 10000; ++i) t += "/a"; return t; }(), E::target_too_long),
        fails("U11", "/models/practicus/" + std::string(2048 - 19, 'n') + "/", E::invalid_model_name),
        fails("U11", "/models/practicus/" + long_name + "/", E::invalid_model_name),
        fails("U11", "/models/practicus/" + max_name + "/", E::unknown_model),
        fails("U11", "/models/practicus/diamond-price/" + std::string(33, '1') + "/", E::invalid_version),
        // --- U12 non-ASCII look-alikes ----------------------------------------
        fails("U12", "/models/practicus/\xef\xbc\x8e\xef\xbc\x8e/", E::non_ascii),
        fails("U12", "/models/practicus%ef%bc%8fdiamond-price/", E::non_ascii),
        fails("U12", "/models/practicus/\xe3\x80\x82/", E::non_ascii),
        // --- U13 malformed escapes --------------------------------------------
        fails("U13", "/models/%/", E::invalid_percent_escape),
        fails("U13", "/models/%2/", E::invalid_percent_escape),
        fails("U13", "/models/%zz/", E::invalid_percent_escape),
        fails("U13", "/models/%2>/", E::invalid_percent_escape),
        fails("U13", "/models/practicus/diamond-price%", E::invalid_percent_escape),
        fails("U13", "/models/practicus/diamond-price%2", E::invalid_percent_escape),
        // --- U14 case, trailing slash, extra segments -------------------------
        fails("U14", "/MODELS/PRACTICUS/diamond-price/", E::unknown_prefix),
        fails("U14", "/models/practicus/DIAMOND-PRICE/", E::unknown_model),
        fails("U14", "/models/practicus/case/", E::unknown_model),
        fails("U14", "/models/practicus/diamond-price", E::missing_trailing_slash),
        fails("U14", "/models/practicus/diamond-price/2", E::missing_trailing_slash),
        fails("U14", "/models/practicus/diamond-price/2/extra/", E::unexpected_segment),
        fails("U14", "/models/practicus/diamond-price/2/extra", E::unexpected_segment),
        fails("U14", "/models/practicus/diamond-price/2/infer/", E::unexpected_segment),
        fails("U14", "/models/practicus/nope", E::unknown_model),
        fails("U14", "/models/practicus-beta/churn/", E::unknown_model),
        fails("U14", "/modelsx/practicus/diamond-price/", E::unknown_prefix),
        fails("U14", "/models/practicus/diamond-price/3/", E::unknown_version),
        fails("U14", "/models/sentiment/V1/", E::unknown_version),
        fails("U14", "/", E::unknown_prefix),
        fails("U14", "/models/", E::unknown_prefix),
        fails("U14", "/x", E::unknown_prefix),
        // --- U15 request-target forms -----------------------------------------
        fails("U15", "http://h/v1/models/", E::not_origin_form),
        fails("U15", "https://service.practicus.io/models/practicus/diamond-price/", E::not_origin_form),
        fails("U15", "service.practicus.io:443", E::not_origin_form),
        fails("U15", "*", E::not_origin_form),
        fails("U15", "", E::not_origin_form),
        fails("U15", "models/practicus/diamond-price/", E::not_origin_form),
        fails("U15", "?a=1", E::not_origin_form),
        // --- U16 versions are labels ------------------------------------------
        routes("U16", "/models/sentiment/01/", 4, "01", true),
        routes("U16", "/models/sentiment/1e3/", 4, "1e3", true),
        fails("U16", "/models/practicus/diamond-price/01/", E::unknown_version),
        fails("U16", "/models/practicus/diamond-price/1e3/", E::unknown_version),
        fails("U16", "/models/practicus/diamond-price/18446744073709551616/", E::unknown_version),
        fails("U16", "/models/practicus/diamond-price/+1/", E::invalid_character),
        fails("U16", "/models/practicus/diamond-price/%2B1/", E::invalid_character),
        fails("U16", "/models/practicus/diamond-price/-1/", E::invalid_version),
        fails("U16", "/models/practicus/diamond-price/ 1/", E::invalid_character),
        fails("U16", "/models/practicus/diamond-price/%201/", E::invalid_character),
        fails("U16", "/models/practicus/diamond-price/.1/", E::invalid_version),
        fails("U16", "/models/practicus/diamond-price/1./", E::invalid_version),
        fails("U16", "/models/practicus/diamond-price/_1/", E::invalid_version),
        fails("U16", "/models/practicus/diamond-price/1~/", E::invalid_version),
        // --- U17 names --------------------------------------------------------
        fails("U17", "/models/practicus/.hidden/", E::invalid_model_name),
        fails("U17", "/models/practicus/./", E::dot_segment),
        fails("U17", "/models/practicus/../", E::dot_segment),
        fails("U17", "/models/practicus/-x/", E::invalid_model_name),
        fails("U17", "/models/practicus/x./", E::invalid_model_name),
        fails("U17", "/models/practicus/%2Ehidden/", E::invalid_model_name),
        fails("U17", "/models/practicus/~x/", E::invalid_model_name),
        fails("U17", "/models/practicus/diamond-price%7E/", E::invalid_model_name),

        // --- KServe V2 --------------------------------------------------------
        routes("kserve", "/v2", 0, "", false, K::server_metadata),
        routes("kserve", "/v2/health/live", 0, "", false, K::server_live),
        routes("kserve", "/v2/health/ready", 0, "", false, K::server_ready),
        routes("kserve", "/v2/models/diamond-price", 1, "2", false, K::model_metadata),
        routes("kserve", "/v2/models/diamond-price/ready", 1, "2", false, K::model_ready),
        routes("kserve", "/v2/models/diamond-price/infer", 1, "2", false, K::infer),
        routes("kserve", "/v2/models/diamond-price/versions/1", 1, "1", true, K::model_metadata),
        routes("kserve", "/v2/models/diamond-price/versions/1/infer", 1, "1", true, K::infer),
        routes("kserve", "/v2/models/diamond-price/versions/1/ready", 1, "1", true, K::model_ready),
        routes("kserve", "/v2/models/churn/versions/1/infer", 2, "1", true, K::infer),
        routes("kserve", "/v2/models/diamond%2Dprice/infer", 1, "2", false, K::infer),
        routes("kserve", "/v2/m%6Fdels/diamond-price/infer?x=1", 1, "2", false, K::infer),
        fails("kserve", "/v2/health/dead", E::unexpected_segment),
        fails("kserve", "/v2/health", E::unexpected_segment),
        fails("kserve", "/v2/health/live/", E::unexpected_segment),
        fails("kserve", "/v2/", E::unexpected_segment),
        fails("kserve", "/v2/models", E::unexpected_segment),
        fails("kserve", "/v2/repository/index", E::unexpected_segment),
        fails("kserve", "/v2/models/diamond-price/versions/9/infer", E::unknown_version),
        fails("kserve", "/v2/models/diamond-price/versions", E::unexpected_segment),
        fails("kserve", "/v2/models/diamond-price/versions/1/infer/x", E::unexpected_segment),
        fails("kserve", "/v2/models/diamond-price/predict", E::unexpected_segment),
        fails("kserve", "/v2/models/diamond-price/infer/", E::unexpected_segment),
        fails("kserve", "/v2/models/nope/infer", E::unknown_model),
        fails("kserve", "/v2/models/sentiment/infer", E::unknown_model),
        fails("kserve", "/v2/models/.x/infer", E::invalid_model_name),
        fails("kserve", "/v2/models/diamond-price/versions/-1/infer", E::invalid_version),
        fails("kserve", "/v2/models/diamond-price/../infer", E::dot_segment),
        fails("kserve", "/V2/models/diamond-price/infer", E::unknown_prefix),
        fails("kserve", "/v2x/models/diamond-price/infer", E::unknown_prefix),
    };
    return table;
}

void check_case(ma::router::ModelUrlRouter const& router, route_case const& c)
{
    CAPTURE(c.id);
    std::string const shown = printable(c.target);
    CAPTURE(shown);
    auto const r = router.match(c.target);
    if(c.error)
    {
        REQUIRE(r.has_error());
        CHECK(ma::error_name(r.error()) == ma::error_name(c.error));
        CHECK(r.error() == c.error);
        return;
    }
    if(! r)
        FAIL_CHECK("unexpected error " << ma::error_name(r.error()));
    REQUIRE(r.has_value());
    CHECK(r->model_id() == c.model_id);
    CHECK(r->version() == c.version);
    CHECK(r->explicit_version() == c.explicit_version);
    CHECK(r->operation() == c.operation);
    // The oracle: a match re-serialises to a target that routes to it again.
    auto const again = router.match(router.canonical_path(*r));
    REQUIRE(again.has_value());
    CHECK(again->model_index() == r->model_index());
    CHECK(again->version_index() == r->version_index());
    CHECK(again->operation() == r->operation());
}

} // namespace

TEST_CASE("the routing table: every catalogue case (U1-U17) gets its exact outcome")
{
    ma::router::ModelUrlRouter const router(ma::router::model_registry(fixture_models()), fixture_options());
    auto const& table = route_table();
    for(auto const& c : table)
        check_case(router, c);

    // The table is the specification: big enough, and every catalogue row is named.
    CHECK(table.size() >= 100);
    std::set<std::string> ids;
    for(auto const& c : table)
        ids.insert(c.id);
    for(int u = 1; u <= 17; ++u)
    {
        CAPTURE(u);
        CHECK(ids.count("U" + std::to_string(u)) == 1);
    }
}

TEST_CASE("router errors carry the HTTP status the guard answers with")
{
    ma::router::ModelUrlRouter const router(ma::router::model_registry(fixture_models()), fixture_options());
    CHECK(ma::http_status(router.match("/" + std::string(3000, 'a')).error()) == 414);
    CHECK(ma::http_status(router.match("/models/%2e%2e/").error()) == 400);
    CHECK(ma::http_status(router.match("/models/practicus/nope/").error()) == 404);
    CHECK(ma::http_status(router.match("/models/practicus/diamond-price").error()) == 308);
    CHECK(router.match("/models/practicus/diamond-price").error() == ma::condition::redirect);
    CHECK(router.match("/models/practicus/nope/").error() == ma::condition::not_found);
    CHECK(router.match("/models/;/").error() == ma::condition::bad_request);
}

TEST_CASE("a target lacking only its final slash redirects to path + '/' + original query")
{
    ma::router::ModelUrlRouter const router(ma::router::model_registry(fixture_models()), fixture_options());
    struct redirect_case
    {
        std::string_view target;
        std::string_view location;
    };
    redirect_case const cases[] = {
        {"/models/practicus/diamond-price", "/models/practicus/diamond-price/"},
        {"/models/practicus/diamond-price?get_meta=true", "/models/practicus/diamond-price/?get_meta=true"},
        {"/models/practicus/diamond-price/1?a=1&b=%2F&c", "/models/practicus/diamond-price/1/?a=1&b=%2F&c"},
        {"/models/practicus/diamond-price?", "/models/practicus/diamond-price/?"},
        {"/models/practicus/diamond%2Dprice?x=%zz", "/models/practicus/diamond%2Dprice/?x=%zz"},
        {"/a/b/c/deep/1.0.0", "/a/b/c/deep/1.0.0/"},
    };
    for(auto const& c : cases)
    {
        CAPTURE(c.target);
        auto const target = router.parse(c.target);
        REQUIRE(target.has_value());
        auto const r = router.match(*target);
        REQUIRE(r.has_error());
        CHECK(r.error() == ma::router::error::missing_trailing_slash);
        CHECK(target->redirect_location() == c.location);
        // Following the redirect routes.
        CHECK(router.match(target->redirect_location()).has_value());
    }
}

TEST_CASE("in strict mode a missing final slash is not found")
{
    auto options = fixture_options();
    options.strict_slash = true;
    ma::router::ModelUrlRouter const router(ma::router::model_registry(fixture_models()), options);
    CHECK(router.match("/models/practicus/diamond-price").error() == ma::router::error::trailing_slash_required);
    CHECK(router.match("/models/practicus/diamond-price/2?x=1").error() == ma::router::error::trailing_slash_required);
    CHECK(ma::http_status(router.match("/models/practicus/diamond-price").error()) == 404);
    CHECK(router.match("/models/practicus/diamond-price/").has_value());
    // Other faults come first.
    CHECK(router.match("/models/practicus/nope").error() == ma::router::error::unknown_model);
}

TEST_CASE("a mount root is matched on whole segments before the prefix")
{
    ma::router::router_options options;
    options.mount_root = "/serving/";
    ma::router::ModelUrlRouter const router(ma::router::model_registry(fixture_models()), options);
    CHECK(router.options().mount_root == "/serving");

    auto const r = router.match("/serving/models/practicus/diamond-price/1/");
    REQUIRE(r.has_value());
    CHECK(r->model_id() == 1);
    CHECK(router.canonical_path(*r) == "/serving/models/practicus/diamond-price/1/");
    CHECK(router.match("/serv%69ng/models/practicus/diamond-price/").has_value());

    CHECK(router.match("/models/practicus/diamond-price/").error() == ma::router::error::outside_mount_root);
    CHECK(router.match("/servingx/models/practicus/diamond-price/").error() == ma::router::error::outside_mount_root);
    CHECK(router.match("/Serving/models/practicus/diamond-price/").error() == ma::router::error::outside_mount_root);
    CHECK(router.match("/serving").error() == ma::router::error::unknown_prefix);
    CHECK(router.match("/serving/").error() == ma::router::error::unknown_prefix);
    // Syntax is checked before the mount root: a hostile target is a 400 anywhere.
    CHECK(router.match("/serving/../models/").error() == ma::router::error::dot_segment);
    CHECK(router.match("/elsewhere/%2e%2e/").error() == ma::router::error::dot_segment);
    // KServe is off by default.
    CHECK(router.match("/v2/health/live").error() == ma::router::error::outside_mount_root);
}

TEST_CASE("the KServe root can move, and is separate from the mount root")
{
    auto options = fixture_options();
    options.mount_root = "/serving";
    options.kserve.root = "/kserve/v2/";
    ma::router::ModelUrlRouter const router(ma::router::model_registry(fixture_models()), options);
    CHECK(router.options().kserve.root == "/kserve/v2");
    auto const r = router.match("/kserve/v2/models/churn/infer");
    REQUIRE(r.has_value());
    CHECK(r->model_id() == 2);
    CHECK(r->operation() == kserve_operation::infer);
    CHECK(router.canonical_path(*r) == "/kserve/v2/models/churn/infer");
    CHECK(router.match("/v2/models/churn/infer").error() == ma::router::error::outside_mount_root);
    CHECK(router.match("/kserve/v2").value().operation() == kserve_operation::server_metadata);
    CHECK(router.match("/serving/models/practicus/churn/").has_value());
}

TEST_CASE("KServe model URLs answer unknown_prefix while the registry lacks the KServe prefix")
{
    auto options = fixture_options();
    options.kserve.prefix = "kserve/models";
    ma::router::ModelUrlRouter router(ma::router::model_registry(fixture_models()), options);
    CHECK(router.match("/v2/models/resnet/infer").error() == ma::router::error::unknown_prefix);
    CHECK(router.match("/v2/health/ready").has_value());

    auto models = fixture_models();
    models.push_back(describe(10, "kserve/models", "resnet", {"1"}));
    router.replace(ma::router::model_registry(models));
    auto const r = router.match("/v2/models/resnet/infer");
    REQUIRE(r.has_value());
    CHECK(r->model_id() == 10);
}

TEST_CASE("an endpoint exposes the model, its resolved version and its metadata")
{
    ma::router::ModelUrlRouter const router(ma::router::model_registry(fixture_models()), fixture_options());
    auto const r = router.match("/models/practicus/diamond-price/");
    REQUIRE(r.has_value());
    ma::router::ModelEndpoint const& e = *r;
    CHECK(e.has_model());
    CHECK(e.model_id() == 1);
    CHECK(e.prefix() == "models/practicus");
    CHECK(e.name() == "diamond-price");
    CHECK(e.version() == "2");
    CHECK(e.version_index() == 1);
    CHECK_FALSE(e.explicit_version());
    CHECK(e.instance() == "demo/eu01/demo");
    CHECK(e.account() == "demo");
    CHECK(e.space() == "default");
    REQUIRE(e.metadata() != nullptr);
    CHECK(e.metadata()->as_object().at("kind").as_string() == "linear");
    CHECK(e.operation() == kserve_operation::none);
    CHECK(e.registry().get() == router.registry().get());
    CHECK(&e.model() == router.registry()->find(1));

    auto const churn = router.match("/models/practicus/churn/").value();
    CHECK(churn.metadata() == nullptr);
    CHECK(churn.instance().empty());

    auto const health = router.match("/v2/health/live").value();
    CHECK_FALSE(health.has_model());
    CHECK(health.model_id() == 0);
    CHECK(health.name().empty());
    CHECK(health.version().empty());
    CHECK(health.metadata() == nullptr);
    CHECK(health.registry().get() != nullptr);

    ma::router::ModelEndpoint const empty;
    CHECK_FALSE(empty.has_model());
    CHECK(empty.registry().get() == nullptr);
}

TEST_CASE("models are found by model_id, in the default or a named version")
{
    ma::router::ModelUrlRouter const router(ma::router::model_registry(fixture_models()), fixture_options());
    auto const a = router.find(1);
    REQUIRE(a.has_value());
    CHECK(a->name() == "diamond-price");
    CHECK(a->version() == "2");
    CHECK_FALSE(a->explicit_version());
    CHECK(router.canonical_path(*a) == "/models/practicus/diamond-price/");

    auto const b = router.find(1, "1");
    REQUIRE(b.has_value());
    CHECK(b->version() == "1");
    CHECK(b->explicit_version());
    CHECK(router.canonical_path(*b) == "/models/practicus/diamond-price/1/");

    CHECK(router.find(99).error() == ma::router::error::unknown_model);
    CHECK(router.find(99, "1").error() == ma::router::error::unknown_model);
    CHECK(router.find(1, "3").error() == ma::router::error::unknown_version);
    CHECK(router.find(1, "-1").error() == ma::router::error::invalid_version);
    CHECK(router.find(1, "").error() == ma::router::error::invalid_version);
}

TEST_CASE("canonical paths decode escapes and spell out the KServe operation")
{
    ma::router::ModelUrlRouter const router(ma::router::model_registry(fixture_models()), fixture_options());
    struct canonical_case
    {
        std::string_view target;
        std::string_view canonical;
    };
    canonical_case const cases[] = {
        {"/models/practicus/diamond%2Dprice/?x", "/models/practicus/diamond-price/"},
        {"/%6Dodels/sentiment/v%31/", "/models/sentiment/v1/"},
        {"/v2", "/v2"},
        {"/v2/health/live", "/v2/health/live"},
        {"/v2/health/ready", "/v2/health/ready"},
        {"/v2/models/churn", "/v2/models/churn"},
        {"/v2/models/churn/ready", "/v2/models/churn/ready"},
        {"/v2/models/churn/versions/1/infer", "/v2/models/churn/versions/1/infer"},
    };
    for(auto const& c : cases)
    {
        CAPTURE(c.target);
        auto const r = router.match(c.target);
        REQUIRE(r.has_value());
        CHECK(router.canonical_path(*r) == c.canonical);
    }
}

TEST_CASE("an endpoint keeps its snapshot: its views stay valid after replace")
{
    ma::router::ModelUrlRouter router(ma::router::model_registry(fixture_models()), fixture_options());
    auto const before = router.match("/models/practicus/diamond-price/").value();
    std::string_view const name = before.name();
    std::string_view const version = before.version();

    // Replace with a registry in which the model moved to another version.
    std::vector<ma::router::model_description> next;
    next.push_back(describe(1, "models/practicus", "diamond-price", {"7"}));
    router.replace(ma::router::model_registry(next));

    // The old endpoint still reads its own (now unpublished) snapshot.
    CHECK(name == "diamond-price");
    CHECK(version == "2");
    CHECK(before.registry().get() != router.registry().get());
    CHECK(before.metadata() != nullptr);

    auto const after = router.match("/models/practicus/diamond-price/").value();
    CHECK(after.version() == "7");
    CHECK(router.match("/models/practicus/churn/").error() == ma::router::error::unknown_model);
}

TEST_CASE("update builds the next registry from the current one")
{
    ma::router::ModelUrlRouter router(ma::router::model_registry(fixture_models()), fixture_options());
    router.update([](ma::router::model_registry const& current) {
        auto models = current.models();
        models.push_back(describe(42, "models/practicus", "new-model", {"1"}));
        return ma::router::model_registry(std::move(models));
    });
    CHECK(router.match("/models/practicus/new-model/").value().model_id() == 42);
    CHECK(router.registry()->size() == fixture_models().size() + 1);

    // A make_next that returns a snapshot pointer works too.
    router.update([](ma::router::model_registry const& current) {
        auto models = current.models();
        models.pop_back();
        return std::make_shared<ma::router::model_registry const>(std::move(models));
    });
    CHECK(router.match("/models/practicus/new-model/").error() == ma::router::error::unknown_model);

    // A failing update publishes nothing.
    auto const published = router.registry();
    CHECK_THROWS_AS(router.update([](ma::router::model_registry const& current) {
        auto models = current.models();
        models.push_back(models.front()); // duplicate model_id
        return ma::router::model_registry(std::move(models));
    }),
        ma::configuration_error);
    CHECK(router.registry().get() == published.get());
    CHECK_THROWS_AS(router.replace(ma::router::ModelUrlRouter::registry_ptr{}), ma::configuration_error);
    CHECK(router.registry().get() == published.get());
}

TEST_CASE("bad router options throw a configuration_error naming the option")
{
    auto field_of = [](ma::router::router_options const& options) -> std::string {
        try
        {
            ma::router::ModelUrlRouter const router(ma::router::model_registry(fixture_models()), options);
        }
        catch(ma::configuration_error const& e)
        {
            CHECK(std::string(e.what()).rfind(e.field() + ": ", 0) == 0);
            return e.field();
        }
        return "(no error)";
    };
    struct option_case
    {
        char const* what;
        void (*mutate)(ma::router::router_options&);
        char const* field;
    };
    option_case const cases[] = {
        {"relative mount root", [](ma::router::router_options& o) { o.mount_root = "serving"; }, "router_options.mount_root"},
        {"empty mount root", [](ma::router::router_options& o) { o.mount_root = ""; }, "router_options.mount_root"},
        {"mount root with //", [](ma::router::router_options& o) { o.mount_root = "/a//b"; }, "router_options.mount_root"},
        {"mount root with ..", [](ma::router::router_options& o) { o.mount_root = "/a/.."; }, "router_options.mount_root"},
        {"mount root with escape", [](ma::router::router_options& o) { o.mount_root = "/a%2Fb"; }, "router_options.mount_root"},
        {"zero target limit", [](ma::router::router_options& o) { o.max_target_bytes = 0; }, "router_options.max_target_bytes"},
        {"kserve root /", [](ma::router::router_options& o) { o.kserve.root = "/"; }, "router_options.kserve.root"},
        {"kserve root relative", [](ma::router::router_options& o) { o.kserve.root = "v2"; }, "router_options.kserve.root"},
        {"kserve root hides mount root", [](ma::router::router_options& o) { o.mount_root = "/v2/x"; }, "router_options.kserve.root"},
        {"kserve root equals mount root", [](ma::router::router_options& o) { o.mount_root = "/v2"; }, "router_options.kserve.root"},
        {"kserve prefix empty", [](ma::router::router_options& o) { o.kserve.prefix = ""; }, "router_options.kserve.prefix"},
        {"kserve prefix invalid", [](ma::router::router_options& o) { o.kserve.prefix = "/models"; }, "router_options.kserve.prefix"},
    };
    for(auto const& c : cases)
    {
        CAPTURE(c.what);
        auto options = fixture_options();
        c.mutate(options);
        CHECK(field_of(options) == c.field);
    }
    // KServe settings are not checked while the scheme is off.
    ma::router::router_options off;
    off.kserve.root = "nonsense";
    CHECK(field_of(off) == "(no error)");
    CHECK_THROWS_AS(ma::router::ModelUrlRouter(ma::router::ModelUrlRouter::registry_ptr{}), ma::configuration_error);
}

TEST_CASE("the target size limit is configurable")
{
    ma::router::router_options options;
    options.max_target_bytes = 32;
    ma::router::ModelUrlRouter const router(ma::router::model_registry(fixture_models()), options);
    std::string_view const t = "/models/practicus/diamond-price/"; // 32 bytes
    REQUIRE(t.size() == 32);
    CHECK(router.match(t).has_value());
    CHECK(router.match("/models/practicus/diamond-price/?").error() == ma::router::error::target_too_long);
}

namespace {

// A server's own metadata type, mapped from the configuration.
struct toy_model
{
    std::vector<double> weights;
    double bias = 0;
};

// A registry a server derives to keep per-snapshot state beside the models.
class serving_registry : public ma::router::basic_model_registry<toy_model>
{
public:
    serving_registry(std::vector<ma::router::basic_model_description<toy_model>> models, int generation)
        : ma::router::basic_model_registry<toy_model>(std::move(models))
        , generation_(generation)
    {
    }

    int generation() const noexcept
    {
        return generation_;
    }

private:
    int generation_;
};

static_assert(ma::router::is_model_registry<ma::router::model_registry>::value, "the default registry is a registry");
static_assert(ma::router::is_model_registry<serving_registry>::value, "a derived registry is a registry");
static_assert(! ma::router::is_model_registry<int>::value, "int is not a registry");
static_assert(! ma::router::is_model_registry<std::vector<ma::router::model_description>>::value, "a vector is not a registry");

} // namespace

TEST_CASE("a server may route against its own registry type with its own metadata")
{
    ma::router::basic_model_description<toy_model> d;
    d.model_id = 7;
    d.prefix = "models/practicus";
    d.name = "diamond-price";
    d.versions = {"1"};
    d.metadata = toy_model{{3900.0, 60.0}, -250.0};

    ma::router::basic_model_url_router<serving_registry> router(serving_registry({d}, 1));
    auto const r = router.match("/models/practicus/diamond-price/");
    REQUIRE(r.has_value());
    REQUIRE(r->metadata() != nullptr);
    CHECK(r->metadata()->weights.size() == 2);
    CHECK(r->metadata()->bias == -250.0);
    // The endpoint's snapshot is the server's type: its own state comes along.
    CHECK(r->registry()->generation() == 1);

    router.update([](serving_registry const& current) {
        return serving_registry(current.models(), current.generation() + 1);
    });
    CHECK(router.match("/models/practicus/diamond-price/").value().registry()->generation() == 2);
    CHECK(r->registry()->generation() == 1);
}
