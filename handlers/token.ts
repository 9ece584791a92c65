// POST /oauth2/token (API Gateway proxy, payload 1.0): the client-credentials grant. Thin adapter over
// core/issuer: HTTP event -> TokenRequest -> TokenService -> RFC 6749 §5.1/§5.2 response. Never throws.
// The same Lambda answers POST /oauth2/revoke (RFC 7009) and POST /oauth2/introspect (RFC 7662), which share
// its client authentication.
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { int, list, optionalStr, readConfig, str, url } from '../core/config.js';
import { INTROSPECTION_ENDPOINT_PATH, REVOCATION_ENDPOINT_PATH } from '../core/contract.js';
import {
  BASIC_CHALLENGE,
  createAssertionAuthenticator,
  createAssertionReplayGuard,
  createClientRegistry,
  createCredentialsAuthenticator,
  createDynamoClient,
  createIssuanceLimiter,
  createKeyStateSource,
  createKeyStateStore,
  createKmsClient,
  createRotatingSigner,
  createSharedIssuanceLimiter,
  createTokenIntrospectionService,
  createTokenMinter,
  createTokenRevocationService,
  createTokenService,
  DEFAULT_INTROSPECTION_RATE_PER_SECOND,
  DEFAULT_ISSUANCE_RATE_PER_SECOND,
  type DynamoApi,
  type IssuerError,
  issuerAudiences,
  issuerEndpoints,
  type KmsApi,
  keyStateCacheSecondsField,
  MAX_INTROSPECTION_RATE_PER_SECOND,
  MAX_ISSUANCE_RATE_PER_SECOND,
  parseIntrospectionRequest,
  parseRevocationRequest,
  parseTokenRequest,
  RateLimitedError,
  RegistryError,
  type Signer,
  TOKEN_MAX_LIFETIME_DEFAULT_SECONDS,
  TOKEN_RESPONSE_HEADERS,
  type TokenHttpRequest,
  type TokenIntrospectionService,
  type TokenMinter,
  type TokenRevocationService,
  type TokenService,
  toIssuerError,
} from '../core/issuer/index.js';
import { createJwksKeyStore } from '../core/jwt/key-store.js';
import { createVerifier } from '../core/jwt/verifier.js';
import { MAX_CLOCK_LEEWAY_SECONDS } from '../core/publish/documents.js';
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
       * is one of AUDIENCE and these, and one the client is allowed (core/issuer/clients/resource-indicator.ts).
       */
      AUDIENCES: list({ default: [] }),
      /** Where the revocation and introspection endpoints read the issuer's keys (default: the issuer's). */
      JWKS_URI: optionalStr(),
      ...clientRegistryConfigSpec,
      SIGNING_KEY_ID: str(),
      ...tokenKeySettingsSpec,
      /** Tokens/s per client (burst twice that) for clients whose record sets no rate. */
      ISSUANCE_RATE_PER_SECOND: int({
        default: DEFAULT_ISSUANCE_RATE_PER_SECOND,
        min: 1,
        max: MAX_ISSUANCE_RATE_PER_SECOND,
      }),
      /** Introspection calls/s per caller (burst twice that): a resource server's request rate (RFC 7662 §4). */
      INTROSPECTION_RATE_PER_SECOND: int({
        default: DEFAULT_INTROSPECTION_RATE_PER_SECOND,
        min: 1,
        max: MAX_INTROSPECTION_RATE_PER_SECOND,
      }),
      /**
       * The issuance counter table (core/issuer/tokens/shared-issuance-limiter.ts): set, the per-client limit holds
       * across Lambda environments; unset, per environment.
       */
      ISSUANCE_TABLE: optionalStr(),
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
  /** POST /oauth2/revoke (RFC 7009); without it that route answers 404. */
  readonly revocation?: TokenRevocationService;
  /** POST /oauth2/introspect (RFC 7662); without it that route answers 404. */
  readonly introspection?: TokenIntrospectionService;
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
  // The key in force comes from the key state (core/issuer/keys/key-state.ts), SIGNING_KEY_ID until the first
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
      // Every throttled KMS attempt, retried or not: the early sign of the shared RSA quota (core/issuer/keys/kms-quotas.ts).
      onRetry: ({ kind }) => {
        if (kind === 'throttled') recordCount(metrics, 'KmsThrottles');
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
  const clientCache = configuredClientCache(config, dynamodb, now);
  // private_key_jwt: assertions for this issuer, each jti used once (clients table, reserved ids).
  const assertions = createAssertionAuthenticator({
    clients: clientCache,
    issuer: config.ISSUER,
    replay: createAssertionReplayGuard({ dynamodb, tableName: config.CLIENTS_TABLE }),
    now,
  });
  // A presented token is verified as the authorizer verifies it, with the published keys (fetched on the
  // first revocation or introspection, not at cold start; then cached, refetched for an unknown kid), and
  // up to the authorizers' largest leeway past its exp.
  const keyStore = createJwksKeyStore({
    jwksUri: config.JWKS_URI ?? issuerEndpoints(config.ISSUER).jwksUri,
    now,
  });
  const verifierOptions = {
    issuer: config.ISSUER,
    audience: config.AUDIENCE,
    keyStore,
    tokenCacheSize: 0,
    now,
  };
  const verifier = createVerifier({ ...verifierOptions, clockLeewaySeconds: MAX_CLOCK_LEEWAY_SECONDS });
  // Introspection answers with the issuer's own clock, so no leeway: a token is inactive from its exp on
  // (RFC 7519 §4.1.4), whatever leeway a resource server adds afterwards.
  const introspectionVerifier = createVerifier({ ...verifierOptions, clockLeewaySeconds: 0 });
  const authenticate = createCredentialsAuthenticator({ clients: clientCache, assertions, now });
  return {
    introspection: createTokenIntrospectionService({
      authenticate,
      verify: (token) => introspectionVerifier.verify(token),
      registry: createClientRegistry({ dynamodb, tableName: config.CLIENTS_TABLE }),
      dynamodb,
      tableName: config.CLIENTS_TABLE,
      limiter: createIssuanceLimiter({ now }),
      ratePerSecond: config.INTROSPECTION_RATE_PER_SECOND,
    }),
    revocation: createTokenRevocationService({
      authenticate,
      verify: (token) => verifier.verify(token),
      dynamodb,
      tableName: config.CLIENTS_TABLE,
      leewaySeconds: MAX_CLOCK_LEEWAY_SECONDS,
    }),
    service: createTokenService({
      clients: clientCache,
      assertions,
      minter,
      maxLifetimeSeconds: config.TOKEN_MAX_LIFETIME_SECONDS,
      now,
      audiences: issuerAudiences(config.AUDIENCE, config.AUDIENCES),
      limiter:
        config.ISSUANCE_TABLE !== undefined
          ? createSharedIssuanceLimiter({
              dynamodb,
              tableName: config.ISSUANCE_TABLE,
              now,
              onFallback: () => recordCount(metrics, 'IssuanceLimiterFallbacks'),
            })
          : createIssuanceLimiter({ now }),
      defaultRatePerSecond: config.ISSUANCE_RATE_PER_SECOND,
    }),
    logger: clients.logger ?? createLogger(config),
    ...(metrics ? { metrics } : {}),
  };
}

/**
 * Counts one event as a metric published at once: `KmsThrottles` (a KMS ThrottlingException seen by this
 * Lambda; alarm: infra/lib/constructs/monitoring.ts) or `IssuanceLimiterFallbacks` (the issuance counter
 * table failed and the per-environment bucket decided: core/issuer/tokens/shared-issuance-limiter.ts).
 */
function recordCount(
  metrics: TokenMetrics | undefined,
  name: 'KmsThrottles' | 'IssuanceLimiterFallbacks',
): void {
  if (!metrics) return;
  try {
    metrics.addMetric(name, MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  } catch {
    // Best effort, as every metric here.
  }
}

/** The parts of the proxy event the token and revocation endpoints read (core has no API Gateway types). */
const httpRequest = (event: APIGatewayProxyEvent): TokenHttpRequest => ({
  method: event.httpMethod,
  headers: event.headers,
  multiValueHeaders: event.multiValueHeaders,
  query: event.queryStringParameters,
  body: event.body,
  isBase64Encoded: event.isBase64Encoded,
});

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

  /**
   * A client-authenticated endpoint beside the token one (RFC 7009 revocation, RFC 7662 introspection): parse,
   * run, log the outcome (never the token), answer; errors as RFC 6749 §5.2.
   */
  async function clientEndpoint<R extends { clientId: string; authMethod: string }>(
    event: APIGatewayProxyEvent,
    logLine: string,
    parse: (req: TokenHttpRequest) => R,
    run: (request: R) => Promise<{ outcome: string; answer: APIGatewayProxyResult }>,
  ): Promise<APIGatewayProxyResult> {
    const started = performance.now();
    let clientId: string | undefined;
    let authMethod: string | undefined;
    try {
      const request = parse(httpRequest(event));
      clientId = request.clientId;
      authMethod = request.authMethod;
      const { outcome, answer } = await run(request);
      safeLog(deps.logger, 'info', logLine, {
        outcome,
        clientId: loggableClientId(clientId),
        authMethod,
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
        requestId: event.requestContext?.requestId,
      });
      return answer;
    } catch (err) {
      const error = toIssuerError(err);
      safeLog(deps.logger, error.status >= 500 ? 'error' : 'info', logLine, {
        outcome: 'rejected',
        status: error.status,
        errorCode: error.code,
        clientId: loggableClientId(clientId),
        authMethod,
        requestId: event.requestContext?.requestId,
      });
      return errorResponse(error);
    }
  }

  /** RFC 7009 §2.2: 200 with no body whether or not anything was revoked. */
  const revoke = (event: APIGatewayProxyEvent, service: TokenRevocationService) =>
    clientEndpoint(event, 'revocation request', parseRevocationRequest, async (request) => ({
      outcome: (await service.revoke(request)).outcome,
      answer: { statusCode: 200, headers: { ...TOKEN_RESPONSE_HEADERS }, body: '' },
    }));

  /** RFC 7662 §2.2: 200 with the introspection response (403: the caller may not introspect). */
  const introspect = (event: APIGatewayProxyEvent, service: TokenIntrospectionService) =>
    clientEndpoint(event, 'introspection request', parseIntrospectionRequest, async (request) => {
      // The outcome says why a token is inactive; the answer never does.
      const { outcome, response } = await service.introspect(request);
      return { outcome, answer: jsonResponse(200, response, TOKEN_RESPONSE_HEADERS) };
    });

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    if (event?.resource === INTROSPECTION_ENDPOINT_PATH) {
      if (deps.introspection) return introspect(event, deps.introspection);
      return jsonResponse(
        404,
        { error: 'invalid_request', error_description: 'not found' },
        TOKEN_RESPONSE_HEADERS,
      );
    }
    if (event?.resource === REVOCATION_ENDPOINT_PATH) {
      if (deps.revocation) return revoke(event, deps.revocation);
      return jsonResponse(
        404,
        { error: 'invalid_request', error_description: 'not found' },
        TOKEN_RESPONSE_HEADERS,
      );
    }
    const started = performance.now();
    let clientId: string | undefined;
    let authMethod: string | undefined;
    try {
      const request = parseTokenRequest(httpRequest(event));
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
        recordCount(deps.metrics, 'KmsThrottles');
      }
      return errorResponse(error);
    }
  };
}
