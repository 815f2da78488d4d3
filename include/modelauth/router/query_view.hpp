//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_ROUTER_QUERY_VIEW_HPP
#define MODELAUTH_ROUTER_QUERY_VIEW_HPP

/** @file
    `query_view`: the parameters of a request's query, read without copying.

    @code
    auto target = modelauth::router::parse_request_target(req.target());
    if(auto meta = target->query().get("get_meta"); meta && *meta == "true")
        ...
    @endcode
*/

#include <modelauth/router/decoded_view.hpp>

#include <cstddef>
#include <iterator>
#include <optional>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace router {

/** One parameter of a query: `key=value`, `key=` or `key`.

    Both parts read as decoded text with `+` as a space (HTML form encoding).
    Borrows the query's characters.
*/
struct query_param
{
    /// The key, decoded lazily.
    decoded_view key;

    /// The value, decoded lazily; empty when there is no `=`.
    decoded_view value;

    /// Whether the parameter has a `=` (so `a=` has an empty value and `a` has none).
    bool has_value = false;
};

/** A non-owning view of a query string as a sequence of parameters.

    The query is the part of the target after the first `?`, without it.
    Parameters are separated by `&` and split at their first `=` (the
    `application/x-www-form-urlencoded` convention); every piece between two
    `&` is a parameter, including empty ones (`a&&b` has three). An empty
    query has no parameters.

    Nothing is copied or decoded until asked: `get`, `find`, `count` and
    `contains` compare decoded keys on the fly and allocate nothing.
    Duplicates are kept in order; `get` returns the first, and `count` lets a
    caller refuse a parameter given twice.

    Lifetime: borrows the query characters (for a request, the target string
    of the `http::request`), which must outlive the view and every
    `query_param` or `decoded_view` obtained from it.

    Thread safety: a value; a const view may be shared between threads.
*/
class query_view
{
public:
    class iterator;

    /// An empty query.
    constexpr query_view() noexcept = default;

    /** A view of `encoded`, the query without its `?`.

        Complexity: constant. Exception safety: no-throw.
    */
    constexpr explicit query_view(std::string_view encoded) noexcept
        : encoded_(encoded)
    {
    }

    /// The query as given.
    [[nodiscard]] constexpr std::string_view encoded() const noexcept
    {
        return encoded_;
    }

    /// Whether the query has no parameters (it is empty).
    [[nodiscard]] constexpr bool empty() const noexcept
    {
        return encoded_.empty();
    }

    /// The first parameter. Complexity: linear in its size.
    [[nodiscard]] iterator begin() const noexcept;

    /// Past the last parameter. Complexity: constant.
    [[nodiscard]] iterator end() const noexcept;

    /** The first parameter whose decoded key equals `key`, or `end()`.

        Complexity: linear in the query size. Exception safety: no-throw.
    */
    [[nodiscard]] iterator find(std::string_view key) const noexcept;

    /** The decoded value of the first parameter named `key`, if there is one.

        A parameter without `=` yields an empty value.

        Complexity: linear in the query size. Exception safety: no-throw.
    */
    [[nodiscard]] std::optional<decoded_view> get(std::string_view key) const noexcept;

    /// Whether some parameter is named `key`. Complexity: linear.
    [[nodiscard]] bool contains(std::string_view key) const noexcept;

    /// How many parameters are named `key`. Complexity: linear.
    [[nodiscard]] std::size_t count(std::string_view key) const noexcept;

private:
    std::string_view encoded_;
};

/** A forward iterator over the parameters of a `query_view`.

    Dereferencing yields a `query_param` by value. Valid while the query
    characters are.
*/
class query_view::iterator
{
public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = query_param;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = query_param;

    /// A singular iterator.
    constexpr iterator() noexcept = default;

    /// The parameter here. Precondition: not the end. Complexity: linear in its size.
    [[nodiscard]] query_param operator*() const noexcept;

    /// Moves to the next parameter. Complexity: linear in its size.
    iterator& operator++() noexcept;

    /// Moves to the next parameter, returning the previous position.
    iterator operator++(int) noexcept
    {
        iterator old = *this;
        ++*this;
        return old;
    }

    /// Whether both are at the same parameter of the same query.
    friend bool operator==(iterator const& a, iterator const& b) noexcept
    {
        return a.begin_ == b.begin_;
    }

    /// Whether the positions differ.
    friend bool operator!=(iterator const& a, iterator const& b) noexcept
    {
        return a.begin_ != b.begin_;
    }

private:
    friend class query_view;

    iterator(std::string_view query, std::size_t begin) noexcept;

    std::string_view query_;
    std::size_t begin_ = 0; // query_.size() + 1 at the end
    std::size_t end_ = 0;   // the "&" after this parameter, or query_.size()
};

} // namespace router
} // namespace v0
} // namespace modelauth

#include <modelauth/router/impl/query_view.hpp>

#endif
