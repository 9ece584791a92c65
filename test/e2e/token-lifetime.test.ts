// Tokens die when they should, end to end on the local stack with the gateway's result cache on (300 s):
// an expired token gets 401 from the integration although its Allow is cached; `clients revoke` and
// `clients disable` cut off already-issued tokens at every route (revocation list + the gateway's
// FlushStageAuthorizersCache, called through the real SDK). The handlers' clocks are shifted instead of
// sleeping; the CLI's wait moves them forward.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../handlers/cli/clients.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { type ClientCredentials, mintToken, requestToken } from '../support/client-token.js';

let stack: LocalStack;
let shiftMs = 0;
/** Set: the handlers' clocks stand still there (plus the shift), so that a test can stay inside one second. */
let frozenAt: number | undefined;
const now = () => (frozenAt ?? Date.now()) + shiftMs;

beforeAll(async () => {
  stack = await startLocalStack({
    inMemory: true,
    ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    // dynalite too: revocation cutoffs are stamped with its clock (the Date of its answers).
    clocks: { authorizer: now, token: now, products: now, dynamodb: now },
    // The auth API serves a fresh list on every request here; its reuse window is part of the CLI's wait.
    env: { REVOCATIONS_MAX_AGE_SECONDS: '0' },
  });
}, 30_000);
afterAll(() => stack?.close());
afterEach(() => {
  frozenAt = undefined;
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    env: stack.clientEnv,
    now,
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    sleep: async (ms) => {
      shiftMs += ms;
    },
  });
  return { code, out, err };
}

async function newClient(tokenLifetimeSeconds?: number) {
  const { record, clientSecret } = await stack.registry.create({
    name: 'lifetime',
    scopes: ['products/read', 'products/write'],
    ...(tokenLifetimeSeconds ? { tokenLifetimeSeconds } : {}),
  });
  return { id: record.clientId, secret: clientSecret };
}

const tokenRequest = (c: ClientCredentials) => requestToken(stack.tokenUrl, c);
const token = (c: ClientCredentials) => mintToken(stack.tokenUrl, c);

async function get(path: string, t: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${stack.apiUrl}${path}`, { headers: { authorization: `Bearer ${t}` } });
  return { status: res.status, body: await res.json() };
}

const post = async (t: string) =>
  (
    await fetch(`${stack.apiUrl}/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: '{"name":"tea","price":3}',
    })
  ).status;

describe('expiry under a cached policy', () => {
  it('a 60 s token gets 401 invalid_token just after exp although the gateway still holds its Allow', async () => {
    const t = await token(await newClient(60));
    expect((await get('/products', t)).status).toBe(200);
    const invocations = stack.gateways.api.stats.authorizerInvocations;
    shiftMs += 61_000;
    const after = await get('/products', t);
    expect(after).toEqual({
      status: 401,
      body: { error: 'invalid_token', error_description: 'the access token expired' },
    });
    // Served from the gateway's cache: the authorizer was not asked again.
    expect(stack.gateways.api.stats.authorizerInvocations).toBe(invocations);
  });
});

describe('clients revoke', () => {
  it('cuts off every cached token at every route; new tokens of the client work', async () => {
    const c = await newClient();
    const old = await token(c);
    expect((await get('/products', old)).status).toBe(200);
    expect((await get('/products/p-1001', old)).status).toBe(200);

    const r = await cli(['revoke', c.id]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Revoked every token of client ${c.id} issued up to `));
    expect(r.out).toContain('Waiting 21 s for every authorizer to load the revocation list...');
    expect(r.out).toContain(
      `Flushed the authorizer cache of ${stack.gateways.api.apiId}/${stack.gateways.api.stage}`,
    );

    expect((await get('/products', old)).status).toBe(401);
    expect((await get('/products/p-1001', old)).status).toBe(401);
    expect(await post(old)).toBe(401);

    const fresh = await token(c);
    expect((await get('/products', fresh)).status).toBe(200);
    expect(await post(fresh)).toBe(201);
  });

  it('--no-wait leaves the cached Allow serving until the cache is flushed (as API Gateway does)', async () => {
    const c = await newClient();
    const old = await token(c);
    expect((await get('/products', old)).status).toBe(200);
    const r = await cli(['revoke', '--no-wait', c.id]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--no-wait: the authorizer cache');
    shiftMs += 16_000;
    expect((await get('/products', old)).status).toBe(200);
    stack.gateways.api.flushAuthorizerCache();
    expect((await get('/products', old)).status).toBe(401);
  });
});

describe('clients disable', () => {
  it('refuses tokens issued before, and tokens minted from a stale client cache after, at every route', async () => {
    const c = await newClient();
    const old = await token(c);
    expect((await get('/products', old)).status).toBe(200);

    const r = await cli(['disable', c.id]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`Disabled client ${c.id}. The token endpoint stops issuing tokens to it`);
    expect((await get('/products', old)).status).toBe(401);
    expect(await post(old)).toBe(401);

    // The token endpoint's client cache (30 s TTL, 16 s old here) still holds the client as active: the
    // token is minted, and refused by every authorizer since the client is listed as disabled.
    const late = await token(c);
    expect((await get('/products', late)).status).toBe(401);
    shiftMs += 31_000;
    expect((await tokenRequest(c)).status).toBe(401);

    expect((await cli(['enable', c.id])).code).toBe(0);
    expect((await get('/products', old)).status).toBe(401);
  });
});

describe('per-client issuance limit', () => {
  it('answers 429 with Retry-After (RFC 6585 §4) beyond the burst, without calling KMS', async () => {
    const { record, clientSecret } = await stack.registry.create({
      name: 'slow',
      scopes: ['products/read'],
      issuanceRatePerSecond: 1,
    });
    const c = { id: record.clientId, secret: clientSecret };
    // The limit holds across environments (a DynamoDB counter per client and second): `rate` per second.
    frozenAt = Date.now();
    expect((await tokenRequest(c)).status).toBe(200);
    const signs = stack.kms.calls.Sign ?? 0;
    const limited = await tokenRequest(c);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'too many token requests for this client; retry later',
    });
    expect(stack.kms.calls.Sign ?? 0).toBe(signs);
    // Other clients are not affected.
    expect((await tokenRequest(await newClient())).status).toBe(200);
  });
});
