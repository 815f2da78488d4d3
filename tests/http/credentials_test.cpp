//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/http/credentials.hpp>
#include <modelauth/http/error.hpp>

#include "support/doctest_result.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/empty_body.hpp>

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

namespace ma = modelauth;
namespace mh = modelauth::http;
namespace bh = boost::beast::http;

namespace {

using field_list = std::vector<std::pair<std::string, std::string>>;

// Where a row looks: the defaults (Authorization only), or the reference
// server's setup (also `impact-api-key` and `?access_token=`).
enum class setup
{
    defaults,
    reference
};

mh::credential_options options_for(setup s)
{
    mh::credential_options options;
    if(s == setup::reference)
    {
        options.api_key_header = "impact-api-key";
        options.query_parameter = "access_token";
    }
    return options;
}

// A Fields type that can be asked by name only: it hides basic_fields'
// iteration, so extract_credential takes its by-name path.
class by_name_fields : public bh::fields
{
    using bh::fields::begin;
    using bh::fields::end;
    using bh::fields::cbegin;
    using bh::fields::cend;
};

static_assert(bh::is_fields<by_name_fields>::value);
static_assert(mh::detail::iterable_fields<bh::fields>::value);
static_assert(! mh::detail::iterable_fields<by_name_fields>::value);
static_assert(mh::detail::erasable_fields<bh::fields>::value);
static_assert(! mh::detail::erasable_fields<by_name_fields>::value);

template<class Fields = bh::fields>
bh::request<bh::string_body, Fields> make_request(std::string target, field_list const& fields)
{
    bh::request<bh::string_body, Fields> req{bh::verb::post, target, 11};
    for(auto const& f : fields)
        req.insert(f.first, f.second); // insert keeps repeated fields (H7)
    return req;
}

struct row
{
    // A row expecting `error`, or, if it is empty, the credential (`source`, `value`).
    row(char const* name, setup where, std::string target, field_list fields, std::error_code error,
        mh::credential_source source = mh::credential_source::authorization_bearer, std::string value = {})
        : name(name)
        , where(where)
        , target(std::move(target))
        , fields(std::move(fields))
        , error(error)
        , source(source)
        , value(std::move(value))
    {
    }

    char const* name; // starts with the catalogue id, if any
    setup where;
    std::string target;
    field_list fields;
    std::error_code error;
    mh::credential_source source;
    std::string value;
};

std::error_code const none;
auto const missing = make_error_code(ma::http::error::missing_credentials);
auto const unsupported = make_error_code(ma::http::error::unsupported_scheme);
auto const malformed = make_error_code(ma::http::error::malformed_authorization);
auto const repeated = make_error_code(ma::http::error::multiple_authorization_headers);
auto const multiple = make_error_code(ma::http::error::multiple_credentials);
auto const too_large = make_error_code(ma::http::error::credential_too_large);

constexpr auto bearer = mh::credential_source::authorization_bearer;
constexpr auto api_key = mh::credential_source::api_key_header;
constexpr auto query = mh::credential_source::query_parameter;

std::string const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

std::vector<row> const rows = {
    // H1: no credentials at all.
    {"H1 no Authorization header", setup::defaults, "/m/", {}, missing},
    {"H1 no credentials anywhere (reference setup)", setup::reference, "/m/?x=1", {}, missing},
    {"H1 an unrelated header", setup::reference, "/m/", {{"X-Api-Key", "k"}}, missing},
    {"H1 a query parameter when none is configured is not a credential", setup::defaults,
        "/m/?access_token=abc", {}, missing},
    {"H1 an API-key header when none is configured is not a credential", setup::defaults, "/m/",
        {{"impact-api-key", "k"}}, missing},

    // H2: the scheme is case-insensitive.
    {"H2 Bearer", setup::defaults, "/m/", {{"Authorization", "Bearer " + jwt}}, none, bearer, jwt},
    {"H2 bearer", setup::defaults, "/m/", {{"Authorization", "bearer x"}}, none, bearer, "x"},
    {"H2 BEARER", setup::defaults, "/m/", {{"Authorization", "BEARER x"}}, none, bearer, "x"},
    {"H2 bEaReR", setup::defaults, "/m/", {{"authorization", "bEaReR x"}}, none, bearer, "x"},

    // H3: no token.
    {"H3 Bearer", setup::defaults, "/m/", {{"Authorization", "Bearer"}}, malformed},
    {"H3 Bearer SP", setup::defaults, "/m/", {{"Authorization", "Bearer "}}, malformed},
    {"H3 Bearer 4 SP", setup::defaults, "/m/", {{"Authorization", "Bearer    "}}, malformed},
    {"H3 empty Authorization value", setup::defaults, "/m/", {{"Authorization", ""}}, malformed},
    {"H3 Authorization value of spaces only", setup::defaults, "/m/", {{"Authorization", "   "}}, malformed},

    // H4: 1*SP, SP only; surrounding OWS is not part of the value.
    {"H4 two SP", setup::defaults, "/m/", {{"Authorization", "Bearer  x"}}, none, bearer, "x"},
    {"H4 many SP", setup::defaults, "/m/", {{"Authorization", "Bearer      x"}}, none, bearer, "x"},
    {"H4 HTAB as separator", setup::defaults, "/m/", {{"Authorization", "Bearer\tx"}}, malformed},
    {"H4 SP then HTAB", setup::defaults, "/m/", {{"Authorization", "Bearer \tx"}}, malformed},
    {"H4 surrounding OWS", setup::defaults, "/m/", {{"Authorization", " \tBearer x \t"}}, none, bearer, "x"},

    // H5: anything but one b64token.
    {"H5 two tokens", setup::defaults, "/m/", {{"Authorization", "Bearer a b"}}, malformed},
    {"H5 comma", setup::defaults, "/m/", {{"Authorization", "Bearer a,b"}}, malformed},
    {"H5 quoted", setup::defaults, "/m/", {{"Authorization", "Bearer \"a\""}}, malformed},
    {"H5 = inside", setup::defaults, "/m/", {{"Authorization", "Bearer a=b"}}, malformed},
    {"H5 = only", setup::defaults, "/m/", {{"Authorization", "Bearer =="}}, malformed},
    {"H5 non-ASCII", setup::defaults, "/m/", {{"Authorization", "Bearer caf\xc3\xa9"}}, malformed},
    {"H5 DEL", setup::defaults, "/m/", {{"Authorization", "Bearer a\x7f"}}, malformed},
    {"H5 HTAB inside the token", setup::defaults, "/m/", {{"Authorization", "Bearer a\tb"}}, malformed},
    {"H5 auth-param syntax", setup::defaults, "/m/", {{"Authorization", "Bearer token=abc, realm=x"}}, malformed},
    {"H5 every b64token character", setup::defaults, "/m/",
        {{"Authorization", "Bearer AZaz09-._~+/=="}}, none, bearer, "AZaz09-._~+/=="},

    // H6: grammar-valid, decoded later (the validator answers 401).
    {"H6 JWT with padding", setup::defaults, "/m/", {{"Authorization", "Bearer " + jwt + "=="}}, none, bearer,
        jwt + "=="},

    // H7: repeated Authorization fields.
    {"H7 two identical Authorization fields", setup::defaults, "/m/",
        {{"Authorization", "Bearer x"}, {"Authorization", "Bearer x"}}, repeated},
    {"H7 two different Authorization fields", setup::defaults, "/m/",
        {{"Authorization", "Bearer x"}, {"authorization", "Bearer y"}}, repeated},
    {"H7 Bearer and Basic fields", setup::reference, "/m/",
        {{"Authorization", "Basic eDp5"}, {"Authorization", "Bearer y"}}, repeated},

    // H8: a list in one field.
    {"H8 two Bearer credentials in one field", setup::defaults, "/m/",
        {{"Authorization", "Bearer a, Bearer b"}}, malformed},
    {"H8 Bearer then Basic in one field", setup::defaults, "/m/", {{"Authorization", "Bearer a, Basic b"}},
        malformed},
    {"H8 leading comma", setup::defaults, "/m/", {{"Authorization", ", Bearer a"}}, malformed},

    // H9: credentials in more than one place.
    {"H9 Authorization and query parameter", setup::reference, "/m/?access_token=b",
        {{"Authorization", "Bearer a"}}, multiple},
    {"H9 Authorization and API-key header", setup::reference, "/m/",
        {{"Authorization", "Bearer a"}, {"impact-api-key", "k"}}, multiple},
    {"H9 Basic Authorization and API-key header", setup::reference, "/m/",
        {{"Authorization", "Basic eDp5"}, {"impact-api-key", "k"}}, multiple},
    {"H9 API-key header and query parameter", setup::reference, "/m/?access_token=b",
        {{"impact-api-key", "k"}}, multiple},
    {"H9 two API-key fields", setup::reference, "/m/", {{"impact-api-key", "k"}, {"Impact-Api-Key", "k"}},
        multiple},
    {"H9 two query parameters", setup::reference, "/m/?access_token=a&access_token=a", {}, multiple},
    {"H9 a query parameter named with an escape counts", setup::reference, "/m/?access%5Ftoken=a&access_token=b",
        {}, multiple},
    {"H9 malformed Authorization and a query parameter", setup::reference, "/m/?access_token=b",
        {{"Authorization", "Bearer"}}, multiple},

    // H10: other schemes, answered with a bare challenge.
    {"H10 Basic", setup::defaults, "/m/", {{"Authorization", "Basic eDp5"}}, unsupported},
    {"H10 Token", setup::defaults, "/m/", {{"Authorization", "Token abc"}}, unsupported},
    {"H10 Bearerx y", setup::defaults, "/m/", {{"Authorization", "Bearerx y"}}, unsupported},
    {"H10 Bear er y", setup::defaults, "/m/", {{"Authorization", "Bear er y"}}, unsupported},
    {"H10 Digest with auth-params", setup::defaults, "/m/", {{"Authorization", "Digest username=\"a\", realm=\"b\""}},
        unsupported},
    {"H10 a scheme alone", setup::defaults, "/m/", {{"Authorization", "Negotiate"}}, unsupported},
    {"H10 a scheme followed by HTAB is not credentials", setup::defaults, "/m/",
        {{"Authorization", "Basic\tx"}}, malformed},

    // H11: the application's cap on a credential.
    {"H11 token of exactly 8 KiB", setup::defaults, "/m/",
        {{"Authorization", "Bearer " + std::string(8192, 'a')}}, none, bearer, std::string(8192, 'a')},
    {"H11 token over 8 KiB", setup::defaults, "/m/", {{"Authorization", "Bearer " + std::string(8193, 'a')}},
        too_large},
    {"H11 API key over 8 KiB", setup::reference, "/m/", {{"impact-api-key", std::string(8193, 'k')}}, too_large},
    {"H11 query token over 8 KiB", setup::reference, "/m/?access_token=" + std::string(8193, 'q'), {}, too_large},

    // H12: an obs-fold arrives as SP (see the parser test below); as a value.
    {"H12 folded value as Beast delivers it", setup::defaults, "/m/", {{"Authorization", "Bearer   x"}}, none,
        bearer, "x"},
    {"H12 a fold inside the token stays one bad token", setup::defaults, "/m/", {{"Authorization", "Bearer a  b"}},
        malformed},

    // H13: control characters in a value (the parser refuses them on the wire).
    {"H13 NUL in the token", setup::defaults, "/m/", {{"Authorization", std::string("Bearer a\0b", 10)}}, malformed},
    {"H13 CR LF in the token", setup::defaults, "/m/", {{"Authorization", "Bearer a\r\nb"}}, malformed},
    {"H13 LF in the API key", setup::reference, "/m/", {{"impact-api-key", "mak_a\nb"}}, malformed},
    {"H13 NUL in the API key", setup::reference, "/m/", {{"impact-api-key", std::string("mak\0x", 5)}}, malformed},
    {"H13 DEL in the API key", setup::reference, "/m/", {{"impact-api-key", "mak\x7fx"}}, malformed},

    // H16: the API-key header; its value goes to the validator as it is (401 there).
    {"H16 API key", setup::reference, "/m/", {{"impact-api-key", "mak_abc_123456"}}, none, api_key, "mak_abc_123456"},
    {"H16 API-key field name in another case", setup::reference, "/m/", {{"IMPACT-API-KEY", "k"}}, none, api_key, "k"},
    {"H16 surrounding OWS is not part of the key", setup::reference, "/m/", {{"impact-api-key", " \tk\t "}}, none,
        api_key, "k"},
    {"H16 inner whitespace is passed on for a 401", setup::reference, "/m/", {{"impact-api-key", "mak a"}}, none,
        api_key, "mak a"},
    {"H16 Bearer prefix in the API-key header is the key's own business", setup::reference, "/m/",
        {{"impact-api-key", "Bearer k"}}, none, api_key, "Bearer k"},
    {"H16 empty API key", setup::reference, "/m/", {{"impact-api-key", ""}}, malformed},
    {"H16 blank API key", setup::reference, "/m/", {{"impact-api-key", "  "}}, malformed},

    // The opt-in query parameter (RFC 6750 section 2.3).
    {"query parameter", setup::reference, "/m/?get_meta=true&access_token=" + jwt, {}, none, query, jwt},
    {"query parameter with padding", setup::reference, "/m/?access_token=abc==", {}, none, query, "abc=="},
    {"query parameter empty", setup::reference, "/m/?access_token=", {}, malformed},
    {"query parameter without =", setup::reference, "/m/?access_token", {}, malformed},
    {"query parameter percent-encoded", setup::reference, "/m/?access_token=abc%3D", {}, malformed},
    {"query parameter with + (a space in form encoding)", setup::reference, "/m/?access_token=a+b", {}, malformed},
    {"query parameter with a fragment", setup::reference, "/m/?access_token=a#b", {}, malformed},
    {"query parameter name is exact", setup::reference, "/m/?access_token2=a&xaccess_token=b", {}, missing},
};

} // namespace

TEST_CASE_TEMPLATE("credentials are extracted as the catalogue says (H1-H16)", Fields, bh::fields, by_name_fields)
{
    for(auto const& r : rows)
    {
        CAPTURE(r.name);
        auto const req = make_request<Fields>(r.target, r.fields);
        auto const c = mh::extract_credential(req, options_for(r.where));
        if(r.error)
        {
            REQUIRE_FALSE(c.has_value());
            CHECK(c.error() == r.error);
        }
        else
        {
            REQUIRE(c.has_value());
            CHECK(c->source == r.source);
            CHECK(c->value == r.value);
        }
    }
}

TEST_CASE("the answers map to the statuses the catalogue asks for")
{
    CHECK(ma::http_status(missing) == 401);                // H1
    CHECK(ma::rfc6750_error(missing).empty());             // H1: no error attribute
    CHECK(ma::http_status(unsupported) == 401);            // H10
    CHECK(ma::rfc6750_error(unsupported).empty());         // H10
    for(auto const& e : {malformed, repeated, multiple})  // H3, H5, H7, H8, H9
    {
        CHECK(ma::http_status(e) == 400);
        CHECK(ma::rfc6750_error(e) == "invalid_request");
    }
    CHECK(ma::http_status(too_large) == 401);              // H11
}

TEST_CASE("the credential is a view into the request, never a copy")
{
    auto const req = make_request("/m/?access_token=q", {{"Authorization", "Bearer tok"}});
    auto const c = mh::extract_credential(req);
    REQUIRE(c.has_value());
    auto const field = req[bh::field::authorization];
    CHECK(c->value.data() == field.data() + 7);

    mh::credential_options options;
    options.query_parameter = "access_token";
    auto const q = mh::extract_credential(make_request("/m/?access_token=q", {}), options);
    REQUIRE(q.has_value());
    CHECK(q->source == mh::credential_source::query_parameter);
}

TEST_CASE("the size limit is configurable")
{
    mh::credential_options options;
    options.max_credential_bytes = 4;
    CHECK(mh::extract_credential(make_request("/", {{"Authorization", "Bearer abcd"}}), options).has_value());
    CHECK(mh::extract_credential(make_request("/", {{"Authorization", "Bearer abcde"}}), options).error()
        == too_large);
}

TEST_CASE("extraction works on the header part of any request")
{
    bh::request<bh::empty_body> req{bh::verb::get, "/", 11};
    req.set(bh::field::authorization, "Bearer x");
    bh::request_header<> const& header = req;
    auto const c = mh::extract_credential(header);
    REQUIRE(c.has_value());
    CHECK(c->value == "x");
}

namespace {

// Parses `wire` as Beast does off a socket.
struct parsed
{
    boost::beast::error_code ec;
    bh::request<bh::string_body> req;
};

parsed parse(std::string const& wire)
{
    bh::request_parser<bh::string_body> parser;
    parser.eager(true);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(wire), ec);
    if(! ec && ! parser.is_done())
        parser.put_eof(ec);
    parsed p;
    p.ec = ec;
    if(! ec)
        p.req = parser.release();
    return p;
}

} // namespace

TEST_CASE("requests off the wire: OWS, obs-fold, control characters and repeated fields (H4, H7, H12, H13)")
{
    SUBCASE("H4 surrounding OWS is stripped by the parser")
    {
        auto const p = parse("GET / HTTP/1.1\r\nAuthorization: \t Bearer x \t\r\n\r\n");
        REQUIRE_FALSE(p.ec);
        auto const c = mh::extract_credential(p.req);
        REQUIRE(c.has_value());
        CHECK(c->value == "x");
    }
    SUBCASE("H12 obs-fold between scheme and token becomes SP")
    {
        auto const p = parse("GET / HTTP/1.1\r\nAuthorization: Bearer\r\n x\r\n\r\n");
        REQUIRE_FALSE(p.ec);
        auto const c = mh::extract_credential(p.req);
        REQUIRE(c.has_value());
        CHECK(c->value == "x");
    }
    SUBCASE("H12 obs-fold inside a token never splits it into two credentials")
    {
        auto const p = parse("GET / HTTP/1.1\r\nAuthorization: Bearer a\r\n b\r\n\r\n");
        REQUIRE_FALSE(p.ec);
        CHECK(mh::extract_credential(p.req).error() == malformed);
    }
    SUBCASE("H13 NUL, a bare CR and a bare LF inside the value are parser errors")
    {
        using namespace std::string_literals;
        CHECK(parse("GET / HTTP/1.1\r\nAuthorization: Bearer a\0b\r\n\r\n"s).ec);
        CHECK(parse("GET / HTTP/1.1\r\nAuthorization: Bearer a\nb\r\n\r\n").ec);
        CHECK(parse("GET / HTTP/1.1\r\nAuthorization: Bearer a\rb\r\n\r\n").ec);
    }
    SUBCASE("H7 repeated fields on the wire")
    {
        auto const p = parse("GET / HTTP/1.1\r\nAuthorization: Bearer a\r\nAuthorization: Bearer a\r\n\r\n");
        REQUIRE_FALSE(p.ec);
        CHECK(mh::extract_credential(p.req).error() == repeated);
    }
}

TEST_CASE("b64token grammar")
{
    CHECK(mh::is_b64token("a"));
    CHECK(mh::is_b64token("a="));
    CHECK(mh::is_b64token("a+/~._-"));
    CHECK_FALSE(mh::is_b64token(""));
    CHECK_FALSE(mh::is_b64token("="));
    CHECK_FALSE(mh::is_b64token("a=a"));
    CHECK_FALSE(mh::is_b64token("a b"));
    CHECK_FALSE(mh::is_b64token("a%"));
    static_assert(mh::is_b64token("eyJ.eyJ.sig"), "constexpr");
    static_assert(! mh::is_b64token("eyJ.eyJ.sig\x80"), "constexpr");
    CHECK(mh::credential_source_name(mh::credential_source::api_key_header) == "api_key_header");
}

namespace {

// The grammar character by character, as RFC 6750 section 2.1 writes it.
bool reference_b64token(std::string_view t)
{
    std::size_t i = 0;
    auto const in_set = [](unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
            || c == '_' || c == '~' || c == '+' || c == '/';
    };
    while(i < t.size() && in_set(static_cast<unsigned char>(t[i])))
        ++i;
    if(i == 0)
        return false;
    while(i < t.size() && t[i] == '=')
        ++i;
    return i == t.size();
}

} // namespace

TEST_CASE("b64token: every byte value at every position of long tokens (16 at a time and the tail)")
{
    // Tokens of 1 to 70 characters cover whole blocks of 16, blocks of 8 and
    // the character-by-character tail; each byte value goes to each position.
    std::string const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/";
    int wrong = 0;
    for(std::size_t size = 1; size <= 70; ++size)
    {
        std::string token;
        for(std::size_t i = 0; i < size; ++i)
            token += alphabet[(i * 7) % alphabet.size()];
        wrong += mh::is_b64token(token) != true;
        for(std::size_t pos = 0; pos < size; ++pos)
            for(int b = 0; b < 256; ++b)
            {
                std::string t = token;
                t[pos] = static_cast<char>(b);
                wrong += mh::is_b64token(t) != reference_b64token(t);
            }
        // Padding after a long run, and a character after the padding.
        wrong += mh::is_b64token(token + "==") != true;
        wrong += mh::is_b64token(token + "=a") != false;
        wrong += mh::is_b64token("=" + token) != false;
    }
    CHECK(wrong == 0);
}

TEST_CASE("Authorization and API-key headers are found by name whatever their case, among other fields")
{
    mh::credential_options options;
    options.api_key_header = "impact-api-key";
    auto req = make_request("/m/", {{"Host", "h"}, {"Content-Type", "application/json"}, {"IMPACT-API-KEY", "k1"}});
    auto const key = mh::extract_credential(req, options);
    REQUIRE(key.has_value());
    CHECK(key->source == mh::credential_source::api_key_header);
    CHECK(key->value == "k1");

    req.insert("aUtHoRiZaTiOn", "Bearer t");
    CHECK(mh::extract_credential(req, options).error() == multiple); // H9
    req.erase("impact-api-key");
    auto const bearer = mh::extract_credential(req, options);
    REQUIRE(bearer.has_value());
    CHECK(bearer->value == "t");

    // A header whose name only starts like the API-key header is not it.
    auto other = make_request("/m/", {{"impact-api-key-2", "k"}, {"impact-api-ke", "k"}});
    CHECK(mh::extract_credential(other, options).error() == missing);
}
