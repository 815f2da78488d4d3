//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_IMPL_JWT_CLAIMS_HPP
#define MODELAUTH_VALIDATION_IMPL_JWT_CLAIMS_HPP

#include <modelauth/detail/ascii.hpp>
#include <modelauth/validation/error.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace modelauth {
inline namespace v0 {
namespace validation {
namespace detail {

// 2^53: the largest integer every JSON implementation represents exactly.
inline constexpr double max_numeric_date = 9007199254740992.0;

using jose::detail::scanned_value;

// The registered and binding claims modelauth reads, by position.
enum claim_index : std::size_t
{
    claim_iss,
    claim_sub,
    claim_aud,
    claim_exp,
    claim_nbf,
    claim_iat,
    claim_jti,
    claim_scope,
    claim_scp,
    claim_cls,
    claim_model_id,
    claim_instance,
    claim_account,
    claim_space,
    claim_count
};

inline constexpr std::array<std::string_view, claim_count> claim_names = {
    "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope", "scp", "cls", "model_id", "instance", "account", "space"};

inline constexpr jose::detail::member_names<claim_count> claim_members{claim_names};

using claim_set = std::array<scanned_value, claim_count>;

inline scanned_value scanned_from(boost::json::value const& v)
{
    scanned_value out;
    using kind = scanned_value::kind;
    switch(v.kind())
    {
    case boost::json::kind::string:
        out.type = kind::string;
        out.string = std::string_view(v.get_string().data(), v.get_string().size());
        break;
    case boost::json::kind::int64:
        out.type = kind::int64;
        out.int64 = v.get_int64();
        break;
    case boost::json::kind::uint64:
        out.type = kind::uint64;
        out.uint64 = v.get_uint64();
        break;
    case boost::json::kind::double_:
        out.type = kind::number_double;
        out.number = v.get_double();
        break;
    case boost::json::kind::bool_:
        out.type = kind::boolean;
        out.boolean = v.get_bool();
        break;
    case boost::json::kind::null: out.type = kind::null; break;
    case boost::json::kind::object: out.type = kind::object; break;
    case boost::json::kind::array:
        out.type = kind::array;
        for(auto const& e : v.get_array())
        {
            if(e.is_string())
                out.strings.emplace_back(e.get_string().data(), e.get_string().size());
            else
                out.all_strings = false;
        }
        break;
    }
    return out;
}

// The claims of a parsed object, in one pass over its members.
inline claim_set claim_set_from(boost::json::object const& claims)
{
    claim_set set;
    for(auto const& member : claims)
        for(std::size_t i = 0; i < claim_count; ++i)
            if(claim_names[i] == std::string_view(member.key().data(), member.key().size()))
                set[i] = scanned_from(member.value());
    return set;
}

inline std::string_view strip_application_prefix(std::string_view type) noexcept
{
    constexpr std::string_view prefix = "application/";
    if(type.size() > prefix.size() && modelauth::detail::iequals_ascii(type.substr(0, prefix.size()), prefix))
        return type.substr(prefix.size());
    return type;
}

inline result<std::string_view> optional_string(scanned_value const& v) noexcept
{
    if(! v.present())
        return std::string_view{};
    if(! v.is_string())
        return validation::error::invalid_claim_type;
    return v.string;
}

// The clock's last whole second since the epoch. It ends before 2^53
// seconds (libstdc++ counts nanoseconds in 64 bits: year 2262); later dates
// are read, and sums saturate, as its last instant.
inline constexpr std::int64_t last_clock_second
    = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::time_point::max().time_since_epoch())
          .count();

inline result<std::optional<std::chrono::system_clock::time_point>> numeric_date(scanned_value const& v) noexcept
{
    using time_point = std::chrono::system_clock::time_point;
    using kind = scanned_value::kind;
    constexpr auto max_whole = static_cast<std::uint64_t>(max_numeric_date);
    auto const at = [](std::uint64_t whole) {
        if(whole >= static_cast<std::uint64_t>(last_clock_second))
            return std::optional<time_point>(time_point::max());
        return std::optional<time_point>(time_point(std::chrono::seconds(static_cast<std::int64_t>(whole))));
    };
    switch(v.type)
    {
    case kind::absent: return std::optional<time_point>{};
    // Integers, the usual form, are taken exactly, without a trip through
    // double (which would round 2^53 + 1 down into the range).
    case kind::int64:
        if(v.int64 < 0 || static_cast<std::uint64_t>(v.int64) > max_whole)
            return validation::error::claim_out_of_range;
        return at(static_cast<std::uint64_t>(v.int64));
    case kind::uint64:
        if(v.uint64 > max_whole)
            return validation::error::claim_out_of_range;
        return at(v.uint64);
    case kind::number_double:
        if(! std::isfinite(v.number) || v.number < 0 || v.number > max_numeric_date)
            return validation::error::claim_out_of_range;
        return at(static_cast<std::uint64_t>(std::floor(v.number)));
    default: return validation::error::invalid_claim_type;
    }
}

// The dates a token carries, as check_claims read them, and the instant
// until which it is accepted (exp + leeway, or forever without exp).
struct claim_dates
{
    std::optional<std::chrono::system_clock::time_point> expires_at;
    std::optional<std::chrono::system_clock::time_point> issued_at;
    std::chrono::system_clock::time_point valid_until;
};

// `t + d` (d >= 0), or the clock's last instant where the sum would not
// fit (exp saturated to that instant, or an absurd leeway).
inline std::chrono::system_clock::time_point saturating_add(std::chrono::system_clock::time_point t,
                                                          std::chrono::seconds d) noexcept
{
    using time_point = std::chrono::system_clock::time_point;
    auto const whole = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    if(d.count() >= last_clock_second || d.count() >= last_clock_second - whole)
        return time_point::max();
    return t + d;
}

inline result<claim_dates> check_claims(claim_set const& claims, claim_rules const& rules,
                                        std::chrono::system_clock::time_point now) noexcept
{
    auto exp = numeric_date(claims[claim_exp]);
    if(! exp)
        return exp.error();
    auto nbf = numeric_date(claims[claim_nbf]);
    if(! nbf)
        return nbf.error();
    auto iat = numeric_date(claims[claim_iat]);
    if(! iat)
        return iat.error();

    if(! *exp && rules.require_expiry)
        return validation::error::missing_expiry;
    auto const valid_until
        = *exp ? saturating_add(**exp, rules.leeway) : std::chrono::system_clock::time_point::max();
    if(now >= valid_until)
        return validation::error::token_expired;
    auto const later = saturating_add(now, rules.leeway);
    if(*nbf && later < **nbf)
        return validation::error::token_not_yet_valid;
    if(*iat && **iat > later)
        return validation::error::issued_in_future;
    if(rules.max_lifetime)
    {
        if(! *exp)
            return validation::error::lifetime_too_long; // unbounded lifetime
        auto const start = *iat ? **iat : now;
        if(**exp - start > *rules.max_lifetime)
            return validation::error::lifetime_too_long;
    }

    if(! rules.audiences.empty())
    {
        auto accepted = [&](std::string_view name) {
            for(auto const& audience : rules.audiences)
                if(audience == name)
                    return true;
            return false;
        };
        auto const& aud = claims[claim_aud];
        if(! aud.present())
            return validation::error::audience_mismatch;
        if(aud.is_string())
        {
            if(! accepted(aud.string))
                return validation::error::audience_mismatch;
        }
        else
        {
            if(aud.type != scanned_value::kind::array || ! aud.all_strings)
                return validation::error::invalid_claim_type;
            bool any = false;
            for(auto name : aud.strings)
                any = any || accepted(name);
            if(! any)
                return validation::error::audience_mismatch;
        }
    }
    return claim_dates{*exp, *iat, valid_until};
}

// Fills `out` with the scopes of `scope` (space-separated) and `scp`
// (array or string), in order, duplicates and empty ones removed. The
// strings already in `out` are overwritten in place, so a vector reused from
// an earlier principal keeps their buffers; `out` ends with exactly the
// scopes. On error `out` holds unspecified scopes.
inline result<void> scopes_into(claim_set const& claims, std::vector<std::string>& out)
{
    auto const& scope = claims[claim_scope];
    auto const& scp = claims[claim_scp];
    std::size_t count = 0;
    auto add = [&](std::string_view s) {
        if(s.empty())
            return;
        for(std::size_t i = 0; i < count; ++i)
            if(out[i] == s)
                return;
        if(count < out.size())
            out[count].assign(s.data(), s.size());
        else
            out.emplace_back(s);
        ++count;
    };
    // One allocation at most for the list: an upper bound of its length first.
    std::size_t bound = scp.is_string() ? 1 : scp.strings.size();
    if(scope.is_string())
        bound += 1 + static_cast<std::size_t>(std::count(scope.string.begin(), scope.string.end(), ' '));
    out.reserve(bound);
    if(scope.present())
    {
        if(! scope.is_string())
            return validation::error::invalid_claim_type;
        std::string_view rest = scope.string;
        while(! rest.empty())
        {
            auto const space = rest.find(' ');
            add(rest.substr(0, space));
            rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
        }
    }
    if(scp.is_string())
        add(scp.string);
    else if(scp.type == scanned_value::kind::array)
    {
        if(! scp.all_strings)
            return validation::error::invalid_claim_type;
        for(auto s : scp.strings)
            add(s);
    }
    else if(scp.present())
        return validation::error::invalid_claim_type;
    out.resize(count);
    return {};
}

inline result<std::vector<std::string>> scopes_from(claim_set const& claims)
{
    std::vector<std::string> scopes;
    auto filled = scopes_into(claims, scopes);
    if(! filled)
        return filled.error();
    return scopes;
}

// Reads the class and the bindings into `cls` and `out`, assigning the
// strings in place (a reused principal keeps their buffers). On error both
// hold unspecified values.
inline result<void> bindings_into(claim_set const& claims, token_class& cls, token_bindings& out)
{
    cls = token_class::user;
    auto cls_name = optional_string(claims[claim_cls]);
    if(! cls_name)
        return cls_name.error();
    if(! cls_name->empty())
    {
        auto parsed = token_class_from_name(*cls_name);
        if(! parsed)
            return validation::error::invalid_claim_type;
        cls = *parsed;
    }

    out.model_id.reset();
    auto const& model_id = claims[claim_model_id];
    if(model_id.type == scanned_value::kind::int64)
        out.model_id = model_id.int64;
    else if(model_id.type == scanned_value::kind::uint64 && model_id.uint64 <= static_cast<std::uint64_t>(INT64_MAX))
        out.model_id = static_cast<std::int64_t>(model_id.uint64);
    else if(model_id.present())
        return validation::error::invalid_claim_type;
    for(auto index : {claim_instance, claim_account, claim_space})
    {
        auto& member = index == claim_instance ? out.instance
            : index == claim_account           ? out.account
                                               : out.space;
        auto const& v = claims[index];
        if(! v.present())
        {
            member.clear();
            continue;
        }
        if(! v.is_string())
            return validation::error::invalid_claim_type;
        member.assign(v.string.data(), v.string.size());
    }
    return {};
}

inline result<std::pair<token_class, token_bindings>> bindings_from(claim_set const& claims)
{
    std::pair<token_class, token_bindings> out;
    auto read = bindings_into(claims, out.first, out.second);
    if(! read)
        return read.error();
    return out;
}

} // namespace detail

inline result<std::optional<std::chrono::system_clock::time_point>>
numeric_date_claim(boost::json::object const& claims, std::string_view name)
{
    auto const* v = claims.if_contains(name);
    if(! v)
        return std::optional<std::chrono::system_clock::time_point>{};
    return detail::numeric_date(detail::scanned_from(*v));
}

inline result<void> check_registered_claims(boost::json::object const& claims, claim_rules const& rules,
                                            std::chrono::system_clock::time_point now)
{
    auto checked = detail::check_claims(detail::claim_set_from(claims), rules, now);
    if(! checked)
        return checked.error();
    return {};
}

inline result<std::vector<std::string>> scope_claim(boost::json::object const& claims)
{
    return detail::scopes_from(detail::claim_set_from(claims));
}

inline result<std::pair<token_class, token_bindings>> binding_claims(boost::json::object const& claims)
{
    return detail::bindings_from(detail::claim_set_from(claims));
}

inline bool media_type_matches(std::string_view typ, std::string_view expected) noexcept
{
    return modelauth::detail::iequals_ascii(detail::strip_application_prefix(typ),
                           detail::strip_application_prefix(expected));
}

} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
