// The noisy-client and noisy-tenant runs (load/scenarios.ts `noisy`): one client asks at `multiple` x its
// limit while `quietClients` others ask at their normal rate, each client its own autocannon instance at a
// fixed arrival rate. noisy-client asks the token endpoint (issuance limits); noisy-tenant, with `tiers`,
// calls the resource API with each client's token (usage plans). Reports the usual phase counts (the noisy client's requests expect
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
  const tenant = noisy.tiers !== undefined;
  const loud = tenant
    ? await stack.createClient(DEFAULT_ISSUANCE_RATE_PER_SECOND, 'noisy')
    : await stack.createClient(noisy.limitPerSecond);
  const quiet = await Promise.all(
    Array.from({ length: noisy.quietClients }, () => stack.createClient(DEFAULT_ISSUANCE_RATE_PER_SECOND)),
  );
  // noisy-tenant: one token per client, minted before the measurement.
  const tokens = tenant
    ? new Map(
        await Promise.all(
          [loud, ...quiet].map(async (c) => [c.clientId, await mintFor(stack.tokenUrl, c)] as const),
        ),
      )
    : undefined;
  await stack.kmsQuota(true);
  const kinds = tenant
    ? ({ noisy: 'read-noisy', quiet: 'read' } as const)
    : ({ noisy: 'token-noisy', quiet: 'token' } as const);

  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  const perGroup = { noisy: {} as Record<string, number>, quiet: {} as Record<string, number> };
  const perKind: PhaseCounts['perKind'] = {
    [kinds.noisy]: { count: 0, unexpected: 0, latenciesMs: [] },
    [kinds.quiet]: { count: 0, unexpected: 0, latenciesMs: [] },
  };
  let errors = 0;
  let unexpected = 0;
  const kmsPerSecond: number[] = [];
  let secondResponses = 0;
  let secondFailures = 0;

  const drive = (c: { clientId: string; clientSecret: string }, group: 'noisy' | 'quiet', rate: number) => {
    const kind = kinds[group];
    const def = REQUEST_KINDS[kind];
    const url = def.target === 'api' ? `${stack.apiUrl}${def.path}` : stack.tokenUrl;
    const instance = autocannon({
      url,
      connections: group === 'noisy' ? 4 : 1,
      overallRate: rate,
      duration: plan.durationSeconds,
      timeout: 10,
      requests: [
        tokens
          ? {
              method: def.method,
              path: new URL(url).pathname,
              headers: { authorization: `Bearer ${tokens.get(c.clientId)}` },
            }
          : {
              method: 'POST',
              path: new URL(url).pathname,
              body: TOKEN_REQUEST_BODY,
              headers: {
                authorization: basicAuthorization(c.clientId, c.clientSecret),
                'content-type': 'application/x-www-form-urlencoded',
              },
            },
      ],
    }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
    const expect = def.expect;
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

/** One access token for a noisy-tenant client (HTTP Basic at the token endpoint). */
async function mintFor(tokenUrl: string, c: { clientId: string; clientSecret: string }): Promise<string> {
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: {
      authorization: basicAuthorization(c.clientId, c.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: TOKEN_REQUEST_BODY,
  });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status} for a load client`);
  return ((await res.json()) as { access_token: string }).access_token;
}
