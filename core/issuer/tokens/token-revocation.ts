// RFC 7009 token revocation: a client presents one of its own access tokens at POST /oauth2/revoke, with
// the token endpoint's client authentication; keygate records the token's jti until the token expires, and
// the revocation document (core/revocation/document.ts) carries it to every authorizer.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EXPIRES_AT_ATTRIBUTE, registryErrorFrom } from '../clients/client-item.js';
import type { DynamoApi } from '../dynamo.js';
import { toIssuerError } from '../errors.js';
import {
  REVOKED_CLIENT_ATTRIBUTE,
  REVOKED_EXP_ATTRIBUTE,
  REVOKED_IAT_ATTRIBUTE,
  REVOKED_JTI_PREFIX,
} from '../keys/key-state-item.js';
import {
  type PresentedTokenRequest,
  parsePresentedTokenRequest,
  type TokenHttpRequest,
} from './token-request.js';
import type { CredentialsAuthenticator } from './token-service.js';

export type RevocationRequest = PresentedTokenRequest;

/** POST form of RFC 7009 §2.1. */
export const parseRevocationRequest = (req: TokenHttpRequest): RevocationRequest =>
  parsePresentedTokenRequest(req, 'revocation');

/** The claims of a token this issuer signed (signature, iss, aud checked), as the authorizer checks them. */
export interface VerifiedAccessToken {
  readonly client_id: string;
  readonly jti?: string;
  readonly exp: number;
  readonly iat?: number;
}

export interface TokenRevocationOptions {
  readonly authenticate: CredentialsAuthenticator;
  /** Throws for anything that is not a valid token of this issuer (bad signature, expired beyond leeway). */
  readonly verify: (token: string) => Promise<VerifiedAccessToken>;
  readonly dynamodb: DynamoApi;
  readonly tableName: string;
  /** Seconds past exp an authorizer may still accept a token: the record is kept that long too. */
  readonly leewaySeconds: number;
}

/**
 * What a revocation did. Every outcome answers 200 (RFC 7009 §2.2: an invalid token, or one the client may
 * not revoke, is not an error the client can act on); only `revoked` wrote anything.
 */
export type RevocationOutcome = 'revoked' | 'not_a_token' | 'other_client' | 'no_jti';

export interface TokenRevocationService {
  revoke(
    request: RevocationRequest,
  ): Promise<{ readonly clientId: string; readonly outcome: RevocationOutcome }>;
}

export function createTokenRevocationService(options: TokenRevocationOptions): TokenRevocationService {
  return {
    async revoke(request) {
      const record = await options.authenticate(request);
      let claims: VerifiedAccessToken;
      try {
        claims = await options.verify(request.token);
      } catch {
        return { clientId: record.clientId, outcome: 'not_a_token' };
      }
      // RFC 7009 §2.1: the server verifies the token was issued to the client making the request.
      if (claims.client_id !== record.clientId) return { clientId: record.clientId, outcome: 'other_client' };
      if (typeof claims.jti !== 'string' || claims.jti === '')
        return { clientId: record.clientId, outcome: 'no_jti' };
      try {
        // Idempotent: revoking twice writes the same item.
        await options.dynamodb.send(
          new PutItemCommand({
            TableName: options.tableName,
            Item: {
              client_id: { S: `${REVOKED_JTI_PREFIX}${claims.jti}` },
              [REVOKED_CLIENT_ATTRIBUTE]: { S: record.clientId },
              [REVOKED_EXP_ATTRIBUTE]: { N: String(claims.exp) },
              // For the per-client cap (core/revocation/document.ts): a cutoff that covers this token.
              ...(typeof claims.iat === 'number'
                ? { [REVOKED_IAT_ATTRIBUTE]: { N: String(claims.iat) } }
                : {}),
              [EXPIRES_AT_ATTRIBUTE]: { N: String(claims.exp + options.leewaySeconds) },
            },
          }),
        );
      } catch (err) {
        throw toIssuerError(registryErrorFrom(err, options.tableName));
      }
      return { clientId: record.clientId, outcome: 'revoked' };
    },
  };
}
