// A real JWKS HTTP server on 127.0.0.1 (port 0) whose behaviour tests switch at will: serving keys,
// down, hanging, garbage, HTML, oversized bodies, redirects. Counts every request it receives.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type JwksMode = 'ok' | 'error500' | 'hang' | 'garbage' | 'html' | 'oversized' | 'redirect' | 'reset';

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
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  const state = { requests: 0, mode: 'ok' as JwksMode, body: initial as unknown, delayMs: 0 };

  const handle = (_req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    switch (state.mode) {
      case 'ok': {
        const body = typeof state.body === 'string' ? state.body : JSON.stringify(state.body);
        const send = () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(body);
        };
        if (state.delayMs > 0) setTimeout(send, state.delayMs);
        else send();
        return;
      }
      case 'error500':
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"boom"}');
        return;
      case 'hang':
        hanging.add(res);
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [ this is not json');
        return;
      case 'html':
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<html><body>Service Unavailable</body></html>');
        return;
      case 'oversized':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"keys":[],"pad":"${'x'.repeat(400_000)}"}`);
        return;
      case 'redirect':
        res.writeHead(302, { location: 'http://127.0.0.1:1/evil-jwks.json' }).end();
        return;
      case 'reset':
        res.socket?.destroy();
        return;
    }
  };

  const server: Server = createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get requests() {
      return state.requests;
    },
    get mode() {
      return state.mode;
    },
    set mode(m: JwksMode) {
      state.mode = m;
    },
    get body() {
      return state.body;
    },
    set body(b: unknown) {
      state.body = b;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    async close() {
      for (const res of hanging) res.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
