// The TOKEN authorizer's environment (docs/design.md#token-authorizer): every variable with its default and
// bounds, parsed once at init. The bundled entry, `keygate/authorizer` and the local stack all read this spec.
import { clockLeewaySecondsField } from '../core/authz/index.js';
import { ConfigError, type ConfigOf, type Field, int, list, readConfig, str, url } from '../core/config.js';
import {
  defaultRevocationsUri,
  REVOCATIONS_OFF,
  ROUTES_FILE_NAME,
  TOKEN_CACHE_SIZE,
} from '../core/contract.js';
import { checkDocumentUri } from '../core/jwt/bounded-download.js';
import {
  DEFAULT_REVOCATIONS_MAX_STALE_SECONDS,
  DEFAULT_REVOCATIONS_REFRESH_SECONDS,
} from '../core/revocation/index.js';
import { DEFAULT_TIER, TIER_NAME, usageKeyEnv } from '../core/usage-tiers.js';
import { loggerConfigSpec } from './lib/powertools-config.js';

/** REVOCATIONS_URI as given: a URL, REVOCATIONS_OFF, or undefined (derived from ISSUER by revocationsUriOf). */
function revocationsUriField(): Field<string | undefined> {
  const uri = url();
  return {
    parse: (raw, name) => {
      const value = raw?.trim();
      if (!value) return undefined;
      return value === REVOCATIONS_OFF ? REVOCATIONS_OFF : uri.parse(value, name);
    },
  };
}

export const authorizerConfigSpec = {
  ISSUER: str(),
  /** Comma- or space-separated: a token must name at least one. */
  AUDIENCE: list({ min: 1 }),
  JWKS_URI: url(),
  /**
   * Usage tiers with a usage plan (core/usage-tiers.ts), `default` among them; each tier's API key value in
   * USAGE_KEY_<TIER>. Unset: no usageIdentifierKey (the API has no usage plans).
   */
  USAGE_TIERS: list({ default: [] }),
  /** AuthorizerTuning.contextClaims (core/contract.ts): client claims always in the context. */
  CONTEXT_CLAIMS: list({ default: [] }),
  /** The route table (JSON), relative to the entry's directory; read once at init by the entry. */
  ROUTES_FILE: str({ default: ROUTES_FILE_NAME }),
  CLOCK_LEEWAY_SECONDS: clockLeewaySecondsField,
  /** Verified-token cache entries (0 disables). */
  TOKEN_CACHE_SIZE: int({ default: TOKEN_CACHE_SIZE, min: 0, max: 1_000_000 }),
  TOKEN_CACHE_MAX_TTL_SECONDS: int({ default: 3600, min: 1, max: 86_400 }),
  POLICY_CACHE_SIZE: int({ default: 1000, min: 1, max: 100_000 }),
  JWKS_FETCH_TIMEOUT_MS: int({ default: 1500, min: 100, max: 10_000 }),
  JWKS_MAX_AGE_SECONDS: int({ default: 600, min: 10, max: 86_400 }),
  /**
   * Least time between two JWKS fetches caused by unknown kids: a key published moments ago is found
   * within this, while a flood of forged kids costs the JWKS endpoint at most one request per interval.
   */
  JWKS_REFETCH_COOLDOWN_SECONDS: int({ default: 30, min: 1, max: 3600 }),
  /**
   * The auth API's GET /revocations. Unset: `{ISSUER}/revocations`, where keygate's issuer serves it;
   * `none`: no revocation checks (tokens live until exp). Read through revocationsUriOf.
   */
  REVOCATIONS_URI: revocationsUriField(),
  /** No decision uses a revocation list older than this (the call that finds it older waits for a fresh one). */
  REVOCATIONS_REFRESH_SECONDS: int({ default: DEFAULT_REVOCATIONS_REFRESH_SECONDS, min: 1, max: 300 }),
  /** While GET /revocations fails the last list serves this long, then the authorizer answers 500. */
  REVOCATIONS_MAX_STALE_SECONDS: int({ default: DEFAULT_REVOCATIONS_MAX_STALE_SECONDS, min: 1, max: 86_400 }),
  ...loggerConfigSpec('keygate-authorizer'),
  POWERTOOLS_LOGGER_SAMPLE_RATE: str({
    default: '0',
    pattern: /^(?:0(?:\.\d+)?|1(?:\.0+)?|\.\d+)$/,
    hint: 'a number from 0 to 1',
  }),
  POWERTOOLS_METRICS_NAMESPACE: str({ default: 'keygate' }),
  /**
   * Level of the decision line for an allow that needed a signature verification. DEBUG by default: a
   * Powertools line (JSON plus a stdout write) costs a large share of the RSA verify itself (compare the
   * bench/suites/authorizer.ts rows with logs on and off). Allows served from the token cache are always
   * DEBUG; deny, unauthorized and error decisions are always INFO/ERROR.
   */
  ALLOW_LOG_LEVEL: str({ default: 'DEBUG', pattern: /^(?:DEBUG|INFO)$/i, hint: 'DEBUG or INFO' }),
  /** Decision counters are aggregated in memory and published as EMF at most this often (0: every call). */
  METRICS_FLUSH_INTERVAL_SECONDS: int({ default: 60, min: 0, max: 3600 }),
} as const;

export type AuthorizerConfig = ConfigOf<typeof authorizerConfigSpec> & {
  /** Tier -> API key value, from USAGE_TIERS and USAGE_KEY_<TIER> (loadConfig); absent: no usage plans. */
  readonly usageKeys?: ReadonlyMap<string, string>;
};

/** The revocation list the authorizer loads, or undefined when REVOCATIONS_URI is `none`. */
export function revocationsUriOf(
  config: Pick<AuthorizerConfig, 'ISSUER' | 'REVOCATIONS_URI'>,
): string | undefined {
  if (config.REVOCATIONS_URI === REVOCATIONS_OFF) return undefined;
  return config.REVOCATIONS_URI ?? defaultRevocationsUri(config.ISSUER);
}

/** Parses the authorizer's environment once; throws ConfigError listing every problem. */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): AuthorizerConfig {
  const config: AuthorizerConfig = readConfig(authorizerConfigSpec, env);
  if (config.REVOCATIONS_URI === undefined) {
    // The derived URL must pass the same https-or-loopback rule as a given one, at init, not per request.
    const derived = defaultRevocationsUri(config.ISSUER);
    try {
      checkDocumentUri(derived, `the one derived from ISSUER (${derived})`);
    } catch (err) {
      throw new ConfigError([
        `REVOCATIONS_URI is unset and ${(err as Error).message}; set REVOCATIONS_URI, or ${REVOCATIONS_OFF} to turn revocation checks off`,
      ]);
    }
  }
  if (config.USAGE_TIERS.length === 0) return config;
  return { ...config, usageKeys: readUsageKeys(config.USAGE_TIERS, env) };
}

// An API key value is 20-128 characters (CreateApiKey, API Gateway API reference); keygate's are alphanumeric.
const KEY_VALUE = /^[A-Za-z0-9]{20,128}$/;

/**
 * Each tier's API key value. The values are never logged: a problem names the variable, not its value.
 * With apiKeySource AUTHORIZER they are identifiers, not credentials (docs/tenants.md#usage-tiers).
 */
function readUsageKeys(tiers: readonly string[], env: Readonly<Record<string, string | undefined>>) {
  const problems: string[] = [];
  const keys = new Map<string, string>();
  for (const tier of tiers) {
    if (!TIER_NAME.test(tier)) {
      problems.push(`USAGE_TIERS: ${JSON.stringify(tier.slice(0, 40))} is not a tier name`);
      continue;
    }
    const value = env[usageKeyEnv(tier)];
    if (value === undefined || !KEY_VALUE.test(value))
      problems.push(
        `${usageKeyEnv(tier)} must be set to the tier's API key value (20-128 letters or digits)`,
      );
    else keys.set(tier, value);
  }
  if (!tiers.includes(DEFAULT_TIER))
    problems.push(`USAGE_TIERS must include ${DEFAULT_TIER}: the plan of clients without a tier`);
  if (problems.length > 0) throw new ConfigError(problems);
  return keys;
}
