//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_IMPL_REDIS_TOKEN_STORE_HPP
#define MODELAUTH_TOKENS_IMPL_REDIS_TOKEN_STORE_HPP

#include <modelauth/tokens/detail/journal_codec.hpp>
#include <modelauth/tokens/detail/redis_connection.hpp>
#include <modelauth/tokens/detail/redis_journal.hpp>
#include <modelauth/tokens/detail/redis_mirror.hpp>
#include <modelauth/tokens/detail/redis_op_log.hpp>
#include <modelauth/tokens/detail/store_ops.hpp>
#include <modelauth/tokens/detail/store_state.hpp>
#include <modelauth/tokens/error.hpp>

#include <openssl/rand.h>

#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace tokens {

struct RedisTokenStore::impl
{
    impl(detail::redis_endpoint const& endpoint, detail::redis_timeouts timeouts, std::string prefix)
        : prefix(std::move(prefix))
        , connection(endpoint, timeouts)
    {
        unsigned char random[8];
        if(RAND_bytes(random, sizeof random) != 1)
            throw std::bad_alloc(); // the DRBG failed: nothing sensible is left to do
        temporary_key = this->prefix + ":snapshot:writing:";
        for(unsigned char b : random)
        {
            temporary_key += "0123456789abcdef"[b >> 4];
            temporary_key += "0123456789abcdef"[b & 15];
        }
    }

    std::string prefix;
    std::string temporary_key; // this replica's key for a snapshot being written
    std::mutex error_mutex;
    std::string last_error; // a compaction's failure, guarded by error_mutex
    std::mutex connection_mutex;
    detail::redis_connection connection; // for what is not a change: the head, the issuer's keys
    std::unique_ptr<detail::redis_mirror> mirror;
    std::unique_ptr<detail::managed_store::redis_journal> journal;
};

inline RedisTokenStore::RedisTokenStore() = default;

inline RedisTokenStore::~RedisTokenStore()
{
    // The mirror's thread applies to the core: stop it while the core lives.
    if(impl_ && impl_->mirror)
        impl_->mirror->stop();
}

inline result<std::shared_ptr<RedisTokenStore>> RedisTokenStore::open(
    std::string_view url, redis_store_options options, std::string* why)
{
    namespace store_detail = detail::managed_store;
    auto const refuse = [why](std::string text) -> result<std::shared_ptr<RedisTokenStore>> {
        if(why)
            *why = std::move(text);
        return store_detail::make_lifecycle_error(tokens::error::storage_failure);
    };
    std::string problem;
    auto const endpoint = detail::parse_redis_url(url, problem);
    if(! problem.empty())
        return refuse("redis: the URL " + problem);
    if(options.prefix.empty())
        return refuse("redis: the key prefix is empty");
    detail::redis_timeouts const timeouts{options.connect_timeout, options.command_timeout};

    // The state of the snapshot (if a compaction wrote one), then the lines
    // after it, read in batches; read again from the start when another
    // replica compacted meanwhile (a line does not follow the one before).
    std::shared_ptr<RedisTokenStore> store(new RedisTokenStore());
    store->impl_ = std::make_unique<impl>(endpoint, timeouts, options.prefix);
    auto& connection = store->impl_->connection;
    detail::redis_op_log log(connection, options.prefix);
    auto const unreadable = [&] {
        return refuse(connection.last_error().empty() ? "redis: the log cannot be read" : connection.last_error());
    };
    std::optional<store_detail::state_editor> editor;
    std::string last(detail::redis_op_log::empty_head);
    for(int attempt = 0;; ++attempt)
    {
        if(attempt == 4)
            return refuse("redis: " + log.stream_key() + " keeps being compacted while it is read");
        editor.emplace(store_detail::token_state{});
        last = std::string(detail::redis_op_log::empty_head);
        auto snapshot = log.read_snapshot();
        if(! snapshot)
            return unreadable();
        if(*snapshot)
        {
            if(! detail::apply_snapshot(**snapshot, *editor, problem))
                return refuse("redis: the snapshot as of " + (*snapshot)->id + " does not read: " + problem);
            last = (*snapshot)->id;
        }
        bool gap = false;
        constexpr std::size_t batch = 4096;
        while(! gap)
        {
            auto lines = log.read_after(last, batch);
            if(! lines)
                return unreadable();
            for(auto const& line : *lines)
            {
                if(! line.prev.empty() && line.prev != last)
                {
                    gap = true;
                    break;
                }
                if(! line.keys) // a keys entry: the caller loads the keys of now
                {
                    auto op = store_detail::read_op_line(line.line, problem);
                    if(op)
                    {
                        auto applied = store_detail::apply_change(*editor, *op);
                        if(! applied)
                            problem = "the change does not apply to the state before it ("
                                + std::string(error_name(applied.error())) + ")";
                    }
                    if(! problem.empty())
                        return refuse("redis: " + log.stream_key() + " entry " + line.id + ": " + problem);
                }
                last = line.id;
            }
            if(lines->size() < batch)
                break;
        }
        if(! gap)
            break;
    }
    store->core_.publish(*editor);

    detail::mirror_options mirror;
    mirror.timeouts = timeouts;
    mirror.block = options.read_block;
    mirror.retry = options.retry;
    mirror.caught_up = true;
    store->impl_->mirror = std::make_unique<detail::redis_mirror>(endpoint, options.prefix, store->core_, last, mirror);
    store->impl_->journal = std::make_unique<store_detail::redis_journal>(
        endpoint, timeouts, options.prefix, *store->impl_->mirror);
    store->impl_->mirror->start();
    return store;
}

inline result<bool> RedisTokenStore::compact()
{
    // The state and the line it is as of, taken together under the write
    // lock; written out after it: a writer waits only for the copy of a
    // pointer.
    std::shared_ptr<detail::managed_store::token_state const> state;
    std::string id;
    core_.with_write_lock([&](detail::managed_store::token_state const&) {
        state = core_.load();
        id = impl_->mirror->applied();
    });
    if(id == detail::redis_op_log::empty_head)
        return false; // nothing to compact
    auto const chunks = detail::snapshot_chunks(*state);
    std::lock_guard<std::mutex> lock(impl_->connection_mutex);
    detail::redis_op_log log(impl_->connection, impl_->prefix);
    auto written = log.write_snapshot(id, chunks, impl_->temporary_key);
    if(! written)
    {
        std::lock_guard<std::mutex> error_lock(impl_->error_mutex);
        impl_->last_error = impl_->connection.last_error();
    }
    return written;
}

inline result<bool> RedisTokenStore::compact_if_due(std::size_t min_entries)
{
    long long entries = 0;
    {
        std::lock_guard<std::mutex> lock(impl_->connection_mutex);
        detail::redis_op_log log(impl_->connection, impl_->prefix);
        auto length = log.length();
        if(! length)
            return result<bool>(boost::system::in_place_error, length.error());
        entries = *length;
    }
    auto const records = detail::managed_store::record_count(*core_.load());
    if(entries <= 0 || static_cast<std::size_t>(entries) < min_entries
       || static_cast<std::size_t>(entries) <= 2 * records)
        return false;
    return compact();
}

inline std::uint64_t RedisTokenStore::resyncs() const
{
    return impl_->mirror->resyncs();
}

inline std::string RedisTokenStore::log_position() const
{
    return impl_->mirror->applied();
}

inline bool RedisTokenStore::wait_caught_up(std::chrono::milliseconds timeout)
{
    std::string head;
    {
        std::lock_guard<std::mutex> lock(impl_->connection_mutex);
        detail::redis_op_log log(impl_->connection, impl_->prefix);
        auto h = log.head();
        if(! h)
            return false;
        head = std::move(*h);
    }
    if(head == detail::redis_op_log::empty_head)
        return true;
    return impl_->mirror->wait_applied(head, timeout);
}

inline bool RedisTokenStore::wait_healthy(bool wanted, std::chrono::milliseconds timeout)
{
    return impl_->mirror->wait_healthy(wanted, timeout);
}

inline std::string RedisTokenStore::last_storage_error() const
{
    if(! impl_->mirror->healthy())
        return impl_->mirror->last_error();
    auto text = impl_->journal->last_error();
    if(text.empty())
    {
        std::lock_guard<std::mutex> lock(impl_->error_mutex);
        text = impl_->last_error;
    }
    return text.empty() ? impl_->mirror->last_error() : text;
}

inline std::string RedisTokenStore::issuer_keys_key() const
{
    return impl_->prefix + ":issuer_keys";
}

inline result<std::string> RedisTokenStore::shared_issuer_keys(std::string const& candidate, std::string* why)
{
    auto const key = issuer_keys_key();
    std::lock_guard<std::mutex> lock(impl_->connection_mutex);
    auto const refuse = [&](std::string text) -> result<std::string> {
        if(why)
            *why = std::move(text);
        return detail::managed_store::make_lifecycle_error(tokens::error::storage_failure);
    };
    auto set = impl_->connection.command({"SET", key, candidate, "NX"});
    if(! set)
        return refuse(impl_->connection.last_error());
    if(! set->is_nil())
        return candidate; // stored: this replica's keys are everyone's
    auto got = impl_->connection.command({"GET", key});
    if(! got)
        return refuse(impl_->connection.last_error());
    if(got->type != detail::redis_reply::kind::string)
        return refuse("redis: " + key + " is not a string");
    return std::move(got->text);
}

inline void RedisTokenStore::on_issuer_keys(std::function<void(std::string& text)> f)
{
    impl_->mirror->on_keys(std::move(f));
}

inline result<std::optional<std::string>> RedisTokenStore::replace_issuer_keys(
    std::string const& expected, std::string const& text, std::string_view kid, std::string* why)
{
    std::lock_guard<std::mutex> lock(impl_->connection_mutex);
    detail::redis_op_log log(impl_->connection, impl_->prefix);
    auto replaced = log.replace_keys_if(issuer_keys_key(), expected, text, kid);
    if(! replaced)
    {
        if(why)
            *why = impl_->connection.last_error();
        return replaced.error();
    }
    if(replaced->appended)
        return std::optional<std::string>();
    return std::optional<std::string>(std::move(replaced->id));
}

inline bool RedisTokenStore::do_healthy() const noexcept
{
    return impl_->mirror->healthy();
}

inline detail::managed_store::redis_journal& RedisTokenStore::journal() noexcept
{
    return *impl_->journal;
}

} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
