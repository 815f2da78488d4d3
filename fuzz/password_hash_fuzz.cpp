//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// libFuzzer target for stored password hashes (tokens/password.hpp): the
// input is an encoded hash as a user table holds it,
// `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`. Only the parsing is
// fuzzed: PBKDF2 (verify, hash_password) never runs, as every iteration
// count it accepts takes far too long for a fuzzer.
//
// Besides "no crash, no leak, no undefined behaviour" (ASan + UBSan), it
// checks an oracle on every input:
// - password_hash::parse accepts exactly what a plain re-implementation of
//   the documented format accepts (four `$`-separated fields, the algorithm
//   name, iterations from min_password_iterations to max_password_iterations
//   without sign or leading zero, a non-empty salt of printable ASCII
//   without space or `$`, canonical padded base64 of 32 bytes), with
//   iterations() the value written; anything else is
//   tokens::error::invalid_password_hash;
// - an accepted hash round-trips: encoded() is the input, byte for byte;
// - the canonical base64 decoder under parse, asked for any byte count whose
//   length fits the input, accepts exactly canonical padded base64 and
//   re-encodes to the input;
// - dummy(n) for n from the input holds n clamped to the bounds and its
//   encoded() parses back to itself; hash_password refuses an out-of-range
//   count before any work.

#include <modelauth/tokens/password.hpp>
#include <modelauth/tokens/error.hpp>

#include "oracle.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace ma = modelauth;
namespace t = modelauth::tokens;

using modelauth_fuzz::check;

// ---- the reference model ----------------------------------------------------

constexpr std::string_view b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Whether `s` is the canonical padded standard base64 of `bytes` bytes:
// 4 * ceil(bytes / 3) characters, exactly the `=` the count needs, and the
// unused low bits of the last data character zero.
bool canonical_base64(std::string_view s, std::size_t bytes)
{
    if(s.size() != (bytes + 2) / 3 * 4)
        return false;
    std::size_t const padding = (3 - bytes % 3) % 3;
    std::size_t const data = s.size() - padding;
    for(std::size_t i = 0; i < s.size(); ++i)
        if(i < data ? b64.find(s[i]) == std::string_view::npos : s[i] != '=')
            return false;
    if(padding == 0)
        return true;
    auto const last = b64.find(s[data - 1]);
    return (last & (padding == 1 ? 0x3u : 0xFu)) == 0;
}

// The iterations `s` names, if it is a count in the bounds without sign or leading zero; else 0.
unsigned model_iterations(std::string_view s)
{
    if(s.empty() || s.size() > 9 || s[0] < '1' || s[0] > '9')
        return 0;
    std::uint64_t n = 0;
    for(char c : s)
    {
        if(c < '0' || c > '9')
            return 0;
        n = n * 10 + static_cast<unsigned>(c - '0');
    }
    return n >= t::min_password_iterations && n <= t::max_password_iterations ? static_cast<unsigned>(n) : 0;
}

// The iterations of `s` if it is a well-formed encoded hash, else 0.
unsigned model_parse(std::string_view s)
{
    std::vector<std::string_view> fields;
    for(;;)
    {
        std::size_t const d = s.find('$');
        fields.push_back(s.substr(0, d));
        if(d == std::string_view::npos)
            break;
        s.remove_prefix(d + 1);
    }
    if(fields.size() != 4 || fields[0] != "pbkdf2_sha256")
        return 0;
    unsigned const iterations = model_iterations(fields[1]);
    if(fields[2].empty())
        return 0;
    for(char c : fields[2])
        if(c <= ' ' || c > '~')
            return 0;
    if(! canonical_base64(fields[3], 32))
        return 0;
    return iterations;
}

// ---- the checks -------------------------------------------------------------

void check_base64(std::string_view input)
{
    if(input.empty() || input.size() % 4 != 0)
        return;
    std::size_t const most = input.size() / 4 * 3;
    std::vector<unsigned char> out(most);
    for(std::size_t bytes = most - 2; bytes <= most; ++bytes)
    {
        bool const ok = t::detail::base64_decode_exact(input, out.data(), bytes);
        check(ok == canonical_base64(input, bytes));
        if(ok)
            check(t::detail::base64_encode(out.data(), bytes) == input);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const input(reinterpret_cast<char const*>(data), size);

    auto const parsed = t::password_hash::parse(input);
    unsigned const want = model_parse(input);
    if(! parsed)
    {
        check(want == 0);
        check(parsed.error() == t::error::invalid_password_hash);
    }
    else
    {
        check(want != 0 && parsed->iterations() == want);
        check(parsed->iterations() >= t::min_password_iterations
              && parsed->iterations() <= t::max_password_iterations);
        check(parsed->encoded() == input);
    }

    check_base64(input);

    if(size >= sizeof(std::uint32_t))
    {
        std::uint32_t n = 0;
        std::memcpy(&n, data, sizeof n);
        t::password_hash const dummy = t::password_hash::dummy(n);
        unsigned const clamped = n < t::min_password_iterations ? t::min_password_iterations
                               : n > t::max_password_iterations ? t::max_password_iterations
                                                                : n;
        check(dummy.iterations() == clamped);
        std::string const encoded = dummy.encoded();
        auto const again = t::password_hash::parse(encoded);
        check(again.has_value() && again->iterations() == clamped && again->encoded() == encoded);
        if(n < t::min_password_iterations || n > t::max_password_iterations)
        {
            auto const refused = t::hash_password("password", n);
            check(! refused && refused.error() == t::error::invalid_password_hash);
        }
    }
    return 0;
}
