// The CloudFormation output names keygate's constructs write and the `keygate --stack <name>` CLI reads:
// one list, imported by both (infra -> core, handlers -> core), so a rename cannot split them.

/** Output keys (logical ids of the stack-level CfnOutputs; one KeygateIssuer's outputs per stack). */
export const STACK_OUTPUTS = {
  /** The region the stack runs in (AWS_REGION for the CLI). */
  region: 'KeygateRegion',
  /** The issuer URL (every token's `iss`). */
  issuerUrl: 'KeygateIssuerUrl',
  /** The token endpoint. */
  tokenUrl: 'KeygateTokenUrl',
  /** The DynamoDB clients table (CLIENTS_TABLE). */
  clientsTable: 'KeygateClientsTable',
  /** The scopes clients may be given, space-separated (KEYGATE_SCOPES); absent when the issuer declares none. */
  scopes: 'KeygateScopes',
  /** The signing key's ARN. */
  signingKeyArn: 'KeygateSigningKeyArn',
  /** The signing key's alias (`keys status|rotate --alias`). */
  signingKeyAlias: 'KeygateSigningKeyAlias',
  /** The scheduled rotation's state machine; absent with `keyRotation: false`. */
  keyRotationStateMachineArn: 'KeygateKeyRotationStateMachineArn',
  /**
   * The authorizer result caches `clients revoke|disable|delete` flush: every KeygateAuthorizer of this stack
   * as `<restApiId>/<stage>`, space-separated (formatAuthorizerCaches / parseAuthorizerCaches).
   */
  authorizerCaches: 'KeygateAuthorizerCaches',
} as const;

/** The name of one stack output the CLI reads. */
export type StackOutputName = (typeof STACK_OUTPUTS)[keyof typeof STACK_OUTPUTS];

/** One API Gateway stage whose authorizer cache a revocation flushes (KEYGATE_REST_API_ID/KEYGATE_API_STAGE). */
export interface AuthorizerCache {
  /** The REST API's id. */
  readonly restApiId: string;
  /** The stage name. */
  readonly stage: string;
}

/** The value of the `KeygateAuthorizerCaches` output. */
export function formatAuthorizerCaches(caches: readonly AuthorizerCache[]): string {
  return caches.map((c) => `${c.restApiId}/${c.stage}`).join(' ');
}

/** Reads the `KeygateAuthorizerCaches` output back; entries without both parts are skipped. */
export function parseAuthorizerCaches(value: string): AuthorizerCache[] {
  return value
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((entry) => {
      const slash = entry.indexOf('/');
      const restApiId = entry.slice(0, slash);
      const stage = entry.slice(slash + 1);
      return slash > 0 && stage !== '' ? [{ restApiId, stage }] : [];
    });
}

/**
 * The admin CLIs' environment variable each output stands for: `keygate --stack <name>` reads the outputs and
 * sets these, so a command behaves as if the variables had been exported by hand.
 */
export const STACK_OUTPUT_ENV: Readonly<Partial<Record<StackOutputName, string>>> = {
  [STACK_OUTPUTS.region]: 'AWS_REGION',
  [STACK_OUTPUTS.tokenUrl]: 'KEYGATE_TOKEN_URL',
  [STACK_OUTPUTS.clientsTable]: 'CLIENTS_TABLE',
  [STACK_OUTPUTS.scopes]: 'KEYGATE_SCOPES',
  [STACK_OUTPUTS.signingKeyArn]: 'SIGNING_KEY_ID',
  [STACK_OUTPUTS.signingKeyAlias]: 'SIGNING_KEY_ALIAS',
  [STACK_OUTPUTS.authorizerCaches]: 'KEYGATE_AUTHORIZER_CACHES',
};
