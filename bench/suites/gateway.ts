// The API Gateway emulator's own cost per request: the same trivial proxy handler called directly, behind a
// bare node:http server (the HTTP floor: client + parser + socket), behind the emulator on an
// unauthenticated route, and behind the emulator with a TOKEN authorizer whose result is cached. One
// request in flight over a keep-alive agent, so the rows are latencies, not a load test.
import { Agent, createServer, request } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type LambdaFunction, startGateway } from '../../local/gateway/index.js';
import { closeNow, listen } from '../../local/listen.js';
import { runInterleaved } from '../../measure/interleaved.js';
import { type BenchRow, type BenchSuite, row } from '../../measure/suite.js';

const DIRECT = 'handler called directly (no HTTP)';
const RAW_HTTP = 'bare node:http server (HTTP floor)';
const GATEWAY_OPEN = 'gateway, unauthenticated route';
const GATEWAY_AUTH = 'gateway, authorizer result cached';

const BODY = '{"ok":true}';
const handler: LambdaFunction = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: BODY,
});
const authorizer: LambdaFunction = async () => ({
  principalId: 'bench',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:*:*:*/*/GET/*' },
    ],
  },
  context: { scope: 'products/read' },
});

function get(agent: Agent, port: number, path: string, headers: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed while idle (tinybench warms every task up before measuring
      // any): retry once on a fresh socket, as HTTP clients do for idempotent requests.
      if (err.code === 'ECONNRESET' && req.reusedSocket)
        get(agent, port, path, headers).then(resolve, reject);
      else reject(err);
    });
    req.end();
  });
}

export const suite: BenchSuite = {
  name: 'gateway',
  description: 'API Gateway emulator overhead per request vs a direct handler call and a bare HTTP server',
  floor: RAW_HTTP,
  async run({ timeMs, warmupMs }): Promise<BenchRow[]> {
    const raw = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(BODY);
    });
    const rawPort = await listen(raw, 0, '127.0.0.1');
    const routes = [
      { method: 'GET', path: '/open', handler: 'h', scopes: [] },
      { method: 'GET', path: '/guarded', handler: 'h', scopes: ['products/read'] },
    ];
    const gw = await startGateway({ routes, handlers: { h: handler }, authorizer: { handler: authorizer } });
    const agents = [0, 1, 2].map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
    const event = { httpMethod: 'GET', path: '/open' } as APIGatewayProxyEvent;
    const auth = { authorization: 'Bearer abc.def.ghi' };
    try {
      // Interleaved with the HTTP floor: a sequential pass let machine load alone make the unauthenticated
      // route slower than the authenticated one in one run.
      const rows = await runInterleaved({
        timeMs,
        warmupMs,
        floor: { name: RAW_HTTP, fn: () => get(agents[0]!, rawPort, '/open') },
        tasks: [
          {
            name: DIRECT,
            fn: async () => {
              await (handler as (e: APIGatewayProxyEvent) => Promise<unknown>)(event);
            },
          },
          { name: GATEWAY_OPEN, fn: () => get(agents[1]!, gw.port, '/local/open') },
          { name: GATEWAY_AUTH, fn: () => get(agents[2]!, gw.port, '/local/guarded', auth) },
        ],
      });
      const floor = row(rows, RAW_HTTP);
      return rows.map((r) =>
        r.name === GATEWAY_OPEN || r.name === GATEWAY_AUTH
          ? { ...r, extra: { overheadP50Us: Math.round((r.p50Ns - floor.p50Ns) / 100) / 10 } }
          : r,
      );
    } finally {
      for (const a of agents) a.destroy();
      await gw.close();
      await closeNow(raw)();
    }
  },
  targets: [
    {
      description: 'emulator adds at most 300 µs p50 over a bare HTTP server (unauthenticated route)',
      check: (rows) => {
        const added = (row(rows, GATEWAY_OPEN).p50Ns - row(rows, RAW_HTTP).p50Ns) / 1000;
        return { pass: added <= 300, actual: `${added.toFixed(0)} µs` };
      },
    },
  ],
};
