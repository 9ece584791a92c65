// keygate/client's token source: a cached getToken() against the floor of awaiting an already-settled
// promise (what any async getter costs at least), and 1,000 concurrent callers of a cold source against the
// real local stack, counting the token requests that reached the issuer.
import { performance } from 'node:perf_hooks';
import { createTokenSource } from '../../client/token-source.js';
import { startLocalStack } from '../../local/stack.js';
import { runInterleaved } from '../../measure/interleaved.js';
import { type BenchRow, type BenchSuite, row } from '../../measure/suite.js';

const FLOOR = 'await a settled promise (floor)';
const CACHED = 'getToken(), cached token';
const COLD = '1,000 concurrent callers, cold source, local stack';
/** Calls per task iteration: sub-100 ns operations need batching so tinybench's timer does not dominate. */
const BATCH = 1000;
const CONCURRENT_CALLERS = 1000;
const COLD_ROUNDS = 5;

export const suite: BenchSuite = {
  name: 'client',
  description:
    'keygate/client token source: cached getToken() and a cold source under 1,000 concurrent callers',
  floor: FLOOR,
  async run({ timeMs, warmupMs }): Promise<BenchRow[]> {
    const stack = await startLocalStack({ inMemory: true, ports: { auth: 0, api: 0, kms: 0, dynamodb: 0 } });
    try {
      const issued = await stack.registry.create({ name: 'bench-client', scopes: ['products/read'] });
      const credentials = {
        tokenEndpoint: stack.tokenUrl,
        clientId: issued.record.clientId,
        clientSecret: issued.clientSecret,
      };

      // Cold: a new source per round, every caller at once; the auth API's counter says how many requests
      // reached the token Lambda.
      const coldMs: number[] = [];
      const tokenRequests: number[] = [];
      for (let round = 0; round < COLD_ROUNDS; round++) {
        const cold = createTokenSource(credentials);
        const before = stack.gateways.auth.stats.integrationInvocations;
        const started = performance.now();
        const tokens = await Promise.all(Array.from({ length: CONCURRENT_CALLERS }, () => cold.getToken()));
        coldMs.push(performance.now() - started);
        tokenRequests.push(stack.gateways.auth.stats.integrationInvocations - before);
        if (new Set(tokens).size !== 1) throw new Error('concurrent callers got different tokens');
      }

      const cached = createTokenSource(credentials);
      await cached.getToken();
      const settled = Promise.resolve('token');
      const rows = await runInterleaved({
        timeMs,
        warmupMs,
        floor: {
          name: FLOOR,
          batch: BATCH,
          fn: async () => {
            for (let n = 0; n < BATCH; n++) await settled;
          },
        },
        tasks: [
          {
            name: CACHED,
            batch: BATCH,
            fn: async () => {
              for (let n = 0; n < BATCH; n++) await cached.getToken();
            },
          },
        ],
      });
      const sorted = [...coldMs].sort((a, b) => a - b);
      const median = sorted[sorted.length >> 1]!;
      return [
        ...rows,
        {
          name: COLD,
          opsPerSec: 1000 / median,
          p50Ns: median * 1e6,
          p99Ns: sorted[sorted.length - 1]! * 1e6,
          samples: COLD_ROUNDS,
          extra: {
            tokenRequestsMax: Math.max(...tokenRequests),
            rounds: COLD_ROUNDS,
            callers: CONCURRENT_CALLERS,
          },
        },
      ];
    } finally {
      await stack.close();
    }
  },
  targets: [
    {
      description: 'cached getToken() >= 5M calls/s',
      check: (rows) => {
        const ops = row(rows, CACHED).opsPerSec;
        return { pass: ops >= 5_000_000, actual: `${(ops / 1e6).toFixed(1)}M/s` };
      },
    },
    {
      description: '1,000 concurrent callers on a cold source make exactly 1 token request',
      check: (rows) => {
        const max = Number(row(rows, COLD).extra?.tokenRequestsMax);
        return { pass: max === 1, actual: `${max} per round (max of ${COLD_ROUNDS})` };
      },
    },
  ],
};
