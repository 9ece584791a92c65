// The documents the authorizer fetches at cold start (the JWKS and the revocation list), built in one place
// for every path that serves them: the Lambda handlers (handlers/jwks.ts, handlers/revocations.ts), the
// publisher that writes them to S3 for the auth API to serve without a Lambda (handlers/publisher.ts), and
// the local stack. Their names and headers are in served-documents.ts.
import { CLOCK_LEEWAY_SECONDS_BOUNDS } from '../authz/token-expiry.js';
import { MAX_CLIENT_RECORD_AGE_SECONDS } from '../issuer/clients/client-cache.js';
import type { ClientRegistry } from '../issuer/clients/client-registry.js';
import type { JwksDocument } from '../issuer/keys/jwks-publisher.js';
import { type RevocationDocument, toRevocationDocument } from '../revocation/document.js';
import { type SigningKeys as JwkSet, withSigningKeys } from '../revocation/keyed-document.js';
import { strongEtag } from './served-documents.js';

/** The authorizer's largest clock leeway: a revoked token may be accepted that long past exp. */
export const MAX_CLOCK_LEEWAY_SECONDS = CLOCK_LEEWAY_SECONDS_BOUNDS.max;

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
 * (MAX_CLIENT_RECORD_AGE_SECONDS). A single revoked token (RFC 7009) is listed until its exp plus the
 * largest clock leeway, after which no authorizer accepts it anyway.
 */
export async function buildRevocationsDocument(options: RevocationsBodyOptions): Promise<RevocationDocument> {
  const nowSeconds = Math.floor(options.nowMs / 1000);
  const since = nowSeconds - options.maxLifetimeSeconds - MAX_CLOCK_LEEWAY_SECONDS;
  const deletedSince = since - MAX_CLIENT_RECORD_AGE_SECONDS;
  return toRevocationDocument(
    await options.registry.listRevocations(since, deletedSince, nowSeconds - MAX_CLOCK_LEEWAY_SECONDS),
  );
}

/** A body as served, with its strong ETag. */
export interface ServedBody {
  readonly body: string;
  readonly etag: string;
}

/**
 * The revocation list as served: the revocation document with the `keys` of the JWKS served beside it, so
 * a cold authorizer needs this one GET (core/revocation/keyed-document.ts). Without a JWKS (it could not be
 * built) the list goes out without keys: authorizers then GET the JWKS (correct, one round trip slower),
 * and a revocation never waits on KMS.
 */
export function revocationsBody(revocations: RevocationDocument, jwks: JwkSet | undefined): ServedBody {
  const body = JSON.stringify(jwks ? withSigningKeys(revocations, jwks) : revocations);
  return { body, etag: strongEtag(body) };
}

export interface ColdStartBuilders {
  /** Builds the JWKS for the keys published now. */
  readonly jwks: () => Promise<JwksDocument>;
  /** Builds the revocation document from the current state. */
  readonly revocations: () => Promise<RevocationDocument>;
  /** Hears why the list went out without keys. */
  readonly onKeysUnavailable?: (err: unknown) => void;
}

/**
 * The two cold-start bodies for a publisher whose publish builds its documents concurrently
 * (core/publish/publisher.ts): concurrent builds share one JWKS build, so the list carries exactly the keys
 * written as jwks.json in the same publish; a publish of the list alone builds the JWKS too, so the list
 * always carries the current keys. A failed JWKS build fails jwks.json (the publish is retried) but not the
 * list, which then goes out without keys (revocationsBody).
 */
export function coldStartBodies(builders: ColdStartBuilders): {
  readonly jwks: () => Promise<string>;
  readonly revocations: () => Promise<string>;
} {
  let inflight: Promise<JwksDocument> | undefined;
  const jwks = () => {
    inflight ??= builders.jwks().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };
  return {
    jwks: async () => (await jwks()).body,
    revocations: async () => {
      const keys = jwks().catch((err: unknown) => {
        builders.onKeysUnavailable?.(err);
        return undefined;
      });
      const [revocations, jwksDocument] = await Promise.all([builders.revocations(), keys]);
      return revocationsBody(revocations, jwksDocument).body;
    },
  };
}
