// keygate's issuer against every requirement API Gateway's native JWT authorizer states for an identity
// provider, one test per requirement, each naming its source. Requirements the REST API pages leave open are
// checked against the HTTP API JWT authorizer's documented behaviour, labelled "HTTP API". The two deployment
// facts (public reachability, a publicly trusted certificate) are in docs/authorizers.md.
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_AUTHORIZER_ALGORITHMS, NATIVE_MAX_JWKS_BYTES } from '../../local/gateway/jwt-authorizer.js';
import { type LocalStack, startLocalStack } from '../support/products-stack.js';

let stack: LocalStack;
let discovery: Record<string, unknown>;
let jwksText: string;
let token: string;

async function mint(scope?: string): Promise<string> {
  const { clientId, clientSecret } = stack.demoClient;
  const res = await fetch(stack.tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
    },
    body: `grant_type=client_credentials${scope ? `&scope=${encodeURIComponent(scope)}` : ''}`,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  stack = await startLocalStack({ inMemory: true, ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 } });
  // Mid-rotation: the most keys keygate ever publishes at once (previous + current + next).
  await stack.rotateSigningKey();
  await stack.rotateSigningKey();
  const res = await fetch(`${stack.issuer}/.well-known/openid-configuration`);
  expect(res.status).toBe(200);
  discovery = (await res.json()) as Record<string, unknown>;
  jwksText = await (await fetch(String(discovery.jwks_uri))).text();
  token = await mint();
});
afterAll(() => stack?.close());

describe('issuer (AWS "Create a JWT authorizer for a REST API"; API reference JwtIssuerInput.issuer)', () => {
  it('is an absolute URL with a host and no user information, query or fragment', () => {
    const url = new URL(stack.issuer);
    expect(url.host).not.toBe('');
    expect([url.username, url.password, url.search, url.hash]).toEqual(['', '', '', '']);
  });

  it('publishes its OIDC discovery document at {issuer}/.well-known/openid-configuration', () => {
    expect(discovery).toMatchObject({ issuer: expect.any(String), jwks_uri: expect.any(String) });
  });

  it('names this exact issuer in the discovery document', () => {
    expect(discovery.issuer).toBe(stack.issuer);
  });

  it("matches the token's iss exactly, trailing slash included", () => {
    expect(decodeJwt(token).iss).toBe(stack.issuer);
    expect(stack.issuer.endsWith('/')).toBe(false);
  });
});

describe('key set (AWS "Signing keys and troubleshooting JWT authorizers")', () => {
  it('is located by the discovery document jwks_uri', () => {
    expect(discovery.jwks_uri).toBe(stack.jwksUrl);
  });

  it('names the signing key of every token by kid', () => {
    const kids = (JSON.parse(jwksText) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(kids).toContain(decodeProtectedHeader(token).kid);
  });

  it('holds only RSA public keys with kid, use sig and alg RS256 that import as JWKs', () => {
    const { keys } = JSON.parse(jwksText) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(3);
    for (const k of keys) {
      expect(k).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', kid: expect.any(String) });
      expect(k).not.toHaveProperty('d');
      expect(createPublicKey({ key: k as JsonWebKey, format: 'jwk' }).type).toBe('public');
    }
  });

  it('stays under 150000 bytes mid-rotation (HTTP API quota "Response size from JSON Web Key Set endpoint")', () => {
    expect(Buffer.byteLength(jwksText)).toBeLessThan(NATIVE_MAX_JWKS_BYTES);
  });
});

describe('tokens (AWS "Control access to REST APIs using JWT authorizers"; API reference)', () => {
  it('are signed with RS256, one of JwtConfigurationInput.defaultAlgorithms', () => {
    const { alg } = decodeProtectedHeader(token);
    expect(alg).toBe('RS256');
    expect(JWT_AUTHORIZER_ALGORITHMS).toContain(alg);
    // keygate is no OpenID Provider: the algorithm is named by each key's `alg` (RFC 7517 §4.4), and API
    // Gateway reads only the discovery document's jwks_uri ("Signing keys and troubleshooting JWT authorizers").
    expect(discovery).not.toHaveProperty('id_token_signing_alg_values_supported');
    const { keys } = JSON.parse(jwksText) as { keys: { alg?: string }[] };
    expect(keys.map((k) => k.alg)).toEqual(keys.map(() => 'RS256'));
  });

  it('carry the configured audience in aud (JwtIssuerInput.audiences)', () => {
    expect(decodeJwt(token).aud).toBe(stack.audience);
  });

  it('carry numeric exp and iat (HTTP API "Control access to HTTP APIs with JWT authorizers")', () => {
    const { exp, iat } = decodeJwt(token);
    expect(typeof exp).toBe('number');
    expect(typeof iat).toBe('number');
    expect(exp! > iat!).toBe(true);
  });

  it('carry the granted scopes space-separated in scope ("Attach a JWT authorizer to methods and require scopes")', async () => {
    expect(decodeJwt(token).scope).toBe('products/read products/write');
    expect(decodeJwt(await mint('products/read')).scope).toBe('products/read');
  });
});
