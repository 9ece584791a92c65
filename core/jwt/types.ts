// Public types of the verification area: what a verified access token looks like and the key store
// contract the verifier depends on.
import type { KeyObject } from 'node:crypto';

/** Claims of an RFC 9068 access token after every check has passed. */
export interface AccessTokenClaims {
  /** The issuer, equal to the verifier's `issuer`. */
  readonly iss: string;
  /** The subject: for client credentials, the client itself (RFC 9068 §2.2). */
  readonly sub: string;
  /** The audience(s); at least one is the verifier's. */
  readonly aud: string | readonly string[];
  /** Expiry, epoch seconds. */
  readonly exp: number;
  /** Issued at, epoch seconds. */
  readonly iat?: number;
  /** Not before, epoch seconds. */
  readonly nbf?: number;
  /** The token's unique identifier (RFC 7519 §4.1.7). */
  readonly jti?: string;
  /** The OAuth client the token was issued to (RFC 9068 §2.2). */
  readonly client_id: string;
  /** Space-delimited scope-tokens (RFC 6749 §3.3); '' when the token carries none. */
  readonly scope: string;
  /** Any other claim, unchecked. */
  readonly [claim: string]: unknown;
}

/** A verification outcome with what the authorizer logs beside the claims. */
export interface VerificationResult {
  /** The verified claims. */
  readonly claims: AccessTokenClaims;
  /** The `kid` of the key that verified the signature. */
  readonly kid: string;
  /** Served from the verified-token cache. */
  readonly cacheHit: boolean;
}

/** Counters of a key store since it was created. */
export interface KeyStoreStats {
  /** JWKS downloads started. */
  readonly fetches: number;
  /** JWKS downloads or imports that failed. */
  readonly fetchFailures: number;
  /** Key lookups served from the held keys. */
  readonly keyHits: number;
  /** Key lookups for a `kid` not held. */
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
  /** The counters so far. */
  stats(): KeyStoreStats;
}
