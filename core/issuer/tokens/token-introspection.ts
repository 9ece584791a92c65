// RFC 7662 token introspection at POST /oauth2/introspect: a resource server outside API Gateway asks whether
// an access token is active, authenticated as at the token endpoint and allowed to introspect (a client flag,
// docs/introspection.md). The signature is checked with keygate's verifier; revocation is read from DynamoDB,
// the source of the revocation document, so the answer does not wait for the document's refresh.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { isVerifyError } from '../../jwt/errors.js';
import type { AccessTokenClaims } from '../../jwt/types.js';
import { registryErrorFrom } from '../clients/client-item.js';
import { type ClientRegistry, DEFAULT_READ_RETRY } from '../clients/client-registry.js';
import type { DynamoApi } from '../dynamo.js';
import { IssuerError, RateLimitedError, toIssuerError } from '../errors.js';
import { REVOKED_JTI_PREFIX } from '../keys/key-state-item.js';
import { withRetry } from '../retry.js';
import type { IssuanceLimiter } from './issuance-limiter.js';
import {
  type PresentedTokenRequest,
  parsePresentedTokenRequest,
  type TokenHttpRequest,
} from './token-request.js';
import type { CredentialsAuthenticator } from './token-service.js';

/**
 * Introspection calls per second one caller may make (token bucket, burst twice that). A resource server
 * that introspects every request needs its request rate here; a scanner gets 429 after the burst.
 */
export const DEFAULT_INTROSPECTION_RATE_PER_SECOND = 50;
export const MAX_INTROSPECTION_RATE_PER_SECOND = 10_000;

export type IntrospectionRequest = PresentedTokenRequest;

/** POST form of RFC 7662 §2.1. */
export const parseIntrospectionRequest = (req: TokenHttpRequest): IntrospectionRequest =>
  parsePresentedTokenRequest(req, 'introspection');

/** RFC 7662 §2.2. An inactive token gets `{ active: false }` and nothing else (no hint at why). */
export type IntrospectionResponse =
  | { readonly active: false }
  | {
      readonly active: true;
      readonly scope: string;
      readonly client_id: string;
      readonly token_type: 'Bearer';
      readonly exp: number;
      readonly iat?: number;
      readonly nbf?: number;
      readonly sub: string;
      readonly aud: string | readonly string[];
      readonly iss: string;
      readonly jti?: string;
    };

/** Why a token is inactive, for the log line only (never in the answer). */
export type IntrospectionOutcome =
  | 'active'
  | 'invalid'
  | 'client_unknown'
  | 'client_disabled'
  | 'client_revoked'
  | 'token_revoked';

export interface TokenIntrospectionOptions {
  readonly authenticate: CredentialsAuthenticator;
  /** Throws for anything that is not a currently valid token of this issuer (signature, iss, aud, exp). */
  readonly verify: (token: string) => Promise<AccessTokenClaims>;
  /** Consistent reads of the token's client (its status and cutoff as `clients revoke` wrote them). */
  readonly registry: Pick<ClientRegistry, 'get'>;
  readonly dynamodb: DynamoApi;
  readonly tableName: string;
  /** Per caller, taken after the permission check and before any token is looked at. */
  readonly limiter: IssuanceLimiter;
  readonly ratePerSecond: number;
}

export interface TokenIntrospectionService {
  introspect(request: IntrospectionRequest): Promise<{
    readonly outcome: IntrospectionOutcome;
    readonly response: IntrospectionResponse;
  }>;
}

const UNAVAILABLE_DESCRIPTION = 'the service is temporarily unavailable, retry later';
const INACTIVE: IntrospectionResponse = Object.freeze({ active: false });

export function createTokenIntrospectionService(
  options: TokenIntrospectionOptions,
): TokenIntrospectionService {
  /** Whether the token's own jti was revoked (RFC 7009 item, written by token-revocation.ts). */
  async function jtiRevoked(jti: string): Promise<boolean> {
    const command = new GetItemCommand({
      TableName: options.tableName,
      Key: { client_id: { S: `${REVOKED_JTI_PREFIX}${jti}` } },
      ConsistentRead: true,
      ProjectionExpression: 'client_id',
    });
    const out = await withRetry(
      (signal) => options.dynamodb.send(command, signal ? { abortSignal: signal } : {}),
      DEFAULT_READ_RETRY,
    ).catch((err: unknown) => {
      throw registryErrorFrom(err, options.tableName);
    });
    return out.Item !== undefined;
  }

  /** The authorizer's revocation rules (core/revocation/document.ts), read fresh. */
  async function revocationOutcome(claims: AccessTokenClaims): Promise<IntrospectionOutcome> {
    const [client, revoked] = await Promise.all([
      options.registry.get(claims.client_id, { consistent: true }),
      typeof claims.jti === 'string' && claims.jti !== '' ? jtiRevoked(claims.jti) : false,
    ]);
    if (revoked) return 'token_revoked';
    // Deleted (a tombstone) or never known: none of its tokens is active.
    if (client === undefined) return 'client_unknown';
    if (client.status !== 'active') return 'client_disabled';
    // `clients revoke` refuses tokens with iat at or before the cutoff; a token without iat counts as revoked.
    if (
      client.tokensRevokedAt !== undefined &&
      !(typeof claims.iat === 'number' && claims.iat > client.tokensRevokedAt)
    )
      return 'client_revoked';
    return 'active';
  }

  return {
    async introspect(request) {
      const caller = await options.authenticate(request);
      // RFC 7662 §4: the server "SHOULD require protected resources to be specifically authorized to call
      // the introspection endpoint". Such a call is not properly authorized, so §2.2's active=false does
      // not apply: 403 tells the operator what is missing (docs/introspection.md#permission).
      if (caller.introspect !== true)
        throw new IssuerError('introspection_forbidden', 'this client may not introspect tokens');
      const decision = await options.limiter.take(caller.clientId, options.ratePerSecond);
      if (!decision.ok)
        throw new RateLimitedError(
          decision.retryAfterSeconds,
          'too many introspection requests for this client; retry later',
        );
      let claims: AccessTokenClaims;
      try {
        claims = await options.verify(request.token);
      } catch (err) {
        if (isVerifyError(err) && err.isTokenError) return { outcome: 'invalid', response: INACTIVE };
        // The keys could not be loaded: not the token's fault, so no confident "inactive" either (503).
        if (isVerifyError(err))
          throw new IssuerError('dependency_unavailable', UNAVAILABLE_DESCRIPTION, { cause: err });
        throw toIssuerError(err);
      }
      // DynamoDB failures propagate as RegistryErrors (503 when unavailable): never an answer.
      const outcome = await revocationOutcome(claims);
      if (outcome !== 'active') return { outcome, response: INACTIVE };
      return {
        outcome,
        response: {
          active: true,
          scope: claims.scope,
          client_id: claims.client_id,
          token_type: 'Bearer',
          exp: claims.exp,
          ...(claims.iat !== undefined ? { iat: claims.iat } : {}),
          ...(claims.nbf !== undefined ? { nbf: claims.nbf } : {}),
          sub: claims.sub,
          aud: claims.aud,
          iss: claims.iss,
          ...(claims.jti !== undefined ? { jti: claims.jti } : {}),
        },
      };
    },
  };
}
