// Errors of the local stack (`npm start`, tests) and its servers: startup failures name the server and port so
// the CLI can say which flag to change. The emulators' own errors live in local/gateway/ and local/kms/.
import { KeygateError } from '../core/errors.js';
import type { StackPortName } from './stack.js';

export type StackStartErrorCode = 'port_in_use' | 'listen_failed' | 'config' | 'state';

/** Thrown for startup failures, with the server and port so `npm start` can say which flag to change. */
export class StackStartError extends KeygateError<StackStartErrorCode> {
  constructor(
    code: StackStartErrorCode,
    message: string,
    readonly server?: StackPortName,
    readonly port?: number,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** A request body over the server's size bound (local/read-body.ts); the caller answers 413 its own way. */
export class BodyTooLargeError extends KeygateError<'body_too_large'> {
  constructor(
    readonly limit: number,
    options?: ErrorOptions,
  ) {
    super('body_too_large', `request body exceeds ${limit} bytes`, options);
  }
}
