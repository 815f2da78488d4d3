//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_ROUTER_MODEL_URL_ROUTER_HPP
#define MODELAUTH_ROUTER_MODEL_URL_ROUTER_HPP

/** @file
    `ModelUrlRouter`: request targets to model endpoints, strict and
    allocation-free, against a registry that can be replaced while requests
    are routed.

    This header is all a server needs for routing: it brings the registry
    (`model_registry.hpp`), the endpoint (`model_endpoint.hpp`), the target
    parser and the query view (`request_target.hpp`, `query_view.hpp`).

    @code
    modelauth::router::ModelUrlRouter router(modelauth::router::model_registry(descriptions));

    auto target = router.parse(req.target());           // 400 / 414 faults
    if(! target) return reject(target.error());
    auto endpoint = router.match(*target);
    if(! endpoint)
    {
        if(endpoint.error() == modelauth::router::error::missing_trailing_slash)
            return redirect_308(target->redirect_location());
        return reject(endpoint.error());                 // 400 / 404
    }
    endpoint->model_id(); endpoint->version(); endpoint->metadata();
    @endcode
*/

#include <modelauth/detail/snapshot.hpp>
#include <modelauth/error.hpp>
#include <modelauth/router/error.hpp>
#include <modelauth/router/model_endpoint.hpp>
#include <modelauth/router/model_registry.hpp>
#include <modelauth/router/query_view.hpp>
#include <modelauth/router/request_target.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace router {

/** Settings of the KServe V2 (Open Inference Protocol) scheme.

    When enabled, targets under `root` are routed as KServe URLs (and only
    as those; a platform prefix that starts with the same segments is not
    reachable):
    - `<root>` server metadata, `<root>/health/live`, `<root>/health/ready`;
    - `<root>/models/<name>[/versions/<version>][/ready|/infer]`.

    KServe URLs do not end in `/`. Names are looked up under one registry
    prefix, `prefix`, because KServe has a flat namespace of model names.
*/
struct kserve_options
{
    /// Whether the KServe scheme is routed.
    bool enabled = false;

    /// Where the scheme lives: `/` and one or more segments, e.g. `/v2`.
    /// Independent of `router_options::mount_root`.
    std::string root = "/v2";

    /// The registry prefix whose models KServe names refer to, e.g.
    /// `models/practicus`. Required when enabled. If the current registry
    /// has no such prefix, KServe model URLs answer `unknown_prefix`.
    std::string prefix;
};

/** Settings of a `basic_model_url_router`.

    Checked by the router's constructor, which throws `configuration_error`
    naming the field (`router_options.mount_root`).
*/
struct router_options
{
    /// The service root model URLs live under: `/` (default) or `/` and one
    /// or more name-grammar segments, with or without a final `/`
    /// (`/serving`). Compared on whole segments, like everything else.
    std::string mount_root = "/";

    /// When true, a model URL that lacks only its final `/` is
    /// `trailing_slash_required` (404) instead of `missing_trailing_slash` (308).
    bool strict_slash = false;

    /// The longest accepted request target, in bytes; longer ones are
    /// `target_too_long` (414). At least 1.
    std::size_t max_target_bytes = default_max_target_bytes;

    /// The KServe V2 scheme.
    kserve_options kserve;
};

/** Routes request targets to model endpoints of a model registry.

    ### The model URL scheme
    `<mount root>/<prefix>/<name>/[<version>/]`, with
    - the mount root's segments first (else `outside_mount_root`);
    - then the longest registered prefix, on whole segments, that leaves at
      least one segment for the name (`models/practicus` never matches
      `models/practicus-beta/...`); none: `unknown_prefix`;
    - then the name: `invalid_model_name` if it breaks the name grammar
      (U17), `unknown_model` if the prefix has no such model;
    - then, optionally, the version: `invalid_version` (U16) or
      `unknown_version`; no version means the model's default version, and
      the endpoint says whether the version was explicit;
    - anything after the version: `unexpected_segment` (U14);
    - and the mandatory final `/`. A target that lacks only that `/` (it
      would match with it) is `missing_trailing_slash`, whose condition is
      `redirect`: answer 308 with `Location: request_target::redirect_location()`
      (the path, `/`, and the original query). With `strict_slash` it is
      `trailing_slash_required` (404).

    Before any of this the whole target is checked by `parse_request_target`
    (the 400 and 414 faults, U1-U13, U15), so a hostile target is rejected
    for what it is, never routed by accident. Percent-encoded unreserved
    characters compare as the characters they encode
    (`/models/practicus/diamond%2Dprice/` is `diamond-price`); matching is
    case-sensitive (`/MODELS/...` is another prefix). Faults are reported
    left to right, the first one found.

    ### The KServe V2 scheme
    Optional; see `kserve_options`. The endpoint then carries the operation.

    ### Snapshots
    The router publishes its registry as an immutable snapshot. `replace`
    and `update` swap in a new one atomically while other threads route:
    a match uses exactly one snapshot from start to end, and the endpoint it
    returns holds that snapshot, so the endpoint stays valid (and
    self-consistent) after any number of swaps.

    ### Costs
    A match is one pass over the target plus a hash lookup for the prefix,
    the name and the version: linear in the target size and independent of
    the number of models. It allocates nothing, and writes no memory that
    another thread reads: the endpoint's `shared_ptr` to the snapshot is
    counted in a control block of the calling thread's own (made once per
    thread after each swap; see `detail::snapshot::load_local`), so two
    threads routing at once do not take one reference count's cache line
    from each other.

    Thread safety: safe to share between threads; all members may be
    called concurrently, `replace` and `update` included.

    @tparam Registry The registry type: `basic_model_registry<Metadata>` or
    a class derived from it (see `is_model_registry`).
*/
template<class Registry = model_registry>
class basic_model_url_router
{
    static_assert(is_model_registry<Registry>::value,
        "basic_model_url_router<Registry>: Registry must be basic_model_registry<Metadata> "
        "or a class derived from it; it provides the lookups routing uses "
        "(find_prefix, find_model, find_version, find_model_id)");

public:
    /// The registry type.
    using registry_type = Registry;

    /// The snapshot pointer.
    using registry_ptr = std::shared_ptr<Registry const>;

    /// What a match returns.
    using endpoint_type = basic_model_endpoint<Registry>;

    /** A router over `registry`.

        @throws configuration_error if an option is invalid (the message
        names it, e.g. `router_options.kserve.prefix`).
        Exception safety: strong.
    */
    explicit basic_model_url_router(Registry registry, router_options options = {});

    /** A router over the snapshot `registry`.

        @throws configuration_error if `registry` is null or an option is invalid.
        Exception safety: strong.
    */
    explicit basic_model_url_router(registry_ptr registry, router_options options = {});

    basic_model_url_router(basic_model_url_router const&) = delete;
    basic_model_url_router& operator=(basic_model_url_router const&) = delete;

    /// The options, as normalised at construction.
    [[nodiscard]] router_options const& options() const noexcept
    {
        return options_;
    }

    /** `parse_request_target(target, options().max_target_bytes)`.

        Lifetime: the result borrows `target`.
        Complexity: linear. Exception safety: no-throw.
    */
    [[nodiscard]] result<request_target> parse(std::string_view target) const noexcept
    {
        return parse_request_target(target, options_.max_target_bytes);
    }

    /** Routes a parsed target (see the class description for the rules).

        @return The endpoint, or the first fault: `outside_mount_root`,
        `unknown_prefix`, `invalid_model_name`, `unknown_model`,
        `invalid_version`, `unknown_version`, `unexpected_segment`,
        `missing_trailing_slash` or `trailing_slash_required`.

        Lifetime: the endpoint holds the registry snapshot, not the target.
        Complexity: linear in the target size, constant in the number of
        models. Allocates nothing. Exception safety: no-throw.
    */
    [[nodiscard]] result<endpoint_type> match(request_target const& target) const noexcept;

    /** Parses and routes `target`: `parse` then `match`.

        To answer `missing_trailing_slash` use the two-step form, which keeps
        the parsed target for `redirect_location()`.

        Complexity: linear in the target size. Allocates nothing.
        Exception safety: no-throw.
    */
    [[nodiscard]] result<endpoint_type> match(std::string_view target) const noexcept;

    /** The endpoint of the model with `model_id`, in its default version
        (for the model-auth exchange, which names models by id).

        @return The endpoint (`explicit_version()` false), or `unknown_model`.
        Complexity: constant on average. Exception safety: no-throw.
    */
    [[nodiscard]] result<endpoint_type> find(std::int64_t model_id) const noexcept;

    /** The endpoint of the model with `model_id` in `version`.

        @return The endpoint, or `unknown_model`, `invalid_version` or `unknown_version`.
        Complexity: linear in `version.size()`. Exception safety: no-throw.
    */
    [[nodiscard]] result<endpoint_type> find(std::int64_t model_id, std::string_view version) const noexcept;

    /** The canonical path of `endpoint`: the target that routes to it, with
        nothing percent-encoded.

        Model URLs: `<mount root>/<prefix>/<name>/` plus `<version>/` when
        the version was explicit. KServe: `<root>/models/<name>`, plus
        `/versions/<version>` when explicit, plus `/ready` or `/infer`; or
        `<root>`, `<root>/health/live`, `<root>/health/ready`.

        Precondition: `endpoint` came from this router.
        Exception safety: strong; throws `std::bad_alloc`.
    */
    [[nodiscard]] std::string canonical_path(endpoint_type const& endpoint) const;

    /** The current registry snapshot.

        Complexity: constant. Exception safety: no-throw.
    */
    [[nodiscard]] registry_ptr registry() const noexcept
    {
        return snapshot_.load();
    }

    /** Publishes `registry` as the new snapshot.

        Matches already running finish on the snapshot they started with;
        endpoints keep theirs.

        Exception safety: strong; throws `std::bad_alloc`.
    */
    void replace(Registry registry);

    /** Publishes the snapshot `registry`.

        @throws configuration_error if `registry` is null.
        Exception safety: strong.
    */
    void replace(registry_ptr registry);

    /** Publishes a registry derived from the current one.

        Calls `make_next(current)` with the current `Registry const&`; it
        returns the next `Registry` (or a `registry_ptr`). If another writer
        published in between, `make_next` runs again on the newer registry,
        so concurrent updates are never lost; `make_next` should do nothing
        but build its result.

        @throws Whatever `make_next` throws (typically `configuration_error`
        from the registry's constructor); nothing is published then.
        Exception safety: strong.
    */
    template<class MakeNext>
    void update(MakeNext&& make_next);

private:
    result<endpoint_type> match_models(std::string_view rest, bool escapes) const noexcept;
    result<endpoint_type> match_kserve(std::string_view rest, bool ended, bool escapes) const noexcept;

    router_options options_;
    std::vector<std::string> mount_segments_;  // decoded, e.g. {"serving"}
    std::vector<std::string> kserve_segments_; // decoded, e.g. {"v2"}
    std::string mount_path_;                   // "" or "/serving"
    std::string kserve_path_;                  // "/v2"
    modelauth::detail::snapshot<Registry> snapshot_;
};

/// The router over the default registry, with JSON metadata.
using ModelUrlRouter = basic_model_url_router<model_registry>;

} // namespace router
} // namespace v0
} // namespace modelauth

#include <modelauth/router/impl/model_url_router.hpp>

#endif
