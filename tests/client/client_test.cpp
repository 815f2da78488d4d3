//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// examples/client without the model server: its base URL and command-line
// parsing, and its flows against a small in-process Beast server that
// imitates the few routes they call with canned answers and records every
// request it gets, so each call can be checked byte for byte.

#define MODELAUTH_CLIENT_NO_MAIN
#include "../../examples/client/main.cpp"

#include <boost/asio.hpp>
#include <boost/json/object.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

// ---------------------------------------------------------------------------
// The canned server
// ---------------------------------------------------------------------------

std::string const email = "alice@example.com";
std::string const password = "hunter2-correct";
std::string const api_key = "mak_good_key_1234";
std::string const new_api_key = "mak_regenerated_key_WXYZ";
std::string const diamond = "/models/practicus/diamond-price/";
std::string const inference_answer = R"({"model_id":1,"version":"2","outputs":[4.01E3]})"; // as Boost.JSON writes it

// Every secret the canned server knows: none may ever be printed.
std::vector<std::string> const secrets = {password,    "refresh-1", "access-1", "access-2",
                                          "refresh-2", "session-1", api_key,    new_api_key};

response answer(unsigned status, json::object const& body)
{
    response res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.body() = json::serialize(body);
    res.prepare_payload();
    return res;
}

// The routes the client calls, answering as api.md says when the request is
// exactly what the flow sends, and 401 invalid_token otherwise.
response canned(request const& req)
{
    auto const target = std::string(req.target());
    auto const auth = std::string(req[http::field::authorization]);
    bool const post = req.method() == http::verb::post;
    bool const get = req.method() == http::verb::get;
    if(post && target == "/console/api/auth/")
    {
        if(req.body() == json::serialize(json::object{{"email", email}, {"password", password}}))
            return answer(200, {{"access", "access-1"}, {"refresh", "refresh-1"}});
        return answer(401, {{"error", "invalid_grant"}, {"error_description", "wrong email or password"}});
    }
    if(post && target == "/console/api/auth/refresh/" && auth == "Bearer refresh-1"
       && req.body() == R"({"refresh":"refresh-1"})")
        return answer(200, {{"access", "access-2"}, {"refresh", "refresh-2"}});
    if(get && target == diamond + "?get_meta=true" && auth == "Bearer access-2")
    {
        auto res = answer(200, {{"model_id", 1}, {"prefix", "models/practicus"}, {"name", "diamond-price"}});
        res.set("x-prt-model-id", "1");
        return res;
    }
    if(get && target == "/console/api/modelhost/model-auth/" && auth == "Bearer access-2" && req.body() == "model_id=1")
        return answer(200, {{"token", "session-1"}});
    if(post && target == diamond && (auth == "Bearer session-1" || req["impact-api-key"] == api_key)
       && req.body() == R"({"inputs":[[1,2]]})")
    {
        auto res = answer(200, {});
        res.body() = inference_answer;
        res.prepare_payload();
        return res;
    }
    if(post && target == "/api/users/me/api-key" && auth == "Bearer access-1" && req.body().empty())
        return answer(200, {{"secret_key", new_api_key}});
    auto res = answer(401, {{"error", "invalid_token"}, {"error_description", "the token is not valid"}});
    res.set(http::field::www_authenticate, "Bearer realm=\"models\", error=\"invalid_token\"");
    return res;
}

// One request as the server received it.
struct recorded
{
    std::string method, target, host, authorization, api_key, content_type, body;
};

// A Beast server on 127.0.0.1 and a free port, one request per connection.
class canned_server
{
public:
    explicit canned_server(std::function<response(request const&)> handler = canned)
        : handler_(std::move(handler)), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0})
    {
        accept();
        thread_ = std::thread([this] { ioc_.run(); });
    }

    canned_server(canned_server const&) = delete;
    canned_server& operator=(canned_server const&) = delete;

    ~canned_server()
    {
        ioc_.stop();
        thread_.join();
    }

    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

    std::vector<recorded> requests() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return requests_;
    }

private:
    void accept()
    {
        acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if(ec)
                return;
            serve(std::make_shared<beast::tcp_stream>(std::move(socket)));
            accept();
        });
    }

    void serve(std::shared_ptr<beast::tcp_stream> stream)
    {
        auto buffer = std::make_shared<beast::flat_buffer>();
        auto req = std::make_shared<request>();
        http::async_read(*stream, *buffer, *req, [this, stream, buffer, req](beast::error_code ec, std::size_t) {
            if(ec)
                return;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                requests_.push_back({std::string(req->method_string()), std::string(req->target()),
                                     std::string((*req)[http::field::host]),
                                     std::string((*req)[http::field::authorization]),
                                     std::string((*req)["impact-api-key"]),
                                     std::string((*req)[http::field::content_type]), req->body()});
            }
            auto res = std::make_shared<response>(handler_(*req));
            res->keep_alive(false);
            http::async_write(*stream, *res, [stream, res](beast::error_code, std::size_t) {
                beast::error_code ignored;
                stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
            });
        });
    }

    std::function<response(request const&)> handler_;
    asio::io_context ioc_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<recorded> requests_;
};

// ---------------------------------------------------------------------------
// Running the client
// ---------------------------------------------------------------------------

// A fresh HOME for one test, removed afterwards: the tests never touch ~/.impact.
struct temporary_home
{
    temporary_home()
    {
        static std::atomic<int> counter{0};
        dir = fs::temp_directory_path()
              / ("modelauth-client-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        fs::create_directories(dir);
    }
    ~temporary_home()
    {
        std::error_code ignored;
        fs::remove_all(dir, ignored);
    }
    temporary_home(temporary_home const&) = delete;
    temporary_home& operator=(temporary_home const&) = delete;

    fs::path key_file() const { return dir / ".impact" / "api.key"; }

    fs::path dir;
};

struct outcome
{
    int code;
    std::string out, err;
};

// Runs the client's `run` with `args`, the environment `env` only and `input` as standard input.
outcome run_client(std::vector<std::string> args, std::map<std::string, std::string> const& env,
                   std::string const& input = {})
{
    std::istringstream in(input);
    std::ostringstream out, err;
    int const code = client::run(args, in, out, err, [env](char const* name) -> std::optional<std::string> {
        auto const found = env.find(name);
        return found == env.end() ? std::nullopt : std::optional<std::string>(found->second);
    });
    return {code, out.str(), err.str()};
}

void check_no_secret_shown(outcome const& o)
{
    for(auto const& secret : secrets)
    {
        CHECK_MESSAGE(o.out.find(secret) == std::string::npos, "stdout shows a secret");
        CHECK_MESSAGE(o.err.find(secret) == std::string::npos, "stderr shows a secret");
    }
}

// The key file holds `key` and a newline, and only its owner may read or write it.
void check_key_file(fs::path const& path, std::string const& key)
{
    std::ifstream file(path);
    CHECK(std::string(std::istreambuf_iterator<char>(file), {}) == key + "\n");
    struct stat st
    {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

// The command lines of the two inference flows, on the diamond-price model with one row.
std::vector<std::string> practicus_args(std::string const& base_url)
{
    return {"--base-url", base_url, "practicus", "--email", email, "--model", "models/practicus/diamond-price",
            "--inputs",   "[[1,2]]"};
}

std::vector<std::string> infer_args(std::string const& base_url)
{
    return {"--base-url", base_url, "infer", "--model", "models/practicus/diamond-price", "--inputs", "[[1,2]]"};
}

std::string parse_error(std::vector<std::string> const& args)
{
    std::string why;
    CHECK_FALSE(client::parse_arguments(args, why).has_value());
    return why;
}

} // namespace

// ---------------------------------------------------------------------------
// Base URL and command line
// ---------------------------------------------------------------------------

TEST_CASE("a base URL is http://host[:port], with port 80 by default")
{
    struct row
    {
        char const* text;
        char const* host;
        char const* port;
        char const* authority;
    };
    row const rows[] = {
        {"http://127.0.0.1:8080", "127.0.0.1", "8080", "127.0.0.1:8080"},
        {"http://127.0.0.1:8080/", "127.0.0.1", "8080", "127.0.0.1:8080"},
        {"HTTP://Models.Example.com", "Models.Example.com", "80", "Models.Example.com"},
        {"http://localhost:1", "localhost", "1", "localhost:1"},
        {"http://[::1]:8080", "::1", "8080", "[::1]:8080"},
        {"http://[::1]", "::1", "80", "[::1]"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.text);
        std::string why;
        auto const url = client::parse_base_url(r.text, why);
        REQUIRE(url.has_value());
        CHECK(url->host == r.host);
        CHECK(url->port == r.port);
        CHECK(url->authority == r.authority);
        CHECK(why.empty());
    }
}

TEST_CASE("a base URL with TLS, another scheme, a path, a user or a bad port is refused with its reason")
{
    std::string why;
    CHECK_FALSE(client::parse_base_url("https://127.0.0.1:8443", why));
    CHECK(why.find("https:// is not supported") == 0);
    CHECK(why.find("TLS is out of scope") != std::string::npos);

    for(auto const* text : {"127.0.0.1:8080", "ftp://host", "http:/host", ""})
    {
        CAPTURE(text);
        CHECK_FALSE(client::parse_base_url(text, why));
        CHECK(why == "the base URL must start with http://");
    }
    for(auto const* text : {"http://", "http://host/api", "http://host:8080/api/", "http://host//", "http://host?x=1",
                            "http://user@host", "http://host:", "http://host:0", "http://host:65536", "http://host:80a",
                            "http://host:-1", "http://::1", "http://[::1", "http://ho st"})
    {
        CAPTURE(text);
        CHECK_FALSE(client::parse_base_url(text, why));
        CHECK(why
              == "the base URL must be http://host[:port] (no path, query or user name; port 1 to "
                 "65535)");
    }
}

TEST_CASE("a command line gives the server, the model URL and the inputs")
{
    std::string why;
    auto const a = client::parse_arguments({"--base-url", "http://127.0.0.1:9000", "practicus", "--email", email,
                                            "--model", "models/practicus/diamond-price", "--inputs", "[[1,2],[3,4]]"},
                                           why);
    REQUIRE(a.has_value());
    CHECK(a->command == "practicus");
    CHECK(a->server.port == "9000");
    CHECK(a->options.at("--email") == email);
    CHECK(a->model_url == diamond);
    CHECK(json::serialize(a->inputs) == "[[1,2],[3,4]]");

    // Options in any order, the version in the model path, slashes around it tolerated.
    auto const b = client::parse_arguments(
        {"infer", "--inputs", "[]", "--interactive", "--model", "/models/practicus/diamond-price/2/"}, why);
    REQUIRE(b.has_value());
    CHECK(b->server.authority == "127.0.0.1:8080");
    CHECK(b->model_url == "/models/practicus/diamond-price/2/");
    CHECK(b->options.count("--interactive") == 1);
}

TEST_CASE("a bad command line is refused with its reason before any call")
{
    struct row
    {
        std::vector<std::string> args;
        char const* why;
    };
    row const rows[] = {
        {{}, "no command"},
        {{"--base-url", "http://h:1"}, "no command"},
        {{"login", "--email", "e"}, "unknown command: login"},
        {{"api-key", "--email"}, "--email needs a value"},
        {{"api-key", "--email", "e", "extra"}, "unexpected argument: extra"},
        {{"api-key"}, "api-key needs --email"},
        {{"api-key", "--email", "e", "--interactive"}, "api-key takes no --interactive"},
        {{"infer", "--email", "e", "--model", "a/b", "--inputs", "[]"}, "infer takes no --email"},
        {{"infer", "--model", "a/b", "--inputs", "[]", "--verbose", "1"}, "infer takes no --verbose"},
        {{"practicus", "--email", "e", "--model", "a/b"}, "practicus needs --inputs"},
        {{"api-key", "--email", "e", "--base-url", "https://h"},
         "https:// is not supported: this client speaks plain HTTP only (TLS is out of scope); "
         "use http:// or a local TLS-terminating proxy"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.why);
        CHECK(parse_error(r.args) == r.why);
    }

    auto const model = "--model must be PREFIX/NAME[/VERSION], e.g. models/practicus/diamond-price";
    for(auto const* bad :
        {"", "/", "diamond-price", "models//diamond-price", "models/../admin", "models/./x", "models/x?get_meta=true",
         "models/x#y", "models/%2e%2e/x", "models/a b", "models/x\r\nHost: evil"})
    {
        CAPTURE(bad);
        CHECK(parse_error({"infer", "--model", bad, "--inputs", "[]"}) == model);
    }
    auto const inputs = "--inputs must be a JSON array of rows, e.g. [[1,2]]";
    for(auto const* bad : {"", "[[1,2]", "{\"inputs\":[[1]]}", "1", "[[1,2]] x"})
    {
        CAPTURE(bad);
        CHECK(parse_error({"infer", "--model", "a/b", "--inputs", bad}) == inputs);
    }
}

TEST_CASE("the usage goes to stdout with --help and to stderr with exit 2 on a bad command line")
{
    auto const help = run_client({"--help"}, {});
    CHECK(help.code == 0);
    CHECK(help.out.find("usage: client") == 0);
    CHECK(help.err.empty());

    auto const bad = run_client({"practicus"}, {});
    CHECK(bad.code == 2);
    CHECK(bad.out.empty());
    CHECK(bad.err.find("client: practicus needs --email\nusage: client") == 0);
}

// ---------------------------------------------------------------------------
// The Practicus flow
// ---------------------------------------------------------------------------

TEST_CASE("practicus logs in, refreshes, reads the model id, gets a session token and infers as "
          "the notebook does")
{
    canned_server server;
    temporary_home home;
    auto const o =
        run_client(practicus_args(server.base_url()), {{"MODELAUTH_PASSWORD", password}, {"HOME", home.dir.string()}});
    CHECK(o.code == 0);
    CHECK(o.out == inference_answer + "\n");
    CHECK(o.err
          == "login: 200 OK\nrefresh: 200 OK\nget_meta: 200 OK\nmodel id: 1\nmodel-auth: 200 OK\n"
             "inference: 200 OK\n");
    check_no_secret_shown(o);

    auto const reqs = server.requests();
    REQUIRE(reqs.size() == 5);
    auto const authority = server.base_url().substr(7);
    for(auto const& r : reqs)
        CHECK(r.host == authority);
    CHECK(reqs[0].method == "POST");
    CHECK(reqs[0].target == "/console/api/auth/");
    CHECK(reqs[0].authorization.empty());
    CHECK(reqs[0].content_type == "application/json");
    CHECK(reqs[1].method == "POST");
    CHECK(reqs[1].target == "/console/api/auth/refresh/");
    CHECK(reqs[1].authorization == "Bearer refresh-1");
    CHECK(reqs[1].body == R"({"refresh":"refresh-1"})");
    CHECK(reqs[2].method == "GET");
    CHECK(reqs[2].target == diamond + "?get_meta=true");
    CHECK(reqs[2].authorization == "Bearer access-2");
    CHECK(reqs[2].body.empty()); // the notebook's form body here would only leak the refresh token
    CHECK(reqs[3].method == "GET");
    CHECK(reqs[3].target == "/console/api/modelhost/model-auth/");
    CHECK(reqs[3].content_type == "application/x-www-form-urlencoded");
    CHECK(reqs[3].body == "model_id=1");
    CHECK(reqs[4].method == "POST");
    CHECK(reqs[4].target == diamond);
    CHECK(reqs[4].authorization == "Bearer session-1");
    CHECK(reqs[4].body == R"({"inputs":[[1,2]]})");
}

TEST_CASE("a refused login stops the flow with the status, error and error_description, and exit 1")
{
    canned_server server;
    auto const o = run_client(practicus_args(server.base_url()), {{"MODELAUTH_PASSWORD", "wrong"}});
    CHECK(o.code == 1);
    CHECK(o.out.empty());
    CHECK(o.err == "login: 401 Unauthorized: invalid_grant: wrong email or password\n");
    CHECK(server.requests().size() == 1);
}

TEST_CASE("the password is read from standard input when MODELAUTH_PASSWORD is unset or empty")
{
    canned_server server;
    for(auto const& env : {std::map<std::string, std::string>{}, {{"MODELAUTH_PASSWORD", ""}}})
    {
        auto const o = run_client(practicus_args(server.base_url()), env, password + "\r\n");
        CHECK(o.code == 0);
        CHECK(o.err.find("Password: \nlogin: 200 OK\n") == 0);
        check_no_secret_shown(o);
    }

    auto const none =
        run_client({"--base-url", server.base_url(), "api-key", "--email", email}, {{"HOME", "/nonexistent"}}, "");
    CHECK(none.code == 2);
    CHECK(none.err == "Password: \nno password: set MODELAUTH_PASSWORD or type it at the prompt\n");
    CHECK(server.requests().size() == 2 * 5);
}

TEST_CASE("an answer without the expected token, or with one no header can carry, stops the flow")
{
    struct row
    {
        json::object login_answer;
        char const* err;
    };
    row const rows[] = {
        {{{"access", "a"}}, "login: 200 OK\nlogin: unexpected answer: no usable \"refresh\"\n"},
        {{{"refresh", 7}}, "login: 200 OK\nlogin: unexpected answer: no usable \"refresh\"\n"},
        {{{"refresh", ""}}, "login: 200 OK\nlogin: unexpected answer: no usable \"refresh\"\n"},
        {{{"refresh", "r\r\nX-Injected: 1"}}, "login: 200 OK\nlogin: unexpected answer: no usable \"refresh\"\n"},
    };
    for(auto const& r : rows)
    {
        canned_server server([&](request const&) { return answer(200, r.login_answer); });
        auto const o = run_client(practicus_args(server.base_url()), {{"MODELAUTH_PASSWORD", password}});
        CHECK(o.code == 1);
        CHECK(o.err == r.err);
        CHECK(server.requests().size() == 1);
    }

    canned_server not_json([](request const&) {
        response res{http::status::ok, 11};
        res.body() = "<html>";
        res.prepare_payload();
        return res;
    });
    auto const o = run_client({"--base-url", not_json.base_url(), "api-key", "--email", email},
                              {{"MODELAUTH_PASSWORD", password}, {"HOME", "/nonexistent"}});
    CHECK(o.code == 1);
    CHECK(o.err == "login: 200 OK\nlogin: unexpected answer: no usable \"access\"\n");
}

TEST_CASE("a get_meta answer without an integer x-prt-model-id stops the flow before model-auth")
{
    for(std::string id : {"", "one", "1.5", "-1", "0x1", "99999999999999999999"})
    {
        CAPTURE(id);
        canned_server server([&id](request const& req) {
            auto res = canned(req);
            if(req.target().find("get_meta") != beast::string_view::npos)
                res.set("x-prt-model-id", id);
            return res;
        });
        auto const o = run_client(practicus_args(server.base_url()), {{"MODELAUTH_PASSWORD", password}});
        CHECK(o.code == 1);
        CHECK(o.err.find("get_meta: 200 OK\nget_meta: unexpected answer: no integer x-prt-model-id\n")
              != std::string::npos);
        CHECK(server.requests().size() == 3);
    }
}

// ---------------------------------------------------------------------------
// The Modelon flow
// ---------------------------------------------------------------------------

TEST_CASE("infer sends the API key from the environment before the key file, as impact-api-key")
{
    canned_server server;
    temporary_home home;
    REQUIRE(client::write_api_key_file(home.key_file(), "mak_from_the_file"));
    auto const o = run_client(infer_args(server.base_url()),
                              {{"MODELON_IMPACT_CLIENT_API_KEY", api_key}, {"HOME", home.dir.string()}});
    CHECK(o.code == 0);
    CHECK(o.out == inference_answer + "\n");
    CHECK(o.err == "inference: 200 OK\n");
    check_no_secret_shown(o);
    auto const reqs = server.requests();
    REQUIRE(reqs.size() == 1);
    CHECK(reqs[0].api_key == api_key);
    CHECK(reqs[0].authorization.empty());
    CHECK(reqs[0].target == diamond);
}

TEST_CASE("infer takes the key from ~/.impact/api.key when the environment has none")
{
    canned_server server;
    temporary_home home;
    REQUIRE(client::write_api_key_file(home.key_file(), api_key));
    auto const o = run_client(infer_args(server.base_url()),
                              {{"MODELON_IMPACT_CLIENT_API_KEY", "  "}, {"HOME", home.dir.string()}});
    CHECK(o.code == 0);
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].api_key == api_key);
}

TEST_CASE("infer without a key is a usage error; with --interactive it prompts on stderr and saves "
          "the key")
{
    canned_server server;
    temporary_home home;
    auto args = infer_args(server.base_url());
    auto const none = run_client(args, {{"HOME", home.dir.string()}}, api_key + "\n");
    CHECK(none.code == 2);
    CHECK(none.err.find("no usable API key (the request has no credentials)") == 0);
    CHECK(server.requests().empty());

    args.push_back("--interactive");
    auto const prompted = run_client(args, {{"HOME", home.dir.string()}}, api_key + "\n");
    CHECK(prompted.code == 0);
    CHECK(prompted.out == inference_answer + "\n");
    CHECK(prompted.err == "Enter API key: \ninference: 200 OK\n");
    check_no_secret_shown(prompted);
    check_key_file(home.key_file(), api_key);
}

TEST_CASE("the server's error text reaches the terminal without control characters")
{
    canned_server server([](request const&) {
        return answer(403, {{"error", "insufficient_scope"}, {"error_description", "needs \x1b[31mmodels:infer\a\n"}});
    });
    auto const o = run_client(infer_args(server.base_url()), {{"MODELON_IMPACT_CLIENT_API_KEY", api_key}});
    CHECK(o.code == 1);
    CHECK(o.err == "inference: 403 Forbidden: insufficient_scope: needs ?[31mmodels:infer??\n");
}

TEST_CASE("an inference answer is printed as JSON written again, so no control characters reach "
          "the terminal")
{
    struct row
    {
        std::string body;
        int code;
        char const* out;
        char const* err;
    };
    row const rows[] = {
        {R"({"outputs": [1.5], "note": "\u001b[2J"})", 0, "{\"outputs\":[1.5E0],\"note\":\"\\u001b[2J\"}\n",
         "inference: 200 OK\n"},
        {"{\"note\": \"\x1b[2J\"}", 1, "", "inference: 200 OK\ninference: unexpected answer: not JSON\n"},
        {"<html>", 1, "", "inference: 200 OK\ninference: unexpected answer: not JSON\n"},
    };
    for(auto const& r : rows)
    {
        CAPTURE(r.body);
        canned_server server([&r](request const&) {
            response res{http::status::ok, 11};
            res.body() = r.body;
            res.prepare_payload();
            return res;
        });
        auto const o = run_client(infer_args(server.base_url()), {{"MODELON_IMPACT_CLIENT_API_KEY", api_key}});
        CHECK(o.code == r.code);
        CHECK(o.out == r.out);
        CHECK(o.err == r.err);
    }
}

TEST_CASE("a refused API key exits 1 with the status, error and error_description")
{
    canned_server server;
    auto const o = run_client(infer_args(server.base_url()), {{"MODELON_IMPACT_CLIENT_API_KEY", "mak_revoked"}});
    CHECK(o.code == 1);
    CHECK(o.out.empty());
    CHECK(o.err == "inference: 401 Unauthorized: invalid_token: the token is not valid\n");
    CHECK(o.err.find("mak_revoked") == std::string::npos);
}

TEST_CASE("api-key regenerates the key, saves it with mode 0600 and shows only its last 4 characters")
{
    canned_server server;
    temporary_home home;
    REQUIRE(client::write_api_key_file(home.key_file(), "mak_the_old_key"));
    auto const o = run_client({"--base-url", server.base_url(), "api-key", "--email", email},
                              {{"MODELAUTH_PASSWORD", password}, {"HOME", home.dir.string()}});
    CHECK(o.code == 0);
    CHECK(o.out == "API key saved to " + home.key_file().string() + " (ends in WXYZ)\n");
    CHECK(o.err == "login: 200 OK\napi-key: 200 OK\n");
    check_no_secret_shown(o);
    check_key_file(home.key_file(), new_api_key);

    auto const reqs = server.requests();
    REQUIRE(reqs.size() == 2);
    CHECK(reqs[1].method == "POST");
    CHECK(reqs[1].target == "/api/users/me/api-key");
    CHECK(reqs[1].authorization == "Bearer access-1");
}

TEST_CASE("api-key without HOME regenerates nothing, since the new key could not be kept")
{
    canned_server server;
    auto const o =
        run_client({"--base-url", server.base_url(), "api-key", "--email", email}, {{"MODELAUTH_PASSWORD", password}});
    CHECK(o.code == 2);
    CHECK(o.err == "HOME is not set: nowhere to save the key\n");
    CHECK(server.requests().empty());
}

// ---------------------------------------------------------------------------
// The HTTP client
// ---------------------------------------------------------------------------

TEST_CASE("the HTTP client sends Host, the body's type and length, and returns status, fields and body")
{
    canned_server server;
    std::string why;
    client::http_client http(*client::parse_base_url(server.base_url(), why));
    auto const res = http.request(http::verb::get, diamond + "?get_meta=true", {{"authorization", "Bearer access-2"}},
                                  "ignored=1", "application/x-www-form-urlencoded");
    REQUIRE(res.has_value());
    CHECK(res->result_int() == 200);
    CHECK(res->at("x-prt-model-id") == "1");
    CHECK(json::parse(res->body()).at("name") == "diamond-price");
    auto const reqs = server.requests();
    REQUIRE(reqs.size() == 1);
    CHECK(reqs[0].content_type == "application/x-www-form-urlencoded");
    CHECK(reqs[0].body == "ignored=1");

    auto const refused = http.request(http::verb::post, "/nowhere/");
    REQUIRE(refused.has_value());
    CHECK(refused->result_int() == 401);
    CHECK(refused->at(http::field::www_authenticate) == "Bearer realm=\"models\", error=\"invalid_token\"");
}

TEST_CASE("a server that does not answer in time gives a timeout")
{
    asio::io_context ioc;
    tcp::acceptor silent(ioc, {asio::ip::make_address("127.0.0.1"), 0}); // the kernel accepts; nobody answers
    client::base_url url{"127.0.0.1", std::to_string(silent.local_endpoint().port()), "127.0.0.1"};
    auto const res = client::http_client(url, std::chrono::milliseconds(100)).request(http::verb::get, "/healthz");
    REQUIRE_FALSE(res.has_value());
    CHECK(res.error() == beast::error::timeout);
}

TEST_CASE("a server that cannot be reached gives exit 1 and the reason")
{
    unsigned short port = 0;
    {
        asio::io_context ioc;
        tcp::acceptor closed(ioc, {asio::ip::make_address("127.0.0.1"), 0});
        port = closed.local_endpoint().port();
    }
    auto const o = run_client(infer_args("http://127.0.0.1:" + std::to_string(port)),
                              {{"MODELON_IMPACT_CLIENT_API_KEY", api_key}});
    CHECK(o.code == 1);
    CHECK(o.err == "inference: no answer from the server: Connection refused\n");
}
