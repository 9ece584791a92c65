// Which addresses the local stack may listen on. The KMS emulator accepts any SigV4-shaped signature (anyone
// who reaches it can mint tokens), dynalite has no authentication at all, and the gateway's admin
// endpoints flush caches: on a non-loopback address they are open to the network. So a non-loopback
// --host needs --allow-remote (and prints a warning), and those three stay on loopback unless
// --expose-internals asks otherwise. Every server the stack starts also runs the request guard below.
import { type IncomingMessage, type Server, ServerResponse, STATUS_CODES } from 'node:http';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import type { Duplex } from 'node:stream';
import { isLoopbackHost } from '../core/net.js';

export interface HostFlags {
  readonly host: string;
  readonly allowRemote?: boolean;
  readonly exposeInternals?: boolean;
}

export type HostCheck =
  | { readonly ok: true; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly error: string };

/** A peer address as node reports it (`::ffff:127.0.0.1` for IPv4 on a dual-stack socket). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  return isLoopbackHost(address.startsWith('::ffff:') ? address.slice(7) : address);
}

/** Refuses a non-loopback host without --allow-remote; otherwise the warnings to print. */
export function checkHostFlags(flags: HostFlags): HostCheck {
  const remote = !isLoopbackHost(flags.host);
  if (remote && !flags.allowRemote) {
    return {
      ok: false,
      error: `--host ${flags.host} is reachable from the network; pass --allow-remote to listen there anyway`,
    };
  }
  const warnings: string[] = [];
  if (remote) {
    warnings.push(
      `warning: the auth and resource APIs listen on ${flags.host}: anyone who reaches it can call them over plain HTTP`,
    );
    warnings.push(
      flags.exposeInternals
        ? 'warning: --expose-internals: the KMS emulator (anyone can sign tokens), dynalite (no authentication) and the admin endpoints are reachable from the network too'
        : 'the KMS emulator, dynalite and the admin endpoints stay on 127.0.0.1 (--expose-internals to change that)',
    );
  }
  return { ok: true, warnings };
}

// The request guard every local server runs before anything else (guardRequests): against DNS rebinding and
// drive-by web pages. A page on a rebinding domain reaches 127.0.0.1 with its own name in Host; a page on any
// site can fire simple requests (form POSTs) at a loopback port, and reads the answer wherever CORS allows it.
// So, on every request:
// - exactly one Host (RFC 9112 §3.2: none, several or a malformed one is 400), and, for an absolute-form
//   target, its authority too (RFC 9112 §3.2.2: that one is what the server must use), must name this
//   machine: `localhost` or a name under `.localhost` (RFC 6761 §6.3: those always resolve to loopback, so
//   no DNS answer can rebind them), a 127.0.0.0/8 address or [::1] in the canonical form browsers send, or
//   the configured --host (any IP literal when that is a wildcard address: a rebinding page's Host is always
//   a name); any port. Otherwise 421 Misdirected Request (RFC 9110 §15.5.20: not a name this server answers).
// - an Origin header must be one such loopback (or configured-host) origin, or name the same host as Host,
//   whatever the method: browsers attach it to every cross-origin fetch, CORS preflight and non-GET request.
//   On a wildcard host an IP-literal Origin is not enough: a page served from http://203.0.113.5 is foreign
//   (its requests to us carry our address in Host, never its own). `Origin: null` (sandboxed frames, file:)
//   and repeated Origins are foreign. Otherwise 403.
// - with no Origin, `Sec-Fetch-Site: cross-site` on anything but GET/HEAD is 403 (a browser that omitted
//   Origin still says a foreign site sent it). With an Origin, that Origin decides: a page on
//   http://localhost:5173 calling http://127.0.0.1:4001 is cross-site by the fetch spec, and allowed.

export interface Refusal {
  readonly status: 400 | 403 | 421;
  /** One line saying which rule refused the request (never echoing the request's own values). */
  readonly message: string;
}

/** Checks one request; undefined when it may proceed. */
export type RequestGuard = (req: IncomingMessage) => Refusal | undefined;

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);
const AUTHORITY = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::\d{1,5})?$/;
const LOCALHOST_NAME = /^(?:[a-z0-9-]+\.)*localhost\.?$/;
const ORIGIN = /^https?:\/\/([^/?#@\s]+)$/;
const ABSOLUTE_TARGET = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i;
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** The headers the guard reads, every value as sent: req.headers keeps only the first Host and Origin. */
interface GuardedHeaders {
  readonly host: string[];
  readonly origin: string[];
  readonly fetchSite: string[];
}

function guardedHeaders(rawHeaders: readonly string[]): GuardedHeaders {
  const found: GuardedHeaders = { host: [], origin: [], fetchSite: [] };
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (name === 'host') found.host.push(rawHeaders[i + 1]!);
    else if (name === 'origin') found.origin.push(rawHeaders[i + 1]!);
    else if (name === 'sec-fetch-site') found.fetchSite.push(rawHeaders[i + 1]!);
  }
  return found;
}

/**
 * Whether an authority (`host[:port]`) names this machine for a server listening on `host`; undefined when
 * it is not a valid authority at all.
 */
export function authorityAllowed(
  authority: string,
  host: string,
  /** Whether a wildcard host (0.0.0.0, ::) accepts any IP literal: yes for Host, no for Origin. */
  wildcardAnyAddress = true,
): boolean | undefined {
  const m = AUTHORITY.exec(authority.toLowerCase());
  if (!m) return undefined;
  const configured = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const wildcard = wildcardAnyAddress && WILDCARD_HOSTS.has(configured);
  const ipv6 = m[1];
  if (ipv6 !== undefined) {
    if (!isIPv6(ipv6)) return undefined;
    return ipv6 === '::1' || ipv6 === configured || wildcard;
  }
  const name = m[2]!;
  if (isIPv4(name)) return name.startsWith('127.') || name === configured || wildcard;
  if (LOCALHOST_NAME.test(name)) return true;
  // A name may end in the root's dot (`devbox.example.`); an address may not (`127.0.0.1.` is no address).
  return !isIP(configured) && name.replace(/\.$/, '') === configured.replace(/\.$/, '');
}

/** The host part of a valid authority, lower-cased, without brackets, port or the root's dot. */
function hostName(authority: string): string | undefined {
  const m = AUTHORITY.exec(authority.toLowerCase());
  return m ? (m[1] ?? m[2]!.replace(/\.$/, '')) : undefined;
}

/** A page served by the very host the request names (a LAN front-end on a wildcard --host). */
function sameHostName(a: string, b: string): boolean {
  const name = hostName(a);
  return name !== undefined && name === hostName(b);
}

/** The guard for a server listening on `host` (the --host of the auth and resource APIs, or 127.0.0.1). */
export function createRequestGuard(host: string): RequestGuard {
  const misdirected: Refusal = {
    status: 421,
    message: `this server answers only requests addressed to ${host} or a loopback name (DNS rebinding guard)`,
  };
  return (req) => {
    const { host: hosts, origin: origins, fetchSite } = guardedHeaders(req.rawHeaders);
    if (hosts.length !== 1) return { status: 400, message: 'a request needs exactly one Host header' };
    const allowed = authorityAllowed(hosts[0]!.trim(), host);
    if (allowed === undefined) return { status: 400, message: 'invalid Host header' };
    if (!allowed) return misdirected;
    const target = req.url ?? '';
    // CONNECT's authority-form target names a tunnel's far end, not this server (RFC 9112 §3.2.3).
    if (req.method !== 'CONNECT' && !target.startsWith('/') && target !== '*') {
      const authority = ABSOLUTE_TARGET.exec(target)?.[1];
      const ok =
        authority === undefined || authority.includes('@') ? undefined : authorityAllowed(authority, host);
      if (ok === undefined) return { status: 400, message: 'invalid request target' };
      if (!ok) return misdirected;
    }
    if (origins.length > 0) {
      const authority = origins.length === 1 ? ORIGIN.exec(origins[0]!.trim().toLowerCase())?.[1] : undefined;
      if (
        authority === undefined ||
        !(sameHostName(authority, hosts[0]!.trim()) || authorityAllowed(authority, host, false))
      ) {
        return { status: 403, message: 'requests from a foreign web origin are refused (CSRF guard)' };
      }
    } else if (
      !SAFE_METHODS.has(req.method ?? '') &&
      fetchSite.some((v) => v.trim().toLowerCase() === 'cross-site')
    ) {
      return { status: 403, message: 'cross-site browser requests are refused (CSRF guard)' };
    }
    return undefined;
  };
}

function refuse(res: ServerResponse, refusal: Refusal): void {
  const body = JSON.stringify({ message: refusal.message });
  res.writeHead(refusal.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    // The request's body (if any) is not read: the connection cannot carry another request.
    connection: 'close',
  });
  res.end(body);
}

/** The same answer on the bare socket of a CONNECT or Upgrade request (no ServerResponse exists then). */
function refuseSocket(socket: Duplex, refusal: Refusal): void {
  const body = JSON.stringify({ message: refusal.message });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

// Every event node raises for a parsed request: 'request', and instead of it 'checkContinue' (Expect:
// 100-continue, when listened to), 'checkExpectation' (any other Expect, when listened to), 'upgrade' (an
// Upgrade header, when listened to) and 'connect' (CONNECT). Listeners of the last two get the socket.
const REQUEST_EVENTS = new Set(['request', 'checkContinue', 'checkExpectation', 'upgrade', 'connect']);

/**
 * Puts the request guard in front of every request event `server` raises (call it before listen): a refused
 * request reaches no listener, whether it was added before this call or after (the gateway's 'connect').
 */
export function guardRequests(server: Server, host: string): void {
  const guard = createRequestGuard(host);
  const emit = server.emit.bind(server) as (event: string | symbol, ...args: unknown[]) => boolean;
  server.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (typeof event === 'string' && REQUEST_EVENTS.has(event)) {
      const refusal = guard(args[0] as IncomingMessage);
      if (refusal) {
        const to = args[1];
        if (to instanceof ServerResponse) refuse(to, refusal);
        else refuseSocket(to as Duplex, refusal);
        return true;
      }
    }
    return emit(event, ...args);
  }) as Server['emit'];
  // Without a 'checkContinue' listener node sends 100 Continue before 'request': a refused client would be
  // invited to send its body first. With this one the guard answers first; an accepted request goes on as
  // node would take it on its own.
  if (server.listenerCount('checkContinue') === 0) {
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      res.writeContinue();
      emit('request', req, res);
    });
  }
  // node keeps the first 2000 headers of a request and silently drops the rest (maxHeadersCount), so a
  // second Host or an Origin behind 2000 others would never reach the guard. maxHeaderSize still bounds them.
  server.maxHeadersCount = 0;
}
