// Usage tiers: named throttles and quotas enforced by API Gateway usage plans (one plan and one API key per
// tier, so a tier's limits are shared by its clients; docs/tenants.md#usage-tiers). The naming contract and the rules shared by the issuer (a
// client's `tier`), the authorizer (`usageIdentifierKey`), the CDK (plans and keys) and the local gateway.
// Imports only core/errors.ts (the one error shape).
import { KeygateError } from './errors.js';

/** A tier's name: lower-case letters, digits and `_`, a letter first, at most 32 characters (like a claim). */
export const TIER_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/** The tier of a client that names none; always exists (declared or not: then no per-client limit). */
export const DEFAULT_TIER = 'default';

/** The token claim naming the client's tier (absent: the default tier); a registered name for client claims. */
export const TIER_CLAIM = 'tier';

/** Quota periods of a usage plan (API Gateway QuotaSettings.period). */
export const QUOTA_PERIODS = ['DAY', 'WEEK', 'MONTH'] as const;
/** One of QUOTA_PERIODS. */
export type QuotaPeriod = (typeof QUOTA_PERIODS)[number];

/** One usage tier: the throttle and quota of its usage plan, shared by the tier's clients. */
export interface UsageTier {
  /** Steady requests per second of the tier's key (usage plan throttle rateLimit). */
  readonly rate: number;
  /** Token-bucket capacity of the tier's key (usage plan throttle burstLimit). */
  readonly burst: number;
  /** Requests per period of the tier's key (usage plan quota). Absent: no quota. */
  readonly quota?: { readonly limit: number; readonly period: QuotaPeriod };
}

/** Tiers by name. The default tier may be declared; when it is not, tierless clients have no per-client limit. */
export type UsageTiers = Readonly<Record<string, UsageTier>>;

/** The authorizer's env: the tier names (space-separated), and one variable per tier with its key value. */
export const USAGE_TIERS_ENV = 'USAGE_TIERS';
export const usageKeyEnv = (tier: string): string => `USAGE_KEY_${tier.toUpperCase()}`;

/** Thrown for a malformed tier; the message is one line for a CLI or a synth error. */
export class UsageTierError extends KeygateError<'invalid_tier'> {
  constructor(message: string, options?: ErrorOptions) {
    super('invalid_tier', message, options);
  }
}

// API Gateway's limits: rateLimit is a double, burstLimit and quota limit integers (UsagePlan ThrottleSettings,
// QuotaSettings, API Gateway API reference). keygate keeps them to whole, bounded numbers.
const MAX_RATE = 1_000_000;
const MAX_QUOTA = 2_000_000_000;

/** Checks one tier's name; returns it. */
export function checkTierName(name: string): string {
  if (!TIER_NAME.test(name))
    throw new UsageTierError(
      `tier name ${JSON.stringify(name)} must be lower-case letters, digits or _ (a letter first, at most 32)`,
    );
  return name;
}

/** Checks a tier's numbers; returns it. */
export function checkTier(name: string, tier: UsageTier): UsageTier {
  checkTierName(name);
  const int = (v: unknown, min: number, max: number) =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
  if (!int(tier.rate, 1, MAX_RATE))
    throw new UsageTierError(`tier ${name}: rate must be an integer from 1 to ${MAX_RATE}`);
  if (!int(tier.burst, 1, MAX_RATE))
    throw new UsageTierError(`tier ${name}: burst must be an integer from 1 to ${MAX_RATE}`);
  if (tier.quota !== undefined) {
    if (!int(tier.quota.limit, 1, MAX_QUOTA))
      throw new UsageTierError(`tier ${name}: quota limit must be an integer from 1 to ${MAX_QUOTA}`);
    if (!(QUOTA_PERIODS as readonly string[]).includes(tier.quota.period))
      throw new UsageTierError(`tier ${name}: quota period must be one of ${QUOTA_PERIODS.join(', ')}`);
  }
  return tier;
}

/** Checks every tier. */
export function checkTiers(tiers: UsageTiers): UsageTiers {
  for (const [name, tier] of Object.entries(tiers)) checkTier(name, tier);
  return tiers;
}

/** The tier names with a plan: the declared ones and the default tier. */
export const tierNames = (tiers: UsageTiers): string[] => [...new Set([DEFAULT_TIER, ...Object.keys(tiers)])];

/**
 * Reads `gold=rate:5,burst:10,quota:1000/DAY` (the CLI's and `npm start --tier`'s spelling) as a named tier.
 */
export function parseTierArg(arg: string): [string, UsageTier] {
  const eq = arg.indexOf('=');
  if (eq <= 0)
    throw new UsageTierError(
      `tier ${JSON.stringify(arg)} must be name=rate:N,burst:N[,quota:N/DAY|WEEK|MONTH]`,
    );
  const name = checkTierName(arg.slice(0, eq));
  const fields = new Map<string, string>();
  for (const part of arg.slice(eq + 1).split(',')) {
    const [key, value, ...rest] = part.split(':');
    if (
      key === undefined ||
      value === undefined ||
      rest.length > 0 ||
      fields.has(key) ||
      !['rate', 'burst', 'quota'].includes(key)
    )
      throw new UsageTierError(
        `tier ${name}: ${JSON.stringify(part)} is not rate:N, burst:N or quota:N/PERIOD (each once)`,
      );
    fields.set(key, value);
  }
  const num = (v: string | undefined) => (v !== undefined && /^\d{1,10}$/.test(v) ? Number(v) : Number.NaN);
  let quota: UsageTier['quota'];
  const q = fields.get('quota');
  if (q !== undefined) {
    const [limit, period] = q.split('/');
    quota = { limit: num(limit), period: (period ?? '').toUpperCase() as QuotaPeriod };
  }
  if (!fields.has('rate') || !fields.has('burst'))
    throw new UsageTierError(`tier ${name}: rate and burst are required`);
  const tier: UsageTier = {
    rate: num(fields.get('rate')),
    burst: num(fields.get('burst')),
    ...(quota !== undefined ? { quota } : {}),
  };
  return [name, checkTier(name, tier)];
}
