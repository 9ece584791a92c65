// GET /.well-known/jwks.json through the Lambda handler with the real SDK against the KMS emulator:
// exact responses, conditional GET, 503 on KMS trouble, config; jose fetches the served set over HTTP.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config.js';
import { createKmsSigner, createTokenMinter } from '../../core/issuer/index.js';
import { TEST_AUDIENCE, TEST_ISSUER } from '../../fixtures/tokens.js';
import { createDeps, createHandler, loadConfig } from '../../handlers/jwks.js';
import type { KmsEmulator } from '../../local/kms/index.js';
import { proxyEvent } from '../support/events.js';
import { startTestKms, type TestKms } from '../support/kms.js';

let testKms: TestKms;
let emu: KmsEmulator;
let kms: KMSClient;
let keyId: string;

beforeAll(async () => {
  testKms = await startTestKms({ alias: 'alias/jwks' });
  ({ emu, kms, keyId } = testKms);
});

afterAll(() => testKms.close());

afterEach(() => testKms.reset());

const logs: unknown[][] = [];
const logger = {
  warn: (...a: unknown[]) => logs.push(['warn', ...a]),
  error: (...a: unknown[]) => logs.push(['error', ...a]),
};

const event = (overrides: Partial<APIGatewayProxyEvent> = {}) =>
  proxyEvent('/.well-known/jwks.json', overrides);

const handlerFor = (env: Record<string, string>) =>
  createHandler(createDeps(loadConfig(env), { kms, logger }));

describe('jwks handler', () => {
  it('serves the key set with Cache-Control and a strong ETag', async () => {
    const handler = handlerFor({ SIGNING_KEY_ID: 'alias/jwks' });
    const res = await handler(event());
    expect(res.statusCode).toBe(200);
    const etag = res.headers?.ETag as string;
    expect(res.headers).toEqual({
      'Content-Type': 'application/json',
      'Cache-Control': 'public, max-age=300',
      ETag: etag,
    });
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    const body = JSON.parse(res.body);
    expect(Object.keys(body)).toEqual(['keys']);
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toMatchObject({ kty: 'RSA', e: 'AQAB', use: 'sig', alg: 'RS256' });
  });

  it.each([
    ['exact', (etag: string) => etag],
    ['weak', (etag: string) => `W/${etag}`],
    ['in a list', (etag: string) => `"other", ${etag}`],
    ['*', () => '*'],
  ])('answers 304 with no body when If-None-Match matches (%s)', async (_name, ifNoneMatch) => {
    const handler = handlerFor({ SIGNING_KEY_ID: keyId, JWKS_MAX_AGE_SECONDS: '60' });
    const etag = (await handler(event())).headers?.ETag as string;
    const res = await handler(event({ headers: { 'If-None-Match': ifNoneMatch(etag) } }));
    expect(res).toEqual({
      statusCode: 304,
      headers: { 'Cache-Control': 'public, max-age=60', ETag: etag },
      body: '',
    });
  });

  it('matches If-None-Match across repeated headers and answers 200 to a stale tag', async () => {
    const handler = handlerFor({ SIGNING_KEY_ID: keyId, JWKS_MAX_AGE_SECONDS: '60' });
    const etag = (await handler(event())).headers?.ETag as string;
    const multi = await handler(
      event({ headers: { 'if-none-match': '"x"' }, multiValueHeaders: { 'if-none-match': ['"x"', etag] } }),
    );
    expect(multi.statusCode).toBe(304);
    const miss = await handler(event({ headers: { 'if-none-match': '"stale"' } }));
    expect(miss.statusCode).toBe(200);
  });

  it('answers HEAD without a body and other methods with 405 + Allow', async () => {
    const handler = handlerFor({ SIGNING_KEY_ID: keyId });
    const head = await handler(event({ httpMethod: 'HEAD' }));
    expect([head.statusCode, head.body]).toEqual([200, '']);
    const post = await handler(event({ httpMethod: 'POST' }));
    expect(post).toEqual({
      statusCode: 405,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Allow: 'GET, HEAD' },
      body: '{"error":"invalid_request","error_description":"method not allowed"}',
    });
  });

  it('answers 503 temporarily_unavailable with Retry-After when KMS fails, then recovers', async () => {
    emu.faults.failAll = true;
    logs.length = 0;
    const handler = handlerFor({ SIGNING_KEY_ID: keyId });
    const res = await handler(event());
    expect(res).toEqual({
      statusCode: 503,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Retry-After': '5' },
      body: '{"error":"temporarily_unavailable","error_description":"the key set is temporarily unavailable"}',
    });
    expect(logs).toEqual([
      [
        'error',
        'jwks unavailable',
        { errorCode: 'dependency_unavailable', cause: 'KMSInternalException', requestId: 'req-1' },
      ],
    ]);
    emu.faults.failAll = false;
    expect((await handler(event())).statusCode).toBe(200);
  });

  it('answers Retry-After 1 when KMS throttles', async () => {
    emu.faults.throttleEveryN = 1;
    const res = await handlerFor({ SIGNING_KEY_ID: keyId })(event());
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['Retry-After']).toBe('1');
  });

  it('answers 500 server_error (no stack) when no configured key exists', async () => {
    const res = await handlerFor({ SIGNING_KEY_ID: 'alias/missing' })(event());
    expect(res).toEqual({
      statusCode: 500,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
      body: '{"error":"server_error","error_description":"the key set cannot be served"}',
    });
  });

  it('publishes SIGNING_KEY_ID plus PUBLISHED_KEY_IDS, deduplicated', async () => {
    const second = await emu.createKey();
    const res = await handlerFor({ SIGNING_KEY_ID: keyId, PUBLISHED_KEY_IDS: `alias/jwks, ${second.arn}` })(
      event(),
    );
    expect(JSON.parse(res.body).keys).toHaveLength(2);
    expect(loadConfig({ PUBLISHED_KEY_IDS: 'a b,a' }).keyIds).toEqual(['a', 'b']);
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({ SIGNING_KEY_ID: 'k', JWKS_MAX_AGE_SECONDS: '-1' })).toThrow(
      'JWKS_MAX_AGE_SECONDS',
    );
  });

  it('jose verifies a KMS-signed token against the set served over HTTP', async () => {
    const handler = handlerFor({ SIGNING_KEY_ID: 'alias/jwks' });
    const server = createServer(async (req, res) => {
      const out = await handler(event({ headers: req.headers as Record<string, string> }));
      res.writeHead(out.statusCode, out.headers as Record<string, string>).end(out.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const signer = createKmsSigner({ kms, keyId: 'alias/jwks' });
      const minter = createTokenMinter({ signer, issuer: TEST_ISSUER, audience: TEST_AUDIENCE });
      const { accessToken } = await minter.mint({
        clientId: 'svc',
        scopes: ['products/read'],
        lifetimeSeconds: 60,
      });
      const jwks = createRemoteJWKSet(
        new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`),
      );
      const { payload } = await jwtVerify(accessToken, jwks, {
        issuer: TEST_ISSUER,
        audience: TEST_AUDIENCE,
        typ: 'at+jwt',
      });
      expect(payload.sub).toBe('svc');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
