//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_TOKEN_VALIDATOR_HPP
#define MODELAUTH_VALIDATION_TOKEN_VALIDATOR_HPP

/** @file
    `basic_token_validator<Clock>` (`TokenValidator` on the system clock):
    turns a credential (a JWT or an opaque API key) into a
    `Principal`, or into a precise error.

    A JWT is checked in this order: size and compact form, protected header
    (`alg` never `none`, no critical extensions), claims JSON (strict, no
    duplicate names), `iss` among the trusted issuers, `alg` allowed for that
    issuer, key by `kid` among that issuer's keys, the key's own algorithm
    equal to `alg`, the signature, `typ` if required, then `exp` / `nbf` /
    `iat` / lifetime / `aud`, then revocation of its `jti`. Keys come only
    from configuration, never from the token (`jwk`, `jku`, `x5u`, `x5c` are
    ignored).

    An API key is checked for format and checksum, then looked up by its
    SHA-256 in the TokenStore, then for activity, expiry and revocation.

    Both kinds go through the verified-token cache first (`token_cache.hpp`).

    @code
    modelauth::validation::TokenValidator validator({
        modelauth::validation::trusted_issuer::named("https://login.example.com")
            .audience("models")
            .keys(modelauth::jose::key_set::from_jwks(jwks_json).value())});

    auto principal = validator.validate(token);
    if(! principal)
        return reject(principal.error()); // 401, with the precise reason
    use((*principal)->subject, (*principal)->scopes);
    @endcode
*/

#include <modelauth/clock.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/detail/snapshot.hpp>
#include <modelauth/error.hpp>
#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/jose/jws.hpp>
#include <modelauth/jose/key_set.hpp>
#include <modelauth/validation/api_key.hpp>
#include <modelauth/validation/error.hpp>
#include <modelauth/validation/jwt_claims.hpp>
#include <modelauth/validation/principal.hpp>
#include <modelauth/validation/token_cache.hpp>
#include <modelauth/validation/token_store.hpp>
#include <modelauth/validation/trusted_issuer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace validation {

/** Settings of a `basic_token_validator`. */
struct token_validator_options
{
    /// Size limits checked before parsing.
    jose::jws_limits limits;

    /// The verified-token cache.
    token_cache_options cache;

    /// The prefix that marks a credential as an API key (`<prefix>_...`).
    std::string api_key_prefix = std::string(default_api_key_prefix);
};

/** Validates JWTs and API keys into principals.

    @tparam Clock Where time comes from: a type with a const `now()`
    returning `std::chrono::system_clock::time_point` (see `clock.hpp`).

    Thread safety: safe to share between threads. `validate` takes no lock:
    issuers and keys are read from an immutable snapshot that
    `set_trusted_issuers` / `set_issuer_keys` replace atomically.
*/
template<class Clock = system_clock_source>
class basic_token_validator
{
    static_assert(is_clock<Clock>::value,
                  "basic_token_validator<Clock>: Clock needs a const member now() returning "
                  "std::chrono::system_clock::time_point (see modelauth/clock.hpp)");

public:
    /** Builds a validator.

        @param issuers The trusted issuers (may be empty if only API keys are used).
        @param options Limits, cache and API key settings.
        @param store Where API keys and revocations are looked up; null: no
        API keys, no revocation checks.
        @param clock The clock.

        @throws configuration_error naming the bad field
        (`trusted_issuers[1].issuer`, `api_key_prefix`, ...).
    */
    explicit basic_token_validator(std::vector<trusted_issuer> issuers,
                            token_validator_options options = {},
                            std::shared_ptr<TokenStore const> store = nullptr,
                            Clock clock = Clock{});

    /** Validates a JWT or an API key (told apart by the API key prefix).

        @return The principal, or an error whose condition is
        `condition::unauthenticated` (see `jose::error`, `validation::error`).

        Complexity: on a cache hit, linear in the credential's length with no
        allocation; otherwise one signature check or one store lookup.
        Exception safety: strong; throws only `std::bad_alloc`.
    */
    [[nodiscard]] result<principal_ptr> validate(std::string_view credential) const;

    /// Validates a credential that must be a JWT.
    [[nodiscard]] result<principal_ptr> validate_jwt(std::string_view token) const;

    /// Validates a credential that must be an API key.
    [[nodiscard]] result<principal_ptr> validate_api_key(std::string_view key) const;

    /** Replaces all trusted issuers; cached tokens are validated again.

        @throws configuration_error as the constructor does.
    */
    void set_trusted_issuers(std::vector<trusted_issuer> issuers);

    /** Replaces the keys of one issuer (key rotation); cached tokens are
        validated again.

        @throws configuration_error if no issuer is named `issuer`.
    */
    void set_issuer_keys(std::string_view issuer, jose::key_set keys);

    /** Replaces one issuer's keys with those of a JWKS text (a hot reload on
        a signal or a timer of the server's, e.g. with
        `jose::read_jwks_file`). Keys without their own `alg` take the
        issuer's one allowed algorithm, as at start-up (Microsoft Entra ID
        publishes none).

        @return Nothing, or the JWKS's error (`jose::key_error::invalid_jwks` for
        one without keys); on error the old keys stay.
        @throws configuration_error if no issuer is named `issuer`.
    */
    [[nodiscard]] result<void> set_issuer_jwks(std::string_view issuer, std::string_view jwks_text);

    /** Sets what is told when a token names a key that an issuer with
        `remote_keys` lacks (or any key, while it has none): called with the
        issuer's name on the thread that validates, after the token is
        refused. It must return at once and never throw; a
        `basic_jwks_source` rate-limits the fetches it asks for. Empty: no
        one is told. Replaces any earlier listener; safe while validating.
    */
    void on_unknown_key(std::function<void(std::string_view issuer)> listener);

    /// Whether `issuer` is a trusted issuer.
    [[nodiscard]] bool trusts(std::string_view issuer) const;

    /// The cache, for its statistics.
    [[nodiscard]] verified_token_cache const& cache() const noexcept { return cache_; }

    /// The store, if any.
    [[nodiscard]] std::shared_ptr<TokenStore const> const& store() const noexcept { return store_; }

    /// The clock.
    [[nodiscard]] Clock const& clock() const noexcept { return clock_; }

    /// The options in force.
    [[nodiscard]] token_validator_options const& options() const noexcept { return options_; }

private:
    struct issuer_entry
    {
        trusted_issuer config;
        claim_rules rules; // derived from config once, not per token
    };
    using issuer_table = std::vector<issuer_entry>;

    static std::shared_ptr<issuer_table const> check_issuers(std::vector<trusted_issuer> issuers);
    std::uint64_t current_epoch() const noexcept;
    std::uint64_t current_grant_epoch() const noexcept;
    result<principal_ptr> from_cache_or(std::string_view credential, bool jwt) const;
    using cache_stamp = verified_token_cache::stamp;
    result<principal_ptr> verify_jwt(std::string_view token, std::chrono::system_clock::time_point now,
                                     cache_stamp stamp) const;
    result<principal_ptr> verify_api_key(std::string_view key, std::chrono::system_clock::time_point now,
                                         cache_stamp stamp) const;

    token_validator_options options_;
    std::shared_ptr<TokenStore const> store_;
    Clock clock_;
    using key_miss_listener = std::function<void(std::string_view)>;

    modelauth::detail::snapshot<issuer_table> issuers_;
    modelauth::detail::snapshot<key_miss_listener> key_miss_;
    verified_token_cache cache_;
};

/// The validator on the system clock: what a server builds.
using TokenValidator = basic_token_validator<>;

} // namespace validation
} // namespace v0
} // namespace modelauth

#include <modelauth/validation/impl/token_validator.hpp>

#endif
