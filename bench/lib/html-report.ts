// bench/results/report.html: each suite's ratio bars against its floor and its peers, latency percentiles
// and the table of bench/results/summary.md, as one offline HTML page with inline SVG charts.

import { type EnvironmentRecord, formatEnvironment } from '../../measure/environment.js';
import { formatNs, formatOps, missedTargets, type SuiteResult } from '../../measure/results.js';
import type { BenchRow } from '../../measure/suite.js';
import { barChart, escapeXml, htmlPage, htmlTable } from './svg-chart.js';

function ratioChart(result: SuiteResult): string {
  const withRatio = result.rows.filter((r) => r.ratio !== undefined && Number.isFinite(r.ratio));
  if (result.floor && withRatio.length > 0) {
    return barChart({
      title: `${result.suite}: ops/s relative to ${result.floor} (the floor, 1.00x), log scale`,
      bars: withRatio.map((r) => ({ label: r.name, value: r.ratio!, text: `${r.ratio!.toFixed(2)}x` })),
      reference: { value: 1, label: 'floor 1.00x' },
      scale: 'log',
    });
  }
  return barChart({
    title: `${result.suite}: operations per second`,
    bars: result.rows.map((r) => ({ label: r.name, value: r.opsPerSec, text: formatOps(r.opsPerSec) })),
  });
}

function latencyChart(result: SuiteResult): string {
  const rows = result.rows.filter((r) => Number.isFinite(r.p50Ns) && Number.isFinite(r.p99Ns));
  return barChart({
    title: `${result.suite}: latency per operation, p50 and p99 (µs)`,
    bars: rows.flatMap((r: BenchRow) => [
      { label: `${r.name} p50`, value: r.p50Ns / 1e3, text: formatNs(r.p50Ns) },
      { label: `${r.name} p99`, value: r.p99Ns / 1e3, text: formatNs(r.p99Ns) },
    ]),
  });
}

function suiteSection(r: SuiteResult): string {
  const verdicts = r.targets.map(
    (t) =>
      `<li>${t.pass ? 'PASS' : '<strong>MISS</strong>'} ${escapeXml(t.description)}: ${escapeXml(t.actual)}</li>`,
  );
  return [
    `<h2>${escapeXml(r.suite)}</h2>`,
    `<p>${escapeXml(r.description)}</p>`,
    `<p class="muted">Command: <code>npm run bench -- ${escapeXml(r.suite)}${r.options.quick ? ' --quick' : ''}</code>; measured ${escapeXml(r.environment.date)}, commit ${escapeXml(r.environment.commit)}, ${Math.round(r.durationMs / 1000)} s</p>`,
    ratioChart(r),
    latencyChart(r),
    htmlTable(
      ['task', 'ops/s', 'p50', 'p99', 'ratio', 'samples'],
      r.rows.map((row) => [
        row.name,
        formatOps(row.opsPerSec),
        formatNs(row.p50Ns),
        formatNs(row.p99Ns),
        row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}x`,
        String(row.samples),
      ]),
    ),
    verdicts.length > 0 ? `<ul>${verdicts.join('')}</ul>` : '',
  ].join('\n');
}

/** The whole page; `interrupted` names the suites a Ctrl-C cut off. */
export function benchHtmlReport(
  environment: EnvironmentRecord,
  results: readonly SuiteResult[],
  interrupted?: { readonly notRun: readonly string[] },
): string {
  const misses = missedTargets(results);
  const total = results.reduce((n, r) => n + r.targets.length, 0);
  return htmlPage('keygate benchmarks', [
    interrupted
      ? `<p class="interrupted">Interrupted: this run did not finish. Not measured: ${escapeXml(interrupted.notRun.join(', ') || '(none)')}.</p>`
      : '',
    `<p>Environment: ${escapeXml(formatEnvironment(environment))}</p>`,
    `<p>Targets: ${total - misses.length}/${total} met. Ratios come from one run on one machine; compare them, not absolute figures across machines.</p>`,
    ...results.map(suiteSection),
  ]);
}
