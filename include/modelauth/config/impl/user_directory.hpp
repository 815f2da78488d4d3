//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CONFIG_IMPL_USER_DIRECTORY_HPP
#define MODELAUTH_CONFIG_IMPL_USER_DIRECTORY_HPP

#include <modelauth/detail/ascii.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace config {
namespace detail {

inline std::string label(json_reader const& r, char const* what)
{
    std::string_view const s = r.string();
    if(! router::is_valid_model_name(s))
        r.fail(std::string("is not a valid ") + what + ": 1 to 128 " + router::detail::label_rule);
    return std::string(s);
}

// `"<name>" ` when `name` is safe to show (a label or a label path), else "".
inline std::string shown_name(std::string_view name)
{
    bool const safe = ! name.empty() && name.size() <= 256 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
            || c == '-' || c == '/';
    });
    return safe ? "\"" + std::string(name) + "\" " : std::string();
}

// Fails at `path_of(i)` for the first element whose key an earlier one has:
// "repeats <list>[<earlier index>]".
template<class T, class Key, class Path>
void check_unique(std::vector<T> const& items, Key key_of, Path path_of, std::string_view list)
{
    std::map<std::string, std::size_t, std::less<>> first;
    for(std::size_t i = 0; i < items.size(); ++i)
    {
        auto const [it, inserted] = first.emplace(key_of(items[i]), i);
        if(! inserted)
            throw configuration_error(path_of(i), "repeats " + index_path(list, it->second));
    }
}

inline std::string lower_ascii(std::string_view s)
{
    std::string out(s);
    for(char& c : out)
        c = modelauth::detail::ascii_lower(c);
    return out;
}

inline bool is_email(std::string_view s) noexcept
{
    auto const at = s.find('@');
    return s.size() <= 254 && at != std::string_view::npos && at > 0 && at + 1 < s.size()
        && s.find('@', at + 1) == std::string_view::npos
        && std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

// `<action>` or `<action>:<path>`: printable ASCII without spaces, no empty
// part between colons.
inline bool is_scope(std::string_view s) noexcept
{
    if(s.empty() || s.size() > 512 || s.front() == ':' || s.back() == ':' || s.find("::") != std::string_view::npos)
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

// The stored hash of `users[i].password`, its shape checked field by field
// so that the message says what is wrong; never quotes the value.
inline tokens::password_hash password_of(json_reader const& r, user_directory_options const& options)
{
    std::string_view const hash = r.string();
    if(! options.password_placeholder.empty() && hash == options.password_placeholder)
    {
        if(! options.placeholder_hash)
            r.fail("is the demo placeholder, which only the embedded demo config may use; "
                   "store a hash made by the hash-password subcommand");
        return *options.placeholder_hash;
    }
    std::vector<std::string_view> fields;
    for(std::size_t begin = 0;;)
    {
        auto const dollar = hash.find('$', begin);
        fields.push_back(hash.substr(begin, dollar == std::string_view::npos ? std::string_view::npos : dollar - begin));
        if(dollar == std::string_view::npos)
            break;
        begin = dollar + 1;
    }
    if(fields.size() != 4)
        r.fail("must be a password hash pbkdf2_sha256$<iterations>$<salt>$<hash>, never a plain password");
    if(fields[0] != "pbkdf2_sha256")
        r.fail("must be a pbkdf2_sha256 hash: no other algorithm is accepted");
    std::string_view const iterations = fields[1];
    bool const digits = ! iterations.empty() && iterations.size() <= 10 && iterations.front() != '0'
        && std::all_of(iterations.begin(), iterations.end(), [](char c) { return c >= '0' && c <= '9'; });
    std::uint64_t const count = digits ? std::stoull(std::string(iterations)) : 0; // 10 digits fit
    if(! digits || count > static_cast<std::uint64_t>((std::numeric_limits<int>::max)()))
        r.fail("has an iteration count that is not a positive integer below 2^31");
    if(count < tokens::min_password_iterations)
        r.fail("has fewer than 100000 PBKDF2 iterations");
    if(fields[2].empty())
        r.fail("has an empty salt");
    if(fields[3].empty())
        r.fail("has an empty hash");
    auto parsed = tokens::password_hash::parse(hash);
    if(! parsed)
        r.fail("must be a password hash pbkdf2_sha256$<iterations>$<salt>$<hash>: the salt is printable ASCII "
               "without '$' and the hash the padded base64 of 32 bytes");
    return std::move(*parsed);
}

inline std::string account_reference(json_reader const& r, tokens::user_directory const& d)
{
    std::string_view const id = r.string();
    if(d.find_account(id) == nullptr)
        r.fail(shown_name(id) + "is not the id of an account in accounts");
    return std::string(id);
}

inline std::string instance_reference(json_reader const& r, tokens::user_directory const& d)
{
    std::string_view const key = r.string();
    if(! d.has_instance(key))
        r.fail(shown_name(key) + "is not an instance of instances (project/region/id)");
    return std::string(key);
}

inline void read_accounts(json_reader const& list, tokens::user_directory& d)
{
    for(auto const& entry : list.elements())
    {
        entry.allow_only({"id", "spaces"});
        tokens::account_record account;
        account.id = label(entry["id"], "account id");
        if(auto const spaces = entry.find("spaces"))
        {
            for(auto const& space : spaces->elements())
                account.spaces.push_back(label(space, "space id"));
            check_unique(account.spaces, [](std::string const& s) { return s; },
                [&](std::size_t j) { return index_path(spaces->path(), j); }, "spaces");
        }
        d.accounts.push_back(std::move(account));
    }
    check_unique(d.accounts, [](tokens::account_record const& a) { return a.id; },
        [&](std::size_t i) { return member_path(index_path(list.path(), i), "id"); }, list.path());
}

inline void read_instances(json_reader const& list, tokens::user_directory& d)
{
    for(auto const& entry : list.elements())
    {
        entry.allow_only({"project", "region", "id"});
        std::string key = label(entry["project"], "project id");
        key += '/' + label(entry["region"], "region id");
        key += '/' + label(entry["id"], "instance id");
        d.instances.push_back(std::move(key));
    }
    check_unique(d.instances, [](std::string const& key) { return key; },
        [&](std::size_t i) { return index_path(list.path(), i); }, list.path());
}

inline void read_users(json_reader const& list, tokens::user_directory& d, user_directory_options const& options)
{
    for(auto const& entry : list.elements())
    {
        entry.allow_only({"email", "password", "account", "scopes", "instances"});
        auto const email = entry["email"];
        if(! is_email(email.string()))
            email.fail("must be an e-mail address: local-part@domain, printable ASCII without spaces");
        tokens::user_record user{std::string(email.string()), password_of(entry["password"], options),
            account_reference(entry["account"], d), {}, {}};
        if(auto const scopes = entry.find("scopes"))
            for(auto const& scope : scopes->elements())
            {
                if(! is_scope(scope.string()))
                    scope.fail("must be a scope: <action> or <action>:<path>, without spaces, e.g. \"models:infer\"");
                user.scopes.emplace_back(scope.string());
            }
        if(auto const instances = entry.find("instances"))
            for(auto const& key : instances->elements())
                user.instances.push_back(instance_reference(key, d));
        d.users.push_back(std::move(user));
    }
    check_unique(d.users, [](tokens::user_record const& u) { return lower_ascii(u.email); },
        [&](std::size_t i) { return member_path(index_path(list.path(), i), "email"); }, list.path());
}

} // namespace detail

inline tokens::user_directory user_directory_from_json(json_reader const& root, user_directory_options const& options)
{
    tokens::user_directory directory;
    // Referenced lists first, whatever their order in the document.
    if(auto const x = root.find("accounts"))
        detail::read_accounts(*x, directory);
    if(auto const x = root.find("instances"))
        detail::read_instances(*x, directory);
    if(auto const x = root.find("users"))
        detail::read_users(*x, directory, options);
    return directory;
}

inline void check_model_owners(
    router::model_registry const& registry, tokens::user_directory const& directory, std::string const& models_path)
{
    auto const& models = registry.models();
    for(std::size_t i = 0; i < models.size(); ++i)
    {
        auto const& m = models[i];
        std::string const at = index_path(models_path, i);
        if(! m.account.empty() && directory.find_account(m.account) == nullptr)
            throw configuration_error(member_path(at, "account"),
                detail::shown_name(m.account) + "is not the id of an account in accounts");
        if(! m.space.empty())
        {
            if(m.account.empty())
                throw configuration_error(
                    member_path(at, "space"), "needs the model's account: a space belongs to an account");
            auto const& spaces = directory.find_account(m.account)->spaces;
            if(std::find(spaces.begin(), spaces.end(), m.space) == spaces.end())
                throw configuration_error(member_path(at, "space"),
                    detail::shown_name(m.space) + "is not a space of account \"" + m.account + "\"");
        }
        if(! m.instance.empty() && ! directory.has_instance(m.instance))
            throw configuration_error(member_path(at, "instance"),
                detail::shown_name(m.instance) + "is not an instance of instances (project/region/id)");
    }
}

} // namespace config
} // namespace v0
} // namespace modelauth

#endif
