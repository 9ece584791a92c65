// `keygate start` with no --routes: a built-in demo that ships in the package (the products sample does not).
// A tiny upstream on 127.0.0.1 that answers every request with what it received (method, path, query and the
// X-Keygate-* context headers the gateway forwards), behind a two-route table, so a new user sees 200, 401
// and 403 before writing a route file.
import { createServer } from 'node:http';
import type { ProtectedRoute } from '../core/authz/index.js';
import { closeNow, listen } from './listen.js';
import type { UpstreamOptions } from './upstream.js';

/** The demo's route table: read with `demo/read`, write with `demo/write`. */
export const ECHO_DEMO_ROUTES: readonly ProtectedRoute[] = [
  { method: 'GET', path: '/hello', scopes: ['demo/read'] },
  { method: 'POST', path: '/hello', scopes: ['demo/write'] },
];

export interface EchoDemo {
  readonly upstream: UpstreamOptions;
  close(): Promise<void>;
}

/** Starts the echo upstream on a free loopback port. */
export async function startEchoDemo(): Promise<EchoDemo> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    const context = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => name.startsWith('x-keygate-')),
    );
    const body = JSON.stringify({
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      context,
    });
    // Drain the request body before answering, as any server would.
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  const port = await listen(server, 0, '127.0.0.1');
  return { upstream: { url: `http://127.0.0.1:${port}`, routes: ECHO_DEMO_ROUTES }, close: closeNow(server) };
}
