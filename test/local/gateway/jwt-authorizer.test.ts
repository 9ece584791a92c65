// The native JWT authorizer emulation against a real issuer on 127.0.0.1 (discovery + JWKS over HTTP) and an
// injected clock: what it checks, what it deliberately does not (typ), its key cache and its documented answers.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { b64url, signRaw, signToken, testKey } from '../../../fixtures/tokens.js';
import {
  createJwtAuthorizer,
  insufficientScope,
  invalidToken,
  JwtAuthorizerError,
  NATIVE_KEY_CACHE_MS,
  UNKNOWN_KID_REFETCH_MS,
} from '../../../local/gateway/jwt-authorizer.js';
import { closeNow, listen } from '../../../local/listen.js';

const AUDIENCE = 'https://api.keygate.test';
const key = testKey();
const other = testKey('other');

interface Issuer {
  origin: string;
  issuer: string;
  discovery: unknown;
  jwks: unknown;
  jwksDown: boolean;
  jwksRequests: number;
}
let server: Server;
let close: () => Promise<void>;
const state: Issuer = {
  origin: '',
  issuer: '',
  discovery: {},
  jwks: {},
  jwksDown: false,
  jwksRequests: 0,
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = (v: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(typeof v === 'string' ? v : JSON.stringify(v));
    };
    if (req.url === '/iss/.well-known/openid-configuration') return body(state.discovery);
    if (req.url === '/iss/.well-known/jwks.json') {
      state.jwksRequests++;
      if (state.jwksDown) {
        res.writeHead(503).end();
        return;
      }
      return body(state.jwks);
    }
    res.writeHead(404).end();
  });
  const port = await listen(server, 0, '127.0.0.1');
  close = closeNow(server);
  state.origin = `http://127.0.0.1:${port}`;
  state.issuer = `${state.origin}/iss`;
});
afterAll(() => close());

beforeEach(() => {
  state.discovery = { issuer: state.issuer, jwks_uri: `${state.issuer}/.well-known/jwks.json` };
  state.jwks = { keys: [key.jwk] };
  state.jwksDown = false;
  state.jwksRequests = 0;
});

let clock = 0;
const NOW_S = 1_800_000_000;
const create = (over: Partial<Parameters<typeof createJwtAuthorizer>[0]> = {}) => {
  clock = NOW_S * 1000;
  return createJwtAuthorizer({ issuer: state.issuer, audiences: [AUDIENCE], now: () => clock, ...over });
};
const token = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, k = key) =>
  signToken({ key: k, now: NOW_S, claims: { iss: state.issuer, ...claims }, header });
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('creation reads the discovery document (AWS "Create a JWT authorizer for a REST API")', () => {
  it('resolves jwks_uri from {issuer}/.well-known/openid-configuration and fetches the keys once', async () => {
    const authz = await create();
    expect(authz.jwksUri).toBe(`${state.issuer}/.well-known/jwks.json`);
    expect(state.jwksRequests).toBe(1);
  });

  it.each([
    [
      'discovery names the issuer with a trailing slash',
      () => ({ issuer: `${state.issuer}/`, jwks_uri: 'x' }),
    ],
    ['discovery has no jwks_uri', () => ({ issuer: state.issuer })],
    ['discovery is not JSON', () => '<html>'],
  ])('fails when %s', async (_name, doc) => {
    state.discovery = doc();
    await expect(create()).rejects.toBeInstanceOf(JwtAuthorizerError);
  });

  it('fails when the key set is larger than 150000 bytes (HTTP API JWKS quota, REST undocumented)', async () => {
    state.jwks = { keys: [key.jwk], padding: 'x'.repeat(150_000) };
    await expect(create()).rejects.toMatchObject({ reason: 'jwks' });
  });

  it.each([
    ['is not https on a public host', 'http://auth.example.com/prod'],
    ['has a query', 'https://auth.example.com/prod?x=1'],
    ['has a fragment', 'https://auth.example.com/prod#x'],
    ['has user information', 'https://user@auth.example.com/prod'],
  ])('refuses an issuer that %s (JwtIssuerInput.issuer)', async (_name, issuer) => {
    await expect(create({ issuer })).rejects.toMatchObject({ reason: 'issuer' });
  });
});

describe('request validation (AWS "Control access to REST APIs using JWT authorizers")', () => {
  it('allows a valid token and passes every claim to the integration with its JSON type', async () => {
    const authz = await create();
    const out = await authz.authorize(bearer(token({ n: 42, s: '42', roles: ['a'] })), ['products/read']);
    expect(out).toMatchObject({
      kind: 'allow',
      authorizer: { claims: { iss: state.issuer, aud: AUDIENCE, n: 42, s: '42', roles: ['a'] } },
    });
  });

  it('accepts the token without the Bearer prefix (identity source holds the token alone)', async () => {
    const authz = await create();
    expect((await authz.authorize({ authorization: token() }, [])).kind).toBe('allow');
  });

  it('does not check typ: a token typed "JWT" instead of RFC 9068 "at+jwt" is allowed', async () => {
    const authz = await create();
    expect((await authz.authorize(bearer(token({}, { typ: 'JWT' })), [])).kind).toBe('allow');
  });

  it.each([
    ['no Authorization header', () => ({}), 'the token is missing'],
    ['a token that is not a JWS', () => bearer('abc'), 'the token is malformed'],
    [
      'an algorithm outside defaultAlgorithms',
      () => bearer(token({}, { alg: 'RS384' })),
      'the token is signed with an algorithm that is not allowed',
    ],
    [
      'a kid the key set lacks',
      () => bearer(token({}, { kid: 'nope' })),
      'the token is signed with an unknown key',
    ],
    [
      'a signature by another key',
      () => bearer(token({}, { kid: key.kid }, other)),
      'the token signature is invalid',
    ],
    [
      'iss with a trailing slash (exact match)',
      () => bearer(token({ iss: `${state.issuer}/` })),
      'the token does not have a valid issuer',
    ],
    [
      'another audience',
      () => bearer(token({ aud: 'https://elsewhere' })),
      'the token does not have a valid audience',
    ],
    ['exp in the past', () => bearer(token({ exp: NOW_S - 1 })), 'the token has expired'],
    ['nbf in the future', () => bearer(token({ nbf: NOW_S + 60 })), 'the token is not valid yet'],
    ['iat in the future', () => bearer(token({ iat: NOW_S + 60 })), 'the token was issued in the future'],
  ])('answers 401 invalid_token for %s', async (_name, headers, description) => {
    const authz = await create();
    expect(await authz.authorize(headers(), [])).toEqual({
      kind: 'unauthorized',
      wwwAuthenticate: invalidToken(description),
    });
  });

  it('answers 403 insufficient_scope when the token has none of the method scopes', async () => {
    const authz = await create();
    expect(await authz.authorize(bearer(token({ scope: 'products/read' })), ['products/write'])).toEqual({
      kind: 'forbidden',
      wwwAuthenticate: insufficientScope(['products/write']),
    });
  });

  it('reads scopes from an scp array as well as from scope', async () => {
    const authz = await create();
    const t = token({ scope: undefined, scp: ['products/write'] });
    expect((await authz.authorize(bearer(t), ['products/write'])).kind).toBe('allow');
  });

  it('has no revocation: a token stays valid until exp whatever happens at the issuer', async () => {
    const authz = await create();
    const t = token({ exp: NOW_S + 600 });
    clock = (NOW_S + 599) * 1000;
    expect((await authz.authorize(bearer(t), [])).kind).toBe('allow');
    clock = (NOW_S + 600) * 1000;
    expect((await authz.authorize(bearer(t), [])).kind).toBe('unauthorized');
  });
});

describe('additional claims (API reference, JwtIssuerInput.additionalClaims / JwtAdditionalClaim)', () => {
  const required = (claimName: string, expectedValues?: string[]) => ({
    claimName,
    format: 'SINGLE_STRING' as const,
    required: true,
    ...(expectedValues ? { expectedValues } : {}),
  });

  it.each([
    ['a required claim is missing', { sub: undefined }, invalidToken('the token has no sub claim')],
    ['a claim is not a single string', { sub: ['a'] }, invalidToken('the token has an invalid sub claim')],
    ['a claim is a number', { client_id: 7 }, invalidToken('the token has an invalid client_id claim')],
  ])('answers 401 when %s', async (_what, claims, wwwAuthenticate) => {
    const authz = await create({ additionalClaims: [required('sub'), required('client_id')] });
    expect(await authz.authorize(bearer(token(claims)), [])).toEqual({
      kind: 'unauthorized',
      wwwAuthenticate,
    });
  });

  it('accepts an empty string as a single string (AWS documents nothing stricter)', async () => {
    const authz = await create({ additionalClaims: [required('sub')] });
    expect((await authz.authorize(bearer(token({ sub: '' })), [])).kind).toBe('allow');
  });

  it('matches expectedValues exactly and case-sensitively; an optional claim may be absent', async () => {
    const authz = await create({
      additionalClaims: [required('tenant', ['Acme']), { claimName: 'env', format: 'SINGLE_STRING' }],
    });
    expect((await authz.authorize(bearer(token({ tenant: 'Acme' })), [])).kind).toBe('allow');
    expect((await authz.authorize(bearer(token({ tenant: 'acme' })), [])).kind).toBe('unauthorized');
    expect((await authz.authorize(bearer(token({ tenant: 'Acme', env: 1 })), [])).kind).toBe('unauthorized');
  });

  it.each(['iss', 'aud', 'exp', 'nbf', 'iat', 'scope', 'scp', ''])(
    'refuses to be created with a rule on %j',
    async (claimName) => {
      await expect(create({ additionalClaims: [required(claimName)] })).rejects.toMatchObject({
        reason: 'issuer',
      });
    },
  );

  it('refuses to be created with two rules on one claim', async () => {
    await expect(create({ additionalClaims: [required('sub'), required('sub')] })).rejects.toMatchObject({
      reason: 'issuer',
    });
  });
});

describe('key cache (AWS "Signing keys and troubleshooting JWT authorizers")', () => {
  it('refetches the key set for an unseen kid, then accepts a token signed with the new key', async () => {
    const authz = await create();
    state.jwks = { keys: [key.jwk, other.jwk] };
    expect((await authz.authorize(bearer(token({}, {}, other)), [])).kind).toBe('allow');
    expect(state.jwksRequests).toBe(2);
  });

  it('refetches for unknown kids at most once per cooldown (emulator bound)', async () => {
    const authz = await create();
    await authz.authorize(bearer(token({}, { kid: 'a' })), []);
    await authz.authorize(bearer(token({}, { kid: 'b' })), []);
    expect(state.jwksRequests).toBe(2);
    clock += UNKNOWN_KID_REFETCH_MS;
    await authz.authorize(bearer(token({}, { kid: 'c' })), []);
    expect(state.jwksRequests).toBe(3);
  });

  it('serves from the cache for an hour without fetching, then refetches', async () => {
    const authz = await create();
    clock += NATIVE_KEY_CACHE_MS - 1;
    await authz.authorize(bearer(token({ exp: NOW_S + 7200 })), []);
    expect(state.jwksRequests).toBe(1);
    clock += 1;
    expect((await authz.authorize(bearer(token({ exp: NOW_S + 7200 })), [])).kind).toBe('allow');
    expect(state.jwksRequests).toBe(2);
  });

  it('keeps the cached keys while the key set is down, and rejects once they are an hour old', async () => {
    const authz = await create();
    state.jwksDown = true;
    const t = token({ exp: NOW_S + 7200 });
    clock += NATIVE_KEY_CACHE_MS - 1;
    expect((await authz.authorize(bearer(t), [])).kind).toBe('allow');
    clock += 1;
    expect(await authz.authorize(bearer(t), [])).toEqual({
      kind: 'unauthorized',
      wwwAuthenticate: invalidToken('the token is signed with an unknown key'),
    });
  });

  it('rejects a token whose payload is not a JSON object even when correctly signed', async () => {
    const authz = await create();
    const raw = signRaw(b64url({ alg: 'RS256', kid: key.kid }), b64url('[1,2]'), key.privateKey);
    expect(await authz.authorize(bearer(raw), [])).toEqual({
      kind: 'unauthorized',
      wwwAuthenticate: invalidToken('the token claims are not a JSON object'),
    });
  });
});
