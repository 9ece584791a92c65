// Timing side channel at the token endpoint: unknown client vs known client with a wrong secret (RFC 6749
// §10.2: indistinguishable). 300 requests of each, interleaved, through the handler with a cached client
// and a negative-cached unknown id, over a real dynalite registry. The test asserts the dummy-hash path is
// taken (the same hashing work per request on both paths); the distributions are measured and recorded
// (Mann-Whitney U and two-sample KS), not asserted: performance is measured, not asserted.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClientCache,
  createTokenMinter,
  createTokenService,
  sha256Hasher,
} from '../../core/issuer/index.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../fixtures/dynalite.js';
import { createLocalSigner } from '../../fixtures/local-signer.js';
import { testKey } from '../../fixtures/tokens.js';
import { createHandler } from '../../handlers/token.js';
import { ksTest, mannWhitneyU, percentile, record } from './support/load.js';

const N = Number(process.env.KEYGATE_TIMING_N ?? 300);
let dynalite: DynaliteServer;
let dynamo: ReturnType<typeof localDynamo>;

beforeAll(async () => {
  dynalite = await startDynalite();
  dynamo = localDynamo(dynalite.endpoint);
});

afterAll(async () => {
  dynamo?.destroy();
  await dynalite?.close();
});

const event = (id: string, secret: string): APIGatewayProxyEvent =>
  ({
    httpMethod: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    multiValueHeaders: {},
    queryStringParameters: null,
    body: `grant_type=client_credentials&client_id=${encodeURIComponent(id)}&client_secret=${encodeURIComponent(secret)}`,
    isBase64Encoded: false,
    requestContext: { requestId: 't' },
  }) as unknown as APIGatewayProxyEvent;

describe('token endpoint timing: unknown client vs wrong secret', () => {
  it('takes the dummy-hash path for unknown clients and records both distributions', async () => {
    const registry = await createTestRegistry({ dynamodb: dynamo, tableName: 'timing-clients' });
    const { record: known, clientSecret } = await registry.create({
      name: 'timing',
      scopes: ['products/read'],
    });
    let hashes = 0;
    const hasher = (s: string) => {
      hashes++;
      return sha256Hasher(s);
    };
    const clients = createClientCache({ source: registry });
    const signer = createLocalSigner(testKey('timing').privateKey);
    const handler = createHandler({
      service: createTokenService({
        clients,
        minter: createTokenMinter({
          signer,
          issuer: 'https://auth.keygate.test',
          audience: 'https://api.keygate.test',
        }),
        maxLifetimeSeconds: 3600,
        hasher,
      }),
      logger: { info() {}, warn() {}, error() {} },
    });
    // Warm both cache entries (positive and negative) and the code paths.
    const unknownId = 'kg_AAAAAAAAAAAAAAAAAAAAAA';
    const wrong = 'x'.repeat(clientSecret.length);
    expect((await handler(event(known.clientId, clientSecret))).statusCode).toBe(200);
    for (let i = 0; i < 50; i++) {
      await handler(event(unknownId, wrong));
      await handler(event(known.clientId, wrong));
    }

    const unknownMs: number[] = [];
    const wrongMs: number[] = [];
    const hashesPer = { unknown: new Set<number>(), wrong: new Set<number>() };
    const dynamoBefore = dynalite.requestCount();
    for (let i = 0; i < N; i++) {
      const order: ['unknown' | 'wrong', string][] =
        i % 2 === 0
          ? [
              ['unknown', unknownId],
              ['wrong', known.clientId],
            ]
          : [
              ['wrong', known.clientId],
              ['unknown', unknownId],
            ];
      for (const [kind, id] of order) {
        const h0 = hashes;
        const t = process.hrtime.bigint();
        const res = await handler(event(id, wrong));
        const us = Number(process.hrtime.bigint() - t) / 1e6;
        expect(res.statusCode).toBe(401);
        expect(JSON.parse(res.body)).toEqual({
          error: 'invalid_client',
          error_description: 'client authentication failed',
        });
        (kind === 'unknown' ? unknownMs : wrongMs).push(us);
        hashesPer[kind].add(hashes - h0);
      }
    }
    // The unknown id pays a real hash like the wrong secret does (never a short-circuit without hashing).
    expect(Math.min(...hashesPer.unknown)).toBeGreaterThanOrEqual(1);
    expect([...hashesPer.unknown].sort()).toEqual([...hashesPer.wrong].sort());

    const mw = mannWhitneyU(unknownMs, wrongMs);
    const ks = ksTest(unknownMs, wrongMs);
    const summary = (v: number[]) => ({
      p50: Number(percentile(v, 50).toFixed(4)),
      p90: Number(percentile(v, 90).toFixed(4)),
      p99: Number(percentile(v, 99).toFixed(4)),
    });
    record('timing', {
      scenario: 'Token endpoint timing: unknown client vs wrong secret',
      load: `${N} + ${N} requests, interleaved (ABBA), in-process handler, cached client and negative-cached id`,
      faults: 'none (side-channel measurement)',
      requests: 2 * N,
      failed: 0,
      shouldFail: 2 * N,
      didFail: unknownMs.length + wrongMs.length,
      details: {
        unknownClientMs: summary(unknownMs),
        wrongSecretMs: summary(wrongMs),
        hashesPerRequest: { unknown: [...hashesPer.unknown], wrong: [...hashesPer.wrong] },
        dynamoReadsDuringRun: dynalite.requestCount() - dynamoBefore,
        mannWhitney: { u: mw.u, z: Number(mw.z.toFixed(3)), p: Number(mw.p.toFixed(4)) },
        ks: { d: Number(ks.d.toFixed(4)), p: Number(ks.p.toFixed(4)) },
      },
      command: 'npx vitest run test/reliability/timing.test.ts',
    });
  }, 30_000);
});
