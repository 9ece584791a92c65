// The authorizer's first download of both issuer documents against real HTTP servers on 127.0.0.1: one GET
// when the revocation list carries the keys, the JWKS endpoint otherwise, and keys never taken from a list
// on another origin.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadJwks } from '../../../core/jwt/jwks-download.js';
import { firstDownloadShared, withSigningKeys } from '../../../core/revocation/index.js';
import { testKey } from '../../../fixtures/tokens.js';
import { closeNow, listen } from '../../../local/listen.js';

const LIST = { disabled: ['gone'], revoked_at: {} };
const issuerKey = testKey().jwk;
const attackerKey = testKey('attacker').jwk;
const limits = { timeoutMs: 2000, maxBytes: 150_000 };
const listLimits = { timeoutMs: 2000, maxBytes: 1_000_000 };

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** An issuer on a free loopback port: path -> [status, body], and the paths it was asked for. */
async function issuer(routes: Record<string, readonly [number, unknown]>) {
  const asked: string[] = [];
  const server: Server = createServer((req, res) => {
    asked.push(req.url ?? '');
    const [status, body] = routes[req.url ?? ''] ?? [404, { message: 'Not Found' }];
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  const port = await listen(server, 0, '127.0.0.1');
  closers.push(closeNow(server));
  const origin = `http://127.0.0.1:${port}`;
  return { jwks: `${origin}/.well-known/jwks.json`, list: `${origin}/revocations`, asked };
}

const json = (body: Uint8Array) => JSON.parse(Buffer.from(body).toString('utf8')) as unknown;
/** A download's parsed body, or the error it failed with. */
const settled = (r: PromiseSettledResult<Uint8Array>) =>
  r.status === 'fulfilled' ? json(r.value) : r.reason;

/** Both documents asked for at once, as the authorizer's prefetch does, the JWKS first. */
async function both(jwksUri: string, revocationsUri: string) {
  const download = firstDownloadShared({
    jwksUri,
    revocationsUri,
    revocationsLimits: listLimits,
    download: downloadJwks,
  });
  const [keys, list] = await Promise.allSettled([
    download(jwksUri, limits),
    download(revocationsUri, listLimits),
  ]);
  return { download, keys, list };
}

describe('firstDownloadShared', () => {
  it('answers both documents with one GET of the list when it carries the keys', async () => {
    const keyed = withSigningKeys(LIST, { keys: [issuerKey] });
    const server = await issuer({
      '/revocations': [200, keyed],
      '/.well-known/jwks.json': [200, { keys: [issuerKey] }],
    });
    const { keys, list } = await both(server.jwks, server.list);
    expect([settled(keys), settled(list), server.asked]).toEqual([
      { keys: [issuerKey] },
      keyed,
      ['/revocations'],
    ]);
  });

  it('sends every later download to its own URI', async () => {
    const server = await issuer({
      '/revocations': [200, withSigningKeys(LIST, { keys: [issuerKey] })],
      '/.well-known/jwks.json': [200, { keys: [issuerKey] }],
    });
    const { download } = await both(server.jwks, server.list);
    await download(server.jwks, limits);
    await download(server.list, listLimits);
    expect(server.asked).toEqual(['/revocations', '/.well-known/jwks.json', '/revocations']);
  });

  it('downloads the JWKS itself when the list carries no keys (an issuer that does not publish them)', async () => {
    const server = await issuer({
      '/revocations': [200, LIST],
      '/.well-known/jwks.json': [200, { keys: [issuerKey] }],
    });
    const { keys, list } = await both(server.jwks, server.list);
    expect([settled(keys), settled(list), server.asked]).toEqual([
      { keys: [issuerKey] },
      LIST,
      ['/revocations', '/.well-known/jwks.json'],
    ]);
  });

  it('downloads the JWKS itself when the list fails, and the list reports its own failure', async () => {
    const server = await issuer({
      '/revocations': [500, { message: 'Internal server error' }],
      '/.well-known/jwks.json': [200, { keys: [issuerKey] }],
    });
    const { keys, list } = await both(server.jwks, server.list);
    expect([settled(keys), settled(list)]).toMatchObject([{ keys: [issuerKey] }, { code: 'http_status' }]);
  });

  it('never takes keys from a list on another origin: the JWKS comes from its own endpoint', async () => {
    const keys = await issuer({ '/.well-known/jwks.json': [200, { keys: [issuerKey] }] });
    const elsewhere = await issuer({
      '/revocations': [200, withSigningKeys(LIST, { keys: [attackerKey] })],
    });
    const result = await both(keys.jwks, elsewhere.list);
    expect([settled(result.keys), keys.asked, elsewhere.asked]).toEqual([
      { keys: [issuerKey] },
      ['/.well-known/jwks.json'],
      ['/revocations'],
    ]);
  });

  it("holds keys from the list to the JWKS's byte cap", async () => {
    const many = Array.from({ length: 400 }, (_, i) => ({ ...issuerKey, kid: `k${i}` }));
    const server = await issuer({ '/revocations': [200, withSigningKeys(LIST, { keys: many })] });
    const { keys } = await both(server.jwks, server.list);
    expect(keys).toMatchObject({ status: 'rejected', reason: { code: 'too_large' } });
  });
});
