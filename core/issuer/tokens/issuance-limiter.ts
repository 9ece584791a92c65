// Per-client token issuance limit (fair share of the KMS Sign quota, RSA requests/s per account and
// region shared by every caller: core/issuer/keys/kms-quotas.ts): a token bucket per client id, refilled at the client's rate with a
// burst of twice that. Checked after the client authenticated (a stranger cannot drain someone else's
// bucket) and before KMS is called. One bucket set per process: on Lambda each concurrent environment
// has its own, so the account-wide ceiling is rate x environments (docs/token-lifetime.md), unless the
// shared limiter (shared-issuance-limiter.ts, ISSUANCE_TABLE) holds it across environments.
import { LRUCache } from 'lru-cache';

export interface IssuanceLimiterOptions {
  /** Epoch or monotonic ms. */
  readonly now?: () => number;
  /** Buckets kept (least recently used evicted: an evicted client starts with a full bucket). */
  readonly maxClients?: number;
}

export type IssuanceDecision =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** Whole seconds until a token is available (RFC 9110 §10.2.3 Retry-After delay-seconds). */
      readonly retryAfterSeconds: number;
    };

export interface IssuanceLimiter {
  /**
   * Takes one token from `clientId`'s bucket refilled at `ratePerSecond`, or says when to retry (a promise
   * for the shared limiter, shared-issuance-limiter.ts).
   */
  take(clientId: string, ratePerSecond: number): IssuanceDecision | Promise<IssuanceDecision>;
}

interface Bucket {
  tokens: number;
  at: number;
}

const OK: IssuanceDecision = Object.freeze({ ok: true });

/** The per-environment limiter: decides at once. */
export interface LocalIssuanceLimiter extends IssuanceLimiter {
  take(clientId: string, ratePerSecond: number): IssuanceDecision;
}

export function createIssuanceLimiter(options: IssuanceLimiterOptions = {}): LocalIssuanceLimiter {
  const now = options.now ?? (() => performance.now());
  const buckets = new LRUCache<string, Bucket>({ max: options.maxClients ?? 10_000 });
  return {
    take(clientId, ratePerSecond) {
      const capacity = 2 * ratePerSecond;
      const t = now();
      let b = buckets.get(clientId);
      if (!b) {
        b = { tokens: capacity, at: t };
        buckets.set(clientId, b);
      } else {
        b.tokens = Math.min(capacity, b.tokens + ((t - b.at) / 1000) * ratePerSecond);
        b.at = t;
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return OK;
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / ratePerSecond)) };
    },
  };
}
