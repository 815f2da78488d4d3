// The npm package `jose` (installed by scripts/deps into tools/node_modules)
// as a peer for modelauth's cross-implementation tests.
//
//   node jose_peer.mjs sign ALG      stdin: claims JSON -> stdout: {"token", "jwk"}
//   node jose_peer.mjs verify ALG    stdin: {"token", "jwk"} -> stdout: claims JSON;
//                                    exit 1 if the token does not verify
//
// Fresh keys per call; tokens are made at test time, never pasted.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', '..', 'tools', 'package.json'));
const jose = require('jose');

const hashBytes = { HS256: 32, HS384: 48, HS512: 64 };

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function makeKey(alg) {
  if (alg in hashBytes) {
    const secret = randomBytes(hashBytes[alg]);
    return { key: secret, jwk: { kty: 'oct', k: jose.base64url.encode(secret), alg } };
  }
  const options = alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true };
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, options);
  const jwk = await jose.exportJWK(publicKey);
  jwk.alg = alg;
  return { key: privateKey, jwk };
}

async function main() {
  const [command, alg] = process.argv.slice(2);
  const input = await readStdin();
  if (command === 'sign') {
    const { key, jwk } = await makeKey(alg);
    const token = await new jose.SignJWT(input)
      .setProtectedHeader({ alg, kid: 'jose', typ: 'JWT' })
      .sign(key);
    jwk.kid = 'jose';
    process.stdout.write(JSON.stringify({ token, jwk }));
    return 0;
  }
  if (command === 'verify') {
    const key = await jose.importJWK(input.jwk, alg);
    try {
      const { payload } = await jose.jwtVerify(input.token, key, { algorithms: [alg] });
      process.stdout.write(JSON.stringify(payload));
      return 0;
    } catch (e) {
      process.stderr.write(`rejected: ${e.code || e.name}\n`);
      return 1;
    }
  }
  throw new Error('usage: jose_peer.mjs sign|verify ALG');
}

main().then((code) => process.exit(code), (e) => { process.stderr.write(String(e) + '\n'); process.exit(2); });
