// Cold start: fresh Node processes, each importing one esbuild-bundled handler (the way CDK bundles it)
// and verifying one token whose JWKS a local server in this process serves. Reports process start ->
// first verified token (median, p90) and bundle bytes, for keygate's authorizer entry and peers' setups.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../fixtures/tokens.js';
import type { BenchRow, BenchSuite } from '../../measure/suite.js';
import { bundleLambda } from '../lib/lambda-bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const peers = join(root, 'bench', 'lib', 'cold-start');
const KEYGATE_ENTRY = join(root, 'handlers', 'entry', 'authorizer.ts');
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/products';
const FLOOR = 'node, empty handler (floor)';
const KEYGATE = 'keygate authorizer entry';
/** Issue 6: the synthesized authorizer bundle stays under 100 KB minified. */
const BUNDLE_LIMIT_BYTES = 100 * 1024;

interface Setup {
  readonly name: string;
  readonly entry: string;
}

const SETUPS: readonly Setup[] = [
  { name: FLOOR, entry: join(peers, 'empty.ts') },
  { name: KEYGATE, entry: KEYGATE_ENTRY },
  { name: 'aws-jwt-verify JwtRsaVerifier', entry: join(peers, 'aws-jwt-verify.ts') },
  { name: 'jose createRemoteJWKSet + jwtVerify', entry: join(peers, 'jose.ts') },
  { name: 'fast-jwt + JWKS fetch', entry: join(peers, 'fast-jwt.ts') },
  { name: 'jsonwebtoken + readFileSync PEM (original)', entry: join(peers, 'jsonwebtoken.ts') },
];

interface ChildReport {
  readonly ok: boolean;
  readonly error?: string;
  readonly readyMs: number;
  readonly importMs: number;
  readonly handlerMs: number;
}

interface Sample extends ChildReport {
  /** Parent's clock: spawn() called -> report line received. */
  readonly wallMs: number;
}

const MARK = '__COLD_START__';

/** Nearest-rank percentile (small N: p90 of 5 runs is the maximum). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function runChild(harness: string, module: string, env: NodeJS.ProcessEnv): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [harness], {
      env: { ...env, COLD_START_MODULE: pathToFileURL(module).href },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let report: Sample | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const at = out.indexOf(MARK);
      if (report || at < 0) return;
      const end = out.indexOf('\n', at);
      if (end < 0) return;
      const wallMs = performance.now() - started;
      report = { ...(JSON.parse(out.slice(at + MARK.length, end)) as ChildReport), wallMs };
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!report) reject(new Error(`child exited ${code} without a report: ${err.slice(0, 500)}`));
      else if (!report.ok) reject(new Error(`first verification failed: ${report.error ?? 'not allowed'}`));
      else resolve(report);
    });
  });
}

/**
 * JWKS over HTTPS like a real issuer (aws-jwt-verify refuses http:, and the TLS handshake is part of a real
 * cold start). The self-signed certificate reaches the children through NODE_EXTRA_CA_CERTS.
 */
async function startJwks(
  body: string,
  dir: string,
): Promise<{ url: string; caFile: string; close(): Promise<void> }> {
  const keyFile = join(dir, 'tls-key.pem');
  const caFile = join(dir, 'tls-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      caFile,
      '-days',
      '1',
    ].concat(['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']),
    { stdio: 'ignore' },
  );
  const tls = { key: readFileSync(keyFile), cert: readFileSync(caFile) };
  const server = createServer(tls, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/.well-known/jwks.json`,
    caFile,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const median = (values: readonly number[]) => percentile(values, 50);

export const suite: BenchSuite = {
  name: 'cold-start',
  description:
    'fresh process -> first verified token (import + config + JWKS fetch from a local server), esbuild-bundled like CDK',
  floor: FLOOR,
  async run({ timeMs }) {
    if (!existsSync(KEYGATE_ENTRY)) throw new Error(`${KEYGATE_ENTRY} does not exist yet`);
    // 5 runs per setup in --quick mode, 25 in a full run; runs interleave so drift hits all alike.
    const runs = timeMs < 1000 ? 5 : 25;
    // Bundles live under node_modules/.cache so `@aws-sdk/*` (external, like the Lambda runtime's copy)
    // resolves; a plain tmp dir could not resolve it.
    const work = join(root, 'node_modules', '.cache', `keygate-cold-start-${process.pid}`);
    mkdirSync(work, { recursive: true });
    const key = testKey('cold-start');
    const jwks = await startJwks(JSON.stringify({ keys: [key.jwk] }), work);
    try {
      const harness = join(work, 'harness.mjs');
      await build({
        entryPoints: [join(peers, 'harness.ts')],
        outfile: harness,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        logLevel: 'silent',
      });
      const pemPath = join(work, 'public.pem');
      writeFileSync(pemPath, key.publicKey.export({ type: 'spki', format: 'pem' }) as string);
      const token = signToken({ key, claims: { sub: 'client-1', client_id: 'client-1' } });
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        NODE_EXTRA_CA_CERTS: jwks.caFile,
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_SERVICE_NAME: 'keygate-authorizer',
        POWERTOOLS_METRICS_NAMESPACE: 'keygate',
        ISSUER: TEST_ISSUER,
        AUDIENCE: TEST_AUDIENCE,
        JWKS_URI: jwks.url,
        PUBLIC_KEY_PATH: pemPath,
        COLD_START_EXPECT_SUB: 'client-1',
        COLD_START_EVENT: JSON.stringify({
          type: 'TOKEN',
          authorizationToken: `Bearer ${token}`,
          methodArn: METHOD_ARN,
        }),
      };
      const bundles = await Promise.all(
        SETUPS.map(async (s, i) => ({ setup: s, ...(await bundleLambda(s.entry, join(work, `${i}.mjs`))) })),
      );
      const samples = new Map<string, Sample[]>(SETUPS.map((s) => [s.name, []]));
      // One unmeasured round warms the OS file cache for node and every bundle.
      for (const b of bundles) await runChild(harness, b.outfile, env);
      for (let i = 0; i < runs; i++) {
        for (const b of bundles) samples.get(b.setup.name)!.push(await runChild(harness, b.outfile, env));
      }
      return bundles.map((b): BenchRow => {
        const s = samples.get(b.setup.name)!;
        const wall = s.map((x) => x.wallMs);
        const med = median(wall);
        return {
          name: b.setup.name,
          opsPerSec: 1000 / med,
          p50Ns: med * 1e6,
          p99Ns: percentile(wall, 99) * 1e6,
          samples: s.length,
          extra: {
            medianMs: med,
            p90Ms: percentile(wall, 90),
            childReadyMs: median(s.map((x) => x.readyMs)),
            importMs: median(s.map((x) => x.importMs)),
            firstCallMs: median(s.map((x) => x.handlerMs)),
            bundleBytes: b.bytes,
          },
        };
      });
    } finally {
      await jwks.close();
      rmSync(work, { recursive: true, force: true });
    }
  },
  targets: [
    {
      description: 'keygate authorizer bundle < 100 KB minified (issue 6)',
      check: (rows) => {
        const bytes = Number(rows.find((r) => r.name === KEYGATE)?.extra?.bundleBytes);
        return { pass: bytes < BUNDLE_LIMIT_BYTES, actual: `${(bytes / 1024).toFixed(1)} KiB` };
      },
    },
  ],
};
