// A load phase second by second: responses per status code, failures and latency percentiles per second,
// for the progress lines on the console and the charts of the HTML report.
import { percentileOf } from '../thresholds.js';

export interface SecondSample {
  /** 1-based second of the phase; the last one may be partial. */
  readonly second: number;
  /** Status code -> responses in this second. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Responses with an unexpected status plus requests without a response. */
  readonly failures: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface Timeline {
  response(status: number, latencyMs: number): void;
  failure(): void;
  /** Closes the current second and returns it. */
  tick(): SecondSample;
  /** true when the open second has seen anything (a final partial second worth keeping). */
  pending(): boolean;
  samples(): readonly SecondSample[];
}

export function createTimeline(): Timeline {
  const samples: SecondSample[] = [];
  let statuses: Record<string, number> = {};
  let latencies: number[] = [];
  let failures = 0;
  return {
    response(status, latencyMs) {
      statuses[status] = (statuses[status] ?? 0) + 1;
      latencies.push(latencyMs);
    },
    failure() {
      failures++;
    },
    tick() {
      const sorted = latencies.sort((a, b) => a - b);
      const sample: SecondSample = {
        second: samples.length + 1,
        statuses,
        failures,
        p50Ms: percentileOf(sorted, 50),
        p99Ms: percentileOf(sorted, 99),
      };
      samples.push(sample);
      statuses = {};
      latencies = [];
      failures = 0;
      return sample;
    },
    pending: () => latencies.length > 0 || failures > 0,
    samples: () => samples,
  };
}

/** Responses in one second, all statuses. */
export const responsesIn = (s: SecondSample): number => Object.values(s.statuses).reduce((n, v) => n + v, 0);

/** Slices of one phase (interleaved rounds) as one timeline, seconds renumbered end to end. */
export function concatTimelines(parts: readonly (readonly SecondSample[])[]): SecondSample[] {
  return parts.flat().map((s, i) => ({ ...s, second: i + 1 }));
}
