// The Lambda TOKEN authorizer (docs/design.md#token-authorizer, #access-tokens): `Bearer` token in, IAM policy for every route the token's
// scopes permit out. Invalid tokens throw exactly `Unauthorized` (401); our own failures (no keys, bad
// method ARN) throw something else so API Gateway answers 500. Built for the warm path: a repeated token
// costs a cache lookup, a memoized policy and one small object.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent, Context } from 'aws-lambda';
import {
  AuthzError,
  clockLeewaySecondsField,
  createPolicyBuilder,
  type PolicyBuilder,
  type PolicyRoute,
} from '../core/authz/index.js';
import { type ConfigOf, int, list, optionalUrl, readConfig, str, url } from '../core/config.js';
import { ROUTES_FILE_NAME, TOKEN_CACHE_SIZE } from '../core/contract.js';
import {
  createJwksKeyStore,
  createVerifier,
  type JwksDownloader,
  type KeyStoreEvent,
  type Verifier,
  VerifyError,
} from '../core/jwt/index.js';
import type { AccessTokenClaims, KeyStore, VerificationResult } from '../core/jwt/types.js';
import {
  DEFAULT_REVOCATIONS_MAX_STALE_SECONDS,
  DEFAULT_REVOCATIONS_REFRESH_SECONDS,
  type RevocationList,
} from '../core/revocation/index.js';
import { AuthorizerFailure } from './errors.js';
import { type DecisionLogger, DeferredLogger, DeferredMetrics } from './lib/deferred-powertools.js';
import { LOG_LEVEL_THRESHOLDS, loggerConfigSpec, logLevelName } from './lib/powertools-config.js';
import { createAuthorizerRevocations } from './lib/revocations.js';

const COUNT: (typeof MetricUnit)['Count'] = 'Count';

export const authorizerConfigSpec = {
  ISSUER: str(),
  /** Comma- or space-separated: a token must name at least one. */
  AUDIENCE: list({ min: 1 }),
  JWKS_URI: url(),
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
  /** The auth API's GET /revocations; unset: no revocation checks (tokens live until exp). */
  REVOCATIONS_URI: optionalUrl(),
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
   * Powertools line costs ~18 µs (JSON + a stdout write, measured in bench/suites/authorizer.ts), more than
   * half the RSA verify itself. Allows served from the token cache are always DEBUG; deny, unauthorized
   * and error decisions are always INFO/ERROR.
   */
  ALLOW_LOG_LEVEL: str({ default: 'DEBUG', pattern: /^(?:DEBUG|INFO)$/i, hint: 'DEBUG or INFO' }),
  /** Decision counters are aggregated in memory and published as EMF at most this often (0: every call). */
  METRICS_FLUSH_INTERVAL_SECONDS: int({ default: 60, min: 0, max: 3600 }),
} as const;

export type AuthorizerConfig = ConfigOf<typeof authorizerConfigSpec>;

/** Parses the authorizer's environment once; throws ConfigError listing every problem. */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): AuthorizerConfig {
  return readConfig(authorizerConfigSpec, env);
}

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
 * An EMF publish is a JSON serialization plus a stdout write (several µs), which alone would cap the
 * repeated-token path far below its 1,000,000/s target, so calls only bump counters. Token-cache and
 * JWKS counts come from the verifier's and key store's own stats at flush time (no per-call cost).
 * Trade-off: counts from the last interval of an environment that is shut down are lost unless
 * flush() runs (the entry flushes on SIGTERM, which Lambda sends when an extension is registered).
 */
export class DecisionTelemetry {
  allowed = 0;
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

export interface AuthorizerDeps {
  readonly verifier: Verifier;
  readonly keyStore: KeyStore;
  readonly policies: PolicyBuilder;
  /** undefined: REVOCATIONS_URI unset, no revocation checks. */
  readonly revocations?: RevocationList;
  /** undefined: no decision logs (bench rows measuring the bare path). */
  readonly logger: DecisionLogger | undefined;
  readonly telemetry: DecisionTelemetry;
  /** POWERTOOLS_LOGGER_SAMPLE_RATE > 0: re-draw the DEBUG sampling decision per invocation. */
  readonly sampleRate: number;
  /** Uncached allows are logged at INFO (else DEBUG). */
  readonly logAllowsAtInfo: boolean;
  /** Publishes the aggregated metrics and writes every pending log line (shutdown; tests). */
  drain(): Promise<void>;
}

export interface AuthorizerClients {
  /** Replaces the built-in JWKS download (tests). */
  readonly download?: JwksDownloader;
  /** Replaces the Powertools Logger built from config; `null` disables decision logs. */
  readonly logger?: Logger | null;
  /** Replaces the Powertools Metrics built from config; `null` disables metrics. */
  readonly metrics?: Metrics | null;
  /** Epoch-ms clock for token checks (tests). */
  readonly now?: () => number;
}

/**
 * The default Logger is a DeferredLogger (handlers/lib/deferred-powertools.ts): Powertools is imported
 * after the first answer. Until then whether an invocation is sampled cannot be known, so with a sample
 * rate the early lines are kept at DEBUG and the loaded Logger decides.
 */
function deferredLogger(config: AuthorizerConfig, sampleRate: number): DeferredLogger {
  const level = LOG_LEVEL_THRESHOLDS[logLevelName(config)];
  return new DeferredLogger(
    () => import('./lib/powertools.js').then(({ createLogger }) => createLogger(config, sampleRate)),
    sampleRate > 0 ? Math.min(level, LOG_LEVEL_THRESHOLDS.DEBUG) : level,
    { held: true },
  );
}

/** Metrics is imported on the first publish (one per flush interval). */
function deferredMetrics(config: AuthorizerConfig): DeferredMetrics {
  return new DeferredMetrics(() =>
    import('@aws-lambda-powertools/metrics').then(
      ({ Metrics }) =>
        new Metrics({
          namespace: config.POWERTOOLS_METRICS_NAMESPACE,
          serviceName: config.POWERTOOLS_SERVICE_NAME,
        }),
    ),
  );
}

/** `routes`: the API's route table (the entry reads it from ROUTES_FILE). */
export function createDeps(
  config: AuthorizerConfig,
  clients: AuthorizerClients = {},
  routes?: readonly PolicyRoute[],
): AuthorizerDeps {
  const sampleRate = Number(config.POWERTOOLS_LOGGER_SAMPLE_RATE);
  const logger = clients.logger === null ? undefined : (clients.logger ?? deferredLogger(config, sampleRate));
  const metrics = clients.metrics === null ? undefined : (clients.metrics ?? deferredMetrics(config));
  const onEvent = (event: KeyStoreEvent): void => {
    // Key-store events are rare (fetches, rotations) and carry no token text; kids come from the JWKS.
    if (!logger) return;
    if (event.type === 'fetch_failed' || event.type === 'keys_expired' || event.type === 'stale_serving') {
      logger.warn('jwks', { ...event });
    } else logger.info('jwks', { ...event });
  };
  const keyStore = createJwksKeyStore({
    jwksUri: config.JWKS_URI,
    fetchTimeoutMs: config.JWKS_FETCH_TIMEOUT_MS,
    softMaxAgeMs: config.JWKS_MAX_AGE_SECONDS * 1000,
    unknownKidCooldownMs: config.JWKS_REFETCH_COOLDOWN_SECONDS * 1000,
    onEvent,
    ...(clients.download ? { download: clients.download } : {}),
    ...(clients.now ? { now: clients.now } : {}),
  });
  const verifier = createVerifier({
    issuer: config.ISSUER,
    audience: config.AUDIENCE,
    keyStore,
    clockLeewaySeconds: config.CLOCK_LEEWAY_SECONDS,
    tokenCacheSize: config.TOKEN_CACHE_SIZE,
    tokenCacheMaxTtlSeconds: config.TOKEN_CACHE_MAX_TTL_SECONDS,
    ...(clients.now ? { now: clients.now } : {}),
  });
  const revocations = createAuthorizerRevocations(config, clients, logger);
  return {
    verifier,
    keyStore,
    ...(revocations ? { revocations } : {}),
    policies: createPolicyBuilder({ cacheSize: config.POLICY_CACHE_SIZE, ...(routes ? { routes } : {}) }),
    logger,
    telemetry: new DecisionTelemetry(metrics, verifier, keyStore, config.METRICS_FLUSH_INTERVAL_SECONDS),
    sampleRate,
    logAllowsAtInfo: config.ALLOW_LOG_LEVEL.toUpperCase() === 'INFO',
    async drain() {
      await this.telemetry.flush();
      if (logger instanceof DeferredLogger) await logger.loaded();
    },
  };
}

/**
 * The token from `Bearer <token>`: scheme case-insensitive (RFC 7235 §2.1), one or more spaces
 * (RFC 6750 §2.1 `1*SP`), then exactly one space-free token. undefined otherwise. The token's characters
 * are the verifier's to check (it accepts only base64url parts and dots): a regex scan here measured
 * ~0.7-1.5 µs per ~700-character header, 2-5% of an RSA verify, for no extra safety.
 */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string' || header.length < 8) return undefined;
  // 'bearer' compared case-insensitively without allocating a lower-cased copy.
  if (
    (header.charCodeAt(0) | 0x20) !== 0x62 ||
    (header.charCodeAt(1) | 0x20) !== 0x65 ||
    (header.charCodeAt(2) | 0x20) !== 0x61 ||
    (header.charCodeAt(3) | 0x20) !== 0x72 ||
    (header.charCodeAt(4) | 0x20) !== 0x65 ||
    (header.charCodeAt(5) | 0x20) !== 0x72 ||
    header.charCodeAt(6) !== 0x20
  ) {
    return undefined;
  }
  let start = 7;
  while (start < header.length && header.charCodeAt(start) === 0x20) start++;
  if (start === header.length) return undefined;
  // A second space-separated part: two tokens or trailing junk (indexOf is a native memchr).
  return header.indexOf(' ', start) === -1 ? header.slice(start) : undefined;
}

type AuthorizerHandler = (
  event: APIGatewayTokenAuthorizerEvent,
  context?: Pick<Context, 'awsRequestId'>,
) => Promise<APIGatewayAuthorizerResult>;

const DEBUG = 8;

export function createHandler(deps: AuthorizerDeps): AuthorizerHandler {
  const { verifier, policies, revocations, logger, telemetry, sampleRate, logAllowsAtInfo } = deps;
  // logger.level reads process.env on every access (~270 ns measured): read once, and again only when
  // sampling may change it per invocation.
  let debugEnabled = logger !== undefined && logger.level <= DEBUG;
  // Last header -> token. In-process callers (local stack, bench) pass the very same header string for a
  // repeated token, and a fresh slice would make the token cache re-hash ~800 characters on every call;
  // in Lambda each event is parsed afresh and this is one string compare.
  const none = {};
  let lastHeader: unknown = none;
  let lastToken = '';

  function log(
    decision: Decision,
    reason: DecisionReason,
    fields: {
      claims?: AccessTokenClaims;
      kid?: string;
      cacheHit?: boolean;
      verifyMicros?: number;
      methodArn?: unknown;
      requestId?: string | undefined;
      error?: string;
    },
  ): void {
    if (!logger) return;
    const line = {
      decision,
      reason,
      clientId: fields.claims?.client_id,
      jti: fields.claims?.jti,
      kid: fields.kid,
      tokenCacheHit: fields.cacheHit,
      verifyMicros: fields.verifyMicros,
      methodArn: typeof fields.methodArn === 'string' ? fields.methodArn.slice(0, 1600) : undefined,
      awsRequestId: fields.requestId,
      error: fields.error,
    };
    if (decision === 'error') logger.error('authorizer decision', line);
    else if (decision === 'allow' && (fields.cacheHit || !logAllowsAtInfo))
      logger.debug('authorizer decision', line);
    else logger.info('authorizer decision', line);
  }

  /** The decision line for a verified token (allow or deny). */
  function logVerified(
    decision: 'allow' | 'deny',
    reason: DecisionReason,
    { claims, kid, cacheHit }: VerificationResult,
    started: number,
    requestId: string | undefined,
    methodArn: unknown,
  ): void {
    const verifyMicros = Math.round((performance.now() - started) * 1000);
    log(decision, reason, { claims, kid, cacheHit, verifyMicros, requestId, methodArn });
  }

  function unauthorized(reason: DecisionReason, fields: Parameters<typeof log>[2]): never {
    telemetry.count('unauthorized', reason);
    log('unauthorized', reason, fields);
    telemetry.maybeFlush(performance.now());
    throw new Error('Unauthorized');
  }

  function failure(
    reason: DecisionReason,
    err: unknown,
    fields: Parameters<typeof log>[2],
    token?: string,
  ): never {
    telemetry.count('error', reason);
    const raw = err instanceof Error ? `${err.name}: ${err.message}` : 'non-error thrown';
    // Defence in depth: an unexpected error must not carry the token into the log.
    const error = (token ? raw.split(token).join('[token]') : raw).slice(0, 300);
    log('error', reason, { ...fields, error });
    telemetry.maybeFlush(performance.now());
    if (reason === 'keys_unavailable') throw new AuthorizerFailure('keys_unavailable', 'KeysUnavailable');
    if (reason === 'revocations_unavailable') {
      throw new AuthorizerFailure('revocations_unavailable', 'RevocationsUnavailable');
    }
    if (reason === 'method_arn' || reason === 'resource_too_long') {
      throw new AuthorizerFailure('method_arn', 'AuthorizerConfigurationError');
    }
    throw new AuthorizerFailure('internal', 'InternalError');
  }

  const authorizer: AuthorizerHandler = async (event, context) => {
    if (sampleRate > 0 && logger) {
      logger.refreshSampleRateCalculation();
      debugEnabled = logger.level <= DEBUG;
    }
    const requestId = context?.awsRequestId;
    if (typeof event !== 'object' || event === null || event.type !== 'TOKEN') {
      unauthorized('not_token_event', { requestId });
    }
    const header = event.authorizationToken;
    let token: string | undefined;
    if (header === lastHeader) token = lastToken;
    else {
      token = bearerToken(header);
      if (token === undefined) {
        unauthorized(typeof header === 'string' && header !== '' ? 'bad_scheme' : 'missing_token', {
          requestId,
          methodArn: event.methodArn,
        });
      }
      lastHeader = header;
      lastToken = token;
    }

    const started = performance.now();
    let result: VerificationResult;
    try {
      result = await verifier.verifyDetailed(token);
    } catch (err) {
      const verifyMicros = Math.round((performance.now() - started) * 1000);
      if (err instanceof VerifyError && err.isTokenError) {
        unauthorized(err.code, { verifyMicros, requestId, methodArn: event.methodArn });
      }
      failure(
        err instanceof VerifyError ? 'keys_unavailable' : 'internal',
        err,
        { verifyMicros, requestId, methodArn: event.methodArn },
        token,
      );
    }
    const { claims, kid, cacheHit } = result;

    // The verified-token cache holds valid tokens; revocation is re-checked on every call (one Map size
    // compare while nothing is revoked). A stale list is refreshed first, so the bound holds.
    if (revocations !== undefined) {
      if (revocations.due()) {
        try {
          await revocations.refresh();
        } catch (err) {
          failure('revocations_unavailable', err, {
            claims,
            kid,
            cacheHit,
            requestId,
            methodArn: event.methodArn,
          });
        }
      }
      if (revocations.isRevoked(claims.client_id, claims.iat)) {
        unauthorized('revoked', { claims, kid, cacheHit, requestId, methodArn: event.methodArn });
      }
    }

    let policy: ReturnType<PolicyBuilder['policyFor']>;
    try {
      policy = policies.policyFor(event.methodArn, claims.scope);
    } catch (err) {
      const reason = err instanceof AuthzError && err.code !== 'route_table' ? err.code : 'internal';
      failure(reason, err, { claims, kid, cacheHit, requestId, methodArn: event.methodArn });
    }

    if (policy.effect === 'Allow') {
      telemetry.allowed++;
      // Building the line (and a second clock read) costs more than the rest of a cache hit: only when
      // it prints.
      if (debugEnabled || (logAllowsAtInfo && !cacheHit && logger)) {
        logVerified('allow', 'allowed', result, started, requestId, event.methodArn);
      }
    } else {
      telemetry.count('deny', 'no_usable_scope');
      logVerified('deny', 'no_usable_scope', result, started, requestId, event.methodArn);
    }
    // The clock read at the start of this call is recent enough for a flush interval in seconds.
    telemetry.maybeFlush(started);

    const context_: { clientId: string; scope: string; exp: number; jti?: string } = {
      clientId: claims.client_id,
      scope: claims.scope,
      exp: claims.exp,
    };
    if (typeof claims.jti === 'string') context_.jti = claims.jti;
    return {
      principalId: claims.sub,
      // Frozen and shared between calls: the runtime only serializes it.
      policyDocument: policy.policyDocument as unknown as APIGatewayAuthorizerResult['policyDocument'],
      context: context_,
    };
  };

  // A deferred Logger holds its lines until the first answer is out, so loading Powertools never delays a
  // first request (the init-time JWKS line would otherwise start it mid-request: docs/performance.md).
  if (!(logger instanceof DeferredLogger)) return authorizer;
  let first = true;
  return (event, context) => {
    if (!first) return authorizer(event, context);
    first = false;
    const answer = authorizer(event, context);
    const release = () => logger.release();
    answer.then(release, release);
    return answer;
  };
}
