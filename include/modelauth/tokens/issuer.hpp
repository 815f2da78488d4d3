//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_ISSUER_HPP
#define MODELAUTH_TOKENS_ISSUER_HPP

/** @file
    token_issuer: signs the JWTs of the token lifecycle (console access and
    model session tokens, docs/lifecycle.md), publishes its public keys as a
    JWKS and a minimal OpenID discovery document, rotates its signing key
    without invalidating the tokens already out, and keeps its private keys
    in a file so that a restart keeps every issued JWT valid.

    Its tokens are the ones `TokenValidator` accepts with `trusted()`:

    @code
    modelauth::tokens::issuer_options options;
    options.issuer = "http://127.0.0.1:8080";
    auto issuer = modelauth::tokens::token_issuer<>::load_or_create(
        state_dir / "issuer_keys.json", options).value();
    modelauth::validation::TokenValidator validator({issuer.trusted()});

    modelauth::tokens::jwt_request request;
    request.subject = "demo@example.com";
    request.scopes = {"models:read", "models:infer"};
    request.lifetime = modelauth::tokens::token_lifetimes{}.access;
    auto jwt = issuer.issue(request);          // jwt->token is "eyJ..."
    @endcode

    Only asymmetric algorithms are accepted (EdDSA by default, RS*, PS*,
    ES*): the keys that verify the issuer's tokens are published in its
    JWKS, and an HMAC secret can never be published.

    Key persistence uses POSIX files (`open`, `fsync`, `rename`).
*/

#include <modelauth/clock.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/detail/snapshot.hpp>
#include <modelauth/error.hpp>
#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/key.hpp>
#include <modelauth/jose/key_set.hpp>
#include <modelauth/validation/principal.hpp>
#include <modelauth/validation/trusted_issuer.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/tokens/error.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {

/** How long the credentials of the token lifecycle live by default
    (docs/lifecycle.md; the `lifetimes` object of the server's config).
*/
struct token_lifetimes
{
    /// A console access JWT (class `user`): 30 minutes.
    std::chrono::seconds access{std::chrono::minutes(30)};

    /// An opaque refresh token: 90 days. Not a JWT.
    std::chrono::seconds refresh{std::chrono::hours(24 * 90)};

    /// A model session JWT (class `model_session`): 4 hours.
    std::chrono::seconds model_session{std::chrono::hours(4)};

    /// A temporary opaque API key (NeuroIO flow): 24 hours. Not a JWT.
    std::chrono::seconds temporary{std::chrono::hours(24)};
};

/** The longest lifetime of a JWT among `lifetimes`: the larger of `access`
    and `model_session` (refresh and temporary tokens are opaque, not JWTs).

    This is how long a retired signing key must stay published so that
    every token it signed expires first; pass it as `retain_old_keys`.

    Complexity: constant. Exception safety: no-throw.
*/
[[nodiscard]] constexpr std::chrono::seconds
longest_jwt_lifetime(token_lifetimes const& lifetimes) noexcept
{
    return (std::max)(lifetimes.access, lifetimes.model_session);
}

/// How long a retired key stays published by default: 4 hours, the longest
/// JWT lifetime of the default `token_lifetimes`.
inline constexpr std::chrono::seconds default_retain_old_keys
    = longest_jwt_lifetime(token_lifetimes{});

/** What a `token_issuer` writes into every token, and how it signs. */
struct issuer_options
{
    /// The `iss` claim and the discovery document's `issuer`, e.g.
    /// `"http://127.0.0.1:8080"`. Must not be empty.
    std::string issuer;

    /// The `aud` claim: a string when there is one audience, an array
    /// otherwise. Empty: the audience is `issuer` itself.
    std::vector<std::string> audience;

    /// The signing algorithm. Must be asymmetric (EdDSA, RS*, PS*, ES*).
    jose::algorithm alg = jose::algorithm::eddsa;

    /// The header's `typ` (RFC 9068 access tokens: `at+jwt`). Empty: no `typ`.
    std::string type = "at+jwt";
};

/** One token to issue. */
struct jwt_request
{
    /// The `sub` claim, e.g. the user's email. Must not be empty.
    std::string subject;

    /// The `cls` claim (always written, `user` included).
    validation::token_class cls = validation::token_class::user;

    /// The `scope` claim, space-separated; omitted when empty. Each scope
    /// must be an RFC 6749 section 3.3 `scope-token` (printable ASCII other
    /// than space, `"` and `\`).
    std::vector<std::string> scopes;

    /// The `model_id` (an integer), `instance`, `account` and `space`
    /// claims, each written only when set (non-empty).
    validation::token_bindings bindings;

    /// `exp - iat`. Must be positive and at most the issuer's
    /// `retain_old_keys()`, so that no token outlives the publication of
    /// its key after a rotation.
    std::chrono::seconds lifetime{0};

    /** More claims, copied as given after the issuer's own. They may not
        name a claim the issuer writes or the validator interprets: `iss`,
        `sub`, `aud`, `exp`, `iat`, `nbf`, `jti`, `cls`, `scope`, `scp`,
        `model_id`, `instance`, `account`, `space`.
    */
    boost::json::object extra;
};

/** A token just issued. */
struct issued_jwt
{
    /// The compact JWS, `eyJ...`. A secret: shown once, never logged.
    std::string token;

    /// Its `jti`: 128 random bits, base64url (22 characters). The id under
    /// which it can be revoked.
    std::string jti;

    /// Its `iat`: the issuer's clock, truncated to whole seconds.
    std::chrono::system_clock::time_point issued_at;

    /// Its `exp`: `issued_at + lifetime`.
    std::chrono::system_clock::time_point expires_at;
};

namespace detail {
struct issuer_state;
} // namespace detail

/** Signs JWTs with a private key, and publishes its public keys.

    The signing key's `kid` (written in every token's header and in the
    JWKS) is the key's own `kid()`, or its RFC 7638 thumbprint when it has
    none (as for generated keys).

    Rotation: `rotate` makes a new key sign from then on; the previous key's
    public half stays in `public_keys()` / `jwks()` until `now +
    retain_old_keys()`, by which time every token it signed has expired
    (`issue` refuses lifetimes longer than that), and `prune()` then drops
    it. After a rotation or a prune, give the validator the new keys
    (`validator.set_issuer_keys(issuer, public_keys())`) and save the issuer
    again (`save`).

    @tparam Clock Where time comes from (see `clock.hpp`).

    Thread safety: safe to share between threads. The keys live in an
    immutable snapshot: `issue`, `public_keys`, `jwks`, `trusted`, `save`
    take no lock and see either the keys before or after a concurrent
    `rotate` / `prune`, never a mix. Moving an issuer is not thread-safe.
*/
template<class Clock = system_clock_source>
class token_issuer
{
    static_assert(is_clock<Clock>::value,
                  "token_issuer<Clock>: Clock needs a const member now() returning "
                  "std::chrono::system_clock::time_point (see modelauth/clock.hpp)");

public:
    /// Time points of the issuer's clock.
    using time_point = std::chrono::system_clock::time_point;

    /** Makes an issuer signing with `signing_key`.

        @param options What goes into every token.
        @param signing_key A private key bound to `options.alg`.
        @param retain_old_keys How long a retired key stays published: at
        least the longest JWT lifetime (`longest_jwt_lifetime`).
        @param clock The clock.

        @throws configuration_error naming the field:
        `issuer_options.issuer` (empty), `issuer_options.audience` (an empty
        entry), `issuer_options.alg` (an HMAC algorithm: its secret could
        not be published in the JWKS), `signing_key` (not a private key, or
        bound to another algorithm than `options.alg`), `retain_old_keys`
        (not positive).
    */
    token_issuer(issuer_options options,
                 jose::key signing_key,
                 std::chrono::seconds retain_old_keys = default_retain_old_keys,
                 Clock clock = Clock{});

    /** Makes an issuer with a freshly generated key of `options.alg`.

        @return The issuer, or `jose::key_error::key_generation_failed`.
        @throws configuration_error as the constructor.
    */
    [[nodiscard]] static result<token_issuer>
    generate(issuer_options options,
             std::chrono::seconds retain_old_keys = default_retain_old_keys,
             Clock clock = Clock{});

    /** Makes an issuer from the key file `save` wrote.

        Retired keys whose time has passed are dropped.

        @return The issuer, or `tokens::error::storage_failure` (the file
        cannot be opened or read, or does not exist);
        `jose::key_error::invalid_pem` (not a key file: not strict JSON, larger
        than 1 MiB, a member missing or of the wrong type, or a PEM block
        that does not parse); `jose::key_error::unsupported_algorithm` (an unknown
        `alg`); `jose::key_error::algorithm_key_mismatch` (a key of another
        algorithm than `options.alg`: changing the algorithm takes a new
        key file, and the tokens signed before are no longer accepted);
        `jose::key_error::not_a_private_key`;
        `jose::key_error::duplicate_key_id`; or the errors of `jose::key::from_pem`.
        @throws configuration_error as the constructor, for `options` and
        `retain_old_keys`.
    */
    [[nodiscard]] static result<token_issuer>
    load(std::filesystem::path const& file,
         issuer_options options,
         std::chrono::seconds retain_old_keys = default_retain_old_keys,
         Clock clock = Clock{});

    /** Loads the issuer from `file`, or when there is no such file,
        generates one and saves it there.

        @return As `load` and `generate`, or the errors of `save`.
        @throws configuration_error as the constructor.
    */
    [[nodiscard]] static result<token_issuer>
    load_or_create(std::filesystem::path const& file,
                   issuer_options options,
                   std::chrono::seconds retain_old_keys = default_retain_old_keys,
                   Clock clock = Clock{});

    token_issuer(token_issuer const&) = delete;
    token_issuer& operator=(token_issuer const&) = delete;

    /// Moves the issuer. Not thread-safe: nothing may use `other` meanwhile.
    token_issuer(token_issuer&& other) noexcept(std::is_nothrow_move_constructible<Clock>::value);

    /** Issues one signed JWT.

        Claims, in this order: `iss`, `sub`, `aud`, `iat`, `exp`, `jti`,
        `cls`, `scope` (when there are scopes), `model_id`, `instance`,
        `account`, `space` (when set), then `request.extra`. Header: `alg`,
        `typ` (when the options have one), `kid`.

        @return The token and its `jti` and times, or
        `tokens::error::invalid_request_body` (empty subject, a scope
        that is not a scope-token, a class that is not an enumerator, an
        extra claim naming a registered one), `tokens::error::invalid_ttl`
        (lifetime not positive or longer than `retain_old_keys()`),
        `tokens::error::random_failure` (no random `jti`), or
        `jose::key_error::signing_failed`.

        Complexity: linear in the claims plus one signature.
        Exception safety: strong; throws only `std::bad_alloc`.
        Thread safety: takes no lock.
    */
    [[nodiscard]] result<issued_jwt> issue(jwt_request const& request) const;

    /** Makes `next` the signing key; the current key is retired and stays
        published until `now + retain_old_keys()`. Also prunes.

        @return Nothing, or `jose::key_error::not_a_private_key`,
        `jose::key_error::algorithm_key_mismatch` (`next` is not bound to
        `options().alg`), `jose::key_error::duplicate_key_id` (`next` has the
        `kid` of a key still published). On error nothing changes.

        Complexity: one key load (the public half), linear in the number of
        published keys. Thread safety: concurrent `rotate` and `prune` calls
        are serialised by compare-and-swap; none is lost.
    */
    [[nodiscard]] result<void> rotate(jose::key next);

    /** Rotates to a freshly generated key of `options().alg`.

        @return As above, or `jose::key_error::key_generation_failed`.
    */
    [[nodiscard]] result<void> rotate();

    /** Drops the retired keys whose time has passed (`until <= now`).

        @return How many keys were dropped.
        Complexity: linear in the number of published keys.
    */
    std::size_t prune();

    /** The public halves of the signing key and of every retired key still
        kept, each with its `kid`: the keys for `TokenValidator`.

        Complexity: linear in the number of keys (copies of shared handles).
    */
    [[nodiscard]] jose::key_set public_keys() const;

    /** The JWKS (RFC 7517 section 5) of `public_keys()`: `{"keys": [...]}`,
        the signing key first, each entry `kty`, its public members, `kid`,
        `alg` and `use` "sig". Never a private member.
    */
    [[nodiscard]] boost::json::object jwks() const;

    /** A minimal OpenID Connect discovery document (OpenID Connect
        Discovery 1.0 section 3) for a server whose root URL is `base_url`
        (a trailing `/` is ignored): `issuer`, `jwks_uri`
        (`<base>/.well-known/jwks.json`), `token_endpoint`
        (`<base>/console/api/auth/`), `response_types_supported` ["token"],
        `subject_types_supported` ["public"],
        `id_token_signing_alg_values_supported` [the algorithm],
        `token_endpoint_auth_methods_supported` ["none"],
        `grant_types_supported` ["password", "refresh_token"].
    */
    [[nodiscard]] boost::json::object discovery(std::string_view base_url) const;

    /** The validator's configuration for this issuer's tokens: `issuer`,
        `keys` = `public_keys()`, `algorithms` = {`options().alg`},
        `required_type` = `options().type` (none when empty), and
        `audiences` = `audiences`, or when empty the audiences this issuer
        writes (`options().audience`, or `{options().issuer}`).

        The keys are those of now: after `rotate` or `prune`, pass
        `public_keys()` to `TokenValidator::set_issuer_keys`.
    */
    [[nodiscard]] validation::trusted_issuer trusted(std::vector<std::string> audiences = {}) const;

    /** Writes every key (the signing key and the retired ones, with the
        time until which each is kept) to `file`, replacing it atomically:
        `{"current": {"alg", "kid", "pem"}, "retired": [{"alg", "kid",
        "pem", "until": <unix seconds>}]}`, each `pem` an unencrypted PKCS#8
        private key.

        The text is written to a new file beside `file` (mode 0600, opened
        with `O_CREAT | O_EXCL`, named `.<name>.tmp-<pid>-<n>`), synced,
        renamed over `file`, and the directory synced; a crash leaves the
        old file or the new one, never a torn one. The file holds the
        private keys: keep its directory private too.

        @return Nothing, or `tokens::error::storage_failure` (nothing
        could be written, synced or renamed; `file` is unchanged unless only
        the directory sync failed), or
        `jose::key_error::unsupported_key_type` (a key made from a JWK, which
        cannot be exported; see `jose::key::private_pem`).
        Thread safety: takes no lock, and concurrent saves to one file
        each write a whole file; but the last rename wins, which may be a
        save of older keys: save from the thread that rotates, after each
        `rotate` (and `prune`, optionally).
    */
    [[nodiscard]] result<void> save(std::filesystem::path const& file) const;

    /** The text `save` writes: every private key, with the time until
        which each retired one is kept. For a store of its own (the Redis
        store shares it between replicas); wipe it after use
        (`OPENSSL_cleanse`).

        @return The text, or `jose::key_error::unsupported_key_type` (a key
        made from a JWK, which cannot be exported).
    */
    [[nodiscard]] result<std::string> key_text() const;

    /** Makes an issuer from the text `key_text` (or `save`) wrote, as
        `load` does from a file, then wipes `text`.

        @return As `load`, without `storage_failure`.
        @throws configuration_error as the constructor.
    */
    [[nodiscard]] static result<token_issuer> from_key_text(std::string& text,
                                                           issuer_options options,
                                                           std::chrono::seconds retain_old_keys = default_retain_old_keys,
                                                           Clock clock = Clock{});

    /** Replaces every key by those of `text` (what `key_text` wrote: the
        keys another replica rotated to, say), then wipes `text`. Retired
        keys whose time has passed are dropped. Give the validator the new
        `public_keys()` after.

        @return Nothing, or the errors of `from_key_text`; on error nothing
        changes.
        Thread safety: as `rotate`; a concurrent `rotate` or `prune` may be
        overwritten by the keys of `text`.
    */
    [[nodiscard]] result<void> reload(std::string& text);

    /// The options in force.
    [[nodiscard]] issuer_options const& options() const noexcept { return options_; }

    /// How long a retired key stays published.
    [[nodiscard]] std::chrono::seconds retain_old_keys() const noexcept { return retain_; }

    /// The `kid` of the key signing now.
    [[nodiscard]] std::string current_kid() const;

    /// The clock.
    [[nodiscard]] Clock const& clock() const noexcept { return clock_; }

private:
    using state_ptr = std::shared_ptr<detail::issuer_state const>;

    token_issuer(issuer_options options, state_ptr state, std::chrono::seconds retain, Clock clock);

    static void check_configuration(issuer_options const& options, std::chrono::seconds retain);

    // `load` (create false: a missing file is storage_failure) and
    // `load_or_create` (create true: generate and save).
    static result<token_issuer> read_or(std::filesystem::path const& file,
                                        issuer_options options,
                                        std::chrono::seconds retain_old_keys,
                                        Clock clock,
                                        bool create);

    // Makes the issuer saved in a key file's text, then wipes the text.
    static result<token_issuer> from_key_file(std::string& text,
                                              issuer_options options,
                                              std::chrono::seconds retain,
                                              Clock clock);

    issuer_options options_;
    std::chrono::seconds retain_;
    Clock clock_;
    modelauth::detail::snapshot<detail::issuer_state> state_;
};

} // namespace tokens
} // namespace v0
} // namespace modelauth

#include <modelauth/tokens/impl/issuer.hpp>

#endif
