// Pure parts of the bench runner: ratios against a suite's floor, target verdicts, the results file shape
// and the Markdown it is rendered to (console tables and bench/results/summary.md).

import { type EnvironmentRecord, formatEnvironment } from './environment.js';
import type { BenchRow, BenchSuite } from './suite.js';

export interface TargetVerdict {
  readonly description: string;
  readonly pass: boolean;
  readonly actual: string;
}

/** What bench/results/<suite>.json holds. */
export interface SuiteResult {
  readonly suite: string;
  readonly description: string;
  readonly floor?: string | undefined;
  readonly environment: EnvironmentRecord;
  readonly options: { readonly quick: boolean; readonly timeMs: number; readonly warmupMs: number };
  readonly durationMs: number;
  readonly rows: readonly BenchRow[];
  readonly targets: readonly TargetVerdict[];
}

/**
 * Sets `ratio` to opsPerSec / the floor row's opsPerSec on every row that has none (rows unchanged when
 * no floor). A ratio the suite set itself (measure/interleaved.ts: paired rounds) is the fairer figure.
 */
export function applyFloor(rows: BenchRow[], floor: string | undefined): BenchRow[] {
  if (floor === undefined) return rows;
  const base = rows.find((r) => r.name === floor);
  if (!base) throw new Error(`floor row "${floor}" is not among the suite's rows`);
  for (const r of rows) r.ratio ??= base.opsPerSec > 0 ? r.opsPerSec / base.opsPerSec : Number.NaN;
  return rows;
}

/** Runs each target's check; a check that throws (e.g. a missing row) is a miss, not a crash. */
export function evaluateTargets(
  suite: Pick<BenchSuite, 'targets'>,
  rows: readonly BenchRow[],
): TargetVerdict[] {
  return (suite.targets ?? []).map((t) => {
    try {
      const { pass, actual } = t.check(rows);
      return { description: t.description, pass, actual };
    } catch (error) {
      return { description: t.description, pass: false, actual: `check failed: ${(error as Error).message}` };
    }
  });
}

export interface Miss {
  readonly suite: string;
  readonly description: string;
  readonly actual: string;
}

export function missedTargets(results: readonly SuiteResult[]): Miss[] {
  return results.flatMap((r) =>
    r.targets
      .filter((t) => !t.pass)
      .map((t) => ({ suite: r.suite, description: t.description, actual: t.actual })),
  );
}

export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return '-';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns.toFixed(0)} ns`;
}

export function formatOps(ops: number): string {
  if (!Number.isFinite(ops)) return '-';
  return ops >= 100 ? Math.round(ops).toLocaleString('en-US') : ops.toFixed(2);
}

/** Extra figures by key suffix: `...Ms` milliseconds, `...Bytes` sizes, anything else as given. */
export function formatExtra(key: string, value: number | string | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (key.endsWith('Ms')) return `${value.toFixed(1)} ms`;
  if (key.endsWith('Bytes')) return value >= 1024 ? `${(value / 1024).toFixed(1)} KiB` : `${value} B`;
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(2);
}

/** A GitHub-flavoured Markdown table, padded so it also reads well in a terminal. */
export function markdownTable(header: readonly string[], body: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${header.map((_, i) => (i === 0 ? (cells[i] ?? '').padEnd(widths[i]!) : (cells[i] ?? '').padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

/** The rows of one suite: fixed columns, then one column per `extra` key any row has. */
export function rowsTable(rows: readonly BenchRow[]): string {
  const extraKeys = [...new Set(rows.flatMap((r) => Object.keys(r.extra ?? {})))];
  const header = ['task', 'ops/s', 'p50', 'p99', 'ratio', 'samples', ...extraKeys];
  const body = rows.map((r) => [
    r.name,
    formatOps(r.opsPerSec),
    formatNs(r.p50Ns),
    formatNs(r.p99Ns),
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`,
    String(r.samples),
    ...extraKeys.map((k) => formatExtra(k, r.extra?.[k])),
  ]);
  return markdownTable(header, body);
}

export function formatVerdicts(targets: readonly TargetVerdict[]): string {
  return targets.map((t) => `- ${t.pass ? 'PASS' : '**MISS**'} ${t.description}: ${t.actual}`).join('\n');
}

/** bench/results/summary.md: environment once, then each suite's table and verdicts. */
export function summaryMarkdown(
  environment: EnvironmentRecord,
  results: readonly SuiteResult[],
  interrupted?: { readonly notRun: readonly string[] },
): string {
  const parts = ['# keygate benchmarks', ''];
  if (interrupted) {
    parts.push(
      `**Interrupted**: this run did not finish. Not measured: ${interrupted.notRun.join(', ') || '(none)'}.`,
      '',
    );
  }
  parts.push(`Environment: ${formatEnvironment(environment)}`, '');
  const misses = missedTargets(results);
  const total = results.reduce((n, r) => n + r.targets.length, 0);
  parts.push(`Targets: ${total - misses.length}/${total} met.`, '');
  for (const r of results) {
    parts.push(`## ${r.suite}`, '', r.description, '');
    parts.push(`Command: \`npm run bench -- ${r.suite}${r.options.quick ? ' --quick' : ''}\``);
    if (r.environment.date !== environment.date || r.environment.commit !== environment.commit) {
      parts.push(`(measured ${r.environment.date}, commit ${r.environment.commit})`);
    }
    if (r.floor) parts.push(`Ratios are against \`${r.floor}\`.`);
    parts.push('', rowsTable(r.rows), '');
    if (r.targets.length > 0) parts.push(formatVerdicts(r.targets), '');
  }
  return `${parts.join('\n').trimEnd()}\n`;
}
