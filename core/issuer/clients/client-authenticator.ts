// Client authentication against the registry (RFC 6749 §2.3.1): the one check both the token Lambda and the
// token endpoint's client authenticator (handlers/token-client-auth.ts) run, through the client cache.

import { IssuerError, toIssuerError } from '../errors.js';
import { INVALID_CLIENT_DESCRIPTION } from '../tokens/token-endpoint-answers.js';
import type { ClientRecord } from '../types.js';
import type { ClientCache } from './client-cache.js';
import { checkClientSecret, type SecretHasher, sha256Hasher } from './client-secret.js';

export interface ClientAuthenticatorOptions {
  readonly clients: ClientCache;
  readonly now?: () => number;
  /** Injectable so tests can see that unknown clients pay for a hash too. */
  readonly hasher?: SecretHasher;
  /**
   * After a failed authentication against a cached record older than this, re-read it once: a secret
   * rotated or a client enabled moments ago works at once, while a stream of bad attempts costs at most
   * one DynamoDB read per client id per this interval.
   */
  readonly refreshAfterFailureMs?: number;
}

/**
 * The client's record when `secret` is its current (or still-valid previous) secret and it is active.
 * Throws IssuerError `invalid_client` otherwise, or the registry's IssuerError (503/500) when the record
 * cannot be read.
 */
export type ClientAuthenticator = (clientId: string, secret: string) => Promise<ClientRecord>;

export const clientAuthFailed = () => new IssuerError('invalid_client', INVALID_CLIENT_DESCRIPTION);

export function createClientAuthenticator(options: ClientAuthenticatorOptions): ClientAuthenticator {
  const now = options.now ?? Date.now;
  const hasher = options.hasher ?? sha256Hasher;
  const refreshAfterFailureMs = options.refreshAfterFailureMs ?? 1000;

  // Unknown, disabled and wrong-secret all run the same hash + comparisons and give the same answer.
  const authenticates = (secret: string, record: ClientRecord | undefined): boolean =>
    checkClientSecret(secret, record, now(), hasher) && record?.status === 'active';

  return async (clientId, secret) => {
    try {
      let found = await options.clients.get(clientId);
      if (authenticates(secret, found.record)) return found.record!;
      if (found.fromCache) {
        const again = await options.clients.refresh(clientId, refreshAfterFailureMs);
        if (!again.fromCache) {
          found = again;
          if (authenticates(secret, found.record)) return found.record!;
        }
      }
    } catch (err) {
      throw toIssuerError(err);
    }
    throw clientAuthFailed();
  };
}
