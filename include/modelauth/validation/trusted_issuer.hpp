//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_TRUSTED_ISSUER_HPP
#define MODELAUTH_VALIDATION_TRUSTED_ISSUER_HPP

/** @file
    `trusted_issuer`: an issuer whose JWTs the validator accepts, with its
    keys and rules. Its own header so that what describes an issuer (the
    validator's configuration, a token issuer's `trusted()`) needs nothing of
    the validator itself.

    Described in one expression, as jwt-cpp's `verify().with_issuer(...)`:
    @code
    modelauth::validation::trusted_issuer const idp = modelauth::validation::trusted_issuer::named("https://login.example.com")
        .audience("models")
        .keys(std::move(key_set))            // a jose::key_set: no file I/O here
        .leeway(std::chrono::seconds(60));
    modelauth::validation::TokenValidator validator({idp});
    @endcode
    or member by member, as an aggregate:
    @code
    modelauth::validation::trusted_issuer idp;
    idp.issuer = "https://login.example.com";
    idp.audiences = {"models"};
    idp.keys = std::move(key_set);
    @endcode
    Either way the validator's constructor checks it and throws a
    `configuration_error` naming the field (`trusted_issuers[0].keys`).
*/

#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/key_set.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace validation {

/** An issuer whose JWTs are accepted, with its own keys and rules.

    An aggregate; `named` starts a fluent description of one.
*/
struct trusted_issuer
{
    class builder;

    /** Starts describing the issuer whose `iss` is `issuer`, with the
        defaults of the members below; the builder converts to a
        `trusted_issuer`.
    */
    [[nodiscard]] static builder named(std::string issuer);

    /// The exact `iss` value (compared byte for byte).
    std::string issuer;

    /// The issuer's keys, chosen by the token's `kid`.
    jose::key_set keys;

    /// Accepted audiences, any of which the token's `aud` must name. Empty:
    /// `aud` is not checked.
    std::vector<std::string> audiences;

    /// Algorithms accepted from this issuer. Empty: whatever its keys are bound to.
    std::vector<jose::algorithm> algorithms;

    /// Clock skew tolerated on `exp`, `nbf`, `iat`.
    std::chrono::seconds leeway{60};

    /// Whether `exp` is required (secure default: yes). Opting out is explicit.
    bool require_expiry = true;

    /// The longest token lifetime accepted, if any.
    std::optional<std::chrono::seconds> max_lifetime;

    /// A required header `typ`, e.g. `at+jwt` (RFC 9068); compared as
    /// `media_type_matches` does.
    std::optional<std::string> required_type;

    /// Whether the keys come over the network (a `basic_jwks_source`, see
    /// `<modelauth/validation/jwks_source.hpp>`): the issuer may start with
    /// no key (its tokens are refused with `jose::error::unknown_key` until
    /// keys arrive), and a token naming a `kid` it lacks is reported to the
    /// validator's `on_unknown_key` listener, which may fetch the keys again.
    bool remote_keys = false;

    /// The claim that names the token's account (tenancy): a token naming
    /// an account reaches that account's models and the shared ones only.
    /// Empty: the issuer's tokens are bound to no account, their scopes
    /// alone decide. The default, `account`, is what the library's own
    /// issuer writes.
    std::optional<std::string> account_claim = std::string("account");

    /// Whether a token without the account claim is refused
    /// (`validation::error::missing_account`) rather than bound to no account.
    bool account_required = false;
};

/** A fluent description of a `trusted_issuer` (see `trusted_issuer::named`):
    each call sets or adds one member and returns the builder.

    Checks nothing itself: the validator's constructor checks the issuer.
    One per thread; converts to a `trusted_issuer` (a copy) as often as
    asked.
*/
class trusted_issuer::builder
{
public:
    /// Describes the issuer `issuer` (`trusted_issuer::named`).
    explicit builder(std::string issuer) { issuer_.issuer = std::move(issuer); }

    /// Adds `audience` to the accepted audiences (`trusted_issuer::audiences`).
    builder& audience(std::string audience)
    {
        issuer_.audiences.push_back(std::move(audience));
        return *this;
    }

    /// Sets the issuer's keys (`trusted_issuer::keys`).
    builder& keys(jose::key_set keys) noexcept
    {
        issuer_.keys = std::move(keys);
        return *this;
    }

    /// Adds `alg` to the accepted algorithms (`trusted_issuer::algorithms`).
    builder& algorithm(jose::algorithm alg)
    {
        issuer_.algorithms.push_back(alg);
        return *this;
    }

    /// Sets the clock skew tolerated (`trusted_issuer::leeway`).
    builder& leeway(std::chrono::seconds leeway) noexcept
    {
        issuer_.leeway = leeway;
        return *this;
    }

    /// Accepts tokens without `exp` (`trusted_issuer::require_expiry` false).
    builder& allow_missing_expiry() noexcept
    {
        issuer_.require_expiry = false;
        return *this;
    }

    /// Sets the longest lifetime accepted (`trusted_issuer::max_lifetime`).
    builder& max_lifetime(std::chrono::seconds lifetime) noexcept
    {
        issuer_.max_lifetime = lifetime;
        return *this;
    }

    /// Requires the header `typ` (`trusted_issuer::required_type`), e.g. `at+jwt`.
    builder& required_type(std::string type)
    {
        issuer_.required_type = std::move(type);
        return *this;
    }

    /// Takes the keys from the network (`trusted_issuer::remote_keys`).
    builder& remote_keys() noexcept
    {
        issuer_.remote_keys = true;
        return *this;
    }

    /// Reads the token's account from `claim`, which every token must
    /// carry (`account_claim`, `account_required`).
    builder& account_claim(std::string claim)
    {
        issuer_.account_claim = std::move(claim);
        issuer_.account_required = true;
        return *this;
    }

    /// Binds the issuer's tokens to no account, whatever they claim.
    builder& no_account_claim() noexcept
    {
        issuer_.account_claim.reset();
        issuer_.account_required = false;
        return *this;
    }

    /// The issuer described so far.
    [[nodiscard]] trusted_issuer const& get() const& noexcept { return issuer_; }

    /// The issuer described, moved out of the builder.
    [[nodiscard]] trusted_issuer get() && noexcept { return std::move(issuer_); }

    /// The issuer described so far (a copy).
    operator trusted_issuer() const& { return issuer_; }

    /// The issuer described, moved out of the builder.
    operator trusted_issuer() && noexcept { return std::move(issuer_); }

private:
    trusted_issuer issuer_;
};

inline trusted_issuer::builder trusted_issuer::named(std::string issuer)
{
    return builder(std::move(issuer));
}

} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
