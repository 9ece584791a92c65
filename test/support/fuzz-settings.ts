// fast-check settings for the property tests: a fixed seed and the given number of runs under `npm test`.
// `npm run fuzz` (KEYGATE_FUZZ=1, every *properties.test.ts file) draws a random seed, prints it, and runs
// KEYGATE_FUZZ_RUNS_FACTOR (default 20) times as many cases. Replay: `KEYGATE_FUZZ_SEED=<seed> npm run fuzz`.
import type { Parameters } from 'fast-check';

/** The seed `npm test` uses: the same cases on every run, so a failure there always reproduces. */
const FIXED_SEED = 20_261_206;

export function fuzzParameters<T>(name: string, numRuns: number): Parameters<T> {
  const env = process.env;
  const fuzzing = env.KEYGATE_FUZZ === '1';
  const seed = env.KEYGATE_FUZZ_SEED
    ? Number(env.KEYGATE_FUZZ_SEED)
    : fuzzing
      ? Math.floor(Math.random() * 2 ** 31)
      : FIXED_SEED;
  const factor = fuzzing ? Number(env.KEYGATE_FUZZ_RUNS_FACTOR ?? 20) : 1;
  if (fuzzing) console.info(`[fuzz] ${name}: seed ${seed}, ${numRuns * factor} runs`);
  return { seed, numRuns: numRuns * factor };
}
