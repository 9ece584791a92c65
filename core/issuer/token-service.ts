// The client-credentials grant (RFC 6749 §4.4): authenticate the client, settle the granted scopes, mint.
// Transport-free: the token handler parses HTTP into a TokenRequest and renders the result or IssuerError.
import type { ClientCache } from './client-cache.js';
import { DEFAULT_ISSUANCE_RATE_PER_SECOND } from './client-rules.js';
import { checkClientSecret, type SecretHasher, sha256Hasher } from './client-secret.js';
import { IssuerError, RateLimitedError } from './errors.js';
import type { IssuanceLimiter } from './issuance-limiter.js';
import type { TokenRequest } from './token-request.js';
import type { ClientRecord, TokenMinter } from './types.js';

export interface TokenServiceOptions {
  readonly clients: ClientCache;
  readonly minter: TokenMinter;
  /** Upper bound on any client's token lifetime (TOKEN_MAX_LIFETIME_SECONDS). */
  readonly maxLifetimeSeconds: number;
  readonly now?: () => number;
  /** Injectable so tests can see that unknown clients pay for a hash too. */
  readonly hasher?: SecretHasher;
  /**
   * After a failed authentication against a cached record older than this, re-read it once: a secret
   * rotated or a client enabled moments ago works at once, while a stream of bad attempts costs at most
   * one DynamoDB read per client id per this interval.
   */
  readonly refreshAfterFailureMs?: number;
  /** Per-client issuance limit, taken after authentication and before minting (no KMS call when over). */
  readonly limiter?: IssuanceLimiter;
  /** Tokens/s for clients whose record sets no rate. */
  readonly defaultRatePerSecond?: number;
}

export interface TokenResult {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly scope: string;
  readonly clientId: string;
}

export interface TokenService {
  issue(request: TokenRequest): Promise<TokenResult>;
}

/**
 * The token endpoint's view of any failure: IssuerErrors (RegistryErrors included, whose description is
 * already the generic public text) pass through; anything else is internal.
 */
export function toIssuerError(err: unknown): IssuerError {
  if (err instanceof IssuerError) return err;
  return new IssuerError('internal', 'the server failed to process the request', { cause: err });
}

const clientFailed = () => new IssuerError('invalid_client', 'client authentication failed');

export function createTokenService(options: TokenServiceOptions): TokenService {
  const now = options.now ?? Date.now;
  const hasher = options.hasher ?? sha256Hasher;
  const refreshAfterFailureMs = options.refreshAfterFailureMs ?? 1000;

  // Unknown, disabled and wrong-secret all run the same hash + comparisons and give the same answer.
  const authenticates = (secret: string, record: ClientRecord | undefined): boolean =>
    checkClientSecret(secret, record, now(), hasher) && record?.status === 'active';

  async function authenticate(request: TokenRequest): Promise<ClientRecord> {
    try {
      let found = await options.clients.get(request.clientId);
      if (authenticates(request.clientSecret, found.record)) return found.record!;
      if (found.fromCache) {
        const again = await options.clients.refresh(request.clientId, refreshAfterFailureMs);
        if (!again.fromCache) {
          found = again;
          if (authenticates(request.clientSecret, found.record)) return found.record!;
        }
      }
    } catch (err) {
      throw toIssuerError(err);
    }
    throw clientFailed();
  }

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
      const lifetimeSeconds = Math.max(1, Math.min(record.tokenLifetimeSeconds, options.maxLifetimeSeconds));
      if (options.limiter) {
        const rate =
          record.issuanceRatePerSecond ?? options.defaultRatePerSecond ?? DEFAULT_ISSUANCE_RATE_PER_SECOND;
        const decision = options.limiter.take(record.clientId, rate);
        if (!decision.ok) throw new RateLimitedError(decision.retryAfterSeconds);
      }
      try {
        const token = await options.minter.mint({ clientId: record.clientId, scopes, lifetimeSeconds });
        return {
          accessToken: token.accessToken,
          tokenType: 'Bearer',
          expiresIn: token.expiresIn,
          scope: token.scope,
          clientId: record.clientId,
        };
      } catch (err) {
        throw toIssuerError(err);
      }
    },
  };
}
