// Connections of the bounded document download (jwks-download.ts) to an issuer: one request at a time per
// origin, the connection kept for the next document when the answer allows it, TLS sessions resumed.
// The authorizer loads two documents from its issuer before its first decision (the JWKS and the revocation
// list); they share one connection and one handshake (`npm run bench -- cold-start` shows what that saves).
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface Origin {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
}

/** Takes a connection for one request; `reused`: it carried an earlier request (no handshake to wait for). */
export type ConnectionUser = (socket: Socket, reused: boolean) => void;

/**
 * TLS sessions by origin: a new connection to the issuer resumes the last one's session (RFC 8446 §2.2) and
 * skips the certificate chain and key exchange work of a full handshake. Bounded: an authorizer talks to one
 * issuer.
 */
const tlsSessions = new Map<string, Buffer>();
const MAX_TLS_SESSIONS = 8;

/**
 * One idle connection per origin, kept for a second after a complete, self-delimited answer (RFC 9112 §9.3).
 * The window is short so a server rarely closes a kept connection under us; if it does, that one download
 * fails like any network failure (the callers back off and serve what they have), and is not retried, so a
 * failing endpoint never sees more requests than downloads.
 */
const idle = new Map<
  string,
  { readonly socket: Socket; readonly timer: NodeJS.Timeout; readonly keptAt: number }
>();
const IDLE_KEEP_MS = 1000;

/**
 * Origins with a request in flight, and the callers waiting for its connection. A second document asked for
 * while the first is on its way waits for that connection instead of paying its own TCP connect and TLS
 * handshake; no pipelining (RFC 9112 §9.3.2): each request is written after the previous answer is read.
 */
const busy = new Set<string>();
const waiting = new Map<string, ConnectionUser[]>();

const keyOf = ({ host, port, secure }: Origin) => `${secure ? 'https' : 'http'}://${host}:${port}`;

function detach(socket: Socket): void {
  socket.removeAllListeners('data');
  socket.removeAllListeners('end');
  socket.removeAllListeners('error');
  socket.removeAllListeners('close');
}

function open({ host, port, secure }: Origin): Socket {
  if (!secure) return netConnect({ host, port });
  const key = keyOf({ host, port, secure });
  const session = tlsSessions.get(key);
  // tls.connect verifies the chain against Node's CA store (plus NODE_EXTRA_CA_CERTS) and the name against
  // the certificate (RFC 9110 §4.3.4); SNI only for names, never for IP literals (RFC 6066 §3).
  return tlsConnect({
    host,
    port,
    ...(isIP(host) === 0 ? { servername: host } : {}),
    ALPNProtocols: ['http/1.1'],
    ...(session ? { session } : {}),
  }).on('session', (ticket: Buffer) => {
    if (tlsSessions.size >= MAX_TLS_SESSIONS && !tlsSessions.has(key)) tlsSessions.clear();
    tlsSessions.set(key, ticket);
  });
}

function takeIdle(key: string): Socket | undefined {
  const entry = idle.get(key);
  if (!entry) return undefined;
  idle.delete(key);
  clearTimeout(entry.timer);
  detach(entry.socket);
  // The age check covers what the timer cannot: after a Lambda freeze the first request can run before the
  // overdue timer fires, and the server may have closed the connection meanwhile.
  if (entry.socket.destroyed || !entry.socket.writable || performance.now() - entry.keptAt > IDLE_KEEP_MS) {
    entry.socket.destroy();
    return undefined;
  }
  return entry.socket;
}

function keepIdle(key: string, socket: Socket): void {
  const drop = () => {
    if (idle.get(key)?.socket === socket) {
      clearTimeout(idle.get(key)!.timer);
      idle.delete(key);
    }
    socket.destroy();
  };
  // Any byte, end or error while idle makes the connection unusable for a next request.
  socket.on('data', drop).on('end', drop).on('error', drop).on('close', drop);
  const timer = setTimeout(drop, IDLE_KEEP_MS);
  timer.unref();
  socket.unref();
  idle.set(key, { socket, timer, keptAt: performance.now() });
}

/**
 * Hands `use` a connection to `origin`: the kept one, a new one when no request to the origin is in flight,
 * or else the in-flight request's connection once released (a new one if that answer ended it). Every
 * connection handed out comes back through release().
 */
export function acquire(origin: Origin, use: ConnectionUser): void {
  const key = keyOf(origin);
  const kept = takeIdle(key);
  if (kept || !busy.has(key)) {
    const socket = kept ?? open(origin);
    busy.add(key);
    socket.ref();
    use(socket, kept !== undefined);
    return;
  }
  const queue = waiting.get(key);
  if (queue) queue.push(use);
  else waiting.set(key, [use]);
}

/** Returns a connection after its request; `reusable`: the answer was complete and self-delimited. */
export function release(origin: Origin, socket: Socket, reusable: boolean): void {
  const key = keyOf(origin);
  detach(socket);
  const keep = reusable && !socket.destroyed && socket.writable;
  if (!keep) socket.destroy();
  const queue = waiting.get(key);
  const next = queue?.shift();
  if (next) {
    if (queue!.length === 0) waiting.delete(key);
    const handed = keep ? socket : open(origin);
    handed.ref();
    next(handed, keep);
    return;
  }
  busy.delete(key);
  if (keep) keepIdle(key, socket);
}
