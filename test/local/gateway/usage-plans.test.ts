// Usage plans on the local gateway, over real HTTP with an injected clock: a token bucket per key (rate,
// burst), a quota per UTC period, API Gateway's 429 bodies and x-amzn-ErrorType, and 403 without a key.
import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Gateway,
  type LambdaFunction,
  periodStart,
  startGateway,
} from '../../../local/gateway/index.js';
import { send } from './http.js';

const ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/test';
const GOLD = 'GoldKey0123456789abcdefXYZ';
const QUOTA = 'QuotaKey0123456789abcdefXY';
const OPEN = 'OpenKey0123456789abcdefXYZ';

// The token names the key the authorizer returns: `Bearer <key>.<n>` (`none`: no usageIdentifierKey).
const authorizer: LambdaFunction = async (event: APIGatewayTokenAuthorizerEvent) => {
  const key = event.authorizationToken.slice('Bearer '.length).split('.')[0];
  return {
    principalId: 'c',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${ARN}/*` }],
    },
    ...(key !== 'none' ? { usageIdentifierKey: key } : {}),
  };
};

// Mid-month, mid-week (a Wednesday), 12:00 UTC.
let clock = Date.UTC(2026, 11, 9, 12, 0, 0);
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({
    routes: [
      { method: 'GET', path: '/items', handler: 'ok', scopes: ['items/read'] },
      { method: 'GET', path: '/public', handler: 'ok', scopes: [] },
    ],
    handlers: { ok: async () => ({ statusCode: 200, body: 'ok' }) },
    stage: 'test',
    apiId: 'abcdef1234',
    authorizer: { handler: authorizer, resultsCacheTtlSeconds: 300 },
    usagePlans: [
      { key: GOLD, limits: { rate: 2, burst: 3 } },
      { key: QUOTA, limits: { rate: 100, burst: 100, quota: { limit: 3, period: 'DAY' } } },
      { key: OPEN },
    ],
    now: () => clock,
  });
});
afterAll(() => gw.close());

const get = (key: string, path = '/items') =>
  send(gw.origin, { path: `/test${path}`, headers: { authorization: `Bearer ${key}.1` } });
const statuses = async (key: string, n: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await get(key)).status);
  return out;
};

describe('usage plans on the local gateway', () => {
  it('admits a burst, then answers 429 Too Many Requests as API Gateway does, and refills at the rate', async () => {
    expect(await statuses(GOLD, 4)).toEqual([200, 200, 200, 429]);
    const throttled = await get(GOLD);
    expect(throttled.status).toBe(429);
    expect(throttled.text).toBe('{"message":"Too Many Requests"}');
    expect(throttled.headers['x-amzn-errortype']).toBe('TooManyRequestsException');
    expect(throttled.headers['content-type']).toBe('application/json');
    expect(throttled.headers['x-amzn-requestid']).toEqual(expect.any(String));
    // Rate 2/s: half a second earns one request, a whole second two, and the bucket never exceeds the burst.
    clock += 500;
    expect(await statuses(GOLD, 2)).toEqual([200, 429]);
    clock += 1000;
    expect(await statuses(GOLD, 3)).toEqual([200, 200, 429]);
    clock += 60_000;
    expect(await statuses(GOLD, 4)).toEqual([200, 200, 200, 429]);
  });

  it("answers 429 Limit Exceeded once the day's quota is used, until the next UTC day", async () => {
    expect(await statuses(QUOTA, 3)).toEqual([200, 200, 200]);
    const over = await get(QUOTA);
    expect(over.status).toBe(429);
    expect(over.text).toBe('{"message":"Limit Exceeded"}');
    expect(over.headers['x-amzn-errortype']).toBe('LimitExceededException');
    clock = periodStart('DAY', clock) + 86_400_000 - 1;
    expect((await get(QUOTA)).status).toBe(429);
    clock += 1;
    expect(await statuses(QUOTA, 4)).toEqual([200, 200, 200, 429]);
  });

  it('does not limit a plan without limits, and counts no request against another key', async () => {
    expect(await statuses(OPEN, 20)).toEqual(Array(20).fill(200));
  });

  it.each([
    ['no usageIdentifierKey', 'none'],
    ['a key in no plan of the stage', 'UnknownKey0123456789abcdef'],
  ])('answers 403 Forbidden (INVALID_API_KEY) for %s', async (_, key) => {
    const r = await get(key);
    expect(r.status).toBe(403);
    expect(r.text).toBe('{"message":"Forbidden"}');
    expect(r.headers['x-amzn-errortype']).toBe('ForbiddenException');
  });

  it("ignores a caller's X-API-Key: the authorizer's key decides (apiKeySource AUTHORIZER)", async () => {
    clock += 3_600_000;
    const forged = () =>
      send(gw.origin, {
        path: '/test/items',
        headers: { authorization: 'Bearer none.1', 'x-api-key': OPEN },
      });
    expect((await forged()).status).toBe(403);
  });

  it('leaves routes no authorizer guards outside the plans', async () => {
    expect((await send(gw.origin, { path: '/test/public' })).status).toBe(200);
  });
});

describe('periodStart', () => {
  it.each([
    ['DAY', Date.UTC(2026, 11, 9, 23, 59), Date.UTC(2026, 11, 9)],
    ['WEEK', Date.UTC(2026, 11, 9, 12), Date.UTC(2026, 11, 6)],
    ['WEEK', Date.UTC(2026, 11, 6, 0), Date.UTC(2026, 11, 6)],
    ['MONTH', Date.UTC(2026, 11, 31, 23), Date.UTC(2026, 11, 1)],
    ['WEEK', Date.UTC(2027, 0, 2, 5), Date.UTC(2026, 11, 27)],
  ] as const)('%s period of %d starts at %d (UTC; weeks on Sunday)', (period, at, start) => {
    expect(periodStart(period, at)).toBe(start);
  });
});
