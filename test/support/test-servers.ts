// Servers one test file starts on 127.0.0.1 (port 0), all stopped by closeAll() in its afterEach: plain HTTP
// handlers, or any server whose closer the test registers (raw TCP, HTTPS).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import { closeNow, listen } from '../../local/listen.js';

export interface TestServers {
  /** An HTTP server answering with `handler`; resolves its URL at `path`. */
  http(handler: (req: IncomingMessage, res: ServerResponse) => void, path?: string): Promise<string>;
  /** Listens with a raw TCP (or TLS) server on a free loopback port; closeAll() destroys `sockets`, then closes it. */
  listen(server: NetServer, sockets: Set<Socket>): Promise<number>;
  /** Registers another server's closer. */
  track(close: () => Promise<void>): void;
  /** Stops every server started or registered so far (idempotent). */
  closeAll(): Promise<void>;
}

export function testServers(): TestServers {
  const closers: (() => Promise<void>)[] = [];
  return {
    async http(handler, path = '/.well-known/jwks.json') {
      const server: Server = createServer(handler);
      const port = await listen(server, 0, '127.0.0.1');
      closers.push(closeNow(server));
      return `http://127.0.0.1:${port}${path}`;
    },
    async listen(server, sockets) {
      const port = await listen(server, 0, '127.0.0.1');
      closers.push(
        () =>
          new Promise<void>((resolve) => {
            for (const s of sockets) s.destroy();
            server.close(() => resolve());
          }),
      );
      return port;
    },
    track(close) {
      closers.push(close);
    },
    async closeAll() {
      await Promise.all(closers.splice(0).map((close) => close()));
    },
  };
}
