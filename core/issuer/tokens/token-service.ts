// The client-credentials grant (RFC 6749 §4.4): authenticate the client, settle the granted scopes, mint.
// Transport-free: the token handler parses HTTP into a TokenRequest and renders the result or IssuerError.
import type { AssertionAuthenticator } from '../clients/client-assertion.js';
import {
  type ClientAuthenticatorOptions,
  clientAuthFailed,
  createClientAuthenticator,
} from '../clients/client-authenticator.js';
import { DEFAULT_ISSUANCE_RATE_PER_SECOND } from '../clients/client-rules.js';
import { audienceFor, type IssuerAudiences } from '../clients/resource-indicator.js';
import { IssuerError, RateLimitedError, toIssuerError } from '../errors.js';
import type { ClientRecord, TokenMinter } from '../types.js';
import type { IssuanceLimiter } from './issuance-limiter.js';
import type { ClientCredentials, TokenRequest } from './token-request.js';

/** The client check's options (clients, clock, hasher, refresh after failure) plus the grant's own. */
export interface TokenServiceOptions extends ClientAuthenticatorOptions {
  readonly minter: TokenMinter;
  /** Upper bound on any client's token lifetime (TOKEN_MAX_LIFETIME_SECONDS). */
  readonly maxLifetimeSeconds: number;
  /** Per-client issuance limit, taken after authentication and before minting (no KMS call when over). */
  readonly limiter?: IssuanceLimiter;
  /** Tokens/s for clients whose record sets no rate. */
  readonly defaultRatePerSecond?: number;
  /**
   * The audiences this issuer serves (RFC 8707); each token gets one, picked by audienceFor. Absent: the
   * minter's own audience for every token, and any `resource` parameter is invalid_target.
   */
  readonly audiences?: IssuerAudiences;
  /** private_key_jwt (client-assertion.ts); without it such requests get invalid_client. */
  readonly assertions?: AssertionAuthenticator;
  /** Waits (tests move their clock instead). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Longest a token request waits for the second after the client's last cutoff. The registry's clock and
 * this one agree to the second (docs/token-lifetime.md#whose-clock); a stamp further ahead is not waited for.
 */
const MAX_CUTOFF_WAIT_MS = 2000;

export interface TokenResult {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly scope: string;
  readonly clientId: string;
  /** The token's `aud` when this service picks it (`audiences`, RFC 8707); logged, not in the response. */
  readonly audience?: string;
}

export interface TokenService {
  issue(request: TokenRequest): Promise<TokenResult>;
}

/** The client's record for any supported authentication method (RFC 6749 §2.3, RFC 7523 §2.2). */
export type CredentialsAuthenticator = (credentials: ClientCredentials) => Promise<ClientRecord>;

export function createCredentialsAuthenticator(
  options: ClientAuthenticatorOptions & { readonly assertions?: AssertionAuthenticator },
): CredentialsAuthenticator {
  const secrets = createClientAuthenticator(options);
  return async (credentials) => {
    if (credentials.authMethod !== 'private_key_jwt')
      return secrets(credentials.clientId, credentials.clientSecret);
    if (!options.assertions) throw clientAuthFailed();
    return options.assertions(credentials.clientId, credentials.clientAssertion);
  };
}

export function createTokenService(options: TokenServiceOptions): TokenService {
  const authenticate = createCredentialsAuthenticator(options);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  function grantedScopes(record: ClientRecord, requested: readonly string[] | undefined): string[] {
    // RFC 6749 §3.3: without `scope` the default applies, here every scope the client is allowed.
    if (record.scopes.length === 0) throw new IssuerError('invalid_scope', 'the client has no scopes');
    if (requested === undefined) return [...record.scopes];
    const denied = requested.filter((s) => !record.scopes.includes(s));
    if (denied.length > 0)
      throw new IssuerError('invalid_scope', 'a requested scope is not allowed for this client');
    return record.scopes.filter((s) => requested.includes(s));
  }

  return {
    async issue(request) {
      const record = await authenticate(request);
      const scopes = grantedScopes(record, request.scopes);
      const audience = options.audiences
        ? audienceFor(record, request.resource, options.audiences)
        : undefined;
      if (audience === undefined && request.resource !== undefined)
        throw new IssuerError('invalid_target', 'this issuer takes no resource parameter');
      const lifetimeSeconds = Math.max(1, Math.min(record.tokenLifetimeSeconds, options.maxLifetimeSeconds));
      if (options.limiter) {
        const rate =
          record.issuanceRatePerSecond ?? options.defaultRatePerSecond ?? DEFAULT_ISSUANCE_RATE_PER_SECOND;
        const decision = await options.limiter.take(record.clientId, rate);
        if (!decision.ok) throw new RateLimitedError(decision.retryAfterSeconds);
      }
      // The authorizer refuses iat <= the client's cutoff, so a token minted in the cutoff's own second (a
      // client enabled or revoked just now) would be refused until exp: mint it in the next second instead.
      if (record.tokensRevokedAt !== undefined) {
        const waitMs = (record.tokensRevokedAt + 1) * 1000 - now();
        if (waitMs > 0 && waitMs <= MAX_CUTOFF_WAIT_MS) await sleep(waitMs);
      }
      try {
        const token = await options.minter.mint({
          clientId: record.clientId,
          scopes,
          lifetimeSeconds,
          ...(audience !== undefined ? { audience } : {}),
          ...(record.claims !== undefined ? { claims: record.claims } : {}),
          ...(record.tier !== undefined ? { tier: record.tier } : {}),
        });
        return {
          accessToken: token.accessToken,
          tokenType: 'Bearer',
          expiresIn: token.expiresIn,
          scope: token.scope,
          clientId: record.clientId,
          ...(audience !== undefined ? { audience } : {}),
        };
      } catch (err) {
        throw toIssuerError(err);
      }
    },
  };
}
