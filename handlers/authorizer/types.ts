// The TOKEN authorizer's event, result and handler types as `keygate/authorizer` publishes them: plain
// shapes with no imports beyond the policy document, so the package's declarations pull in nothing else
// (the AWS SDK types of the issuer are devDependencies; test/package/pack.test.ts type-checks a consumer).
import type { AuthorizerPolicyDocument } from '../../core/authz/policy-document.js';

/** The event API Gateway sends a TOKEN authorizer. */
export interface TokenAuthorizerEvent {
  /** Always `TOKEN` for a TOKEN authorizer. */
  readonly type: 'TOKEN';
  /** The whole identity-source header value, e.g. `Bearer eyJ...`. */
  readonly authorizationToken: string;
  /** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path}` */
  readonly methodArn: string;
}

/** The IAM policy and context a TOKEN authorizer returns. */
export interface TokenAuthorizerResult {
  /** The token's `sub` (the client id). */
  readonly principalId: string;
  /**
   * An IAM policy: Allow on every route the token's scopes grant, and an explicit Deny on a route an Allow's
   * wildcard would reach but the scopes do not grant (or a whole-API Deny when they grant none).
   */
  readonly policyDocument: AuthorizerPolicyDocument;
  /**
   * `clientId`, `scope`, `exp`, `jti` (when the token has one) and `claim_<name>` per client claim
   * (docs/tenants.md); strings and numbers only.
   */
  readonly context: Readonly<Record<string, string | number>>;
  /** The usage plan's API key value for the token's `tier` claim (apiKeySource AUTHORIZER); only with usage tiers. */
  readonly usageIdentifierKey?: string;
}

/** The handler `createAuthorizerHandler` returns: export it as the Lambda function's handler. */
export type TokenAuthorizerHandler = (
  event: TokenAuthorizerEvent,
  context?: { readonly awsRequestId?: string },
) => Promise<TokenAuthorizerResult>;
