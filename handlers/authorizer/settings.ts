// The TOKEN authorizer's settings as one typed object (docs/design.md#token-authorizer): every setting with its
// default and bounds, checked here once. The library (create.ts) builds them from typed options, the Lambda
// entry from its environment (from-env.ts); both get the same defaults, bounds and messages.

import { type ProtectedRoute, parseRouteTable } from '../../core/authz/route-table.js';
import { CLOCK_LEEWAY_SECONDS_BOUNDS } from '../../core/authz/token-expiry.js';
import { ConfigError, type IntBounds, intProblem } from '../../core/config.js';
import { type AuthorizerTuning, defaultRevocationsUri, TOKEN_CACHE_SIZE } from '../../core/contract.js';
import { checkDocumentUri } from '../../core/jwt/bounded-download.js';
import {
  DEFAULT_REVOCATIONS_MAX_STALE_SECONDS,
  DEFAULT_REVOCATIONS_REFRESH_SECONDS,
} from '../../core/revocation/index.js';
import { LOG_LEVEL_THRESHOLDS, type LogLevelName } from '../lib/powertools-config.js';

/** The whole-number tuning knobs (`contextClaims` is the one list). */
type IntKnob = Exclude<keyof AuthorizerTuning, 'contextClaims'>;

/** Each whole-number knob's default and range: the one definition (the env path and the options path read it). */
export const TUNING_BOUNDS: { readonly [K in IntKnob]-?: IntBounds } = {
  clockLeewaySeconds: CLOCK_LEEWAY_SECONDS_BOUNDS,
  /** Verified-token cache entries (0 disables). */
  tokenCacheSize: { default: TOKEN_CACHE_SIZE, min: 0, max: 1_000_000 },
  tokenCacheMaxTtlSeconds: { default: 3600, min: 1, max: 86_400 },
  policyCacheSize: { default: 1000, min: 1, max: 100_000 },
  jwksFetchTimeoutMs: { default: 1500, min: 100, max: 10_000 },
  jwksMaxAgeSeconds: { default: 600, min: 10, max: 86_400 },
  /**
   * Least time between two JWKS fetches caused by unknown kids: a key published moments ago is found
   * within this, while a flood of forged kids costs the JWKS endpoint at most one request per interval.
   */
  jwksRefetchCooldownSeconds: { default: 30, min: 1, max: 3600 },
  /** Decision counters are aggregated in memory and published as EMF at most this often (0: every call). */
  metricsFlushIntervalSeconds: { default: 60, min: 0, max: 3600 },
  /** No decision uses a revocation list older than this (the call that finds it older waits for a fresh one). */
  revocationsRefreshSeconds: { default: DEFAULT_REVOCATIONS_REFRESH_SECONDS, min: 1, max: 300 },
  /** While GET /revocations fails the last list serves this long, then the authorizer answers 500. */
  revocationsMaxStaleSeconds: { default: DEFAULT_REVOCATIONS_MAX_STALE_SECONDS, min: 1, max: 86_400 },
};

const TUNING_KEYS = Object.keys(TUNING_BOUNDS).filter((k): k is IntKnob => Object.hasOwn(TUNING_BOUNDS, k));

/** How the decision lines and counters are written (Powertools Logger and Metrics). */
export interface AuthorizerLogging {
  /** Powertools log level. @default INFO */
  readonly logLevel: LogLevelName;
  /** @default keygate-authorizer */
  readonly serviceName: string;
  /** Share of invocations logged at DEBUG (Powertools sampling), 0 to 1. @default 0 */
  readonly sampleRate: number;
  /** CloudWatch namespace of the decision counters. @default keygate */
  readonly metricsNamespace: string;
  /**
   * Level of the decision line for an allow that needed a signature verification. DEBUG by default: a
   * Powertools line (JSON plus a stdout write) costs a large share of the RSA verify itself (compare the
   * bench/suites/authorizer.ts rows with logs on and off). Allows served from the token cache are always
   * DEBUG; deny, unauthorized and error decisions are always INFO/ERROR.
   */
  readonly allowLogLevel: 'DEBUG' | 'INFO';
}

const DEFAULT_LOGGING: AuthorizerLogging = {
  logLevel: 'INFO',
  serviceName: 'keygate-authorizer',
  sampleRate: 0,
  metricsNamespace: 'keygate',
  allowLogLevel: 'DEBUG',
};

/** What settings are built from: the required facts, and any knob (unset ones take their defaults). */
export interface AuthorizerSettingsInput extends AuthorizerTuning {
  /** Expected `iss`. */
  readonly issuer: string;
  /** Expected `aud`: a token must name at least one. */
  readonly audience: string | readonly string[];
  /** Where the signing keys are published (https, or http on loopback). */
  readonly jwksUri: string;
  /** The revocation list; `false`: no revocation checks; unset: `{issuer}/revocations`. */
  readonly revocationsUri?: string | false;
  /** The API's route table (checked by parseRouteTable). */
  readonly routes: unknown;
  /** Usage tier -> API key value: the answer's usageIdentifierKey (core/usage-tiers.ts); absent: no usage plans. */
  readonly usageKeys?: ReadonlyMap<string, string>;
  /** AuthorizerLogging's fields, checked here (any case). */
  readonly logLevel?: string;
  readonly serviceName?: string;
  readonly sampleRate?: number;
  readonly metricsNamespace?: string;
  readonly allowLogLevel?: string;
}

/** The settings every part of the authorizer reads: all set, all in range. */
export interface AuthorizerSettings extends Required<AuthorizerTuning>, AuthorizerLogging {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly jwksUri: string;
  /** The revocation list to load; undefined: revocation checks are off. */
  readonly revocationsUri: string | undefined;
  readonly routes: readonly ProtectedRoute[];
  /** Usage tier -> API key value (docs/tenants.md#usage-tiers); absent: no usageIdentifierKey. */
  readonly usageKeys?: ReadonlyMap<string, string>;
}

/** The name each input is known by in messages (an option name, or the env variable it was read from). */
export type SettingNames = { readonly [K in keyof AuthorizerSettingsInput]-?: string } & {
  /** How the user turns revocation checks off (`false`, or `REVOCATIONS_URI=none`). */
  readonly revocationsOff: string;
};

/** Messages name the library's options. */
const OPTION_NAMES: SettingNames = {
  issuer: 'issuer',
  audience: 'audience',
  jwksUri: 'jwksUri',
  revocationsUri: 'revocationsUri',
  revocationsOff: 'false',
  routes: 'routes',
  clockLeewaySeconds: 'clockLeewaySeconds',
  tokenCacheSize: 'tokenCacheSize',
  tokenCacheMaxTtlSeconds: 'tokenCacheMaxTtlSeconds',
  policyCacheSize: 'policyCacheSize',
  jwksFetchTimeoutMs: 'jwksFetchTimeoutMs',
  jwksMaxAgeSeconds: 'jwksMaxAgeSeconds',
  jwksRefetchCooldownSeconds: 'jwksRefetchCooldownSeconds',
  metricsFlushIntervalSeconds: 'metricsFlushIntervalSeconds',
  revocationsRefreshSeconds: 'revocationsRefreshSeconds',
  revocationsMaxStaleSeconds: 'revocationsMaxStaleSeconds',
  contextClaims: 'contextClaims',
  usageKeys: 'usageKeys',
  logLevel: 'logLevel',
  serviceName: 'serviceName',
  sampleRate: 'sampleRate',
  metricsNamespace: 'metricsNamespace',
  allowLogLevel: 'allowLogLevel',
};

function isLogLevel(value: string): value is LogLevelName {
  return Object.hasOwn(LOG_LEVEL_THRESHOLDS, value);
}

/** An absolute https URL, or http to a loopback host; the problem otherwise. */
function uriProblem(uri: string, name: string): string | undefined {
  try {
    checkDocumentUri(uri, name);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : `${name} is not a valid URL`;
  }
}

/**
 * Checks `input` and fills in the defaults; throws ConfigError listing every problem (named by `names`), or
 * AuthzError `route_table` for a bad route table.
 */
export function authorizerSettings(
  input: AuthorizerSettingsInput,
  names: SettingNames = OPTION_NAMES,
): AuthorizerSettings {
  const routes = parseRouteTable(input.routes, names.routes);
  const problems: string[] = [];
  const issuer = input.issuer.trim();
  if (issuer === '') problems.push(`${names.issuer} is required`);
  const audience = (typeof input.audience === 'string' ? [input.audience] : input.audience)
    .flatMap((a) => a.split(/[\s,]+/))
    .filter(Boolean);
  if (audience.length === 0) problems.push(`${names.audience} is required`);
  const jwksUri = input.jwksUri.trim();
  const jwksProblem = jwksUri === '' ? `${names.jwksUri} is required` : uriProblem(jwksUri, names.jwksUri);
  if (jwksProblem !== undefined) problems.push(jwksProblem);

  let revocationsUri: string | undefined;
  if (input.revocationsUri === false) revocationsUri = undefined;
  else if (input.revocationsUri !== undefined) {
    revocationsUri = input.revocationsUri;
    const problem = uriProblem(revocationsUri, names.revocationsUri);
    if (problem !== undefined) problems.push(problem);
  } else if (issuer !== '') {
    // The derived URL must pass the same https-or-loopback rule as a given one, at init, not per request.
    revocationsUri = defaultRevocationsUri(issuer);
    const problem = uriProblem(revocationsUri, `the one derived from ${names.issuer} (${revocationsUri})`);
    if (problem !== undefined) {
      problems.push(
        `${names.revocationsUri} is unset and ${problem}; set ${names.revocationsUri}, or ${names.revocationsOff} to turn revocation checks off`,
      );
    }
  }

  const tuning = defaultTuning();
  for (const key of TUNING_KEYS) {
    const value = input[key];
    if (value === undefined) continue;
    const problem = intProblem(names[key], value, TUNING_BOUNDS[key]);
    if (problem !== undefined) problems.push(problem);
    tuning[key] = value;
  }

  const level = (input.logLevel ?? DEFAULT_LOGGING.logLevel).toUpperCase();
  const logLevel = isLogLevel(level) ? level : undefined;
  if (logLevel === undefined) {
    problems.push(`${names.logLevel} must be one of ${Object.keys(LOG_LEVEL_THRESHOLDS).join(', ')}`);
  }
  const sampleRate = input.sampleRate ?? DEFAULT_LOGGING.sampleRate;
  if (!(sampleRate >= 0 && sampleRate <= 1))
    problems.push(`${names.sampleRate} must be a number from 0 to 1`);
  const allowLevel = (input.allowLogLevel ?? DEFAULT_LOGGING.allowLogLevel).toUpperCase();
  const allowLogLevel = allowLevel === 'DEBUG' || allowLevel === 'INFO' ? allowLevel : undefined;
  if (allowLogLevel === undefined) problems.push(`${names.allowLogLevel} must be DEBUG or INFO`);
  if (problems.length > 0 || logLevel === undefined || allowLogLevel === undefined) {
    throw new ConfigError(problems);
  }
  return {
    issuer,
    audience,
    jwksUri,
    revocationsUri,
    routes,
    ...tuning,
    contextClaims: Object.freeze([...(input.contextClaims ?? [])]),
    ...(input.usageKeys !== undefined ? { usageKeys: input.usageKeys } : {}),
    logLevel,
    serviceName: input.serviceName ?? DEFAULT_LOGGING.serviceName,
    sampleRate,
    metricsNamespace: input.metricsNamespace ?? DEFAULT_LOGGING.metricsNamespace,
    allowLogLevel,
  };
}

function defaultTuning(): Record<IntKnob, number> {
  return {
    clockLeewaySeconds: TUNING_BOUNDS.clockLeewaySeconds.default,
    tokenCacheSize: TUNING_BOUNDS.tokenCacheSize.default,
    tokenCacheMaxTtlSeconds: TUNING_BOUNDS.tokenCacheMaxTtlSeconds.default,
    policyCacheSize: TUNING_BOUNDS.policyCacheSize.default,
    jwksFetchTimeoutMs: TUNING_BOUNDS.jwksFetchTimeoutMs.default,
    jwksMaxAgeSeconds: TUNING_BOUNDS.jwksMaxAgeSeconds.default,
    jwksRefetchCooldownSeconds: TUNING_BOUNDS.jwksRefetchCooldownSeconds.default,
    metricsFlushIntervalSeconds: TUNING_BOUNDS.metricsFlushIntervalSeconds.default,
    revocationsRefreshSeconds: TUNING_BOUNDS.revocationsRefreshSeconds.default,
    revocationsMaxStaleSeconds: TUNING_BOUNDS.revocationsMaxStaleSeconds.default,
  };
}
