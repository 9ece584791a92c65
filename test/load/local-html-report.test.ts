// load/results/<scenario>.html from known data: status codes stacked per second, p50/p99 lines, the
// table and verdicts, and the interrupted banner.
import { describe, expect, it } from 'vitest';
import { type LoadReport, loadHtmlReport } from '../../load/local/html-report.js';
import { summarize } from '../../load/local/report.js';
import { TEST_ENVIRONMENT } from '../support/environment.js';

const environment = TEST_ENVIRONMENT;

const report = (over: Partial<LoadReport> = {}): LoadReport => ({
  scenario: 'invalid',
  description: 'Forged tokens',
  command: 'npm run load:local -- invalid',
  environment,
  pass: true,
  phases: [
    {
      summary: summarize('invalid (cache TTL 300 s)', {
        durationSeconds: 2,
        latenciesMs: [1, 2, 3, 4],
        statuses: { '200': 2, '401': 2 },
        unexpected: 0,
        errors: 0,
        perKind: {},
      }),
      thresholds: [{ metric: 'server_errors', expression: 'rate==0', actual: 0, pass: true }],
      perSecond: [
        { second: 1, statuses: { '200': 2, '401': 1 }, failures: 0, p50Ms: 1.5, p99Ms: 3 },
        { second: 2, statuses: { '401': 1 }, failures: 0, p50Ms: 4, p99Ms: 4 },
      ],
    },
  ],
  ...over,
});

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

describe('loadHtmlReport', () => {
  it('stacks each second by status code and draws p50 and p99 over time', () => {
    const html = loadHtmlReport(report());
    expect(count(html, /<svg /g)).toBe(2);
    // Second 1: a 200 and a 401 segment; second 2: a 401 segment.
    expect(count(html, /<rect class="segment"/g)).toBe(3);
    expect(count(html, /<rect class="segment"[^>]*fill="#009E73"/g)).toBe(1);
    expect(count(html, /<rect class="segment"[^>]*fill="#E69F00"/g)).toBe(2);
    expect(count(html, /<polyline class="series"/g)).toBe(2);
    expect(html).toContain('<title>1s: 401 1</title>');
    expect(html).toContain('<li>PASS server_errors rate==0 (actual 0)</li>');
    expect(html).toContain('<p><strong>PASS</strong></p>');
    expect(html).not.toContain('class="interrupted"');
  });

  it('marks an interrupted run', () => {
    expect(loadHtmlReport(report({ interrupted: 'SIGINT' }))).toContain(
      '<p class="interrupted">Interrupted by SIGINT: the figures cover the run until then.</p>',
    );
  });
});
