//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_JWKS_SOURCE_HPP
#define MODELAUTH_VALIDATION_JWKS_SOURCE_HPP

/** @file
    `basic_jwks_source<Clock>` (`jwks_source` on the system clock): fetches
    identity providers' key sets over HTTPS, with OpenID Connect discovery,
    and publishes them to a validator. Network I/O, so it is in neither
    umbrella header: include it by name.

    What it does for each `remote_key_source` (the rules are in
    `<modelauth/validation/remote_keys.hpp>`): fetch the discovery document
    (if asked) and the JWKS on the executor it is given, or on its own
    thread; check the peer (system CAs or `ca_file`, host name, SNI), bound
    the exchange (connect and request deadlines, body size, no redirect);
    load the set; publish it when it differs from the keys in force; fetch
    again on its schedule, sooner when a token names an unknown `kid` (at
    most once per `min_refresh`), backing off with jitter while the provider
    fails. A request never waits on any of it: the validator reads the keys
    in force from its snapshot.

    @code
    auto stack = modelauth::config::make_guard(issuers, models, ...);   // issuers with remote_keys
    auto source = std::make_shared<modelauth::validation::jwks_source>(
        server_executor, std::vector{modelauth::validation::remote_key_source{
            "https://login.example.com/realms/models", {}, true}});      // discovery
    source->attach(stack.validator);
    source->start();
    @endcode
*/

#include <modelauth/clock.hpp>
#include <modelauth/jose/key_set.hpp>
#include <modelauth/validation/remote_keys.hpp>
#include <modelauth/validation/token_validator.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace validation {

/** Limits of every fetch of a `basic_jwks_source`. */
struct jwks_source_options
{
    /// The longest a TCP connection may take to open.
    std::chrono::milliseconds connect_timeout{5000};

    /// The longest a whole exchange may take: resolve, connect, TLS
    /// handshake, request, response.
    std::chrono::milliseconds request_timeout{10000};

    /// The largest response body read (a discovery document or a JWKS).
    std::size_t max_body_bytes = jose::key_set::max_jwks_size;

    /// The `User-Agent` sent.
    std::string user_agent = "modelauth";

    /** Told when each fetch ends, with the issuer and why it failed (empty:
        it succeeded): where a server logs a provider's outage. Called on
        the source's thread; must not block. The code's message names the
        failure, never the document's content.
    */
    std::function<void(std::string const& issuer, std::error_code outcome)> on_fetch;
};

/// The outcomes a fetch is counted under: `ok`, then each `fetch_error`.
inline constexpr std::size_t fetch_outcome_count = 14;

/** What a `basic_jwks_source` knows of one issuer's keys. */
struct remote_key_status
{
    /// The issuer.
    std::string issuer;

    /// The JWKS URL in use (found by discovery, or configured); empty
    /// while discovery has not answered.
    std::string jwks_uri;

    /// The keys in force (0 until a set is fetched).
    std::size_t keys = 0;

    /// When the last fetch succeeded, if one did.
    std::optional<std::chrono::system_clock::time_point> last_success;

    /// Why the last fetch failed; empty when it succeeded (or none ended yet).
    std::error_code last_error;

    /// Fetches that ended, by outcome: [0] succeeded, [n] failed with
    /// `fetch_error(n)`. A fetch with discovery counts once.
    std::array<std::uint64_t, fetch_outcome_count> fetches{};
};

/** Fetches the key sets of remote issuers and keeps them current.

    @tparam Clock Where time comes from (see `clock.hpp`): the rate limit of
    the fetches unknown `kid`s ask for, and `last_success`. Schedules run on
    the executor's steady timers.

    Thread safety: `request_refresh`, `status`, `issuers_without_keys` and
    `append_prometheus` are safe from any thread at once; `attach`,
    `on_keys`, `start` and `stop` are called by the owner. The destructor
    stops it.
*/
template<class Clock = system_clock_source>
class basic_jwks_source
{
public:
    /// Receives a fetched set that differs from the last one published.
    using publish_function = std::function<void(std::string const& issuer, jose::key_set keys)>;

    /** A source running on `executor` (its handlers run on strands of it).

        @throws configuration_error naming `<config_path>.<field>` (by
        default `remote_keys[i].<field>`): a bad
        `jwks_uri` or discovery URL, a `ca_file` that does not load, an issuer
        listed twice, `refresh` or `min_refresh` not positive.
    */
    basic_jwks_source(boost::asio::any_io_executor executor, std::vector<remote_key_source> sources,
                      jwks_source_options options = {}, Clock clock = Clock{});

    /** A source running on a thread of its own, started by `start`. */
    explicit basic_jwks_source(std::vector<remote_key_source> sources, jwks_source_options options = {},
                               Clock clock = Clock{});

    ~basic_jwks_source();

    basic_jwks_source(basic_jwks_source const&) = delete;
    basic_jwks_source& operator=(basic_jwks_source const&) = delete;

    /** Publishes to `validator` (`set_issuer_keys`) and asks for a fetch
        when it meets an unknown `kid` (`on_unknown_key`). Each side holds
        the other weakly: either may go first. Call before `start`.

        @throws configuration_error when the validator does not trust one of
        the sources' issuers.
    */
    template<class ValidatorClock>
    void attach(std::shared_ptr<basic_token_validator<ValidatorClock>> const& validator);

    /// Publishes to `publish` instead (or as well: the last call wins). Call before `start`.
    void on_keys(publish_function publish);

    /// Fetches every issuer's keys now, then on schedule. Returns at once.
    void start();

    /** Stops: cancels the fetches in flight and the schedules; publishes
        nothing more. With its own thread, joins it. Idempotent.
    */
    void stop() noexcept;

    /** Asks for a fetch of `issuer`'s keys now, unless one was asked less
        than its `min_refresh` ago. Never blocks, never throws; an unknown
        issuer is ignored. What the validator's `on_unknown_key` calls.

        @return Whether a fetch was asked for.
    */
    bool request_refresh(std::string_view issuer) noexcept;

    /// What is known of each issuer's keys, in the order of the sources.
    [[nodiscard]] std::vector<remote_key_status> status() const;

    /// The issuers with no key in force yet.
    [[nodiscard]] std::vector<std::string> issuers_without_keys() const;

    /** Appends the Prometheus text of the fetch metrics, names starting
        with `prefix` (e.g. `modelauth`): `<prefix>_key_fetches_total{issuer,outcome}`,
        `<prefix>_keys_loaded{issuer}`, `<prefix>_key_seconds_since_success{issuer}`
        (once a fetch succeeded).
    */
    void append_prometheus(std::string& out, std::string_view prefix) const;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

/// The source on the system clock: what a server builds.
using jwks_source = basic_jwks_source<>;

} // namespace validation
} // namespace v0
} // namespace modelauth

#include <modelauth/validation/impl/jwks_source.hpp>

#endif
