//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The soak (issue 20, docs/fuzzing.md "Soak"): starts the reference server
// (examples/model_server) on a config of its own, drives it at saturation
// from several client threads with mixed traffic, checks every answer's
// status against the one the contract (docs/api.md) gives, and prints
// requests, wrong verdicts, 5xx, p50/p99 latency and the server's RSS after
// the warm-up and at the end. Then it stops the server with SIGTERM and
// expects exit status 0 and no sanitizer report on its standard error.
//
//   modelauth_soak --server PATH [--seconds 60] [--warmup 30] [--threads 8]
//                  [--server-threads 2] [--max-rss-growth PERCENT] [--flows 1234]
//
// Each client thread has a user, an account, two instances and two models of
// its own, so that its verdicts do not depend on what the other threads do
// (one personal key per user, delete-all of an account's tokens). A thread
// repeats a cycle: inference with every kind of credential (console session
// token, personal API key, instance token, account and space tokens, JWTs of
// an outside issuer), the same with expired, forged, revoked, wrong-model,
// malformed and over-limit credentials, and one of the four flows'
// management calls in turn (login and refresh with reuse detection, instance
// tokens, the personal key, account/space/manager tokens). Everything a cycle
// creates it deletes, so the server's state stays the same size.
//
// Exit status: 0 when every verdict was right, no answer was a 5xx, the
// server stopped cleanly without a sanitizer report (and, with
// --max-rss-growth, RSS grew by at most that much); 1 otherwise; 2 for bad
// arguments or a server that does not start.

#include <modelauth/jose/base64url.hpp>
#include <modelauth/jose/key.hpp>
#include <modelauth/tokens/password.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

struct options
{
    std::string server;
    int seconds = 60;
    int warmup = 30;
    int threads = 8;
    int server_threads = 2;
    std::optional<double> max_rss_growth;
    std::string flows = "1234"; // the management flows a cycle runs in turn
};

[[noreturn]] void usage(std::string const& why)
{
    std::cerr << "modelauth_soak: " << why << "\n"
              << "usage: modelauth_soak --server PATH [--seconds 60] [--warmup 30] [--threads 8]\n"
                 "                      [--server-threads 2] [--max-rss-growth PERCENT] [--flows 1234]\n";
    std::exit(2);
}

options parse_options(int argc, char** argv)
{
    options o;
    for(int i = 1; i < argc; i += 2)
    {
        std::string const name = argv[i];
        if(i + 1 >= argc)
            usage(name + " needs a value");
        std::string const value = argv[i + 1];
        auto const number = [&](int least) {
            char* end = nullptr;
            long const n = std::strtol(value.c_str(), &end, 10);
            if(value.empty() || *end != '\0' || n < least || n > 100000)
                usage(name + " must be a whole number of at least " + std::to_string(least));
            return static_cast<int>(n);
        };
        if(name == "--server")
            o.server = value;
        else if(name == "--seconds")
            o.seconds = number(1);
        else if(name == "--warmup")
            o.warmup = number(0);
        else if(name == "--threads")
            o.threads = number(1);
        else if(name == "--server-threads")
            o.server_threads = number(1);
        else if(name == "--flows")
        {
            if(value.find_first_not_of(value == "0" ? "0" : "1234") != std::string::npos || value.empty())
                usage("--flows must be digits of 1234, or 0 for none");
            o.flows = value == "0" ? "" : value;
        }
        else if(name == "--max-rss-growth")
            o.max_rss_growth = number(0);
        else
            usage(name + " is not an option");
    }
    if(o.server.empty())
        usage("--server is required");
    return o;
}

// ---- the outside identity provider: ES256 JWTs the soak signs itself ------

std::string const idp_issuer = "https://idp.soak.test";
std::string const idp_audience = "soak-models";

std::string sign_jwt(modelauth::jose::key const& k, json::object const& claims)
{
    json::object const header{{"alg", "ES256"}, {"typ", "JWT"}, {"kid", std::string(k.kid())}};
    std::string input = modelauth::jose::base64url_encode(json::serialize(header)) + "." +
        modelauth::jose::base64url_encode(json::serialize(claims));
    auto const signature = k.sign(input);
    if(! signature)
        throw std::runtime_error("signing an outside token failed");
    return input + "." + modelauth::jose::base64url_encode(*signature);
}

std::int64_t unix_now()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// ---- the server's config: a world per client thread -----------------------

std::string const password = "soak password";

std::string model_a(int t) { return "/soak/t" + std::to_string(t) + "/a/"; }
std::string model_b(int t) { return "/soak/t" + std::to_string(t) + "/b/"; }
int model_a_id(int t) { return 1000 + t; }
std::string email(int t) { return "user" + std::to_string(t) + "@soak.test"; }
std::string instance_base(int t)
{
    return "/v1alpha/projects/soak/regions/eu01/instances/i" + std::to_string(t) + "/tokens";
}
std::string const locked_email = "locked@soak.test";

json::object make_config(options const& o, modelauth::jose::key const& idp)
{
    std::string const hash = modelauth::tokens::hash_password(password, 100000).value();
    json::array accounts, instances, users, models;
    for(int t = 0; t < o.threads; ++t)
    {
        std::string const n = std::to_string(t);
        accounts.push_back(json::object{{"id", "acct" + n}, {"spaces", json::array{"main", "side"}}});
        instances.push_back(json::object{{"project", "soak"}, {"region", "eu01"}, {"id", "i" + n}});
        instances.push_back(json::object{{"project", "soak"}, {"region", "eu01"}, {"id", "j" + n}});
        users.push_back(json::object{{"email", email(t)}, {"password", hash}, {"account", "acct" + n},
            {"scopes", json::array{"models:read", "models:infer", "tokens:manage"}},
            {"instances", json::array{"soak/eu01/i" + n}}});
        models.push_back(json::object{{"model_id", model_a_id(t)}, {"prefix", "soak/t" + n}, {"name", "a"},
            {"versions", json::array{"1", "2"}}, {"default_version", "2"}, {"kind", "linear"},
            {"weights", json::array{2.0, 3.0}}, {"bias", 1.0}, {"account", "acct" + n}, {"space", "main"},
            {"instance", "soak/eu01/i" + n}});
        models.push_back(json::object{{"model_id", 2000 + t}, {"prefix", "soak/t" + n}, {"name", "b"},
            {"versions", json::array{"1"}}, {"kind", "logistic"}, {"weights", json::array{0.5, -0.5}},
            {"bias", 0.0}, {"account", "acct" + n}, {"space", "side"}, {"instance", "soak/eu01/j" + n}});
    }
    users.push_back(json::object{{"email", locked_email}, {"password", hash}, {"account", "acct0"},
        {"scopes", json::array{"models:read"}}});
    json::array keys;
    keys.push_back(idp.public_jwk());
    return json::object{
        {"listen", "127.0.0.1:0"},
        {"threads", o.server_threads},
        {"limits", json::object{{"body_bytes", 65536}}},
        // Short lifetimes, pruned every 2 s: what the warm-up makes expires
        // and is dropped within it, so the state the server keeps has its
        // steady size when RSS is first taken, and any growth after is a leak.
        {"lifetimes", json::object{{"access", "15s"}, {"refresh", "20s"}, {"model_session", "15s"},
                          {"temporary", "15s"}}},
        {"maintenance_s", 2},
        {"accounts", std::move(accounts)},
        {"instances", std::move(instances)},
        {"users", std::move(users)},
        {"models", std::move(models)},
        {"trusted_issuers", json::array{json::object{{"issuer", idp_issuer},
                                {"audiences", json::array{idp_audience}}, {"algorithms", json::array{"ES256"}},
                                {"jwks", json::object{{"keys", std::move(keys)}}}}}},
    };
}

// ---- the server process ----------------------------------------------------

class server_process
{
public:
    server_process(std::string const& path, std::string const& dir) : dir_(dir)
    {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, (dir + "/stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addopen(&actions, 2, (dir + "/stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        std::string config = dir + "/config.json";
        std::string flag = "--config";
        std::string program = path;
        char* argv[] = {program.data(), flag.data(), config.data(), nullptr};
        int const rc = posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        if(rc != 0)
            throw std::runtime_error("cannot start " + path + ": " + std::strerror(rc));
    }

    server_process(server_process const&) = delete;
    server_process& operator=(server_process const&) = delete;

    ~server_process()
    {
        if(pid_ > 0)
        {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }

    pid_t pid() const noexcept { return pid_; }

    // The port of the "listening on http://127.0.0.1:<port>" line; waits up
    // to `limit` for it.
    unsigned short wait_listening(std::chrono::seconds limit)
    {
        auto const deadline = steady::now() + limit;
        while(steady::now() < deadline)
        {
            std::ifstream in(dir_ + "/stdout");
            std::string line;
            while(std::getline(in, line))
            {
                std::string const mark = "listening on http://127.0.0.1:";
                if(line.rfind(mark, 0) == 0)
                    return static_cast<unsigned short>(std::stoi(line.substr(mark.size())));
            }
            int status = 0;
            if(::waitpid(pid_, &status, WNOHANG) == pid_)
            {
                pid_ = 0;
                throw std::runtime_error("the server exited before listening; its standard error:\n" + err());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        throw std::runtime_error("the server did not print its listening line");
    }

    // SIGTERM, then its exit status (-1 when it did not stop within `limit`).
    int stop(std::chrono::seconds limit)
    {
        ::kill(pid_, SIGTERM);
        auto const deadline = steady::now() + limit;
        while(steady::now() < deadline)
        {
            int status = 0;
            if(::waitpid(pid_, &status, WNOHANG) == pid_)
            {
                pid_ = 0;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return -1;
    }

    std::string err() const
    {
        std::ifstream in(dir_ + "/stderr");
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }

    // Resident set size in KiB (VmRSS of /proc/<pid>/status).
    long rss_kib() const
    {
        std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
        std::string line;
        while(std::getline(in, line))
            if(line.rfind("VmRSS:", 0) == 0)
                return std::stol(line.substr(6));
        return 0;
    }

private:
    std::string dir_;
    pid_t pid_ = 0;
};

// ---- the client ------------------------------------------------------------

using response = http::response<http::string_body>;

// One keep-alive connection from a given local address; reconnects when the
// server closed it (after an error answer that ends the connection).
class connection
{
public:
    connection(unsigned short port, std::string local) : port_(port), local_(std::move(local)) {}

    // The answer, or nothing on a transport failure (`failure` says which).
    std::optional<response> send(http::request<http::string_body>& req, std::string& failure)
    {
        for(int attempt = 0; attempt < 2; ++attempt)
        {
            beast::error_code ec;
            bool const fresh = ! socket_.is_open();
            if(fresh && ! connect(ec))
            {
                failure = "connect: " + ec.message();
                return std::nullopt;
            }
            http::write(socket_, req, ec);
            http::response_parser<http::string_body> parser;
            parser.body_limit(4 * 1024 * 1024);
            if(! ec)
                http::read(socket_, buffer_, parser, ec);
            if(! ec)
            {
                response res = parser.release();
                if(! res.keep_alive())
                    close();
                return res;
            }
            close();
            // A kept-alive connection the server had already closed: once more
            // on a new one. A fresh connection that fails is a real failure.
            if(fresh)
            {
                failure = ec.message();
                return std::nullopt;
            }
        }
        failure = "the server closed two connections in a row";
        return std::nullopt;
    }

private:
    bool connect(beast::error_code& ec)
    {
        socket_.open(tcp::v4(), ec);
        if(! ec)
            socket_.bind(tcp::endpoint(asio::ip::make_address(local_), 0), ec);
        if(! ec)
            socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
        if(! ec)
            socket_.set_option(tcp::no_delay(true), ec);
        if(ec)
            close();
        buffer_.clear();
        return ! ec;
    }

    void close()
    {
        beast::error_code ignored;
        socket_.close(ignored);
        buffer_.clear();
    }

    unsigned short port_;
    std::string local_;
    asio::io_context ioc_;
    tcp::socket socket_{ioc_};
    beast::flat_buffer buffer_;
};

// What one kind of request did.
struct tally
{
    std::uint64_t requests = 0;
    std::uint64_t wrong = 0;
};

struct wrong_verdict
{
    std::string kind;
    std::string what;
};

// Counts of one thread in the measured phase (the warm-up's are dropped).
struct thread_stats
{
    std::map<std::string, tally> kinds;
    std::vector<std::uint32_t> latency_us;
    std::uint64_t measured = 0;
    std::uint64_t server_errors = 0;
    std::vector<wrong_verdict> wrongs;
};

std::atomic<bool> measuring{false};
std::atomic<bool> stopping{false};

std::string field(json::object const& o, char const* name)
{
    auto const* v = o.if_contains(name);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string id_text(json::object const& o)
{
    auto const* v = o.if_contains("id");
    if(v == nullptr)
        return {};
    return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

// A client thread: its world (user t, account acct<t>, instances i<t>/j<t>,
// models a and b) and its credentials.
class worker
{
public:
    worker(int t, unsigned short port, std::string flows, modelauth::jose::key const& idp,
        modelauth::jose::key const& forger)
        : t_(t)
        , flows_(std::move(flows))
        , conn_(port, "127.0.0.1")
        , other_address_(port, "127.0.0.2")
    {
        auto const now = unix_now();
        json::object claims{{"iss", idp_issuer}, {"aud", idp_audience}, {"sub", "svc-" + std::to_string(t)},
            {"iat", now}, {"exp", now + 3600}, {"scope", "models:read models:infer:soak/t" + std::to_string(t) + "/a"}};
        outside_ = sign_jwt(idp, claims);
        forged_ = sign_jwt(forger, claims);
        json::object expired = claims;
        expired["iat"] = now - 7200;
        expired["exp"] = now - 3600;
        expired_ = sign_jwt(idp, expired);
        json::object wrong_audience = claims;
        wrong_audience["aud"] = "another-service";
        wrong_audience_ = sign_jwt(idp, wrong_audience);
    }

    thread_stats const& stats() const noexcept { return stats_; }

    void run()
    {
        while(! stopping.load(std::memory_order_relaxed))
        {
            try
            {
                setup();
                for(unsigned cycle = 0; ! stopping.load(std::memory_order_relaxed); ++cycle)
                    one_cycle(cycle);
            }
            catch(std::exception const&)
            {
                // A flow could not go on (an answer was wrong, and counted):
                // this thread starts its world again.
            }
        }
    }

private:
    struct call
    {
        std::string kind;
        http::verb method = http::verb::get;
        std::string target;
        std::vector<std::pair<std::string, std::string>> headers;
        std::string body;
        std::string content_type = "application/json";
        unsigned expect = 200;
    };

    static std::vector<std::pair<std::string, std::string>> bearer(std::string const& token)
    {
        return {{"Authorization", "Bearer " + token}};
    }

    static std::vector<std::pair<std::string, std::string>> api_key(std::string const& key)
    {
        return {{"impact-api-key", key}};
    }

    void note_wrong(std::string const& kind, std::string what)
    {
        auto& k = stats_.kinds[kind];
        ++k.wrong;
        if(stats_.wrongs.size() < 20)
            stats_.wrongs.push_back({kind, std::move(what)});
    }

    // Sends `c` and checks its status; the answer's JSON object (empty when
    // the body is not one). Throws when the verdict was wrong and `must` is
    // set: the flow cannot go on without what the answer should have given.
    json::object send(call const& c, bool must = false, response* raw = nullptr, connection* via = nullptr)
    {
        http::request<http::string_body> req{c.method, c.target, 11};
        req.set(http::field::host, "127.0.0.1");
        for(auto const& [name, value] : c.headers)
            req.insert(name, value);
        if(! c.body.empty() || c.method == http::verb::post || c.method == http::verb::patch)
        {
            req.set(http::field::content_type, c.content_type);
            req.body() = c.body;
        }
        req.prepare_payload();
        auto const started = steady::now();
        std::string failure;
        auto res = (via != nullptr ? *via : conn_).send(req, failure);
        auto const took = steady::now() - started;
        ++stats_.kinds[c.kind].requests;
        if(measuring.load(std::memory_order_relaxed))
        {
            ++stats_.measured;
            stats_.latency_us.push_back(static_cast<std::uint32_t>(
                std::chrono::duration_cast<std::chrono::microseconds>(took).count()));
        }
        if(! res)
        {
            note_wrong(c.kind, c.target + ": no answer (" + failure + ")");
            if(must)
                throw std::runtime_error(c.kind + ": no answer");
            return {};
        }
        unsigned const status = res->result_int();
        if(status >= 500)
            ++stats_.server_errors;
        if(status != c.expect)
        {
            note_wrong(c.kind, std::string(http::to_string(c.method)) + " " + c.target.substr(0, 80) +
                        ": expected " + std::to_string(c.expect) + ", got " + std::to_string(status) + " " +
                        res->body().substr(0, 200));
            if(must)
                throw std::runtime_error(c.kind + ": expected " + std::to_string(c.expect) + ", got " +
                    std::to_string(status) + " " + res->body().substr(0, 200));
            return {};
        }
        // Every refusal of a credential says so in WWW-Authenticate (RFC 6750).
        if(status == 401 && res->find(http::field::www_authenticate) == res->end())
            note_wrong(c.kind, c.target + ": 401 without WWW-Authenticate");
        if(raw != nullptr)
            *raw = *res;
        boost::system::error_code ec;
        auto parsed = json::parse(res->body(), ec);
        if(ec || ! parsed.is_object())
            return {};
        return std::move(parsed.as_object());
    }

    call infer(std::string kind, std::string const& target, std::vector<std::pair<std::string, std::string>> h,
        unsigned expect) const
    {
        return call{std::move(kind), http::verb::post, target, std::move(h), R"({"inputs":[[1.5,2.5],[3,4]]})",
            "application/json", expect};
    }

    void login()
    {
        auto const r = send(call{"login", http::verb::post, "/console/api/auth/", {},
                                json::serialize(json::object{{"email", email(t_)}, {"password", password}}),
                                "application/json", 200},
            true);
        access_ = field(r, "access");
        refresh_ = field(r, "refresh");
    }

    std::string model_session(std::string const& access)
    {
        auto const r = send(call{"console: model-auth", http::verb::post, "/console/api/modelhost/model-auth/",
                                bearer(access), "model_id=" + std::to_string(model_a_id(t_)),
                                "application/x-www-form-urlencoded", 200},
            true);
        return field(r, "token");
    }

    std::string create_instance_token(char const* ttl)
    {
        auto const r = send(call{"instance: create", http::verb::post, instance_base(t_), bearer(access_),
                                json::serialize(json::object{{"name", "soak"}, {"ttlDuration", ttl}}),
                                "application/json", 201},
            true);
        instance_id_ = id_text(r);
        return field(r, "content");
    }

    std::pair<std::string, std::string> create_neuro(std::string const& target, std::string const& with,
        std::string kind)
    {
        auto const r = send(call{std::move(kind), http::verb::post, target, bearer(with), R"({"permanent":false})",
                                "application/json", 201},
            true);
        return {id_text(r), field(r, "key")};
    }

public:
    // Fills the validator's caches with `count` distinct outside JWTs of at
    // least 600 bytes (a little longer than any token of the mix, the
    // console's session tokens of about 540, so that no cache slot grows
    // later). The caches are per server thread and direct-mapped
    // (validation/token_cache.hpp, 4096 entries each): filling nearly every
    // slot takes several times as many distinct tokens, and until then RSS
    // grows with the tables, not with the state the soak is after.
    void fill_cache(modelauth::jose::key const& idp, int count)
    {
        auto const now = unix_now();
        auto const token = [&](int i, std::size_t pad) {
            json::object const claims{{"iss", idp_issuer}, {"aud", idp_audience},
                {"sub", "fill-" + std::to_string(t_) + "-" + std::to_string(i)}, {"iat", now}, {"exp", now + 3600},
                {"scope", "models:infer:soak/t" + std::to_string(t_) + "/a"}, {"pad", std::string(pad, 'p')}};
            return sign_jwt(idp, claims);
        };
        std::size_t pad = 0;
        while(token(0, pad).size() < 600)
            pad += 8;
        for(int i = 0; i < count && ! stopping.load(std::memory_order_relaxed); ++i)
            send(infer("valid: outside JWT (cache fill)", model_a(t_), bearer(token(i, pad)), 200));
    }

private:
    // The credentials a cycle uses, and the revoked ones it checks.
    void setup()
    {
        login();
        session_ = model_session(access_);
        instance_ = create_instance_token("5m");
        key_ = field(send(call{"key: create", http::verb::post, "/api/users/me/api-key", bearer(access_), {},
                              "application/json", 200},
                         true),
            "secret_key");
        std::tie(account_id_, account_) = create_neuro("/api/v1/tokens/", access_, "neuro: create account token");
        std::tie(space_id_, space_) =
            create_neuro("/api/v1/spaces/main/tokens/", account_, "neuro: create space token");

        // Revoked: a deleted instance token, a replaced personal key, a
        // deactivated account token.
        revoked_instance_ = create_instance_token("5m");
        send(call{"instance: delete", http::verb::delete_, instance_base(t_) + "/" + instance_id_, bearer(access_),
                 {}, "", 204},
            true);
        revoked_key_ = key_;
        key_ = field(send(call{"key: regenerate", http::verb::post, "/api/users/me/api-key", bearer(access_), {},
                              "application/json", 200},
                         true),
            "secret_key");
        auto const [id, key] = create_neuro("/api/v1/tokens/", access_, "neuro: create account token");
        send(call{"neuro: deactivate", http::verb::patch, "/api/v1/tokens/" + id + "/", bearer(account_),
                 R"({"is_active":false})", "application/json", 200},
            true);
        revoked_account_ = key;
    }

    void one_cycle(unsigned cycle)
    {
        std::string const a = model_a(t_);
        std::string const b = model_b(t_);
        std::string const elsewhere = model_a((t_ + 1) % threads_hint());

        // Valid credentials: 200.
        for(int i = 0; i < 4; ++i)
            send(infer("valid: model session token", a, bearer(session_), 200));
        send(infer("valid: personal API key", a, api_key(key_), 200));
        send(infer("valid: instance token", a, bearer(instance_), 200));
        send(infer("valid: account token", a, bearer(account_), 200));
        send(infer("valid: space token", a, bearer(space_), 200));
        send(infer("valid: outside JWT", a, bearer(outside_), 200));
        send(infer("valid: versioned URL", a + "1/", bearer(session_), 200));

        // Expired, forged, revoked: 401.
        send(infer("expired: outside JWT", a, bearer(expired_), 401));
        send(infer("forged: outside JWT, another key", a, bearer(forged_), 401));
        send(infer("forged: outside JWT, other audience", a, bearer(wrong_audience_), 401));
        {
            std::string tampered = session_;
            tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
            send(infer("forged: session token, one byte changed", a, bearer(tampered), 401));
        }
        send(infer("revoked: deleted instance token", a, bearer(revoked_instance_), 401));
        send(infer("revoked: replaced personal key", a, api_key(revoked_key_), 401));
        send(infer("revoked: deactivated account token", a, bearer(revoked_account_), 401));

        // Wrong model: bound elsewhere (403) or another account's (404).
        send(infer("wrong model: session token of model a on b", b, bearer(session_), 403));
        send(infer("wrong model: instance token on another instance", b, bearer(instance_), 403));
        send(infer("wrong model: space token on another space", b, bearer(space_), 403));
        send(infer("wrong model: outside JWT scoped to model a", b, bearer(outside_), 403));
        if(threads_hint() > 1)
            send(infer("wrong model: another account's model", elsewhere, api_key(key_), 404));

        // Malformed and missing credentials.
        send(infer("malformed: no credential", a, {}, 401));
        send(infer("malformed: not a JWT", a, bearer("abc.def.ghi"), 401));
        send(infer("malformed: Basic scheme", a, {{"Authorization", "Basic dXNlcjpwYXNz"}}, 401));
        send(infer("malformed: bearer with a space", a, {{"Authorization", "Bearer two words"}}, 400));
        send(infer("malformed: two credentials", a, {{"Authorization", "Bearer " + session_}, {"impact-api-key", key_}},
            400));
        send(infer("malformed: unknown API key", a, api_key("not-a-key"), 401));
        send(call{"malformed: inference body", http::verb::post, a, bearer(session_), R"({"inputs":[["x"]]})",
            "application/json", 400});

        // Over the limits: a credential over 8 KiB, a body over the limit.
        send(infer("over-limit: 9 KiB credential (over the header limit)", a, bearer(std::string(9000, 'a')), 431));
        send(call{"over-limit: body", http::verb::post, a, bearer(session_), std::string(70000, ' '),
            "application/json", 413});

        // One flow's management calls in turn.
        if(flows_.empty())
            return;
        unsigned const round = cycle / static_cast<unsigned>(flows_.size());
        switch(flows_[cycle % flows_.size()])
        {
        case '1': console_flow(round); break;
        case '2': instance_flow(); break;
        case '3': key_flow(round); break;
        default: neuro_flow(); break;
        }
    }

    // Flow 1: refresh, listings, meta, model-auth; every 8th time refresh
    // reuse (the family is revoked) and a new login; thread 0 also tries a
    // wrong password from another address until it is refused with 429.
    void console_flow(unsigned round)
    {
        std::string const old_refresh = refresh_;
        auto const r = send(call{"console: refresh", http::verb::post, "/console/api/auth/refresh/",
                                bearer(refresh_), json::serialize(json::object{{"refresh", refresh_}}),
                                "application/json", 200},
            true);
        access_ = field(r, "access");
        refresh_ = field(r, "refresh");
        send(call{"console: model prefixes", http::verb::get, "/console/api/modelhost/model-prefixes/",
            bearer(access_), {}, "", 200});
        send(call{"console: models", http::verb::get, "/console/api/modelhost/models/", bearer(access_), {}, "", 200});
        response meta;
        send(call{"console: get_meta", http::verb::get, model_a(t_) + "?get_meta=true", bearer(access_), {}, "", 200},
            false, &meta);
        if(meta.result_int() == 200 &&
           meta["x-prt-model-id"] != std::to_string(model_a_id(t_)))
            note_wrong("console: get_meta", "x-prt-model-id is '" + std::string(meta["x-prt-model-id"]) + "'");
        session_ = model_session(access_);

        if(round % 8 == 7)
        {
            send(call{"revoked: reused refresh token", http::verb::post, "/console/api/auth/refresh/",
                bearer(old_refresh), json::serialize(json::object{{"refresh", old_refresh}}), "application/json",
                401});
            send(call{"revoked: refresh token of a revoked family", http::verb::post, "/console/api/auth/refresh/",
                bearer(refresh_), json::serialize(json::object{{"refresh", refresh_}}), "application/json", 401});
            login();
            session_ = model_session(access_);
        }
        if(t_ == 0 && round % 8 == 3)
        {
            ++locked_tries_;
            send(call{"over-limit: wrong password", http::verb::post, "/console/api/auth/", {},
                     json::serialize(json::object{{"email", locked_email}, {"password", "wrong"}}),
                     "application/json", locked_tries_ <= 5 ? 401u : 429u},
                false, nullptr, &other_address_);
        }
    }

    // Flow 2: an instance token created, read, listed, renamed, used,
    // deleted, refused.
    void instance_flow()
    {
        std::string const token = create_instance_token("15s");
        std::string const one = instance_base(t_) + "/" + instance_id_;
        auto const list = send(call{"instance: list", http::verb::get, instance_base(t_), bearer(access_), {}, "", 200});
        auto const* tokens = list.if_contains("tokens");
        if((tokens == nullptr || ! tokens->is_array() || tokens->as_array().size() != 2))
            note_wrong("instance: list", "not exactly two tokens: " + json::serialize(list).substr(0, 200));
        send(call{"instance: get", http::verb::get, one, bearer(access_), {}, "", 200});
        send(call{"instance: patch", http::verb::patch, one, bearer(access_), R"({"description":"soaked"})",
            "application/json", 200});
        send(infer("valid: new instance token", model_a(t_), bearer(token), 200));
        send(call{"instance: management with an instance token", http::verb::get, instance_base(t_), bearer(token), {},
            "", 403});
        send(call{"instance: delete", http::verb::delete_, one, bearer(access_), {}, "", 204});
        send(infer("revoked: instance token just deleted", model_a(t_), bearer(token), 401));
        send(call{"instance: get deleted", http::verb::get, one, bearer(access_), {}, "", 404});
        send(call{"instance: bad ttlDuration", http::verb::post, instance_base(t_), bearer(access_),
            R"({"name":"x","ttlDuration":"5 minutes"})", "application/json", 400});
    }

    // Flow 3: the personal key regenerated (the old one refused at once),
    // read; every 8th time deleted and made again.
    void key_flow(unsigned round)
    {
        std::string const old = key_;
        key_ = field(send(call{"key: regenerate", http::verb::post, "/api/users/me/api-key", api_key(key_), {},
                              "application/json", 200},
                         true),
            "secret_key");
        send(infer("revoked: personal key just replaced", model_a(t_), api_key(old), 401));
        send(infer("valid: new personal key", model_a(t_), api_key(key_), 200));
        auto const meta = send(call{"key: get", http::verb::get, "/api/users/me/api-key", bearer(access_), {}, "", 200});
        if(field(meta, "hint") != key_.substr(key_.size() - 4))
            note_wrong("key: get", "hint is not the key's last four characters");
        if(round % 8 == 5)
        {
            send(call{"key: delete", http::verb::delete_, "/api/users/me/api-key", bearer(access_), {}, "", 204});
            send(infer("revoked: personal key just deleted", model_a(t_), api_key(key_), 401));
            key_ = field(send(call{"key: create", http::verb::post, "/api/users/me/api-key", bearer(access_), {},
                                  "application/json", 200},
                             true),
                "secret_key");
        }
    }

    // Flow 4: account, space and manager tokens. The account and space
    // tokens the thread holds are replaced by new ones each time (they are
    // temporary: they would expire), the old ones deactivated or deleted.
    void neuro_flow()
    {
        auto const [id, key] = create_neuro("/api/v1/tokens/", account_, "neuro: create account token");
        send(call{"neuro: list", http::verb::get, "/api/v1/tokens/?permanent=false&limit=5", bearer(key), {}, "",
            200});
        send(call{"neuro: get", http::verb::get, "/api/v1/tokens/" + id + "/", bearer(key), {}, "", 200});
        send(infer("valid: new account token", model_a(t_), bearer(key), 200));
        std::string const old = "/api/v1/tokens/" + account_id_ + "/";
        send(call{"neuro: deactivate", http::verb::patch, old, bearer(key), R"({"is_active":false})",
            "application/json", 200});
        send(infer("revoked: account token just deactivated", model_a(t_), bearer(account_), 401));
        send(call{"neuro: delete", http::verb::delete_, old, bearer(key), {}, "", 204});
        send(call{"neuro: get deleted", http::verb::get, old, bearer(key), {}, "", 404});
        account_id_ = id;
        account_ = key;

        auto const [space_id, space] = create_neuro("/api/v1/spaces/main/tokens/", account_, "neuro: create space token");
        send(infer("valid: new space token", model_a(t_), bearer(space), 200));
        send(call{"neuro: delete space token", http::verb::delete_, "/api/v1/tokens/" + space_id_ + "/", bearer(space),
            {}, "", 204});
        send(infer("revoked: space token just deleted", model_a(t_), bearer(space_), 401));
        space_id_ = space_id;
        space_ = space;

        auto const [manager_id, manager] = create_neuro("/api/v1/iam/tokens/", account_, "neuro: create manager token");
        auto const who =
            send(call{"neuro: whoami (manager)", http::verb::get, "/api/v1/iam/whoami/", bearer(manager), {}, "", 200});
        if(field(who, "class") != "manager")
            note_wrong("neuro: whoami (manager)", "class is not manager: " + json::serialize(who));
        send(call{"neuro: whoami (account token)", http::verb::get, "/api/v1/iam/whoami/", bearer(account_), {}, "",
            403});
        send(infer("wrong model: manager token on a model", model_a(t_), bearer(manager), 403));
        send(call{"neuro: delete manager token", http::verb::delete_, "/api/v1/tokens/" + manager_id + "/",
            bearer(manager), {}, "", 204});
        send(call{"neuro: create with a bad body", http::verb::post, "/api/v1/tokens/", bearer(account_),
            R"({"permanent":"yes"})", "application/json", 400});
    }

public:
    static int& threads_hint()
    {
        static int n = 1;
        return n;
    }

private:
    int t_;
    std::string flows_;
    connection conn_;
    connection other_address_;
    thread_stats stats_;
    std::string outside_, forged_, expired_, wrong_audience_;
    std::string access_, refresh_, session_, instance_, instance_id_, key_;
    std::string account_, account_id_, space_, space_id_;
    std::string revoked_instance_, revoked_key_, revoked_account_;
    unsigned locked_tries_ = 0;
};

// Sanitizer reports in the server's standard error.
std::size_t sanitizer_reports(std::string const& err)
{
    std::size_t n = 0;
    for(std::string_view const mark :
        {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "WARNING: ThreadSanitizer"})
        for(auto at = err.find(mark); at != std::string::npos; at = err.find(mark, at + 1))
            ++n;
    return n;
}

double percentile(std::vector<std::uint32_t>& v, double p)
{
    if(v.empty())
        return 0;
    auto const at = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(at), v.end());
    return v[at] / 1000.0;
}

int soak(options const& o)
{
    char dir_template[] = "/tmp/modelauth-soak-XXXXXX";
    if(::mkdtemp(dir_template) == nullptr)
        throw std::runtime_error("cannot make a temporary directory");
    std::string const dir = dir_template;
    struct remove_dir
    {
        std::string dir;
        ~remove_dir()
        {
            std::error_code ignored;
            std::filesystem::remove_all(dir, ignored);
        }
    } const cleanup{dir};

    auto const idp = modelauth::jose::key::generate(modelauth::jose::algorithm::es256, "soak-idp").value();
    auto const forger = modelauth::jose::key::generate(modelauth::jose::algorithm::es256, "soak-idp").value();
    {
        std::ofstream out(dir + "/config.json");
        out << json::serialize(make_config(o, idp));
    }
    worker::threads_hint() = o.threads;

    server_process server(o.server, dir);
    unsigned short const port = server.wait_listening(std::chrono::seconds(60));

    std::vector<std::unique_ptr<worker>> workers;
    for(int t = 0; t < o.threads; ++t)
        workers.push_back(std::make_unique<worker>(t, port, o.flows, idp, forger));
    // First the caches (16 distinct tokens per slot of the server's caches,
    // 4096 slots per server thread), then the mixed traffic.
    // Only when RSS is judged: under a sanitizer the fill would take minutes.
    int const fill = o.max_rss_growth ? 16 * 4096 * o.server_threads / o.threads : 0;
    auto const fill_started = steady::now();
    {
        std::vector<std::thread> fillers;
        for(auto& w : workers)
            fillers.emplace_back([&w, &idp, fill] { w->fill_cache(idp, fill); });
        for(auto& th : fillers)
            th.join();
    }
    auto const fill_took = std::chrono::duration<double>(steady::now() - fill_started).count();
    std::vector<std::thread> threads;
    for(auto& w : workers)
        threads.emplace_back([&w] { w->run(); });

    std::this_thread::sleep_for(std::chrono::seconds(o.warmup));
    long const rss_start = server.rss_kib();
    measuring = true;
    auto const started = steady::now();
    std::vector<long> rss_trace{rss_start}; // every 10 s of the measured phase
    for(int s = 1; s <= o.seconds; ++s)
    {
        std::this_thread::sleep_until(started + std::chrono::seconds(s));
        if(s % 10 == 0 && s != o.seconds)
            rss_trace.push_back(server.rss_kib());
    }
    measuring = false;
    auto const elapsed = std::chrono::duration<double>(steady::now() - started).count();
    long const rss_end = server.rss_kib();
    rss_trace.push_back(rss_end);
    stopping = true;
    for(auto& th : threads)
        th.join();
    int const exit_status = server.stop(std::chrono::seconds(60));
    std::string const err = server.err();
    std::size_t const reports = sanitizer_reports(err);

    std::map<std::string, tally> kinds;
    std::vector<std::uint32_t> latency;
    std::uint64_t server_errors = 0;
    std::vector<wrong_verdict> wrongs;
    for(auto const& w : workers)
    {
        for(auto const& [name, k] : w->stats().kinds)
        {
            kinds[name].requests += k.requests;
            kinds[name].wrong += k.wrong;
        }
        latency.insert(latency.end(), w->stats().latency_us.begin(), w->stats().latency_us.end());
        server_errors += w->stats().server_errors;
        for(auto const& x : w->stats().wrongs)
            if(wrongs.size() < 20)
                wrongs.push_back(x);
    }
    std::uint64_t checked = 0;
    std::uint64_t wrong = 0;
    for(auto const& [name, k] : kinds)
    {
        checked += k.requests;
        wrong += k.wrong;
    }
    std::uint64_t requests = 0;
    for(auto const& w : workers)
        requests += w->stats().measured;
    double const growth = rss_start > 0 ? 100.0 * static_cast<double>(rss_end - rss_start) / rss_start : 0;
    bool const rss_ok = ! o.max_rss_growth || growth <= *o.max_rss_growth;

    std::cout << std::fixed << std::setprecision(1);
    std::cout << "\n" << std::left << std::setw(62) << "kind of request" << std::right << std::setw(10) << "requests"
              << std::setw(8) << "wrong" << "\n";
    for(auto const& [name, k] : kinds)
        std::cout << std::left << std::setw(62) << name << std::right << std::setw(10) << k.requests << std::setw(8)
                  << k.wrong << "\n";
    for(auto const& x : wrongs)
        std::cout << "WRONG " << x.kind << ": " << x.what << "\n";
    std::cout << "\nsoak: " << o.seconds << " s after a " << o.warmup << " s warm-up (and " << fill_took
              << " s filling the caches), " << o.threads << " client threads, " << o.server_threads
              << " server threads\n"
              << "requests        " << requests << " (" << static_cast<double>(requests) / elapsed
              << "/s); answers checked, warm-up included: " << checked << "\n"
              << "wrong verdicts  " << wrong << "\n"
              << "5xx             " << server_errors << "\n"
              << std::setprecision(2) << "latency         p50 " << percentile(latency, 0.50) << " ms, p99 "
              << percentile(latency, 0.99) << " ms\n"
              << std::setprecision(1) << "server RSS      " << rss_start / 1024.0 << " MiB after the warm-up, "
              << rss_end / 1024.0 << " MiB at the end (" << std::showpos << growth << std::noshowpos << " %)"
              << (o.max_rss_growth ? (rss_ok ? " ok" : " MISSED") : "") << "\n"
              << "RSS every 10 s  " << [&] {
                     std::ostringstream line;
                     line << std::fixed << std::setprecision(1);
                     for(long const kib : rss_trace)
                         line << kib / 1024.0 << " ";
                     return line.str();
                 }() << "MiB\n"
              << "server exit     " << exit_status << "\n"
              << "sanitizer       " << reports << " reports\n";
    if(reports != 0 || exit_status != 0)
        std::cout << "\nthe server's standard error:\n" << err.substr(0, 20000) << "\n";
    bool const ok = wrong == 0 && server_errors == 0 && requests > 0 && exit_status == 0 && reports == 0 && rss_ok;
    std::cout << (ok ? "soak: ok" : "soak: FAILED") << std::endl;
    return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    auto const o = parse_options(argc, argv);
    try
    {
        return soak(o);
    }
    catch(std::exception const& e)
    {
        std::cerr << "modelauth_soak: " << e.what() << "\n";
        return 2;
    }
}
