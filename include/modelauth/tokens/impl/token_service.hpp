//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// IMPLEMENTATION-COMPLETE

#ifndef MODELAUTH_TOKENS_IMPL_TOKEN_SERVICE_HPP
#define MODELAUTH_TOKENS_IMPL_TOKEN_SERVICE_HPP

#include <modelauth/validation/api_key.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/tokens/ttl.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/tokens/error.hpp>

#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace tokens {

//----------------------------------------------------------------------------
// user_directory

inline user_record const* user_directory::find_user(std::string_view email) const noexcept
{
    for(auto const& user : users)
        if(user.email == email)
            return &user;
    return nullptr;
}

inline account_record const* user_directory::find_account(std::string_view id) const noexcept
{
    for(auto const& account : accounts)
        if(account.id == id)
            return &account;
    return nullptr;
}

inline bool user_directory::has_instance(std::string_view key) const noexcept
{
    return std::find(instances.begin(), instances.end(), key) != instances.end();
}

namespace detail {

// The longest instance token name and description, in characters.
inline constexpr std::size_t max_token_name_chars = 128;
inline constexpr std::size_t max_token_description_chars = 512;

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

// How many characters `text` holds if it is UTF-8 without control
// characters (tab, line feed and carriage return allowed when `multiline`);
// nothing otherwise.
inline std::optional<std::size_t> text_length(std::string_view text, bool multiline) noexcept
{
    std::size_t chars = 0;
    for(std::size_t i = 0; i < text.size(); ++chars)
    {
        auto const c = static_cast<unsigned char>(text[i]);
        if(c < 0x80)
        {
            bool const allowed_control = multiline && (c == '\t' || c == '\n' || c == '\r');
            if((c < 0x20 || c == 0x7f) && ! allowed_control)
                return std::nullopt;
            ++i;
            continue;
        }
        // RFC 3629 section 4: no overlong forms, no surrogates, at most U+10FFFF.
        std::size_t n = 0;
        unsigned char lo = 0x80, hi = 0xbf;
        if(c >= 0xc2 && c <= 0xdf)
            n = 1;
        else if(c >= 0xe0 && c <= 0xef)
        {
            n = 2;
            if(c == 0xe0)
                lo = 0xa0;
            else if(c == 0xed)
                hi = 0x9f;
        }
        else if(c >= 0xf0 && c <= 0xf4)
        {
            n = 3;
            if(c == 0xf0)
                lo = 0x90;
            else if(c == 0xf4)
                hi = 0x8f;
        }
        else
            return std::nullopt;
        if(text.size() - i <= n)
            return std::nullopt;
        auto const second = static_cast<unsigned char>(text[i + 1]);
        if(second < lo || second > hi)
            return std::nullopt;
        for(std::size_t k = 2; k <= n; ++k)
        {
            auto const next = static_cast<unsigned char>(text[i + k]);
            if(next < 0x80 || next > 0xbf)
                return std::nullopt;
        }
        // C1 controls (U+0080-U+009F) are controls too.
        if(c == 0xc2 && second < 0xa0)
            return std::nullopt;
        i += n + 1;
    }
    return chars;
}

// Checks an instance token's name (1 to 128 characters) and description
// (at most 512); `invalid_request_body`.
inline result<void> check_token_text(std::optional<std::string> const& name,
                                     std::optional<std::string> const& description) noexcept
{
    if(name)
    {
        auto const length = text_length(*name, false);
        if(! length || *length == 0 || *length > max_token_name_chars)
            return tokens::error::invalid_request_body;
    }
    if(description)
    {
        auto const length = text_length(*description, true);
        if(! length || *length > max_token_description_chars)
            return tokens::error::invalid_request_body;
    }
    return {};
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

inline bool is_lifecycle_error(std::error_code const& ec, tokens::error e) noexcept
{
    return ec == make_error_code(e);
}

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

// The store's limits on refresh-token families, from the service's options.
inline family_limits family_limits_of(token_service_options const& options) noexcept
{
    return family_limits{options.max_refresh_families, options.max_family_tokens, options.max_family_rotations};
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

//----------------------------------------------------------------------------
// Construction and parts

template<class Clock>
token_service<Clock>::token_service(user_directory directory, std::shared_ptr<router::ModelUrlRouter const> router,
                                    std::shared_ptr<token_issuer<Clock> const> issuer,
                                    std::shared_ptr<ManagedTokenStore> store,
                                    std::shared_ptr<policy::ScopePolicy const> policy, token_service_options options,
                                    Clock clock)
    : router_(std::move(router))
    , issuer_(std::move(issuer))
    , store_(std::move(store))
    , policy_(std::move(policy))
    , options_(std::move(options))
    , clock_(std::move(clock))
    , revocation_margin_(validation::trusted_issuer{}.leeway)
    , directory_(std::make_shared<user_directory const>(std::move(directory)))
    , limiter_(options_.login, clock_)
    , address_limiter_(options_.login_per_address, clock_)
    , dummy_hash_(detail::dummy_hash_for(*directory_.load()))
{
    if(! router_)
        throw configuration_error("token_service.router", "is null");
    if(! issuer_)
        throw configuration_error("token_service.issuer", "is null");
    if(! store_)
        throw configuration_error("token_service.store", "is null");
    if(! policy_)
        throw configuration_error("token_service.policy", "is null");
    if(! validation::is_valid_api_key_prefix(options_.api_key_prefix))
        throw configuration_error("token_service_options.api_key_prefix",
                                  "must be 1 to 16 characters of [a-z0-9]");
    if(! validation::is_valid_api_key_prefix(options_.refresh_token_prefix))
        throw configuration_error("token_service_options.refresh_token_prefix",
                                  "must be 1 to 16 characters of [a-z0-9]");
    if(options_.refresh_token_prefix == options_.api_key_prefix)
        throw configuration_error("token_service_options.refresh_token_prefix",
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
            throw configuration_error(std::string("token_service_options.") + name, "must be at least 1");
    auto const& lifetimes = options_.lifetimes;
    auto const zero = std::chrono::seconds::zero();
    if(lifetimes.access <= zero || lifetimes.access > issuer_->retain_old_keys())
        throw configuration_error("token_service_options.lifetimes.access",
                                  "must be positive and at most the issuer's retain_old_keys");
    if(lifetimes.model_session <= zero || lifetimes.model_session > issuer_->retain_old_keys())
        throw configuration_error("token_service_options.lifetimes.model_session",
                                  "must be positive and at most the issuer's retain_old_keys");
    if(lifetimes.refresh <= zero)
        throw configuration_error("token_service_options.lifetimes.refresh", "must be positive");
    if(lifetimes.temporary <= zero)
        throw configuration_error("token_service_options.lifetimes.temporary", "must be positive");
}

template<class Clock>
result<grant_changes> token_service<Clock>::set_directory(user_directory directory)
{
    auto next = std::make_shared<user_directory const>(std::move(directory));
    dummy_hash_.store(detail::dummy_hash_for(*next));
    directory_.store(std::move(next));
    return apply_grants();
}

template<class Clock>
result<grant_changes> token_service<Clock>::apply_grants()
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
password_hash const& token_service<Clock>::dummy_hash() const noexcept
{
    return *dummy_hash_.load_cached();
}

template<class Clock>
std::shared_ptr<user_directory const> token_service<Clock>::directory() const noexcept
{
    return directory_.load();
}

template<class Clock>
token_issuer<Clock> const& token_service<Clock>::issuer() const noexcept
{
    return *issuer_;
}

template<class Clock>
ManagedTokenStore& token_service<Clock>::store() const noexcept
{
    return *store_;
}

template<class Clock>
router::ModelUrlRouter const& token_service<Clock>::router() const noexcept
{
    return *router_;
}

template<class Clock>
policy::ScopePolicy const& token_service<Clock>::policy() const noexcept
{
    return *policy_;
}

template<class Clock>
token_service_options const& token_service<Clock>::options() const noexcept
{
    return options_;
}

template<class Clock>
Clock const& token_service<Clock>::clock() const noexcept
{
    return clock_;
}

template<class Clock>
login_limiter<Clock> const& token_service<Clock>::limiter() const noexcept
{
    return limiter_;
}

template<class Clock>
std::string token_service<Clock>::login_limiter_key(std::string_view email, std::string_view client_address)
{
    // A line feed can be in neither an email of the directory nor an address.
    std::string key(email);
    key += '\n';
    key += client_address;
    return key;
}

template<class Clock>
std::chrono::seconds token_service<Clock>::login_retry_after(std::string_view email,
                                                             std::string_view client_address) const
{
    auto wait = limiter_.retry_after(login_limiter_key(email, client_address));
    if(! client_address.empty())
        wait = (std::max)(wait, address_limiter_.retry_after(client_address));
    return wait;
}

//----------------------------------------------------------------------------
// Who the caller is

template<class Clock>
auto token_service<Clock>::now() const noexcept -> time_point
{
    return std::chrono::floor<std::chrono::seconds>(clock_.now());
}

template<class Clock>
bool token_service<Clock>::is_console_user(validation::Principal const& caller) const noexcept
{
    return caller.cls == validation::token_class::user && caller.kind == validation::credential_kind::jwt
        && caller.issuer == issuer_->options().issuer;
}

template<class Clock>
auto token_service<Clock>::console_user(validation::Principal const& caller) const -> result<user_ref>
{
    if(! is_console_user(caller))
        return tokens::error::not_permitted;
    user_ref ref{directory_.load(), nullptr};
    ref.user = ref.directory->find_user(caller.subject);
    if(! ref.user)
        return tokens::error::not_permitted;
    return ref;
}

template<class Clock>
auto token_service<Clock>::key_owner(validation::Principal const& caller) const -> result<user_ref>
{
    if(caller.cls == validation::token_class::personal_key && caller.kind == validation::credential_kind::api_key)
    {
        user_ref ref{directory_.load(), nullptr};
        ref.user = ref.directory->find_user(caller.subject);
        if(! ref.user)
            return tokens::error::not_permitted;
        return ref;
    }
    return console_user(caller);
}

template<class Clock>
auto token_service<Clock>::instance_manager(validation::Principal const& caller, std::string_view instance) const
    -> result<user_ref>
{
    if(! is_console_user(caller))
        return tokens::error::not_permitted;
    user_ref ref{directory_.load(), nullptr};
    if(! ref.directory->has_instance(instance))
        return tokens::error::unknown_instance;
    ref.user = ref.directory->find_user(caller.subject);
    if(! ref.user
       || std::find(ref.user->instances.begin(), ref.user->instances.end(), instance) == ref.user->instances.end())
        return tokens::error::not_permitted;
    return ref;
}

template<class Clock>
auto token_service<Clock>::management_scope_of(validation::Principal const& caller) const -> result<management_scope>
{
    if(caller.cls == validation::token_class::user)
    {
        auto user = console_user(caller);
        if(! user)
            return user.error();
        return management_scope{validation::token_class::account, user->user->account, {}};
    }
    // NeuroIO tokens are the store's API keys, never JWTs of some issuer.
    if(caller.kind != validation::credential_kind::api_key || caller.bindings.account.empty())
        return tokens::error::not_permitted;
    switch(caller.cls)
    {
    case validation::token_class::account:
    case validation::token_class::manager:
        return management_scope{caller.cls, caller.bindings.account, {}};
    case validation::token_class::space:
        if(caller.bindings.space.empty())
            return tokens::error::not_permitted;
        return management_scope{validation::token_class::space, caller.bindings.account, caller.bindings.space};
    default:
        return tokens::error::not_permitted;
    }
}

//----------------------------------------------------------------------------
// Shared steps

template<class Clock>
result<issued_jwt> token_service<Clock>::issue_access(user_record const& user) const
{
    jwt_request request;
    request.subject = user.email;
    request.cls = validation::token_class::user;
    request.scopes = detail::grantable_scopes(user.scopes);
    request.bindings.account = user.account;
    request.lifetime = options_.lifetimes.access;
    return issuer_->issue(request);
}

template<class Clock>
auto token_service<Clock>::new_refresh(std::string family, std::string owner, time_point at) const
    -> result<new_refresh_token>
{
    auto secret = detail::new_secret(options_.refresh_token_prefix);
    if(! secret)
        return secret.error();
    auto id = detail::random_uuid();
    if(! id)
        return id.error();
    new_refresh_token made;
    made.record.id = std::move(*id);
    made.record.secret_hash = validation::hash_secret(*secret);
    made.record.family = std::move(family);
    made.record.owner = std::move(owner);
    made.record.issued = at;
    made.record.expires = at + options_.lifetimes.refresh;
    made.secret = std::move(*secret);
    return made;
}

template<class Clock>
result<created_token> token_service<Clock>::store_new_token(validation::stored_token token, insert_limits limits, bool replace)
{
    auto id = detail::random_uuid();
    if(! id)
        return id.error();
    auto secret = detail::new_secret(options_.api_key_prefix);
    if(! secret)
        return secret.error();
    token.id = std::move(*id);
    token.secret_hash = validation::hash_secret(*secret);
    token.hint = std::string(validation::api_key_hint(*secret));
    auto record = std::make_shared<validation::stored_token const>(token);
    if(replace)
    {
        auto replaced = store_->replace_owned(std::move(token), limits);
        if(! replaced)
            return replaced.error();
    }
    else if(auto inserted = store_->insert(std::move(token), limits); ! inserted)
        return inserted.error();
    return created_token{std::move(record), std::move(*secret)};
}

template<class Clock>
result<token_pair> token_service<Clock>::refuse_reused(std::string_view family)
{
    auto revoked = store_->revoke_family(family);
    if(! revoked)
        return revoked.error();
    return tokens::error::refresh_token_reused;
}

//----------------------------------------------------------------------------
// Practicus

template<class Clock>
result<token_pair> token_service<Clock>::login(std::string_view email, std::string_view password,
                                               std::string_view client_address)
{
    // Each attempt is counted before the password is checked (F2): a burst
    // of parallel guesses gets no more tries than a sequence would.
    if(! client_address.empty())
        if(auto allowed = address_limiter_.try_acquire(client_address); ! allowed)
            return allowed.error();
    auto const pair_key = login_limiter_key(email, client_address);
    if(auto allowed = limiter_.try_acquire(pair_key); ! allowed)
    {
        if(! client_address.empty())
            address_limiter_.refund(client_address);
        return allowed.error();
    }
    auto const directory = directory_.load();
    user_record const* const user = directory->find_user(email);
    // An unknown email costs one verification too, against a dummy hash of
    // the directory's usual cost (F7).
    bool const verified = (user ? user->password : dummy_hash()).verify(password) && user != nullptr;
    if(! verified)
        return tokens::error::invalid_credentials; // the attempt is counted
    limiter_.record_success(pair_key);
    if(! client_address.empty())
        address_limiter_.refund(client_address);

    auto access = issue_access(*user);
    if(! access)
        return access.error();
    auto family = detail::random_uuid();
    if(! family)
        return family.error();
    auto refresh = new_refresh(*family, user->email, now());
    if(! refresh)
        return refresh.error();
    auto const refresh_expires = refresh->record.expires;
    // A user's oldest session ends when a login passes max_refresh_families.
    auto const limits = detail::family_limits_of(options_);
    if(auto inserted = store_->insert_refresh(std::move(refresh->record), limits); ! inserted)
        return inserted.error();
    if(auto recorded = store_->add_family_access(*family, access->jti, access->expires_at + revocation_margin_, limits);
       ! recorded)
        return recorded.error();
    return token_pair{std::move(access->token), std::move(refresh->secret), access->expires_at, refresh_expires};
}

template<class Clock>
result<token_pair> token_service<Clock>::refresh(std::string_view refresh_token)
{
    if(! validation::check_api_key(refresh_token, options_.refresh_token_prefix))
        return tokens::error::invalid_refresh_token;
    auto const record = store_->find_refresh(validation::hash_secret(refresh_token));
    if(! record)
        return tokens::error::invalid_refresh_token;
    // A rotated token presented again was stolen or replayed: whoever holds
    // the family's current token may be the thief, so the family goes.
    if(record->rotated)
        return refuse_reused(record->family);
    auto const at = now();
    if(at >= record->expires)
        return tokens::error::invalid_refresh_token;
    auto const directory = directory_.load();
    user_record const* const user = directory->find_user(record->owner);
    if(! user)
    {
        // The user is gone: so is every token of theirs.
        if(auto revoked = store_->revoke_family(record->family); ! revoked)
            return revoked.error();
        return tokens::error::invalid_refresh_token;
    }

    // Everything that can fail without touching the store comes first, so
    // that a rotation is never lost to a later failure.
    auto access = issue_access(*user);
    if(! access)
        return access.error();
    auto next = new_refresh(record->family, record->owner, at);
    if(! next)
        return next.error();
    auto const refresh_expires = next->record.expires;
    auto const limits = detail::family_limits_of(options_);
    if(auto rotated = store_->rotate_refresh(record->id, std::move(next->record), limits); ! rotated)
    {
        // A concurrent refresh of the same token won: this one is a reuse.
        if(detail::is_lifecycle_error(rotated.error(), tokens::error::refresh_token_reused))
            return refuse_reused(record->family);
        return rotated.error();
    }
    auto const revoke_until = access->expires_at + revocation_margin_;
    if(auto recorded = store_->add_family_access(record->family, access->jti, revoke_until, limits); ! recorded)
    {
        // The family was revoked between the rotation and now (a reuse of
        // this token raced us): the new access token is never handed out.
        if(detail::is_lifecycle_error(recorded.error(), tokens::error::invalid_refresh_token))
        {
            if(auto revoked = store_->revoke(access->jti, revoke_until); ! revoked)
                return revoked.error();
            return tokens::error::refresh_token_reused;
        }
        return recorded.error();
    }
    return token_pair{std::move(access->token), std::move(next->secret), access->expires_at, refresh_expires};
}

template<class Clock>
result<issued_jwt> token_service<Clock>::model_session(validation::Principal const& caller, std::int64_t model_id)
{
    auto user = console_user(caller);
    if(! user)
        return user.error();
    auto endpoint = router_->find(model_id);
    if(! endpoint)
        return tokens::error::unknown_model;

    // Allowed if the caller may read or infer any version of the model (a
    // scope narrowed to one version allows a session for that version).
    auto const& model = endpoint->model();
    bool allowed = false;
    for(std::size_t v = 0; v < model.versions.size() && ! allowed; ++v)
    {
        router::ModelEndpoint const version(endpoint->registry(), endpoint->model_index(), v, true);
        auto const read = policy_->decide(caller, version, policy::ScopePolicy::models_read);
        // Another account's model does not exist for this caller (tenancy, F4).
        if(read.error() == policy::error::other_account)
            return tokens::error::unknown_model;
        allowed = read.allowed() || policy_->decide(caller, version, policy::ScopePolicy::models_infer).allowed();
    }
    if(! allowed)
        return tokens::error::not_permitted;

    jwt_request request;
    request.subject = caller.subject;
    request.cls = validation::token_class::model_session;
    request.scopes = detail::grantable_scopes(caller.scopes);
    request.bindings.model_id = model_id;
    request.bindings.account = caller.bindings.account;
    request.lifetime = options_.lifetimes.model_session;
    auto issued = issuer_->issue(request);
    if(! issued)
        return issued.error();
    // The session token joins the refresh-token family of the access token
    // it was made with: revoking the family revokes it too.
    if(auto family = caller.token_id.empty() ? std::string() : store_->find_family_of(caller.token_id);
       ! family.empty())
    {
        auto const until = issued->expires_at + revocation_margin_;
        if(auto recorded = store_->add_family_access(family, issued->jti, until, detail::family_limits_of(options_));
           ! recorded)
        {
            // The family was revoked since the caller's token was checked.
            if(detail::is_lifecycle_error(recorded.error(), tokens::error::invalid_refresh_token))
                return tokens::error::not_permitted;
            return recorded.error();
        }
    }
    return issued;
}

//----------------------------------------------------------------------------
// STACKIT instance tokens

template<class Clock>
auto token_service<Clock>::find_instance_token(std::string_view instance, std::string_view id) const
    -> result<token_ptr>
{
    auto token = store_->find_by_id(id);
    if(! token || token->cls != validation::token_class::instance || token->bindings.instance != instance
       || detail::has_expired(*token, now()))
        return tokens::error::token_not_found;
    return token;
}

template<class Clock>
result<created_token> token_service<Clock>::create_instance_token(validation::Principal const& caller,
    std::string_view instance, std::string name, std::string description, std::optional<std::chrono::seconds> ttl)
{
    auto user = instance_manager(caller, instance);
    if(! user)
        return user.error();
    if(auto checked = detail::check_token_text(name, description); ! checked)
        return checked.error();
    if(ttl && (*ttl <= std::chrono::seconds::zero() || *ttl > max_ttl))
        return tokens::error::invalid_ttl;

    validation::stored_token token;
    token.owner = caller.subject;
    token.cls = validation::token_class::instance;
    token.bindings.instance = std::string(instance);
    token.bindings.account = user->user->account;
    token.scopes = detail::grantable_scopes(caller.scopes);
    token.name = std::move(name);
    token.description = std::move(description);
    token.permanent = ! ttl;
    token.active = true;
    token.created = now();
    if(ttl)
        token.expires = token.created + *ttl;
    insert_limits limits;
    limits.max_per_instance = options_.max_instance_tokens;
    return store_new_token(std::move(token), limits, false);
}

template<class Clock>
auto token_service<Clock>::list_instance_tokens(validation::Principal const& caller, std::string_view instance) const
    -> result<std::vector<token_ptr>>
{
    if(auto user = instance_manager(caller, instance); ! user)
        return user.error();
    token_filter filter;
    filter.cls = validation::token_class::instance;
    filter.instance = std::string(instance);
    auto tokens = store_->list(filter);
    auto const at = now();
    tokens.erase(std::remove_if(tokens.begin(), tokens.end(),
                                [&](token_ptr const& t) { return detail::has_expired(*t, at); }),
                 tokens.end());
    return tokens;
}

template<class Clock>
auto token_service<Clock>::get_instance_token(validation::Principal const& caller, std::string_view instance,
                                              std::string_view id) const -> result<token_ptr>
{
    if(auto user = instance_manager(caller, instance); ! user)
        return user.error();
    return find_instance_token(instance, id);
}

template<class Clock>
auto token_service<Clock>::update_instance_token(validation::Principal const& caller, std::string_view instance,
    std::string_view id, std::optional<std::string> name, std::optional<std::string> description)
    -> result<token_ptr>
{
    if(auto user = instance_manager(caller, instance); ! user)
        return user.error();
    auto token = find_instance_token(instance, id);
    if(! token)
        return token.error();
    if(auto checked = detail::check_token_text(name, description); ! checked)
        return checked.error();
    if(! name && ! description)
        return token;
    auto updated = store_->update((*token)->id, [&](validation::stored_token& t) {
        if(name)
            t.name = *name;
        if(description)
            t.description = *description;
    });
    if(! updated)
        return updated.error();
    return find_instance_token(instance, id);
}

template<class Clock>
result<void> token_service<Clock>::delete_instance_token(validation::Principal const& caller, std::string_view instance,
                                                         std::string_view id)
{
    if(auto user = instance_manager(caller, instance); ! user)
        return user.error();
    auto token = find_instance_token(instance, id);
    if(! token)
        return token.error();
    return store_->erase((*token)->id);
}

//----------------------------------------------------------------------------
// Modelon personal API key

template<class Clock>
result<created_token> token_service<Clock>::regenerate_api_key(validation::Principal const& caller)
{
    auto owner = key_owner(caller);
    if(! owner)
        return owner.error();
    auto const& user = *owner->user;
    validation::stored_token token;
    token.owner = user.email;
    token.cls = validation::token_class::personal_key;
    token.bindings.account = user.account;
    token.scopes = detail::grantable_scopes(user.scopes);
    token.permanent = true;
    token.active = true;
    token.created = now();
    // One atomic change: the old key is gone when the new one exists.
    return store_new_token(std::move(token), {}, true);
}

template<class Clock>
auto token_service<Clock>::api_key_info(validation::Principal const& caller) const -> result<token_ptr>
{
    auto owner = key_owner(caller);
    if(! owner)
        return owner.error();
    token_filter filter;
    filter.owner = owner->user->email;
    filter.cls = validation::token_class::personal_key;
    auto keys = store_->list(filter);
    if(keys.empty())
        return tokens::error::token_not_found;
    return keys.back();
}

template<class Clock>
result<void> token_service<Clock>::delete_api_key(validation::Principal const& caller)
{
    auto owner = key_owner(caller);
    if(! owner)
        return owner.error();
    token_filter filter;
    filter.owner = owner->user->email;
    filter.cls = validation::token_class::personal_key;
    auto erased = store_->erase_if(filter);
    if(! erased)
        return erased.error();
    if(*erased == 0)
        return tokens::error::token_not_found;
    return {};
}

//----------------------------------------------------------------------------
// NeuroIO account / space / manager tokens

template<class Clock>
auto token_service<Clock>::find_managed(validation::Principal const& caller, std::string_view id_or_key) const
    -> result<token_ptr>
{
    auto scope = management_scope_of(caller);
    if(! scope)
        return scope.error();
    token_ptr token;
    if(validation::has_api_key_prefix(id_or_key, options_.api_key_prefix))
    {
        if(validation::check_api_key(id_or_key, options_.api_key_prefix))
            token = store_->find_by_secret(validation::hash_secret(id_or_key));
    }
    else
        token = store_->find_by_id(id_or_key);
    if(! token || token->cls != scope->cls || token->bindings.account != scope->account
       || token->bindings.space != scope->space || detail::has_expired(*token, now()))
        return tokens::error::token_not_found;
    return token;
}

template<class Clock>
result<created_token> token_service<Clock>::create_managed(validation::Principal const& caller, managed_kind kind,
                                                           std::optional<std::string> space, bool permanent)
{
    auto scope = management_scope_of(caller);
    if(! scope)
        return scope.error();
    // A temporary token makes no permanent one: a leaked 24-hour token must
    // not become lasting access (review F12).
    if(permanent && caller.kind == validation::credential_kind::api_key && caller.expires_at)
        return tokens::error::not_permitted;
    management_scope target = *scope;
    switch(kind)
    {
    case managed_kind::same_as_caller:
        break;
    case managed_kind::space:
    {
        // Space tokens come from the account's authority: a console user or
        // an account token.
        if(scope->cls != validation::token_class::account)
            return tokens::error::not_permitted;
        if(! space || space->empty())
            return tokens::error::invalid_request_body;
        auto const directory = directory_.load();
        auto const* account = directory->find_account(scope->account);
        if(! account || std::find(account->spaces.begin(), account->spaces.end(), *space) == account->spaces.end())
            return tokens::error::unknown_space;
        target = management_scope{validation::token_class::space, scope->account, std::move(*space)};
        break;
    }
    case managed_kind::manager:
        if(scope->cls != validation::token_class::account)
            return tokens::error::not_permitted;
        target = management_scope{validation::token_class::manager, scope->account, {}};
        break;
    default:
        return tokens::error::invalid_request_body;
    }

    validation::stored_token token;
    token.owner = caller.subject;
    token.cls = target.cls;
    token.bindings.account = std::move(target.account);
    token.bindings.space = std::move(target.space);
    token.scopes = detail::grantable_scopes(caller.scopes);
    token.permanent = permanent;
    token.active = true;
    token.created = now();
    if(! permanent)
        token.expires = token.created + options_.lifetimes.temporary;
    insert_limits limits;
    if(permanent)
        limits.max_permanent = options_.max_permanent_tokens;
    else
        limits.max_temporary = options_.max_temporary_tokens;
    return store_new_token(std::move(token), limits, false);
}

template<class Clock>
result<token_page> token_service<Clock>::list_managed(validation::Principal const& caller, std::optional<bool> permanent,
                                                      std::size_t limit, std::size_t offset) const
{
    auto scope = management_scope_of(caller);
    if(! scope)
        return scope.error();
    token_filter filter;
    filter.cls = scope->cls;
    filter.account = scope->account;
    filter.space = scope->space;
    filter.permanent = permanent;
    auto tokens = store_->list(filter);
    auto const at = now();
    tokens.erase(std::remove_if(tokens.begin(), tokens.end(),
                                [&](token_ptr const& t) { return detail::has_expired(*t, at); }),
                 tokens.end());

    if(limit == 0 || limit > options_.max_page_size)
        limit = options_.max_page_size;
    token_page page;
    page.count = tokens.size();
    if(offset < page.count)
    {
        auto const end = page.count - offset > limit ? offset + limit : page.count;
        page.results.assign(tokens.begin() + static_cast<std::ptrdiff_t>(offset),
                            tokens.begin() + static_cast<std::ptrdiff_t>(end));
        if(end < page.count)
            page.next_offset = end;
    }
    if(offset > 0)
        page.previous_offset = offset > limit ? offset - limit : 0;
    return page;
}

template<class Clock>
auto token_service<Clock>::get_managed(validation::Principal const& caller, std::string_view id_or_key) const
    -> result<token_ptr>
{
    return find_managed(caller, id_or_key);
}

template<class Clock>
auto token_service<Clock>::set_managed_active(validation::Principal const& caller, std::string_view id_or_key, bool active)
    -> result<token_ptr>
{
    auto token = find_managed(caller, id_or_key);
    if(! token)
        return token.error();
    if(auto changed = store_->set_active((*token)->id, active); ! changed)
        return changed.error();
    auto updated = store_->find_by_id((*token)->id);
    if(! updated)
        return tokens::error::token_not_found;
    return updated;
}

template<class Clock>
result<void> token_service<Clock>::delete_managed(validation::Principal const& caller, std::string_view id_or_key)
{
    auto token = find_managed(caller, id_or_key);
    if(! token)
        return token.error();
    return store_->erase((*token)->id);
}

template<class Clock>
result<std::size_t> token_service<Clock>::delete_managed_many(validation::Principal const& caller,
                                                              std::optional<bool> permanent)
{
    auto scope = management_scope_of(caller);
    if(! scope)
        return scope.error();
    token_filter filter;
    filter.cls = scope->cls;
    filter.account = scope->account;
    filter.space = scope->space;
    filter.permanent = permanent;
    if(caller.kind == validation::credential_kind::api_key && ! caller.token_id.empty())
        filter.except_id = caller.token_id;
    return store_->erase_if(filter);
}

template<class Clock>
auto token_service<Clock>::whoami(validation::Principal const& caller) const -> result<std::pair<std::string, validation::token_class>>
{
    if(caller.cls != validation::token_class::manager || caller.kind != validation::credential_kind::api_key
       || caller.bindings.account.empty())
        return tokens::error::not_permitted;
    return std::pair<std::string, validation::token_class>(caller.bindings.account, validation::token_class::manager);
}

} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
