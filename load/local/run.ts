// `npm run load:local -- <scenario> [--duration s] [--connections n] [--no-compare] [--no-start ...]`:
// runs a scenario from load/scenarios.ts with autocannon against the local stack (started in a child
// process on free 127.0.0.1 ports unless --no-start), prints progress, req/s, latency percentiles and
// status counts, judges the scenario's k6 thresholds, writes load/results/<scenario>.json, exits 1 on a
// failed threshold. Scenarios with `compareCache` run with the gateway's result cache on and off in
// alternating rounds and report the median per-round ratio.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { RESULTS_CACHE_TTL_SECONDS } from '../../core/contract.js';
import { integerArg } from '../../handlers/cli/integer-arg.js';
import { environmentRecord, formatEnvironment } from '../../measure/environment.js';
import { isScenarioName, REQUEST_KINDS, SCENARIO_NAMES, SCENARIOS, type ScenarioDef } from '../scenarios.js';
import type { ThresholdVerdict } from '../thresholds.js';
import { type PhaseTokens, runPhase } from './measure.js';
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
import { invalidSet, mintToken, mintTokens } from './tokens.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

const positiveInt = integerArg(1);

const program = new Command()
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
  .addHelpText(
    'after',
    `\nScenarios:\n${SCENARIO_NAMES.map((n) => `  ${n.padEnd(15)} ${SCENARIOS[n].description}`).join('\n')}`,
  )
  .parse();

const opts = program.opts<{
  duration?: number;
  connections?: number;
  warmup: number;
  compare: boolean;
  start: boolean;
  apiUrl?: string;
  authUrl?: string;
}>();
const name = program.args[0]!;
if (!isScenarioName(name)) {
  console.error(`unknown scenario "${name}"; known: ${SCENARIO_NAMES.join(', ')}`);
  process.exit(2);
}
const scenario: ScenarioDef = SCENARIOS[name];
const envDuration = process.env.LOAD_DURATION ? positiveInt(process.env.LOAD_DURATION) : undefined;
const durationSeconds = opts.duration ?? envDuration ?? scenario.local.durationSeconds;
const connections = opts.connections ?? scenario.local.connections;
const log = (line: string) => console.log(line);
const sources = new Set(scenario.blend.map((b) => REQUEST_KINDS[b.kind].token));

async function openStack(resultsCacheTtlSeconds: number): Promise<LoadStack> {
  if (opts.start) {
    const size = scenario.local.tokenCacheSize;
    return startStackProcess({
      resultsCacheTtlSeconds,
      ...(size === undefined ? {} : { env: { TOKEN_CACHE_SIZE: String(size) } }),
    });
  }
  const authUrl = (opts.authUrl ?? 'http://127.0.0.1:4000/local').replace(/\/+$/, '');
  if (scenario.local.tokenCacheSize !== undefined || scenario.local.resultsCacheTtlSeconds !== undefined) {
    log(
      'NOTE: a running stack keeps its own cache settings; this scenario assumes ' +
        `TOKEN_CACHE_SIZE=${scenario.local.tokenCacheSize ?? 'default'}, result cache TTL ${scenario.local.resultsCacheTtlSeconds ?? RESULTS_CACHE_TTL_SECONDS} s.`,
    );
  }
  const { CLIENT_ID, CLIENT_SECRET } = process.env;
  if (!CLIENT_ID || !CLIENT_SECRET) {
    console.error('--no-start needs CLIENT_ID and CLIENT_SECRET (npm start prints the demo client)');
    process.exit(2);
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
  readonly resultsCacheTtlSeconds: number | 'external';
  readonly thresholds: ThresholdVerdict[];
  readonly rotated?: boolean;
}

interface Prepared {
  readonly stack: LoadStack;
  readonly tokens: PhaseTokens;
  /** Stops the background re-minting and closes the stack. */
  close(): Promise<void>;
}

/** A stack with the scenario's tokens minted and the JIT and connections warmed up. */
async function prepare(label: string, ttl: number): Promise<Prepared> {
  log(
    `\n== ${label}: ${connections} connections, result cache TTL ${opts.start ? `${ttl} s` : '(external stack)'}`,
  );
  const stack = await openStack(ttl);
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

function record(label: string, ttl: number, counts: PhaseCounts, rotated?: boolean): PhaseRecord {
  return {
    summary: summarize(label, counts),
    resultsCacheTtlSeconds: opts.start ? ttl : 'external',
    thresholds: judge(scenario.thresholds, counts),
    ...(rotated === undefined ? {} : { rotated }),
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
      ...(midRun ? { midRun } : {}),
    });
    return record(label, ttl, counts, rotated);
  } finally {
    await close();
  }
}

/** Rounds of the result-cache comparison: each side gets durationSeconds in all, in this many slices. */
const COMPARE_ROUNDS = 4;

/**
 * The scenario with the gateway's result cache on and off, both stacks up at once and measured in
 * alternating rounds (on-off, off-on, ...), so machine load drifting over the run hits both sides alike.
 */
async function compareCache(
  ttl: number,
): Promise<{ on: PhaseRecord; off: PhaseRecord; ratio: ReturnType<typeof roundRatios> }> {
  const labels = [`${scenario.name} (cache TTL ${ttl} s)`, `${scenario.name} (cache off)`] as const;
  const sides: Prepared[] = [];
  try {
    sides.push(await prepare(labels[0], ttl), await prepare(labels[1], 0));
    const slice = Math.max(1, Math.round(durationSeconds / COMPARE_ROUNDS));
    const rounds: [PhaseCounts[], PhaseCounts[]] = [[], []];
    for (let r = 0; r < COMPARE_ROUNDS; r++) {
      for (const side of r % 2 === 0 ? [0, 1] : [1, 0]) {
        const { stack, tokens } = sides[side]!;
        log(`round ${r + 1}/${COMPARE_ROUNDS}: ${labels[side]}, ${slice} s`);
        rounds[side]!.push(
          await runPhase({ scenario, stack, durationSeconds: slice, connections, tokens, log }),
        );
      }
    }
    return {
      on: record(labels[0], ttl, mergeCounts(rounds[0])),
      off: record(labels[1], 0, mergeCounts(rounds[1])),
      ratio: roundRatios(rounds[0], rounds[1]),
    };
  } finally {
    await Promise.all(sides.map((side) => side.close()));
  }
}

const environment = environmentRecord();
log(`load:local ${scenario.name}: ${scenario.description}`);
log(`Environment: ${formatEnvironment(environment)}`);
const ttl = scenario.local.resultsCacheTtlSeconds ?? 300;
const phases: PhaseRecord[] = [];
let cacheRatio: ReturnType<typeof roundRatios> | undefined;
if (scenario.local.compareCache && opts.compare && opts.start) {
  const compared = await compareCache(ttl);
  phases.push(compared.on, compared.off);
  cacheRatio = compared.ratio;
} else {
  phases.push(await phase(`${scenario.name} (cache TTL ${ttl} s)`, ttl));
}

log(`\n## ${scenario.name}\n`);
log(formatPhases(phases.map((p) => p.summary)));
const main = phases[0]!;
if (Object.keys(main.summary.perKind).length > 1) log(`\n${formatKinds(main.summary)}`);
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
await writeFile(
  file,
  `${JSON.stringify(
    {
      scenario: scenario.name,
      description: scenario.description,
      command: `npm run load:local -- ${process.argv.slice(2).join(' ')}`,
      environment,
      durationSeconds,
      connections,
      thresholds: scenario.thresholds,
      phases,
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
    },
    null,
    2,
  )}\n`,
);
log(`\n${failed ? 'FAIL' : 'PASS'}: results in ${file}`);
process.exit(failed ? 1 : 0);
