//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TEST_SUPPORT_REDIS_TEST_SERVER_HPP
#define MODELAUTH_TEST_SUPPORT_REDIS_TEST_SERVER_HPP

// A real redis-server for a test (redis_test_server): on 127.0.0.1 and a free
// port, its data in a fresh temporary directory it owns, with the append-only
// file on and fsynced at every write (so a SIGKILL loses nothing that was
// acknowledged) and no RDB snapshots. It is spawned from the PATH with its
// stdout and stderr on a pipe; starting returns once it printed "Ready to
// accept connections" (20 s deadline, no sleeps: poll() on the pipe). Then a
// small thread drains the pipe (the last 64 KiB are kept for error messages)
// and another waits for the process to end (without reaping it, so its pid
// can be signalled safely until it is reaped here). stop() is a graceful
// shutdown, kill() a crash; start() brings it back on the same port and
// directory, replaying the append-only file. The destructor stops it (SIGKILL
// after 5 s) and removes the directory; it never throws.
//
// A process of the test binary that dies without running the destructor
// leaves its redis-server running (its files go with the temporary directory
// only when the destructor runs).

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "support/temporary_directory.hpp"

namespace modelauth_test {

class redis_test_server
{
public:
    // Starts redis-server on a free port (up to 3 more ports when the one
    // picked was taken before redis-server bound it). Throws
    // std::runtime_error with redis-server's output when it does not get
    // ready within 20 s.
    redis_test_server()
        : directory_("redis")
    {
        std::filesystem::create_directories(directory_.path);
        launch(true);
    }

    // Stops it (SIGTERM, then SIGKILL after 5 s) and removes the directory.
    ~redis_test_server()
    {
        try
        {
            halt(SIGTERM);
        }
        catch(...)
        {
        }
    }

    redis_test_server(redis_test_server const&) = delete;
    redis_test_server& operator=(redis_test_server const&) = delete;

    unsigned short port() const noexcept { return port_; }

    // "redis://127.0.0.1:<port>/0"
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

    // Whether the process is up: started and not stopped, killed or exited on its own.
    bool running() const noexcept { return running_.load(); }

    // SIGTERM and waits for the exit: a graceful shutdown, the append-only
    // file flushed. Nothing when it is not running. When it had not exited
    // after 5 s it is killed, and this throws std::runtime_error (as it does
    // when it exited with a failure status), the process gone either way.
    void stop()
    {
        if(pid_ < 0)
            return;
        auto const outcome = halt(SIGTERM);
        if(outcome.killed)
            throw std::runtime_error("redis-server did not stop within 5 s of SIGTERM; killed. Output:\n" + output());
        if(! outcome.clean)
            throw std::runtime_error("redis-server ended with a failure on SIGTERM. Output:\n" + output());
    }

    // SIGKILL and waits for the exit: a crash. Nothing when it is not running.
    void kill() { halt(SIGKILL); }

    // Starts it again on the same port and in the same directory (the
    // append-only file replayed) and waits for it as the constructor does.
    // Throws std::logic_error when it is running.
    void start()
    {
        if(running())
            throw std::logic_error("redis_test_server::start: already running");
        halt(SIGKILL); // reaps one that exited on its own
        launch(false);
    }

    // The directory holding its data (the append-only files are in its
    // "appendonlydir").
    std::filesystem::path directory() const { return directory_.path; }

    // The last 64 KiB of what redis-server printed, over every start.
    std::string output() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return output_;
    }

private:
    static constexpr std::string_view ready_line = "Ready to accept connections";
    static constexpr std::size_t output_limit = 64 * 1024;
    static constexpr std::chrono::seconds ready_deadline{20};
    static constexpr std::chrono::seconds stop_grace{5};
    static constexpr int port_retries = 3;

    struct halt_outcome
    {
        bool killed = false; // SIGKILL sent after the grace period
        bool clean = true;   // exited with status 0
    };

    enum class launch_result
    {
        ready,
        port_taken, // it exited: its port was taken
        exited,     // it exited (or its output could not be read)
        timed_out,
    };

    [[noreturn]] static void throw_errno(char const* what)
    {
        throw std::system_error(errno, std::generic_category(), std::string("redis_test_server: ") + what);
    }

    static void close_fd(int& fd) noexcept
    {
        if(fd >= 0)
            ::close(fd);
        fd = -1;
    }

    // A port nothing listens on now: bound to 127.0.0.1:0, read, released.
    static unsigned short free_port()
    {
        int const fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if(fd < 0)
            throw_errno("socket");
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        socklen_t length = sizeof address;
        if(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0
           || ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        {
            int const error = errno;
            ::close(fd);
            errno = error;
            throw_errno("bind to 127.0.0.1:0");
        }
        ::close(fd);
        return ntohs(address.sin_port);
    }

    void append_output(char const* data, std::size_t size)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        output_.append(data, size);
        if(output_.size() > output_limit)
            output_.erase(0, output_.size() - output_limit);
    }

    // Starts it, on a new free port when `fresh_port`; throws when it does not get ready.
    void launch(bool fresh_port)
    {
        for(int attempt = 0;; ++attempt)
        {
            if(fresh_port)
                port_ = free_port();
            std::string seen;
            launch_result result = launch_result::exited;
            try
            {
                result = spawn_and_wait(seen);
            }
            catch(...)
            {
                halt(SIGKILL);
                throw;
            }
            if(result == launch_result::ready)
                return;
            halt(SIGKILL);
            if(result == launch_result::port_taken && fresh_port && attempt < port_retries)
                continue;
            if(seen.size() > output_limit)
                seen.erase(0, seen.size() - output_limit);
            throw std::runtime_error(
                "redis-server on port " + std::to_string(port_)
                + (result == launch_result::port_taken ? " could not bind its port"
                   : result == launch_result::timed_out ? " was not ready within 20 s"
                                                        : " ended before it was ready")
                + ". Output:\n" + seen);
        }
    }

    // Spawns redis-server and reads its output until the ready line, the end
    // of the output or the deadline. What it read is in `seen`. Unless this
    // throws, the process (when spawned) is left for halt() to end and reap.
    launch_result spawn_and_wait(std::string& seen)
    {
        spawn();
        auto const deadline = std::chrono::steady_clock::now() + ready_deadline;
        char buffer[4096];
        for(;;)
        {
            auto const remaining = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if(remaining.count() <= 0)
                return launch_result::timed_out;
            pollfd descriptor{output_fd_, POLLIN, 0};
            int const polled = ::poll(&descriptor, 1, static_cast<int>(remaining.count()));
            if(polled < 0)
            {
                if(errno == EINTR)
                    continue;
                return launch_result::exited;
            }
            if(polled == 0)
                continue; // the deadline passed: checked above
            for(;;)
            {
                auto const n = ::read(output_fd_, buffer, sizeof buffer);
                if(n > 0)
                {
                    auto const size = static_cast<std::size_t>(n);
                    auto const from = seen.size() < ready_line.size() ? 0 : seen.size() - ready_line.size();
                    seen.append(buffer, size);
                    append_output(buffer, size);
                    if(seen.find(ready_line, from) != std::string::npos)
                    {
                        drain_ = std::thread([this] { drain(); });
                        std::lock_guard<std::mutex> lock(mutex_);
                        running_ = ! exited_;
                        return launch_result::ready;
                    }
                    continue;
                }
                if(n < 0 && errno == EINTR)
                    continue;
                if(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                    break;
                // End of output (it exited) or a read error.
                return seen.find("Address already in use") != std::string::npos ? launch_result::port_taken
                                                                                  : launch_result::exited;
            }
        }
    }

    // Spawns redis-server with its stdout and stderr on a new pipe (output_fd_
    // its non-blocking read end) and the thread waiting for its end.
    void spawn()
    {
        std::string const port = std::to_string(port_);
        std::string const dir = directory_.path.string();
        std::vector<std::string> arguments{
            "redis-server",
            "--port", port,
            "--bind", "127.0.0.1",
            "--protected-mode", "no",
            "--daemonize", "no",
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--save", "",
            "--dir", dir,
            "--logfile", "",
            "--loglevel", "notice",
        };
        std::vector<char*> argv;
        for(auto& argument : arguments)
            argv.push_back(argument.data());
        argv.push_back(nullptr);

        int fds[2];
        if(::pipe2(fds, O_CLOEXEC) != 0)
            throw_errno("pipe2");
        int wake[2];
        if(::pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0)
        {
            int const error = errno;
            ::close(fds[0]);
            ::close(fds[1]);
            errno = error;
            throw_errno("pipe2");
        }

        posix_spawn_file_actions_t actions;
        posix_spawnattr_t attributes;
        ::posix_spawn_file_actions_init(&actions);
        ::posix_spawnattr_init(&attributes);
        ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        ::posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
        ::posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
        sigset_t no_signals;
        sigemptyset(&no_signals);
        sigset_t defaults;
        sigemptyset(&defaults);
        for(int number : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2})
            sigaddset(&defaults, number);
        ::posix_spawnattr_setsigmask(&attributes, &no_signals);
        ::posix_spawnattr_setsigdefault(&attributes, &defaults);
        ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

        pid_t pid = -1;
        int const spawned = ::posix_spawnp(&pid, "redis-server", &actions, &attributes, argv.data(), environ);
        ::posix_spawn_file_actions_destroy(&actions);
        ::posix_spawnattr_destroy(&attributes);
        ::close(fds[1]);
        if(spawned != 0)
        {
            ::close(fds[0]);
            ::close(wake[0]);
            ::close(wake[1]);
            errno = spawned;
            throw_errno("posix_spawnp redis-server");
        }
        ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);

        pid_ = pid;
        output_fd_ = fds[0];
        wake_read_fd_ = wake[0];
        wake_write_fd_ = wake[1];
        {
            std::lock_guard<std::mutex> lock(mutex_);
            exited_ = false;
        }
        try
        {
            reaper_ = std::thread([this, pid] { reap(pid); });
        }
        catch(...)
        {
            ::kill(pid, SIGKILL);
            int status = 0;
            while(::waitpid(pid, &status, 0) < 0 && errno == EINTR)
            {
            }
            pid_ = -1;
            close_fd(output_fd_);
            close_fd(wake_read_fd_);
            close_fd(wake_write_fd_);
            throw;
        }
    }

    // The reaper thread: waits for the end of `pid` without reaping it (its
    // pid stays valid for kill() until halt() reaps it).
    void reap(pid_t pid) noexcept
    {
        siginfo_t info{};
        while(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR)
        {
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            exited_ = true;
            running_ = false;
        }
        exited_changed_.notify_all();
    }

    // The drain thread: keeps the pipe empty until its end, or until woken
    // (by halt(), once the process is gone: then it reads what is left).
    void drain() noexcept
    {
        for(;;)
        {
            pollfd descriptors[2] = {{output_fd_, POLLIN, 0}, {wake_read_fd_, POLLIN, 0}};
            int const polled = ::poll(descriptors, 2, -1);
            if(polled < 0)
            {
                if(errno == EINTR)
                    continue;
                return;
            }
            if(descriptors[0].revents != 0 && ! read_available())
                return;
            if(descriptors[1].revents != 0)
            {
                read_available();
                return;
            }
        }
    }

    // Reads what the pipe holds now; false at its end (or on an error).
    bool read_available() noexcept
    {
        char buffer[4096];
        for(;;)
        {
            auto const n = ::read(output_fd_, buffer, sizeof buffer);
            if(n > 0)
            {
                try
                {
                    append_output(buffer, static_cast<std::size_t>(n));
                }
                catch(...)
                {
                }
                continue;
            }
            if(n < 0 && errno == EINTR)
                continue;
            return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        }
    }

    // Sends `first_signal` (then SIGKILL after 5 s unless it is SIGKILL), waits for
    // the end, reaps the process, joins the threads and closes the pipes.
    // Nothing when no process was spawned.
    halt_outcome halt(int first_signal)
    {
        halt_outcome outcome;
        if(pid_ < 0)
            return outcome;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            if(! exited_)
                ::kill(pid_, first_signal);
            auto const ended = [this] { return exited_; };
            if(first_signal != SIGKILL && ! exited_changed_.wait_for(lock, stop_grace, ended))
            {
                ::kill(pid_, SIGKILL);
                outcome.killed = true;
            }
            exited_changed_.wait(lock, ended);
        }
        if(reaper_.joinable())
            reaper_.join();
        int status = 0;
        pid_t reaped = -1;
        while((reaped = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR)
        {
        }
        outcome.clean = reaped == pid_ && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        pid_ = -1;
        running_ = false;
        if(drain_.joinable())
        {
            char const byte = 0;
            while(::write(wake_write_fd_, &byte, 1) < 0 && errno == EINTR)
            {
            }
            drain_.join();
        }
        close_fd(output_fd_);
        close_fd(wake_read_fd_);
        close_fd(wake_write_fd_);
        return outcome;
    }

    temporary_directory directory_;
    unsigned short port_ = 0;
    pid_t pid_ = -1;
    int output_fd_ = -1;
    int wake_read_fd_ = -1;
    int wake_write_fd_ = -1;
    std::atomic<bool> running_{false};
    std::thread reaper_;
    std::thread drain_;
    mutable std::mutex mutex_;
    std::condition_variable exited_changed_;
    bool exited_ = false;
    std::string output_;
};

} // namespace modelauth_test

#endif
