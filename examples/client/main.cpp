//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// client: the source documents' client flows against the reference model
// server (examples/model_server; its contract is api.md). Run without
// arguments for the usage. It never prints a token, a password or a key.
// tests/client includes this file with MODELAUTH_CLIENT_NO_MAIN defined and
// drives `client::run` with its own streams and environment.

#include "api_key_source.hpp"
#include "http_client.hpp"

#include <modelauth/validation/api_key.hpp>
#include <modelauth/http/error.hpp>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace client {

namespace json = boost::json;

enum exit_code { done = 0, refused = 1, usage_error = 2 };

constexpr char const* usage =
    R"(usage: client [--base-url http://HOST:PORT] COMMAND OPTIONS   (default http://127.0.0.1:8080)
  practicus --email E --model PREFIX/NAME[/VERSION] --inputs JSON
      log in, refresh, get_meta, model-auth, inference (the Practicus REST sample)
  infer --model PREFIX/NAME[/VERSION] --inputs JSON [--interactive]
      inference with the personal API key from MODELON_IMPACT_CLIENT_API_KEY,
      ~/.impact/api.key or, with --interactive, a prompt
  api-key --email E
      log in, regenerate the personal API key, save it to ~/.impact/api.key
The password comes from MODELAUTH_PASSWORD or a prompt. Inference answers go to
stdout, step statuses to stderr. Exit status: 0 done, 1 refused by the server
(or no answer), 2 usage.
)";

/// Writes `parts` and a newline to `os`; nothing, for `return say(...)` on a failure path.
template<class... Parts>
std::nullopt_t say(std::ostream& os, Parts const&... parts)
{
    (os << ... << parts) << "\n";
    return std::nullopt;
}

/// Reads an environment variable; the same shape as api_key_source_options::getenv.
using environment = std::function<std::optional<std::string>(char const*)>;

/// A command line, checked: a known command with exactly the options it takes.
struct arguments
{
    base_url server;
    std::string command;
    std::map<std::string, std::string> options; // "--email" -> "e@x"; "--interactive" -> ""
    std::string model_url;                      // "/models/practicus/diamond-price/"
    json::value inputs;                         // the rows, a JSON array
};

// "/<model>/" if `model` is PREFIX/NAME[/VERSION] of unreserved URL characters.
inline std::optional<std::string> model_url_of(std::string_view model)
{
    std::string url = "/";
    for(auto start = model.find_first_not_of('/'); start < model.size();)
    {
        auto const end = std::min(model.find('/', start), model.size());
        auto const segment = model.substr(start, end - start);
        bool const plain = std::all_of(segment.begin(), segment.end(), [](unsigned char c) {
            return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
        });
        if(segment.empty() || segment == "." || segment == ".." || ! plain)
            return std::nullopt;
        url.append(segment).append("/");
        start = end + 1;
    }
    return std::count(url.begin(), url.end(), '/') >= 3 ? std::optional(url) : std::nullopt; // 2 segments or more
}

/// Parses and checks a command line; on failure returns nothing and says why.
inline std::optional<arguments> parse_arguments(std::vector<std::string> const& args, std::string& why)
{
    static std::map<std::string, std::set<std::string>> const takes = {
        {"practicus", {"--email", "--model", "--inputs"}},
        {"infer", {"--model", "--inputs", "--interactive"}},
        {"api-key", {"--email"}}};
    auto const fail = [&why](std::string text) {
        why = std::move(text);
        return std::nullopt;
    };
    arguments a;
    std::string base = "http://127.0.0.1:8080";
    for(std::size_t i = 0; i < args.size(); ++i)
    {
        auto const& arg = args[i];
        if(arg.rfind("--", 0) != 0 && a.command.empty())
            a.command = arg;
        else if(arg.rfind("--", 0) != 0)
            return fail("unexpected argument: " + arg);
        else if(arg == "--interactive")
            a.options[arg];
        else if(i + 1 == args.size())
            return fail(arg + " needs a value");
        else
            (arg == "--base-url" ? base : a.options[arg]) = args[++i];
    }
    auto const command = takes.find(a.command);
    if(command == takes.end())
        return fail(a.command.empty() ? "no command" : "unknown command: " + a.command);
    for(auto const& [name, value] : a.options)
        if(! command->second.count(name))
            return fail(a.command + " takes no " + name);
    for(auto const& name : command->second)
        if(name != "--interactive" && ! a.options.count(name))
            return fail(a.command + " needs " + name);
    if(auto server = parse_base_url(base, why))
        a.server = std::move(*server);
    else
        return std::nullopt;
    if(a.options.count("--model"))
    {
        if(auto url = model_url_of(a.options["--model"]))
            a.model_url = *url;
        else
            return fail("--model must be PREFIX/NAME[/VERSION], e.g. models/practicus/diamond-price");
    }
    if(a.options.count("--inputs"))
    {
        boost::system::error_code ec;
        a.inputs = json::parse(a.options["--inputs"], ec);
        if(ec || ! a.inputs.is_array())
            return fail("--inputs must be a JSON array of rows, e.g. [[1,2]]");
    }
    return a;
}

/// What a command works with.
struct session
{
    http_client http;
    std::istream& in;
    std::ostream& out; // inference answers and results only
    std::ostream& err; // prompts, step statuses, errors
    environment env;
};

/// The Authorization field of `token`.
inline header_list bearer(std::string const& token)
{
    return {{"authorization", "Bearer " + token}};
}

/// Sends one call of a flow and reports "<step>: <status>" on `err`, with the
/// error JSON's error and error_description on a refusal. Nothing unless 2xx.
inline std::optional<response> call(session& s, std::string_view step, http::verb method, std::string const& target,
                                    header_list const& headers, std::string body = {},
                                    std::string_view content_type = "application/json")
{
    auto res = s.http.request(method, target, headers, std::move(body), content_type);
    if(! res)
        return say(s.err, step, ": no answer from the server: ", res.error().message());
    s.err << step << ": " << res->result_int() << " " << res->reason();
    if(res->result_int() / 100 == 2)
    {
        s.err << "\n";
        return std::move(*res);
    }
    boost::system::error_code ec;
    auto const error = json::parse(res->body(), ec);
    for(auto const* name : {"error", "error_description"})
    {
        auto const* text = error.is_object() ? error.as_object().if_contains(name) : nullptr;
        if(! text || ! text->is_string())
            continue;
        s.err << ": ";
        for(unsigned char c : text->get_string()) // no terminal control characters from the server
            s.err << (c >= ' ' && c != 0x7f ? char(c) : '?');
    }
    return say(s.err);
}

/// The secret `name` of a 2xx JSON answer, if it is a string that a header can carry.
inline std::optional<std::string> secret(session& s, std::string_view step, std::optional<response> const& res,
                                         char const* name)
{
    if(! res)
        return std::nullopt;
    boost::system::error_code ec;
    auto const answer = json::parse(res->body(), ec);
    auto const* value = answer.is_object() ? answer.as_object().if_contains(name) : nullptr;
    if(value && value->is_string() && ! value->get_string().empty()
       && std::all_of(value->get_string().begin(), value->get_string().end(),
                      [](char c) { return c >= '!' && c <= '~'; }))
        return std::string(value->get_string());
    return say(s.err, step, ": unexpected answer: no usable \"", name, "\"");
}

// Turns the terminal's echo off while a password is typed, if standard input is one.
class echo_off
{
public:
    explicit echo_off(bool stdin_in_use)
    {
        if(stdin_in_use && ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved_) == 0)
        {
            auto quiet = saved_;
            quiet.c_lflag &= ~tcflag_t(ECHO);
            active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
    ~echo_off()
    {
        if(active_)
            ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    }
    echo_off(echo_off const&) = delete;
    echo_off& operator=(echo_off const&) = delete;

private:
    termios saved_{};
    bool active_ = false;
};

/// The password: MODELAUTH_PASSWORD if set, else one line typed after a prompt on `err`.
inline std::optional<std::string> password(session& s)
{
    if(auto from_env = s.env("MODELAUTH_PASSWORD"); from_env && ! from_env->empty())
        return from_env;
    s.err << "Password: " << std::flush;
    std::string line;
    {
        echo_off quiet(&s.in == &std::cin);
        std::getline(s.in, line);
    }
    s.err << "\n";
    if(! line.empty() && line.back() == '\r')
        line.pop_back();
    if(line.empty())
        return say(s.err, "no password: set MODELAUTH_PASSWORD or type it at the prompt");
    return line;
}

// POST /console/api/auth/ {"email","password"} -> {"access","refresh"}; `want` is the one kept.
inline std::optional<std::string> login(session& s, arguments const& a, std::string const& pass, char const* want)
{
    auto body = json::serialize(json::object{{"email", a.options.at("--email")}, {"password", pass}});
    auto const answer = call(s, "login", http::verb::post, "/console/api/auth/", {}, std::move(body));
    return secret(s, "login", answer, want);
}

// POST <model url> {"inputs"} -> prints the answer {"model_id","version","outputs"}.
inline int infer(session& s, arguments const& a, header_list const& credentials)
{
    auto body = json::serialize(json::object{{"inputs", a.inputs}});
    auto res = call(s, "inference", http::verb::post, a.model_url, credentials, std::move(body));
    if(! res)
        return refused;
    boost::system::error_code ec;
    auto const answer = json::parse(res->body(), ec);
    if(ec)
    {
        say(s.err, "inference: unexpected answer: not JSON");
        return refused;
    }
    s.out << json::serialize(answer) << "\n"; // serialized again: no control characters reach the terminal
    return done;
}

// The Practicus notebook's "No Practicus SDK" cell, then its inference call.
inline int practicus(session& s, arguments const& a)
{
    auto const pass = password(s);
    if(! pass)
        return usage_error;
    auto const refresh_token = login(s, a, *pass, "refresh");
    if(! refresh_token)
        return refused;
    auto const refreshed = call(s, "refresh", http::verb::post, "/console/api/auth/refresh/", bearer(*refresh_token),
                                json::serialize(json::object{{"refresh", *refresh_token}}));
    auto const access = secret(s, "refresh", refreshed, "access");
    if(! access)
        return refused;
    // The sample sends its form data here too; the server ignores it, so no secret is sent along.
    auto const meta = call(s, "get_meta", http::verb::get, a.model_url + "?get_meta=true", bearer(*access));
    if(! meta)
        return refused;
    auto const id_text = std::string((*meta)["x-prt-model-id"]);
    long long model_id = -1;
    auto const [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), model_id);
    if(ec != std::errc() || end != id_text.data() + id_text.size() || model_id < 0)
    {
        say(s.err, "get_meta: unexpected answer: no integer x-prt-model-id");
        return refused;
    }
    s.err << "model id: " << model_id << "\n";
    auto const exchanged = call(s, "model-auth", http::verb::get, "/console/api/modelhost/model-auth/", bearer(*access),
                                "model_id=" + std::to_string(model_id), "application/x-www-form-urlencoded");
    auto const token = secret(s, "model-auth", exchanged, "token");
    return token ? infer(s, a, bearer(*token)) : refused;
}

/// Where find_api_key looks: the session's environment and streams (the prompt on `err`).
inline api_key_source_options key_sources(session& s)
{
    api_key_source_options options;
    options.in = &s.in;
    options.out = &s.err;
    options.getenv = s.env;
    return options;
}

// The Modelon flow: the key from the environment, the key file or the prompt, as `impact-api-key`.
inline int infer_with_api_key(session& s, arguments const& a)
{
    auto options = key_sources(s);
    auto key = find_api_key(options);
    if(! key && key.error() == modelauth::http::error::missing_credentials && a.options.count("--interactive"))
    {
        echo_off quiet(&s.in == &std::cin); // the key is a secret too
        options.interactive = true;
        key = find_api_key(options);
        s.err << "\n";
    }
    if(key)
        return infer(s, a, {{"impact-api-key", *key}});
    s.err << "no usable API key (" << key.error().message() << "): set MODELON_IMPACT_CLIENT_API_KEY, "
          << "run `client api-key --email E`, or pass --interactive\n";
    return usage_error;
}

// Log in, regenerate the personal key (the old one stops working), save it, show its last 4 characters.
inline int regenerate_api_key(session& s, arguments const& a)
{
    auto const path = api_key_file_path(key_sources(s));
    if(! path)
    {
        say(s.err, "HOME is not set: nowhere to save the key");
        return usage_error;
    }
    auto const pass = password(s);
    if(! pass)
        return usage_error;
    auto const access = login(s, a, *pass, "access");
    if(! access)
        return refused;
    auto const regenerated = call(s, "api-key", http::verb::post, "/api/users/me/api-key", bearer(*access));
    auto const key = secret(s, "api-key", regenerated, "secret_key");
    if(! key)
        return refused;
    if(auto saved = write_api_key_file(*path, *key); ! saved)
    {
        say(s.err, "the new key could not be saved to ", path->string(), " (", saved.error().message(),
            "); the old key no longer works: fix that and run api-key again");
        return refused;
    }
    s.out << "API key saved to " << path->string() << " (ends in " << modelauth::validation::api_key_hint(*key) << ")\n";
    return done;
}

/// The whole program, on the streams and environment given.
inline int run(std::vector<std::string> const& args, std::istream& in, std::ostream& out, std::ostream& err,
               environment env)
{
    auto const asks_help = [&args](char const* flag) {
        return std::find(args.begin(), args.end(), flag) != args.end();
    };
    if(asks_help("--help") || asks_help("-h"))
    {
        out << usage;
        return done;
    }
    std::string why;
    auto a = parse_arguments(args, why);
    if(! a)
    {
        err << "client: " << why << "\n" << usage;
        return usage_error;
    }
    session s{http_client(a->server), in, out, err, std::move(env)};
    if(a->command == "practicus")
        return practicus(s, *a);
    return a->command == "infer" ? infer_with_api_key(s, *a) : regenerate_api_key(s, *a);
}

} // namespace client

#ifndef MODELAUTH_CLIENT_NO_MAIN
int main(int argc, char** argv)
{
    return client::run({argv + 1, argv + argc}, std::cin, std::cout, std::cerr, [](char const* name) {
        char const* value = std::getenv(name);
        return value ? std::optional<std::string>(value) : std::nullopt;
    });
}
#endif
