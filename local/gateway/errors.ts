// Typed errors of the local gateway emulator: a stable `code` for tests and `npm start`'s
// readable startup messages. Messages never carry tokens or secrets.
import { KeygateError } from '../../core/errors.js';

export type GatewayErrorCode = 'gateway_config' | 'port_in_use' | 'listen_failed';

export class GatewayError extends KeygateError<GatewayErrorCode> {
  constructor(
    code: GatewayErrorCode,
    message: string,
    /** For listen errors: the address that could not be bound. */
    readonly address?: { readonly host: string; readonly port: number },
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** Thrown by an integration or authorizer that outlives its time limit (API Gateway's 29 s). */
export class InvocationTimeout extends KeygateError<'invocation_timeout'> {
  constructor(
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super('invocation_timeout', `invocation exceeded ${timeoutMs} ms`, options);
  }
}
