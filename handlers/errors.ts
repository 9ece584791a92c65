// Errors of the Lambda handlers and the admin CLI. The authorizer's own failures carry a code for logs and
// metrics; API Gateway answers any message but `Unauthorized` with a 500 (docs/design.md#gateway-responses).
import { KeygateError } from '../core/errors.js';

export type AuthorizerFailureCode =
  | 'keys_unavailable'
  | 'revocations_unavailable'
  | 'method_arn'
  | 'internal';

/** Thrown for our own failures: any message but `Unauthorized` makes API Gateway answer 500. */
export class AuthorizerFailure extends KeygateError<AuthorizerFailureCode> {}

/** A CLI invocation that cannot run as given: exit code 2 and a one-line message. */
export class UsageError extends KeygateError<'usage'> {
  constructor(message: string, options?: ErrorOptions) {
    super('usage', message, options);
  }
}
