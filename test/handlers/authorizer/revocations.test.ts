// The authorizer with a revocation list (handlers/authorizer/revocations.ts wires the list in): a revoked token
// is Unauthorized even when the verified-token cache holds it, a list older than the refresh interval is
// reloaded before deciding (injected clock), and a list that cannot be loaded is a 500, never an allow.
import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_ROUTES } from '../../../examples/products/routes.js';
import { type JwksServer, startJwksServer } from '../../../fixtures/jwks-server.js';
import { signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../../fixtures/tokens.js';
import { authorizerSettings, createDeps, createHandler } from '../../../handlers/authorizer/handler.js';

const ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/products';
const event = (t: string) =>
  ({ type: 'TOKEN', authorizationToken: `Bearer ${t}`, methodArn: ARN }) as APIGatewayTokenAuthorizerEvent;

let jwks: JwksServer;
let revocations: JwksServer;
beforeAll(async () => {
  jwks = await startJwksServer({ keys: [testKey().jwk] });
  revocations = await startJwksServer('{"disabled":[],"revoked_at":{}}');
});
afterAll(async () => {
  await Promise.all([jwks.close(), revocations.close()]);
});

function authorizer(clock: { t: number }) {
  return createHandler(authorizerDeps(clock));
}

function authorizerDeps(clock: { t: number }) {
  return createDeps(
    authorizerSettings({
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      jwksUri: jwks.url,
      revocationsUri: revocations.url,
      revocationsRefreshSeconds: 10,
      revocationsMaxStaleSeconds: 60,
      routes: RESOURCE_ROUTES,
    }),
    { logger: null, metrics: null, now: () => clock.t },
  );
}

describe('authorizer with a revocation list', () => {
  it('allows, then refuses a cached token once its client is revoked and the list is reloaded', async () => {
    revocations.mode = 'ok';
    revocations.body = { disabled: [], revoked_at: {} };
    const iat = 1_900_000_000;
    const clock = { t: iat * 1000 };
    const handler = authorizer(clock);
    const t = signToken({ now: iat, claims: { client_id: 'leaked', sub: 'leaked' } });
    expect((await handler(event(t))).policyDocument.Statement[0]!.Effect).toBe('Allow');

    revocations.body = { disabled: [], revoked_at: { leaked: iat } };
    // Inside the refresh interval the old list still decides.
    clock.t += 9_000;
    expect((await handler(event(t))).principalId).toBe('leaked');
    clock.t += 1_000;
    await expect(handler(event(t))).rejects.toThrow('Unauthorized');

    // A token issued after the revocation (same client) is fine.
    const fresh = signToken({ now: iat + 1, claims: { client_id: 'leaked', sub: 'leaked' } });
    expect((await handler(event(fresh))).principalId).toBe('leaked');
  });

  it('refuses every token of a disabled client', async () => {
    revocations.mode = 'ok';
    revocations.body = { disabled: ['gone'], revoked_at: {} };
    const handler = authorizer({ t: Date.now() });
    const t = signToken({ claims: { client_id: 'gone', sub: 'gone' } });
    await expect(handler(event(t))).rejects.toThrow('Unauthorized');
  });

  it('answers 500 (RevocationsUnavailable), never an allow, when no list can be loaded', async () => {
    revocations.mode = 'error503';
    const handler = authorizer({ t: Date.now() });
    await expect(handler(event(signToken()))).rejects.toThrow('RevocationsUnavailable');
    revocations.mode = 'ok';
  });

  it('answers 500, never an allow, to a disabled client right after a failed init-time load (inside its backoff)', async () => {
    revocations.mode = 'error503';
    revocations.body = { disabled: ['gone'], revoked_at: {} };
    const clock = { t: Date.now() };
    const deps = authorizerDeps(clock);
    // The entry's init: both downloads, the list's failing.
    await Promise.all([deps.keyStore.prefetch(), deps.revocations!.refresh().catch(() => undefined)]);
    revocations.mode = 'ok';
    clock.t += 100;
    const t = signToken({ claims: { client_id: 'gone', sub: 'gone' } });
    await expect(createHandler(deps)(event(t))).rejects.toThrow('RevocationsUnavailable');
  });
});
