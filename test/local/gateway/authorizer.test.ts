// The emulator's TOKEN authorizer step, row by row from docs/design.md#token-authorizer, plus the result cache: one invocation per
// token within the TTL, re-evaluation of the cached policy per method ARN, errors and 401s never cached.
import type { APIGatewayProxyEvent, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Gateway,
  type GatewayRoute,
  type LambdaFunction,
  startGateway,
} from '../../../local/gateway/index.js';
import { send } from './http.js';

const ROUTES: GatewayRoute[] = [
  { method: 'GET', path: '/products', handler: 'echo', scopes: ['products/read'] },
  { method: 'GET', path: '/products/{id}', handler: 'echo', scopes: ['products/read'] },
  { method: 'POST', path: '/products', handler: 'echo', scopes: ['products/write'] },
  { method: 'GET', path: '/public', handler: 'echo', scopes: [] },
];

const ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/test';
const allow = (...resources: string[]) => ({
  Version: '2012-10-17',
  Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resources }],
});

const seen: APIGatewayTokenAuthorizerEvent[] = [];
// The toy authorizer's answer is chosen by the token text.
const authorizer: LambdaFunction = async (event: APIGatewayTokenAuthorizerEvent) => {
  seen.push(event);
  const token = event.authorizationToken.slice('Bearer '.length);
  const [kind] = token.split('.');
  switch (kind) {
    case 'read':
      return {
        principalId: 'client-1',
        policyDocument: allow(`${ARN}/GET/products`, `${ARN}/GET/products/*`),
        context: { scope: 'products/read', n: 123, ok: true, nothing: null },
      };
    case 'deny':
      return {
        principalId: 'client-1',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${ARN}/*` },
            { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: `${ARN}/GET/products` },
          ],
        },
      };
    case 'unauthorized':
      throw new Error('Unauthorized');
    case 'unauthorizedString':
      return Promise.reject('Unauthorized');
    case 'boom':
      throw new Error('boom');
    case 'noPrincipal':
      return { policyDocument: allow(`${ARN}/*`) };
    case 'noPolicy':
      return { principalId: 'x' };
    case 'badStatement':
      return {
        principalId: 'x',
        policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Maybe' }] },
      };
    case 'ctxObject':
      return { principalId: 'x', policyDocument: allow(`${ARN}/*`), context: { nested: { a: 1 } } };
    case 'ctxArray':
      return { principalId: 'x', policyDocument: allow(`${ARN}/*`), context: { list: [1] } };
    case 'slow':
      return new Promise((r) =>
        setTimeout(() => r({ principalId: 'x', policyDocument: allow(`${ARN}/*`) }), 1_000),
      );
    default:
      return { principalId: 'x', policyDocument: allow(`${ARN}/GET/public`) };
  }
};

const echo: LambdaFunction = async (event: APIGatewayProxyEvent) => ({
  statusCode: 200,
  body: JSON.stringify(event.requestContext.authorizer),
});

let clock = 1_000_000;
let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway({
    routes: ROUTES,
    handlers: { echo },
    stage: 'test',
    apiId: 'abcdef1234',
    authorizer: { handler: authorizer, resultsCacheTtlSeconds: 300, timeoutMs: 200 },
    responseHeaders: {
      UNAUTHORIZED: { 'WWW-Authenticate': 'Bearer' },
      ACCESS_DENIED: { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' },
    },
    now: () => clock,
  });
});
afterAll(() => gw.close());
beforeEach(() => {
  gw.flushAuthorizerCache();
  seen.length = 0;
});

let n = 0;
/** A fresh token of `kind` (unique, so no test sees another's cache entry). */
const token = (kind: string) => `${kind}.${++n}`;
const call = (method: string, path: string, authorization?: string) =>
  send(gw.origin, {
    method,
    path: `/test${path}`,
    headers: authorization ? { Authorization: authorization } : {},
  });

describe('TOKEN authorizer rows', () => {
  it('missing identity header: 401 without invoking the authorizer', async () => {
    const r = await call('GET', '/products');
    expect(r.status).toBe(401);
    expect(r.text).toBe('{"message":"Unauthorized"}');
    expect(r.headers['x-amzn-errortype']).toBe('UnauthorizedException');
    expect(r.headers['www-authenticate']).toBe('Bearer');
    expect(seen).toHaveLength(0);
  });

  it.each(['Basic abc', 'Bearer', 'Bearer ', 'bearer abc', 'Bearer a b', 'Bearer ab=c', 'Bearer é'])(
    'validation expression mismatch (%j): 401 without invoking the authorizer',
    async (value) => {
      const r = await call('GET', '/products', value);
      expect(r.status).toBe(401);
      expect(seen).toHaveLength(0);
    },
  );

  it('passes the whole header value and the method ARN of this request', async () => {
    const t = `Bearer ${token('read')}`;
    expect((await call('GET', '/products/42', t)).status).toBe(200);
    expect(seen).toEqual([{ type: 'TOKEN', authorizationToken: t, methodArn: `${ARN}/GET/products/42` }]);
  });

  it('two identity headers: 400 without invoking the authorizer or the integration', async () => {
    const before = gw.stats.integrationInvocations;
    const r = await send(gw.origin, {
      path: '/test/products',
      headers: { Authorization: [`Bearer ${token('read')}`, `Bearer ${token('deny')}`] },
    });
    expect(r.status).toBe(400);
    expect(r.text).toBe('{"message":"Bad Request"}');
    expect(seen).toHaveLength(0);
    expect(gw.stats.integrationInvocations).toBe(before);
  });

  it('routes without scopes are not guarded', async () => {
    expect((await call('GET', '/public')).status).toBe(200);
    expect(seen).toHaveLength(0);
  });

  it('allow: the backend sees principalId, integrationLatency and the context stringified', async () => {
    const r = await call('GET', '/products', `Bearer ${token('read')}`);
    expect(r.status).toBe(200);
    const ctx = r.json<Record<string, unknown>>();
    expect(ctx).toEqual({
      principalId: 'client-1',
      integrationLatency: expect.any(Number),
      scope: 'products/read',
      n: '123',
      ok: 'true',
    });
  });

  it.each(['unauthorized', 'unauthorizedString'])(
    'authorizer fails with Unauthorized (%s): 401',
    async (kind) => {
      const r = await call('GET', '/products', `Bearer ${token(kind)}`);
      expect(r.status).toBe(401);
      expect(r.text).toBe('{"message":"Unauthorized"}');
      expect(r.headers['x-amzn-errortype']).toBe('UnauthorizedException');
    },
  );

  it('explicit Deny: 403 with the explicit-deny text', async () => {
    const r = await call('GET', '/products', `Bearer ${token('deny')}`);
    expect(r.status).toBe(403);
    expect(r.text).toBe('{"Message":"User is not authorized to access this resource with an explicit deny"}');
    expect(r.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(r.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"');
  });

  it('no matching Allow: 403 with the implicit-deny text', async () => {
    const r = await call('GET', '/products', `Bearer ${token('other')}`);
    expect(r.status).toBe(403);
    expect(r.text).toBe('{"Message":"User is not authorized to access this resource"}');
    expect(r.headers['x-amzn-errortype']).toBe('AccessDeniedException');
  });

  it.each(['boom', 'noPrincipal', 'noPolicy', 'badStatement', 'ctxObject', 'ctxArray', 'slow'])(
    'other error, malformed output or timeout (%s): 500 AuthorizerConfigurationException',
    async (kind) => {
      const r = await call('GET', '/products', `Bearer ${token(kind)}`);
      expect(r.status).toBe(500);
      expect(r.text).toBe('{"message": null}');
      expect(r.headers['x-amzn-errortype']).toBe('AuthorizerConfigurationException');
    },
  );
});

describe('result cache', () => {
  it('invokes the authorizer once for N calls with one token within the TTL, and again after it', async () => {
    const t = `Bearer ${token('read')}`;
    for (let i = 0; i < 5; i++) expect((await call('GET', '/products', t)).status).toBe(200);
    expect(seen).toHaveLength(1);
    const cached = (await call('GET', '/products/7', t)).json<{ integrationLatency: number }>();
    expect(cached.integrationLatency).toBe(0);
    clock += 299_000;
    expect((await call('GET', '/products', t)).status).toBe(200);
    expect(seen).toHaveLength(1);
    clock += 2_000;
    expect((await call('GET', '/products', t)).status).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it('re-evaluates a cached policy per method ARN: allowed for GET, still refused on POST', async () => {
    const t = `Bearer ${token('read')}`;
    expect((await call('GET', '/products', t)).status).toBe(200);
    const post = await call('POST', '/products', t);
    expect(post.status).toBe(403);
    expect(post.text).toBe('{"Message":"User is not authorized to access this resource"}');
    expect(seen).toHaveLength(1);
  });

  it('caches Deny results too', async () => {
    const d = `Bearer ${token('deny')}`;
    await call('GET', '/products', d);
    await call('GET', '/products', d);
    expect(seen).toHaveLength(1);
  });

  it.each(['unauthorized', 'boom', 'ctxObject'])('never caches a %s result', async (kind) => {
    const t = `Bearer ${token(kind)}`;
    await call('GET', '/products', t);
    await call('GET', '/products', t);
    expect(seen).toHaveLength(2);
  });

  it('flushAuthorizerCache() and DELETE /_keygate/authorizer-cache drop cached results', async () => {
    const t = `Bearer ${token('read')}`;
    await call('GET', '/products', t);
    expect(gw.flushAuthorizerCache()).toBe(1);
    await call('GET', '/products', t);
    expect(seen).toHaveLength(2);
    const flushed = await send(gw.origin, { method: 'DELETE', path: '/_keygate/authorizer-cache' });
    expect(flushed.json()).toEqual({ flushed: 1 });
    await call('GET', '/products', t);
    expect(seen).toHaveLength(3);
    expect(gw.stats.authorizerInvocations).toBeGreaterThanOrEqual(3);
  });

  it('TTL 0 disables caching; the cache is bounded', async () => {
    const off = await startGateway({
      routes: ROUTES,
      handlers: { echo },
      stage: 'test',
      apiId: 'abcdef1234',
      authorizer: { handler: authorizer, resultsCacheTtlSeconds: 0 },
    });
    const small = await startGateway({
      routes: ROUTES,
      handlers: { echo },
      stage: 'test',
      apiId: 'abcdef1234',
      authorizer: { handler: authorizer, cacheMaxEntries: 2 },
    });
    try {
      const t = `Bearer ${token('read')}`;
      await send(off.origin, { path: '/test/products', headers: { Authorization: t } });
      await send(off.origin, { path: '/test/products', headers: { Authorization: t } });
      expect(off.stats.authorizerInvocations).toBe(2);
      for (let i = 0; i < 4; i++) {
        await send(small.origin, {
          path: '/test/products',
          headers: { Authorization: `Bearer ${token('read')}` },
        });
      }
      expect(small.stats.authorizerCacheSize).toBe(2);
    } finally {
      await Promise.all([off.close(), small.close()]);
    }
  });
});
