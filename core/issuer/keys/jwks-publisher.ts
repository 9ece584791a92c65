// The JWKS document (RFC 7517 §5) for the published KMS keys: GetPublicKey per key id, SPKI DER -> JWK,
// deduplicated by kid, computed once per container (single flight; a failure is retried on the next call).
import type { RsaPublicJwk } from '../../jwk.js';
import { strongEtag } from '../../publish/served-documents.js';
import { IssuerError } from '../errors.js';
import { getRsaSigningKey, type KmsApi, type KmsRetryOptions, kmsRetryPolicy } from './kms.js';

export interface JwksPublisherOptions extends KmsRetryOptions {
  readonly kms: KmsApi;
  /** The active signing key plus previous/next keys during a rotation (PUBLISHED_KEY_IDS). */
  readonly keyIds: readonly string[];
  /** A published key that is gone, disabled or not RS256 is left out (so a retired key cannot take the
   * whole document down); this hears about it, e.g. to log a warning. */
  readonly onKeySkipped?: (keyId: string, reason: string) => void;
}

export interface JwksDocument {
  /** `{"keys":[...]}` exactly as served. */
  readonly body: string;
  /** Strong ETag: quoted base64url SHA-256 of the body. */
  readonly etag: string;
  readonly keys: readonly RsaPublicJwk[];
}

export interface JwksPublisher {
  document(): Promise<JwksDocument>;
}

// A disabled or pending-deletion key is a retired key: leave it out rather than fail the document.
const RETIRED = new Set(['DisabledException', 'KMSInvalidStateException']);
const causeName = (err: Error) => String((err.cause as { name?: unknown } | undefined)?.name ?? '');

export function createJwksPublisher(options: JwksPublisherOptions): JwksPublisher {
  const keyIds = [...new Set(options.keyIds)];
  if (keyIds.length === 0 || keyIds.some((k) => typeof k !== 'string' || k === '')) {
    throw new TypeError('keyIds must list at least one key id');
  }
  const policy = kmsRetryPolicy(options);
  let pending: Promise<JwksDocument> | undefined;

  async function build(): Promise<JwksDocument> {
    // Throttling/outage errors reject the whole build (retried on the next request, never cached partial).
    const results = await Promise.allSettled(keyIds.map((id) => getRsaSigningKey(options.kms, id, policy)));
    const keys: RsaPublicJwk[] = [];
    const seen = new Set<string>();
    for (const [i, result] of results.entries()) {
      if (result.status === 'rejected') {
        const err = result.reason;
        if (err instanceof IssuerError && (err.code === 'internal' || RETIRED.has(causeName(err)))) {
          options.onKeySkipped?.(keyIds[i]!, err.description);
          continue;
        }
        throw err;
      }
      const { jwk } = result.value;
      if (seen.has(jwk.kid)) continue;
      seen.add(jwk.kid);
      keys.push(jwk);
    }
    if (keys.length === 0) throw new IssuerError('internal', 'no published key is usable');
    const body = JSON.stringify({ keys });
    return { body, etag: strongEtag(body), keys };
  }

  return {
    document() {
      if (!pending) {
        pending = build();
        pending.catch(() => {
          pending = undefined;
        });
      }
      return pending;
    },
  };
}
