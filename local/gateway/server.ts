// The API Gateway REST API emulator: a node:http server standing where execute-api stands
// (`http://host:port/{stage}/...`), invoking Lambda handlers in-process with the REST API's routing,
// limits, TOKEN authorizer semantics, proxy event/response mapping and gateway responses (docs/design.md).
// This file owns the server's life (listen, parser-level rejections, close); the steps of a request are in
// ./request-handler.ts, the options and their checks in ./options.ts, the admin endpoints in ./admin.ts.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { urlHost } from '../../core/net.js';
import { guardRequests } from '../host-safety.js';
import { listen } from '../listen.js';
import { GatewayError } from './errors.js';
import { DEFAULT_MAX_HEADER_BYTES, type GatewayOptions, resolveGatewayOptions } from './options.js';
import { createRequestHandler } from './request-handler.js';
import type { GatewayErrorCase, ResolvedGatewayResponse } from './responses.js';
import { createGatewayCounters, type GatewayStats } from './stats.js';

export { ADMIN_ENDPOINTS, ADMIN_PREFIX } from './admin.js';
export {
  type AccessLogEntry,
  DEFAULT_MAX_HEADER_BYTES,
  DEFAULT_REMAPPED_RESPONSE_HEADERS,
  type GatewayOptions,
  INTEGRATION_TIMEOUT_MS,
  MAX_METHOD_ARN_BYTES,
  MAX_PAYLOAD_BYTES,
} from './options.js';
export type { GatewayStats } from './stats.js';

export interface Gateway {
  /** The stage invoke URL, `http://host:port/{stage}` (no trailing slash), like execute-api's. */
  readonly url: string;
  /** `http://host:port`: admin endpoints live here. */
  readonly origin: string;
  readonly host: string;
  readonly port: number;
  readonly stage: string;
  readonly apiId: string;
  readonly stats: GatewayStats;
  /** FlushStageAuthorizersCache: returns how many cached results were dropped. */
  flushAuthorizerCache(): number;
  close(): Promise<void>;
}

/** A raw HTTP/1.1 response for sockets the parser rejected (no ServerResponse exists then). */
function rawResponse(def: ResolvedGatewayResponse, requestId: string): string {
  const reason = { 400: 'Bad Request', 403: 'Forbidden', 431: 'Request Header Fields Too Large' }[
    def.statusCode as 400 | 403 | 431
  ];
  const lines = [
    `HTTP/1.1 ${def.statusCode} ${reason ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(def.body)}`,
    `x-amzn-RequestId: ${requestId}`,
    ...(def.errorType ? [`x-amzn-ErrorType: ${def.errorType}`] : []),
    ...Object.entries(def.headers).map(([k, v]) => `${k}: ${v}`),
    'Connection: close',
  ];
  return `${lines.join('\r\n')}\r\n\r\n${def.body}`;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const settings = resolveGatewayOptions(options);
  const { stage, apiId, host, authorizer, responses } = settings;
  const counters = createGatewayCounters(authorizer);
  const stats = counters.stats;
  const handle = createRequestHandler(settings, counters);

  const server = createServer(
    { maxHeaderSize: options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES, keepAliveTimeout: 5_000 },
    (req, res) => {
      handle(req, res).catch(() => {
        // Never reached by design; a bug here must not take the server down.
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end('{"message": "Internal server error"}');
        } else res.destroy();
      });
    },
  );
  // Foreign Host or Origin: refused before any route, admin path or control-plane call (local/host-safety.ts).
  guardRequests(server, host);
  // Parser-level rejections (unknown method, malformed request line, header overflow): answer and close.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const kind: GatewayErrorCase = err.code === 'HPE_HEADER_OVERFLOW' ? 'headersTooLarge' : 'badRequest';
    counters.gatewayResponse(kind);
    socket.end(rawResponse(responses[kind], randomUUID()));
  });
  // CONNECT has no resource behind a REST API.
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    counters.gatewayResponse('missingAuthenticationToken');
    socket.end(rawResponse(responses.missingAuthenticationToken, randomUUID()));
  });

  const port = await listen(server, options.port ?? 0, host).catch((err: NodeJS.ErrnoException) => {
    const port = options.port ?? 0;
    throw err.code === 'EADDRINUSE'
      ? new GatewayError('port_in_use', `port ${port} is in use on ${host}`, { host, port })
      : new GatewayError('listen_failed', `cannot listen on ${host}:${port}: ${err.code ?? err.message}`, {
          host,
          port,
        });
  });
  const origin = `http://${urlHost(host)}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/${stage}`,
    origin,
    host,
    port,
    stage,
    apiId,
    stats,
    flushAuthorizerCache: () => authorizer?.flush() ?? 0,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // In-flight requests get a moment to finish; then the sockets go.
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      });
      return closing;
    },
  };
}
