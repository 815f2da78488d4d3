//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TESTS_TOKENS_STORE_TEST_SUPPORT_HPP
#define MODELAUTH_TESTS_TOKENS_STORE_TEST_SUPPORT_HPP

// What the managed-store tests share: a fixed instant, the records they
// store, and a result's error.

#include <modelauth/error.hpp>
#include <modelauth/tokens/managed_token_store.hpp>
#include <modelauth/validation/api_key.hpp>

#include <chrono>
#include <string>
#include <system_error>
#include <utility>

namespace modelauth_test {
namespace store_records {

using time_point = std::chrono::system_clock::time_point;

// Whole seconds: a journal keeps times to the second.
inline time_point const t0 = time_point(std::chrono::seconds(1'800'000'000));

// A personal key of `owner` (by default), for a day from t0, secret "secret-<id>".
inline modelauth::validation::stored_token token(std::string id, std::string owner = "alice",
    modelauth::validation::token_class cls = modelauth::validation::token_class::personal_key)
{
    using namespace std::chrono_literals;
    modelauth::validation::stored_token t;
    t.secret_hash = modelauth::validation::hash_secret("secret-" + id);
    t.hint = id.size() <= 4 ? id : id.substr(id.size() - 4);
    t.id = std::move(id);
    t.owner = std::move(owner);
    t.cls = cls;
    t.scopes = {"models:read"};
    t.created = t0;
    t.expires = t0 + 24h;
    return t;
}

// A permanent token of class `cls` bound to `account` (and `space`).
inline modelauth::validation::stored_token permanent(std::string id, modelauth::validation::token_class cls,
    std::string account, std::string space = {})
{
    auto t = token(std::move(id), "manager@example.com", cls);
    t.bindings.account = std::move(account);
    t.bindings.space = std::move(space);
    t.permanent = true;
    t.expires.reset();
    return t;
}

// Alice's refresh token `id` of `family`, for 90 days from t0, secret "refresh-<id>".
inline modelauth::tokens::refresh_token_record refresh(std::string id, std::string family)
{
    using namespace std::chrono_literals;
    modelauth::tokens::refresh_token_record r;
    r.secret_hash = modelauth::validation::hash_secret("refresh-" + id);
    r.id = std::move(id);
    r.family = std::move(family);
    r.owner = "alice";
    r.issued = t0;
    r.expires = t0 + 90 * 24h;
    return r;
}

template<class T>
std::error_code error_of(modelauth::result<T> const& r)
{
    return r ? std::error_code{} : r.error();
}

} // namespace store_records
} // namespace modelauth_test

#endif
