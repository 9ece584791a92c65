// The client registry: one DynamoDB item per client, keyed by `client_id`. Secrets are generated here,
// returned once and stored only as hashes (see client-secret.ts).
import {
  type AttributeValue,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ALL_SCOPES } from '../routes.js';
import { generateClientId, generateClientSecret, hashClientSecret } from './client-secret.js';
import type { DynamoApi } from './dynamo.js';
import { RegistryError } from './errors.js';
import { isReservedItemId } from './key-state.js';
import { classifyAwsError, type RetryPolicy, withRetry } from './retry.js';
import type { ClientRecord, ClientStatus } from './types.js';

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;
/** Bounds for a client's token lifetime: 1 minute to 1 day (RFC 9068 tokens cannot be revoked). */
export const MIN_TOKEN_LIFETIME_SECONDS = 60;
export const MAX_TOKEN_LIFETIME_SECONDS = 86_400;
/** Longest rotation grace: a week, enough for any deploy cycle; longer keeps a leaked secret alive. */
export const MAX_SECRET_GRACE_SECONDS = 7 * 86_400;
const MAX_NAME_LENGTH = 200;

export interface NewClient {
  readonly name: string;
  readonly scopes: readonly string[];
  readonly tokenLifetimeSeconds?: number;
}

export interface ClientUpdate {
  readonly name?: string;
  readonly scopes?: readonly string[];
  readonly tokenLifetimeSeconds?: number;
  readonly status?: ClientStatus;
}

export interface IssuedSecret {
  readonly record: ClientRecord;
  /** The only time the plain secret exists outside the client: show it once, never store it. */
  readonly clientSecret: string;
}

export interface ClientRegistry {
  readonly tableName: string;
  /**
   * The client or undefined. `consistent` (admin reads after writes) costs twice the read units; the token
   * path reads eventually-consistent items since its cache already allows TTL-long staleness.
   */
  get(clientId: string, options?: { consistent?: boolean }): Promise<ClientRecord | undefined>;
  create(input: NewClient): Promise<IssuedSecret>;
  /** Every client (paginated Scan), sorted by creation time then id. */
  list(): Promise<ClientRecord[]>;
  update(clientId: string, changes: ClientUpdate): Promise<ClientRecord>;
  setStatus(clientId: string, status: ClientStatus): Promise<ClientRecord>;
  /** New secret; the previous one stays valid for `graceSeconds` (0: revoked at once). */
  rotateSecret(clientId: string, graceSeconds: number): Promise<IssuedSecret>;
  delete(clientId: string): Promise<void>;
  /** Creates the table on demand (PAY_PER_REQUEST) if missing and waits until ACTIVE (local stack, tests). */
  createTable(options?: { waitMs?: number }): Promise<void>;
}

export interface ClientRegistryOptions {
  readonly dynamodb: DynamoApi;
  readonly tableName: string;
  readonly now?: () => number;
  /**
   * Retries for get(), the token path's one read: full jitter, a deadline per attempt. Pair it with a
   * client whose SDK retries are off (createDynamoClient's default) so attempts do not multiply.
   */
  readonly readRetry?: RetryPolicy;
}

/** 3 attempts, 25-200 ms full jitter, 1 s per attempt: a GetItem takes single-digit ms in-region. */
export const DEFAULT_READ_RETRY: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 25,
  maxDelayMs: 200,
  attemptTimeoutMs: 1000,
};

/** Scope list accepted for a client: known scopes only, deduplicated, in ALL_SCOPES order, at least one. */
export function normalizeScopes(scopes: readonly string[]): string[] {
  const wanted = new Set(scopes.flatMap((s) => s.split(/\s+/)).filter(Boolean));
  const unknown = [...wanted].filter((s) => !ALL_SCOPES.includes(s));
  if (unknown.length > 0)
    throw new RegistryError(
      'invalid_scope',
      `unknown scope ${unknown.map((s) => JSON.stringify(s)).join(', ')}; known scopes: ${ALL_SCOPES.join(' ')}`,
    );
  // RFC 6749 §3.3: a request without `scope` gets the client's default, and a client with no scopes
  // could only be refused (invalid_scope), so the registry does not store such clients.
  if (wanted.size === 0)
    throw new RegistryError('invalid_scope', `a client needs at least one scope (${ALL_SCOPES.join(' ')})`);
  return ALL_SCOPES.filter((s) => wanted.has(s));
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > MAX_NAME_LENGTH || /\p{Cc}/u.test(trimmed))
    throw new RegistryError('invalid_name', `name must be 1-${MAX_NAME_LENGTH} printable characters`);
  return trimmed;
}

function checkLifetime(seconds: number): number {
  if (
    !Number.isSafeInteger(seconds) ||
    seconds < MIN_TOKEN_LIFETIME_SECONDS ||
    seconds > MAX_TOKEN_LIFETIME_SECONDS
  )
    throw new RegistryError(
      'invalid_lifetime',
      `token lifetime must be an integer from ${MIN_TOKEN_LIFETIME_SECONDS} to ${MAX_TOKEN_LIFETIME_SECONDS} seconds`,
    );
  return seconds;
}

type Item = Record<string, AttributeValue>;

function toItem(record: ClientRecord): Item {
  const item: Item = {
    client_id: { S: record.clientId },
    name: { S: record.name },
    // A list (not a string set): keeps order and could hold zero scopes.
    scopes: { L: record.scopes.map((s) => ({ S: s })) },
    status: { S: record.status },
    token_lifetime_seconds: { N: String(record.tokenLifetimeSeconds) },
    created_at: { S: record.createdAt },
    updated_at: { S: record.updatedAt },
    secret_hash: { S: record.secretHash },
  };
  if (record.previousSecretHash !== undefined && record.previousSecretExpiresAt !== undefined) {
    item.previous_secret_hash = { S: record.previousSecretHash };
    item.previous_secret_expires_at = { S: record.previousSecretExpiresAt };
  }
  return item;
}

/** Parses an item defensively: a hand-edited or foreign item must not become a half-valid client. */
export function fromItem(item: Item): ClientRecord {
  const s = (name: string): string | undefined => item[name]?.S;
  const clientId = s('client_id');
  const name = s('name');
  const status = s('status');
  const lifetime = Number(item.token_lifetime_seconds?.N);
  const createdAt = s('created_at');
  const updatedAt = s('updated_at');
  const secretHash = s('secret_hash');
  const scopes = item.scopes?.L?.map((v) => v.S);
  if (
    clientId === undefined ||
    name === undefined ||
    (status !== 'active' && status !== 'disabled') ||
    !Number.isSafeInteger(lifetime) ||
    createdAt === undefined ||
    updatedAt === undefined ||
    secretHash === undefined ||
    scopes === undefined ||
    scopes.some((v) => v === undefined)
  ) {
    throw new RegistryError('corrupt_record', `client item ${JSON.stringify(clientId ?? '?')} is malformed`);
  }
  const previousSecretHash = s('previous_secret_hash');
  const previousSecretExpiresAt = s('previous_secret_expires_at');
  return {
    clientId,
    name,
    scopes: scopes as string[],
    status,
    tokenLifetimeSeconds: lifetime,
    createdAt,
    updatedAt,
    secretHash,
    ...(previousSecretHash !== undefined && previousSecretExpiresAt !== undefined
      ? { previousSecretHash, previousSecretExpiresAt }
      : {}),
  };
}

/** Maps an SDK failure to a registry error; the message names the table, never item contents. */
export function registryErrorFrom(err: unknown, tableName: string): RegistryError {
  if (err instanceof RegistryError) return err;
  const e = err as { name?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? 'Error';
  if (name === 'ResourceNotFoundException')
    return new RegistryError('table_missing', `DynamoDB table "${tableName}" does not exist`, { cause: err });
  // LimitExceededException: too many concurrent control-plane calls (CreateTable), which clears like throttling.
  if (name === 'LimitExceededException' || classifyAwsError(err) === 'throttled')
    return new RegistryError('dependency_throttled', `DynamoDB throttled (${name})`, { cause: err });
  const status = e?.$metadata?.httpStatusCode;
  if (e?.$fault === 'client' && status !== undefined && status < 500)
    return new RegistryError('dependency_rejected', `DynamoDB refused the request (${name})`, { cause: err });
  return new RegistryError('dependency_unavailable', `DynamoDB unavailable (${name})`, { cause: err });
}

const isConditionFailure = (err: unknown): boolean =>
  (err as { name?: string })?.name === 'ConditionalCheckFailedException';

export function createClientRegistry(options: ClientRegistryOptions): ClientRegistry {
  const { dynamodb, tableName } = options;
  const now = options.now ?? Date.now;
  const iso = (ms = now()): string => new Date(ms).toISOString();
  const fail = (err: unknown): never => {
    throw registryErrorFrom(err, tableName);
  };
  const unknown = (clientId: string) =>
    new RegistryError('unknown_client', `no client ${JSON.stringify(clientId)} in table "${tableName}"`);

  async function get(clientId: string, opts: { consistent?: boolean } = {}) {
    // DynamoDB rejects keys over 2048 bytes with a ValidationException; such ids cannot exist anyway.
    // `#...` ids are keygate's own items (the key state): never a client, whoever asks for one.
    if (clientId === '' || isReservedItemId(clientId) || Buffer.byteLength(clientId) > 1024) return undefined;
    const command = new GetItemCommand({
      TableName: tableName,
      Key: { client_id: { S: clientId } },
      ConsistentRead: opts.consistent ?? false,
    });
    const out = await withRetry(
      (signal) => dynamodb.send(command, signal ? { abortSignal: signal } : {}),
      options.readRetry ?? DEFAULT_READ_RETRY,
    ).catch(fail);
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async function update(clientId: string, changes: ClientUpdate): Promise<ClientRecord> {
    const sets: string[] = ['#updated_at = :updated_at'];
    const names: Record<string, string> = { '#updated_at': 'updated_at' };
    const values: Item = { ':updated_at': { S: iso() } };
    const set = (attr: string, value: AttributeValue) => {
      sets.push(`#${attr} = :${attr}`);
      names[`#${attr}`] = attr;
      values[`:${attr}`] = value;
    };
    if (changes.name !== undefined) set('name', { S: checkName(changes.name) });
    if (changes.scopes !== undefined)
      set('scopes', { L: normalizeScopes(changes.scopes).map((s) => ({ S: s })) });
    if (changes.tokenLifetimeSeconds !== undefined)
      set('token_lifetime_seconds', { N: String(checkLifetime(changes.tokenLifetimeSeconds)) });
    if (changes.status !== undefined) {
      if (changes.status !== 'active' && changes.status !== 'disabled')
        throw new RegistryError('corrupt_record', 'status must be active or disabled');
      set('status', { S: changes.status });
    }
    try {
      const out = await dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { client_id: { S: clientId } },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(client_id)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(out.Attributes ?? {});
    } catch (err) {
      if (isConditionFailure(err)) throw unknown(clientId);
      return fail(err);
    }
  }

  return {
    tableName,
    get,
    update,
    setStatus: (clientId, status) => update(clientId, { status }),

    async create(input) {
      const at = iso();
      const clientSecret = generateClientSecret();
      const record: ClientRecord = {
        clientId: generateClientId(),
        name: checkName(input.name),
        scopes: normalizeScopes(input.scopes),
        status: 'active',
        tokenLifetimeSeconds: checkLifetime(input.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS),
        createdAt: at,
        updatedAt: at,
        secretHash: hashClientSecret(clientSecret),
      };
      try {
        await dynamodb.send(
          new PutItemCommand({
            TableName: tableName,
            Item: toItem(record),
            // 128 random bits make a collision practically impossible; the condition makes it impossible.
            ConditionExpression: 'attribute_not_exists(client_id)',
          }),
        );
      } catch (err) {
        if (isConditionFailure(err))
          throw new RegistryError('client_exists', `client id ${record.clientId} already exists`);
        fail(err);
      }
      return { record, clientSecret };
    },

    async list() {
      const records: ClientRecord[] = [];
      let startKey: Item | undefined;
      do {
        const page = await dynamodb
          .send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true }))
          .catch(fail);
        for (const item of page.Items ?? []) {
          if (!isReservedItemId(item.client_id?.S ?? '')) records.push(fromItem(item));
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return records.sort(
        (a, b) => a.createdAt.localeCompare(b.createdAt) || a.clientId.localeCompare(b.clientId),
      );
    },

    async rotateSecret(clientId, graceSeconds) {
      if (!Number.isSafeInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_SECRET_GRACE_SECONDS)
        throw new RegistryError(
          'invalid_grace',
          `grace must be an integer from 0 to ${MAX_SECRET_GRACE_SECONDS} seconds`,
        );
      const current = await get(clientId, { consistent: true });
      if (!current) throw unknown(clientId);
      const clientSecret = generateClientSecret();
      const nowMs = now();
      const values: Item = {
        ':new': { S: hashClientSecret(clientSecret) },
        ':old': { S: current.secretHash },
        ':updated_at': { S: iso(nowMs) },
      };
      let expression = 'SET secret_hash = :new, updated_at = :updated_at';
      if (graceSeconds > 0) {
        expression += ', previous_secret_hash = :old, previous_secret_expires_at = :expires';
        values[':expires'] = { S: iso(nowMs + graceSeconds * 1000) };
      } else {
        expression += ' REMOVE previous_secret_hash, previous_secret_expires_at';
      }
      try {
        const out = await dynamodb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { client_id: { S: clientId } },
            UpdateExpression: expression,
            // Two concurrent rotations must not both "win": the second would keep a hash nobody holds.
            ConditionExpression: 'secret_hash = :old',
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { record: fromItem(out.Attributes ?? {}), clientSecret };
      } catch (err) {
        if (isConditionFailure(err))
          throw new RegistryError(
            'dependency_unavailable',
            `client ${clientId} changed during rotation (deleted or rotated concurrently); retry`,
          );
        return fail(err);
      }
    },

    async delete(clientId) {
      try {
        await dynamodb.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: { client_id: { S: clientId } },
            ConditionExpression: 'attribute_exists(client_id)',
          }),
        );
      } catch (err) {
        if (isConditionFailure(err)) throw unknown(clientId);
        fail(err);
      }
    },

    async createTable(opts = {}) {
      try {
        await dynamodb.send(
          new CreateTableCommand({
            TableName: tableName,
            AttributeDefinitions: [{ AttributeName: 'client_id', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'client_id', KeyType: 'HASH' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
      } catch (err) {
        if ((err as { name?: string })?.name !== 'ResourceInUseException') fail(err);
      }
      const deadline = Date.now() + (opts.waitMs ?? 60_000);
      for (;;) {
        const out = await dynamodb.send(new DescribeTableCommand({ TableName: tableName })).catch(fail);
        if (out.Table?.TableStatus === 'ACTIVE') return;
        if (Date.now() > deadline)
          throw new RegistryError('dependency_unavailable', `table "${tableName}" did not become ACTIVE`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
  };
}
