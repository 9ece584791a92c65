// An HTTP reverse proxy that can break on demand: put it in front of a dependency (the JWKS endpoint,
// DynamoDB, KMS) and switch it to refuse, hang, answer garbage or errors while load runs, then back to
// forwarding. Counts what it receives so tests can check retry and cooldown bounds. answerFault is the one
// implementation of the fault answers; fixtures/jwks-server.ts serves its failure modes with it too.
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
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
