import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rsaThumbprint, toRsaPublicJwk } from '../../core/jwk.js';

const RFC7638_N =
  '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';

describe('rsaThumbprint', () => {
  it('matches the RFC 7638 §3.1 test vector', () => {
    expect(rsaThumbprint({ n: RFC7638_N, e: 'AQAB' })).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });
});

describe('toRsaPublicJwk', () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  it('publishes kty, n, e, use, alg and a thumbprint kid from SPKI DER', () => {
    const der = publicKey.export({ format: 'der', type: 'spki' });
    const jwk = toRsaPublicJwk(new Uint8Array(der));
    const expected = publicKey.export({ format: 'jwk' });
    expect(jwk).toEqual({
      kty: 'RSA',
      n: expected.n,
      e: expected.e,
      use: 'sig',
      alg: 'RS256',
      kid: rsaThumbprint({ n: expected.n as string, e: expected.e as string }),
    });
  });

  it('gives the same JWK for a KeyObject and for its DER', () => {
    const der = publicKey.export({ format: 'der', type: 'spki' });
    expect(toRsaPublicJwk(publicKey)).toEqual(toRsaPublicJwk(der));
  });

  it('refuses a non-RSA key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(() => toRsaPublicJwk(ec)).toThrow('not an RSA public key');
  });
});
