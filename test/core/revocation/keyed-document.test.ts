// The revocation document with the issuer's keys in it: built from the two documents, read back, and still
// a revocation document to an authorizer that reads only the list.
import { describe, expect, it } from 'vitest';
import { parseRevocationDocument, signingKeysOf, withSigningKeys } from '../../../core/revocation/index.js';
import { testKey } from '../../../fixtures/tokens.js';

const jwk = testKey().jwk;

describe('withSigningKeys', () => {
  it('adds the JWKS keys, verbatim, to the revocation document', () => {
    const doc = withSigningKeys({ disabled: ['a'], revoked_at: { b: 1_765_000_000 } }, { keys: [jwk] });
    expect(JSON.parse(JSON.stringify(doc))).toEqual({
      disabled: ['a'],
      revoked_at: { b: 1_765_000_000 },
      keys: [JSON.parse(JSON.stringify(jwk))],
    });
  });

  it('leaves a document that an authorizer reading only the list parses as before', () => {
    const doc = JSON.parse(
      JSON.stringify(withSigningKeys({ disabled: ['a'], revoked_at: { b: 7 } }, { keys: [jwk] })),
    ) as unknown;
    expect([...parseRevocationDocument(doc)]).toEqual([
      ['b', 7],
      ['a', Number.POSITIVE_INFINITY],
    ]);
  });
});

describe('signingKeysOf', () => {
  it('returns the JWK Set a document carries', () => {
    expect(signingKeysOf({ disabled: [], revoked_at: {}, keys: [jwk] })).toEqual({ keys: [jwk] });
  });

  it.each([
    ['a list without keys', { disabled: [], revoked_at: {} }],
    ['keys that are not an array', { disabled: [], revoked_at: {}, keys: { kid: 'x' } }],
    ['keys that are null', { disabled: [], revoked_at: {}, keys: null }],
    ['an array', [{ keys: [] }]],
    ['null', null],
    ['a string', '{"keys":[]}'],
  ])('finds no keys in %s', (_name, doc) => {
    expect(signingKeysOf(doc)).toBeUndefined();
  });
});
