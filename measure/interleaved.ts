// Ratio rows measured fairly on a shared machine: the floor and each task run back to back in short
// interleaved rounds, and a row's ratio is the median over rounds of task/floor from the same pairing.
// Why: with one long pass per task, load drift alone moved verify's cache-miss ratio by a fifth.
import { Bench, type Fn } from 'tinybench';
import { type BenchRow, rowsFromBench } from './suite.js';

export interface InterleavedTask {
  readonly name: string;
  readonly fn: Fn;
  /** Operations one call of `fn` performs (see rowsFromBench); default 1. */
  readonly batch?: number;
}

export interface InterleavedOptions {
  /** The row every ratio is taken against; it runs right before each task in every round. */
  readonly floor: InterleavedTask;
  readonly tasks: readonly InterleavedTask[];
  /** Total measurement per task, split over the rounds (the floor gets as much per pairing). */
  readonly timeMs: number;
  /** Warmup of a task's first pairing; later pairings warm up briefly (the JIT is already hot). */
  readonly warmupMs: number;
  /** Default 5 for full runs, 2 for quick ones (timeMs < 1000). */
  readonly rounds?: number;
}

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Merges the runs of one task: median throughput and p50, worst p99, summed samples. `ratios` are the
 * per-pairing task/floor ratios; the row's ratio is their median (a load burst moves one pairing, not it).
 */
export function mergeRuns(name: string, runs: readonly BenchRow[], ratios: readonly number[]): BenchRow {
  return {
    name,
    opsPerSec: median(runs.map((r) => r.opsPerSec)),
    p50Ns: median(runs.map((r) => r.p50Ns)),
    p99Ns: Math.max(...runs.map((r) => r.p99Ns)),
    samples: runs.reduce((n, r) => n + r.samples, 0),
    ratio: median(ratios),
  };
}

/** Measures the floor and every task in interleaved pairings; rows come back floor first, ratios set. */
export async function runInterleaved(options: InterleavedOptions): Promise<BenchRow[]> {
  const { floor, tasks, timeMs, warmupMs } = options;
  const rounds = options.rounds ?? (timeMs >= 1000 ? 5 : 2);
  // Half a round's share each for the floor and the task: the suite's total time stays tasks x timeMs.
  const slice = timeMs / rounds / 2;
  const floorRuns: BenchRow[] = [];
  const runs = new Map<string, BenchRow[]>(tasks.map((t) => [t.name, []]));
  const ratios = new Map<string, number[]>(tasks.map((t) => [t.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const task of tasks) {
      const bench = new Bench({
        time: slice,
        warmupTime: round === 0 ? warmupMs : Math.min(warmupMs, 20),
        throws: true,
      });
      bench.add(floor.name, floor.fn).add(task.name, task.fn);
      await bench.run();
      const [f, t] = rowsFromBench(bench, { [floor.name]: floor.batch ?? 1, [task.name]: task.batch ?? 1 });
      floorRuns.push(f!);
      runs.get(task.name)!.push(t!);
      ratios.get(task.name)!.push(f!.opsPerSec > 0 ? t!.opsPerSec / f!.opsPerSec : Number.NaN);
    }
  }
  return [
    mergeRuns(floor.name, floorRuns, [1]),
    ...tasks.map((t) => mergeRuns(t.name, runs.get(t.name)!, ratios.get(t.name)!)),
  ];
}

export interface PairedRatioOptions {
  /** The denominator: its throughput is 1. */
  readonly base: InterleavedTask;
  readonly task: InterleavedTask;
  /** Total measured time, both sides together. */
  readonly timeMs: number;
  /** Unmeasured alternation first (JIT, caches). */
  readonly warmupMs: number;
  /** Milliseconds, monotonic (tests pass a virtual clock). */
  readonly now?: () => number;
}

/**
 * Throughput of `task` over `base`, for targets a few percent wide. The two run in alternating calls (ABBA:
 * neither always goes first), each call timed, so both see the same moments of a shared machine; the ratio
 * is the median over pairs of base time / task time, a pair being one call of each side back to back. Why
 * pairs: on a loaded 2-core machine the scheduler preempts this process for milliseconds at a time, which
 * lands on whichever call is running, and summed times (or the rounds of runInterleaved, hundreds of ms per
 * side) moved an A/A comparison by up to 8%; a preempted call spoils one pair, which the median ignores, and
 * slower drift (another engineer's build taking the other core, cache and frequency changes) moves both
 * calls of a pair alike, which the per-pair quotient cancels. What the median also ignores is a cost paid
 * only in a minority of calls (a periodic refresh, a rare major GC): use it for per-call work, as here.
 */
export async function pairedRatio(options: PairedRatioOptions): Promise<number> {
  const { base, task } = options;
  const now = options.now ?? (() => performance.now());
  const sides = [base, task] as const;
  const scale = (task.batch ?? 1) / (base.batch ?? 1);
  const run = async (until: number): Promise<number[]> => {
    const ratios: number[] = [];
    const times = [0, 0];
    for (let call = 0; now() < until; call++) {
      // ABBA: calls 0 and 3 run base first, calls 1 and 2 task first.
      const first = (call & 1) ^ ((call >> 1) & 1);
      for (const i of [first, 1 - first]) {
        const started = now();
        await sides[i]!.fn();
        times[i] = now() - started;
      }
      ratios.push((scale * times[0]!) / times[1]!);
    }
    return ratios;
  };
  await run(now() + options.warmupMs);
  return median(await run(now() + options.timeMs));
}
