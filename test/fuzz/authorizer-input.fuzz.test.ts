// Property-based fuzzing of the TOKEN authorizer's input (handlers/authorizer/handler.ts with a real JWKS server):
// arbitrary authorizationToken values, near-valid JWS shapes, mutated genuine tokens and odd events. The
// only outcomes allowed are the exact `Unauthorized` error (401) or a policy result; any other error would
// be a 500 at API Gateway, allowed only when keys are unavailable (not the case here).

import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE_ROUTES } from '../../examples/products/routes.js';
import { type JwksServer, startJwksServer } from '../../fixtures/jwks-server.js';
import { b64url, signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../fixtures/tokens.js';
import { authorizerSettings, createDeps, createHandler } from '../../handlers/authorizer/handler.js';

const ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/products';
let jwks: JwksServer;
let authorize: ReturnType<typeof createHandler>;
let deps: ReturnType<typeof createDeps>;
let good: string;

beforeAll(async () => {
  jwks = await startJwksServer({ keys: [testKey('fuzz-authz').jwk] });
  deps = createDeps(
    authorizerSettings({
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      jwksUri: jwks.url,
      revocationsUri: false,
      routes: RESOURCE_ROUTES,
    }),
    {
      logger: null,
      metrics: null,
    },
  );
  authorize = createHandler(deps);
  good = signToken({ key: testKey('fuzz-authz') });
});

afterAll(async () => {
  await jwks?.close();
});

async function outcome(event: unknown): Promise<'allow' | 'deny' | 'unauthorized'> {
  try {
    const result = await authorize(event as APIGatewayTokenAuthorizerEvent);
    const effect = result.policyDocument.Statement[0]?.Effect;
    expect(['Allow', 'Deny']).toContain(effect);
    expect(typeof result.principalId).toBe('string');
    return effect === 'Allow' ? 'allow' : 'deny';
  } catch (err) {
    expect((err as Error).message).toBe('Unauthorized');
    return 'unauthorized';
  }
}

const tokenEvent = (authorizationToken: unknown) => ({ type: 'TOKEN', authorizationToken, methodArn: ARN });

describe('authorizer hostile token input', () => {
  it('answers arbitrary header values with Unauthorized or a policy', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.string({ maxLength: 300 }).map((s) => `Bearer ${s}`),
          fc
            .tuple(fc.base64String(), fc.base64String(), fc.base64String())
            .map(([a, b, c]) => `Bearer ${a}.${b}.${c}`),
          fc
            .tuple(fc.json(), fc.json(), fc.string())
            .map(([h, p, s]) => `Bearer ${b64url(h)}.${b64url(p)}.${b64url(s)}`),
          fc
            .dictionary(
              fc.constantFrom('alg', 'typ', 'kid', 'crit', 'jku', 'x5c', 'zip', 'b64'),
              fc.jsonValue(),
            )
            .map((h) => `Bearer ${b64url(h)}.${good.split('.')[1]}.${good.split('.')[2]}`),
          fc.nat({ max: 20_000 }).map((n) => `Bearer ${'a'.repeat(n)}.b.c`),
          fc.constantFrom(
            '',
            'Bearer',
            'Bearer ',
            'bearer  x',
            `BEARER ${good}`,
            `Bearer  ${good}`,
            `Bearer ${good} x`,
            `Bearer\t${good}`,
          ),
        ),
        async (header) => {
          expect(['unauthorized', 'allow']).toContain(await outcome(tokenEvent(header)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers mutated genuine tokens with Unauthorized (one character changed anywhere)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: good.length - 1 }),
        fc.string({ minLength: 1, maxLength: 1 }),
        async (i, ch) => {
          const mutated = `${good.slice(0, i)}${ch}${good.slice(i + 1)}`;
          const result = await outcome(tokenEvent(`Bearer ${mutated}`));
          // Some base64url characters decode the same bytes (spare low bits) or change nothing: still valid.
          if (result === 'allow') expect(mutated === good || i >= good.lastIndexOf('.')).toBe(true);
          else expect(result).toBe('unauthorized');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers malformed events with Unauthorized and non-string headers without crashing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (value) => {
        expect(await outcome(tokenEvent(value))).toBe(
          typeof value === 'string' && value === `Bearer ${good}` ? 'allow' : 'unauthorized',
        );
        expect(['unauthorized']).toContain(await outcome(value));
      }),
      { numRuns: 200 },
    );
    expect(await outcome(tokenEvent(`Bearer ${good}`))).toBe('allow');
    // The key store fetched once: hostile input caused no fetch storm.
    expect(deps.keyStore.stats().fetches).toBeLessThanOrEqual(2);
    expect(jwks.requests).toBeLessThanOrEqual(2);
  });
});
