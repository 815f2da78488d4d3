//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_ROUTER_MODEL_ENDPOINT_HPP
#define MODELAUTH_ROUTER_MODEL_ENDPOINT_HPP

/** @file
    `ModelEndpoint`: what a request target routes to.
*/

#include <modelauth/router/model_registry.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace router {

/** The operation a KServe V2 (Open Inference Protocol) URL names.

    Model URLs of the platform scheme (`/<prefix>/<name>/[<version>/]`) name
    no operation (`none`): the HTTP method decides (GET with `get_meta`
    reads metadata, POST infers).
*/
enum class kserve_operation
{
    /// Not a KServe URL: a model URL of the platform scheme, or a lookup by id.
    none,

    /// `GET <root>`: server metadata. No model.
    server_metadata,

    /// `GET <root>/health/live`: server liveness. No model.
    server_live,

    /// `GET <root>/health/ready`: server readiness. No model.
    server_ready,

    /// `GET <root>/models/<name>[/versions/<version>]`: model metadata.
    model_metadata,

    /// `GET <root>/models/<name>[/versions/<version>]/ready`: model readiness.
    model_ready,

    /// `POST <root>/models/<name>[/versions/<version>]/infer`: inference.
    infer
};

/** A routed model endpoint: a model of a registry snapshot, the version a
    request resolved to, and, for KServe URLs, the operation.

    Made by `basic_model_url_router` (`match`, `find`).

    Lifetime: the endpoint holds the registry snapshot it was routed against
    (a `std::shared_ptr<Registry const>`), so every view it returns (prefix,
    name, version, instance, metadata, the model itself) stays valid for as
    long as the endpoint or a copy of it lives, however often the router's
    registry is replaced meanwhile. It never refers to the request target.
    Keeping an endpoint keeps its whole snapshot alive: do not store
    endpoints for longer than a request needs.

    Thread safety: a value; a const endpoint may be shared between threads.

    @tparam Registry The registry type (see `is_model_registry`).
*/
template<class Registry>
class basic_model_endpoint
{
    static_assert(is_model_registry<Registry>::value,
        "basic_model_endpoint<Registry>: Registry must be basic_model_registry<Metadata> "
        "or a class derived from it");

public:
    /// The registry type.
    using registry_type = Registry;

    /// The registered model type.
    using model_type = typename Registry::model_type;

    /// The model metadata type.
    using metadata_type = typename Registry::metadata_type;

    /// The snapshot pointer the endpoint holds.
    using registry_ptr = std::shared_ptr<Registry const>;

    /// An endpoint without registry or model.
    basic_model_endpoint() noexcept = default;

    /** An endpoint for `models()[model_index]` of `registry`, in the version
        `versions[version_index]`.

        For KServe server operations (`server_metadata`, `server_live`,
        `server_ready`) `model_index` is `Registry::npos` and there is no model.

        Preconditions: `registry` is not null; the indices are in range.
        Complexity: constant. Exception safety: no-throw.
    */
    basic_model_endpoint(registry_ptr registry, std::size_t model_index, std::size_t version_index,
        bool explicit_version, kserve_operation operation = kserve_operation::none) noexcept
        : registry_(std::move(registry))
        , model_index_(model_index)
        , version_index_(version_index)
        , explicit_version_(explicit_version)
        , operation_(operation)
    {
    }

    /// Whether the endpoint names a model (false only for KServe server operations).
    [[nodiscard]] bool has_model() const noexcept
    {
        return model_index_ != Registry::npos;
    }

    /// The registered model. Precondition: `has_model()`.
    [[nodiscard]] model_type const& model() const noexcept
    {
        return registry_->models()[model_index_];
    }

    /// The model's index in `registry()->models()`, or `Registry::npos`.
    [[nodiscard]] std::size_t model_index() const noexcept
    {
        return model_index_;
    }

    /// The model's id (`x-prt-model-id`); 0 without a model.
    [[nodiscard]] std::int64_t model_id() const noexcept
    {
        return has_model() ? model().model_id : 0;
    }

    /// The model's prefix, e.g. `models/practicus`; empty without a model.
    [[nodiscard]] std::string_view prefix() const noexcept
    {
        return has_model() ? std::string_view(model().prefix) : std::string_view();
    }

    /// The model's name, e.g. `diamond-price`; empty without a model.
    [[nodiscard]] std::string_view name() const noexcept
    {
        return has_model() ? std::string_view(model().name) : std::string_view();
    }

    /// The resolved version: the one the URL named, else the model's default.
    /// Empty without a model.
    [[nodiscard]] std::string_view version() const noexcept
    {
        return has_model() ? std::string_view(model().versions[version_index_]) : std::string_view();
    }

    /// The index of `version()` in `model().versions`.
    [[nodiscard]] std::size_t version_index() const noexcept
    {
        return version_index_;
    }

    /// Whether the URL named the version (false: the default version was chosen).
    [[nodiscard]] bool explicit_version() const noexcept
    {
        return explicit_version_;
    }

    /// The instance serving the model (`project/region/instance`), or empty.
    [[nodiscard]] std::string_view instance() const noexcept
    {
        return has_model() ? std::string_view(model().instance) : std::string_view();
    }

    /// The account owning the model, or empty.
    [[nodiscard]] std::string_view account() const noexcept
    {
        return has_model() ? std::string_view(model().account) : std::string_view();
    }

    /// The space of the model, or empty.
    [[nodiscard]] std::string_view space() const noexcept
    {
        return has_model() ? std::string_view(model().space) : std::string_view();
    }

    /// The model's metadata, or null if it has none (or there is no model).
    [[nodiscard]] metadata_type const* metadata() const noexcept
    {
        return has_model() && model().metadata ? &*model().metadata : nullptr;
    }

    /// The KServe operation; `none` for platform model URLs and lookups by id.
    [[nodiscard]] kserve_operation operation() const noexcept
    {
        return operation_;
    }

    /// The registry snapshot the endpoint was routed against.
    [[nodiscard]] registry_ptr const& registry() const noexcept
    {
        return registry_;
    }

private:
    registry_ptr registry_;
    std::size_t model_index_ = Registry::npos;
    std::size_t version_index_ = 0;
    bool explicit_version_ = false;
    kserve_operation operation_ = kserve_operation::none;
};

/// The endpoint of the default registry, with JSON metadata.
using ModelEndpoint = basic_model_endpoint<model_registry>;

} // namespace router
} // namespace v0
} // namespace modelauth

#endif
