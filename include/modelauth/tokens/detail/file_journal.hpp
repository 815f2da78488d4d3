//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_DETAIL_FILE_JOURNAL_HPP
#define MODELAUTH_TOKENS_DETAIL_FILE_JOURNAL_HPP

// The journal file of a JournalTokenStore (see journal_token_store.hpp):
// appending an op durably, rewriting the file as a state (compaction), and
// the state directory it lives in. Linux file I/O.

#include <modelauth/detail/durable_file.hpp>
#include <modelauth/error.hpp>
#include <modelauth/tokens/detail/journal_codec.hpp>
#include <modelauth/tokens/detail/store_ops.hpp>
#include <modelauth/tokens/detail/store_state.hpp>
#include <modelauth/tokens/error.hpp>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {
namespace managed_store {

namespace io = modelauth::detail;

// The journal file of a JournalTokenStore, the `Journal` of its
// store_core: `stage`, `commit`, `diverged` and `published` are called
// under the core's write lock, `rewrite` too (through `with_write_lock`).
class file_journal
{
public:
    // `auto_compact`, `auto_compact_min_bytes` and `inject_failure` are
    // those of `journal_options`.
    file_journal(std::filesystem::path dir, std::filesystem::path file, io::unique_fd fd, std::uint64_t size,
                 bool auto_compact, std::uint64_t auto_compact_min_bytes,
                 std::function<int(std::string_view operation)> inject_failure)
        : dir_(std::move(dir))
        , file_(std::move(file))
        , fd_(std::move(fd))
        , size_(size)
        , live_size_(size)
        , auto_compact_(auto_compact)
        , auto_compact_min_bytes_(auto_compact_min_bytes)
        , inject_failure_(std::move(inject_failure))
    {
    }

    // Serialises `op` and reads it back into `op`, so that what is applied
    // in memory is exactly what a replay will apply; `storage_failure` (op
    // read back all the same) while the journal is poisoned.
    result<void> stage(token_op& op)
    {
        staged_ = op_line(op);
        std::string why;
        auto read_back = read_op_line(std::string_view(staged_).substr(0, staged_.size() - 1), why);
        if(! read_back) // e.g. a name that is not valid UTF-8
            return make_lifecycle_error(tokens::error::invalid_request_body);
        op = std::move(*read_back);
        if(poisoned_.load(std::memory_order_relaxed))
            return make_lifecycle_error(tokens::error::storage_failure);
        return {};
    }

    // Appends the staged line and fsyncs. On failure the file is truncated
    // back; after a failed fsync the journal is poisoned.
    result<void> commit()
    {
        if(int const error = call("write", [&] { return io::write_fully(fd_.get(), staged_); }))
            return fail(io::errno_text(file_, "write", error), false);
        if(int const error = call("fsync", [&] { return io::sync_fully(fd_.get()); }))
            return fail(io::errno_text(file_, "fsync", error), true);
        size_.fetch_add(staged_.size(), std::memory_order_relaxed);
        return {};
    }

    // Memory holds a change the journal lacks: no change may be appended
    // until a rewrite (which writes memory) succeeds.
    void diverged() noexcept { poisoned_.store(true, std::memory_order_relaxed); }

    // After a durable change: compacts once the journal is more than twice
    // the state it rebuilds (`live_estimate`). A failure is only recorded
    // (last_error).
    void published(token_state const& state)
    {
        if(compaction_due(record_count(state)))
        {
            auto rewritten = rewrite(state);
            static_cast<void>(rewritten);
        }
    }

    // Replaces the journal by one that rebuilds `state`. The new file is
    // locked before it takes the journal's name: the lock never lapses.
    result<void> rewrite(token_state const& state) { return rewrite(text_of(state), record_count(state)); }

    // The journal that rebuilds `state`.
    static std::string text_of(token_state const& state)
    {
        std::string text = header_line();
        for(auto const& op : state_ops(state))
            text += op_line(op);
        return text;
    }

    // Compacts at open if the journal is mostly history: measures the state
    // it rebuilds and rewrites it, from the same text, when that is due.
    // `all_live`: the replay found no history (`adds_one_record_at_most`),
    // so the journal is its live size, and nothing is measured.
    void compact_if_due(token_state const& state, bool all_live)
    {
        auto const records = record_count(state);
        if(all_live)
        {
            measured(size(), records);
            return;
        }
        auto text = text_of(state);
        measured(text.size(), records);
        if(compaction_due(records))
            static_cast<void>(rewrite(text, records));
    }

    // Replaces the journal by `text`, which rebuilds a state of `records`.
    result<void> rewrite(std::string const& text, std::size_t records)
    {
        auto const temporary = std::filesystem::path(file_).concat(".tmp");
        // A stale temporary file (or a planted link: unlink never follows
        // one) goes first; the new one is ours alone.
        if(::unlink(temporary.c_str()) != 0 && errno != ENOENT)
            return fail_rewrite(io::errno_text(temporary, "unlink", errno), temporary);
        io::unique_fd fd(::open(temporary.c_str(),
                            O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if(! fd)
            return fail_rewrite(io::errno_text(temporary, "open", errno), temporary);
        if(::fchmod(fd.get(), 0600) != 0)
            return fail_rewrite(io::errno_text(temporary, "fchmod", errno), temporary);
        if(int const error = call("write", [&] { return io::write_fully(fd.get(), text); }))
            return fail_rewrite(io::errno_text(temporary, "write", error), temporary);
        if(int const error = call("fsync", [&] { return io::sync_fully(fd.get()); }))
            return fail_rewrite(io::errno_text(temporary, "fsync", error), temporary);
        if(::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
            return fail_rewrite(io::errno_text(temporary, "flock", errno), temporary);
        if(::rename(temporary.c_str(), file_.c_str()) != 0)
            return fail_rewrite(io::errno_text(file_, "rename", errno), temporary);
        // The new file is the journal now, whether or not the rename is durable yet.
        fd_ = std::move(fd);
        size_.store(text.size(), std::memory_order_relaxed);
        measured(text.size(), records);
        if(int const error = io::sync_directory(dir_))
        {
            poisoned_.store(true, std::memory_order_relaxed);
            set_error(io::errno_text(dir_, "fsync", error));
            return make_lifecycle_error(tokens::error::storage_failure);
        }
        poisoned_.store(false, std::memory_order_relaxed);
        return {};
    }

    // Whether an automatic compaction is due now, with a state of `records`.
    bool compaction_due(std::size_t records) const noexcept
    {
        auto const size = this->size();
        return auto_compact_ && size > auto_compact_min_bytes_ && size / 2 > live_estimate(records);
    }

    // The bytes a state of `records` takes written out: at the size per
    // record of the last state measured (a rewrite, or the journal opened),
    // so the estimate follows the state as it grows and shrinks (a prune
    // of most records makes a compaction due) without writing it out.
    std::uint64_t live_estimate(std::size_t records) const noexcept
    {
        constexpr std::uint64_t unmeasured = 512; // a token's line is about 400 bytes
        auto const header = header_bytes_;
        auto const per_record = live_records_ == 0 || live_size_ <= header
            ? unmeasured
            : (live_size_ - header + live_records_ - 1) / live_records_;
        return header + per_record * records;
    }

    std::filesystem::path const& file() const noexcept { return file_; }
    std::uint64_t size() const noexcept { return size_.load(std::memory_order_relaxed); }
    bool durable() const noexcept { return ! poisoned_.load(std::memory_order_relaxed); }
    std::string last_error() const
    {
        std::lock_guard<std::mutex> lock(error_mutex_);
        return last_error_;
    }

private:
    void measured(std::uint64_t bytes, std::size_t records) noexcept
    {
        live_size_ = bytes;
        live_records_ = records;
    }

    // Runs the I/O `f` unless a test injects a failure for `operation`.
    template<class F>
    int call(char const* operation, F&& f)
    {
        if(inject_failure_)
            if(int const error = inject_failure_(operation))
                return error;
        return f();
    }

    void set_error(std::string text)
    {
        std::lock_guard<std::mutex> lock(error_mutex_);
        last_error_ = std::move(text);
    }

    result<void> fail(std::string text, bool poison)
    {
        set_error(std::move(text));
        if(::ftruncate(fd_.get(), static_cast<off_t>(size())) != 0 || poison)
            poisoned_.store(true, std::memory_order_relaxed);
        return make_lifecycle_error(tokens::error::storage_failure);
    }

    result<void> fail_rewrite(std::string text, std::filesystem::path const& temporary)
    {
        set_error(std::move(text));
        ::unlink(temporary.c_str());
        return make_lifecycle_error(tokens::error::storage_failure);
    }

    std::filesystem::path dir_;
    std::filesystem::path file_;
    io::unique_fd fd_;
    std::atomic<std::uint64_t> size_;
    // The size of the last state measured (a rewrite, or the state at open),
    // and how many records it held.
    std::uint64_t live_size_;
    std::uint64_t live_records_ = 0;
    std::uint64_t header_bytes_ = header_line().size();
    bool auto_compact_;
    std::uint64_t auto_compact_min_bytes_;
    std::function<int(std::string_view)> inject_failure_;
    std::atomic<bool> poisoned_{false}; // read by durable() without the write lock
    std::string staged_;
    mutable std::mutex error_mutex_;
    std::string last_error_; // guarded by error_mutex_: read without the write lock
};

// Creates `dir` (mode 0700, its parents with the default mode) if it does
// not exist, and refuses a directory that group or others may write;
// returns an empty string or what went wrong (naming the directory, never
// what it holds).
inline std::string make_state_directory(std::filesystem::path const& dir)
{
    std::error_code ec;
    auto const status = std::filesystem::status(dir, ec);
    if(status.type() == std::filesystem::file_type::not_found)
    {
        if(dir.has_parent_path())
        {
            std::filesystem::create_directories(dir.parent_path(), ec);
            if(ec)
                return dir.parent_path().string() + ": create_directories: " + ec.message();
        }
        if(::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
            return io::errno_text(dir, "mkdir", errno);
    }
    else if(ec)
        return dir.string() + ": stat: " + ec.message();
    struct ::stat st{};
    if(::stat(dir.c_str(), &st) != 0)
        return io::errno_text(dir, "stat", errno);
    if(! S_ISDIR(st.st_mode))
        return dir.string() + ": not a directory";
    if((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return dir.string() + ": group or others may write it (it holds the token journal and keys);"
                              " make it private, e.g. chmod 700";
    return {};
}

} // namespace managed_store
} // namespace detail
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
