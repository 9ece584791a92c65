// Typed errors of the authorization area. All are our (or API Gateway's) fault, never the caller's:
// the authorizer answers them with a 500, not a 401; a bad route table fails configuration.
import { KeygateError } from '../errors.js';

export type AuthzErrorCode = 'method_arn' | 'resource_too_long' | 'route_table';

export class AuthzError extends KeygateError<AuthzErrorCode> {}
