// `npm run load:local -- <scenario> [--duration s] [--connections n] [--distinct-tokens n] [--no-compare]
// [--no-start ...]`:
// runs a scenario from load/scenarios.ts with autocannon against the local stack (started in a child
// process on free 127.0.0.1 ports unless --no-start), prints progress, req/s, latency percentiles and
// status counts, judges the scenario's k6 thresholds, writes load/results/<scenario>.json and a charted
// <scenario>.html, exits 1 on a failed threshold or a failed preparation (one line); Ctrl-C stops the
// measurement and reports the run so far.
// Scenarios with `compareCache` (result cache on vs off) or `compareAuthorizers` (Lambda TOKEN authorizer vs
// the native JWT authorizer) keep every side's stack up, measure them in alternating rounds and report each
// side's median per-round ratio to the first; `noisy-client` drives its own clients at their own rates
// (load/local/noisy-client.ts).
// The measuring is in ./runner.ts; this file parses the command line, picks the stacks, writes the files.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { trapInterrupts } from '../../bench/lib/interrupt.js';
import { DEFAULT_RESULTS_CACHE_TTL_SECONDS } from '../../core/contract.js';
import { EXIT } from '../../handlers/cli/exit.js';
import { integerArg } from '../../handlers/cli/integer-arg.js';
import type { AuthorizerMode } from '../../local/stack.js';
import { environmentRecord, formatEnvironment } from '../../measure/environment.js';
import { isScenarioName, SCENARIO_NAMES, SCENARIOS, type ScenarioDef } from '../scenarios.js';
import { loadHtmlReport } from './html-report.js';
import { loadRecord, reportLoad } from './run-record.js';
import { type LoadRun, needsOwnStack, runLoad } from './runner.js';
import { externalStack, type LoadStack, startStackProcess } from './stack.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const positiveInt = integerArg(1);

const program: Command = new Command()
  .name('load:local')
  .argument('<scenario>', `one of: ${SCENARIO_NAMES.join(', ')}`)
  .option(
    '--duration <seconds>',
    "seconds per run (default: the scenario's, or env LOAD_DURATION)",
    positiveInt,
  )
  .option('--connections <n>', "concurrent connections (default: the scenario's)", positiveInt)
  .option(
    '--distinct-tokens <n>',
    "distinct tokens to mint up front (default: the scenario's; a smaller pool repeats tokens)",
    positiveInt,
  )
  .option('--warmup <seconds>', 'unmeasured seconds before each run (JIT, connections)', (v) => Number(v), 3)
  .option('--no-compare', 'skip the result-cache off run of cache-hit')
  .option('--no-start', 'use a running stack: --api-url, --auth-url, env CLIENT_ID, CLIENT_SECRET')
  .option(
    '--api-url <url>',
    'resource API stage URL of a running stack (default http://127.0.0.1:4001/local)',
  )
  .option('--auth-url <url>', 'auth API stage URL of a running stack (default http://127.0.0.1:4000/local)')
  .option(
    '--results-dir <dir>',
    'where the JSON and HTML results go',
    join(dirname(fileURLToPath(import.meta.url)), '..', 'results'),
  )
  .addHelpText(
    'after',
    `\nScenarios:\n${SCENARIO_NAMES.map((n) => `  ${n.padEnd(15)} ${SCENARIOS[n].description}`).join('\n')}`,
  )
  .showHelpAfterError()
  // Help exits 0; a missing or bad argument is a usage error (exit 2, usage text printed).
  .exitOverride((e) => process.exit(e.exitCode === 0 ? EXIT.ok : EXIT.usage))
  .parse();

const opts = program.opts<{
  duration?: number;
  connections?: number;
  distinctTokens?: number;
  warmup: number;
  compare: boolean;
  start: boolean;
  apiUrl?: string;
  authUrl?: string;
  resultsDir: string;
}>();
const resultsDir = opts.resultsDir;
const name = program.args[0]!;
if (!isScenarioName(name)) {
  program.error(`error: unknown scenario "${name}"; known: ${SCENARIO_NAMES.join(', ')}`);
}
const scenario: ScenarioDef = SCENARIOS[name];
const envDuration = process.env.LOAD_DURATION ? positiveInt(process.env.LOAD_DURATION) : undefined;
const durationSeconds = opts.duration ?? envDuration ?? scenario.local.durationSeconds;
const connections = opts.connections ?? scenario.local.connections;
const log = (line: string) => console.log(line);
// Usage errors before anything starts (exit 2).
if (!opts.start && needsOwnStack(scenario)) {
  console.error(
    `error: ${scenario.name} creates its own clients: it needs a stack this runner starts (drop --no-start)`,
  );
  process.exit(EXIT.usage);
}
if (!opts.start && (!process.env.CLIENT_ID || !process.env.CLIENT_SECRET)) {
  console.error('error: --no-start needs CLIENT_ID and CLIENT_SECRET (npm start prints the demo client)');
  process.exit(EXIT.usage);
}
const interrupt = trapInterrupts();

async function openStack(resultsCacheTtlSeconds: number, authorizer?: AuthorizerMode): Promise<LoadStack> {
  if (opts.start) {
    const size = scenario.local.tokenCacheSize;
    return startStackProcess({
      resultsCacheTtlSeconds,
      ...(authorizer ? { authorizer } : {}),
      ...(size === undefined ? {} : { env: { TOKEN_CACHE_SIZE: String(size) } }),
      ...(scenario.noisy ? { kmsRsaQuotaPerSecond: scenario.noisy.kmsQuotaPerSecond } : {}),
      ...(scenario.noisy?.tiers
        ? { usageTiers: { noisy: scenario.noisy.tiers.noisy, default: scenario.noisy.tiers.quiet } }
        : {}),
    });
  }
  const authUrl = (opts.authUrl ?? 'http://127.0.0.1:4000/local').replace(/\/+$/, '');
  if (scenario.local.tokenCacheSize !== undefined || scenario.local.resultsCacheTtlSeconds !== undefined) {
    log(
      'NOTE: a running stack keeps its own cache settings; this scenario assumes ' +
        `TOKEN_CACHE_SIZE=${scenario.local.tokenCacheSize ?? 'default'}, result cache TTL ${scenario.local.resultsCacheTtlSeconds ?? DEFAULT_RESULTS_CACHE_TTL_SECONDS} s.`,
    );
  }
  return externalStack({
    apiUrl: (opts.apiUrl ?? 'http://127.0.0.1:4001/local').replace(/\/+$/, ''),
    authUrl,
    tokenUrl: `${authUrl}/oauth2/token`,
    jwksUrl: `${authUrl}/.well-known/jwks.json`,
    issuer: authUrl,
    clientId: process.env.CLIENT_ID!,
    clientSecret: process.env.CLIENT_SECRET!,
  });
}

const environment = environmentRecord();
log(`load:local ${scenario.name}: ${scenario.description}`);
log(`Environment: ${formatEnvironment(environment)}`);
let run: LoadRun;
try {
  run = await runLoad({
    scenario,
    durationSeconds,
    connections,
    ...(opts.distinctTokens === undefined ? {} : { distinctTokens: opts.distinctTokens }),
    warmupSeconds: opts.warmup,
    compare: opts.compare,
    startsStacks: opts.start,
    openStack,
    signal: interrupt.signal,
    log,
  });
} catch (error) {
  // Preparation failed (a stack that did not start, tokens the endpoint would not mint): one line, no
  // stack trace; runLoad has closed whatever it opened.
  const interrupted = interrupt.received();
  console.error(
    interrupted
      ? `\nINTERRUPTED by ${interrupted} before the measurement: nothing measured`
      : `error: ${scenario.name}: ${(error as Error).message.split('\n')[0]}`,
  );
  process.exit(interrupted ? interrupt.exitCode() : EXIT.failure);
}
const failed = reportLoad(scenario, run, log);

await mkdir(resultsDir, { recursive: true });
const file = join(resultsDir, `${scenario.name}.json`);
const command = `npm run load:local -- ${process.argv.slice(2).join(' ')}`;
const interrupted = interrupt.received();
const record = loadRecord(run, {
  scenario,
  command,
  environment,
  durationSeconds,
  connections,
  pass: !failed,
  interrupted,
});
await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
const html = file.replace(/\.json$/, '.html');
await writeFile(
  html,
  loadHtmlReport({
    scenario: scenario.name,
    description: scenario.description,
    command,
    environment,
    phases: run.phases,
    pass: !failed,
    ...(interrupted ? { interrupted } : {}),
  }),
);
if (interrupted) {
  log(`\nINTERRUPTED by ${interrupted}: partial results in ${file} and ${html}`);
  process.exit(interrupt.exitCode());
}
log(`\n${failed ? 'FAIL' : 'PASS'}: results in ${file} and ${html}`);
process.exit(failed ? EXIT.failure : EXIT.ok);
