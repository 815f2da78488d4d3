//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_DETAIL_REDIS_JOURNAL_HPP
#define MODELAUTH_TOKENS_DETAIL_REDIS_JOURNAL_HPP

// The journal of a RedisTokenStore (redis_token_store.hpp): the `Journal` of
// its store_core over the log every replica shares (redis_op_log.hpp). A
// change is staged as a JournalTokenStore stages it (its line written and
// read back), then appended only if the log's head is still the last line
// this replica applied; when another replica appended first, the journal
// has lost the race (`lost_race`), and `catch_up` applies what the others
// appended so that the core plans the change again on that state.

#include <modelauth/error.hpp>
#include <modelauth/tokens/detail/journal_codec.hpp>
#include <modelauth/tokens/detail/redis_connection.hpp>
#include <modelauth/tokens/detail/redis_mirror.hpp>
#include <modelauth/tokens/detail/redis_op_log.hpp>
#include <modelauth/tokens/detail/store_ops.hpp>
#include <modelauth/tokens/detail/store_state.hpp>
#include <modelauth/tokens/error.hpp>

#include <mutex>
#include <string>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {
namespace managed_store {

// Every member but `last_error` is called under the core's write lock.
class redis_journal
{
public:
    // Lines read at most per read while catching up.
    static constexpr std::size_t catch_up_batch = 1024;

    redis_journal(redis_endpoint endpoint, redis_timeouts timeouts, std::string const& prefix, redis_mirror& mirror)
        : connection_(std::move(endpoint), timeouts)
        , log_(connection_, prefix)
        , mirror_(&mirror)
    {
    }

    // Serialises `op` and reads it back into `op`, so that what is applied
    // here is exactly what every other replica applies.
    result<void> stage(token_op& op)
    {
        staged_ = op_line(op);
        staged_.pop_back(); // a log entry is one line, without the newline a file needs
        std::string why;
        auto read_back = read_op_line(staged_, why);
        if(! read_back) // e.g. a name that is not valid UTF-8
            return make_lifecycle_error(tokens::error::invalid_request_body);
        op = std::move(*read_back);
        return {};
    }

    // Appends the staged line if the log's head is the last line applied.
    result<void> commit()
    {
        lost_ = false;
        if(mirror_->diverged())
            return fail("this replica no longer matches the log: " + mirror_->last_error());
        auto const expected = mirror_->applied();
        auto appended = log_.append_if_head(expected, staged_);
        if(! appended)
            return fail(connection_.last_error());
        if(! appended->appended)
        {
            auto const head = stream_id::parse(appended->id);
            auto const mine = stream_id::parse(expected);
            if(! head || (mine && *head < *mine))
            {
                // The log lost lines this replica holds: Redis restarted
                // without its data, or the keys were deleted.
                mirror_->diverge("the log's head " + appended->id + " is behind the last line this replica applied ("
                                 + expected + "): Redis lost the log");
                return fail(mirror_->last_error());
            }
            // The line after the one expected may be this very line: the
            // append ran, but its reply was lost and the connection sent it
            // again (or another replica made the same change): it is
            // committed, right after the state it was planned on.
            auto next = log_.read_after(expected, 1);
            if(! next)
                return fail(connection_.last_error());
            if(next->empty() || next->front().line != staged_)
            {
                lost_ = true;
                return make_lifecycle_error(tokens::error::token_quota); // not storage_failure: nothing applied
            }
            appended->id = std::move(next->front().id);
        }
        // Under the write lock: the mirror's own reading skips this line.
        mirror_->admit(appended->id);
        committed_ = std::move(appended->id);
        return {};
    }

    bool lost_race() const noexcept { return lost_; }

    // Applies what the other replicas appended after the last line
    // applied; answers how many lines it applied.
    template<class Apply>
    result<std::size_t> catch_up(Apply&& apply)
    {
        std::size_t count = 0;
        auto const failed = [&](std::string text) -> result<std::size_t> {
            return result<std::size_t>(boost::system::in_place_error, fail(std::move(text)).error());
        };
        for(;;)
        {
            auto lines = log_.read_after(mirror_->applied(), catch_up_batch);
            if(! lines)
                return failed(connection_.last_error());
            for(auto const& line : *lines)
            {
                using admission = redis_mirror::admission;
                auto const behind = [&] {
                    return failed("this replica fell behind a compaction of the log (line " + line.id
                                + "); its mirror reloads the snapshot");
                };
                if(line.keys)
                {
                    // Another replica rotated the issuer's keys.
                    auto text = log_.get(mirror_->keys_key());
                    if(! text)
                        return failed(connection_.last_error());
                    auto const verdict = mirror_->admit_next(line.id, line.prev);
                    if(verdict == admission::gap)
                        return behind();
                    if(verdict == admission::apply)
                    {
                        mirror_->deliver_keys(*text);
                        ++count;
                    }
                    mirror_->published(line.id);
                    continue;
                }
                std::string problem;
                auto op = read_op_line(line.line, problem);
                if(! op)
                {
                    mirror_->diverge("the log's line " + line.id + " does not read: " + problem);
                    return failed(mirror_->last_error());
                }
                auto verdict = admission::skip;
                auto applied = apply(*op, [&] {
                    verdict = mirror_->admit_next(line.id, line.prev);
                    return verdict == admission::apply;
                });
                if(verdict == admission::gap)
                    return behind();
                if(! applied)
                {
                    mirror_->diverge("the log's line " + line.id + " does not apply to this replica's state ("
                                     + std::string(error_name(applied.error())) + ")");
                    return failed(mirror_->last_error());
                }
                if(verdict == admission::apply)
                    ++count;
                mirror_->published(line.id);
            }
            if(lines->size() < catch_up_batch)
                return count;
        }
    }

    // The log holds a change this replica could not apply: the mirror will
    // read it and stop as diverged, which makes the store unhealthy.
    void diverged() noexcept {}

    // The committed line is applied and published.
    void published(token_state const&) { mirror_->published(committed_); }

    std::string last_error() const
    {
        std::lock_guard<std::mutex> lock(error_mutex_);
        return last_error_;
    }

private:
    result<void> fail(std::string text)
    {
        {
            std::lock_guard<std::mutex> lock(error_mutex_);
            last_error_ = std::move(text);
        }
        return make_lifecycle_error(tokens::error::storage_failure);
    }

    redis_connection connection_;
    redis_op_log log_;
    redis_mirror* mirror_;
    std::string staged_;
    std::string committed_;
    bool lost_ = false;
    mutable std::mutex error_mutex_;
    std::string last_error_; // guarded by error_mutex_: read without the write lock
};

} // namespace managed_store
} // namespace detail
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
