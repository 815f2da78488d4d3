//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_IMPL_API_KEY_SOURCE_HPP
#define MODELAUTH_TOKENS_IMPL_API_KEY_SOURCE_HPP

#include <modelauth/detail/durable_file.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/validation/error.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <system_error>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {

// A file or prompt line longer than this is refused without being read on:
// room for a key of `max_api_key_bytes` with generous white space around it.
inline constexpr std::size_t api_key_line_limit = 2 * max_api_key_bytes;

inline constexpr bool is_api_key_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// `text` without its leading and trailing white space.
inline std::string_view trim_api_key(std::string_view text) noexcept
{
    while(! text.empty() && is_api_key_space(text.front()))
        text.remove_prefix(1);
    while(! text.empty() && is_api_key_space(text.back()))
        text.remove_suffix(1);
    return text;
}

// Whether a trimmed key may be used: present, not too long, visible ASCII.
inline result<void> check_api_key_text(std::string_view key) noexcept
{
    if(key.empty())
        return http::error::missing_credentials;
    if(key.size() > max_api_key_bytes)
        return http::error::credential_too_large;
    for(char c : key)
        if(c < '!' || c > '~')
            return validation::error::malformed_api_key;
    return {};
}

// The trimmed key of `text` if it is usable, else why not.
inline result<std::string> api_key_from_text(std::string_view text)
{
    auto const key = trim_api_key(text);
    if(auto checked = check_api_key_text(key); ! checked)
        return checked.error();
    return std::string(key);
}

// Reads one line (without its '\n') into `line`; false if it holds more than
// `limit` bytes, in which case it is not read further.
inline bool read_bounded_line(std::istream& in, std::string& line, std::size_t limit)
{
    line.clear();
    char c;
    while(in.get(c))
    {
        if(c == '\n')
            return true;
        if(line.size() == limit)
            return false;
        line += c;
    }
    return true;
}

inline std::optional<std::string> read_environment(api_key_source_options const& options,
                                                   char const* name)
{
    if(options.getenv)
        return options.getenv(name);
    if(char const* value = std::getenv(name))
        return std::string(value);
    return std::nullopt;
}

} // namespace detail

inline std::optional<std::filesystem::path> api_key_file_path(api_key_source_options const& options)
{
    if(options.key_file)
        return options.key_file;
    auto const home = detail::read_environment(options, "HOME");
    if(! home || home->empty())
        return std::nullopt;
    return std::filesystem::path(*home) / ".impact" / "api.key";
}

inline result<std::string> read_api_key_file(std::filesystem::path const& path)
{
    std::ifstream file(path, std::ios::binary);
    if(! file)
        return http::error::missing_credentials;
    std::string line;
    if(! detail::read_bounded_line(file, line, detail::api_key_line_limit))
        return http::error::credential_too_large;
    return detail::api_key_from_text(line);
}

inline result<std::string> find_api_key(api_key_source_options const& options)
{
    // 1. The environment: set and not blank wins, for better or worse.
    if(! options.env_var.empty())
        if(auto value = detail::read_environment(options, options.env_var.c_str()))
            if(! detail::trim_api_key(*value).empty())
                return detail::api_key_from_text(*value);

    // 2. The key file: missing or blank means "look further".
    auto const path = api_key_file_path(options);
    if(path)
    {
        auto key = read_api_key_file(*path);
        if(key || key.error() != http::error::missing_credentials)
            return key;
    }

    // 3. The prompt; what it gets is saved for next time.
    if(! options.interactive)
        return http::error::missing_credentials;
    std::istream& in = options.in ? *options.in : std::cin;
    std::ostream& out = options.out ? *options.out : std::cout;
    out << "Enter API key: " << std::flush;
    std::string line;
    if(! detail::read_bounded_line(in, line, detail::api_key_line_limit))
        return http::error::credential_too_large;
    auto key = detail::api_key_from_text(line);
    if(! key)
        return key;
    if(! path)
        out << "warning: the API key was not saved: HOME is not set\n";
    else if(auto saved = write_api_key_file(*path, *key); ! saved)
        out << "warning: the API key could not be saved to " << path->string() << ": "
            << saved.error().message() << "\n";
    return key;
}

inline result<void> write_api_key_file(std::filesystem::path const& path, std::string_view key)
{
    namespace fs = std::filesystem;
    if(auto checked = detail::check_api_key_text(key); ! checked)
        return checked;
    if(! path.has_filename())
        return std::make_error_code(std::errc::is_a_directory);

    std::error_code ec;
    if(path.has_parent_path())
    {
        auto const dir = path.parent_path();
        if(! fs::exists(dir, ec))
        {
            if(ec)
                return ec;
            fs::create_directories(dir, ec);
            if(! ec)
                fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
            if(ec)
                return ec;
        }
    }

    std::string contents;
    contents.reserve(key.size() + 1);
    contents.append(key);
    contents += '\n';
    // A new file beside it, mode 0600 whatever the umask took away, renamed
    // over it; syncing the directory is best effort.
    if(int const error = modelauth::detail::write_file_atomically(path, contents,
                                                                  modelauth::detail::directory_sync::best_effort))
        return std::error_code(error, std::generic_category());
    return {};
}

} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
