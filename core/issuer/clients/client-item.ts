// A client record as a DynamoDB item (one item per client, keyed by `client_id`) and back, plus how SDK
// failures map to registry errors. Parsing is defensive: a foreign or hand-edited item is corrupt_record.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DEFAULT_TIER, TIER_NAME } from '../../usage-tiers.js';
import { RegistryError } from '../errors.js';
import { classifyAwsError } from '../retry.js';
import type { ClientRecord } from '../types.js';
import { parseClientJwks } from './client-jwks.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from './client-rules.js';

export type Item = Record<string, AttributeValue>;

/**
 * The status of a deleted client's tombstone: it keeps the id (and `deleted_at`) so the revocation list can
 * refuse the client's tokens after the delete; it is never a client again (no secret, skipped by reads).
 */
export const DELETED_STATUS = 'deleted';

export const isTombstone = (item: Item): boolean => item.status?.S === DELETED_STATUS;

/** The table's DynamoDB TTL attribute (epoch s): tombstones and used assertion jtis carry it (KeygateIssuer enables TTL on it). */
export const EXPIRES_AT_ATTRIBUTE = 'expires_at';

/**
 * How long a tombstone is kept: two of the longest token lifetimes, well past the longest the revocation
 * list can need it (that lifetime + 300 s of leeway + MAX_CLIENT_RECORD_AGE_SECONDS). DynamoDB deletes an
 * expired item some time after its TTL, never before ("Using time to live (TTL) in DynamoDB", DynamoDB
 * Developer Guide).
 */
export const TOMBSTONE_TTL_SECONDS = 2 * MAX_TOKEN_LIFETIME_SECONDS;

/** The private_key_jwt client's JWK Set (a JSON string). */
export const JWKS_ATTRIBUTE = 'jwks';

/** The stored JWK Set, checked as at registration; a hand-edited bad one is corrupt_record. */
function jwksOf(item: Item, clientId: string | undefined) {
  const raw = item[JWKS_ATTRIBUTE]?.S;
  if (raw === undefined) return undefined;
  try {
    return parseClientJwks(JSON.parse(raw));
  } catch {
    throw new RegistryError(
      'corrupt_record',
      `client item ${JSON.stringify(clientId ?? '?')} has a bad jwks`,
    );
  }
}

/** The introspection permission (token-introspection.ts): a BOOL, present only when granted. */
export const INTROSPECT_ATTRIBUTE = 'may_introspect';

export function toItem(record: ClientRecord): Item {
  const item: Item = {
    client_id: { S: record.clientId },
    name: { S: record.name },
    // A list (not a string set): keeps order and could hold zero scopes.
    scopes: { L: record.scopes.map((s) => ({ S: s })) },
    status: { S: record.status },
    token_lifetime_seconds: { N: String(record.tokenLifetimeSeconds) },
    created_at: { S: record.createdAt },
    updated_at: { S: record.updatedAt },
  };
  if (record.secretHash !== undefined) item.secret_hash = { S: record.secretHash };
  // One JSON string: read whole with the item, checked again by fromItem.
  if (record.jwks !== undefined) item[JWKS_ATTRIBUTE] = { S: JSON.stringify({ keys: record.jwks }) };
  if (record.tokensRevokedAt !== undefined) item.tokens_revoked_at = { N: String(record.tokensRevokedAt) };
  if (record.issuanceRatePerSecond !== undefined)
    item.issuance_rate_per_second = { N: String(record.issuanceRatePerSecond) };
  if (record.resources !== undefined && record.defaultResource !== undefined) {
    item.resources = { L: record.resources.map((r) => ({ S: r })) };
    item.default_resource = { S: record.defaultResource };
  }
  if (record.claims !== undefined && Object.keys(record.claims).length > 0)
    item.claims = { M: Object.fromEntries(Object.entries(record.claims).map(([k, v]) => [k, { S: v }])) };
  if (record.introspect === true) item[INTROSPECT_ATTRIBUTE] = { BOOL: true };
  if (record.tier !== undefined) item.tier = { S: record.tier };
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
    // A client authenticates with exactly one of a secret and keys.
    (secretHash === undefined) === (item[JWKS_ATTRIBUTE] === undefined) ||
    scopes === undefined ||
    scopes.some((v) => v === undefined)
  ) {
    throw new RegistryError('corrupt_record', `client item ${JSON.stringify(clientId ?? '?')} is malformed`);
  }
  const jwks = jwksOf(item, clientId);
  const previousSecretHash = s('previous_secret_hash');
  const previousSecretExpiresAt = s('previous_secret_expires_at');
  const revokedAt = optionalInt(item.tokens_revoked_at);
  const rate = optionalInt(item.issuance_rate_per_second);
  const resources = item.resources?.L?.map((v) => v.S);
  const defaultResource = s('default_resource');
  if (
    (resources !== undefined || defaultResource !== undefined) &&
    (resources === undefined ||
      defaultResource === undefined ||
      resources.some((v) => v === undefined) ||
      !resources.includes(defaultResource))
  ) {
    throw new RegistryError(
      'corrupt_record',
      `client item ${JSON.stringify(clientId)} has malformed resources`,
    );
  }
  const claimValues = Object.entries(item.claims?.M ?? {}).map(([k, v]) => [k, v.S] as const);
  if (claimValues.some(([, v]) => v === undefined))
    throw new RegistryError('corrupt_record', `client item ${JSON.stringify(clientId)} has malformed claims`);
  const tier = s('tier');
  if (tier !== undefined && (!TIER_NAME.test(tier) || tier === DEFAULT_TIER))
    throw new RegistryError('corrupt_record', `client item ${JSON.stringify(clientId)} has a malformed tier`);
  return {
    clientId,
    name,
    scopes: scopes as string[],
    status,
    tokenLifetimeSeconds: lifetime,
    createdAt,
    updatedAt,
    ...(secretHash !== undefined ? { secretHash } : {}),
    ...(jwks !== undefined ? { jwks } : {}),
    ...(previousSecretHash !== undefined && previousSecretExpiresAt !== undefined
      ? { previousSecretHash, previousSecretExpiresAt }
      : {}),
    ...(revokedAt !== undefined ? { tokensRevokedAt: revokedAt } : {}),
    ...(rate !== undefined && rate > 0 ? { issuanceRatePerSecond: rate } : {}),
    ...(resources !== undefined && defaultResource !== undefined
      ? { resources: resources as string[], defaultResource }
      : {}),
    ...(claimValues.length > 0 ? { claims: Object.fromEntries(claimValues) as Record<string, string> } : {}),
    ...(item[INTROSPECT_ATTRIBUTE]?.BOOL === true ? { introspect: true as const } : {}),
    ...(tier !== undefined ? { tier } : {}),
  };
}

/** A number attribute as a safe integer; absent or malformed: undefined (the default applies). */
export function optionalInt(value: AttributeValue | undefined): number | undefined {
  const n = Number(value?.N);
  return value?.N !== undefined && Number.isSafeInteger(n) ? n : undefined;
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

export const isConditionFailure = (err: unknown): boolean =>
  (err as { name?: string })?.name === 'ConditionalCheckFailedException';
