//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// libFuzzer target for the platform's JSON config, the operator input of the
// reference server: the input is a config document for parse_platform_config
// (with a demo password for "$demo$" and the example server's model keys
// kind, weights and bias). Parsing only: no server is started, nothing is
// fetched, and no file is read. parse_platform_config reads the files that
// a trusted issuer's jwks_file or file:// jwks_uri names, so a document with
// one is not given to it as it is: its trusted_issuers go through
// trusted_issuers_from_json with a loader that refuses, and the rest of the
// document, re-serialised without them, through parse_platform_config.
// PBKDF2 never runs at parse time (a hash is only parsed).
//
// Besides "no crash, no leak, no hang, no undefined behaviour" (ASan +
// UBSan), it checks an oracle on every input:
// - the parser returns a config or throws configuration_error; anything
//   else (std::bad_alloc aside) is a finding;
// - a configuration_error's what() is "<field>: <problem>", both non-empty,
//   and its field is a key path: "(config)", or a top-level key followed by
//   .key, ["odd key"] and [index] parts (a top-level key that is not a
//   config key only when the problem is that it is not a known key);
// - parsing the same text again gives the same config, or the same error;
// - a config's models have unique ids and unique prefix/name pairs, each
//   found by its id, with a default version among its versions; its trusted
//   issuers are unique, one remote key source for each issuer whose keys
//   come over the network; its limits are within their ranges; never both
//   redis and state_dir.

#include <modelauth/config/model_platform.hpp>
#include <modelauth/config/trusted_issuer.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/detail/ascii.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iterator>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

namespace {

namespace ma = modelauth;
namespace cfg = ma::config;

// What "$demo$" stands for; the tests' hash (parsed, never verified here).
constexpr std::string_view demo_hash = "pbkdf2_sha256$600000$saltsalt$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

constexpr std::string_view root_keys[] = {"listen", "issuer", "redis", "threads", "state_dir", "strict_slash",
    "limits", "lifetimes", "accounts", "instances", "users", "models", "trusted_issuers"};

[[noreturn]] void fail(char const* what, std::string_view detail = {})
{
    std::fprintf(stderr, "config_fuzz oracle: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
}

// The example server's model keys: each optional here, checked when given.
cfg::model_service load_model(cfg::json_reader const& entry)
{
    if(auto const kind = entry.find("kind"); kind && kind->string() != "linear" && kind->string() != "logistic")
        kind->fail("must be \"linear\" or \"logistic\"");
    if(auto const weights = entry.find("weights"))
        for(auto const& w : weights->elements(1, 4096, "weight"))
            static_cast<void>(w.number());
    if(auto const bias = entry.find("bias"))
        static_cast<void>(bias->number());
    return {};
}

cfg::platform_config_options const& options()
{
    static cfg::platform_config_options const o = [] {
        cfg::platform_config_options made;
        auto hash = ma::tokens::password_hash::parse(demo_hash);
        if(! hash)
            fail("the demo hash does not parse");
        made.demo_password = std::move(*hash);
        made.models.entry_keys = {"kind", "weights", "bias"};
        made.models.load = load_model;
        return made;
    }();
    return o;
}

bool is_identifier_char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool is_hex_lower(char c) noexcept
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// Reads one path part at `at`: `.ident` (`ident` when `first`), `[digits]`
// or `["escaped"]` (member_path's form of a key that is not an identifier,
// the empty key included); false if there is none. `name` gets an identifier's text.
bool path_part(std::string_view path, std::size_t& at, bool first, std::string_view& name)
{
    name = {};
    if(at < path.size() && (path[at] == '.' || (first && is_identifier_char(path[at]))))
    {
        std::size_t const begin = path[at] == '.' ? at + 1 : at;
        if(path[at] == '.' && first)
            return false;
        std::size_t end = begin;
        while(end < path.size() && is_identifier_char(path[end]))
            ++end;
        if(end == begin || end - begin > 64)
            return false;
        name = path.substr(begin, end - begin);
        at = end;
        return true;
    }
    if(path.compare(at, 2, "[\"") == 0)
    {
        std::size_t i = at + 2;
        std::size_t shown = 0;
        while(i < path.size() && path[i] != '"')
        {
            char const c = path[i];
            if(c == '\\')
            {
                if(i + 3 >= path.size() || path[i + 1] != 'x' || ! is_hex_lower(path[i + 2]) || ! is_hex_lower(path[i + 3]))
                    return false;
                i += 4;
            }
            else if(c >= 0x20 && c < 0x7F)
                ++i;
            else
                return false;
            ++shown;
        }
        if(shown > 64 + 3 || path.compare(i, 2, "\"]") != 0) // [""]: the empty key
            return false;
        at = i + 2;
        return true;
    }
    if(! first && at < path.size() && path[at] == '[')
    {
        std::size_t i = at + 1;
        while(i < path.size() && path[i] >= '0' && path[i] <= '9')
            ++i;
        if(i == at + 1 || i - at - 1 > 20 || i >= path.size() || path[i] != ']')
            return false;
        at = i + 1;
        return true;
    }
    return false;
}

void check_error(ma::configuration_error const& e)
{
    std::string_view const what = e.what();
    std::string const& field = e.field();
    if(field.empty())
        fail("an error without a field", what);
    if(what.size() <= field.size() + 2 || what.compare(0, field.size(), field) != 0
        || what.compare(field.size(), 2, ": ") != 0)
        fail("an error that is not \"<field>: <problem>\"", what);
    std::string_view const problem = what.substr(field.size() + 2);
    if(field == "(config)")
        return;
    std::size_t at = 0;
    std::string_view head;
    if(! path_part(field, at, true, head))
        fail("an error whose field does not start with a key", what);
    bool const config_key = std::find(std::begin(root_keys), std::end(root_keys), head) != std::end(root_keys);
    if(! config_key && (at != field.size() || problem.rfind("is not a known key", 0) != 0))
        fail("an error naming a top-level key that is not a config key", what);
    while(at < field.size())
    {
        std::string_view part;
        if(! path_part(field, at, false, part))
            fail("an error whose field is not a key path", what);
    }
}

void add(std::string& out, std::string_view label, std::string_view value)
{
    out += label;
    out += '=';
    out += std::to_string(value.size());
    out += ':';
    out += value;
    out += '\n';
}

void add(std::string& out, std::string_view label, std::int64_t value)
{
    add(out, label, std::to_string(value));
}

void add_keys(std::string& out, ma::jose::key_set const& keys)
{
    add(out, "keys", static_cast<std::int64_t>(keys.size()));
    for(auto const& key : keys)
    {
        add(out, "alg", ma::jose::algorithm_name(key.alg()));
        add(out, "kid", key.kid());
        add(out, "private", key.has_private_key());
    }
}

// Everything a config holds, as text, to compare two parses.
std::string describe(cfg::platform_config const& c)
{
    std::string out;
    add(out, "listen.host", c.listen.host);
    add(out, "listen.port", c.listen.port);
    add(out, "issuer", c.issuer ? "1" + *c.issuer : "0");
    add(out, "threads", c.threads);
    add(out, "state_dir", c.state_dir ? "1" + c.state_dir->string() : "0");
    add(out, "redis", c.redis ? "1" + *c.redis : "0");
    add(out, "strict_slash", c.strict_slash);
    add(out, "body_bytes", static_cast<std::int64_t>(c.limits.body_bytes));
    add(out, "target_bytes", static_cast<std::int64_t>(c.limits.target_bytes));
    add(out, "read_timeout", c.limits.read_timeout.count());
    add(out, "header_timeout", c.limits.header_timeout.count());
    add(out, "max_connections", static_cast<std::int64_t>(c.limits.max_connections));
    add(out, "access", c.lifetimes.access.count());
    add(out, "refresh", c.lifetimes.refresh.count());
    add(out, "model_session", c.lifetimes.model_session.count());
    add(out, "temporary", c.lifetimes.temporary.count());
    for(auto const& a : c.directory.accounts)
    {
        add(out, "account", a.id);
        for(auto const& s : a.spaces)
            add(out, "space", s);
    }
    for(auto const& i : c.directory.instances)
        add(out, "instance", i);
    for(auto const& u : c.directory.users)
    {
        add(out, "user", u.email);
        add(out, "password", u.password.encoded());
        add(out, "user.account", u.account);
        for(auto const& s : u.scopes)
            add(out, "scope", s);
        for(auto const& i : u.instances)
            add(out, "user.instance", i);
    }
    for(auto const& m : c.models.models())
    {
        add(out, "model", m.model_id);
        add(out, "prefix", m.prefix);
        add(out, "name", m.name);
        for(auto const& v : m.versions)
            add(out, "version", v);
        add(out, "default_version", m.default_version);
        add(out, "model.instance", m.instance);
        add(out, "model.account", m.account);
        add(out, "model.space", m.space);
        add(out, "metadata", m.metadata ? "1" + boost::json::serialize(*m.metadata) : "0");
    }
    for(auto const& t : c.trusted_issuers)
    {
        add(out, "trusted", t.issuer);
        for(auto const& a : t.audiences)
            add(out, "audience", a);
        for(auto const alg : t.algorithms)
            add(out, "algorithm", ma::jose::algorithm_name(alg));
        add(out, "leeway", t.leeway.count());
        add(out, "remote_keys", t.remote_keys);
        add(out, "account_claim", t.account_claim ? "1" + *t.account_claim : "0");
        add(out, "account_required", t.account_required);
        add_keys(out, t.keys);
    }
    for(auto const& r : c.remote_keys)
    {
        add(out, "remote", r.issuer);
        add(out, "jwks_uri", r.jwks_uri);
        add(out, "discovery", r.discovery);
        add(out, "ca_file", r.ca_file);
        add(out, "refresh_s", r.refresh.count());
        add(out, "min_refresh_s", r.min_refresh.count());
        add(out, "default_alg", r.default_alg ? ma::jose::algorithm_name(*r.default_alg) : "");
        add(out, "config_path", r.config_path);
    }
    return out;
}

void check_config(cfg::platform_config const& c)
{
    std::set<std::int64_t> ids;
    std::set<std::pair<std::string, std::string>> names;
    for(auto const& m : c.models.models())
    {
        if(! ids.insert(m.model_id).second)
            fail("two models with one model_id", std::to_string(m.model_id));
        if(! names.emplace(m.prefix, m.name).second)
            fail("two models with one prefix and name", m.prefix + "/" + m.name);
        if(c.models.find(m.model_id) != &m)
            fail("a model not found by its model_id", std::to_string(m.model_id));
        if(std::find(m.versions.begin(), m.versions.end(), m.default_version) == m.versions.end())
            fail("a default version that is not a version", m.default_version);
    }
    std::set<std::string> issuers;
    std::size_t remote = 0;
    for(auto const& t : c.trusted_issuers)
    {
        if(! issuers.insert(t.issuer).second)
            fail("two trusted issuers with one name", t.issuer);
        remote += t.remote_keys ? 1 : 0;
    }
    if(remote != c.remote_keys.size())
        fail("remote key sources do not match the issuers with remote keys");
    if(c.threads > 1024 || c.limits.body_bytes < 1 || c.limits.body_bytes > (64u << 20) || c.limits.target_bytes < 1
        || c.limits.target_bytes > 65536 || c.limits.max_connections < 1 || c.limits.max_connections > (1u << 20)
        || c.limits.read_timeout.count() < 1 || c.limits.read_timeout.count() > 3600
        || c.limits.header_timeout.count() < 1 || c.limits.header_timeout.count() > 3600)
        fail("a setting out of its range");
    if(c.redis && c.state_dir)
        fail("both redis and state_dir");
}

// parse_platform_config of `text`: the config described, or the error's message.
std::string parse(std::string_view text)
{
    try
    {
        auto const config = cfg::parse_platform_config(text, options());
        check_config(config);
        return describe(config);
    }
    catch(ma::configuration_error const& e)
    {
        check_error(e);
        return std::string("error: ") + e.what();
    }
}

// Whether parse_platform_config would give some issuer's jwks_file or
// file:// jwks_uri to its file loader (a "file:" prefix in any case is
// enough here, which is a little wider than what the loader gets).
bool names_key_files(boost::json::value const& document)
{
    auto const* root = document.if_object();
    auto const* issuers = root ? root->if_contains("trusted_issuers") : nullptr;
    if(issuers == nullptr || ! issuers->is_array())
        return false;
    for(auto const& entry : issuers->get_array())
    {
        auto const* object = entry.if_object();
        if(object == nullptr)
            continue;
        if(object->contains("jwks_file"))
            return true;
        if(auto const* uri = object->if_contains("jwks_uri"); uri && uri->is_string())
        {
            auto const& s = uri->get_string();
            if(s.size() >= 5 && ma::detail::iequals_ascii(std::string_view(s.data(), 5), "file:"))
                return true;
        }
    }
    return false;
}

ma::jose::key_set refuse_key_files(std::string_view, cfg::json_reader const& source, std::optional<ma::jose::algorithm>)
{
    source.fail("cannot be read: the fuzzer reads no files");
}

// The trusted issuers of a document naming key files, with a loader that refuses.
void parse_issuers(boost::json::value const& issuers)
{
    try
    {
        std::vector<ma::validation::remote_key_source> remote;
        auto const read = cfg::trusted_issuers_from_json(cfg::json_reader(issuers, "trusted_issuers"), refuse_key_files, remote);
        std::size_t with_remote = 0;
        for(auto const& t : read)
            with_remote += t.remote_keys ? 1 : 0;
        if(with_remote != remote.size())
            fail("remote key sources do not match the issuers with remote keys");
    }
    catch(ma::configuration_error const& e)
    {
        check_error(e);
    }
}

void run(std::string_view text)
{
    auto const first = parse(text);
    if(parse(text) != first)
        fail("a second parse of the same text differs", first);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const input(reinterpret_cast<char const*>(data), size);
    try
    {
        std::optional<boost::json::value> document;
        try
        {
            document = cfg::parse_document(input);
        }
        catch(ma::configuration_error const& e)
        {
            check_error(e);
        }
        if(document && names_key_files(*document))
        {
            auto& root = document->as_object();
            parse_issuers(root.at("trusted_issuers"));
            root.erase("trusted_issuers");
            run(boost::json::serialize(*document));
        }
        else
            run(input);
    }
    catch(std::bad_alloc const&)
    {
    }
    catch(std::exception const& e)
    {
        std::fprintf(stderr, "config_fuzz: %s escaped: %s\n", typeid(e).name(), e.what());
        std::abort();
    }
    catch(...)
    {
        fail("an exception that is not a std::exception escaped");
    }
    return 0;
}
