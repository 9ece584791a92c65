// GET /revocations as the local stack serves it (API Gateway proxy, payload 1.0; on AWS the publisher writes the
// same document to S3, handlers/publisher.ts): which clients' tokens the authorizer must refuse
// (core/revocation/document.ts), read from the clients table with one consistent Scan at most every
// REVOCATIONS_MAX_AGE_SECONDS per container, cacheable for that long (Cache-Control + strong ETag).
// Entries older than the longest token lifetime are left out: every token they covered has expired; a
// deleted client's tombstone stays listed longer (core/publish/documents.ts). The list carries the JWKS's
// `keys`, built as /.well-known/jwks.json builds them (handlers/jwks.ts, same key-state cache rule), so a
// cold authorizer needs this one GET (core/revocation/keyed-document.ts).
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { int, readConfig, str } from '../core/config.js';
import {
  type ClientRegistry,
  createClientRegistry,
  createDynamoClient,
  type DynamoApi,
  type JwksDocument,
  type JwksPublisher,
  type KmsApi,
  toIssuerError,
} from '../core/issuer/index.js';
import { buildRevocationsDocument, revocationsBody } from '../core/publish/documents.js';
import { DEFAULT_REVOCATIONS_MAX_AGE_SECONDS, type RevocationDocument } from '../core/revocation/index.js';
import { createJwksDocuments, deployedKeyIds, jwksKeysSpec } from './jwks.js';
import {
  type CacheableDocument,
  DEFAULT_RETRY_AFTER,
  documentFailure,
  documentResponse,
  methodNotAllowed,
  readOnlyMethod,
  safeLog,
} from './lib/http.js';
import { createLogger, loggerConfigSpec } from './lib/powertools.js';

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env) {
  const config = readConfig(
    {
      CLIENTS_TABLE: str(),
      TOKEN_MAX_LIFETIME_SECONDS: int({ default: 3600, min: 60, max: 86_400 }),
      REVOCATIONS_MAX_AGE_SECONDS: int({ default: DEFAULT_REVOCATIONS_MAX_AGE_SECONDS, min: 0, max: 60 }),
      // The keys the list carries: the JWKS Lambda's settings (the key state in CLIENTS_TABLE).
      ...jwksKeysSpec,
      ...loggerConfigSpec('keygate-revocations'),
    },
    env,
  );
  return { ...config, keyIds: deployedKeyIds(config) };
}

export type RevocationsConfig = ReturnType<typeof loadConfig>;

export type RevocationsLogger = Pick<Logger, 'warn' | 'error'>;

export interface RevocationsDeps {
  readonly registry: Pick<ClientRegistry, 'listRevocations'>;
  /** The JWKS whose `keys` the list carries (what /.well-known/jwks.json serves). */
  readonly jwks: JwksPublisher;
  readonly maxAgeSeconds: number;
  readonly maxLifetimeSeconds: number;
  readonly logger: RevocationsLogger;
  readonly now: () => number;
}

export interface RevocationsClients {
  readonly dynamodb?: DynamoApi;
  readonly kms?: KmsApi;
  readonly logger?: RevocationsLogger;
  readonly now?: () => number;
  /** The key-state cache's clock (the JWKS Lambda's); default `now`. */
  readonly keyStateNow?: () => number;
}

export function createDeps(config: RevocationsConfig, clients: RevocationsClients = {}): RevocationsDeps {
  const dynamodb = clients.dynamodb ?? createDynamoClient();
  const logger = clients.logger ?? createLogger(config);
  const keyStateNow = clients.keyStateNow ?? clients.now;
  return {
    registry: createClientRegistry({ dynamodb, tableName: config.CLIENTS_TABLE }),
    jwks: createJwksDocuments(
      config,
      {
        dynamodb,
        ...(clients.kms ? { kms: clients.kms } : {}),
        ...(keyStateNow ? { now: keyStateNow } : {}),
      },
      logger,
    ),
    maxAgeSeconds: config.REVOCATIONS_MAX_AGE_SECONDS,
    maxLifetimeSeconds: config.TOKEN_MAX_LIFETIME_SECONDS,
    logger,
    now: clients.now ?? Date.now,
  };
}

export function createHandler(deps: RevocationsDeps) {
  let cached: { doc: RevocationDocument; at: number } | undefined;
  let inflight: Promise<RevocationDocument> | undefined;
  // The served body for the current pair of documents: rebuilt only when either changes.
  let served:
    | { revocations: RevocationDocument; jwks: JwksDocument | undefined; doc: CacheableDocument }
    | undefined;

  async function load(): Promise<RevocationDocument> {
    const at = deps.now();
    const doc = await buildRevocationsDocument({
      registry: deps.registry,
      maxLifetimeSeconds: deps.maxLifetimeSeconds,
      nowMs: at,
    });
    cached = { doc, at };
    return doc;
  }

  async function revocations(): Promise<RevocationDocument> {
    if (cached && deps.now() - cached.at < deps.maxAgeSeconds * 1000) return cached.doc;
    // Concurrent requests in one container share one Scan.
    inflight ??= load().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  // The keys follow the key state per request, exactly as the JWKS endpoint's do; when they cannot be
  // built the list goes out without them (authorizers then GET the JWKS) rather than not at all.
  const keys = (requestId: string | undefined) =>
    deps.jwks.document().catch((err: unknown) => {
      const error = toIssuerError(err);
      safeLog(deps.logger, 'warn', 'revocation list served without keys', {
        errorCode: error.code,
        requestId,
      });
      return undefined;
    });

  async function current(requestId: string | undefined): Promise<CacheableDocument> {
    const [list, jwks] = await Promise.all([revocations(), keys(requestId)]);
    if (served?.revocations !== list || served.jwks !== jwks) {
      served = { revocations: list, jwks, doc: revocationsBody(list, jwks) };
    }
    return served.doc;
  }

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const method = readOnlyMethod(event);
    if (!method) return methodNotAllowed();
    try {
      return documentResponse(
        event,
        method,
        await current(event.requestContext?.requestId),
        deps.maxAgeSeconds,
      );
    } catch (err) {
      return documentFailure(toIssuerError(err), err, {
        names: { logMessage: 'revocations unavailable', document: 'the revocation list' },
        logger: deps.logger,
        requestId: event.requestContext?.requestId,
        retryAfterSeconds: DEFAULT_RETRY_AFTER,
      });
    }
  };
}
