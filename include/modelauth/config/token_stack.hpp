//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CONFIG_TOKEN_STACK_HPP
#define MODELAUTH_CONFIG_TOKEN_STACK_HPP

/** @file
    The lifecycle's storage from configuration: token lifetimes from JSON,
    and the token issuer and store of a server (`make_token_stack`): with a
    state directory, a journal and the issuer's key file in it; without,
    both in memory for this run. Part of the lifecycle (`<modelauth/tokens.hpp>`;
    the journal uses Linux file I/O).

    @code
    lifetimes {access "30m", refresh "90d", model_session "4h", temporary "24h"}   each optional
    @endcode
*/

#include <modelauth/clock.hpp>
#include <modelauth/config/json_reader.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/tokens/in_memory_token_store.hpp>
#include <modelauth/tokens/issuer.hpp>
#include <modelauth/tokens/journal_token_store.hpp>
#include <modelauth/tokens/managed_token_store.hpp>
#include <modelauth/tokens/ttl.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace tokens {
class RedisTokenStore; // <modelauth/config/redis_token_stack.hpp>
} // namespace tokens
namespace config {

/// The issuer's key file inside a state directory.
inline constexpr std::string_view issuer_key_file_name = "issuer_keys.json";

/** A lifetime such as `"30m"` (`tokens::parse_ttl`).

    @throws configuration_error naming `value`: "must be a string", or
    "must be a lifetime: a positive integer without a leading zero and one
    unit of s, m, h, d ("30m", "90d"), at most 3650d".
*/
[[nodiscard]] inline std::chrono::seconds lifetime_from_json(json_reader const& value)
{
    auto const ttl = tokens::parse_ttl(value.string());
    if(! ttl)
        value.fail("must be a lifetime: a positive integer without a leading zero and one unit of s, m, h, d "
                   "(\"30m\", \"90d\"), at most 3650d");
    return *ttl;
}

/** Reads `lifetimes` (schema in the file comment); what is absent keeps
    its default.

    @throws configuration_error naming the key path.
*/
[[nodiscard]] inline tokens::token_lifetimes token_lifetimes_from_json(json_reader const& lifetimes)
{
    lifetimes.allow_only({"access", "refresh", "model_session", "temporary"});
    tokens::token_lifetimes out;
    auto read = [&](std::string_view key, std::chrono::seconds& into) {
        if(auto const x = lifetimes.find(key))
            into = lifetime_from_json(*x);
    };
    read("access", out.access);
    read("refresh", out.refresh);
    read("model_session", out.model_session);
    read("temporary", out.temporary);
    return out;
}

/// What `make_token_stack` builds.
template<class Clock = system_clock_source>
struct basic_token_stack
{
    /// Where managed tokens live: `journal`, or an in-memory store.
    std::shared_ptr<tokens::ManagedTokenStore> store;

    /// The journal when there is a state directory; else null.
    std::shared_ptr<tokens::JournalTokenStore> journal;

    /// The Redis store shared by replicas (`make_redis_token_stack`); else null.
    std::shared_ptr<tokens::RedisTokenStore> redis;

    /// The server's own token issuer (not const: a server rotates its key).
    std::shared_ptr<tokens::token_issuer<Clock>> issuer;
};

/// The stack on the system clock.
using token_stack = basic_token_stack<>;

/** Opens (or creates) the token store and the issuer.

    With `state_dir`: a `JournalTokenStore` in it and the issuer's keys in
    `<state_dir>/issuer_keys.json` (loaded, or created), so a restart keeps
    every token valid. Without: an `InMemoryTokenStore` and keys generated
    for this run. Old signing keys are kept for the longest JWT lifetime of
    `lifetimes`.

    @throws configuration_error naming `state_dir` (the journal or key file
    cannot be opened) or `issuer` (no signing key can be made).
*/
template<class Clock>
[[nodiscard]] basic_token_stack<Clock> make_token_stack(tokens::issuer_options issuer,
    std::optional<std::filesystem::path> const& state_dir, tokens::token_lifetimes const& lifetimes, Clock clock,
    tokens::journal_options const& journal = {})
{
    using issuer_type = tokens::token_issuer<Clock>;
    auto const retain = tokens::longest_jwt_lifetime(lifetimes);
    basic_token_stack<Clock> stack;
    if(state_dir)
    {
        std::string why;
        auto opened = tokens::JournalTokenStore::open(*state_dir, journal, &why);
        if(! opened)
            throw configuration_error("state_dir", "the token journal cannot be opened: " + why);
        stack.journal = *opened;
        stack.store = std::move(*opened);
        auto const key_file = *state_dir / std::string(issuer_key_file_name);
        auto loaded = issuer_type::load_or_create(key_file, std::move(issuer), retain, clock);
        if(! loaded)
            throw configuration_error(
                "state_dir", key_file.string() + " cannot be loaded or created: " + loaded.error().message());
        stack.issuer = std::make_shared<issuer_type>(std::move(*loaded));
    }
    else
    {
        stack.store = std::make_shared<tokens::InMemoryTokenStore>();
        auto generated = issuer_type::generate(std::move(issuer), retain, clock);
        if(! generated)
            throw configuration_error("issuer", "no signing key: " + generated.error().message());
        stack.issuer = std::make_shared<issuer_type>(std::move(*generated));
    }
    return stack;
}

} // namespace config
} // namespace v0
} // namespace modelauth

#endif
