// The tokens API Gateway's native JWT authorizer lets through and keygate's Lambda authorizer refuses (the two
// the other way round, and the ones keygate's NativeJwtAuthorizer configuration closes), each sent through the local stack in both modes: the real gateway emulator, the
// real authorizers, the user's own route table and upstream server. Every token carries a genuine RS256
// signature from the issuer's KMS key. These are documented differences (docs/authorizers.md#differences):
// the test pins them, so a change in either authorizer shows up here.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProtectedRoute } from '../../core/authz/index.js';
import { closeNow, listen } from '../../local/listen.js';
import { kmsSign } from '../reliability/support/kms-token.js';
import { type AuthorizerMode, type LocalStack, startLocalStack } from '../support/products-stack.js';

// The authorizers' clock (both modes): fixed, so exp/nbf cases are exact.
const NOW_MS = 1_800_000_000_000;
const NOW = NOW_MS / 1000;
/** As the CDK stack configures keygate's authorizer (infra/lib/constructs/keygate-authorizer.ts). */
const LEEWAY_SECONDS = 5;
const ROUTES: ProtectedRoute[] = [{ method: 'GET', path: '/orders/{id}', scopes: ['orders:read'] }];

let upstream: Server;
let upstreamUrl: string;
const stacks = new Map<AuthorizerMode, { stack: LocalStack; kid: string }>();

beforeAll(async () => {
  upstream = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('order 1'));
  upstreamUrl = `http://127.0.0.1:${await listen(upstream, 0, '127.0.0.1')}`;
  for (const mode of ['lambda', 'native'] as const) {
    const stack = await startLocalStack({
      inMemory: true,
      authorizer: mode,
      ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
      upstream: { url: upstreamUrl, routes: ROUTES },
      env: { CLOCK_LEEWAY_SECONDS: String(LEEWAY_SECONDS) },
      clocks: { authorizer: () => NOW_MS },
    });
    const jwks = (await (await fetch(stack.jwksUrl)).json()) as { keys: { kid: string }[] };
    stacks.set(mode, { stack, kid: jwks.keys[0]!.kid });
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([...stacks.values()].map(({ stack }) => stack.close()));
  await closeNow(upstream)();
});

interface Variant {
  /** Header members to set (undefined: remove). */
  readonly header?: Record<string, unknown>;
  /** Claims to set (undefined: remove), or a function of the stack's issuer and audience. */
  readonly claims?: Record<string, unknown> | ((stack: LocalStack) => Record<string, unknown>);
  /** The Authorization header's value from the token (default `Bearer <token>`). */
  readonly authorization?: (token: string) => string;
}

/** A token keygate's issuer would mint for `mode`'s stack, changed by `v`, signed by its KMS key. */
async function tokenFor(mode: AuthorizerMode, v: Variant): Promise<string> {
  const { stack, kid } = stacks.get(mode)!;
  const header = { alg: 'RS256', typ: 'at+jwt', kid, ...v.header };
  const claims = {
    iss: stack.issuer,
    aud: stack.audience,
    sub: 'orders-client',
    client_id: 'orders-client',
    scope: 'orders:read',
    iat: NOW - 10,
    exp: NOW + 300,
    jti: 'a0b1c2d3',
    ...(typeof v.claims === 'function' ? v.claims(stack) : v.claims),
  };
  const drop = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined));
  return kmsSign(stack.clients.kms, stack.signingKeyId, drop(header), drop(claims));
}

async function status(mode: AuthorizerMode, v: Variant): Promise<number> {
  const token = await tokenFor(mode, v);
  const res = await fetch(`${stacks.get(mode)!.stack.apiUrl}/orders/1`, {
    headers: { authorization: v.authorization ? v.authorization(token) : `Bearer ${token}` },
  });
  await res.arrayBuffer();
  return res.status;
}

interface Case {
  readonly differs: string;
  readonly token: Variant;
  readonly keygate: number;
  readonly native: number;
}

const CASES: Case[] = [
  { differs: 'nothing (the token keygate mints)', token: {}, keygate: 200, native: 200 },
  { differs: 'typ "JWT"', token: { header: { typ: 'JWT' } }, keygate: 401, native: 200 },
  { differs: 'no typ', token: { header: { typ: undefined } }, keygate: 401, native: 200 },
  // Closed: NativeJwtAuthorizer requires sub and client_id as single strings (JwtIssuerInput.additionalClaims).
  { differs: 'no sub', token: { claims: { sub: undefined } }, keygate: 401, native: 401 },
  { differs: 'no client_id', token: { claims: { client_id: undefined } }, keygate: 401, native: 401 },
  { differs: 'a numeric client_id', token: { claims: { client_id: 7 } }, keygate: 401, native: 401 },
  { differs: 'an empty sub', token: { claims: { sub: '' } }, keygate: 401, native: 200 },
  {
    differs: 'a jku header naming an attacker’s key set',
    token: { header: { jku: 'https://attacker.example/jwks.json' } },
    keygate: 401,
    native: 200,
  },
  {
    differs: 'an x5u header',
    token: { header: { x5u: 'https://attacker.example/cert.pem' } },
    keygate: 401,
    native: 200,
  },
  { differs: 'an x5c header', token: { header: { x5c: ['MIIB'] } }, keygate: 401, native: 200 },
  {
    differs: 'a jwk header',
    token: { header: { jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } } },
    keygate: 401,
    native: 200,
  },
  { differs: 'a numeric jti', token: { claims: { jti: 42 } }, keygate: 401, native: 200 },
  {
    differs: 'scope with a double space',
    token: { claims: { scope: 'orders:read  orders:write' } },
    keygate: 401,
    native: 200,
  },
  {
    differs: 'aud with a non-string member',
    token: { claims: (s) => ({ aud: [s.audience, 1] }) },
    keygate: 401,
    native: 200,
  },
  {
    differs: 'the scope in scp only',
    token: { claims: { scope: undefined, scp: ['orders:read'] } },
    keygate: 403,
    native: 200,
  },
  { differs: 'no Bearer prefix', token: { authorization: (t) => t }, keygate: 401, native: 200 },
  {
    differs: 'a crit header (both refuse; AWS documents nothing)',
    token: { header: { crit: ['exp'], exp: NOW + 300 } },
    keygate: 401,
    native: 401,
  },
  {
    differs: `exp ${LEEWAY_SECONDS - 3} s ago, inside keygate's leeway`,
    token: { claims: { exp: NOW - (LEEWAY_SECONDS - 3) } },
    keygate: 200,
    native: 401,
  },
  {
    differs: `nbf ${LEEWAY_SECONDS - 3} s ahead, inside keygate's leeway`,
    token: { claims: { nbf: NOW + (LEEWAY_SECONDS - 3) } },
    keygate: 200,
    native: 401,
  },
  // About 8,600 characters: over keygate's 8192, under the gateway's 10240-byte header quota.
  {
    differs: 'a token over keygate’s 8192 characters',
    token: { claims: { pad: 'x'.repeat(6000) } },
    keygate: 401,
    native: 200,
  },
];

describe('native JWT authorizer vs keygate’s authorizer, same token, same route', () => {
  it.each(CASES)('$differs: keygate $keygate, native $native', async ({ token, keygate, native }) => {
    expect({ keygate: await status('lambda', token), native: await status('native', token) }).toEqual({
      keygate,
      native,
    });
  });
});
