// The load scenarios are data both k6 and the local runner trust: every one must be well-formed, and the
// local runner must judge k6 thresholds exactly as k6 would.
import { describe, expect, it } from 'vitest';
import { blendSequence, REQUEST_KINDS, SCENARIO_NAMES, SCENARIOS } from '../../load/scenarios.js';
import {
  evaluateThresholds,
  type MetricSample,
  parseThreshold,
  parseThresholds,
  percentileOf,
  ThresholdSyntaxError,
} from '../../load/thresholds.js';

const K6_DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

describe('scenarios', () => {
  it('has the scenarios the issues name, each keyed by its own name', () => {
    expect([...SCENARIO_NAMES].sort()).toEqual([
      'authorizer-modes',
      'cache-hit',
      'cache-miss',
      'invalid',
      'mixed',
      'noisy-client',
      'noisy-tenant',
      'rotation',
      'token-endpoint',
    ]);
    for (const name of SCENARIO_NAMES) expect(SCENARIOS[name].name).toBe(name);
  });

  it.each(SCENARIO_NAMES)('%s: executor parameters are complete for k6', (name) => {
    const { executor, aws } = SCENARIOS[name];
    if (executor === 'constant-arrival-rate') {
      expect(aws.rate).toBeGreaterThan(0);
      expect(aws.duration).toMatch(K6_DURATION);
      expect(aws.preAllocatedVUs).toBeGreaterThan(0);
      expect(aws.maxVUs).toBeGreaterThanOrEqual(aws.preAllocatedVUs!);
    } else if (executor === 'ramping-arrival-rate') {
      expect(aws.stages!.length).toBeGreaterThan(0);
      for (const s of aws.stages!) expect(s.duration).toMatch(K6_DURATION);
      expect(aws.preAllocatedVUs).toBeGreaterThan(0);
    } else {
      expect(aws.vus).toBeGreaterThan(0);
      expect(aws.duration).toMatch(K6_DURATION);
    }
  });

  it.each(SCENARIO_NAMES)('%s: local run is short and small enough for a 2-core machine', (name) => {
    const { local } = SCENARIOS[name];
    expect(local.durationSeconds).toBeGreaterThanOrEqual(5);
    expect(local.durationSeconds).toBeLessThanOrEqual(30);
    expect(local.connections).toBeGreaterThan(0);
    expect(local.connections).toBeLessThanOrEqual(32);
  });

  it.each(SCENARIO_NAMES)('%s: thresholds parse and cover latency, failures and 5xx', (name) => {
    const { thresholds } = SCENARIOS[name];
    const parsed = parseThresholds(thresholds);
    expect(parsed.length).toBeGreaterThan(0);
    const metrics = new Set(parsed.map((t) => t.metric));
    for (const m of ['http_req_duration', 'http_req_failed', 'checks', 'server_errors'])
      expect(metrics).toContain(m);
  });

  it.each(SCENARIO_NAMES)(
    '%s: blend has known kinds with positive weights and the pools it needs',
    (name) => {
      const s = SCENARIOS[name];
      expect(s.blend.length).toBeGreaterThan(0);
      for (const b of s.blend) {
        expect(REQUEST_KINDS[b.kind]).toBeDefined();
        expect(b.weight).toBeGreaterThan(0);
        const source = REQUEST_KINDS[b.kind].token;
        if (source === 'hot') expect(s.hotTokens).toBeGreaterThan(0);
        if (source === 'distinct') {
          expect(s.aws.distinctTokens).toBeGreaterThan(0);
          expect(s.local.distinctTokens).toBeGreaterThan(0);
        }
        if (source === 'fresh') expect(s.remintEverySeconds).toBeGreaterThan(0);
      }
    },
  );

  it('cache-miss never presents a token twice on AWS and outruns the verified-token cache locally', () => {
    const s = SCENARIOS['cache-miss'];
    const seconds = Number(s.aws.duration!.replace('s', ''));
    expect(s.aws.distinctTokens).toBeGreaterThanOrEqual(s.aws.rate! * seconds);
    expect(s.local.distinctTokens).toBeGreaterThan(s.local.tokenCacheSize!);
    expect(s.local.resultsCacheTtlSeconds).toBe(0);
  });

  it('noisy-tenant: the noisy client asks 10x its tier; the quiet ones together stay within theirs', () => {
    const n = SCENARIOS['noisy-tenant'].noisy!;
    expect(n.tiers!.noisy.rate).toBe(n.limitPerSecond);
    expect(n.multiple).toBe(10);
    expect(n.quietClients).toBe(10);
    // One key per tier: the quiet clients share the default tier's bucket (docs/tenants.md#usage-tiers).
    expect(n.quietClients * n.quietRatePerSecond).toBeLessThanOrEqual(n.tiers!.quiet.rate / 2);
    expect(REQUEST_KINDS['read-noisy'].expect).toEqual([200, 429]);
    expect(Object.keys(SCENARIOS['noisy-tenant'].localThresholds!)).toEqual([
      'well_behaved_success',
      'noisy_rate_limited',
      'noisy_server_errors',
    ]);
  });

  it('noisy-client: the noisy client alone would exceed the KMS quota; limits keep everyone within it', () => {
    const s = SCENARIOS['noisy-client'];
    const n = s.noisy!;
    expect(n.multiple).toBe(10);
    expect(n.quietClients).toBe(10);
    expect(n.limitPerSecond * n.multiple).toBeGreaterThan(n.kmsQuotaPerSecond);
    // Sustained demand within the limits, plus the noisy client's burst, fits the quota.
    expect(n.limitPerSecond * 2 + n.quietClients * n.quietRatePerSecond).toBeLessThanOrEqual(
      n.kmsQuotaPerSecond,
    );
    expect(REQUEST_KINDS['token-noisy'].expect).toEqual([200, 429]);
    const local = parseThresholds(s.localThresholds!);
    expect(local.map((t) => t.metric).sort()).toEqual([
      'kms_requests_per_second',
      'kms_throttled',
      'noisy_rate_limited',
      'noisy_server_errors',
      'well_behaved_success',
    ]);
  });

  it.each(['token-endpoint', 'mixed'] as const)(
    '%s asks for tokens, so a local run holds KMS to no throttling and its busiest second inside the quota',
    (name) => {
      expect(SCENARIOS[name].blend.some((b) => REQUEST_KINDS[b.kind].token === 'client')).toBe(true);
      expect(SCENARIOS[name].localThresholds).toEqual({
        kms_throttled: ['count==0'],
        kms_quota_share: ['max<=1'],
      });
    },
  );

  it('invalid expects only 401 and tolerates no failed check', () => {
    const s = SCENARIOS.invalid;
    for (const b of s.blend) expect(REQUEST_KINDS[b.kind].expect).toEqual([401]);
    expect(s.thresholds.checks).toEqual(['rate==1']);
  });

  it('blendSequence spreads the weights exactly over 100 requests and interleaves them', () => {
    const seq = blendSequence(SCENARIOS.mixed, 100);
    const count = (k: string) => seq.filter((x) => x === k).length;
    for (const b of SCENARIOS.mixed.blend) expect(count(b.kind)).toBe(b.weight);
    // Interleaved, not blocked: the 70 reads never run more than 4 in a row.
    expect(seq.join(',')).not.toMatch(/(read,){5}/);
    expect(blendSequence({ blend: [{ kind: 'token', weight: 3 }] }, 5)).toEqual(Array(5).fill('token'));
  });
});

describe('thresholds', () => {
  it('parses every k6 aggregation and operator', () => {
    expect(parseThreshold('http_req_duration', 'p(95)<200')).toEqual({
      metric: 'http_req_duration',
      source: 'p(95)<200',
      aggregation: 'p',
      percentile: 95,
      operator: '<',
      value: 200,
    });
    expect(parseThreshold('d', 'p(99.9) <= 1000.5')).toMatchObject({
      percentile: 99.9,
      operator: '<=',
      value: 1000.5,
    });
    expect(parseThreshold('f', 'rate==0')).toMatchObject({ aggregation: 'rate', operator: '==', value: 0 });
    expect(parseThreshold('c', 'count>=10')).toMatchObject({
      aggregation: 'count',
      operator: '>=',
      value: 10,
    });
    expect(parseThreshold('d', 'avg!=-1')).toMatchObject({ operator: '!=', value: -1 });
    expect(parseThreshold('d', 'avg===3').operator).toBe('===');
  });

  it.each(['avg', 'min', 'max', 'med'])('parses the %s aggregation', (agg) => {
    expect(parseThreshold('d', `${agg}>1`).aggregation).toBe(agg);
  });

  it.each(['p95<200', 'p(95)<', 'rate<<1', 'mean<3', '', 'p(101)<1', 'rate<0.01 garbage'])(
    'rejects the malformed expression %j',
    (bad) => {
      expect(() => parseThreshold('m', bad)).toThrow(ThresholdSyntaxError);
    },
  );

  it('computes percentiles as k6 does (linear interpolation between closest ranks)', () => {
    const sorted = Array.from({ length: 10 }, (_, i) => i + 1); // 1..10
    expect(percentileOf(sorted, 50)).toBeCloseTo(5.5, 10);
    expect(percentileOf(sorted, 95)).toBeCloseTo(9.55, 10);
    expect(percentileOf(sorted, 0)).toBe(1);
    expect(percentileOf(sorted, 100)).toBe(10);
    expect(percentileOf([7], 99)).toBe(7);
    expect(percentileOf([], 99)).toBeNaN();
  });

  const trend = (values: number[]): MetricSample => ({ type: 'trend', values });
  // 1..100 ms: p(95) = 95.05, p(99) = 99.01, avg 50.5, med 50.5.
  const durations = trend(Array.from({ length: 100 }, (_, i) => 100 - i));

  it('passes when every threshold holds', () => {
    const verdicts = evaluateThresholds(
      parseThresholds({
        http_req_duration: ['p(95)<96', 'p(99)<100', 'avg<=50.5', 'med<51', 'max<=100', 'min>=1'],
        http_req_failed: ['rate<0.01'],
        checks: ['rate>0.99'],
        http_reqs: ['count==100', 'rate>=10'],
      }),
      {
        http_req_duration: durations,
        http_req_failed: { type: 'rate', trues: 0, total: 100 },
        checks: { type: 'rate', trues: 100, total: 100 },
        http_reqs: { type: 'counter', count: 100, durationSeconds: 10 },
      },
    );
    expect(verdicts.every((v) => v.pass)).toBe(true);
    expect(verdicts.find((v) => v.expression === 'p(95)<96')!.actual).toBeCloseTo(95.05, 10);
    expect(verdicts.find((v) => v.expression === 'rate>=10')!.actual).toBe(10);
  });

  it('fails exactly the thresholds that are missed', () => {
    const verdicts = evaluateThresholds(
      parseThresholds({
        http_req_duration: ['p(95)<95', 'p(99)<100'],
        http_req_failed: ['rate<0.01'],
        server_errors: ['rate==0'],
      }),
      {
        http_req_duration: durations,
        http_req_failed: { type: 'rate', trues: 1, total: 100 },
        server_errors: { type: 'rate', trues: 1, total: 1000 },
      },
    );
    expect(verdicts.map((v) => [v.expression, v.pass])).toEqual([
      ['p(95)<95', false],
      ['p(99)<100', true],
      ['rate<0.01', false],
      ['rate==0', false],
    ]);
    expect(verdicts[2]!.actual).toBe(0.01);
    expect(verdicts[3]!.actual).toBe(0.001);
  });

  it('fails a threshold whose metric was never measured, and one on an empty trend', () => {
    const verdicts = evaluateThresholds(
      parseThresholds({ checks: ['rate>0.99'], http_req_duration: ['p(95)<1'] }),
      {
        http_req_duration: trend([]),
      },
    );
    expect(verdicts.map((v) => v.pass)).toEqual([false, false]);
  });

  it('refuses an aggregation that does not apply to the metric type', () => {
    expect(() =>
      evaluateThresholds(parseThresholds({ checks: ['p(95)<1'] }), {
        checks: { type: 'rate', trues: 1, total: 1 },
      }),
    ).toThrow(ThresholdSyntaxError);
  });
});
