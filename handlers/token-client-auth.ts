// REQUEST Lambda authorizer on POST /oauth2/token, /oauth2/revoke and /oauth2/introspect (docs/token-endpoint-401.md): refuses wrong
// client_secret_basic credentials with `Unauthorized`, so API Gateway's UNAUTHORIZED gateway response answers
// the RFC 6749 §5.2 401 with the `WWW-Authenticate` a proxy integration cannot send. Everything else is let
// through to the token Lambda, which authenticates every request again and answers as it always has.
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { optionalStr, readConfig } from '../core/config.js';
import { AUTHORIZER_UNAUTHORIZED } from '../core/contract.js';
import {
  type ClientAuthenticator,
  createClientAuthenticator,
  createDynamoClient,
  type DynamoApi,
  IssuerError,
  parseBasicAuth,
} from '../core/issuer/index.js';
import {
  clientRegistryConfigSpec,
  configuredClientCache,
  loggableClientId,
} from './lib/client-registry-config.js';
import { causeName, safeLog } from './lib/http.js';
import { metricsFromConfig } from './lib/metrics.js';
import { createLogger, loggerConfigSpec } from './lib/powertools.js';

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env) {
  return readConfig(
    {
      ...clientRegistryConfigSpec,
      /** Metrics (CloudWatch EMF lines) only when a namespace is configured. */
      POWERTOOLS_METRICS_NAMESPACE: optionalStr(),
      ...loggerConfigSpec('keygate-token-client-auth'),
    },
    env,
  );
}

export type ClientAuthConfig = ReturnType<typeof loadConfig>;
export type ClientAuthLogger = Pick<Logger, 'info' | 'warn'>;
export type ClientAuthMetrics = Pick<Metrics, 'singleMetric'>;

export interface ClientAuthDeps {
  readonly authenticate: ClientAuthenticator;
  readonly logger: ClientAuthLogger;
  readonly metrics?: ClientAuthMetrics;
}

export interface ClientAuthClients {
  readonly dynamodb?: DynamoApi;
  readonly logger?: ClientAuthLogger;
  readonly metrics?: ClientAuthMetrics;
  readonly now?: () => number;
}

export function createDeps(config: ClientAuthConfig, clients: ClientAuthClients = {}): ClientAuthDeps {
  const now = clients.now ?? Date.now;
  const metrics = clients.metrics ?? metricsFromConfig(config);
  return {
    // The token Lambda's own check, cache bound and all (core/issuer/clients/client-authenticator.ts).
    authenticate: createClientAuthenticator({
      clients: configuredClientCache(config, clients.dynamodb ?? createDynamoClient(), now),
      now,
    }),
    logger: clients.logger ?? createLogger(config),
    ...(metrics ? { metrics } : {}),
  };
}

/** Why a request is let through or refused (log field; the tests' table). */
export type ClientAuthReason =
  /** client_secret_basic with the right secret of an active client. */
  | 'verified'
  /** No Authorization header: client_secret_post or no credentials, the token Lambda decides. */
  | 'no_header'
  /** A repeated or malformed Authorization header: the token Lambda answers its 400 invalid_request. */
  | 'malformed'
  /** The registry could not be read: the token Lambda answers (its stale cache, or its 503 + Retry-After). */
  | 'dependency'
  /** Unknown client, wrong secret, disabled client, empty credentials, or a scheme other than Basic. */
  | 'invalid_client';

export interface ClientAuthDecision {
  /** False only for `invalid_client`. */
  readonly allow: boolean;
  readonly reason: ClientAuthReason;
  /** The Basic client id, when one was presented (client input: log it through loggableClientId). */
  readonly clientId?: string;
  /** The registry failure behind `dependency`. */
  readonly cause?: unknown;
}

/** All values of the Authorization header (API Gateway keeps repeats in multiValueHeaders). */
function authorizationValues(event: Pick<APIGatewayRequestAuthorizerEvent, 'headers' | 'multiValueHeaders'>) {
  const multi = Object.entries(event.multiValueHeaders ?? {}).filter(
    ([k]) => k.toLowerCase() === 'authorization',
  );
  if (multi.length > 0) return multi.flatMap(([, v]) => v ?? []);
  return Object.entries(event.headers ?? {})
    .filter(([k, v]) => k.toLowerCase() === 'authorization' && v !== undefined)
    .map(([, v]) => v!);
}

/**
 * The decision from the Authorization header alone (a REQUEST authorizer gets no body), parsed as the token
 * Lambda parses it (core/issuer/tokens/token-request.ts): only a header the token Lambda would also answer with
 * 401 invalid_client is refused here.
 */
export async function decide(
  event: Pick<APIGatewayRequestAuthorizerEvent, 'headers' | 'multiValueHeaders'>,
  authenticate: ClientAuthenticator,
): Promise<ClientAuthDecision> {
  const values = authorizationValues(event);
  if (values.length === 0) return { allow: true, reason: 'no_header' };
  if (values.length > 1) return { allow: true, reason: 'malformed' };
  let basic: ReturnType<typeof parseBasicAuth>;
  try {
    basic = parseBasicAuth(values[0]!);
  } catch (err) {
    if (err instanceof IssuerError) return { allow: true, reason: 'malformed' };
    throw err;
  }
  // Another scheme: the client tried header authentication keygate does not offer (RFC 6749 §5.2: 401).
  if (!basic || basic.clientId === '' || basic.clientSecret === '') {
    return { allow: false, reason: 'invalid_client', ...(basic ? { clientId: basic.clientId } : {}) };
  }
  try {
    await authenticate(basic.clientId, basic.clientSecret);
    return { allow: true, reason: 'verified', clientId: basic.clientId };
  } catch (err) {
    if (err instanceof IssuerError && err.code === 'invalid_client') {
      return { allow: false, reason: 'invalid_client', clientId: basic.clientId };
    }
    // Fail open to the token Lambda, which re-authenticates regardless: callers get its exact outage answer.
    return { allow: true, reason: 'dependency', clientId: basic.clientId, cause: err };
  }
}

export function createHandler(deps: ClientAuthDeps) {
  function recordRefusal(): void {
    if (!deps.metrics) return;
    try {
      // The token Lambda's metric and dimension: a Basic refusal made here is an invalid_client all the same.
      const single = deps.metrics.singleMetric();
      single.addDimension('error', 'invalid_client');
      single.addMetric('TokenErrors', MetricUnit.Count, 1);
    } catch {
      // Metrics are best effort.
    }
  }

  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const decision = await decide(event, deps.authenticate);
    const requestId = event.requestContext?.requestId;
    if (!decision.allow) {
      safeLog(deps.logger, 'info', 'token client authentication', {
        outcome: 'refused',
        clientId: loggableClientId(decision.clientId),
        requestId,
      });
      recordRefusal();
      throw new Error(AUTHORIZER_UNAUTHORIZED);
    }
    if (decision.reason === 'dependency') {
      const cause = decision.cause;
      safeLog(deps.logger, 'warn', 'token client authentication', {
        outcome: 'passed_on',
        reason: 'dependency',
        errorCode: cause instanceof IssuerError ? cause.code : undefined,
        cause: cause instanceof Error ? causeName(cause, cause) : undefined,
        clientId: loggableClientId(decision.clientId),
        requestId,
      });
    }
    return {
      principalId: decision.reason === 'verified' ? decision.clientId! : 'unauthenticated',
      // Result cache off (docs/token-endpoint-401.md): the policy is for this one call.
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
      },
    };
  };
}
