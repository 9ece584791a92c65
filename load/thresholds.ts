// k6 threshold expressions parsed and evaluated for the local runner, so a local run passes or fails on
// the same strings k6 enforces (https://grafana.com/docs/k6/latest/using-k6/thresholds/).
import { ThresholdSyntaxError } from './errors.js';

export type Aggregation = 'avg' | 'min' | 'max' | 'med' | 'p' | 'rate' | 'count' | 'value';
export type Operator = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';

export interface ParsedThreshold {
  readonly metric: string;
  readonly source: string;
  readonly aggregation: Aggregation;
  /** For `p(N)`: N in [0, 100]. */
  readonly percentile?: number;
  readonly operator: Operator;
  readonly value: number;
}

/** What the local runner measured, in k6's metric model. */
export type MetricSample =
  /** Trend (e.g. http_req_duration in ms): every observation. */
  | { readonly type: 'trend'; readonly values: readonly number[] }
  /** Rate (http_req_failed, checks, server_errors): how many of `total` were true. */
  | { readonly type: 'rate'; readonly trues: number; readonly total: number }
  /** Counter: a count over `durationSeconds` (its `rate` is per second). */
  | { readonly type: 'counter'; readonly count: number; readonly durationSeconds: number };

export interface ThresholdVerdict {
  readonly metric: string;
  readonly expression: string;
  readonly actual: number;
  readonly pass: boolean;
}

const EXPRESSION =
  /^\s*(avg|min|max|med|rate|count|value|p\(\s*(\d+(?:\.\d+)?)\s*\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

export { ThresholdSyntaxError };

export function parseThreshold(metric: string, source: string): ParsedThreshold {
  const m = EXPRESSION.exec(source);
  if (!m) throw new ThresholdSyntaxError(`${metric}: cannot parse threshold "${source}"`);
  const aggregation = (m[2] === undefined ? m[1] : 'p') as Aggregation;
  const percentile = m[2] === undefined ? undefined : Number(m[2]);
  if (percentile !== undefined && percentile > 100) {
    throw new ThresholdSyntaxError(`${metric}: percentile out of range in "${source}"`);
  }
  return {
    metric,
    source,
    aggregation,
    ...(percentile === undefined ? {} : { percentile }),
    operator: m[3] as Operator,
    value: Number(m[4]),
  };
}

export function parseThresholds(thresholds: Readonly<Record<string, readonly string[]>>): ParsedThreshold[] {
  return Object.entries(thresholds).flatMap(([metric, list]) => list.map((s) => parseThreshold(metric, s)));
}

/** k6's percentile: linear interpolation between the closest ranks of the sorted observations. */
export function percentileOf(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const ALLOWED: Readonly<Record<MetricSample['type'], readonly Aggregation[]>> = {
  trend: ['avg', 'min', 'max', 'med', 'p'],
  rate: ['rate'],
  counter: ['count', 'rate'],
};

function aggregate(t: ParsedThreshold, sample: MetricSample, sortedCache: WeakMap<object, number[]>): number {
  if (!ALLOWED[sample.type].includes(t.aggregation)) {
    throw new ThresholdSyntaxError(
      `${t.metric}: "${t.aggregation}" does not apply to a ${sample.type} metric`,
    );
  }
  switch (sample.type) {
    case 'rate':
      return sample.total === 0 ? 0 : sample.trues / sample.total;
    case 'counter':
      return t.aggregation === 'count' ? sample.count : sample.count / sample.durationSeconds;
    case 'trend': {
      let sorted = sortedCache.get(sample);
      if (!sorted) {
        sorted = [...sample.values].sort((a, b) => a - b);
        sortedCache.set(sample, sorted);
      }
      if (sorted.length === 0) return Number.NaN;
      switch (t.aggregation) {
        case 'avg':
          return sorted.reduce((n, v) => n + v, 0) / sorted.length;
        case 'min':
          return sorted[0]!;
        case 'max':
          return sorted[sorted.length - 1]!;
        case 'med':
          return percentileOf(sorted, 50);
        default:
          return percentileOf(sorted, t.percentile!);
      }
    }
  }
}

function compare(actual: number, op: Operator, value: number): boolean {
  switch (op) {
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
    case '==':
    case '===':
      return actual === value;
    case '!=':
      return actual !== value;
  }
}

/**
 * Evaluates every threshold against the measured metrics. A metric with no observations fails its
 * thresholds (k6 would not report it either, and a silent pass would hide a broken run).
 */
export function evaluateThresholds(
  thresholds: readonly ParsedThreshold[],
  metrics: Readonly<Record<string, MetricSample>>,
): ThresholdVerdict[] {
  const sortedCache = new WeakMap<object, number[]>();
  return thresholds.map((t) => {
    const sample = metrics[t.metric];
    if (!sample) return { metric: t.metric, expression: t.source, actual: Number.NaN, pass: false };
    const actual = aggregate(t, sample, sortedCache);
    return {
      metric: t.metric,
      expression: t.source,
      actual,
      pass: !Number.isNaN(actual) && compare(actual, t.operator, t.value),
    };
  });
}
