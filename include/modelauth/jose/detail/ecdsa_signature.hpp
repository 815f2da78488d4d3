//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_JOSE_DETAIL_ECDSA_SIGNATURE_HPP
#define MODELAUTH_JOSE_DETAIL_ECDSA_SIGNATURE_HPP

// JWS carries ECDSA signatures as R || S, two fixed-size big-endian integers
// (RFC 7518 section 3.4); OpenSSL's EVP_PKEY_verify and EVP_DigestSign use
// the DER ECDSA-Sig-Value (RFC 3279 section 2.2.3). Verification converts
// R || S to DER on the stack, without allocating; signing converts OpenSSL's
// DER to R || S through ECDSA_SIG.

#include <modelauth/jose/detail/openssl.hpp>

#include <cstddef>
#include <cstring>

namespace modelauth {
inline namespace v0 {
namespace jose {
namespace detail {

// The largest integer of R || S: P-521's 66 bytes.
inline constexpr std::size_t max_ecdsa_integer_size = 66;

// SEQUENCE header (3) + two INTEGERs (tag, length, a 0x00 pad, 66 bytes).
inline constexpr std::size_t max_ecdsa_der_size = 3 + 2 * (2 + 1 + max_ecdsa_integer_size);

// Writes the minimal DER INTEGER for the unsigned big-endian `value`;
// returns the bytes written (at most size + 3).
inline std::size_t write_der_unsigned_integer(
    unsigned char const* value, std::size_t size, unsigned char* out) noexcept
{
    std::size_t first = 0;
    while(first + 1 < size && value[first] == 0)
        ++first;
    bool const pad = (value[first] & 0x80) != 0;
    std::size_t const length = size - first + (pad ? 1 : 0);
    std::size_t o = 0;
    out[o++] = 0x02;
    out[o++] = static_cast<unsigned char>(length);
    if(pad)
        out[o++] = 0x00;
    std::memcpy(out + o, value + first, size - first);
    return o + size - first;
}

/* Encodes the raw signature R || S (`size` bytes, even, at most 132) as a DER
   ECDSA-Sig-Value into `out`, which holds max_ecdsa_der_size bytes. Returns
   the DER size. R and S are encoded as they are, even if zero or larger than
   the group order: OpenSSL's range checks then reject them.
*/
inline std::size_t
ecdsa_raw_to_der(unsigned char const* raw, std::size_t size, unsigned char* out) noexcept
{
    std::size_t const half = size / 2;
    unsigned char body[max_ecdsa_der_size];
    std::size_t body_size = write_der_unsigned_integer(raw, half, body);
    body_size += write_der_unsigned_integer(raw + half, half, body + body_size);
    std::size_t o = 0;
    out[o++] = 0x30;
    if(body_size >= 0x80)
        out[o++] = 0x81;
    out[o++] = static_cast<unsigned char>(body_size);
    std::memcpy(out + o, body, body_size);
    return o + body_size;
}

/* Decodes OpenSSL's DER signature into R || S of exactly `size` bytes.
   Returns false if the DER is not one ECDSA-Sig-Value or R or S does not fit.
*/
inline bool ecdsa_der_to_raw(
    unsigned char const* der, std::size_t der_size, unsigned char* out, std::size_t size) noexcept
{
    unsigned char const* p = der;
    ecdsa_sig_ptr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_size)));
    if(! sig || p != der + der_size)
        return false;
    BIGNUM const* r = nullptr;
    BIGNUM const* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    int const half = static_cast<int>(size / 2);
    return BN_bn2binpad(r, out, half) == half && BN_bn2binpad(s, out + half, half) == half;
}

} // namespace detail
} // namespace jose
} // namespace v0
} // namespace modelauth

#endif
