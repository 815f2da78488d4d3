#!/usr/bin/python3
"""PyJWT (Debian's python3-jwt) as a peer for modelauth's cross-implementation tests.

  pyjwt_peer.py sign ALG      stdin: claims JSON  -> stdout: {"token", "jwk"}
                              a fresh key per call; "jwk" is what verifies the
                              token (the public key, or the oct secret for HS*)
  pyjwt_peer.py verify ALG    stdin: {"token", "jwk"} -> stdout: claims JSON;
                              exit 1 if the token does not verify

Uses only PyJWT and the cryptography package it builds on; tokens are made at
test time, never pasted.
"""
import base64
import json
import os
import sys

import jwt
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm, HMACAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

CURVES = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}
HASH_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_key(alg):
    """Returns (signing key, public JWK as a dict)."""
    if alg in HASH_BYTES:
        secret = os.urandom(HASH_BYTES[alg])
        return secret, {"kty": "oct", "k": b64url(secret), "alg": alg}
    if alg.startswith(("RS", "PS")):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    elif alg in CURVES:
        key = ec.generate_private_key(CURVES[alg])
        jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
        # PyJWT 2.6 drops leading zero bytes of P-521 coordinates; RFC 7518
        # section 6.2.1.2 requires the full 66 bytes, which modelauth enforces.
        size = (key.curve.key_size + 7) // 8
        for member in ("x", "y"):
            raw = base64.urlsafe_b64decode(jwk[member] + "==")
            jwk[member] = b64url(raw.rjust(size, b"\0"))
    elif alg == "EdDSA":
        key = ed25519.Ed25519PrivateKey.generate()
        jwk = json.loads(OKPAlgorithm.to_jwk(key.public_key()))
    else:
        raise SystemExit("unsupported alg " + alg)
    jwk["alg"] = alg
    return key, jwk


def load_key(alg, jwk):
    text = json.dumps(jwk)
    if alg in HASH_BYTES:
        return HMACAlgorithm.from_jwk(text)
    if alg.startswith(("RS", "PS")):
        return RSAAlgorithm.from_jwk(text)
    if alg in CURVES:
        return ECAlgorithm.from_jwk(text)
    return OKPAlgorithm.from_jwk(text)


def main():
    command, alg = sys.argv[1], sys.argv[2]
    if command == "sign":
        claims = json.load(sys.stdin)
        key, jwk = make_key(alg)
        token = jwt.encode(claims, key, algorithm=alg, headers={"kid": "pyjwt"})
        jwk["kid"] = "pyjwt"
        json.dump({"token": token, "jwk": jwk}, sys.stdout)
        return 0
    if command == "verify":
        given = json.load(sys.stdin)
        key = load_key(alg, given["jwk"])
        try:
            claims = jwt.decode(given["token"], key, algorithms=[alg],
                                options={"verify_aud": False})
        except jwt.PyJWTError as e:
            print("rejected: " + type(e).__name__, file=sys.stderr)
            return 1
        json.dump(claims, sys.stdout)
        return 0
    raise SystemExit("usage: pyjwt_peer.py sign|verify ALG")


if __name__ == "__main__":
    sys.exit(main())
