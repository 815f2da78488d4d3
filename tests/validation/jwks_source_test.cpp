//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// basic_jwks_source against a real HTTPS identity provider on 127.0.0.1
// (support/https_test_server.hpp), with a CA and a certificate made at test
// time. Time for the rate limit comes from a manual clock; the tests wait
// only for fetches to end (a condition variable told by `on_fetch`), never
// for time to pass.

#include <modelauth/validation/jwks_source.hpp>

#include <modelauth/clock.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/jose/base64url.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/jose/jws.hpp>
#include <modelauth/jose/key.hpp>
#include <modelauth/validation/token_validator.hpp>

#include "support/doctest_result.hpp"
#include "support/https_test_server.hpp"
#include "support/temporary_directory.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace ma = modelauth;
namespace jose = modelauth::jose;
namespace v = modelauth::validation;
using namespace std::chrono_literals;
using modelauth_test::canned_response;
using modelauth_test::https_test_server;
using modelauth_test::test_pki;

using validator_type = v::basic_token_validator<ma::manual_clock_ref>;
using source_type = v::basic_jwks_source<ma::manual_clock_ref>;

// The fetches that ended, as `on_fetch` tells them.
class fetch_log
{
public:
    std::function<void(std::string const&, std::error_code)> observer()
    {
        return [this](std::string const&, std::error_code ec) {
            std::lock_guard<std::mutex> lock(mutex_);
            outcomes_.push_back(ec);
            changed_.notify_all();
        };
    }

    // Waits until `n` fetches ended (a failure after 20 s: a fetch has its own deadlines).
    std::error_code wait_for(std::size_t n)
    {
        std::unique_lock<std::mutex> lock(mutex_);
        bool const done = changed_.wait_for(lock, 20s, [&] { return outcomes_.size() >= n; });
        REQUIRE_MESSAGE(done, "fetch " << n << " never ended");
        return outcomes_[n - 1];
    }

    std::size_t count()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return outcomes_.size();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::error_code> outcomes_;
};

std::string jwks_of(std::vector<jose::key> const& keys)
{
    boost::json::array entries;
    for(auto const& k : keys)
        entries.push_back(k.public_jwk());
    return boost::json::serialize(boost::json::object{{"keys", std::move(entries)}});
}

canned_response json_response(std::string body, std::vector<std::pair<std::string, std::string>> headers = {})
{
    canned_response r;
    r.body = std::move(body);
    r.headers = std::move(headers);
    r.headers.emplace_back("Content-Type", "application/json");
    return r;
}

// A port on 127.0.0.1 where nothing listens.
unsigned short closed_port()
{
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

// One provider, one validator, one source: what every test starts from.
struct fixture
{
    fixture() : fixture(test_pki::make({"localhost"}, {"127.0.0.1"})) {}

    explicit fixture(test_pki p)
        : pki(std::move(p))
        , server(pki)
        , key_a(jose::key::generate(jose::algorithm::es256, "key-a").value())
        , key_b(jose::key::generate(jose::algorithm::es256, "key-b").value())
    {
        std::filesystem::create_directories(dir.path);
        pki.write_ca(ca_file());
        server.set("/jwks", json_response(jwks_of({key_a})));
    }

    std::string ca_file() const { return (dir.path / "ca.pem").string(); }
    std::string issuer() const { return server.base_url("localhost"); }

    v::remote_key_source remote(std::string jwks_uri = {}) const
    {
        v::remote_key_source s;
        s.issuer = issuer();
        s.jwks_uri = jwks_uri.empty() ? issuer() + "/jwks" : jwks_uri;
        s.ca_file = ca_file();
        s.min_refresh = 5s;
        return s;
    }

    // The validator trusts `issuer()` with remote keys; the source is attached and started.
    void start(v::remote_key_source s, v::jwks_source_options options = {})
    {
        validator = std::make_shared<validator_type>(
            std::vector<v::trusted_issuer>{v::trusted_issuer::named(issuer()).audience("models").remote_keys()},
            v::token_validator_options{}, nullptr, ma::manual_clock_ref(clock));
        options.on_fetch = log.observer();
        source = std::make_unique<source_type>(std::vector<v::remote_key_source>{std::move(s)}, std::move(options),
                                               ma::manual_clock_ref(clock));
        source->attach(validator);
        source->start();
    }

    std::string token(jose::key const& k, std::string const& kid) const
    {
        auto const now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
        boost::json::object claims{{"iss", issuer()}, {"aud", "models"}, {"sub", "alice"}, {"exp", now + 600}};
        return jose::sign_compact_jws(boost::json::serialize(claims), k, "JWT", std::string_view(kid)).value();
    }

    ma::result<v::principal_ptr> check(jose::key const& k) const { return validator->validate(token(k, std::string(k.kid()))); }

    modelauth_test::temporary_directory dir;
    test_pki pki;
    https_test_server server;
    jose::key key_a;
    jose::key key_b;
    ma::manual_clock clock;
    fetch_log log;
    std::shared_ptr<validator_type> validator;
    std::unique_ptr<source_type> source;
};

} // namespace

TEST_CASE("jwks_source fetches an issuer's keys over HTTPS, verified against its CA, and tokens verify")
{
    fixture f;
    f.start(f.remote());
    CHECK(f.log.wait_for(1) == std::error_code());
    REQUIRE(f.check(f.key_a));
    CHECK((*f.check(f.key_a))->subject == "alice");
    CHECK(f.server.hits("/jwks") == 1);
    CHECK(f.server.last_sni() == "localhost"); // SNI sent for a host name
    CHECK(f.server.last_host() == "localhost:" + std::to_string(f.server.port()));
    auto const st = f.source->status().at(0);
    CHECK(st.issuer == f.issuer());
    CHECK(st.jwks_uri == f.issuer() + "/jwks");
    CHECK(st.keys == 1);
    CHECK(st.last_success == f.clock.now());
    CHECK(! st.last_error);
    CHECK(st.fetches[0] == 1);
    CHECK(f.source->issuers_without_keys().empty());
}

TEST_CASE("jwks_source: key rotation is picked up through an unknown kid, and a removed key is refused after")
{
    fixture f;
    f.start(f.remote());
    REQUIRE(f.log.wait_for(1) == std::error_code());
    REQUIRE(f.check(f.key_a));

    // The provider rotates: key-b only.
    f.server.set("/jwks", json_response(jwks_of({f.key_b})));
    // Within min_refresh of the first fetch, key-b is unknown and asks nothing.
    CHECK(f.check(f.key_b).error() == jose::error::unknown_key);
    CHECK(f.log.count() == 1);
    // Later, the unknown kid asks for one fetch; this request is refused at
    // once all the same (a request never waits on the network).
    f.clock.advance(5s);
    CHECK(f.check(f.key_b).error() == jose::error::unknown_key);
    CHECK(f.log.wait_for(2) == std::error_code());
    CHECK(f.server.hits("/jwks") == 2);
    REQUIRE(f.check(f.key_b));
    // key-a, verified and cached before, is refused now that it is gone.
    CHECK(f.check(f.key_a).error() == jose::error::unknown_key);
    CHECK(f.source->status().at(0).keys == 1);
}

TEST_CASE("jwks_source: a flood of forged kids asks for one fetch per min_refresh, no more")
{
    fixture f;
    f.start(f.remote());
    REQUIRE(f.log.wait_for(1) == std::error_code());
    f.clock.advance(5s);

    // Two threads, 500 distinct tokens each, every one naming a kid the
    // provider never had (signed by an attacker's key).
    auto const attacker = jose::key::generate(jose::algorithm::es256, "x").value();
    std::vector<std::thread> threads;
    for(int t = 0; t < 2; ++t)
        threads.emplace_back([&, t] {
            for(int i = 0; i < 500; ++i)
            {
                auto const forged = f.token(attacker, "forged-" + std::to_string(t) + "-" + std::to_string(i));
                CHECK(f.validator->validate(forged).error() == jose::error::unknown_key);
            }
        });
    for(auto& t : threads)
        t.join();
    REQUIRE(f.log.wait_for(2) == std::error_code());
    CHECK(f.server.hits("/jwks") == 2);

    // Still within min_refresh of that fetch: nothing more.
    for(int i = 0; i < 100; ++i)
        CHECK(f.validator->validate(f.token(attacker, "again-" + std::to_string(i))).error() == jose::error::unknown_key);
    CHECK(f.source->request_refresh(f.issuer()) == false);
    CHECK(f.server.hits("/jwks") == 2);

    // One min_refresh later, one more.
    f.clock.advance(5s);
    CHECK(f.validator->validate(f.token(attacker, "later")).error() == jose::error::unknown_key);
    CHECK(f.log.wait_for(3) == std::error_code());
    CHECK(f.server.hits("/jwks") == 3);
    CHECK(f.source->request_refresh("https://unknown.example.com") == false);
}

TEST_CASE("jwks_source: while the provider fails, the last good keys stay in force")
{
    fixture f;
    v::jwks_source_options options;
    options.request_timeout = 300ms;
    f.start(f.remote(), options);
    REQUIRE(f.log.wait_for(1) == std::error_code());
    REQUIRE(f.check(f.key_a));

    struct failure
    {
        char const* name;
        canned_response response;
        v::fetch_error expected;
    };
    canned_response server_error;
    server_error.status = 500;
    server_error.body = "oops";
    canned_response redirect;
    redirect.status = 302;
    redirect.headers = {{"Location", "https://evil.example.com/jwks"}};
    canned_response hang;
    hang.hang = true;
    std::vector<failure> failures{
        {"500", server_error, v::fetch_error::bad_status},
        {"redirect", redirect, v::fetch_error::redirect_refused},
        {"garbage", json_response("<html>not json</html>"), v::fetch_error::invalid_jwks},
        {"empty set", json_response(R"({"keys":[]})"), v::fetch_error::no_usable_keys},
        {"secret", json_response(R"({"keys":[{"kty":"oct","alg":"HS256","kid":"s","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}]})"),
         v::fetch_error::secret_in_jwks},
        {"oversized", json_response(std::string(2 * 1024 * 1024, ' ') + jwks_of({f.key_b})), v::fetch_error::body_too_large},
        {"slow", hang, v::fetch_error::timeout},
    };
    std::size_t n = 1;
    for(auto const& c : failures)
    {
        CAPTURE(c.name);
        f.server.set("/jwks", c.response);
        f.clock.advance(5s);
        REQUIRE(f.source->request_refresh(f.issuer()));
        if(c.response.hang)
        {
            // The fetch is in flight, hanging: requests are answered all the same.
            auto const before = std::chrono::steady_clock::now();
            CHECK(f.check(f.key_a));
            CHECK(std::chrono::steady_clock::now() - before < 250ms);
        }
        CHECK(f.log.wait_for(++n) == make_error_code(c.expected));
        CHECK(f.check(f.key_a));
        CHECK(f.check(f.key_b).error() == jose::error::unknown_key);
        auto const st = f.source->status().at(0);
        CHECK(st.keys == 1);
        CHECK(st.last_error == make_error_code(c.expected));
        CHECK(st.fetches[static_cast<std::size_t>(c.expected)] == 1);
        CHECK(f.source->issuers_without_keys().empty());
    }
    // The provider recovers.
    f.server.set("/jwks", json_response(jwks_of({f.key_a, f.key_b})));
    f.clock.advance(5s);
    REQUIRE(f.source->request_refresh(f.issuer()));
    CHECK(f.log.wait_for(++n) == std::error_code());
    CHECK(f.check(f.key_b));
    CHECK(f.source->status().at(0).keys == 2);
    CHECK(! f.source->status().at(0).last_error);
}

TEST_CASE("jwks_source: a provider down from the start leaves the issuer without keys, its tokens refused")
{
    fixture f;
    f.start(f.remote("https://localhost:" + std::to_string(closed_port()) + "/jwks"));
    CHECK(f.log.wait_for(1) == make_error_code(v::fetch_error::unreachable));
    CHECK(f.check(f.key_a).error() == jose::error::unknown_key);
    CHECK(f.source->issuers_without_keys() == std::vector<std::string>{f.issuer()});
    CHECK(f.source->status().at(0).keys == 0);
    CHECK(! f.source->status().at(0).last_success);
}

TEST_CASE("jwks_source: a failed first fetch is retried on its own, with backoff")
{
    fixture f;
    canned_response unavailable;
    unavailable.status = 503;
    f.server.set("/jwks", unavailable);
    auto s = f.remote();
    s.min_refresh = 1s; // the first retry comes after 0.5 to 1 s
    f.start(s);
    CHECK(f.log.wait_for(1) == make_error_code(v::fetch_error::bad_status));
    f.server.set("/jwks", json_response(jwks_of({f.key_a})));
    CHECK(f.log.wait_for(2) == std::error_code());
    CHECK(f.check(f.key_a));
}

TEST_CASE("jwks_source: the provider's Cache-Control max-age schedules the next fetch")
{
    fixture f;
    f.server.set("/jwks", json_response(jwks_of({f.key_a}), {{"Cache-Control", "public, max-age=1"}}));
    auto s = f.remote();
    s.min_refresh = 1s; // refresh stays 300 s: only max-age can bring the next fetch this soon
    f.start(s);
    CHECK(f.log.wait_for(1) == std::error_code());
    f.server.set("/jwks", json_response(jwks_of({f.key_b}), {{"Cache-Control", "max-age=600"}}));
    CHECK(f.log.wait_for(2) == std::error_code()); // about a second later, nobody asking
    CHECK(f.server.hits("/jwks") == 2);
    CHECK(f.check(f.key_b));
}

TEST_CASE("jwks_source: a certificate for another host name is refused")
{
    fixture f(test_pki::make({"idp.example.com"}, {}));
    f.start(f.remote());
    CHECK(f.log.wait_for(1) == make_error_code(v::fetch_error::tls_failure));
    CHECK(f.server.hits("/jwks") == 0);
    CHECK(f.check(f.key_a).error() == jose::error::unknown_key);
    CHECK(f.source->issuers_without_keys().size() == 1);
}

TEST_CASE("jwks_source: a certificate from an unknown CA is refused, with a CA file or the system's CAs")
{
    fixture f;
    auto const other = test_pki::make({"localhost"}, {"127.0.0.1"});
    other.write_ca(f.dir.path / "other.pem");
    auto s = f.remote();
    s.ca_file = (f.dir.path / "other.pem").string();
    f.start(s);
    CHECK(f.log.wait_for(1) == make_error_code(v::fetch_error::tls_failure));
    CHECK(f.server.hits("/jwks") == 0);

    fixture g;
    auto system = g.remote();
    system.ca_file.clear();
    g.start(system);
    CHECK(g.log.wait_for(1) == make_error_code(v::fetch_error::tls_failure));
    CHECK(g.server.hits("/jwks") == 0);
}

TEST_CASE("jwks_source: an IP address URL is checked against the certificate's IP addresses, no SNI")
{
    fixture f;
    f.start(f.remote("https://127.0.0.1:" + std::to_string(f.server.port()) + "/jwks"));
    CHECK(f.log.wait_for(1) == std::error_code());
    CHECK(f.server.last_sni() == "");
    CHECK(f.check(f.key_a));
}

TEST_CASE("jwks_source: OIDC discovery finds jwks_uri in the issuer's discovery document")
{
    fixture f;
    f.server.set("/.well-known/openid-configuration",
                 json_response(boost::json::serialize(boost::json::object{
                     {"issuer", f.issuer()}, {"jwks_uri", f.issuer() + "/jwks"}, {"token_endpoint", f.issuer() + "/token"}})));
    auto s = f.remote();
    s.jwks_uri.clear();
    s.discovery = true;
    f.start(s);
    CHECK(f.log.wait_for(1) == std::error_code());
    CHECK(f.server.hits("/.well-known/openid-configuration") == 1);
    CHECK(f.server.hits("/jwks") == 1);
    CHECK(f.source->status().at(0).jwks_uri == f.issuer() + "/jwks");
    CHECK(f.check(f.key_a));
}

TEST_CASE("jwks_source: a discovery document naming another issuer is refused, and its jwks_uri never fetched")
{
    fixture f;
    f.server.set("/.well-known/openid-configuration",
                 json_response(boost::json::serialize(boost::json::object{
                     {"issuer", "https://evil.example.com"}, {"jwks_uri", f.issuer() + "/jwks"}})));
    auto s = f.remote();
    s.jwks_uri.clear();
    s.discovery = true;
    f.start(s);
    CHECK(f.log.wait_for(1) == make_error_code(v::fetch_error::issuer_mismatch));
    CHECK(f.server.hits("/jwks") == 0);
    CHECK(f.check(f.key_a).error() == jose::error::unknown_key);
    CHECK(f.source->status().at(0).jwks_uri == "");
}

TEST_CASE("jwks_source: plain http to a loopback provider")
{
    https_test_server plain;
    auto const key = jose::key::generate(jose::algorithm::es256, "p").value();
    plain.set("/jwks", json_response(jwks_of({key})));
    ma::manual_clock clock;
    fetch_log log;
    v::jwks_source_options options;
    options.on_fetch = log.observer();
    v::remote_key_source s;
    s.issuer = "http://127.0.0.1";
    s.jwks_uri = plain.base_url() + "/jwks";
    source_type source({s}, options, ma::manual_clock_ref(clock));
    std::string published;
    source.on_keys([&](std::string const& issuer, jose::key_set keys) {
        published = issuer + ":" + std::to_string(keys.size());
    });
    source.start();
    CHECK(log.wait_for(1) == std::error_code());
    CHECK(published == "http://127.0.0.1:1");
}

TEST_CASE("jwks_source: the same keys fetched again publish nothing (the verified-token cache stays warm)")
{
    fixture f;
    f.start(f.remote());
    REQUIRE(f.log.wait_for(1) == std::error_code());
    auto const token = f.token(f.key_a, "key-a");
    REQUIRE(f.validator->validate(token));
    auto const hits_before = f.validator->cache().stats().hits;
    f.clock.advance(5s);
    REQUIRE(f.source->request_refresh(f.issuer()));
    REQUIRE(f.log.wait_for(2) == std::error_code());
    REQUIRE(f.validator->validate(token));
    CHECK(f.validator->cache().stats().hits == hits_before + 1);
}

TEST_CASE("J19: a token's jku, x5u or jwk never makes the server fetch anything")
{
    fixture f;
    f.server.set("/attacker", json_response(R"({"keys":[]})"));
    f.start(f.remote());
    REQUIRE(f.log.wait_for(1) == std::error_code());
    auto const attacker = jose::key::generate(jose::algorithm::es256, "key-a").value();
    boost::json::object header{{"alg", "ES256"}, {"kid", "evil"}, {"jku", f.issuer() + "/attacker"},
                               {"x5u", f.issuer() + "/attacker"}, {"jwk", attacker.public_jwk()}};
    auto const now = std::chrono::duration_cast<std::chrono::seconds>(f.clock.now().time_since_epoch()).count();
    boost::json::object claims{{"iss", f.issuer()}, {"aud", "models"}, {"sub", "mallory"}, {"exp", now + 600}};
    auto const input = jose::base64url_encode(boost::json::serialize(header)) + "."
        + jose::base64url_encode(boost::json::serialize(claims));
    auto const token = input + "." + jose::base64url_encode(attacker.sign(input).value());
    f.clock.advance(5s);
    CHECK(f.validator->validate(token).error() == jose::error::unknown_key);
    // The unknown kid asks the configured provider once; the token's URLs never.
    CHECK(f.log.wait_for(2) == std::error_code());
    CHECK(f.server.hits("/attacker") == 0);
    CHECK(f.server.hits("/jwks") == 2);
}

TEST_CASE("jwks_source: stop cancels a hanging fetch at once and publishes nothing more")
{
    fixture f;
    canned_response hang;
    hang.hang = true;
    f.server.set("/jwks", hang);
    f.start(f.remote());
    // The request is read by the server: the fetch is in flight.
    for(int i = 0; i < 2000 && f.server.hits("/jwks") == 0; ++i)
        std::this_thread::yield();
    auto const before = std::chrono::steady_clock::now();
    f.source->stop();
    CHECK(std::chrono::steady_clock::now() - before < 2s);
    CHECK(f.log.count() == 0);
    CHECK(f.source->request_refresh(f.issuer()) == false);
    f.source.reset();
}

TEST_CASE("jwks_source runs on a server's executor as well as on its own thread")
{
    fixture f;
    boost::asio::io_context ioc;
    fetch_log log;
    v::jwks_source_options options;
    options.on_fetch = log.observer();
    auto validator = std::make_shared<validator_type>(
        std::vector<v::trusted_issuer>{v::trusted_issuer::named(f.issuer()).audience("models").remote_keys()},
        v::token_validator_options{}, nullptr, ma::manual_clock_ref(f.clock));
    f.validator = validator;
    auto source = std::make_unique<source_type>(ioc.get_executor(), std::vector<v::remote_key_source>{f.remote()},
                                                options, ma::manual_clock_ref(f.clock));
    source->attach(validator);
    source->start();
    std::thread runner([&] {
        auto guard = boost::asio::make_work_guard(ioc);
        ioc.run_for(20s);
    });
    CHECK(log.wait_for(1) == std::error_code());
    CHECK(f.check(f.key_a));
    source->stop();
    source.reset();
    ioc.stop();
    runner.join();
}

TEST_CASE("jwks_source refuses a bad configuration, naming the field")
{
    fixture f;
    auto const message = [&](v::remote_key_source s) -> std::string {
        try
        {
            source_type source({std::move(s)}, {}, ma::manual_clock_ref(f.clock));
        }
        catch(ma::configuration_error const& e)
        {
            return e.what();
        }
        return "no error";
    };
    auto s = f.remote();
    s.jwks_uri = "http://login.example.com/jwks";
    CHECK(message(s) == "remote_keys[0].jwks_uri: must be an https:// URL (http:// only to a loopback host)");
    s = f.remote();
    s.ca_file = (f.dir.path / "missing.pem").string();
    CHECK(message(s) == "remote_keys[0].ca_file: does not load as a PEM file of CA certificates: " + s.ca_file);
    s = f.remote();
    s.discovery = true;
    CHECK(message(s) == "remote_keys[0].jwks_uri: must be empty with discovery: discovery finds it");
    s = f.remote();
    s.min_refresh = 0s;
    CHECK(message(s) == "remote_keys[0].min_refresh: must be positive");
    s = f.remote();
    s.jwks_uri.clear();
    s.discovery = true;
    s.issuer = "not a url";
    CHECK(message(s).rfind("remote_keys[0].issuer: has no discovery document to fetch", 0) == 0);

    auto validator = std::make_shared<validator_type>(
        std::vector<v::trusted_issuer>{v::trusted_issuer::named("https://other.example.com").remote_keys()},
        v::token_validator_options{}, nullptr, ma::manual_clock_ref(f.clock));
    source_type source({f.remote()}, {}, ma::manual_clock_ref(f.clock));
    CHECK_THROWS_WITH_AS(source.attach(validator),
                         ("remote_keys[0].issuer: is not a trusted issuer of the validator: " + f.issuer()).c_str(),
                         ma::configuration_error);
}

TEST_CASE("jwks_source: the fetch metrics in Prometheus text")
{
    fixture f;
    f.start(f.remote());
    REQUIRE(f.log.wait_for(1) == std::error_code());
    canned_response server_error;
    server_error.status = 500;
    f.server.set("/jwks", server_error);
    f.clock.advance(5s);
    REQUIRE(f.source->request_refresh(f.issuer()));
    REQUIRE(f.log.wait_for(2) == make_error_code(v::fetch_error::bad_status));
    f.clock.advance(7s);
    std::string text;
    f.source->append_prometheus(text, "modelauth");
    auto const label = "issuer=\"" + f.issuer() + "\"";
    CHECK(text.find("# TYPE modelauth_key_fetches_total counter\n") != std::string::npos);
    CHECK(text.find("modelauth_key_fetches_total{" + label + ",outcome=\"ok\"} 1\n") != std::string::npos);
    CHECK(text.find("modelauth_key_fetches_total{" + label + ",outcome=\"bad_status\"} 1\n") != std::string::npos);
    CHECK(text.find("modelauth_keys_loaded{" + label + "} 1\n") != std::string::npos);
    CHECK(text.find("modelauth_key_seconds_since_success{" + label + "} 12\n") != std::string::npos);
    CHECK(text.find("timeout") == std::string::npos); // outcomes never seen are not listed
}
