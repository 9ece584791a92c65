// Typed errors of the local gateway emulator and local stack: a stable `code` for tests and `npm start`'s
// readable startup messages. Messages never carry tokens or secrets.

export type GatewayErrorCode = 'gateway_config' | 'port_in_use' | 'listen_failed';

export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    /** For listen errors: the address that could not be bound. */
    readonly address?: { readonly host: string; readonly port: number },
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

/** Thrown by an integration or authorizer that outlives its time limit (API Gateway's 29 s). */
export class InvocationTimeout extends Error {
  readonly code = 'invocation_timeout';
  constructor(readonly timeoutMs: number) {
    super(`invocation exceeded ${timeoutMs} ms`);
    this.name = 'InvocationTimeout';
  }
}
