// Attacks on the local stack's edges, run against `npm start -- --routes <file> --upstream <url>` as a team
// runs it (a routes file of its own and its own dev server): DNS rebinding (a foreign Host) and drive-by web
// pages (a foreign Origin, a CORS preflight, Sec-Fetch-Site) against the auth API, the resource API, the
// admin and control-plane paths, the KMS emulator and dynalite; and spoofed X-Keygate-* identity headers.
// Each request is first sent without its attacking part (Host, Origin), to show the request itself works.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIGatewayClient, FlushStageAuthorizersCacheCommand } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeNow, listen } from '../../local/listen.js';
import { readRouteFile } from '../../local/upstream.js';
import { type Reply, raw, send, statusOf } from '../local/gateway/http.js';
import { basicAuth } from '../support/basic-auth.js';
import {
  LOCAL_CREDENTIALS,
  type LocalStack,
  SIGNING_KEY_ALIAS,
  startLocalStack,
} from '../support/products-stack.js';

const ROUTES = [
  { method: 'GET', path: '/items/{id}', scopes: ['items:read'] },
  { method: 'GET', path: '/items/{id}/secret', scopes: ['items:admin'] },
  { method: 'GET', path: '/files/{name}', scopes: ['files:read'] },
  { method: 'GET', path: '/files/private/{name}', scopes: ['files:admin'] },
];
const SIGV4 = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'ab'.repeat(32)}`;
const REBINDING_HOST = 'rebind.attacker.example';
const EVIL_ORIGIN = 'https://attacker.example';

let upstream: Server;
/** rawHeaders of every request the upstream received. */
let upstreamSaw: string[][] = [];
let stateDir: string;
let stack: LocalStack;
let readToken = '';
let readClientId = '';

interface Attack {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** The status the same request gets from a loopback Host with no Origin. */
  readonly ok: number;
}

const signed = { authorization: SIGV4, 'x-amz-date': '20260101T000000Z' };
const kmsJson = { 'content-type': 'application/x-amz-json-1.1', ...signed };
const ddbJson = { 'content-type': 'application/x-amz-json-1.0', ...signed };

/** The requests a rebinding page or a drive-by page would make, by name; built once the stack listens. */
const ATTACKS: Record<string, () => Attack> = {
  'KMS Sign with the signing key': () => ({
    method: 'POST',
    url: `${stack.kmsEndpoint}/`,
    headers: { ...kmsJson, 'x-amz-target': 'TrentService.Sign' },
    body: JSON.stringify({
      KeyId: SIGNING_KEY_ALIAS,
      Message: Buffer.from('{"sub":"attacker"}').toString('base64'),
      MessageType: 'RAW',
      SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
    }),
    ok: 200,
  }),
  'the token endpoint': () => ({
    method: 'POST',
    url: stack.tokenUrl,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(stack.demoClient.clientId, stack.demoClient.clientSecret),
    },
    body: 'grant_type=client_credentials',
    ok: 200,
  }),
  'GET /_keygate/stats': () => ({
    method: 'GET',
    url: `${stack.gateways.api.origin}/_keygate/stats`,
    headers: {},
    ok: 200,
  }),
  'GET /_keygate/stats on the auth API': () => ({
    method: 'GET',
    url: `${stack.gateways.auth.origin}/_keygate/stats`,
    headers: {},
    ok: 200,
  }),
  'DELETE /_keygate/authorizer-cache': () => ({
    method: 'DELETE',
    url: `${stack.gateways.api.origin}/_keygate/authorizer-cache`,
    headers: {},
    ok: 200,
  }),
  'FlushStageAuthorizersCache with a SigV4-shaped header': () => {
    const api = stack.gateways.api;
    return {
      method: 'DELETE',
      url: `${api.origin}/restapis/${api.apiId}/stages/${api.stage}/cache/authorizers`,
      headers: { authorization: SIGV4 },
      ok: 202,
    };
  },
  'dynalite ListTables': () => ({
    method: 'POST',
    url: `${stack.dynamodbEndpoint}/`,
    headers: { ...ddbJson, 'x-amz-target': 'DynamoDB_20120810.ListTables' },
    body: '{}',
    ok: 200,
  }),
  'dynalite Scan of the clients table': () => ({
    method: 'POST',
    url: `${stack.dynamodbEndpoint}/`,
    headers: { ...ddbJson, 'x-amz-target': 'DynamoDB_20120810.Scan' },
    body: JSON.stringify({ TableName: stack.tableName }),
    ok: 200,
  }),
  'a resource API route with a valid token': () => ({
    method: 'GET',
    url: `${stack.apiUrl}/items/1`,
    headers: { authorization: `Bearer ${readToken}` },
    ok: 200,
  }),
};
const ATTACK_NAMES = Object.keys(ATTACKS);

function call(a: Attack, extra: Record<string, string> = {}, method = a.method): Promise<Reply> {
  return send(a.url, {
    method,
    headers: { ...a.headers, ...extra },
    ...(a.body !== undefined && method !== 'OPTIONS' ? { body: a.body } : {}),
  });
}

const accessControlHeaders = (r: Reply) =>
  Object.keys(r.headers).filter((h) => h.startsWith('access-control-'));

beforeAll(async () => {
  upstream = createServer((req, res) => {
    upstreamSaw.push(req.rawHeaders);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  const upstreamUrl = `http://127.0.0.1:${await listen(upstream, 0, '127.0.0.1')}`;
  stateDir = await mkdtemp(join(tmpdir(), 'keygate-edges-'));
  const routesFile = join(stateDir, 'routes.json');
  await writeFile(routesFile, JSON.stringify(ROUTES));
  stack = await startLocalStack({
    inMemory: true,
    ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    upstream: { url: upstreamUrl, routes: readRouteFile(routesFile) },
  });
  const { record, clientSecret } = await stack.registry.create({ name: 'reader', scopes: ['items:read'] });
  readClientId = record.clientId;
  const res = await fetch(stack.tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(record.clientId, clientSecret),
    },
    body: 'grant_type=client_credentials',
  });
  readToken = ((await res.json()) as { access_token: string }).access_token;
});

afterAll(async () => {
  await stack?.close();
  if (upstream) await closeNow(upstream)();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

const MISDIRECTED = {
  message:
    'this server answers only requests addressed to 127.0.0.1 or a loopback name (DNS rebinding guard)',
};
const FOREIGN_ORIGIN = { message: 'requests from a foreign web origin are refused (CSRF guard)' };

/** Every server the stack starts, by name: its origin. */
const SERVERS: [string, () => string][] = [
  ['KMS', () => stack.kms.url],
  ['dynalite', () => stack.dynamodbEndpoint],
  ['the auth API', () => stack.gateways.auth.origin],
  ['the resource API', () => stack.gateways.api.origin],
];
const portOf = (url: () => string) => Number(new URL(url()).port);
const statusesOf = (reply: string) => [...reply.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

describe('DNS rebinding: a foreign Host', () => {
  it.each(ATTACK_NAMES)('%s: works from loopback, 421 from a rebinding name', async (name) => {
    const attack = ATTACKS[name]!();
    expect((await call(attack)).status).toBe(attack.ok);
    const r = await call(attack, { host: `${REBINDING_HOST}:${new URL(attack.url).port}` });
    expect(r.status).toBe(421);
    expect(r.json()).toEqual(MISDIRECTED);
    expect(accessControlHeaders(r)).toEqual([]);
  });

  it('a rebinding Sign never reaches the KMS emulator', async () => {
    const attack = ATTACKS['KMS Sign with the signing key']!();
    const before = stack.kms.calls.Sign ?? 0;
    expect((await call(attack, { host: REBINDING_HOST })).status).toBe(421);
    expect(stack.kms.calls.Sign ?? 0).toBe(before);
  });

  it('a rebinding flush (admin path or control plane) leaves the authorizer cache as it was', async () => {
    expect((await call(ATTACKS['a resource API route with a valid token']!())).status).toBe(200);
    const cached = stack.gateways.api.stats.authorizerCacheSize;
    expect(cached).toBeGreaterThan(0);
    for (const name of [
      'DELETE /_keygate/authorizer-cache',
      'FlushStageAuthorizersCache with a SigV4-shaped header',
    ]) {
      expect((await call(ATTACKS[name]!(), { host: REBINDING_HOST })).status).toBe(421);
    }
    expect(stack.gateways.api.stats.authorizerCacheSize).toBe(cached);
  });

  it('a rebinding request with a valid token never reaches the upstream', async () => {
    upstreamSaw = [];
    const r = await call(ATTACKS['a resource API route with a valid token']!(), { host: REBINDING_HOST });
    expect(r.status).toBe(421);
    expect(upstreamSaw).toEqual([]);
  });

  it.each(['http://rebind.attacker.example/', 'http://127.0.0.1.attacker.example/'])(
    'an absolute-form target naming %s gets 421 whatever the Host',
    async (target) => {
      const port = stack.gateways.auth.port;
      const path = new URL(stack.tokenUrl).pathname;
      const reply = await raw(
        port,
        `POST ${target}${path.slice(1)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 0\r\n\r\n`,
      );
      expect(statusOf(reply)).toBe(421);
    },
  );

  it.each([
    ['KMS', () => stack.kms.url],
    ['dynalite', () => stack.dynamodbEndpoint],
    ['the auth API', () => stack.gateways.auth.origin],
    ['the resource API', () => stack.gateways.api.origin],
  ])('%s answers two Host lines (loopback first) 400', async (_, url) => {
    const reply = await raw(
      Number(new URL(url()).port),
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: ${REBINDING_HOST}\r\nContent-Length: 0\r\n\r\n`,
    );
    expect(statusOf(reply)).toBe(400);
  });

  const REBIND = `Host: ${REBINDING_HOST}`;
  it.each(SERVERS)(
    '%s refuses Expect: 100-continue from a rebinding name with 421, before any 100 Continue',
    async (_, url) => {
      const reply = await raw(
        portOf(url),
        `POST / HTTP/1.1\r\n${REBIND}\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n`,
      );
      expect(statusesOf(reply)).toEqual([421]);
    },
  );

  it.each(SERVERS)('%s refuses a WebSocket Upgrade from a rebinding name with 421', async (_, url) => {
    const reply = await raw(
      portOf(url),
      `GET / HTTP/1.1\r\n${REBIND}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    expect(statusesOf(reply)).toEqual([421]);
  });

  it.each(SERVERS)(
    '%s checks every request pipelined on one connection: loopback answered, then 421',
    async (_, url) => {
      const reply = await raw(
        portOf(url),
        `GET /_keygate/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /_keygate/health HTTP/1.1\r\n${REBIND}\r\n\r\n`,
      );
      const statuses = statusesOf(reply);
      expect(statuses).toHaveLength(2);
      expect(statuses[0]).not.toBe(421);
      expect(statuses[1]).toBe(421);
    },
  );

  it.each([
    ['the auth API', () => stack.gateways.auth],
    ['the resource API', () => stack.gateways.api],
  ])('%s answers CONNECT from a rebinding name 421 before its own CONNECT answer', async (_, gateway) => {
    const before = { ...gateway().stats.gatewayResponses };
    const reply = await raw(gateway().port, `CONNECT localhost:443 HTTP/1.1\r\n${REBIND}\r\n\r\n`);
    expect(statusesOf(reply)).toEqual([421]);
    expect(gateway().stats.gatewayResponses).toEqual(before);
    const loopback = await raw(gateway().port, 'CONNECT localhost:443 HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(statusesOf(loopback)).toEqual([403]);
  });
});

describe('drive-by pages: a foreign Origin', () => {
  it.each(ATTACK_NAMES)('%s: 403 from a foreign Origin, and from Origin: null', async (name) => {
    const attack = ATTACKS[name]!();
    expect((await call(attack)).status).toBe(attack.ok);
    for (const origin of [EVIL_ORIGIN, 'null']) {
      const r = await call(attack, { origin });
      expect(r.status).toBe(403);
      expect(r.json()).toEqual(FOREIGN_ORIGIN);
      expect(accessControlHeaders(r)).toEqual([]);
    }
  });

  it.each(ATTACK_NAMES)(
    '%s: its CORS preflight from a foreign Origin fails (403, no Access-Control-*)',
    async (name) => {
      const attack = ATTACKS[name]!();
      const r = await call(
        attack,
        {
          origin: EVIL_ORIGIN,
          'access-control-request-method': attack.method,
          'access-control-request-headers': 'authorization,content-type,x-amz-target',
        },
        'OPTIONS',
      );
      expect(r.status).toBe(403);
      expect(accessControlHeaders(r)).toEqual([]);
    },
  );

  it('a foreign-origin PutItem (a client whose secret the page knows) never reaches the table', async () => {
    const put = (clientId: string) => ({
      method: 'POST',
      url: `${stack.dynamodbEndpoint}/`,
      headers: { ...ddbJson, 'x-amz-target': 'DynamoDB_20120810.PutItem' },
      body: JSON.stringify({ TableName: stack.tableName, Item: { client_id: { S: clientId } } }),
      ok: 200,
    });
    expect((await call(put('loopback-client'))).status).toBe(200);
    expect((await call(put('attacker-client'), { origin: EVIL_ORIGIN })).status).toBe(403);
    const scan = await stack.clients.dynamodb.send(new ScanCommand({ TableName: stack.tableName }));
    const ids = (scan.Items ?? []).map((item) => item.client_id?.S);
    expect(ids).toContain('loopback-client');
    expect(ids).not.toContain('attacker-client');
  });

  it.each(['POST', 'DELETE'])(
    'a %s with Sec-Fetch-Site: cross-site and no Origin gets 403',
    async (method) => {
      const attack =
        method === 'POST'
          ? ATTACKS['the token endpoint']!()
          : ATTACKS['DELETE /_keygate/authorizer-cache']!();
      const r = await call(attack, { 'sec-fetch-site': 'cross-site' });
      expect(r.status).toBe(403);
      expect(r.json()).toEqual({ message: 'cross-site browser requests are refused (CSRF guard)' });
    },
  );

  it('an Origin behind 2000 other headers still gets 403: the flush never happens', async () => {
    expect((await call(ATTACKS['a resource API route with a valid token']!())).status).toBe(200);
    const cached = stack.gateways.api.stats.authorizerCacheSize;
    const port = stack.gateways.api.port;
    const reply = await raw(
      port,
      `DELETE /_keygate/authorizer-cache HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${'a:\r\n'.repeat(2000)}Origin: ${EVIL_ORIGIN}\r\n\r\n`,
    );
    expect(statusesOf(reply)).toEqual([403]);
    expect(stack.gateways.api.stats.authorizerCacheSize).toBe(cached);
  });

  it.each([
    ['GET with X-HTTP-Method-Override: DELETE', 'GET', '', { 'x-http-method-override': 'DELETE' }],
    ['POST with X-HTTP-Method-Override: DELETE', 'POST', '', { 'x-http-method-override': 'DELETE' }],
    ['POST ?_method=DELETE', 'POST', '?_method=DELETE', {}],
    [
      'a cross-site GET with X-HTTP-Method: DELETE',
      'GET',
      '',
      { 'x-http-method': 'DELETE', 'sec-fetch-site': 'cross-site' },
    ],
  ])('the cache flush is DELETE only: %s is 404 and flushes nothing', async (_, method, query, headers) => {
    expect((await call(ATTACKS['a resource API route with a valid token']!())).status).toBe(200);
    const cached = stack.gateways.api.stats.authorizerCacheSize;
    const r = await send(`${stack.gateways.api.origin}/_keygate/authorizer-cache${query}`, {
      method,
      headers,
    });
    expect(r.status).toBe(404);
    expect(stack.gateways.api.stats.authorizerCacheSize).toBe(cached);
  });

  it('a cross-site GET (no Origin, as an <img> sends it) cannot mint a token: 403, no KMS Sign', async () => {
    const { clientId, clientSecret } = stack.demoClient;
    const query = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    });
    const before = stack.kms.calls.Sign ?? 0;
    const r = await send(`${stack.tokenUrl}?${query}`, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(r.status).toBe(403);
    expect(r.json()).toEqual({ message: 'Missing Authentication Token' });
    expect(stack.kms.calls.Sign ?? 0).toBe(before);
  });

  it('dynalite grants no CORS even to a loopback origin (request and preflight)', async () => {
    const list = ATTACKS['dynalite ListTables']!();
    const r = await call(list, { origin: 'http://localhost:3000' });
    expect(r.status).toBe(200);
    expect(accessControlHeaders(r)).toEqual([]);
    const preflight = await call(
      list,
      { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
      'OPTIONS',
    );
    expect(accessControlHeaders(preflight)).toEqual([]);
  });

  it('a page on a loopback origin (a local front-end) still calls the resource API', async () => {
    upstreamSaw = [];
    const r = await call(ATTACKS['a resource API route with a valid token']!(), {
      origin: 'http://localhost:5173',
      'sec-fetch-site': 'cross-site',
    });
    expect(r.status).toBe(200);
    expect(upstreamSaw).toHaveLength(1);
  });
});

/** The upstream's view of keygate's namespace: every header whose name, separators dropped, starts xkeygate. */
function keygateHeadersSeen(rawHeaders: string[]): [string, string][] {
  const seen: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (/^xkeygate/.test(rawHeaders[i]!.toLowerCase().replace(/[^a-z0-9]/g, ''))) {
      seen.push([rawHeaders[i]!, rawHeaders[i + 1]!]);
    }
  }
  return seen;
}

describe('spoofed identity headers', () => {
  const SPOOFS = [
    'X-Keygate_Client_Id: forged',
    'x-keygate-client-id: forged',
    'X-KEYGATE-CLIENT-ID: forged',
    'X_KEYGATE_CLIENT_ID: forged',
    'x.keygate.client.id: forged',
    'XKeygateClientId: forged',
    'X-Keygate-Scope: items:admin files:admin',
    'x-keygate_scope: items:admin',
    'X-Keygate-Resource-Path: /items/{id}/secret',
    'X-Keygate-Claim-Tenant: other-tenant',
  ];

  /** GET /items/1 with a valid read token, then `tail` (more header lines and the rest); the raw reply. */
  async function spoof(tail: string): Promise<string> {
    upstreamSaw = [];
    const path = `${new URL(stack.apiUrl).pathname}/items/1`;
    const port = stack.gateways.api.port;
    return raw(
      port,
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${readToken}\r\n${tail}`,
    );
  }
  const GATEWAY_HEADERS = () => [
    ['X-Keygate-Resource-Path', '/items/{id}'],
    ['X-Keygate-Client-Id', readClientId],
    ['X-Keygate-Scope', 'items:read'],
  ];

  it('reach the upstream only as the gateway sets them: the matched route, the caller’s client id and scope', async () => {
    const reply = await spoof(`${SPOOFS.join('\r\n')}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(reply)).toBe(200);
    expect(upstreamSaw).toHaveLength(1);
    expect(keygateHeadersSeen(upstreamSaw[0]!)).toEqual(GATEWAY_HEADERS());
  });

  it.each([
    [
      'in a chunked body’s trailers',
      'Transfer-Encoding: chunked\r\nTrailer: X-Keygate-Client-Id\r\n\r\n3\r\nabc\r\n0\r\nX-Keygate-Client-Id: forged\r\nX-Keygate_Scope: items:admin\r\n\r\n',
    ],
    [
      'with Connection naming the gateway’s own headers (hop-by-hop removal)',
      'Connection: close, X-Keygate-Client-Id, X-Keygate-Scope\r\n\r\n',
    ],
  ])('a spoof %s: the upstream sees the gateway’s headers, and only those', async (_, tail) => {
    expect(statusesOf(await spoof(tail))).toEqual([200]);
    expect(upstreamSaw).toHaveLength(1);
    expect(keygateHeadersSeen(upstreamSaw[0]!)).toEqual(GATEWAY_HEADERS());
  });

  it.each([
    ['an obs-fold continuation line', 'X-Foo: a\r\n X-Keygate-Client-Id: forged'],
    ['whitespace before the colon', 'X-Keygate-Client-Id : forged'],
    ['a tab before the colon', 'X-Keygate-Client-Id\t: forged'],
    ['a bare LF inside the header block', 'X-Foo: a\nX-Keygate-Client-Id: forged'],
    ['a Cyrillic і in the name', 'X-Keygate-Cl\u0456ent-Id: forged'],
    ['a NUL after the name', 'X-Keygate-Client-Id\u0000: forged'],
  ])('%s is a 400 and never reaches the upstream', async (_, header) => {
    expect(statusOf(await spoof(`${header}\r\n\r\n`))).toBe(400);
    expect(upstreamSaw).toEqual([]);
  });
});

describe('the AWS SDK clients still pass the guard (Host 127.0.0.1:port or localhost:port)', () => {
  const sdk = { region: 'us-east-1', credentials: LOCAL_CREDENTIALS };

  it.each(['127.0.0.1', 'localhost'])(
    'KMS Sign, DynamoDB ListTables and the cache flush via %s',
    async (name) => {
      const at = (url: string) => url.replace('127.0.0.1', name);
      const kms = new KMSClient({ ...sdk, endpoint: at(stack.kmsEndpoint) });
      const ddb = new DynamoDBClient({ ...sdk, endpoint: at(stack.dynamodbEndpoint) });
      const apigw = new APIGatewayClient({ ...sdk, endpoint: at(stack.gateways.api.origin) });
      try {
        const signed = await kms.send(
          new SignCommand({
            KeyId: SIGNING_KEY_ALIAS,
            Message: Buffer.from('x'),
            MessageType: 'RAW',
            SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
          }),
        );
        expect(signed.Signature?.length).toBe(256);
        expect((await ddb.send(new ListTablesCommand({}))).TableNames).toEqual(
          [stack.tableName, `${stack.tableName}-issuance`].sort(),
        );
        const flushed = await apigw.send(
          new FlushStageAuthorizersCacheCommand({
            restApiId: stack.gateways.api.apiId,
            stageName: stack.gateways.api.stage,
          }),
        );
        expect(flushed.$metadata.httpStatusCode).toBe(202);
      } finally {
        kms.destroy();
        ddb.destroy();
        apigw.destroy();
      }
    },
  );
});
