// `npm start -- --routes ... --upstream ...` end to end: the local stack's gateway, with the real TOKEN
// authorizer and result cache, in front of a real upstream HTTP server on 127.0.0.1: 401, 403, 200 with the
// request and the context headers forwarded, API Gateway's answers for undefined routes and a failing or
// slow upstream, and the exp check on a cached policy.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProtectedRoute } from '../../../core/authz/index.js';
import { CONTEXT_HEADERS } from '../../../core/contract.js';
import { isKeygateHeaderName } from '../../../local/gateway/http-integration.js';
import { createHttpIntegration } from '../../../local/gateway/index.js';
import { closeNow, listen } from '../../../local/listen.js';
import { type LocalStack, startLocalStack } from '../../../local/stack.js';
import { clientToken } from '../../support/client-token.js';
import { send } from './http.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const ROUTES: ProtectedRoute[] = [
  { method: 'GET', path: '/orders', scopes: ['orders/read'] },
  { method: 'GET', path: '/orders/{id}', scopes: ['orders/read'] },
  { method: 'POST', path: '/orders', scopes: ['orders/write'] },
  { method: 'GET', path: '/slow', scopes: ['orders/read'] },
  { method: 'GET', path: '/broken', scopes: ['orders/read'] },
];

let upstream: Server;
let upstreamUrl: string;
let seen: Seen[] = [];
let stack: LocalStack;
let clockMs = Date.now();
const tokens = { read: '', write: '', client: '' };

const tokenFor = (scopes: string[]) => clientToken(stack, scopes);

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      if (req.url === '/slow') return; // never answers
      if (req.url === '/broken') {
        req.socket.destroy();
        return;
      }
      res.writeHead(req.method === 'POST' ? 201 : 200, {
        'content-type': 'application/json',
        'x-upstream': 'yes',
      });
      res.end(JSON.stringify({ ok: true }));
    });
  });
  upstreamUrl = `http://127.0.0.1:${await listen(upstream, 0, '127.0.0.1')}`;
  stack = await startLocalStack({
    inMemory: true,
    ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    upstream: { url: upstreamUrl, routes: ROUTES, timeoutMs: 500 },
    clocks: { authorizer: () => clockMs },
  });
  tokens.read = await tokenFor(['orders/read']);
  tokens.write = await tokenFor(['orders/write']);
  tokens.client = JSON.parse(Buffer.from(tokens.read.split('.')[1]!, 'base64url').toString()).client_id;
}, 60_000);

afterAll(async () => {
  await stack?.close();
  if (upstream) await closeNow(upstream)();
});

beforeEach(() => {
  seen = [];
  clockMs = Date.now();
});

const call = (path: string, opts: Parameters<typeof send>[1] = {}) =>
  send(`${stack.apiUrl}${path}`, { ...opts, path: `${new URL(stack.apiUrl).pathname}${path}` });

describe('local gateway in front of an upstream server', () => {
  it('answers 401 without a token and never reaches the upstream', async () => {
    const r = await call('/orders');
    expect([r.status, r.text]).toEqual([401, '{"message":"Unauthorized"}']);
    expect(seen).toEqual([]);
  });

  it('answers 403 to a read token on a write route', async () => {
    const r = await call('/orders', { method: 'POST', headers: { authorization: `Bearer ${tokens.read}` } });
    expect(r.status).toBe(403);
    expect(seen).toEqual([]);
  });

  it('forwards method, path, query, headers and body with the authorizer context as X-Keygate-* headers', async () => {
    const r = await call('/orders/42?tag=a&tag=b%20c', {
      headers: {
        authorization: `Bearer ${tokens.read}`,
        'x-request-tag': 'abc',
        // A client-sent identity never reaches the upstream.
        'x-keygate-client-id': 'forged',
      },
    });
    expect([r.status, r.json(), r.headers['x-upstream']]).toEqual([200, { ok: true }, 'yes']);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/orders/42?tag=a&tag=b%20c', body: '' });
    expect(seen[0]!.headers).toMatchObject({
      'x-request-tag': 'abc',
      'x-keygate-client-id': tokens.client,
      'x-keygate-scope': 'orders/read',
      authorization: `Bearer ${tokens.read}`,
    });
  });

  // The defence for a backend that routes the path again (docs/security.md#paths): it learns the route the
  // authorizer judged from the gateway, never from the client.
  it.each([
    ['x-keygate-resource-path', '/orders'],
    ['X-Keygate_Resource_Path', '/orders'],
    ['x_keygate_resource_path', '/admin/{x}'],
  ])(
    'sends X-Keygate-Resource-Path = the matched template, dropping a client-sent %s',
    async (name, forged) => {
      const r = await call('/orders/42/', {
        headers: { authorization: `Bearer ${tokens.read}`, [name]: forged },
      });
      expect(r.status).toBe(200);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.url).toBe('/orders/42/');
      const names = Object.keys(seen[0]!.headers).filter(
        (h) => h.replaceAll('_', '-') === 'x-keygate-resource-path',
      );
      expect(names).toEqual(['x-keygate-resource-path']);
      expect(seen[0]!.headers['x-keygate-resource-path']).toBe('/orders/{id}');
    },
  );

  it('forwards a request body to the upstream and its status back', async () => {
    const r = await call('/orders', {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.write}`, 'content-type': 'application/json' },
      body: '{"item":"tea"}',
    });
    expect(r.status).toBe(201);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/orders', body: '{"item":"tea"}' });
    expect(seen[0]!.headers['x-keygate-scope']).toBe('orders/write');
  });

  it.each([
    ['an undefined path', 'GET', '/customers'],
    ['an undefined method', 'DELETE', '/orders'],
  ])('answers %s with 403 Missing Authentication Token, as API Gateway does', async (_name, method, path) => {
    const r = await call(path, { method, headers: { authorization: `Bearer ${tokens.read}` } });
    expect([r.status, r.text]).toEqual([403, '{"message":"Missing Authentication Token"}']);
    expect(seen).toEqual([]);
  });

  it('answers 504 Endpoint request timed out when the upstream outlives the integration timeout', async () => {
    const r = await call('/slow', { headers: { authorization: `Bearer ${tokens.read}` } });
    expect([r.status, r.text]).toEqual([504, '{"message": "Endpoint request timed out"}']);
  });

  it('answers 502 when the upstream drops the connection', async () => {
    const r = await call('/broken', { headers: { authorization: `Bearer ${tokens.read}` } });
    expect([r.status, r.text]).toEqual([502, '{"message": "Internal server error"}']);
  });

  it('publishes the route table’s scopes in the discovery metadata and gives them to the demo client', async () => {
    const meta = (await (await fetch(stack.discoveryUrl)).json()) as { scopes_supported: string[] };
    expect(meta.scopes_supported).toEqual(['orders/read', 'orders/write']);
    expect(stack.demoClient.scopes).toEqual(['orders/read', 'orders/write']);
  });

  it('refuses an expired token with 401 invalid_token even while its policy is cached', async () => {
    expect((await call('/orders', { headers: { authorization: `Bearer ${tokens.read}` } })).status).toBe(200);
    const exp = JSON.parse(Buffer.from(tokens.read.split('.')[1]!, 'base64url').toString()).exp as number;
    clockMs = exp * 1000;
    const before = stack.gateways.api.stats.authorizerCacheHits;
    const r = await call('/orders', { headers: { authorization: `Bearer ${tokens.read}` } });
    expect(stack.gateways.api.stats.authorizerCacheHits).toBe(before + 1);
    expect(r.status).toBe(401);
    expect(r.headers['x-amzn-remapped-www-authenticate']).toMatch(/error="invalid_token"/);
    expect(r.json()).toEqual({
      error: 'invalid_token',
      error_description: 'the access token expired',
    });
    expect(seen).toHaveLength(1);
  });
});

describe('HTTP integration', () => {
  it('prefixes the upstream URL’s base path and returns the answer as a base64 proxy result', async () => {
    const server = createServer((req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end(`${req.method} ${req.url}`);
    });
    const port = await listen(server, 0, '127.0.0.1');
    try {
      const integration = createHttpIntegration({ upstream: `http://127.0.0.1:${port}/api` });
      const event = {
        httpMethod: 'GET',
        path: '/orders/a%2Fb',
        multiValueHeaders: {},
        multiValueQueryStringParameters: { q: ['x y'] },
        body: null,
        isBase64Encoded: false,
        requestContext: { authorizer: null },
      };
      const result = (await integration(
        event,
        { getRemainingTimeInMillis: () => 1000 } as never,
        () => {},
      )) as {
        statusCode: number;
        body: string;
        isBase64Encoded: boolean;
        multiValueHeaders: Record<string, string[]>;
      };
      expect(result.statusCode).toBe(200);
      expect(result.isBase64Encoded).toBe(true);
      expect(Buffer.from(result.body, 'base64').toString()).toBe('GET /api/orders/a%2Fb?q=x%20y');
      expect(result.multiValueHeaders['set-cookie']).toEqual(['a=1', 'b=2']);
    } finally {
      await closeNow(server)();
    }
  });

  it('rejects when nothing listens on the upstream port (the gateway answers 502)', async () => {
    const closed = createServer();
    const port = await listen(closed, 0, '127.0.0.1');
    await closeNow(closed)();
    const integration = createHttpIntegration({ upstream: `http://127.0.0.1:${port}` });
    const event = {
      httpMethod: 'GET',
      path: '/x',
      multiValueHeaders: {},
      multiValueQueryStringParameters: null,
      body: null,
      isBase64Encoded: false,
      requestContext: { authorizer: null },
    };
    await expect(
      integration(
        event,
        { getRemainingTimeInMillis: () => 1000 } as never,
        () => undefined,
      ) as Promise<unknown>,
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('isKeygateHeaderName', () => {
  it.each([
    ...Object.keys(CONTEXT_HEADERS),
    'x-keygate-client-id',
    'X-Keygate_Client_Id',
    'X_KEYGATE_SCOPE',
    'x.keygate.scope',
    'XKeygateClientId',
    'X-Keygate-Resource-Path',
    'x-keygate-claim-tenant',
    'x--keygate--client-id',
    'X-Key-Gate-Client-Id',
  ])('counts %s as keygate’s (dropped when a client sends it)', (name) => {
    expect(isKeygateHeaderName(name)).toBe(true);
  });

  it.each(['x-keygat', 'x-custom-keygate-client-id', 'keygate-client-id', 'authorization'])(
    'leaves %s to the client',
    (name) => {
      expect(isKeygateHeaderName(name)).toBe(false);
    },
  );
});
