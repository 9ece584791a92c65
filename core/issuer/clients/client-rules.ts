// The rules a client record obeys, whatever stores it: known scopes only, a printable name, a bounded token
// lifetime, rotation grace and issuance rate, and a status of active or disabled. Each failure is a RegistryError.

import { SCOPE_TOKEN } from '../../scope-token.js';
import { RegistryError } from '../errors.js';
import { KMS_RSA_REQUEST_QUOTA_PER_SECOND } from '../keys/kms-quotas.js';
import type { ClientStatus } from '../types.js';

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;
/** Bounds for a client's token lifetime: 1 minute to 1 day (RFC 9068 tokens cannot be revoked). */
export const MIN_TOKEN_LIFETIME_SECONDS = 60;
export const MAX_TOKEN_LIFETIME_SECONDS = 86_400;
/** Longest rotation grace: a week, enough for any deploy cycle; longer keeps a leaked secret alive. */
export const MAX_SECRET_GRACE_SECONDS = 7 * 86_400;
/**
 * Tokens per second one client may get unless its record says otherwise (burst twice that). A client needs
 * one token per lifetime; 5/s leaves room for many instances while 200 clients at their limit stay within
 * KMS's RSA request quota per account and region (core/issuer/keys/kms-quotas.ts).
 */
export const DEFAULT_ISSUANCE_RATE_PER_SECOND = 5;
/** No one client may be allowed more than the whole account's KMS RSA quota. */
export const MAX_ISSUANCE_RATE_PER_SECOND = KMS_RSA_REQUEST_QUOTA_PER_SECOND;
const MAX_NAME_LENGTH = 200;

/**
 * Scope list accepted for a client, deduplicated, at least one. With `known` (the protected API's scope set):
 * known scopes only, in the order of `known`. Without: any RFC 6749 §3.3 scope token, in the given order.
 */
export function normalizeScopes(scopes: readonly string[], known?: readonly string[]): string[] {
  const wanted = new Set(scopes.flatMap((s) => s.split(/\s+/)).filter(Boolean));
  const unknown = [...wanted].filter((s) => (known ? !known.includes(s) : !SCOPE_TOKEN.test(s)));
  if (unknown.length > 0)
    throw new RegistryError(
      'invalid_scope',
      known
        ? `unknown scope ${unknown.map((s) => JSON.stringify(s)).join(', ')}; known scopes: ${known.join(' ')}`
        : `scope ${unknown.map((s) => JSON.stringify(s)).join(', ')} is not an RFC 6749 scope token`,
    );
  // RFC 6749 §3.3: a request without `scope` gets the client's default, and a client with no scopes
  // could only be refused (invalid_scope), so the registry does not store such clients.
  if (wanted.size === 0)
    throw new RegistryError(
      'invalid_scope',
      `a client needs at least one scope${known ? ` (${known.join(' ')})` : ''}`,
    );
  return known ? known.filter((s) => wanted.has(s)) : [...wanted];
}

export function checkIssuanceRate(perSecond: number): number {
  if (!Number.isSafeInteger(perSecond) || perSecond < 1 || perSecond > MAX_ISSUANCE_RATE_PER_SECOND)
    throw new RegistryError(
      'invalid_rate',
      `issuance rate must be an integer from 1 to ${MAX_ISSUANCE_RATE_PER_SECOND} tokens per second`,
    );
  return perSecond;
}

export function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > MAX_NAME_LENGTH || /\p{Cc}/u.test(trimmed))
    throw new RegistryError('invalid_name', `name must be 1-${MAX_NAME_LENGTH} printable characters`);
  return trimmed;
}

export function checkLifetime(seconds: number): number {
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

export function checkGrace(seconds: number): number {
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds > MAX_SECRET_GRACE_SECONDS)
    throw new RegistryError(
      'invalid_grace',
      `grace must be an integer from 0 to ${MAX_SECRET_GRACE_SECONDS} seconds`,
    );
  return seconds;
}

export function checkStatus(status: string): ClientStatus {
  if (status !== 'active' && status !== 'disabled')
    throw new RegistryError('invalid_status', 'status must be active or disabled');
  return status;
}
