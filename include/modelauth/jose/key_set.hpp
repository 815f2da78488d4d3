//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_KEY_SET_HPP
#define MODELAUTH_JOSE_KEY_SET_HPP

/** @file
    An immutable set of keys indexed by key id: one issuer's JWKS
    (RFC 7517 section 5).

    A set is unambiguous by construction: no two keys share a `kid` and HMAC
    secrets never sit beside public-key keys (J23).

    A JWKS often holds more than signature keys. As RFC 7517 section 5
    asks, entries modelauth does not understand as JWS signature keys are
    skipped: `use` other than "sig" (J22), `key_ops` with neither "verify"
    nor "sign", an `alg` that names an encryption algorithm ("RSA-OAEP",
    "A256GCM", ...) or any algorithm modelauth does not implement ("ES256K"),
    a `kty` other than RSA, EC, OKP and oct, and curves that JWS signatures
    do not use (secp256k1, X25519, Ed448). A token naming a skipped key's
    `kid` finds no key. Every other entry claims to be a signature key
    modelauth implements and must load: a weak, malformed or mismatched one,
    an `alg` of "none", or an RSA or oct key with neither `alg` nor a default
    algorithm fails the whole set, so that a broken key is seen at load and
    never silently dropped (J5, J6, J7, J9).
*/

#include <modelauth/error.hpp>
#include <modelauth/jose/algorithm.hpp>
#include <modelauth/jose/error.hpp>
#include <modelauth/jose/key.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace jose {

/** An immutable set of keys, looked up by key id without allocating.

    Safe to share between threads; copying copies the key handles (the keys
    themselves are shared). To update, build a new set and publish it (the
    validator holds sets in a snapshot).
*/
class key_set
{
public:
    /// The keys, in the order they were given.
    using const_iterator = std::vector<key>::const_iterator;

    /// An empty set: every lookup fails.
    key_set() = default;

    /** Makes a set of `keys`.

        @return The set, or `jose::key_error::duplicate_key_id` when two keys have
        the same `kid` (two keys without a `kid` count as the same, J23), or
        `jose::key_error::mixed_key_set` when HMAC keys and public-key keys are
        mixed (J23).

        Complexity: O(n log n). Exception safety: strong.
    */
    [[nodiscard]] static result<key_set> from_keys(std::vector<key> keys);

    /** Makes a set from a JWKS, `{"keys": [...]}`.

        Each JWK is read as `key::from_jwk(jwk, default_alg)` would, after
        skipping the entries that are not signature keys modelauth
        implements (see the file comment). A JWKS with no usable key makes
        an empty set, which verifies nothing.

        @return The set, or `jose::key_error::invalid_jwks` (not an object with a
        `keys` array), `jose::key_error::invalid_jwk` (an entry is not an object),
        the first error of a signature key that does not load, or the errors
        of `from_keys`.

        Complexity: linear in the JWKS, plus one key load per key.
        Exception safety: strong.
    */
    [[nodiscard]] static result<key_set>
    from_jwks(boost::json::value const& jwks, std::optional<algorithm> default_alg = {});

    /** Makes a set from the JSON text of a JWKS.

        @return As above, and `jose::key_error::invalid_jwks` when the text is not
        JSON or is longer than `max_jwks_size`.
    */
    [[nodiscard]] static result<key_set>
    from_jwks(std::string_view json_text, std::optional<algorithm> default_alg = {});

    /// The largest JWKS accepted, as text or file: 1 MiB.
    static constexpr std::size_t max_jwks_size = 1024 * 1024;

    /** The key whose `kid` is exactly `kid` (byte for byte; a `kid` is an
        opaque name, never a path or a query, J20).

        @return The key, or null when no key has that id. An empty `kid`
        finds nothing: a token without a `kid` uses `only_key`.

        The pointer is valid as long as the set lives.
        Complexity: O(log n). No allocation. Exception safety: no-throw.
    */
    [[nodiscard]] key const* find(std::string_view kid) const noexcept;

    /** The key for a token that names no `kid`: the set's only key.

        @return The key when the set holds exactly one, else null.
        Complexity: constant. Exception safety: no-throw.
    */
    [[nodiscard]] key const* only_key() const noexcept;

    /// The number of keys.
    [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }

    /// Whether the set has no keys.
    [[nodiscard]] bool empty() const noexcept { return keys_.empty(); }

    /// The first key, in the order given.
    [[nodiscard]] const_iterator begin() const noexcept { return keys_.begin(); }

    /// Past the last key.
    [[nodiscard]] const_iterator end() const noexcept { return keys_.end(); }

    /** The public JWKS of the set: `{"keys": [...]}` with the `public_jwk()`
        of every public-key key. HMAC secrets are never exported.

        Complexity: linear. Exception safety: strong.
    */
    [[nodiscard]] boost::json::object to_public_jwks() const;

private:
    std::vector<key> keys_;
    // Indexes into keys_, sorted by kid.
    std::vector<std::uint32_t> by_kid_;
};

} // namespace jose
} // namespace v0
} // namespace modelauth

#include <modelauth/jose/impl/key_set.hpp>

#endif
