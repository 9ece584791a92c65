// `npm run bench [-- <suite>...] [--check] [--quick] [--list] [--in-process]`: runs each suite under
// bench/suites/ in a fresh child process (one suite's JIT and GC state must not skew the next), prints a
// table per suite, writes bench/results/<suite>.json, bench/results/summary.md and report.html (charts)
// with the environment, and with --check exits 1 listing every missed target. Ctrl-C keeps what was
// measured, marks the run interrupted and removes the run's temp folder.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { EXIT } from '../handlers/cli/exit.js';
import { environmentRecord, formatEnvironment } from '../measure/environment.js';
import {
  applyFloor,
  evaluateTargets,
  formatVerdicts,
  missedTargets,
  rowsTable,
  type SuiteResult,
  summaryMarkdown,
  type TargetVerdict,
} from '../measure/results.js';
import type { BenchRow, BenchSuite } from '../measure/suite.js';
import { benchHtmlReport } from './lib/html-report.js';
import { trapInterrupts } from './lib/interrupt.js';
import { heartbeat } from './lib/progress.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const here = dirname(fileURLToPath(import.meta.url));
const thisFile = fileURLToPath(import.meta.url);

interface SuiteFile {
  readonly file: string;
  readonly suite?: BenchSuite;
  readonly loadError?: string;
}

async function importSuite(file: string): Promise<SuiteFile> {
  try {
    const mod = (await import(pathToFileURL(file).href)) as { suite?: BenchSuite };
    return mod.suite ? { file, suite: mod.suite } : { file };
  } catch (error) {
    return { file, loadError: (error as Error).message.split('\n')[0] ?? String(error) };
  }
}

async function discover(): Promise<SuiteFile[]> {
  const dir = join(here, 'suites');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  return Promise.all(files.map((f) => importSuite(join(dir, f))));
}

interface ChildOutput {
  readonly rows: BenchRow[];
  readonly targets: TargetVerdict[];
  readonly durationMs: number;
}

/** Measures one suite in this process: the work a child does. */
async function measure(suite: BenchSuite, timeMs: number, warmupMs: number): Promise<ChildOutput> {
  const started = performance.now();
  const rows = applyFloor(await suite.run({ timeMs, warmupMs }), suite.floor);
  return { rows, targets: evaluateTargets(suite, rows), durationMs: performance.now() - started };
}

/**
 * Runs one suite file in a fresh Node process with the same loader flags (tsx) as this one. Its TMPDIR is
 * a folder of `runDir`, so whatever the suite leaves in the temp dir goes when the run's folder does;
 * `signal` (Ctrl-C) ends the child.
 */
async function measureInChild(
  file: string,
  quick: boolean,
  runDir: string,
  signal: AbortSignal,
): Promise<ChildOutput> {
  const dir = mkdtempSync(join(runDir, 'suite-'));
  const out = join(dir, 'result.json');
  try {
    const args = [...process.execArgv, thisFile, '--child', file, '--result-file', out];
    if (quick) args.push('--quick');
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        stdio: 'inherit',
        env: { ...process.env, TMPDIR: dir },
        signal,
      });
      child.on('error', reject);
      child.on('exit', (c, sig) => resolve(sig ? 128 : c));
    });
    if (code !== 0) throw new Error(`suite process exited with code ${code}`);
    return JSON.parse(await readFile(out, 'utf8')) as ChildOutput;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function previousResults(resultsDir: string, except: ReadonlySet<string>): Promise<SuiteResult[]> {
  const files = readdirSync(resultsDir).filter((f) => f.endsWith('.json'));
  const out: SuiteResult[] = [];
  for (const f of files.sort()) {
    if (except.has(basename(f, '.json'))) continue;
    try {
      const r = JSON.parse(await readFile(join(resultsDir, f), 'utf8')) as SuiteResult;
      if (r.suite && Array.isArray(r.rows) && r.environment) out.push(r);
    } catch {
      // A half-written or foreign file is not a result; the summary skips it.
    }
  }
  return out;
}

const program = new Command()
  .name('bench')
  .argument('[suites...]', 'suites to run (default: all)')
  .option('--check', 'exit 1 when a stated target is missed')
  .option('--quick', 'short runs, for a smoke test of the harness')
  .option('--list', 'list the suites and exit')
  .option('--results-dir <dir>', 'where results and reports are written', join(here, 'results'))
  .option('--in-process', 'run every suite in this process (no isolation; for debugging)')
  .option('--child <file>', '(internal) measure one suite file and write its result')
  .option('--result-file <file>', '(internal) where --child writes its result')
  .showHelpAfterError()
  // Help exits 0; a bad option is a usage error (exit 2, usage text printed).
  .exitOverride((e) => process.exit(e.exitCode === 0 ? EXIT.ok : EXIT.usage))
  .parse();

const opts = program.opts<{
  check?: boolean;
  quick?: boolean;
  list?: boolean;
  inProcess?: boolean;
  child?: string;
  resultFile?: string;
  resultsDir: string;
}>();
const resultsDir = opts.resultsDir;
const quick = opts.quick === true;
const timeMs = quick ? 200 : 2000;
const warmupMs = quick ? 50 : 500;

if (opts.child) {
  const { suite, loadError } = await importSuite(opts.child);
  if (!suite) throw new Error(`cannot load suite ${opts.child}: ${loadError ?? 'no `suite` export'}`);
  const output = await measure(suite, timeMs, warmupMs);
  await writeFile(opts.resultFile ?? join(tmpdir(), 'keygate-bench-result.json'), JSON.stringify(output));
  // Suites may leave servers or timers behind; the parent has what it needs.
  process.exit(0);
}

const discovered = await discover();
const all = discovered.flatMap((d) => (d.suite ? [{ file: d.file, suite: d.suite }] : []));
if (opts.list) {
  for (const { suite } of all) console.log(`${suite.name.padEnd(16)} ${suite.description}`);
  for (const d of discovered.filter((x) => x.loadError))
    console.log(`(${basename(d.file)} failed to load: ${d.loadError})`);
  process.exit(0);
}

const wanted = program.args;
const unknown = wanted.filter((w) => !all.some((s) => s.suite.name === w));
if (unknown.length > 0) {
  const broken = discovered.filter((d) => d.loadError).map((d) => `${basename(d.file)} (${d.loadError})`);
  console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${all.map((s) => s.suite.name).join(', ')}`);
  if (broken.length > 0) console.error(`failed to load: ${broken.join('; ')}`);
  process.exit(EXIT.usage);
}
for (const d of discovered.filter((x) => x.loadError && wanted.length === 0)) {
  console.error(`warning: ${basename(d.file)} failed to load and is skipped: ${d.loadError}`);
}
const selected = wanted.length > 0 ? all.filter((s) => wanted.includes(s.suite.name)) : all;

const environment = environmentRecord();
console.log(`Environment: ${formatEnvironment(environment)}`);
console.log(
  `Mode: ${quick ? 'quick' : 'full'} (${timeMs} ms per task), ${opts.inProcess ? 'in-process' : 'one child process per suite'}`,
);
await mkdir(resultsDir, { recursive: true });
// One temp folder for the whole run, removed on any exit (a finished run, an error, Ctrl-C).
const runDir = mkdtempSync(join(tmpdir(), 'keygate-bench-'));
process.on('exit', () => rmSync(runDir, { recursive: true, force: true }));
const interrupt = trapInterrupts();

const results: SuiteResult[] = [];
const failed: string[] = [];
const notRun: string[] = [];
for (const { file, suite } of selected) {
  if (interrupt.signal.aborted) {
    notRun.push(suite.name);
    continue;
  }
  console.log(`\n## ${suite.name}: ${suite.description}\n`);
  let output: ChildOutput;
  const stopHeartbeat = heartbeat(suite.name, (line) => console.log(line));
  try {
    output = opts.inProcess
      ? await measure(suite, timeMs, warmupMs)
      : await measureInChild(file, quick, runDir, interrupt.signal);
  } catch (error) {
    if (interrupt.signal.aborted) notRun.push(suite.name);
    else {
      console.error(`suite ${suite.name} failed: ${(error as Error).message}`);
      failed.push(suite.name);
    }
    continue;
  } finally {
    stopHeartbeat();
  }
  const result: SuiteResult = {
    suite: suite.name,
    description: suite.description,
    floor: suite.floor,
    environment,
    options: { quick, timeMs, warmupMs },
    durationMs: Math.round(output.durationMs),
    rows: output.rows,
    targets: output.targets,
  };
  results.push(result);
  console.log(rowsTable(result.rows));
  if (result.targets.length > 0) console.log(`\n${formatVerdicts(result.targets)}`);
  await writeFile(join(resultsDir, `${suite.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
}

const earlier = await previousResults(resultsDir, new Set(results.map((r) => r.suite)));
const summary = [...results, ...earlier].sort((a, b) => a.suite.localeCompare(b.suite));
const interrupted = interrupt.signal.aborted ? { notRun } : undefined;
await writeFile(join(resultsDir, 'summary.md'), summaryMarkdown(environment, summary, interrupted));
await writeFile(join(resultsDir, 'report.html'), benchHtmlReport(environment, summary, interrupted));
console.log(
  `\nWrote ${results.length} result file(s), ${join(resultsDir, 'summary.md')} and ${join(resultsDir, 'report.html')}`,
);

const misses = missedTargets(results);
if (failed.length > 0) console.error(`\nsuite(s) failed to run: ${failed.join(', ')}`);
if (misses.length > 0) {
  const list = misses.map((m) => `  - [${m.suite}] ${m.description}: ${m.actual}`).join('\n');
  console.error(`\n${misses.length} target(s) missed:\n${list}`);
}
if (interrupted) {
  console.error(
    `\nINTERRUPTED by ${interrupt.received()}: ${results.length} suite(s) measured${notRun.length > 0 ? `; not measured: ${notRun.join(', ')}` : ''}`,
  );
  process.exit(interrupt.exitCode());
}
if (failed.length > 0 || (opts.check && misses.length > 0)) process.exit(EXIT.failure);
