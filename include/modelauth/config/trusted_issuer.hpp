//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CONFIG_TRUSTED_ISSUER_HPP
#define MODELAUTH_CONFIG_TRUSTED_ISSUER_HPP

/** @file
    Trusted issuers from configuration JSON: Envoy's `providers:` block.

    @code
    trusted_issuers [{issuer, audiences, algorithms,
                      jwks | jwks_file | jwks_uri | discovery: true,
                      leeway_s?, ca_file?, refresh_s?, min_refresh_s?}]
      issuer      non-empty text, unique in the list: the exact `iss`
      audiences   1 or more non-empty texts: a token's `aud` must name one
      algorithms  1 or more RFC 7518 names (RS256, ES256, EdDSA, ...)
      jwks        the issuer's JWKS inline: an object with a `keys` array
      jwks_file   a file holding it, or
      jwks_uri    where to fetch it: a file:// URL read by the caller's
                  `jwks_loader`, or an https:// URL (http:// to a loopback
                  host) fetched over the network
      discovery   true: jwks_uri comes from <issuer>/.well-known/openid-configuration
      leeway_s    0..3600 seconds of clock skew on exp and nbf, default 60
      account_claim  null (default): the issuer's tokens are bound to no
                  account, their scopes alone decide; a claim name (e.g.
                  "tenant"): each token must carry it, and reaches only that
                  account's models and the shared ones
      ca_file     keys fetched over the network: a PEM file of the CAs to
                  trust (default: the system's CAs)
      refresh_s   keys fetched over the network: fetched again every 1..86400
                  seconds (default 300) unless the provider's max-age says otherwise
      min_refresh_s  1..3600, at most refresh_s (default 5): the floor of
                  max-age and of the refetches unknown `kid`s ask for
    @endcode

    This header does no I/O: a `jwks_file` or `file://` `jwks_uri` goes to
    the caller's loader (`<modelauth/config/jwks_files.hpp>` has one that
    reads files), and without one is refused; keys fetched over the network
    are described (`validation::remote_key_source`) for a
    `validation::basic_jwks_source` to fetch, and the issuer is marked
    `remote_keys`.
*/

#include <modelauth/config/json_reader.hpp>
#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/key_set.hpp>
#include <modelauth/validation/remote_keys.hpp>
#include <modelauth/validation/trusted_issuer.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace config {

/// The largest `leeway_s`: one hour.
inline constexpr std::chrono::seconds max_issuer_leeway = std::chrono::hours(1);

/** Loads the key set an issuer's `jwks_file` or `jwks_uri` names.

    Called as `load(key, source, default_alg)`: `key` is `"jwks_file"` or
    `"jwks_uri"`, `source` reads its value, `default_alg` is the issuer's
    algorithm when it lists exactly one (for keys without `alg`). Returns
    the key set or throws `configuration_error` (`source.fail(...)`).
*/
using jwks_loader = std::function<jose::key_set(
    std::string_view key, json_reader const& source, std::optional<jose::algorithm> default_alg)>;

/** Reads one trusted issuer (the schema in the file comment).

    @param entry The issuer's object.
    @param load Reads `jwks_file` / `jwks_uri`; empty: those keys are refused
    ("cannot be read: this program loads no key files").

    @throws configuration_error naming the key path: `issuers[0].audiences[2]:
    must be a string`, `issuers[0].algorithms[0]: must be a JWS algorithm: ...`,
    `issuers[0].jwks: does not load: <why>`.
*/
[[nodiscard]] inline validation::trusted_issuer trusted_issuer_from_json(
    json_reader const& entry, jwks_loader const& load = {});

/** Reads a list of trusted issuers; an issuer named twice is refused
    (`trusted_issuers[1].issuer: repeats trusted_issuers[0]`) before its keys load.
*/
[[nodiscard]] inline std::vector<validation::trusted_issuer> trusted_issuers_from_json(
    json_reader const& list, jwks_loader const& load = {});

/** Reads a list of trusted issuers whose keys may come over the network:
    an issuer with `discovery: true` or an `https://` (loopback `http://`)
    `jwks_uri` gets `remote_keys` and no key, and its source is appended to
    `remote`, its `config_path` the issuer's key path; the others load as above.

    @throws configuration_error as above, and naming `discovery`,
    `jwks_uri`, `ca_file`, `refresh_s`, `min_refresh_s`.
*/
[[nodiscard]] inline std::vector<validation::trusted_issuer> trusted_issuers_from_json(
    json_reader const& list, jwks_loader const& load, std::vector<validation::remote_key_source>& remote);

} // namespace config
} // namespace v0
} // namespace modelauth

#include <modelauth/config/impl/trusted_issuer.hpp>

#endif
