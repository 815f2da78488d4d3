//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CONFIG_REDIS_TOKEN_STACK_HPP
#define MODELAUTH_CONFIG_REDIS_TOKEN_STACK_HPP

/** @file
    The token stack of a server that runs as one of several replicas
    (`make_redis_token_stack`): the token store and the issuer's signing
    keys in Redis, shared by every replica started with the same `redis`
    URL and key prefix. Needs hiredis: link `modelauth::redis`.
*/

#include <modelauth/clock.hpp>
#include <modelauth/config/token_stack.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/tokens/issuer.hpp>
#include <modelauth/tokens/redis_token_store.hpp>

#include <openssl/crypto.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace config {

/** Opens the Redis store at `url` and the issuer every replica shares: the
    keys stored under `<prefix>:issuer_keys`, or when there are none, a
    key generated now and stored there (when replicas start together, one
    key wins and every replica signs with it). Old signing keys are kept
    for the longest JWT lifetime of `lifetimes`.

    The issuer's private keys are in Redis: protect it as the keys' own
    store (a private network, `requirepass` or ACLs, no public port).

    @throws configuration_error naming `redis` (Redis cannot be reached, or
    its log or keys are not the store's) or `issuer` (no signing key can be
    made, or the stored keys are of another algorithm).
*/
template<class Clock>
[[nodiscard]] basic_token_stack<Clock> make_redis_token_stack(tokens::issuer_options issuer, std::string_view url,
    tokens::token_lifetimes const& lifetimes, Clock clock, tokens::redis_store_options const& options = {})
{
    using issuer_type = tokens::token_issuer<Clock>;
    auto const retain = tokens::longest_jwt_lifetime(lifetimes);
    std::string why;
    auto opened = tokens::RedisTokenStore::open(url, options, &why);
    if(! opened)
        throw configuration_error("redis", "the token store cannot be opened: " + why);
    auto generated = issuer_type::generate(issuer, retain, clock);
    if(! generated)
        throw configuration_error("issuer", "no signing key: " + generated.error().message());
    auto candidate = generated->key_text();
    if(! candidate)
        throw configuration_error("issuer", "the signing key cannot be exported: " + candidate.error().message());
    auto shared = (*opened)->shared_issuer_keys(*candidate, &why);
    OPENSSL_cleanse(candidate->data(), candidate->size());
    if(! shared)
        throw configuration_error("redis", "the issuer's keys cannot be read or stored: " + why);
    auto loaded = issuer_type::from_key_text(*shared, std::move(issuer), retain, clock);
    if(! loaded)
        throw configuration_error("redis", (*opened)->issuer_keys_key() + " does not hold this issuer's keys: "
                                               + loaded.error().message());
    basic_token_stack<Clock> stack;
    stack.redis = *opened;
    stack.store = std::move(*opened);
    stack.issuer = std::make_shared<issuer_type>(std::move(*loaded));
    return stack;
}

} // namespace config
} // namespace v0
} // namespace modelauth

#endif
