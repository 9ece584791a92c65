// What a resource server outside API Gateway pays per request: an RFC 7662 introspection round trip to the
// local stack (HTTP, gateway, client authentication, verify, two consistent DynamoDB reads on dynalite)
// against keygate's verifier on the same token in-process, cache off and cache hit. docs/introspection.md
// reads these rows.
import { Agent, request } from 'node:http';
import { issuerEndpoints } from '../../core/issuer/discovery.js';
import { createJwksKeyStore } from '../../core/jwt/key-store.js';
import { createVerifier } from '../../core/jwt/verifier.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { runInterleaved } from '../../measure/interleaved.js';
import { type BenchRow, type BenchSuite, row } from '../../measure/suite.js';

const INTROSPECT = 'introspection round trip, local stack';
const VERIFY_MISS = 'verifier.verify in-process, token cache off';
const VERIFY_HIT = 'verifier.verify in-process, token cache hit';

function post(agent: Agent, url: URL, authorization: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          res.statusCode === 200 && text.startsWith('{"active":true')
            ? resolve()
            : reject(new Error(`introspection answered ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function mint(stack: LocalStack, id: string, secret: string): Promise<string> {
  const res = await fetch(stack.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secret }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

export const suite: BenchSuite = {
  name: 'introspection',
  description: 'RFC 7662 introspection round trip (local stack) vs keygate verifier.verify in-process',
  floor: INTROSPECT,
  async run({ timeMs, warmupMs }): Promise<BenchRow[]> {
    const stack = await startLocalStack({
      inMemory: true,
      ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
      // The bench is one caller far above a resource server's usual rate: no 429 mid-run.
      env: { INTROSPECTION_RATE_PER_SECOND: '10000' },
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const subject = await stack.registry.create({ name: 'bench-subject', scopes: ['products/read'] });
      const rs = await stack.registry.create({
        name: 'bench-resource-server',
        scopes: ['products/read'],
        introspect: true,
      });
      const token = await mint(stack, subject.record.clientId, subject.clientSecret);
      const common = {
        issuer: stack.issuer,
        audience: stack.audience,
        keyStore: createJwksKeyStore({ jwksUri: issuerEndpoints(stack.issuer).jwksUri }),
      };
      const miss = createVerifier({ ...common, tokenCacheSize: 0 });
      const hit = createVerifier(common);
      await miss.verify(token);
      await hit.verify(token);
      const url = new URL(issuerEndpoints(stack.issuer).introspectionEndpoint);
      const authorization = `Basic ${Buffer.from(`${rs.record.clientId}:${rs.clientSecret}`).toString('base64')}`;
      const body = new URLSearchParams({ token }).toString();
      const rows = await runInterleaved({
        timeMs,
        warmupMs,
        floor: { name: INTROSPECT, fn: () => post(agent, url, authorization, body) },
        tasks: [
          {
            name: VERIFY_MISS,
            fn: async () => {
              await miss.verify(token);
            },
          },
          {
            name: VERIFY_HIT,
            fn: async () => {
              await hit.verify(token);
            },
          },
        ],
      });
      return rows;
    } finally {
      agent.destroy();
      await stack.close();
    }
  },
  targets: [
    {
      description: 'in-process verification (token cache off) is at least 10x cheaper than an introspection',
      check: (rows) => {
        const x = row(rows, INTROSPECT).p50Ns / row(rows, VERIFY_MISS).p50Ns;
        return { pass: x >= 10, actual: `${x.toFixed(0)}x` };
      },
    },
  ],
};
