//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// libFuzzer target for the JWS parser and the TokenValidator: any input
// must produce a principal or an error, never a crash, a leak, a hang or an
// exception. Oracle: whatever the validator accepts must also verify with
// verify_compact_jws under the same key, carry the trusted issuer, and its
// compact form must be strict base64url (no second spelling verifies).

#include <modelauth/jose/jws.hpp>
#include <modelauth/validation/token_validator.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

namespace jose = modelauth::jose;

// A fixed HS256 secret, so the seed corpus can hold tokens that verify.
constexpr std::string_view fuzz_secret = "modelauth-fuzz-secret-0123456789";

struct target
{
    jose::key key = jose::key::from_secret(fuzz_secret, jose::algorithm::hs256, "fuzz").value();
    modelauth::validation::TokenValidator validator{make_issuers(key)};

    static std::vector<modelauth::validation::trusted_issuer> make_issuers(jose::key const& k)
    {
        modelauth::validation::trusted_issuer t;
        t.issuer = "fuzz";
        t.keys = jose::key_set::from_keys({k}).value();
        return {t};
    }
};

target& the_target()
{
    static target t;
    return t;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const input(reinterpret_cast<char const*>(data), size);
    auto& t = the_target();

    // Every layer on its own.
    if(auto parts = jose::split_compact_jws(input))
        (void)jose::parse_jws_header(parts->header);
    (void)jose::parse_json_strict(input);

    auto principal = t.validator.validate(input);
    if(principal)
    {
        auto payload = jose::verify_compact_jws(input, t.key);
        if(! payload || (*principal)->issuer != "fuzz")
            std::abort(); // accepted without a valid signature by the trusted key
        for(char c : input)
            if(! ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
                  || c == '_' || c == '.'))
                std::abort(); // a non-canonical spelling was accepted
    }
    return 0;
}
