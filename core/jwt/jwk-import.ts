// The JWK Set import (RFC 7517, RFC 7518 §6.3, RFC 8725 §3.5): which keys of a downloaded document the
// verifier may trust, each imported once into a node:crypto KeyObject, and why any other key is skipped.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { JwksFetchError } from './errors.js';
import { isSaneKid } from './kid.js';

/** Why the key store skipped one key of a JWKS (reported in `KeyStoreEvent` `key_skipped`). */
export type KeySkipReason =
  | 'not_object'
  | 'kid'
  | 'kty'
  | 'use'
  | 'alg'
  | 'key_ops'
  | 'invalid_key'
  | 'modulus_too_small'
  | 'modulus_too_large'
  | 'exponent'
  | 'duplicate_kid'
  | 'too_many_keys';

export const MIN_RSA_MODULUS_BITS = 2048;
/** Verification cost grows with the modulus; nobody signs access tokens with more than 8192 bits. */
export const MAX_RSA_MODULUS_BITS = 8192;

/** One imported key with the members it came from (an unchanged key is not imported again). */
export interface KeyMaterial {
  readonly n: string;
  readonly e: string;
  readonly key: KeyObject;
}

/**
 * One JWK to KeyMaterial, or why it is skipped (RFC 7517 §4, RFC 7518 §6.3, RFC 8725 §3.5). `previous`:
 * the key last imported under this kid, reused (same KeyObject) when n and e are unchanged.
 */
export function importJwk(jwk: unknown, previous?: KeyMaterial): KeyMaterial | KeySkipReason {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return 'not_object';
  const { kty, use, alg, key_ops: keyOps, n, e } = jwk as Record<string, unknown>;
  if (kty !== 'RSA') return 'kty';
  if (use !== undefined && use !== 'sig') return 'use';
  if (alg !== undefined && alg !== 'RS256') return 'alg';
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) return 'key_ops';
  if (typeof n !== 'string' || typeof e !== 'string') return 'invalid_key';
  if (previous && previous.n === n && previous.e === e) return previous;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: 'RSA', n, e }, format: 'jwk' });
  } catch {
    return 'invalid_key';
  }
  const details = key.asymmetricKeyDetails;
  const bits = details?.modulusLength ?? 0;
  if (bits < MIN_RSA_MODULUS_BITS) return 'modulus_too_small';
  if (bits > MAX_RSA_MODULUS_BITS) return 'modulus_too_large';
  // e = 1 would make any "signature" equal to its own padded digest; real keys use 65537.
  const exponent = details?.publicExponent ?? 0n;
  if (exponent < 3n || exponent % 2n === 0n) return 'exponent';
  return { n, e, key };
}

/**
 * The usable keys of a JWK Set document by kid (at most `maxKeys`), reusing `previous` imports; each
 * skipped key is reported to `onSkip`. Throws JwksFetchError when the document is not a JWK Set or holds
 * no usable key, so the caller keeps its last good keys.
 */
export function importJwks(
  document: unknown,
  previous: ReadonlyMap<string, KeyMaterial>,
  maxKeys: number,
  onSkip: (kid: string | undefined, reason: KeySkipReason) => void,
): Map<string, KeyMaterial> {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new JwksFetchError('invalid_jwks', 'JWKS is not a JSON object');
  }
  const list = (document as { keys?: unknown }).keys;
  if (!Array.isArray(list)) throw new JwksFetchError('invalid_jwks', 'JWKS has no "keys" array');
  const next = new Map<string, KeyMaterial>();
  const conflicting = new Set<string>();
  for (const jwk of list) {
    const rawKid = (jwk as { kid?: unknown } | null)?.kid;
    const kid = isSaneKid(rawKid) ? rawKid : undefined;
    if (kid === undefined) {
      onSkip(undefined, typeof jwk === 'object' && jwk ? 'kid' : 'not_object');
      continue;
    }
    if (conflicting.has(kid)) continue;
    const result = importJwk(jwk, previous.get(kid));
    if (typeof result === 'string') {
      onSkip(kid, result);
      continue;
    }
    const seen = next.get(kid);
    if (seen) {
      // RFC 7517 §4.5: kids SHOULD be distinct. The same key listed twice is harmless; two different
      // keys under one kid are ambiguous, so neither is trusted (no "first wins" guessing).
      if (seen.n !== result.n || seen.e !== result.e) {
        next.delete(kid);
        conflicting.add(kid);
        onSkip(kid, 'duplicate_kid');
      }
      continue;
    }
    if (next.size >= maxKeys) {
      onSkip(kid, 'too_many_keys');
      continue;
    }
    next.set(kid, result);
  }
  if (next.size === 0) throw new JwksFetchError('no_usable_keys', 'JWKS holds no usable RS256 key');
  return next;
}
