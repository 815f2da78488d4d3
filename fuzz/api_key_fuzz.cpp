//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// libFuzzer target for the API-key format checks (validation/api_key.hpp):
// the input is a key as a client sends it, checked against the default
// prefix `mak`, against no prefix, and against the input's own prefix (the
// text before its first `_`), so that fuzzed keys reach the checksum.
//
// Besides "no crash, no leak, no undefined behaviour" (ASan + UBSan), it
// checks an oracle on every input:
// - check_api_key, has_api_key_prefix and is_valid_api_key_prefix give what
//   a plain re-implementation of the documented format gives (its own
//   CRC-32 and base62), error for error;
// - an accepted key is refused after any single-byte substitution (all 256
//   values at every position) or adjacent transposition that changes it:
//   CRC-32 catches every error within 32 bits, and 6 base62 digits hold
//   every CRC-32 value;
// - a key assembled from a valid prefix, the input's bytes as the random
//   part and the model's checksum is accepted, and keys made by
//   generate_api_key (checked once, at the first input) pass as well;
// - generate_api_key throws std::invalid_argument for an invalid prefix;
// - api_key_hint is the key's last (up to) 4 characters, and digest_equal
//   tells a secret's SHA-256 digest from a one-bit change of it.

#include <modelauth/validation/api_key.hpp>
#include <modelauth/validation/error.hpp>

#include "oracle.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace {

namespace ma = modelauth;
namespace v = modelauth::validation;

using modelauth_fuzz::check;

// ---- the reference model ----------------------------------------------------

constexpr std::string_view base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

bool is_base62(char c)
{
    return base62.find(c) != std::string_view::npos;
}

// CRC-32 (ISO-HDLC: reflected 0x04C11DB7, init and final xor 0xFFFFFFFF), bit by bit.
std::uint32_t crc32(std::string_view s)
{
    std::uint32_t crc = 0xFFFFFFFFu;
    for(char c : s)
    {
        crc ^= static_cast<unsigned char>(c);
        for(int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
}

// The checksum: CRC-32 in 6 base62 digits, most significant first.
std::string checksum(std::string_view s)
{
    std::uint64_t value = crc32(s);
    std::string out(v::api_key_checksum_chars, '0');
    for(std::size_t i = out.size(); i-- > 0;)
    {
        out[i] = base62[value % 62];
        value /= 62;
    }
    check(value == 0);
    return out;
}

bool model_valid_prefix(std::string_view p)
{
    if(p.empty() || p.size() > 16)
        return false;
    for(char c : p)
        if(! ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    return true;
}

bool model_has_prefix(std::string_view key, std::string_view prefix)
{
    return key.size() >= prefix.size() + 1 && key.substr(0, prefix.size()) == prefix && key[prefix.size()] == '_';
}

// `<prefix>_<43 base62>_<6 base62 checksum>`.
std::error_code model_check(std::string_view key, std::string_view prefix)
{
    auto const malformed = make_error_code(v::error::malformed_api_key);
    if(key.size() != prefix.size() + 1 + 43 + 1 + 6 || ! model_has_prefix(key, prefix))
        return malformed;
    std::string_view const random = key.substr(prefix.size() + 1, 43);
    if(key[prefix.size() + 1 + 43] != '_')
        return malformed;
    std::string_view const sum = key.substr(prefix.size() + 1 + 43 + 1);
    for(char c : random)
        if(! is_base62(c))
            return malformed;
    for(char c : sum)
        if(! is_base62(c))
            return malformed;
    if(sum != checksum(key.substr(0, prefix.size() + 1 + 43)))
        return make_error_code(v::error::api_key_checksum_mismatch);
    return {};
}

// ---- the checks -------------------------------------------------------------

std::error_code code_of(ma::result<void> const& r)
{
    return r ? std::error_code() : r.error();
}

void check_key(std::string_view key, std::string_view prefix)
{
    check(v::has_api_key_prefix(key, prefix) == model_has_prefix(key, prefix));
    auto const got = v::check_api_key(key, prefix);
    auto const want = model_check(key, prefix);
    check(code_of(got) == want);
    if(! got)
    {
        check(got.error().category() == v::error_category());
        return;
    }

    // Accepted: no single-byte substitution or adjacent swap that changes the key passes.
    std::string mutated(key);
    for(std::size_t i = 0; i < mutated.size(); ++i)
    {
        char const original = mutated[i];
        for(int b = 0; b < 256; ++b)
        {
            mutated[i] = static_cast<char>(b);
            check(mutated[i] == original || ! v::check_api_key(mutated, prefix));
        }
        mutated[i] = original;
        if(i + 1 < mutated.size() && mutated[i] != mutated[i + 1])
        {
            std::swap(mutated[i], mutated[i + 1]);
            check(! v::check_api_key(mutated, prefix));
            std::swap(mutated[i], mutated[i + 1]);
        }
    }
    // Nor does one byte fewer or more.
    check(! v::check_api_key(key.substr(0, key.size() - 1), prefix));
    check(! v::check_api_key(std::string(key) + "0", prefix));
}

// Keys from the generator pass, once.
void check_generated()
{
    for(std::string_view prefix : {v::default_api_key_prefix, std::string_view("sk"), std::string_view("0123456789abcdef")})
    {
        auto const key = v::generate_api_key(prefix);
        check(key.has_value());
        check(model_check(*key, prefix) == std::error_code());
        check_key(*key, prefix);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    static bool const generated = (check_generated(), true);
    (void)generated;

    std::string_view const input(reinterpret_cast<char const*>(data), size);

    check_key(input, v::default_api_key_prefix);
    check_key(input, "");

    std::size_t const underscore = input.find('_');
    std::string_view const prefix = input.substr(0, underscore);
    if(underscore != std::string_view::npos && prefix != v::default_api_key_prefix)
        check_key(input, prefix);

    // The input's prefix: valid exactly as documented; if it is, a key built
    // on it with the model's checksum passes; if not, the generator refuses it.
    check(v::is_valid_api_key_prefix(prefix) == model_valid_prefix(prefix));
    if(model_valid_prefix(prefix))
    {
        std::string key(prefix);
        key += '_';
        std::string_view const rest = underscore == std::string_view::npos ? std::string_view() : input.substr(underscore + 1);
        for(std::size_t i = 0; i < v::api_key_random_chars; ++i)
            key += base62[(i < rest.size() ? static_cast<unsigned char>(rest[i]) : i) % 62];
        std::string const sum = checksum(key);
        key += '_';
        key += sum;
        check(v::check_api_key(key, prefix).has_value());
    }
    else
    {
        bool threw = false;
        try
        {
            (void)v::generate_api_key(prefix);
        }
        catch(std::invalid_argument const&)
        {
            threw = true;
        }
        check(threw);
    }

    std::string_view const hint = v::api_key_hint(input);
    check(hint.size() == (size < 4 ? size : 4) && hint.data() + hint.size() == input.data() + input.size());

    v::secret_digest const digest = v::hash_secret(input);
    check(v::digest_equal(digest, v::hash_secret(std::string(input))));
    v::secret_digest flipped = digest;
    flipped[size % flipped.size()] ^= static_cast<unsigned char>(1u << (size % 8));
    check(! v::digest_equal(digest, flipped));
    return 0;
}
