//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_API_KEY_SOURCE_HPP
#define MODELAUTH_TOKENS_API_KEY_SOURCE_HPP

/** @file
    The client side of personal API keys (the Modelon Impact flow): where a
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

    Files are written with POSIX calls (`open` with mode 0600, `fsync`,
    `rename`); this header is for POSIX systems.
*/

#include <modelauth/error.hpp>
#include <modelauth/http/error.hpp>
#include <modelauth/validation/error.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace tokens {

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
[[nodiscard]] inline result<std::string> find_api_key(api_key_source_options const& options);

/** Reads the key from the first line of the file at `path`.

    @return The key, or the errors of `find_api_key` for this one source
    (`missing_credentials` for a missing, unreadable or blank-first-line file).

    Complexity: linear in the first line. Exception safety: strong.
*/
[[nodiscard]] inline result<std::string> read_api_key_file(std::filesystem::path const& path);

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
[[nodiscard]] inline result<void> write_api_key_file(std::filesystem::path const& path,
                                                     std::string_view key);

} // namespace tokens
} // namespace v0
} // namespace modelauth

#include <modelauth/tokens/impl/api_key_source.hpp>

#endif
