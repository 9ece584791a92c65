// Usage-plan throttling and quotas the way API Gateway applies them to a key (apiKeySource AUTHORIZER: the
// key is the authorizer's usageIdentifierKey): a token bucket per key (burst capacity, refilled at rate per
// second: "Throttle API requests for better throughput", API Gateway Developer Guide) and a request count per
// quota period. Periods start at UTC midnight, Sunday for WEEK (QuotaSettings offset 0) and the 1st for MONTH.
import type { QuotaPeriod, UsageTier } from '../../core/usage-tiers.js';

/** One plan's key and limits; a plan without limits (an undeclared default tier) only counts. */
export interface UsagePlanKey {
  readonly key: string;
  readonly limits?: UsageTier;
}

export type UsageDecision = 'admitted' | 'throttled' | 'quota_exceeded' | 'invalid_key';

interface KeyState {
  readonly limits: UsageTier | undefined;
  tokens: number;
  refilledAt: number;
  periodStart: number;
  used: number;
}

/** The UTC start (epoch ms) of the quota period holding `nowMs`. */
export function periodStart(period: QuotaPeriod, nowMs: number): number {
  const d = new Date(nowMs);
  switch (period) {
    case 'DAY':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    case 'WEEK':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - d.getUTCDay());
    case 'MONTH':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
}

export interface UsagePlanLimiter {
  /** Decides one request of `key` (undefined: the authorizer returned none) at the clock's now. */
  admit(key: string | undefined): UsageDecision;
  /** Requests left in the key's current quota period (undefined: no quota or unknown key). */
  remaining(key: string): number | undefined;
}

export function createUsagePlanLimiter(plans: readonly UsagePlanKey[], now: () => number): UsagePlanLimiter {
  const states = new Map<string, KeyState>();
  for (const { key, limits } of plans) {
    states.set(key, { limits, tokens: limits?.burst ?? 0, refilledAt: now(), periodStart: 0, used: 0 });
  }
  function rollPeriod(s: KeyState, t: number): void {
    const quota = s.limits?.quota;
    if (quota === undefined) return;
    const start = periodStart(quota.period, t);
    if (start !== s.periodStart) {
      s.periodStart = start;
      s.used = 0;
    }
  }
  return {
    admit(key) {
      const s = key === undefined ? undefined : states.get(key);
      // A method that requires a key and gets none in a plan of this stage: 403 (INVALID_API_KEY).
      if (s === undefined) return 'invalid_key';
      const limits = s.limits;
      if (limits === undefined) return 'admitted';
      const t = now();
      rollPeriod(s, t);
      if (limits.quota !== undefined && s.used >= limits.quota.limit) return 'quota_exceeded';
      s.tokens = Math.min(limits.burst, s.tokens + ((t - s.refilledAt) / 1000) * limits.rate);
      s.refilledAt = t;
      if (s.tokens < 1) return 'throttled';
      s.tokens -= 1;
      s.used += 1;
      return 'admitted';
    },
    remaining(key) {
      const s = states.get(key);
      const quota = s?.limits?.quota;
      if (s === undefined || quota === undefined) return undefined;
      rollPeriod(s, now());
      return quota.limit - s.used;
    },
  };
}
