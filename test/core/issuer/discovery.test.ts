// RFC 8414 / OIDC discovery metadata and the issuer rules behind it.
import { describe, expect, it } from 'vitest';
import { discoveryDocument, issuerEndpoints, validateIssuer } from '../../../core/issuer/discovery.js';
import { expectedDiscoveryDocument } from '../../support/discovery.js';

describe('discoveryDocument', () => {
  it('publishes the client-credentials server metadata under the issuer', () => {
    expect(
      discoveryDocument({
        issuer: 'https://abc.execute-api.us-east-1.amazonaws.com/prod',
        scopes: ['products/read', 'products/write'],
      }),
    ).toEqual(expectedDiscoveryDocument('https://abc.execute-api.us-east-1.amazonaws.com/prod'));
  });

  it('adds service_documentation when given and keeps the issuer exactly as configured', () => {
    const doc = discoveryDocument({
      issuer: 'http://127.0.0.1:4010/',
      scopes: ['a', 'a'],
      serviceDocumentation: 'https://docs.test/keygate',
    });
    expect(doc.issuer).toBe('http://127.0.0.1:4010/');
    expect(doc.token_endpoint).toBe('http://127.0.0.1:4010/oauth2/token');
    expect(doc.scopes_supported).toEqual(['a']);
    expect(doc.service_documentation).toBe('https://docs.test/keygate');
  });

  it('rejects scopes that are not scope tokens', () => {
    expect(() => discoveryDocument({ issuer: 'https://a.test', scopes: ['has space'] })).toThrow(
      'scope tokens',
    );
  });
});

describe('validateIssuer', () => {
  it.each([
    'https://a.test',
    'https://a.test/prod',
    'http://localhost:3000',
    'http://127.0.0.1:1/x',
    'http://[::1]:8080',
  ])('accepts %s (https, or http to a loopback host)', (ok) => {
    expect(validateIssuer(ok)).toBe(ok);
  });

  it('rejects http elsewhere, queries, fragments, credentials and non-URLs', () => {
    expect(() => validateIssuer('http://a.test')).toThrow('https');
    expect(() => validateIssuer('https://a.test/?')).toThrow('query');
    expect(() => validateIssuer('https://a.test/#x')).toThrow('fragment');
    expect(() => validateIssuer('https://u:p@a.test')).toThrow('credentials');
    expect(() => validateIssuer('a.test')).toThrow('absolute URL');
  });

  it('builds endpoints without a double slash', () => {
    expect(issuerEndpoints('https://a.test/prod/')).toEqual({
      tokenEndpoint: 'https://a.test/prod/oauth2/token',
      jwksUri: 'https://a.test/prod/.well-known/jwks.json',
      revocationEndpoint: 'https://a.test/prod/oauth2/revoke',
      introspectionEndpoint: 'https://a.test/prod/oauth2/introspect',
    });
  });
});
