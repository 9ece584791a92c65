// The client registry over DynamoDB: create, read, list, update, rotate and delete clients. Secrets are
// generated here, returned once and stored only as hashes (client-secret.ts); the record rules are in
// client-rules.ts, the item mapping in client-item.ts, the table itself in client-table.ts.
import {
  type AttributeValue,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { checkTierName, DEFAULT_TIER } from '../../usage-tiers.js';
import { DYNAMO_ATTEMPT_TIMEOUT_MS, type DynamoApi } from '../dynamo.js';
import { RegistryError } from '../errors.js';
import {
  isReservedItemId,
  REVOKED_CLIENT_ATTRIBUTE,
  REVOKED_EXP_ATTRIBUTE,
  REVOKED_IAT_ATTRIBUTE,
  REVOKED_JTI_PREFIX,
} from '../keys/key-state-item.js';
import { type RetryPolicy, withRetry } from '../retry.js';
import { captureServerDate } from '../server-clock.js';
import type { ClientRecord, ClientStatus } from '../types.js';
import { normalizeClaims } from './client-claims.js';
import {
  DELETED_STATUS,
  EXPIRES_AT_ATTRIBUTE,
  fromItem,
  INTROSPECT_ATTRIBUTE,
  type Item,
  isConditionFailure,
  isTombstone,
  JWKS_ATTRIBUTE,
  optionalInt,
  registryErrorFrom,
  TOMBSTONE_TTL_SECONDS,
  toItem,
} from './client-item.js';
import { type ClientPublicJwk, parseClientJwks } from './client-jwks.js';
import {
  checkGrace,
  checkIssuanceRate,
  checkLifetime,
  checkName,
  checkStatus,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  normalizeScopes,
} from './client-rules.js';
import {
  generateClientId,
  generateClientSecret,
  hashClientSecret,
  isAcceptableProvidedSecret,
  MAX_PRESENTED_SECRET_LENGTH,
  MIN_PROVIDED_SECRET_LENGTH,
} from './client-secret.js';
import { createClientsTable } from './client-table.js';
import { normalizeResources } from './resource-indicator.js';

export interface NewClient {
  readonly name: string;
  readonly scopes: readonly string[];
  readonly tokenLifetimeSeconds?: number;
  readonly issuanceRatePerSecond?: number;
  /** RFC 8707 resources (token audiences) the client may ask for; absent: the issuer's default audience. */
  readonly resources?: readonly string[];
  /** One of `resources`; default the first. */
  readonly defaultResource?: string;
  /** Static claims for every token of the client (client-claims.ts rules). */
  readonly claims?: Readonly<Record<string, string>>;
  /** May call the introspection endpoint (RFC 7662). */
  readonly introspect?: boolean;
  /** Usage tier (core/usage-tiers.ts); absent or `default`: the default tier. */
  readonly tier?: string;
}

/** A client's stored tier: the name checked (core/usage-tiers.ts), undefined for the default tier (no attribute). */
function storedTier(tier: string): string | undefined {
  try {
    checkTierName(tier);
  } catch (err) {
    throw new RegistryError('invalid_tier', (err as Error).message);
  }
  return tier === DEFAULT_TIER ? undefined : tier;
}

/**
 * Changes to a client: each given field replaces the stored one (`resources` with its default, the first
 * unless `defaultResource` names one; `claims: {}` removes them all; `introspect: false` withdraws the
 * permission; tier `default` moves the client to the default tier). A status change stamps tokensRevokedAt
 * with the registry's time of the write: enabling therefore refuses every token issued before the enable,
 * tokens minted from a stale client cache included.
 */
export type ClientUpdate = Partial<NewClient> & { readonly status?: ClientStatus };

/** A client whose tokens the authorizer must refuse (see core/revocation/document.ts). */
export interface ClientRevocation {
  readonly clientId: string;
  /** Every token, whatever its iat (the client is disabled). */
  readonly all: boolean;
  /** Tokens with iat at or before this (epoch seconds) are revoked. */
  readonly revokedAt: number;
}

/** What a deployment fixes itself when it creates a client (KeygateClient); absent parts are generated. */
export interface GivenCredentials {
  /** The id (deriveClientId's form). */
  readonly clientId?: string;
  /** The secret, held by the deployment (Secrets Manager): only its hash is stored. */
  readonly clientSecret?: string;
}

/** One access token its client revoked (RFC 7009, token-revocation.ts), listed until its exp. */
export interface TokenRevocation {
  readonly clientId: string;
  readonly jti: string;
  /** The token's exp and iat (epoch seconds). */
  readonly exp: number;
  readonly iat?: number;
}

export type Revocation = ClientRevocation | TokenRevocation;

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
  /** A new client; `given` fixes its id or secret (KeygateClient), which are otherwise generated. */
  create(input: NewClient, given?: GivenCredentials): Promise<IssuedSecret>;
  /** A private_key_jwt client: authenticates with these public keys (a JWK Set), never with a secret. */
  createWithKeys(
    input: NewClient,
    jwks: unknown,
    given?: Pick<GivenCredentials, 'clientId'>,
  ): Promise<ClientRecord>;
  /**
   * Replaces a client's keys (a JWK Set). A secret client becomes a key client: its secrets stop working
   * at once (a client authenticates with one or the other).
   */
  setKeys(clientId: string, jwks: unknown): Promise<ClientRecord>;
  /** Every client (paginated Scan), sorted by creation time then id. */
  list(): Promise<ClientRecord[]>;
  update(clientId: string, changes: ClientUpdate): Promise<ClientRecord>;
  setStatus(clientId: string, status: ClientStatus): Promise<ClientRecord>;
  /** Revokes every token issued so far (iat <= the registry's time); new tokens keep working. */
  revokeTokens(clientId: string): Promise<ClientRecord>;
  /**
   * Disabled clients, clients with tokens revoked at or after `sinceSeconds`, clients deleted at or after
   * `deletedSinceSeconds` (every token refused), and, with `tokensExpiringFrom`, single tokens revoked
   * (RFC 7009) whose exp is at or after it (one consistent Scan).
   */
  listRevocations(
    sinceSeconds: number,
    deletedSinceSeconds?: number,
    tokensExpiringFrom?: number,
  ): Promise<Revocation[]>;
  /** New secret; the previous one stays valid for `graceSeconds` (0: revoked at once). */
  rotateSecret(clientId: string, graceSeconds: number): Promise<IssuedSecret>;
  /**
   * Leaves a tombstone (no secret, never a client again) stamped with the registry's time: the revocation
   * list refuses every token of the client while tokens minted before or from a stale cache can live.
   */
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
  /** The scopes clients may be given (the protected API's route scopes). Default: any RFC 6749 scope token. */
  readonly scopes?: readonly string[];
}

/** The form of generateClientId's and deriveClientId's ids: `kg_` + 128 bits in base64url. */
const CLIENT_ID = /^kg_[A-Za-z0-9_-]{22}$/;

/** 3 attempts, 25-200 ms full jitter, 1 s per attempt (docs/design.md#retries: the token request's bound). */
export const DEFAULT_READ_RETRY: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 25,
  maxDelayMs: 200,
  attemptTimeoutMs: DYNAMO_ATTEMPT_TIMEOUT_MS,
};

/** A JWK Set checked for registration (client-jwks.ts), as a registry error. */
function checkKeys(jwks: unknown): ClientPublicJwk[] {
  try {
    return parseClientJwks(jwks);
  } catch (err) {
    throw new RegistryError('invalid_keys', (err as Error).message);
  }
}

/**
 * Whether an id can name a client item. DynamoDB rejects keys over 2048 bytes with a ValidationException;
 * such ids cannot exist anyway. `#...` ids are keygate's own items (the key state, used assertion jtis,
 * revoked tokens): never a client, whoever asks for one, and never written through a client command.
 */
const mayBeClientId = (clientId: string): boolean =>
  clientId !== '' && !isReservedItemId(clientId) && Buffer.byteLength(clientId) <= 1024;

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
    if (!mayBeClientId(clientId)) return undefined;
    const command = new GetItemCommand({
      TableName: tableName,
      Key: { client_id: { S: clientId } },
      ConsistentRead: opts.consistent ?? false,
    });
    const out = await withRetry(
      (signal) => dynamodb.send(command, signal ? { abortSignal: signal } : {}),
      options.readRetry ?? DEFAULT_READ_RETRY,
    ).catch(fail);
    return out.Item && !isTombstone(out.Item) ? fromItem(out.Item) : undefined;
  }

  const key = (clientId: string) => ({ client_id: { S: clientId } });

  /**
   * The client's item (consistent) and the registry's time (epoch s) from the answer's Date header. A
   * tombstone or a missing client is unknown_client.
   */
  async function readLive(clientId: string): Promise<{ item: Item; at: number }> {
    if (!mayBeClientId(clientId)) throw unknown(clientId);
    const read = captureServerDate(
      new GetItemCommand({ TableName: tableName, Key: key(clientId), ConsistentRead: true }),
    );
    const out = await dynamodb.send(read.command).catch(fail);
    if (!out.Item || isTombstone(out.Item)) throw unknown(clientId);
    return { item: out.Item, at: read.seconds() };
  }

  /**
   * A write that stamps the cutoff attribute `attr` with the registry's time, never the caller's clock.
   * The write carries a provisional stamp (the read's server second + 1, so at least the second the write
   * applies unless it took over a second); its own answer's Date is the second it applied (or later), and
   * the stamp is then set to exactly that. A token iat comes from an issuer clock in the same second or
   * earlier for every token minted before the write, so `iat <= stamp` covers them all (RFC 9068 tokens
   * carry whole seconds). Returns the item after the stamp.
   */
  async function writeCutoff(
    clientId: string,
    attr: string,
    readAt: number,
    build: (stamp: AttributeValue) => Omit<UpdateItemCommandInput, 'TableName' | 'Key' | 'ReturnValues'>,
  ): Promise<Item> {
    const provisional = readAt + 1;
    const write = captureServerDate(
      new UpdateItemCommand({
        ...build({ N: String(provisional) }),
        TableName: tableName,
        Key: key(clientId),
        ReturnValues: 'ALL_NEW',
      }),
    );
    const first = await dynamodb.send(write.command);
    const appliedAt = write.seconds();
    if (appliedAt === provisional) return first.Attributes ?? {};
    try {
      const fixed = await dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(clientId),
          UpdateExpression: 'SET #cutoff = :at',
          // A later write that stamped again wins: its stamp is later still.
          ConditionExpression: '#cutoff = :provisional',
          ExpressionAttributeNames: { '#cutoff': attr },
          ExpressionAttributeValues: {
            ':at': { N: String(appliedAt) },
            ':provisional': { N: String(provisional) },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fixed.Attributes ?? {};
    } catch (err) {
      if (isConditionFailure(err)) return first.Attributes ?? {};
      throw err;
    }
  }

  async function update(clientId: string, changes: ClientUpdate): Promise<ClientRecord> {
    // Its condition (the item exists, status is not deleted) holds for a reserved item too: refuse first.
    if (!mayBeClientId(clientId)) throw unknown(clientId);
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
      set('scopes', { L: normalizeScopes(changes.scopes, options.scopes).map((s) => ({ S: s })) });
    if (changes.tokenLifetimeSeconds !== undefined)
      set('token_lifetime_seconds', { N: String(checkLifetime(changes.tokenLifetimeSeconds)) });
    if (changes.issuanceRatePerSecond !== undefined)
      set('issuance_rate_per_second', { N: String(checkIssuanceRate(changes.issuanceRatePerSecond)) });
    if (changes.resources !== undefined || changes.defaultResource !== undefined) {
      // A new default alone is checked against the stored resources; both attributes are written together,
      // so a concurrent change leaves one consistent pair.
      let resources = changes.resources;
      if (resources === undefined) {
        const current = await get(clientId, { consistent: true });
        if (!current) throw unknown(clientId);
        resources = current.resources;
        if (resources === undefined)
          throw new RegistryError(
            'invalid_resource',
            'the client has no resources: set them together with the default',
          );
      }
      const r = normalizeResources(resources, changes.defaultResource);
      set('resources', { L: r.resources.map((v) => ({ S: v })) });
      set('default_resource', { S: r.defaultResource });
    }
    // An absent value is no attribute, as toItem writes a new client (no claims, no permission, default tier).
    const removed: string[] = [];
    const remove = (attr: string) => {
      removed.push(`#${attr}`);
      names[`#${attr}`] = attr;
    };
    if (changes.claims !== undefined) {
      const claims = normalizeClaims(changes.claims);
      if (Object.keys(claims).length === 0) remove('claims');
      else set('claims', { M: Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, { S: v }])) });
    }
    if (changes.introspect === true) set(INTROSPECT_ATTRIBUTE, { BOOL: true });
    else if (changes.introspect === false) remove(INTROSPECT_ATTRIBUTE);
    if (changes.tier !== undefined) {
      const tier = storedTier(changes.tier);
      if (tier === undefined) remove('tier');
      else set('tier', { S: tier });
    }
    const removes = removed.length > 0 ? ` REMOVE ${removed.join(', ')}` : '';
    names['#status'] = 'status';
    values[':deleted'] = { S: DELETED_STATUS };
    const live = 'attribute_exists(client_id) AND #status <> :deleted';
    const status = changes.status === undefined ? undefined : checkStatus(changes.status);
    try {
      if (status !== undefined) {
        const { item, at } = await readLive(clientId);
        const from = item.status?.S ?? '';
        if (from !== status) {
          // A status change is stamped, and only applies to the status it was read from. Enabling stamps
          // the cutoff that makes the disablement final: tokens minted while the client was disabled (from
          // a token endpoint's stale client cache) have iat at or before it.
          sets.push('#status = :status', '#tokens_revoked_at = :stamp');
          names['#tokens_revoked_at'] = 'tokens_revoked_at';
          values[':status'] = { S: status };
          values[':read_status'] = { S: from };
          const item = await writeCutoff(clientId, 'tokens_revoked_at', at, (stamp) => ({
            UpdateExpression: `SET ${sets.join(', ')}${removes}`,
            ConditionExpression: `${live} AND #status = :read_status`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ...values, ':stamp': stamp },
          })).catch((err: unknown) => {
            if (isConditionFailure(err))
              throw new RegistryError(
                'concurrent_update',
                `client ${clientId} changed during the update (status changed or deleted concurrently); retry`,
              );
            throw err;
          });
          return fromItem(item);
        }
      }
      const out = await dynamodb.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(clientId),
          UpdateExpression: `SET ${sets.join(', ')}${removes}`,
          ConditionExpression: live,
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

  /** Puts a new client with its one credential: a secret's hash or a JWK Set. */
  async function put(
    input: NewClient,
    credential: { secretHash: string } | { jwks: ClientPublicJwk[] },
    givenId?: string,
  ): Promise<ClientRecord> {
    if (givenId !== undefined && !CLIENT_ID.test(givenId))
      throw new RegistryError(
        'invalid_client_id',
        'a supplied client id must have the form kg_ + 22 base64url characters',
      );
    const clientId = givenId ?? generateClientId();
    const at = iso();
    const record: ClientRecord = {
      clientId,
      name: checkName(input.name),
      scopes: normalizeScopes(input.scopes, options.scopes),
      status: 'active',
      tokenLifetimeSeconds: checkLifetime(input.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS),
      ...(input.issuanceRatePerSecond !== undefined
        ? { issuanceRatePerSecond: checkIssuanceRate(input.issuanceRatePerSecond) }
        : {}),
      ...(input.resources !== undefined || input.defaultResource !== undefined
        ? normalizeResources(input.resources ?? [], input.defaultResource)
        : {}),
      ...(input.claims !== undefined && Object.keys(input.claims).length > 0
        ? { claims: normalizeClaims(input.claims) }
        : {}),
      ...(input.introspect === true ? { introspect: true as const } : {}),
      ...(input.tier !== undefined && storedTier(input.tier) !== undefined ? { tier: input.tier } : {}),
      createdAt: at,
      updatedAt: at,
      ...credential,
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
    return record;
  }

  return {
    tableName,
    get,
    update,
    setStatus: (clientId, status) => update(clientId, { status }),

    async revokeTokens(clientId) {
      try {
        const { at } = await readLive(clientId);
        const item = await writeCutoff(clientId, 'tokens_revoked_at', at, (stamp) => ({
          UpdateExpression: 'SET tokens_revoked_at = :at, updated_at = :updated_at',
          ConditionExpression: 'attribute_exists(client_id) AND #status <> :deleted',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':at': stamp,
            ':updated_at': { S: iso() },
            ':deleted': { S: DELETED_STATUS },
          },
        }));
        return fromItem(item);
      } catch (err) {
        if (isConditionFailure(err)) throw unknown(clientId);
        return fail(err);
      }
    },

    async listRevocations(sinceSeconds, deletedSinceSeconds = sinceSeconds, tokensExpiringFrom) {
      const out: Revocation[] = [];
      // Without a bound no token item matches (exp is never above the largest safe integer).
      const tokensFrom = tokensExpiringFrom ?? Number.MAX_SAFE_INTEGER;
      let startKey: Item | undefined;
      do {
        const page = await dynamodb
          .send(
            new ScanCommand({
              TableName: tableName,
              ExclusiveStartKey: startKey,
              ConsistentRead: true,
              FilterExpression:
                '#status = :disabled OR tokens_revoked_at >= :since OR (#status = :deleted AND deleted_at >= :deleted_since) OR #token_exp >= :tokens_from',
              ProjectionExpression:
                'client_id, #status, tokens_revoked_at, deleted_at, #token_exp, #token_client, #token_iat',
              ExpressionAttributeNames: {
                '#status': 'status',
                '#token_exp': REVOKED_EXP_ATTRIBUTE,
                '#token_client': REVOKED_CLIENT_ATTRIBUTE,
                '#token_iat': REVOKED_IAT_ATTRIBUTE,
              },
              ExpressionAttributeValues: {
                ':disabled': { S: 'disabled' },
                ':deleted': { S: DELETED_STATUS },
                ':since': { N: String(sinceSeconds) },
                ':deleted_since': { N: String(deletedSinceSeconds) },
                ':tokens_from': { N: String(tokensFrom) },
              },
            }),
          )
          .catch(fail);
        for (const item of page.Items ?? []) {
          const clientId = item.client_id?.S;
          if (clientId === undefined) continue;
          if (clientId.startsWith(REVOKED_JTI_PREFIX)) {
            const exp = optionalInt(item[REVOKED_EXP_ATTRIBUTE]);
            const owner = item[REVOKED_CLIENT_ATTRIBUTE]?.S;
            const jti = clientId.slice(REVOKED_JTI_PREFIX.length);
            const iat = optionalInt(item[REVOKED_IAT_ATTRIBUTE]);
            if (exp !== undefined && owner !== undefined && jti !== '')
              out.push({ clientId: owner, jti, exp, ...(iat !== undefined ? { iat } : {}) });
            continue;
          }
          const status = item.status?.S;
          const all =
            status === 'disabled' ||
            (status === DELETED_STATUS && (optionalInt(item.deleted_at) ?? 0) >= deletedSinceSeconds);
          out.push({ clientId, all, revokedAt: optionalInt(item.tokens_revoked_at) ?? 0 });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return out;
    },

    async create(input, given = {}) {
      if (given.clientSecret !== undefined && !isAcceptableProvidedSecret(given.clientSecret))
        throw new RegistryError(
          'invalid_secret',
          `a supplied client secret must be ${MIN_PROVIDED_SECRET_LENGTH}-${MAX_PRESENTED_SECRET_LENGTH} characters of A-Z a-z 0-9 - _`,
        );
      const clientSecret = given.clientSecret ?? generateClientSecret();
      const record = await put(input, { secretHash: hashClientSecret(clientSecret) }, given.clientId);
      return { record, clientSecret };
    },

    createWithKeys(input, jwks, given = {}) {
      return put(input, { jwks: checkKeys(jwks) }, given.clientId);
    },

    async setKeys(clientId, jwks) {
      const keys = checkKeys(jwks);
      if (!mayBeClientId(clientId)) throw unknown(clientId);
      try {
        const out = await dynamodb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: key(clientId),
            UpdateExpression:
              'SET #jwks = :jwks, updated_at = :updated_at REMOVE secret_hash, previous_secret_hash, previous_secret_expires_at',
            ConditionExpression: 'attribute_exists(client_id) AND #status <> :deleted',
            ExpressionAttributeNames: { '#jwks': JWKS_ATTRIBUTE, '#status': 'status' },
            ExpressionAttributeValues: {
              ':jwks': { S: JSON.stringify({ keys }) },
              ':updated_at': { S: iso() },
              ':deleted': { S: DELETED_STATUS },
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return fromItem(out.Attributes ?? {});
      } catch (err) {
        if (isConditionFailure(err)) throw unknown(clientId);
        return fail(err);
      }
    },

    async list() {
      const records: ClientRecord[] = [];
      let startKey: Item | undefined;
      do {
        const page = await dynamodb
          .send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true }))
          .catch(fail);
        for (const item of page.Items ?? []) {
          if (!isReservedItemId(item.client_id?.S ?? '') && !isTombstone(item)) records.push(fromItem(item));
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return records.sort(
        (a, b) => a.createdAt.localeCompare(b.createdAt) || a.clientId.localeCompare(b.clientId),
      );
    },

    async rotateSecret(clientId, graceSeconds) {
      checkGrace(graceSeconds);
      const current = await get(clientId, { consistent: true });
      if (!current) throw unknown(clientId);
      if (current.secretHash === undefined)
        throw new RegistryError(
          'invalid_keys',
          `client ${clientId} authenticates with private_key_jwt and has no secret; replace its keys instead`,
        );
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
            'concurrent_update',
            `client ${clientId} changed during rotation (deleted or rotated concurrently); retry`,
          );
        return fail(err);
      }
    },

    async delete(clientId) {
      try {
        const { at } = await readLive(clientId);
        // The item stays as a tombstone: the token path reads it as no client (get() is undefined), the
        // revocation list refuses all its tokens for as long as any of them can be valid (handlers/revocations.ts).
        await writeCutoff(clientId, 'deleted_at', at, (stamp) => ({
          UpdateExpression:
            'SET #status = :deleted, deleted_at = :at, #expires_at = :expires_at, updated_at = :updated_at REMOVE secret_hash, previous_secret_hash, previous_secret_expires_at',
          ConditionExpression: 'attribute_exists(client_id) AND #status <> :deleted',
          ExpressionAttributeNames: { '#status': 'status', '#expires_at': EXPIRES_AT_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':deleted': { S: DELETED_STATUS },
            ':at': stamp,
            ':expires_at': { N: String(at + TOMBSTONE_TTL_SECONDS) },
            ':updated_at': { S: iso() },
          },
        }));
      } catch (err) {
        if (isConditionFailure(err)) throw unknown(clientId);
        fail(err);
      }
    },

    createTable: (opts) => createClientsTable(dynamodb, tableName, opts),
  };
}
