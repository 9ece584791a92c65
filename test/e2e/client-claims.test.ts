// Client claims end to end on the local stack in front of a real upstream: the admin CLI gives two clients
// with the same scopes different tenants, their tokens carry the claim, the authorizer passes it in its
// context and the gateway forwards it as X-Keygate-Claim-Tenant. Attacks: a caller's own claim headers
// (any spelling, repeated) never reach the upstream, and with the result cache on, one client's cached
// policy and context never serve another client.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProtectedRoute } from '../../core/authz/index.js';
import { closeNow, listen } from '../../local/listen.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { send } from '../local/gateway/http.js';
import { mintToken } from '../support/client-token.js';
import { clientsCli, createClientWithCli } from '../support/clients-cli.js';

const ROUTES: ProtectedRoute[] = [{ method: 'GET', path: '/orders', scopes: ['orders/read'] }];

let upstream: Server;
let stack: LocalStack;
let seen: IncomingMessage['headers'][] = [];
const tokens = { acme: '', globex: '', plain: '' };

const cli = (args: string[]) => clientsCli(stack.clientEnv, args);
const clientWith = (...extra: string[]) =>
  createClientWithCli(stack.clientEnv, ['--name', 'tenant', '--scopes', 'orders/read', ...extra]);

const orders = (token: string, headers: Record<string, string | string[]> = {}) =>
  send(`${stack.apiUrl}/orders`, { headers: { authorization: `Bearer ${token}`, ...headers } });

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  const upstreamUrl = `http://127.0.0.1:${await listen(upstream, 0, '127.0.0.1')}`;
  // The default 300 s result cache: a cached policy and context are what the attack tests aim at.
  stack = await startLocalStack({
    inMemory: true,
    ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    upstream: { url: upstreamUrl, routes: ROUTES },
  });
  const acme = await clientWith('--claim', 'tenant=acme', '--claim', 'plan_id=gold');
  const globex = await clientWith('--claim', 'tenant=globex');
  const plain = await clientWith();
  tokens.acme = await mintToken(stack.tokenUrl, acme);
  tokens.globex = await mintToken(stack.tokenUrl, globex);
  tokens.plain = await mintToken(stack.tokenUrl, plain);
}, 60_000);

afterAll(async () => {
  await stack?.close();
  if (upstream) await closeNow(upstream)();
});

beforeEach(() => {
  seen = [];
});

const claimHeaders = (headers: IncomingMessage['headers']) =>
  Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith('x-keygate-claim-')));

describe('client claims on the local stack', () => {
  it('mints the claims into the token beside the protocol claims', () => {
    expect(decodeJwt(tokens.acme)).toMatchObject({ tenant: 'acme', plan_id: 'gold', scope: 'orders/read' });
    expect(decodeJwt(tokens.plain)).not.toHaveProperty('tenant');
  });

  it('forwards them to the upstream as X-Keygate-Claim-* headers', async () => {
    expect((await orders(tokens.acme)).status).toBe(200);
    expect(claimHeaders(seen[0]!)).toEqual({
      'x-keygate-claim-tenant': 'acme',
      'x-keygate-claim-plan-id': 'gold',
    });
  });

  it.each([
    ['X-Keygate-Claim-Tenant'],
    ['x-keygate-claim-tenant'],
    ['X-Keygate_Claim_Tenant'],
    ['X-Keygate-Claim-Admin'],
  ])('strips a caller-sent %s, with or without a claim of its own', async (header) => {
    expect((await orders(tokens.plain, { [header]: 'acme' })).status).toBe(200);
    expect((await orders(tokens.globex, { [header]: ['acme', 'acme'] })).status).toBe(200);
    expect(seen.map(claimHeaders)).toEqual([{}, { 'x-keygate-claim-tenant': 'globex' }]);
    expect(Object.keys(seen[0]!).filter((k) => k.replace(/[^a-z]/g, '').startsWith('xkeygateclaim'))).toEqual(
      [],
    );
  });

  it('never serves one client the cached policy and context of another (same scopes, result cache on)', async () => {
    for (const token of [tokens.acme, tokens.globex, tokens.acme, tokens.plain, tokens.globex]) {
      expect((await orders(token)).status).toBe(200);
    }
    expect(seen.map((h) => h['x-keygate-claim-tenant'])).toEqual([
      'acme',
      'globex',
      'acme',
      undefined,
      'globex',
    ]);
  });

  it('the CLI refuses a registered claim name with one line and exit 2', async () => {
    const r = await cli(['create', '--name', 'x', '--scopes', 'orders/read', '--claim', 'sub=admin']);
    expect([r.code, r.err]).toEqual([
      2,
      'error: claim name "sub" is registered (JWT, OAuth or keygate); pick another\n',
    ]);
  });

  it("the CLI shows, replaces and clears a client's claims", async () => {
    const c = await clientWith('--claim', 'tenant=acme');
    expect(c.view).toMatchObject({ claims: { tenant: 'acme' } });
    const replaced = await cli(['--json', 'update', c.id, '--claim', 'tenant=initech']);
    expect(JSON.parse(replaced.out)).toMatchObject({ claims: { tenant: 'initech' } });
    const cleared = await cli(['--json', 'update', c.id, '--clear-claims']);
    expect(cleared.code, cleared.err).toBe(0);
    expect(JSON.parse(cleared.out)).not.toHaveProperty('claims');
  });
});
