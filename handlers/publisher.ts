// The document publisher Lambda: writes the JWKS and the revocation list to S3, where the auth API serves
// them through an S3 integration, with no Lambda on the authorizer's cold-start path (docs/design.md#serving-the-cold-start-documents).
// Two triggers: the clients table's DynamoDB stream (a batch of changed items republishes the documents they
// affect; a failure throws, so Lambda retries the batch) and CloudFormation (a custom resource publishes both
// documents at every deploy, so they exist before the first request). Reserved concurrency 1 on AWS
// serializes publishes: the last Scan is always the last write.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationCustomResourceEvent, DynamoDBStreamEvent } from 'aws-lambda';
import { int, list, readConfig, str } from '../core/config.js';
import {
  createClientRegistry,
  createDynamoClient,
  createKeyStateStore,
  createKmsClient,
  createRotatingJwksPublisher,
  type DynamoApi,
  type KmsApi,
} from '../core/issuer/index.js';
import {
  buildRevocationsDocument,
  coldStartBodies,
  createDocumentPublisher,
  createS3Client,
  createS3ObjectStore,
  type DocumentName,
  type DocumentPublisher,
  documentsForChangedItems,
  type ObjectStore,
  PublishError,
  type S3Api,
} from '../core/publish/index.js';
import { DEFAULT_REVOCATIONS_MAX_AGE_SECONDS } from '../core/revocation/index.js';
import { deployedKeyIds, jwksKeySettingsSpec } from './jwks.js';
import { type CfnResponder, checkedResponseUrl, putCfnResponse } from './lib/cfn-response.js';
import { safeLog } from './lib/http.js';
import { createLogger, loggerConfigSpec } from './lib/powertools.js';

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env) {
  return readConfig(
    {
      /** The bucket the auth API's document routes read. */
      DOCUMENTS_BUCKET: str(),
      CLIENTS_TABLE: str(),
      /** The deployed signing key: published until a rotation writes the key state. */
      SIGNING_KEY_ID: str(),
      PUBLISHED_KEY_IDS: list({ default: [] }),
      TOKEN_MAX_LIFETIME_SECONDS: int({ default: 3600, min: 60, max: 86_400 }),
      REVOCATIONS_MAX_AGE_SECONDS: int({ default: DEFAULT_REVOCATIONS_MAX_AGE_SECONDS, min: 0, max: 60 }),
      // JWKS_MAX_AGE_SECONDS, and KEY_STATE_CACHE_SECONDS, which a rotation reads from this function as
      // the bound on how late the JWKS follows a key-state change (the publisher's latency).
      ...jwksKeySettingsSpec,
      ...loggerConfigSpec('keygate-publisher'),
    },
    env,
  );
}

export type PublisherConfig = ReturnType<typeof loadConfig>;
export type PublisherLogger = Pick<Logger, 'info' | 'error'>;

export interface PublisherDeps {
  readonly publisher: DocumentPublisher;
  readonly logger: PublisherLogger;
  readonly respond: CfnResponder;
}

export interface PublisherClients {
  readonly dynamodb?: DynamoApi;
  readonly kms?: KmsApi;
  readonly s3?: S3Api;
  /** Replaces the S3 store (the local stack publishes into memory). */
  readonly store?: ObjectStore;
  readonly logger?: PublisherLogger;
  readonly now?: () => number;
  readonly respond?: CfnResponder;
}

export function createDeps(config: PublisherConfig, clients: PublisherClients = {}): PublisherDeps {
  const dynamodb =
    clients.dynamodb ??
    createDynamoClient({ maxAttempts: 3, requestTimeoutMs: 5000, connectionTimeoutMs: 2000 });
  const kms = clients.kms ?? createKmsClient({ requestTimeoutMs: 5000 });
  const now = clients.now ?? Date.now;
  const registry = createClientRegistry({ dynamodb, tableName: config.CLIENTS_TABLE });
  const keyState = createKeyStateStore({ dynamodb, tableName: config.CLIENTS_TABLE });
  const signingKeyId = config.SIGNING_KEY_ID;
  const store =
    clients.store ??
    createS3ObjectStore({ s3: clients.s3 ?? createS3Client(), bucket: config.DOCUMENTS_BUCKET });
  const logger = clients.logger ?? createLogger(config);
  // The JWKS of the keys the key state publishes now, read consistently on every publish: KMS is asked again
  // only when that set changes (a rotation step), not on every client change. One build per publish, shared by
  // jwks.json and the keys inside the revocation list.
  const initial = { signingKeyId, publishedKeyIds: deployedKeyIds(config) };
  const jwks = createRotatingJwksPublisher({
    kms,
    keys: { current: async () => (await keyState.read()) ?? initial },
    onKeySkipped: (keyId, reason) => safeLog(logger, 'info', 'published key skipped', { keyId, reason }),
  });
  const bodies = coldStartBodies({
    jwks: () => jwks.document(),
    revocations: () =>
      buildRevocationsDocument({
        registry,
        maxLifetimeSeconds: config.TOKEN_MAX_LIFETIME_SECONDS,
        nowMs: now(),
      }),
    onKeysUnavailable: (err) =>
      safeLog(logger, 'error', 'revocation list published without keys', {
        errorCode: (err as { code?: unknown })?.code,
        cause: ((err as Error)?.cause as Error | undefined)?.name,
      }),
  });
  return {
    publisher: createDocumentPublisher({
      store,
      sources: {
        jwks: { maxAgeSeconds: config.JWKS_MAX_AGE_SECONDS, build: bodies.jwks },
        revocations: { maxAgeSeconds: config.REVOCATIONS_MAX_AGE_SECONDS, build: bodies.revocations },
      },
    }),
    logger,
    respond: clients.respond ?? putCfnResponse,
  };
}

export type PublisherEvent = DynamoDBStreamEvent | CloudFormationCustomResourceEvent;

const isCfnEvent = (event: PublisherEvent): event is CloudFormationCustomResourceEvent =>
  typeof (event as { RequestType?: unknown }).RequestType === 'string';

/** The physical id of the bootstrap custom resource: one per function, stable across updates. */
const PHYSICAL_ID = 'keygate-published-documents';

export function createHandler(deps: PublisherDeps) {
  async function publish(names: readonly DocumentName[], trigger: string): Promise<void> {
    if (names.length === 0) return;
    try {
      const published = await deps.publisher.publish(names);
      safeLog(deps.logger, 'info', 'documents published', { trigger, documents: published });
    } catch (err) {
      const e = err as Partial<PublishError>;
      safeLog(deps.logger, 'error', 'publish failed', {
        trigger,
        errorCode: e.code,
        document: e.document,
        cause: ((err as Error)?.cause as Error | undefined)?.name,
      });
      throw err;
    }
  }

  async function customResource(event: CloudFormationCustomResourceEvent): Promise<void> {
    let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
    let reason: string | undefined;
    // Delete leaves the documents: the bucket's removal policy decides what happens to them.
    if (event.RequestType !== 'Delete') {
      try {
        await publish(['jwks', 'revocations'], `cloudformation:${event.RequestType}`);
      } catch (err) {
        status = 'FAILED';
        reason = err instanceof PublishError ? err.message : 'publishing the documents failed';
      }
    }
    await deps.respond(
      checkedResponseUrl(event.ResponseURL),
      JSON.stringify({
        Status: status,
        ...(reason ? { Reason: reason } : {}),
        PhysicalResourceId: PHYSICAL_ID,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
      }),
    );
  }

  return async (event: PublisherEvent): Promise<void> => {
    if (isCfnEvent(event)) return customResource(event);
    const ids = (event.Records ?? []).flatMap((r) => {
      const id = r.dynamodb?.Keys?.client_id?.S;
      return id === undefined ? [] : [id];
    });
    await publish(documentsForChangedItems(ids), 'dynamodb-stream');
  };
}
