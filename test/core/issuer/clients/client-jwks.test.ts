// The registered-keys check of private_key_jwt clients: public keys of the supported types only, and which
// algorithm each key may verify (no alg confusion).
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  algFitsKey,
  type ClientPublicJwk,
  parseClientJwks,
} from '../../../../core/issuer/clients/client-jwks.js';

const publicJwk = async (alg: string, options: { crv?: string } = {}) =>
  exportJWK((await generateKeyPair(alg, { extractable: true, ...options })).publicKey);
const privateJwk = async (alg: string) =>
  exportJWK((await generateKeyPair(alg, { extractable: true })).privateKey);

describe('parseClientJwks', () => {
  it('keeps the public members of RSA, EC P-256 and Ed25519 keys, with kid and alg', async () => {
    const rsa = { ...(await publicJwk('RS256')), kid: 'r', alg: 'RS256', use: 'sig', ext: true };
    const keys = parseClientJwks({
      keys: [rsa, await publicJwk('ES256'), await publicJwk('EdDSA', { crv: 'Ed25519' })],
    });
    expect(keys.map((k) => [k.kty, k.kid, k.alg, k.crv])).toEqual([
      ['RSA', 'r', 'RS256', undefined],
      ['EC', undefined, undefined, 'P-256'],
      ['OKP', undefined, undefined, 'Ed25519'],
    ]);
    expect(Object.keys(keys[0]!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n']);
  });

  it.each<[string, () => Promise<unknown>, string]>([
    ['not a set', async () => [await publicJwk('ES256')], 'must be an object with a "keys" array'],
    ['no keys', async () => ({ keys: [] }), 'has no keys'],
    ['six keys', async () => ({ keys: Array(6).fill(await publicJwk('ES256')) }), 'at most 5 keys'],
    ['an RSA private key', async () => ({ keys: [await privateJwk('RS256')] }), 'private key material'],
    ['an EC private key', async () => ({ keys: [await privateJwk('ES256')] }), 'private key material'],
    ['an oct key', async () => ({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }), 'symmetric (oct)'],
    ['P-384', async () => ({ keys: [await publicJwk('ES384')] }), 'curve must be P-256'],
    ['X25519', async () => ({ keys: [{ kty: 'OKP', crv: 'X25519', x: 'A'.repeat(43) }] }), 'must be Ed25519'],
    [
      'RSA 1024',
      // 171 base64url characters: a 128-byte (1024-bit) modulus.
      async () => ({ keys: [{ kty: 'RSA', n: 'A'.repeat(171), e: 'AQAB' }] }),
      'RSA modulus',
    ],
    ['use enc', async () => ({ keys: [{ ...(await publicJwk('ES256')), use: 'enc' }] }), 'not sig'],
    ['alg none', async () => ({ keys: [{ ...(await publicJwk('ES256')), alg: 'none' }] }), 'alg must be'],
    [
      'alg RS256 on an EC key',
      async () => ({ keys: [{ ...(await publicJwk('ES256')), alg: 'RS256' }] }),
      'does not fit',
    ],
    [
      'a short EC x',
      async () => ({ keys: [{ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'A'.repeat(43) }] }),
      'must be 32 bytes',
    ],
    [
      'two keys with one kid',
      async () => ({
        keys: [
          { ...(await publicJwk('ES256')), kid: 'a' },
          { ...(await publicJwk('ES256')), kid: 'a' },
        ],
      }),
      'share one kid',
    ],
  ])('refuses %s', async (_name, make, message) => {
    const value = await make();
    expect(() => parseClientJwks(value)).toThrow(message);
  });
});

describe('algFitsKey', () => {
  const rsa: ClientPublicJwk = { kty: 'RSA', n: 'x', e: 'AQAB' };
  const ec: ClientPublicJwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' };
  const ed: ClientPublicJwk = { kty: 'OKP', crv: 'Ed25519', x: 'x' };
  it.each<[string, ClientPublicJwk, boolean]>([
    ['RS256', rsa, true],
    ['PS256', rsa, true],
    ['PS256', { ...rsa, alg: 'RS256' }, false],
    ['ES256', rsa, false],
    ['ES256', ec, true],
    ['EdDSA', ed, true],
    ['Ed25519', ed, true],
    ['EdDSA', ec, false],
    ['HS256', rsa, false],
    ['none', ec, false],
  ])('%s with %o: %s', (alg, key, fits) => {
    expect(algFitsKey(alg, key)).toBe(fits);
  });
});
