// The whole TOKEN authorizer warm path (event in, policy out) through createHandler with real deps: unique
// tokens (every call verifies a signature) against the raw crypto.verify floor in the same run, and one
// repeated token (verified-token cache hit), each with Powertools logging + metrics on and off, and with
// the revocation list on (REVOCATIONS_URI, 100 revoked clients: the check runs on every call).
import { closeSync, openSync, writeSync } from 'node:fs';
import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { createPolicyBuilder, type PolicyRoute, type ProtectedRoute } from '../../core/authz/index.js';
import { RESOURCE_ROUTES } from '../../examples/products/routes.js';
import { startJwksServer } from '../../fixtures/jwks-server.js';
import { signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../fixtures/tokens.js';
import { createDeps, createHandler, settingsFromEnv } from '../../handlers/authorizer/handler.js';
import { pairedRatio, runInterleaved } from '../../measure/interleaved.js';
import { type BenchRow, type BenchSuite, row } from '../../measure/suite.js';
import { RSA_FLOOR, rsaFloorTask } from '../lib/rsa-floor.js';

const FLOOR = RSA_FLOOR;
const VERIFIER_ONLY = 'verifier.verifyDetailed alone, unique tokens';
const UNIQUE_ON = 'handler, unique tokens, logs+metrics on (INFO)';
const UNIQUE_OFF = 'handler, unique tokens, logs+metrics off';
const UNIQUE_ALLOW_INFO = 'handler, unique tokens, ALLOW_LOG_LEVEL=INFO';
const REPEAT_ON = 'handler, repeated token, logs+metrics on (INFO)';
const REPEAT_OFF = 'handler, repeated token, logs+metrics off';
const REPEAT_DEBUG = 'handler, repeated token, a DEBUG line per call';
const REPEAT_PARSED = 'handler, repeated token, event JSON-parsed per call';
const UNIQUE_REVOCATIONS = 'handler, unique tokens, logs+metrics on, revocation list on';
const REPEAT_REVOCATIONS = 'handler, repeated token, logs+metrics on, revocation list on';
/** The paired with/without-revocations measurement takes this many times the suite's timeMs (both sides). */
const REVOCATION_PAIR_TIME_FACTOR = 3;
/** Revoked clients in the list the revocation rows load (none of them the bench tokens' client). */
const REVOKED_CLIENTS = 100;
const REPEAT_200 = 'handler, repeated token, 200-route table, logs+metrics on (INFO)';
const NEW_SCOPE_SET = 'policy for a new scope set, 200-route table';
/** Distinct scope sets cycled through a 1-entry policy cache: every call builds a policy from scratch. */
const SCOPE_SETS = 500;
const POLICY_BATCH = 20;
const POOL = 2000;
/** Calls per task iteration: amortizes tinybench's per-iteration timer overhead. */
const UNIQUE_BATCH = 20;
const REPEAT_BATCH = 1000;
/** A line per call is expensive: fewer calls per iteration keep the sample count sane. */
const LOGGED_BATCH = 100;

const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/products';

/** A 200-route API: 100 resources `/service-{i}/items/{itemId}` with GET (read) and PUT (write) scopes. */
function routeTable200(): ProtectedRoute[] {
  return Array.from({ length: 100 }, (_, i): ProtectedRoute[] => [
    { method: 'GET', path: `/service-${i}/items/{itemId}`, scopes: [`service-${i}/read`] },
    { method: 'PUT', path: `/service-${i}/items/{itemId}`, scopes: [`service-${i}/write`] },
  ]).flat();
}

export const suite: BenchSuite = {
  name: 'authorizer',
  description: `authorizer handler warm path, ${POOL} distinct tokens (token cache off) and one repeated token`,
  floor: FLOOR,
  async run({ timeMs, warmupMs }): Promise<BenchRow[]> {
    const key = testKey();
    const jwks = await startJwksServer({ keys: [key.jwk] });
    const revokedAt = Object.fromEntries(
      Array.from({ length: REVOKED_CLIENTS }, (_, i) => [`kg_revoked_${i}`, 1_700_000_000]),
    );
    const revocations = await startJwksServer(JSON.stringify({ disabled: [], revoked_at: revokedAt }));
    // Decision lines go to /dev/null through a real write(2), so their syscall cost is measured too
    // without flooding the bench output.
    const devNull = openSync('/dev/null', 'w');
    const realWrite = process.stdout.write;
    const realErrWrite = process.stderr.write;
    try {
      const tokens = Array.from({ length: POOL }, (_, i) =>
        signToken({ key, claims: { jti: `bench-${i}`, scope: 'products/read products/write' } }),
      );
      const events = tokens.map(
        (t): APIGatewayTokenAuthorizerEvent => ({
          type: 'TOKEN',
          authorizationToken: `Bearer ${t}`,
          methodArn: METHOD_ARN,
        }),
      );
      const baseEnv = {
        ISSUER: TEST_ISSUER,
        AUDIENCE: TEST_AUDIENCE,
        JWKS_URI: jwks.url,
        // Off unless a row turns it on (its cost is measured by the revocation rows).
        REVOCATIONS_URI: 'none',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_DISABLED: 'false',
      };
      // The products sample's API, as the bench's method ARNs name it.
      const settings = (env: Record<string, string>, routes: readonly PolicyRoute[] = RESOURCE_ROUTES) =>
        settingsFromEnv(env, () => routes);
      const build = async (env: Record<string, string>, quiet: boolean) => {
        const deps = createDeps(
          settings({ ...baseEnv, ...env }),
          quiet ? { logger: null, metrics: null } : {},
        );
        await deps.keyStore.prefetch();
        await deps.revocations?.refresh();
        return createHandler(deps);
      };
      const bare = createDeps(settings({ ...baseEnv, TOKEN_CACHE_SIZE: '0' }), {
        logger: null,
        metrics: null,
      });
      await bare.keyStore.prefetch();
      const uniqueAllowInfo = await build({ TOKEN_CACHE_SIZE: '0', ALLOW_LOG_LEVEL: 'INFO' }, false);
      const uniqueOn = await build({ TOKEN_CACHE_SIZE: '0' }, false);
      const uniqueOff = await build({ TOKEN_CACHE_SIZE: '0' }, true);
      const repeatOn = await build({}, false);
      const repeatOff = await build({}, true);
      const repeatDebug = await build({ POWERTOOLS_LOG_LEVEL: 'DEBUG' }, false);
      const withRevocations = { REVOCATIONS_URI: revocations.url };
      const uniqueRevocations = await build({ TOKEN_CACHE_SIZE: '0', ...withRevocations }, false);
      const repeatRevocations = await build(withRevocations, false);
      const routes200 = routeTable200();
      const deps200 = createDeps(settings(baseEnv, routes200));
      await deps200.keyStore.prefetch();
      const repeat200 = createHandler(deps200);
      // A token holding 20 of the table's 200 scopes; the method ARN is one of its routes.
      const scope20 = Array.from({ length: 20 }, (_, i) => `service-${i * 5}/read`).join(' ');
      const repeated200: APIGatewayTokenAuthorizerEvent = {
        type: 'TOKEN',
        authorizationToken: `Bearer ${signToken({ key, claims: { jti: 'bench-200', scope: scope20 } })}`,
        methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/service-0/items/1',
      };
      const policies = createPolicyBuilder({ routes: routes200, cacheSize: 1 });
      const scopeSets = Array.from({ length: SCOPE_SETS }, (_, n) =>
        Array.from(
          { length: 10 },
          (_, j) => `service-${(n * 7 + j * 13) % 100}/${j % 2 ? 'write' : 'read'}`,
        ).join(' '),
      );
      let p = 0;
      const repeated = events[0]!;
      // Lambda hands every invocation a freshly parsed event: new strings, so the token cache hashes the
      // token again. This row includes that and the parse itself (the runtime's cost, not the handler's).
      const repeatedJson = JSON.stringify(repeated);

      const sink = ((chunk: string | Uint8Array) => {
        // Two calls only because writeSync's overloads do not accept the union.
        if (typeof chunk === 'string') writeSync(devNull, chunk);
        else writeSync(devNull, chunk);
        return true;
      }) as typeof process.stdout.write;
      process.stdout.write = sink;
      process.stderr.write = sink;

      let i = 0;
      let v = 0;
      const uniqueTask = (name: string, handler: typeof uniqueOn) => ({
        name,
        batch: UNIQUE_BATCH,
        fn: async () => {
          for (let n = 0; n < UNIQUE_BATCH; n++) {
            await handler(events[i]!);
            i = (i + 1) % POOL;
          }
        },
      });
      const repeatTask = (name: string, handler: typeof uniqueOn, batch: number) => ({
        name,
        batch,
        fn: async () => {
          for (let n = 0; n < batch; n++) await handler(repeated);
        },
      });
      const rows = await runInterleaved({
        timeMs,
        warmupMs,
        floor: rsaFloorTask(tokens, key.publicKey, UNIQUE_BATCH),
        tasks: [
          {
            name: VERIFIER_ONLY,
            batch: UNIQUE_BATCH,
            fn: async () => {
              for (let n = 0; n < UNIQUE_BATCH; n++) {
                await bare.verifier.verifyDetailed(tokens[v]!);
                v = (v + 1) % POOL;
              }
            },
          },
          uniqueTask(UNIQUE_ON, uniqueOn),
          uniqueTask(UNIQUE_OFF, uniqueOff),
          uniqueTask(UNIQUE_ALLOW_INFO, uniqueAllowInfo),
          repeatTask(REPEAT_ON, repeatOn, REPEAT_BATCH),
          repeatTask(REPEAT_OFF, repeatOff, REPEAT_BATCH),
          uniqueTask(UNIQUE_REVOCATIONS, uniqueRevocations),
          repeatTask(REPEAT_REVOCATIONS, repeatRevocations, REPEAT_BATCH),
          {
            name: REPEAT_PARSED,
            batch: LOGGED_BATCH,
            fn: async () => {
              for (let n = 0; n < LOGGED_BATCH; n++)
                await repeatOn(JSON.parse(repeatedJson) as APIGatewayTokenAuthorizerEvent);
            },
          },
          repeatTask(REPEAT_DEBUG, repeatDebug, LOGGED_BATCH),
          {
            name: REPEAT_200,
            batch: REPEAT_BATCH,
            fn: async () => {
              for (let n = 0; n < REPEAT_BATCH; n++) await repeat200(repeated200);
            },
          },
          {
            name: NEW_SCOPE_SET,
            batch: POLICY_BATCH,
            fn: () => {
              for (let n = 0; n < POLICY_BATCH; n++) {
                policies.policyFor(repeated200.methodArn, scopeSets[p]!);
                p = (p + 1) % SCOPE_SETS;
              }
            },
          },
        ],
      });
      // What the revocation list costs, paired call by call with the same handler without it. The two
      // rows' ratios to the crypto floor come from different pairings: their quotient moved by 3-4% between
      // runs on a busy machine, more than the 2% it judges.
      const pairedWithoutList = await pairedRatio({
        base: uniqueTask(UNIQUE_ON, uniqueOn),
        task: uniqueTask(UNIQUE_REVOCATIONS, uniqueRevocations),
        timeMs: timeMs * REVOCATION_PAIR_TIME_FACTOR,
        warmupMs,
      });
      return rows.map((r) => (r.name === UNIQUE_REVOCATIONS ? { ...r, extra: { pairedWithoutList } } : r));
    } finally {
      process.stdout.write = realWrite;
      process.stderr.write = realErrWrite;
      closeSync(devNull);
      await Promise.all([jwks.close(), revocations.close()]);
      console.log(
        'The unique-token rows run with the token cache off, for comparison only: their 0.85x target is retired. ' +
          "The miss-path target is the verify suite's default-cache evicting row (>= 0.80x).\n",
      );
    }
  },
  // Ratios are the median over interleaved pairings of task/floor (measure/interleaved.ts).
  targets: [
    {
      description: 'repeated token through the whole handler (logs+metrics on) >= 1,000,000 invocations/s',
      check: (rows) => {
        const ops = row(rows, REPEAT_ON).opsPerSec;
        return { pass: ops >= 1_000_000, actual: `${Math.round(ops).toLocaleString('en-US')}/s` };
      },
    },
    {
      description: 'repeated token with the revocation list on >= 1,000,000 invocations/s',
      check: (rows) => {
        const ops = row(rows, REPEAT_REVOCATIONS).opsPerSec;
        return { pass: ops >= 1_000_000, actual: `${Math.round(ops).toLocaleString('en-US')}/s` };
      },
    },
    {
      description: 'repeated token with a 200-route table (logs+metrics on) >= 1,000,000 invocations/s',
      check: (rows) => {
        const ops = row(rows, REPEAT_200).opsPerSec;
        return { pass: ops >= 1_000_000, actual: `${Math.round(ops).toLocaleString('en-US')}/s` };
      },
    },
    {
      description:
        'the revocation list costs a unique token at most 2% (paired call by call with the same handler without it)',
      check: (rows) => {
        const ratio = Number(row(rows, UNIQUE_REVOCATIONS).extra?.pairedWithoutList ?? Number.NaN);
        return {
          pass: ratio >= 0.98,
          actual: `${(ratio * 100).toFixed(1)}% of the throughput without it (median of per-pair ratios, alternating calls)`,
        };
      },
    },
    {
      description: 'policy for a new scope set over a 200-route table built in < 50 µs (mean)',
      check: (rows) => {
        const micros = 1e6 / row(rows, NEW_SCOPE_SET).opsPerSec;
        return {
          pass: micros < 50,
          actual: `${micros.toFixed(1)} µs (p99 ${(row(rows, NEW_SCOPE_SET).p99Ns / 1000).toFixed(1)} µs)`,
        };
      },
    },
  ],
};
