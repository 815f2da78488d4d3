//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_REMOTE_KEYS_HPP
#define MODELAUTH_VALIDATION_REMOTE_KEYS_HPP

/** @file
    What it takes to fetch an issuer's keys over the network, without the
    network: the description of a remote key source (`remote_key_source`),
    the rules its URLs follow, the documents it reads (an OpenID Connect
    discovery document, a JWKS, `Cache-Control`) and when it fetches again.
    The fetching itself, over HTTPS, is `<modelauth/validation/jwks_source.hpp>`;
    this header does no I/O, so the configuration can describe a remote
    issuer from the request-path layer.

    The rules, in short (api.md section 5):
    - a key set comes from `jwks_uri`, or from the `jwks_uri` of
      `<issuer>/.well-known/openid-configuration` (`discovery`), whose `issuer`
      must equal the configured one byte for byte (OpenID Connect Discovery
      1.0 section 4.3);
    - both URLs are `https://`; `http://` only for a loopback host;
    - a set is fetched again every `refresh` or after the response's
      `Cache-Control: max-age`, within [`min_refresh`, 24 h]; a failure is
      retried sooner, backing off with jitter;
    - a token naming an unknown `kid` asks for a fetch, at most once per
      `min_refresh` per issuer, so forged tokens cannot make the server
      hammer its provider;
    - a fetched set that does not parse, holds no usable key or holds an
      HMAC secret never replaces the keys in force.
*/

#include <modelauth/error.hpp>
#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/key_set.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace modelauth {
inline namespace v0 {
namespace validation {

/** Why fetching an issuer's keys failed. None of these reaches a request:
    a request is answered from the keys in force. The names
    (`error_name`) label the fetch metrics.
*/
enum class fetch_error
{
    /// A URL is not an absolute `https://` URL (or `http://` to a loopback
    /// host) without user information or fragment.
    invalid_url = 1,
    /// The host name did not resolve, or no address accepted a connection.
    unreachable,
    /// The exchange did not finish within its deadline.
    timeout,
    /// The TLS handshake failed: an unknown CA, an expired certificate, a
    /// certificate for another host name, a protocol error.
    tls_failure,
    /// The provider answered a redirect; redirects are never followed.
    redirect_refused,
    /// The provider answered a status other than 200.
    bad_status,
    /// The response body is larger than the limit.
    body_too_large,
    /// The response is not a well-formed HTTP response.
    bad_response,
    /// The discovery document is not a JSON object with a string `jwks_uri`.
    invalid_discovery_document,
    /// The discovery document's `issuer` is not the configured issuer.
    issuer_mismatch,
    /// The JWKS does not load (not a JWKS, or a signature key that fails).
    invalid_jwks,
    /// The JWKS loads but holds no usable signature key.
    no_usable_keys,
    /// The JWKS holds an HMAC secret: a key set fetched over the network
    /// holds public keys only.
    secret_in_jwks
};

/// The category of `fetch_error`; its name is `"modelauth.key_fetch"`.
inline std::error_category const& fetch_error_category() noexcept;

/// Makes a `std::error_code` of `fetch_error`; found by argument-dependent lookup.
inline std::error_code make_error_code(fetch_error e) noexcept;

/** Where one trusted issuer's keys come from over the network.

    The trusted issuer of the same name is given `remote_keys = true` (it
    may start without keys); a `basic_jwks_source` fetches, checks and
    publishes them.
*/
struct remote_key_source
{
    /// The trusted issuer's exact `iss`; with `discovery`, also where its
    /// discovery document is.
    std::string issuer;

    /// The JWKS URL. Empty: `discovery` finds it.
    std::string jwks_uri;

    /// Reads `jwks_uri` from `<issuer>/.well-known/openid-configuration`.
    bool discovery = false;

    /// A PEM file of the CAs to trust. Empty: the system's CA store.
    std::string ca_file;

    /// How often the keys are fetched again, unless the provider's
    /// `Cache-Control: max-age` says otherwise.
    std::chrono::seconds refresh{300};

    /// The shortest time between two fetches: the floor of `max-age` and
    /// the rate of the fetches an unknown `kid` asks for.
    std::chrono::seconds min_refresh{5};

    /// The algorithm of keys that name none (the issuer's one algorithm;
    /// Microsoft Entra ID publishes keys without `alg`).
    std::optional<jose::algorithm> default_alg;

    /// Where the source was configured (`trusted_issuers[2]`), the prefix of
    /// the fields a `configuration_error` about it names. Empty: its place
    /// among the sources, `remote_keys[i]`.
    std::string config_path;
};

/// The longest time between two fetches, whatever `max-age` says: 24 hours.
inline constexpr std::chrono::seconds max_key_refresh{86400};

/** A URL to fetch, split for a client.

    Only absolute `https://` URLs, or `http://` ones whose host is a
    loopback address or `localhost`, with no user information and no
    fragment. The host is kept as written (lower-cased); an IPv6 literal
    without its brackets.
*/
struct fetch_url
{
    bool tls = true;
    std::string host;      // e.g. "login.example.com", "127.0.0.1", "::1"
    std::uint16_t port = 443;
    std::string target;    // origin-form: "/path?query", at least "/"
    bool host_is_address = false; // an IP literal: no SNI, checked against the certificate's IP addresses

    /// The `Host` header: the host, with its port when not the scheme's default.
    [[nodiscard]] std::string host_header() const;
};

/** Splits and checks `url`.

    @return The URL, or `fetch_error::invalid_url`.
*/
[[nodiscard]] inline result<fetch_url> parse_fetch_url(std::string_view url);

/** Why `url` cannot be fetched, in words for a configuration error
    (`"must be an https:// URL ..."`), or empty when it can.
*/
[[nodiscard]] inline std::string fetch_url_problem(std::string_view url);

/** Where `issuer`'s discovery document is: the issuer without a final
    `/`, then `/.well-known/openid-configuration` (OpenID Connect Discovery
    1.0 section 4).
*/
[[nodiscard]] inline std::string discovery_url(std::string_view issuer);

/** The `jwks_uri` of a discovery document, checked.

    @return The URL, or `fetch_error::invalid_discovery_document` (not JSON,
    not an object, no string `jwks_uri`, or over 1 MiB or 32 levels deep),
    `fetch_error::issuer_mismatch` (its `issuer` is missing or not
    `expected_issuer`, byte for byte), `fetch_error::invalid_url` (the
    `jwks_uri` breaks the URL rules).
*/
[[nodiscard]] inline result<std::string> jwks_uri_from_discovery(
    std::string_view document, std::string_view expected_issuer);

/** A fetched JWKS as the key set to publish.

    @return The set, or `fetch_error::invalid_jwks` (it does not load),
    `fetch_error::no_usable_keys` (it loads empty), `fetch_error::secret_in_jwks`.
*/
[[nodiscard]] inline result<jose::key_set> key_set_from_fetched_jwks(
    std::string_view document, std::optional<jose::algorithm> default_alg);

/** The `max-age` of a `Cache-Control` header value (RFC 9111 section
    5.2.2.1), or nothing when it has none or a malformed one. `no-store`
    and `no-cache` count as `max-age=0`.
*/
[[nodiscard]] inline std::optional<std::chrono::seconds> cache_control_max_age(std::string_view value) noexcept;

/** How long to wait after a successful fetch: `max_age` when the
    provider gave one, else `source.refresh`, within [`source.min_refresh`, 24 h].
*/
[[nodiscard]] inline std::chrono::milliseconds refresh_delay(
    remote_key_source const& source, std::optional<std::chrono::seconds> max_age) noexcept;

/** How long to wait after the `failures`-th failure in a row (from 1):
    `min_refresh` doubled for each earlier failure, at most
    max(`refresh`, `min_refresh`), then drawn in [half of it, all of it] by
    `unit` (a number in [0, 1), the jitter), so that replicas that failed
    together do not retry together.
*/
[[nodiscard]] inline std::chrono::milliseconds retry_delay(
    remote_key_source const& source, unsigned failures, double unit) noexcept;

} // namespace validation
} // namespace v0
} // namespace modelauth

namespace std {
template<> struct is_error_code_enum<::modelauth::validation::fetch_error> : true_type {};
} // namespace std

#include <modelauth/validation/impl/remote_keys.hpp>

#endif
