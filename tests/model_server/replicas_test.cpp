//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The reference server as replicas behind a load balancer (api.md,
// Operations "Replicas"): servers started with the same `issuer` and `redis`
// share users' tokens, revocations and signing keys; a change made through
// one is refused by the others; with Redis down the token routes answer 503
// and JWTs keep working; Redis back, everything resumes with nothing lost.
// A real redis-server per test (support/redis_test_server.hpp). Replicas
// killed with SIGKILL: scripts/bench-replicas --faults (a ctest too).

#include "server.hpp"
#include "test_client.hpp"

#include <modelauth/configuration_error.hpp>
#include <modelauth/tokens/redis_token_store.hpp>

#include "support/redis_test_server.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace modelauth_test::server_client;
using modelauth_test::redis_test_server;
using namespace std::chrono_literals;

std::string const issuer = "http://models.example.com";
std::string const unavailable_body = R"({"error":"storage_failure","error_description":"the change could not be stored"})";

model_server::server_config replica_config(redis_test_server const& redis)
{
    auto config = two_model_config(0);
    config["redis"] = redis.url();
    config["issuer"] = issuer;
    return model_server::parse_config(json::serialize(config));
}

// A replica: a server and a client of it.
struct replica
{
    explicit replica(redis_test_server const& redis)
    {
        model_server::start_options options;
        options.redis.read_block = 100ms;
        options.redis.retry = 50ms;
        options.redis.connect_timeout = 500ms;
        options.redis.command_timeout = 1000ms;
        server.start(replica_config(redis), options);
        http = std::make_unique<client>(server.port());
    }

    ~replica() { server.stop(); }

    modelauth::tokens::RedisTokenStore& store() const
    {
        auto* redis = dynamic_cast<modelauth::tokens::RedisTokenStore*>(&server.service().store());
        REQUIRE(redis != nullptr);
        return *redis;
    }

    // Until this replica has applied every change made anywhere so far.
    void caught_up() const { REQUIRE(store().wait_caught_up(5s)); }

    model_server::server server;
    std::unique_ptr<client> http;
};

// `count` replicas on `redis`.
std::vector<std::unique_ptr<replica>> start_replicas(redis_test_server const& redis, int count)
{
    std::vector<std::unique_ptr<replica>> replicas;
    for(int i = 0; i < count; ++i)
        replicas.push_back(std::make_unique<replica>(redis));
    return replicas;
}

// Every replica has applied every change made so far.
void all_caught_up(std::vector<std::unique_ptr<replica>> const& replicas)
{
    for(auto const& r : replicas)
        r->caught_up();
}

std::string login(client const& c)
{
    return str(c.expect(200, "POST", "/console/api/auth/", {},
        json::object{{"email", "alice@example.com"}, {"password", password}}).at("access"));
}

std::string api_key(std::string const& key)
{
    return "impact-api-key: " + key + "\r\n";
}

} // namespace

TEST_CASE("replicas: three servers on one Redis share keys, tokens and every change, each refused everywhere")
{
    redis_test_server redis;
    auto const replicas = start_replicas(redis, 3);
    auto const& a = *replicas[0]->http;
    auto const& b = *replicas[1]->http;
    auto const& c = *replicas[2]->http;

    // One issuer: the same key set everywhere, so a JWT of one verifies on all.
    auto const jwks = a.call("GET", "/.well-known/jwks.json").body();
    CHECK(b.call("GET", "/.well-known/jwks.json").body() == jwks);
    CHECK(c.call("GET", "/.well-known/jwks.json").body() == jwks);
    auto const access = login(a);
    auto const auth = bearer(access);
    CHECK(b.infer(diamond, auth) == 200);
    CHECK(c.infer(diamond, auth) == 200);

    // A token made through one replica works on the others.
    auto const made = b.expect(201, "POST", instance_tokens, auth, json::object{{"name", "shared"}});
    auto const instance_token = bearer(str(made.at("content")));
    all_caught_up(replicas);
    CHECK(a.infer(diamond, instance_token) == 200);
    CHECK(c.infer(diamond, instance_token) == 200);
    CHECK(c.expect(200, "GET", instance_tokens, auth).at("tokens").as_array().size() == 1);

    // Delete through one: refused by every other.
    a.expect(204, "DELETE", instance_tokens + "/" + str(made.at("id")), auth);
    all_caught_up(replicas);
    CHECK(b.infer(diamond, instance_token) == 401);
    CHECK(c.infer(diamond, instance_token) == 401);

    // Deactivate through one.
    auto const account_token = c.expect(201, "POST", "/api/v1/tokens/", auth, json::object{{"permanent", true}});
    auto const account_key = bearer(str(account_token.at("key")));
    all_caught_up(replicas);
    CHECK(a.infer(diamond, account_key) == 200);
    c.expect(200, "PATCH", "/api/v1/tokens/" + str(account_token.at("id")) + "/", auth,
        json::object{{"is_active", false}});
    all_caught_up(replicas);
    CHECK(a.infer(diamond, account_key) == 401);
    CHECK(b.infer(diamond, account_key) == 401);

    // Regenerate a personal key through one: the old key stops everywhere,
    // and one key per user holds.
    auto const old_key = str(a.expect(200, "POST", "/api/users/me/api-key", auth).at("secret_key"));
    all_caught_up(replicas);
    CHECK(c.infer(diamond, api_key(old_key)) == 200);
    auto const new_key = str(b.expect(200, "POST", "/api/users/me/api-key", auth).at("secret_key"));
    all_caught_up(replicas);
    for(auto const* r : {&a, &b, &c})
    {
        CHECK(r->infer(diamond, api_key(old_key)) == 401);
        CHECK(r->infer(diamond, api_key(new_key)) == 200);
    }

    // Refresh reuse: rotated through one, reused through another: the
    // family is revoked, and its access tokens are refused everywhere.
    auto const first = a.expect(200, "POST", "/console/api/auth/", {},
        json::object{{"email", "alice@example.com"}, {"password", password}});
    auto const spent = str(first.at("refresh"));
    all_caught_up(replicas);
    auto const rotated = b.expect(200, "POST", "/console/api/auth/refresh/", {}, json::object{{"refresh", spent}});
    auto const family_access = bearer(str(rotated.at("access")));
    all_caught_up(replicas);
    CHECK(c.infer(diamond, family_access) == 200);
    CHECK(c.call("POST", "/console/api/auth/refresh/", {}, json::serialize(json::object{{"refresh", spent}}))
              .result_int()
          == 401);
    all_caught_up(replicas);
    CHECK(a.infer(diamond, family_access) == 401);
    CHECK(b.infer(diamond, family_access) == 401);
    CHECK(a.call("POST", "/console/api/auth/refresh/", {},
                 json::serialize(json::object{{"refresh", str(rotated.at("refresh"))}}))
              .result_int()
          == 401);
    // The first login's tokens were not of that family.
    CHECK(b.infer(diamond, auth) == 200);
}

// The kids a replica publishes, signing key first.
std::vector<std::string> kids(client const& c)
{
    std::vector<std::string> out;
    auto const jwks = c.expect(200, "GET", "/.well-known/jwks.json");
    for(auto const& k : jwks.at("keys").as_array())
        out.push_back(str(k.at("kid")));
    return out;
}

TEST_CASE("replicas: a key rotation through one replica reaches every other; rotations racing both take effect")
{
    redis_test_server redis;
    auto const replicas = start_replicas(redis, 3);
    auto const& a = *replicas[0]->http;
    auto const& b = *replicas[1]->http;
    auto const& c = *replicas[2]->http;
    auto const before = bearer(login(a));
    auto const first = kids(a);
    REQUIRE(first.size() == 1);

    REQUIRE(replicas[1]->server.rotate_signing_key());
    all_caught_up(replicas);
    auto const second = kids(b);
    REQUIRE(second.size() == 2);
    CHECK(second[1] == first[0]); // the old key stays published
    CHECK(kids(a) == second);
    CHECK(kids(c) == second);
    // A token signed with the new key (through b) verifies on a and c; one
    // signed before still does.
    auto const after = bearer(login(b));
    CHECK(a.infer(diamond, after) == 200);
    CHECK(c.infer(diamond, after) == 200);
    CHECK(c.infer(diamond, before) == 200);

    // Two replicas rotating at once: one wins, the other loads its keys and
    // rotates again; every replica ends with both new keys.
    modelauth::result<void> from_a, from_c;
    std::thread other([&] { from_a = replicas[0]->server.rotate_signing_key(); });
    from_c = replicas[2]->server.rotate_signing_key();
    other.join();
    CHECK(from_a);
    CHECK(from_c);
    all_caught_up(replicas);
    auto const third = kids(a);
    CHECK(third.size() == 4);
    CHECK(kids(b) == third);
    CHECK(kids(c) == third);
    auto const latest = bearer(login(c));
    CHECK(a.infer(diamond, latest) == 200);
    CHECK(b.infer(diamond, latest) == 200);
}

TEST_CASE("replicas: Redis down, the token routes answer 503 and JWTs and keys keep working; Redis back, nothing lost")
{
    redis_test_server redis;
    auto const replicas = start_replicas(redis, 2);
    auto const& a = *replicas[0]->http;
    auto const& b = *replicas[1]->http;
    auto const auth = bearer(login(a));
    auto const made = a.expect(201, "POST", instance_tokens, auth, json::object{{"name", "before"}});
    auto const instance_token = bearer(str(made.at("content")));
    all_caught_up(replicas);

    redis.kill();
    for(auto const& r : replicas)
        REQUIRE(r->store().wait_healthy(false, 5s));
    for(auto const* r : {&a, &b})
    {
        // Management calls, reads too: 503, nothing done.
        auto const refused = r->call("POST", instance_tokens, auth, R"({"name":"during"})");
        CHECK(refused.result_int() == 503);
        CHECK(refused.body() == unavailable_body);
        CHECK(r->call("GET", instance_tokens, auth).result_int() == 503);
        CHECK(r->call("POST", "/console/api/auth/", {},
                      json::serialize(json::object{{"email", "alice@example.com"}, {"password", password}}))
                  .result_int()
              == 503);
        auto const health = r->call("GET", "/healthz");
        CHECK(health.result_int() == 503);
        CHECK(health.body() == R"({"status":"failing","store":"storage_failure"})");
        // The request path goes on from the mirror: JWTs, opaque keys, the key set.
        CHECK(r->infer(diamond, auth) == 200);
        CHECK(r->infer(diamond, instance_token) == 200);
        CHECK(r->call("GET", "/.well-known/jwks.json").result_int() == 200);
    }

    redis.start();
    for(auto const& r : replicas)
        REQUIRE(r->store().wait_healthy(true, 5s));
    CHECK(b.call("GET", "/healthz").result_int() == 200);
    auto const listed = b.expect(200, "GET", instance_tokens, auth).at("tokens").as_array();
    REQUIRE(listed.size() == 1); // the one made before, not the refused one
    CHECK(listed[0].at("name") == "before");
    auto const after = b.expect(201, "POST", instance_tokens, auth, json::object{{"name", "after"}});
    all_caught_up(replicas);
    CHECK(a.infer(diamond, bearer(str(after.at("content")))) == 200);
    a.expect(204, "DELETE", instance_tokens + "/" + str(made.at("id")), auth);
    all_caught_up(replicas);
    CHECK(b.infer(diamond, instance_token) == 401);
}

TEST_CASE("replicas: redis is not combined with state_dir, and a Redis that cannot be reached fails the start naming redis")
{
    auto config = two_model_config(0);
    config["redis"] = "redis://127.0.0.1:1/0";
    config["state_dir"] = "/tmp/modelauth-replicas-unused";
    CHECK_THROWS_WITH_AS(static_cast<void>(model_server::parse_config(json::serialize(config))),
        "redis: cannot be used with state_dir: the tokens and keys of replicas live in Redis",
        modelauth::configuration_error);

    config.erase("state_dir");
    model_server::server server;
    model_server::start_options options;
    options.redis.connect_timeout = 200ms;
    CHECK_THROWS_WITH_AS(server.start(model_server::parse_config(json::serialize(config)), options),
        "redis: the token store cannot be opened: redis: cannot connect to 127.0.0.1:1: Connection refused",
        modelauth::configuration_error);
}
