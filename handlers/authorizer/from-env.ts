// The authorizer Lambda's environment read once into AuthorizerSettings (settings.ts holds the defaults and
// bounds): this file only names each variable and parses its text. The KeygateAuthorizer construct writes
// these variables (core/contract.ts names them).
import { ConfigError, type Field, optionalInt, optionalStr, readConfig, str } from '../../core/config.js';
import {
  AUTHORIZER_ENV,
  AUTHORIZER_TUNING_ENV,
  REVOCATIONS_OFF,
  ROUTES_FILE_NAME,
} from '../../core/contract.js';
import { DEFAULT_TIER, TIER_NAME, USAGE_TIERS_ENV, usageKeyEnv } from '../../core/usage-tiers.js';
import {
  type AuthorizerSettings,
  type AuthorizerSettingsInput,
  authorizerSettings,
  type SettingNames,
  TUNING_BOUNDS,
} from './settings.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The Powertools variables (Powertools' own names) and keygate's logging knobs. */
const LOGGING_ENV = {
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  sampleRate: 'POWERTOOLS_LOGGER_SAMPLE_RATE',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  allowLogLevel: 'ALLOW_LOG_LEVEL',
} as const;

/** Messages name the environment variables. */
const ENV_NAMES: SettingNames = {
  issuer: AUTHORIZER_ENV.issuer,
  audience: AUTHORIZER_ENV.audience,
  jwksUri: AUTHORIZER_ENV.jwksUri,
  revocationsUri: AUTHORIZER_ENV.revocationsUri,
  revocationsOff: REVOCATIONS_OFF,
  routes: AUTHORIZER_ENV.routesFile,
  usageKeys: USAGE_TIERS_ENV,
  ...AUTHORIZER_TUNING_ENV,
  ...LOGGING_ENV,
};

const T = AUTHORIZER_TUNING_ENV;
const B = TUNING_BOUNDS;

/**
 * The text of each variable, with the integers' syntax checked; what is required, the defaults and the
 * ranges are the settings' (an unset variable is undefined here), so every problem is listed at once.
 */
const envSpec = {
  [AUTHORIZER_ENV.issuer]: optionalStr(),
  /** Comma- or space-separated: a token must name at least one. */
  [AUTHORIZER_ENV.audience]: optionalStr(),
  [AUTHORIZER_ENV.jwksUri]: optionalStr(),
  /** The route table (JSON), relative to the entry's directory. */
  [AUTHORIZER_ENV.routesFile]: str({ default: ROUTES_FILE_NAME }),
  /** A URL; unset: derived from ISSUER; REVOCATIONS_OFF: no revocation checks. */
  [AUTHORIZER_ENV.revocationsUri]: optionalStr(),
  /**
   * Usage tiers with a usage plan (core/usage-tiers.ts), `default` among them; each tier's API key value in
   * USAGE_KEY_<TIER>. Unset: no usageIdentifierKey (the API has no usage plans).
   */
  [USAGE_TIERS_ENV]: optionalStr(),
  [T.clockLeewaySeconds]: optionalInt(B.clockLeewaySeconds),
  [T.tokenCacheSize]: optionalInt(B.tokenCacheSize),
  [T.tokenCacheMaxTtlSeconds]: optionalInt(B.tokenCacheMaxTtlSeconds),
  [T.policyCacheSize]: optionalInt(B.policyCacheSize),
  [T.jwksFetchTimeoutMs]: optionalInt(B.jwksFetchTimeoutMs),
  [T.jwksMaxAgeSeconds]: optionalInt(B.jwksMaxAgeSeconds),
  [T.jwksRefetchCooldownSeconds]: optionalInt(B.jwksRefetchCooldownSeconds),
  [T.metricsFlushIntervalSeconds]: optionalInt(B.metricsFlushIntervalSeconds),
  [T.revocationsRefreshSeconds]: optionalInt(B.revocationsRefreshSeconds),
  [T.revocationsMaxStaleSeconds]: optionalInt(B.revocationsMaxStaleSeconds),
  /** AuthorizerTuning.contextClaims, comma- or space-separated. */
  [T.contextClaims]: optionalStr(),
} satisfies Record<string, Field<unknown>>;

const loggingSpec = {
  [LOGGING_ENV.logLevel]: optionalStr(),
  [LOGGING_ENV.serviceName]: optionalStr(),
  /** `0`, `1`, `0.25`, `.5`: the form Powertools accepts for its sample rate. */
  [LOGGING_ENV.sampleRate]: optionalStr(),
  [LOGGING_ENV.metricsNamespace]: optionalStr(),
  [LOGGING_ENV.allowLogLevel]: optionalStr(),
} satisfies Record<string, Field<unknown>>;

const SAMPLE_RATE = /^(?:0(?:\.\d+)?|1(?:\.0+)?|\.\d+)$/;

/**
 * The logging settings a function's environment gives (Powertools' own variables and ALLOW_LOG_LEVEL): the
 * entry reads them with the rest, the library for its default Logger. Unset ones are undefined.
 */
export function loggingFromEnv(
  env: Env,
): Pick<
  AuthorizerSettingsInput,
  'logLevel' | 'serviceName' | 'sampleRate' | 'metricsNamespace' | 'allowLogLevel'
> {
  const raw = readConfig(loggingSpec, env);
  const sampleRate = raw[LOGGING_ENV.sampleRate];
  if (sampleRate !== undefined && !SAMPLE_RATE.test(sampleRate)) {
    throw new ConfigError([`${LOGGING_ENV.sampleRate} must be a number from 0 to 1`]);
  }
  return {
    logLevel: raw[LOGGING_ENV.logLevel],
    serviceName: raw[LOGGING_ENV.serviceName],
    sampleRate: sampleRate === undefined ? undefined : Number(sampleRate),
    metricsNamespace: raw[LOGGING_ENV.metricsNamespace],
    allowLogLevel: raw[LOGGING_ENV.allowLogLevel],
  };
}

/**
 * Reads the authorizer's environment once; `readRoutes` loads the route table ROUTES_FILE names (the entry
 * reads it beside its bundle; tests hand a table). Throws ConfigError listing every problem.
 */
export function settingsFromEnv(env: Env, readRoutes: (routesFile: string) => unknown): AuthorizerSettings {
  const raw = readConfig(envSpec, env);
  const logging = loggingFromEnv(env);
  const routesFile = raw[AUTHORIZER_ENV.routesFile];
  const revocationsUri = raw[AUTHORIZER_ENV.revocationsUri];
  return authorizerSettings(
    {
      issuer: raw[AUTHORIZER_ENV.issuer] ?? '',
      audience: raw[AUTHORIZER_ENV.audience] ?? '',
      jwksUri: raw[AUTHORIZER_ENV.jwksUri] ?? '',
      revocationsUri: revocationsUri === REVOCATIONS_OFF ? false : revocationsUri,
      routes: readRoutes(routesFile),
      clockLeewaySeconds: raw[T.clockLeewaySeconds],
      tokenCacheSize: raw[T.tokenCacheSize],
      tokenCacheMaxTtlSeconds: raw[T.tokenCacheMaxTtlSeconds],
      policyCacheSize: raw[T.policyCacheSize],
      jwksFetchTimeoutMs: raw[T.jwksFetchTimeoutMs],
      jwksMaxAgeSeconds: raw[T.jwksMaxAgeSeconds],
      jwksRefetchCooldownSeconds: raw[T.jwksRefetchCooldownSeconds],
      metricsFlushIntervalSeconds: raw[T.metricsFlushIntervalSeconds],
      revocationsRefreshSeconds: raw[T.revocationsRefreshSeconds],
      revocationsMaxStaleSeconds: raw[T.revocationsMaxStaleSeconds],
      contextClaims: raw[T.contextClaims]?.split(/[\s,]+/).filter(Boolean),
      usageKeys: readUsageKeys(raw[USAGE_TIERS_ENV]?.split(/[\s,]+/).filter(Boolean) ?? [], env),
      ...logging,
    },
    { ...ENV_NAMES, routes: `${AUTHORIZER_ENV.routesFile} ${routesFile}` },
  );
}

// An API key value is 20-128 characters (CreateApiKey, API Gateway API reference); keygate's are alphanumeric.
const KEY_VALUE = /^[A-Za-z0-9]{20,128}$/;

/**
 * Each tier's API key value (undefined without tiers). The values are never logged: a problem names the
 * variable, not its value. With apiKeySource AUTHORIZER they are identifiers, not credentials
 * (docs/tenants.md#usage-tiers).
 */
function readUsageKeys(tiers: readonly string[], env: Env): ReadonlyMap<string, string> | undefined {
  if (tiers.length === 0) return undefined;
  const problems: string[] = [];
  const keys = new Map<string, string>();
  for (const tier of tiers) {
    if (!TIER_NAME.test(tier)) {
      problems.push(`${USAGE_TIERS_ENV}: ${JSON.stringify(tier.slice(0, 40))} is not a tier name`);
      continue;
    }
    const value = env[usageKeyEnv(tier)];
    if (value === undefined || !KEY_VALUE.test(value)) {
      problems.push(
        `${usageKeyEnv(tier)} must be set to the tier's API key value (20-128 letters or digits)`,
      );
    } else keys.set(tier, value);
  }
  if (!tiers.includes(DEFAULT_TIER)) {
    problems.push(`${USAGE_TIERS_ENV} must include ${DEFAULT_TIER}: the plan of clients without a tier`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return keys;
}
