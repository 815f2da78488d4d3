//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_REDIS_TOKEN_STORE_HPP
#define MODELAUTH_TOKENS_REDIS_TOKEN_STORE_HPP

/** @file
    A ManagedTokenStore that several replicas of a server share through
    Redis (docs/redis-store.md): tokens, revocations, refresh-token families
    and personal keys, one truth for every replica.

    Every change is a line of a Redis stream, `<prefix>:ops` (the line a
    `JournalTokenStore` writes), appended by one Lua script only if the
    stream's head (`<prefix>:head`) is still the last line this replica
    applied. A replica that raced another applies what it missed and checks
    its change again on that state: the permanent-token quota, refresh
    rotation with reuse detection and one personal key per user hold across
    replicas.

    Every replica keeps the whole state in memory, a mirror that a thread of
    its own keeps up to date with a blocking `XREAD`: a change made through
    one replica (a revocation, say) is applied by every other as soon as
    Redis hands it over, typically within a millisecond on one network. The
    request path (`find_by_secret`, `is_revoked`) reads the mirror exactly as
    it reads an `InMemoryTokenStore`: it never waits on Redis.

    Redis down: a change answers `tokens::error::storage_failure` (503) and
    nothing of it is applied, here or anywhere; the store is unhealthy
    (`healthy()` false); reads go on from the mirror. When Redis is back the
    mirror reads on from the last line it applied, and the store is healthy
    again once it has caught up. Persist Redis (AOF, `appendfsync everysec`
    or `always`): a Redis that restarts without its data has lost the log,
    which every replica detects (its head is behind theirs) and reports as
    unhealthy until it is restarted.

    Needs hiredis (Debian `libhiredis-dev`): link `modelauth::redis`. Linux.

    @code
    std::string why;
    auto store = modelauth::tokens::RedisTokenStore::open("redis://127.0.0.1:6379/0", {}, &why);
    if(! store)
        throw std::runtime_error(why);
    @endcode
*/

#include <modelauth/error.hpp>
#include <modelauth/tokens/detail/store_core.hpp>
#include <modelauth/tokens/error.hpp>
#include <modelauth/tokens/managed_token_store.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace tokens {

/// Settings of `RedisTokenStore::open`.
struct redis_store_options
{
    /** The first part of every key: `<prefix>:ops` (the log), `<prefix>:head`,
        `<prefix>:issuer_keys`. Servers that share a prefix share one state.
    */
    std::string prefix = "modelauth";

    /// How long connecting to Redis may take.
    std::chrono::milliseconds connect_timeout{2000};

    /// How long one command may take (a change's append, say).
    std::chrono::milliseconds command_timeout{2000};

    /** How long one blocking read of the mirror waits for a change before
        it reads again: what the store's destructor waits at most.
    */
    std::chrono::milliseconds read_block{250};

    /// How long the mirror waits before reading again after Redis failed.
    std::chrono::milliseconds retry{200};
};

namespace detail {
class redis_mirror;
namespace managed_store {
class redis_journal;
} // namespace managed_store
} // namespace detail

/** A ManagedTokenStore shared by replicas through Redis: see the file
    comment.

    Reads take no lock and never wait on Redis. Writers are serialised by a
    mutex held across the append; a change costs one round trip to Redis
    (more when another replica wrote meanwhile).

    Thread safety: safe to share between threads.
*/
class RedisTokenStore final : public detail::managed_store::store_overrides<RedisTokenStore>
{
public:
    /** Opens the state kept under `options.prefix` in the Redis at `url`
        (`redis://[[user]:password@]host[:port][/db]`): reads the whole log
        into memory, then follows it.

        @param why If not null, receives on failure what went wrong for an
        operator: the URL's fault, Redis's words, or the log line that does
        not apply (by its stream id). Never a password or token data.

        @return The store, or `tokens::error::storage_failure`.
        Complexity: linear in the log.
    */
    [[nodiscard]] static result<std::shared_ptr<RedisTokenStore>> open(
        std::string_view url, redis_store_options options = {}, std::string* why = nullptr);

    ~RedisTokenStore() override;

    /** Compaction: writes the state as of the last line this replica
        applied as the snapshot (`<prefix>:snapshot`, in chunks of about
        1 MiB of journal text, with `<prefix>:snapshot_id`) and trims the
        log's lines before it (`XTRIM MINID`, Redis 6.2 or later). A replica
        opened later reads the snapshot, then the lines after it; one that
        was behind the trimmed lines (down, or cut off from Redis) finds
        the line after its place missing and reloads the snapshot. A
        snapshot older than the one there changes nothing, so replicas may
        compact at once. Writers wait only for a pointer copy.

        @return Whether a snapshot was written (false: nothing to compact,
        or another replica's is as recent), or
        `tokens::error::storage_failure`.
        Complexity: linear in the state.
    */
    [[nodiscard]] result<bool> compact();

    /** Compacts when the log holds at least `min_entries` lines and more
        than twice as many as the state has records (a server calls it
        from its maintenance pass).

        @return As `compact`.
    */
    [[nodiscard]] result<bool> compact_if_due(std::size_t min_entries = 10000);

    /// How many times this replica reloaded the snapshot (it was behind a compaction).
    [[nodiscard]] std::uint64_t resyncs() const;

    /** The stream id of the last line of the log this replica applied and
        published (its own changes included): `"0-0"` for none.
    */
    [[nodiscard]] std::string log_position() const;

    /** Waits until this replica has applied everything appended to the
        log so far (reads the head, then waits for it).

        @return Whether it did within `timeout`.
    */
    [[nodiscard]] bool wait_caught_up(std::chrono::milliseconds timeout);

    /** Waits until `healthy()` is `wanted` (Redis lost, or back and caught
        up), for tests and start-up checks.

        @return Whether it was within `timeout`.
    */
    [[nodiscard]] bool wait_healthy(bool wanted, std::chrono::milliseconds timeout);

    /** What went wrong last (an append, a read of the log), for a log line;
        empty if nothing did. Never contains token data or the password.
    */
    [[nodiscard]] std::string last_storage_error() const;

    /** The issuer's key text shared by every replica (`<prefix>:issuer_keys`,
        see `token_issuer::key_text`): the one stored, or when there is none,
        `candidate`, stored now. When two replicas start at once, one text
        wins and both get it. Used once at start.

        @param why If not null, receives on failure Redis's words.
        @return The text to load the issuer from, or
        `tokens::error::storage_failure`.
    */
    [[nodiscard]] result<std::string> shared_issuer_keys(std::string const& candidate, std::string* why = nullptr);

    /** Calls `f` with the issuer's keys (the text of
        `token_issuer::key_text`) each time a replica replaced them
        (`replace_issuer_keys`, a rotation), this one included, from the
        thread that applies the change, within a millisecond or so of it;
        `f` reloads the issuer and gives the validator its keys. Null:
        nobody is told. `f` must not use this store.
    */
    void on_issuer_keys(std::function<void(std::string& text)> f);

    /** Replaces the issuer's keys by `text` if they are still `expected`
        (the text this replica loaded), and tells every replica
        (`on_issuer_keys`); `kid` (the new signing key's) names the change
        in the log. One step on the server: two replicas rotating at once
        cannot both win.

        @param why If not null, receives on failure Redis's words.
        @return Nothing (empty) when replaced; the keys there are instead
        when they were not `expected` (another replica rotated first:
        reload them and rotate again); or `tokens::error::storage_failure`.
    */
    [[nodiscard]] result<std::optional<std::string>> replace_issuer_keys(
        std::string const& expected, std::string const& text, std::string_view kid, std::string* why = nullptr);

    /// The Redis key of the issuer's keys: `<prefix>:issuer_keys`.
    [[nodiscard]] std::string issuer_keys_key() const;

private:
    RedisTokenStore();

    friend class detail::managed_store::store_overrides<RedisTokenStore>;

    detail::managed_store::redis_journal& journal() noexcept;
    bool do_healthy() const noexcept override;

    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace tokens
} // namespace v0
} // namespace modelauth

#include <modelauth/tokens/impl/redis_token_store.hpp>

#endif
