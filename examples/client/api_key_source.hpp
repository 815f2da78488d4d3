//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_EXAMPLES_CLIENT_API_KEY_SOURCE_HPP
#define MODELAUTH_EXAMPLES_CLIENT_API_KEY_SOURCE_HPP

/*  The client side of personal API keys (the Modelon Impact flow): where a
    client program finds the key it sends in `impact-api-key: <key>`.

    The sources, in this order, the first that has a key wins:
    1. the environment variable `MODELON_IMPACT_CLIENT_API_KEY` (name
       configurable), when set and not blank;
    2. the key file, `$HOME/.impact/api.key` by default: its first line;
    3. if enabled, a prompt: `Enter API key: ` on an output stream, one line
       read from an input stream; the key entered is saved to the key file
       (mode 0600) so the prompt does not come again.

    A key is taken with its surrounding white space (spaces, tabs, CR, LF)
    removed; what is left must be 1 to `max_api_key_bytes` bytes of visible
    ASCII (`!` to `~`), the characters an HTTP header value can carry as
    they are. A source that holds something else is an error, not skipped:
    the user put it there and should hear about it.

    Errors are modelauth's codes (`modelauth::http::error`,
    `modelauth::validation::error`), so a caller tests them as the server
    does. The key file is written with modelauth's durable-file helper
    (`modelauth/detail/durable_file.hpp`: POSIX `open` with mode 0600,
    `fsync`, `rename`); this header is for POSIX systems.

    Part of examples/client, tested by tests/client/api_key_source_test.cpp.
*/

#include <modelauth/detail/durable_file.hpp>
#include <modelauth/error.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/validation/error.hpp>

#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace client {

/// The environment variable read first, as the Modelon Impact client names it.
inline constexpr std::string_view default_api_key_env_var = "MODELON_IMPACT_CLIENT_API_KEY";

/// The longest API key accepted from any source, in bytes.
inline constexpr std::size_t max_api_key_bytes = 4096;

/// Where and how `find_api_key` looks for a key.
struct api_key_source_options
{
    /// The environment variable read first; empty: no variable is read.
    std::string env_var = std::string(default_api_key_env_var);

    /// The key file; empty: `$HOME/.impact/api.key`, or no file at all when
    /// `HOME` is unset or empty (see `api_key_file_path`).
    std::optional<std::filesystem::path> key_file;

    /// Whether to prompt for the key when no other source has one.
    bool interactive = false;

    /// Where the prompt reads the key; null: `std::cin`. The key is echoed as
    /// typed unless the caller turns the terminal's echo off.
    std::istream* in = nullptr;

    /// Where the prompt is written; null: `std::cout`.
    std::ostream* out = nullptr;

    /// Reads an environment variable (for `env_var` and `HOME`): the value,
    /// or nothing if unset. Empty: `std::getenv`, which is not safe against a
    /// concurrent `setenv`.
    std::function<std::optional<std::string>(char const*)> getenv;
};

/** The key file that `options` designates: `options.key_file` if set, else
    `$HOME/.impact/api.key`, or nothing if `HOME` is unset or empty.

    Complexity: constant. Exception safety: strong (may throw `std::bad_alloc`).
*/
[[nodiscard]] inline std::optional<std::filesystem::path>
api_key_file_path(api_key_source_options const& options);

/** Finds the client's API key: the environment, then the key file, then the
    prompt if `options.interactive` (see the file comment).

    The key entered at the prompt is saved with `write_api_key_file` to
    `api_key_file_path(options)` before it is returned. If saving fails the
    key is returned all the same and a line saying why (naming the file,
    never the key) is written to the output stream.

    @return The key, or
    - `http::error::missing_credentials` if no source has one (the
      variable unset or blank, the file missing, unreadable or with a blank
      first line, the prompt off or answered with a blank line);
    - `http::error::credential_too_large` if the first source that has
      a key holds more than `max_api_key_bytes` bytes (for the file and the
      prompt, a line over twice that is not read to its end);
    - `validation::error::malformed_api_key` if that key holds a byte outside
      visible ASCII.

    Complexity: linear in what it reads. Exception safety: strong, apart
    from what a failed prompt read or write did to the streams (may throw
    `std::bad_alloc`). Thread safety: may be called concurrently, but
    prompts from two threads on one terminal interleave.
*/
[[nodiscard]] inline modelauth::result<std::string> find_api_key(api_key_source_options const& options);

/** Reads the key from the first line of the file at `path`.

    @return The key, or the errors of `find_api_key` for this one source
    (`missing_credentials` for a missing, unreadable or blank-first-line file).

    Complexity: linear in the first line. Exception safety: strong.
*/
[[nodiscard]] inline modelauth::result<std::string> read_api_key_file(std::filesystem::path const& path);

/** Saves `key` as the file `path`, mode 0600, replacing any file there.

    The key and a newline are written to a new temporary file in the same
    directory (created with mode 0600, never readable by others even for a
    moment), synced, then renamed over `path`, so a reader sees the old file
    or the new one, never a part. A missing directory is created, the last
    level with mode 0700.

    @return Nothing, or
    - `http::error::missing_credentials` if `key` is empty,
      `http::error::credential_too_large` if it is longer than
      `max_api_key_bytes`, `validation::error::malformed_api_key` if it holds a
      byte outside visible ASCII (nothing is written then);
    - the system's error (compare with `std::errc`) if the directory or the
      file cannot be created, written or renamed; the temporary file is
      removed then.

    Complexity: linear in `key.size()`, plus two `fsync`s. Exception safety:
    strong (may throw `std::bad_alloc`).
*/
[[nodiscard]] inline modelauth::result<void> write_api_key_file(std::filesystem::path const& path,
                                                                std::string_view key);

//----------------------------------------------------------------------------
// Definitions

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
inline modelauth::result<void> check_api_key_text(std::string_view key) noexcept
{
    if(key.empty())
        return modelauth::http::error::missing_credentials;
    if(key.size() > max_api_key_bytes)
        return modelauth::http::error::credential_too_large;
    for(char c : key)
        if(c < '!' || c > '~')
            return modelauth::validation::error::malformed_api_key;
    return {};
}

// The trimmed key of `text` if it is usable, else why not.
inline modelauth::result<std::string> api_key_from_text(std::string_view text)
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

inline modelauth::result<std::string> read_api_key_file(std::filesystem::path const& path)
{
    std::ifstream file(path, std::ios::binary);
    if(! file)
        return modelauth::http::error::missing_credentials;
    std::string line;
    if(! detail::read_bounded_line(file, line, detail::api_key_line_limit))
        return modelauth::http::error::credential_too_large;
    return detail::api_key_from_text(line);
}

inline modelauth::result<std::string> find_api_key(api_key_source_options const& options)
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
        if(key || key.error() != modelauth::http::error::missing_credentials)
            return key;
    }

    // 3. The prompt; what it gets is saved for next time.
    if(! options.interactive)
        return modelauth::http::error::missing_credentials;
    std::istream& in = options.in ? *options.in : std::cin;
    std::ostream& out = options.out ? *options.out : std::cout;
    out << "Enter API key: " << std::flush;
    std::string line;
    if(! detail::read_bounded_line(in, line, detail::api_key_line_limit))
        return modelauth::http::error::credential_too_large;
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

inline modelauth::result<void> write_api_key_file(std::filesystem::path const& path, std::string_view key)
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

} // namespace client

#endif
