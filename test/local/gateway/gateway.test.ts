// The API Gateway emulator without an authorizer: routing, the payload 1.0 event, response mapping,
// malformed integration responses, limits and malformed HTTP, all over real HTTP on 127.0.0.1:0.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Gateway,
  GatewayError,
  type GatewayRoute,
  type LambdaFunction,
  startGateway,
} from '../../../local/gateway/index.js';
import { bodyOf, raw, send, statusOf } from './http.js';

const ROUTES: GatewayRoute[] = [
  { method: 'GET', path: '/items', handler: 'echo', scopes: [] },
  { method: 'POST', path: '/items', handler: 'echo', scopes: [] },
  { method: 'GET', path: '/items/{id}', handler: 'echo', scopes: [] },
  { method: 'GET', path: '/items/special', handler: 'echo', scopes: [] },
  { method: 'GET', path: '/files/{key+}', handler: 'echo', scopes: [] },
  { method: 'GET', path: '/respond', handler: 'respond', scopes: [] },
  { method: 'GET', path: '/slow', handler: 'slow', scopes: [] },
];

// The integration's response is chosen by the `case` query parameter.
const RESPONSES: Record<string, () => unknown> = {
  ok: () => ({ statusCode: 201, headers: { 'x-one': 'a', 'Content-Type': 'text/plain' }, body: 'hello' }),
  multi: () => ({
    statusCode: 200,
    headers: { 'x-single': 1 },
    multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
    body: '{}',
  }),
  binary: () => ({
    statusCode: 200,
    headers: { 'content-type': 'image/png' },
    body: Buffer.from([0, 1, 2, 255]).toString('base64'),
    isBase64Encoded: true,
  }),
  stringStatus: () => ({ statusCode: '202', body: '' }),
  noContentType: () => ({ statusCode: 200, body: '{"a":1}' }),
  remapped: () => ({
    statusCode: 401,
    headers: { 'WWW-Authenticate': 'Basic realm="x"', Server: 'me' },
    body: '',
  }),
  nullResult: () => null,
  stringResult: () => 'hello',
  arrayResult: () => [],
  noStatus: () => ({ body: 'x' }),
  badStatus: () => ({ statusCode: 99, body: 'x' }),
  objectBody: () => ({ statusCode: 200, body: { a: 1 } }),
  objectHeader: () => ({ statusCode: 200, headers: { a: { b: 1 } }, body: '' }),
  headerInjection: () => ({ statusCode: 200, headers: { 'x-a': 'a\r\nx-b: b' }, body: '' }),
  badMulti: () => ({ statusCode: 200, multiValueHeaders: { a: 'not-array' }, body: '' }),
  throws: () => {
    throw new Error('boom');
  },
};

const handlers: Record<string, LambdaFunction> = {
  echo: async (event: APIGatewayProxyEvent) => ({ statusCode: 200, body: JSON.stringify(event) }),
  respond: async (event: APIGatewayProxyEvent) => RESPONSES[event.queryStringParameters?.case ?? 'ok']!(),
  slow: () => new Promise((r) => setTimeout(() => r({ statusCode: 200, body: 'late' }), 2_000)),
};

/** The gateway's clock in this file: events carry it as the request time. */
const NOW_MS = Date.UTC(2026, 11, 1, 9, 5, 7, 123);

let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway({
    routes: ROUTES,
    handlers,
    stage: 'test',
    apiId: 'abcdef1234',
    now: () => NOW_MS,
    integrationTimeoutMs: 200,
    maxPayloadBytes: 64 * 1024,
  });
});
afterAll(() => gw.close());

const echo = async (path: string, init: Parameters<typeof send>[1] = {}) => {
  const r = await send(`${gw.origin}`, { ...init, path });
  expect(r.status).toBe(200);
  return r.json<APIGatewayProxyEvent>();
};

describe('routing', () => {
  it('serves the stage invoke URL', () => {
    expect(gw.url).toBe(`http://127.0.0.1:${gw.port}/test`);
  });

  it.each(['/test/nope', '/test', '/test/', '/items', '/other/items', '/'])(
    'answers the unknown path %s with 403 Missing Authentication Token',
    async (path) => {
      const r = await send(gw.origin, { path });
      expect(r.status).toBe(403);
      expect(r.text).toBe('{"message":"Missing Authentication Token"}');
      expect(r.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
      expect(r.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it.each(['DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'])(
    'answers %s on a known path without that method the same way',
    async (method) => {
      const r = await send(gw.origin, { method, path: '/test/items' });
      expect(r.status).toBe(403);
    },
  );

  it('fills path parameters, prefers literal resources and matches greedy ones', async () => {
    const one = await echo('/test/items/42');
    expect(one.resource).toBe('/items/{id}');
    expect(one.pathParameters).toEqual({ id: '42' });
    const lit = await echo('/test/items/special');
    expect(lit.resource).toBe('/items/special');
    expect(lit.pathParameters).toBeNull();
    const greedy = await echo('/test/files/a/b/c.txt');
    expect(greedy.resource).toBe('/files/{key+}');
    expect(greedy.pathParameters).toEqual({ key: 'a/b/c.txt' });
  });

  // REST APIs keep the escapes in `pathParameters` too (aws/aws-sam-cli#3524: `my-id%2F100`).
  it('keeps path parameters and the path percent-encoded, an encoded slash inside one segment', async () => {
    const ev = await echo('/test/items/a%2Fb%20c');
    expect(ev.pathParameters).toEqual({ id: 'a%2Fb%20c' });
    expect(ev.path).toBe('/items/a%2Fb%20c');
    expect(ev.requestContext.path).toBe('/test/items/a%2Fb%20c');
  });

  it('tolerates one trailing slash', async () => {
    expect((await echo('/test/items/')).resource).toBe('/items');
  });

  it.each(['/test/items/..', '/test/items/../items', '/test/items/.', '/test//items', '/test/../test/items'])(
    'refuses %s (traversal, empty segment) without resolving it',
    async (path) => {
      const r = await send(gw.origin, { path });
      expect(r.status).toBe(403);
      expect(r.text).toBe('{"message":"Missing Authentication Token"}');
    },
  );

  it.each(['/test/items/%2e%2e', '/test/items/%E0%A4%A', '/test/%69tems'])(
    'answers 400 to %s (an escape with two readings, or a broken one)',
    async (path) => {
      const r = await send(gw.origin, { path });
      expect([r.status, r.text]).toEqual([400, '{"message":"Bad Request"}']);
    },
  );

  it('accepts an absolute-form request target', async () => {
    const reply = await raw(
      gw.port,
      `GET http://localhost/test/items HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
    );
    expect(statusOf(reply)).toBe(200);
  });
});

describe('proxy event (payload 1.0)', () => {
  it('carries headers, multi-value headers, query strings and the request context', async () => {
    const ev = await echo('/test/items?a=1&b=x%20y&a=2&flag', {
      headers: { 'X-Custom': ['one', 'two'], 'User-Agent': 'tester/1' },
    });
    expect(ev.httpMethod).toBe('GET');
    expect(ev.resource).toBe('/items');
    expect(ev.path).toBe('/items');
    expect(ev.headers['X-Custom']).toBe('two');
    expect(ev.multiValueHeaders['X-Custom']).toEqual(['one', 'two']);
    expect(ev.headers['X-Forwarded-For']).toBe('127.0.0.1');
    expect(ev.headers['X-Forwarded-Proto']).toBe('http');
    expect(ev.headers['X-Forwarded-Port']).toBe(String(gw.port));
    expect(ev.headers['X-Amzn-Trace-Id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(ev.queryStringParameters).toEqual({ a: '2', b: 'x y', flag: '' });
    expect(ev.multiValueQueryStringParameters).toEqual({ a: ['1', '2'], b: ['x y'], flag: [''] });
    expect(ev.pathParameters).toBeNull();
    expect(ev.stageVariables).toBeNull();
    expect(ev.body).toBeNull();
    expect(ev.isBase64Encoded).toBe(false);
    const rc = ev.requestContext;
    expect(rc.resourcePath).toBe('/items');
    expect(rc.httpMethod).toBe('GET');
    expect(rc.stage).toBe('test');
    expect(rc.apiId).toBe('abcdef1234');
    expect(rc.accountId).toBe('123456789012');
    expect(rc.protocol).toBe('HTTP/1.1');
    expect(rc.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(rc.extendedRequestId).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(rc.identity.sourceIp).toBe('127.0.0.1');
    expect(rc.identity.userAgent).toBe('tester/1');
    expect(rc.requestTimeEpoch).toBe(NOW_MS);
    expect(rc.requestTime).toBe('01/Dec/2026:09:05:07 +0000');
    expect(rc.authorizer).toBeNull();
  });

  it('passes text bodies as UTF-8 and binary bodies base64-encoded', async () => {
    const text = await echo('/test/items', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"name":"déjà"}',
    });
    expect(text.body).toBe('{"name":"déjà"}');
    expect(text.isBase64Encoded).toBe(false);
    const form = await echo('/test/items', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=b',
    });
    expect(form.isBase64Encoded).toBe(false);
    const bin = Buffer.from([0xff, 0x00, 0x10, 0x80]);
    const b = await echo('/test/items', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bin,
    });
    expect(b.isBase64Encoded).toBe(true);
    expect(Buffer.from(b.body!, 'base64')).toEqual(bin);
  });
});

describe('integration response mapping', () => {
  const call = (c: string) => send(gw.origin, { path: `/test/respond?case=${c}` });

  it('maps status, headers and body, and adds the request id headers', async () => {
    const r = await call('ok');
    expect(r.status).toBe(201);
    expect(r.text).toBe('hello');
    expect(r.headers['x-one']).toBe('a');
    expect(r.headers['content-type']).toBe('text/plain');
    expect(r.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers['x-amz-apigw-id']).toMatch(/^[A-Za-z0-9]{16}$/);
  });

  it('maps multi-value headers, base64 bodies, string status codes and a default JSON content type', async () => {
    const m = await call('multi');
    expect(m.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(m.headers['x-single']).toBe('1');
    const b = await send(gw.origin, { path: '/test/respond?case=binary' });
    expect(b.headers['content-type']).toBe('image/png');
    expect(b.headers['content-length']).toBe('4');
    expect((await call('stringStatus')).status).toBe(202);
    expect((await call('noContentType')).headers['content-type']).toBe('application/json');
  });

  it('remaps headers a REST API integration may not set (WWW-Authenticate, Server)', async () => {
    const r = await call('remapped');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBeUndefined();
    expect(r.headers['x-amzn-remapped-www-authenticate']).toBe('Basic realm="x"');
    expect(r.headers['x-amzn-remapped-server']).toBe('me');
  });

  it.each([
    'nullResult',
    'stringResult',
    'arrayResult',
    'noStatus',
    'badStatus',
    'objectBody',
    'objectHeader',
    'headerInjection',
    'badMulti',
    'throws',
  ])('answers a malformed integration response (%s) with 502 Internal server error', async (c) => {
    const r = await call(c);
    expect(r.status).toBe(502);
    expect(r.text).toBe('{"message": "Internal server error"}');
    expect(r.headers['x-amzn-errortype']).toBe('InternalServerErrorException');
    expect(r.headers['x-a']).toBeUndefined();
  });

  it('answers 504 Endpoint request timed out when the integration outlives the timeout', async () => {
    const r = await send(gw.origin, { path: '/test/slow' });
    expect(r.status).toBe(504);
    expect(r.text).toBe('{"message": "Endpoint request timed out"}');
  });
});

describe('limits and malformed HTTP', () => {
  it('rejects a body over the payload cap with 413 (declared and streamed)', async () => {
    const declared = await raw(
      gw.port,
      `POST /test/items HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${64 * 1024 + 1}\r\n\r\n`,
    );
    expect(statusOf(declared)).toBe(413);
    expect(bodyOf(declared)).toBe('{"message":"Request Too Long"}');
    const chunk = Buffer.alloc(40 * 1024, 'a').toString();
    const chunked = await raw(
      gw.port,
      `POST /test/items HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `${(40 * 1024).toString(16)}\r\n${chunk}\r\n${(40 * 1024).toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
    );
    expect(statusOf(chunked)).toBe(413);
  });

  it('answers 431 for oversized headers, 400 for an invalid method or request line, and keeps serving', async () => {
    const big = await raw(
      gw.port,
      `GET /test/items HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(12_000)}\r\n\r\n`,
    );
    expect(statusOf(big)).toBe(431);
    expect(bodyOf(big)).toBe('{"message":"Request Header Fields Too Large"}');
    const bad = await raw(gw.port, 'FROB /test/items HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(statusOf(bad)).toBe(400);
    expect(bodyOf(bad)).toBe('{"message":"Bad Request"}');
    const garbage = await raw(gw.port, '\x00\x01\x02 nonsense\r\n\r\n');
    expect(statusOf(garbage)).toBe(400);
    const connect = await raw(gw.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(statusOf(connect)).toBe(403);
    expect((await send(gw.origin, { path: '/test/items' })).status).toBe(200);
  });

  it('answers 414 when the method ARN would exceed 1600 bytes', async () => {
    const r = await send(gw.origin, { path: `/test/items/${'x'.repeat(1600)}` });
    expect(r.status).toBe(414);
  });

  it('survives a client that disconnects mid-body', async () => {
    await raw(gw.port, 'POST /test/items HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nabc', 100);
    expect((await send(gw.origin, { path: '/test/items' })).status).toBe(200);
  });
});

describe('admin endpoints and configuration', () => {
  it('serves health and stats outside the stage', async () => {
    const h = await send(gw.origin, { path: '/_keygate/health' });
    expect(h.json()).toEqual({ status: 'ok', stage: 'test' });
    const s = await send(gw.origin, { path: '/_keygate/stats' });
    expect(s.json<{ requests: number }>().requests).toBeGreaterThan(0);
    expect((await send(gw.origin, { path: '/_keygate/nope' })).status).toBe(404);
  });

  it('rejects invalid configuration with a typed error', async () => {
    await expect(startGateway({ routes: ROUTES, handlers: {} })).rejects.toMatchObject({
      code: 'gateway_config',
    });
    await expect(startGateway({ routes: [], handlers, stage: 'bad/stage' })).rejects.toBeInstanceOf(
      GatewayError,
    );
    await expect(
      startGateway({
        routes: [],
        handlers,
        authorizer: { handler: async () => ({}), resultsCacheTtlSeconds: 3601 },
      }),
    ).rejects.toMatchObject({ code: 'gateway_config' });
  });

  it('reports a port in use as port_in_use', async () => {
    await expect(startGateway({ routes: [], handlers, port: gw.port })).rejects.toMatchObject({
      code: 'port_in_use',
      address: { port: gw.port },
    });
  });
});
