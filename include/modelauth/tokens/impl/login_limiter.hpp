//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_IMPL_LOGIN_LIMITER_HPP
#define MODELAUTH_TOKENS_IMPL_LOGIN_LIMITER_HPP

#include <modelauth/configuration_error.hpp>
#include <modelauth/tokens/error.hpp>

#include <utility>

namespace modelauth {
inline namespace v0 {
namespace tokens {

template<class Clock>
login_limiter<Clock>::login_limiter(login_limiter_options options, Clock clock)
    : options_(options)
    , clock_(std::move(clock))
{
    if(options_.max_failures == 0)
        throw configuration_error("login_limiter_options.max_failures", "must be at least 1");
    if(options_.window <= std::chrono::seconds::zero())
        throw configuration_error("login_limiter_options.window", "must be positive");
    if(options_.max_tracked == 0)
        throw configuration_error("login_limiter_options.max_tracked", "must be at least 1");
}

template<class Clock>
result<void> login_limiter<Clock>::check(std::string_view account_key) const
{
    if(retry_after(account_key) > std::chrono::seconds::zero())
        return tokens::error::too_many_attempts;
    return {};
}

template<class Clock>
result<void> login_limiter<Clock>::try_acquire(std::string_view account_key)
{
    auto const key = validation::hash_secret(account_key);
    auto const now = clock_.now();
    std::lock_guard<std::mutex> lock(mutex_);
    if(! count_failure(key, now))
        return tokens::error::too_many_attempts;
    return {};
}

template<class Clock>
void login_limiter<Clock>::refund(std::string_view account_key)
{
    auto const key = validation::hash_secret(account_key);
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = accounts_.find(key);
    if(it == accounts_.end() || it->second.failures == 0)
        return;
    auto& e = it->second;
    if(e.failures-- >= options_.max_failures)
        e.locked_until = time_point{}; // this attempt set the lock
}

template<class Clock>
void login_limiter<Clock>::record_failure(std::string_view account_key)
{
    auto const key = validation::hash_secret(account_key);
    auto const now = clock_.now();
    std::lock_guard<std::mutex> lock(mutex_);
    (void)count_failure(key, now);
}

template<class Clock>
bool login_limiter<Clock>::count_failure(validation::secret_digest const& key, time_point now)
{
    auto it = accounts_.find(key);
    if(it == accounts_.end())
    {
        make_room(now);
        auto position = order_.insert(order_.end(), key);
        try
        {
            it = accounts_.emplace(key, entry{}).first;
        }
        catch(...)
        {
            order_.erase(position);
            throw;
        }
        it->second.position = position;
    }
    auto& e = it->second;
    if(now < e.locked_until)
        return false;
    if(now >= e.window_end) // the first failure, or the last window is over
    {
        e.failures = 0;
        e.window_end = now + options_.window;
        touch(e);
    }
    if(++e.failures >= options_.max_failures)
    {
        e.locked_until = now + options_.window;
        touch(e);
    }
    return true;
}

template<class Clock>
void login_limiter<Clock>::record_success(std::string_view account_key)
{
    auto const key = validation::hash_secret(account_key);
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = accounts_.find(key);
    if(it == accounts_.end())
        return;
    order_.erase(it->second.position);
    accounts_.erase(it);
}

template<class Clock>
std::chrono::seconds login_limiter<Clock>::retry_after(std::string_view account_key) const
{
    auto const key = validation::hash_secret(account_key);
    auto const now = clock_.now();
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = accounts_.find(key);
    if(it == accounts_.end() || now >= it->second.locked_until)
        return std::chrono::seconds::zero();
    return std::chrono::ceil<std::chrono::seconds>(it->second.locked_until - now);
}

template<class Clock>
std::size_t login_limiter<Clock>::tracked() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return accounts_.size();
}

// Moves `e` to the back of `order_`: its expiry has just become the latest.
template<class Clock>
void login_limiter<Clock>::touch(entry& e)
{
    order_.splice(order_.end(), order_, e.position);
}

// Makes room for one more entry: drops the expired ones if full, then the
// oldest one that is not locked (a lock is a defence: evicting it early
// would let whoever filled the table guess again), and the oldest lock only
// if every entry is locked. The caller holds the mutex.
template<class Clock>
void login_limiter<Clock>::make_room(time_point now)
{
    if(accounts_.size() < options_.max_tracked)
        return;
    while(! order_.empty())
    {
        auto const it = accounts_.find(order_.front());
        if(it->second.expiry() > now)
            break;
        accounts_.erase(it);
        order_.pop_front();
    }
    if(accounts_.size() < options_.max_tracked)
        return;
    for(auto pos = order_.begin(); pos != order_.end(); ++pos)
    {
        auto const it = accounts_.find(*pos);
        if(now >= it->second.locked_until)
        {
            accounts_.erase(it);
            order_.erase(pos);
            return;
        }
    }
    accounts_.erase(order_.front());
    order_.pop_front();
}

} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
