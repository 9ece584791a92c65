// Errors of the local stack (`npm start`, tests) and its servers: startup failures name the server and port so
// the CLI can say which flag to change. The emulators' own errors live in local/gateway/ and local/kms/.
// A leaf (it imports no other local/ module but ports.ts), so the emulators may use BodyTooLargeError.
import { KeygateError } from '../core/errors.js';
import type { StackPortName } from './ports.js';

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

/** The saved demo credentials file cannot be read (the message says how to start over). */
export class DemoFileError extends KeygateError<'demo_file'> {
  constructor(message: string, options?: ErrorOptions) {
    super('demo_file', message, options);
  }
}

/** Another live process holds the state directory (local/lock.ts). */
export class StateDirInUseError extends KeygateError<'state_in_use'> {
  constructor(
    readonly stateDir: string,
    readonly pid: number,
    options?: ErrorOptions,
  ) {
    super('state_in_use', `state directory ${stateDir} is in use by PID ${pid}`, options);
  }
}

/** `--upstream` / `--routes` cannot be used as given (local/upstream.ts). */
export class UpstreamFlagError extends KeygateError<'upstream_flags'> {
  constructor(message: string, options?: ErrorOptions) {
    super('upstream_flags', message, options);
  }
}
