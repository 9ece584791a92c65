// Listening and closing the way every local server needs it: a listen error (EADDRINUSE, EACCES) rejects
// instead of surfacing as an unhandled 'error' event, and close() does not wait on idle keep-alive sockets.
import type { Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';

// Every local server builds its URL with urlHost, so the banner's URLs agree whatever --host is.
export { urlHost } from '../core/net.js';

/** Listens on `host:port` (0 picks a free port) and resolves the bound port. */
export function listen(server: NetServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * A close() that ends every connection at once (SDK clients' keep-alive sockets would otherwise hold it open
 * until they time out); calling it again returns the same promise.
 */
export function closeNow(server: Server): () => Promise<void> {
  let closed: Promise<void> | undefined;
  return () => {
    closed ??= new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
    return closed;
  };
}
