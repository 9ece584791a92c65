// The load:local runner as a function: `runLoad(options)` prepares stacks and tokens, measures the
// scenario's phases (one run, the cache or authorizer comparison in alternating rounds, or noisy-client)
// and returns their records (./run-record.ts prints and serializes them; ./run.ts is the CLI).
import { createTokenSource } from '../../client/token-source.js';
import type { AuthorizerMode } from '../../local/stack.js';
import { REQUEST_KINDS, type ScenarioDef } from '../scenarios.js';
import {
  evaluateThresholds,
  type MetricSample,
  parseThresholds,
  type ThresholdVerdict,
} from '../thresholds.js';
import { type PhaseTokens, runPhase } from './measure.js';
import { type NoisyClientResult, runNoisyClient } from './noisy-client.js';
import { createPacedMinter } from './paced-minter.js';
import { judge, mergeCounts, type PhaseCounts, type PhaseSummary, roundRatios, summarize } from './report.js';
import type { KmsQuotaReport, LoadStack } from './stack.js';
import type { SecondSample } from './timeline.js';
import { invalidSet, TOKEN_SCOPE } from './tokens.js';

/** Rounds of a side-by-side comparison: each side gets durationSeconds in all, in this many slices. */
export const COMPARE_ROUNDS = 4;

export interface LoadRunOptions {
  readonly scenario: ScenarioDef;
  readonly durationSeconds: number;
  readonly connections: number;
  /** Unmeasured seconds before each run (JIT, connections); 0 skips the warm-up. */
  readonly warmupSeconds: number;
  /** Run the result-cache off side of a `compareCache` scenario. */
  readonly compare: boolean;
  /**
   * True: `openStack` starts a fresh stack per side with the given settings. False: it returns one running
   * stack with its own settings, so no comparison and no noisy-client (which creates its own clients).
   */
  readonly startsStacks: boolean;
  readonly openStack: (resultsCacheTtlSeconds: number, authorizer?: AuthorizerMode) => Promise<LoadStack>;
  /** Distinct tokens to mint instead of the scenario's `local.distinctTokens` (short smoke runs). */
  readonly distinctTokens?: number;
  /** Aborting stops the measurement; the phases measured so far are returned. */
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

export interface PhaseRecord {
  readonly summary: PhaseSummary;
  readonly authorizer?: AuthorizerMode;
  readonly resultsCacheTtlSeconds: number | 'external';
  readonly thresholds: ThresholdVerdict[];
  readonly rotated?: boolean;
  readonly noisy?: Pick<NoisyClientResult, 'kms' | 'perGroup'>;
  /** The KMS emulator's quota counters over a measured run that requested tokens (a stack this runner started). */
  readonly kms?: KmsQuotaReport;
  readonly perSecond: readonly SecondSample[];
}

export type RoundRatio = ReturnType<typeof roundRatios>;

export interface LoadRun {
  readonly phases: readonly PhaseRecord[];
  /** compareCache: cache on over cache off. */
  readonly cacheRatio?: RoundRatio;
  /** compareAuthorizers: the first side over each other side. */
  readonly authorizerRatios: readonly { readonly versus: string; readonly ratio: RoundRatio }[];
}

/** The local-only metrics of a run that requested tokens, from the KMS emulator's quota counters. */
export function kmsMetrics(kms: KmsQuotaReport, counts: PhaseCounts): Record<string, MetricSample> {
  return {
    kms_throttled: { type: 'counter', count: kms.throttled, durationSeconds: counts.durationSeconds },
    kms_quota_share: { type: 'trend', values: [kms.peakPerSecond / kms.perSecond] },
  };
}

/** The scenario needs a stack the runner starts (its own clients): refuse a running one up front. */
export function needsOwnStack(scenario: ScenarioDef): boolean {
  return scenario.noisy !== undefined;
}

interface Side {
  readonly label: string;
  readonly ttl: number;
  readonly authorizer?: AuthorizerMode;
}

/** Measures the scenario as LoadRunOptions say; the stacks it opened are closed when it returns. */
export async function runLoad(options: LoadRunOptions): Promise<LoadRun> {
  const { scenario, durationSeconds, connections, log, signal } = options;
  const sources = new Set(scenario.blend.map((b) => REQUEST_KINDS[b.kind].token));
  const openStack = options.openStack;

  async function prepareTokens(stack: LoadStack): Promise<{ tokens: PhaseTokens; stop: () => void }> {
    const started = performance.now();
    const minter = createPacedMinter(stack, { kmsRsaQuotaPerSecond: stack.kmsRsaQuotaPerSecond, signal });
    // At least one: the warm-up reads with it.
    const hot = await minter.mintMany(Math.max(scenario.hotTokens, 1));
    const distinctCount = sources.has('distinct')
      ? (options.distinctTokens ?? scenario.local.distinctTokens ?? 1000)
      : 0;
    if (distinctCount > 0) {
      log(
        `minting ${distinctCount.toLocaleString('en-US')} distinct tokens at most ${minter.ratePerSecond}/s (KMS RSA quota ${stack.kmsRsaQuotaPerSecond}/s)...`,
      );
    }
    const distinct = await minter.mintMany(distinctCount, (n) =>
      log(`  ${n.toLocaleString('en-US')} minted`),
    );
    const invalid = sources.has('invalid') ? await invalidSet(hot[0]!, stack.jwksUrl) : [];
    let stop: () => void = () => undefined;
    let fresh: (() => string) | undefined;
    if (sources.has('fresh')) {
      // A service's token, held as a service holds it (keygate/client); dropped and fetched again on a timer
      // so that after a rotation the next token carries the new kid.
      const service = createTokenSource({
        tokenEndpoint: stack.tokenUrl,
        clientId: stack.clientId,
        clientSecret: stack.clientSecret,
        scope: TOKEN_SCOPE,
      });
      let current = await service.getToken();
      const timer = setInterval(
        () => {
          service.invalidate(current);
          service.getToken().then(
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

  interface Prepared {
    readonly stack: LoadStack;
    readonly tokens: PhaseTokens;
    /** Stops the background re-minting and closes the stack. */
    close(): Promise<void>;
  }

  /** A stack with the scenario's tokens minted and the JIT and connections warmed up. */
  async function prepare(label: string, ttl: number, authorizer?: AuthorizerMode): Promise<Prepared> {
    log(
      `\n== ${label}: ${connections} connections, result cache TTL ${options.startsStacks ? `${ttl} s` : '(external stack)'}`,
    );
    const stack = await openStack(ttl, authorizer);
    let stop = (): void => undefined;
    try {
      log(`stack: api ${stack.apiUrl}, auth ${stack.authUrl}`);
      const prepared = await prepareTokens(stack);
      const tokens = prepared.tokens;
      stop = prepared.stop;
      if (options.warmupSeconds > 0) {
        // Same origins and kinds, but never the distinct pool (its tokens must reach the measured run unseen).
        const blend = scenario.blend.map((b) => {
          const source = REQUEST_KINDS[b.kind].token;
          return source === 'distinct' || source === 'fresh' ? { ...b, kind: 'read' as const } : b;
        });
        log(`warming up for ${options.warmupSeconds} s...`);
        await runPhase({
          scenario: { ...scenario, blend },
          stack,
          durationSeconds: options.warmupSeconds,
          connections,
          tokens,
          signal: signal,
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
      resultsCacheTtlSeconds: options.startsStacks ? ttl : 'external',
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
      // Token requests are KMS Signs: count them against the emulator's quota over the measured run only.
      const watchKms = options.startsStacks && sources.has('client');
      if (watchKms) await stack.kmsQuota(true);
      log(`measuring for ${durationSeconds} s...`);
      const counts = await runPhase({
        scenario,
        stack,
        durationSeconds,
        connections,
        tokens,
        log,
        signal: signal,
        ...(midRun ? { midRun } : {}),
      });
      const base = record(label, ttl, counts, rotated);
      if (!watchKms) return base;
      const kms = await stack.kmsQuota();
      const token = counts.perKind.token;
      const issuedPerSecond = token ? (token.count - token.unexpected) / counts.durationSeconds : 0;
      log(
        `KMS: ${issuedPerSecond.toFixed(0)} tokens/s = ${((100 * issuedPerSecond) / kms.perSecond).toFixed(1)}% of the RSA quota (${kms.perSecond}/s); ` +
          `busiest second ${kms.peakPerSecond} (${((100 * kms.peakPerSecond) / kms.perSecond).toFixed(1)}%), throttled ${kms.throttled}`,
      );
      const local = evaluateThresholds(
        parseThresholds(scenario.localThresholds ?? {}),
        kmsMetrics(kms, counts),
      );
      return { ...base, thresholds: [...base.thresholds, ...local], kms };
    } finally {
      await close();
    }
  }

  /** noisy-client: its own clients and arrival rates (load/local/noisy-client.ts) on a fresh stack. */
  async function noisyPhase(ttl: number): Promise<PhaseRecord> {
    const n = scenario.noisy!;
    const label = n.tiers
      ? `${scenario.name} (usage tier ${n.tiers.noisy.rate}/s, burst ${n.tiers.noisy.burst})`
      : `${scenario.name} (KMS quota ${n.kmsQuotaPerSecond}/s)`;
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
      for (let r = 0; r < COMPARE_ROUNDS && !signal.aborted; r++) {
        for (const i of r % 2 === 0 ? order : [...order].reverse()) {
          if (signal.aborted) break;
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
              signal: signal,
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

  const ttl = scenario.local.resultsCacheTtlSeconds ?? 300;
  if (scenario.noisy) return { phases: [await noisyPhase(ttl)], authorizerRatios: [] };
  if (scenario.local.compareAuthorizers && options.startsStacks) {
    const sides: Side[] = [
      { label: `${scenario.name} (Lambda authorizer, cache TTL ${ttl} s)`, ttl, authorizer: 'lambda' },
      { label: `${scenario.name} (Lambda authorizer, cache off)`, ttl: 0, authorizer: 'lambda' },
      { label: `${scenario.name} (native JWT authorizer)`, ttl, authorizer: 'native' },
    ];
    const compared = await compareSides(sides);
    return {
      phases: compared.records,
      authorizerRatios: compared.ratios.map((ratio, i) => ({ versus: sides[i + 1]!.label, ratio })),
    };
  }
  if (scenario.local.compareCache && options.compare && options.startsStacks) {
    const compared = await compareSides([
      { label: `${scenario.name} (cache TTL ${ttl} s)`, ttl },
      { label: `${scenario.name} (cache off)`, ttl: 0 },
    ]);
    return {
      phases: compared.records,
      ...(compared.ratios[0] ? { cacheRatio: compared.ratios[0] } : {}),
      authorizerRatios: [],
    };
  }
  return { phases: [await phase(`${scenario.name} (cache TTL ${ttl} s)`, ttl)], authorizerRatios: [] };
}
