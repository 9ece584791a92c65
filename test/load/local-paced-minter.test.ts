// The load runner's paced minter against a real token endpoint stand-in (HTTP on 127.0.0.1 port 0): requests
// start at most at its share of the KMS quota, a 429 or 503 pauses minting for the answer's Retry-After,
// and a failure is one MintError line. Time is virtual (the minter's now/sleep), so nothing leans on the clock.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MintError } from '../../load/errors.js';
import { createPacedMinter, MAX_REFUSALS } from '../../load/local/paced-minter.js';
import { closeNow, listen } from '../../local/listen.js';

interface Endpoint {
  readonly tokenUrl: string;
  /** Virtual time (ms) at which each request arrived. */
  readonly arrivals: number[];
}

let server: Server | undefined;
afterEach(async () => {
  if (server) await closeNow(server)();
  server = undefined;
});

/** A virtual clock: sleep moves it forward. */
function virtualClock() {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      const target = t + ms;
      await Promise.resolve();
      t = Math.max(t, target);
    },
  };
}

/** Answers each request with the next scripted [status, headers, body]; the last one repeats. */
async function endpoint(
  clock: { now: () => number },
  script: readonly (readonly [number, Record<string, string>, object])[],
): Promise<Endpoint> {
  const arrivals: number[] = [];
  server = createServer((req, res) => {
    arrivals.push(clock.now());
    const [status, headers, body] = script[Math.min(arrivals.length - 1, script.length - 1)]!;
    req.resume();
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  });
  const port = await listen(server, 0, '127.0.0.1');
  return { tokenUrl: `http://127.0.0.1:${port}/local/oauth2/token`, arrivals };
}

const ok = [200, {}, { access_token: 'a.b.c' }] as const;
const busy = (retryAfter?: string): readonly [number, Record<string, string>, object] => [
  503,
  retryAfter === undefined ? {} : { 'retry-after': retryAfter },
  { error: 'temporarily_unavailable' },
];
const credentials = { clientId: 'kg_load', clientSecret: 'secret' };

describe('paced minter', () => {
  it('starts requests at most at half the KMS RSA quota: 1,000/s means one every 2 ms', async () => {
    const clock = virtualClock();
    const ep = await endpoint(clock, [ok]);
    const minter = createPacedMinter(
      { ...credentials, tokenUrl: ep.tokenUrl },
      { kmsRsaQuotaPerSecond: 1000, concurrency: 1, ...clock },
    );
    expect(minter.ratePerSecond).toBe(500);
    expect(await minter.mintMany(5)).toEqual(Array(5).fill('a.b.c'));
    expect(ep.arrivals).toEqual([0, 2, 4, 6, 8]);
  });

  it('with 4 requests in flight each still gets its own slot, 1000 / rate ms after the one before', async () => {
    const clock = virtualClock();
    const slots: number[] = [];
    const ep = await endpoint(clock, [ok]);
    const minter = createPacedMinter(
      { ...credentials, tokenUrl: ep.tokenUrl },
      {
        kmsRsaQuotaPerSecond: 20,
        concurrency: 4,
        now: clock.now,
        sleep: (ms) => {
          slots.push(clock.now() + ms);
          return clock.sleep(ms);
        },
      },
    );
    await minter.mintMany(25);
    expect(ep.arrivals).toHaveLength(25);
    // The first starts at once; the other 24 wait for slots 100 ms apart (10/s), none shared.
    expect(slots.sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => (i + 1) * 100));
  });

  it.each([
    ['2', 2000],
    ['0', 0],
    [undefined, 1000],
    ['soon', 1000],
  ])('honours Retry-After %j on a 503 before asking again (waits %d ms)', async (retryAfter, waitMs) => {
    const clock = virtualClock();
    const ep = await endpoint(clock, [busy(retryAfter), ok]);
    const minter = createPacedMinter(
      { ...credentials, tokenUrl: ep.tokenUrl },
      { kmsRsaQuotaPerSecond: 1000, concurrency: 1, ...clock },
    );
    expect(await minter.mint()).toBe('a.b.c');
    expect(ep.arrivals).toEqual([0, Math.max(2, waitMs)]);
  });

  it('a 429 pauses every worker, not just the refused one', async () => {
    const clock = virtualClock();
    const ep = await endpoint(clock, [ok, [429, { 'retry-after': '3' }, { error: 'slow_down' }], ok]);
    const minter = createPacedMinter(
      { ...credentials, tokenUrl: ep.tokenUrl },
      { kmsRsaQuotaPerSecond: 1000, concurrency: 1, ...clock },
    );
    await minter.mintMany(4);
    expect(ep.arrivals).toEqual([0, 2, 3002, 3004, 3006]);
  });

  it(`gives up after ${MAX_REFUSALS} refusals in a row with one line naming the answer`, async () => {
    const clock = virtualClock();
    const ep = await endpoint(clock, [busy('1')]);
    const minter = createPacedMinter(
      { ...credentials, tokenUrl: ep.tokenUrl },
      { kmsRsaQuotaPerSecond: 1000, concurrency: 1, ...clock },
    );
    const error = await minter.mint().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MintError);
    expect((error as MintError).code).toBe('refused');
    expect((error as MintError).message).toBe(
      `the token endpoint ${ep.tokenUrl} answered 503 temporarily_unavailable ${MAX_REFUSALS} times in a row for one token, Retry-After honoured each time`,
    );
    expect(ep.arrivals).toHaveLength(MAX_REFUSALS);
  });

  it('an answer no wait can fix (401) fails at once', async () => {
    const clock = virtualClock();
    const ep = await endpoint(clock, [[401, { 'www-authenticate': 'Basic' }, { error: 'invalid_client' }]]);
    const minter = createPacedMinter(
      { ...credentials, tokenUrl: ep.tokenUrl },
      { kmsRsaQuotaPerSecond: 1000, ...clock },
    );
    await expect(minter.mint()).rejects.toThrow(
      new MintError('refused', `the token endpoint ${ep.tokenUrl} answered 401 invalid_client`),
    );
    expect(ep.arrivals).toHaveLength(1);
  });

  it('an endpoint nobody listens on is one line with the reason', async () => {
    const probe = createServer();
    const port = await listen(probe, 0, '127.0.0.1');
    await closeNow(probe)();
    const tokenUrl = `http://127.0.0.1:${port}/oauth2/token`;
    const minter = createPacedMinter({ ...credentials, tokenUrl }, { kmsRsaQuotaPerSecond: 1000 });
    await expect(minter.mint()).rejects.toThrow(
      new MintError('unreachable', `cannot reach the token endpoint ${tokenUrl}: ECONNREFUSED`),
    );
  });

  it('an aborted run stops minting with MintError aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const minter = createPacedMinter(
      { ...credentials, tokenUrl: 'http://127.0.0.1:1/oauth2/token' },
      { kmsRsaQuotaPerSecond: 1000, signal: controller.signal },
    );
    await expect(minter.mintMany(3)).rejects.toMatchObject({ code: 'aborted' });
  });
});
