//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_LOGIN_LIMITER_HPP
#define MODELAUTH_TOKENS_LOGIN_LIMITER_HPP

/** @file
    Throttling of password guessing: failed logins are counted per account,
    and an account with too many recent failures is locked for a while
    (`tokens::error::too_many_attempts`, HTTP 429 with `Retry-After`).

    A login handler takes an attempt before it verifies (`try_acquire`
    counts it as a failure at once, under the limiter's lock, so parallel
    guesses cannot all pass one check: security review F2) and reports a
    success after:

    @code
    if(auto allowed = limiter.try_acquire(key); ! allowed)
        return reject(allowed.error(), limiter.retry_after(key)); // 429
    if(verified)
        limiter.record_success(key); // forgets the key's failures
    // else: the attempt was already counted; answer 401
    @endcode

    `check` and `record_failure` remain for callers that count after the
    fact; they let as many guesses through as run in parallel.

    The rule: the first failure opens a window of `window`; failures inside
    it are counted, and the `max_failures`-th locks the account for `window`
    from that failure. A window that ends without a lock is forgotten, and
    so is a lock once it ends. A success forgets the account at once.

    The key is whatever the caller throttles on. `flows::console_session`
    keys one limiter on the email and the client's address together and a second,
    looser one on the address alone (a key of the email alone would let
    anyone lock a known user out for `window`); a success forgets the pair
    and only gives back its own attempt to the address (`refund`), so a
    client cannot clear its address's count with an account of its own.
*/

#include <modelauth/validation/api_key.hpp>
#include <modelauth/clock.hpp>
#include <modelauth/error.hpp>
#include <modelauth/tokens/error.hpp>

#include <chrono>
#include <cstddef>
#include <list>
#include <map>
#include <mutex>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace tokens {

/// Settings of a `login_limiter`.
struct login_limiter_options
{
    /// Failures within one window that lock the account; at least 1.
    unsigned max_failures = 5;

    /// How long a window of failures lasts, and how long a lock lasts; positive.
    std::chrono::seconds window = std::chrono::minutes(15);

    /// The most accounts tracked at once; at least 1. When it is reached,
    /// expired entries are dropped first, then the oldest entry that is not
    /// locked; a lock is dropped only when every tracked entry is locked.
    std::size_t max_tracked = 100000;
};

/** Counts failed logins per account and locks accounts that fail too often.

    Accounts are tracked by the SHA-256 of their key, so memory per account
    is constant (about 150 bytes) whatever the key's length, and an ordered
    map keeps every operation logarithmic whatever keys an attacker picks.
    At most `max_tracked` accounts are kept: dropping the oldest one when
    full may forget a lock early, which needs `max_tracked` distinct accounts
    failing within one window.

    @tparam Clock Where time comes from: a type with a const `now()`
    returning `std::chrono::system_clock::time_point` (see `clock.hpp`).

    Thread safety: safe to share between threads. Every member takes one
    mutex: logins are rare next to model requests and each one already costs
    a PBKDF2 verification, so a lock here costs nothing that matters.
*/
template<class Clock = system_clock_source>
class login_limiter
{
    static_assert(is_clock<Clock>::value,
                  "login_limiter<Clock>: Clock needs a const member now() returning "
                  "std::chrono::system_clock::time_point (see modelauth/clock.hpp)");

public:
    using clock_type = Clock;
    using time_point = std::chrono::system_clock::time_point;

    /** Builds a limiter.

        @throws configuration_error naming the bad field
        (`login_limiter_options.max_failures`, `.window`, `.max_tracked`).
    */
    explicit login_limiter(login_limiter_options options = {}, Clock clock = Clock{});

    login_limiter(login_limiter const&) = delete;
    login_limiter& operator=(login_limiter const&) = delete;

    /** Whether `account_key` may try to log in now.

        @return Nothing, or `tokens::error::too_many_attempts` while the
        account is locked.

        Complexity: logarithmic in the accounts tracked, plus one SHA-256 of
        the key. Exception safety: strong.
    */
    [[nodiscard]] result<void> check(std::string_view account_key) const;

    /** Takes one attempt of `account_key`: counts it as a failure at once
        (it may lock the key, for the attempts after it) unless the key is
        locked already. Check and count are one step under the lock, so no
        more than `max_failures` attempts per window ever pass, however many
        run at once. Report a success with `record_success` or `refund`.

        @return Nothing, or `tokens::error::too_many_attempts` while the
        key is locked (the attempt is not counted then).

        Complexity and exception safety: as `record_failure`.
    */
    [[nodiscard]] result<void> try_acquire(std::string_view account_key);

    /** Gives back one attempt taken by `try_acquire` that succeeded,
        without forgetting the key's other failures; lifts a lock that this
        attempt set.

        Complexity: logarithmic. Exception safety: no-throw but for the mutex.
    */
    void refund(std::string_view account_key);

    /** Records a failed login of `account_key`; may lock the account.

        A failure while the account is locked is not counted and does not
        extend the lock (the caller should not have verified at all).

        Complexity: logarithmic in the accounts tracked, plus a logarithmic
        cost per expired entry dropped when the limiter is full (each entry
        is dropped once). Exception safety: basic: on `std::bad_alloc` the
        failure is not recorded, though entries may have been dropped to make
        room for it.
    */
    void record_failure(std::string_view account_key);

    /** Records a successful login of `account_key`: forgets its failures.

        Complexity: logarithmic. Exception safety: no-throw but for the mutex.
    */
    void record_success(std::string_view account_key);

    /** How long until `account_key` may try again, rounded up to whole
        seconds (the value of a `Retry-After` header); zero if it may now.

        Complexity: logarithmic. Exception safety: strong.
    */
    [[nodiscard]] std::chrono::seconds retry_after(std::string_view account_key) const;

    /// How many accounts are tracked now, expired ones included until dropped.
    [[nodiscard]] std::size_t tracked() const;

    /// The options in force.
    [[nodiscard]] login_limiter_options const& options() const noexcept { return options_; }

    /// The clock.
    [[nodiscard]] Clock const& clock() const noexcept { return clock_; }

private:
    struct entry
    {
        unsigned failures = 0;
        time_point window_end{};
        time_point locked_until{};
        // This entry's place in `order_`.
        std::list<validation::secret_digest>::iterator position;

        // When this entry no longer matters: its window and any lock are over.
        time_point expiry() const noexcept { return window_end < locked_until ? locked_until : window_end; }
    };
    using table = std::map<validation::secret_digest, entry>;

    void touch(entry& e);
    void make_room(time_point now);
    // Counts a failure of `key` at `now`; false if the key is locked (not
    // counted). The caller holds the mutex.
    bool count_failure(validation::secret_digest const& key, time_point now);

    login_limiter_options options_;
    Clock clock_;
    mutable std::mutex mutex_;
    table accounts_;
    // The keys of `accounts_` by expiry, soonest first: every change sets an
    // expiry of now + window, the latest so far, and moves its key to the back.
    std::list<validation::secret_digest> order_;
};

} // namespace tokens
} // namespace v0
} // namespace modelauth

#include <modelauth/tokens/impl/login_limiter.hpp>

#endif
