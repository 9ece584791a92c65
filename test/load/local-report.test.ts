// The local runner's arithmetic: how a run's counts become k6 metrics, summaries and verdicts.
import { describe, expect, it } from 'vitest';
import {
  formatPhases,
  judge,
  mergeCounts,
  metricSamples,
  type PhaseCounts,
  progressLine,
  roundRatios,
  summarize,
} from '../../load/local/report.js';
import { SCENARIOS } from '../../load/scenarios.js';

const counts = (over: Partial<PhaseCounts> = {}): PhaseCounts => ({
  durationSeconds: 10,
  latenciesMs: Array.from({ length: 1000 }, (_, i) => (i % 100) + 1),
  statuses: { '200': 990, '401': 10 },
  unexpected: 10,
  errors: 0,
  perKind: {},
  ...over,
});

describe('local load report', () => {
  it('maps counts to k6 metrics: failed = unexpected + no response, checks = expected responses, 5xx rate', () => {
    const m = metricSamples(counts({ errors: 5, statuses: { '200': 980, '401': 10, '502': 10 } }));
    expect(m.http_req_failed).toEqual({ type: 'rate', trues: 15, total: 1005 });
    expect(m.checks).toEqual({ type: 'rate', trues: 990, total: 1005 });
    expect(m.server_errors).toEqual({ type: 'rate', trues: 10, total: 1005 });
    expect(m.http_reqs).toEqual({ type: 'counter', count: 1005, durationSeconds: 10 });
  });

  it('summarizes throughput, percentiles and 5xx', () => {
    const s = summarize('run', counts({ statuses: { '200': 995, '503': 5 }, errors: 2 }));
    expect(s.requests).toBe(1002);
    expect(s.requestsPerSecond).toBe(100);
    expect(s.latencyMs.p50).toBeCloseTo(50.5, 5);
    expect(s.latencyMs.max).toBe(100);
    expect(s.serverErrors).toBe(5);
    expect(formatPhases([s]).split('\n')[2]).toBe(
      '| run |   100 | 50.50 ms | 90.10 ms | 99.01 ms | 100.00 ms |    1,002 | 200: 995, 503: 5 |         10 |      2 |',
    );
  });

  it('judges the invalid scenario: passes on all-401, fails on one 500', () => {
    const all401 = counts({ statuses: { '401': 1000 }, unexpected: 0 });
    expect(judge(SCENARIOS.invalid.thresholds, all401).every((v) => v.pass)).toBe(true);
    const one500 = counts({ statuses: { '401': 999, '500': 1 }, unexpected: 1 });
    const failed = judge(SCENARIOS.invalid.thresholds, one500).filter((v) => !v.pass);
    expect(failed.map((v) => `${v.metric} ${v.expression}`).sort()).toEqual([
      'checks rate==1',
      'server_errors rate==0',
    ]);
  });

  it('judges latency thresholds on the observed distribution', () => {
    const slow = counts({ latenciesMs: Array(1000).fill(250), unexpected: 0, statuses: { '200': 1000 } });
    const verdicts = judge(SCENARIOS['cache-hit'].thresholds, slow);
    expect(verdicts.filter((v) => !v.pass).map((v) => v.expression)).toEqual(['p(95)<200']);
  });

  it('prints one aligned progress line per second', () => {
    expect(progressLine(3, 1234, 0)).toBe('    3s    1,234 req/s      0 unexpected/errors');
  });

  it('merges the rounds of a phase: durations, latencies, statuses and per-kind counts add up, seconds follow on', () => {
    const a = counts({
      durationSeconds: 2,
      latenciesMs: [1, 2],
      statuses: { '200': 2 },
      unexpected: 0,
      errors: 1,
      perKind: { read: { count: 2, unexpected: 0, latenciesMs: [1, 2] } },
      perSecond: [{ second: 1, statuses: { '200': 2 }, failures: 1, p50Ms: 1.5, p99Ms: 2 }],
    });
    const b = counts({
      durationSeconds: 3,
      latenciesMs: [3],
      statuses: { '200': 1, '503': 1 },
      unexpected: 1,
      errors: 0,
      perKind: {
        read: { count: 1, unexpected: 1, latenciesMs: [3] },
        write: { count: 1, unexpected: 0, latenciesMs: [4] },
      },
      perSecond: [{ second: 1, statuses: { '200': 1, '503': 1 }, failures: 1, p50Ms: 3, p99Ms: 3 }],
    });
    expect(mergeCounts([a, b])).toEqual({
      durationSeconds: 5,
      latenciesMs: [1, 2, 3],
      statuses: { '200': 3, '503': 1 },
      unexpected: 1,
      errors: 1,
      perKind: {
        read: { count: 3, unexpected: 1, latenciesMs: [1, 2, 3] },
        write: { count: 1, unexpected: 0, latenciesMs: [4] },
      },
      perSecond: [
        { second: 1, statuses: { '200': 2 }, failures: 1, p50Ms: 1.5, p99Ms: 2 },
        { second: 2, statuses: { '200': 1, '503': 1 }, failures: 1, p50Ms: 3, p99Ms: 3 },
      ],
    });
  });

  it('compares two sides round by round and reports the median ratio of their throughputs', () => {
    const rps = (n: number) => counts({ durationSeconds: 1, latenciesMs: new Array<number>(n).fill(1) });
    const r = roundRatios([rps(200), rps(300), rps(100)], [rps(100), rps(100), rps(100)]);
    expect(r.perRound).toEqual([2, 3, 1]);
    expect(r.median).toBe(2);
    expect(roundRatios([rps(150), rps(90)], [rps(100), rps(100)]).median).toBeCloseTo(1.2, 10);
    expect(() => roundRatios([rps(1)], [])).toThrow(RangeError);
  });
});
