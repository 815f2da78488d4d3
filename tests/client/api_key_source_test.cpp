//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// examples/client/api_key_source.hpp: the client side of personal API keys.
#include "../../examples/client/api_key_source.hpp"

#include <modelauth/http/error.hpp>
#include <modelauth/validation/error.hpp>

#include "support/doctest_result.hpp"

#include <doctest/doctest.h>

#include <openssl/rand.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
namespace ma = modelauth;

namespace {

// A fresh directory under the system's temporary directory, removed with
// everything in it when the test ends.
struct temp_dir
{
    fs::path path;

    temp_dir()
    {
        unsigned char bytes[8];
        REQUIRE(RAND_bytes(bytes, sizeof bytes) == 1);
        std::string name = "modelauth-api-key-test-";
        for(unsigned char b : bytes)
            name += "0123456789abcdef"[b >> 4], name += "0123456789abcdef"[b & 15];
        path = fs::temp_directory_path() / name;
        REQUIRE(fs::create_directory(path));
    }

    ~temp_dir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// A fake environment: getenv reads this map only.
struct fake_env
{
    std::map<std::string, std::string> vars;

    std::function<std::optional<std::string>(char const*)> getenv() const
    {
        return [this](char const* name) -> std::optional<std::string> {
            auto it = vars.find(name);
            if(it == vars.end())
                return std::nullopt;
            return it->second;
        };
    }
};

void write_file(fs::path const& path, std::string const& contents)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << contents;
}

std::string read_file(fs::path const& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

fs::perms mode_of(fs::path const& path)
{
    return fs::status(path).permissions() & fs::perms::mask;
}

std::size_t files_in(fs::path const& dir)
{
    std::size_t n = 0;
    for([[maybe_unused]] auto const& entry : fs::directory_iterator(dir))
        ++n;
    return n;
}

constexpr char const* env_var = "MODELON_IMPACT_CLIENT_API_KEY";

} // namespace

TEST_CASE("the environment variable comes first")
{
    temp_dir dir;
    fake_env env;
    env.vars = {{env_var, "key-from-env"}, {"HOME", dir.path.string()}};
    write_file(dir.path / ".impact" / "api.key", "key-from-file\n");
    client::api_key_source_options options;
    options.getenv = env.getenv();
    auto key = client::find_api_key(options);
    REQUIRE(key);
    CHECK(*key == "key-from-env");

    // Surrounding white space is dropped.
    env.vars[env_var] = "  key-from-env\r\n";
    key = client::find_api_key(options);
    REQUIRE(key);
    CHECK(*key == "key-from-env");
}

TEST_CASE("the environment variable's name is configurable")
{
    fake_env env;
    env.vars = {{env_var, "default-name"}, {"MY_KEY", "my-name"}};
    client::api_key_source_options options;
    options.getenv = env.getenv();
    options.env_var = "MY_KEY";
    options.key_file = fs::path("/nonexistent/modelauth/api.key");
    auto key = client::find_api_key(options);
    REQUIRE(key);
    CHECK(*key == "my-name");

    // No name: the environment is not read at all.
    options.env_var.clear();
    key = client::find_api_key(options);
    REQUIRE(key.has_error());
    CHECK(key.error() == ma::http::error::missing_credentials);
}

TEST_CASE("an empty or blank variable falls through to $HOME/.impact/api.key")
{
    temp_dir dir;
    fake_env env;
    env.vars = {{"HOME", dir.path.string()}};
    write_file(dir.path / ".impact" / "api.key", "  key-from-file \r\nsecond line\n");
    client::api_key_source_options options;
    options.getenv = env.getenv();
    for(char const* value : {"unset", "", " \t\r\n"})
    {
        CAPTURE(value);
        if(std::string(value) != "unset")
            env.vars[env_var] = value;
        auto key = client::find_api_key(options);
        REQUIRE(key);
        CHECK(*key == "key-from-file");
    }
    auto path = client::api_key_file_path(options);
    REQUIRE(path);
    CHECK(*path == dir.path / ".impact" / "api.key");
}

TEST_CASE("a configured key file replaces the default one")
{
    temp_dir dir;
    fake_env env;
    env.vars = {{"HOME", dir.path.string()}};
    write_file(dir.path / ".impact" / "api.key", "default-file\n");
    write_file(dir.path / "elsewhere" / "key.txt", "configured-file");
    client::api_key_source_options options;
    options.getenv = env.getenv();
    options.key_file = dir.path / "elsewhere" / "key.txt";
    auto key = client::find_api_key(options);
    REQUIRE(key);
    CHECK(*key == "configured-file");
}

TEST_CASE("an empty, blank or missing key file counts as no key")
{
    temp_dir dir;
    fake_env env;
    client::api_key_source_options options;
    options.getenv = env.getenv();
    options.key_file = dir.path / "api.key";
    for(char const* contents : {"", "\n", "   \r\n", "\nkey-on-the-second-line\n"})
    {
        CAPTURE(contents);
        write_file(*options.key_file, contents);
        auto key = client::find_api_key(options);
        REQUIRE(key.has_error());
        CHECK(key.error() == ma::http::error::missing_credentials);
    }
    fs::remove(*options.key_file);
    auto key = client::find_api_key(options);
    REQUIRE(key.has_error());
    CHECK(key.error() == ma::http::error::missing_credentials);

    // A directory where the file should be reads as nothing too.
    options.key_file = dir.path;
    key = client::find_api_key(options);
    REQUIRE(key.has_error());
    CHECK(key.error() == ma::http::error::missing_credentials);
}

TEST_CASE("without HOME and a configured file there is no file source")
{
    fake_env env;
    client::api_key_source_options options;
    options.getenv = env.getenv();
    CHECK_FALSE(client::api_key_file_path(options));
    env.vars["HOME"] = "";
    CHECK_FALSE(client::api_key_file_path(options));
    auto key = client::find_api_key(options);
    REQUIRE(key.has_error());
    CHECK(key.error() == ma::http::error::missing_credentials);
}

TEST_CASE("the prompt asks, and the key entered is saved with mode 0600")
{
    temp_dir dir;
    fake_env env;
    env.vars = {{"HOME", dir.path.string()}};
    std::istringstream in("  typed-key \r\nnot read\n");
    std::ostringstream out;
    client::api_key_source_options options;
    options.getenv = env.getenv();
    options.interactive = true;
    options.in = &in;
    options.out = &out;

    auto key = client::find_api_key(options);
    REQUIRE(key);
    CHECK(*key == "typed-key");
    CHECK(out.str() == "Enter API key: ");

    auto const file = dir.path / ".impact" / "api.key";
    CHECK(read_file(file) == "typed-key\n");
    CHECK(mode_of(file) == (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(mode_of(file.parent_path()) == fs::perms::owner_all);
    CHECK(files_in(file.parent_path()) == 1); // no temporary file left behind

    // Next time the file answers and the prompt stays quiet.
    std::ostringstream quiet;
    options.out = &quiet;
    key = client::find_api_key(options);
    REQUIRE(key);
    CHECK(*key == "typed-key");
    CHECK(quiet.str().empty());
}

TEST_CASE("the prompt is used only when enabled, and a blank answer is no key")
{
    temp_dir dir;
    fake_env env;
    env.vars = {{"HOME", dir.path.string()}};
    std::istringstream in("typed-key\n");
    std::ostringstream out;
    client::api_key_source_options options;
    options.getenv = env.getenv();
    options.in = &in;
    options.out = &out;
    auto key = client::find_api_key(options);
    REQUIRE(key.has_error());
    CHECK(key.error() == ma::http::error::missing_credentials);
    CHECK(out.str().empty());

    options.interactive = true;
    for(char const* answer : {"", "\n", "  \t \n", "\ntyped-key\n"})
    {
        CAPTURE(answer);
        std::istringstream blank(answer);
        options.in = &blank;
        key = client::find_api_key(options);
        REQUIRE(key.has_error());
        CHECK(key.error() == ma::http::error::missing_credentials);
    }
    CHECK_FALSE(fs::exists(dir.path / ".impact"));
}

TEST_CASE("a key that cannot be saved is still returned, with a warning")
{
    temp_dir dir;
    write_file(dir.path / "not-a-dir", "a file");
    fake_env env;
    std::istringstream in("typed-key\n");
    std::ostringstream out;
    client::api_key_source_options options;
    options.getenv = env.getenv();
    options.key_file = dir.path / "not-a-dir" / "api.key";
    options.interactive = true;
    options.in = &in;
    options.out = &out;
    auto key = client::find_api_key(options);
    REQUIRE(key);
    CHECK(*key == "typed-key");
    CHECK(out.str().rfind("Enter API key: warning: the API key could not be saved to ", 0) == 0);
    CHECK(out.str().find("typed-key") == std::string::npos);

    // Without HOME there is nowhere to save it.
    std::istringstream again("typed-key\n");
    std::ostringstream said;
    options.key_file.reset();
    options.in = &again;
    options.out = &said;
    key = client::find_api_key(options);
    REQUIRE(key);
    CHECK(*key == "typed-key");
    CHECK(said.str() == "Enter API key: warning: the API key was not saved: HOME is not set\n");
}

TEST_CASE("keys over 4096 bytes are refused from every source")
{
    temp_dir dir;
    std::string const longest(client::max_api_key_bytes, 'k');
    std::string const too_long(client::max_api_key_bytes + 1, 'k');
    fake_env env;
    client::api_key_source_options options;
    options.getenv = env.getenv();
    options.key_file = dir.path / "api.key";

    env.vars[env_var] = longest;
    CHECK(client::find_api_key(options).value() == longest);
    env.vars[env_var] = too_long;
    auto key = client::find_api_key(options);
    REQUIRE(key.has_error());
    CHECK(key.error() == ma::http::error::credential_too_large);
    env.vars.clear();

    write_file(*options.key_file, " " + longest + "\r\n");
    CHECK(client::find_api_key(options).value() == longest);
    write_file(*options.key_file, too_long + "\n");
    key = client::find_api_key(options);
    REQUIRE(key.has_error());
    CHECK(key.error() == ma::http::error::credential_too_large);
    // A line far too long (here with no newline at all) is not read to its end.
    write_file(*options.key_file, std::string(1 << 20, 'k'));
    key = client::find_api_key(options);
    REQUIRE(key.has_error());
    CHECK(key.error() == ma::http::error::credential_too_large);
    fs::remove(*options.key_file);

    options.interactive = true;
    std::ostringstream out;
    options.out = &out;
    std::istringstream in(too_long + "\n");
    options.in = &in;
    key = client::find_api_key(options);
    REQUIRE(key.has_error());
    CHECK(key.error() == ma::http::error::credential_too_large);
    CHECK_FALSE(fs::exists(*options.key_file));
}

TEST_CASE("a key with a byte outside visible ASCII is an error, not skipped")
{
    temp_dir dir;
    fake_env env;
    client::api_key_source_options options;
    options.getenv = env.getenv();
    options.key_file = dir.path / "api.key";
    write_file(*options.key_file, "good-key\n");
    for(char const* value : {"bad key", "bad\nX-Injected: 1", "bad\x7f", "b\u00e4d", "bad\tkey"})
    {
        CAPTURE(value);
        env.vars[env_var] = value;
        auto key = client::find_api_key(options);
        REQUIRE(key.has_error());
        CHECK(key.error() == ma::validation::error::malformed_api_key);
    }
    env.vars.clear();
    write_file(*options.key_file, "bad\x01key\n");
    auto key = client::find_api_key(options);
    REQUIRE(key.has_error());
    CHECK(key.error() == ma::validation::error::malformed_api_key);
}

TEST_CASE("write_api_key_file replaces the file atomically, mode 0600")
{
    temp_dir dir;
    auto const file = dir.path / "deep" / "er" / "api.key";
    REQUIRE(client::write_api_key_file(file, "first-key"));
    CHECK(read_file(file) == "first-key\n");
    CHECK(mode_of(file) == (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(client::read_api_key_file(file).value() == "first-key");

    // An existing file with a looser mode is replaced by a 0600 one.
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read
                              | fs::perms::others_read);
    REQUIRE(client::write_api_key_file(file, "second-key"));
    CHECK(read_file(file) == "second-key\n");
    CHECK(mode_of(file) == (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(files_in(file.parent_path()) == 1);
}

TEST_CASE("write_api_key_file checks the key and reports system errors")
{
    temp_dir dir;
    auto const file = dir.path / "api.key";
    struct row
    {
        std::string key;
        std::error_code expected;
    };
    row const rows[] = {
        {"", ma::http::error::missing_credentials},
        {std::string(client::max_api_key_bytes + 1, 'k'), ma::http::error::credential_too_large},
        {"two\nlines", ma::validation::error::malformed_api_key},
        {" padded", ma::validation::error::malformed_api_key},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.expected.message());
        auto written = client::write_api_key_file(file, r.key);
        REQUIRE(written.has_error());
        CHECK(written.error() == r.expected);
    }
    CHECK(files_in(dir.path) == 0);

    write_file(dir.path / "a-file", "x");
    auto written = client::write_api_key_file(dir.path / "a-file" / "api.key", "key");
    REQUIRE(written.has_error());
    CHECK(written.error() == std::errc::not_a_directory);

    written = client::write_api_key_file(dir.path / "sub" / "", "key");
    REQUIRE(written.has_error());
    CHECK(written.error() == std::errc::is_a_directory);
}
