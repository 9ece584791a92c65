// load/results/<scenario>.html: per phase, responses per second stacked by status code and p50/p99 latency
// per second, with the summary table and threshold verdicts, as one offline page with inline SVG charts.

import {
  escapeXml,
  htmlPage,
  htmlTable,
  lineChart,
  stackedColumns,
  statusColor,
} from '../../bench/lib/svg-chart.js';
import type { EnvironmentRecord } from '../../measure/environment.js';
import { formatEnvironment } from '../../measure/environment.js';
import type { ThresholdVerdict } from '../thresholds.js';
import { PHASE_COLUMNS, type PhaseSummary, phaseCells } from './report.js';
import type { SecondSample } from './timeline.js';

export interface LoadReportPhase {
  readonly summary: PhaseSummary;
  readonly thresholds: readonly ThresholdVerdict[];
  readonly perSecond: readonly SecondSample[];
}

export interface LoadReport {
  readonly scenario: string;
  readonly description: string;
  readonly command: string;
  readonly environment: EnvironmentRecord;
  readonly phases: readonly LoadReportPhase[];
  /** The signal that cut the run short, if one did. */
  readonly interrupted?: string;
  readonly pass: boolean;
}

function phaseSection(p: LoadReportPhase): string {
  const xs = p.perSecond.map((s) => `${s.second}s`);
  const codes = [...new Set(p.perSecond.flatMap((s) => Object.keys(s.statuses)))].sort();
  const series = codes.map((code) => ({
    name: code,
    values: p.perSecond.map((s) => s.statuses[code] ?? 0),
    color: statusColor(code),
  }));
  const failures = p.perSecond.map((s) => s.failures);
  const s = p.summary;
  return [
    `<h2>${escapeXml(s.label)}</h2>`,
    stackedColumns({ title: 'Responses per second, by status code', xs, series, yUnit: 'req/s' }),
    lineChart({
      title: 'Latency per second: p50 and p99',
      xs,
      series: [
        { name: 'p50', values: p.perSecond.map((x) => x.p50Ms) },
        { name: 'p99', values: p.perSecond.map((x) => x.p99Ms) },
      ],
      yUnit: 'ms',
    }),
    failures.some((f) => f > 0)
      ? `<p>Unexpected statuses or no response, per second: ${failures.join(', ')}</p>`
      : '<p>No unexpected status and no request without a response.</p>',
    htmlTable(PHASE_COLUMNS, [phaseCells(s)]),
    `<ul>${p.thresholds.map((v) => `<li>${v.pass ? 'PASS' : '<strong>FAIL</strong>'} ${escapeXml(`${v.metric} ${v.expression} (actual ${Number.isFinite(v.actual) ? +v.actual.toFixed(4) : v.actual})`)}</li>`).join('')}</ul>`,
  ].join('\n');
}

export function loadHtmlReport(r: LoadReport): string {
  return htmlPage(`keygate load: ${r.scenario}`, [
    r.interrupted
      ? `<p class="interrupted">Interrupted by ${escapeXml(r.interrupted)}: the figures cover the run until then.</p>`
      : '',
    `<p>${escapeXml(r.description)}</p>`,
    `<p class="muted">Command: <code>${escapeXml(r.command)}</code><br>Environment: ${escapeXml(formatEnvironment(r.environment))}</p>`,
    `<p><strong>${r.pass ? 'PASS' : 'FAIL'}</strong></p>`,
    ...r.phases.map(phaseSection),
  ]);
}
