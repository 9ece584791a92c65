// Errors of the local stack (`npm start`, tests): startup failures name the server and port so the CLI can
// say which flag to change. The emulators' own errors live in local/gateway/errors.ts and local/kms/errors.ts.
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
