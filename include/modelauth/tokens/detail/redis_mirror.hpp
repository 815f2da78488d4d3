//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_DETAIL_REDIS_MIRROR_HPP
#define MODELAUTH_TOKENS_DETAIL_REDIS_MIRROR_HPP

// A replica's mirror of the shared log (redis_op_log.hpp): a thread that
// reads the log with a blocking XREAD and applies each line to the
// replica's store_core (`apply_logged`), so that a change made through any
// replica reaches this one's request path as soon as Redis hands it over.
//
// The mirror keeps the id of the last line the replica applied, its own
// writes included (`applied_own`, called by the replica's writer under the
// core's write lock): a line is applied only if it comes after that id, so
// the replica's own lines, which it applied when it wrote them, are never
// applied twice. While Redis cannot be read the mirror is unhealthy and
// retries; it resumes after the last line it applied. A line that does not
// apply (the mirror no longer matches the log) stops the mirror: it is
// `diverged` and a replica must rebuild from a snapshot.

#include <modelauth/tokens/detail/journal_codec.hpp>
#include <modelauth/tokens/detail/redis_op_log.hpp>
#include <modelauth/tokens/detail/store_core.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {

// A Redis stream id, `<milliseconds>-<sequence>`, in the stream's order.
struct stream_id
{
    std::uint64_t ms = 0;
    std::uint64_t seq = 0;

    static std::optional<stream_id> parse(std::string_view text) noexcept
    {
        auto const dash = text.find('-');
        if(dash == std::string_view::npos || dash == 0 || dash + 1 == text.size())
            return std::nullopt;
        stream_id id;
        auto const digits = [](std::string_view d, std::uint64_t& out) {
            if(d.size() > 19)
                return false;
            out = 0;
            for(char c : d)
            {
                if(c < '0' || c > '9')
                    return false;
                out = out * 10 + static_cast<std::uint64_t>(c - '0');
            }
            return true;
        };
        if(! digits(text.substr(0, dash), id.ms) || ! digits(text.substr(dash + 1), id.seq))
            return std::nullopt;
        return id;
    }

    friend bool operator<(stream_id const& a, stream_id const& b) noexcept
    {
        return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq);
    }
};

// Applies the journal text of `snapshot` (a header line, then one change
// per line) to `editor`; false, with the reason in `problem`, when a line
// does not read or apply.
inline bool apply_snapshot(log_snapshot const& snapshot, managed_store::state_editor& editor, std::string& problem)
{
    std::string text;
    for(auto const& chunk : snapshot.chunks)
        text += chunk;
    std::size_t at = 0;
    std::size_t number = 0;
    while(at < text.size())
    {
        auto const end = text.find('\n', at);
        if(end == std::string::npos)
        {
            problem = "its last line is cut short";
            return false;
        }
        std::string_view const line(text.data() + at, end - at);
        at = end + 1;
        if(++number == 1)
        {
            if(! managed_store::read_header_line(line, problem))
                return false;
            continue;
        }
        auto op = managed_store::read_op_line(line, problem);
        if(! op)
        {
            problem = "line " + std::to_string(number) + ": " + problem;
            return false;
        }
        if(auto applied = managed_store::apply_change(editor, *op); ! applied)
        {
            problem = "line " + std::to_string(number) + " does not apply (" + std::string(error_name(applied.error())) + ")";
            return false;
        }
    }
    if(number == 0)
    {
        problem = "it is empty";
        return false;
    }
    return true;
}

// The journal text of `state` in chunks of whole lines of about `chunk_bytes`
// (a longer line is a chunk of its own), for a snapshot.
inline std::vector<std::string> snapshot_chunks(managed_store::token_state const& state,
                                                std::size_t chunk_bytes = 1u << 20)
{
    std::vector<std::string> chunks(1, managed_store::header_line());
    for(auto const& op : managed_store::state_ops(state))
    {
        auto line = managed_store::op_line(op);
        if(chunks.back().size() + line.size() > chunk_bytes)
            chunks.emplace_back();
        chunks.back() += line;
    }
    return chunks;
}

struct mirror_options
{
    redis_timeouts timeouts{std::chrono::milliseconds(2000), std::chrono::milliseconds(2000)};
    // How long one read waits for a line: the longest `stop` waits too.
    std::chrono::milliseconds block{250};
    // Lines read at most per read.
    std::size_t batch = 512;
    // How long to wait before reading again after Redis failed.
    std::chrono::milliseconds retry{200};
    // The core holds the whole log (it was just read): healthy from the
    // start, not only after the first read.
    bool caught_up = false;
};

class redis_mirror
{
public:
    // Mirrors `<prefix>:ops` into `core`, starting after `after` (the id of
    // the last line `core` already holds; "0-0": none).
    redis_mirror(redis_endpoint endpoint, std::string prefix, managed_store::store_core& core,
                 std::string after = "0-0", mirror_options options = {})
        : endpoint_(std::move(endpoint))
        , prefix_(std::move(prefix))
        , keys_key_(prefix_ + ":issuer_keys")
        , core_(&core)
        , options_(options)
        , applied_(after)
        , visible_(std::move(after))
        , healthy_(options.caught_up)
    {
        options_.timeouts.command = (std::max)(options_.timeouts.command, options_.block + std::chrono::milliseconds(1000));
    }

    ~redis_mirror() { stop(); }

    redis_mirror(redis_mirror const&) = delete;
    redis_mirror& operator=(redis_mirror const&) = delete;

    void start()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if(thread_.joinable())
            return;
        stopping_ = false;
        thread_ = std::thread([this] { run(); });
    }

    void stop() noexcept
    {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        changed_.notify_all();
        if(thread_.joinable())
            thread_.join();
    }

    // The id of the last line applied.
    [[nodiscard]] std::string applied() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return applied_;
    }

    // The replica applied its own line `id` (call under the core's write
    // lock, right after appending it).
    void applied_own(std::string id)
    {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            applied_ = id;
            visible_ = std::move(id);
        }
        changed_.notify_all();
    }

    // Whether the last read of Redis succeeded, every line it read is
    // applied, and there was no more to read (caught up).
    [[nodiscard]] bool healthy() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return healthy_ && ! diverged_;
    }

    // How many times the mirror reloaded the snapshot (it fell behind a
    // compaction).
    [[nodiscard]] std::uint64_t resyncs() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return resyncs_;
    }

    // Whether a line did not apply: the mirror stopped following.
    [[nodiscard]] bool diverged() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return diverged_;
    }

    // What failed last, for a log: never a line's content.
    [[nodiscard]] std::string last_error() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return last_error_;
    }

    // Waits until the line `id` (or a later one) is applied and published
    // (readers of the core see it); false after `timeout`.
    bool wait_applied(std::string_view id, std::chrono::milliseconds timeout)
    {
        auto const wanted = stream_id::parse(id);
        if(! wanted)
            return false;
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] {
            auto const now = stream_id::parse(visible_);
            return now && ! (*now < *wanted);
        });
    }

    // Waits until `healthy()` is `wanted`; false after `timeout`.
    bool wait_healthy(bool wanted, std::chrono::milliseconds timeout)
    {
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return (healthy_ && ! diverged_) == wanted; });
    }

    /*  Calls `f` with the issuer's keys (`<prefix>:issuer_keys`) each time
        an entry of the log says they changed (another replica rotated),
        from the thread that applies it; null: nobody is told.
    */
    void on_keys(std::function<void(std::string& text)> f)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        on_keys_ = std::move(f);
    }

    // Hands the issuer's keys, just read, to `on_keys`'s function.
    void deliver_keys(std::string& text)
    {
        std::function<void(std::string&)> f;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            f = on_keys_;
        }
        if(f)
            f(text);
    }

    // The Redis key of the issuer's keys.
    [[nodiscard]] std::string const& keys_key() const noexcept { return keys_key_; }

    /*  For a writer that reads the log itself (a replica catching up
        before it plans a change again), under the core's write lock:
        whether the line `id` is still to be applied (it comes after the
        last line applied), moving the place in the log to it if so.
    */
    bool admit(std::string const& id) { return admit_next(id, {}) == admission::apply; }

    /*  What to do with the line `id` whose predecessor was `prev`, under
        the core's write lock: skip it (applied already: the replica's
        own, or one before it), apply it (the place in the log moves to
        it), or `gap`: it does not follow the last line applied (a
        compaction trimmed lines this replica never applied), and the
        replica must reload the snapshot. An empty `prev` is not checked.
    */
    enum class admission { skip, apply, gap };
    admission admit_next(std::string const& id, std::string const& prev)
    {
        auto const wanted = stream_id::parse(id);
        std::lock_guard<std::mutex> lock(mutex_);
        auto const last = stream_id::parse(applied_);
        if(! wanted || (last && ! (*last < *wanted)))
            return admission::skip;
        if(! prev.empty() && prev != applied_)
            return admission::gap;
        applied_ = id;
        return admission::apply;
    }

    // The line `id` is applied and published: `wait_applied` callers wake.
    void published(std::string const& id)
    {
        auto const now = stream_id::parse(id);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto const seen = stream_id::parse(visible_);
            if(now && (! seen || *seen < *now))
                visible_ = id;
        }
        changed_.notify_all();
    }

    // The replica no longer matches the log (`why` says how, for a log):
    // the mirror stops following.
    bool diverge(std::string why)
    {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            diverged_ = true;
            last_error_ = std::move(why);
        }
        changed_.notify_all();
        return false;
    }

private:
    void set_health(bool ok, std::string error)
    {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            healthy_ = ok;
            if(! error.empty())
                last_error_ = std::move(error);
        }
        changed_.notify_all();
    }

    // Waits `options_.retry` (or until stopped) after Redis failed.
    void failed(redis_connection const& connection)
    {
        set_health(false, connection.last_error());
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait_for(lock, options_.retry, [&] { return stopping_; });
    }

    void run()
    {
        redis_connection connection(endpoint_, options_.timeouts);
        redis_op_log log(connection, prefix_);
        std::string cursor = applied();
        for(;;)
        {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                if(stopping_ || diverged_)
                    return;
            }
            auto lines = log.read_after(cursor, options_.batch, options_.block);
            if(! lines)
            {
                failed(connection);
                continue;
            }
            if(lines->empty() && ! head_kept(log))
            {
                if(diverged())
                    return;
                failed(connection);
                continue;
            }
            outcome result = outcome::applied;
            for(auto& line : *lines)
            {
                result = line.keys ? apply_keys(log, line) : apply(line);
                if(result != outcome::applied)
                    break;
                cursor = std::move(line.id);
            }
            if(result == outcome::diverged)
                return;
            if(result == outcome::gap)
            {
                // Lines this replica never applied were trimmed: the state
                // of the snapshot, then the lines after it.
                if(! resync(log, cursor))
                {
                    if(diverged())
                        return;
                    failed(connection);
                }
                continue;
            }
            if(result == outcome::unavailable)
            {
                failed(connection);
                continue;
            }
            // Healthy once caught up: a full batch may have more behind it.
            if(lines->size() < options_.batch)
                set_health(true, {});
        }
    }

    enum class outcome { applied, gap, unavailable, diverged };

    // When the log is quiet: whether its head is still at or after the last
    // line applied. A head behind it means Redis lost lines this replica
    // holds (restarted without its data, a failover that lost writes):
    // the mirror stops (diverged) rather than wait for ids Redis will never
    // reach again. False also when the head cannot be read.
    bool head_kept(redis_op_log& log)
    {
        auto head = log.head();
        if(! head)
            return false;
        auto const now = stream_id::parse(*head);
        auto const mine = applied();
        auto const last = stream_id::parse(mine);
        if(now && last && *now < *last)
        {
            diverge("the log's head " + *head + " is behind the last line this replica applied (" + mine
                    + "): Redis lost the log");
            return false;
        }
        return true;
    }

    // Applies one line unless the replica holds it already.
    outcome apply(logged_op const& line)
    {
        auto const id = stream_id::parse(line.id);
        std::string problem;
        auto op = managed_store::read_op_line(line.line, problem);
        if(! id || ! op)
        {
            diverge("the log's line " + line.id + " does not read: " + problem);
            return outcome::diverged;
        }
        auto verdict = admission::skip;
        auto const applied = core_->apply_logged(*op, [&] {
            verdict = admit_next(line.id, line.prev);
            return verdict == admission::apply;
        });
        if(! applied)
        {
            diverge("the log's line " + line.id + " does not apply to this replica's state ("
                    + std::string(error_name(applied.error())) + ")");
            return outcome::diverged;
        }
        if(verdict == admission::gap)
            return outcome::gap;
        published(line.id);
        return outcome::applied;
    }

    // The issuer's keys changed: reads them before the entry counts as
    // applied (and reads again if Redis fails now), then tells `on_keys`.
    outcome apply_keys(redis_op_log& log, logged_op const& line)
    {
        auto text = log.get(keys_key_);
        if(! text)
            return outcome::unavailable;
        auto verdict = admission::skip;
        core_->with_write_lock([&](managed_store::token_state const&) { verdict = admit_next(line.id, line.prev); });
        if(verdict == admission::gap)
            return outcome::gap;
        if(verdict == admission::apply)
            deliver_keys(*text);
        published(line.id);
        return outcome::applied;
    }

    // Replaces the core's state by the snapshot's and moves the place in
    // the log to it; false when Redis failed (retry) or the snapshot does
    // not cover what is missing (diverged).
    bool resync(redis_op_log& log, std::string& cursor)
    {
        auto snapshot = log.read_snapshot();
        if(! snapshot)
            return false;
        auto const behind = applied();
        auto const at = *snapshot ? stream_id::parse((*snapshot)->id) : std::nullopt;
        auto const mine = stream_id::parse(behind);
        if(! at || (mine && ! (*mine < *at)))
            return diverge("the log lacks lines after " + behind + " and no snapshot covers them");
        managed_store::state_editor editor{managed_store::token_state{}};
        std::string problem;
        if(! apply_snapshot(**snapshot, editor, problem))
            return diverge("the log's snapshot as of " + (*snapshot)->id + " does not read: " + problem);
        core_->publish(editor, [&] {
            std::lock_guard<std::mutex> lock(mutex_);
            applied_ = (*snapshot)->id;
        });
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ++resyncs_; // before it is visible: a waiter for the snapshot's id sees the count
        }
        published((*snapshot)->id);
        cursor = (*snapshot)->id;
        return true;
    }

    redis_endpoint endpoint_;
    std::string prefix_;
    std::string keys_key_;
    managed_store::store_core* core_;
    std::function<void(std::string&)> on_keys_; // guarded by mutex_
    mirror_options options_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string applied_; // the skip cursor, moved under the core's write lock
    std::string visible_; // the last line published to the core's readers
    bool healthy_ = false;
    bool diverged_ = false;
    std::uint64_t resyncs_ = 0;
    bool stopping_ = false;
    std::string last_error_;
    std::thread thread_;
};

} // namespace detail
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
