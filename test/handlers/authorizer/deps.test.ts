// The authorizer's issuer clients against real HTTP issuers on 127.0.0.1: the keys come with the revocation
// list in one GET when the issuer publishes them there, and a list on another origin never supplies keys.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { withSigningKeys } from '../../../core/revocation/index.js';
import { RESOURCE_ROUTES } from '../../../examples/products/routes.js';
import { signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../../fixtures/tokens.js';
import {
  authorizerSettings,
  createDeps,
  createHandler,
  createIssuerClients,
} from '../../../handlers/authorizer/handler.js';
import { closeNow, listen } from '../../../local/listen.js';

const ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/products';
const LIST = { disabled: [], revoked_at: {} };
const issuerKey = testKey();
const attackerKey = testKey('attacker');

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function issuer(routes: Record<string, unknown>) {
  const asked: string[] = [];
  const server: Server = createServer((req, res) => {
    asked.push(req.url ?? '');
    const body = routes[req.url ?? ''];
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  const origin = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  closers.push(closeNow(server));
  return { jwks: `${origin}/.well-known/jwks.json`, list: `${origin}/revocations`, asked };
}

/** A handler built as the bundled entry builds it: downloads started first, init waits for them. */
async function authorizer(jwksUri: string, revocationsUri: string) {
  const config = authorizerSettings({
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    jwksUri,
    revocationsUri,
    routes: RESOURCE_ROUTES,
  });
  const clients = { logger: null, metrics: null };
  const issuerClients = createIssuerClients(config, clients);
  await issuerClients.prefetch();
  return createHandler(createDeps(config, clients, issuerClients));
}

const call = (handler: Awaited<ReturnType<typeof authorizer>>, key = issuerKey) =>
  handler({ type: 'TOKEN', authorizationToken: `Bearer ${signToken({ key })}`, methodArn: ARN });

describe('createIssuerClients', () => {
  it('loads the keys and the list with one GET when the list carries the keys, and allows a valid token', async () => {
    const server = await issuer({
      '/revocations': withSigningKeys(LIST, { keys: [issuerKey.jwk] }),
      '/.well-known/jwks.json': { keys: [issuerKey.jwk] },
    });
    const handler = await authorizer(server.jwks, server.list);
    const result = await call(handler);
    expect([result.principalId, server.asked]).toEqual(['client-1', ['/revocations']]);
  });

  it('refuses a token signed with a key that a revocation list on another origin slips in', async () => {
    const keys = await issuer({ '/.well-known/jwks.json': { keys: [issuerKey.jwk] } });
    const elsewhere = await issuer({
      '/revocations': withSigningKeys(LIST, { keys: [attackerKey.jwk] }),
    });
    const handler = await authorizer(keys.jwks, elsewhere.list);
    await expect(call(handler, attackerKey)).rejects.toThrow(/^Unauthorized$/);
    expect(keys.asked).toEqual(['/.well-known/jwks.json', '/.well-known/jwks.json']);
  });
});
