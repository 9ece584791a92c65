// The verifier's RS256 check (recover the encoded message, compare it): it accepts exactly the signatures
// crypto.verify accepts, including every near-miss encoding an attacker can craft with the RSA private op.
import { constants, createHash, type KeyObject, privateEncrypt, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyRs256 } from '../../../core/jwt/rs256-verify.js';
import { testKey } from '../../../fixtures/tokens.js';

const key = testKey('rs256-verify');
const other = testKey('rs256-verify-other');
const K = 256;
const SHA256_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');
const data = Buffer.from('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0');
const digest = createHash('sha256').update(data).digest();

/** s = EM^d mod n for an encoded message EM of our choosing: what a forger with the key could not do. */
const rawSign = (em: Buffer, privateKey: KeyObject = key.privateKey): Buffer =>
  privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, em);

/** EMSA-PKCS1-v1_5 (RFC 8017 §9.2): 00 01 PS 00 T, PS = `ff` octets, then octet offset -> value `patch`. */
function encoded(t: Buffer, patch: Record<number, number> = {}): Buffer {
  const em = Buffer.alloc(K, 0xff);
  em[0] = 0;
  em[1] = 1;
  em[K - t.length - 1] = 0;
  t.copy(em, K - t.length);
  for (const [at, value] of Object.entries(patch)) em[Number(at)] = value;
  return em;
}

/** Both checks must give the same answer; returns it. */
function agree(signature: Buffer, pub: KeyObject = key.publicKey, signed: Buffer = data): boolean {
  const ours = verifyRs256(signed, pub, signature);
  expect(ours).toBe(verify('sha256', signed, pub, signature));
  return ours;
}

describe('verifyRs256', () => {
  it('accepts what crypto.sign made and refuses it for any other data', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        (bytes, flip) => {
          const input = Buffer.from(bytes);
          const signature = sign('sha256', input, key.privateKey);
          expect(agree(signature, key.publicKey, input)).toBe(true);
          const changed = Buffer.concat([input, Buffer.from(flip)]);
          expect(agree(signature, key.publicKey, changed)).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('accepts the exact encoding made with the raw private op (the recovery reads what sign writes)', () => {
    expect(agree(rawSign(encoded(Buffer.concat([SHA256_PREFIX, digest]))))).toBe(true);
  });

  it('refuses a signature by another key, and one checked against a key of another size', () => {
    expect(agree(sign('sha256', data, other.privateKey))).toBe(false);
    const big = testKey('rs256-verify-3072', 3072);
    expect(agree(sign('sha256', data, big.privateKey), big.publicKey)).toBe(true);
    expect(agree(sign('sha256', data, key.privateKey), big.publicKey)).toBe(false);
  });

  it.each([
    ['sha384', 'RS384'],
    ['sha512', 'RS512'],
    ['sha1', 'RS1'],
  ])('refuses a PKCS #1 v1.5 signature of the same data with %s (%s)', (hashName) => {
    expect(agree(sign(hashName, data, key.privateKey))).toBe(false);
  });

  it('refuses a PSS signature (PS256) of the same data', () => {
    const pss = sign('sha256', data, { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING });
    expect(agree(pss)).toBe(false);
  });

  const t = Buffer.concat([SHA256_PREFIX, digest]);
  it.each<[string, Buffer]>([
    ['block type 02 instead of 01', encoded(t, { 1: 2 })],
    ['a non-zero first octet', encoded(t, { 0: 1 })],
    ['one padding octet fe instead of ff', encoded(t, { 40: 0xfe })],
    [
      'garbage after the digest, padding shortened (Bleichenbacher 2006)',
      encoded(Buffer.concat([t, Buffer.alloc(40, 0x41)])),
    ],
    [
      'the DigestInfo without the NULL parameters',
      encoded(Buffer.concat([Buffer.from('302f300b06096086480165030402010420', 'hex'), digest])),
    ],
    [
      'the digest of other data',
      encoded(Buffer.concat([SHA256_PREFIX, createHash('sha256').update('x').digest()])),
    ],
    ['a bare digest without DigestInfo', encoded(digest)],
    [
      // Same length as SHA-256's DigestInfo, another algorithm's OID (SHA3-256, 2.16.840.1.101.3.4.2.8).
      'the SHA-256 digest under the SHA3-256 DigestInfo',
      encoded(Buffer.concat([Buffer.from('3031300d060960864801650304020805000420', 'hex'), digest])),
    ],
    [
      'fewer than 8 padding octets',
      // 7 ff octets, then DigestInfo and digest right-aligned behind filler (RFC 8017 §9.2 step 3 wants 8).
      encoded(Buffer.concat([Buffer.alloc(K - 3 - 7 - t.length, 0x30), t])),
    ],
  ])('refuses a signature whose encoded message has %s', (_, em) => {
    expect(agree(rawSign(em))).toBe(false);
  });

  it('refuses a valid signature written in fewer than k octets (its leading zero octet dropped)', () => {
    // About 1 signature in 256 starts with a zero octet; the same integer then also fits in k - 1 octets.
    let input = data;
    let signature = sign('sha256', input, key.privateKey);
    for (let i = 0; signature[0] !== 0; i++) {
      input = Buffer.from(`${data}${i}`);
      signature = sign('sha256', input, key.privateKey);
    }
    expect(agree(signature, key.publicKey, input)).toBe(true);
    expect(agree(signature.subarray(1), key.publicKey, input)).toBe(false);
  });

  it('refuses a signature too short to hold any SHA-256 encoding', () => {
    expect(agree(Buffer.alloc(61, 1))).toBe(false);
  });

  it.each<[string, Buffer]>([
    ['all zero octets', Buffer.alloc(K, 0)],
    ['the integer 1', Buffer.concat([Buffer.alloc(K - 1, 0), Buffer.from([1])])],
    ['the modulus itself (s = n)', Buffer.from(key.jwk.n, 'base64url')],
    ['all ff octets (s > n)', Buffer.alloc(K, 0xff)],
  ])('refuses a signature that is %s', (_, signature) => {
    expect(agree(signature)).toBe(false);
  });
});
