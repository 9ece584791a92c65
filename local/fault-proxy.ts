// An HTTP reverse proxy that can break on demand: put it in front of a dependency (the JWKS endpoint,
// DynamoDB, KMS) and switch it to refuse, hang, answer garbage or errors while load runs, then back to
// forwarding. Counts what it receives so tests can check retry and cooldown bounds. answerFault is the one
// implementation of the fault answers; fixtures/jwks-server.ts serves its failure modes with it too.
// startLatencyProxy is its network-latency mode: a TCP relay that adds a round-trip time, so TLS runs end to
// end through it and a cold start pays its handshakes' round trips as it would across a real network.
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import {
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
  connect as tcpConnect,
} from 'node:net';
import { closeNow, listen } from './listen.js';

/** `pass` forwards to the upstream unchanged; any other mode answers with that fault. */
export type FaultMode = 'pass' | Fault;

/** The broken answers a dependency can give. */
export type Fault =
  /** Accept the connection and reset it at once (what a dead target behind a load balancer looks like). */
  | 'reset'
  /** Accept and never answer (until close() or the mode changes back: hung requests stay hung). */
  | 'hang'
  /** 200 with a body that is not JSON. */
  | 'garbage'
  /** 200 application/json with a well-formed document that is not what the client expects. */
  | 'wrong_json'
  | 'error500'
  | 'error503'
  /** 200 text/html: an error page from a proxy or portal in front of the real endpoint. */
  | 'html'
  /** 200 application/json far larger than any real answer (400 kB). */
  | 'oversized'
  /** 302 to a port nothing listens on: a client must not follow redirects for keys. */
  | 'redirect';

/** Answers `res` with `fault`; a `hang` stays open until the server's closeNow() ends every connection. */
export function answerFault(res: ServerResponse, fault: Fault): void {
  switch (fault) {
    case 'reset':
      res.socket?.resetAndDestroy();
      return;
    case 'hang':
      return;
    case 'garbage':
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [ {"kty": "RSA", ');
      return;
    case 'wrong_json':
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":"none","x":[1,2,3]}');
      return;
    case 'error500':
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Internal server error"}');
      return;
    case 'error503':
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end('{}');
      return;
    case 'html':
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<html><body>Service Unavailable</body></html>');
      return;
    case 'oversized':
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(`{"keys":[],"pad":"${'x'.repeat(400_000)}"}`);
      return;
    case 'redirect':
      res.writeHead(302, { location: 'http://127.0.0.1:1/evil-jwks.json' }).end();
      return;
  }
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`; requests keep their path and query. */
  readonly url: string;
  mode: FaultMode;
  /** Origin (`http://host:port`) requests are forwarded to; settable after start (late-bound stacks). */
  upstream: string | undefined;
  /** Delay added before forwarding in `pass` mode. */
  delayMs: number;
  /** Requests received, in total and per mode. */
  readonly requests: number;
  readonly byMode: Readonly<Partial<Record<FaultMode, number>>>;
  /** Requests received for one path (e.g. only the JWKS when the proxy fronts a whole auth API). */
  requestsFor(path: string): number;
  /** Zeroes the counters (e.g. at the start of a phase). */
  resetCounts(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(
  options: { upstream?: string; mode?: FaultMode; host?: string } = {},
): Promise<FaultProxy> {
  const state = {
    mode: options.mode ?? ('pass' as FaultMode),
    upstream: options.upstream,
    delayMs: 0,
    requests: 0,
    byMode: {} as Partial<Record<FaultMode, number>>,
    byPath: new Map<string, number>(),
  };

  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    if (!state.upstream) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('no upstream');
      return;
    }
    const target = new URL(req.url ?? '/', state.upstream);
    const headers = { ...req.headers, host: target.host };
    const out = request(target, { method: req.method, headers, agent: false }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.socket?.destroy());
    out.end(body);
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    const mode = state.mode;
    state.byMode[mode] = (state.byMode[mode] ?? 0) + 1;
    const path = (req.url ?? '/').split('?')[0]!;
    state.byPath.set(path, (state.byPath.get(path) ?? 0) + 1);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (mode !== 'pass') {
        answerFault(res, mode);
        return;
      }
      const go = () => forward(req, res, Buffer.concat(chunks));
      if (state.delayMs > 0) setTimeout(go, state.delayMs);
      else go();
    });
  };

  const server = createServer(handle);
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, 0, host);

  return {
    url: `http://${host}:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(m: FaultMode) {
      state.mode = m;
    },
    get upstream() {
      return state.upstream;
    },
    set upstream(u: string | undefined) {
      state.upstream = u;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    get requests() {
      return state.requests;
    },
    get byMode() {
      return { ...state.byMode };
    },
    requestsFor(path) {
      let n = 0;
      for (const [p, count] of state.byPath) if (p.endsWith(path)) n += count;
      return n;
    },
    resetCounts() {
      state.requests = 0;
      state.byMode = {};
      state.byPath.clear();
    },
    close: closeNow(server),
  };
}

export interface LatencyProxy {
  /** `127.0.0.1` (or the host asked for): what a client connects to instead of the upstream. */
  readonly host: string;
  readonly port: number;
  /** The round-trip time added, in ms; a change applies to bytes that arrive after it. */
  rttMs: number;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

const TIMER_SLACK_MS = 0.5;

/** A one-way queue of chunks, each written at its due time, in arrival order. */
class DelayedPipe {
  readonly #queue: { readonly due: number; readonly chunk: Buffer }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lastDue = 0;
  #ending = false;

  constructor(private readonly to: Socket) {}

  push(chunk: Buffer, due: number): void {
    // A lowered RTT never lets a later chunk overtake an earlier one: TCP delivers in order.
    this.#lastDue = Math.max(this.#lastDue, due);
    this.#queue.push({ due: this.#lastDue, chunk });
    // With no delay due the chunk goes at once: a 0 ms timer would still cost a turn of the event loop.
    if (!this.#timer) this.#flush();
    this.#schedule();
  }

  /** Writes the chunks that are due; timers fire on whole milliseconds, so half a millisecond early counts. */
  #flush(): void {
    const now = performance.now() + TIMER_SLACK_MS;
    while (this.#queue.length > 0 && this.#queue[0]!.due <= now) {
      const { chunk } = this.#queue.shift()!;
      if (!this.to.destroyed) this.to.write(chunk);
    }
  }

  /** Half-closes the other side once every queued chunk is written. */
  end(): void {
    this.#ending = true;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer) return;
    const head = this.#queue[0];
    if (!head) {
      if (this.#ending && !this.to.destroyed) this.to.end();
      return;
    }
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#flush();
        this.#schedule();
      },
      Math.max(0, head.due - performance.now()),
    );
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#queue.length = 0;
  }
}

/**
 * Relays TCP to `upstream` (`host:port`) with `rttMs` of round-trip time: every chunk waits RTT/2 each way,
 * in order, and the client's first bytes wait one more RTT, the TCP handshake a client connecting across
 * that network pays before it can send (RFC 9293 §3.5). So TCP connect + TLS 1.3 handshake + one GET take
 * 3 RTT through it, as they do over a real link; bandwidth is not limited.
 */
export async function startLatencyProxy(options: {
  upstream: string;
  rttMs: number;
  host?: string;
}): Promise<LatencyProxy> {
  const target = new URL(`tcp://${options.upstream}`);
  const upstreamHost = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const upstreamPort = Number(target.port);
  const state = { rttMs: options.rttMs, connections: 0 };
  const open = new Set<Socket>();

  const server: TcpServer = createTcpServer({ allowHalfOpen: true }, (client) => {
    state.connections++;
    // The client's connect resolved at once on loopback; across the network it would take a round trip.
    const connectedAt = performance.now() + state.rttMs;
    const upstream = tcpConnect({ host: upstreamHost, port: upstreamPort, allowHalfOpen: true });
    open.add(client).add(upstream);
    const toUpstream = new DelayedPipe(upstream);
    const toClient = new DelayedPipe(client);
    client.on('data', (chunk: Buffer) =>
      toUpstream.push(chunk, Math.max(performance.now(), connectedAt) + state.rttMs / 2),
    );
    upstream.on('data', (chunk: Buffer) => toClient.push(chunk, performance.now() + state.rttMs / 2));
    // Half-closes travel like data (a FIN arrives RTT/2 later, after the bytes before it); an error or reset
    // on either side ends both at once.
    client.on('end', () => toUpstream.end());
    upstream.on('end', () => toClient.end());
    const fail = () => {
      toUpstream.cancel();
      toClient.cancel();
      client.destroy();
      upstream.destroy();
    };
    client.on('error', fail).on('close', () => {
      open.delete(client);
      toUpstream.end();
    });
    upstream.on('error', fail).on('close', () => {
      open.delete(upstream);
      toClient.end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, 0, host);
  let closed: Promise<void> | undefined;
  return {
    host,
    port,
    get rttMs() {
      return state.rttMs;
    },
    set rttMs(ms: number) {
      state.rttMs = ms;
    },
    get connections() {
      return state.connections;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
