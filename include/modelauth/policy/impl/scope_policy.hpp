//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_POLICY_IMPL_SCOPE_POLICY_HPP
#define MODELAUTH_POLICY_IMPL_SCOPE_POLICY_HPP

#include <modelauth/config/json_reader.hpp>
#include <modelauth/detail/path_grammar.hpp>
#include <modelauth/policy/error.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <atomic>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace policy {
namespace detail {

// word = ALPHA *( ALPHA / DIGIT / "_" / "-" ), 1..max_action_word_bytes.
constexpr bool is_action_word(std::string_view w) noexcept
{
    if(w.empty() || w.size() > max_action_word_bytes)
        return false;
    if(! ((w.front() >= 'a' && w.front() <= 'z') || (w.front() >= 'A' && w.front() <= 'Z')))
        return false;
    for(char c : w)
        if(! modelauth::detail::is_alnum(c) && c != '_' && c != '-')
            return false;
    return true;
}

constexpr bool is_scope_path(std::string_view path) noexcept
{
    return modelauth::detail::is_label_path(path, max_scope_path_segments, router::max_model_name_bytes, max_scope_path_bytes);
}

// Whether the scope path `path` covers the resource path made of `pieces`
// joined by "/" (each piece itself one or more labels), on whole segments:
// the resource starts with `path`, and `path` ends where the resource does or
// at one of its "/".
inline bool covers(std::string_view path, std::string_view const* pieces, std::size_t piece_count) noexcept
{
    for(std::size_t k = 0; k < piece_count; ++k)
    {
        std::string_view const piece = pieces[k];
        if(k != 0)
        {
            if(path.empty())
                return true; // ended at the "/" before this piece
            if(path.front() != '/')
                return false;
            path.remove_prefix(1);
        }
        if(path.size() < piece.size())
            return ! path.empty() && piece.compare(0, path.size(), path) == 0 && piece[path.size()] == '/';
        if(path.compare(0, piece.size(), piece) != 0)
            return false;
        path.remove_prefix(piece.size());
    }
    return path.empty();
}

inline std::uint64_t next_policy_id() noexcept
{
    static std::atomic<std::uint64_t> last{0};
    return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

constexpr std::uint8_t class_bit(validation::token_class c) noexcept
{
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(c));
}

inline std::vector<std::string> builtin_actions()
{
    return {"models:read", "models:infer", "tokens:manage"};
}

} // namespace detail

constexpr bool is_valid_action_name(std::string_view name) noexcept
{
    std::size_t const colon = name.find(':');
    return colon != std::string_view::npos && detail::is_action_word(name.substr(0, colon))
        && detail::is_action_word(name.substr(colon + 1));
}

constexpr std::optional<scope_parts> parse_scope(std::string_view scope) noexcept
{
    std::size_t const first = scope.find(':');
    if(first == std::string_view::npos)
        return std::nullopt;
    std::size_t const second = scope.find(':', first + 1);
    scope_parts parts{scope.substr(0, second), {}};
    if(second != std::string_view::npos)
    {
        parts.path = scope.substr(second + 1);
        if(! detail::is_scope_path(parts.path))
            return std::nullopt;
    }
    if(! is_valid_action_name(parts.action))
        return std::nullopt;
    return parts;
}

//----------------------------------------------------------------------------

inline std::string policy_decision::required_scope() const
{
    std::string scope;
    if(scope_pieces_[0].empty())
        return scope;
    std::size_t size = scope_pieces_[0].size();
    for(std::size_t i = 1; i < scope_pieces_.size(); ++i)
        size += scope_pieces_[i].size() + 1;
    scope.reserve(size);
    scope += scope_pieces_[0];
    char separator = ':';
    for(std::size_t i = 1; i < scope_pieces_.size(); ++i)
    {
        if(scope_pieces_[i].empty())
            continue;
        scope += separator;
        scope += scope_pieces_[i];
        separator = '/';
    }
    return scope;
}

//----------------------------------------------------------------------------

namespace detail {

// A principal's scopes compiled by one policy, kept in the principal.
struct compiled_scopes_memo final : validation::detail::memo_node
{
    compiled_scopes_memo(std::uint64_t policy_id, compiled_scopes&& s) noexcept
        : memo_node(policy_id)
        , scopes(std::move(s))
    {
    }

    compiled_scopes scopes;
};

} // namespace detail

//----------------------------------------------------------------------------

inline ScopePolicy::ScopePolicy()
    : actions_(detail::builtin_actions())
    , id_(detail::next_policy_id())
{
}

inline std::optional<action_id> ScopePolicy::find_action(std::string_view name) const noexcept
{
    for(std::size_t i = 0; i < actions_.size(); ++i)
        if(actions_[i] == name)
            return static_cast<action_id>(i);
    return std::nullopt;
}

inline std::string_view ScopePolicy::action_name(action_id id) const noexcept
{
    auto const i = static_cast<std::size_t>(id);
    return i < actions_.size() ? std::string_view(actions_[i]) : std::string_view();
}

inline bool ScopePolicy::class_enabled(validation::token_class c) const noexcept
{
    return (disabled_classes_ & detail::class_bit(c)) == 0;
}

template<class Range>
compiled_scopes ScopePolicy::compile(Range const& scopes) const
{
    compiled_scopes compiled;
    for(auto const& element : scopes)
    {
        static_assert(std::is_convertible<decltype(element), std::string_view>::value,
            "ScopePolicy::compile: the range's elements must convert to std::string_view");
        std::string_view const scope = element;
        auto const parts = parse_scope(scope);
        if(! parts)
            continue;
        auto const action = find_action(parts->action);
        if(! action)
            continue;
        compiled_scopes::entry e{*action, static_cast<std::uint16_t>(parts->path.size()),
            static_cast<std::uint32_t>(compiled.paths_.size())};
        compiled.paths_ += parts->path;
        compiled.entries_.push_back(e);
    }
    return compiled;
}

inline bool ScopePolicy::granted(validation::Principal const& principal, action_id action,
    std::string_view const* pieces, std::size_t piece_count) const
{
    auto const* kept = validation::detail::principal_memo_access::of(principal).find(id_);
    if(kept == nullptr)
        return granted_first(principal, action, pieces, piece_count);
    return granted(static_cast<detail::compiled_scopes_memo const*>(kept)->scopes, action, pieces, piece_count);
}

inline bool ScopePolicy::granted_first(validation::Principal const& principal, action_id action,
    std::string_view const* pieces, std::size_t piece_count) const
{
    std::unique_ptr<validation::detail::memo_node> fresh =
        std::make_unique<detail::compiled_scopes_memo>(id_, compile(principal.scopes));
    auto const* kept = validation::detail::principal_memo_access::of(principal).publish(fresh);
    if(kept == nullptr) // the principal keeps no more: decide on our own copy
        kept = fresh.get();
    return granted(static_cast<detail::compiled_scopes_memo const*>(kept)->scopes, action, pieces, piece_count);
}

inline bool ScopePolicy::granted(compiled_scopes const& scopes, action_id action,
    std::string_view const* pieces, std::size_t piece_count) const noexcept
{
    char const* const paths = scopes.paths_.data();
    for(auto const& e : scopes.entries_)
    {
        if(e.action != action)
            continue;
        if(e.path_size == 0)
            return true;
        if(piece_count != 0 && detail::covers(std::string_view(paths + e.path_offset, e.path_size), pieces, piece_count))
            return true;
    }
    return false;
}

template<class Registry>
policy_decision ScopePolicy::decide(validation::Principal const& principal,
    router::basic_model_endpoint<Registry> const& endpoint, action_id action) const
{
    if(! class_enabled(principal.cls))
        return policy_decision::deny(policy::error::inactive);

    validation::token_bindings const& b = principal.bindings;
    if(principal.cls == validation::token_class::manager)
        return policy_decision::deny(policy::error::class_forbidden);
    // Tenancy: a token held to an account never reaches, nor learns of,
    // another account's model (review F4). Account and space tokens are
    // always held to theirs; the others when `isolate_accounts` is on.
    if(! b.account.empty() && endpoint.has_model() && ! endpoint.account().empty()
       && b.account != endpoint.account()
       && (isolate_accounts_ || principal.cls == validation::token_class::account || principal.cls == validation::token_class::space))
        return policy_decision::deny(policy::error::other_account);

    bool bound_here = true;
    switch(principal.cls)
    {
    case validation::token_class::manager:
        return policy_decision::deny(policy::error::class_forbidden);
    case validation::token_class::model_session:
        bound_here = b.model_id.has_value();
        break;
    case validation::token_class::instance:
        bound_here = ! b.instance.empty() && b.instance == endpoint.instance();
        break;
    case validation::token_class::space:
        bound_here = ! b.account.empty() && ! b.space.empty() && b.account == endpoint.account()
            && b.space == endpoint.space();
        break;
    case validation::token_class::account:
        bound_here = ! b.account.empty() && b.account == endpoint.account();
        break;
    case validation::token_class::user:
    case validation::token_class::personal_key:
        break;
    }
    // A model binding narrows every class (a binding never widens).
    if(b.model_id && (! endpoint.has_model() || *b.model_id != endpoint.model_id()))
        bound_here = false;
    if(! bound_here)
        return policy_decision::deny(policy::error::binding_mismatch);

    std::string_view const pieces[3] = {endpoint.prefix(), endpoint.name(), endpoint.version()};
    std::size_t const piece_count = endpoint.has_model() ? 3 : 0;
    if(granted(principal, action, pieces, piece_count))
        return policy_decision::allow();
    if(! endpoint.has_model())
        return policy_decision::missing_scope(action_name(action));
    return policy_decision::missing_scope(action_name(action), pieces[0], pieces[1],
        endpoint.explicit_version() ? pieces[2] : std::string_view());
}

inline policy_decision ScopePolicy::decide(
    validation::Principal const& principal, route_descriptor const& route, action_id action) const
{
    if(! class_enabled(principal.cls))
        return policy_decision::deny(policy::error::inactive);
    switch(principal.cls)
    {
    case validation::token_class::manager:
        if(! route.iam)
            return policy_decision::deny(policy::error::class_forbidden);
        break;
    case validation::token_class::model_session:
    case validation::token_class::instance:
        return policy_decision::deny(policy::error::class_forbidden);
    default:
        break;
    }
    if(principal.bindings.model_id)
        return policy_decision::deny(policy::error::binding_mismatch);

    if(granted(principal, action, &route.resource, route.resource.empty() ? 0 : 1))
        return policy_decision::allow();
    return policy_decision::missing_scope(action_name(action), route.resource);
}

//----------------------------------------------------------------------------

inline ScopePolicy ScopePolicy::from_json(boost::json::value const& config, std::string_view field_path)
{
    modelauth::config::json_reader const policy(config, std::string(field_path));
    policy.allow_only({"actions", "disabled_classes", "isolate_accounts"});

    builder b;
    if(auto const actions = policy.find("actions"))
    {
        // The builder names "actions[N]"; the key path goes in its place.
        modelauth::config::with_field_prefix("actions", actions->path(), [&] {
            for(auto const& action : actions->elements())
                b.add_action(action.string());
        });
    }
    if(auto const classes = policy.find("disabled_classes"))
    {
        for(auto const& name : classes->elements())
        {
            auto const cls = validation::token_class_from_name(name.string());
            if(! cls)
                name.fail("is not a token class: one of user, model_session, instance, personal_key, "
                          "account, space, manager");
            b.disable_class(*cls);
        }
    }
    if(auto const isolate = policy.find("isolate_accounts"))
        b.isolate_accounts(isolate->boolean());
    return b.build();
}

//----------------------------------------------------------------------------

inline ScopePolicy::builder::builder()
    : actions_(detail::builtin_actions())
    , added_(actions_.size(), false)
{
}

inline ScopePolicy::builder& ScopePolicy::builder::add_action(std::string_view name)
{
    std::string const field = "actions[" + std::to_string(calls_++) + "]";
    if(! is_valid_action_name(name))
        throw configuration_error(field,
            "is not an action: <namespace>:<verb>, two words of a letter and then letters, digits, "
            "'_' or '-', 32 bytes at most each");
    for(std::size_t i = 0; i < actions_.size(); ++i)
    {
        if(actions_[i] != name)
            continue;
        if(added_[i])
            throw configuration_error(field, "\"" + std::string(name) + "\" is listed twice");
        added_[i] = true;
        return *this;
    }
    if(actions_.size() >= max_actions)
        throw configuration_error(field, "is one action too many: a policy holds at most 4096");
    actions_.emplace_back(name);
    added_.push_back(true);
    return *this;
}

inline ScopePolicy::builder& ScopePolicy::builder::disable_class(validation::token_class c) noexcept
{
    disabled_classes_ = static_cast<std::uint8_t>(disabled_classes_ | detail::class_bit(c));
    return *this;
}

inline ScopePolicy::builder& ScopePolicy::builder::isolate_accounts(bool on) noexcept
{
    isolate_accounts_ = on;
    return *this;
}

inline ScopePolicy ScopePolicy::builder::build() const
{
    ScopePolicy policy;
    policy.actions_ = actions_;
    policy.disabled_classes_ = disabled_classes_;
    policy.isolate_accounts_ = isolate_accounts_;
    return policy;
}

} // namespace policy
} // namespace v0
} // namespace modelauth

#endif
