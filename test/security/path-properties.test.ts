// Property: a request reaches the integration as route R only if the token's scopes allow R, whatever the
// spelling of its path. Locally: random route tables behind the real gateway (real HTTP, the real keygate
// TOKEN authorizer and result cache, an upstream recording what it got), random spellings of real paths.
// On AWS: random tables and scope sets, every path API Gateway could route to R, the policy the authorizer
// builds, evaluated with IAM's wildcard rules. Seeds: test/support/fuzz-settings.ts (`npm run fuzz`).
import { createServer, type Server } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolicyBuilder, type PolicyRoute } from '../../core/authz/policy-builder.js';
import type { ProtectedRoute } from '../../core/authz/route-table.js';
import { type JwksServer, startJwksServer } from '../../fixtures/jwks-server.js';
import { signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../fixtures/tokens.js';
import { createAuthorizerHandler } from '../../handlers/authorizer/create.js';
import { evaluatePolicy } from '../../local/gateway/evaluate-policy.js';
import { createHttpIntegration, startGateway } from '../../local/gateway/index.js';
import { closeNow, listen } from '../../local/listen.js';
import { raw, statusOf } from '../local/gateway/http.js';
import { fuzzParameters } from '../support/fuzz-settings.js';

const SCOPES = ['s1', 's2', 's3'];
const STAGE = 'prop';
const PREFIX = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prop';

// Tiny alphabets, so that literals, {param}s and {proxy+} collide and nest often.
const routeArb = fc
  .tuple(
    fc.constantFrom('GET', 'POST'),
    fc.array(fc.constantFrom('a', 'b', 'ab', '{p}'), { maxLength: 3 }),
    fc.boolean(),
    fc.subarray(SCOPES, { minLength: 1 }),
  )
  .map(([method, parts, greedy, scopes]): ProtectedRoute => {
    const segs = parts.map((p, i) => (p === '{p}' ? `{p${i}}` : p));
    if (greedy) segs.push('{proxy+}');
    return {
      method: method as ProtectedRoute['method'],
      path: `/${segs.join('/')}`.replace(/^\/$/, '/'),
      scopes,
    };
  });
const tableArb = fc.uniqueArray(routeArb, {
  minLength: 1,
  maxLength: 6,
  selector: (r) => `${r.method} ${r.path.replace(/\{[^}]+\}/g, '{}')}`,
});

type Kind = 'literal' | 'param' | 'greedy';
const kindOf = (s: string): Kind => (s.endsWith('+}') ? 'greedy' : s.startsWith('{') ? 'param' : 'literal');
const RANK: Record<Kind, number> = { literal: 2, param: 1, greedy: 0 };
const templateSegments = (path: string) => (path === '/' ? [] : path.slice(1).split('/'));

/**
 * The test's own model of REST API resource matching (independent of local/gateway/router.ts): segments
 * compared as sent, `{p}` one non-empty segment, `{proxy+}` the non-empty rest, and per position from the
 * left a literal beats a parameter, which beats a greedy one.
 */
function oracleRoute(
  table: readonly ProtectedRoute[],
  method: string,
  segments: readonly string[],
): ProtectedRoute | undefined {
  if (segments.some((s) => s === '')) return undefined;
  let best: { route: ProtectedRoute; ranks: number[] } | undefined;
  for (const route of table) {
    if (route.method !== method) continue;
    const t = templateSegments(route.path);
    const ranks: number[] = [];
    let ok = true;
    for (let i = 0; i < t.length && ok; i++) {
      const kind = kindOf(t[i]!);
      if (segments[i] === undefined) ok = false;
      else if (kind === 'literal') ok = t[i] === segments[i];
      ranks.push(RANK[kind]);
      if (kind === 'greedy') break;
    }
    const greedy = t.length > 0 && kindOf(t[t.length - 1]!) === 'greedy';
    if (!ok || (!greedy && t.length !== segments.length)) continue;
    if (!best || compareRanks(ranks, best.ranks) > 0) best = { route, ranks };
  }
  return best?.route;
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

const granted = (route: ProtectedRoute, scopes: readonly string[]) =>
  route.scopes.some((s) => scopes.includes(s));

/** A concrete path of `route`, its `{p}` and `{proxy+}` parts filled from `values`. */
function concretePath(route: ProtectedRoute, values: readonly string[]): string {
  let v = 0;
  const parts = templateSegments(route.path).map((s) =>
    kindOf(s) === 'literal' ? s : values[v++ % values.length]!,
  );
  return `/${parts.join('/')}`;
}

describe('on AWS: the authorizer policy allows a routed request only for a route the scopes allow', () => {
  // What a REST API keeps in a path parameter (escapes as sent: aws/aws-sam-cli#3524), `*` included.
  const value = fc.constantFrom(
    'a',
    'b',
    'ab',
    'x',
    'A',
    '%2F',
    'a%2Fb',
    '%73',
    '%2e%2e',
    '*',
    'a;b',
    '%00',
    ':',
  );
  // A {proxy+} value may also span segments.
  const greedyValue = fc.oneof(value, fc.constantFrom('a/b', 'b/a', 'ab/x/a', 'a/*'));

  it('for every path API Gateway routes to R, with or without its trailing slashes in the method ARN', () => {
    fc.assert(
      fc.property(
        tableArb,
        fc.subarray(SCOPES),
        fc.nat(),
        fc.array(greedyValue, { minLength: 4, maxLength: 4 }),
        fc.nat({ max: 3 }),
        (table, scopes, pick, values, trailing) => {
          const source = table[pick % table.length]!;
          const path = concretePath(source, values);
          // API Gateway ignores trailing slashes when routing (localstack resource_router.py: rstrip('/')).
          const sent = path === '/' ? path : `${path}${'/'.repeat(trailing)}`;
          const routed = oracleRoute(table, source.method, templateSegments(path.replace(/\/+$/, '') || '/'));
          if (!routed) return;
          const policy = createPolicyBuilder({ routes: table as readonly PolicyRoute[] }).policyFor(
            `${PREFIX}/${table[0]!.method}${concretePath(table[0]!, ['z'])}`,
            scopes.join(' '),
          ).policyDocument;
          for (const arnPath of new Set([sent, path])) {
            const decision = evaluatePolicy(policy, `${PREFIX}/${source.method}${arnPath}`);
            if (decision === 'allow')
              expect(granted(routed, scopes), `${source.method} ${arnPath}`).toBe(true);
          }
        },
      ),
      fuzzParameters('AWS policy vs routed path', 3000),
    );
  });
});

describe('locally: a request reaches the upstream as route R only if the token allows R', () => {
  let jwks: JwksServer;
  let upstream: Server;
  let upstreamUrl: string;
  const seen = new Map<string, { url: string; resourcePath: string | undefined; method: string }>();

  beforeAll(async () => {
    jwks = await startJwksServer({ keys: [testKey().jwk] });
    upstream = createServer((req, res) => {
      seen.set(String(req.headers['x-probe']), {
        url: req.url!,
        method: req.method!,
        resourcePath: req.headers['x-keygate-resource-path'] as string | undefined,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    upstreamUrl = `http://127.0.0.1:${await listen(upstream, 0, '127.0.0.1')}`;
  });
  afterAll(async () => {
    await jwks?.close();
    if (upstream) await closeNow(upstream)();
  });

  // Spellings of one path segment: case, escapes of unreserved characters, encoded separators and
  // backslashes, dot segments, `;`, NUL; and of the separators before them. A variant changes one or two
  // places of the path and may add trailing slashes, so most variants stay close to a real route.
  const mutations = (seg: string) => [
    seg.toUpperCase(),
    `%${seg.charCodeAt(0).toString(16)}${seg.slice(1)}`,
    `${seg}%2F`,
    `${seg}%5C`,
    `${seg};x`,
    `${seg}%00`,
    '.',
    '..',
    '%2e%2e',
    '',
  ];
  const SEPARATORS = ['//', '\\', '%2F', '%5C', '/./', '/../', '/%2e/'];
  const paramValue = fc.constantFrom('a', 'b', 'x', 'A', 'a%2Fb', '%2F', '1');
  const variantArb = (path: string) => {
    const segs = templateSegments(path);
    const edit = fc.record({ at: fc.nat(), piece: fc.boolean(), choice: fc.nat() });
    return fc
      .record({
        edits: fc.array(edit, { maxLength: segs.length === 0 ? 0 : 2 }),
        trailing: fc.constantFrom('', '/', '/', '//'),
        absolute: fc.boolean(),
      })
      .map(({ edits, trailing, absolute }) => {
        const pieces = [...segs];
        const seps = segs.map(() => '/');
        for (const { at, piece, choice } of edits) {
          const i = at % segs.length;
          if (piece) pieces[i] = mutations(segs[i]!)[choice % 10]!;
          else seps[i] = SEPARATORS[choice % SEPARATORS.length]!;
        }
        const spelled = pieces.map((p, i) => `${seps[i]}${p}`).join('') || '/';
        return { spelled: path === '/' ? spelled : `${spelled}${trailing}`, absolute };
      });
  };

  /** What a Node upstream's router reads: `new URL()` (WHATWG) pathname, one trailing slash ignored. */
  const upstreamSegments = (url: string) => {
    const p = new URL(url, 'http://upstream.test').pathname;
    return templateSegments(p.length > 1 ? p.replace(/\/$/, '') : p);
  };

  // Each run starts a gateway and sends up to 12 requests: about 25 ms on a busy machine, so 200 ms is slack.
  const localRuns = fuzzParameters<unknown>('local gateway paths', 100);

  it(
    'for random tables and random spellings of their paths (real HTTP, real authorizer and cache)',
    async () => {
      let probe = 0;
      await fc.assert(
        fc.asyncProperty(
          tableArb.chain((table) =>
            fc.record({
              table: fc.constant(table),
              scopes: fc.subarray(SCOPES, { minLength: 1 }),
              requests: fc.array(
                fc.nat({ max: table.length - 1 }).chain((i) =>
                  fc.array(paramValue, { minLength: 4, maxLength: 4 }).chain((values) => {
                    const path = concretePath(table[i]!, values);
                    return fc.record({
                      route: fc.constant(table[i]!),
                      path: fc.constant(path),
                      variant: variantArb(path),
                    });
                  }),
                ),
                { minLength: 1, maxLength: 4 },
              ),
            }),
          ),
          async ({ table, scopes, requests }) => {
            const gateway = await startGateway({
              routes: table.map((r) => ({ ...r, handler: 'upstream' })),
              handlers: { upstream: createHttpIntegration({ upstream: upstreamUrl }) },
              stage: STAGE,
              apiId: 'abcdef1234',
              adminEndpoints: false,
              authorizer: {
                handler: createAuthorizerHandler({
                  issuer: TEST_ISSUER,
                  audience: TEST_AUDIENCE,
                  jwksUri: jwks.url,
                  // Paths, not revocation, are under test here: the issuer is a bare JWKS server.
                  revocationsUri: false,
                  routes: table,
                  logger: null,
                  metrics: null,
                }) as never,
              },
            });
            const token = signToken({ claims: { scope: scopes.join(' ') } });
            const policy = createPolicyBuilder({ routes: table }).policyFor(
              `${PREFIX}/GET/`,
              scopes.join(' '),
            ).policyDocument;
            try {
              for (const { route, path, variant } of requests) {
                // The path as the table spells it, with one trailing slash, and a variant.
                const targets = [path, path === '/' ? path : `${path}/`, variant.spelled].map((p) =>
                  variant.absolute ? `http://127.0.0.1:${gateway.port}/${STAGE}${p}` : `/${STAGE}${p}`,
                );
                for (const [n, target] of targets.entries()) {
                  const id = String(++probe);
                  const reply = await raw(
                    gateway.port,
                    `${route.method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nX-Probe: ${id}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
                  );
                  const status = statusOf(reply);
                  const got = seen.get(id);
                  const where = `${route.method} ${target} -> ${status}`;
                  expect([200, 400, 403, 414], where).toContain(status);
                  expect(got !== undefined, where).toBe(status === 200);
                  if (n < 2) {
                    // The path as the table spells it (a trailing slash routes the same): served exactly when
                    // the policy allows its route.
                    const r = oracleRoute(table, route.method, templateSegments(path))!;
                    const allowed = evaluatePolicy(policy, `${PREFIX}/${route.method}${path}`) === 'allow';
                    expect(status, where).toBe(allowed && granted(r, scopes) ? 200 : 403);
                  }
                  if (!got) continue;
                  // The route the gateway says it served, the one the upstream reads, the one the table
                  // routes the received path to: one route, and the token may call it.
                  const served = table.find((r) => r.method === got.method && r.path === got.resourcePath);
                  expect(served, where).toBeDefined();
                  expect(granted(served!, scopes), where).toBe(true);
                  expect(oracleRoute(table, got.method, upstreamSegments(got.url)), where).toBe(served);
                }
              }
            } finally {
              await gateway.close();
            }
          },
        ),
        localRuns,
      );
    },
    20_000 + localRuns.numRuns! * 200,
  );
});
