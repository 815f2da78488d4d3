//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_FLOWS_DETAIL_FLOW_STEPS_HPP
#define MODELAUTH_TOKENS_FLOWS_DETAIL_FLOW_STEPS_HPP

// The steps more than one flow takes: new ids and secrets, who a caller is,
// storing a new token.

#include <modelauth/tokens/error.hpp>
#include <modelauth/tokens/flows/flow_context.hpp>
#include <modelauth/validation/api_key.hpp>

#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace flows {
namespace detail {

// A random version 4 UUID (RFC 9562) in its 36-character text form: the
// public id of stored tokens, refresh-token records and families.
inline result<std::string> random_uuid()
{
    unsigned char bytes[16];
    if(RAND_bytes(bytes, sizeof bytes) != 1)
    {
        ERR_clear_error();
        return tokens::error::random_failure;
    }
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
    static constexpr char hex[] = "0123456789abcdef";
    std::string text;
    text.reserve(36);
    for(std::size_t i = 0; i < sizeof bytes; ++i)
    {
        if(i == 4 || i == 6 || i == 8 || i == 10)
            text += '-';
        text += hex[bytes[i] >> 4];
        text += hex[bytes[i] & 0x0f];
    }
    return text;
}

// A new opaque secret `<prefix>_...`; `random_failure` if the CSPRNG fails.
inline result<std::string> new_secret(std::string_view prefix)
{
    auto secret = validation::generate_api_key(prefix);
    if(! secret)
        return tokens::error::random_failure;
    return std::move(*secret);
}

// The scopes of `scopes` that can grant anything: those that parse under
// the scope grammar. What a new token carries; the rest would grant nothing
// and could not all be written into a JWT's `scope` claim.
inline std::vector<std::string> grantable_scopes(std::vector<std::string> const& scopes)
{
    std::vector<std::string> out;
    out.reserve(scopes.size());
    for(auto const& scope : scopes)
        if(policy::parse_scope(scope))
            out.push_back(scope);
    return out;
}

inline bool has_expired(validation::stored_token const& token, std::chrono::system_clock::time_point now) noexcept
{
    return token.expires && *token.expires <= now;
}

// Drops the expired tokens (not yet pruned) of `tokens`.
inline void drop_expired(std::vector<std::shared_ptr<validation::stored_token const>>& tokens,
                         std::chrono::system_clock::time_point now)
{
    tokens.erase(std::remove_if(tokens.begin(), tokens.end(),
                                [&](auto const& t) { return has_expired(*t, now); }),
                 tokens.end());
}

// A user record and the directory snapshot that keeps it alive.
struct user_ref
{
    std::shared_ptr<user_directory const> directory;
    user_record const* user = nullptr;
};

// The directory's record of `email`; `not_permitted` if there is none.
template<class Clock>
result<user_ref> directory_user(flow_context<Clock> const& context, std::string_view email)
{
    user_ref ref{context.directory(), nullptr};
    ref.user = ref.directory->find_user(email);
    if(! ref.user)
        return tokens::error::not_permitted;
    return ref;
}

// Whether `caller` is a console access token: class `user`, issued by our
// issuer (a user token of another trusted issuer is not one).
template<class Clock>
bool is_console_user(flow_context<Clock> const& context, validation::Principal const& caller) noexcept
{
    return caller.cls == validation::token_class::user && caller.kind == validation::credential_kind::jwt
        && caller.issuer == context.issuer().options().issuer;
}

// The directory's record of the console user `caller`; `not_permitted`.
template<class Clock>
result<user_ref> console_user(flow_context<Clock> const& context, validation::Principal const& caller)
{
    if(! is_console_user(context, caller))
        return tokens::error::not_permitted;
    return directory_user(context, caller.subject);
}

// Gives `token` a fresh id and secret, stores it (`replace` or `insert`,
// under `limits`) and returns it with its secret.
template<class Clock>
result<created_token> store_new_token(flow_context<Clock> const& context, validation::stored_token token,
                                      insert_limits limits, bool replace)
{
    auto id = random_uuid();
    if(! id)
        return id.error();
    auto secret = new_secret(context.options().api_key_prefix);
    if(! secret)
        return secret.error();
    token.id = std::move(*id);
    token.secret_hash = validation::hash_secret(*secret);
    token.hint = std::string(validation::api_key_hint(*secret));
    auto record = std::make_shared<validation::stored_token const>(token);
    auto& store = context.store();
    if(replace)
    {
        auto replaced = store.replace_owned(std::move(token), limits);
        if(! replaced)
            return replaced.error();
    }
    else if(auto inserted = store.insert(std::move(token), limits); ! inserted)
        return inserted.error();
    return created_token{std::move(record), std::move(*secret)};
}

} // namespace detail
} // namespace flows
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
