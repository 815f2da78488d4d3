//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/config/jwks_files.hpp>

#include "config/config_test_support.hpp"
#include "support/temporary_directory.hpp"

#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace cfg = modelauth::config;
namespace jose = modelauth::jose;
using config_test::fault;
using config_test::fault_of;

namespace {

std::vector<modelauth::validation::trusted_issuer> issuers_with(std::string const& source_member)
{
    auto const doc = cfg::parse_document(
        R"([{"issuer": "i", "audiences": ["a"], "algorithms": ["ES256"], )" + source_member + "}]");
    return cfg::trusted_issuers_from_json(cfg::json_reader(doc, "trusted_issuers"), cfg::load_jwks_files);
}

fault source_fault(std::string const& source_member)
{
    return fault_of([&] { (void)issuers_with(source_member); });
}

} // namespace

TEST_CASE("load_jwks_files reads jwks_file paths and file:// jwks_uri URLs")
{
    modelauth_test::temporary_directory const dir("config-jwks");
    std::filesystem::create_directories(dir.path / "with space");
    auto const file = dir.path / "with space" / "jwks.json";
    std::ofstream(file) << boost::json::serialize(
        jose::key_set::from_keys({jose::key::generate(jose::algorithm::es256, "f1").value()}).value().to_public_jwks());

    CHECK(issuers_with(R"("jwks_file": ")" + file.string() + "\"")[0].keys.find("f1"));
    std::string encoded = file.string();
    encoded.replace(encoded.find(' '), 1, "%20");
    CHECK(issuers_with(R"("jwks_uri": "file://)" + encoded + "\"")[0].keys.find("f1"));
    CHECK(issuers_with(R"("jwks_uri": "FILE://localhost)" + encoded + "\"")[0].keys.find("f1"));

    CHECK(source_fault(R"("jwks_file": ")" + (dir.path / "none.json").string() + "\"")
        == fault{"trusted_issuers[0].jwks_file",
            "does not load: " + jose::make_error_code(jose::key_error::invalid_jwks).message()});
}

TEST_CASE("a jwks_uri must name a local file")
{
    struct row
    {
        char const* id;
        char const* uri;
        char const* problem;
    };
    row const rows[] = {
        {"C89", "https://idp.example.com/jwks",
            "must be a file:// URL: this server never fetches keys over the network; save the issuer's JWKS to a "
            "file and give its path in jwks_file or as file:///path"},
        {"C90", "file://idp.example.com/jwks", "names a remote host: only local files (file:///path) are read"},
        {"C91", "file:///a%2", "has a bad percent-escape (each % needs two hex digits, and %00 is refused)"},
        {"C91b", "file:///a%00", "has a bad percent-escape (each % needs two hex digits, and %00 is refused)"},
        {"C91c", "file://host", "must name an absolute path: file:///path"},
        {"C91d", "file:///a?b", "must not have a query or a fragment"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.id);
        CHECK(source_fault(std::string(R"("jwks_uri": ")") + r.uri + "\"")
            == fault{"trusted_issuers[0].jwks_uri", r.problem});
    }
}
