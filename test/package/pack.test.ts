// The package as users get it: `npm run build`, `npm pack`, then an install into an empty project (from
// the npm cache `npm ci` filled) with only aws-cdk-lib, constructs and type packages beside it. Plain node
// imports the three entry points and synthesizes a stack; tsc checks the types, including misuse. The
// packed authorizer revokes by default (an attack test of docs/token-lifetime.md, next to the pack it needs).
// The `keygate` bin puts a test server behind the local stack and creates a client that gets a token.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJwksServer } from '../../fixtures/jwks-server.js';
import { signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../fixtures/tokens.js';
import { evaluatePolicy } from '../../local/gateway/evaluate-policy.js';
import { closeNow, listen } from '../../local/listen.js';
import { mintToken, requestToken } from '../support/client-token.js';
import { startLocalStack } from '../support/products-stack.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version: string }>;
};
/** The versions this repository tested with, so the install is served from the npm cache. */
const pinned = (name: string) => `${name}@${lock.packages[`node_modules/${name}`]!.version}`;

const CONSUMER_TS = `
import { App, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { createJwksKeyStore, createVerifier, VerifyError } from 'keygate';
import { createAuthorizerHandler, type ProtectedRoute } from 'keygate/authorizer';
import { KeygateAuthorizer, KeygateIssuer } from 'keygate/cdk';

const routes: ProtectedRoute[] = [{ method: 'GET', path: '/orders/{id}', scopes: ['orders/read'] }];
export const handler = createAuthorizerHandler({
  issuer: 'https://issuer.example', audience: 'a', jwksUri: 'https://issuer.example/jwks', routes, logger: null, metrics: null,
});
const keyStore = createJwksKeyStore({ jwksUri: 'https://issuer.example/jwks' });
export const verifier = createVerifier({ issuer: 'https://issuer.example', audience: 'a', keyStore });
export const isVerifyError = (e: unknown): e is VerifyError => e instanceof VerifyError;
const stack = new Stack(new App(), 'S');
const issuer = new KeygateIssuer(stack, 'Issuer', { audience: 'https://orders.example' });
const authorizer = new KeygateAuthorizer(stack, 'Auth', { issuer });
new apigateway.RestApi(stack, 'Api').root.addMethod('GET', undefined, authorizer.require('orders/read'));
export const parts: string[] = [issuer.issuerUrl, issuer.jwksUri, issuer.tokenUrl, issuer.table.tableName, issuer.key.keyArn];
// @ts-expect-error routes are required
createAuthorizerHandler({ issuer: 'x', audience: 'a', jwksUri: 'https://x' });
export const unrevocable = createAuthorizerHandler({
  issuer: 'https://issuer.example', audience: 'a', jwksUri: 'https://issuer.example/jwks', routes,
  revocationsUri: false, revocationsMaxStaleSeconds: 60,
});
// @ts-expect-error revocation is turned off with false; it is on by default
createAuthorizerHandler({ issuer: 'x', audience: 'a', jwksUri: 'https://x', routes, revocationsUri: true });
// @ts-expect-error a route's method is a REST verb
export const bad: ProtectedRoute = { method: 'FETCH', path: '/', scopes: ['s'] };
`;

const CONSUMER_SYNTH = `
import { App, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { KeygateAuthorizer, KeygateIssuer } from 'keygate/cdk';
const app = new App({ outdir: process.argv[2] });
const stack = new Stack(app, 'Orders');
const issuer = new KeygateIssuer(stack, 'Issuer', { audience: 'https://orders.example' });
const authorizer = new KeygateAuthorizer(stack, 'Auth', { issuer });
const orders = new apigateway.RestApi(stack, 'Api').root.addResource('orders');
orders.addMethod('GET', new apigateway.MockIntegration(), authorizer.require('orders/read'));
const t = app.synth().getStackArtifact(stack.artifactId).template;
const types = Object.values(t.Resources).map((r) => r.Type);
console.log(JSON.stringify({ functions: types.filter((x) => x === 'AWS::Lambda::Function').length, routes: authorizer.routes }));
`;

describe('npm pack installed into an empty project', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-pack-'));
  const project = join(dir, 'consumer');
  let packed: string[] = [];
  beforeAll(async () => {
    // `npm run build` is tsc plus the Lambda bundles, which the test global setup has just built.
    await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(ROOT, 'tsconfig.build.json')]);
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      cwd: ROOT,
    });
    const [{ filename, files }] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
    packed = files.map((f) => f.path);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{"name":"consumer","private":true,"type":"module"}\n');
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        join(dir, filename),
        pinned('aws-cdk-lib'),
        pinned('constructs'),
        pinned('@types/node'),
        // Powertools' Logger types (in keygate/authorizer's options) import from aws-lambda.
        pinned('@types/aws-lambda'),
      ],
      { cwd: project },
    );
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }), 120_000);

  it('ships no code that names the sample (/products, products/read), prebuilt Lambda bundles included', () => {
    const naming = packed.filter(
      (f) =>
        f.startsWith('dist/') &&
        /\/products|products\/read/.test(readFileSync(join(project, 'node_modules/keygate', f), 'utf8')),
    );
    expect(naming).toEqual([]);
  });

  it('packs compiled code, types, the bin, LICENSE and docs only (no sources, tests or sample)', () => {
    expect(
      packed.filter(
        (f) =>
          !f.startsWith('dist/') && !f.startsWith('docs/') && !/^(package\.json|README\.md|LICENSE)$/.test(f),
      ),
    ).toEqual([]);
    expect(packed).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'docs/product.md',
        'docs/operations.md',
        'dist/local/keygate.js',
        'dist/local/echo-demo.js',
        'dist/lambda/authorizer/index.mjs',
        'dist/lambda/rotation/index.mjs',
        'dist/infra/lib/index.d.ts',
      ]),
    );
    // Nothing of the products sample, and nothing of the tests.
    expect(packed.filter((f) => /products|(^|\/)test\/|\.test\./.test(f))).toEqual([]);
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(
      /^\s+Apache License\n\s+Version 2\.0, January 2004\n/,
    );
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/keygate/package.json'), 'utf8'));
    expect([manifest.license, manifest.bin]).toEqual(['Apache-2.0', { keygate: 'dist/local/keygate.js' }]);
    expect(readFileSync(join(project, 'node_modules/keygate/dist/local/keygate.js'), 'utf8')).toMatch(
      /^#!\/usr\/bin\/env node\n/,
    );
    expect(new Set(packed.filter((f) => f.startsWith('dist/lambda/')).map((f) => f.split('/')[2]))).toEqual(
      new Set([
        'authorizer',
        'client-resource',
        'discovery',
        'publisher',
        'rotation',
        'token',
        'token-client-auth',
      ]),
    );
  });

  it('imports keygate, keygate/authorizer and keygate/cdk under plain node', async () => {
    const script = `const k = await import('keygate'); const a = await import('keygate/authorizer'); const c = await import('keygate/cdk');
console.log([k.createVerifier, k.createJwksKeyStore, k.VerifyError, a.createAuthorizerHandler, c.KeygateIssuer, c.KeygateAuthorizer].map((f) => typeof f).join(','));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project });
    expect(stdout.trim()).toBe('function,function,function,function,function,function');
  });

  it.each(['keygate/dist/core/authz/index.js', 'keygate/dist/core/jwt/jwks-download.js'])(
    'refuses a deep import of %s: only the exports subpaths are public (docs/api.md)',
    async (specifier) => {
      const script = `await import(${JSON.stringify(specifier)}).then(() => console.log('loaded'), (e) => console.log(e.code));`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project });
      expect(stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    },
  );

  it('loads from a CommonJS CDK app too (require of an ES module, Node >= 20.19)', async () => {
    const script = `const { KeygateAuthorizer } = require('keygate/cdk'); const { createVerifier } = require('keygate');
process.stdout.write([KeygateAuthorizer, createVerifier].map((f) => typeof f).join(','));`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: project });
    expect(stdout).toBe('function,function');
  });

  // A child process over the whole installed package: 20 s and more on a loaded two-core machine.
  it('synthesizes KeygateIssuer and KeygateAuthorizer with neither esbuild nor Docker installed', async () => {
    expect(existsSync(join(project, 'node_modules', 'esbuild'))).toBe(false);
    writeFileSync(join(project, 'synth.mjs'), CONSUMER_SYNTH);
    const { stdout } = await run(process.execPath, ['synth.mjs', join(dir, 'cdk.out')], { cwd: project });
    // The issuer's token, token client authenticator, discovery, document publisher and rotation functions,
    // and the authorizer (the JWKS and the revocation list are served from S3, without a function).
    expect(JSON.parse(stdout)).toEqual({
      functions: 6,
      routes: [{ method: 'GET', path: '/orders', scopes: ['orders/read'] }],
    });
  }, 90_000);

  it("createAuthorizerHandler with no revocation option refuses a revoked client's token from a real issuer", async () => {
    // The local stack is the issuer (127.0.0.1, port 0); its token clock and dynalite's run 10 s behind
    // for the first token and the revocation, so the second token is the next seconds' and none is future.
    let shiftMs = -10_000;
    const clock = () => Date.now() + shiftMs;
    const stack = await startLocalStack({
      inMemory: true,
      ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 },
      clocks: { token: clock, dynamodb: clock },
    });
    try {
      const { record, clientSecret } = await stack.registry.create({
        name: 'pkg',
        scopes: ['products/read'],
      });
      const mint = () => mintToken(stack.tokenUrl, { id: record.clientId, secret: clientSecret });
      const revoked = await mint();
      await stack.registry.revokeTokens(record.clientId);
      shiftMs = 0;
      const fresh = await mint();
      const script = `import { createAuthorizerHandler } from 'keygate/authorizer';
const [issuer, audience, jwksUri, ...tokens] = process.argv.slice(2);
const handler = createAuthorizerHandler({ issuer, audience, jwksUri, logger: null, metrics: null,
  routes: [{ method: 'GET', path: '/products', scopes: ['products/read'] }] });
const methodArn = 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/products';
const decide = (t) => handler({ type: 'TOKEN', authorizationToken: 'Bearer ' + t, methodArn })
  .then((r) => r.policyDocument.Statement[0].Effect, (e) => e.message);
console.log(JSON.stringify(await Promise.all(tokens.map(decide))));`;
      writeFileSync(join(project, 'revocation.mjs'), script);
      const { stdout } = await run(
        process.execPath,
        ['revocation.mjs', stack.issuer, stack.audience, stack.jwksUrl, revoked, fresh],
        { cwd: project },
      );
      expect(JSON.parse(stdout)).toEqual(['Unauthorized', 'Allow']);
    } finally {
      await stack.close();
    }
  }, 60_000);

  it('builds a policy that denies every spelling of a route the scopes lack (docs/security.md#paths)', async () => {
    const jwks = await startJwksServer({ keys: [testKey().jwk] });
    try {
      const routes = [
        { method: 'GET', path: '/items/{id}', scopes: ['items:read'] },
        { method: 'GET', path: '/items/{id}/secret', scopes: ['items:admin'] },
        { method: 'GET', path: '/files/{name}', scopes: ['files:read'] },
        { method: 'GET', path: '/files/private/{name}', scopes: ['files:admin'] },
      ];
      const script = `import { createAuthorizerHandler } from 'keygate/authorizer';
const [issuer, audience, jwksUri, routes, token] = process.argv.slice(2);
const handler = createAuthorizerHandler({ issuer, audience, jwksUri, revocationsUri: false, logger: null,
  metrics: null, routes: JSON.parse(routes) });
const methodArn = 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/items/1';
const result = await handler({ type: 'TOKEN', authorizationToken: 'Bearer ' + token, methodArn });
console.log(JSON.stringify(result.policyDocument));`;
      writeFileSync(join(project, 'paths.mjs'), script);
      const token = signToken({ claims: { scope: 'items:read files:read' } });
      const { stdout } = await run(
        process.execPath,
        ['paths.mjs', TEST_ISSUER, TEST_AUDIENCE, jwks.url, JSON.stringify(routes), token],
        { cwd: project },
      );
      const policy = JSON.parse(stdout) as unknown;
      const arn = (path: string) => `arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET${path}`;
      const decide = (path: string) => evaluatePolicy(policy, arn(path));
      expect(
        [
          '/items/1/secret',
          '/items/1/secret/',
          '/items/1/secret//',
          '/items/a%2Fb/secret',
          '/files/private/x/',
        ].map(decide),
      ).toEqual(Array(5).fill('explicit_deny'));
      expect(['/items/1', '/items/1/', '/items/1%2Fsecret', '/files/private%2Fx'].map(decide)).toEqual(
        Array(4).fill('allow'),
      );
    } finally {
      await jwks.close();
    }
  });

  // A child process over the whole installed package: 20 s and more on a loaded two-core machine.
  it('type-checks a consumer under tsc (strict, library types checked), misuse included', async () => {
    writeFileSync(join(project, 'app.ts'), CONSUMER_TS);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2023',
          module: 'nodenext',
          strict: true,
          noEmit: true,
          types: ['node'],
        },
        files: ['app.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
    const result = await run(tsc, ['-p', project]).then(
      () => 'ok',
      (err: { stdout: string }) => err.stdout,
    );
    expect(result).toBe('ok');
  }, 90_000);
  describe('the keygate bin', () => {
    const npx = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      run('npx', ['--no', '--', 'keygate', ...args], { cwd: project, env: { ...process.env, ...env } });

    it('npx keygate --help lists the commands', async () => {
      const { stdout } = await npx(['--help']);
      expect(stdout).toMatch(/^Usage: keygate \[options\] \[command\]/);
      expect([...stdout.matchAll(/^ {2}(\w+) \[args\.\.\.\]/gm)].map((m) => m[1])).toEqual([
        'clients',
        'keys',
        'start',
      ]);
    });

    it.each([
      [['start', '--routes', 'r.json'], 'error: --routes and --upstream go together\n'],
      [
        ['clients', 'create', '--name', 'x'],
        "error: required option '--scopes <scopes>' not specified; see keygate clients --help\n",
      ],
      [['keys', 'status', '--alias', 'kms-key'], 'error: --alias must start with alias/\n'],
      [['frobnicate'], "error: unknown command 'frobnicate'; see keygate --help\n"],
    ])('npx keygate %j: exit 2 and one line', async (args, line) => {
      const failed = await npx(args).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      expect(failed).toEqual({ code: 2, stderr: line });
    });

    it('keygate start puts a test server behind keygate; keygate clients create makes a client that gets a token', async () => {
      // The team's own service: answers with what reached it, so the test sees the gateway forwarded it.
      const service = createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ path: req.url, client: req.headers['x-keygate-client-id'] }));
      });
      const servicePort = await listen(service, 0, '127.0.0.1');
      const routes = [
        { method: 'GET', path: '/orders/{id}', scopes: ['orders/read'] },
        { method: 'POST', path: '/orders', scopes: ['orders/write'] },
      ];
      writeFileSync(join(project, 'r.json'), JSON.stringify(routes));
      const free = ['--auth-port', '0', '--api-port', '0', '--kms-port', '0', '--dynamodb-port', '0'];
      const upstream = `http://127.0.0.1:${servicePort}`;
      // Its own process group, so the test stops npx and the node process under it together.
      const child: ChildProcess = spawn(
        'npx',
        [
          '--no',
          'keygate',
          'start',
          '--routes',
          'r.json',
          '--upstream',
          upstream,
          '--in-memory',
          '--quiet',
          ...free,
        ],
        { cwd: project, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let banner = '';
      child.stdout!.on('data', (d: Buffer) => (banner += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (banner += d.toString()));
      const exited = once(child, 'exit');
      try {
        while (!/^ {2}export .+$/m.test(banner)) {
          if (child.exitCode !== null) throw new Error(`keygate start exited: ${banner}`);
          await Promise.race([once(child.stdout!, 'data'), exited]);
        }
        const field = (re: RegExp) => banner.match(re)![1]!;
        const tokenUrl = field(/\(token POST (\S+)\)/);
        const apiUrl = field(/Your API\s+(\S+) -> /);
        const demo = { id: field(/client_id\s+(\S+)/), secret: field(/client_secret\s+(\S+)/) };
        // The banner's export line, as a user pastes it into a shell.
        const env = Object.fromEntries(
          [...field(/^ {2}export (.+)$/m).matchAll(/(\w+)=('(?:[^']|'\\'')*'|\S+)/g)].map((m) => [
            m[1]!,
            m[2]!.startsWith("'") ? m[2]!.slice(1, -1).replaceAll("'\\''", "'") : m[2]!,
          ]),
        );
        const call = (method: string, path: string, token?: string) =>
          fetch(`${apiUrl}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
        const tokenWith = async (scope: string) => {
          const res = await fetch(tokenUrl, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              authorization: `Basic ${Buffer.from(`${demo.id}:${demo.secret}`).toString('base64')}`,
            },
            body: `grant_type=client_credentials&scope=${encodeURIComponent(scope)}`,
          });
          expect(res.status).toBe(200);
          return ((await res.json()) as { access_token: string }).access_token;
        };
        const readOnly = await tokenWith('orders/read');

        const allowed = await call('GET', '/orders/7', readOnly);
        expect([allowed.status, await allowed.json()]).toEqual([200, { path: '/orders/7', client: demo.id }]);
        expect((await call('GET', '/orders/7')).status).toBe(401);
        expect((await call('POST', '/orders', readOnly)).status).toBe(403);

        const { stdout } = await npx(
          ['clients', 'create', '--name', 'ci', '--scopes', 'orders/read', '--json'],
          env,
        );
        const created = JSON.parse(stdout) as {
          client: { client_id: string; scopes: string[] };
          client_secret: string;
        };
        expect(created.client.scopes).toEqual(['orders/read']);
        const token = await mintToken(tokenUrl, {
          id: created.client.client_id,
          secret: created.client_secret,
        });
        const theirs = await call('GET', '/orders/8', token);
        expect([theirs.status, await theirs.json()]).toEqual([
          200,
          { path: '/orders/8', client: created.client.client_id },
        ]);
        expect((await call('POST', '/orders', token)).status).toBe(403);
        expect((await requestToken(tokenUrl, { id: created.client.client_id, secret: 'wrong' })).status).toBe(
          401,
        );
      } finally {
        if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
        await exited;
        await closeNow(service)();
      }
      expect(banner).toContain('stopped.');
    }, 120_000);
  });
});
