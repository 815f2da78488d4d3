//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_DETAIL_JOURNAL_CODEC_HPP
#define MODELAUTH_TOKENS_DETAIL_JOURNAL_CODEC_HPP

// The token journal's lines (see journal_token_store.hpp): the header line,
// one JSON object per op (`op_line`, `read_op_line`), and the ops that
// rebuild a state (`state_ops`), which a compaction writes.

#include <modelauth/config/json_reader.hpp>
#include <modelauth/error.hpp>
#include <modelauth/jose/json.hpp>
#include <modelauth/tokens/detail/store_ops.hpp>
#include <modelauth/tokens/detail/store_state.hpp>
#include <modelauth/tokens/managed_token_store.hpp>
#include <modelauth/validation/token_store.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {
namespace managed_store {

inline constexpr std::string_view journal_format = "modelauth.tokens.journal";
inline constexpr std::int64_t journal_version = 1;
inline constexpr std::size_t journal_max_depth = 8;

inline std::string digest_hex(validation::secret_digest const& d)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(d.size() * 2, '0');
    for(std::size_t i = 0; i < d.size(); ++i)
    {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 0xf];
    }
    return out;
}

// Lower-case hex only, exactly 64 digits.
inline bool parse_digest_hex(std::string_view text, validation::secret_digest& out) noexcept
{
    if(text.size() != out.size() * 2)
        return false;
    auto nibble = [](char c) -> int {
        if(c >= '0' && c <= '9')
            return c - '0';
        if(c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        return -1;
    };
    for(std::size_t i = 0; i < out.size(); ++i)
    {
        int const hi = nibble(text[2 * i]);
        int const lo = nibble(text[2 * i + 1]);
        if(hi < 0 || lo < 0)
            return false;
        out[i] = static_cast<unsigned char>(hi << 4 | lo);
    }
    return true;
}

inline std::int64_t seconds_since_epoch(token_time t) noexcept
{
    return static_cast<std::int64_t>(
        std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count());
}

// A time from seconds since the epoch; false if the clock cannot hold it.
inline bool time_from_seconds(std::int64_t s, token_time& out) noexcept
{
    using seconds_rep = std::chrono::seconds::rep;
    constexpr auto most = std::chrono::duration_cast<std::chrono::seconds>(token_time::duration::max()).count();
    constexpr auto least = std::chrono::duration_cast<std::chrono::seconds>(token_time::duration::min()).count();
    if(s > static_cast<std::int64_t>(most) || s < static_cast<std::int64_t>(least))
        return false;
    out = token_time(std::chrono::duration_cast<token_time::duration>(
        std::chrono::seconds(static_cast<seconds_rep>(s))));
    return true;
}

inline boost::json::value time_json(std::optional<token_time> const& t)
{
    if(! t)
        return nullptr;
    return seconds_since_epoch(*t);
}

inline boost::json::array strings_json(std::vector<std::string> const& strings)
{
    boost::json::array out;
    for(auto const& s : strings)
        out.emplace_back(s);
    return out;
}

inline boost::json::object token_json(validation::stored_token const& t)
{
    boost::json::object o;
    o["id"] = t.id;
    o["hash"] = digest_hex(t.secret_hash);
    o["hint"] = t.hint;
    o["owner"] = t.owner;
    o["cls"] = validation::token_class_name(t.cls);
    o["model_id"] = t.bindings.model_id ? boost::json::value(*t.bindings.model_id) : boost::json::value(nullptr);
    o["instance"] = t.bindings.instance;
    o["account"] = t.bindings.account;
    o["space"] = t.bindings.space;
    o["scopes"] = strings_json(t.scopes);
    o["name"] = t.name;
    o["description"] = t.description;
    o["permanent"] = t.permanent;
    o["active"] = t.active;
    o["created"] = seconds_since_epoch(t.created);
    o["expires"] = time_json(t.expires);
    return o;
}

inline boost::json::object refresh_json(refresh_token_record const& r)
{
    boost::json::object o;
    o["id"] = r.id;
    o["hash"] = digest_hex(r.secret_hash);
    o["family"] = r.family;
    o["owner"] = r.owner;
    o["issued"] = seconds_since_epoch(r.issued);
    o["expires"] = seconds_since_epoch(r.expires);
    o["rotated"] = r.rotated;
    return o;
}

inline boost::json::object revocation_json(std::string const& jti, std::optional<token_time> const& until)
{
    boost::json::object o;
    o["jti"] = jti;
    o["until"] = time_json(until);
    return o;
}

struct op_json_visitor
{
    boost::json::object& o;

    void operator()(insert_op const& op) const
    {
        o["op"] = "insert";
        o["token"] = token_json(op.token);
    }
    void operator()(replace_owned_op const& op) const
    {
        o["op"] = "replace_owned";
        o["erase"] = strings_json(op.erase);
        o["token"] = token_json(op.token);
    }
    void operator()(update_op const& op) const
    {
        o["op"] = "update";
        o["token"] = token_json(op.token);
    }
    void operator()(erase_op const& op) const
    {
        o["op"] = "erase";
        o["ids"] = strings_json(op.ids);
    }
    void operator()(revoke_op const& op) const
    {
        o["op"] = "revoke";
        o["jti"] = op.jti;
        o["until"] = time_json(op.until);
    }
    void operator()(erase_revocation_op const& op) const
    {
        o["op"] = "erase_revocation";
        o["jti"] = op.jti;
    }
    void operator()(prune_op const& op) const
    {
        o["op"] = "prune";
        o["now"] = seconds_since_epoch(op.now);
    }
    void operator()(insert_refresh_op const& op) const
    {
        o["op"] = "insert_refresh";
        o["record"] = refresh_json(op.record);
        if(! op.evict.empty()) // absent otherwise: the line version 1 always had
            o["evict"] = strings_json(op.evict);
    }
    void operator()(rotate_refresh_op const& op) const
    {
        o["op"] = "rotate_refresh";
        o["old"] = op.old_id;
        o["next"] = refresh_json(op.next);
    }
    void operator()(revoke_family_op const& op) const
    {
        o["op"] = "revoke_family";
        o["family"] = op.family;
        boost::json::array revocations;
        for(auto const& r : op.jtis)
            revocations.emplace_back(revocation_json(r.first, r.second));
        o["revoke"] = std::move(revocations);
    }
    void operator()(add_family_access_op const& op) const
    {
        o["op"] = "add_family_access";
        o["family"] = op.family;
        o["jti"] = op.jti;
        o["expires"] = seconds_since_epoch(op.expires);
    }
};

// The journal line of `op`, with its newline.
inline std::string op_line(token_op const& op)
{
    boost::json::object o;
    std::visit(op_json_visitor{o}, op);
    auto line = boost::json::serialize(o);
    line += '\n';
    return line;
}

inline std::string header_line()
{
    boost::json::object o;
    o["format"] = journal_format;
    o["version"] = journal_version;
    auto line = boost::json::serialize(o);
    line += '\n';
    return line;
}

// Readers of one member of a record, each with the reader of its value.
// The reader records its first fault (a member missing, of the wrong kind,
// or unknown to the record) with its key path, and names members, never
// values.

inline void read(config::json_reader const& r, std::string& out)
{
    out = r.string();
}

inline void read(config::json_reader const& r, bool& out)
{
    out = r.boolean();
}

inline void read(config::json_reader const& r, std::optional<std::int64_t>& out)
{
    if(r.value().is_null())
        out.reset();
    else
        out = r.integer<std::int64_t>();
}

inline void read(config::json_reader const& r, token_time& out)
{
    if(! time_from_seconds(r.integer<std::int64_t>(), out))
        r.report("must be a time in seconds");
}

inline void read(config::json_reader const& r, std::optional<token_time>& out)
{
    if(r.value().is_null())
        return out.reset();
    read(r, out.emplace());
}

inline void read(config::json_reader const& r, validation::secret_digest& out)
{
    if(! parse_digest_hex(r.string(), out))
        r.report("must be a digest");
}

inline void read(config::json_reader const& r, validation::token_class& out)
{
    auto const cls = validation::token_class_from_name(r.string());
    if(cls)
        out = *cls;
    else
        r.report("must be a token class");
}

inline void read(config::json_reader const& r, std::vector<std::string>& out)
{
    out.clear();
    for(auto const& item : r.elements())
        out.emplace_back(item.string());
}

// The records within records, which `read_members` reads.
inline void read(config::json_reader const& r, validation::stored_token& t);
inline void read(config::json_reader const& r, refresh_token_record& out);
inline void read(config::json_reader const& r, std::vector<revocation>& out);

// Reads member `keys[i]` of `r` into `out.*members[i]`, each in turn.
template<class T, class... Members>
void read_members(config::json_reader const& r, T& out, std::string_view const* keys, Members T::*... members)
{
    (read(r[*keys++], out.*members), ...);
}

inline void read(config::json_reader const& r, validation::stored_token& t)
{
    using token = validation::stored_token;
    using bound = validation::token_bindings;
    std::initializer_list<std::string_view> const keys = {"id", "hash", "hint", "owner", "cls", "model_id",
        "instance", "account", "space", "scopes", "name", "description", "permanent", "active", "created", "expires"};
    r.allow_only(keys);
    read_members(r, t, keys.begin(), &token::id, &token::secret_hash, &token::hint, &token::owner, &token::cls);
    read_members(r, t.bindings, keys.begin() + 5, &bound::model_id, &bound::instance, &bound::account,
        &bound::space);
    read_members(r, t, keys.begin() + 9, &token::scopes, &token::name, &token::description, &token::permanent,
        &token::active, &token::created, &token::expires);
}

inline void read(config::json_reader const& r, refresh_token_record& out)
{
    using record = refresh_token_record;
    std::initializer_list<std::string_view> const keys = {"id", "hash", "family", "owner", "issued", "expires",
        "rotated"};
    r.allow_only(keys);
    read_members(r, out, keys.begin(), &record::id, &record::secret_hash, &record::family, &record::owner,
        &record::issued, &record::expires, &record::rotated);
}

inline void read(config::json_reader const& r, std::vector<revocation>& out)
{
    for(auto const& item : r.elements())
    {
        item.allow_only({"jti", "until"});
        revocation& entry = out.emplace_back();
        read(item["jti"], entry.first);
        read(item["until"], entry.second);
    }
}

// The op of a record whose keys are `keys`: "op", then the key of each of
// `members` in order.
template<class Op, class... Members>
token_op record_op(config::json_reader const& r, std::initializer_list<std::string_view> keys,
                   Members Op::*... members)
{
    r.allow_only(keys);
    Op op{};
    read_members(r, op, keys.begin() + 1, members...);
    return token_op(std::move(op));
}

// The op a record holds (see `read_op_line`).
inline std::optional<token_op> read_op(config::json_reader const& r)
{
    using reader = token_op (*)(config::json_reader const&);
    using json = config::json_reader const&;
    static constexpr std::pair<std::string_view, reader> ops[] = {
        {"insert", [](json r) { return record_op(r, {"op", "token"}, &insert_op::token); }},
        {"replace_owned",
            [](json r) {
                return record_op(r, {"op", "erase", "token"}, &replace_owned_op::erase, &replace_owned_op::token);
            }},
        {"update", [](json r) { return record_op(r, {"op", "token"}, &update_op::token); }},
        {"erase", [](json r) { return record_op(r, {"op", "ids"}, &erase_op::ids); }},
        {"revoke", [](json r) { return record_op(r, {"op", "jti", "until"}, &revoke_op::jti, &revoke_op::until); }},
        {"erase_revocation", [](json r) { return record_op(r, {"op", "jti"}, &erase_revocation_op::jti); }},
        {"prune", [](json r) { return record_op(r, {"op", "now"}, &prune_op::now); }},
        {"insert_refresh",
            [](json r) {
                if(! r.object().contains("evict"))
                    return record_op(r, {"op", "record"}, &insert_refresh_op::record);
                return record_op(r, {"op", "record", "evict"}, &insert_refresh_op::record, &insert_refresh_op::evict);
            }},
        {"rotate_refresh",
            [](json r) {
                return record_op(r, {"op", "old", "next"}, &rotate_refresh_op::old_id, &rotate_refresh_op::next);
            }},
        {"revoke_family",
            [](json r) {
                return record_op(r, {"op", "family", "revoke"}, &revoke_family_op::family, &revoke_family_op::jtis);
            }},
        {"add_family_access",
            [](json r) {
                return record_op(r, {"op", "family", "jti", "expires"}, &add_family_access_op::family,
                                 &add_family_access_op::jti, &add_family_access_op::expires);
            }},
    };
    auto const name = r["op"].string();
    for(auto const& [op, read] : ops)
        if(op == name)
            return read(r);
    r["op"].report("is not a known op");
    return std::nullopt;
}

// Parses one line (without its newline) into the op it records; on failure
// says what is wrong in `why`: `token.hash: must be a digest`.
inline std::optional<token_op> read_op_line(std::string_view line, std::string& why)
{
    auto parsed = jose::parse_json_object_strict(line, {}, journal_max_depth);
    if(! parsed)
    {
        why = "not one strict JSON object (" + std::string(error_name(parsed.error())) + ")";
        return std::nullopt;
    }
    boost::json::value const record(std::move(*parsed));
    config::json_fault fault;
    auto op = read_op(config::json_reader(record, {}, &fault));
    if(! fault)
        return op;
    why = fault.field + ": " + fault.problem;
    return std::nullopt;
}

// Checks the first line: the format and a version this code reads.
inline bool read_header_line(std::string_view line, std::string& why)
{
    auto parsed = jose::parse_json_object_strict(line, {}, journal_max_depth);
    if(! parsed)
    {
        why = "not a modelauth token journal (the first line is not a JSON object)";
        return false;
    }
    boost::json::value const header(std::move(*parsed));
    config::json_fault fault;
    config::json_reader const r(header, {}, &fault);
    r.allow_only({"format", "version"});
    bool const ours = r["format"].string() == journal_format;
    auto const version = r["version"].integer<std::int64_t>();
    if(fault || ! ours)
    {
        why = "not a modelauth token journal (bad first line)";
        return false;
    }
    if(version != journal_version)
    {
        why = "journal version " + std::to_string(version) + " is not supported (this is version "
            + std::to_string(journal_version) + ")";
        return false;
    }
    return true;
}

// How many records `s` holds, each one op of `state_ops(s)`: tokens,
// revocations, refresh-token records (live and rotated) and access ids.
// Constant time.
inline std::size_t record_count(token_state const& s) noexcept
{
    return s.tokens.size() + s.revocations.size() + s.refresh.by_secret.size() + s.refresh.access_family.size();
}

// Whether `op` only adds what `state_ops` writes back: at most one op of
// `state_ops` each. A replay of nothing but such ops that ends with as many
// ops to write as it read holds no history: every line is live.
inline bool adds_one_record_at_most(token_op const& op) noexcept
{
    if(auto const* refresh = std::get_if<insert_refresh_op>(&op))
        return refresh->evict.empty();
    return std::holds_alternative<insert_op>(op) || std::holds_alternative<revoke_op>(op)
        || std::holds_alternative<add_family_access_op>(op);
}

// The ops that rebuild `s` from an empty state, in a stable order.
inline std::vector<token_op> state_ops(token_state const& s)
{
    std::vector<token_op> ops;
    std::vector<token_ptr> tokens;
    tokens.reserve(s.tokens.size());
    s.tokens.for_each([&](token_ptr const& p) { tokens.push_back(p); });
    std::sort(tokens.begin(), tokens.end(), [](token_ptr const& a, token_ptr const& b) {
        return std::tie(a->created, a->id) < std::tie(b->created, b->id);
    });
    for(auto const& t : tokens)
        ops.emplace_back(insert_op{*t});

    std::vector<revocation> revocations;
    revocations.reserve(s.revocations.size());
    s.revocations.for_each([&](revocation_entry const& r) { revocations.emplace_back(r.jti, r.until); });
    std::sort(revocations.begin(), revocations.end());
    for(auto& r : revocations)
        ops.emplace_back(revoke_op{std::move(r.first), r.second});

    std::vector<std::string> families;
    s.refresh.families.for_each([&](family_entry const& f) { families.push_back(f.name); });
    std::sort(families.begin(), families.end());
    // Rotated records first: they are kept by secret only, so a live record
    // may have the id of a rotated one (a replay accepts a rotated record,
    // then a live one of the same id), and the other order would refuse
    // the rotated one as a duplicate id. Found by fuzz/journal_fuzz.cpp.
    for(auto const& name : families)
        for(auto const& rotated : s.refresh.find_family(name)->rotated)
            ops.emplace_back(insert_refresh_op{*rotated, {}});
    for(auto const& name : families)
    {
        auto const& family = *s.refresh.find_family(name);
        for(auto const& id : family.records)
            ops.emplace_back(insert_refresh_op{*s.refresh.find_id(id), {}});
        for(auto const& access : family.access)
            ops.emplace_back(add_family_access_op{name, access.first, access.second});
    }
    return ops;
}

} // namespace managed_store
} // namespace detail
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
