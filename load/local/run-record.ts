// What a load:local run reports: the phase tables, ratios and threshold verdicts it prints, and the record
// written to load/results/<scenario>.json.
import type { EnvironmentRecord } from '../../measure/environment.js';
import type { ScenarioDef } from '../scenarios.js';
import { formatKinds, formatPhases, formatVerdicts } from './report.js';
import { COMPARE_ROUNDS, type LoadRun } from './runner.js';

/** Prints the phase tables, ratios and threshold verdicts; returns whether the run failed. */
export function reportLoad(scenario: ScenarioDef, run: LoadRun, log: (line: string) => void): boolean {
  const { phases, cacheRatio, authorizerRatios } = run;
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
      log(
        'FAIL  no signing-key rotation completed (the stack cannot rotate, or the rotation failed: see above)',
      );
      failed = true;
    }
  }
  return failed;
}

/** What load/results/<scenario>.json holds. */
export function loadRecord(
  run: LoadRun,
  context: {
    readonly scenario: ScenarioDef;
    readonly command: string;
    readonly environment: EnvironmentRecord;
    readonly durationSeconds: number;
    readonly connections: number;
    readonly pass: boolean;
    readonly interrupted: string | undefined;
  },
): Record<string, unknown> {
  const { phases, cacheRatio, authorizerRatios } = run;
  const { scenario, interrupted } = context;
  return {
    scenario: scenario.name,
    description: scenario.description,
    command: context.command,
    environment: context.environment,
    durationSeconds: context.durationSeconds,
    connections: context.connections,
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
    pass: context.pass,
    ...(interrupted ? { interrupted } : {}),
  };
}
