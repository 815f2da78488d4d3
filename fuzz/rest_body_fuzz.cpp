//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// libFuzzer target for the request bodies (and queries) of the token REST
// routes: the input is a body, read both as
// `application/x-www-form-urlencoded` (http::form_fields, also what reads a
// route's query) and as JSON the way the routes read it (token_exchange::
// body_json: blank is `{}`, else one strict JSON object; then a
// config::json_reader that records its first fault), plus
// config::parse_document and the throwing json_reader.
//
// Besides "no crash, no leak, no undefined behaviour" (ASan + UBSan), it
// checks an oracle on every input:
// - form_fields: a key asked twice (and by another reader of the same body)
//   gives the same answer; ok() is false from the start when the body is
//   not well-formed and, once false, stays false; text() is what a
//   reference decoder finds (the only parameter of that key, `+` a space,
//   `%XX` a byte), nothing for a key given twice or a value over 64 encoded
//   bytes; flag() and number() agree with text(). (The header does not
//   promise UTF-8: `%FF` is a value.)
// - JSON: no exception escapes but the documented configuration_error of a
//   throwing json_reader or parse_document (caught as exactly that type); a
//   reader recording faults never throws and records, as its first fault,
//   exactly what the throwing reader throws, after reading the same values;
//   a fault's key path is printable ASCII (odd keys escaped); parse_document
//   accepts what body_json accepts, as the same value, and names the
//   document when it refuses; a `ttlDuration` that parses is in
//   (0, max_ttl] and formats back to itself.

#include <modelauth/config/json_reader.hpp>
#include <modelauth/configuration_error.hpp>
#include <modelauth/http/token_routes.hpp>
#include <modelauth/jose/json.hpp>
#include <modelauth/tokens/ttl.hpp>

#include "oracle.hpp"

#include <boost/json/value.hpp>

#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace ma = modelauth;
namespace config = ma::config;

using modelauth_fuzz::check;

//----------------------------------------------------------------------------
// Form bodies

bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c)
{
    if(c >= '0' && c <= '9')
        return c - '0';
    if(c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return c - 'A' + 10;
}

// Visible ASCII, every `%` followed by two hexadecimal digits.
bool well_formed(std::string_view body)
{
    for(std::size_t i = 0; i < body.size(); ++i)
    {
        auto const c = static_cast<unsigned char>(body[i]);
        if(c <= 0x20 || c >= 0x7F)
            return false;
        if(c == '%' && (i + 2 >= body.size() || ! is_hex(body[i + 1]) || ! is_hex(body[i + 2])))
            return false;
    }
    return true;
}

// `+` a space, `%XX` a byte (of a well-formed body).
std::string form_decode(std::string_view text)
{
    std::string out;
    for(std::size_t i = 0; i < text.size(); ++i)
    {
        if(text[i] == '+')
            out += ' ';
        else if(text[i] == '%' && i + 2 < text.size() && is_hex(text[i + 1]) && is_hex(text[i + 2]))
        {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        }
        else
            out += text[i];
    }
    return out;
}

struct form_param
{
    std::string key;
    std::string_view encoded_value;
};

// The parameters of a body: pieces between `&` (an empty body has none),
// each split at its first `=`.
std::vector<form_param> form_params(std::string_view body)
{
    std::vector<form_param> params;
    if(body.empty())
        return params;
    for(;;)
    {
        auto const amp = body.find('&');
        std::string_view const piece = body.substr(0, amp);
        auto const eq = piece.find('=');
        params.push_back({form_decode(piece.substr(0, eq)),
                          eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1)});
        if(amp == std::string_view::npos)
            return params;
        body.remove_prefix(amp + 1);
    }
}

// What text(key) must give, and whether asking marks the reading bad.
std::optional<std::string> expected_text(std::vector<form_param> const& params, std::string_view key, bool& bad)
{
    form_param const* found = nullptr;
    std::size_t n = 0;
    for(auto const& p : params)
        if(p.key == key && n++ == 0)
            found = &p;
    bad = false;
    if(n == 0)
        return std::nullopt;
    if(n > 1 || found->encoded_value.size() > 64)
    {
        bad = true;
        return std::nullopt;
    }
    return form_decode(found->encoded_value);
}

bool iequals(std::string_view a, std::string_view b)
{
    if(a.size() != b.size())
        return false;
    for(std::size_t i = 0; i < a.size(); ++i)
    {
        char x = a[i];
        char y = b[i];
        if(x >= 'A' && x <= 'Z')
            x = static_cast<char>(x - 'A' + 'a');
        if(y >= 'A' && y <= 'Z')
            y = static_cast<char>(y - 'A' + 'a');
        if(x != y)
            return false;
    }
    return true;
}

template<class T>
void check_number(ma::http::form_fields& fields, ma::http::form_fields& other, std::string_view key,
                  std::optional<std::string> const& text)
{
    auto const n = fields.number<T>(key);
    check(fields.number<T>(key) == n);
    check(other.number<T>(key) == n);
    if(! n)
        return;
    // A plain decimal, at most 20 characters, that reads as exactly n.
    check(text && ! text->empty() && text->size() <= 20 && text->front() != '+');
    T parsed{};
    auto const [end, ec] = std::from_chars(text->data(), text->data() + text->size(), parsed);
    check(ec == std::errc() && end == text->data() + text->size() && parsed == *n);
}

void check_form(std::string_view body)
{
    bool const good = well_formed(body);
    ma::http::form_fields fields(body);
    ma::http::form_fields other(body);
    check(fields.ok() == good);
    auto const params = form_params(body);

    std::vector<std::string> keys = {"permanent", "limit", "offset", "model_id", "is_active", "name", ""};
    if(! params.empty())
        keys.push_back(params.front().key);
    if(params.size() > 1)
        keys.push_back(params.back().key);

    bool expect_ok = good;
    for(auto const& key : keys)
    {
        bool const was_ok = fields.ok();
        auto const text = fields.text(key);
        check(was_ok || ! fields.ok()); // bad stays bad
        check(fields.text(key) == text);
        check(other.text(key) == text);
        if(text)
            check(text->size() <= 64);
        if(good)
        {
            bool bad = false;
            check(expected_text(params, key, bad) == text);
            if(bad)
                expect_ok = false;
        }

        auto const flag = fields.flag(key);
        check(fields.flag(key) == flag);
        check(other.flag(key) == flag);
        if(flag)
            check(text && (*flag ? (iequals(*text, "true") || *text == "1") : (iequals(*text, "false") || *text == "0")));
        else if(text && (iequals(*text, "true") || *text == "1" || iequals(*text, "false") || *text == "0"))
            std::abort(); // a flag not read
        else if(text && ! text->empty())
            expect_ok = false;

        check_number<std::int64_t>(fields, other, key, text);
        check_number<std::size_t>(fields, other, key, text);
        check_number<std::uint8_t>(fields, other, key, text);
        check(was_ok || ! fields.ok());
    }
    // Every key asked is either not there or of no type here (a flag that is
    // not 0/1/true/false marked the reading bad); numbers may mark it bad too.
    if(! expect_ok)
        check(! fields.ok());
}

//----------------------------------------------------------------------------
// JSON bodies

// Whether a key path can be written to a log or an answer as it is.
bool printable(std::string_view path)
{
    for(char c : path)
        if(static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
            return false;
    return true;
}

// Reads `r` with every accessor a configuration or a body uses, appending
// what each gives to `trace`.
void walk(config::json_reader const& r, std::string& trace)
{
    trace += r.path();
    trace += ':';
    auto const& v = r.value();
    if(v.is_object())
    {
        trace += r.one_of({"email", "refresh", "name"}, "a credential", false);
        if(auto const name = r.find_non_null("name"))
            trace += name->text(256);
        std::vector<std::string> keys;
        for(auto const& member : r.object())
            keys.emplace_back(member.key());
        for(auto const& key : keys)
        {
            auto const found = r.find(key);
            check(found.has_value());
            walk(r[key], trace);
        }
        r.allow_only({"name", "description", "permanent", "is_active", "model_id", "ttlDuration", "email",
                      "password", "refresh", "keys", "limits"});
        return;
    }
    if(v.is_array())
    {
        for(auto const& element : r.elements(0, 64, "item"))
            walk(element, trace);
        for(auto const& text : r.texts(1, "text", 32))
            trace += text;
        return;
    }
    if(v.is_string())
    {
        trace += r.string();
        trace += r.text(64);
        return;
    }
    if(v.is_bool())
    {
        trace += r.boolean() ? "true" : "false";
        return;
    }
    if(v.is_null())
    {
        trace += r.string();
        return;
    }
    trace += std::to_string(r.number());
    trace += std::to_string(r.integer<std::int64_t>());
    trace += std::to_string(r.integer<std::uint64_t>());
    trace += std::to_string(r.integer<std::uint8_t>(1, 100));
    trace += std::to_string(r.integer<short>(-5, 5));
    trace += std::to_string(r.seconds(std::chrono::seconds(0), std::chrono::seconds(3600)).count());
}

std::optional<std::string> optional_string(config::json_reader const& body, std::string_view key)
{
    auto const member = body.find_non_null(key);
    if(! member)
        return std::nullopt;
    return std::string(member->string());
}

// What the token routes read of a JSON body (tokens/flows/impl/*.hpp).
void route_reads(config::json_reader const& body, std::string& trace)
{
    // managed tokens: POST {"permanent"}, PATCH {"is_active"}
    auto const permanent = body.find_non_null("permanent");
    trace += permanent && permanent->boolean() ? "p1" : "p0";
    if(auto const active = body.find_non_null("is_active"))
        trace += active->boolean() ? "a1" : "a0";
    // console session: model_id
    if(auto const model = body.find_non_null("model_id"))
        trace += std::to_string(model->integer<std::int64_t>());
    // resource tokens: POST {"name", "description", "ttlDuration"}, PATCH
    auto const ttl = body.find_non_null("ttlDuration");
    std::string_view const ttl_text = ttl ? ttl->string() : std::string_view();
    trace += ttl_text;
    if(ttl)
    {
        if(auto const parsed = ma::tokens::parse_ttl(ttl_text))
        {
            check(parsed->count() > 0 && *parsed <= ma::tokens::max_ttl);
            auto const again = ma::tokens::parse_ttl(ma::tokens::format_ttl(*parsed));
            check(again && *again == *parsed);
        }
    }
    trace += optional_string(body, "name").value_or("-");
    trace += optional_string(body, "description").value_or("-");
    trace += optional_string(body, "refresh").value_or("-");
}

// The same reads through a reader that records faults and one that throws:
// the first fault recorded is what is thrown, after the same values.
template<class Read>
void check_both_ways(boost::json::value const& doc, Read read)
{
    config::json_fault fault;
    std::string recorded;
    read(config::json_reader(doc, {}, &fault), recorded); // never throws
    if(fault)
    {
        check(! fault.problem.empty());
        check(printable(fault.field));
    }

    std::string thrown;
    try
    {
        read(config::json_reader(doc), thrown);
    }
    catch(ma::configuration_error const& e)
    {
        check(fault && e.field() == fault.field);
        check(std::string_view(e.what()) == fault.field + ": " + fault.problem);
        check(recorded.compare(0, thrown.size(), thrown) == 0);
        return;
    }
    check(! fault && thrown == recorded);
}

bool blank(std::string_view text)
{
    for(char c : text)
        if(c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return false;
    return true;
}

void check_json(std::string_view body)
{
    // token_exchange::body_json
    std::optional<boost::json::value> doc;
    if(blank(body))
        doc.emplace(boost::json::object());
    else if(auto parsed = ma::jose::parse_json_object_strict(body))
        doc.emplace(std::move(*parsed));

    // parse_document: the configuration's parser, as strict, deeper.
    std::optional<boost::json::value> document;
    try
    {
        document = config::parse_document(body, "(body)");
    }
    catch(ma::configuration_error const& e)
    {
        check(e.field() == "(body)");
    }
    check(document.has_value() == ma::jose::parse_json_strict(body, {}, config::default_max_document_depth).has_value());
    if(doc && ! blank(body))
        check(document && *document == *doc);

    if(document)
        check_both_ways(*document, [](config::json_reader const& r, std::string& trace) { walk(r, trace); });
    if(doc)
        check_both_ways(*doc, route_reads);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const input(reinterpret_cast<char const*>(data), size);
    check_form(input);
    check_json(input);
    return 0;
}
