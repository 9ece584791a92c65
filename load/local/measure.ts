// One load phase: autocannon instances (one per origin: the resource API and, when the blend has token
// requests, the auth API) sending the scenario's request blend, with per-response latency, status and
// expected-status bookkeeping, a per-second timeline (progress lines, report charts) and early stop on
// an abort signal (Ctrl-C: the counts so far are returned).
import autocannon from 'autocannon';
import { blendSequence, REQUEST_KINDS, type RequestKind, type ScenarioDef } from '../scenarios.js';
import { type PhaseCounts, progressLine } from './report.js';
import type { LoadStack } from './stack.js';
import { createTimeline, responsesIn } from './timeline.js';
import { basicAuthorization, TOKEN_REQUEST_BODY } from './tokens.js';

export interface PhaseTokens {
  readonly hot: readonly string[];
  readonly distinct: readonly string[];
  readonly invalid: readonly { readonly label: string; readonly header: string }[];
  /** The current `fresh` token (re-minted in the background). */
  readonly fresh?: () => string;
}

export interface PhasePlan {
  readonly scenario: ScenarioDef;
  readonly stack: LoadStack;
  readonly durationSeconds: number;
  readonly connections: number;
  readonly tokens: PhaseTokens;
  readonly log?: (line: string) => void;
  /** Something to do part-way through (key rotation). */
  readonly midRun?: { readonly atSeconds: number; readonly action: () => Promise<void> };
  /** Stops the phase early (Ctrl-C); what was measured until then is returned. */
  readonly signal?: AbortSignal;
}

const basePath = (url: string) => new URL(url).pathname.replace(/\/+$/, '');

/**
 * Token requests start at most at this share of the stack's KMS RSA quota (one Sign each): a closed loop
 * that outruns the quota measures KMS throttling (503s), not keygate. Minting (./paced-minter.ts) has the
 * same budget before the run; during it only rotation re-mints, one token every few seconds.
 */
export const TOKEN_LOAD_QUOTA_SHARE = 0.5;

export async function runPhase(plan: PhasePlan): Promise<PhaseCounts> {
  const { scenario, stack, tokens } = plan;
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  const perKind: Record<string, { count: number; unexpected: number; latenciesMs: number[] }> = {};
  let unexpected = 0;
  let errors = 0;
  const timeline = createTimeline();
  // onResponse (per request kind) and the instance's 'response' event fire synchronously one after the
  // other for the same response, so this carries the kind across.
  let lastKind: RequestKind = scenario.blend[0]!.kind;
  const cursor: Record<string, number> = {};
  const pick = <T>(list: readonly T[], key: string): T => {
    const i = cursor[key] ?? 0;
    cursor[key] = i + 1;
    return list[i % list.length]!;
  };

  const authorization = (kind: RequestKind): string => {
    switch (REQUEST_KINDS[kind].token) {
      case 'hot':
        return `Bearer ${pick(tokens.hot, 'hot')}`;
      case 'distinct':
        return `Bearer ${pick(tokens.distinct, 'distinct')}`;
      case 'fresh':
        return `Bearer ${tokens.fresh?.() ?? ''}`;
      case 'invalid':
        return pick(tokens.invalid, 'invalid').header;
      case 'client':
        return basicAuthorization(stack.clientId, stack.clientSecret);
    }
  };

  const request = (kind: RequestKind): autocannon.Request => {
    const def = REQUEST_KINDS[kind];
    const origin = def.target === 'auth' ? stack.tokenUrl : stack.apiUrl;
    const path = def.target === 'auth' ? new URL(stack.tokenUrl).pathname : `${basePath(origin)}${def.path}`;
    const body =
      def.token === 'client'
        ? TOKEN_REQUEST_BODY
        : def.method === 'POST'
          ? '{"name":"load test"}'
          : undefined;
    const contentType =
      def.token === 'client' ? 'application/x-www-form-urlencoded' : body ? 'application/json' : undefined;
    return {
      method: def.method,
      path,
      ...(body ? { body } : {}),
      setupRequest: (req) => ({
        ...req,
        headers: {
          authorization: authorization(kind),
          ...(contentType ? { 'content-type': contentType } : {}),
        },
      }),
      onResponse: (status) => {
        lastKind = kind;
        if (!def.expect.includes(status)) {
          unexpected++;
          timeline.failure();
          const k = perKind[kind];
          if (k) k.unexpected++;
        }
      },
    };
  };

  // One autocannon instance per origin; connections split by the blend's weights (at least one each).
  const groups = (['api', 'auth'] as const)
    .map((target) => ({
      target,
      blend: scenario.blend.filter((b) => REQUEST_KINDS[b.kind].target === target),
    }))
    .filter((g) => g.blend.length > 0);
  const totalWeight = scenario.blend.reduce((n, b) => n + b.weight, 0);
  for (const b of scenario.blend) perKind[b.kind] = { count: 0, unexpected: 0, latenciesMs: [] };

  const started = performance.now();
  const instances = groups.map((g) => {
    const weight = g.blend.reduce((n, b) => n + b.weight, 0);
    const connections =
      groups.length === 1
        ? plan.connections
        : Math.max(1, Math.round((plan.connections * weight) / totalWeight));
    const url = g.target === 'auth' ? stack.tokenUrl : stack.apiUrl;
    // Without a callback autocannon returns its event emitter with then/catch attached (lib/init.js);
    // @types/autocannon only declares the Promise side.
    const instance = autocannon({
      url,
      connections,
      ...(g.target === 'auth'
        ? { overallRate: Math.max(1, Math.floor(stack.kmsRsaQuotaPerSecond * TOKEN_LOAD_QUOTA_SHARE)) }
        : {}),
      duration: plan.durationSeconds,
      timeout: 10,
      requests: blendSequence({ blend: g.blend }, 100).map(request),
    }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latenciesMs.push(responseTime);
      timeline.response(statusCode, responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      const k = perKind[lastKind]!;
      k.count++;
      k.latenciesMs.push(responseTime);
    });
    instance.on('reqError', () => timeline.failure());
    return instance;
  });

  const ticker = setInterval(() => {
    const s = timeline.tick();
    plan.log?.(progressLine(s.second, responsesIn(s), s.failures));
  }, 1000);
  // autocannon's stop() ends the run and resolves it with what it has.
  const stop = () => {
    for (const i of instances) i.stop();
  };
  if (plan.signal?.aborted) stop();
  plan.signal?.addEventListener('abort', stop, { once: true });
  let midAction: Promise<void> | undefined;
  let midSettled = false;
  const mid = plan.midRun
    ? setTimeout(() => {
        plan.log?.(`  -- ${plan.midRun!.atSeconds}s: mid-run action`);
        midAction = plan
          .midRun!.action()
          .catch((e: unknown) => plan.log?.(`  mid-run action failed: ${(e as Error).message}`))
          .finally(() => {
            midSettled = true;
          });
      }, plan.midRun.atSeconds * 1000)
    : undefined;
  try {
    const results = await Promise.all(instances);
    for (const r of results) errors += r.errors;
  } finally {
    clearInterval(ticker);
    if (mid) clearTimeout(mid);
    plan.signal?.removeEventListener('abort', stop);
  }
  // An action the run started is awaited, never left running against a stack that is about to close (a
  // key rotation on a loaded machine can outlast a short run: requests then met it in progress only).
  if (midAction && !midSettled) {
    plan.log?.('  the mid-run action outlasted the run: waiting for it');
    await midAction;
  }
  if (timeline.pending()) timeline.tick();
  return {
    durationSeconds: (performance.now() - started) / 1000,
    latenciesMs,
    statuses,
    unexpected,
    errors,
    perKind,
    perSecond: timeline.samples(),
  };
}
