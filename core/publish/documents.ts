// The documents the authorizer fetches at cold start (the JWKS and the revocation list), built in one place
// for every path that serves them: the Lambda handlers (handlers/jwks.ts, handlers/revocations.ts), the
// publisher that writes them to S3 for the auth API to serve without a Lambda (handlers/publisher.ts), and
// the local stack. Their names and headers are in served-documents.ts.
import { MAX_CLIENT_RECORD_AGE_SECONDS } from '../issuer/client-cache.js';
import type { ClientRegistry } from '../issuer/client-registry.js';
import {
  createJwksPublisher,
  type JwksDocument,
  type JwksPublisherOptions,
} from '../issuer/jwks-publisher.js';
import type { KeyStateStore, SigningKeys } from '../issuer/key-state.js';
import { type RevocationDocument, toRevocationDocument } from '../revocation/document.js';

/** The authorizer's largest clock leeway: a revoked token may be accepted that long past exp. */
export const MAX_CLOCK_LEEWAY_SECONDS = 300;

export interface RevocationsBodyOptions {
  readonly registry: Pick<ClientRegistry, 'listRevocations'>;
  /** Upper bound on any token's lifetime (TOKEN_MAX_LIFETIME_SECONDS). */
  readonly maxLifetimeSeconds: number;
  readonly nowMs: number;
}

/**
 * The revocation document: entries older than the longest token lifetime plus the largest clock leeway are
 * left out, since every token they covered has expired (one consistent Scan). A deleted client's tombstone
 * is listed longer, by the time a token endpoint may still mint from a cached record of it
 * (MAX_CLIENT_RECORD_AGE_SECONDS).
 */
export async function buildRevocationsDocument(options: RevocationsBodyOptions): Promise<RevocationDocument> {
  const since = Math.floor(options.nowMs / 1000) - options.maxLifetimeSeconds - MAX_CLOCK_LEEWAY_SECONDS;
  const deletedSince = since - MAX_CLIENT_RECORD_AGE_SECONDS;
  return toRevocationDocument(await options.registry.listRevocations(since, deletedSince));
}

/** The revocation document as served. */
export async function buildRevocationsBody(options: RevocationsBodyOptions): Promise<string> {
  return JSON.stringify(await buildRevocationsDocument(options));
}

export interface JwksBodyOptions extends Omit<JwksPublisherOptions, 'keyIds'> {
  /** The key state, read consistently: the published set follows every rotation step. */
  readonly keyState: Pick<KeyStateStore, 'read'>;
  /** The deployed keys, in force until a rotation writes the key state. */
  readonly initial: SigningKeys;
}

/** The JWKS for the keys the key state publishes now (the deployed keys before the first rotation). */
export async function buildJwksDocument(options: JwksBodyOptions): Promise<JwksDocument> {
  const { keyState, initial, ...publisher } = options;
  const state = await keyState.read();
  const keyIds = state?.publishedKeyIds ?? initial.publishedKeyIds;
  return createJwksPublisher({ ...publisher, keyIds }).document();
}
