//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The reference server with a state directory: what it issued before a
// restart still works after it (the issuer's key and the token journal are
// persisted), and what was deleted, deactivated or revoked stays refused.

#include "server.hpp"
#include "test_client.hpp"

#include <modelauth/configuration_error.hpp>
#include <modelauth/jose/base64url.hpp>
#include <modelauth/tokens/password.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/rand.h>

#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

namespace {

using namespace modelauth_test::server_client;

// A fresh directory under the system's temporary directory, removed at the end.
struct temporary_directory
{
    std::filesystem::path path;

    temporary_directory()
    {
        unsigned char random[8];
        REQUIRE(RAND_bytes(random, sizeof random) == 1);
        std::string name = "model_server_restart_";
        for(unsigned char b : random)
        {
            name += "0123456789abcdef"[b >> 4];
            name += "0123456789abcdef"[b & 15];
        }
        path = std::filesystem::temp_directory_path() / name;
    }

    ~temporary_directory()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

// The shared config, with its state in `state_dir`.
model_server::server_config restart_config(std::filesystem::path const& state_dir, unsigned short port,
    std::optional<std::string> const& issuer = std::nullopt)
{
    auto config = two_model_config(port);
    config["state_dir"] = state_dir.string();
    if(issuer)
        config["issuer"] = *issuer;
    return model_server::parse_config(json::serialize(config));
}

// What the first run issued, for the second to check.
struct issued
{
    std::string kid;
    std::string access;      // from a refresh, so in the family of `refresh`
    std::string spent_refresh;
    std::string refresh;
    std::string session;
    std::string instance_token;
    std::string deleted_instance_token;
    std::string personal_key;
    std::string replaced_personal_key;
    std::string permanent_token;
    std::string temporary_token;
    std::string inactive_token;
    std::string deleted_token;
};

issued issue_everything(client const& c)
{
    issued out;
    out.kid = str(c.expect(200, "GET", "/.well-known/jwks.json").at("keys").as_array().at(0).at("kid"));

    auto const login = c.expect(200, "POST", "/console/api/auth/", {},
        json::object{{"email", "alice@example.com"}, {"password", password}});
    out.spent_refresh = str(login.at("refresh"));
    auto const pair = c.expect(200, "POST", "/console/api/auth/refresh/", {},
        json::object{{"refresh", out.spent_refresh}});
    out.access = str(pair.at("access"));
    out.refresh = str(pair.at("refresh"));
    auto const auth = bearer(out.access);

    out.session = str(c.expect(200, "GET", "/console/api/modelhost/model-auth/?model_id=1", auth).at("token"));

    out.instance_token = str(c.expect(201, "POST", instance_tokens, auth, json::object{{"name", "kept"}}).at("content"));
    auto const doomed = c.expect(201, "POST", instance_tokens, auth, json::object{{"name", "deleted"}});
    out.deleted_instance_token = str(doomed.at("content"));
    c.expect(204, "DELETE", instance_tokens + "/" + str(doomed.at("id")), auth);

    out.replaced_personal_key = str(c.expect(200, "POST", "/api/users/me/api-key", auth).at("secret_key"));
    out.personal_key = str(c.expect(200, "POST", "/api/users/me/api-key", auth).at("secret_key"));

    auto const make = [&](bool permanent) {
        return c.expect(201, "POST", "/api/v1/tokens/", auth, json::object{{"permanent", permanent}});
    };
    out.permanent_token = str(make(true).at("key"));
    out.temporary_token = str(make(false).at("key"));
    auto const inactive = make(true);
    out.inactive_token = str(inactive.at("key"));
    c.expect(200, "PATCH", "/api/v1/tokens/" + str(inactive.at("id")) + "/", auth, json::object{{"is_active", false}});
    auto const deleted = make(false);
    out.deleted_token = str(deleted.at("key"));
    c.expect(204, "DELETE", "/api/v1/tokens/" + str(deleted.at("id")) + "/", auth);
    return out;
}

} // namespace

TEST_CASE("server restart: tokens, deletions, deactivations and revocations survive on the same state_dir")
{
    temporary_directory dir;
    issued before;
    unsigned short port = 0;
    {
        model_server::server first;
        first.start(restart_config(dir.path, 0));
        port = first.port();
        client const c(port);
        before = issue_everything(c);
        // Everything works before the restart.
        CHECK(c.infer(diamond, bearer(before.access)) == 200);
        CHECK(c.infer(diamond, bearer(before.deleted_token)) == 401);
        first.stop();
    }
    // The issuer's private key is kept for the owner only.
    auto const key_file = dir.path / std::string(modelauth::config::issuer_key_file_name);
    REQUIRE(std::filesystem::exists(key_file));
    CHECK((std::filesystem::status(key_file).permissions()
              & (std::filesystem::perms::group_all | std::filesystem::perms::others_all))
        == std::filesystem::perms::none);

    {
        // Port 0 again: whatever port is bound, the issuer's name is the
        // config's (`listen` as written).
        model_server::server second;
        second.start(restart_config(dir.path, 0));
        client const c(second.port());

        // The issuer's key was kept: the same kid, and the JWTs issued before verify.
        CHECK(str(c.expect(200, "GET", "/.well-known/jwks.json").at("keys").as_array().at(0).at("kid")) == before.kid);
        CHECK(c.call("GET", "/console/api/modelhost/models/", bearer(before.access)).result_int() == 200);
        CHECK(c.infer(diamond, bearer(before.access)) == 200);
        CHECK(c.infer(diamond, bearer(before.session)) == 200);
        CHECK(c.infer(churn, bearer(before.session)) == 403);

        // The managed tokens were kept, with their state.
        CHECK(c.infer(diamond, bearer(before.instance_token)) == 200);
        CHECK(c.infer(diamond, bearer(before.deleted_instance_token)) == 401);
        CHECK(c.infer(churn, "impact-api-key: " + before.personal_key + "\r\n") == 200);
        CHECK(c.infer(churn, "impact-api-key: " + before.replaced_personal_key + "\r\n") == 401);
        CHECK(c.infer(diamond, bearer(before.permanent_token)) == 200);
        CHECK(c.infer(diamond, bearer(before.temporary_token)) == 200);
        CHECK(c.infer(diamond, bearer(before.inactive_token)) == 401);
        CHECK(c.infer(diamond, bearer(before.deleted_token)) == 401);

        // The refresh family was kept: the current token rotates, the spent
        // one is a reuse that revokes the family, access tokens included.
        auto const rotated = c.expect(200, "POST", "/console/api/auth/refresh/", {},
            json::object{{"refresh", before.refresh}});
        CHECK(c.call("POST", "/console/api/auth/refresh/", {},
                   json::serialize(json::object{{"refresh", before.spent_refresh}}))
                  .result_int()
            == 401);
        CHECK(c.infer(diamond, bearer(before.access)) == 401);
        CHECK(c.infer(diamond, bearer(str(rotated.at("access")))) == 401);
        second.stop();
    }
    {
        // The revocations themselves were kept.
        model_server::server third;
        third.start(restart_config(dir.path, 0));
        client const c(third.port());
        CHECK(c.infer(diamond, bearer(before.access)) == 401);
        CHECK(c.infer(diamond, bearer(before.permanent_token)) == 200);
    }
}

TEST_CASE("server restart: a state_dir in use by a running server is refused, naming state_dir")
{
    temporary_directory dir;
    model_server::server running;
    running.start(restart_config(dir.path, 0));
    model_server::server second;
    try
    {
        second.start(restart_config(dir.path, 0));
        FAIL("the second server started");
    }
    catch(modelauth::configuration_error const& e)
    {
        CHECK(e.field() == "state_dir");
    }
}

// contract: the server's own tokens are named (`iss`, `aud`) by the config's
// `issuer`, or by `listen` as written: never by the port bound, which port 0
// (or a second replica behind one address) changes at every start.
TEST_CASE("contract: issuer: after a restart on port 0 with the same state_dir, an access token from before still works")
{
    temporary_directory dir;
    std::string access;
    unsigned short first_port = 0;
    {
        model_server::server first;
        first.start(restart_config(dir.path, 0));
        first_port = first.port();
        CHECK(first.issuer() == "http://127.0.0.1:0");
        client const c(first.port());
        access = str(c.expect(200, "POST", "/console/api/auth/", {},
            json::object{{"email", "alice@example.com"}, {"password", password}}).at("access"));
        auto const discovery = c.expect(200, "GET", "/.well-known/openid-configuration");
        CHECK(str(discovery.at("issuer")) == "http://127.0.0.1:0");
        CHECK(str(discovery.at("jwks_uri")) == "http://127.0.0.1:0/.well-known/jwks.json");
    }
    model_server::server second;
    second.start(restart_config(dir.path, 0));
    CHECK(second.issuer() == "http://127.0.0.1:0");
    CHECK(second.base_url() == "http://127.0.0.1:" + std::to_string(second.port()));
    client const c(second.port());
    CAPTURE(first_port);
    CAPTURE(second.port());
    CHECK(c.call("GET", "/console/api/modelhost/models/", bearer(access)).result_int() == 200);
    CHECK(c.infer(diamond, bearer(access)) == 200);
}

TEST_CASE("contract: issuer: a configured issuer names the tokens' iss and aud and the discovery links")
{
    temporary_directory dir;
    std::string const issuer = "https://models.example.test";
    std::string access;
    {
        model_server::server first;
        first.start(restart_config(dir.path, 0, issuer));
        CHECK(first.issuer() == issuer);
        client const c(first.port());
        access = str(c.expect(200, "POST", "/console/api/auth/", {},
            json::object{{"email", "alice@example.com"}, {"password", password}}).at("access"));
        auto const payload = access.substr(access.find('.') + 1, access.rfind('.') - access.find('.') - 1);
        auto const claims = json::parse(modelauth::jose::base64url_decode(payload).value()).as_object();
        CHECK(str(claims.at("iss")) == issuer);
        auto const& aud = claims.at("aud");
        CHECK((aud.is_string() ? str(aud) : str(aud.as_array().at(0))) == issuer);
        auto const discovery = c.expect(200, "GET", "/.well-known/openid-configuration");
        CHECK(str(discovery.at("issuer")) == issuer);
        CHECK(str(discovery.at("jwks_uri")) == issuer + "/.well-known/jwks.json");
    }
    {
        // A replica started with the same issuer (and keys) accepts it...
        model_server::server second;
        second.start(restart_config(dir.path, 0, issuer));
        CHECK(client(second.port()).infer(diamond, bearer(access)) == 200);
    }
    // ...one named otherwise does not: the name, not the address, decides.
    model_server::server third;
    third.start(restart_config(dir.path, 0, std::string("https://other.example.test")));
    CHECK(client(third.port()).infer(diamond, bearer(access)) == 401);
}

TEST_CASE("F9 server: /healthz answers 503 failing while the journal cannot make changes durable, and revocations still work")
{
    temporary_directory dir;
    std::atomic<int> failing{0};
    model_server::start_options options;
    options.journal.inject_failure = [&](std::string_view operation) {
        return operation == "fsync" ? failing.load() : 0;
    };
    model_server::server running;
    running.start(restart_config(dir.path, 0), options);
    client const c(running.port());
    auto const health = c.call("GET", "/healthz");
    CHECK(health.result_int() == 200);
    CHECK(health.body() == R"({"status":"ok"})");
    auto const login = c.expect(200, "POST", "/console/api/auth/", {},
        json::object{{"email", "alice@example.com"}, {"password", password}});
    auto const auth = bearer(str(login.at("access")));
    auto const created = c.expect(201, "POST", instance_tokens, auth, json::object{{"name", "stolen"}});
    auto const stolen = str(created.at("content"));
    CHECK(c.infer(diamond, bearer(stolen)) == 200);

    failing = EIO;
    CHECK(c.call("POST", instance_tokens, auth, R"({"name":"refused"})").result_int() == 503);
    failing = 0;
    auto const failing_health = c.call("GET", "/healthz");
    CHECK(failing_health.result_int() == 503);
    CHECK(failing_health.body() == R"({"status":"failing","store":"storage_failure"})");
    // The stolen token is deleted: not durable (503), but it stops working at once.
    CHECK(c.call("DELETE", instance_tokens + "/" + str(created.at("id")), auth).result_int() == 503);
    CHECK(c.infer(diamond, bearer(stolen)) == 401);

    // The maintenance pass rewrites the journal from memory: healthy again, and the deletion is durable.
    running.maintain();
    CHECK(c.call("GET", "/healthz").result_int() == 200);
    running.stop();
    model_server::server restarted;
    restarted.start(restart_config(dir.path, 0));
    CHECK(client(restarted.port()).infer(diamond, bearer(stolen)) == 401);
}

TEST_CASE("F8 server: a state_dir that group or others may write is refused, naming state_dir")
{
    temporary_directory dir;
    std::filesystem::create_directory(dir.path);
    std::filesystem::permissions(dir.path, std::filesystem::perms::owner_all | std::filesystem::perms::others_all);
    model_server::server server;
    try
    {
        server.start(restart_config(dir.path, 0));
        FAIL("the server started");
    }
    catch(modelauth::configuration_error const& e)
    {
        CHECK(e.field() == "state_dir");
        CHECK(std::string(e.what()).find("group or others may write it") != std::string::npos);
    }
    CHECK_FALSE(std::filesystem::exists(dir.path / "issuer_keys.json"));
}

TEST_CASE("F5 server restart: a user narrowed or removed in the config loses what the old grants gave")
{
    temporary_directory dir;
    issued before;
    {
        model_server::server first;
        first.start(restart_config(dir.path, 0));
        before = issue_everything(client(first.port()));
        first.stop();
    }
    {
        // alice may only read now and no longer manages the instance.
        auto narrowed = restart_config(dir.path, 0);
        narrowed.directory.users[0].scopes = {"models:read"};
        narrowed.directory.users[0].instances.clear();
        model_server::server second;
        second.start(narrowed);
        client const c(second.port());
        auto const key = "impact-api-key: " + before.personal_key + "\r\n";
        CHECK(c.infer(churn, key) == 403); // the key lost models:infer...
        CHECK(c.call("GET", churn + "?get_meta=true", key).result_int() == 200); // ...and kept models:read
        CHECK(c.infer(diamond, bearer(before.permanent_token)) == 403);
        CHECK(c.infer(diamond, bearer(before.instance_token)) == 401); // the instance is no longer hers
        second.stop();
    }
    {
        // alice is gone: everything she minted is refused, her session too.
        auto removed = restart_config(dir.path, 0);
        removed.directory.users.clear();
        model_server::server third;
        third.start(removed);
        client const c(third.port());
        CHECK(c.call("GET", churn + "?get_meta=true", "impact-api-key: " + before.personal_key + "\r\n").result_int()
              == 401);
        CHECK(c.call("GET", diamond + "?get_meta=true", bearer(before.permanent_token)).result_int() == 401);
        CHECK(c.call("GET", diamond + "?get_meta=true", bearer(before.temporary_token)).result_int() == 401);
        CHECK(c.call("GET", diamond + "?get_meta=true", bearer(before.access)).result_int() == 401);
        CHECK(c.call("GET", diamond + "?get_meta=true", bearer(before.session)).result_int() == 401);
        CHECK(c.call("POST", "/console/api/auth/refresh/", {}, json::serialize(json::object{{"refresh", before.refresh}}))
                  .result_int()
              == 401);
    }
}
