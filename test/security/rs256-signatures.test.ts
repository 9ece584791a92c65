// Attacks on the verifier's hand-written RS256 check (core/jwt/rs256-verify.ts, RFC 8017 §8.2.2): a genuine
// token whose signature is re-spelt (a byte short or long, a leading zero, s = n, s + n, 0, 1, a
// non-canonical base64url tail) and tokens signed with keys of other sizes under the issuer's kid. Each gets
// 401 at the API through the real gateway and authorizer; s + n is checked on verifyRs256 itself.
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyRs256 } from '../../core/jwt/rs256-verify.js';
import { clientToken } from '../support/client-token.js';
import { type LocalStack, startLocalStack } from '../support/products-stack.js';

let stack: LocalStack;
let genuine: string;
let modulus: bigint;
let k: number;

const toBig = (b: Buffer) => BigInt(`0x${b.toString('hex') || '0'}`);
const toBytes = (n: bigint, len: number) => Buffer.from(n.toString(16).padStart(len * 2, '0'), 'hex');
const parts = (t: string) => t.split('.') as [string, string, string];
const withSignature = (t: string, sig: Buffer | string) => {
  const [h, p] = parts(t);
  return `${h}.${p}.${typeof sig === 'string' ? sig : sig.toString('base64url')}`;
};
const api = async (token: string) =>
  (await fetch(`${stack.apiUrl}/products`, { headers: { authorization: `Bearer ${token}` } })).status;

beforeAll(async () => {
  stack = await startLocalStack({ inMemory: true, ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 } });
  genuine = await clientToken(stack, ['products/read']);
  const { kid } = JSON.parse(Buffer.from(parts(genuine)[0], 'base64url').toString()) as { kid: string };
  const jwks = (await (await fetch(stack.jwksUrl)).json()) as { keys: { kid: string; n: string }[] };
  const n = Buffer.from(jwks.keys.find((key) => key.kid === kid)!.n, 'base64url');
  modulus = toBig(n);
  k = n.length;
}, 60_000);
afterAll(() => stack?.close());

describe('a genuine token with its signature re-spelt is 401 at the API', () => {
  it('the genuine token itself is 200', async () => {
    expect(await api(genuine)).toBe(200);
  });

  it.each<[string, () => Buffer | string]>([
    ['one byte short (k - 1 octets)', () => Buffer.from(parts(genuine)[2], 'base64url').subarray(1)],
    [
      'a leading zero octet (k + 1 octets, the same integer)',
      () => Buffer.concat([Buffer.alloc(1), Buffer.from(parts(genuine)[2], 'base64url')]),
    ],
    [
      'a trailing zero octet',
      () => Buffer.concat([Buffer.from(parts(genuine)[2], 'base64url'), Buffer.alloc(1)]),
    ],
    ['s = n (RFC 8017 §5.2.2: s must be below n)', () => toBytes(modulus, k)],
    ['s = n - 1', () => toBytes(modulus - 1n, k)],
    ['s = 0', () => Buffer.alloc(k)],
    ['s = 1', () => toBytes(1n, k)],
    ['empty', () => ''],
    [
      'the signature in standard base64 with padding',
      () => Buffer.from(parts(genuine)[2], 'base64url').toString('base64'),
    ],
  ])('%s', async (_name, signature) => {
    expect(await api(withSignature(genuine, signature()))).toBe(401);
  });

  it('a non-canonical last base64url character (spare bits set) is 401', async () => {
    const sig = parts(genuine)[2];
    // 256 octets are 342 characters with 4 spare bits in the last one: set one of them.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet[alphabet.indexOf(sig.at(-1)!) | 1]!;
    expect(Buffer.from(`${sig.slice(0, -1)}${last}`, 'base64url')).toEqual(Buffer.from(sig, 'base64url'));
    expect(await api(withSignature(genuine, `${sig.slice(0, -1)}${last}`))).toBe(401);
  });
  // s + n (same residue) is checked on verifyRs256 itself below, with a key whose modulus leaves room for it in
  // k octets: with the emulator's key that may take hundreds of mints, past the client's issuance limit.
});

describe('tokens signed with another key under the issuer kid are 401', () => {
  it.each([1024, 2048, 3072, 4096])('an RSA-%i key', async (bits) => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
    const [h, p] = parts(genuine);
    const sig = sign('sha256', Buffer.from(`${h}.${p}`), privateKey);
    expect(await api(withSignature(genuine, sig))).toBe(401);
  });
});

describe('verifyRs256 on s + n with a key whose n leaves room', () => {
  it('refuses s + n and accepts s', () => {
    // A modulus with a top octet below 0xC0 leaves room for s + n in k octets for at least a third of s.
    let pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    let n = toBig(Buffer.from(pair.publicKey.export({ format: 'jwk' }).n!, 'base64url'));
    while (n >= 0xc0n << 2040n) {
      pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      n = toBig(Buffer.from(pair.publicKey.export({ format: 'jwk' }).n!, 'base64url'));
    }
    let data = Buffer.from('payload-0');
    let s = toBig(sign('sha256', data, pair.privateKey));
    for (let i = 1; s + n >= 1n << 2048n; i++) {
      data = Buffer.from(`payload-${i}`);
      s = toBig(sign('sha256', data, pair.privateKey));
    }
    const key = createPublicKey(pair.publicKey.export({ format: 'pem', type: 'spki' }));
    expect(verifyRs256(data, key, toBytes(s, 256))).toBe(true);
    expect(verifyRs256(data, key, toBytes(s + n, 256))).toBe(false);
  });
});
