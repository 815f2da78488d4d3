//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODEL_SERVER_CONFIG_HPP
#define MODEL_SERVER_CONFIG_HPP

/** @file
    The reference server's configuration file (api.md, "Config file"): one
    strict JSON object, read once at start-up into a `server_config`.

    Every fault throws `modelauth::configuration_error` whose `field()` is
    the key path of the bad value (`models[1].default_version`,
    `limits.body_bytes`, `users[0].scopes[2]`), so `main` can print it and
    exit with status 2. Faults are: a document that is not strict JSON
    (field `(config)`, with the line and column), a key given twice in one
    object, an unknown key at any level, a wrong type, a missing required
    key, an out-of-range or malformed value, a dangling reference (a user's
    account or instance, a model's account, space or instance), and a
    duplicate (account ids, spaces of an account, instance keys, user
    e-mails, model ids, `prefix`/`name` pairs, versions of a model, issuers).

    The keys, with what is required and the defaults of what is not:

    @code
    listen          "host:port"  default "127.0.0.1:8080"; IPv6 as "[::1]:8080"; port 0: any free port
    issuer          URL | null   default null: "http://" + listen as written (see issuer_of)
    threads         0..1024      default 0: one per core (see thread_count)
    state_dir       path | null  default null: memory only
    strict_slash    bool         default false
    limits          {body_bytes 1..64 MiB = 1048576, target_bytes 1..65536 = 2048,
                     read_timeout_s 1..3600 = 30, header_timeout_s 1..3600 = 10,
                     max_connections 1..1048576 = 10000}          each optional
    lifetimes       {access "30m", refresh "90d", model_session "4h", temporary "24h"}
                                                                   each optional, TTL strings
    accounts        [{id, spaces?: [...]}]                         default []
    instances       [{project, region, id}]                        default []
    users           [{email, password, account, scopes?: [...], instances?: [...]}]
    models          [{model_id, prefix, name, versions, default_version?, kind, weights, bias,
                      account?, space?, instance?}]                default []
    trusted_issuers [{issuer, audiences, algorithms, jwks | jwks_file | jwks_uri, leeway_s?}]
    @endcode

    Messages name keys and quote configured names (account ids, model
    names, e-mails) but never a password hash or any key material.
*/

#include "models.hpp"

#include <modelauth/configuration_error.hpp>
#include <modelauth/http/token_routes.hpp>
#include <modelauth/router/model_registry.hpp>
#include <modelauth/tokens/issuer.hpp>
#include <modelauth/tokens/ttl.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace model_server {

//----------------------------------------------------------------------------
// The configuration

/** The value of a user's `password` that stands for "the demo password".

    Only the embedded demo config (`default_config.hpp`) uses it, and
    `parse_config` accepts it only with
    `parse_config_options::allow_demo_password_placeholder`. `main` replaces
    it with `pbkdf2_sha256$...` of `MODELAUTH_DEMO_PASSWORD`, or of a
    generated password it prints once.
*/
inline constexpr std::string_view demo_password_placeholder = "$demo$";

/// The largest `limits.body_bytes`: 64 MiB.
inline constexpr std::uint64_t max_body_bytes = 64u * 1024u * 1024u;

/// The largest `limits.target_bytes`.
inline constexpr std::uint64_t max_target_bytes = 65536;

/// The largest `limits.read_timeout_s` and `limits.header_timeout_s`: one hour.
inline constexpr std::uint64_t max_read_timeout_s = 3600;

/// The largest `limits.max_connections`.
inline constexpr std::uint64_t max_max_connections = 1048576;

/// The largest `threads`.
inline constexpr std::uint64_t max_threads = 1024;

/// The largest `trusted_issuers[].leeway_s`: one hour.
inline constexpr std::uint64_t max_leeway_s = 3600;

/// The least PBKDF2 iteration count a password hash may have.
inline constexpr std::uint64_t min_password_iterations = 100000;

/// The largest configuration file `load_config_file` reads: 16 MiB.
inline constexpr std::uintmax_t max_config_file_bytes = 16u * 1024u * 1024u;

/// `listen`: where the server accepts connections.
struct listen_address
{
    /// An IP address literal without brackets: `127.0.0.1`, `::1`, `0.0.0.0`.
    /// It always parses with `boost::asio::ip::make_address`.
    std::string host = "127.0.0.1";

    /// The TCP port; 0 asks the system for any free port.
    std::uint16_t port = 8080;
};

/// `limits`: how much of a request the server reads.
struct limits_config
{
    /// The largest request body, in bytes (larger: 413).
    std::size_t body_bytes = 1048576;

    /// The largest request target, in bytes (longer: 414).
    std::size_t target_bytes = 2048;

    /// How long a connection may take to send a request's body (and to
    /// take an answer).
    std::chrono::seconds read_timeout{30};

    /// How long a connection may take, in all, to send a request's header,
    /// counted from when the server waits for it (an idle keep-alive
    /// connection is closed after it too): a client sending a byte at a
    /// time is cut off here, however slowly it trickles.
    std::chrono::seconds header_timeout{10};

    /// The most connections open at once; one more is closed as soon as it
    /// is accepted.
    std::size_t max_connections = 10000;
};

/// `accounts[]`: an account and its spaces (NeuroIO).
struct account_config
{
    /// A label (`is_valid_model_name`), unique among accounts.
    std::string id;

    /// The account's spaces: labels, no two alike.
    std::vector<std::string> spaces;
};

/// `instances[]`: an instance (STACKIT), named by `key()`.
struct instance_config
{
    /// Labels (`is_valid_model_name`).
    std::string project;
    std::string region;
    std::string id;

    /// `project/region/id`, how users and models refer to the instance; unique.
    [[nodiscard]] std::string key() const
    {
        return project + "/" + region + "/" + id;
    }
};

/// `users[]`: who may log in to the console.
struct user_config
{
    /// The login name: an e-mail address, unique (compared ignoring ASCII case).
    std::string email;

    /** The stored password hash, `pbkdf2_sha256$<iterations>$<salt>$<hash>`
        (only its shape is checked here), or `demo_password_placeholder`
        when that was allowed. Never a plain password; never print it.
    */
    std::string password;

    /// The user's account: one of `accounts[].id`.
    std::string account;

    /// The scopes of the user's console tokens, each `<action>` or `<action>:<path>`.
    std::vector<std::string> scopes;

    /// The instances the user may manage: keys of `instances`.
    std::vector<std::string> instances;
};

/// `models[]`: a deployed toy model.
struct model_config
{
    /// A positive integer, unique.
    std::int64_t model_id = 0;

    /// `models/practicus`: label segments separated by `/`.
    std::string prefix;

    /// `diamond-price`: a label; the `prefix`/`name` pair is unique.
    std::string name;

    /// The deployed versions: at least one, no two alike.
    std::vector<std::string> versions;

    /// One of `versions`; when the config omits it, the last of them.
    std::string default_version;

    /// Linear or logistic.
    model_kind kind = model_kind::linear;

    /// At least one finite number: the model's features.
    std::vector<double> weights;

    /// A finite number.
    double bias = 0;

    /// Optional (empty: none): one of `accounts[].id`.
    std::string account;

    /// Optional (empty: none): a space of `account`.
    std::string space;

    /// Optional (empty: none): a key of `instances`.
    std::string instance;
};

/// `trusted_issuers[]`: an outside identity provider whose JWTs are accepted.
struct trusted_issuer_config
{
    /// The exact `iss` value; unique among trusted issuers.
    std::string issuer;

    /// The accepted audiences (at least one): a token's `aud` must name one.
    std::vector<std::string> audiences;

    /// The accepted JWS algorithms (at least one), as RFC 7518 names them:
    /// `RS256`, `ES256`, `EdDSA`, ...
    std::vector<std::string> algorithms;

    /// The issuer's keys given inline (a JWKS object with a `keys` array);
    /// exactly one of `jwks` and `jwks_file` is set. Only its shape is
    /// checked here: the JWKS's members are RFC 7517's, checked when the
    /// server builds the key set from it.
    std::optional<boost::json::object> jwks;

    /// The file holding the issuer's JWKS, from `jwks_file` or from a
    /// `file://` `jwks_uri` (percent-decoded). Relative paths are relative to
    /// the server's working directory.
    std::optional<std::filesystem::path> jwks_file;

    /// Clock skew tolerated on `exp` and `nbf`.
    std::chrono::seconds leeway{60};
};

/** A whole configuration file, checked.

    Every reference in it resolves (a user's account and instances, a
    model's account, space and instance) and every value is in range.
*/
struct server_config
{
    listen_address listen;

    /// The name of the server's own tokens (`iss`, and `aud`) and the base
    /// of its discovery links, as configured; none: from `listen` as written
    /// (`issuer_of`). Every replica behind one address, and every restart,
    /// must keep it, or the tokens issued before are refused.
    std::optional<std::string> issuer;

    /// Worker threads; 0 means one per core (`thread_count`).
    unsigned threads = 0;

    /// Where the token journal and the issuer's keys live; none: memory only.
    std::optional<std::filesystem::path> state_dir;

    /// Whether a model URL without its final `/` is 404 rather than 308.
    bool strict_slash = false;

    limits_config limits;

    /// Token lifetimes, read from TTL strings such as `30m` (`modelauth::tokens::parse_ttl`).
    modelauth::tokens::token_lifetimes lifetimes;

    std::vector<account_config> accounts;
    std::vector<instance_config> instances;
    std::vector<user_config> users;
    std::vector<model_config> models;
    std::vector<trusted_issuer_config> trusted_issuers;
};

/// How `parse_config` treats what only the embedded demo config may contain.
struct parse_config_options
{
    /// Accept `demo_password_placeholder` as a user's password.
    bool allow_demo_password_placeholder = false;
};

/** Reads and checks a configuration document.

    @param json_text The whole document: one strict JSON object (RFC 8259,
    UTF-8, no comments, no trailing commas, no key twice in one object).

    @throws modelauth::configuration_error naming the first bad key path
    (see the file comment); `(config)` when the text is not JSON or not an
    object. Throws `std::bad_alloc` on memory exhaustion.

    Complexity: linear in the size of the document (plus a sort per list
    checked for duplicates).
*/
[[nodiscard]] inline server_config parse_config(std::string_view json_text, parse_config_options const& options = {});

/** Reads the file at `path` and parses it with `parse_config`.

    @throws modelauth::configuration_error whose field is `path` when the
    file cannot be read (missing, a directory, unreadable, larger than
    `max_config_file_bytes`); else what `parse_config` throws.
*/
[[nodiscard]] inline server_config load_config_file(
    std::filesystem::path const& path, parse_config_options const& options = {});

/** Parses a lifetime field: `parse_ttl(text)`, or throws naming `field`.

    @throws modelauth::configuration_error(field, ...) unless `text` is a
    positive integer without a leading zero and one unit of `s m h d`, at
    most `modelauth::tokens::max_ttl` (3650 days).
*/
[[nodiscard]] inline std::chrono::seconds parse_ttl_field(std::string_view text, std::string const& field);

/** The name of the server's own tokens (`iss`, `aud`) and the base of its
    discovery links: `config.issuer`, or `"http://" + listen` as written in
    the config (`http://127.0.0.1:0` for port 0, `http://[::1]:8080`), never
    the port bound: a restart, or another replica behind one address, keeps
    accepting the tokens issued before.
*/
[[nodiscard]] inline std::string issuer_of(server_config const& config);

/// The worker threads to run: `config.threads`, or when that is 0 the
/// number of cores (at least 1).
[[nodiscard]] inline unsigned thread_count(server_config const& config) noexcept;

/// The registry description of `model` (no metadata).
[[nodiscard]] inline modelauth::router::model_description model_description_of(model_config const& model);

/// The toy model of `model` answering as `version` (one of its versions).
[[nodiscard]] inline toy_model toy_model_of(model_config const& model, std::string_view version);

//----------------------------------------------------------------------------

namespace detail {

using boost::json::array;
using boost::json::object;
using boost::json::value;
using modelauth::configuration_error;

[[noreturn]] inline void fail(std::string field, std::string_view problem)
{
    throw configuration_error(std::move(field), problem);
}

inline bool is_identifier(std::string_view key) noexcept
{
    if(key.empty() || key.size() > 64)
        return false;
    return std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

// `parent.key`, or `parent["odd key"]` (escaped, cut at 64 bytes) for a key
// that is not an identifier; a top-level key is named alone.
inline std::string member_path(std::string_view parent, std::string_view key)
{
    std::string path(parent);
    if(is_identifier(key))
    {
        if(! path.empty())
            path += '.';
        path += key;
        return path;
    }
    path += "[\"";
    std::size_t const shown = (std::min)(key.size(), std::size_t(64));
    for(std::size_t i = 0; i < shown; ++i)
    {
        auto const c = static_cast<unsigned char>(key[i]);
        if(c < 0x20 || c >= 0x7F || c == '"' || c == '\\')
        {
            static constexpr char hex[] = "0123456789abcdef";
            path += "\\x";
            path += hex[c >> 4];
            path += hex[c & 15];
        }
        else
            path += static_cast<char>(c);
    }
    if(shown < key.size())
        path += "...";
    path += "\"]";
    return path;
}

inline std::string index_path(std::string_view parent, std::size_t index)
{
    return std::string(parent) + "[" + std::to_string(index) + "]";
}

inline std::string quote_text(std::string_view text)
{
    return "\"" + std::string(text) + "\"";
}

inline bool is_label(std::string_view text) noexcept
{
    return modelauth::router::is_valid_model_name(text);
}

inline constexpr char const* label_rule =
    "1 to 128 characters of [A-Za-z0-9._-], the first a letter or a digit, the last not '.'";

//----------------------------------------------------------------------------
// Strict syntax: a pass with Boost.JSON's basic_parser that finds syntax
// errors (with their position), keys given twice in one object and numbers
// too large for a double, before the document is built.

class syntax_checker
{
public:
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);

    // The path of the fault the handler stopped at, and what it is.
    std::string fault_path;
    std::string fault;

    bool on_document_begin(boost::json::error_code&) { return true; }
    bool on_document_end(boost::json::error_code&) { return true; }

    bool on_object_begin(boost::json::error_code&)
    {
        frames_.push_back(frame{true, {}, {}, 0});
        return true;
    }

    bool on_object_end(std::size_t, boost::json::error_code&)
    {
        frames_.pop_back();
        value_done();
        return true;
    }

    bool on_array_begin(boost::json::error_code&)
    {
        frames_.push_back(frame{false, {}, {}, 0});
        return true;
    }

    bool on_array_end(std::size_t, boost::json::error_code&)
    {
        frames_.pop_back();
        value_done();
        return true;
    }

    bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&)
    {
        key_.append(s.data(), s.size());
        return true;
    }

    bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code& ec)
    {
        key_.append(s.data(), s.size());
        frame& f = frames_.back();
        f.key = key_;
        key_.clear();
        if(! f.keys.insert(f.key).second)
            return stop("appears twice in the same object", ec);
        return true;
    }

    bool on_string_part(boost::json::string_view, std::size_t, boost::json::error_code&) { return true; }

    bool on_string(boost::json::string_view, std::size_t, boost::json::error_code&)
    {
        value_done();
        return true;
    }

    bool on_number_part(boost::json::string_view, boost::json::error_code&) { return true; }

    bool on_int64(std::int64_t, boost::json::string_view, boost::json::error_code&)
    {
        value_done();
        return true;
    }

    bool on_uint64(std::uint64_t, boost::json::string_view, boost::json::error_code&)
    {
        value_done();
        return true;
    }

    bool on_double(double d, boost::json::string_view, boost::json::error_code& ec)
    {
        if(! std::isfinite(d))
            return stop("is a number too large for a double", ec);
        value_done();
        return true;
    }

    bool on_bool(bool, boost::json::error_code&)
    {
        value_done();
        return true;
    }

    bool on_null(boost::json::error_code&)
    {
        value_done();
        return true;
    }

    bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
    bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }

private:
    struct frame
    {
        bool is_object;
        std::set<std::string, std::less<>> keys; // an object's keys so far
        std::string key;                         // an object's current key
        std::size_t count;                       // an array's elements so far
    };

    std::vector<frame> frames_;
    std::string key_;

    void value_done() noexcept
    {
        if(! frames_.empty() && ! frames_.back().is_object)
            ++frames_.back().count;
    }

    std::string path() const
    {
        std::string p;
        for(auto const& f : frames_)
            p = f.is_object ? member_path(p, f.key) : index_path(p, f.count);
        return p;
    }

    bool stop(char const* what, boost::json::error_code& ec)
    {
        fault_path = path();
        fault = what;
        ec = boost::json::error::exception;
        return false;
    }
};

// Throws unless `text` is one strict JSON document without repeated keys.
inline void check_syntax(std::string_view text)
{
    boost::json::basic_parser<syntax_checker> parser(boost::json::parse_options{});
    boost::json::error_code ec;
    std::size_t const consumed = parser.write_some(false, text.data(), text.size(), ec);
    if(! ec && consumed != text.size())
        ec = boost::json::error::extra_data;
    if(! ec)
        return;
    if(! parser.handler().fault.empty())
        fail(parser.handler().fault_path.empty() ? "(config)" : parser.handler().fault_path,
            parser.handler().fault);
    // The position of the fault: 1-based line and column (in bytes).
    std::size_t const at = (std::min)(consumed, text.size());
    std::size_t line = 1;
    std::size_t column = 1;
    for(std::size_t i = 0; i < at; ++i)
    {
        if(text[i] == '\n')
        {
            ++line;
            column = 1;
        }
        else
            ++column;
    }
    fail("(config)", "is not valid JSON: " + ec.message() + " at line " + std::to_string(line) + ", column "
        + std::to_string(column));
}

//----------------------------------------------------------------------------
// Typed access, each fault naming its path

inline void check_keys(object const& o, std::string const& path, std::initializer_list<std::string_view> known)
{
    for(auto const& member : o)
    {
        std::string_view const key(member.key().data(), member.key().size());
        if(std::find(known.begin(), known.end(), key) != known.end())
            continue;
        std::string expected;
        for(auto k : known)
        {
            if(! expected.empty())
                expected += ", ";
            expected += k;
        }
        fail(member_path(path, key), "is not a known key; expected one of: " + expected);
    }
}

inline object const& as_object(value const& v, std::string const& path)
{
    if(! v.is_object())
        fail(path, "must be an object");
    return v.get_object();
}

inline array const& as_array(value const& v, std::string const& path)
{
    if(! v.is_array())
        fail(path, "must be an array");
    return v.get_array();
}

inline std::string_view as_string(value const& v, std::string const& path)
{
    if(! v.is_string())
        fail(path, "must be a string");
    return std::string_view(v.get_string().data(), v.get_string().size());
}

inline bool as_bool(value const& v, std::string const& path)
{
    if(! v.is_bool())
        fail(path, "must be true or false");
    return v.get_bool();
}

// An integer in [low, high]; `1.0` is not an integer.
inline std::uint64_t as_unsigned(value const& v, std::string const& path, std::uint64_t low, std::uint64_t high)
{
    if(! v.is_int64() && ! v.is_uint64())
        fail(path, "must be an integer");
    bool const negative = v.is_int64() && v.get_int64() < 0;
    std::uint64_t const n = v.is_uint64() ? v.get_uint64() : static_cast<std::uint64_t>(negative ? 0 : v.get_int64());
    if(negative || n < low || n > high)
        fail(path, "must be an integer from " + std::to_string(low) + " to " + std::to_string(high));
    return n;
}

inline double as_number(value const& v, std::string const& path)
{
    if(v.is_int64())
        return static_cast<double>(v.get_int64());
    if(v.is_uint64())
        return static_cast<double>(v.get_uint64());
    if(v.is_double() && std::isfinite(v.get_double()))
        return v.get_double();
    fail(path, "must be a number");
}

inline value const& required_member(object const& o, std::string const& path, std::string_view key)
{
    auto const* v = o.if_contains(key);
    if(v == nullptr)
        fail(member_path(path, key), "is required");
    return *v;
}

// A member that may be absent; `null_is_absent` also reads null as absent.
inline value const* optional_member(object const& o, std::string_view key, bool null_is_absent = false)
{
    auto const* v = o.if_contains(key);
    if(v != nullptr && null_is_absent && v->is_null())
        return nullptr;
    return v;
}

// A string of 1 or more bytes, none a control character.
inline std::string non_empty_text(value const& v, std::string const& path)
{
    std::string_view const s = as_string(v, path);
    if(s.empty())
        fail(path, "must not be empty");
    if(std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }))
        fail(path, "must not contain control characters");
    return std::string(s);
}

inline std::string label(value const& v, std::string const& path, char const* what)
{
    std::string_view const s = as_string(v, path);
    if(! is_label(s))
        fail(path, std::string("is not a valid ") + what + ": " + label_rule);
    return std::string(s);
}

// Fails on the first element of `items` (in order) whose key an earlier one
// has: "repeats <list>[<earlier index>]".
template<class T, class Key, class Path>
void check_unique(std::vector<T> const& items, Key key_of, Path path_of, char const* list)
{
    std::map<std::string, std::size_t, std::less<>> first;
    for(std::size_t i = 0; i < items.size(); ++i)
    {
        auto const [it, inserted] = first.emplace(key_of(items[i]), i);
        if(! inserted)
            fail(path_of(i), std::string("repeats ") + list + "[" + std::to_string(it->second) + "]");
    }
}

inline std::string ascii_lower(std::string_view s)
{
    std::string out(s);
    for(char& c : out)
        if(c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

//----------------------------------------------------------------------------
// The sections

inline listen_address read_listen(value const& v, std::string const& path)
{
    std::string_view const text = as_string(v, path);
    char const* const rule =
        "must be an IP address and a port: \"127.0.0.1:8080\", \"[::1]:8080\" (port 0: any free port)";
    std::string_view host;
    std::string_view port;
    if(! text.empty() && text.front() == '[')
    {
        auto const close = text.find("]:");
        if(close == std::string_view::npos)
            fail(path, rule);
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        if(host.find(':') == std::string_view::npos)
            fail(path, rule); // brackets are for IPv6 only
    }
    else
    {
        auto const colon = text.rfind(':');
        if(colon == std::string_view::npos)
            fail(path, rule);
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if(host.find(':') != std::string_view::npos)
            fail(path, "must put an IPv6 address in brackets: \"[::1]:8080\"");
    }
    boost::system::error_code ec;
    boost::asio::ip::make_address(std::string(host), ec); // what main will bind to
    if(host.empty() || ec)
        fail(path, rule);
    bool const digits = ! port.empty() && port.size() <= 5
        && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if(! digits || (port.size() > 1 && port.front() == '0'))
        fail(path, rule);
    unsigned long const number = std::stoul(std::string(port));
    if(number > 65535)
        fail(path, "has a port above 65535");
    return listen_address{std::string(host), static_cast<std::uint16_t>(number)};
}

// `issuer`: an http:// or https:// URL naming a host, without a final '/',
// a query or a fragment (what `token_routes_options::base_url` accepts).
inline std::string read_issuer(value const& v, std::string const& path)
{
    std::string_view const url = as_string(v, path);
    if(auto const problem = modelauth::http::base_url_problem(url); ! problem.empty())
        fail(path, problem);
    return std::string(url);
}

inline limits_config read_limits(value const& v, std::string const& path)
{
    object const& o = as_object(v, path);
    check_keys(o, path, {"body_bytes", "target_bytes", "read_timeout_s", "header_timeout_s", "max_connections"});
    limits_config limits;
    if(auto const* x = optional_member(o, "body_bytes"))
        limits.body_bytes = static_cast<std::size_t>(as_unsigned(*x, member_path(path, "body_bytes"), 1, max_body_bytes));
    if(auto const* x = optional_member(o, "target_bytes"))
        limits.target_bytes = static_cast<std::size_t>(as_unsigned(*x, member_path(path, "target_bytes"), 1, max_target_bytes));
    if(auto const* x = optional_member(o, "read_timeout_s"))
        limits.read_timeout = std::chrono::seconds(
            static_cast<std::int64_t>(as_unsigned(*x, member_path(path, "read_timeout_s"), 1, max_read_timeout_s)));
    if(auto const* x = optional_member(o, "header_timeout_s"))
        limits.header_timeout = std::chrono::seconds(
            static_cast<std::int64_t>(as_unsigned(*x, member_path(path, "header_timeout_s"), 1, max_read_timeout_s)));
    if(auto const* x = optional_member(o, "max_connections"))
        limits.max_connections
            = static_cast<std::size_t>(as_unsigned(*x, member_path(path, "max_connections"), 1, max_max_connections));
    return limits;
}

inline modelauth::tokens::token_lifetimes read_lifetimes(value const& v, std::string const& path)
{
    object const& o = as_object(v, path);
    check_keys(o, path, {"access", "refresh", "model_session", "temporary"});
    modelauth::tokens::token_lifetimes lifetimes;
    auto read = [&](std::string_view key, std::chrono::seconds& out) {
        if(auto const* x = optional_member(o, key))
        {
            std::string const field = member_path(path, key);
            out = parse_ttl_field(as_string(*x, field), field);
        }
    };
    read("access", lifetimes.access);
    read("refresh", lifetimes.refresh);
    read("model_session", lifetimes.model_session);
    read("temporary", lifetimes.temporary);
    return lifetimes;
}

inline std::vector<account_config> read_accounts(value const& v, std::string const& path)
{
    std::vector<account_config> accounts;
    array const& list = as_array(v, path);
    for(std::size_t i = 0; i < list.size(); ++i)
    {
        std::string const at = index_path(path, i);
        object const& o = as_object(list[i], at);
        check_keys(o, at, {"id", "spaces"});
        account_config account;
        account.id = label(required_member(o, at, "id"), member_path(at, "id"), "account id");
        if(auto const* spaces = optional_member(o, "spaces"))
        {
            std::string const spaces_path = member_path(at, "spaces");
            array const& names = as_array(*spaces, spaces_path);
            for(std::size_t j = 0; j < names.size(); ++j)
                account.spaces.push_back(label(names[j], index_path(spaces_path, j), "space id"));
            check_unique(account.spaces, [](std::string const& s) { return s; },
                [&](std::size_t j) { return index_path(spaces_path, j); }, "spaces");
        }
        accounts.push_back(std::move(account));
    }
    check_unique(accounts, [](account_config const& a) { return a.id; },
        [&](std::size_t i) { return member_path(index_path(path, i), "id"); }, "accounts");
    return accounts;
}

inline std::vector<instance_config> read_instances(value const& v, std::string const& path)
{
    std::vector<instance_config> instances;
    array const& list = as_array(v, path);
    for(std::size_t i = 0; i < list.size(); ++i)
    {
        std::string const at = index_path(path, i);
        object const& o = as_object(list[i], at);
        check_keys(o, at, {"project", "region", "id"});
        instance_config instance;
        instance.project = label(required_member(o, at, "project"), member_path(at, "project"), "project id");
        instance.region = label(required_member(o, at, "region"), member_path(at, "region"), "region id");
        instance.id = label(required_member(o, at, "id"), member_path(at, "id"), "instance id");
        instances.push_back(std::move(instance));
    }
    check_unique(instances, [](instance_config const& x) { return x.key(); },
        [&](std::size_t i) { return index_path(path, i); }, "instances");
    return instances;
}

inline bool is_email(std::string_view s) noexcept
{
    auto const at = s.find('@');
    return s.size() <= 254 && at != std::string_view::npos && at > 0 && at + 1 < s.size()
        && s.find('@', at + 1) == std::string_view::npos
        && std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

// Checks the shape of a stored password hash; the library checks the rest.
// Messages never contain any part of the value.
inline void check_password_shape(std::string_view hash, std::string const& path, bool allow_placeholder)
{
    if(hash == demo_password_placeholder)
    {
        if(allow_placeholder)
            return;
        fail(path, "is the demo placeholder, which only the embedded demo config may use; "
                   "store a hash made by the hash-password subcommand");
    }
    std::vector<std::string_view> fields;
    std::size_t begin = 0;
    for(;;)
    {
        auto const dollar = hash.find('$', begin);
        fields.push_back(hash.substr(begin, dollar == std::string_view::npos ? std::string_view::npos : dollar - begin));
        if(dollar == std::string_view::npos)
            break;
        begin = dollar + 1;
    }
    if(fields.size() != 4)
        fail(path, "must be a password hash pbkdf2_sha256$<iterations>$<salt>$<hash>, never a plain password");
    if(fields[0] != "pbkdf2_sha256")
        fail(path, "must be a pbkdf2_sha256 hash: no other algorithm is accepted");
    std::string_view const iterations = fields[1];
    bool const digits = ! iterations.empty() && iterations.size() <= 10 && iterations.front() != '0'
        && std::all_of(iterations.begin(), iterations.end(), [](char c) { return c >= '0' && c <= '9'; });
    // At most 10 digits: the count fits in 64 bits.
    std::uint64_t const count = digits ? std::stoull(std::string(iterations)) : 0;
    if(! digits || count > static_cast<std::uint64_t>((std::numeric_limits<int>::max)()))
        fail(path, "has an iteration count that is not a positive integer below 2^31");
    if(count < min_password_iterations)
        fail(path, "has fewer than 100000 PBKDF2 iterations");
    if(fields[2].empty())
        fail(path, "has an empty salt");
    if(fields[3].empty())
        fail(path, "has an empty hash");
}

// `<action>` or `<action>:<path>`: printable ASCII without spaces, no empty
// part between colons.
inline bool is_scope(std::string_view s) noexcept
{
    if(s.empty() || s.size() > 512 || s.front() == ':' || s.back() == ':' || s.find("::") != std::string_view::npos)
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

inline std::vector<std::string> read_scopes(value const& v, std::string const& path)
{
    std::vector<std::string> scopes;
    array const& list = as_array(v, path);
    for(std::size_t i = 0; i < list.size(); ++i)
    {
        std::string const at = index_path(path, i);
        std::string_view const s = as_string(list[i], at);
        if(! is_scope(s))
            fail(at, "must be a scope: <action> or <action>:<path>, without spaces, e.g. \"models:infer\"");
        scopes.emplace_back(s);
    }
    return scopes;
}

inline account_config const* find_account(std::vector<account_config> const& accounts, std::string_view id)
{
    auto it = std::find_if(accounts.begin(), accounts.end(), [&](account_config const& a) { return a.id == id; });
    return it == accounts.end() ? nullptr : &*it;
}

inline bool has_instance(std::vector<instance_config> const& instances, std::string_view key)
{
    return std::any_of(instances.begin(), instances.end(), [&](instance_config const& x) { return x.key() == key; });
}

// `"<name>" ` when `name` is safe to show (a label or a label path), else "".
inline std::string shown_name(std::string_view name)
{
    bool const safe = ! name.empty() && name.size() <= 256 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
            || c == '-' || c == '/';
    });
    return safe ? quote_text(name) + " " : std::string();
}

inline std::string account_reference(value const& v, std::string const& path, std::vector<account_config> const& accounts)
{
    std::string_view const id = as_string(v, path);
    if(find_account(accounts, id) == nullptr)
        fail(path, shown_name(id) + "is not the id of an account in accounts");
    return std::string(id);
}

inline std::string instance_reference(
    value const& v, std::string const& path, std::vector<instance_config> const& instances)
{
    std::string_view const key = as_string(v, path);
    if(! has_instance(instances, key))
        fail(path, shown_name(key) + "is not an instance of instances (project/region/id)");
    return std::string(key);
}

inline std::vector<user_config> read_users(value const& v, std::string const& path, server_config const& config,
    parse_config_options const& options)
{
    std::vector<user_config> users;
    array const& list = as_array(v, path);
    for(std::size_t i = 0; i < list.size(); ++i)
    {
        std::string const at = index_path(path, i);
        object const& o = as_object(list[i], at);
        check_keys(o, at, {"email", "password", "account", "scopes", "instances"});
        user_config user;

        std::string const email_path = member_path(at, "email");
        user.email = std::string(as_string(required_member(o, at, "email"), email_path));
        if(! is_email(user.email))
            fail(email_path, "must be an e-mail address: local-part@domain, printable ASCII without spaces");

        std::string const password_path = member_path(at, "password");
        user.password = std::string(as_string(required_member(o, at, "password"), password_path));
        check_password_shape(user.password, password_path, options.allow_demo_password_placeholder);

        user.account = account_reference(required_member(o, at, "account"), member_path(at, "account"), config.accounts);

        if(auto const* scopes = optional_member(o, "scopes"))
            user.scopes = read_scopes(*scopes, member_path(at, "scopes"));

        if(auto const* instances = optional_member(o, "instances"))
        {
            std::string const instances_path = member_path(at, "instances");
            array const& keys = as_array(*instances, instances_path);
            for(std::size_t j = 0; j < keys.size(); ++j)
                user.instances.push_back(instance_reference(keys[j], index_path(instances_path, j), config.instances));
        }
        users.push_back(std::move(user));
    }
    check_unique(users, [](user_config const& u) { return ascii_lower(u.email); },
        [&](std::size_t i) { return member_path(index_path(path, i), "email"); }, "users");
    return users;
}

inline model_config read_model(object const& o, std::string const& at, server_config const& config)
{
    check_keys(o, at,
        {"model_id", "prefix", "name", "versions", "default_version", "kind", "weights", "bias", "account", "space",
            "instance"});
    model_config model;

    std::string const id_path = member_path(at, "model_id");
    value const& id = required_member(o, at, "model_id");
    if(! id.is_int64() && ! id.is_uint64())
        fail(id_path, "must be a positive integer");
    if((id.is_int64() && id.get_int64() <= 0)
        || (id.is_uint64() && id.get_uint64() > static_cast<std::uint64_t>((std::numeric_limits<std::int64_t>::max)())))
        fail(id_path, "must be a positive integer below 2^63");
    model.model_id = id.is_int64() ? id.get_int64() : static_cast<std::int64_t>(id.get_uint64());

    std::string const prefix_path = member_path(at, "prefix");
    model.prefix = std::string(as_string(required_member(o, at, "prefix"), prefix_path));
    if(! modelauth::router::is_valid_model_prefix(model.prefix))
        fail(prefix_path, std::string("is not a valid prefix: 1 to 8 segments separated by single '/', no '/' at "
                                      "either end, each of ") + label_rule);

    model.name = label(required_member(o, at, "name"), member_path(at, "name"), "model name");

    std::string const versions_path = member_path(at, "versions");
    array const& versions = as_array(required_member(o, at, "versions"), versions_path);
    if(versions.empty())
        fail(versions_path, "must list at least one version");
    for(std::size_t j = 0; j < versions.size(); ++j)
    {
        std::string const vp = index_path(versions_path, j);
        std::string_view const v = as_string(versions[j], vp);
        if(! modelauth::router::is_valid_model_version(v))
            fail(vp, "is not a valid version: 1 to 32 characters of [A-Za-z0-9._-], the first a letter or a digit, "
                     "the last not '.'");
        model.versions.emplace_back(v);
    }
    check_unique(model.versions, [](std::string const& s) { return s; },
        [&](std::size_t j) { return index_path(versions_path, j); }, "versions");

    std::string const default_path = member_path(at, "default_version");
    if(auto const* d = optional_member(o, "default_version", true))
    {
        model.default_version = std::string(as_string(*d, default_path));
        if(std::find(model.versions.begin(), model.versions.end(), model.default_version) == model.versions.end())
            fail(default_path, shown_name(model.default_version) + "is not one of the model's versions");
    }
    else
        model.default_version = model.versions.back();

    std::string const kind_path = member_path(at, "kind");
    auto const kind = parse_model_kind(as_string(required_member(o, at, "kind"), kind_path));
    if(! kind)
        fail(kind_path, "must be \"linear\" or \"logistic\"");
    model.kind = *kind;

    std::string const weights_path = member_path(at, "weights");
    array const& weights = as_array(required_member(o, at, "weights"), weights_path);
    if(weights.empty())
        fail(weights_path, "must have at least one weight");
    for(std::size_t j = 0; j < weights.size(); ++j)
        model.weights.push_back(as_number(weights[j], index_path(weights_path, j)));

    model.bias = as_number(required_member(o, at, "bias"), member_path(at, "bias"));

    if(auto const* account = optional_member(o, "account", true))
        model.account = account_reference(*account, member_path(at, "account"), config.accounts);
    if(auto const* space = optional_member(o, "space", true))
    {
        std::string const space_path = member_path(at, "space");
        std::string_view const name = as_string(*space, space_path);
        if(model.account.empty())
            fail(space_path, "needs the model's account: a space belongs to an account");
        auto const& spaces = find_account(config.accounts, model.account)->spaces;
        if(std::find(spaces.begin(), spaces.end(), name) == spaces.end())
            fail(space_path, shown_name(name) + "is not a space of account " + quote_text(model.account));
        model.space = std::string(name);
    }
    if(auto const* instance = optional_member(o, "instance", true))
        model.instance = instance_reference(*instance, member_path(at, "instance"), config.instances);
    return model;
}

inline std::vector<model_config> read_models(value const& v, std::string const& path, server_config const& config)
{
    std::vector<model_config> models;
    array const& list = as_array(v, path);
    for(std::size_t i = 0; i < list.size(); ++i)
    {
        std::string const at = index_path(path, i);
        models.push_back(read_model(as_object(list[i], at), at, config));
    }
    // Uniqueness of model ids and prefix/name pairs, and no model path that is
    // also a prefix: the registry's own checks, with the same paths.
    std::vector<modelauth::router::model_description> descriptions;
    descriptions.reserve(models.size());
    for(auto const& m : models)
        descriptions.push_back(model_description_of(m));
    modelauth::router::model_registry const registry(std::move(descriptions), path);
    (void)registry;
    return models;
}

inline constexpr std::string_view jws_algorithm_names[] = {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
    "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"};

inline int hex_value(char c) noexcept
{
    if(c >= '0' && c <= '9')
        return c - '0';
    if(c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if(c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// The local path of a `file://` URL (RFC 8089): `file:///p` or
// `file://localhost/p`, percent-decoded; no query or fragment.
inline std::filesystem::path file_url_path(std::string_view url, std::string const& path)
{
    std::string_view const scheme = "file://";
    if(url.size() < scheme.size() || ascii_lower(url.substr(0, scheme.size())) != scheme)
        fail(path, "must be a file:// URL: this server never fetches keys over the network; save the issuer's JWKS "
                   "to a file and give its path in jwks_file or as file:///path");
    std::string_view rest = url.substr(scheme.size());
    auto const slash = rest.find('/');
    if(slash == std::string_view::npos)
        fail(path, "must name an absolute path: file:///path");
    if(slash != 0 && ascii_lower(rest.substr(0, slash)) != "localhost")
        fail(path, "names a remote host: only local files (file:///path) are read");
    rest = rest.substr(slash);
    if(rest.find_first_of("?#") != std::string_view::npos)
        fail(path, "must not have a query or a fragment");
    std::string decoded;
    for(std::size_t i = 0; i < rest.size(); ++i)
    {
        if(rest[i] != '%')
        {
            decoded += rest[i];
            continue;
        }
        int const hi = i + 2 < rest.size() ? hex_value(rest[i + 1]) : -1;
        int const lo = i + 2 < rest.size() ? hex_value(rest[i + 2]) : -1;
        if(hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            fail(path, "has a bad percent-escape (each % needs two hex digits, and %00 is refused)");
        decoded += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return std::filesystem::path(decoded);
}

inline std::vector<std::string> non_empty_strings(value const& v, std::string const& path, char const* what)
{
    array const& list = as_array(v, path);
    if(list.empty())
        fail(path, std::string("must list at least one ") + what);
    std::vector<std::string> out;
    for(std::size_t i = 0; i < list.size(); ++i)
        out.push_back(non_empty_text(list[i], index_path(path, i)));
    return out;
}

inline std::vector<trusted_issuer_config> read_trusted_issuers(value const& v, std::string const& path)
{
    std::vector<trusted_issuer_config> issuers;
    array const& list = as_array(v, path);
    for(std::size_t i = 0; i < list.size(); ++i)
    {
        std::string const at = index_path(path, i);
        object const& o = as_object(list[i], at);
        check_keys(o, at, {"issuer", "audiences", "algorithms", "jwks", "jwks_file", "jwks_uri", "leeway_s"});
        trusted_issuer_config issuer;
        issuer.issuer = non_empty_text(required_member(o, at, "issuer"), member_path(at, "issuer"));
        issuer.audiences = non_empty_strings(required_member(o, at, "audiences"), member_path(at, "audiences"), "audience");
        std::string const algorithms_path = member_path(at, "algorithms");
        array const& algorithms = as_array(required_member(o, at, "algorithms"), algorithms_path);
        if(algorithms.empty())
            fail(algorithms_path, "must list at least one algorithm");
        for(std::size_t j = 0; j < algorithms.size(); ++j)
        {
            std::string const ap = index_path(algorithms_path, j);
            std::string_view const name = as_string(algorithms[j], ap);
            if(std::find(std::begin(jws_algorithm_names), std::end(jws_algorithm_names), name)
                == std::end(jws_algorithm_names))
                fail(ap, "must be a JWS algorithm: HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, "
                         "ES256, ES384, ES512 or EdDSA");
            issuer.algorithms.emplace_back(name);
        }

        // Exactly one source of keys.
        char const* const sources[] = {"jwks", "jwks_file", "jwks_uri"};
        char const* given = nullptr;
        for(char const* key : sources)
        {
            if(o.if_contains(key) == nullptr)
                continue;
            if(given != nullptr)
                fail(member_path(at, key), std::string("cannot be given together with ") + given
                        + ": give exactly one of jwks, jwks_file, jwks_uri");
            given = key;
        }
        if(given == nullptr)
            fail(at, "needs exactly one of jwks, jwks_file, jwks_uri: the issuer's keys");
        if(auto const* jwks = o.if_contains("jwks"))
        {
            std::string const jp = member_path(at, "jwks");
            object const& set = as_object(*jwks, jp);
            auto const* keys = set.if_contains("keys");
            if(keys == nullptr || ! keys->is_array())
                fail(jp, "must be a JWKS: an object with a \"keys\" array");
            issuer.jwks = set;
        }
        if(auto const* file = o.if_contains("jwks_file"))
            issuer.jwks_file = std::filesystem::path(non_empty_text(*file, member_path(at, "jwks_file")));
        if(auto const* uri = o.if_contains("jwks_uri"))
        {
            std::string const up = member_path(at, "jwks_uri");
            issuer.jwks_file = file_url_path(non_empty_text(*uri, up), up);
        }

        if(auto const* leeway = optional_member(o, "leeway_s"))
            issuer.leeway = std::chrono::seconds(
                static_cast<std::int64_t>(as_unsigned(*leeway, member_path(at, "leeway_s"), 0, max_leeway_s)));
        issuers.push_back(std::move(issuer));
    }
    check_unique(issuers, [](trusted_issuer_config const& x) { return x.issuer; },
        [&](std::size_t i) { return member_path(index_path(path, i), "issuer"); }, "trusted_issuers");
    return issuers;
}

} // namespace detail

//----------------------------------------------------------------------------

inline std::chrono::seconds parse_ttl_field(std::string_view text, std::string const& field)
{
    auto const ttl = modelauth::tokens::parse_ttl(text);
    if(! ttl)
        detail::fail(field, "must be a lifetime: a positive integer without a leading zero and one unit of s, m, h, d "
                            "(\"30m\", \"90d\"), at most 3650d");
    return *ttl;
}

inline server_config parse_config(std::string_view json_text, parse_config_options const& options)
{
    detail::check_syntax(json_text);
    boost::json::value const document = boost::json::parse(boost::json::string_view(json_text.data(), json_text.size()));
    if(! document.is_object())
        detail::fail("(config)", "must be a JSON object");
    boost::json::object const& root = document.get_object();
    detail::check_keys(root, {},
        {"listen", "issuer", "threads", "state_dir", "strict_slash", "limits", "lifetimes", "accounts", "instances",
            "users", "models", "trusted_issuers"});

    server_config config;
    if(auto const* x = detail::optional_member(root, "listen"))
        config.listen = detail::read_listen(*x, "listen");
    if(auto const* x = detail::optional_member(root, "issuer", true))
        config.issuer = detail::read_issuer(*x, "issuer");
    if(auto const* x = detail::optional_member(root, "threads"))
        config.threads = static_cast<unsigned>(detail::as_unsigned(*x, "threads", 0, max_threads));
    if(auto const* x = detail::optional_member(root, "state_dir", true))
        config.state_dir = std::filesystem::path(detail::non_empty_text(*x, "state_dir"));
    if(auto const* x = detail::optional_member(root, "strict_slash"))
        config.strict_slash = detail::as_bool(*x, "strict_slash");
    if(auto const* x = detail::optional_member(root, "limits"))
        config.limits = detail::read_limits(*x, "limits");
    if(auto const* x = detail::optional_member(root, "lifetimes"))
        config.lifetimes = detail::read_lifetimes(*x, "lifetimes");
    // Referenced sections first, whatever their order in the file.
    if(auto const* x = detail::optional_member(root, "accounts"))
        config.accounts = detail::read_accounts(*x, "accounts");
    if(auto const* x = detail::optional_member(root, "instances"))
        config.instances = detail::read_instances(*x, "instances");
    if(auto const* x = detail::optional_member(root, "users"))
        config.users = detail::read_users(*x, "users", config, options);
    if(auto const* x = detail::optional_member(root, "models"))
        config.models = detail::read_models(*x, "models", config);
    if(auto const* x = detail::optional_member(root, "trusted_issuers"))
        config.trusted_issuers = detail::read_trusted_issuers(*x, "trusted_issuers");
    return config;
}

inline server_config load_config_file(std::filesystem::path const& path, parse_config_options const& options)
{
    std::string const field = path.string();
    std::error_code ec;
    auto const status = std::filesystem::status(path, ec);
    if(status.type() == std::filesystem::file_type::not_found)
        detail::fail(field, "cannot be read: no such file");
    if(ec)
        detail::fail(field, "cannot be read: " + ec.message());
    if(! std::filesystem::is_regular_file(status))
        detail::fail(field, "cannot be read: not a regular file");
    auto const size = std::filesystem::file_size(path, ec);
    if(ec)
        detail::fail(field, "cannot be read: " + ec.message());
    if(size > max_config_file_bytes)
        detail::fail(field, "cannot be read: larger than 16 MiB");
    std::ifstream in(path, std::ios::binary);
    if(! in.is_open())
        detail::fail(field, "cannot be read: permission denied or I/O error");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if(in.bad())
        detail::fail(field, "cannot be read: I/O error");
    return parse_config(text, options);
}

inline std::string issuer_of(server_config const& config)
{
    if(config.issuer)
        return *config.issuer;
    auto const& host = config.listen.host;
    bool const v6 = host.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(config.listen.port);
}

inline unsigned thread_count(server_config const& config) noexcept
{
    if(config.threads != 0)
        return config.threads;
    return (std::max)(std::thread::hardware_concurrency(), 1u);
}

inline modelauth::router::model_description model_description_of(model_config const& model)
{
    modelauth::router::model_description d;
    d.model_id = model.model_id;
    d.prefix = model.prefix;
    d.name = model.name;
    d.versions = model.versions;
    d.default_version = model.default_version;
    d.instance = model.instance;
    d.account = model.account;
    d.space = model.space;
    return d;
}

inline toy_model toy_model_of(model_config const& model, std::string_view version)
{
    return toy_model{model.model_id, std::string(version), model.kind, model.weights, model.bias};
}

} // namespace model_server

#endif
