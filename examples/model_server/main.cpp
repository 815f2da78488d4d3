//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// model_server: the reference model server of api.md (see README.md here).
//
//   model_server [--config PATH] [--listen HOST:PORT] [--state-dir DIR]
//   model_server --print-default-config            (the embedded demo config)
//   model_server hash-password [--iterations N]     (reads the password from stdin)
//
// Without --config it serves the embedded demo config: user demo@example.com,
// whose password is $MODELAUTH_DEMO_PASSWORD or, when that is unset, a
// generated one printed once. It prints `listening on http://<host>:<port>`
// when it accepts connections, and exits 0 after SIGINT or SIGTERM once the
// requests in progress are answered. A bad config or argument: a message
// naming the field on stderr and exit status 2.

#include "config.hpp"
#include "server.hpp"

#include <modelauth/configuration_error.hpp>
#include <modelauth/tokens/password.hpp>

#include <boost/json/value.hpp>

#include <openssl/rand.h>

#include <charconv>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr int exit_usage = 2;

constexpr char const* usage_text =
    "usage: model_server [--config PATH] [--listen HOST:PORT] [--state-dir DIR] | --print-default-config\n"
    "       model_server hash-password [--iterations N]   (reads the password from stdin)\n";

// The value after the option at `args[i]`; throws naming the option if none.
std::string option_value(std::vector<std::string_view> const& args, std::size_t& i)
{
    if(i + 1 >= args.size())
        throw modelauth::configuration_error(std::string(args[i]), "needs a value");
    return std::string(args[++i]);
}

// A random password of 20 characters of [A-Za-z0-9] (about 119 bits).
std::string generate_password()
{
    static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string password;
    while(password.size() < 20)
    {
        unsigned char byte = 0;
        if(RAND_bytes(&byte, 1) != 1)
            throw std::runtime_error("the random generator failed");
        if(byte < 248) // 248 = 4 * 62: no bias
            password += alphabet[byte % alphabet.size()];
    }
    return password;
}

int hash_password_command(std::vector<std::string_view> const& args)
{
    unsigned iterations = modelauth::tokens::default_password_iterations;
    for(std::size_t i = 1; i < args.size(); ++i)
    {
        if(args[i] != "--iterations")
            throw modelauth::configuration_error(std::string(args[i]), "is not an option of hash-password");
        auto const text = option_value(args, i);
        auto const [end, errc] = std::from_chars(text.data(), text.data() + text.size(), iterations);
        if(errc != std::errc() || end != text.data() + text.size() || iterations < modelauth::tokens::min_password_iterations
            || iterations > modelauth::tokens::max_password_iterations)
            throw modelauth::configuration_error("--iterations", "must be a number from 100000 to 10000000");
    }
    std::string password;
    std::getline(std::cin, password);
    if(! password.empty() && password.back() == '\r')
        password.pop_back();
    if(password.empty())
        throw modelauth::configuration_error("password", "standard input holds no password (one line)");
    auto const hash = modelauth::tokens::hash_password(password, iterations);
    if(! hash)
        throw modelauth::configuration_error("password", hash.error().message());
    std::cout << *hash << std::endl;
    return 0;
}

int serve_command(std::vector<std::string_view> const& args)
{
    std::optional<std::string> config_path, listen, state_dir;
    for(std::size_t i = 0; i < args.size(); ++i)
    {
        if(args[i] == "--config")
            config_path = option_value(args, i);
        else if(args[i] == "--listen")
            listen = option_value(args, i);
        else if(args[i] == "--state-dir")
            state_dir = option_value(args, i);
        else if(args[i] == "--print-default-config")
            return std::cout << model_server::default_config_text(), 0;
        else if(args[i] == "--help" || args[i] == "-h")
            return std::cout << usage_text, 0;
        else
            throw modelauth::configuration_error(std::string(args[i]), "is not an option (see --help)");
    }

    // The demo user's password, for the embedded config only.
    std::optional<std::string> generated;
    model_server::parse_config_options parse_options;
    if(! config_path)
    {
        char const* env = std::getenv("MODELAUTH_DEMO_PASSWORD");
        std::string const password = env != nullptr && *env != '\0' ? std::string(env) : *(generated = generate_password());
        auto hash = modelauth::tokens::hash_password(password);
        if(! hash)
            throw modelauth::configuration_error("MODELAUTH_DEMO_PASSWORD", hash.error().message());
        parse_options.demo_password = modelauth::tokens::password_hash::parse(*hash).value();
    }
    model_server::server_config config = config_path
        ? model_server::load_config_file(*config_path)
        : model_server::parse_config(model_server::default_config_text(), parse_options);
    if(listen)
        config.listen = modelauth::config::parse_listen(modelauth::config::json_reader(boost::json::value(*listen), "--listen"));
    if(state_dir)
    {
        if(state_dir->empty())
            throw modelauth::configuration_error("--state-dir", "must not be empty");
        config.state_dir = *state_dir;
    }
    std::string const demo_user = config_path ? std::string() : config.directory.users.front().email;

    model_server::start_options options;
    options.stop_on_signals = true;
    model_server::server server;
    server.start(config, options);
    if(! demo_user.empty())
    {
        std::cout << "demo user: " << demo_user << "\n";
        if(generated)
            std::cout << "demo password: " << *generated << "   (set MODELAUTH_DEMO_PASSWORD to choose it)\n";
        else
            std::cout << "demo password: from MODELAUTH_DEMO_PASSWORD\n";
    }
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
    std::vector<std::string_view> args(argv + 1, argv + argc);
    if(! args.empty() && args.front() == "hash-password")
        return hash_password_command(args);
    return serve_command(args);
}
catch(modelauth::configuration_error const& e) // a bad option, config file or environment
{
    std::cerr << "model_server: " << e.what() << "\n";
    return exit_usage;
}
catch(std::exception const& e)
{
    std::cerr << "model_server: " << e.what() << "\n";
    return 1;
}
