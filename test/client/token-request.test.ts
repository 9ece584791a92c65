// One token request's retries and errors against a scripted token endpoint on 127.0.0.1: 429/503 wait as
// Retry-After says, other 5xx and network errors back off with jitter, OAuth errors are final and typed,
// discovery is read once, and private_key_jwt sends an assertion the issuer can verify (RFC 7523 §3).
import { createServer } from 'node:net';
import { generateKeyPair, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenSource, type TokenSourceOptions } from '../../client/index.js';
import { testServers } from '../support/test-servers.js';
import { errorAnswer, startTokenServer, type TokenServer, tokenAnswer } from '../support/token-server.js';

const servers = testServers();
let server: TokenServer;
let waits: number[];

beforeEach(async () => {
  waits = [];
  server = await startTokenServer(servers);
});
afterEach(() => servers.closeAll());

function source(extra: Partial<TokenSourceOptions> = {}) {
  return createTokenSource({
    tokenEndpoint: server.tokenEndpoint,
    clientId: 'kg_client',
    clientSecret: 'secret',
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    ...extra,
  });
}

describe('token request retries', () => {
  it.each([
    [429, 'slow_down'],
    [503, 'temporarily_unavailable'],
  ])('waits Retry-After (plus up to 20%% jitter) after a %i, then gets the token', async (status, error) => {
    server.script(errorAnswer(status, error, { 'retry-after': '2' }), tokenAnswer('token-1'));
    expect(await source().getToken()).toBe('token-1');
    expect(waits).toEqual([2000 * 1.1]);
    expect(server.requests).toHaveLength(2);
  });

  it('reads a Retry-After given as an HTTP-date', async () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    server.script(
      errorAnswer(503, 'temporarily_unavailable', { 'retry-after': 'Sun, 06 Dec 2026 12:00:03 GMT' }),
      tokenAnswer('token-1'),
    );
    expect(await source({ now: () => now }).getToken()).toBe('token-1');
    expect(waits).toEqual([3000 * 1.1]);
  });

  it('backs off with full jitter on a 5xx without Retry-After, and gives up after maxAttempts', async () => {
    server.script(errorAnswer(500, 'server_error'));
    const error = await source()
      .getToken()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'server_error', status: 500, retryable: true });
    // Caps 200, 400, 800 ms; random() = 0.5 picks half of each.
    expect(waits).toEqual([100, 200, 400]);
    expect(server.requests).toHaveLength(4);
  });

  it('fails at once when Retry-After is longer than maxRetryDelaySeconds', async () => {
    server.script(errorAnswer(429, 'slow_down', { 'retry-after': '120' }));
    const error = await source()
      .getToken()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'temporarily_unavailable', status: 429 });
    expect(waits).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('reports temporarily_unavailable after every attempt was throttled', async () => {
    server.script(errorAnswer(503, 'temporarily_unavailable', { 'retry-after': '1' }));
    const error = await source({ maxAttempts: 2 })
      .getToken()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'temporarily_unavailable', status: 503, retryable: true });
    expect(server.requests).toHaveLength(2);
  });

  it.each([
    [400, 'invalid_scope', 'invalid_scope'],
    [400, 'invalid_target', 'invalid_target'],
    [400, 'unauthorized_client', 'unauthorized_client'],
    [400, 'invalid_request', 'invalid_request'],
    [400, 'some_extension_error', 'oauth_error'],
  ])('never retries a %i %s: it becomes the typed error %s', async (status, oauthError, code) => {
    server.script(errorAnswer(status, oauthError));
    const error = await source()
      .getToken()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code, status, retryable: false, details: { status, oauthError } });
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('never retries invalid_client (401 with a Basic challenge)', async () => {
    server.script(errorAnswer(401, 'invalid_client', { 'www-authenticate': 'Basic realm="keygate"' }));
    const error = await source()
      .getToken()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_client', status: 401, retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('calls a 200 that is not a token response invalid_response', async () => {
    server.script({ status: 200, body: { hello: 'world' } });
    await expect(source().getToken()).rejects.toMatchObject({ code: 'invalid_response', status: 200 });
  });

  it('retries a refused connection, then reports network_error', async () => {
    const closed = createServer();
    const port = await servers.listen(closed, new Set());
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await source({ tokenEndpoint: `http://127.0.0.1:${port}/oauth2/token`, maxAttempts: 3 })
      .getToken()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'network_error', retryable: true });
    expect(waits).toEqual([100, 200]);
  });
});

describe('discovery', () => {
  it('reads the token endpoint from {issuer}/.well-known/openid-configuration once', async () => {
    server.script(tokenAnswer('token-1'), tokenAnswer('token-2'));
    const tokens = source({ tokenEndpoint: undefined, issuer: server.issuer });
    expect(await tokens.getToken()).toBe('token-1');
    tokens.invalidate();
    expect(await tokens.getToken()).toBe('token-2');
    expect(server.requests.map((r) => r.path)).toEqual(['/prod/oauth2/token', '/prod/oauth2/token']);
  });

  it('refuses a discovery document of another issuer', async () => {
    const other = await startTokenServer(servers);
    const tokens = source({ tokenEndpoint: undefined, issuer: `${other.issuer}/elsewhere` });
    await expect(tokens.getToken()).rejects.toMatchObject({ code: 'invalid_response' });
  });
});

describe('private_key_jwt', () => {
  it.each(['ES256', 'PS256', 'RS256', 'EdDSA'] as const)(
    'sends a %s client assertion the issuer verifies (RFC 7523 §3)',
    async (alg) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: false });
      await source({
        clientSecret: undefined,
        issuer: server.issuer,
        privateKey: { key: privateKey, kid: 'k1' },
      }).getToken();
      const form = server.requests[0]?.form;
      expect(form?.get('client_assertion_type')).toBe(
        'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      );
      expect(form?.get('client_id')).toBe('kg_client');
      expect(server.requests[0]?.authorization).toBeUndefined();
      const { payload, protectedHeader } = await jwtVerify(form?.get('client_assertion') ?? '', publicKey, {
        issuer: 'kg_client',
        subject: 'kg_client',
        audience: server.issuer,
      });
      expect(protectedHeader).toMatchObject({ kid: 'k1' });
      expect(typeof payload.jti).toBe('string');
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
    },
  );
});
