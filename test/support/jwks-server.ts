// A real JWKS HTTP server on 127.0.0.1 (port 0) whose behaviour tests switch at will: serving keys,
// down, hanging, garbage, HTML, oversized bodies, redirects. Counts every request it receives. The failure
// modes are the fault proxy's answers (local/fault-proxy.ts), so tests and reliability runs break alike.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { answerFault, type Fault } from '../../local/fault-proxy.js';
import { closeNow, listen } from '../../local/listen.js';

export type JwksMode = 'ok' | Fault;

export interface JwksServer {
  readonly url: string;
  /** Requests received so far (any mode). */
  readonly requests: number;
  mode: JwksMode;
  /** The JWKS document served in `ok` mode (an object is JSON-encoded; a string is sent as-is). */
  body: unknown;
  /** Milliseconds to wait before answering in `ok` mode. */
  delayMs: number;
  close(): Promise<void>;
}

export async function startJwksServer(
  initial: { keys: unknown[] } | string = { keys: [] },
): Promise<JwksServer> {
  const state = { requests: 0, mode: 'ok' as JwksMode, body: initial as unknown, delayMs: 0 };

  const handle = (_req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    if (state.mode !== 'ok') {
      answerFault(res, state.mode);
      return;
    }
    const body = typeof state.body === 'string' ? state.body : JSON.stringify(state.body);
    const send = () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    };
    if (state.delayMs > 0) setTimeout(send, state.delayMs);
    else send();
  };

  const server = createServer(handle);
  const port = await listen(server, 0, '127.0.0.1');

  // The handler reads this same object, so a test's `server.mode = ...` takes effect on the next request.
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    close: closeNow(server),
  });
}
