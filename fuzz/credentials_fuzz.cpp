//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// libFuzzer target for credential extraction (http/credentials.hpp). The
// input becomes Beast requests in two ways: as lines (the first the request
// target, then `name:value` fields, a line without `:` an Authorization
// value), and as raw bytes given to Beast's request parser. Each request is
// asked under three setups (defaults; API-key header and query parameter;
// small limit), through both paths of extract_credential: the field
// iteration of basic_fields and the by-name lookup of a Fields type that
// hides it.
//
// Besides "no crash, no leak, no undefined behaviour" (ASan + UBSan), the
// oracle is a reference model: a plain, slow re-implementation of the
// documented rules (order of checks, RFC 6750 b64token, RFC 9110 tchar and
// OWS, the query's form decoding) must give the same error, or the same
// source and value. On success the value is also non-empty, within the
// limit, a view into the request's own field or target storage, a substring
// of the input (for the lines: Beast's parser turns an obs-fold into
// spaces), and a bearer or query value is a b64token. is_b64token
// (SSE2 and table paths) must agree with the plain definition on the input.

#include <modelauth/http/credentials.hpp>
#include <modelauth/http/error.hpp>

#include "oracle.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

namespace ma = modelauth;
namespace mh = modelauth::http;
namespace bh = boost::beast::http;

// A Fields type that can be asked by name only, so extract_credential takes
// its by-name path (as in tests/http/credentials_test.cpp).
class by_name_fields : public bh::fields
{
    using bh::fields::begin;
    using bh::fields::end;
    using bh::fields::cbegin;
    using bh::fields::cend;
};

static_assert(mh::detail::iterable_fields<bh::fields>::value);
static_assert(! mh::detail::iterable_fields<by_name_fields>::value);

using modelauth_fuzz::check;

std::string_view sv(boost::beast::string_view v)
{
    return std::string_view(v.data(), v.size());
}

// ---- the reference model: every rule written plainly ----------------------

char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b)
{
    if(a.size() != b.size())
        return false;
    for(std::size_t i = 0; i < a.size(); ++i)
        if(lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 6750: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool plain_b64token(std::string_view t)
{
    std::size_t i = 0;
    while(i < t.size() && (alnum(t[i]) || std::string_view("-._~+/").find(t[i]) != std::string_view::npos))
        ++i;
    if(i == 0)
        return false;
    while(i < t.size() && t[i] == '=')
        ++i;
    return i == t.size();
}

// RFC 9110 tchar.
bool plain_tchar(char c)
{
    return alnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view plain_trim(std::string_view v)
{
    std::size_t b = 0;
    std::size_t e = v.size();
    while(b < e && (v[b] == ' ' || v[b] == '\t'))
        ++b;
    while(e > b && (v[e - 1] == ' ' || v[e - 1] == '\t'))
        --e;
    return v.substr(b, e - b);
}

int hex(char c)
{
    if(c >= '0' && c <= '9')
        return c - '0';
    if(c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if(c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Form decoding: %XX is a byte, a lone % is itself, + is a space.
std::string form_decode(std::string_view s)
{
    std::string out;
    for(std::size_t i = 0; i < s.size(); ++i)
    {
        if(s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0)
        {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        }
        else
            out += s[i] == '+' ? ' ' : s[i];
    }
    return out;
}

struct field_copy
{
    std::string_view name;
    std::string_view value;
};

struct expected
{
    std::error_code error;
    mh::credential_source source = mh::credential_source::authorization_bearer;
    std::string_view value;
};

expected fail(mh::error e)
{
    expected r;
    r.error = make_error_code(e);
    return r;
}

expected model(std::vector<field_copy> const& fields, std::string_view target, mh::credential_options const& o)
{
    std::vector<std::string_view> authorization;
    std::vector<std::string_view> api_key;
    for(auto const& f : fields)
    {
        if(iequals(f.name, "authorization"))
            authorization.push_back(f.value);
        if(! o.api_key_header.empty() && iequals(f.name, o.api_key_header))
            api_key.push_back(f.value);
    }
    if(authorization.size() > 1)
        return fail(mh::error::multiple_authorization_headers);

    std::vector<std::string_view> query; // the encoded values of the parameter
    if(! o.query_parameter.empty())
    {
        std::size_t const q = target.find('?');
        if(q != std::string_view::npos && q + 1 < target.size())
        {
            std::string_view rest = target.substr(q + 1);
            for(;;)
            {
                std::size_t const amp = rest.find('&');
                std::string_view const piece = rest.substr(0, amp);
                std::size_t const eq = piece.find('=');
                std::string_view const key = piece.substr(0, eq);
                if(form_decode(key) == o.query_parameter)
                    query.push_back(eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1));
                if(amp == std::string_view::npos)
                    break;
                rest.remove_prefix(amp + 1);
            }
        }
    }

    if(api_key.size() > 1 || query.size() > 1 || authorization.size() + ! api_key.empty() + ! query.empty() > 1)
        return fail(mh::error::multiple_credentials);

    if(authorization.size() == 1)
    {
        std::string_view const v = plain_trim(authorization.front());
        std::size_t i = 0;
        while(i < v.size() && plain_tchar(v[i]))
            ++i;
        if(i == 0 || (i < v.size() && v[i] != ' '))
            return fail(mh::error::malformed_authorization);
        if(! iequals(v.substr(0, i), "Bearer"))
            return fail(mh::error::unsupported_scheme);
        while(i < v.size() && v[i] == ' ')
            ++i;
        std::string_view const token = v.substr(i);
        if(token.empty())
            return fail(mh::error::malformed_authorization);
        if(token.size() > o.max_credential_bytes)
            return fail(mh::error::credential_too_large);
        if(! plain_b64token(token))
            return fail(mh::error::malformed_authorization);
        return expected{{}, mh::credential_source::authorization_bearer, token};
    }
    if(api_key.size() == 1)
    {
        std::string_view const v = plain_trim(api_key.front());
        if(v.empty())
            return fail(mh::error::malformed_authorization);
        if(v.size() > o.max_credential_bytes)
            return fail(mh::error::credential_too_large);
        for(char c : v)
        {
            auto const u = static_cast<unsigned char>(c);
            if((u < 0x20 && c != '\t') || u == 0x7F)
                return fail(mh::error::malformed_authorization);
        }
        return expected{{}, mh::credential_source::api_key_header, v};
    }
    if(query.size() == 1)
    {
        std::string_view const v = query.front();
        if(v.empty())
            return fail(mh::error::malformed_authorization);
        if(v.size() > o.max_credential_bytes)
            return fail(mh::error::credential_too_large);
        if(v.find('+') != std::string_view::npos || ! plain_b64token(v))
            return fail(mh::error::malformed_authorization);
        return expected{{}, mh::credential_source::query_parameter, v};
    }
    return fail(mh::error::missing_credentials);
}

// ---- the checks -------------------------------------------------------------

bool inside(std::string_view part, std::string_view whole)
{
    std::less_equal<char const*> le;
    return le(whole.data(), part.data()) && le(part.data() + part.size(), whole.data() + whole.size());
}

std::vector<mh::credential_options> const& setups()
{
    static std::vector<mh::credential_options> const s = [] {
        mh::credential_options defaults;
        mh::credential_options reference;
        reference.api_key_header = "impact-api-key";
        reference.query_parameter = "access_token";
        mh::credential_options small;
        small.api_key_header = "X-API-Key";
        small.query_parameter = "token";
        small.max_credential_bytes = 16;
        return std::vector<mh::credential_options>{defaults, reference, small};
    }();
    return s;
}

// Checks one result against the model: the value may point into `fields`
// (bearer, API key) or `target` (query).
void check_result(ma::result<mh::credential> const& got, expected const& want,
    std::vector<field_copy> const& fields, std::string_view target, mh::credential_options const& o,
    std::string_view input)
{
    if(! got)
    {
        check(got.error().category() == mh::error_category());
        check(got.error() == want.error);
        return;
    }
    check(! want.error);
    mh::credential const& c = got.value();
    check(c.source == want.source);
    check(c.value == want.value);
    check(! c.value.empty() && c.value.size() <= o.max_credential_bytes);
    // A substring of the input, unless Beast's parser rewrote it (an
    // obs-fold becomes spaces): `input` is empty then.
    check(input.empty() || input.find(c.value) != std::string_view::npos);
    if(c.source == mh::credential_source::query_parameter)
    {
        check(inside(c.value, target));
        check(c.value.find('+') == std::string_view::npos);
    }
    else
    {
        bool found = false;
        for(auto const& f : fields)
            found = found || inside(c.value, f.value);
        check(found);
    }
    if(c.source != mh::credential_source::api_key_header)
        check(mh::is_b64token(c.value));
}

template<class Fields>
std::vector<field_copy> copy_fields(bh::request_header<Fields> const& req)
{
    std::vector<field_copy> fields;
    for(auto const& f : static_cast<bh::fields const&>(req))
        fields.push_back({sv(f.name_string()), sv(f.value())});
    return fields;
}

// Both paths on `req` (and a by-name copy of it), every setup. `input` is
// what the values are substrings of, or empty.
void check_request(bh::request_header<bh::fields> const& req, std::string_view input)
{
    bh::request_header<by_name_fields> by_name;
    by_name.method_string(req.method_string());
    by_name.target(req.target());
    for(auto const& f : static_cast<bh::fields const&>(req))
        by_name.insert(f.name_string(), f.value());

    std::string_view const target = sv(req.target());
    std::string_view const by_name_target = sv(by_name.target());
    auto const fields = copy_fields(req);
    auto const by_name_field_list = copy_fields(by_name);

    for(auto const& o : setups())
    {
        expected const want = model(fields, target, o);
        check_result(mh::extract_credential(req, o), want, fields, target, o, input);
        expected const want_by_name = model(by_name_field_list, by_name_target, o);
        check(want_by_name.error == want.error && want_by_name.value == want.value);
        check_result(
            mh::extract_credential(by_name, o), want_by_name, by_name_field_list, by_name_target, o, input);
    }
}

// Lines: the target, then `name:value`, or an Authorization value.
void from_lines(std::string_view input)
{
    bh::request_header<bh::fields> req;
    req.method(bh::verb::get);
    std::size_t const first = input.find('\n');
    req.target(boost::beast::string_view(input.data(), first == std::string_view::npos ? input.size() : first));
    std::string_view rest = first == std::string_view::npos ? std::string_view() : input.substr(first + 1);
    while(! rest.empty())
    {
        std::size_t const nl = rest.find('\n');
        std::string_view const line = rest.substr(0, nl);
        std::size_t const colon = line.find(':');
        if(colon == std::string_view::npos)
            req.insert(bh::field::authorization, boost::beast::string_view(line.data(), line.size()));
        else
            req.insert(boost::beast::string_view(line.data(), colon),
                boost::beast::string_view(line.data() + colon + 1, line.size() - colon - 1));
        if(nl == std::string_view::npos)
            break;
        rest.remove_prefix(nl + 1);
    }
    check_request(req, input);
}

// Raw bytes through Beast's parser, as a server reads them.
void from_wire(std::string_view input)
{
    bh::request_parser<bh::empty_body> parser;
    parser.header_limit(16 * 1024);
    boost::system::error_code ec;
    parser.put(boost::asio::const_buffer(input.data(), input.size()), ec);
    if(! parser.is_header_done())
        return;
    check_request(parser.get().base(), {});
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const input(reinterpret_cast<char const*>(data), size);
    check(mh::is_b64token(input) == plain_b64token(input));
    from_lines(input);
    from_wire(input);
    return 0;
}
