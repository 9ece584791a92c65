// cdk-nag (v3) acknowledgments. Each construct acknowledges the findings on what it creates, next to the
// decision, so a reused construct stays clean; every acknowledgment states its reason.
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

export const REASONS = {
  issuanceCounters:
    'The issuance table holds per-client counters of one second each (expired by TTL): point-in-time ' +
    'recovery would restore nothing worth having.',
  usageKeyIdentifier:
    'The secret holds a usage plan API key value, an identifier and not a credential: with apiKeySource ' +
    "AUTHORIZER API Gateway ignores a caller's X-API-Key (docs/tenants.md#usage-tiers). Rotating it would " +
    "only move the plan's usage counters.",
  publicAuthEndpoint:
    'The authorization server endpoints are public by design: the token endpoint authenticates the client in ' +
    'the request itself (RFC 6749 §2.3.1, client_secret_basic/post), and JWKS and discovery metadata are ' +
    'public documents every resource server must be able to fetch (RFC 8414 §3, RFC 7517).',
  customAuthorizer:
    'Access is controlled by keygate’s own Lambda TOKEN authorizer, which verifies the RS256 access tokens ' +
    'this stack issues (client credentials); Cognito user pools do not fit machine-to-machine clients here.',
  handlerValidation:
    'Every handler validates its input and answers with RFC 6749 §5.2 / RFC 6750 error bodies; an API ' +
    'Gateway request validator would reject first with its own non-RFC 400 body.',
  noWaf:
    'WAF is deployment-specific (managed rule groups, rate rules, cost per web ACL); abuse is bounded by stage ' +
    'throttling and, on the resource API, by the authorizer. Associate a web ACL with the stage where required.',
  apiGatewayLogsRole:
    'AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for the account-level API Gateway ' +
    'logging role; it must create and write any API’s log groups in the account, so no narrower scope exists.',
  xrayWildcard:
    'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (AWS service ' +
    'authorization reference); `*` is the only valid resource. Only present when tracing is enabled.',
  kmsCreateKey:
    'kms:CreateKey takes no resource (AWS Service Authorization Reference: `*`). Conditions allow only ' +
    'untagged single-Region RSA_2048 SIGN_VERIFY keys with the lockout safety check on; every other KMS ' +
    'permission of the rotation comes from the key policy of a key it created (or of the deployed key).',
  tracingOff:
    'X-Ray tracing follows functionOptions.tracing (off by default, as for the functions); every step is ' +
    'logged by the state machine (level ALL) and by the rotation task as a structured event.',
  invokeQualified:
    'The state machine may invoke the rotation function and its versions (`<arn>:*`, what CDK’s LambdaInvoke ' +
    'grants); it is one function, its own.',
  stepFunctionsLogDelivery:
    'Step Functions logging to CloudWatch Logs needs the CloudWatch Logs log-delivery actions ' +
    '(logs:CreateLogDelivery, ...), which support no resource-level permissions (AWS Step Functions Developer ' +
    'Guide, "IAM policies for logging to CloudWatch Logs"); `*` is the only valid resource.',
} as const;
