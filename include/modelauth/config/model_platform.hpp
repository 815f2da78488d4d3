//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CONFIG_MODEL_PLATFORM_HPP
#define MODELAUTH_CONFIG_MODEL_PLATFORM_HPP

/** @file
    An OPTIONAL reference "model platform" assembled from one JSON config
    (api.md, "Config file"): the guard stack, the token stack, the four token
    flows at api.md's paths, `/healthz`, `/metrics`, and model URLs answered
    through `model_hooks`, served by `http::http_server`. Part of the
    lifecycle layer (it does file and network I/O); never reachable from
    `<modelauth/modelauth.hpp>`.

    @code
    modelauth::config::platform_config_options options;
    options.models.entry_keys = {"weights"};    // the application's own model keys
    options.models.load = [](auto const& entry) { ... return model_service{meta, infer}; };
    auto config = modelauth::config::load_platform_config("server.json", options);
    modelauth::config::platform_server server(options.models);
    server.start(config);
    std::cout << "listening on " << server.base_url() << std::endl;
    server.wait();
    @endcode

    The config (every fault throws `configuration_error` naming its key path):
    @code
    listen          "host:port"  default "127.0.0.1:8080"; IPv6 as "[::1]:8080"; port 0: any free port
    issuer          URL | null   default null: "http://" + listen as written (issuer_of)
    threads         0..1024      default 0: one per core
    redis           URL | null   default null; "redis://[[user]:password@]host[:port][/db]": the token
                    store and the issuer's keys in Redis, shared by every replica started with the
                    same issuer and redis (config/redis_token_stack.hpp); not with state_dir
    state_dir       path | null  default null: memory only
    strict_slash    bool         default false
    limits          {body_bytes 1..64 MiB = 1048576, target_bytes 1..65536 = 2048, read_timeout_s 1..3600 = 30,
                     header_timeout_s 1..3600 = 10, max_connections 1..1048576 = 10000}
    lifetimes       token_lifetimes_from_json
    accounts, instances, users              user_directory_from_json
    models          [{router's keys, plus model_hooks::entry_keys checked by model_hooks::load}]
    trusted_issuers trusted_issuers_from_json, key files read; keys over the network
                    (an https:// jwks_uri, discovery) fetched by a validation::jwks_source
                    on its own thread
    @endcode

    Routes, in this order: `/healthz` (503 `{"status":"failing","store":
    "storage_failure"}` while the store cannot make changes durable; 200
    `{"status":"degraded","issuers_without_keys":[...]}` while a remote
    issuer has no key yet), `/metrics` (guard decisions, cache, requests by
    route and status class, pending logins, connections, key fetches by
    issuer and outcome), the token routes (with `redis`, 503 while the
    shared store is unreachable or this replica has not caught up with it,
    `/.well-known/` documents excepted), then model URLs through
    the guard: GET / HEAD answer the model's metadata plus
    `model_service::meta`, POST `model_service::infer`, anything else 405. A
    path under no model prefix is 404 without authentication. Logins run on
    the server's offload pool (at most 64 waiting, else 503); a maintenance
    pass (`maintain`) prunes the store and rewrites a failed journal every
    `maintenance_s` seconds of the config (when absent,
    `platform_start_options::maintenance_interval`: 60 s).
*/

#include <modelauth/clock.hpp>
#include <modelauth/config/guard.hpp>
#include <modelauth/config/json_reader.hpp>
#include <modelauth/config/jwks_files.hpp>
#include <modelauth/config/redis_token_stack.hpp>
#include <modelauth/config/router.hpp>
#include <modelauth/config/trusted_issuer.hpp>
#include <modelauth/validation/jwks_source.hpp>
#include <modelauth/config/token_stack.hpp>
#include <modelauth/config/user_directory.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/http/guard.hpp>
#include <modelauth/http/metrics.hpp>
#include <modelauth/http/server.hpp>
#include <modelauth/http/token_routes.hpp>
#include <modelauth/policy/scope_policy.hpp>
#include <modelauth/router/model_registry.hpp>
#include <modelauth/tokens/flows/flow_context.hpp>
#include <modelauth/tokens/journal_token_store.hpp>

#include <boost/json/object.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace config {

/// `listen`: an IP address literal (no brackets) and a TCP port (0: any free port).
struct listen_address
{
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
};

/// `limits`: how much of a request the server reads, and for how long.
struct limits_config
{
    std::size_t body_bytes = 1048576;
    std::size_t target_bytes = 2048;
    std::chrono::seconds read_timeout{30};
    std::chrono::seconds header_timeout{10};
    std::size_t max_connections = 10000;
};

/// A platform configuration, checked: every reference resolves, every key file loaded.
struct platform_config
{
    listen_address listen;
    std::optional<std::string> issuer;
    unsigned threads = 0;
    std::optional<std::filesystem::path> state_dir;
    /// The Redis URL of the state replicas share; null: `state_dir` or memory.
    std::optional<std::string> redis;
    bool strict_slash = false;
    limits_config limits;
    tokens::token_lifetimes lifetimes;
    /// `maintenance_s`: how often expired tokens and revocations are pruned
    /// (and a failed journal rewritten); when absent,
    /// `platform_start_options::maintenance_interval`.
    std::optional<std::chrono::seconds> maintenance_interval;
    tokens::user_directory directory;
    router::model_registry models; // each model's whole entry as its metadata
    std::vector<validation::trusted_issuer> trusted_issuers;
    /// The issuers whose keys come over the network, with their key paths.
    std::vector<validation::remote_key_source> remote_keys;
};

/// What the platform serves for one model, made once from its `models[i]` entry.
struct model_service
{
    /// Members added to the model's metadata answer (GET / HEAD).
    boost::json::object meta;

    /// The answer to POST on the model's URL once the guard allowed it;
    /// empty: 405. Called concurrently from I/O threads.
    std::function<http::server_response(http::server_request const& req, http::AuthContext const& ctx)> infer;
};

/** What an application adds to the platform's models. Every member may be
    empty (then a model answers its metadata only).
*/
struct model_hooks
{
    /// Keys a `models[i]` entry may have beyond the router's.
    std::vector<std::string> entry_keys;

    /// Reads a `models[i]` entry: at parse time for every entry, to check it
    /// (throws `configuration_error`, `entry[...].fail(...)`, on a fault), and
    /// once more at start, whose result serves every request to that model.
    std::function<model_service(json_reader const& entry)> load;
};

/// How `parse_platform_config` reads what is not in the document.
struct platform_config_options
{
    /// A user's `password` equal to `demo_password_placeholder` stands for
    /// `demo_password` (none: refused).
    std::optional<tokens::password_hash> demo_password;

    /// See `demo_password`.
    std::string demo_password_placeholder = "$demo$";

    /// The application's model keys and checks.
    model_hooks models;
};

/** `listen`'s value: "127.0.0.1:8080", "[::1]:8080".
    @throws configuration_error naming `value`'s path.
*/
[[nodiscard]] listen_address parse_listen(json_reader const& value);

/** Reads and checks a configuration document (strict JSON).
    Complexity: linear in the document, plus the key files it names.
    @throws configuration_error naming the first bad key path.
*/
[[nodiscard]] platform_config parse_platform_config(
    std::string_view text, platform_config_options const& options = {});

/** `parse_platform_config` of the file at `path` (at most 16 MiB).
    @throws configuration_error naming the path when it cannot be read.
*/
[[nodiscard]] platform_config load_platform_config(
    std::filesystem::path const& path, platform_config_options const& options = {});

/// The name of the platform's own tokens: `issuer`, or "http://" + `listen` as written.
[[nodiscard]] std::string issuer_of(platform_config const& config);

/// The worker threads: `threads`, or one per core.
[[nodiscard]] unsigned thread_count(platform_config const& config) noexcept;

/// How `basic_platform_server::start` behaves beyond the configuration.
struct platform_start_options
{
    /// Stop gracefully on SIGINT and SIGTERM.
    bool stop_on_signals = false;

    /// How often the token store is maintained (`basic_platform_server::maintain`)
    /// when the config has no `maintenance_s`.
    std::chrono::milliseconds maintenance_interval = std::chrono::seconds(60);

    /// Options of the token journal (with `state_dir`), e.g. fault injection.
    tokens::journal_options journal = {};

    /// Options of the Redis store (with `redis`): its key prefix, timeouts.
    tokens::redis_store_options redis = {};

    /// The prefix of the platform's own `/metrics` series:
    /// `<prefix>_requests_total{route,code}`, `<prefix>_pending_logins`,
    /// `<prefix>_open_connections`, `<prefix>_refused_connections_total`.
    std::string metrics_prefix = "model_server";

    /// Limits of the fetches of remote issuers' keys; its `on_fetch` is
    /// told when each fetch ends (where a server logs an outage and the
    /// recovery).
    validation::jwks_source_options remote_keys = {};
};

namespace detail {
template<class Clock>
class platform_core;
} // namespace detail

/** The platform served over HTTP.

    @tparam Clock The clock of the issuer, validator and flows.

    Thread safety: `start`, `stop` and `wait` are for the owning thread; the
    accessors may be read from any thread between `start` and `stop`.

    Complexity: `start` is linear in the config (plus reading the journal
    with `state_dir`); a request costs the guard's check (a cache hit
    allocates nothing), one hash lookup of the model's service and its answer.
*/
template<class Clock = system_clock_source>
class basic_platform_server
{
public:
    /// A server whose model URLs are answered through `hooks`.
    explicit basic_platform_server(model_hooks hooks = {}, Clock clock = Clock{});

    /** Binds `config.listen`, builds the whole stack (token stack, guard
        stack, flows, routes) and runs `thread_count(config)` threads.

        @throws configuration_error naming the field (`listen` when the
        address cannot be bound, `state_dir` when the store cannot be used ...);
        `std::logic_error` if started before.
    */
    void start(platform_config const& config, platform_start_options const& options = {});

    /// Stops gracefully and releases the stack (the journal's lock).
    void stop();

    /// Blocks until the server has shut down.
    void wait() { http_.wait(); }

    /// The port bound.
    [[nodiscard]] unsigned short port() const noexcept { return http_.port(); }

    /// `http://<host>:<port>` of the address bound.
    [[nodiscard]] std::string const& base_url() const noexcept { return http_.base_url(); }

    /// `issuer_of(config)`, whatever port was bound.
    [[nodiscard]] std::string const& issuer() const noexcept;

    /** Prunes expired tokens, revocations and refresh records, rewrites
        a journal that failed (`/healthz` 200 again), and with `redis`
        compacts the shared log once it is mostly history
        (`RedisTokenStore::compact_if_due`). Throws only `std::bad_alloc`.
    */
    void maintain() const;

    /** Rotates the issuer's signing key (`token_issuer::rotate`): a new key
        signs from now on, the old one stays published until the tokens it
        signed have expired, and the validator gets both. With `state_dir`
        the key file is saved; with `redis` the keys in Redis are replaced
        only if no other replica rotated meanwhile (else this one loads
        theirs and rotates again), and every replica loads the new keys from
        the shared log within a millisecond or so (their JWKS and validators
        follow).

        @return Nothing, or `jose::key_error::key_generation_failed`,
        `tokens::error::storage_failure` (the key file or Redis could not be
        written: with Redis, nothing changed).
        Thread safety: rotations are serialised; requests go on meanwhile.
    */
    [[nodiscard]] result<void> rotate_signing_key();

    /// The flows' shared state.
    [[nodiscard]] tokens::flows::flow_context<Clock>& service() const noexcept;

private:
    model_hooks hooks_;
    Clock clock_;
    std::shared_ptr<detail::platform_core<Clock>> core_;
    http::http_server http_;
};

/// The platform server on the system clock.
using platform_server = basic_platform_server<>;

} // namespace config
} // namespace v0
} // namespace modelauth

#include <modelauth/config/impl/model_platform.hpp>

#endif
