//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_DETAIL_STORE_STATE_HPP
#define MODELAUTH_TOKENS_DETAIL_STORE_STATE_HPP

// The state of a managed token store, shared by InMemoryTokenStore and
// JournalTokenStore: three immutable tables (tokens, revocations, refresh
// tokens) behind one snapshot, and the copy-on-write editor a writer changes
// them through. A writer copies only the tables it changes, so a revocation
// does not copy the tokens and a new token does not copy the revocations.

#include <modelauth/tokens/managed_token_store.hpp>
#include <modelauth/validation/token_store.hpp>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>
#if __has_include(<version>)
#include <version> // __cpp_lib_generic_unordered_lookup
#endif

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {
namespace managed_store { // distinct names: detail is shared by every header

using token_time = std::chrono::system_clock::time_point;
using token_ptr = std::shared_ptr<validation::stored_token const>;
using refresh_ptr = std::shared_ptr<refresh_token_record const>;
using revocation = std::pair<std::string, std::optional<token_time>>;

//----------------------------------------------------------------------------
// Tables

// Hashes std::string keys and, where the library allows heterogeneous
// lookup (C++20), looks them up by string_view without allocating.
struct string_key_hash
{
    using is_transparent = void;

    std::size_t operator()(std::string_view key) const noexcept
    {
        return std::hash<std::string_view>{}(key);
    }
};

template<class Value>
using string_map = std::unordered_map<std::string, Value, string_key_hash, std::equal_to<>>;

template<class Map>
auto find_key(Map& map, std::string_view key) -> decltype(map.begin())
{
#if defined(__cpp_lib_generic_unordered_lookup)
    return map.find(key);
#else
    return map.find(std::string(key));
#endif
}

// A SHA-256 digest is uniform already: its first bytes are a good hash.
struct digest_key_hash
{
    std::size_t operator()(validation::secret_digest const& d) const noexcept
    {
        std::size_t h;
        std::memcpy(&h, d.data(), sizeof h);
        return h;
    }
};

struct digest_key_equal
{
    bool operator()(validation::secret_digest const& a, validation::secret_digest const& b) const noexcept
    {
        return validation::digest_equal(a, b);
    }
};

template<class Value>
using digest_map = std::unordered_map<validation::secret_digest, Value, digest_key_hash, digest_key_equal>;

inline bool is_zero_digest(validation::secret_digest const& d) noexcept
{
    unsigned char any = 0;
    for(auto b : d)
        any |= b;
    return any == 0;
}

struct token_table
{
    string_map<token_ptr> by_id;
    digest_map<token_ptr> by_secret;
};

// JWT id -> when its revocation may be forgotten (empty: never).
using revocation_table = string_map<std::optional<token_time>>;

struct refresh_family
{
    // Whose family it is (the owner of its first record).
    std::string owner;
    // The ids of the family's live refresh-token records, oldest first.
    std::vector<std::string> records;
    // Its rotated records, oldest first, remembered until they expire only
    // to recognise a reuse: in `by_secret`, never in `by_id`.
    std::vector<refresh_ptr> rotated;
    // Access-token (and session-token) ids issued from the family and their expiry.
    std::vector<std::pair<std::string, token_time>> access;
};

struct refresh_table
{
    // The live records.
    string_map<refresh_ptr> by_id;
    // The live records and the remembered rotated ones.
    digest_map<refresh_ptr> by_secret;
    // Every family has a live record (but while an old journal is replayed).
    string_map<refresh_family> families;
    // Access id -> the family that remembers it.
    string_map<std::string> access_family;
};

struct token_state
{
    std::shared_ptr<token_table const> tokens = std::make_shared<token_table>();
    std::shared_ptr<revocation_table const> revocations = std::make_shared<revocation_table>();
    std::shared_ptr<refresh_table const> refresh = std::make_shared<refresh_table>();
};

// A copy-on-write view of a state: reads see the base until a table is
// edited, and only edited tables are copied (once per editor).
class state_editor
{
public:
    explicit state_editor(token_state base) : base_(std::move(base)) {}

    token_table const& tokens() const noexcept { return tokens_ ? *tokens_ : *base_.tokens; }
    revocation_table const& revocations() const noexcept
    {
        return revocations_ ? *revocations_ : *base_.revocations;
    }
    refresh_table const& refresh() const noexcept { return refresh_ ? *refresh_ : *base_.refresh; }

    token_table& edit_tokens() { return edit(tokens_, base_.tokens); }
    revocation_table& edit_revocations() { return edit(revocations_, base_.revocations); }
    refresh_table& edit_refresh() { return edit(refresh_, base_.refresh); }

    // Whether a token or a revocation changed: the epoch must advance.
    bool changes_credentials() const noexcept { return tokens_ || revocations_; }

    // The state with the edits.
    std::shared_ptr<token_state const> build() const
    {
        auto next = std::make_shared<token_state>(base_);
        if(tokens_)
            next->tokens = tokens_;
        if(revocations_)
            next->revocations = revocations_;
        if(refresh_)
            next->refresh = refresh_;
        return next;
    }

private:
    template<class T>
    static T& edit(std::shared_ptr<T>& copy, std::shared_ptr<T const> const& base)
    {
        if(! copy)
            copy = std::make_shared<T>(*base);
        return *copy;
    }

    token_state base_;
    std::shared_ptr<token_table> tokens_;
    std::shared_ptr<revocation_table> revocations_;
    std::shared_ptr<refresh_table> refresh_;
};

} // namespace managed_store
} // namespace detail
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
