// The contract between bench/run.ts and each suite under bench/suites/: a suite measures, returns rows
// and states its own targets; the runner prints, records and checks them.
import type { Bench } from 'tinybench';

export interface BenchRow {
  readonly name: string;
  readonly opsPerSec: number;
  readonly p50Ns: number;
  readonly p99Ns: number;
  readonly samples: number;
  /** opsPerSec / the suite's floor row's opsPerSec (filled in by the runner). */
  ratio?: number;
  /** Free-form extra figures (bytes, cold-start ms, ...). */
  readonly extra?: Readonly<Record<string, number | string>>;
}

export interface BenchTarget {
  /** What the issue states, e.g. "cache miss >= 0.95x the raw floor". */
  readonly description: string;
  readonly check: (rows: readonly BenchRow[]) => { readonly pass: boolean; readonly actual: string };
}

export interface BenchSuiteOptions {
  /** Milliseconds of measurement per task. */
  readonly timeMs: number;
  readonly warmupMs: number;
}

export interface BenchSuite {
  readonly name: string;
  readonly description: string;
  /** Name of the row every ratio is taken against. */
  readonly floor?: string;
  run(options: BenchSuiteOptions): Promise<BenchRow[]>;
  readonly targets?: readonly BenchTarget[];
}

/**
 * Rows from a finished tinybench run. `batch` is how many operations one task iteration performs
 * (sub-microsecond operations are run in batches so timer overhead does not dominate).
 */
export function rowsFromBench(bench: Bench, batch: Readonly<Record<string, number>> = {}): BenchRow[] {
  return bench.tasks.map((task) => {
    const result = task.result;
    if (result.state !== 'completed' && result.state !== 'aborted-with-statistics') {
      const reason = result.state === 'errored' ? result.error.message : result.state;
      throw new Error(`bench task "${task.name}" did not complete: ${reason}`);
    }
    const n = batch[task.name] ?? 1;
    return {
      name: task.name,
      opsPerSec: result.throughput.mean * n,
      p50Ns: (result.latency.p50 * 1e6) / n,
      p99Ns: (result.latency.p99 * 1e6) / n,
      samples: result.latency.df + 1,
    };
  });
}

/** Finds a row by name or throws (targets refer to rows by name). */
export function row(rows: readonly BenchRow[], name: string): BenchRow {
  const found = rows.find((r) => r.name === name);
  if (!found) throw new Error(`no bench row named "${name}"`);
  return found;
}
