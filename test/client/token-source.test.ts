// The token source's cache against a scripted token endpoint on 127.0.0.1, on a fake clock: one request for
// many callers, refresh ahead of expiry in the background, no token handed out past exp minus the skew, and
// the fetch wrapper's one forced refresh after a 401.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenSource, TokenSourceError, type TokenSourceOptions } from '../../client/index.js';
import { testServers } from '../support/test-servers.js';
import { errorAnswer, startTokenServer, type TokenServer, tokenAnswer } from '../support/token-server.js';

const servers = testServers();
let server: TokenServer;
let clock: number;
const T0 = 1_800_000_000_000;

beforeEach(async () => {
  clock = T0;
  server = await startTokenServer(servers);
});
afterEach(() => servers.closeAll());

function source(extra: Partial<TokenSourceOptions> = {}) {
  return createTokenSource({
    tokenEndpoint: server.tokenEndpoint,
    clientId: 'kg_client',
    clientSecret: 'secret',
    now: () => clock,
    sleep: async () => {},
    random: () => 0.5,
    ...extra,
  });
}

describe('createTokenSource', () => {
  it('makes no request until a token is asked for', async () => {
    source();
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.requests).toHaveLength(0);
  });

  it('serves the cached token without asking again while it is fresh', async () => {
    const tokens = source();
    expect(await tokens.getToken()).toBe('token-1');
    clock += 3000 * 1000;
    expect(await tokens.getToken()).toBe('token-1');
    expect(server.requests).toHaveLength(1);
  });

  it('sends 1,000 concurrent callers of a cold source on exactly one token request', async () => {
    const tokens = source();
    const got = await Promise.all(Array.from({ length: 1000 }, () => tokens.getToken()));
    expect(new Set(got)).toEqual(new Set(['token-1']));
    expect(server.requests).toHaveLength(1);
  });

  it('asks with client_secret_basic, grant_type=client_credentials and the scope', async () => {
    await source({ scope: ['orders/read', 'orders/write'] }).getToken();
    const [request] = server.requests;
    // RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined by ":" and base64-encoded.
    const basic = Buffer.from(request?.authorization?.replace(/^Basic /, '') ?? '', 'base64').toString(
      'utf8',
    );
    expect(basic.split(':').map((part) => decodeURIComponent(part))).toEqual(['kg_client', 'secret']);
    expect(request?.form.get('grant_type')).toBe('client_credentials');
    expect(request?.form.get('scope')).toBe('orders/read orders/write');
    expect(request?.form.has('client_secret')).toBe(false);
  });

  it('refreshes in the background from refreshAt, handing out the cached token meanwhile', async () => {
    // expires_in 3600, skew 30 s, lead 60 s: usable until T0+3570 s, refresh from T0+3510 s.
    server.script(tokenAnswer('token-1'), tokenAnswer('token-2'));
    const tokens = source();
    await tokens.getToken();
    clock = T0 + 3509_999;
    expect(await tokens.getToken()).toBe('token-1');
    expect(server.requests).toHaveLength(1);
    clock = T0 + 3510_000;
    expect(await tokens.getToken()).toBe('token-1');
    expect(await tokens.getToken()).toBe('token-1');
    await expect.poll(() => server.requests.length).toBe(2);
    await expect.poll(() => tokens.getToken()).toBe('token-2');
    expect(server.requests).toHaveLength(2);
  });

  it('never hands out a token past exp minus the skew: the caller waits for a new one', async () => {
    server.script(tokenAnswer('token-1'), tokenAnswer('token-2'));
    const tokens = source();
    await tokens.getToken();
    clock = T0 + 3570_000;
    expect(await tokens.getToken()).toBe('token-2');
  });

  it('keeps serving the cached token when a background refresh fails, and says why', async () => {
    server.script(tokenAnswer('token-1'), errorAnswer(400, 'invalid_scope'), tokenAnswer('token-3'));
    const tokens = source();
    await tokens.getToken();
    clock = T0 + 3520_000;
    expect(await tokens.getToken()).toBe('token-1');
    await expect.poll(() => tokens.lastRefreshError?.code).toBe('invalid_scope');
    // The next background attempt waits halfway to the end of use (T0+3545 s); before that, no request.
    clock = T0 + 3544_000;
    expect(await tokens.getToken()).toBe('token-1');
    expect(server.requests).toHaveLength(2);
    clock = T0 + 3545_000;
    await tokens.getToken();
    await expect.poll(() => tokens.getToken()).toBe('token-3');
    expect(tokens.lastRefreshError).toBeUndefined();
  });

  it('rejects a caller with the typed error when there is no usable token', async () => {
    server.script(errorAnswer(401, 'invalid_client', { 'www-authenticate': 'Basic realm="keygate"' }));
    const error = await source()
      .getToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenSourceError);
    expect(error).toMatchObject({ code: 'invalid_client', status: 401, retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('asks again on the next call after a failed request (a failure is not cached)', async () => {
    server.script(errorAnswer(400, 'invalid_scope'), tokenAnswer('token-2'));
    const tokens = source();
    await expect(tokens.getToken()).rejects.toMatchObject({ code: 'invalid_scope' });
    expect(await tokens.getToken()).toBe('token-2');
  });

  it.each([
    ['10 s', 10, 2_500, 6_250],
    ['2 min', 120, 30_000, 60_000],
  ])(
    'keeps most of a short lifetime (%s): skew and lead are capped by a share of it',
    async (_, expiresIn, skewMs, refreshMs) => {
      server.script(tokenAnswer('token-1', expiresIn), tokenAnswer('token-2', expiresIn));
      const tokens = source();
      await tokens.getToken();
      clock = T0 + expiresIn * 1000 - skewMs - (expiresIn * 1000 - skewMs - refreshMs) - 1;
      expect(await tokens.getToken()).toBe('token-1');
      expect(server.requests).toHaveLength(1);
      clock = T0 + expiresIn * 1000 - skewMs;
      expect(await tokens.getToken()).toBe('token-2');
    },
  );

  it('uses a JWT access token exp when the answer has no expires_in', async () => {
    const exp = Math.floor(T0 / 1000) + 600;
    const jwt = `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`;
    server.script({ status: 200, body: { access_token: jwt, token_type: 'Bearer' } }, tokenAnswer('token-2'));
    const tokens = source();
    await tokens.getToken();
    clock = T0 + 500_000;
    expect(await tokens.getToken()).toBe(jwt);
    clock = T0 + 570_000;
    expect(await tokens.getToken()).toBe('token-2');
  });

  it('drops the cached token on invalidate(token) only if it is that token', async () => {
    server.script(tokenAnswer('token-1'), tokenAnswer('token-2'));
    const tokens = source();
    await tokens.getToken();
    tokens.invalidate('some-other-token');
    expect(await tokens.getToken()).toBe('token-1');
    tokens.invalidate('token-1');
    expect(await tokens.getToken()).toBe('token-2');
  });
});

describe('TokenSource.fetch', () => {
  /** An API that accepts only `accepted` and records each request's Authorization and body. */
  async function api(accepted: string) {
    const seen: { authorization: string | undefined; body: string }[] = [];
    const url = await servers.http((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ authorization: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(req.headers.authorization === `Bearer ${accepted}` ? 200 : 401).end();
      });
    }, '/orders');
    return { url, seen };
  }

  it('sends the token as a Bearer Authorization header', async () => {
    const { url, seen } = await api('token-1');
    const res = await source().fetch(url);
    expect(res.status).toBe(200);
    expect(seen).toEqual([{ authorization: 'Bearer token-1', body: '' }]);
  });

  it('refreshes once after a 401 and resends the request with its body', async () => {
    server.script(tokenAnswer('token-1'), tokenAnswer('token-2'));
    const { url, seen } = await api('token-2');
    const res = await source().fetch(url, { method: 'POST', body: '{"sku":"a"}' });
    expect(res.status).toBe(200);
    expect(seen).toEqual([
      { authorization: 'Bearer token-1', body: '{"sku":"a"}' },
      { authorization: 'Bearer token-2', body: '{"sku":"a"}' },
    ]);
  });

  it('gives back the second 401 without asking a third time', async () => {
    server.script(tokenAnswer('token-1'), tokenAnswer('token-2'), tokenAnswer('token-3'));
    const { url, seen } = await api('never');
    const res = await source().fetch(url);
    expect(res.status).toBe(401);
    expect(seen).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
  });

  it('shares one refresh among concurrent callers refused with the same token', async () => {
    server.script(tokenAnswer('token-1'), tokenAnswer('token-2'), tokenAnswer('token-3'));
    const { url } = await api('token-2');
    const tokens = source();
    await tokens.getToken();
    const answers = await Promise.all(Array.from({ length: 20 }, () => tokens.fetch(url)));
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(server.requests).toHaveLength(2);
  });
});
