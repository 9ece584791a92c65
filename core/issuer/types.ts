// Public types of the authorization-server area: signing, minting and the client registry contracts.
import type { ClientPublicJwk } from './clients/client-jwks.js';

/** Signs JWS input with RSASSA-PKCS1-v1_5 SHA-256 (RS256). The KMS implementation never sees a private key. */
export interface Signer {
  /** RFC 7638 thumbprint of the signing key's public JWK, used as the JWS `kid`. */
  getKid(): Promise<string>;
  /** The RS256 signature over `signingInput` (ASCII `base64url(header).base64url(payload)`). */
  sign(signingInput: Buffer): Promise<Buffer>;
  /**
   * One consistent key: its kid and a sign() bound to it. A signer whose key can change between getKid()
   * and sign() (createRotatingSigner) offers this, and the minter prefers it.
   */
  activeKey?(): Promise<ActiveKey>;
}

export interface ActiveKey {
  readonly kid: string;
  sign(signingInput: Buffer): Promise<Buffer>;
}

export interface MintRequest {
  readonly clientId: string;
  /** Granted scopes, already validated against the client's allowed scopes. */
  readonly scopes: readonly string[];
  readonly lifetimeSeconds: number;
  /** The token's `aud` (RFC 8707 resource); absent: the minter's configured audience. */
  readonly audience?: string;
  /** The client's static claims (core/issuer/clients/client-claims.ts), already checked. */
  readonly claims?: Readonly<Record<string, string>>;
  /** The client's usage tier (core/usage-tiers.ts), minted as the `tier` claim; absent: the default tier. */
  readonly tier?: string;
}

export interface MintedToken {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly scope: string;
  readonly jti: string;
}

export interface TokenMinter {
  mint(request: MintRequest): Promise<MintedToken>;
}

export type ClientStatus = 'active' | 'disabled';

/** A client as stored in DynamoDB (one item per client, keyed by `client_id`). */
export interface ClientRecord {
  readonly clientId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly status: ClientStatus;
  readonly tokenLifetimeSeconds: number;
  /** ISO-8601 times. */
  readonly createdAt: string;
  readonly updatedAt: string;
  /**
   * base64url SHA-256 of the secret; never logged. Absent for a private_key_jwt client (`jwks`): a client
   * authenticates with a secret or with its keys, never both (docs/clients.md#private_key_jwt).
   */
  readonly secretHash?: string;
  /** The public keys a private_key_jwt client signs its client assertions with (client-jwks.ts). */
  readonly jwks?: readonly ClientPublicJwk[];
  /** During a secret rotation: the previous secret's hash and when it stops being accepted (ISO-8601). */
  readonly previousSecretHash?: string;
  readonly previousSecretExpiresAt?: string;
  /**
   * Epoch seconds of the last `clients revoke` / `clients disable`: tokens with `iat` at or before it are
   * refused by the authorizer (core/revocation). Absent: nothing revoked.
   */
  readonly tokensRevokedAt?: number;
  /** Tokens this client may get per second (token bucket, burst twice that); absent: the default. */
  readonly issuanceRatePerSecond?: number;
  /**
   * RFC 8707 resources this client may get tokens for (`aud`) and the one used when a request names none.
   * Absent: the issuer's default audience only.
   */
  readonly resources?: readonly string[];
  readonly defaultResource?: string;
  /** Static claims minted into every token of this client (e.g. `tenant`); absent: none. */
  readonly claims?: Readonly<Record<string, string>>;
  /** May call POST /oauth2/introspect (RFC 7662 §4: callers are specifically authorized); absent: no. */
  readonly introspect?: true;
  /** Usage tier (core/usage-tiers.ts) whose usage plan throttles this client; absent: the default tier. */
  readonly tier?: string;
}
