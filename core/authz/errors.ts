// Typed errors of the authorization area. Both are our (or API Gateway's) fault, never the caller's:
// the authorizer answers them with a 500, not a 401.
import { KeygateError } from '../errors.js';

export type AuthzErrorCode = 'method_arn' | 'resource_too_long';

export class AuthzError extends KeygateError<AuthzErrorCode> {}
