// GET /revocations (API Gateway proxy, payload 1.0): which clients' tokens the authorizer must refuse
// (core/revocation/document.ts), read from the clients table with one consistent Scan at most every
// REVOCATIONS_MAX_AGE_SECONDS per container, cacheable for that long (Cache-Control + strong ETag).
// Entries older than the longest token lifetime are left out: every token they covered has expired; a
// deleted client's tombstone stays listed longer (core/publish/documents.ts).
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { int, readConfig, str } from '../core/config.js';
import {
  type ClientRegistry,
  createClientRegistry,
  createDynamoClient,
  type DynamoApi,
  toIssuerError,
} from '../core/issuer/index.js';
import { buildRevocationsBody } from '../core/publish/documents.js';
import { strongEtag } from '../core/publish/served-documents.js';
import { DEFAULT_REVOCATIONS_MAX_AGE_SECONDS } from '../core/revocation/index.js';
import {
  type CacheableDocument,
  causeName,
  DEFAULT_RETRY_AFTER,
  documentResponse,
  errorResponse,
  methodNotAllowed,
  readOnlyMethod,
  retryAfter,
  safeLog,
} from './lib/http.js';
import { createLogger, loggerConfigSpec } from './lib/powertools.js';

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env) {
  return readConfig(
    {
      CLIENTS_TABLE: str(),
      TOKEN_MAX_LIFETIME_SECONDS: int({ default: 3600, min: 60, max: 86_400 }),
      REVOCATIONS_MAX_AGE_SECONDS: int({ default: DEFAULT_REVOCATIONS_MAX_AGE_SECONDS, min: 0, max: 60 }),
      ...loggerConfigSpec('keygate-revocations'),
    },
    env,
  );
}

export type RevocationsConfig = ReturnType<typeof loadConfig>;

export interface RevocationsDeps {
  readonly registry: Pick<ClientRegistry, 'listRevocations'>;
  readonly maxAgeSeconds: number;
  readonly maxLifetimeSeconds: number;
  readonly logger: Pick<Logger, 'error'>;
  readonly now: () => number;
}

export function createDeps(
  config: RevocationsConfig,
  clients: { dynamodb?: DynamoApi; logger?: Pick<Logger, 'error'>; now?: () => number } = {},
): RevocationsDeps {
  return {
    registry: createClientRegistry({
      dynamodb: clients.dynamodb ?? createDynamoClient(),
      tableName: config.CLIENTS_TABLE,
    }),
    maxAgeSeconds: config.REVOCATIONS_MAX_AGE_SECONDS,
    maxLifetimeSeconds: config.TOKEN_MAX_LIFETIME_SECONDS,
    logger: clients.logger ?? createLogger(config),
    now: clients.now ?? Date.now,
  };
}

export function createHandler(deps: RevocationsDeps) {
  let cached: { doc: CacheableDocument; at: number } | undefined;
  let inflight: Promise<CacheableDocument> | undefined;

  async function load(): Promise<CacheableDocument> {
    const at = deps.now();
    const body = await buildRevocationsBody({
      registry: deps.registry,
      maxLifetimeSeconds: deps.maxLifetimeSeconds,
      nowMs: at,
    });
    const doc = { body, etag: strongEtag(body) };
    cached = { doc, at };
    return doc;
  }

  async function current(): Promise<CacheableDocument> {
    if (cached && deps.now() - cached.at < deps.maxAgeSeconds * 1000) return cached.doc;
    // Concurrent requests in one container share one Scan.
    inflight ??= load().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const method = readOnlyMethod(event);
    if (!method) return methodNotAllowed();
    try {
      return documentResponse(event, method, await current(), deps.maxAgeSeconds);
    } catch (err) {
      const error = toIssuerError(err);
      const cause = causeName(error, err);
      safeLog(deps.logger, 'error', 'revocations unavailable', {
        errorCode: error.code,
        ...(cause ? { cause } : {}),
        requestId: event.requestContext?.requestId,
      });
      if (error.status === 503) {
        return errorResponse(
          503,
          'temporarily_unavailable',
          'the revocation list is temporarily unavailable',
          {
            'Retry-After': retryAfter(error.code, DEFAULT_RETRY_AFTER),
          },
        );
      }
      return errorResponse(500, 'server_error', 'the revocation list cannot be served');
    }
  };
}
