// Public types of the verification area: what a verified access token looks like and the key store
// contract the verifier depends on.
import type { KeyObject } from 'node:crypto';

/** Claims of an RFC 9068 access token after every check has passed. */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly exp: number;
  readonly iat?: number;
  readonly nbf?: number;
  readonly jti?: string;
  readonly client_id: string;
  /** Space-delimited scope-tokens (RFC 6749 §3.3); '' when the token carries none. */
  readonly scope: string;
  readonly [claim: string]: unknown;
}

/** A verification outcome with what the authorizer logs beside the claims. */
export interface VerificationResult {
  readonly claims: AccessTokenClaims;
  readonly kid: string;
  /** Served from the verified-token cache. */
  readonly cacheHit: boolean;
}

export interface KeyStoreStats {
  readonly fetches: number;
  readonly fetchFailures: number;
  readonly keyHits: number;
  readonly keyMisses: number;
  /** Keys currently held. */
  readonly keys: number;
  /** True while serving last-good keys after failed refreshes. */
  readonly stale: boolean;
}

/** Where the verifier gets RSA public keys by `kid`. */
export interface KeyStore {
  /** Synchronous hot-path lookup of a cached key; undefined when not (yet) known. */
  getCachedKey(kid: string): KeyObject | undefined;
  /**
   * The key for `kid`, fetching the JWKS if needed (bounded by the refetch cooldown).
   * Rejects with VerifyError `unknown_kid` or `keys_unavailable`.
   */
  getKey(kid: string): Promise<KeyObject>;
  /** Loads the JWKS ahead of the first request (module init); never rejects. */
  prefetch(): Promise<void>;
  stats(): KeyStoreStats;
}
