// Errors of the verification area: one class, one stable `code` per failure reason. Messages describe the
// rule that failed and never carry token text, claim values or key material.
import { KeygateError } from '../errors.js';

/** Why a token was refused (`VerifyError.code`); every code but `keys_unavailable` is the token's fault. */
export type VerifyErrorCode =
  /** Not a compact JWS: wrong part count, whitespace, non-base64url, header/payload not a JSON object. */
  | 'malformed'
  /** Longer than the configured maximum token length. */
  | 'too_long'
  /** `alg` is not exactly `RS256`. */
  | 'alg'
  /** `typ` is not `at+jwt` / `application/at+jwt` (RFC 9068 §4). */
  | 'typ'
  /** A header member we refuse: missing/invalid `kid`, `jku`, `x5u`, `jwk`, `x5c`. */
  | 'header'
  /** Any `crit` header (we understand no extensions, RFC 7515 §4.1.11). */
  | 'crit'
  /** No key with this `kid` in the issuer's JWKS, even after a (rate-limited) refetch. */
  | 'unknown_kid'
  /** The RS256 signature does not verify with the key its `kid` names. */
  | 'signature'
  /** `exp` is past, beyond the clock leeway. */
  | 'expired'
  /** `nbf` or `iat` in the future beyond the clock leeway. */
  | 'not_yet_valid'
  /** `iss` is not the configured issuer. */
  | 'issuer'
  /** `aud` names none of the configured audiences. */
  | 'audience'
  /** A required claim missing or of the wrong type/syntax (`exp`, `sub`, `client_id`, `scope`, ...). */
  | 'claims'
  /** Our side failed: no usable keys (JWKS unreachable and nothing cached). Authorizer answers 500. */
  | 'keys_unavailable';

export const VERIFY_ERROR_CODES: readonly VerifyErrorCode[] = [
  'malformed',
  'too_long',
  'alg',
  'typ',
  'header',
  'crit',
  'unknown_kid',
  'signature',
  'expired',
  'not_yet_valid',
  'issuer',
  'audience',
  'claims',
  'keys_unavailable',
];

/**
 * A token was refused, or (code `keys_unavailable`) could not be checked. Thrown (as a rejection) by
 * `Verifier.verify` and `KeyStore.getKey`. The message names the rule that failed, never token text.
 * @example
 * ```ts
 * try {
 *   await verifier.verify(token);
 * } catch (err) {
 *   if (err instanceof VerifyError && err.isTokenError) return { statusCode: 401 };
 *   throw err; // keys_unavailable: our side failed
 * }
 * ```
 */
export class VerifyError extends KeygateError<VerifyErrorCode> {
  /** True when the failure is the token's fault (401); false for `keys_unavailable` (our fault, 500). */
  get isTokenError(): boolean {
    return this.code !== 'keys_unavailable';
  }
}

export const isVerifyError = (value: unknown): value is VerifyError => value instanceof VerifyError;

/** Why one JWKS download or parse failed (logged and counted; never token text). */
export type JwksFetchFailureReason =
  | 'timeout'
  | 'network'
  | 'redirect'
  | 'http_status'
  | 'too_large'
  | 'invalid_json'
  | 'invalid_jwks'
  /** The document parsed but held no key we accept: treated as a failure so last good keys keep serving. */
  | 'no_usable_keys';

/**
 * A failed JWKS (or revocation list) download or an unusable document; the key store keeps serving its last
 * good keys. `code` is the stable reason.
 */
export class JwksFetchError extends KeygateError<JwksFetchFailureReason> {}
