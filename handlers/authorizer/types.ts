// The TOKEN authorizer's event, result and handler types as `keygate/authorizer` publishes them: plain
// shapes with no imports beyond the policy document, so the package's declarations pull in nothing else
// (the AWS SDK types of the issuer are devDependencies; test/package/pack.test.ts type-checks a consumer).
import type { AuthorizerPolicyDocument } from '../../core/authz/policy-document.js';

/** The event API Gateway sends a TOKEN authorizer. */
export interface TokenAuthorizerEvent {
  readonly type: 'TOKEN';
  /** The whole identity-source header value, e.g. `Bearer eyJ...`. */
  readonly authorizationToken: string;
  /** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path}` */
  readonly methodArn: string;
}

/** The IAM policy and context a TOKEN authorizer returns. */
export interface TokenAuthorizerResult {
  readonly principalId: string;
  readonly policyDocument: AuthorizerPolicyDocument;
  /** `clientId`, `scope`, `exp` and (when the token has one) `jti`; strings and numbers only. */
  readonly context: Readonly<Record<string, string | number>>;
}

export type TokenAuthorizerHandler = (
  event: TokenAuthorizerEvent,
  context?: { readonly awsRequestId?: string },
) => Promise<TokenAuthorizerResult>;
