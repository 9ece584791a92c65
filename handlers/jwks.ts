// GET /.well-known/jwks.json (API Gateway proxy, payload 1.0): the published KMS keys as a JWK Set,
// computed once per container, cacheable (Cache-Control + strong ETag, 304 on If-None-Match). Never throws.
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ConfigError, int, list, optionalStr, readConfig } from '../core/config.js';
import {
  createJwksPublisher,
  createKmsClient,
  IssuerError,
  ifNoneMatchMatches,
  type JwksPublisher,
  type KmsApi,
  kmsIssuerError,
} from '../core/issuer/index.js';

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env) {
  const config = readConfig(
    {
      SIGNING_KEY_ID: optionalStr(),
      /** Previous/next keys during a rotation; SIGNING_KEY_ID is always published too. */
      PUBLISHED_KEY_IDS: list({ default: [] }),
      JWKS_MAX_AGE_SECONDS: int({ default: 300, min: 0, max: 86_400 }),
    },
    env,
  );
  const keyIds = [
    ...new Set([...(config.SIGNING_KEY_ID ? [config.SIGNING_KEY_ID] : []), ...config.PUBLISHED_KEY_IDS]),
  ];
  if (keyIds.length === 0) throw new ConfigError(['SIGNING_KEY_ID or PUBLISHED_KEY_IDS is required']);
  return { ...config, keyIds };
}

export type JwksConfig = ReturnType<typeof loadConfig>;
export type JwksLogger = Pick<Logger, 'warn' | 'error'>;

export interface JwksDeps {
  readonly publisher: JwksPublisher;
  readonly maxAgeSeconds: number;
  readonly logger: JwksLogger;
  /** Retry-After seconds on 503: throttling clears fast; an outage takes longer. */
  readonly retryAfterSeconds?: { readonly throttled: number; readonly unavailable: number };
}

export interface JwksClients {
  readonly kms?: KmsApi;
  readonly publisher?: JwksPublisher;
  readonly logger?: JwksLogger;
}

export function createDeps(config: JwksConfig, clients: JwksClients = {}): JwksDeps {
  const logger = clients.logger ?? new Logger({ serviceName: 'keygate-jwks' });
  return {
    publisher:
      clients.publisher ??
      createJwksPublisher({
        kms: clients.kms ?? createKmsClient(),
        keyIds: config.keyIds,
        onKeySkipped: (keyId, reason) => safeLog(logger, 'warn', 'published key skipped', { keyId, reason }),
      }),
    maxAgeSeconds: config.JWKS_MAX_AGE_SECONDS,
    logger,
  };
}

const ALLOW = 'GET, HEAD';

export function createHandler(deps: JwksDeps) {
  const retryAfter = deps.retryAfterSeconds ?? { throttled: 1, unavailable: 5 };
  const cacheControl = `public, max-age=${deps.maxAgeSeconds}`;

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const method = event.httpMethod?.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      return jsonError(405, 'invalid_request', 'method not allowed', { Allow: ALLOW });
    }
    try {
      const doc = await deps.publisher.document();
      const cacheHeaders = { 'Cache-Control': cacheControl, ETag: doc.etag };
      if (ifNoneMatchMatches(header(event, 'if-none-match'), doc.etag)) {
        return { statusCode: 304, headers: cacheHeaders, body: '' };
      }
      return {
        statusCode: 200,
        // application/json rather than RFC 7517 §8.5's application/jwk-set+json: what Cognito, Auth0 and
        // Google serve, and what every JWKS client accepts.
        headers: { 'Content-Type': 'application/json', ...cacheHeaders },
        body: method === 'HEAD' ? '' : doc.body,
      };
    } catch (err) {
      const error = err instanceof IssuerError ? err : kmsIssuerError(err);
      const cause = (error.cause ?? err) as { name?: string; code?: string } | undefined;
      safeLog(deps.logger, 'error', 'jwks unavailable', {
        errorCode: error.code,
        ...(cause && cause !== error ? { cause: cause.code ?? cause.name } : {}),
        requestId: event.requestContext?.requestId,
      });
      if (error.status === 503) {
        const seconds = error.code === 'dependency_throttled' ? retryAfter.throttled : retryAfter.unavailable;
        return jsonError(503, 'temporarily_unavailable', 'the key set is temporarily unavailable', {
          'Retry-After': String(seconds),
        });
      }
      return jsonError(500, 'server_error', 'the key set cannot be served');
    }
  };
}

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const lower = name.toLowerCase();
  // API Gateway puts every value of a repeated header in multiValueHeaders; join them (RFC 9110 §5.3).
  const multi = Object.entries(event.multiValueHeaders ?? {}).find(([k]) => k.toLowerCase() === lower)?.[1];
  if (multi && multi.length > 0) return multi.join(', ');
  return Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === lower)?.[1];
}

function jsonError(
  statusCode: number,
  error: string,
  description: string,
  extra: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...extra },
    body: JSON.stringify({ error, error_description: description }),
  };
}

function safeLog(
  logger: JwksLogger,
  level: 'warn' | 'error',
  message: string,
  fields: Record<string, unknown>,
) {
  try {
    logger[level](message, fields);
  } catch {
    // A logging failure must not turn an answer into a crash.
  }
}
