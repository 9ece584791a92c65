// The authorizer's decision counters (docs/design.md#token-authorizer): aggregated in memory per call and
// published as Powertools EMF once per flush interval, with the verifier's and key store's own stats.
import type { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { VerifyError } from '../../core/jwt/errors.js';
import type { KeyStore } from '../../core/jwt/types.js';
import type { Verifier } from '../../core/jwt/verifier.js';
import { DeferredMetrics } from './deferred-powertools.js';

const COUNT: (typeof MetricUnit)['Count'] = 'Count';

export type Decision = 'allow' | 'deny' | 'unauthorized' | 'error';

/** The stable reason codes logged and counted per decision. */
export type DecisionReason =
  | 'allowed'
  | 'no_usable_scope'
  | 'not_token_event'
  | 'missing_token'
  | 'bad_scheme'
  | VerifyError['code']
  | 'revoked'
  | 'revocations_unavailable'
  | 'method_arn'
  | 'resource_too_long'
  | 'internal';

/**
 * In-memory decision counters published as Powertools EMF every METRICS_FLUSH_INTERVAL_SECONDS.
 * An EMF publish is a JSON serialization plus a stdout write, which alone would cap the repeated-token
 * path far below its 1,000,000/s target (bench/suites/authorizer.ts), so calls only bump counters. Token-cache and
 * JWKS counts come from the verifier's and key store's own stats at flush time (no per-call cost).
 * Trade-off: counts from the last interval of an environment that is shut down are lost unless
 * flush() runs (the entry flushes on SIGTERM, which Lambda sends when an extension is registered).
 */
export class DecisionTelemetry {
  private allowed = 0;
  private readonly others = new Map<string, number>();
  private lastVerifier = { tokenCacheHits: 0, tokenCacheMisses: 0 };
  private lastKeys = { fetches: 0, fetchFailures: 0 };
  private nextFlushAt: number;
  private readonly intervalMs: number;
  private readonly metrics: DeferredMetrics | undefined;

  constructor(
    metrics: Metrics | DeferredMetrics | undefined,
    private readonly verifier: Pick<Verifier, 'stats'>,
    private readonly keyStore: Pick<KeyStore, 'stats'>,
    intervalSeconds: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.metrics =
      metrics === undefined || metrics instanceof DeferredMetrics ? metrics : new DeferredMetrics(metrics);
    this.intervalMs = intervalSeconds * 1000;
    this.nextFlushAt = clock() + this.intervalMs;
  }

  /** One allow (the hot path's only count: a field increment, no key built). */
  allow(): void {
    this.allowed++;
  }

  count(decision: Decision, reason: DecisionReason): void {
    if (decision === 'allow') this.allowed++;
    else {
      const key = `${decision}\u0000${reason}`;
      this.others.set(key, (this.others.get(key) ?? 0) + 1);
    }
  }

  /** Publishes when the interval has passed; `now` is a performance.now() reading the caller has. */
  maybeFlush(now: number): void {
    if (now >= this.nextFlushAt) this.flush();
  }

  /**
   * Publishes every count accumulated since the last flush (nothing when nothing happened). The counts are
   * taken now; the promise (when Metrics is still loading) resolves once they are written.
   */
  flush(): Promise<void> | undefined {
    this.nextFlushAt = this.clock() + this.intervalMs;
    const v = this.verifier.stats();
    const k = this.keyStore.stats();
    const hits = v.tokenCacheHits - this.lastVerifier.tokenCacheHits;
    const misses = v.tokenCacheMisses - this.lastVerifier.tokenCacheMisses;
    const fetches = k.fetches - this.lastKeys.fetches;
    const failures = k.fetchFailures - this.lastKeys.fetchFailures;
    this.lastVerifier = { tokenCacheHits: v.tokenCacheHits, tokenCacheMisses: v.tokenCacheMisses };
    this.lastKeys = { fetches: k.fetches, fetchFailures: k.fetchFailures };
    const decisions: [string, string, number][] = [];
    if (this.allowed > 0) decisions.push(['allow', 'allowed', this.allowed]);
    for (const [key, n] of this.others) {
      const [decision, reason] = key.split('\u0000') as [string, string];
      decisions.push([decision, reason, n]);
    }
    this.allowed = 0;
    this.others.clear();
    if (!this.metrics) return;
    if (decisions.length === 0 && hits + misses + fetches + failures === 0) return this.metrics.idle();
    return this.metrics.use((m) => {
      m.addMetric('TokenCacheHits', COUNT, hits);
      m.addMetric('TokenCacheMisses', COUNT, misses);
      m.addMetric('JwksFetches', COUNT, fetches);
      m.addMetric('JwksFetchFailures', COUNT, failures);
      m.addMetric('KeysHeld', COUNT, k.keys);
      m.publishStoredMetrics();
      for (const [decision, reason, n] of decisions) {
        // One EMF document per (decision, reason): CloudWatch dimensions apply to a whole document.
        m.singleMetric().addDimensions({ decision, reason }).addMetric('Decisions', COUNT, n);
      }
    });
  }
}
