//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_DETAIL_DURABLE_FILE_HPP
#define MODELAUTH_DETAIL_DURABLE_FILE_HPP

// The POSIX file I/O of everything that keeps state on disk (the token
// journal, the issuer's key file, the example client's API-key file), written
// once: a file descriptor that closes itself, whole writes and reads, fsync
// of a file and of a directory, and the replacement of a file by new
// contents that a crash leaves either old or new, never half written.
//
// Every function reports a failure as the errno of the call that failed
// (0: none), never by throwing, apart from `std::bad_alloc`; callers map it to
// their own error codes and name the file and the call in their messages
// with `errno_text`.

#include <openssl/crypto.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace modelauth {
inline namespace v0 {
namespace detail {

// Owns a POSIX file descriptor and closes it once.
class unique_fd
{
public:
    explicit unique_fd(int fd = -1) noexcept : fd_(fd) {}
    unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& other) noexcept
    {
        if(this != &other)
        {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    unique_fd(unique_fd const&) = delete;
    unique_fd& operator=(unique_fd const&) = delete;
    ~unique_fd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }

    // Closes now, ignoring what close(2) reports.
    void reset() noexcept
    {
        if(fd_ >= 0)
            (void)::close(fd_);
        fd_ = -1;
    }

    // Closes now; 0, or the errno of close(2) (e.g. a failed write-back).
    int close() noexcept
    {
        int const fd = std::exchange(fd_, -1);
        if(fd < 0 || ::close(fd) == 0)
            return 0;
        return errno;
    }

private:
    int fd_;
};

// What an operator reads in a log: "<file>: <operation>: <strerror>".
inline std::string errno_text(std::filesystem::path const& file, char const* operation, int error)
{
    return file.string() + ": " + operation + ": " + std::system_category().message(error);
}

// Writes all of `data`, retrying on EINTR and short writes; 0, or the errno
// of the failure (EIO for a write that wrote nothing).
inline int write_fully(int fd, std::string_view data) noexcept
{
    while(! data.empty())
    {
        auto const n = ::write(fd, data.data(), data.size());
        if(n < 0)
        {
            if(errno == EINTR)
                continue;
            return errno;
        }
        if(n == 0)
            return EIO;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
}

// fsync(2), retried on EINTR; 0, or the errno of the failure.
inline int sync_fully(int fd) noexcept
{
    while(::fsync(fd) != 0)
        if(errno != EINTR)
            return errno;
    return 0;
}

// Makes the entries of `dir` durable (a file created or renamed into it);
// 0, or the errno of open(2) or fsync(2).
inline int sync_directory(std::filesystem::path const& dir) noexcept
{
    unique_fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if(! fd)
        return errno;
    return sync_fully(fd.get());
}

// The directory holding `file`: its parent, or "." for a bare name.
inline std::filesystem::path directory_of(std::filesystem::path const& file)
{
    return file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
}

// Reads the whole file open as `fd`, from offset 0 to its end, into `out`;
// 0, or the errno of the failure.
inline int read_fully(int fd, std::string& out)
{
    out.clear();
    char buffer[65536];
    for(;;)
    {
        auto const n = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(out.size()));
        if(n < 0)
        {
            if(errno == EINTR)
                continue;
            return errno;
        }
        if(n == 0)
            return 0;
        out.append(buffer, static_cast<std::size_t>(n));
    }
}

// Reads the regular file `file` whole into `out`, which may hold a secret:
// the bytes go straight from the file into `out`, and a failed read wipes
// them. Follows a symbolic link. A file that shrinks meanwhile is read to
// its new end; one that grows, to the size it had when opened.
// 0, or the errno of the failure: ENOENT if there is no such file, EINVAL if
// it is not a regular file, EFBIG if it holds more than `max_bytes`.
inline int read_file(std::filesystem::path const& file, std::size_t max_bytes, std::string& out)
{
    out.clear();
    unique_fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if(! fd)
        return errno;
    struct ::stat info = {};
    if(::fstat(fd.get(), &info) != 0)
        return errno;
    if(! S_ISREG(info.st_mode))
        return EINVAL;
    if(static_cast<std::uintmax_t>(info.st_size) > max_bytes)
        return EFBIG;
    out.assign(static_cast<std::size_t>(info.st_size), '\0');
    std::size_t size = 0;
    while(size < out.size())
    {
        auto const got = ::read(fd.get(), out.data() + size, out.size() - size);
        if(got < 0 && errno == EINTR)
            continue;
        if(got < 0)
        {
            int const error = errno;
            OPENSSL_cleanse(out.data(), out.size());
            out.clear();
            return error;
        }
        if(got == 0)
            break; // the file shrank meanwhile
        size += static_cast<std::size_t>(got);
    }
    out.resize(size);
    return 0;
}

// Whether `write_file_atomically` reports a failed fsync of the directory.
enum class directory_sync
{
    required,   // yes: the caller needs the rename itself to be durable
    best_effort // no: the new file is in place, which is what matters
};

// Creates a new file beside `file`, named `.<name>.tmp-<pid>-<n>`, mode 0600,
// exclusively (never an existing file or a symbolic link), and names it in
// `temporary`; the descriptor, or an empty one with errno set.
inline unique_fd create_temporary_beside(std::filesystem::path const& file, std::filesystem::path& temporary)
{
    static std::atomic<unsigned> counter{0};
    unique_fd fd;
    for(int attempt = 0; attempt < 100; ++attempt)
    {
        temporary = file;
        temporary.replace_filename("." + file.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-"
                                   + std::to_string(counter.fetch_add(1)));
        fd = unique_fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
        if(fd || errno != EEXIST)
            break;
    }
    return fd;
}

// Replaces `file` by `text` atomically and durably: a new file beside it
// (`create_temporary_beside`), its mode set to exactly 0600 whatever the
// umask, written, fsynced, closed and renamed over `file`; then the
// directory fsynced, a failure of which counts only if `sync` is `required`
// (and not when the file system cannot sync a directory: EINVAL). A reader
// sees the old file or the new one, never a part.
// 0, or the errno of the first call that failed; if it failed before the
// rename, `file` is as it was and the temporary file is removed.
inline int write_file_atomically(std::filesystem::path const& file, std::string_view text,
                                 directory_sync sync = directory_sync::required)
{
    std::filesystem::path temporary;
    unique_fd fd = create_temporary_beside(file, temporary);
    if(! fd)
        return errno;
    int error = ::fchmod(fd.get(), 0600) == 0 ? 0 : errno;
    if(error == 0)
        error = write_fully(fd.get(), text);
    if(error == 0)
        error = sync_fully(fd.get());
    if(int const closed = fd.close(); error == 0)
        error = closed;
    if(error == 0 && ::rename(temporary.c_str(), file.c_str()) != 0)
        error = errno;
    if(error != 0)
    {
        (void)::unlink(temporary.c_str());
        return error;
    }
    int const synced = sync_directory(directory_of(file));
    if(sync == directory_sync::best_effort || synced == EINVAL)
        return 0;
    return synced;
}

} // namespace detail
} // namespace v0
} // namespace modelauth

#endif
