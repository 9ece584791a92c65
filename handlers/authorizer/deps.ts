// The TOKEN authorizer's dependencies, built once per Lambda environment from its settings: the JWKS key
// store, the verifier and its token cache, the policy builder, the revocation list, deferred Powertools.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { createPolicyBuilder, type PolicyBuilder } from '../../core/authz/index.js';
import { downloadJwks, type JwksDownloader } from '../../core/jwt/jwks-download.js';
import { createJwksKeyStore, type KeyStoreEvent } from '../../core/jwt/key-store.js';
import type { KeyStore } from '../../core/jwt/types.js';
import { createVerifier, type Verifier } from '../../core/jwt/verifier.js';
import {
  firstDownloadShared,
  MAX_REVOCATIONS_BYTES,
  type RevocationList,
} from '../../core/revocation/index.js';
import { DecisionTelemetry } from '../lib/decision-telemetry.js';
import { type DecisionLogger, DeferredLogger, DeferredMetrics } from '../lib/deferred-powertools.js';
import { LOG_LEVEL_THRESHOLDS } from '../lib/powertools-config.js';
import { createAuthorizerRevocations } from './revocations.js';
import type { AuthorizerSettings } from './settings.js';

export interface AuthorizerDeps {
  readonly verifier: Verifier;
  readonly keyStore: KeyStore;
  readonly policies: PolicyBuilder;
  /** undefined: revocation checks are off. */
  readonly revocations?: RevocationList;
  /** undefined: no decision logs (bench rows measuring the bare path). */
  readonly logger: DecisionLogger | undefined;
  readonly telemetry: DecisionTelemetry;
  /** A sample rate > 0: re-draw the DEBUG sampling decision per invocation. */
  readonly sampleRate: number;
  /** Uncached allows are logged at INFO (else DEBUG). */
  readonly logAllowsAtInfo: boolean;
  /** Client claims always in the context ('' when a token has none): settings.contextClaims. */
  readonly contextClaims?: readonly string[];
  /**
   * Tier -> API key value (USAGE_TIERS): the answer's usageIdentifierKey for the token's `tier` claim, or the
   * default tier's. Absent: no usageIdentifierKey (the API has no usage plans).
   */
  readonly usageKeys?: ReadonlyMap<string, string>;
  /** Publishes the aggregated metrics and writes every pending log line (shutdown; tests). */
  drain(): Promise<void>;
}

export interface AuthorizerClients {
  /** Replaces the built-in JWKS download (tests). */
  readonly download?: JwksDownloader;
  /** Replaces the Powertools Logger built from the settings; `null` disables decision logs. */
  readonly logger?: Logger | null;
  /** Replaces the Powertools Metrics built from the settings; `null` disables metrics. */
  readonly metrics?: Metrics | null;
  /** Epoch-ms clock for token checks (tests). */
  readonly now?: () => number;
}

/**
 * The default Logger is a DeferredLogger (handlers/lib/deferred-powertools.ts): Powertools is imported
 * after the first answer. Until then whether an invocation is sampled cannot be known, so with a sample
 * rate the early lines are kept at DEBUG and the loaded Logger decides.
 */
function deferredLogger({ logLevel, serviceName, sampleRate }: AuthorizerSettings): DeferredLogger {
  const level = LOG_LEVEL_THRESHOLDS[logLevel];
  return new DeferredLogger(
    () =>
      import('../lib/powertools.js').then(({ createLogger }) =>
        createLogger({ POWERTOOLS_LOG_LEVEL: logLevel, POWERTOOLS_SERVICE_NAME: serviceName }, sampleRate),
      ),
    sampleRate > 0 ? Math.min(level, LOG_LEVEL_THRESHOLDS.DEBUG) : level,
    { held: true },
  );
}

/** Metrics is imported on the first publish (one per flush interval). */
function deferredMetrics({ metricsNamespace, serviceName }: AuthorizerSettings): DeferredMetrics {
  return new DeferredMetrics(() =>
    import('@aws-lambda-powertools/metrics').then(
      ({ Metrics }) => new Metrics({ namespace: metricsNamespace, serviceName }),
    ),
  );
}

/** What talks to the issuer: built first so its downloads can start before the rest of the dependencies. */
export interface IssuerClients {
  readonly keyStore: KeyStore;
  /** undefined: revocation checks are off. */
  readonly revocations: RevocationList | undefined;
  readonly logger: DecisionLogger | undefined;
  /**
   * Starts both downloads (JWKS, revocation list); resolves when both are settled and never rejects: a
   * request after a failure retries it.
   */
  prefetch(): Promise<void>;
}

export function createIssuerClients(
  settings: AuthorizerSettings,
  clients: AuthorizerClients = {},
): IssuerClients {
  const logger = clients.logger === null ? undefined : (clients.logger ?? deferredLogger(settings));
  const onEvent = (event: KeyStoreEvent): void => {
    // Key-store events are rare (fetches, rotations) and carry no token text; kids come from the JWKS.
    if (!logger) return;
    if (event.type === 'fetch_failed' || event.type === 'keys_expired' || event.type === 'stale_serving') {
      logger.warn('jwks', { ...event });
    } else logger.info('jwks', { ...event });
  };
  // With a revocation list, the first JWKS download is answered from the keys the list carries (one GET at
  // cold start, core/revocation/first-download.ts); later downloads go to each document's own URI.
  const base = clients.download ?? downloadJwks;
  const { revocationsUri } = settings;
  const download =
    revocationsUri === undefined
      ? base
      : firstDownloadShared({
          jwksUri: settings.jwksUri,
          revocationsUri,
          revocationsLimits: { timeoutMs: settings.jwksFetchTimeoutMs, maxBytes: MAX_REVOCATIONS_BYTES },
          download: base,
        });
  const keyStore = createJwksKeyStore({
    jwksUri: settings.jwksUri,
    fetchTimeoutMs: settings.jwksFetchTimeoutMs,
    softMaxAgeMs: settings.jwksMaxAgeSeconds * 1000,
    unknownKidCooldownMs: settings.jwksRefetchCooldownSeconds * 1000,
    onEvent,
    download,
    ...(clients.now ? { now: clients.now } : {}),
  });
  const revocations = createAuthorizerRevocations(settings, { ...clients, download }, logger);
  return {
    keyStore,
    revocations,
    logger,
    async prefetch() {
      // Both documents come from the issuer: one GET when the list carries the keys, else the list's request
      // waits for the JWKS answer's connection and goes out on it (core/jwt/origin-connections.ts).
      await Promise.all([
        keyStore.prefetch().catch(() => undefined),
        revocations?.refresh().catch(() => undefined),
      ]);
    },
  };
}

/**
 * `issuer`: clients made (and their downloads started) earlier by createIssuerClients with the same settings
 * and clients.
 */
export function createDeps(
  settings: AuthorizerSettings,
  clients: AuthorizerClients = {},
  issuer: IssuerClients = createIssuerClients(settings, clients),
): AuthorizerDeps {
  const { keyStore, revocations, logger } = issuer;
  const metrics = clients.metrics === null ? undefined : (clients.metrics ?? deferredMetrics(settings));
  const verifier = createVerifier({
    issuer: settings.issuer,
    audience: settings.audience,
    keyStore,
    clockLeewaySeconds: settings.clockLeewaySeconds,
    tokenCacheSize: settings.tokenCacheSize,
    tokenCacheMaxTtlSeconds: settings.tokenCacheMaxTtlSeconds,
    ...(clients.now ? { now: clients.now } : {}),
  });
  return {
    verifier,
    keyStore,
    ...(revocations ? { revocations } : {}),
    policies: createPolicyBuilder({ routes: settings.routes, cacheSize: settings.policyCacheSize }),
    logger,
    telemetry: new DecisionTelemetry(metrics, verifier, keyStore, settings.metricsFlushIntervalSeconds),
    sampleRate: settings.sampleRate,
    logAllowsAtInfo: settings.allowLogLevel === 'INFO',
    contextClaims: settings.contextClaims,
    ...(settings.usageKeys !== undefined ? { usageKeys: settings.usageKeys } : {}),
    async drain() {
      await this.telemetry.flush();
      if (logger instanceof DeferredLogger) await logger.loaded();
    },
  };
}
