// The cold-start suite's figures across round-trip times: which RTTs it runs, how a (setup, RTT) cell is
// named, the paired statistics and round-trip counts, and the table and chart it prints and writes. Pure
// functions of the samples, so a test can check them on known numbers.
import { markdownTable } from '../../../measure/results.js';
import { lineChart } from '../svg-chart.js';

/** Loopback, one AZ apart-ish, across a region, across a continent (ms). */
export const RTTS_MS = [0, 10, 30, 80] as const;

/** A row name: the setup at one RTT. */
export const cellName = (setup: string, rttMs: number) => `${setup} @ RTT ${rttMs} ms`;

/** Nearest-rank percentile (small N: p90 of 5 runs is the maximum). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Median over rounds of (a − b) in the same round: drift of a shared machine hits both sides of each pair
 * alike, so it cancels instead of widening the spread the way comparing two separate medians lets it.
 */
export function pairedMedian(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`paired samples differ in length: ${a.length} vs ${b.length}`);
  return percentile(
    a.map((x, i) => x - b[i]!),
    50,
  );
}

/**
 * Round trips a setup waits for at `rttMs`: what the RTT adds to its overhead over its own overhead at RTT
 * 0, in RTTs (TCP connect + TLS 1.3 + one GET = 3). Undefined at RTT 0.
 */
export function roundTrips(
  overheadMs: number,
  loopbackOverheadMs: number,
  rttMs: number,
): number | undefined {
  return rttMs > 0 ? (overheadMs - loopbackOverheadMs) / rttMs : undefined;
}

/** overhead (ms) by setup, then by RTT in RTTS order. */
export type OverheadGrid = ReadonlyMap<string, readonly number[]>;

/** Setups down, RTTs across: "overhead ms (round trips)". */
export function rttTable(grid: OverheadGrid, rtts: readonly number[]): string {
  return markdownTable(
    ['setup', ...rtts.map((r) => `RTT ${r} ms`)],
    [...grid].map(([setup, overheads]) => [
      setup,
      ...overheads.map((o, i) => {
        const trips = roundTrips(o, overheads[0]!, rtts[i]!);
        return `${o.toFixed(1)} ms${trips === undefined ? '' : ` (${trips.toFixed(2)} RTT)`}`;
      }),
    ]),
  );
}

/** One line per setup: overhead over the empty handler against RTT. */
export function rttChart(grid: OverheadGrid, rtts: readonly number[]): string {
  return lineChart({
    title: 'Cold-start overhead over an empty handler by network round-trip time',
    xs: rtts.map((r) => `RTT ${r} ms`),
    yUnit: 'ms',
    series: [...grid].map(([name, values]) => ({ name, values })),
    width: 900,
  });
}
