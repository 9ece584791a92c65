// The products resource handler: routing, validation, status codes and the caller echo.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createDeps, createHandler, loadConfig } from '../../../examples/products/handler.js';
import { createCatalog } from '../../../examples/products/index.js';
import { proxyEvent } from '../../support/events.js';

const READ_WRITE = { principalId: 'client-1', clientId: 'client-1', scope: 'products/read products/write' };

function event(
  httpMethod: string,
  resource: string,
  path: string,
  opts: {
    body?: string | null;
    headers?: Record<string, string>;
    pathParameters?: Record<string, string> | null;
    authorizer?: Record<string, unknown> | null;
    isBase64Encoded?: boolean;
  } = {},
): APIGatewayProxyEvent {
  return proxyEvent(path, {
    resource,
    httpMethod,
    headers: opts.headers ?? {},
    pathParameters: opts.pathParameters ?? null,
    body: opts.body ?? null,
    isBase64Encoded: opts.isBase64Encoded ?? false,
    requestContext: {
      resourcePath: resource,
      httpMethod,
      stage: 'prod',
      path: `/prod${path}`,
      requestId: 'req-1',
      // API Gateway hands context values to the backend as strings.
      authorizer:
        opts.authorizer === undefined
          ? { ...READ_WRITE, exp: '1900000000', integrationLatency: 3 }
          : opts.authorizer,
    } as unknown as APIGatewayProxyEvent['requestContext'],
  });
}

function handler(maxBodyBytes?: number) {
  const config = loadConfig(maxBodyBytes ? { MAX_BODY_BYTES: String(maxBodyBytes) } : {});
  return createHandler(
    createDeps(config, {
      logger: null,
      catalog: createCatalog({ now: () => Date.UTC(2025, 0, 1), newId: () => 'p-new' }),
    }),
  );
}

const body = (r: { body?: string }) => JSON.parse(r.body ?? 'null') as Record<string, unknown>;
const caller = { principalId: 'client-1', clientId: 'client-1', scope: 'products/read products/write' };

describe('products handler', () => {
  it('lists the catalog with the caller', async () => {
    const res = await handler()(event('GET', '/products', '/products'));
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('application/json; charset=utf-8');
    const b = body(res);
    expect(b.count).toBe(3);
    expect((b.items as { id: string }[]).map((p) => p.id)).toEqual(['p-1001', 'p-1002', 'p-1003']);
    expect(b.caller).toEqual(caller);
  });

  it('gets one product and answers 404 for an unknown id', async () => {
    const h = handler();
    const ok = await h(
      event('GET', '/products/{id}', '/products/p-1002', { pathParameters: { id: 'p-1002' } }),
    );
    expect(ok.statusCode).toBe(200);
    expect(body(ok)).toMatchObject({ product: { id: 'p-1002', price: 12.5 }, caller });
    const missing = await h(
      event('GET', '/products/{id}', '/products/nope', { pathParameters: { id: 'nope' } }),
    );
    expect(missing.statusCode).toBe(404);
    expect(body(missing)).toEqual({ message: 'product not found: nope' });
  });

  it('creates a product: 201 with Location, then serves it', async () => {
    const h = handler();
    const res = await h(
      event('POST', '/products', '/products', {
        body: JSON.stringify({ name: 'Widget', price: 9.99, tags: ['new'] }),
        headers: { 'Content-Type': 'application/json' },
      }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.headers?.location).toBe('/prod/products/p-new');
    expect(body(res)).toEqual({
      product: {
        id: 'p-new',
        name: 'Widget',
        price: 9.99,
        currency: 'USD',
        tags: ['new'],
        createdAt: '2025-01-01T00:00:00.000Z',
      },
      caller,
    });
    const got = await h(
      event('GET', '/products/{id}', '/products/p-new', { pathParameters: { id: 'p-new' } }),
    );
    expect(got.statusCode).toBe(200);
  });

  it('accepts a base64-encoded body', async () => {
    const res = await handler()(
      event('POST', '/products', '/products', {
        body: Buffer.from(JSON.stringify({ name: 'B64', price: 1 })).toString('base64'),
        isBase64Encoded: true,
      }),
    );
    expect(res.statusCode).toBe(201);
  });

  it.each([
    ['invalid JSON', '{"name":', 400, 'request body is not valid JSON'],
    ['an empty body', '', 400, 'request body must be a JSON object'],
    ['an array', '[]', 400, 'body must be a JSON object'],
    [
      'a negative price',
      '{"name":"x","price":-1}',
      400,
      'price must be a finite number from 0 to 1000000000',
    ],
    ['a missing name', '{"price":1}', 400, 'name must be a non-empty string'],
    ['an unknown field', '{"name":"x","price":1,"admin":true}', 400, 'unknown field(s): admin'],
  ])('answers %s with a clear 4xx', async (_label, raw, status, text) => {
    const res = await handler()(event('POST', '/products', '/products', { body: raw }));
    expect(res.statusCode).toBe(status);
    expect(body(res)).toEqual({ message: text });
  });

  it('answers 413 for a body over the limit and 415 for a non-JSON content type', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2000), price: 1 });
    const tooLarge = await handler(1024)(event('POST', '/products', '/products', { body: big }));
    expect(tooLarge.statusCode).toBe(413);
    expect(body(tooLarge)).toEqual({ message: 'request body must be at most 1024 bytes' });
    const wrongType = await handler()(
      event('POST', '/products', '/products', { body: 'name=x', headers: { 'content-type': 'text/plain' } }),
    );
    expect(wrongType.statusCode).toBe(415);
  });

  it('answers 404 for an unknown resource and 405 with Allow for an unknown method', async () => {
    const h = handler();
    const unknown = await h(event('GET', '/orders', '/orders'));
    expect(unknown.statusCode).toBe(404);
    expect(body(unknown)).toEqual({ message: 'no such resource' });
    const wrong = await h(event('DELETE', '/products', '/products'));
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers?.allow).toBe('GET, POST');
  });

  it('routes by path when the event has no resource template', async () => {
    const e = event('GET', '/products/{id}', '/products/p-1001');
    const res = await handler()({ ...e, resource: undefined as unknown as string, pathParameters: null });
    expect(res.statusCode).toBe(200);
    expect(body(res)).toMatchObject({ product: { id: 'p-1001' } });
  });

  it('refuses a caller whose scopes do not cover the route (defence in depth)', async () => {
    const h = handler();
    const readOnly = { principalId: 'c', clientId: 'c', scope: 'products/read', exp: '1900000000' };
    const post = await h(event('POST', '/products', '/products', { body: '{}', authorizer: readOnly }));
    expect(post.statusCode).toBe(403);
    expect(body(post)).toEqual({ message: 'this route needs scope products/write' });
  });

  describe('token expiry (a cached Allow can outlive exp)', () => {
    const EXP = 1_900_000_000;
    const at = (nowMs: number, leeway = 0) =>
      createHandler(
        createDeps(loadConfig({ CLOCK_LEEWAY_SECONDS: String(leeway) }), { logger: null, now: () => nowMs }),
      );
    const authorizer = { ...READ_WRITE, exp: String(EXP) };

    it.each([
      ['one second before exp', EXP * 1000 - 1000, 0, 200],
      ['one millisecond before exp', EXP * 1000 - 1, 0, 200],
      ['at exp', EXP * 1000, 0, 401],
      ['an hour after exp', EXP * 1000 + 3_600_000, 0, 401],
      ['inside the leeway after exp', EXP * 1000 + 4_999, 5, 200],
      ['at the end of the leeway', EXP * 1000 + 5_000, 5, 401],
    ])('%s: %i', async (_name, nowMs, leeway, status) => {
      const res = await at(nowMs, leeway)(event('GET', '/products', '/products', { authorizer }));
      expect(res.statusCode).toBe(status);
    });

    it('refuses a request with two Authorization headers with 400 invalid_request', async () => {
      const e = event('GET', '/products', '/products', { authorizer });
      const res = await at(EXP * 1000 - 1000)({
        ...e,
        multiValueHeaders: { Authorization: ['Bearer a.b.c', 'Bearer d.e.f'] },
      });
      expect(res.statusCode).toBe(400);
      expect(body(res)).toEqual({
        error: 'invalid_request',
        error_description: 'the request carries more than one Authorization header',
      });
    });

    it('answers an expired token with RFC 6750 invalid_token', async () => {
      const res = await at(EXP * 1000 + 1)(event('GET', '/products', '/products', { authorizer }));
      expect(res.statusCode).toBe(401);
      expect(body(res)).toEqual({ error: 'invalid_token', error_description: 'the access token expired' });
      expect(res.headers?.['www-authenticate']).toBe(
        'Bearer realm="keygate", error="invalid_token", error_description="the access token expired"',
      );
    });

    it.each([
      ['no authorizer context', null],
      ['a context without exp', READ_WRITE],
      ['a non-numeric exp', { ...READ_WRITE, exp: 'soon' }],
    ])('refuses %s with 401 invalid_token', async (_name, authorizer) => {
      const res = await handler()(event('GET', '/products', '/products', { authorizer }));
      expect(res.statusCode).toBe(401);
      expect(body(res)).toEqual({ error: 'invalid_token', error_description: 'no verified access token' });
    });
  });

  it("reads the caller from a native JWT authorizer's JSON-typed claims", async () => {
    const h = handler();
    const claims = { sub: 'c', client_id: 'c', scope: 'products/read', exp: 1900000000, aud: ['x'] };
    const list = await h(event('GET', '/products', '/products', { authorizer: { claims } }));
    expect(list.statusCode).toBe(200);
    expect(body(list).caller).toEqual({ principalId: 'c', clientId: 'c', scope: 'products/read' });
    const post = await h(event('POST', '/products', '/products', { body: '{}', authorizer: { claims } }));
    expect(post.statusCode).toBe(403);
  });

  it('never throws, even for a malformed event', async () => {
    const res = await handler()({} as APIGatewayProxyEvent);
    expect(res.statusCode).toBe(404);
  });
});
