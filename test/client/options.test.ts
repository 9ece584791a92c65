// createTokenSource refuses wrong options at once, with one line that says what to change.
import type { webcrypto } from 'node:crypto';
import { generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenSource, TokenSourceError, type TokenSourceOptions } from '../../client/index.js';

const base = { tokenEndpoint: 'https://auth.example.com/oauth2/token', clientId: 'kg_a', clientSecret: 's' };

describe('createTokenSource options', () => {
  it.each<[string, Partial<TokenSourceOptions> & Record<string, unknown>, string]>([
    ['no clientId', { clientId: '' }, 'clientId is required'],
    ['neither secret nor key', { clientSecret: undefined }, 'give exactly one of clientSecret'],
    ['both secret and key', { privateKey: {} as webcrypto.CryptoKey }, 'give exactly one of clientSecret'],
    ['an empty secret', { clientSecret: '' }, 'clientSecret must be a non-empty string'],
    ['no issuer nor endpoint', { tokenEndpoint: undefined }, 'give issuer or tokenEndpoint'],
    [
      'a key without issuer',
      { clientSecret: undefined, privateKey: {} as webcrypto.CryptoKey },
      'privateKey needs issuer',
    ],
    ['a bad URL', { tokenEndpoint: 'not a url' }, 'tokenEndpoint is not a URL: not a url'],
    ['plain http to a remote host', { tokenEndpoint: 'http://auth.example.com/t' }, 'must use https'],
    ['a scope with a quote', { scope: 'orders/"read' }, 'scope must be space-separated'],
    ['an empty scope list', { scope: [] }, 'scope must be space-separated'],
    ['a resource with a fragment', { resource: 'https://api.example.com/#x' }, 'without a fragment'],
    ['a relative resource', { resource: '/orders' }, 'not an absolute URI'],
    ['a resource with raw non-ASCII', { resource: 'https://ex\u00e4mple.com/' }, 'not a URI'],
    ['a negative skew', { expirySkewSeconds: -1 }, 'expirySkewSeconds must be a number >= 0'],
    ['zero attempts', { maxAttempts: 0 }, 'maxAttempts must be an integer >= 1'],
  ])('refuses %s', (_, options, message) => {
    const make = () => createTokenSource({ ...base, ...options } as TokenSourceOptions);
    expect(make).toThrow(TokenSourceError);
    expect(make).toThrow(message);
    try {
      make();
    } catch (error) {
      expect(error).toMatchObject({ code: 'config_invalid' });
    }
  });

  it('refuses a public key as privateKey', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    const make = () =>
      createTokenSource({
        ...base,
        clientSecret: undefined,
        issuer: 'https://auth.example.com',
        privateKey: publicKey,
      });
    expect(make).toThrow('privateKey must be a private CryptoKey');
  });

  it.each([
    ['http on localhost', 'http://localhost:4000/prod/oauth2/token'],
    ['http on 127.0.0.1', 'http://127.0.0.1:4000/prod/oauth2/token'],
    ['https anywhere', 'https://auth.example.com/oauth2/token'],
  ])('accepts %s', (_, tokenEndpoint) => {
    expect(() => createTokenSource({ ...base, tokenEndpoint })).not.toThrow();
  });
});
