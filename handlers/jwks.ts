// GET /.well-known/jwks.json (API Gateway proxy, payload 1.0): the published KMS keys as a JWK Set,
// computed once per container, cacheable (Cache-Control + strong ETag, 304 on If-None-Match). Never throws.
// The local stack serves it this way; on AWS the auth API serves the publisher's copy from S3 (publisher.ts).
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ConfigError, int, list, optionalStr, readConfig } from '../core/config.js';
import {
  createDynamoClient,
  createJwksPublisher,
  createKeyStateSource,
  createKeyStateStore,
  createKmsClient,
  createRotatingJwksPublisher,
  type DynamoApi,
  type JwksPublisher,
  type KmsApi,
  keyStateCacheSecondsField,
  kmsIssuerError,
} from '../core/issuer/index.js';
import {
  DEFAULT_RETRY_AFTER,
  documentFailure,
  documentResponse,
  methodNotAllowed,
  type RetryAfterSeconds,
  readOnlyMethod,
  safeLog,
} from './lib/http.js';
import { createLogger, loggerConfigSpec } from './lib/powertools.js';

/** The settings a key rotation's waits depend on (handlers/rotation.ts reads them from this Lambda). */
export const jwksKeySettingsSpec = {
  JWKS_MAX_AGE_SECONDS: int({ default: 300, min: 0, max: 86_400 }),
  KEY_STATE_CACHE_SECONDS: keyStateCacheSecondsField,
} as const;

/** The keys the JWKS publishes and how it follows the key state (the revocation list carries them too). */
export const jwksKeysSpec = {
  SIGNING_KEY_ID: optionalStr(),
  /** Previous/next keys during a rotation; SIGNING_KEY_ID is always published too. */
  PUBLISHED_KEY_IDS: list({ default: [] }),
  ...jwksKeySettingsSpec,
} as const;

/** The deployed key ids to publish: SIGNING_KEY_ID first, then PUBLISHED_KEY_IDS. */
export function deployedKeyIds(config: { SIGNING_KEY_ID?: string; PUBLISHED_KEY_IDS: readonly string[] }) {
  const keyIds = [
    ...new Set([...(config.SIGNING_KEY_ID ? [config.SIGNING_KEY_ID] : []), ...config.PUBLISHED_KEY_IDS]),
  ];
  if (keyIds.length === 0) throw new ConfigError(['SIGNING_KEY_ID or PUBLISHED_KEY_IDS is required']);
  return keyIds;
}

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env) {
  const config = readConfig(
    {
      ...jwksKeysSpec,
      /**
       * The table holding the key state: when set, the published keys follow it (a rotation needs no
       * redeploy) and the keys above apply only until the first rotation writes it.
       */
      CLIENTS_TABLE: optionalStr(),
      ...loggerConfigSpec('keygate-jwks'),
    },
    env,
  );
  return { ...config, keyIds: deployedKeyIds(config) };
}

export type JwksConfig = ReturnType<typeof loadConfig>;
export type JwksLogger = Pick<Logger, 'warn' | 'error'>;

export interface JwksDeps {
  readonly publisher: JwksPublisher;
  readonly maxAgeSeconds: number;
  readonly logger: JwksLogger;
  readonly retryAfterSeconds?: RetryAfterSeconds;
}

export interface JwksClients {
  readonly kms?: KmsApi;
  readonly dynamodb?: DynamoApi;
  readonly now?: () => number;
  readonly publisher?: JwksPublisher;
  readonly logger?: JwksLogger;
}

/** The settings createJwksDocuments reads. */
export type JwksKeysConfig = Pick<JwksConfig, 'keyIds' | 'CLIENTS_TABLE' | 'KEY_STATE_CACHE_SECONDS'>;

/**
 * The JWKS as served: following the key state (re-read at most every KEY_STATE_CACHE_SECONDS) when
 * CLIENTS_TABLE is set, else the deployed keys. The revocations Lambda builds its keys with this too.
 */
export function createJwksDocuments(
  config: JwksKeysConfig,
  clients: Omit<JwksClients, 'publisher' | 'logger'>,
  logger: Pick<Logger, 'warn'>,
): JwksPublisher {
  const common = {
    kms: clients.kms ?? createKmsClient(),
    onKeySkipped: (keyId: string, reason: string) =>
      safeLog(logger, 'warn', 'published key skipped', { keyId, reason }),
  };
  const table = config.CLIENTS_TABLE;
  return table
    ? createRotatingJwksPublisher({
        ...common,
        keys: createKeyStateSource({
          store: createKeyStateStore({
            dynamodb: clients.dynamodb ?? createDynamoClient(),
            tableName: table,
          }),
          initial: { signingKeyId: config.keyIds[0]!, publishedKeyIds: config.keyIds },
          ttlSeconds: config.KEY_STATE_CACHE_SECONDS,
          ...(clients.now ? { now: clients.now } : {}),
        }),
      })
    : createJwksPublisher({ ...common, keyIds: config.keyIds });
}

export function createDeps(config: JwksConfig, clients: JwksClients = {}): JwksDeps {
  const logger = clients.logger ?? createLogger(config);
  return {
    publisher: clients.publisher ?? createJwksDocuments(config, clients, logger),
    maxAgeSeconds: config.JWKS_MAX_AGE_SECONDS,
    logger,
  };
}

export function createHandler(deps: JwksDeps) {
  const retrySeconds = deps.retryAfterSeconds ?? DEFAULT_RETRY_AFTER;

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const method = readOnlyMethod(event);
    if (!method) return methodNotAllowed();
    try {
      return documentResponse(event, method, await deps.publisher.document(), deps.maxAgeSeconds);
    } catch (err) {
      // kmsIssuerError passes IssuerErrors through and maps raw SDK failures.
      return documentFailure(kmsIssuerError(err), err, {
        names: { logMessage: 'jwks unavailable', document: 'the key set' },
        logger: deps.logger,
        requestId: event.requestContext?.requestId,
        retryAfterSeconds: retrySeconds,
      });
    }
  };
}
