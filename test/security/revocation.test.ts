// Attacks on revocation, against the local stack in front of a team's own upstream and routes: a token
// minted from the token endpoint's stale client cache while the client is disabled must not come back with
// `clients enable`; a deleted client's tokens must die within the revocation bound; an admin machine with
// a skewed clock must not set a cutoff that misses tokens (or kills new ones). Real HTTP, the real SDK
// clients against dynalite, the real CLI. Every clock (handlers, dynalite's Date) is one injected clock;
// the CLI's waits move it forward, so nothing sleeps.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../handlers/cli/clients.js';
import { closeNow, listen } from '../../local/listen.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { type ClientCredentials, mintToken, requestToken } from '../support/client-token.js';

const ROUTES = [
  { method: 'GET', path: '/items/{id}', scopes: ['items:read'] },
  { method: 'GET', path: '/items/{id}/secret', scopes: ['items:admin'] },
  { method: 'GET', path: '/files/{name}', scopes: ['files:read'] },
] as const;

let stack: LocalStack;
let upstream: Server;
let upstreamHits = 0;
let shiftMs = 0;
// Frozen at the file's start and moved only by the test and the CLI's waits: a real second passing between
// two reads cannot move a stamp the test predicts (a loaded machine made that happen).
const STARTED_MS = Date.now();
const now = () => STARTED_MS + shiftMs;
const HOUR_MS = 3_600_000;

beforeAll(async () => {
  upstream = createServer((_req, res) => {
    upstreamHits += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  const port = await listen(upstream, 0, '127.0.0.1');
  stack = await startLocalStack({
    inMemory: true,
    ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    upstream: {
      url: `http://127.0.0.1:${port}`,
      routes: ROUTES.map((r) => ({ ...r, scopes: [...r.scopes] })),
    },
    clocks: { authorizer: now, token: now, products: now, dynamodb: now },
    // A fresh list on every request: the auth API's reuse window is part of the CLI's wait anyway.
    env: { REVOCATIONS_MAX_AGE_SECONDS: '0' },
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  if (upstream) await closeNow(upstream)();
});

/** The admin CLI on a machine whose clock is `skewMs` off; its waits move the stack's clock. */
async function cli(args: string[], skewMs = 0): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    env: stack.clientEnv,
    now: () => now() + skewMs,
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    sleep: async (ms) => {
      shiftMs += ms;
    },
  });
  return { code, out, err };
}

async function newClient() {
  const { record, clientSecret } = await stack.registry.create({
    name: 'attacked',
    scopes: ['items:read', 'files:read'],
  });
  return { id: record.clientId, secret: clientSecret };
}

const tokenRequest = (c: ClientCredentials) => requestToken(stack.tokenUrl, c);
const token = (c: ClientCredentials) => mintToken(stack.tokenUrl, c);

const iatOf = (t: string): number =>
  (JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as { iat: number }).iat;

/** Status of the user's own routes for this token, and whether the upstream saw any of the calls. */
async function calls(t: string): Promise<{ items: number; files: number; upstreamReached: boolean }> {
  const before = upstreamHits;
  const get = async (path: string) =>
    (await fetch(`${stack.apiUrl}${path}`, { headers: { authorization: `Bearer ${t}` } })).status;
  const items = await get('/items/1');
  const files = await get('/files/report.txt');
  return { items, files, upstreamReached: upstreamHits !== before };
}

const REFUSED = { items: 401, files: 401, upstreamReached: false };
const ALLOWED = { items: 200, files: 200, upstreamReached: true };

describe('a disablement is final', () => {
  it.each([
    ['in sync', 0],
    ['an hour behind', -HOUR_MS],
    ['an hour ahead', HOUR_MS],
  ])(
    'a token minted from the stale client cache while disabled stays refused after enable (admin clock %s)',
    async (_, skewMs) => {
      const c = await newClient();
      const before = await token(c);
      expect(await calls(before)).toEqual(ALLOWED);

      expect((await cli(['disable', c.id], skewMs)).code).toBe(0);
      const disabledAt = (await stack.registry.get(c.id, { consistent: true }))!.tokensRevokedAt!;
      // The token endpoint's client cache (30 s) still holds the client as active: it mints. The token's iat
      // is after the disable's stamp, so the disable's own cutoff does not cover it.
      const late = await token(c);
      expect(iatOf(late)).toBeGreaterThan(disabledAt);
      expect(await calls(late)).toEqual(REFUSED);

      shiftMs += 5_000;
      const enabled = await cli(['enable', c.id], skewMs);
      expect(enabled.code, enabled.err).toBe(0);
      // After the enable: every authorizer has reloaded the list.
      shiftMs += 11_000;
      expect(await calls(late)).toEqual(REFUSED);
      expect(await calls(before)).toEqual(REFUSED);

      // The client works again: a token minted after the enable's second is accepted, whatever the admin's clock.
      shiftMs += 1_000;
      expect(await calls(await token(c))).toEqual(ALLOWED);
    },
  );
});

describe('deleting a client revokes its tokens', () => {
  it('refuses its tokens within the bound, one minted from the stale cache after the delete included; no new token is minted', async () => {
    const c = await newClient();
    const before = await token(c);
    expect(await calls(before)).toEqual(ALLOWED);

    const deleted = await cli(['delete', '--yes', c.id]);
    expect(deleted.code, deleted.err).toBe(0);
    expect(deleted.out).toContain(`Deleted client ${c.id}; every token issued to it is revoked`);
    expect(deleted.out).toContain(`Flushed the authorizer cache of ${stack.gateways.api.apiId}`);
    // The CLI returned after its wait and flush: the bound holds from here.
    expect(await calls(before)).toEqual(REFUSED);

    const late = await token(c);
    expect(await calls(late)).toEqual(REFUSED);

    // Once the token endpoint's cache has expired, the client is unknown there too.
    shiftMs += 31_000;
    const refused = await tokenRequest(c);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_client');
    // Until its last token expires (1 h lifetime, minted up to the cache TTL after the delete), still refused.
    shiftMs += 3_500_000;
    expect(await calls(late)).toEqual(REFUSED);
  });
});

describe('cutoffs come from the server clock', () => {
  it.each([
    ['an hour behind', -HOUR_MS],
    ['an hour ahead', HOUR_MS],
  ])('`clients revoke` from a machine %s revokes every earlier token and no later one', async (_, skewMs) => {
    const c = await newClient();
    const before = await token(c);
    const serverSecond = Math.floor(now() / 1000);
    const r = await cli(['revoke', c.id], skewMs);
    expect(r.code, r.err).toBe(0);
    // The stamp is DynamoDB's time of the write (the provisional second + at most the read's rounding).
    const stamp = (await stack.registry.get(c.id, { consistent: true }))!.tokensRevokedAt!;
    expect(stamp).toBe(serverSecond);
    expect(r.out).toContain(`issued up to ${new Date(stamp * 1000).toISOString()}`);
    expect(await calls(before)).toEqual(REFUSED);
    expect(await calls(await token(c))).toEqual(ALLOWED);
  });
});
