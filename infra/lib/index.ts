// `keygate/cdk`: the constructs a team uses to put its own REST API behind keygate. Lambda code ships
// prebuilt in the package (dist/lambda), so synthesizing needs only aws-cdk-lib and constructs.
export type { ProtectedRoute, RouteMethod } from '../../core/authz/route-table.js';
export { type AuthorizerTuning, CONTEXT_HEADERS } from '../../core/contract.js';
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
export type { FunctionOptions } from './constructs/keygate-function.js';
export { KeygateIssuer, type KeygateIssuerProps } from './constructs/keygate-issuer.js';
export { Monitoring, type MonitoringProps, type MonitoringThresholds } from './constructs/monitoring.js';
export {
  type NativeJwtAlgorithm,
  NativeJwtAuthorizer,
  type NativeJwtAuthorizerProps,
} from './constructs/native-jwt-authorizer.js';
export { accessLogFormat } from './constructs/rest-api-defaults.js';
