// The JWK Set import on its own: which documents are refused (with the key store's stable codes), which
// keys are skipped and why, and that an unchanged key keeps its imported KeyObject across refreshes.
import { describe, expect, it } from 'vitest';
import { importJwk, importJwks, type KeySkipReason } from '../../../core/jwt/jwk-import.js';
import { testKey } from '../../../fixtures/tokens.js';

const key = testKey();
const other = testKey('other');

describe('importJwks', () => {
  it.each([
    ['an array', [], 'invalid_jwks'],
    ['an object without keys', {}, 'invalid_jwks'],
    ['keys that are not an array', { keys: {} }, 'invalid_jwks'],
    ['only unusable keys', { keys: [{ ...key.jwk, kty: 'EC' }] }, 'no_usable_keys'],
  ])('refuses %s with JwksFetchError %s', (_name, document, code) => {
    expect(() => importJwks(document, new Map(), 100, () => undefined)).toThrow(
      expect.objectContaining({ name: 'JwksFetchError', code: code as string }),
    );
  });

  it('reports each skipped key and keeps the usable ones by kid', () => {
    const skipped: [string | undefined, KeySkipReason][] = [];
    const keys = importJwks(
      { keys: [key.jwk, { ...other.jwk, use: 'enc' }, { ...key.jwk, kid: 7 }, 'x', other.jwk] },
      new Map(),
      1,
      (kid, reason) => skipped.push([kid, reason]),
    );
    expect([...keys.keys()]).toEqual([key.kid]);
    expect(skipped).toEqual([
      [other.kid, 'use'],
      [undefined, 'kid'],
      [undefined, 'not_object'],
      [other.kid, 'too_many_keys'],
    ]);
  });

  it('trusts neither of two different keys listed under one kid', () => {
    const skipped: KeySkipReason[] = [];
    const keys = importJwks(
      { keys: [key.jwk, { ...other.jwk, kid: key.kid }, other.jwk] },
      new Map(),
      100,
      (_kid, reason) => skipped.push(reason),
    );
    expect([...keys.keys()]).toEqual([other.kid]);
    expect(skipped).toEqual(['duplicate_kid']);
  });
});

describe('importJwk', () => {
  it('reuses the previous import when n and e are unchanged, and imports afresh when they change', () => {
    const first = importJwk(key.jwk);
    if (typeof first === 'string') throw new Error(`skipped: ${first}`);
    expect(importJwk(key.jwk, first)).toBe(first);
    const changed = importJwk({ ...other.jwk, kid: key.kid }, first);
    expect(typeof changed === 'string' ? changed : changed.key).not.toBe(first.key);
    expect(changed).toMatchObject({ n: other.jwk.n, e: other.jwk.e });
  });
});
