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

#include <memory>
#include <mutex>
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
    }

    std::string prefix;
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

    // The state the log builds, read in batches.
    std::shared_ptr<RedisTokenStore> store(new RedisTokenStore());
    store->impl_ = std::make_unique<impl>(endpoint, timeouts, options.prefix);
    auto& connection = store->impl_->connection;
    detail::redis_op_log log(connection, options.prefix);
    store_detail::state_editor editor{store_detail::token_state{}};
    std::string last(detail::redis_op_log::empty_head);
    constexpr std::size_t batch = 4096;
    for(;;)
    {
        auto lines = log.read_after(last, batch);
        if(! lines)
            return refuse(connection.last_error().empty() ? "redis: the log cannot be read" : connection.last_error());
        for(auto const& line : *lines)
        {
            if(line.keys) // the issuer's keys changed: the caller loads the keys of now
            {
                last = line.id;
                continue;
            }
            auto op = store_detail::read_op_line(line.line, problem);
            if(op)
            {
                auto applied = store_detail::apply_change(editor, *op);
                if(! applied)
                    problem = "the change does not apply to the state before it ("
                        + std::string(error_name(applied.error())) + ")";
            }
            if(! problem.empty())
                return refuse("redis: " + log.stream_key() + " entry " + line.id + ": " + problem);
            last = line.id;
        }
        if(lines->size() < batch)
            break;
    }
    store->core_.publish(editor);

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
