// `npm run load:local -- <scenario> [--duration s] [--connections n] [--no-compare] [--no-start ...]`:
// runs a scenario from load/scenarios.ts with autocannon against the local stack (started in a child
// process on free 127.0.0.1 ports unless --no-start), prints progress, req/s, latency percentiles and
// status counts, judges the scenario's k6 thresholds, writes load/results/<scenario>.json and a charted
// <scenario>.html, exits 1 on a failed threshold; Ctrl-C stops the measurement and reports the run so far.
// Scenarios with `compareCache` (result cache on vs off) or `compareAuthorizers` (Lambda TOKEN authorizer vs
// the native JWT authorizer) keep every side's stack up, measure them in alternating rounds and report each
// side's median per-round ratio to the first; `noisy-client` drives its own clients at their own rates
// (load/local/noisy-client.ts).
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
import { isScenarioName, REQUEST_KINDS, SCENARIO_NAMES, SCENARIOS, type ScenarioDef } from '../scenarios.js';
import { evaluateThresholds, parseThresholds, type ThresholdVerdict } from '../thresholds.js';
import { loadHtmlReport } from './html-report.js';
import { type PhaseTokens, runPhase } from './measure.js';
import { type NoisyClientResult, runNoisyClient } from './noisy-client.js';
import {
  formatKinds,
  formatPhases,
  formatVerdicts,
  judge,
  mergeCounts,
  type PhaseCounts,
  type PhaseSummary,
  roundRatios,
  summarize,
} from './report.js';
import { externalStack, type LoadStack, startStackProcess } from './stack.js';
import type { SecondSample } from './timeline.js';
import { invalidSet, mintToken, mintTokens } from './tokens.js';

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
const sources = new Set(scenario.blend.map((b) => REQUEST_KINDS[b.kind].token));
const interrupt = trapInterrupts();

async function openStack(resultsCacheTtlSeconds: number, authorizer?: AuthorizerMode): Promise<LoadStack> {
  if (opts.start) {
    const size = scenario.local.tokenCacheSize;
    return startStackProcess({
      resultsCacheTtlSeconds,
      ...(authorizer ? { authorizer } : {}),
      ...(size === undefined ? {} : { env: { TOKEN_CACHE_SIZE: String(size) } }),
      ...(scenario.noisy ? { kmsRsaQuotaPerSecond: scenario.noisy.kmsQuotaPerSecond } : {}),
    });
  }
  const authUrl = (opts.authUrl ?? 'http://127.0.0.1:4000/local').replace(/\/+$/, '');
  if (scenario.local.tokenCacheSize !== undefined || scenario.local.resultsCacheTtlSeconds !== undefined) {
    log(
      'NOTE: a running stack keeps its own cache settings; this scenario assumes ' +
        `TOKEN_CACHE_SIZE=${scenario.local.tokenCacheSize ?? 'default'}, result cache TTL ${scenario.local.resultsCacheTtlSeconds ?? DEFAULT_RESULTS_CACHE_TTL_SECONDS} s.`,
    );
  }
  const { CLIENT_ID, CLIENT_SECRET } = process.env;
  if (!CLIENT_ID || !CLIENT_SECRET) {
    console.error('error: --no-start needs CLIENT_ID and CLIENT_SECRET (npm start prints the demo client)');
    process.exit(EXIT.usage);
  }
  return externalStack({
    apiUrl: (opts.apiUrl ?? 'http://127.0.0.1:4001/local').replace(/\/+$/, ''),
    authUrl,
    tokenUrl: `${authUrl}/oauth2/token`,
    jwksUrl: `${authUrl}/.well-known/jwks.json`,
    issuer: authUrl,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
  });
}

async function prepareTokens(stack: LoadStack): Promise<{ tokens: PhaseTokens; stop: () => void }> {
  const started = performance.now();
  // At least one: the warm-up reads with it.
  const hot = await mintTokens(stack, Math.max(scenario.hotTokens, 1));
  const distinctCount = sources.has('distinct') ? (scenario.local.distinctTokens ?? 1000) : 0;
  if (distinctCount > 0) log(`minting ${distinctCount.toLocaleString('en-US')} distinct tokens...`);
  const distinct = await mintTokens(stack, distinctCount, {
    onProgress: (n) => log(`  ${n.toLocaleString('en-US')} minted`),
  });
  const invalid = sources.has('invalid') ? await invalidSet(hot[0]!, stack.jwksUrl) : [];
  let stop: () => void = () => undefined;
  let fresh: (() => string) | undefined;
  if (sources.has('fresh')) {
    let current = await mintToken(stack);
    // Re-mint in the background: after a rotation the next token carries the new kid.
    const timer = setInterval(
      () => {
        mintToken(stack).then(
          (t) => {
            current = t;
          },
          (e: unknown) => log(`  re-mint failed: ${(e as Error).message}`),
        );
      },
      (scenario.remintEverySeconds ?? 5) * 1000,
    );
    stop = () => clearInterval(timer);
    fresh = () => current;
  }
  const total = hot.length + distinct.length + (fresh ? 1 : 0);
  log(
    `${total.toLocaleString('en-US')} token(s) minted in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { tokens: { hot, distinct, invalid, ...(fresh ? { fresh } : {}) }, stop };
}

interface PhaseRecord {
  readonly summary: PhaseSummary;
  readonly authorizer?: AuthorizerMode;
  readonly resultsCacheTtlSeconds: number | 'external';
  readonly thresholds: ThresholdVerdict[];
  readonly rotated?: boolean;
  readonly noisy?: Pick<NoisyClientResult, 'kms' | 'perGroup'>;
  readonly perSecond: readonly SecondSample[];
}

interface Prepared {
  readonly stack: LoadStack;
  readonly tokens: PhaseTokens;
  /** Stops the background re-minting and closes the stack. */
  close(): Promise<void>;
}

/** A stack with the scenario's tokens minted and the JIT and connections warmed up. */
async function prepare(label: string, ttl: number, authorizer?: AuthorizerMode): Promise<Prepared> {
  log(
    `\n== ${label}: ${connections} connections, result cache TTL ${opts.start ? `${ttl} s` : '(external stack)'}`,
  );
  const stack = await openStack(ttl, authorizer);
  let stop = (): void => undefined;
  try {
    log(`stack: api ${stack.apiUrl}, auth ${stack.authUrl}`);
    const prepared = await prepareTokens(stack);
    const tokens = prepared.tokens;
    stop = prepared.stop;
    if (opts.warmup > 0) {
      // Same origins and kinds, but never the distinct pool (its tokens must reach the measured run unseen).
      const blend = scenario.blend.map((b) => {
        const source = REQUEST_KINDS[b.kind].token;
        return source === 'distinct' || source === 'fresh' ? { ...b, kind: 'read' as const } : b;
      });
      log(`warming up for ${opts.warmup} s...`);
      await runPhase({
        scenario: { ...scenario, blend },
        stack,
        durationSeconds: opts.warmup,
        connections,
        tokens,
        signal: interrupt.signal,
      });
    }
    return {
      stack,
      tokens,
      async close() {
        stop();
        await stack.close();
      },
    };
  } catch (err) {
    stop();
    await stack.close();
    throw err;
  }
}

function record(
  label: string,
  ttl: number,
  counts: PhaseCounts,
  rotated?: boolean,
  authorizer?: AuthorizerMode,
): PhaseRecord {
  return {
    summary: summarize(label, counts),
    ...(authorizer ? { authorizer } : {}),
    resultsCacheTtlSeconds: opts.start ? ttl : 'external',
    thresholds: judge(scenario.thresholds, counts),
    ...(rotated === undefined ? {} : { rotated }),
    perSecond: counts.perSecond ?? [],
  };
}

async function phase(label: string, ttl: number): Promise<PhaseRecord> {
  const { stack, tokens, close } = await prepare(label, ttl);
  try {
    let rotated: boolean | undefined;
    let midRun: { atSeconds: number; action: () => Promise<void> } | undefined;
    if (scenario.name === 'rotation') {
      rotated = false;
      if (stack.canRotate) {
        midRun = {
          atSeconds: Math.floor(durationSeconds / 2),
          action: async () => {
            await stack.rotate();
            rotated = true;
            log('  signing key rotated: new tokens carry the new kid');
          },
        };
      } else {
        log(
          'NOTE: this stack cannot rotate its signing key mid-run (no rotateSigningKey()); tokens are re-minted under one key.',
        );
      }
    }
    log(`measuring for ${durationSeconds} s...`);
    const counts = await runPhase({
      scenario,
      stack,
      durationSeconds,
      connections,
      tokens,
      log,
      signal: interrupt.signal,
      ...(midRun ? { midRun } : {}),
    });
    return record(label, ttl, counts, rotated);
  } finally {
    await close();
  }
}

/** noisy-client: its own clients and arrival rates (load/local/noisy-client.ts) on a fresh stack. */
async function noisyPhase(ttl: number): Promise<PhaseRecord> {
  if (!opts.start) {
    console.error(
      'noisy-client creates its own clients: it needs a stack this runner starts (drop --no-start)',
    );
    process.exit(2);
  }
  const label = `${scenario.name} (KMS quota ${scenario.noisy!.kmsQuotaPerSecond}/s)`;
  log(`\n== ${label}`);
  const stack = await openStack(ttl);
  try {
    log(`stack: auth ${stack.authUrl}; measuring for ${durationSeconds} s...`);
    const result = await runNoisyClient({ scenario, stack, durationSeconds, log });
    const base = record(label, ttl, result.counts);
    const local = evaluateThresholds(parseThresholds(scenario.localThresholds ?? {}), result.metrics);
    log(
      `noisy client: ${JSON.stringify(result.perGroup.noisy)}; ten others: ${JSON.stringify(result.perGroup.quiet)}; ` +
        `KMS busiest second ${result.kms.peakPerSecond}/${result.kms.perSecond}, throttled ${result.kms.throttled}`,
    );
    return {
      ...base,
      thresholds: [...base.thresholds, ...local],
      noisy: { kms: result.kms, perGroup: result.perGroup },
    };
  } finally {
    await stack.close();
  }
}

/** Rounds of a side-by-side comparison: each side gets durationSeconds in all, in this many slices. */
const COMPARE_ROUNDS = 4;

interface Side {
  readonly label: string;
  readonly ttl: number;
  readonly authorizer?: AuthorizerMode;
}

/**
 * The scenario on every side at once (all stacks up), measured in alternating rounds (forward, then reverse
 * order, ...), so machine load drifting over the run hits every side alike. Ratios are req/s of the first
 * side over each other side, per round.
 */
async function compareSides(
  sides: readonly Side[],
): Promise<{ records: PhaseRecord[]; ratios: ReturnType<typeof roundRatios>[] }> {
  const prepared: Prepared[] = [];
  try {
    for (const side of sides) prepared.push(await prepare(side.label, side.ttl, side.authorizer));
    const slice = Math.max(1, Math.round(durationSeconds / COMPARE_ROUNDS));
    const rounds: PhaseCounts[][] = sides.map(() => []);
    const order = sides.map((_, i) => i);
    for (let r = 0; r < COMPARE_ROUNDS && !interrupt.signal.aborted; r++) {
      for (const i of r % 2 === 0 ? order : [...order].reverse()) {
        if (interrupt.signal.aborted) break;
        const { stack, tokens } = prepared[i]!;
        log(`round ${r + 1}/${COMPARE_ROUNDS}: ${sides[i]!.label}, ${slice} s`);
        rounds[i]!.push(
          await runPhase({
            scenario,
            stack,
            durationSeconds: slice,
            connections,
            tokens,
            log,
            signal: interrupt.signal,
          }),
        );
      }
    }
    const paired = Math.min(...rounds.map((r) => r.length));
    return {
      records: sides.map((side, i) =>
        record(side.label, side.ttl, mergeCounts(rounds[i]!), undefined, side.authorizer),
      ),
      // An interrupted run compares only the rounds every side completed.
      ratios: rounds
        .slice(1)
        .flatMap((other) =>
          paired > 0 ? [roundRatios(rounds[0]!.slice(0, paired), other.slice(0, paired))] : [],
        ),
    };
  } finally {
    await Promise.all(prepared.map((side) => side.close()));
  }
}

const environment = environmentRecord();
log(`load:local ${scenario.name}: ${scenario.description}`);
log(`Environment: ${formatEnvironment(environment)}`);
const ttl = scenario.local.resultsCacheTtlSeconds ?? 300;
const phases: PhaseRecord[] = [];
let cacheRatio: ReturnType<typeof roundRatios> | undefined;
let authorizerRatios: { readonly versus: string; readonly ratio: ReturnType<typeof roundRatios> }[] = [];
if (scenario.noisy) {
  phases.push(await noisyPhase(ttl));
} else if (scenario.local.compareAuthorizers && opts.start) {
  const sides: Side[] = [
    { label: `${scenario.name} (Lambda authorizer, cache TTL ${ttl} s)`, ttl, authorizer: 'lambda' },
    { label: `${scenario.name} (Lambda authorizer, cache off)`, ttl: 0, authorizer: 'lambda' },
    { label: `${scenario.name} (native JWT authorizer)`, ttl, authorizer: 'native' },
  ];
  const compared = await compareSides(sides);
  phases.push(...compared.records);
  authorizerRatios = compared.ratios.map((ratio, i) => ({ versus: sides[i + 1]!.label, ratio }));
} else if (scenario.local.compareCache && opts.compare && opts.start) {
  const compared = await compareSides([
    { label: `${scenario.name} (cache TTL ${ttl} s)`, ttl },
    { label: `${scenario.name} (cache off)`, ttl: 0 },
  ]);
  phases.push(...compared.records);
  cacheRatio = compared.ratios[0];
} else {
  phases.push(await phase(`${scenario.name} (cache TTL ${ttl} s)`, ttl));
}

log(`\n## ${scenario.name}\n`);
log(formatPhases(phases.map((p) => p.summary)));
const main = phases[0]!;
for (const p of authorizerRatios.length > 0 ? phases : [main]) {
  if (Object.keys(p.summary.perKind).length > 1) log(`\n${formatKinds(p.summary)}`);
}
for (const { versus, ratio } of authorizerRatios) {
  log(
    `\n${phases[0]!.summary.label} vs ${versus}: ${ratio.median.toFixed(2)}x req/s (median of ${COMPARE_ROUNDS} alternating rounds: ` +
      `${ratio.perRound.map((r) => `${r.toFixed(2)}x`).join(', ')})`,
  );
}
if (cacheRatio) {
  const [on, off] = [phases[0]!.summary, phases[1]!.summary];
  log(
    `\nResult cache on vs off: ${cacheRatio.median.toFixed(2)}x req/s (median of ${COMPARE_ROUNDS} alternating rounds: ` +
      `${cacheRatio.perRound.map((r) => `${r.toFixed(2)}x`).join(', ')}), ` +
      `p99 ${on.latencyMs.p99.toFixed(2)} ms vs ${off.latencyMs.p99.toFixed(2)} ms`,
  );
}
let failed = false;
for (const p of phases) {
  log(`\nThresholds, ${p.summary.label}:\n${formatVerdicts(p.thresholds)}`);
  failed ||= p.thresholds.some((v) => !v.pass);
  if (p.rotated === false) {
    // Zero failures under one key proves nothing about rotation: do not report a pass.
    log('FAIL  no signing-key rotation happened during the run (the local stack has no rotateSigningKey())');
    failed = true;
  }
}
await mkdir(resultsDir, { recursive: true });
const file = join(resultsDir, `${scenario.name}.json`);
const command = `npm run load:local -- ${process.argv.slice(2).join(' ')}`;
const interrupted = interrupt.received();
await writeFile(
  file,
  `${JSON.stringify(
    {
      scenario: scenario.name,
      description: scenario.description,
      command,
      environment,
      durationSeconds,
      connections,
      thresholds: scenario.thresholds,
      phases,
      ...(authorizerRatios.length > 0
        ? {
            authorizerComparison: authorizerRatios.map(({ versus, ratio }) => ({
              first: phases[0]!.summary.label,
              versus,
              rounds: COMPARE_ROUNDS,
              perRound: ratio.perRound,
              median: ratio.median,
            })),
          }
        : {}),
      ...(cacheRatio
        ? {
            resultCacheOnVsOff: {
              rounds: COMPARE_ROUNDS,
              perRound: cacheRatio.perRound,
              median: cacheRatio.median,
            },
          }
        : {}),
      pass: !failed,
      ...(interrupted ? { interrupted } : {}),
    },
    null,
    2,
  )}\n`,
);
const html = file.replace(/\.json$/, '.html');
await writeFile(
  html,
  loadHtmlReport({
    scenario: scenario.name,
    description: scenario.description,
    command,
    environment,
    phases,
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
