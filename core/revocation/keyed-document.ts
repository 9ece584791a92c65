// The revocation document with the issuer's signing keys in it: everything an authorizer needs before its
// first decision in one GET (one TLS handshake, one request: `npm run bench -- cold-start`). It is served at
// the revocation list's own path with that path's cache headers; the JWKS endpoint stays the standard one.
// Pure functions, so whatever publishes the list (a handler, a precomputed object) builds the same bytes.
import type { RevocationDocument } from './document.js';

/** A JWK Set (RFC 7517 §5): only `keys` is read; the key store checks each key as it checks the JWKS. */
export interface SigningKeys {
  readonly keys: readonly unknown[];
}

/**
 * The revocation document plus the JWKS's `keys`, verbatim. Authorizers that predate it read only
 * `disabled` and `revoked_at` (parseRevocationDocument), so the extra member changes nothing for them.
 */
export type KeyedRevocationDocument = RevocationDocument & SigningKeys;

export function withSigningKeys(revocations: RevocationDocument, jwks: SigningKeys): KeyedRevocationDocument {
  return { ...revocations, keys: jwks.keys };
}

/** The JWK Set carried by a (parsed) revocation document, or undefined when it carries none. */
export function signingKeysOf(document: unknown): SigningKeys | undefined {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return undefined;
  const { keys } = document as { keys?: unknown };
  return Array.isArray(keys) ? { keys } : undefined;
}
