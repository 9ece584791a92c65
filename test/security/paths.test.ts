// Attacks on "one path, one meaning" against the local stack as a user runs it (`npm start -- --routes
// routes.json --upstream <dev server>`): a token with only the read scopes tries to reach the admin routes
// through every spelling of their paths. Each is refused with an exact answer, and the upstream never
// receives a request for an admin route. Then the policy `keygate/authorizer` returns for that token, against
// the method ARNs API Gateway could send for those spellings (docs/security.md#paths).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthorizerHandler } from 'keygate/authorizer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type JwksServer, startJwksServer } from '../../fixtures/jwks-server.js';
import { signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../fixtures/tokens.js';
import { evaluatePolicy } from '../../local/gateway/evaluate-policy.js';
import { closeNow, listen } from '../../local/listen.js';
import { readRouteFile } from '../../local/upstream.js';
import { bodyOf, raw, statusOf } from '../local/gateway/http.js';
import { clientToken } from '../support/client-token.js';
import { type LocalStack, startLocalStack } from '../support/products-stack.js';

const ROUTES = [
  { method: 'GET', path: '/items/{id}', scopes: ['items:read'] },
  { method: 'GET', path: '/items/{id}/secret', scopes: ['items:admin'] },
  { method: 'GET', path: '/files/{name}', scopes: ['files:read'] },
  { method: 'GET', path: '/files/private/{name}', scopes: ['files:admin'] },
];
const ADMIN_ROUTES = ['/items/{id}/secret', '/files/private/{name}'];

/** The routes as a user's routes.json, read the way `npm start -- --routes` reads it. */
function readRouteFileOf(routes: readonly unknown[]) {
  const file = join(mkdtempSync(join(tmpdir(), 'keygate-paths-')), 'routes.json');
  writeFileSync(file, JSON.stringify(routes));
  return readRouteFile(file);
}

interface Seen {
  readonly url: string;
  readonly resourcePath: string | undefined;
}

let upstream: Server;
let stack: LocalStack;
let token: string;
let seen: Seen[] = [];
const everything: Seen[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const entry = {
      url: req.url!,
      resourcePath: req.headers['x-keygate-resource-path'] as string | undefined,
    };
    seen.push(entry);
    everything.push(entry);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  const upstreamUrl = `http://127.0.0.1:${await listen(upstream, 0, '127.0.0.1')}`;
  stack = await startLocalStack({
    inMemory: true,
    ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
    upstream: { url: upstreamUrl, routes: readRouteFileOf(ROUTES) },
  });
  token = await clientToken(stack, ['items:read', 'files:read'], 'reader');
}, 60_000);

afterAll(async () => {
  await stack?.close();
  if (upstream) await closeNow(upstream)();
});

beforeEach(() => {
  seen = [];
});

const ANSWERS = {
  deny: [403, '{"Message":"User is not authorized to access this resource with an explicit deny"}'],
  missing: [403, '{"message":"Missing Authentication Token"}'],
  bad: [400, '{"message":"Bad Request"}'],
  // The request guard (local/host-safety.ts) refuses a target whose authority carries userinfo first.
  badTarget: [400, '{"message":"invalid request target"}'],
  tooLong: [414, '{"message":"Request-URI Too Long"}'],
  headersTooLarge: [431, '{"message":"Request Header Fields Too Large"}'],
} as const;
type Answer = keyof typeof ANSWERS;

/** Sends `target` as the request target, byte for byte, with the read token. */
async function attack(target: string, method = 'GET'): Promise<readonly [number, string]> {
  const port = stack.gateways.api.port;
  const resolved = target.replaceAll('{origin}', `http://127.0.0.1:${port}`);
  const reply = await raw(
    port,
    Buffer.from(
      `${method} ${resolved} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      'latin1',
    ),
  );
  return [statusOf(reply), bodyOf(reply)];
}

const long = 'x'.repeat(1600);

// [request target, answer]. `{origin}` is the gateway's own origin (absolute-form targets).
const REFUSED: readonly (readonly [string, Answer])[] = [
  // The admin routes as the table spells them, and with one trailing slash (routed the same).
  ['/local/items/1/secret', 'deny'],
  ['/local/items/1/secret/', 'deny'],
  ['/local/files/private/x', 'deny'],
  ['/local/files/private/x/', 'deny'],
  ['/local/items/1/secret?x=/../', 'deny'],
  // Absolute-form (RFC 9112 §3.2.2): read like origin-form, never through new URL().
  ['{origin}/local/items/1/secret/', 'deny'],
  ['{origin}/local/files/private/x', 'deny'],
  ['HTTP://127.0.0.1/local/items/1/secret', 'deny'],
  ['http://user@127.0.0.1/local/items/1/secret', 'badTarget'],
  ['{origin}/local/items/1\\secret', 'bad'],
  ['{origin}/local/items/1/x/../secret', 'missing'],
  ['{origin}/local/items/1/%73ecret', 'bad'],
  // Escapes of unreserved characters: two readings, refused.
  ['/local/items/1/%73ecret', 'bad'],
  ['/local/items/1/secre%74', 'bad'],
  ['/local/items/1/%53%45%43%52%45%54', 'bad'],
  ['/local/files/%70rivate/x', 'bad'],
  ['/local/files/priv%61te/x', 'bad'],
  ['/local/%69tems/1/secret', 'bad'],
  ['/local/items/%31/secret', 'bad'],
  // Dot segments, raw and encoded.
  ['/local/items/1/./secret', 'missing'],
  ['/local/items/1/x/../secret', 'missing'],
  ['/local/items/1/secret/.', 'missing'],
  ['/local/files/x/../private/x', 'missing'],
  ['/local/files/./private/x', 'missing'],
  ['/local/files/private/..', 'missing'],
  ['/local/items/1/%2e/secret', 'bad'],
  ['/local/items/1/%2E%2E/1/secret', 'bad'],
  ['/local/files/%2e%2e/files/private/x', 'bad'],
  ['/local/files/private/%2e%2e', 'bad'],
  // Empty segments: double slashes anywhere, two trailing slashes.
  ['/local/items//1/secret', 'missing'],
  ['/local/items/1//secret', 'missing'],
  ['/local//items/1/secret', 'missing'],
  ['/local/items/1/secret//', 'missing'],
  ['/local/files//private/x', 'missing'],
  // Encoded slashes and backslashes never split a segment nor match a static one.
  ['/local/items%2F1%2Fsecret', 'missing'],
  ['/local/items%2f1%2fsecret', 'missing'],
  ['/local/items/1/secret%2F', 'missing'],
  ['/local/files%2Fprivate%2Fx', 'missing'],
  ['/local%2Fitems%2F1%2Fsecret', 'missing'],
  ['/local/items%5C1%5Csecret', 'missing'],
  ['/local/items/1/secret%2F..%2F', 'missing'],
  ['/local/items/1/%2573ecret', 'missing'],
  // Raw backslashes (which WHATWG URL parsers read as `/`), `;` (cut by servlet containers), `#`, spaces.
  ['/local/items/1\\secret', 'bad'],
  ['/local/files\\private\\x', 'bad'],
  ['/local/items/1/secret;x', 'bad'],
  ['/local/items/1;/secret', 'bad'],
  ['/local/files/private;/x', 'bad'],
  ['/local/files/private/x;.txt', 'bad'],
  ['/local/items/1/secret#x', 'bad'],
  ['/local/items/1/ secret', 'bad'],
  // NUL and control bytes, encoded and raw; non-ASCII bytes.
  ['/local/items/1/secret%00', 'bad'],
  ['/local/items/1%00/secret', 'bad'],
  ['/local/items/1/secret%00.json', 'bad'],
  ['/local/items/1/secret%09', 'bad'],
  ['/local/items/1/secret%0a', 'bad'],
  ['/local/items/1/secret\x00', 'bad'],
  ['/local/items/1/\xef\xbc\x85ecret', 'bad'],
  // Case: resource paths and the stage are case-sensitive.
  ['/local/items/1/SECRET', 'missing'],
  ['/local/Items/1/secret', 'missing'],
  ['/local/files/Private/x', 'missing'],
  ['/local/FILES/private/x', 'missing'],
  ['/LOCAL/items/1/secret', 'missing'],
  // Look-alikes of the static segment.
  ['/local/items/1/secret.', 'missing'],
  ['/local/items/1/secret%20', 'missing'],
  ['/local/items/1/secret%23', 'missing'],
  ['/local/items/1/secret%3B', 'missing'],
  // Very long paths: a method ARN over 1600 bytes is 414, as API Gateway answers.
  [`/local/items/${long}/secret`, 'tooLong'],
  [`/local/items/${long}`, 'tooLong'],
  [`/local/files/private/${long}`, 'tooLong'],
  [`/local/items/1/secret?${'q'.repeat(20_000)}`, 'headersTooLarge'],
];

describe('a read-only token and the admin routes spelled every way', () => {
  it('tries more than 50 spellings', () => {
    expect(REFUSED.length).toBeGreaterThan(50);
  });

  it.each(REFUSED)('GET %s is refused: %s', async (target, answer) => {
    expect(await attack(target)).toEqual(ANSWERS[answer]);
    expect(seen).toEqual([]);
  });

  it.each([
    ['HEAD', '/local/items/1/secret'],
    ['POST', '/local/items/1/secret/'],
    ['DELETE', '/local/files/private/x'],
  ])('%s %s (no such method) is 403 Missing Authentication Token', async (method, target) => {
    expect((await attack(target, method))[0]).toBe(403);
    expect(seen).toEqual([]);
  });
});

// What REST APIs do with an encoded separator inside a segment: it stays in the `{param}` value
// (aws/aws-sam-cli#3524: `my-id%2F100`). The read route is served, the upstream gets the path as sent and
// X-Keygate-Resource-Path naming the read route, and a Node upstream (WHATWG URL) reads no admin path.
describe('an encoded separator inside a segment stays a parameter value of the read route', () => {
  it.each([
    ['/local/items/1%2Fsecret', '/items/1%2Fsecret', '/items/{id}'],
    ['/local/items/1%2fsecret', '/items/1%2fsecret', '/items/{id}'],
    ['/local/items/1%5Csecret', '/items/1%5Csecret', '/items/{id}'],
    ['/local/items/1%252Fsecret', '/items/1%252Fsecret', '/items/{id}'],
    ['/local/items/1%C0%AFsecret', '/items/1%C0%AFsecret', '/items/{id}'],
    ['/local/files/private%2Fx', '/files/private%2Fx', '/files/{name}'],
    ['/local/files/private%5Cx', '/files/private%5Cx', '/files/{name}'],
    ['/local/items/1/', '/items/1/', '/items/{id}'],
  ])('GET %s reaches the upstream as %s, route %s', async (target, url, resourcePath) => {
    expect(await attack(target)).toEqual([200, '{"ok":true}']);
    expect(seen).toEqual([{ url, resourcePath }]);
    expect(new URL(url, 'http://upstream.test').pathname).toBe(url);
  });
});

describe('the upstream', () => {
  it('never received a request for an admin route', () => {
    expect(everything.length).toBeGreaterThan(0);
    expect(everything.filter((s) => ADMIN_ROUTES.includes(s.resourcePath ?? ''))).toEqual([]);
  });
});

// On AWS the same token's cached policy is matched against whatever method ARN API Gateway builds. A trailing
// slash routes to the same resource and may stay in the ARN; `%2F` stays encoded inside one segment.
describe("keygate/authorizer: the read token's policy against the method ARNs of those spellings", () => {
  const ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET';
  let jwks: JwksServer;
  let policy: unknown;

  beforeAll(async () => {
    jwks = await startJwksServer({ keys: [testKey().jwk] });
    const handler = createAuthorizerHandler({
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      jwksUri: jwks.url,
      // Paths, not revocation, are under test here: the issuer is a bare JWKS server.
      revocationsUri: false,
      routes: readRouteFileOf(ROUTES),
      logger: null,
      metrics: null,
    });
    const result = await handler({
      type: 'TOKEN',
      authorizationToken: `Bearer ${signToken({ claims: { scope: 'items:read files:read' } })}`,
      methodArn: `${ARN}/items/1`,
    });
    policy = result.policyDocument;
  });
  afterAll(() => jwks?.close());

  it.each([
    ['/items/1/secret', 'explicit_deny'],
    ['/items/1/secret/', 'explicit_deny'],
    ['/items/1/secret//', 'explicit_deny'],
    ['/items/1/secret///', 'explicit_deny'],
    ['/items/a%2Fb/secret', 'explicit_deny'],
    ['/items/*/secret', 'explicit_deny'],
    ['/files/private/x', 'explicit_deny'],
    ['/files/private/x/', 'explicit_deny'],
    ['/files/private/a%2Fb', 'explicit_deny'],
    ['/items/1', 'allow'],
    ['/items/1/', 'allow'],
    ['/items/1%2Fsecret', 'allow'],
    ['/files/x', 'allow'],
    ['/files/private', 'allow'],
    ['/files/private%2Fx', 'allow'],
  ])('GET %s: %s', (path, decision) => {
    expect(evaluatePolicy(policy, `${ARN}${path}`)).toBe(decision);
  });
});
