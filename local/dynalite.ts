// dynalite (DynamoDB's HTTP API, in-process, LevelDB or in-memory) on 127.0.0.1: the local stack's and the
// tests' DynamoDB. The real @aws-sdk/client-dynamodb talks to it over HTTP with dummy SigV4 credentials.
import type { Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { guardRequests } from './host-safety.js';
import { closeNow, listen, urlHost } from './listen.js';

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

// dynalite is CommonJS without type declarations; this is the one shape we use.
const dynalite = createRequire(import.meta.url)('dynalite') as (options: DynaliteOptions) => Server;

export interface DynaliteServer {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_DYNAMODB` or the client's `endpoint`. */
  readonly endpoint: string;
  /** Number of HTTP requests served so far (tests assert a cached path makes none). */
  requestCount(): number;
  close(): Promise<void>;
}

export interface StartDynaliteOptions {
  /** LevelDB directory for a persistent store; in memory when omitted. */
  readonly path?: string;
  readonly host?: string;
  readonly port?: number;
  /**
   * The server's clock (epoch ms) for the `Date` header of every answer, which the client registry stamps
   * revocation cutoffs with (core/issuer/server-clock.ts). Tests move it with the handlers' clocks; default:
   * Node's own Date header, as DynamoDB sends one from its clock.
   */
  readonly clock?: () => number;
}

export async function startDynalite(options: StartDynaliteOptions = {}): Promise<DynaliteServer> {
  // Tables become ACTIVE at once: the local stack and tests create them on start.
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  // dynalite grants CORS to every origin (`Access-Control-Allow-Origin: *`, any preflight 200): any page
  // could read the clients table and write to it. Its handler never sets an Access-Control-* header now.
  server.prependListener('request', (_req, res: ServerResponse) => {
    const setHeader = res.setHeader.bind(res);
    res.setHeader = (name, value) => (/^access-control-/i.test(name) ? res : setHeader(name, value));
  });
  let requests = 0;
  const clock = options.clock;
  // Before dynalite's own listener, which answers later: an explicit Date replaces the one Node adds.
  server.prependListener('request', (_req, res) => {
    requests += 1;
    if (clock) res.setHeader('Date', new Date(clock()).toUTCString());
  });
  const host = options.host ?? '127.0.0.1';
  // It cannot check Host or Origin itself: the guard runs before it (local/host-safety.ts).
  guardRequests(server, host);
  const port = await listen(server, options.port ?? 0, host);
  return {
    endpoint: `http://${urlHost(host)}:${port}`,
    requestCount: () => requests,
    close: closeNow(server),
  };
}
