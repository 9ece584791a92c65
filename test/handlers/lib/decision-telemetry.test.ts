// The authorizer's decision counters: calls only count; one flush per interval (on an injected clock)
// publishes the decisions by (decision, reason) and the verifier's and key store's deltas as EMF.
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DecisionTelemetry } from '../../../handlers/lib/decision-telemetry.js';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** Every EMF document Powertools writes while `run` runs. */
async function emitted(run: () => void | Promise<void>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const sink = (chunk: unknown) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(sink);
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

function telemetry(clock: { t: number }) {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  const stats = { tokenCacheHits: 0, tokenCacheMisses: 0 };
  const keys = { fetches: 1, fetchFailures: 0, keys: 1 };
  const t = new DecisionTelemetry(
    new Metrics({ namespace: 'keygate-test', serviceName: 'authorizer' }),
    { stats: () => ({ ...stats, tokenCacheSize: 0 }) },
    { stats: () => ({ ...keys, keyHits: 0, keyMisses: 0, stale: false }) },
    60,
    () => clock.t,
  );
  return { t, stats, keys };
}

describe('DecisionTelemetry', () => {
  it('publishes nothing before the interval and every count once it has passed', async () => {
    const clock = { t: 1_000 };
    const { t, stats } = telemetry(clock);
    const docs = await emitted(() => {
      t.allow();
      t.allow();
      t.allow();
      t.count('deny', 'no_usable_scope');
      t.count('unauthorized', 'expired');
      t.count('unauthorized', 'expired');
      stats.tokenCacheHits = 2;
      stats.tokenCacheMisses = 1;
      t.maybeFlush(clock.t + 59_999);
    });
    expect(docs).toEqual([]);

    const published = await emitted(() => t.maybeFlush(clock.t + 60_000));
    expect(published.filter((d) => 'Decisions' in d).map((d) => [d.decision, d.reason, d.Decisions])).toEqual(
      [
        ['allow', 'allowed', 3],
        ['deny', 'no_usable_scope', 1],
        ['unauthorized', 'expired', 2],
      ],
    );
    expect(published.find((d) => 'TokenCacheHits' in d)).toMatchObject({
      TokenCacheHits: 2,
      TokenCacheMisses: 1,
      JwksFetches: 1,
      JwksFetchFailures: 0,
      KeysHeld: 1,
    });
  });

  it('publishes deltas: after an interval with no calls and no fetches it writes nothing', async () => {
    const clock = { t: 0 };
    const { t } = telemetry(clock);
    t.allow();
    const first = await emitted(() => t.flush());
    expect(first.filter((d) => 'Decisions' in d).map((d) => d.Decisions)).toEqual([1]);
    clock.t = 60_000;
    expect(await emitted(() => t.maybeFlush(120_000))).toEqual([]);
  });
});
