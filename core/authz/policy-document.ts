// The IAM policy document a Lambda TOKEN authorizer returns ("Output from an API Gateway Lambda authorizer",
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html).
type Patterns = string | readonly string[];

export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny' | string;
  readonly Action?: Patterns;
  readonly NotAction?: Patterns;
  readonly Resource?: Patterns;
  readonly NotResource?: Patterns;
  readonly Condition?: unknown;
  readonly Sid?: string;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: PolicyStatement | readonly PolicyStatement[];
}

/** The policy keygate's authorizer returns: one Allow or Deny of execute-api:Invoke, plus Denies (policy-builder.ts). */
export interface AuthorizerPolicyDocument {
  /** The IAM policy language version, `2012-10-17`. */
  readonly Version: string;
  /** `execute-api:Invoke` statements: the Allow (or the whole-API Deny), then any explicit Deny. */
  readonly Statement: readonly {
    /** Always `execute-api:Invoke`. */
    readonly Action: string;
    /** Allow or Deny. */
    readonly Effect: 'Allow' | 'Deny';
    /** Route ARNs under the method ARN's API and stage. */
    readonly Resource: readonly string[];
  }[];
}
