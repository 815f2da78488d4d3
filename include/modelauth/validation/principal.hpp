//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_PRINCIPAL_HPP
#define MODELAUTH_VALIDATION_PRINCIPAL_HPP

/** @file
    Who is calling: the `Principal` a validated credential yields.
*/

#include <modelauth/jose/json.hpp>
#include <modelauth/jose/error.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace validation {
namespace detail {

// JSON object text parsed on first use, then kept; safe to read from many
// threads (the first parse is published with a compare-exchange).
class lazy_json_object
{
public:
    lazy_json_object() noexcept = default;

    lazy_json_object(std::string text, bool check) : text_(std::move(text))
    {
        if(check)
            (void)get();
    }

    explicit lazy_json_object(boost::json::object const& object)
        : text_(boost::json::serialize(object))
        , parsed_(new boost::json::object(object))
    {
    }

    lazy_json_object(lazy_json_object const& other) : text_(other.text_), max_depth_(other.max_depth_) {}

    lazy_json_object(lazy_json_object&& other) noexcept
        : text_(std::move(other.text_))
        , max_depth_(other.max_depth_)
        , parsed_(other.parsed_.exchange(nullptr))
    {
    }

    lazy_json_object& operator=(lazy_json_object const& other)
    {
        if(this != &other)
            *this = lazy_json_object(other);
        return *this;
    }

    lazy_json_object& operator=(lazy_json_object&& other) noexcept
    {
        if(this != &other)
        {
            delete parsed_.exchange(other.parsed_.exchange(nullptr));
            text_ = std::move(other.text_);
            max_depth_ = other.max_depth_;
        }
        return *this;
    }

    ~lazy_json_object() { delete parsed_.load(); }

    std::string const& text() const noexcept { return text_; }

    // Empties the object for reuse: the parsed form is freed, the text's
    // buffer is handed to the caller (to be filled and given back).
    // Precondition for this and adopt_checked_text: no other thread reads
    // the object (its principal is being built or recycled).
    std::string release_text() noexcept
    {
        drop_parsed();
        std::string text = std::move(text_);
        text_.clear();
        text.clear();
        return text;
    }

    // Takes `text` (already checked, nested at most `max_depth` deep) as
    // the object's text, unparsed: the parse on first use allows that depth,
    // so it cannot fail on what the check accepted.
    void adopt_checked_text(std::string&& text, std::size_t max_depth) noexcept
    {
        drop_parsed();
        text_ = std::move(text);
        max_depth_ = max_depth;
    }

    // Empties the text, keeping its buffer; frees the parsed form.
    void clear() noexcept
    {
        drop_parsed();
        text_.clear();
        max_depth_ = jose::default_max_json_depth;
    }

    boost::json::object const& get() const
    {
        if(auto const* p = parsed_.load(std::memory_order_acquire))
            return *p;
        auto fresh = std::make_unique<boost::json::object>();
        if(! text_.empty())
            *fresh = jose::parse_json_object_strict(text_, {}, max_depth_).value();
        boost::json::object* expected = nullptr;
        if(parsed_.compare_exchange_strong(expected, fresh.get(), std::memory_order_acq_rel,
                                           std::memory_order_acquire))
            return *fresh.release();
        return *expected; // another thread published first
    }

private:
    // Only for an object no other thread reads: plain loads and stores.
    void drop_parsed() noexcept
    {
        if(auto* p = parsed_.load(std::memory_order_relaxed))
        {
            parsed_.store(nullptr, std::memory_order_relaxed);
            delete p;
        }
    }

    std::string text_;
    std::size_t max_depth_ = jose::default_max_json_depth;
    mutable std::atomic<boost::json::object*> parsed_{nullptr};
};

struct principal_recycling;

} // namespace detail

/** The kind of credential a principal presented, which decides where it may go.

    The class of a JWT comes from its `cls` claim (absent: `user`); the class
    of an API key from the token store.
*/
enum class token_class : std::uint8_t
{
    /// A person's console access token, or a token from a trusted identity provider.
    user = 1,
    /// A short-lived token bound to one model (`model_id`).
    model_session,
    /// A token bound to one instance (`project/region/instance`).
    instance,
    /// A person's own API key.
    personal_key,
    /// A token of an account: all the account's models.
    account,
    /// A token of one space of an account.
    space,
    /// A manager token: identity and access management routes only.
    manager
};

/// The lower-case name of a token class, as the `cls` claim spells it.
[[nodiscard]] inline constexpr std::string_view token_class_name(token_class c) noexcept
{
    switch(c)
    {
    case token_class::user: return "user";
    case token_class::model_session: return "model_session";
    case token_class::instance: return "instance";
    case token_class::personal_key: return "personal_key";
    case token_class::account: return "account";
    case token_class::space: return "space";
    case token_class::manager: return "manager";
    }
    return "unknown";
}

/// The token class that `name` spells, if any. Case-sensitive.
[[nodiscard]] inline constexpr std::optional<token_class> token_class_from_name(std::string_view name) noexcept
{
    for(auto c : {token_class::user, token_class::model_session, token_class::instance,
                  token_class::personal_key, token_class::account, token_class::space,
                  token_class::manager})
        if(token_class_name(c) == name)
            return c;
    return std::nullopt;
}

/** What a credential is bound to. An empty member binds nothing.

    Claims: `model_id` (integer), `instance` (`project/region/instance`),
    `account`, `space`.
*/
struct token_bindings
{
    /// The one model a model session token may reach.
    std::optional<std::int64_t> model_id;
    /// The one instance an instance token may reach.
    std::string instance;
    /// The account the token belongs to.
    std::string account;
    /// The space the token belongs to.
    std::string space;

    friend bool operator==(token_bindings const& a, token_bindings const& b) noexcept
    {
        return a.model_id == b.model_id && a.instance == b.instance && a.account == b.account
            && a.space == b.space;
    }
};

/// How the principal authenticated.
enum class credential_kind : std::uint8_t
{
    /// A signed JWT.
    jwt = 1,
    /// An opaque API key looked up in a token store.
    api_key
};

/** Who is calling, as established by a validated credential.

    Immutable once built; the validator shares it as
    `std::shared_ptr<const Principal>` between its cache and the requests,
    so it is safe to read from any thread.
*/
struct Principal
{
    using clock = std::chrono::system_clock;


    /// The subject: `sub` of a JWT, the owner of an API key.
    std::string subject;

    /// The issuer (`iss`) of a JWT; empty for API keys.
    std::string issuer;

    /// The token's id: `jti` of a JWT, the store id of an API key.
    std::string token_id;

    /// When the credential stops being valid; empty for permanent API keys.
    std::optional<clock::time_point> expires_at;

    /// When the credential was issued (`iat`, or the store's creation time).
    std::optional<clock::time_point> issued_at;

    /// The granted scopes, from `scope` (space-separated) or `scp` (array),
    /// or the store; in the order given, duplicates removed.
    std::vector<std::string> scopes;

    /// The token's class.
    token_class cls = token_class::user;

    /// What the token is bound to.
    token_bindings bindings;

    /// How it authenticated.
    credential_kind kind = credential_kind::jwt;

    /// Whether `scope` is among the granted scopes (exact match).
    [[nodiscard]] bool has_scope(std::string_view scope) const noexcept
    {
        for(auto const& s : scopes)
            if(s == scope)
                return true;
        return false;
    }

    /** Every claim of a JWT as received (empty for API keys), so an
        application reads its own claims without decoding the token again.

        The validator keeps the claims' JSON text, already checked strictly;
        the object is built on the first call and kept (safe to call from
        many threads at once). Principals that are validated and never asked
        for their claims never pay for building it.
    */
    [[nodiscard]] boost::json::object const& claims() const { return claims_.get(); }

    /// The claim `name`, or null if the token has none.
    [[nodiscard]] boost::json::value const* claim(std::string_view name) const
    {
        return claims().if_contains(name);
    }

    /// The claims' JSON text as received (empty for API keys).
    [[nodiscard]] std::string const& claims_json() const noexcept { return claims_.text(); }

    /** Sets the claims from the JSON text of an object.

        @throws std::system_error (with a `jose::error`) if `json_text` is not
        one strict JSON object.
    */
    void set_claims_json(std::string json_text) { claims_ = detail::lazy_json_object(std::move(json_text), true); }

    /// Sets the claims from an object.
    void set_claims(boost::json::object const& claims) { claims_ = detail::lazy_json_object(claims); }

    /// Sets the claims from JSON text the caller has already checked as
    /// `jose::parse_json_object_strict` does with `max_depth` (the
    /// validator's own path, with its `limits.max_json_depth`): `claims()`
    /// then parses with that depth and never throws for it.
    void set_checked_claims_json(std::string json_text,
                                 std::size_t max_depth = jose::default_max_json_depth) noexcept
    {
        claims_.adopt_checked_text(std::move(json_text), max_depth);
    }

private:
    friend struct detail::principal_recycling;

    detail::lazy_json_object claims_;
};

/// A shared, immutable principal.
using principal_ptr = std::shared_ptr<Principal const>;

namespace detail {

// A few objects kept per thread for reuse, with no lock: `take_here` and
// `give_here` only ever touch the calling thread's cache. `Free` releases what
// the cache cannot keep, and everything it holds when its thread ends.
template<class T, void (*Free)(T*) noexcept, std::size_t Capacity>
class thread_cache
{
public:
    thread_cache() noexcept = default;
    thread_cache(thread_cache const&) = delete;
    thread_cache& operator=(thread_cache const&) = delete;

    ~thread_cache()
    {
        closed() = true;
        while(size_ > 0)
            Free(items_[--size_]);
    }

    // An object kept by the calling thread's cache, or null.
    static T* take_here() noexcept
    {
        auto* const own = of_this_thread();
        return own ? own->take() : nullptr;
    }

    // Keeps `p` in the calling thread's cache, or frees it.
    static void give_here(T* p) noexcept
    {
        auto* const own = of_this_thread();
        if(! own || ! own->give(p))
            Free(p);
    }

private:
    // A kept object, or null.
    T* take() noexcept
    {
        return size_ > 0 ? items_[--size_] : nullptr;
    }

    // Keeps `p`, or returns false when the cache is full.
    bool give(T* p) noexcept
    {
        if(size_ == Capacity)
            return false;
        items_[size_++] = p;
        return true;
    }

    // The calling thread's cache; null while the thread is ending (an object
    // released by another thread-local's destructor is freed, not kept).
    static thread_cache* of_this_thread() noexcept
    {
        if(closed())
            return nullptr;
        thread_local thread_cache instance;
        return &instance;
    }

    // Trivially destructible, so it stays readable to the end of the
    // thread, after the cache itself is gone.
    static bool& closed() noexcept
    {
        thread_local bool flag = false;
        return flag;
    }

    T* items_[Capacity] = {};
    std::size_t size_ = 0;
};

// The validator builds a principal for every token it verifies. Rather than
// five allocations each time (the principal, its claims text, issuer, scope
// list and the shared_ptr's control block), each thread keeps a few released
// principals, emptied but with their buffers, and a few control blocks; the
// validator refills one of each, so the steady state allocates nothing.
//
// A principal goes back to the cache of the thread that releases the last
// reference to it (any thread), after `reset` has emptied every member; a
// member added to Principal must be reset there too (the validator's tests
// check that a reused principal carries nothing of its previous token).
struct principal_recycling
{
    static constexpr std::size_t pool_capacity = 8;

    // Empties `p` to the state of a default-constructed Principal, keeping
    // the capacity of its strings and vectors.
    static void reset(Principal& p) noexcept
    {
        p.subject.clear();
        p.issuer.clear();
        p.token_id.clear();
        p.expires_at.reset();
        p.issued_at.reset();
        for(auto& scope : p.scopes)
            scope.clear();
        p.scopes.clear();
        p.cls = token_class::user;
        p.bindings.model_id.reset();
        p.bindings.instance.clear();
        p.bindings.account.clear();
        p.bindings.space.clear();
        p.kind = credential_kind::jwt;
        p.claims_.clear();
    }

    // The claims text buffer of `p` (empty, with its capacity), for the
    // validator to decode into and give back with set_checked_claims_json.
    static std::string take_claims_buffer(Principal& p) noexcept
    {
        return p.claims_.release_text();
    }

    static void free_principal(Principal* p) noexcept
    {
        delete p;
    }

    using pool = thread_cache<Principal, &free_principal, pool_capacity>;

    // The deleter of recycled principals.
    struct recycle
    {
        void operator()(Principal const* p) const noexcept
        {
            auto* q = const_cast<Principal*>(p);
            reset(*q);
            pool::give_here(q);
        }
    };

    // A principal to fill: a recycled one, or a new one.
    static std::unique_ptr<Principal, recycle> acquire()
    {
        Principal* p = pool::take_here();
        return std::unique_ptr<Principal, recycle>(p ? p : new Principal);
    }

    // Frees one control block of `Size` bytes from ::operator new; `Size`
    // only gives each block size its own cache.
    template<std::size_t Size>
    static void free_block(void* p) noexcept
    {
        ::operator delete(p);
    }

    template<std::size_t Size>
    using block_pool = thread_cache<void, &free_block<Size>, pool_capacity>;

    // The allocator of the shared_ptr's control block: blocks of the one
    // size it asks for go back to the releasing thread's cache.
    template<class T>
    struct block_allocator
    {
        static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__,
                      "control blocks come from ::operator new(size)");
        using value_type = T;

        block_allocator() noexcept = default;
        template<class U>
        block_allocator(block_allocator<U> const&) noexcept
        {
        }

        T* allocate(std::size_t n)
        {
            if(n == 1)
                if(void* p = block_pool<sizeof(T)>::take_here())
                    return static_cast<T*>(p);
            return static_cast<T*>(::operator new(n * sizeof(T)));
        }

        void deallocate(T* p, std::size_t n) noexcept
        {
            if(n == 1)
                block_pool<sizeof(T)>::give_here(p);
            else
                ::operator delete(p);
        }

        template<class U>
        bool operator==(block_allocator<U> const&) const noexcept
        {
            return true;
        }
        template<class U>
        bool operator!=(block_allocator<U> const&) const noexcept
        {
            return false;
        }
    };

    // Shares a filled principal; its memory returns to the caches when the
    // last reference goes.
    static principal_ptr share(std::unique_ptr<Principal, recycle> p)
    {
        return principal_ptr(p.release(), recycle{}, block_allocator<Principal>{});
    }
};

} // namespace detail

} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
