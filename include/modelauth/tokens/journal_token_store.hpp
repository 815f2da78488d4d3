//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_JOURNAL_TOKEN_STORE_HPP
#define MODELAUTH_TOKENS_JOURNAL_TOKEN_STORE_HPP

/** @file
    A ManagedTokenStore persisted in a write-ahead journal, so that a restart
    keeps every token, revocation and refresh-token family.

    The journal is `<state_dir>/tokens.journal`, text, one JSON object per
    line:
    - line 1 names the format: `{"format":"modelauth.tokens.journal","version":1}`;
    - every other line is one mutation, e.g.
      `{"op":"revoke","jti":"...","until":1767225600}`. Digests are written
      in lower-case hex, times as integer seconds since the Unix epoch; a
      secret never appears (the store never sees one).

    A mutation is appended with `write(2)` and made durable with `fsync(2)`
    *before* it is published in memory: a change a caller was told succeeded
    survives a crash, and a change whose write or fsync failed
    (`tokens::error::storage_failure`) is not seen by anyone. Opening
    replays every line: a last line without its newline (a crash in the
    middle of a write) is dropped and truncated away; any other bad line
    refuses to open, naming the file and the line.

    `compact()` rewrites the journal as the current state (a temporary
    file, fsync, rename over the journal, fsync of the directory), which
    keeps the state and drops the history. The store compacts by itself
    after a change once the journal is more than twice the size of the
    state it rebuilds (`journal_options::auto_compact`), and when it opens
    such a journal; `prune` (e.g. on a timer) keeps the state itself from
    growing with expired records.

    Files are opened with `O_NOFOLLOW` (the temporary file also `O_EXCL`,
    after removing a stale one), and an existing state directory that group
    or others may write is refused: it holds the journal and, in a server,
    the issuer's private keys.

    Because a line is read back exactly as it will be replayed, the state in
    memory always equals the state a restart rebuilds: times are kept to
    whole seconds (rounded down), and text that is not valid UTF-8 (a token
    name, say) is refused with `tokens::error::invalid_request_body`.

    POSIX file I/O; Linux only.
*/

#if ! defined(__linux__)
#error "modelauth/tokens/journal_token_store.hpp: JournalTokenStore uses Linux file I/O (open, write, fsync, flock, rename); on this platform use InMemoryTokenStore or implement ManagedTokenStore"
#endif

#include <modelauth/jose/json.hpp>
#include <modelauth/tokens/detail/store_core.hpp>
#include <modelauth/tokens/managed_token_store.hpp>
#include <modelauth/tokens/error.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {

/// Settings of `JournalTokenStore::open`.
struct journal_options
{
    /** Whether to rewrite the journal as the replayed state right after
        opening it (`JournalTokenStore::compact`), so that the history is not
        replayed again at the next start.
    */
    bool compact_on_open = false;

    /** Whether the store compacts the journal by itself, after a change and
        at open, once it is larger than `auto_compact_min_bytes` and more
        than twice the size of the state it rebuilds (as it was after the
        last compaction, or at open). A failed automatic compaction changes
        nothing (see `compact`) and is retried after a later change.
    */
    bool auto_compact = true;

    /// Below this size the journal is never compacted automatically.
    std::uint64_t auto_compact_min_bytes = 1u << 20;

    /** Fault injection, for tests of a failing disk: called before each
        `write(2)` and `fsync(2)` of a change, and of a compaction, with
        `"write"` or `"fsync"`; a non-zero return is taken as the errno of
        that call, which is then not made. Empty (the default): never used.
    */
    std::function<int(std::string_view operation)> inject_failure = {};

    /** For tests of two processes racing a compaction: called by `open`
        between opening the journal and locking it. Empty: never used.
    */
    std::function<void()> before_lock = {};
};

namespace detail {
namespace managed_store {
class file_journal;
} // namespace managed_store
} // namespace detail

/** A ManagedTokenStore whose every change is first written to a journal
    file: see the file comment.

    Reads take no lock, exactly as `InMemoryTokenStore`'s; writers are
    serialised by a mutex held across the journal's write and fsync. One
    store at a time may have a state directory open: the journal is locked
    (`flock`) for as long as the store lives, and a second `open`, from this
    process or another, fails.

    After a failed fsync the kernel may have dropped the written pages, so the
    journal can no longer be trusted to match memory: the store is then
    unhealthy (`healthy()` false) and refuses every further change with
    `tokens::error::storage_failure` until `compact()` succeeds (which
    rewrites the journal from memory) or the store is reopened; except that
    a revocation, a deletion, a deactivation or a family revocation still
    takes effect in memory at once (fail closed) and answers
    `storage_failure` to say it is not durable (a restart before a
    successful `compact()` loses it). A failed write is undone (the file is
    truncated back) and does not block later changes, unless it was such a
    change, which leaves the store unhealthy as well.

    One store at a time runs on a journal: `open` locks the file it opened
    and then checks that it is still the file at the journal's path (a
    compaction replaces it), and tries again if not, so that a second
    store can never run on a journal a compaction left behind.

    The epoch (`TokenStore::epoch`) starts above 0 at every open.

    Thread safety: safe to share between threads.
*/
class JournalTokenStore final : public detail::managed_store::store_overrides<JournalTokenStore>
{
public:
    /// The journal's file name inside the state directory.
    static constexpr std::string_view journal_file_name = "tokens.journal";

    /** Opens the store persisted in `state_dir`, creating the directory
        (mode 0700, its missing parents with the default mode) and an empty
        journal (mode 0600) if there is none.

        Replays the journal (see the file comment). An existing journal with
        more permissions than 0600 is restricted to 0600.

        @param why If not null, receives on failure a message for an
        operator naming the file (and, for a bad line, the line number and
        what is wrong with it): `"/var/lib/app/tokens.journal:17: member
        \"hash\" is missing or not a digest"`. It never contains token
        data.

        @return The store, or `tokens::error::storage_failure` if the
        directory or the journal cannot be created, read, locked or written,
        or the journal holds a bad line.

        Complexity: linear in the size of the journal.
        Exception safety: strong; throws only `std::bad_alloc`.
    */
    [[nodiscard]] static result<std::shared_ptr<JournalTokenStore>> open(
        std::filesystem::path state_dir, journal_options options = {}, std::string* why = nullptr);

    ~JournalTokenStore() override;

    /** Rewrites the journal as the current state: to
        `<state_dir>/tokens.journal.tmp`, fsync, rename over the journal,
        fsync of the directory. Writers wait meanwhile; readers do not.

        @return Nothing, or `tokens::error::storage_failure` (the journal
        is then the one before, unchanged, unless only the final fsync of
        the directory failed: see the class comment).

        Complexity: linear in the size of the state.
        Exception safety: strong.
    */
    [[nodiscard]] result<void> compact();

    /// The journal's path: `<state_dir>/tokens.journal`.
    [[nodiscard]] std::filesystem::path const& path() const noexcept;

    /// The journal's size in bytes, to decide when to `compact()`.
    [[nodiscard]] std::uint64_t journal_bytes() const noexcept;

    /** What went wrong in the last failed write, fsync or compaction, for a
        log: `"<file>: fsync: Input/output error"`; empty if nothing did.
        Never contains token data.
    */
    [[nodiscard]] std::string last_storage_error() const;

private:
    explicit JournalTokenStore(std::unique_ptr<detail::managed_store::file_journal> journal);

    friend class detail::managed_store::store_overrides<JournalTokenStore>;

    detail::managed_store::file_journal& journal() noexcept;
    bool do_healthy() const noexcept override;

    std::unique_ptr<detail::managed_store::file_journal> journal_;
};

} // namespace tokens
} // namespace v0
} // namespace modelauth

//----------------------------------------------------------------------------
// Implementation

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {
namespace managed_store {

//----------------------------------------------------------------------------
// Lines <-> ops

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

//----------------------------------------------------------------------------
// POSIX file I/O

class unique_fd
{
public:
    explicit unique_fd(int fd = -1) noexcept : fd_(fd) {}
    unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& other) noexcept
    {
        if(this != &other)
        {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    unique_fd(unique_fd const&) = delete;
    unique_fd& operator=(unique_fd const&) = delete;
    ~unique_fd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }

    void reset() noexcept
    {
        if(fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_;
};

inline std::string errno_text(std::filesystem::path const& file, char const* operation, int error)
{
    return file.string() + ": " + operation + ": " + std::system_category().message(error);
}

// Writes all of `data`; returns 0 or the errno of the failure.
inline int write_fully(int fd, std::string_view data) noexcept
{
    while(! data.empty())
    {
        auto const n = ::write(fd, data.data(), data.size());
        if(n < 0)
        {
            if(errno == EINTR)
                continue;
            return errno;
        }
        if(n == 0)
            return EIO;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
}

// fsync(2), retried on EINTR; returns 0 or the errno of the failure.
inline int sync_fully(int fd) noexcept
{
    while(::fsync(fd) != 0)
        if(errno != EINTR)
            return errno;
    return 0;
}

// Reads the whole file from offset 0; returns 0 or the errno of the failure.
inline int read_fully(int fd, std::string& out)
{
    out.clear();
    char buffer[65536];
    for(;;)
    {
        auto const n = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(out.size()));
        if(n < 0)
        {
            if(errno == EINTR)
                continue;
            return errno;
        }
        if(n == 0)
            return 0;
        out.append(buffer, static_cast<std::size_t>(n));
    }
}

inline int sync_directory(std::filesystem::path const& dir) noexcept
{
    unique_fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if(! fd)
        return errno;
    return sync_fully(fd.get());
}

// The journal file of a JournalTokenStore, the `Journal` of its
// store_core: `stage`, `commit`, `diverged` and `published` are called
// under the core's write lock, `rewrite` too (through `with_write_lock`).
class file_journal
{
public:
    file_journal(std::filesystem::path dir, std::filesystem::path file, unique_fd fd, std::uint64_t size,
                 journal_options const& options)
        : dir_(std::move(dir))
        , file_(std::move(file))
        , fd_(std::move(fd))
        , size_(size)
        , live_size_(size)
        , auto_compact_(options.auto_compact)
        , auto_compact_min_bytes_(options.auto_compact_min_bytes)
        , inject_failure_(options.inject_failure)
    {
    }

    // Serialises `op` and reads it back into `op`, so that what is applied
    // in memory is exactly what a replay will apply; `storage_failure` (op
    // read back all the same) while the journal is poisoned.
    result<void> stage(token_op& op)
    {
        staged_ = op_line(op);
        std::string why;
        auto read_back = read_op_line(std::string_view(staged_).substr(0, staged_.size() - 1), why);
        if(! read_back) // e.g. a name that is not valid UTF-8
            return make_lifecycle_error(tokens::error::invalid_request_body);
        op = std::move(*read_back);
        if(poisoned_.load(std::memory_order_relaxed))
            return make_lifecycle_error(tokens::error::storage_failure);
        return {};
    }

    // Appends the staged line and fsyncs. On failure the file is truncated
    // back; after a failed fsync the journal is poisoned.
    result<void> commit()
    {
        if(int const error = call("write", [&] { return write_fully(fd_.get(), staged_); }))
            return fail(errno_text(file_, "write", error), false);
        if(int const error = call("fsync", [&] { return sync_fully(fd_.get()); }))
            return fail(errno_text(file_, "fsync", error), true);
        size_.fetch_add(staged_.size(), std::memory_order_relaxed);
        return {};
    }

    // Memory holds a change the journal lacks: no change may be appended
    // until a rewrite (which writes memory) succeeds.
    void diverged() noexcept { poisoned_.store(true, std::memory_order_relaxed); }

    // After a durable change: compacts once the journal is more than twice
    // the state it rebuilds. A failure is only recorded (last_error).
    void published(token_state const& state)
    {
        if(compaction_due())
        {
            auto rewritten = rewrite(state);
            static_cast<void>(rewritten);
        }
    }

    // Replaces the journal by one that rebuilds `state`. The new file is
    // locked before it takes the journal's name: the lock never lapses.
    result<void> rewrite(token_state const& state) { return rewrite(text_of(state)); }

    // The journal that rebuilds `state`.
    static std::string text_of(token_state const& state)
    {
        std::string text = header_line();
        for(auto const& op : state_ops(state))
            text += op_line(op);
        return text;
    }

    // Compacts at open if the journal is mostly history: measures the state
    // it rebuilds and rewrites it, from the same text, when that is due.
    void compact_if_due(token_state const& state)
    {
        auto text = text_of(state);
        live_size_ = text.size();
        if(compaction_due())
            static_cast<void>(rewrite(text));
    }

    // Replaces the journal by `text`.
    result<void> rewrite(std::string const& text)
    {
        auto const temporary = std::filesystem::path(file_).concat(".tmp");
        // A stale temporary file (or a planted link: unlink never follows
        // one) goes first; the new one is ours alone.
        if(::unlink(temporary.c_str()) != 0 && errno != ENOENT)
            return fail_rewrite(errno_text(temporary, "unlink", errno), temporary);
        unique_fd fd(::open(temporary.c_str(),
                            O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if(! fd)
            return fail_rewrite(errno_text(temporary, "open", errno), temporary);
        if(::fchmod(fd.get(), 0600) != 0)
            return fail_rewrite(errno_text(temporary, "fchmod", errno), temporary);
        if(int const error = call("write", [&] { return write_fully(fd.get(), text); }))
            return fail_rewrite(errno_text(temporary, "write", error), temporary);
        if(int const error = call("fsync", [&] { return sync_fully(fd.get()); }))
            return fail_rewrite(errno_text(temporary, "fsync", error), temporary);
        if(::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
            return fail_rewrite(errno_text(temporary, "flock", errno), temporary);
        if(::rename(temporary.c_str(), file_.c_str()) != 0)
            return fail_rewrite(errno_text(file_, "rename", errno), temporary);
        // The new file is the journal now, whether or not the rename is durable yet.
        fd_ = std::move(fd);
        size_.store(text.size(), std::memory_order_relaxed);
        live_size_ = text.size();
        if(int const error = sync_directory(dir_))
        {
            poisoned_.store(true, std::memory_order_relaxed);
            set_error(errno_text(dir_, "fsync", error));
            return make_lifecycle_error(tokens::error::storage_failure);
        }
        poisoned_.store(false, std::memory_order_relaxed);
        return {};
    }

    // Whether an automatic compaction is due now.
    bool compaction_due() const noexcept
    {
        auto const size = this->size();
        return auto_compact_ && size > auto_compact_min_bytes_ && size / 2 > live_size_;
    }

    std::filesystem::path const& file() const noexcept { return file_; }
    std::uint64_t size() const noexcept { return size_.load(std::memory_order_relaxed); }
    bool durable() const noexcept { return ! poisoned_.load(std::memory_order_relaxed); }
    std::string last_error() const
    {
        std::lock_guard<std::mutex> lock(error_mutex_);
        return last_error_;
    }

private:
    // Runs the I/O `f` unless a test injects a failure for `operation`.
    template<class F>
    int call(char const* operation, F&& f)
    {
        if(inject_failure_)
            if(int const error = inject_failure_(operation))
                return error;
        return f();
    }

    void set_error(std::string text)
    {
        std::lock_guard<std::mutex> lock(error_mutex_);
        last_error_ = std::move(text);
    }

    result<void> fail(std::string text, bool poison)
    {
        set_error(std::move(text));
        if(::ftruncate(fd_.get(), static_cast<off_t>(size())) != 0 || poison)
            poisoned_.store(true, std::memory_order_relaxed);
        return make_lifecycle_error(tokens::error::storage_failure);
    }

    result<void> fail_rewrite(std::string text, std::filesystem::path const& temporary)
    {
        set_error(std::move(text));
        ::unlink(temporary.c_str());
        return make_lifecycle_error(tokens::error::storage_failure);
    }

    std::filesystem::path dir_;
    std::filesystem::path file_;
    unique_fd fd_;
    std::atomic<std::uint64_t> size_;
    std::uint64_t live_size_; // the size of the last rewrite (or of the state at open)
    bool auto_compact_;
    std::uint64_t auto_compact_min_bytes_;
    std::function<int(std::string_view)> inject_failure_;
    std::atomic<bool> poisoned_{false}; // read by durable() without the write lock
    std::string staged_;
    mutable std::mutex error_mutex_;
    std::string last_error_; // guarded by error_mutex_: read without the write lock
};

// Creates `dir` (mode 0700, its parents with the default mode) if it does
// not exist, and refuses a directory that group or others may write;
// returns an empty string or what went wrong (naming the directory, never
// what it holds).
inline std::string make_state_directory(std::filesystem::path const& dir)
{
    std::error_code ec;
    auto const status = std::filesystem::status(dir, ec);
    if(status.type() == std::filesystem::file_type::not_found)
    {
        if(dir.has_parent_path())
        {
            std::filesystem::create_directories(dir.parent_path(), ec);
            if(ec)
                return dir.parent_path().string() + ": create_directories: " + ec.message();
        }
        if(::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
            return errno_text(dir, "mkdir", errno);
    }
    else if(ec)
        return dir.string() + ": stat: " + ec.message();
    struct ::stat st{};
    if(::stat(dir.c_str(), &st) != 0)
        return errno_text(dir, "stat", errno);
    if(! S_ISDIR(st.st_mode))
        return dir.string() + ": not a directory";
    if((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return dir.string() + ": group or others may write it (it holds the token journal and keys);"
                              " make it private, e.g. chmod 700";
    return {};
}

} // namespace managed_store
} // namespace detail

//----------------------------------------------------------------------------

inline JournalTokenStore::JournalTokenStore(std::unique_ptr<detail::managed_store::file_journal> journal)
    : journal_(std::move(journal))
{
}

inline JournalTokenStore::~JournalTokenStore() = default;

inline result<std::shared_ptr<JournalTokenStore>> JournalTokenStore::open(
    std::filesystem::path state_dir, journal_options options, std::string* why)
{
    namespace store_detail = detail::managed_store;
    auto const refuse = [why](std::string text) -> result<std::shared_ptr<JournalTokenStore>> {
        if(why)
            *why = std::move(text);
        return store_detail::make_lifecycle_error(tokens::error::storage_failure);
    };

    if(state_dir.empty())
        return refuse("the token state directory is an empty path");
    state_dir = state_dir.lexically_normal();
    if(! state_dir.has_filename() && state_dir.has_parent_path()) // "dir/"
        state_dir = state_dir.parent_path();
    if(auto problem = store_detail::make_state_directory(state_dir); ! problem.empty())
        return refuse(std::move(problem));

    auto file = state_dir / journal_file_name;
    store_detail::unique_fd fd;
    struct ::stat st{};
    // Lock the file, then make sure it is still the journal: a compaction
    // of another store may have renamed a new file over the one we opened
    // and released the old one's lock. Then open the new one.
    for(int attempt = 0;; ++attempt)
    {
        fd = store_detail::unique_fd(::open(file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
        if(! fd)
            return refuse(errno == ELOOP ? file.string() + ": is a symbolic link"
                                         : store_detail::errno_text(file, "open", errno));
        if(options.before_lock)
            options.before_lock();
        if(::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
            return refuse(errno == EWOULDBLOCK ? file.string() + ": in use by another JournalTokenStore"
                                               : store_detail::errno_text(file, "flock", errno));
        if(::fstat(fd.get(), &st) != 0)
            return refuse(store_detail::errno_text(file, "fstat", errno));
        struct ::stat at_path{};
        bool const present = ::lstat(file.c_str(), &at_path) == 0;
        if(! present && errno != ENOENT)
            return refuse(store_detail::errno_text(file, "stat", errno));
        if(present && at_path.st_dev == st.st_dev && at_path.st_ino == st.st_ino)
            break;
        if(attempt == 8)
            return refuse(file.string() + ": keeps being replaced while it is opened");
    }
    if(! S_ISREG(st.st_mode))
        return refuse(file.string() + ": not a regular file");
    if((st.st_mode & 0177) != 0 && ::fchmod(fd.get(), 0600) != 0)
        return refuse(store_detail::errno_text(file, "fchmod", errno));
    // A temporary file left by a compaction that did not finish.
    ::unlink(std::filesystem::path(file).concat(".tmp").c_str());

    std::string text;
    if(int const error = store_detail::read_fully(fd.get(), text))
        return refuse(store_detail::errno_text(file, "read", error));

    store_detail::state_editor editor{store_detail::token_state{}};
    std::size_t line_number = 0;
    std::size_t complete = 0; // bytes of complete lines
    while(complete < text.size())
    {
        auto const end = text.find('\n', complete);
        if(end == std::string::npos)
            break; // a torn last line
        ++line_number;
        std::string_view const line(text.data() + complete, end - complete);
        std::string problem;
        if(line_number == 1)
        {
            if(! store_detail::read_header_line(line, problem))
                return refuse(file.string() + ":1: " + problem);
        }
        else
        {
            auto op = store_detail::read_op_line(line, problem);
            if(op)
            {
                auto applied = store_detail::apply_change(editor, *op);
                if(! applied)
                    problem = "the change does not apply to the state before it ("
                        + std::string(error_name(applied.error())) + ")";
            }
            if(! problem.empty())
                return refuse(file.string() + ":" + std::to_string(line_number) + ": " + problem);
        }
        complete = end + 1;
    }

    if(complete < text.size())
    {
        if(::ftruncate(fd.get(), static_cast<off_t>(complete)) != 0)
            return refuse(store_detail::errno_text(file, "ftruncate", errno));
        if(int const error = store_detail::sync_fully(fd.get()))
            return refuse(store_detail::errno_text(file, "fsync", error));
    }
    if(complete == 0)
    {
        auto const header = store_detail::header_line();
        if(int const error = store_detail::write_fully(fd.get(), header))
        {
            if(::ftruncate(fd.get(), 0) != 0)
            {
                // Nothing more to do: the next open drops a torn header too.
            }
            return refuse(store_detail::errno_text(file, "write", error));
        }
        if(int const error = store_detail::sync_fully(fd.get()))
            return refuse(store_detail::errno_text(file, "fsync", error));
        if(int const error = store_detail::sync_directory(state_dir))
            return refuse(store_detail::errno_text(state_dir, "fsync", error));
        complete = header.size();
    }

    std::shared_ptr<JournalTokenStore> store(new JournalTokenStore(std::make_unique<store_detail::file_journal>(
        state_dir, std::move(file), std::move(fd), complete, options)));
    store->core_.publish(editor);
    if(options.compact_on_open)
    {
        if(auto compacted = store->compact(); ! compacted)
            return refuse(store->last_storage_error());
    }
    else if(options.auto_compact)
    {
        // A journal of mostly history: compact it now (a failure leaves it
        // as it was, to be retried after a change).
        store->core_.with_write_lock(
            [&](store_detail::token_state const& s) { store->journal_->compact_if_due(s); });
    }
    return store;
}

inline result<void> JournalTokenStore::compact()
{
    return core_.with_write_lock([this](detail::managed_store::token_state const& s) { return journal_->rewrite(s); });
}

inline std::filesystem::path const& JournalTokenStore::path() const noexcept
{
    return journal_->file();
}

inline std::uint64_t JournalTokenStore::journal_bytes() const noexcept
{
    return journal_->size();
}

inline std::string JournalTokenStore::last_storage_error() const
{
    return journal_->last_error();
}

inline bool JournalTokenStore::do_healthy() const noexcept
{
    return journal_->durable();
}

inline detail::managed_store::file_journal& JournalTokenStore::journal() noexcept
{
    return *journal_;
}

} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
