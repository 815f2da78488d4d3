//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_IMPL_JOURNAL_TOKEN_STORE_HPP
#define MODELAUTH_TOKENS_IMPL_JOURNAL_TOKEN_STORE_HPP

#include <modelauth/detail/durable_file.hpp>
#include <modelauth/tokens/detail/file_journal.hpp>
#include <modelauth/tokens/detail/journal_codec.hpp>
#include <modelauth/tokens/detail/store_ops.hpp>
#include <modelauth/tokens/detail/store_state.hpp>
#include <modelauth/tokens/error.hpp>

#include <cerrno>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace modelauth {
inline namespace v0 {
namespace tokens {

inline JournalTokenStore::JournalTokenStore(std::unique_ptr<detail::managed_store::file_journal> journal)
    : journal_(std::move(journal))
{
}

inline JournalTokenStore::~JournalTokenStore() = default;

inline result<std::shared_ptr<JournalTokenStore>> JournalTokenStore::open(
    std::filesystem::path state_dir, journal_options options, std::string* why)
{
    namespace store_detail = detail::managed_store;
    namespace io = modelauth::detail;
    auto const refuse = [why](std::string text) -> result<std::shared_ptr<JournalTokenStore>> {
        if(why)
            *why = std::move(text);
        return store_detail::make_lifecycle_error(tokens::error::storage_failure);
    };

    if(state_dir.empty())
        return refuse("the token state directory is an empty path");
    state_dir = state_dir.lexically_normal();
    if(! state_dir.has_filename() && state_dir.has_parent_path()) // "dir/"
        state_dir = state_dir.parent_path();
    if(auto problem = store_detail::make_state_directory(state_dir); ! problem.empty())
        return refuse(std::move(problem));

    auto file = state_dir / journal_file_name;
    io::unique_fd fd;
    struct ::stat st{};
    // Lock the file, then make sure it is still the journal: a compaction
    // of another store may have renamed a new file over the one we opened
    // and released the old one's lock. Then open the new one.
    for(int attempt = 0;; ++attempt)
    {
        fd = io::unique_fd(::open(file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
        if(! fd)
            return refuse(errno == ELOOP ? file.string() + ": is a symbolic link"
                                         : io::errno_text(file, "open", errno));
        if(options.before_lock)
            options.before_lock();
        if(::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
            return refuse(errno == EWOULDBLOCK ? file.string() + ": in use by another JournalTokenStore"
                                               : io::errno_text(file, "flock", errno));
        if(::fstat(fd.get(), &st) != 0)
            return refuse(io::errno_text(file, "fstat", errno));
        struct ::stat at_path{};
        bool const present = ::lstat(file.c_str(), &at_path) == 0;
        if(! present && errno != ENOENT)
            return refuse(io::errno_text(file, "stat", errno));
        if(present && at_path.st_dev == st.st_dev && at_path.st_ino == st.st_ino)
            break;
        if(attempt == 8)
            return refuse(file.string() + ": keeps being replaced while it is opened");
    }
    if(! S_ISREG(st.st_mode))
        return refuse(file.string() + ": not a regular file");
    if((st.st_mode & 0177) != 0 && ::fchmod(fd.get(), 0600) != 0)
        return refuse(io::errno_text(file, "fchmod", errno));
    // A temporary file left by a compaction that did not finish.
    ::unlink(std::filesystem::path(file).concat(".tmp").c_str());

    std::string text;
    if(int const error = io::read_fully(fd.get(), text))
        return refuse(io::errno_text(file, "read", error));

    store_detail::state_editor editor{store_detail::token_state{}};
    std::size_t line_number = 0;
    std::size_t complete = 0; // bytes of complete lines
    std::size_t ops = 0;
    bool only_additions = true; // every op adds_one_record_at_most
    while(complete < text.size())
    {
        auto const end = text.find('\n', complete);
        if(end == std::string::npos)
            break; // a torn last line
        ++line_number;
        std::string_view const line(text.data() + complete, end - complete);
        std::string problem;
        if(line_number == 1)
        {
            if(! store_detail::read_header_line(line, problem))
                return refuse(file.string() + ":1: " + problem);
        }
        else
        {
            auto op = store_detail::read_op_line(line, problem);
            if(op)
            {
                ++ops;
                only_additions = only_additions && store_detail::adds_one_record_at_most(*op);
                auto applied = store_detail::apply_change(editor, *op);
                if(! applied)
                    problem = "the change does not apply to the state before it ("
                        + std::string(error_name(applied.error())) + ")";
            }
            if(! problem.empty())
                return refuse(file.string() + ":" + std::to_string(line_number) + ": " + problem);
        }
        complete = end + 1;
    }

    if(complete < text.size())
    {
        if(::ftruncate(fd.get(), static_cast<off_t>(complete)) != 0)
            return refuse(io::errno_text(file, "ftruncate", errno));
        if(int const error = io::sync_fully(fd.get()))
            return refuse(io::errno_text(file, "fsync", error));
    }
    if(complete == 0)
    {
        auto const header = store_detail::header_line();
        if(int const error = io::write_fully(fd.get(), header))
        {
            if(::ftruncate(fd.get(), 0) != 0)
            {
                // Nothing more to do: the next open drops a torn header too.
            }
            return refuse(io::errno_text(file, "write", error));
        }
        if(int const error = io::sync_fully(fd.get()))
            return refuse(io::errno_text(file, "fsync", error));
        if(int const error = io::sync_directory(state_dir))
            return refuse(io::errno_text(state_dir, "fsync", error));
        complete = header.size();
    }

    std::shared_ptr<JournalTokenStore> store(new JournalTokenStore(std::make_unique<store_detail::file_journal>(
        state_dir, std::move(file), std::move(fd), complete, options.auto_compact, options.auto_compact_min_bytes,
        options.inject_failure)));
    store->core_.publish(editor);
    if(options.compact_on_open)
    {
        if(auto compacted = store->compact(); ! compacted)
            return refuse(store->last_storage_error());
    }
    else if(options.auto_compact)
    {
        // A journal of mostly history: compact it now (a failure leaves it
        // as it was, to be retried after a change).
        store->core_.with_write_lock(
            [&](store_detail::token_state const& s) {
                store->journal_->compact_if_due(s, only_additions && store_detail::record_count(s) == ops);
            });
    }
    return store;
}

inline result<void> JournalTokenStore::compact()
{
    return core_.with_write_lock([this](detail::managed_store::token_state const& s) { return journal_->rewrite(s); });
}

inline std::filesystem::path const& JournalTokenStore::path() const noexcept
{
    return journal_->file();
}

inline std::uint64_t JournalTokenStore::journal_bytes() const noexcept
{
    return journal_->size();
}

inline std::string JournalTokenStore::last_storage_error() const
{
    return journal_->last_error();
}

inline bool JournalTokenStore::do_healthy() const noexcept
{
    return journal_->durable();
}

inline detail::managed_store::file_journal& JournalTokenStore::journal() noexcept
{
    return *journal_;
}

} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
