//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_CONFIG_JSON_READER_HPP
#define MODELAUTH_CONFIG_JSON_READER_HPP

/** @file
    One strict reader for configuration JSON, every fault naming its key path.

    Configuration is read once at start-up; a fault is an operator's error
    and throws `modelauth::configuration_error` whose `field()` is the path
    of the bad value in the document: `listen`, `limits.body_bytes`,
    `issuers[0].audiences[2]`, `models["odd key"]` (a key that is not an
    identifier is quoted, escaped and cut at 64 bytes). The document itself
    is named `(config)` unless the caller names it otherwise.

    @code
    auto const doc = modelauth::config::parse_document(text);    // strict JSON, no key twice
    modelauth::config::json_reader const root(doc);               // path "" (the document)
    root.allow_only({"listen", "limits"});                        // "limits.x: is not a known key; ..."
    auto const listen = root.find("listen");                      // optional member
    auto const bytes = root["limits"]["body_bytes"].integer<std::size_t>(1, 1 << 20);
    for(auto const& audience : root["audiences"].elements(1))     // "audiences: must list at least one ..."
        use(audience.text());                                      // "audiences[2]: must be a string"
    @endcode

    A reader is a view: it borrows the `boost::json::value` it reads, which
    must outlive it and every reader made from it. Cheap to copy (one
    string, the path); a `const` reader may be shared between threads unless
    it records faults (below).

    ### Recording instead of throwing
    Where bad input is not a configuration error (a request body, a record
    of a journal file), give the reader a `json_fault` to fill: accessors then
    never throw (but `std::bad_alloc`); the first fault is recorded with its
    path, and an accessor that failed returns an empty value (an empty
    string, object or array, `false`, `low`, 0) so that reading can go on.
    Check the fault once after reading:

    @code
    modelauth::config::json_fault fault;
    modelauth::config::json_reader const body(value, {}, &fault);
    auto const name = body.find_non_null("name");                 // absent or null: none
    std::string_view const text = name ? name->text(256) : "";
    if(fault)
        return bad_request(fault.field + ": " + fault.problem);   // "name: must be a string"
    @endcode
*/

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace config {

/// The deepest nesting `parse_document` accepts by default.
inline constexpr std::size_t default_max_document_depth = 32;

/// The longest string `json_reader::text` accepts by default: 64 KiB.
inline constexpr std::size_t default_max_text_bytes = 64 * 1024;

/** The path of member `key` of the value at `parent`: `parent.key`, or
    `key` alone at the top (empty `parent`), or `parent["odd key"]` when
    `key` is not an identifier (1 to 64 of `[A-Za-z0-9_-]`), with control
    and non-ASCII bytes as `\xNN`, `"` and `\` escaped the same way, and
    cut at 64 bytes with `...`.

    Complexity: linear in the sizes. Exception safety: strong.
*/
[[nodiscard]] inline std::string member_path(std::string_view parent, std::string_view key);

/// The path of element `index` of the array at `parent`: `parent[index]`.
[[nodiscard]] inline std::string index_path(std::string_view parent, std::size_t index);

/** Calls `f()`; a `configuration_error` it throws whose field starts with
    `from` (a component's own name for its settings, `router_options`) is
    rethrown with `to` in its place (`to` empty: the rest alone), so that a
    component's own checks name the key path they were read from.

    Exception safety: what `f` gives.
*/
template<class F>
decltype(auto) with_field_prefix(std::string_view from, std::string const& to, F&& f);

/** Parses a configuration document: one strict JSON value
    (`jose::parse_json_strict`: RFC 8259, UTF-8, no comments or trailing
    commas, no number beyond a double, no key twice in one object).

    @param text The whole document.
    @param name The document's name in messages: `(config)`, or a file's path.
    @param max_depth The deepest nesting accepted.

    @throws configuration_error with field `name`: `is not valid JSON:
    syntax error at line 2, column 14` (line and column count bytes from 1),
    `is not valid JSON: a key appears twice in one object`, `is not valid
    JSON: a number is too large for a double`, `is not valid JSON: nested
    deeper than 32`.

    Complexity: linear in `text.size()`. Exception safety: strong.
*/
[[nodiscard]] inline boost::json::value parse_document(std::string_view text, std::string const& name = "(config)",
    std::size_t max_depth = default_max_document_depth);

/** The first fault a recording `json_reader` met (see the file comment). */
struct json_fault
{
    /// The key path of the bad value (`(config)` for the document itself).
    std::string field;

    /// What is wrong with it: `must be a string`.
    std::string problem;

    /// Whether a fault was recorded.
    explicit operator bool() const noexcept { return ! field.empty(); }
};

/** A value of a configuration document and its key path.

    Each accessor checks the value's kind (and range) and returns it, or
    throws `configuration_error(path(), problem)` with one of the problems
    listed at the accessor (or records it, see the file comment). Problems
    are phrased to follow the path: `issuers[0].leeway_s: must be an integer
    from 0 to 3600`.

    Complexity: an accessor is constant but for the path it builds (linear
    in its length), `allow_only` (members times known keys), `elements` and
    `texts` (linear in the array), `text` (linear in the string).
    Exception safety: strong; throws `configuration_error` (unless
    recording) and `std::bad_alloc`. Thread safety: a reader that records
    faults writes its `json_fault`: one per thread.
*/
class json_reader
{
public:
    /** Reads `value`, found at `path` (empty: the document itself).

        @param faults Null (the default): a fault throws `configuration_error`.
        Else the first fault is recorded there and nothing throws; the readers
        made from this one record there too.
        @pre `value`, and `*faults` if given, outlive this reader and the
        readers made from it.
    */
    explicit json_reader(boost::json::value const& value, std::string path = {}, json_fault* faults = nullptr);

    /// The value read.
    [[nodiscard]] boost::json::value const& value() const noexcept { return *value_; }

    /// Its key path; empty for the document itself.
    [[nodiscard]] std::string const& path() const noexcept { return path_; }

    /** Throws `configuration_error(path(), problem)`, whether or not this
        reader records faults; the document itself (empty path) is named
        `(config)`. For the caller's own checks at start-up.
    */
    [[noreturn]] void fail(std::string_view problem) const;

    /** Reports a fault at `path()`: throws as `fail`, or when this reader
        records faults, records it (if it is the first) and returns.
    */
    void report(std::string_view problem) const;

    //------------------------------------------------------------------
    // Objects

    /// The value as an object; else "must be an object".
    [[nodiscard]] boost::json::object const& object() const;

    /** Requires an object whose keys are all among `known`; else, naming the
        first other key, "is not a known key; expected one of: a, b, c".
    */
    void allow_only(std::initializer_list<std::string_view> known) const;

    /// `allow_only` of a list built at run time (a server's own keys added).
    void allow_only(std::vector<std::string_view> const& known) const;

    /// The member `key` of an object; absent: "`<path>.<key>`: is required".
    [[nodiscard]] json_reader operator[](std::string_view key) const;

    /// The member `key` of an object if present (a JSON `null` included).
    [[nodiscard]] std::optional<json_reader> find(std::string_view key) const;

    /// The member `key` of an object if present and not `null`.
    [[nodiscard]] std::optional<json_reader> find_non_null(std::string_view key) const;

    /** Requires at most one of `keys` in the object, and exactly one unless
        `required` is false: the one given, or empty. Faults:
        "`<path>.<b>`: cannot be given together with a: give exactly one of
        a, b, c" and "`<path>`: needs exactly one of a, b, c: <what>".
    */
    [[nodiscard]] std::string_view one_of(
        std::initializer_list<std::string_view> keys, std::string_view what, bool required = true) const;

    //------------------------------------------------------------------
    // Arrays

    /// The value as an array; else "must be an array".
    [[nodiscard]] boost::json::array const& array() const;

    /** The elements of an array, each with its path, at least `min_items`
        ("must list at least one <what>", or "at least N <what>s") and at
        most `max_items` ("must list at most N <what>s").
    */
    [[nodiscard]] std::vector<json_reader> elements(std::size_t min_items = 0,
        std::size_t max_items = (std::numeric_limits<std::size_t>::max)(), std::string_view what = "element") const;

    /// `elements(min_items, max_items, what)`, each read with `text(max_bytes)`.
    [[nodiscard]] std::vector<std::string> texts(std::size_t min_items = 0, std::string_view what = "element",
        std::size_t max_bytes = default_max_text_bytes) const;

    //------------------------------------------------------------------
    // Scalars

    /// The value as a string; else "must be a string".
    [[nodiscard]] std::string_view string() const;

    /** A string of 1 to `max_bytes` bytes without control characters:
        "must not be empty", "must be at most N bytes", "must not contain
        control characters".
    */
    [[nodiscard]] std::string_view text(std::size_t max_bytes = default_max_text_bytes) const;

    /// The value as a boolean; else "must be true or false".
    [[nodiscard]] bool boolean() const;

    /** An integer in `[low, high]` as `Int`: "must be an integer" (a
        fraction such as `1.0` is not one), "must be an integer from L to H".
    */
    template<class Int>
    [[nodiscard]] Int integer(Int low = (std::numeric_limits<Int>::min)(),
        Int high = (std::numeric_limits<Int>::max)()) const;

    /// A finite number (an integer read as a double); else "must be a number".
    [[nodiscard]] double number() const;

    /** A duration given in whole seconds (keys named `..._s`) in
        `[low, high]`: as `integer`.
    */
    [[nodiscard]] std::chrono::seconds seconds(std::chrono::seconds low, std::chrono::seconds high) const;

private:
    // Reports `problem` at `path` (see `report`).
    void report_at(std::string path, std::string_view problem) const;

    // A reader of `v` at `path` that records where this one does.
    json_reader child(boost::json::value const& v, std::string path) const;

    boost::json::value const* value_;
    std::string path_;
    json_fault* faults_;
};

} // namespace config
} // namespace v0
} // namespace modelauth

#include <modelauth/config/impl/json_reader.hpp>

#endif
