//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_IMPL_ERROR_HPP
#define MODELAUTH_IMPL_ERROR_HPP

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <type_traits>

namespace modelauth {
inline namespace v0 {
namespace detail {

// One row per error code: the single table that says what each code means.
// Messages are fixed ASCII texts restricted to the characters RFC 6750
// allows in error_description (%x20-21 / %x23-5B / %x5D-7E), so a message can
// be put in a WWW-Authenticate header as it is.
struct error_info
{
    int value;
    std::string_view name;
    char const* message;
    unsigned status;
    std::string_view rfc6750;
    condition cond;
};

inline constexpr std::string_view invalid_request = "invalid_request";
inline constexpr std::string_view invalid_token = "invalid_token";
inline constexpr std::string_view insufficient_scope = "insufficient_scope";
inline constexpr std::string_view no_rfc6750_error{};

template<class Enum>
struct error_table;

// Each row sits at index value - 1: checked at compile time, so a row can
// never be looked up under another code's value.
template<class Enum>
constexpr bool rows_are_dense() noexcept
{
    std::size_t i = 0;
    for(auto const& row : error_table<Enum>::rows)
        if(row.value != static_cast<int>(++i))
            return false;
    return true;
}

// The base of every modelauth code category: it answers for its table, so
// the functions below need no list of the areas' enums (the core does not
// know the lifecycle's codes, yet maps them).
class table_category : public std::error_category
{
public:
    constexpr table_category(error_info const* rows, std::size_t count, bool challenge_invalid_request) noexcept
        : rows_(rows)
        , count_(static_cast<int>(count))
        , challenge_invalid_request_(challenge_invalid_request)
    {
    }

    // The row of `value`, or null: rows are dense (checked at compile time).
    error_info const* find(int value) const noexcept
    {
        return value >= 1 && value <= count_ ? &rows_[value - 1] : nullptr;
    }

    // Whether this category's `invalid_request` codes carry a Bearer
    // challenge (a credential sent wrongly) or not (a bad API body).
    bool challenges_invalid_request() const noexcept { return challenge_invalid_request_; }

protected:
    ~table_category() = default;

private:
    error_info const* rows_;
    int count_;
    bool challenge_invalid_request_;
};

template<class Table, class = void>
struct table_challenges_invalid_request : std::false_type {};

template<class Table>
struct table_challenges_invalid_request<Table, std::void_t<decltype(Table::challenge_invalid_request)>>
    : std::bool_constant<Table::challenge_invalid_request> {};

template<class Enum>
class enum_category final : public table_category
{
public:
    constexpr enum_category() noexcept
        : table_category(error_table<Enum>::rows, std::size(error_table<Enum>::rows),
                         table_challenges_invalid_request<error_table<Enum>>::value)
    {
    }

    char const* name() const noexcept override
    {
        return error_table<Enum>::category_name;
    }

    std::string message(int value) const override
    {
        auto const* row = find(value);
        return row ? row->message : "unknown modelauth error";
    }

    std::error_condition default_error_condition(int value) const noexcept override
    {
        auto const* row = find(value);
        if(! row)
            return std::error_condition(value, *this);
        return make_error_condition(row->cond);
    }
};

class condition_category_impl final : public std::error_category
{
public:
    constexpr condition_category_impl() noexcept = default;

    char const* name() const noexcept override
    {
        return "modelauth";
    }

    std::string message(int value) const override
    {
        switch(static_cast<condition>(value))
        {
        case condition::unauthenticated: return "the request is not authenticated";
        case condition::forbidden: return "the request is not allowed";
        case condition::not_found: return "the requested resource does not exist";
        case condition::bad_request: return "the request is malformed";
        case condition::redirect: return "the request must be redirected";
        case condition::invalid_configuration: return "the server configuration is invalid";
        case condition::conflict: return "the request conflicts with the current state";
        case condition::too_many_requests: return "too many requests";
        case condition::unavailable: return "the service is unavailable";
        }
        return "unknown modelauth condition";
    }
};

// Namespace-scope inline objects with constexpr constructors are constant-
// initialized: reading them needs no guard, unlike a function-local static,
// so make_error_code costs no more than building the code.
template<class Enum>
inline enum_category<Enum> const category_instance{};

inline condition_category_impl const condition_category_instance{};

template<class Enum>
constexpr std::error_category const& category_of() noexcept
{
    return category_instance<Enum>;
}

// The modelauth categories met so far, by address: a hash set with open
// addressing, whose slot the address picks, so a code's category is found by
// one pointer comparison as a rule (as a fold over a fixed list of enums
// would), and the dynamic_cast that recognises one of ours runs once per
// category; only codes of other libraries' categories pay it each time.
// Slots are filled once and never emptied, so a probe may stop at an empty
// one. Constant-initialized: reading needs no guard.
inline constexpr std::size_t known_category_slots = 16;
inline std::atomic<table_category const*> known_categories[known_category_slots]{};

inline table_category const* as_table_category(std::error_category const& category) noexcept
{
    std::size_t const start = (reinterpret_cast<std::uintptr_t>(&category) >> 3) % known_category_slots;
    for(std::size_t i = 0; i != known_category_slots; ++i)
    {
        auto const* known = known_categories[(start + i) % known_category_slots].load(std::memory_order_acquire);
        if(known == &category)
            return known;
        if(known == nullptr)
            break;
    }
    auto const* ours = dynamic_cast<table_category const*>(&category);
    if(ours != nullptr)
        for(std::size_t i = 0; i != known_category_slots; ++i)
        {
            auto& slot = known_categories[(start + i) % known_category_slots];
            table_category const* expected = nullptr;
            if(slot.compare_exchange_strong(expected, ours, std::memory_order_acq_rel) || expected == ours)
                break;
        }
    return ours;
}

inline error_info const* find_info(std::error_code const& ec) noexcept
{
    auto const* category = as_table_category(ec.category());
    return category ? category->find(ec.value()) : nullptr;
}

} // namespace detail

inline std::error_category const& condition_category() noexcept
{
    return detail::condition_category_instance;
}

inline std::error_condition make_error_condition(condition c) noexcept
{
    return std::error_condition(static_cast<int>(c), condition_category());
}

inline unsigned http_status(std::error_code const& ec) noexcept
{
    auto const* row = detail::find_info(ec);
    return row ? row->status : 500;
}

inline std::string_view rfc6750_error(std::error_code const& ec) noexcept
{
    auto const* row = detail::find_info(ec);
    return row ? row->rfc6750 : std::string_view{};
}

inline bool needs_bearer_challenge(std::error_code const& ec) noexcept
{
    auto const* row = detail::find_info(ec);
    // A credential the request carries wrongly (malformed, twice, in two
    // places) is an RFC 6750 `invalid_request` of the Bearer scheme: it is
    // challenged like any other authentication failure. A bad body or
    // parameter of an API call is not.
    return row
        && (row->cond == condition::unauthenticated
            || row->rfc6750 == detail::insufficient_scope
            || (row->rfc6750 == detail::invalid_request
                && static_cast<detail::table_category const&>(ec.category())
                       .challenges_invalid_request()));
}

inline std::string_view error_name(std::error_code const& ec) noexcept
{
    auto const* row = detail::find_info(ec);
    return row ? row->name : std::string_view("unknown");
}

} // namespace v0
} // namespace modelauth

#endif
