// `keygate/cdk`: the constructs a team uses to put its own REST API behind keygate. Lambda code ships
// prebuilt in the package (dist/lambda), so synthesizing needs only aws-cdk-lib and constructs.
export { type ProtectedRoute, ROUTE_METHODS, type RouteMethod } from '../../core/authz/route-table.js';
export { type AuthorizerTuning, CONTEXT_HEADERS } from '../../core/contract.js';
export {
  type AuthorizerCache,
  parseAuthorizerCaches,
  STACK_OUTPUTS,
  type StackOutputName,
} from '../../core/stack-outputs.js';
export type { QuotaPeriod, UsageTier, UsageTiers } from '../../core/usage-tiers.js';
export {
  KeyRotation,
  type KeyRotationOptions,
  type KeyRotationProps,
  SIGNING_KEY_TAG_KEY,
} from './constructs/key-rotation.js';
export {
  KeygateAuthorizer,
  type KeygateAuthorizerProps,
  type KeygateIssuerRef,
} from './constructs/keygate-authorizer.js';
export {
  CLIENT_SECRET_GENERATOR,
  KeygateClient,
  type KeygateClientProps,
} from './constructs/keygate-client.js';
export type {
  FunctionOptions,
  KeygateFunction,
  KeygateFunctionProps,
} from './constructs/keygate-function.js';
export {
  type FlushableAuthorizer,
  KeygateIssuer,
  type KeygateIssuerProps,
} from './constructs/keygate-issuer.js';
export { Monitoring, type MonitoringProps, type MonitoringThresholds } from './constructs/monitoring.js';
export {
  type NativeJwtAlgorithm,
  NativeJwtAuthorizer,
  type NativeJwtAuthorizerProps,
} from './constructs/native-jwt-authorizer.js';
export type { PublishedDocuments } from './constructs/published-documents.js';
export { accessLogFormat } from './constructs/rest-api-defaults.js';
export { UsagePlans } from './constructs/usage-plans.js';
