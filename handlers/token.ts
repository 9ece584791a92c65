// POST /oauth2/token (API Gateway proxy, payload 1.0): the client-credentials grant. Thin adapter over
// core/issuer: HTTP event -> TokenRequest -> TokenService -> RFC 6749 §5.1/§5.2 response. Never throws.
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { int, list, optionalStr, readConfig, str, url } from '../core/config.js';
import {
  BASIC_CHALLENGE,
  createDynamoClient,
  createIssuanceLimiter,
  createKeyStateSource,
  createKeyStateStore,
  createKmsClient,
  createRotatingSigner,
  createTokenMinter,
  createTokenService,
  DEFAULT_ISSUANCE_RATE_PER_SECOND,
  type DynamoApi,
  type IssuerError,
  issuerAudiences,
  type KmsApi,
  keyStateCacheSecondsField,
  MAX_ISSUANCE_RATE_PER_SECOND,
  parseTokenRequest,
  RateLimitedError,
  RegistryError,
  type Signer,
  TOKEN_MAX_LIFETIME_DEFAULT_SECONDS,
  TOKEN_RESPONSE_HEADERS,
  type TokenMinter,
  type TokenService,
  toIssuerError,
} from '../core/issuer/index.js';
import {
  clientRegistryConfigSpec,
  configuredClientCache,
  loggableClientId,
} from './lib/client-registry-config.js';
import {
  causeName,
  DEFAULT_RETRY_AFTER,
  jsonResponse,
  type RetryAfterSeconds,
  retryAfter,
  safeLog,
} from './lib/http.js';
import { metricsFromConfig } from './lib/metrics.js';
import { createLogger, loggerConfigSpec } from './lib/powertools.js';

/** The settings a key rotation's waits depend on (handlers/rotation.ts reads them from this Lambda). */
export const tokenKeySettingsSpec = {
  TOKEN_MAX_LIFETIME_SECONDS: int({ default: TOKEN_MAX_LIFETIME_DEFAULT_SECONDS, min: 60, max: 86_400 }),
  /** How long the signing key read from the key state is trusted (rotation without a redeploy). */
  KEY_STATE_CACHE_SECONDS: keyStateCacheSecondsField,
} as const;

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env) {
  return readConfig(
    {
      ISSUER: url(),
      /** The default `aud`: of clients registered without resources. */
      AUDIENCE: str(),
      /**
       * Further audiences this issuer serves (RFC 8707 resources; space- or comma-separated). A token's `aud`
       * is one of AUDIENCE and these, and one the client is allowed (core/issuer/resource-indicator.ts).
       */
      AUDIENCES: list({ default: [] }),
      ...clientRegistryConfigSpec,
      SIGNING_KEY_ID: str(),
      ...tokenKeySettingsSpec,
      /** Tokens/s per client (burst twice that) for clients whose record sets no rate. */
      ISSUANCE_RATE_PER_SECOND: int({
        default: DEFAULT_ISSUANCE_RATE_PER_SECOND,
        min: 1,
        max: MAX_ISSUANCE_RATE_PER_SECOND,
      }),
      /** Metrics (CloudWatch EMF lines) only when a namespace is configured. */
      POWERTOOLS_METRICS_NAMESPACE: optionalStr(),
      ...loggerConfigSpec('keygate-token'),
    },
    env,
  );
}

export type TokenConfig = ReturnType<typeof loadConfig>;

/** The logging surface the handler uses (Powertools Logger satisfies it; tests record calls). */
export type TokenLogger = Pick<Logger, 'info' | 'warn' | 'error'>;
export type TokenMetrics = Pick<Metrics, 'addMetric' | 'singleMetric' | 'publishStoredMetrics'>;

export interface TokenDeps {
  readonly service: TokenService;
  readonly logger: TokenLogger;
  readonly metrics?: TokenMetrics;
  readonly retryAfterSeconds?: RetryAfterSeconds;
}

export interface TokenClients {
  readonly dynamodb?: DynamoApi;
  readonly kms?: KmsApi;
  readonly signer?: Signer;
  readonly minter?: TokenMinter;
  readonly logger?: TokenLogger;
  readonly metrics?: TokenMetrics;
  readonly now?: () => number;
}

export function createDeps(config: TokenConfig, clients: TokenClients = {}): TokenDeps {
  const now = clients.now ?? Date.now;
  const dynamodb = clients.dynamodb ?? createDynamoClient();
  const metrics = clients.metrics ?? metricsFromConfig(config);
  // The key in force comes from the key state (core/issuer/key-state.ts), SIGNING_KEY_ID until the first
  // rotation writes one; a rotation step reaches this container within KEY_STATE_CACHE_SECONDS.
  const signer =
    clients.signer ??
    createRotatingSigner({
      kms: clients.kms ?? createKmsClient(),
      keys: createKeyStateSource({
        store: createKeyStateStore({ dynamodb, tableName: config.CLIENTS_TABLE }),
        initial: { signingKeyId: config.SIGNING_KEY_ID, publishedKeyIds: [config.SIGNING_KEY_ID] },
        ttlSeconds: config.KEY_STATE_CACHE_SECONDS,
        now,
      }),
      // Every throttled KMS attempt, retried or not: the early sign of the shared RSA quota (core/issuer/kms-quotas.ts).
      onRetry: ({ kind }) => {
        if (kind === 'throttled') recordKmsThrottle(metrics);
      },
    });
  const minter =
    clients.minter ??
    createTokenMinter({
      signer,
      issuer: config.ISSUER,
      audience: config.AUDIENCE,
      now,
      maxLifetimeSeconds: config.TOKEN_MAX_LIFETIME_SECONDS,
    });
  return {
    service: createTokenService({
      clients: configuredClientCache(config, dynamodb, now),
      minter,
      maxLifetimeSeconds: config.TOKEN_MAX_LIFETIME_SECONDS,
      now,
      audiences: issuerAudiences(config.AUDIENCE, config.AUDIENCES),
      limiter: createIssuanceLimiter({ now }),
      defaultRatePerSecond: config.ISSUANCE_RATE_PER_SECOND,
    }),
    logger: clients.logger ?? createLogger(config),
    ...(metrics ? { metrics } : {}),
  };
}

function recordKmsThrottle(metrics: TokenMetrics | undefined): void {
  if (!metrics) return;
  try {
    // KMS ThrottlingException seen by this Lambda (alarm: infra/lib/constructs/monitoring.ts).
    metrics.addMetric('KmsThrottles', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  } catch {
    // Best effort, as every metric here.
  }
}

export function createHandler(deps: TokenDeps) {
  const retrySeconds = deps.retryAfterSeconds ?? DEFAULT_RETRY_AFTER;

  function errorResponse(error: IssuerError): APIGatewayProxyResult {
    const headers: Record<string, string> = { ...TOKEN_RESPONSE_HEADERS };
    // RFC 6749 §5.2: invalid_client is 401 with a challenge for the scheme the client should use. Behind a
    // REST API proxy integration it arrives renamed; the gateway response carries it (docs/token-endpoint-401.md).
    if (error.status === 401) headers['WWW-Authenticate'] = BASIC_CHALLENGE;
    if (error.status === 503) headers['Retry-After'] = retryAfter(error.code, retrySeconds);
    // RFC 6585 §4: 429 MAY carry Retry-After; we always say when this client's bucket has a token again.
    if (error instanceof RateLimitedError) headers['Retry-After'] = String(error.retryAfterSeconds);
    return jsonResponse(error.status, { error: error.error, error_description: error.description }, headers);
  }

  function record(code: string | undefined) {
    if (!deps.metrics) return;
    try {
      if (code === undefined) deps.metrics.addMetric('TokensIssued', MetricUnit.Count, 1);
      else {
        const single = deps.metrics.singleMetric();
        single.addDimension('error', code);
        single.addMetric('TokenErrors', MetricUnit.Count, 1);
      }
      deps.metrics.publishStoredMetrics();
    } catch {
      // Metrics are best effort: never fail a token request over them (the outcome is in the log line).
    }
  }

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const started = performance.now();
    let clientId: string | undefined;
    let authMethod: string | undefined;
    try {
      const request = parseTokenRequest({
        method: event.httpMethod,
        headers: event.headers,
        multiValueHeaders: event.multiValueHeaders,
        query: event.queryStringParameters,
        body: event.body,
        isBase64Encoded: event.isBase64Encoded,
      });
      clientId = request.clientId;
      authMethod = request.authMethod;
      const result = await deps.service.issue(request);
      safeLog(deps.logger, 'info', 'token request', {
        outcome: 'issued',
        clientId: loggableClientId(clientId),
        authMethod,
        scope: result.scope,
        audience: result.audience,
        expiresIn: result.expiresIn,
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
        requestId: event.requestContext?.requestId,
      });
      record(undefined);
      return jsonResponse(
        200,
        {
          access_token: result.accessToken,
          token_type: result.tokenType,
          expires_in: result.expiresIn,
          scope: result.scope,
        },
        TOKEN_RESPONSE_HEADERS,
      );
    } catch (err) {
      const error = toIssuerError(err);
      const cause = causeName(error, err);
      safeLog(deps.logger, error.status >= 500 ? 'error' : 'info', 'token request', {
        outcome: 'rejected',
        status: error.status,
        errorCode: error.code,
        error: error.error,
        ...(cause ? { cause } : {}),
        clientId: loggableClientId(clientId),
        authMethod,
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
        requestId: event?.requestContext?.requestId,
      });
      record(error.code);
      // The last throttled attempt (earlier ones were counted as they were retried); DynamoDB's throttling
      // arrives as a RegistryError.
      if (error.code === 'dependency_throttled' && !(error instanceof RegistryError)) {
        recordKmsThrottle(deps.metrics);
      }
      return errorResponse(error);
    }
  };
}
