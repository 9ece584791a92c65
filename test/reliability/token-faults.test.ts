// The token endpoint (through the auth API's gateway emulator) under load while its dependencies fail:
// KMS throttling every Nth Sign and a full KMS outage, DynamoDB (dynalite) stopped and restarted on the
// same port and data directory, and a client disabled or its secret rotated mid-run. Asserts the
// contract (no 500, 503 temporarily_unavailable + Retry-After for what cannot be served, recovery without
// a restart) and records the measured outcome.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.js';
import { drive, percentile, record, requestToken, SOAK, sleep } from './support/load.js';

let h: Harness;

beforeAll(async () => {
  // The token handler reads the virtual clock too (real time until a test advances it): the client-cache
  // test moves it past the TTL instead of waiting and timing.
  h = await startHarness({ tokenUsesClock: true });
}, 30_000 * SOAK);

afterAll(async () => {
  await h?.close();
});

type TokenReply = Awaited<ReturnType<typeof requestToken>>;

/** Classifies a reply; anything outside the contract is labelled so the test can fail on it. */
function classify(r: TokenReply): string {
  if (r.status === 200) return typeof r.body.access_token === 'string' ? '200' : 'bad-200';
  if (r.status === 503) {
    const ok = r.body.error === 'temporarily_unavailable' && /^\d+$/.test(r.headers.get('retry-after') ?? '');
    return ok ? '503' : 'bad-503';
  }
  if (r.status === 401 && r.body.error === 'invalid_client') return '401';
  return `unexpected-${r.status}`;
}

describe('KMS throttling and outage during token-endpoint load', () => {
  it(
    'retries throttled Signs within the bound, answers 503 + Retry-After in an outage, recovers',
    async () => {
      const clients = await Promise.all([1, 2, 3, 4].map(() => h.createClient()));
      for (const c of clients) expect((await requestToken(h.stack.tokenUrl, c)).status).toBe(200);
      const step = async (n: number) =>
        classify(await requestToken(h.stack.tokenUrl, clients[n % clients.length]!));

      // Every 3rd Sign throttled: the signer's 3 attempts (full jitter 50-400 ms) absorb nearly all of it.
      h.stack.kms.resetCalls();
      h.stack.kms.faults.throttleEveryN = 3;
      const throttled = await drive({ concurrency: 6, durationMs: 2000, step });
      h.stack.kms.faults.throttleEveryN = 0;
      const throttleSigns = h.stack.kms.calls.Sign ?? 0;
      expect(Object.keys(throttled.counts).every((k) => k === '200' || k === '503')).toBe(true);

      // KMS answers KMSInternalException to everything, then resets every connection.
      h.stack.kms.faults.failAll = true;
      h.stack.kms.faults.failMode = 'internal';
      const outage = await drive({ concurrency: 6, durationMs: 1500, step });
      h.stack.kms.faults.failMode = 'reset';
      const outageReset = await drive({ concurrency: 6, durationMs: 1500, step });
      expect(outage.counts).toEqual({ '503': outage.total });
      expect(outageReset.counts).toEqual({ '503': outageReset.total });

      // Recovery: the next request after KMS is back gets a token (no restart, no cached failure).
      h.stack.kms.faults.failAll = false;
      h.stack.kms.faults.failMode = 'internal';
      const recoveryStarted = performance.now();
      const first = await requestToken(h.stack.tokenUrl, clients[0]!);
      const recoveryMs = performance.now() - recoveryStarted;
      expect(first.status).toBe(200);
      const after = await drive({ concurrency: 6, durationMs: 800, step });
      expect(after.counts).toEqual({ '200': after.total });

      const total = throttled.total + outage.total + outageReset.total + after.total;
      record('kms-faults', {
        scenario: 'KMS throttling (every 3rd Sign) and KMS outage during token-endpoint load',
        load: '6 concurrent clients, client_secret_basic, 4 warm clients, through the auth API gateway emulator',
        faults:
          'throttleEveryN=3 for 2 s; failAll (KMSInternalException) 1.5 s; failAll (connection reset) 1.5 s; recovery',
        requests: total,
        // Throttle phase: 503s there are requests that could have been served with more retries.
        failed: (throttled.counts['503'] ?? 0) + (after.total - (after.counts['200'] ?? 0)),
        shouldFail: outage.total + outageReset.total,
        didFail: (outage.counts['503'] ?? 0) + (outageReset.counts['503'] ?? 0),
        details: {
          throttle: {
            requests: throttled.total,
            outcomes: throttled.counts,
            signCalls: throttleSigns,
            retriesPerToken: Number(
              (throttleSigns / Math.max(1, throttled.counts['200'] ?? 1) - 1).toFixed(3),
            ),
            p50ms: Number(percentile(throttled.latenciesMs, 50).toFixed(1)),
            p99ms: Number(percentile(throttled.latenciesMs, 99).toFixed(1)),
          },
          outageInternal: {
            requests: outage.total,
            outcomes: outage.counts,
            p50ms: Number(percentile(outage.latenciesMs, 50).toFixed(1)),
            maxMs: Number(percentile(outage.latenciesMs, 100).toFixed(1)),
          },
          outageReset: {
            requests: outageReset.total,
            outcomes: outageReset.counts,
            p50ms: Number(percentile(outageReset.latenciesMs, 50).toFixed(1)),
            maxMs: Number(percentile(outageReset.latenciesMs, 100).toFixed(1)),
          },
          recovery: { firstRequestMs: Number(recoveryMs.toFixed(1)), outcomes: after.counts },
        },
        command: 'npx vitest run test/reliability/token-faults.test.ts -t KMS',
      });
    },
    30_000 * SOAK,
  );
});

describe('DynamoDB stopped and restarted during token-endpoint load', () => {
  it(
    'serves cached clients, answers 503 for uncached ones, recovers without a restart',
    async () => {
      // 1 s client-cache TTL: cached records go past their TTL during the outage (stale-if-error path).
      // Both readers of the clients table get it, as KeygateIssuer sets one value for both.
      for (const fn of ['token', 'token-client-auth'] as const)
        h.stack.deploy(fn, { CLIENT_CACHE_TTL_SECONDS: '1' });
      const cached = await Promise.all([1, 2, 3].map(() => h.createClient()));
      const uncached = await Promise.all([1, 2].map(() => h.createClient()));
      for (const c of cached) expect((await requestToken(h.stack.tokenUrl, c)).status).toBe(200);

      const tallies = {
        cachedOk: 0,
        cachedFailed: 0,
        uncachedRefused: 0,
        uncached: 0,
        wrongSecret401: 0,
        wrongSecret: 0,
      };
      const step = async (n: number): Promise<string> => {
        const kind = n % 6;
        if (kind < 4) {
          const r = classify(await requestToken(h.stack.tokenUrl, cached[n % cached.length]!));
          if (r === '200') tallies.cachedOk++;
          else tallies.cachedFailed++;
          return `cached:${r}`;
        }
        if (kind === 4) {
          tallies.uncached++;
          const r = classify(await requestToken(h.stack.tokenUrl, uncached[n % uncached.length]!));
          if (r === '503') tallies.uncachedRefused++;
          return `uncached:${r}`;
        }
        tallies.wrongSecret++;
        const r = classify(
          await requestToken(h.stack.tokenUrl, { id: cached[0]!.id, secret: 'not-the-secret' }),
        );
        if (r === '401') tallies.wrongSecret401++;
        return `wrong-secret:${r}`;
      };

      await h.stack.stopDynamo();
      const outage = await drive({ concurrency: 6, durationMs: 2500, step });
      const restartStarted = performance.now();
      await h.stack.startDynamo();
      // Recovery without restarting the token handler: the uncached client gets a token once DynamoDB answers.
      let recoveredAfter = Number.NaN;
      for (let i = 0; i < 100; i++) {
        if ((await requestToken(h.stack.tokenUrl, uncached[0]!)).status === 200) {
          recoveredAfter = performance.now() - restartStarted;
          break;
        }
        await sleep(20);
      }
      const after = await drive({
        concurrency: 6,
        durationMs: 800,
        step: async (n) => classify(await requestToken(h.stack.tokenUrl, [...cached, ...uncached][n % 5]!)),
      });

      expect(tallies.cachedFailed).toBe(0);
      expect(tallies.uncachedRefused).toBe(tallies.uncached);
      expect(tallies.wrongSecret401).toBe(tallies.wrongSecret);
      // Recovered within the polling window; how long it took is recorded, not asserted.
      expect(Number.isFinite(recoveredAfter)).toBe(true);
      expect(after.counts).toEqual({ '200': after.total });
      expect(Object.keys(outage.counts).some((k) => k.includes('unexpected') || k.includes('bad'))).toBe(
        false,
      );

      record('dynamodb-restart', {
        scenario: 'DynamoDB (dynalite) stopped and restarted during token-endpoint load',
        load: '6 concurrent clients: 3 cached clients (4/6), 2 never-seen clients (1/6), wrong secrets (1/6); client cache TTL 1 s',
        faults:
          'dynalite closed for 2.5 s (connections refused), restarted on the same port and LevelDB directory',
        requests: outage.total + after.total,
        failed: tallies.cachedFailed + (after.total - (after.counts['200'] ?? 0)),
        shouldFail: tallies.uncached + tallies.wrongSecret,
        didFail: tallies.uncachedRefused + tallies.wrongSecret401,
        details: {
          outage: {
            requests: outage.total,
            outcomes: outage.counts,
            p50ms: Number(percentile(outage.latenciesMs, 50).toFixed(1)),
            p99ms: Number(percentile(outage.latenciesMs, 99).toFixed(1)),
          },
          recoveredAfterMs: Number(recoveredAfter.toFixed(1)),
          after: after.counts,
        },
        command: 'npx vitest run test/reliability/token-faults.test.ts -t DynamoDB',
      });
      h.stack.deploy('token');
      h.stack.deploy('token-client-auth');
    },
    30_000 * SOAK,
  );
});

describe('client disabled or secret rotated', () => {
  it(
    'serves a cached client until the client-cache TTL passes, then refuses the disabled client and the old secret',
    async () => {
      // Long enough that real time passing during the test never crosses it: only clock.advance does.
      const ttlSeconds = 60;
      for (const fn of ['token', 'token-client-auth'] as const) {
        h.stack.deploy(fn, { CLIENT_CACHE_TTL_SECONDS: String(ttlSeconds) });
      }
      const disabled = await h.createClient();
      const rotated = await h.createClient();
      const status = async (client: { id: string; secret: string }) =>
        (await requestToken(h.stack.tokenUrl, client)).status;

      // Disabled: the cached record answers until the TTL passes (the documented lag), then the re-read refuses.
      expect(await status(disabled)).toBe(200);
      await h.stack.registry.setStatus(disabled.id, 'disabled');
      expect(await status(disabled)).toBe(200);
      h.clock.advance((ttlSeconds - 5) * 1000);
      expect(await status(disabled)).toBe(200);
      h.clock.advance(5_000);
      expect(await status(disabled)).toBe(401);

      // Secret rotated with no grace: the old secret still matches the cached record; a failed
      // authentication re-reads a record older than 1 s, after which the new secret works and the old fails.
      expect(await status(rotated)).toBe(200);
      const { clientSecret: newSecret } = await h.stack.registry.rotateSecret(rotated.id, 0);
      expect(await status(rotated)).toBe(200);
      h.clock.advance(1_500);
      expect(await status({ id: rotated.id, secret: newSecret })).toBe(200);
      expect(await status(rotated)).toBe(401);

      record('client-revocation', {
        scenario: 'Client disabled / secret rotated (grace 0) while it keeps requesting tokens',
        load: 'one client at a time through the gateway emulator; the token handler on a virtual clock',
        faults: `status=disabled; rotateSecret(grace 0); CLIENT_CACHE_TTL_SECONDS=${ttlSeconds}`,
        requests: 8,
        failed: 0,
        shouldFail: 2,
        didFail: 2,
        details: {
          disabledServedUntil: `the client-cache TTL (${ttlSeconds} s), refused once it passed`,
          newSecretAccepted:
            'after the cached record is older than 1 s (a failed authentication re-reads it)',
          oldSecretRefused: 'right after the re-read the new secret caused',
        },
        command: 'npx vitest run test/reliability/token-faults.test.ts -t rotated',
      });
      h.stack.deploy('token');
      h.stack.deploy('token-client-auth');
    },
    20_000 * SOAK,
  );
});
