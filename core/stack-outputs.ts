// The CloudFormation output names a keygate stack exports and the `keygate` CLI reads (`--stack <name>`):
// defined once here, so the constructs that emit them and the CLI that looks them up cannot drift apart.
// An output made inside a construct gets a logical id of its path plus a hash (e.g. `IssuerClientsTableName
// 1A2B3C4D`); the CLI accepts that shape too (handlers/cli/stack-target.ts).
export const STACK_OUTPUTS = {
  /** Region the stack runs in (AWS_REGION). */
  region: 'Region',
  /** The DynamoDB clients table (CLIENTS_TABLE). */
  clientsTable: 'ClientsTableName',
  /** The KMS signing key in force at deploy time (SIGNING_KEY_ID). */
  signingKeyArn: 'SigningKeyArn',
  /** The KMS alias that names the signing key (SIGNING_KEY_ALIAS). */
  signingKeyAlias: 'SigningKeyAlias',
  /** The resource API whose authorizer cache `clients revoke|disable` flush (KEYGATE_REST_API_ID). */
  restApiId: 'RestApiId',
  /** Its stage (KEYGATE_API_STAGE). */
  apiStage: 'ApiStage',
  /** The token endpoint (printed by `clients create`, for the first token). */
  tokenUrl: 'TokenUrl',
} as const;

export type StackOutputName = (typeof STACK_OUTPUTS)[keyof typeof STACK_OUTPUTS];

/** Which environment variable of the admin CLIs each output stands for. */
export const STACK_OUTPUT_ENV: Readonly<Partial<Record<StackOutputName, string>>> = {
  [STACK_OUTPUTS.region]: 'AWS_REGION',
  [STACK_OUTPUTS.clientsTable]: 'CLIENTS_TABLE',
  [STACK_OUTPUTS.signingKeyArn]: 'SIGNING_KEY_ID',
  [STACK_OUTPUTS.signingKeyAlias]: 'SIGNING_KEY_ALIAS',
  [STACK_OUTPUTS.restApiId]: 'KEYGATE_REST_API_ID',
  [STACK_OUTPUTS.apiStage]: 'KEYGATE_API_STAGE',
  [STACK_OUTPUTS.tokenUrl]: 'KEYGATE_TOKEN_URL',
};
