// Resource exhaustion: a flood of 20k distinct invalid tokens at the authorizer (bad signatures with the
// real kid, random unknown kids, garbage) must not grow its caches or heap without bound nor cause a JWKS
// fetch storm; distinct valid tokens stay within TOKEN_CACHE_SIZE; random client ids stay within the token
// endpoint's client-cache bound. Cache sizes are asserted exactly; the heap delta loosely.
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientCache, createTokenMinter, createTokenService } from '../../core/issuer/index.js';
import { RESOURCE_ROUTES } from '../../examples/products/routes.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../fixtures/dynalite.js';
import { type JwksServer, startJwksServer } from '../../fixtures/jwks-server.js';
import { createLocalSigner } from '../../fixtures/local-signer.js';
import { b64url, signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../fixtures/tokens.js';
import * as authorizer from '../../handlers/authorizer/handler.js';
import { createHandler as createTokenHandler } from '../../handlers/token.js';
import { record } from './support/load.js';

const ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/products';
const FLOOD = Number(process.env.KEYGATE_FLOOD ?? 20_000);
let jwks: JwksServer;
let dynalite: DynaliteServer;
let dynamo: ReturnType<typeof localDynamo>;

beforeAll(async () => {
  jwks = await startJwksServer({ keys: [testKey('exhaust').jwk] });
  dynalite = await startDynalite();
  dynamo = localDynamo(dynalite.endpoint);
});

afterAll(async () => {
  await jwks?.close();
  dynamo?.destroy();
  await dynalite?.close();
});

const heapMb = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1e6;
};

describe('resource exhaustion', () => {
  it('a flood of distinct invalid tokens leaves caches empty, heap bounded and the JWKS unfetched', async () => {
    const deps = authorizer.createDeps(
      authorizer.authorizerSettings({
        issuer: TEST_ISSUER,
        audience: TEST_AUDIENCE,
        jwksUri: jwks.url,
        revocationsUri: false,
        tokenCacheSize: 500,
        routes: RESOURCE_ROUTES,
      }),
      { logger: null, metrics: null },
    );
    const handler = authorizer.createHandler(deps);
    const call = async (token: string): Promise<string> => {
      try {
        await handler({
          type: 'TOKEN',
          authorizationToken: `Bearer ${token}`,
          methodArn: ARN,
        } as APIGatewayTokenAuthorizerEvent);
        return 'allow';
      } catch (err) {
        return (err as Error).message;
      }
    };
    const key = testKey('exhaust');
    const good = signToken({ key });
    expect(await call(good)).toBe('allow');
    const [h, p] = good.split('.') as [string, string];
    const fetchesBefore = jwks.requests;
    const heapBefore = heapMb();
    const started = performance.now();
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < FLOOD; i++) {
      let token: string;
      if (i % 3 === 0)
        token = `${h}.${p.slice(0, -4)}${randomBytes(3).toString('base64url')}.${randomBytes(256).toString('base64url')}`;
      else if (i % 3 === 1)
        token = `${b64url({ alg: 'RS256', typ: 'at+jwt', kid: randomBytes(16).toString('base64url') })}.${p}.${randomBytes(256).toString('base64url')}`;
      else token = randomBytes(60 + (i % 500)).toString('base64url');
      const r = await call(token);
      outcomes[r] = (outcomes[r] ?? 0) + 1;
    }
    const floodMs = performance.now() - started;
    const heapDelta = heapMb() - heapBefore;
    expect(outcomes).toEqual({ Unauthorized: FLOOD });
    expect(deps.verifier.stats().tokenCacheSize).toBe(1); // only the genuine token
    // Unknown kids: one refetch at most within the 30 s cooldown, however many distinct kids arrive.
    expect(jwks.requests - fetchesBefore).toBeLessThanOrEqual(1);
    expect(heapDelta).toBeLessThan(64);

    // Distinct valid tokens: the verified-token cache stays at TOKEN_CACHE_SIZE.
    for (let i = 0; i < 1500; i++)
      expect(await call(signToken({ key, claims: { jti: `j${i}` } }))).toBe('allow');
    expect(deps.verifier.stats().tokenCacheSize).toBe(500);

    record('invalid-token-flood', {
      scenario: 'Flood of distinct invalid tokens at the authorizer (+1500 distinct valid tokens)',
      load: `${FLOOD} sequential in-process authorizer calls: bad signatures with the real kid, random kids, garbage`,
      faults: 'hostile input only',
      requests: FLOOD + 1501,
      failed: 0,
      shouldFail: FLOOD,
      didFail: outcomes.Unauthorized ?? 0,
      details: {
        floodMs: Math.round(floodMs),
        perCallMicros: Number(((floodMs * 1000) / FLOOD).toFixed(1)),
        heapDeltaMb: Number(heapDelta.toFixed(1)),
        jwksFetchesDuringFlood: jwks.requests - fetchesBefore,
        tokenCacheSizeAfterFlood: 1,
        tokenCacheSizeAfter1500Valid: deps.verifier.stats().tokenCacheSize,
        tokenCacheBound: 500,
      },
      command: 'npx vitest run test/reliability/exhaustion.test.ts',
    });
  }, 60_000);

  it('random client ids keep the token endpoint client cache within its bound', async () => {
    const registry = await createTestRegistry({ dynamodb: dynamo, tableName: 'exhaust-clients' });
    const clients = createClientCache({ source: registry, maxEntries: 300 });
    const signer = createLocalSigner(testKey('exhaust-token').privateKey);
    const handler = createTokenHandler({
      service: createTokenService({
        clients,
        minter: createTokenMinter({ signer, issuer: TEST_ISSUER, audience: TEST_AUDIENCE }),
        maxLifetimeSeconds: 3600,
      }),
      logger: { info() {}, warn() {}, error() {} },
    });
    const ids = 1000;
    for (let i = 0; i < ids; i++) {
      const res = await handler({
        httpMethod: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=${randomBytes(12).toString('base64url')}&client_secret=x`,
        isBase64Encoded: false,
      } as unknown as APIGatewayProxyEvent);
      expect(res.statusCode).toBe(401);
    }
    expect(clients.stats().size).toBe(300);
    console.log(
      `[reliability] client-cache-bound: ${JSON.stringify({ distinctIds: ids, ...clients.stats() })}`,
    );
  }, 30_000);
});
