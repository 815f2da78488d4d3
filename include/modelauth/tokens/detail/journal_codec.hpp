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

// Reads the members of one JSON object, recording in `why` the first
// member that is missing or of the wrong kind. Names members, never values.
class json_fields
{
public:
    json_fields(boost::json::object const& object, std::string& why) noexcept
        : object_(object)
        , why_(why)
    {
    }

    // Whether the object has exactly `n` members (no unknown ones).
    bool has_members(std::size_t n)
    {
        return object_.size() == n || fail("an object has unexpected members");
    }

    bool get(std::string_view name, std::string& out)
    {
        auto const* v = object_.if_contains(name);
        if(! v || ! v->is_string())
            return wrong(name, "a string");
        out.assign(v->get_string().data(), v->get_string().size());
        return true;
    }

    bool get(std::string_view name, bool& out)
    {
        auto const* v = object_.if_contains(name);
        if(! v || ! v->is_bool())
            return wrong(name, "a boolean");
        out = v->get_bool();
        return true;
    }

    bool get(std::string_view name, std::optional<std::int64_t>& out)
    {
        auto const* v = object_.if_contains(name);
        if(v && v->is_null())
        {
            out.reset();
            return true;
        }
        if(! v || ! v->is_int64())
            return wrong(name, "an integer or null");
        out = v->get_int64();
        return true;
    }

    bool get(std::string_view name, token_time& out)
    {
        auto const* v = object_.if_contains(name);
        if(! v || ! v->is_int64() || ! time_from_seconds(v->get_int64(), out))
            return wrong(name, "a time in seconds");
        return true;
    }

    bool get(std::string_view name, std::optional<token_time>& out)
    {
        auto const* v = object_.if_contains(name);
        if(v && v->is_null())
        {
            out.reset();
            return true;
        }
        token_time t;
        if(! get(name, t))
            return false;
        out = t;
        return true;
    }

    bool get(std::string_view name, validation::secret_digest& out)
    {
        auto const* v = object_.if_contains(name);
        if(! v || ! v->is_string() || ! parse_digest_hex(v->get_string(), out))
            return wrong(name, "a digest");
        return true;
    }

    bool get(std::string_view name, validation::token_class& out)
    {
        auto const* v = object_.if_contains(name);
        std::optional<validation::token_class> cls;
        if(v && v->is_string())
            cls = validation::token_class_from_name(v->get_string());
        if(! cls)
            return wrong(name, "a token class");
        out = *cls;
        return true;
    }

    bool get(std::string_view name, std::vector<std::string>& out)
    {
        auto const* v = object_.if_contains(name);
        if(! v || ! v->is_array())
            return wrong(name, "an array of strings");
        out.clear();
        for(auto const& item : v->get_array())
        {
            if(! item.is_string())
                return wrong(name, "an array of strings");
            out.emplace_back(item.get_string().data(), item.get_string().size());
        }
        return true;
    }

    bool get(std::string_view name, boost::json::object const*& out)
    {
        auto const* v = object_.if_contains(name);
        if(! v || ! v->is_object())
            return wrong(name, "an object");
        out = &v->get_object();
        return true;
    }

    bool get(std::string_view name, boost::json::array const*& out)
    {
        auto const* v = object_.if_contains(name);
        if(! v || ! v->is_array())
            return wrong(name, "an array");
        out = &v->get_array();
        return true;
    }

    bool fail(std::string what)
    {
        if(why_.empty())
            why_ = std::move(what);
        return false;
    }

private:
    bool wrong(std::string_view name, std::string_view kind)
    {
        return fail("member \"" + std::string(name) + "\" is missing or not " + std::string(kind));
    }

    boost::json::object const& object_;
    std::string& why_;
};

inline bool read_token(boost::json::object const* o, validation::stored_token& t, std::string& why)
{
    json_fields f(*o, why);
    return f.has_members(16) && f.get("id", t.id) && f.get("hash", t.secret_hash) && f.get("hint", t.hint)
        && f.get("owner", t.owner) && f.get("cls", t.cls) && f.get("model_id", t.bindings.model_id)
        && f.get("instance", t.bindings.instance) && f.get("account", t.bindings.account)
        && f.get("space", t.bindings.space) && f.get("scopes", t.scopes) && f.get("name", t.name)
        && f.get("description", t.description) && f.get("permanent", t.permanent)
        && f.get("active", t.active) && f.get("created", t.created) && f.get("expires", t.expires);
}

inline bool read_refresh(boost::json::object const* o, refresh_token_record& r, std::string& why)
{
    json_fields f(*o, why);
    return f.has_members(7) && f.get("id", r.id) && f.get("hash", r.secret_hash) && f.get("family", r.family)
        && f.get("owner", r.owner) && f.get("issued", r.issued) && f.get("expires", r.expires)
        && f.get("rotated", r.rotated);
}

inline bool read_revocations(boost::json::array const* a, std::vector<revocation>& out, std::string& why)
{
    for(auto const& item : *a)
    {
        if(! item.is_object())
        {
            why = "member \"revoke\" holds a value that is not an object";
            return false;
        }
        json_fields f(item.get_object(), why);
        revocation r;
        if(! (f.has_members(2) && f.get("jti", r.first) && f.get("until", r.second)))
            return false;
        out.push_back(std::move(r));
    }
    return true;
}

// Parses one line (without its newline) into the op it records; on failure
// says what is wrong in `why`.
inline std::optional<token_op> read_op_line(std::string_view line, std::string& why)
{
    auto parsed = jose::parse_json_object_strict(line, {}, journal_max_depth);
    if(! parsed)
    {
        why = "not one strict JSON object (" + std::string(error_name(parsed.error())) + ")";
        return std::nullopt;
    }
    json_fields f(*parsed, why);
    std::string name;
    if(! f.get("op", name))
        return std::nullopt;
    boost::json::object const* object = nullptr;
    boost::json::array const* array = nullptr;
    if(name == "insert")
    {
        insert_op op;
        if(f.has_members(2) && f.get("token", object) && read_token(object, op.token, why))
            return token_op(std::move(op));
    }
    else if(name == "replace_owned")
    {
        replace_owned_op op;
        if(f.has_members(3) && f.get("erase", op.erase) && f.get("token", object)
           && read_token(object, op.token, why))
            return token_op(std::move(op));
    }
    else if(name == "update")
    {
        update_op op;
        if(f.has_members(2) && f.get("token", object) && read_token(object, op.token, why))
            return token_op(std::move(op));
    }
    else if(name == "erase")
    {
        erase_op op;
        if(f.has_members(2) && f.get("ids", op.ids))
            return token_op(std::move(op));
    }
    else if(name == "revoke")
    {
        revoke_op op;
        if(f.has_members(3) && f.get("jti", op.jti) && f.get("until", op.until))
            return token_op(std::move(op));
    }
    else if(name == "erase_revocation")
    {
        erase_revocation_op op;
        if(f.has_members(2) && f.get("jti", op.jti))
            return token_op(std::move(op));
    }
    else if(name == "prune")
    {
        prune_op op;
        if(f.has_members(2) && f.get("now", op.now))
            return token_op(op);
    }
    else if(name == "insert_refresh")
    {
        insert_refresh_op op;
        bool const evicts = parsed->contains("evict");
        if(f.has_members(evicts ? 3 : 2) && f.get("record", object) && read_refresh(object, op.record, why)
           && (! evicts || f.get("evict", op.evict)))
            return token_op(std::move(op));
    }
    else if(name == "rotate_refresh")
    {
        rotate_refresh_op op;
        if(f.has_members(3) && f.get("old", op.old_id) && f.get("next", object)
           && read_refresh(object, op.next, why))
            return token_op(std::move(op));
    }
    else if(name == "revoke_family")
    {
        revoke_family_op op;
        if(f.has_members(3) && f.get("family", op.family) && f.get("revoke", array)
           && read_revocations(array, op.jtis, why))
            return token_op(std::move(op));
    }
    else if(name == "add_family_access")
    {
        add_family_access_op op;
        if(f.has_members(4) && f.get("family", op.family) && f.get("jti", op.jti)
           && f.get("expires", op.expires))
            return token_op(std::move(op));
    }
    else
        f.fail("unknown op");
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
    auto const* format = parsed->if_contains("format");
    auto const* version = parsed->if_contains("version");
    if(! format || ! format->is_string() || format->get_string() != journal_format || ! version
       || ! version->is_int64() || parsed->size() != 2)
    {
        why = "not a modelauth token journal (bad first line)";
        return false;
    }
    if(version->get_int64() != journal_version)
    {
        why = "journal version " + std::to_string(version->get_int64()) + " is not supported (this is version "
            + std::to_string(journal_version) + ")";
        return false;
    }
    return true;
}

// The ops that rebuild `s` from an empty state, in a stable order.
inline std::vector<token_op> state_ops(token_state const& s)
{
    std::vector<token_op> ops;
    std::vector<token_ptr> tokens;
    for(auto const& entry : s.tokens->by_id)
        tokens.push_back(entry.second);
    std::sort(tokens.begin(), tokens.end(), [](token_ptr const& a, token_ptr const& b) {
        return std::tie(a->created, a->id) < std::tie(b->created, b->id);
    });
    for(auto const& t : tokens)
        ops.emplace_back(insert_op{*t});

    std::vector<revocation> revocations(s.revocations->begin(), s.revocations->end());
    std::sort(revocations.begin(), revocations.end());
    for(auto& r : revocations)
        ops.emplace_back(revoke_op{std::move(r.first), r.second});

    std::vector<std::string> families;
    for(auto const& entry : s.refresh->families)
        families.push_back(entry.first);
    std::sort(families.begin(), families.end());
    for(auto const& name : families)
    {
        auto const& family = find_key(s.refresh->families, name)->second;
        for(auto const& id : family.records)
            ops.emplace_back(insert_refresh_op{*find_key(s.refresh->by_id, id)->second, {}});
        for(auto const& rotated : family.rotated)
            ops.emplace_back(insert_refresh_op{*rotated, {}});
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
