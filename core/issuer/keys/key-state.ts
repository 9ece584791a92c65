// The signing-key state: which KMS key signs tokens, which keys the JWKS publishes, and the rotation in
// progress. One item in the clients table (reserved id), written only with a version condition, so two
// rotation runs can never both apply a step, and a failed run resumes from the last step it recorded.
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoApi } from '../dynamo.js';
import { KeyRotationError } from '../errors.js';
import { KEY_STATE_ITEM_ID } from './key-state-item.js';

export const ROTATION_PHASES = ['created', 'published', 'switched', 'unpublished'] as const;
export type RotationPhase = (typeof ROTATION_PHASES)[number];

export interface KeyRotation {
  readonly id: string;
  /** The last step applied. */
  readonly phase: RotationPhase;
  readonly previousKeyId: string;
  readonly nextKeyId: string;
  /** Epoch ms. */
  readonly startedAt: number;
  /** Epoch ms before which the next step must not run (a cache is still draining). */
  readonly notBefore: number;
}

export interface CompletedRotation {
  readonly id: string;
  /** The key it switched signing to. */
  readonly keyId: string;
  /** Epoch ms. */
  readonly completedAt: number;
}

export interface SigningKeys {
  /** KMS key ARN tokens are signed with. */
  readonly signingKeyId: string;
  /** KMS key ARNs the JWKS publishes; always includes signingKeyId. */
  readonly publishedKeyIds: readonly string[];
}

export interface KeyState extends SigningKeys {
  readonly rotation?: KeyRotation;
  /** The last completed rotation: a start request with its id is a repeat and starts nothing. */
  readonly lastRotation?: CompletedRotation;
  /** Incremented by every write; the write condition. */
  readonly version: number;
  readonly updatedAt: number;
}

export type KeyStateUpdate = Omit<KeyState, 'version' | 'updatedAt'>;

export interface KeyStateStore {
  /** The current state (strongly consistent read), or undefined before the first rotation. */
  read(): Promise<KeyState | undefined>;
  /**
   * Writes `next` if the stored version is still `expectedVersion` (undefined: no item yet), else throws
   * KeyRotationError `conflict`. Returns what was written.
   */
  write(next: KeyStateUpdate, expectedVersion: number | undefined): Promise<KeyState>;
}

export interface KeyStateStoreOptions {
  readonly dynamodb: DynamoApi;
  readonly tableName: string;
  readonly now?: () => number;
}

const isRotation = (v: unknown): v is KeyRotation => {
  const r = v as Partial<KeyRotation> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.id === 'string' &&
    (ROTATION_PHASES as readonly string[]).includes(r.phase as string) &&
    typeof r.previousKeyId === 'string' &&
    typeof r.nextKeyId === 'string' &&
    Number.isSafeInteger(r.startedAt) &&
    Number.isSafeInteger(r.notBefore)
  );
};

/** Parses the item defensively: a hand-edited item must fail loudly, not sign with a half-read key. */
export function keyStateFromItem(item: Record<string, AttributeValue>): KeyState {
  const signingKeyId = item.signing_key_id?.S;
  const publishedKeyIds = item.published_key_ids?.L?.map((v) => v.S);
  const version = Number(item.version?.N);
  const updatedAt = Number(item.updated_at?.N);
  const json = (name: string): unknown => {
    try {
      return item[name]?.S === undefined ? undefined : JSON.parse(item[name].S);
    } catch {
      return null;
    }
  };
  const rotation = json('rotation');
  const lastRotation = json('last_rotation') as Partial<CompletedRotation> | null | undefined;
  if (
    !signingKeyId ||
    !publishedKeyIds ||
    publishedKeyIds.some((k) => !k) ||
    !publishedKeyIds.includes(signingKeyId) ||
    !Number.isSafeInteger(version) ||
    !Number.isSafeInteger(updatedAt) ||
    (lastRotation !== undefined &&
      (typeof lastRotation?.id !== 'string' ||
        typeof lastRotation.keyId !== 'string' ||
        !Number.isSafeInteger(lastRotation.completedAt))) ||
    (rotation !== undefined && !isRotation(rotation))
  ) {
    throw new KeyRotationError('corrupt_state', `the key-state item ${KEY_STATE_ITEM_ID} is malformed`);
  }
  return {
    signingKeyId,
    publishedKeyIds: publishedKeyIds as string[],
    ...(rotation ? { rotation: rotation as KeyRotation } : {}),
    ...(lastRotation ? { lastRotation: lastRotation as CompletedRotation } : {}),
    version,
    updatedAt,
  };
}

export function createKeyStateStore(options: KeyStateStoreOptions): KeyStateStore {
  const { dynamodb, tableName } = options;
  const now = options.now ?? Date.now;
  const key = { client_id: { S: KEY_STATE_ITEM_ID } };
  const failed = (what: string, err: unknown) =>
    new KeyRotationError('dependency_failed', `${what} of the key state in table "${tableName}" failed`, {
      cause: err,
    });

  return {
    async read() {
      let output: { Item?: Record<string, AttributeValue> };
      try {
        output = await dynamodb.send(
          new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
        );
      } catch (err) {
        throw failed('reading', err);
      }
      return output.Item ? keyStateFromItem(output.Item) : undefined;
    },

    async write(next, expectedVersion) {
      if (!next.publishedKeyIds.includes(next.signingKeyId)) {
        throw new TypeError('the signing key must be published');
      }
      const state: KeyState = { ...next, version: (expectedVersion ?? 0) + 1, updatedAt: now() };
      const item: Record<string, AttributeValue> = {
        ...key,
        signing_key_id: { S: state.signingKeyId },
        published_key_ids: { L: state.publishedKeyIds.map((k) => ({ S: k })) },
        version: { N: String(state.version) },
        updated_at: { N: String(state.updatedAt) },
        ...(state.rotation ? { rotation: { S: JSON.stringify(state.rotation) } } : {}),
        ...(state.lastRotation ? { last_rotation: { S: JSON.stringify(state.lastRotation) } } : {}),
      };
      try {
        await dynamodb.send(
          new PutItemCommand({
            TableName: tableName,
            Item: item,
            ...(expectedVersion === undefined
              ? { ConditionExpression: 'attribute_not_exists(client_id)' }
              : {
                  ConditionExpression: 'version = :v',
                  ExpressionAttributeValues: { ':v': { N: String(expectedVersion) } },
                }),
          }),
        );
      } catch (err) {
        if (
          err instanceof ConditionalCheckFailedException ||
          (err as { name?: string })?.name === 'ConditionalCheckFailedException'
        ) {
          throw new KeyRotationError('conflict', 'the key state changed during this step', { cause: err });
        }
        throw failed('writing', err);
      }
      return state;
    },
  };
}
