//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_ROUTER_MODEL_REGISTRY_HPP
#define MODELAUTH_ROUTER_MODEL_REGISTRY_HPP

/** @file
    The registry of deployed models: an immutable, indexed set of model
    descriptions that the router matches URLs against.

    A model is `<prefix>/<name>` with one or more versions, e.g.
    `models/practicus/diamond-price` in versions `1` and `2`; its URLs are
    `<service root>/<prefix>/<name>/` (the default version) and
    `<service root>/<prefix>/<name>/<version>/` (see `model_url_router.hpp`).

    A registry is built once from descriptions (at start-up, or when the set
    of deployed models changes), checked as a whole, and then only read: to
    change it, build a new one and hand it to the router, which publishes it
    atomically (`basic_model_url_router::replace`).
*/

#include <modelauth/configuration_error.hpp>
#include <modelauth/detail/flat_index.hpp>

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace router {

//----------------------------------------------------------------------------
// Grammar

/// The longest model name, in bytes.
inline constexpr std::size_t max_model_name_bytes = 128;

/// The longest model version, in bytes.
inline constexpr std::size_t max_model_version_bytes = 32;

/// The most segments a model prefix may have.
inline constexpr std::size_t max_model_prefix_segments = 8;

/// The longest model prefix, in bytes, separators included.
inline constexpr std::size_t max_model_prefix_bytes = 256;

/** Whether `name` is a valid model name (U17).

    Grammar: 1 to `max_model_name_bytes` characters of `A-Z a-z 0-9 . _ -`,
    the first a letter or a digit, the last not `.`. So `.hidden`, `.`, `..`,
    `-x`, `a.` and anything non-ASCII are invalid; matching is case-sensitive.

    Complexity: linear. Exception safety: no-throw.
*/
[[nodiscard]] constexpr bool is_valid_model_name(std::string_view name) noexcept;

/** Whether `version` is a valid model version (U16).

    Grammar: the name grammar with at most `max_model_version_bytes`
    characters. Versions are labels, never numbers: `1`, `01` and `1e3` are
    three different valid versions, a 2^64 figure is just a 20-character
    label (no overflow), and `-1`, `.1`, `+1` and ` 1` are invalid.

    Complexity: linear. Exception safety: no-throw.
*/
[[nodiscard]] constexpr bool is_valid_model_version(std::string_view version) noexcept;

/** Whether `prefix` is a valid model prefix.

    Grammar: 1 to `max_model_prefix_segments` segments separated by single
    `/`, each following the name grammar, at most `max_model_prefix_bytes` in
    all, without a leading or trailing `/` (`models/practicus`).

    Complexity: linear. Exception safety: no-throw.
*/
[[nodiscard]] constexpr bool is_valid_model_prefix(std::string_view prefix) noexcept;

//----------------------------------------------------------------------------

/** The description of one deployed model, as configured.

    The fields mirror a `models` entry of the server configuration (api.md).

    @tparam Metadata What the server attaches to a model: by default the
    JSON of its configuration entry; a server may map it to its own type.
*/
template<class Metadata>
struct basic_model_description
{
    /// The model's integer id (`x-prt-model-id`, the model-auth `model_id`); unique.
    std::int64_t model_id = 0;

    /// The URL prefix, one or more segments: `models/practicus`.
    std::string prefix;

    /// The model's name, unique within its prefix: `diamond-price`.
    std::string name;

    /// The deployed versions, in the configured order; at least one, no duplicates.
    std::vector<std::string> versions;

    /// The version served when a URL names none. Empty in a description: the
    /// last of `versions`; always set in a registry's copy.
    std::string default_version;

    /// Optional: the instance serving the model, `project/region/instance`
    /// (`demo/eu01/demo`), for instance-bound tokens.
    std::string instance;

    /// Optional: the account owning the model, for account tokens.
    std::string account;

    /// Optional: the space of the model within its account, for space tokens.
    std::string space;

    /// Optional: what the server attaches to the model.
    std::optional<Metadata> metadata;
};

/// A model description with JSON metadata.
using model_description = basic_model_description<boost::json::value>;

//----------------------------------------------------------------------------

/** An immutable set of deployed models, indexed for routing.

    Lookups by `model_id`, by prefix and name, by prefix alone and by version
    are hash lookups that allocate nothing and cost the same for ten models
    as for a hundred thousand.

    Construction checks the whole set and throws `configuration_error`
    naming the first bad field (`models[1].default_version`); see the
    constructor. A registry never changes afterwards.

    Thread safety: immutable after construction; safe to share between
    threads (the router shares it through `std::shared_ptr<... const>`).

    @tparam Metadata The metadata type: a move-constructible object type,
    not const or volatile, with a non-throwing destructor.
*/
template<class Metadata = boost::json::value>
class basic_model_registry
{
    static_assert(std::is_object<Metadata>::value && ! std::is_array<Metadata>::value,
        "basic_model_registry<Metadata>: Metadata must be an object type "
        "(not a reference, function, array or void)");
    static_assert(! std::is_const<Metadata>::value && ! std::is_volatile<Metadata>::value,
        "basic_model_registry<Metadata>: Metadata must not be const or volatile; "
        "the registry hands it out as const already");
    static_assert(std::is_move_constructible<Metadata>::value,
        "basic_model_registry<Metadata>: Metadata must be move-constructible: the registry stores it");
    static_assert(std::is_nothrow_destructible<Metadata>::value,
        "basic_model_registry<Metadata>: Metadata's destructor must not throw");

public:
    /// The metadata type.
    using metadata_type = Metadata;

    /// A registered model: its description, with `default_version` filled in.
    using model_type = basic_model_description<Metadata>;

    /// What index lookups return when nothing matches.
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    /// A registry without models.
    basic_model_registry();

    /** Checks `models` and builds the registry from them.

        Each description must have:
        - a valid `prefix` (`is_valid_model_prefix`) and `name`
          (`is_valid_model_name`);
        - at least one version, each valid (`is_valid_model_version`), no
          two alike;
        - a `default_version` that is one of `versions`, or empty (then the
          last of `versions` is the default);
        - an optional `instance` of three name-grammar labels separated by
          `/`, and optional `account` and `space` labels;
        - a `model_id` and a `prefix`/`name` pair that no other model has.

        And `<prefix>/<name>` of a model must not itself be a registered
        prefix: its versioned URLs would otherwise route into that prefix.

        @param models The descriptions, in any order.
        @param field_path How error messages name the list (`models` gives
        `models[1].default_version`).

        @throws configuration_error naming the first bad field, e.g.
        `models[1].default_version: "3" is not one of the model's versions`.

        Complexity: linear in the total size of the descriptions.
        Exception safety: strong.
    */
    explicit basic_model_registry(std::vector<model_type> models, std::string_view field_path = "models");

    /// The registered models, in the order given.
    [[nodiscard]] std::vector<model_type> const& models() const noexcept
    {
        return models_;
    }

    /// The number of models.
    [[nodiscard]] std::size_t size() const noexcept
    {
        return models_.size();
    }

    /// Whether there are no models.
    [[nodiscard]] bool empty() const noexcept
    {
        return models_.empty();
    }

    /// The distinct prefixes, in the order they first appear in `models()`.
    [[nodiscard]] std::vector<std::string> const& prefixes() const noexcept
    {
        return prefixes_;
    }

    /// The most segments any registered prefix has (0 when empty).
    [[nodiscard]] std::size_t max_prefix_segments() const noexcept
    {
        return max_prefix_segments_;
    }

    /** The model with `model_id`, or null.

        Lifetime: the pointer is valid as long as the registry.
        Complexity: constant on average. Exception safety: no-throw.
    */
    [[nodiscard]] model_type const* find(std::int64_t model_id) const noexcept;

    /** The model named `name` under `prefix` (both decoded text), or null.

        Lifetime: the pointer is valid as long as the registry.
        Complexity: linear in the size of the arguments; constant in the
        number of models. Exception safety: no-throw.
    */
    [[nodiscard]] model_type const* find(std::string_view prefix, std::string_view name) const noexcept;

    /** The index in `prefixes()` of `prefix` (decoded text), or `npos`.

        Complexity: linear in `prefix.size()`. Exception safety: no-throw.
    */
    [[nodiscard]] std::size_t find_prefix(std::string_view prefix) const noexcept;

    /** The index in `models()` of the model named `name` under the prefix
        with index `prefix_index`, or `npos`.

        Complexity: linear in `name.size()`. Exception safety: no-throw.
    */
    [[nodiscard]] std::size_t find_model(std::size_t prefix_index, std::string_view name) const noexcept;

    /** The index in `models()` of the model with `model_id`, or `npos`.

        Complexity: constant on average. Exception safety: no-throw.
    */
    [[nodiscard]] std::size_t find_model_id(std::int64_t model_id) const noexcept;

    /** The index of `version` in `models()[model_index].versions`, or `npos`.

        Precondition: `model_index < size()`.
        Complexity: linear in `version.size()`. Exception safety: no-throw.
    */
    [[nodiscard]] std::size_t find_version(std::size_t model_index, std::string_view version) const noexcept;

    /** The index of the default version in `models()[model_index].versions`.

        Precondition: `model_index < size()`.
        Complexity: constant. Exception safety: no-throw.
    */
    [[nodiscard]] std::size_t default_version_index(std::size_t model_index) const noexcept
    {
        return default_version_[model_index];
    }

private:
    struct version_entry
    {
        std::uint32_t model;
        std::uint32_t version;
    };

    std::vector<model_type> models_;
    std::vector<std::string> prefixes_;
    std::vector<std::uint32_t> model_prefix_;    // per model: its index in prefixes_
    std::vector<std::uint32_t> default_version_; // per model: index in its versions
    std::vector<version_entry> versions_;        // every (model, version)
    modelauth::detail::flat_index prefix_index_;            // prefix text -> prefixes_
    modelauth::detail::flat_index model_index_;             // (prefix, name) -> models_
    modelauth::detail::flat_index id_index_;                // model_id -> models_
    modelauth::detail::flat_index version_index_;           // (model, version) -> versions_
    std::size_t max_prefix_segments_ = 0;
};

/// The registry with JSON metadata.
using model_registry = basic_model_registry<boost::json::value>;

/** Whether `R` is a model registry the router can route against:
    `basic_model_registry<M>` for some metadata type `M`, or a class derived
    from one (a server may derive to keep its own per-snapshot state, such as
    loaded model weights, beside the models, swapped together with them).
*/
template<class R, class = void>
struct is_model_registry : std::false_type
{
};

template<class R>
struct is_model_registry<R, std::void_t<typename R::metadata_type>>
    : std::is_base_of<basic_model_registry<typename R::metadata_type>, R>
{
};

//----------------------------------------------------------------------------
// From configuration JSON

/** Reads the `models` array of a server configuration (api.md) into descriptions.

    Each entry is an object with `model_id` (integer), `prefix`, `name`
    (strings), `versions` (array of strings), and optionally
    `default_version`, `account`, `space`, `instance` (strings or null).
    Other members (such as `kind`, `weights`, `bias`) are the server's:
    they are left to `map_metadata`, which receives the whole entry object
    and returns the model's `Metadata`.

    Only types are checked here; the registry constructor checks the
    grammar, the references between fields and uniqueness, with the same
    field paths.

    @param models The JSON array.
    @param map_metadata Called as `map_metadata(boost::json::object const&)`,
    returns `Metadata`. If it throws a `configuration_error`, that is
    rethrown with the entry's path in front of its field (`models[1].weights`).
    @param field_path The path of `models` in the configuration.

    @throws configuration_error naming the first bad field
    (`models[2].versions[0]: must be a string`).
*/
template<class Metadata, class MapMetadata>
[[nodiscard]] std::vector<basic_model_description<Metadata>> model_descriptions_from_json(
    boost::json::value const& models, MapMetadata&& map_metadata, std::string_view field_path = "models");

/** Reads the `models` array of a server configuration, keeping each whole
    entry object as the model's JSON metadata.

    @throws configuration_error naming the first bad field.
*/
[[nodiscard]] inline std::vector<model_description> model_descriptions_from_json(
    boost::json::value const& models, std::string_view field_path = "models");

} // namespace router
} // namespace v0
} // namespace modelauth

#include <modelauth/router/impl/model_registry.hpp>

#endif
