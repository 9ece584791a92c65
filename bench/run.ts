// `npm run bench [-- <suite>...] [--check] [--quick]`: runs the suites under bench/suites/, prints a
// table per suite, writes bench/results/<suite>.json, and with --check exits non-zero on a missed target.
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command } from 'commander';
import type { BenchRow, BenchSuite } from './suite.js';

const here = dirname(fileURLToPath(import.meta.url));

async function loadSuites(): Promise<BenchSuite[]> {
  const dir = join(here, 'suites');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const suites: BenchSuite[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { suite?: BenchSuite };
    if (mod.suite) suites.push(mod.suite);
  }
  return suites;
}

function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns.toFixed(0)} ns`;
}

function table(rows: readonly BenchRow[]): string {
  const header = ['task', 'ops/s', 'p50', 'p99', 'ratio', 'samples'];
  const body = rows.map((r) => [
    r.name,
    Math.round(r.opsPerSec).toLocaleString('en-US'),
    formatNs(r.p50Ns),
    formatNs(r.p99Ns),
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`,
    String(r.samples),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

const program = new Command()
  .name('bench')
  .argument('[suites...]', 'suites to run (default: all)')
  .option('--check', 'exit non-zero when a stated target is missed')
  .option('--quick', 'short runs, for a smoke test of the harness')
  .parse();

const opts = program.opts<{ check?: boolean; quick?: boolean }>();
const wanted = program.args;
const all = await loadSuites();
const unknown = wanted.filter((w) => !all.some((s) => s.name === w));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const selected = wanted.length > 0 ? all.filter((s) => wanted.includes(s.name)) : all;
const timeMs = opts.quick ? 200 : 2000;
const warmupMs = opts.quick ? 50 : 500;
const resultsDir = join(here, 'results');
await mkdir(resultsDir, { recursive: true });

let missed = 0;
for (const suite of selected) {
  console.log(`\n## ${suite.name}: ${suite.description}\n`);
  const rows = await suite.run({ timeMs, warmupMs });
  const floor = suite.floor ? rows.find((r) => r.name === suite.floor) : undefined;
  if (floor) for (const r of rows) r.ratio = r.opsPerSec / floor.opsPerSec;
  console.log(table(rows));
  const targets = (suite.targets ?? []).map((t) => ({ description: t.description, ...t.check(rows) }));
  for (const t of targets) {
    console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.description}: ${t.actual}`);
    if (!t.pass) missed++;
  }
  await writeFile(
    join(resultsDir, `${suite.name}.json`),
    `${JSON.stringify({ suite: suite.name, floor: suite.floor, rows, targets }, null, 2)}\n`,
  );
}
if (opts.check && missed > 0) {
  console.error(`\n${missed} target(s) missed`);
  process.exit(1);
}
