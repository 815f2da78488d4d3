//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_DETAIL_REDIS_CONNECTION_HPP
#define MODELAUTH_TOKENS_DETAIL_REDIS_CONNECTION_HPP

// One blocking connection to Redis on hiredis (Debian's libhiredis-dev,
// link -lhiredis): the endpoint from a `redis://[user:password@]host:port/db`
// URL, connect and command deadlines, binary-safe commands (argv with
// lengths), replies copied into a plain value, and every transport failure
// as `tokens::error::storage_failure` (503), after which the next command
// connects again. Not thread-safe: one per thread, or one behind a lock.
//
// What failed last (`last_error()`) is kept for logs: hiredis's words or
// the server's error reply, never a command's arguments (they may hold
// token digests and the AUTH password).

#include <modelauth/error.hpp>
#include <modelauth/tokens/error.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <hiredis/hiredis.h>

#include <sys/time.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {

// Where a Redis server is.
struct redis_endpoint
{
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    unsigned db = 0;
    std::string user;     // with a password: AUTH user password (Redis 6 ACLs)
    std::string password; // empty: no AUTH
};

// The endpoint of `url`, or the words that say what is wrong with it
// (`problem`): `redis://host[:port][/db]`, with `user:password@` or
// `:password@` for AUTH.
inline redis_endpoint parse_redis_url(std::string_view text, std::string& problem)
{
    redis_endpoint e;
    auto const parsed = boost::urls::parse_absolute_uri(boost::core::string_view(text.data(), text.size()));
    if(! parsed || parsed->scheme() != "redis")
    {
        problem = "must be a redis:// URL: redis://host:port/db";
        return e;
    }
    auto const& u = *parsed;
    if(u.has_query() || u.has_fragment())
    {
        problem = "must not have a query or a fragment";
        return e;
    }
    if(u.host_type() == boost::urls::host_type::ipv6)
        e.host = u.host_ipv6_address().to_string();
    else
        e.host = u.host();
    if(e.host.empty())
    {
        problem = "must name a host: redis://host:port/db";
        return e;
    }
    if(u.has_port())
    {
        if(u.port().empty() || u.port_number() == 0)
        {
            problem = "must have a port from 1 to 65535";
            return e;
        }
        e.port = u.port_number();
    }
    auto const path = std::string(u.path());
    if(! path.empty() && path != "/")
    {
        std::string const digits = path.substr(1);
        if(digits.empty() || digits.size() > 4 || digits.find_first_not_of("0123456789") != std::string::npos)
        {
            problem = "must name a database by its number: redis://host:port/0";
            return e;
        }
        e.db = static_cast<unsigned>(std::stoul(digits));
    }
    if(u.has_userinfo())
    {
        e.user = u.user();
        e.password = u.password();
        if(e.password.empty())
        {
            problem = "has a user name without a password";
            return e;
        }
    }
    return e;
}

// A reply, copied out of hiredis's.
struct redis_reply
{
    enum class kind : std::uint8_t { nil, integer, string, status, array };

    kind type = kind::nil;
    long long integer = 0;
    std::string text; // string or status
    std::vector<redis_reply> elements;

    [[nodiscard]] bool is_nil() const noexcept { return type == kind::nil; }
};

inline redis_reply copy_reply(redisReply const& r)
{
    redis_reply out;
    switch(r.type)
    {
    case REDIS_REPLY_INTEGER:
        out.type = redis_reply::kind::integer;
        out.integer = r.integer;
        break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
        out.type = r.type == REDIS_REPLY_STRING ? redis_reply::kind::string : redis_reply::kind::status;
        out.text.assign(r.str, r.len);
        break;
    case REDIS_REPLY_ARRAY:
        out.type = redis_reply::kind::array;
        out.elements.reserve(r.elements);
        for(std::size_t i = 0; i < r.elements; ++i)
            out.elements.push_back(copy_reply(*r.element[i]));
        break;
    default:
        break; // nil
    }
    return out;
}

struct redis_timeouts
{
    std::chrono::milliseconds connect{2000};
    std::chrono::milliseconds command{2000};
};

class redis_connection
{
public:
    redis_connection(redis_endpoint endpoint, redis_timeouts timeouts = {})
        : endpoint_(std::move(endpoint))
        , timeouts_(timeouts)
    {
    }

    // Whether a connection is open now (the last command did not fail on
    // the transport).
    [[nodiscard]] bool connected() const noexcept { return context_ != nullptr; }

    // What failed last, for a log line.
    [[nodiscard]] std::string const& last_error() const noexcept { return last_error_; }

    [[nodiscard]] redis_endpoint const& endpoint() const noexcept { return endpoint_; }

    // Runs one command. An error reply is `storage_failure` too (with its
    // text in `last_error`), unless `error_reply` is given: then the error
    // text goes there and the call succeeds with a nil reply.
    //
    // A connection that was open before the command and fails on the
    // transport (Redis restarted while it was idle) is opened again and the
    // command sent once more: the first failure of a stale connection is
    // not a fault. A command that may have run before its reply was lost
    // can thus run twice; the log's append is a compare-and-append, which
    // then finds its own line (redis_journal).
    result<redis_reply> command(std::vector<std::string_view> const& args, std::string* error_reply = nullptr)
    {
        bool const was_open = context_ != nullptr;
        if(! was_open)
            if(auto opened = open(); ! opened)
                return opened.error();
        auto reply = run(args, error_reply);
        if(reply || ! was_open || context_)
            return reply; // done, a new connection's failure, or an error reply
        if(auto opened = open(); ! opened)
            return opened.error();
        return run(args, error_reply);
    }

    // Closes the connection; the next command opens a new one.
    void close() noexcept { context_.reset(); }

private:
    struct context_deleter
    {
        void operator()(redisContext* c) const noexcept { redisFree(c); }
    };

    static timeval to_timeval(std::chrono::milliseconds d) noexcept
    {
        timeval tv{};
        tv.tv_sec = static_cast<decltype(tv.tv_sec)>(d.count() / 1000);
        tv.tv_usec = static_cast<decltype(tv.tv_usec)>((d.count() % 1000) * 1000);
        return tv;
    }

    std::error_code fail(std::string what)
    {
        last_error_ = std::move(what);
        context_.reset();
        return make_error_code(tokens::error::storage_failure);
    }

    result<void> open()
    {
        std::unique_ptr<redisContext, context_deleter> c(
            redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, to_timeval(timeouts_.connect)));
        if(! c)
            return fail("redis: cannot allocate a connection");
        if(c->err)
            return fail(std::string("redis: cannot connect to ") + endpoint_.host + ":" + std::to_string(endpoint_.port)
                        + ": " + c->errstr);
        if(redisSetTimeout(c.get(), to_timeval(timeouts_.command)) != REDIS_OK)
            return fail("redis: cannot set the command timeout");
        redisEnableKeepAlive(c.get());
        context_ = std::move(c);
        if(! endpoint_.password.empty())
        {
            std::vector<std::string_view> auth{"AUTH"};
            if(! endpoint_.user.empty())
                auth.push_back(endpoint_.user);
            auth.push_back(endpoint_.password);
            if(auto r = run(auth, nullptr); ! r)
                return fail("redis: AUTH refused: " + last_error_);
        }
        if(endpoint_.db != 0)
        {
            auto const db = std::to_string(endpoint_.db);
            if(auto r = run({"SELECT", db}, nullptr); ! r)
                return fail("redis: SELECT refused: " + last_error_);
        }
        return {};
    }

    result<redis_reply> run(std::vector<std::string_view> const& args, std::string* error_reply)
    {
        std::vector<char const*> argv;
        std::vector<std::size_t> lengths;
        argv.reserve(args.size());
        lengths.reserve(args.size());
        for(auto const a : args)
        {
            argv.push_back(a.data());
            lengths.push_back(a.size());
        }
        auto* raw = static_cast<redisReply*>(
            redisCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data()));
        if(raw == nullptr)
            return fail(std::string("redis: ") + (context_->errstr[0] != '\0' ? context_->errstr : "connection lost"));
        std::unique_ptr<redisReply, void (*)(void*)> reply(raw, freeReplyObject);
        if(reply->type == REDIS_REPLY_ERROR)
        {
            std::string text(reply->str, reply->len);
            if(error_reply)
            {
                *error_reply = std::move(text);
                return redis_reply{};
            }
            last_error_ = "redis: " + text;
            return make_error_code(tokens::error::storage_failure);
        }
        return copy_reply(*reply);
    }

    redis_endpoint endpoint_;
    redis_timeouts timeouts_;
    std::unique_ptr<redisContext, context_deleter> context_;
    std::string last_error_;
};

} // namespace detail
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
