// The noisy-client run (load/scenarios.ts `noisy`): one client asks the token endpoint at `multiple` x its
// issuance limit while `quietClients` others ask at their normal rate, each client its own autocannon
// instance at a fixed arrival rate. Reports the usual phase counts (the noisy client's requests expect
// 200 or 429, the others 200), the local-only metrics the scenario's localThresholds judge, and the KMS
// emulator's busiest second.
import autocannon from 'autocannon';
import { DEFAULT_ISSUANCE_RATE_PER_SECOND } from '../../core/issuer/index.js';
import { REQUEST_KINDS, type ScenarioDef } from '../scenarios.js';
import type { MetricSample } from '../thresholds.js';
import { type PhaseCounts, progressLine } from './report.js';
import type { KmsQuotaReport, LoadStack } from './stack.js';
import { basicAuthorization, TOKEN_REQUEST_BODY } from './tokens.js';

export interface NoisyClientResult {
  readonly counts: PhaseCounts;
  readonly metrics: Record<string, MetricSample>;
  readonly kms: KmsQuotaReport;
  readonly perGroup: Readonly<Record<'noisy' | 'quiet', Readonly<Record<string, number>>>>;
}

export async function runNoisyClient(plan: {
  readonly scenario: ScenarioDef;
  readonly stack: LoadStack;
  readonly durationSeconds: number;
  readonly log?: (line: string) => void;
}): Promise<NoisyClientResult> {
  const noisy = plan.scenario.noisy;
  if (!noisy) throw new Error(`scenario ${plan.scenario.name} has no noisy-client settings`);
  const { stack } = plan;
  const loud = await stack.createClient(noisy.limitPerSecond);
  const quiet = await Promise.all(
    Array.from({ length: noisy.quietClients }, () => stack.createClient(DEFAULT_ISSUANCE_RATE_PER_SECOND)),
  );
  await stack.kmsQuota(true);

  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  const perGroup = { noisy: {} as Record<string, number>, quiet: {} as Record<string, number> };
  const perKind: PhaseCounts['perKind'] = {
    'token-noisy': { count: 0, unexpected: 0, latenciesMs: [] },
    token: { count: 0, unexpected: 0, latenciesMs: [] },
  };
  let errors = 0;
  let unexpected = 0;
  const kmsPerSecond: number[] = [];
  let secondResponses = 0;
  let secondFailures = 0;

  const path = new URL(stack.tokenUrl).pathname;
  const drive = (c: { clientId: string; clientSecret: string }, group: 'noisy' | 'quiet', rate: number) => {
    const kind = group === 'noisy' ? 'token-noisy' : 'token';
    const expect = REQUEST_KINDS[kind].expect;
    const instance = autocannon({
      url: stack.tokenUrl,
      connections: group === 'noisy' ? 4 : 1,
      overallRate: rate,
      duration: plan.durationSeconds,
      timeout: 10,
      requests: [
        {
          method: 'POST',
          path,
          body: TOKEN_REQUEST_BODY,
          headers: {
            authorization: basicAuthorization(c.clientId, c.clientSecret),
            'content-type': 'application/x-www-form-urlencoded',
          },
        },
      ],
    }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latenciesMs.push(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      perGroup[group][statusCode] = (perGroup[group][statusCode] ?? 0) + 1;
      const k = perKind[kind] as { count: number; unexpected: number; latenciesMs: number[] };
      k.count++;
      k.latenciesMs.push(responseTime);
      secondResponses++;
      if (!expect.includes(statusCode)) {
        unexpected++;
        k.unexpected++;
        secondFailures++;
      }
    });
    instance.on('reqError', () => {
      secondFailures++;
    });
    return instance;
  };

  const started = performance.now();
  const instances = [
    drive(loud, 'noisy', noisy.limitPerSecond * noisy.multiple),
    ...quiet.map((c) => drive(c, 'quiet', noisy.quietRatePerSecond)),
  ];
  let second = 0;
  const ticker = setInterval(() => {
    second++;
    plan.log?.(progressLine(second, secondResponses, secondFailures));
    secondResponses = 0;
    secondFailures = 0;
    // The emulator's busiest second so far; each new peak is one sample of the trend.
    stack.kmsQuota().then(
      (k) => kmsPerSecond.push(k.peakPerSecond),
      () => undefined,
    );
  }, 1000);
  try {
    for (const r of await Promise.all(instances)) errors += r.errors;
  } finally {
    clearInterval(ticker);
  }
  const kms = await stack.kmsQuota();
  kmsPerSecond.push(kms.peakPerSecond);

  const total = (g: Record<string, number>) => Object.values(g).reduce((n, v) => n + v, 0);
  const quietTotal = total(perGroup.quiet);
  const noisyTotal = total(perGroup.noisy);
  const serverErrors = (g: Record<string, number>) =>
    Object.entries(g).reduce((n, [code, v]) => (Number(code) >= 500 ? n + v : n), 0);
  return {
    counts: {
      durationSeconds: (performance.now() - started) / 1000,
      latenciesMs,
      statuses,
      unexpected,
      errors,
      perKind,
    },
    metrics: {
      well_behaved_success: { type: 'rate', trues: perGroup.quiet['200'] ?? 0, total: quietTotal },
      noisy_rate_limited: { type: 'rate', trues: perGroup.noisy['429'] ?? 0, total: noisyTotal },
      noisy_server_errors: { type: 'rate', trues: serverErrors(perGroup.noisy), total: noisyTotal },
      kms_requests_per_second: { type: 'trend', values: kmsPerSecond },
      kms_throttled: { type: 'counter', count: kms.throttled, durationSeconds: plan.durationSeconds },
    },
    kms,
    perGroup,
  };
}
