// The load scenarios as data, shared by the k6 scripts (load/k6/, against the deployed stack) and the
// local autocannon runner (load/local/, against the local stack). No imports: k6 loads this file as is.

export type Executor = 'constant-arrival-rate' | 'ramping-arrival-rate' | 'constant-vus';

export type ScenarioName =
  | 'cache-hit'
  | 'cache-miss'
  | 'token-endpoint'
  | 'invalid'
  | 'mixed'
  | 'rotation'
  | 'authorizer-modes'
  | 'noisy-client'
  | 'noisy-tenant';

/**
 * Where a request's token comes from:
 * - `hot`: a handful of tokens minted up front and reused (API Gateway's result cache hits);
 * - `distinct`: a pool minted up front, larger than any cache, walked in order (every request a miss);
 * - `fresh`: re-minted every `remintEverySeconds` (rotation: new tokens carry the newly published kid);
 * - `invalid`: forged, tampered, expired, alg-confused and garbage tokens (only 401, never 5xx);
 * - `client`: no bearer token; the client's id and secret by HTTP Basic (token endpoint).
 */
export type TokenSource = 'hot' | 'distinct' | 'fresh' | 'invalid' | 'client';

export type RequestKind =
  | 'read'
  | 'read-item'
  | 'read-distinct'
  | 'read-fresh'
  | 'write-denied'
  | 'invalid'
  | 'token'
  | 'token-noisy'
  | 'read-noisy';

export interface RequestKindDef {
  readonly method: 'GET' | 'POST';
  /** `api`: the resource API; `auth`: the authorization server. */
  readonly target: 'api' | 'auth';
  readonly path: string;
  readonly token: TokenSource;
  /** Statuses that count as success (k6 `http.expectedStatuses`); anything else fails the request. */
  readonly expect: readonly number[];
}

export const REQUEST_KINDS: Readonly<Record<RequestKind, RequestKindDef>> = {
  read: { method: 'GET', target: 'api', path: '/products', token: 'hot', expect: [200] },
  // p-1001 is in the seeded catalogue (examples/products/catalog.ts); a deployment whose catalogue lost it
  // answers 404, which is the handler's correct answer, not a failure.
  'read-item': { method: 'GET', target: 'api', path: '/products/p-1001', token: 'hot', expect: [200, 404] },
  'read-distinct': { method: 'GET', target: 'api', path: '/products', token: 'distinct', expect: [200] },
  'read-fresh': { method: 'GET', target: 'api', path: '/products', token: 'fresh', expect: [200] },
  // A products/read token on a products/write route: the cached policy must deny it (docs/design.md#result-cache).
  'write-denied': { method: 'POST', target: 'api', path: '/products', token: 'hot', expect: [403] },
  invalid: { method: 'GET', target: 'api', path: '/products', token: 'invalid', expect: [401] },
  token: { method: 'POST', target: 'auth', path: '/oauth2/token', token: 'client', expect: [200] },
  // A client asking faster than its issuance rate: 429 (RFC 6585) is the right answer, a 5xx never is.
  'token-noisy': {
    method: 'POST',
    target: 'auth',
    path: '/oauth2/token',
    token: 'client',
    expect: [200, 429],
  },
  // A client calling the API faster than its usage tier: API Gateway's 429 is the right answer, a 5xx never is.
  'read-noisy': { method: 'GET', target: 'api', path: '/products', token: 'hot', expect: [200, 429] },
};

/** k6 executor parameters for the deployed stack (durations in k6 syntax). */
export interface AwsLoad {
  readonly rate?: number;
  readonly timeUnit?: string;
  readonly duration?: string;
  readonly startRate?: number;
  readonly stages?: readonly { readonly target: number; readonly duration: string }[];
  readonly vus?: number;
  readonly preAllocatedVUs?: number;
  readonly maxVUs?: number;
  /** Tokens minted in setup() for the `distinct` source. */
  readonly distinctTokens?: number;
}

/** autocannon parameters for the local stack, sized for a 2-core machine. */
export interface LocalLoad {
  readonly durationSeconds: number;
  readonly connections: number;
  /** Overall requests/s cap; absent = as fast as the stack answers (closed loop). */
  readonly overallRate?: number;
  /** Tokens minted before the run for the `distinct` source. */
  readonly distinctTokens?: number;
  /**
   * The local gateway's result-cache TTL for this run. `cache-miss` turns it off: a pool minted ahead
   * of time cannot outrun a 300 s cache at local throughput.
   */
  readonly resultsCacheTtlSeconds?: number;
  /**
   * The local authorizer's verified-token cache size (TOKEN_CACHE_SIZE). `cache-miss` walks a pool
   * larger than it in order, so the LRU misses on every lookup (and still pays its insert/evict cost),
   * without minting 10,000+ tokens at the local token endpoint's rate (one KMS emulator RSA signature each).
   */
  readonly tokenCacheSize?: number;
  /** Also run the same load with the result cache off, in alternating rounds, and report both (what the cache buys). */
  readonly compareCache?: boolean;
  /**
   * Run the same load against three local stacks at once, in alternating rounds: keygate's Lambda TOKEN
   * authorizer with the result cache on and off, and API Gateway's native JWT authorizer (emulated).
   */
  readonly compareAuthorizers?: boolean;
}

/**
 * Several clients at their own rates on the token endpoint (local runner only: it creates the clients):
 * one at `multiple` x its issuance limit, `quietClients` others at `quietRatePerSecond`, the KMS
 * emulator's RSA quota lowered to `kmsQuotaPerSecond` so that without per-client limits the noisy
 * client alone would exceed it.
 */
export interface NoisyClientsLoad {
  readonly limitPerSecond: number;
  readonly multiple: number;
  readonly quietClients: number;
  readonly quietRatePerSecond: number;
  readonly kmsQuotaPerSecond: number;
  /**
   * noisy-tenant: the clients call the resource API, throttled by usage plans instead of issuance limits.
   * The noisy client is in tier `noisy` (rate `limitPerSecond`), the others in the default tier (`quiet`).
   */
  readonly tiers?: {
    readonly noisy: { readonly rate: number; readonly burst: number };
    readonly quiet: { readonly rate: number; readonly burst: number };
  };
}

export interface ScenarioDef {
  readonly name: ScenarioName;
  readonly description: string;
  readonly executor: Executor;
  readonly aws: AwsLoad;
  readonly local: LocalLoad;
  /** Request kinds and their relative weights. */
  readonly blend: readonly { readonly kind: RequestKind; readonly weight: number }[];
  /** How many `hot` tokens to mint. */
  readonly hotTokens: number;
  /** For the `fresh` source: seconds between re-mints. */
  readonly remintEverySeconds?: number;
  /**
   * k6 thresholds (https://grafana.com/docs/k6/latest/using-k6/thresholds/). The local runner parses
   * and evaluates the same strings (load/thresholds.ts). `server_errors` is a Rate of 5xx responses.
   */
  readonly thresholds: Readonly<Record<string, readonly string[]>>;
  readonly noisy?: NoisyClientsLoad;
  /**
   * Thresholds on metrics only the local runner measures (k6 refuses thresholds on metrics a script
   * never emits): `well_behaved_success` (rate), `noisy_rate_limited` (rate of 429s), `noisy_server_errors`
   * (rate), `kms_requests_per_second` (trend, one value per second), `kms_throttled` (counter),
   * `kms_quota_share` (trend: the busiest second's KMS Signs over the emulator's quota).
   */
  readonly localThresholds?: Readonly<Record<string, readonly string[]>>;
}

const common = {
  http_req_failed: ['rate<0.01'],
  checks: ['rate>0.99'],
  server_errors: ['rate==0'],
} as const;

/** Local runs that request tokens: KMS never throttles and its busiest second stays inside the quota. */
const kmsWithinQuota = { kms_throttled: ['count==0'], kms_quota_share: ['max<=1'] } as const;

export const SCENARIOS: Readonly<Record<ScenarioName, ScenarioDef>> = {
  'cache-hit': {
    name: 'cache-hit',
    description:
      'Few tokens, many requests: after the first request per token, API Gateway answers from its result cache.',
    executor: 'constant-arrival-rate',
    aws: { rate: 200, timeUnit: '1s', duration: '2m', preAllocatedVUs: 50, maxVUs: 200 },
    local: { durationSeconds: 15, connections: 10, resultsCacheTtlSeconds: 300, compareCache: true },
    blend: [{ kind: 'read', weight: 1 }],
    hotTokens: 4,
    thresholds: { ...common, http_req_duration: ['p(95)<200', 'p(99)<500'] },
  },
  'cache-miss': {
    name: 'cache-miss',
    description:
      'A pool of distinct tokens minted up front, larger than any cache: every request runs the authorizer and a full RS256 verification.',
    executor: 'constant-arrival-rate',
    // 50/s for 60 s = 3000 requests: with 3100 tokens no token is ever presented twice.
    aws: {
      rate: 50,
      timeUnit: '1s',
      duration: '60s',
      preAllocatedVUs: 20,
      maxVUs: 100,
      distinctTokens: 3100,
    },
    local: {
      durationSeconds: 15,
      connections: 10,
      distinctTokens: 1500,
      tokenCacheSize: 1000,
      resultsCacheTtlSeconds: 0,
    },
    blend: [{ kind: 'read-distinct', weight: 1 }],
    hotTokens: 1,
    thresholds: { ...common, http_req_duration: ['p(95)<300', 'p(99)<800'] },
  },
  'token-endpoint': {
    name: 'token-endpoint',
    description:
      "Client-credentials throughput: DynamoDB client lookup, secret check and one KMS Sign per token, at no more than half of KMS's RSA request quota: zero throttling allowed.",
    executor: 'constant-arrival-rate',
    aws: { rate: 50, timeUnit: '1s', duration: '60s', preAllocatedVUs: 20, maxVUs: 100 },
    local: { durationSeconds: 10, connections: 8 },
    blend: [{ kind: 'token', weight: 1 }],
    hotTokens: 0,
    thresholds: { ...common, http_req_duration: ['p(95)<500', 'p(99)<1000'] },
    localThresholds: kmsWithinQuota,
  },
  invalid: {
    name: 'invalid',
    description:
      'Forged, tampered, expired, alg-confused and garbage tokens: every answer a 401, never a 5xx, no cache growth.',
    executor: 'constant-arrival-rate',
    aws: { rate: 100, timeUnit: '1s', duration: '60s', preAllocatedVUs: 20, maxVUs: 100 },
    local: { durationSeconds: 10, connections: 10 },
    blend: [{ kind: 'invalid', weight: 1 }],
    hotTokens: 1,
    thresholds: { ...common, checks: ['rate==1'], http_req_duration: ['p(95)<300', 'p(99)<800'] },
  },
  mixed: {
    name: 'mixed',
    description:
      'A realistic blend: mostly cached reads, some item reads, new tokens, denied writes, invalid tokens and token requests; ramps up, holds, ramps down.',
    executor: 'ramping-arrival-rate',
    aws: {
      startRate: 10,
      timeUnit: '1s',
      stages: [
        { target: 100, duration: '30s' },
        { target: 100, duration: '2m' },
        { target: 0, duration: '30s' },
      ],
      preAllocatedVUs: 50,
      maxVUs: 200,
      distinctTokens: 2000,
    },
    local: { durationSeconds: 15, connections: 10, distinctTokens: 2000 },
    blend: [
      { kind: 'read', weight: 70 },
      { kind: 'read-item', weight: 10 },
      { kind: 'read-distinct', weight: 10 },
      { kind: 'write-denied', weight: 4 },
      { kind: 'invalid', weight: 5 },
      { kind: 'token', weight: 1 },
    ],
    hotTokens: 8,
    thresholds: { ...common, http_req_duration: ['p(95)<300', 'p(99)<800'] },
    localThresholds: kmsWithinQuota,
  },
  'noisy-client': {
    name: 'noisy-client',
    description:
      'One client asks for tokens at 10x its issuance limit while ten others ask at a normal rate: the ten keep >= 99.9% success, KMS stays within its quota, the noisy one gets 429s, never 5xx.',
    executor: 'constant-arrival-rate',
    // On AWS the one load client asks at 50/s: 200 or 429, never a 5xx.
    aws: { rate: 50, timeUnit: '1s', duration: '60s', preAllocatedVUs: 20, maxVUs: 100 },
    local: { durationSeconds: 20, connections: 14 },
    blend: [{ kind: 'token-noisy', weight: 1 }],
    hotTokens: 0,
    // Limit 5/s: the noisy client asks 50/s, as on AWS, more than the KMS quota of 45/s alone. With 12/s a busy
    // machine that could not send at 10x saw the burst (2x the limit) dominate and the 429 share drop below its
    // threshold. The quota leaves room for arrivals bunched after a stall: sustained demand is 20/s.
    noisy: {
      limitPerSecond: 5,
      multiple: 10,
      quietClients: 10,
      quietRatePerSecond: 1,
      kmsQuotaPerSecond: 45,
    },
    thresholds: { ...common, http_req_duration: ['p(95)<500', 'p(99)<1000'] },
    localThresholds: {
      well_behaved_success: ['rate>=0.999'],
      noisy_rate_limited: ['rate>0.5'],
      noisy_server_errors: ['rate==0'],
      kms_requests_per_second: ['max<=45'],
      kms_throttled: ['count==0'],
    },
  },
  rotation: {
    name: 'rotation',
    description:
      'Key rotation under load: tokens are re-minted every few seconds, so once signing switches to a newly published key its tokens arrive mid-run; zero failures allowed.',
    executor: 'constant-vus',
    aws: { vus: 20, duration: '3m' },
    local: { durationSeconds: 20, connections: 10 },
    blend: [{ kind: 'read-fresh', weight: 1 }],
    hotTokens: 0,
    remintEverySeconds: 5,
    thresholds: {
      http_req_failed: ['rate==0'],
      checks: ['rate==1'],
      server_errors: ['rate==0'],
      http_req_duration: ['p(95)<300', 'p(99)<1000'],
    },
  },
  'authorizer-modes': {
    name: 'authorizer-modes',
    description:
      "The same reads and denied writes through keygate's Lambda TOKEN authorizer (result cache on, off) and API Gateway's native JWT authorizer, side by side (docs/authorizers.md).",
    executor: 'constant-arrival-rate',
    // On AWS it measures whichever authorizer the stack was deployed with (-c authorizer=native or not).
    aws: {
      rate: 100,
      timeUnit: '1s',
      duration: '2m',
      preAllocatedVUs: 50,
      maxVUs: 200,
      distinctTokens: 2000,
    },
    local: { durationSeconds: 24, connections: 10, distinctTokens: 1000, compareAuthorizers: true },
    // No `invalid` kind: the native authorizer accepts a bare token without `Bearer ` (a documented
    // difference, not a failure), which the invalid set expects to be a 401.
    blend: [
      { kind: 'read', weight: 80 },
      { kind: 'read-distinct', weight: 15 },
      { kind: 'write-denied', weight: 5 },
    ],
    hotTokens: 4,
    thresholds: { ...common, http_req_duration: ['p(95)<300', 'p(99)<800'] },
  },
  // Last: the short-run test runs scenarios two at a time, and beside noisy-client its latency suffers.
  'noisy-tenant': {
    name: 'noisy-tenant',
    description:
      'One client calls the resource API at 10x its usage tier while ten others (the default tier) call at their normal rate: the ten keep >= 99.9% success, the noisy one gets 429s from its usage plan, never 5xx.',
    executor: 'constant-arrival-rate',
    // On AWS the one load client (deployed with a tier) calls at 50/s: 200 or 429, never a 5xx.
    aws: { rate: 50, timeUnit: '1s', duration: '60s', preAllocatedVUs: 20, maxVUs: 100 },
    local: { durationSeconds: 10, connections: 14 },
    blend: [{ kind: 'read-noisy', weight: 1 }],
    hotTokens: 1,
    noisy: {
      limitPerSecond: 5,
      multiple: 10,
      quietClients: 10,
      quietRatePerSecond: 2,
      kmsQuotaPerSecond: 100,
      // A tier's plan has one key, so its limits are shared by the tier's clients (docs/tenants.md#usage-tiers):
      // the ten quiet clients together ask 20/s of the default tier's 50/s.
      tiers: { noisy: { rate: 5, burst: 5 }, quiet: { rate: 50, burst: 100 } },
    },
    thresholds: { ...common, http_req_duration: ['p(95)<500', 'p(99)<1000'] },
    localThresholds: {
      well_behaved_success: ['rate>=0.999'],
      noisy_rate_limited: ['rate>0.5'],
      noisy_server_errors: ['rate==0'],
    },
  },
};

export const SCENARIO_NAMES: readonly ScenarioName[] = Object.keys(SCENARIOS) as ScenarioName[];

export function isScenarioName(name: string): name is ScenarioName {
  return Object.hasOwn(SCENARIOS, name);
}

/**
 * The blend expanded to a fixed, interleaved sequence of `length` kinds (largest remainder spread evenly),
 * so every client walking it in order sends the stated proportions.
 */
export function blendSequence(scenario: Pick<ScenarioDef, 'blend'>, length = 100): RequestKind[] {
  const total = scenario.blend.reduce((n, b) => n + b.weight, 0);
  const out: RequestKind[] = [];
  const credit = scenario.blend.map(() => 0);
  for (let i = 0; i < length; i++) {
    let best = 0;
    scenario.blend.forEach((b, j) => {
      credit[j]! += b.weight / total;
      if (credit[j]! > credit[best]!) best = j;
    });
    credit[best]! -= 1;
    out.push(scenario.blend[best]!.kind);
  }
  return out;
}
