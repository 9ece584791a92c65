// Pure parts of the local load runner: per-second progress, the run's figures in k6's metric model
// (so load/thresholds.ts judges them), and the printed report.

import { median } from '../../measure/interleaved.js';
import { markdownTable } from '../../measure/results.js';
import {
  evaluateThresholds,
  type MetricSample,
  parseThresholds,
  percentileOf,
  type ThresholdVerdict,
} from '../thresholds.js';
import { concatTimelines, type SecondSample } from './timeline.js';

/** What one autocannon phase observed. */
export interface PhaseCounts {
  readonly durationSeconds: number;
  /** Latency (ms) of every response, all kinds. */
  readonly latenciesMs: readonly number[];
  /** Status code -> responses. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Responses whose status was not one its request kind expects. */
  readonly unexpected: number;
  /** Requests without a response: connection errors and timeouts. */
  readonly errors: number;
  readonly perKind: Readonly<
    Record<
      string,
      { readonly count: number; readonly unexpected: number; readonly latenciesMs: readonly number[] }
    >
  >;
  /** Second by second (progress lines, report charts). */
  readonly perSecond?: readonly SecondSample[];
}

export interface PhaseSummary {
  readonly label: string;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
    readonly avg: number;
  };
  readonly statuses: Readonly<Record<string, number>>;
  readonly unexpected: number;
  readonly errors: number;
  readonly serverErrors: number;
  readonly perKind: Readonly<
    Record<
      string,
      { readonly count: number; readonly unexpected: number; readonly p50: number; readonly p99: number }
    >
  >;
}

function latency(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const avg = sorted.length ? sorted.reduce((n, v) => n + v, 0) / sorted.length : Number.NaN;
  return {
    p50: percentileOf(sorted, 50),
    p90: percentileOf(sorted, 90),
    p95: percentileOf(sorted, 95),
    p99: percentileOf(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    avg,
  };
}

export function serverErrorCount(statuses: Readonly<Record<string, number>>): number {
  return Object.entries(statuses).reduce((n, [code, count]) => n + (Number(code) >= 500 ? count : 0), 0);
}

/** Responses per second of wall time (requests without a response do not count). */
const requestsPerSecond = (c: PhaseCounts): number => c.latenciesMs.length / c.durationSeconds;

export function summarize(label: string, c: PhaseCounts): PhaseSummary {
  const responses = c.latenciesMs.length;
  const perKind = Object.fromEntries(
    Object.entries(c.perKind).map(([kind, k]) => {
      const l = latency(k.latenciesMs);
      return [kind, { count: k.count, unexpected: k.unexpected, p50: l.p50, p99: l.p99 }];
    }),
  );
  return {
    label,
    requests: responses + c.errors,
    requestsPerSecond: requestsPerSecond(c),
    latencyMs: latency(c.latenciesMs),
    statuses: c.statuses,
    unexpected: c.unexpected,
    errors: c.errors,
    serverErrors: serverErrorCount(c.statuses),
    perKind,
  };
}

/** One phase's counts from several slices of it (the rounds of an interleaved comparison). */
export function mergeCounts(parts: readonly PhaseCounts[]): PhaseCounts {
  const statuses: Record<string, number> = {};
  const perKind: Record<string, { count: number; unexpected: number; latenciesMs: number[] }> = {};
  const latenciesMs: number[] = [];
  let durationSeconds = 0;
  let unexpected = 0;
  let errors = 0;
  for (const c of parts) {
    durationSeconds += c.durationSeconds;
    unexpected += c.unexpected;
    errors += c.errors;
    for (const v of c.latenciesMs) latenciesMs.push(v);
    for (const [code, n] of Object.entries(c.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
    for (const [kind, k] of Object.entries(c.perKind)) {
      perKind[kind] ??= { count: 0, unexpected: 0, latenciesMs: [] };
      const into = perKind[kind];
      into.count += k.count;
      into.unexpected += k.unexpected;
      for (const v of k.latenciesMs) into.latenciesMs.push(v);
    }
  }
  const perSecond = concatTimelines(parts.map((c) => c.perSecond ?? []));
  return { durationSeconds, latenciesMs, statuses, unexpected, errors, perKind, perSecond };
}

/**
 * Throughput of `a` over `b`, round by round (rounds ran back to back, alternating which went first), and
 * their median: load from other tenants of a shared machine drifts over seconds, so one long run per side
 * can put the same configuration far from 1.0x of itself; paired short rounds cancel the drift.
 */
export function roundRatios(
  a: readonly PhaseCounts[],
  b: readonly PhaseCounts[],
): { readonly perRound: readonly number[]; readonly median: number } {
  if (a.length === 0 || a.length !== b.length) throw new RangeError('rounds must pair up one to one');
  const perRound = a.map((c, i) => requestsPerSecond(c) / requestsPerSecond(b[i]!));
  return { perRound, median: median(perRound) };
}

/**
 * The run in k6's metric model: `http_req_failed` = responses outside the expected statuses plus
 * requests with no response; `checks` = responses with an expected status; `server_errors` = 5xx.
 */
export function metricSamples(c: PhaseCounts): Record<string, MetricSample> {
  const responses = c.latenciesMs.length;
  const total = responses + c.errors;
  return {
    http_req_duration: { type: 'trend', values: c.latenciesMs },
    http_req_failed: { type: 'rate', trues: c.unexpected + c.errors, total },
    checks: { type: 'rate', trues: responses - c.unexpected, total },
    server_errors: { type: 'rate', trues: serverErrorCount(c.statuses), total },
    http_reqs: { type: 'counter', count: total, durationSeconds: c.durationSeconds },
  };
}

export function judge(
  thresholds: Readonly<Record<string, readonly string[]>>,
  c: PhaseCounts,
): ThresholdVerdict[] {
  return evaluateThresholds(parseThresholds(thresholds), metricSamples(c));
}

const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : '-');

/** The columns of one phase's summary row: the console table and the HTML report share them. */
export const PHASE_COLUMNS = [
  'req/s',
  'p50',
  'p90',
  'p99',
  'max',
  'requests',
  'statuses',
  'unexpected',
  'errors',
];

export function phaseCells(p: PhaseSummary): string[] {
  return [
    Math.round(p.requestsPerSecond).toLocaleString('en-US'),
    ms(p.latencyMs.p50),
    ms(p.latencyMs.p90),
    ms(p.latencyMs.p99),
    ms(p.latencyMs.max),
    p.requests.toLocaleString('en-US'),
    Object.entries(p.statuses)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, n]) => `${code}: ${n}`)
      .join(', '),
    String(p.unexpected),
    String(p.errors),
  ];
}

export function formatPhases(phases: readonly PhaseSummary[]): string {
  return markdownTable(
    ['run', ...PHASE_COLUMNS],
    phases.map((p) => [p.label, ...phaseCells(p)]),
  );
}

export function formatKinds(phase: PhaseSummary): string {
  const body = Object.entries(phase.perKind).map(([kind, k]) => [
    kind,
    String(k.count),
    String(k.unexpected),
    ms(k.p50),
    ms(k.p99),
  ]);
  return markdownTable(['request kind', 'responses', 'unexpected', 'p50', 'p99'], body);
}

export function formatVerdicts(verdicts: readonly ThresholdVerdict[]): string {
  return verdicts
    .map(
      (v) =>
        `${v.pass ? 'PASS' : 'FAIL'}  ${v.metric} ${v.expression} (actual ${Number.isFinite(v.actual) ? +v.actual.toFixed(4) : v.actual})`,
    )
    .join('\n');
}

/** One progress line: `  3s   1,234 req/s   0 errors`. */
export function progressLine(second: number, responses: number, failures: number): string {
  return `  ${String(second).padStart(3)}s ${responses.toLocaleString('en-US').padStart(8)} req/s ${String(failures).padStart(6)} unexpected/errors`;
}
