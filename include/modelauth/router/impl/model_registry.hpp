//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_ROUTER_IMPL_MODEL_REGISTRY_HPP
#define MODELAUTH_ROUTER_IMPL_MODEL_REGISTRY_HPP

#include <modelauth/config/json_reader.hpp>
#include <modelauth/detail/path_grammar.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <limits>
#include <optional>
#include <string>

namespace modelauth {
inline namespace v0 {
namespace router {

constexpr bool is_valid_model_name(std::string_view name) noexcept
{
    return modelauth::detail::is_label(name, max_model_name_bytes);
}

constexpr bool is_valid_model_version(std::string_view version) noexcept
{
    return modelauth::detail::is_label(version, max_model_version_bytes);
}

constexpr bool is_valid_model_prefix(std::string_view prefix) noexcept
{
    return modelauth::detail::is_label_path(
        prefix, max_model_prefix_segments, max_model_name_bytes, max_model_prefix_bytes);
}

namespace detail {

// "models[3]" or "models[3].name".
inline std::string element_field(std::string_view list, std::size_t index, std::string_view member = {})
{
    std::string field(list);
    field += '[';
    field += std::to_string(index);
    field += ']';
    if(! member.empty())
    {
        if(member.front() != '[')
            field += '.';
        field += member;
    }
    return field;
}

inline std::string quote_name(std::string_view text)
{
    std::string q;
    q.reserve(text.size() + 2);
    q += '"';
    q += text;
    q += '"';
    return q;
}

inline std::size_t count_segments(std::string_view path) noexcept
{
    std::size_t n = 1;
    for(char c : path)
        n += c == '/' ? 1 : 0;
    return n;
}

inline constexpr char const* label_rule =
    "characters of [A-Za-z0-9._-], the first a letter or a digit, the last not '.'";

} // namespace detail

template<class Metadata>
basic_model_registry<Metadata>::basic_model_registry() = default;

template<class Metadata>
basic_model_registry<Metadata>::basic_model_registry(
    std::vector<model_type> models, std::string_view field_path)
    : models_(std::move(models))
{
    using detail::element_field;
    using detail::quote_name;
    using std::string_literals::operator""s;

    // Indices are uint32 with one value reserved for "none".
    std::size_t total_versions = 0;
    for(auto const& m : models_)
        total_versions += m.versions.size();
    if(models_.size() >= modelauth::detail::flat_index::none || total_versions >= modelauth::detail::flat_index::none)
        throw configuration_error(std::string(field_path), "has more models or versions than a registry can hold");

    prefix_index_ = modelauth::detail::flat_index(models_.size());
    model_index_ = modelauth::detail::flat_index(models_.size());
    id_index_ = modelauth::detail::flat_index(models_.size());
    version_index_ = modelauth::detail::flat_index(total_versions);
    model_prefix_.reserve(models_.size());
    default_version_.reserve(models_.size());
    versions_.reserve(total_versions);

    for(std::size_t i = 0; i < models_.size(); ++i)
    {
        model_type& m = models_[i];
        auto const mi = static_cast<std::uint32_t>(i);

        if(m.prefix.empty())
            throw configuration_error(element_field(field_path, i, "prefix"), "must not be empty");
        if(! is_valid_model_prefix(m.prefix))
            throw configuration_error(element_field(field_path, i, "prefix"),
                "is not a valid prefix: 1 to 8 segments separated by '/', each of 1 to 128 "s
                    + detail::label_rule + ", 256 bytes at most");
        if(m.name.empty())
            throw configuration_error(element_field(field_path, i, "name"), "must not be empty");
        if(! is_valid_model_name(m.name))
            throw configuration_error(element_field(field_path, i, "name"),
                "is not a valid model name: 1 to 128 "s + detail::label_rule);
        if(m.versions.empty())
            throw configuration_error(element_field(field_path, i, "versions"), "must list at least one version");

        for(std::size_t j = 0; j < m.versions.size(); ++j)
        {
            std::string const& v = m.versions[j];
            std::string const field = element_field(field_path, i, "versions[" + std::to_string(j) + "]");
            if(! is_valid_model_version(v))
                throw configuration_error(field, "is not a valid version: 1 to 32 "s + detail::label_rule);
            auto const entry = static_cast<std::uint32_t>(versions_.size());
            auto const existing = version_index_.insert(modelauth::detail::hash_text(v, mi), entry,
                [&](std::uint32_t e) { return versions_[e].model == mi && m.versions[versions_[e].version] == v; });
            if(existing != modelauth::detail::flat_index::none)
                throw configuration_error(field,
                    "repeats versions[" + std::to_string(versions_[existing].version) + "] " + quote_name(v));
            versions_.push_back(version_entry{mi, static_cast<std::uint32_t>(j)});
        }

        if(m.default_version.empty())
        {
            m.default_version = m.versions.back();
            default_version_.push_back(static_cast<std::uint32_t>(m.versions.size() - 1));
        }
        else
        {
            std::size_t const d = find_version(i, m.default_version);
            if(d == npos)
                throw configuration_error(element_field(field_path, i, "default_version"),
                    (is_valid_model_version(m.default_version) ? quote_name(m.default_version) + " is" : "is"s)
                        + " not one of the model's versions");
            default_version_.push_back(static_cast<std::uint32_t>(d));
        }

        if(! m.instance.empty()
            && ! (modelauth::detail::is_label_path(m.instance, 3, max_model_name_bytes, max_model_prefix_bytes)
                && detail::count_segments(m.instance) == 3))
            throw configuration_error(element_field(field_path, i, "instance"),
                "is not an instance id: project/region/instance, each of 1 to 128 "s + detail::label_rule);
        if(! m.account.empty() && ! is_valid_model_name(m.account))
            throw configuration_error(element_field(field_path, i, "account"),
                "is not a valid account id: 1 to 128 "s + detail::label_rule);
        if(! m.space.empty() && ! is_valid_model_name(m.space))
            throw configuration_error(element_field(field_path, i, "space"),
                "is not a valid space id: 1 to 128 "s + detail::label_rule);

        auto const same_id = id_index_.insert(modelauth::detail::mix_hash(static_cast<std::uint64_t>(m.model_id)), mi,
            [&](std::uint32_t other) { return models_[other].model_id == m.model_id; });
        if(same_id != modelauth::detail::flat_index::none)
            throw configuration_error(element_field(field_path, i, "model_id"),
                std::to_string(m.model_id) + " is already the model_id of " + element_field(field_path, same_id));

        auto const new_prefix = static_cast<std::uint32_t>(prefixes_.size());
        auto prefix = prefix_index_.insert(modelauth::detail::hash_text(m.prefix), new_prefix,
            [&](std::uint32_t p) { return prefixes_[p] == m.prefix; });
        if(prefix == modelauth::detail::flat_index::none)
        {
            prefix = new_prefix;
            prefixes_.push_back(m.prefix);
            max_prefix_segments_ = (std::max)(max_prefix_segments_, detail::count_segments(m.prefix));
        }
        model_prefix_.push_back(prefix);

        auto const same_name = model_index_.insert(modelauth::detail::hash_text(m.name, prefix), mi,
            [&](std::uint32_t other) { return model_prefix_[other] == prefix && models_[other].name == m.name; });
        if(same_name != modelauth::detail::flat_index::none)
            throw configuration_error(element_field(field_path, i, "name"),
                quote_name(m.prefix + "/" + m.name) + " is already registered by " + element_field(field_path, same_name));
    }

    // The longest registered prefix wins, so if "<prefix>/<name>" were a
    // prefix too, "/<prefix>/<name>/<version>/" would route into it.
    for(std::size_t i = 0; i < models_.size(); ++i)
    {
        std::string const path = models_[i].prefix + "/" + models_[i].name;
        if(find_prefix(path) != npos)
            throw configuration_error(element_field(field_path, i, "name"),
                quote_name(path) + " is also a registered prefix: the model's versioned URLs would route into it");
    }
}

template<class Metadata>
auto basic_model_registry<Metadata>::find(std::int64_t model_id) const noexcept -> model_type const*
{
    std::size_t const i = find_model_id(model_id);
    return i == npos ? nullptr : &models_[i];
}

template<class Metadata>
auto basic_model_registry<Metadata>::find(std::string_view prefix, std::string_view name) const noexcept
    -> model_type const*
{
    std::size_t const p = find_prefix(prefix);
    if(p == npos)
        return nullptr;
    std::size_t const i = find_model(p, name);
    return i == npos ? nullptr : &models_[i];
}

template<class Metadata>
std::size_t basic_model_registry<Metadata>::find_prefix(std::string_view prefix) const noexcept
{
    auto const p = prefix_index_.find(modelauth::detail::hash_text(prefix),
        [&](std::uint32_t candidate) { return prefixes_[candidate] == prefix; });
    return p == modelauth::detail::flat_index::none ? npos : p;
}

template<class Metadata>
std::size_t basic_model_registry<Metadata>::find_model(std::size_t prefix_index, std::string_view name) const noexcept
{
    if(prefix_index >= prefixes_.size())
        return npos;
    auto const prefix = static_cast<std::uint32_t>(prefix_index);
    auto const i = model_index_.find(modelauth::detail::hash_text(name, prefix), [&](std::uint32_t candidate) {
        return model_prefix_[candidate] == prefix && models_[candidate].name == name;
    });
    return i == modelauth::detail::flat_index::none ? npos : i;
}

template<class Metadata>
std::size_t basic_model_registry<Metadata>::find_model_id(std::int64_t model_id) const noexcept
{
    auto const i = id_index_.find(modelauth::detail::mix_hash(static_cast<std::uint64_t>(model_id)),
        [&](std::uint32_t candidate) { return models_[candidate].model_id == model_id; });
    return i == modelauth::detail::flat_index::none ? npos : i;
}

template<class Metadata>
std::size_t basic_model_registry<Metadata>::find_version(std::size_t model_index, std::string_view version) const noexcept
{
    auto const model = static_cast<std::uint32_t>(model_index);
    auto const e = version_index_.find(modelauth::detail::hash_text(version, model), [&](std::uint32_t candidate) {
        return versions_[candidate].model == model
            && models_[model_index].versions[versions_[candidate].version] == version;
    });
    return e == modelauth::detail::flat_index::none ? npos : versions_[e].version;
}

//----------------------------------------------------------------------------

namespace detail {

// The string member `key` of a model entry: required, or optional (absent or
// null reads as empty).
inline std::string json_string_member(modelauth::config::json_reader const& entry, std::string_view key, bool required)
{
    auto const member = required ? std::optional<modelauth::config::json_reader>(entry[key]) : entry.find_non_null(key);
    return member ? std::string(member->string()) : std::string();
}

struct keep_json_entry
{
    boost::json::value operator()(boost::json::object const& entry) const
    {
        return boost::json::value(entry);
    }
};

} // namespace detail

template<class Metadata, class MapMetadata>
std::vector<basic_model_description<Metadata>> model_descriptions_from_json(
    boost::json::value const& models, MapMetadata&& map_metadata, std::string_view field_path)
{
    static_assert(std::is_invocable_r<Metadata, MapMetadata&, boost::json::object const&>::value,
        "model_descriptions_from_json: map_metadata must be callable as "
        "map_metadata(boost::json::object const&) and return the registry's Metadata type");

    modelauth::config::json_reader const list(models, std::string(field_path));
    std::vector<basic_model_description<Metadata>> descriptions;
    for(auto const& entry : list.elements())
    {
        basic_model_description<Metadata> d;
        d.model_id = entry["model_id"].template integer<std::int64_t>();
        d.prefix = detail::json_string_member(entry, "prefix", true);
        d.name = detail::json_string_member(entry, "name", true);
        d.default_version = detail::json_string_member(entry, "default_version", false);
        d.instance = detail::json_string_member(entry, "instance", false);
        d.account = detail::json_string_member(entry, "account", false);
        d.space = detail::json_string_member(entry, "space", false);
        for(auto const& version : entry["versions"].elements())
            d.versions.emplace_back(version.string());

        try
        {
            d.metadata.emplace(map_metadata(entry.object()));
        }
        catch(configuration_error const& e)
        {
            // Put the entry's path in front of the mapper's own field.
            std::string_view const problem = std::string_view(e.what()).substr(e.field().size() + 2);
            throw configuration_error(detail::element_field(field_path, descriptions.size(), e.field()), problem);
        }
        descriptions.push_back(std::move(d));
    }
    return descriptions;
}

inline std::vector<model_description> model_descriptions_from_json(
    boost::json::value const& models, std::string_view field_path)
{
    return model_descriptions_from_json<boost::json::value>(models, detail::keep_json_entry{}, field_path);
}

} // namespace router
} // namespace v0
} // namespace modelauth

#endif
