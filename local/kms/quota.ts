// The KMS request quota the emulator enforces: RSA cryptographic operations (Sign here) share one
// requests/s quota per account and region (core/issuer/keys/kms-quotas.ts: the figure and its source); beyond
// it KMS answers ThrottlingException. Counted per one-second window; the busiest window is kept so a load
// run can show it stayed within the quota.
import { KMS_RSA_REQUEST_QUOTA_PER_SECOND } from '../../core/issuer/keys/kms-quotas.js';

export interface KmsQuotaStats {
  readonly perSecond: number;
  /** Most requests admitted in any one-second window so far. */
  readonly peakPerSecond: number;
  /** Requests refused with ThrottlingException for the quota. */
  readonly throttled: number;
}

export interface KmsQuota {
  /** True when the request fits the quota (and counts it); false: answer ThrottlingException. */
  admit(): boolean;
  stats(): KmsQuotaStats;
  reset(): void;
}

/** AWS's default for RSA cryptographic operations per account and region. */
export const DEFAULT_RSA_QUOTA_PER_SECOND = KMS_RSA_REQUEST_QUOTA_PER_SECOND;

export function createKmsQuota(perSecond: number, now: () => number = () => performance.now()): KmsQuota {
  let windowStart = now();
  let inWindow = 0;
  let peak = 0;
  let throttled = 0;
  return {
    admit() {
      const t = now();
      if (t - windowStart >= 1000) {
        windowStart = t;
        inWindow = 0;
      }
      if (inWindow >= perSecond) {
        throttled++;
        return false;
      }
      inWindow++;
      if (inWindow > peak) peak = inWindow;
      return true;
    },
    stats: () => ({ perSecond, peakPerSecond: peak, throttled }),
    reset() {
      peak = 0;
      throttled = 0;
    },
  };
}
