// bench/results/report.html from known results: one ratio chart (log scale, floor line) and one latency
// chart per suite, the table, the verdicts, and the interrupted banner when a run was cut short.
import { describe, expect, it } from 'vitest';
import { benchHtmlReport } from '../../bench/lib/html-report.js';
import type { SuiteResult } from '../../measure/results.js';
import { TEST_ENVIRONMENT } from '../support/environment.js';

const environment = TEST_ENVIRONMENT;

const verify: SuiteResult = {
  suite: 'verify',
  description: 'RS256 verification',
  floor: 'raw',
  environment,
  options: { quick: true, timeMs: 200, warmupMs: 50 },
  durationMs: 12_000,
  rows: [
    { name: 'raw', opsPerSec: 50_000, p50Ns: 18_000, p99Ns: 40_000, samples: 100, ratio: 1 },
    { name: 'keygate miss', opsPerSec: 45_000, p50Ns: 20_000, p99Ns: 50_000, samples: 100, ratio: 0.9 },
    { name: 'jose', opsPerSec: 12_500, p50Ns: 70_000, p99Ns: 900_000, samples: 100, ratio: 0.25 },
  ],
  targets: [{ description: 'miss >= 0.95x floor', pass: false, actual: '0.90x' }],
};

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

describe('benchHtmlReport', () => {
  it('charts every row against the floor and every p50/p99, with the table and verdicts', () => {
    const html = benchHtmlReport(environment, [verify]);
    expect(count(html, /<svg /g)).toBe(2);
    expect(html).toContain('verify: ops/s relative to raw (the floor, 1.00x), log scale');
    // 3 ratio bars + 3 x (p50, p99) latency bars.
    expect(count(html, /<rect class="bar"/g)).toBe(9);
    expect(count(html, /<line class="reference"/g)).toBe(1);
    expect(html).toContain('<title>jose: 0.25x</title>');
    expect(html).toContain('<title>jose p99: 900.0 µs</title>');
    expect(html).toContain(
      '<tr><td>keygate miss</td><td>45,000</td><td>20.0 µs</td><td>50.0 µs</td><td>0.90x</td><td>100</td></tr>',
    );
    expect(html).toContain('<li><strong>MISS</strong> miss &gt;= 0.95x floor: 0.90x</li>');
    expect(html).toContain('Targets: 0/1 met.');
    expect(html).not.toContain('class="interrupted"');
  });

  it('a suite without a floor charts ops/s on a linear scale', () => {
    const html = benchHtmlReport(environment, [
      { ...verify, floor: undefined, rows: verify.rows.map(({ ratio: _, ...r }) => r) },
    ]);
    expect(html).toContain('verify: operations per second');
    expect(count(html, /<line class="reference"/g)).toBe(0);
  });

  it('an interrupted run says so and names what was not measured', () => {
    const html = benchHtmlReport(environment, [verify], { notRun: ['mint', 'gateway'] });
    expect(html).toContain(
      '<p class="interrupted">Interrupted: this run did not finish. Not measured: mint, gateway.</p>',
    );
  });
});
