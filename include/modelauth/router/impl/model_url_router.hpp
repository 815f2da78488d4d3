//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_ROUTER_IMPL_MODEL_URL_ROUTER_HPP
#define MODELAUTH_ROUTER_IMPL_MODEL_URL_ROUTER_HPP

#include <modelauth/detail/path_grammar.hpp>
#include <modelauth/router/error.hpp>

#include <algorithm>
#include <array>
#include <type_traits>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace router {
namespace detail {

// Whether the checked raw segment reads as `literal`.
inline bool segment_is(std::string_view raw, std::string_view literal, bool escapes) noexcept
{
    return escapes ? modelauth::detail::decoded_equals(raw, literal) : raw == literal;
}

// Consumes the segments `literals` from the front of `rest` (a checked path
// without its first "/"). On success `rest` is what follows them and their
// "/", and `ended` tells whether the path stopped right after them without
// a "/". `rest` is unchanged on failure.
inline bool consume_segments(std::string_view& rest, std::vector<std::string> const& literals,
    bool escapes, bool& ended) noexcept
{
    std::string_view r = rest;
    bool slash = true;
    for(auto const& literal : literals)
    {
        if(! slash)
            return false;
        if(! segment_is(modelauth::detail::next_segment(r, slash), literal, escapes))
            return false;
    }
    rest = r;
    ended = ! slash;
    return true;
}

// The segments of a checked path remainder, the first `capacity` of them
// kept; a final "/" is not a segment but `trailing_slash`.
struct segment_list
{
    // A prefix, a name, a version and one more: enough to route and to see
    // that a path goes on (KServe needs six).
    static constexpr std::size_t capacity = max_model_prefix_segments + 3;

    // Where each kept segment starts; segment i ends one before starts[i + 1]
    // (the "/"), the last one at `end`. Left uninitialised beyond `count`.
    char const* starts[capacity + 1];
    char const* end;
    std::size_t count = 0; // capped at capacity + 1: "more than we keep"
    bool trailing_slash = false;

    explicit segment_list(std::string_view rest) noexcept
        : end(rest.data() + rest.size())
    {
        char const* p = rest.data();
        while(p != end && count <= capacity)
        {
            starts[count++] = p;
            while(p != end && *p != '/')
                ++p;
            if(p == end)
                return;
            ++p; // the "/"
            trailing_slash = p == end;
        }
    }

    // Segments [0, n) as one raw span, separators included.
    // Precondition: 0 < n <= count, n <= capacity.
    std::string_view span(std::size_t n) const noexcept
    {
        char const* const last = n < count ? starts[n] - 1 : end - (trailing_slash ? 1 : 0);
        return std::string_view(starts[0], static_cast<std::size_t>(last - starts[0]));
    }

    // Segment i. Precondition: i < count, i < capacity.
    std::string_view operator[](std::size_t i) const noexcept
    {
        return span_between(starts[i], i + 1 < count ? starts[i + 1] - 1 : end - (trailing_slash ? 1 : 0));
    }

private:
    static std::string_view span_between(char const* first, char const* last) noexcept
    {
        return std::string_view(first, static_cast<std::size_t>(last - first));
    }
};

// Splits a configured root ("/", "/a/b", "/a/b/") into its segments.
inline bool split_root(std::string_view root, std::vector<std::string>& segments)
{
    segments.clear();
    if(root.empty() || root.front() != '/')
        return false;
    root.remove_prefix(1);
    if(! root.empty() && root.back() == '/')
        root.remove_suffix(1);
    if(root.empty())
        return true;
    if(! modelauth::detail::is_label_path(root, max_model_prefix_segments, max_model_name_bytes, max_model_prefix_bytes))
        return false;
    bool slash = true;
    while(slash)
        segments.emplace_back(modelauth::detail::next_segment(root, slash));
    return true;
}

inline std::string join_root(std::vector<std::string> const& segments)
{
    std::string path;
    for(auto const& s : segments)
    {
        path += '/';
        path += s;
    }
    return path;
}

using key_buffer = std::array<char, max_model_prefix_bytes>;

// The model that the checked name segment `raw` names under `prefix`.
template<class Registry>
result<std::size_t> find_name_segment(Registry const& registry, std::size_t prefix, std::string_view raw,
    bool escapes, key_buffer& buffer) noexcept
{
    std::string_view const name = modelauth::detail::decoded_key(raw, escapes, buffer);
    if(! is_valid_model_name(name))
        return router::error::invalid_model_name;
    std::size_t const model = registry.find_model(prefix, name);
    if(model == Registry::npos)
        return router::error::unknown_model;
    return model;
}

// The version of `model` that the checked version segment `raw` names.
template<class Registry>
result<std::size_t> find_version_segment(Registry const& registry, std::size_t model, std::string_view raw,
    bool escapes, key_buffer& buffer) noexcept
{
    std::string_view const version = modelauth::detail::decoded_key(raw, escapes, buffer);
    if(! is_valid_model_version(version))
        return router::error::invalid_version;
    std::size_t const index = registry.find_version(model, version);
    if(index == Registry::npos)
        return router::error::unknown_version;
    return index;
}

} // namespace detail

template<class Registry>
basic_model_url_router<Registry>::basic_model_url_router(Registry registry, router_options options)
    : basic_model_url_router(registry_ptr(std::make_shared<Registry>(std::move(registry))), std::move(options))
{
}

template<class Registry>
basic_model_url_router<Registry>::basic_model_url_router(registry_ptr registry, router_options options)
    : options_(std::move(options))
{
    if(! registry)
        throw configuration_error("registry", "must not be null");
    if(! detail::split_root(options_.mount_root, mount_segments_))
        throw configuration_error("router_options.mount_root",
            std::string("must be \"/\", or \"/\" and 1 to 8 segments separated by '/', each of 1 to 128 ")
                + detail::label_rule);
    if(options_.max_target_bytes == 0)
        throw configuration_error("router_options.max_target_bytes", "must be at least 1");
    if(options_.kserve.enabled)
    {
        if(! detail::split_root(options_.kserve.root, kserve_segments_) || kserve_segments_.empty())
            throw configuration_error("router_options.kserve.root",
                std::string("must be \"/\" and 1 to 8 segments separated by '/', each of 1 to 128 ")
                    + detail::label_rule);
        if(kserve_segments_.size() <= mount_segments_.size()
            && std::equal(kserve_segments_.begin(), kserve_segments_.end(), mount_segments_.begin()))
            throw configuration_error("router_options.kserve.root",
                "must not be router_options.mount_root or a parent of it: it would hide every model URL");
        if(! is_valid_model_prefix(options_.kserve.prefix))
            throw configuration_error("router_options.kserve.prefix",
                "must be a valid model prefix such as \"models/practicus\"");
    }
    mount_path_ = detail::join_root(mount_segments_);
    kserve_path_ = detail::join_root(kserve_segments_);
    options_.mount_root = mount_path_.empty() ? std::string("/") : mount_path_;
    if(options_.kserve.enabled)
        options_.kserve.root = kserve_path_;
    snapshot_.store(std::move(registry));
}

template<class Registry>
auto basic_model_url_router<Registry>::match(std::string_view target) const noexcept -> result<endpoint_type>
{
    auto const parsed = parse(target);
    if(! parsed)
        return parsed.error();
    return match(*parsed);
}

template<class Registry>
auto basic_model_url_router<Registry>::match(request_target const& target) const noexcept -> result<endpoint_type>
{
    bool const escapes = target.path_has_escapes();
    std::string_view rest = target.path().substr(1);
    bool ended = false;
    if(options_.kserve.enabled)
    {
        std::string_view kserve_rest = rest;
        if(detail::consume_segments(kserve_rest, kserve_segments_, escapes, ended))
            return match_kserve(kserve_rest, ended, escapes);
    }
    if(! detail::consume_segments(rest, mount_segments_, escapes, ended))
        return router::error::outside_mount_root;
    if(ended) // the mount root itself, without "/"
        return router::error::unknown_prefix;
    return match_models(rest, escapes);
}

template<class Registry>
auto basic_model_url_router<Registry>::match_models(std::string_view rest, bool escapes) const noexcept
    -> result<endpoint_type>
{
    detail::segment_list const segments(rest);
    if(segments.count == 0)
        return router::error::unknown_prefix;

    registry_ptr registry = snapshot_.load_local();
    detail::key_buffer buffer;

    // The longest registered prefix that leaves a segment for the name.
    std::size_t depth = (std::min)(registry->max_prefix_segments(), segments.count - 1);
    std::size_t prefix = Registry::npos;
    for(; depth > 0; --depth)
    {
        std::string_view const key = modelauth::detail::decoded_key(segments.span(depth), escapes, buffer);
        if(key.empty()) // longer than any prefix
            continue;
        prefix = registry->find_prefix(key);
        if(prefix != Registry::npos)
            break;
    }
    if(prefix == Registry::npos)
        return router::error::unknown_prefix;

    auto const model = detail::find_name_segment(*registry, prefix, segments[depth], escapes, buffer);
    if(! model)
        return model.error();

    std::size_t const after_name = segments.count - depth - 1;
    std::size_t version = registry->default_version_index(*model);
    if(after_name >= 1)
    {
        auto const named = detail::find_version_segment(*registry, *model, segments[depth + 1], escapes, buffer);
        if(! named)
            return named.error();
        if(after_name >= 2)
            return router::error::unexpected_segment;
        version = *named;
    }
    if(! segments.trailing_slash)
        return options_.strict_slash ? router::error::trailing_slash_required : router::error::missing_trailing_slash;
    return endpoint_type(std::move(registry), *model, version, after_name >= 1);
}

template<class Registry>
auto basic_model_url_router<Registry>::match_kserve(std::string_view rest, bool ended, bool escapes) const noexcept
    -> result<endpoint_type>
{
    if(ended) // "<root>" itself
        return endpoint_type(snapshot_.load_local(), Registry::npos, 0, false, kserve_operation::server_metadata);

    detail::segment_list const segments(rest);
    auto const is = [&](std::size_t i, std::string_view literal) {
        return detail::segment_is(segments[i], literal, escapes);
    };
    if(segments.count == 0)
        return router::error::unexpected_segment;

    if(is(0, "health"))
    {
        if(segments.count == 2 && ! segments.trailing_slash)
        {
            if(is(1, "live"))
                return endpoint_type(snapshot_.load_local(), Registry::npos, 0, false, kserve_operation::server_live);
            if(is(1, "ready"))
                return endpoint_type(snapshot_.load_local(), Registry::npos, 0, false, kserve_operation::server_ready);
        }
        return router::error::unexpected_segment;
    }
    if(! is(0, "models") || segments.count < 2)
        return router::error::unexpected_segment;

    registry_ptr registry = snapshot_.load_local();
    detail::key_buffer buffer;

    std::size_t const prefix = registry->find_prefix(options_.kserve.prefix);
    if(prefix == Registry::npos)
        return router::error::unknown_prefix;
    auto const model = detail::find_name_segment(*registry, prefix, segments[1], escapes, buffer);
    if(! model)
        return model.error();

    std::size_t next = 2;
    std::size_t version = registry->default_version_index(*model);
    bool explicit_version = false;
    if(segments.count > next && is(next, "versions"))
    {
        if(segments.count == next + 1)
            return router::error::unexpected_segment;
        auto const named = detail::find_version_segment(*registry, *model, segments[next + 1], escapes, buffer);
        if(! named)
            return named.error();
        version = *named;
        explicit_version = true;
        next += 2;
    }

    kserve_operation operation = kserve_operation::model_metadata;
    if(segments.count > next)
    {
        if(segments.count > next + 1)
            return router::error::unexpected_segment;
        if(is(next, "infer"))
            operation = kserve_operation::infer;
        else if(is(next, "ready"))
            operation = kserve_operation::model_ready;
        else
            return router::error::unexpected_segment;
    }
    // KServe URLs do not end in "/".
    if(segments.trailing_slash)
        return router::error::unexpected_segment;
    return endpoint_type(std::move(registry), *model, version, explicit_version, operation);
}

template<class Registry>
auto basic_model_url_router<Registry>::find(std::int64_t model_id) const noexcept -> result<endpoint_type>
{
    registry_ptr registry = snapshot_.load_local();
    std::size_t const model = registry->find_model_id(model_id);
    if(model == Registry::npos)
        return router::error::unknown_model;
    std::size_t const version = registry->default_version_index(model);
    return endpoint_type(std::move(registry), model, version, false);
}

template<class Registry>
auto basic_model_url_router<Registry>::find(std::int64_t model_id, std::string_view version) const noexcept
    -> result<endpoint_type>
{
    registry_ptr registry = snapshot_.load_local();
    std::size_t const model = registry->find_model_id(model_id);
    if(model == Registry::npos)
        return router::error::unknown_model;
    if(! is_valid_model_version(version))
        return router::error::invalid_version;
    std::size_t const index = registry->find_version(model, version);
    if(index == Registry::npos)
        return router::error::unknown_version;
    return endpoint_type(std::move(registry), model, index, true);
}

template<class Registry>
std::string basic_model_url_router<Registry>::canonical_path(endpoint_type const& endpoint) const
{
    std::string path;
    switch(endpoint.operation())
    {
    case kserve_operation::none:
        path = mount_path_;
        path += '/';
        path += endpoint.prefix();
        path += '/';
        path += endpoint.name();
        path += '/';
        if(endpoint.explicit_version())
        {
            path += endpoint.version();
            path += '/';
        }
        return path;
    case kserve_operation::server_metadata:
        return kserve_path_;
    case kserve_operation::server_live:
        return kserve_path_ + "/health/live";
    case kserve_operation::server_ready:
        return kserve_path_ + "/health/ready";
    case kserve_operation::model_metadata:
    case kserve_operation::model_ready:
    case kserve_operation::infer:
        break;
    }
    path = kserve_path_;
    path += "/models/";
    path += endpoint.name();
    if(endpoint.explicit_version())
    {
        path += "/versions/";
        path += endpoint.version();
    }
    if(endpoint.operation() == kserve_operation::infer)
        path += "/infer";
    else if(endpoint.operation() == kserve_operation::model_ready)
        path += "/ready";
    return path;
}

template<class Registry>
void basic_model_url_router<Registry>::replace(Registry registry)
{
    snapshot_.store(std::make_shared<Registry>(std::move(registry)));
}

template<class Registry>
void basic_model_url_router<Registry>::replace(registry_ptr registry)
{
    if(! registry)
        throw configuration_error("registry", "must not be null");
    snapshot_.store(std::move(registry));
}

template<class Registry>
template<class MakeNext>
void basic_model_url_router<Registry>::update(MakeNext&& make_next)
{
    (void)snapshot_.update([&](registry_ptr const& current) -> registry_ptr {
        using next_type = decltype(make_next(*current));
        if constexpr(std::is_convertible<next_type, registry_ptr>::value)
        {
            registry_ptr next = make_next(*current);
            if(! next)
                throw configuration_error("registry", "must not be null");
            return next;
        }
        else
        {
            static_assert(std::is_convertible<next_type, Registry>::value,
                "update(make_next): make_next(Registry const&) must return the next Registry "
                "or a std::shared_ptr<Registry const>");
            return std::make_shared<Registry>(make_next(*current));
        }
    });
}

} // namespace router
} // namespace v0
} // namespace modelauth

#endif
