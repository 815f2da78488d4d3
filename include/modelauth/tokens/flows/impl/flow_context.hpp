//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_FLOWS_IMPL_FLOW_CONTEXT_HPP
#define MODELAUTH_TOKENS_FLOWS_IMPL_FLOW_CONTEXT_HPP

#include <modelauth/configuration_error.hpp>
#include <modelauth/validation/api_key.hpp>

#include <algorithm>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace flows {
namespace detail {

// The scopes of `token_scopes` that `user_scopes` still grant: those a user
// scope of the same action covers, as a scope without a path covers every
// path and a path covers the paths below it on whole segments (review F5).
inline std::vector<std::string> scopes_still_granted(std::vector<std::string> const& token_scopes,
                                                     std::vector<std::string> const& user_scopes)
{
    std::vector<std::string> kept;
    for(auto const& scope : token_scopes)
    {
        auto const wanted = policy::parse_scope(scope);
        if(! wanted)
            continue;
        for(auto const& held : user_scopes)
        {
            auto const have = policy::parse_scope(held);
            if(! have || have->action != wanted->action)
                continue;
            if(have->path.empty() || (! wanted->path.empty() && policy::detail::covers(have->path, &wanted->path, 1)))
            {
                kept.push_back(scope);
                break;
            }
        }
    }
    return kept;
}

// The dummy hash for unknown emails: the most common iteration count of the
// directory's users (the larger one on a tie), the default with no users.
// An unknown email then costs what most known ones cost (review F7).
inline std::shared_ptr<password_hash const> dummy_hash_for(user_directory const& directory)
{
    std::vector<unsigned> counts;
    counts.reserve(directory.users.size());
    for(auto const& user : directory.users)
        counts.push_back(user.password.iterations());
    std::sort(counts.begin(), counts.end());
    unsigned best = default_password_iterations;
    std::size_t best_run = 0;
    for(std::size_t i = 0; i < counts.size();)
    {
        std::size_t j = i;
        while(j < counts.size() && counts[j] == counts[i])
            ++j;
        if(j - i >= best_run)
        {
            best = counts[i];
            best_run = j - i;
        }
        i = j;
    }
    return std::make_shared<password_hash const>(password_hash::dummy(best));
}

} // namespace detail

template<class Clock>
flow_context<Clock>::flow_context(user_directory directory, std::shared_ptr<router::ModelUrlRouter const> router,
                                  std::shared_ptr<token_issuer<Clock> const> issuer,
                                  std::shared_ptr<ManagedTokenStore> store,
                                  std::shared_ptr<policy::ScopePolicy const> policy, flow_options options,
                                  Clock clock)
    : router_(std::move(router))
    , issuer_(std::move(issuer))
    , store_(std::move(store))
    , policy_(std::move(policy))
    , options_(std::move(options))
    , clock_(std::move(clock))
    , revocation_margin_(validation::trusted_issuer{}.leeway)
    , directory_(std::make_shared<user_directory const>(std::move(directory)))
    , dummy_hash_(detail::dummy_hash_for(*directory_.load()))
{
    if(! router_)
        throw configuration_error("flow_context.router", "is null");
    if(! issuer_)
        throw configuration_error("flow_context.issuer", "is null");
    if(! store_)
        throw configuration_error("flow_context.store", "is null");
    if(! policy_)
        throw configuration_error("flow_context.policy", "is null");
    if(! validation::is_valid_api_key_prefix(options_.api_key_prefix))
        throw configuration_error("flow_options.api_key_prefix", "must be 1 to 16 characters of [a-z0-9]");
    if(! validation::is_valid_api_key_prefix(options_.refresh_token_prefix))
        throw configuration_error("flow_options.refresh_token_prefix", "must be 1 to 16 characters of [a-z0-9]");
    if(options_.refresh_token_prefix == options_.api_key_prefix)
        throw configuration_error("flow_options.refresh_token_prefix",
                                  "must differ from api_key_prefix: a refresh token is never an API key");
    std::pair<char const*, std::size_t> const counts[] = {
        {"max_permanent_tokens", options_.max_permanent_tokens},
        {"max_temporary_tokens", options_.max_temporary_tokens},
        {"max_instance_tokens", options_.max_instance_tokens},
        {"max_refresh_families", options_.max_refresh_families},
        {"max_family_tokens", options_.max_family_tokens},
        {"max_family_rotations", options_.max_family_rotations},
        {"max_page_size", options_.max_page_size},
    };
    for(auto const& [name, value] : counts)
        if(value == 0)
            throw configuration_error(std::string("flow_options.") + name, "must be at least 1");
    auto const& lifetimes = options_.lifetimes;
    auto const zero = std::chrono::seconds::zero();
    if(lifetimes.access <= zero || lifetimes.access > issuer_->retain_old_keys())
        throw configuration_error("flow_options.lifetimes.access",
                                  "must be positive and at most the issuer's retain_old_keys");
    if(lifetimes.model_session <= zero || lifetimes.model_session > issuer_->retain_old_keys())
        throw configuration_error("flow_options.lifetimes.model_session",
                                  "must be positive and at most the issuer's retain_old_keys");
    if(lifetimes.refresh <= zero)
        throw configuration_error("flow_options.lifetimes.refresh", "must be positive");
    if(lifetimes.temporary <= zero)
        throw configuration_error("flow_options.lifetimes.temporary", "must be positive");
}

template<class Clock>
result<grant_changes> flow_context<Clock>::set_directory(user_directory directory)
{
    auto next = std::make_shared<user_directory const>(std::move(directory));
    dummy_hash_.store(detail::dummy_hash_for(*next));
    directory_.store(std::move(next));
    return apply_grants();
}

template<class Clock>
result<grant_changes> flow_context<Clock>::apply_grants()
{
    auto const directory = directory_.load();
    grant_changes changes;
    for(auto const& token : store_->list(token_filter{}))
    {
        user_record const* const owner = directory->find_user(token->owner);
        bool keep = owner != nullptr && token->bindings.account == owner->account;
        if(keep && token->cls == validation::token_class::instance)
            keep = std::find(owner->instances.begin(), owner->instances.end(), token->bindings.instance)
                != owner->instances.end();
        if(keep && token->cls == validation::token_class::space)
        {
            auto const* account = directory->find_account(token->bindings.account);
            keep = account != nullptr
                && std::find(account->spaces.begin(), account->spaces.end(), token->bindings.space)
                       != account->spaces.end();
        }
        std::vector<std::string> scopes;
        if(keep)
        {
            scopes = detail::scopes_still_granted(token->scopes, owner->scopes);
            keep = ! scopes.empty() || token->scopes.empty();
        }
        if(! keep)
        {
            if(auto erased = store_->erase(token->id); ! erased)
                return erased.error();
            ++changes.deleted;
            continue;
        }
        if(scopes.size() != token->scopes.size())
        {
            auto updated = store_->update(token->id, [&](validation::stored_token& t) { t.scopes = scopes; });
            if(! updated)
                return updated.error();
            ++changes.narrowed;
        }
    }
    // The sessions of users who are gone end now, with every access and
    // model session token issued from them.
    for(auto const& [family, owner] : store_->family_owners())
    {
        if(directory->find_user(owner))
            continue;
        auto revoked = store_->revoke_family(family);
        if(! revoked)
            return revoked.error();
        ++changes.families_revoked;
    }
    return changes;
}

template<class Clock>
std::shared_ptr<user_directory const> flow_context<Clock>::directory() const noexcept
{
    return directory_.load();
}

template<class Clock>
password_hash const& flow_context<Clock>::dummy_hash() const noexcept
{
    return *dummy_hash_.load_cached();
}

template<class Clock>
token_issuer<Clock> const& flow_context<Clock>::issuer() const noexcept
{
    return *issuer_;
}

template<class Clock>
ManagedTokenStore& flow_context<Clock>::store() const noexcept
{
    return *store_;
}

template<class Clock>
router::ModelUrlRouter const& flow_context<Clock>::router() const noexcept
{
    return *router_;
}

template<class Clock>
policy::ScopePolicy const& flow_context<Clock>::policy() const noexcept
{
    return *policy_;
}

template<class Clock>
flow_options const& flow_context<Clock>::options() const noexcept
{
    return options_;
}

template<class Clock>
Clock const& flow_context<Clock>::clock() const noexcept
{
    return clock_;
}

template<class Clock>
std::chrono::system_clock::time_point flow_context<Clock>::now() const noexcept
{
    return std::chrono::floor<std::chrono::seconds>(clock_.now());
}

template<class Clock>
std::chrono::seconds flow_context<Clock>::revocation_margin() const noexcept
{
    return revocation_margin_;
}

} // namespace flows
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
