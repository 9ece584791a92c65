// k6 entry for every scenario in load/scenarios.ts against the deployed stack:
//   k6 run -e SCENARIO=cache-hit -e CLIENT_ID=... -e CLIENT_SECRET=... load/k6/keygate.ts
// (or `npm run load:aws -- cache-hit`). URLs come from load/outputs.json (`npm run deploy`) or env
// API_URL / TOKEN_URL. setup() mints the tokens through the token endpoint with HTTP Basic.
import { check, fail } from 'k6';
import crypto from 'k6/crypto';
import encoding from 'k6/encoding';
import exec from 'k6/execution';
import http, { type RefinedParams, type RefinedResponse, type ResponseType } from 'k6/http';
import { Counter, Rate } from 'k6/metrics';
import type { Options, Scenario } from 'k6/options';
import { invalidAuthorizations } from '../invalid-tokens.ts';
import { type CdkOutputs, type LoadTargets, resolveTargets } from '../outputs.ts';
import {
  blendSequence,
  isScenarioName,
  REQUEST_KINDS,
  type RequestKind,
  SCENARIO_NAMES,
  SCENARIOS,
  type ScenarioDef,
} from '../scenarios.ts';

const scenarioName = __ENV.SCENARIO ?? 'cache-hit';
if (!isScenarioName(scenarioName)) {
  throw new Error(`unknown SCENARIO "${scenarioName}"; known: ${SCENARIO_NAMES.join(', ')}`);
}
const scenario: ScenarioDef = SCENARIOS[scenarioName];

function readOutputs(): CdkOutputs | undefined {
  try {
    return JSON.parse(open('../outputs.json')) as CdkOutputs;
  } catch {
    return undefined; // env API_URL / TOKEN_URL may still name the targets
  }
}

const targets: LoadTargets = resolveTargets(readOutputs(), {
  API_URL: __ENV.API_URL,
  TOKEN_URL: __ENV.TOKEN_URL,
  JWKS_URL: __ENV.JWKS_URL,
  ISSUER: __ENV.ISSUER,
  STACK: __ENV.STACK,
});

function executorOptions(def: ScenarioDef): Scenario {
  const a = def.aws;
  switch (def.executor) {
    case 'constant-arrival-rate':
      return {
        executor: 'constant-arrival-rate',
        rate: a.rate ?? 10,
        timeUnit: a.timeUnit ?? '1s',
        duration: __ENV.DURATION ?? a.duration ?? '1m',
        preAllocatedVUs: a.preAllocatedVUs ?? 10,
        maxVUs: a.maxVUs ?? 100,
      };
    case 'ramping-arrival-rate':
      return {
        executor: 'ramping-arrival-rate',
        startRate: a.startRate ?? 0,
        timeUnit: a.timeUnit ?? '1s',
        stages: (a.stages ?? []).map((s) => ({ target: s.target, duration: s.duration })),
        preAllocatedVUs: a.preAllocatedVUs ?? 10,
        maxVUs: a.maxVUs ?? 100,
      };
    case 'constant-vus':
      return { executor: 'constant-vus', vus: a.vus ?? 10, duration: __ENV.DURATION ?? a.duration ?? '1m' };
  }
}

export const options: Options = {
  scenarios: { [scenario.name]: executorOptions(scenario) },
  thresholds: Object.fromEntries(Object.entries(scenario.thresholds).map(([m, list]) => [m, [...list]])),
  setupTimeout: '10m',
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

const serverErrors = new Rate('server_errors');
const tokensByKid = new Counter('tokens_by_kid');

const CLIENT_ID = __ENV.CLIENT_ID ?? '';
const CLIENT_SECRET = __ENV.CLIENT_SECRET ?? '';
// RFC 6749 §2.3.1: id and secret are form-urlencoded before Base64.
const basic = `Basic ${encoding.b64encode(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`)}`;
const tokenRequestBody = 'grant_type=client_credentials&scope=products%2Fread';
const tokenParams = {
  headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
  tags: { kind: 'token' },
};

interface SetupData {
  readonly hot: string[];
  readonly distinct: string[];
  readonly invalid: { label: string; header: string }[];
}

function accessToken(res: RefinedResponse<ResponseType | undefined>): string {
  if (res.status !== 200) fail(`token endpoint answered ${res.status}: ${String(res.body).slice(0, 200)}`);
  return (res.json() as { access_token: string }).access_token;
}

function mint(count: number): string[] {
  const out: string[] = [];
  // 20 in flight at a time: quick setup, far below KMS's RSA quota (1,000/s, core/issuer/keys/kms-quotas.ts).
  while (out.length < count) {
    const n = Math.min(20, count - out.length);
    const batch = http.batch(
      Array.from({ length: n }, () => ['POST', targets.tokenUrl, tokenRequestBody, tokenParams] as const).map(
        ([method, url, body, params]) => ({ method, url, body, params }),
      ),
    );
    for (const res of batch) out.push(accessToken(res));
  }
  return out;
}

const kindsUsed = new Set(scenario.blend.map((b) => REQUEST_KINDS[b.kind].token));

export function setup(): SetupData {
  if (!CLIENT_ID || !CLIENT_SECRET)
    fail('set CLIENT_ID and CLIENT_SECRET (create a client: npm run clients -- create)');
  const hot = mint(Math.max(scenario.hotTokens, kindsUsed.has('invalid') ? 1 : 0));
  const distinct = kindsUsed.has('distinct') ? mint(scenario.aws.distinctTokens ?? 1000) : [];
  let invalid: SetupData['invalid'] = [];
  if (kindsUsed.has('invalid')) {
    const jwks = targets.jwksUrl ? http.get(targets.jwksUrl) : undefined;
    invalid = invalidAuthorizations(
      {
        validToken: hot[0]!,
        ...(jwks && jwks.status === 200 ? { jwksText: String(jwks.body) } : {}),
        ...(__ENV.EXPIRED_TOKEN ? { expiredToken: __ENV.EXPIRED_TOKEN } : {}),
      },
      {
        b64url: (text) => encoding.b64encode(text, 'rawurl'),
        fromB64url: (text) => encoding.b64decode(text, 'rawurl', 's'),
        hmacSha256: (secret, data) => crypto.hmac('sha256', secret, data, 'base64rawurl'),
      },
    );
  }
  return { hot, distinct, invalid };
}

const sequence: RequestKind[] = blendSequence(scenario);
let fresh: { token: string; mintedAt: number } | undefined;

function freshToken(): string {
  const now = Date.now();
  if (!fresh || now - fresh.mintedAt >= (scenario.remintEverySeconds ?? 5) * 1000) {
    const res = http.post(targets.tokenUrl, tokenRequestBody, tokenParams);
    check(res, { 'token minted': (r) => r.status === 200 });
    serverErrors.add(res.status >= 500);
    if (res.status !== 200) return fresh?.token ?? '';
    const token = (res.json() as { access_token: string }).access_token;
    const kid = (JSON.parse(encoding.b64decode(token.split('.')[0] ?? '', 'rawurl', 's')) as { kid?: string })
      .kid;
    tokensByKid.add(1, { kid: kid ?? 'none' });
    fresh = { token, mintedAt: now };
  }
  return fresh.token;
}

export default function (data: SetupData): void {
  const i = exec.scenario.iterationInTest;
  const kind = sequence[i % sequence.length]!;
  const def = REQUEST_KINDS[kind];
  const params: RefinedParams<ResponseType> = {
    headers: {},
    tags: { kind },
    responseCallback: http.expectedStatuses(...def.expect),
  };
  let label = kind as string;
  switch (def.token) {
    case 'hot':
      params.headers = { authorization: `Bearer ${data.hot[i % data.hot.length]}` };
      break;
    case 'distinct':
      params.headers = { authorization: `Bearer ${data.distinct[i % data.distinct.length]}` };
      break;
    case 'fresh':
      params.headers = { authorization: `Bearer ${freshToken()}` };
      break;
    case 'invalid': {
      const bad = data.invalid[i % data.invalid.length]!;
      params.headers = { authorization: bad.header };
      label = bad.label;
      break;
    }
    case 'client':
      params.headers = tokenParams.headers;
      break;
  }
  const url = def.target === 'auth' ? targets.tokenUrl : `${targets.apiUrl}${def.path}`;
  const body =
    def.token === 'client' ? tokenRequestBody : def.method === 'POST' ? '{"name":"load test"}' : null;
  if (def.method === 'POST' && def.token !== 'client') {
    params.headers = { ...params.headers, 'content-type': 'application/json' };
  }
  const res = http.request(def.method, url, body, params);
  serverErrors.add(res.status >= 500);
  check(
    res,
    { [`${kind}: status in ${def.expect.join('/')}`]: (r) => def.expect.includes(r.status) },
    { label },
  );
}
