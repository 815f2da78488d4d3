// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)

// model_server: the reference model server of api.md (README.md here).
//   model_server [--config PATH] [--listen HOST:PORT] [--state-dir DIR] [--redis URL] [--issuer URL]
//   model_server --print-default-config            (the embedded demo config)
//   model_server hash-password [--iterations N]     (reads the password from stdin)
// Without --config: the demo config, user demo@example.com, password
// $MODELAUTH_DEMO_PASSWORD or a generated one printed once. Prints
// `listening on http://<host>:<port>`; exits 0 after SIGINT / SIGTERM once the
// requests in progress are answered; a bad config or argument: stderr, status 2.

#include "server.hpp"

#include <modelauth/tokens/password.hpp>

#include <openssl/rand.h>

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <system_error>

namespace {

using modelauth::configuration_error;
namespace tokens = modelauth::tokens;
using args_type = std::vector<std::string_view>;

constexpr char const* usage_text =
    "usage: model_server [--config PATH] [--listen HOST:PORT] [--state-dir DIR] [--redis URL] [--issuer URL]\n"
    "       model_server --print-default-config\n"
    "       model_server hash-password [--iterations N]   (reads the password from stdin)\n";

// The value after the option at `args[i]`; throws naming the option if none.
std::string option_value(args_type const& args, std::size_t& i)
{
    if(i + 1 >= args.size())
        throw configuration_error(std::string(args[i]), "needs a value");
    return std::string(args[++i]);
}

// 20 characters of [A-Za-z0-9] (about 119 bits), without modulo bias.
std::string generate_password()
{
    static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string password;
    for(unsigned char byte = 0; password.size() < 20;)
    {
        if(RAND_bytes(&byte, 1) != 1)
            throw std::runtime_error("the random generator failed");
        if(byte < 248) // 4 * 62
            password += alphabet[byte % alphabet.size()];
    }
    return password;
}

int hash_password_command(args_type const& args)
{
    unsigned iterations = tokens::default_password_iterations;
    for(std::size_t i = 1; i < args.size(); ++i)
    {
        if(args[i] != "--iterations")
            throw configuration_error(std::string(args[i]), "is not an option of hash-password");
        auto const text = option_value(args, i);
        auto const [end, errc] = std::from_chars(text.data(), text.data() + text.size(), iterations);
        if(errc != std::errc() || end != text.data() + text.size() || iterations < tokens::min_password_iterations
            || iterations > tokens::max_password_iterations)
            throw configuration_error("--iterations", "must be a number from 100000 to 10000000");
    }
    std::string password;
    std::getline(std::cin, password);
    if(! password.empty() && password.back() == '\r')
        password.pop_back();
    if(password.empty())
        throw configuration_error("password", "standard input holds no password (one line)");
    auto const hash = tokens::hash_password(password, iterations);
    if(! hash)
        throw configuration_error("password", hash.error().message());
    std::cout << *hash << std::endl;
    return 0;
}

int serve_command(args_type const& args)
{
    std::optional<std::string> config_path, listen, state_dir, redis, issuer;
    for(std::size_t i = 0; i < args.size(); ++i)
    {
        if(args[i] == "--print-default-config")
            return std::cout << model_server::default_config_text(), 0;
        if(args[i] == "--help" || args[i] == "-h")
            return std::cout << usage_text, 0;
        auto* const into = args[i] == "--config" ? &config_path
            : args[i] == "--listen"              ? &listen
            : args[i] == "--state-dir"           ? &state_dir
            : args[i] == "--redis"               ? &redis
            : args[i] == "--issuer"              ? &issuer
                                                 : nullptr;
        if(into == nullptr)
            throw configuration_error(std::string(args[i]), "is not an option (see --help)");
        *into = option_value(args, i);
    }
    // The demo user's password, for the embedded config only.
    std::optional<std::string> generated;
    model_server::parse_config_options options;
    if(! config_path)
    {
        char const* env = std::getenv("MODELAUTH_DEMO_PASSWORD");
        auto const hash = tokens::hash_password(env != nullptr && *env != '\0' ? env : *(generated = generate_password()));
        if(! hash)
            throw configuration_error("MODELAUTH_DEMO_PASSWORD", hash.error().message());
        options.demo_password = tokens::password_hash::parse(*hash).value();
    }
    auto config = config_path ? model_server::load_config_file(*config_path)
                              : model_server::parse_config(model_server::default_config_text(), options);
    if(listen)
        config.listen = modelauth::config::parse_listen(modelauth::config::json_reader(boost::json::value(*listen), "--listen"));
    if(state_dir && state_dir->empty())
        throw configuration_error("--state-dir", "must not be empty");
    if(state_dir)
        config.state_dir = *state_dir;
    // Replicas: every one started with the same --issuer and --redis (api.md, Operations).
    if(issuer)
    {
        if(auto const problem = modelauth::http::base_url_problem(*issuer); ! problem.empty())
            throw configuration_error("--issuer", problem);
        config.issuer = *issuer;
    }
    if(redis)
    {
        std::string problem;
        static_cast<void>(tokens::detail::parse_redis_url(*redis, problem));
        if(! problem.empty())
            throw configuration_error("--redis", problem);
        if(config.state_dir)
            throw configuration_error("--redis", "cannot be used with a state directory");
        config.redis = *redis;
    }

    model_server::start_options start;
    start.stop_on_signals = true;
    // An identity provider's outage and its end, once each, on standard error
    // (the keys fetched last stay in force meanwhile).
    start.remote_keys.on_fetch = [seen = std::make_shared<std::map<std::string, std::error_code>>()](
                                     std::string const& issuer, std::error_code outcome) {
        auto const [last, first] = seen->try_emplace(issuer, outcome);
        if(! first && last->second == outcome)
            return;
        last->second = outcome;
        std::cerr << "model_server: keys of " << issuer << ": "
                  << (outcome ? "fetch failed, " + outcome.message() : std::string("fetched")) << "\n";
    };
    model_server::server server;
    server.start(config, start);
    if(! config_path)
        std::cout << "demo user: " << config.directory.users.front().email << "\ndemo password: "
                  << (generated ? *generated + "   (set MODELAUTH_DEMO_PASSWORD to choose it)" : "from MODELAUTH_DEMO_PASSWORD")
                  << "\n";
    std::cout << "listening on " << server.base_url() << std::endl;
    server.wait();
    server.stop();
    std::cerr << "model_server: stopped\n";
    return 0;
}

} // namespace

int main(int argc, char** argv)
try
{
    args_type const args(argv + 1, argv + argc);
    return ! args.empty() && args.front() == "hash-password" ? hash_password_command(args) : serve_command(args);
}
catch(configuration_error const& e) // a bad option, config file or environment
{
    std::cerr << "model_server: " << e.what() << "\n";
    return 2;
}
catch(std::exception const& e)
{
    std::cerr << "model_server: " << e.what() << "\n";
    return 1;
}
