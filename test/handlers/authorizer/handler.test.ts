// The TOKEN authorizer end to end: real RS256 tokens, a real JWKS server on loopback, real Powertools output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../core/config.js';
import { RESOURCE_ROUTES } from '../../../examples/products/routes.js';
import { type JwksServer, startJwksServer } from '../../../fixtures/jwks-server.js';
import { b64url, signRaw, signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../../fixtures/tokens.js';
import {
  type AuthorizerSettings,
  createDeps,
  createHandler,
  settingsFromEnv,
} from '../../../handlers/authorizer/handler.js';
import { evaluatePolicy } from '../../../local/gateway/evaluate-policy.js';

const PREFIX = 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod';
const arn = (verb: string, path: string, prefix = PREFIX) => `${prefix}/${verb}${path}`;
const event = (authorizationToken: unknown, methodArn = arn('GET', '/products')) =>
  ({ type: 'TOKEN', authorizationToken, methodArn }) as APIGatewayTokenAuthorizerEvent;

let jwks: JwksServer;
const key = testKey();
const otherKey = testKey('other');

beforeAll(async () => {
  jwks = await startJwksServer({ keys: [key.jwk] });
});
afterAll(async () => {
  await jwks.close();
});

/** Captures stdout and stderr lines (Powertools Logger and Metrics write there through their own Console). */
function captureStdout() {
  const lines: string[] = [];
  const sink = (chunk: unknown) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(sink),
    vi.spyOn(process.stderr, 'write').mockImplementation(sink),
  ];
  return {
    lines,
    json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
afterEach(() => vi.restoreAllMocks());

/** The environment read as the entry reads it, with the products sample's route table. */
const loadSettings = (env: Record<string, string | undefined>) => settingsFromEnv(env, () => RESOURCE_ROUTES);

function config(env: Record<string, string> = {}): AuthorizerSettings {
  return loadSettings({
    ISSUER: TEST_ISSUER,
    AUDIENCE: TEST_AUDIENCE,
    JWKS_URI: jwks.url,
    // Revocation has its own tests (test/handlers/authorizer/revocations.test.ts); these need no issuer.
    REVOCATIONS_URI: 'none',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...env,
  });
}

function handlerWith(env: Record<string, string> = {}, clients: Parameters<typeof createDeps>[1] = {}) {
  const deps = createDeps(config(env), clients);
  return { deps, handler: createHandler(deps) };
}

const token = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
  signToken({ claims, header });

describe('settingsFromEnv', () => {
  it('reads the documented variables with defaults', () => {
    const c = config({ AUDIENCE: 'a, b' });
    expect(c.audience).toEqual(['a', 'b']);
    expect(c.clockLeewaySeconds).toBe(0);
    expect(c.tokenCacheSize).toBe(10_000);
    expect(c.logLevel).toBe('INFO');
    expect(c.routes).toEqual(RESOURCE_ROUTES.map(({ method, path, scopes }) => ({ method, path, scopes })));
  });

  it('lists every problem at once', () => {
    try {
      loadSettings({
        JWKS_URI: 'http://example.com/jwks',
        CLOCK_LEEWAY_SECONDS: '301',
        POWERTOOLS_LOG_LEVEL: 'loud',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain('ISSUER is required');
      expect(problems).toContain('AUDIENCE is required');
      expect(problems).toContain('JWKS_URI must use https');
      expect(problems).toContain('CLOCK_LEEWAY_SECONDS must be an integer from 0 to 300');
      expect(problems).toContain('POWERTOOLS_LOG_LEVEL must be one of');
    }
  });
});

describe('REVOCATIONS_URI', () => {
  const base = { ISSUER: TEST_ISSUER, AUDIENCE: TEST_AUDIENCE, JWKS_URI: 'https://auth.keygate.test/jwks' };
  it.each([
    ["unset: the issuer's own list", {}, `${TEST_ISSUER}/revocations`],
    ['unset, issuer with a trailing slash', { ISSUER: `${TEST_ISSUER}/` }, `${TEST_ISSUER}/revocations`],
    ['a given list', { REVOCATIONS_URI: 'https://lists.example/r' }, 'https://lists.example/r'],
    ['none: the explicit opt-out', { REVOCATIONS_URI: 'none' }, undefined],
  ])('%s', (_, env, expected) => {
    expect(loadSettings({ ...base, ...env }).revocationsUri).toBe(expected);
  });

  it('refuses a derived list URL that is not https (or loopback http), naming the opt-out', () => {
    expect(() => loadSettings({ ...base, ISSUER: 'http://auth.example.com' })).toThrow(
      'REVOCATIONS_URI is unset and the one derived from ISSUER (http://auth.example.com/revocations) must use https (http is allowed only for loopback hosts); set REVOCATIONS_URI, or none to turn revocation checks off',
    );
  });
});

describe('JWKS_REFETCH_COOLDOWN_SECONDS', () => {
  it('defaults to 30 s and accepts 1 to 3600', () => {
    expect(config().jwksRefetchCooldownSeconds).toBe(30);
    expect(config({ JWKS_REFETCH_COOLDOWN_SECONDS: '1' }).jwksRefetchCooldownSeconds).toBe(1);
    expect(config({ JWKS_REFETCH_COOLDOWN_SECONDS: '3600' }).jwksRefetchCooldownSeconds).toBe(3600);
  });

  it.each(['0', '3601', '1.5', 'soon'])('refuses %s, naming the variable and its range', (bad) => {
    expect(() => config({ JWKS_REFETCH_COOLDOWN_SECONDS: bad })).toThrow(
      `JWKS_REFETCH_COOLDOWN_SECONDS must be an integer from 1 to 3600 (got "${bad}")`,
    );
  });

  it('spaces the JWKS refetches that unknown kids cause by the configured cooldown', async () => {
    let clock = Date.now();
    const { deps, handler } = handlerWith(
      { JWKS_REFETCH_COOLDOWN_SECONDS: '5' },
      { logger: null, metrics: null, now: () => clock },
    );
    await deps.keyStore.prefetch();
    const before = jwks.requests;
    const forged = (kid: string) => event(`Bearer ${signToken({ key: otherKey, header: { kid } })}`);
    await expect(handler(forged('unknown-1'))).rejects.toThrow('Unauthorized');
    expect(jwks.requests).toBe(before + 1);
    clock += 4_999;
    await expect(handler(forged('unknown-2'))).rejects.toThrow('Unauthorized');
    expect(jwks.requests).toBe(before + 1);
    clock += 1;
    await expect(handler(forged('unknown-3'))).rejects.toThrow('Unauthorized');
    expect(jwks.requests).toBe(before + 2);
  });
});

describe('authorizer handler', () => {
  it('allows every read route for a products/read token, whatever route triggered it', async () => {
    const { handler } = handlerWith({}, { logger: null });
    const result = await handler(event(`Bearer ${token({ jti: 'j-1' })}`), { awsRequestId: 'r-1' });
    expect(result.principalId).toBe('client-1');
    const doc = result.policyDocument;
    expect(evaluatePolicy(doc, arn('GET', '/products'))).toBe('allow');
    expect(evaluatePolicy(doc, arn('GET', '/products/p-1001'))).toBe('allow');
    expect(evaluatePolicy(doc, arn('POST', '/products'))).toBe('implicit_deny');
    expect(evaluatePolicy(doc, arn('GET', '/productsX'))).toBe('implicit_deny');
    expect(result.context).toEqual({
      clientId: 'client-1',
      scope: 'products/read',
      jti: 'j-1',
      exp: expect.any(Number),
    });
    for (const v of Object.values(result.context ?? {}))
      expect(['string', 'number', 'boolean']).toContain(typeof v);
  });

  it('puts client claims in the context as claim_<name>, and CONTEXT_CLAIMS names even when absent', async () => {
    const { handler } = handlerWith({ CONTEXT_CLAIMS: 'tenant region' }, { logger: null });
    const acme = await handler(event(`Bearer ${token({ tenant: 'acme', roles: 'admin', jti: 'j-a' })}`));
    expect(acme.context).toEqual({
      jti: 'j-a',
      clientId: 'client-1',
      scope: 'products/read',
      exp: expect.any(Number),
      claim_tenant: 'acme',
      claim_region: '',
    });
    // Same scopes, another client claim: the memoized policy is shared, the context is the token's own.
    const globex = await handler(event(`Bearer ${token({ tenant: 'globex' })}`));
    expect(globex.policyDocument).toBe(acme.policyDocument);
    expect(globex.context).toMatchObject({ claim_tenant: 'globex', claim_region: '' });
  });

  const GOLD_KEY = 'GoldKey0123456789abcdefXYZ';
  const DEFAULT_KEY = 'DefaultKey0123456789abcdef';
  const usageEnv = { USAGE_TIERS: 'default gold', USAGE_KEY_DEFAULT: DEFAULT_KEY, USAGE_KEY_GOLD: GOLD_KEY };

  it("returns the usage plan key of the token's tier as usageIdentifierKey, the default tier's otherwise", async () => {
    const { handler } = handlerWith(usageEnv, { logger: null });
    const gold = await handler(event(`Bearer ${token({ tier: 'gold' })}`));
    expect(gold.usageIdentifierKey).toBe(GOLD_KEY);
    // Same scopes: the memoized policy is shared, the key is each token's own.
    const plain = await handler(event(`Bearer ${token({})}`));
    expect(plain.policyDocument).toBe(gold.policyDocument);
    expect(plain.usageIdentifierKey).toBe(DEFAULT_KEY);
    // A tier this API has no plan for (or a non-string claim) is served under the default plan.
    expect((await handler(event(`Bearer ${token({ tier: 'platinum' })}`))).usageIdentifierKey).toBe(
      DEFAULT_KEY,
    );
    expect((await handler(event(`Bearer ${token({ tier: ['gold'] })}`))).usageIdentifierKey).toBe(
      DEFAULT_KEY,
    );
    // The key is no context entry: it never reaches the integration.
    expect(Object.values(gold.context ?? {})).not.toContain(GOLD_KEY);
  });

  it('returns no usageIdentifierKey without USAGE_TIERS', async () => {
    const { handler } = handlerWith({}, { logger: null });
    expect(await handler(event(`Bearer ${token({ tier: 'gold' })}`))).not.toHaveProperty(
      'usageIdentifierKey',
    );
  });

  it.each([
    [{ USAGE_TIERS: 'gold', USAGE_KEY_GOLD: GOLD_KEY }, 'USAGE_TIERS must include default'],
    [{ USAGE_TIERS: 'default gold', USAGE_KEY_DEFAULT: DEFAULT_KEY }, 'USAGE_KEY_GOLD must be set'],
    [{ ...usageEnv, USAGE_KEY_GOLD: 'short' }, 'USAGE_KEY_GOLD must be set'],
    [{ ...usageEnv, USAGE_TIERS: 'default Gold' }, '"Gold" is not a tier name'],
  ])('refuses usage settings %j at init, naming the variable and never a key value', (env, problem) => {
    try {
      config(env);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain(problem);
      expect(problems).not.toContain(DEFAULT_KEY);
      expect(problems).not.toContain(GOLD_KEY);
    }
  });

  it('refuses a CONTEXT_CLAIMS name no client claim can have, at init', () => {
    expect(() => handlerWith({ CONTEXT_CLAIMS: 'sub' }, { logger: null })).toThrow(
      'CONTEXT_CLAIMS: "sub" is not a client claim name',
    );
  });

  it('gives a products/write-only token the reverse, from any triggering route', async () => {
    const { handler } = handlerWith({}, { logger: null });
    const result = await handler(
      event(`Bearer ${token({ scope: 'products/write' })}`, arn('GET', '/products/9')),
    );
    expect(evaluatePolicy(result.policyDocument, arn('POST', '/products'))).toBe('allow');
    expect(evaluatePolicy(result.policyDocument, arn('GET', '/products'))).toBe('implicit_deny');
    expect(evaluatePolicy(result.policyDocument, arn('GET', '/products/9'))).toBe('implicit_deny');
  });

  it('gives a token with no usable scope an explicit Deny for the whole API', async () => {
    const { handler } = handlerWith({}, { logger: null });
    for (const scope of ['', 'openid profile']) {
      const result = await handler(event(`Bearer ${token({ scope })}`));
      expect(result.principalId).toBe('client-1');
      for (const [verb, path] of [
        ['GET', '/products'],
        ['GET', '/products/1'],
        ['POST', '/products'],
      ] as const) {
        expect(evaluatePolicy(result.policyDocument, arn(verb, path))).toBe('explicit_deny');
      }
    }
  });

  it('builds resources from the method ARN region, account, api and stage', async () => {
    const { handler } = handlerWith({}, { logger: null });
    const other = 'arn:aws:execute-api:eu-central-1:999988887777:zz99yy/staging';
    const result = await handler(
      event(`Bearer ${token({ scope: 'products/read products/write' })}`, arn('GET', '/products', other)),
    );
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: [`${other}/GET/products`, `${other}/GET/products/*`, `${other}/POST/products`],
      },
    ]);
    expect(evaluatePolicy(result.policyDocument, arn('GET', '/products', PREFIX))).toBe('implicit_deny');
  });

  it('accepts the scheme in any case and serves a repeated token from the cache', async () => {
    const { handler, deps } = handlerWith({}, { logger: null });
    const t = token();
    const a = await handler(event(`bearer ${t}`));
    const b = await handler(event(`BEARER ${t}`, arn('GET', '/products/1')));
    expect(b.policyDocument).toBe(a.policyDocument);
    expect(deps.verifier.stats().tokenCacheHits).toBe(1);
  });

  const now = Math.floor(Date.now() / 1000);
  const badTokens: [string, () => string][] = [
    ['expired', () => token({ exp: now - 10, iat: now - 100 })],
    ['not yet valid', () => token({ nbf: now + 600 })],
    ['wrong issuer', () => token({ iss: 'https://evil.example' })],
    ['wrong audience', () => token({ aud: 'https://other.example' })],
    ['alg none', () => `${b64url({ alg: 'none', typ: 'at+jwt', kid: key.kid })}.${b64url({ sub: 'x' })}.`],
    ['alg HS256', () => token({}, { alg: 'HS256' })],
    ['typ JWT (an id token)', () => token({}, { typ: 'JWT' })],
    ['jku header', () => token({}, { jku: 'https://evil.example/jwks' })],
    ['crit header', () => token({}, { crit: ['exp'] })],
    ['unknown kid', () => signToken({ key: otherKey })],
    ['another key with the same kid', () => signToken({ key: otherKey, header: { kid: key.kid } })],
    [
      'tampered payload',
      () => {
        const [h, , s] = token().split('.');
        return `${h}.${b64url({ sub: 'admin', scope: 'products/write' })}.${s}`;
      },
    ],
    ['bad signature', () => `${token().slice(0, -6)}AAAAAA`],
    ['garbage', () => 'not-a-jwt'],
    ['five parts (JWE)', () => 'a.b.c.d.e'],
    ['exp as a string', () => token({ exp: String(now + 3600) })],
    ['missing client_id', () => token({ client_id: undefined })],
    ['oversized', () => `${token()}${'A'.repeat(9000)}`],
    [
      'non-base64url characters',
      () => signRaw(b64url({ alg: 'RS256', typ: 'at+jwt', kid: key.kid }), 'a$b', key.privateKey),
    ],
  ];

  it.each(badTokens)('throws exactly Unauthorized for a bad token: %s', async (_label, make) => {
    const { handler } = handlerWith({}, { logger: null });
    await expect(handler(event(`Bearer ${make()}`))).rejects.toThrow(new Error('Unauthorized'));
  });

  it.each([
    ['missing header', undefined],
    ['empty header', ''],
    ['wrong scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['no scheme', 'TOKEN_WITHOUT_SCHEME'],
    ['two tokens', 'Bearer a.b.c d.e.f'],
    ['scheme only', 'Bearer'],
    ['a trailing newline', 'Bearer a.b.c\n'],
    ['a tab inside the token', 'Bearer a.b\tc.d'],
    ['a control character', 'Bearer a.b.c\u0000'],
    ['non-ASCII', 'Bearer a.b.cé'],
  ])('throws exactly Unauthorized for %s', async (_label, header) => {
    const { handler } = handlerWith({}, { logger: null });
    const err = await handler(event(header)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('Unauthorized');
  });

  it('throws Unauthorized for an event that is not a TOKEN event', async () => {
    const { handler } = handlerWith({}, { logger: null });
    const e = {
      type: 'REQUEST',
      authorizationToken: `Bearer ${token()}`,
      methodArn: arn('GET', '/products'),
    };
    await expect(handler(e as unknown as APIGatewayTokenAuthorizerEvent)).rejects.toThrow(/^Unauthorized$/);
  });

  it('throws a non-Unauthorized error (500) when keys are unavailable and nothing is cached', async () => {
    const down = await startJwksServer({ keys: [key.jwk] });
    down.mode = 'error500';
    try {
      const { handler, deps } = handlerWith({ JWKS_URI: down.url }, { logger: null });
      await deps.keyStore.prefetch(); // a failed prefetch resolves: init must not crash
      const err = await handler(event(`Bearer ${token()}`)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toBe('KeysUnavailable');
      expect((err as Error).message).not.toBe('Unauthorized');
    } finally {
      await down.close();
    }
  });

  it('lets the first request retry after a failed prefetch', async () => {
    const flaky = await startJwksServer({ keys: [key.jwk] });
    flaky.mode = 'error500';
    let clock = Date.now();
    try {
      const { handler, deps } = handlerWith({ JWKS_URI: flaky.url }, { logger: null, now: () => clock });
      await deps.keyStore.prefetch();
      flaky.mode = 'ok';
      clock += 5_000; // past the failure backoff
      const result = await handler(event(`Bearer ${token()}`));
      expect(result.principalId).toBe('client-1');
    } finally {
      await flaky.close();
    }
  });

  it('throws a non-Unauthorized error (500) for a malformed method ARN', async () => {
    const { handler } = handlerWith({}, { logger: null });
    for (const methodArn of ['', 'arn:aws:execute-api:us-east-1:123456789012:abc123', 'garbage']) {
      const err = await handler(event(`Bearer ${token()}`, methodArn)).catch((e: unknown) => e);
      expect((err as Error).message).toBe('AuthorizerConfigurationError');
    }
  });
});

describe('authorizer logs and metrics', () => {
  it('publishes on the next call once the flush interval has passed (0: every call)', async () => {
    const out = captureStdout();
    try {
      const { handler, deps } = handlerWith(
        { POWERTOOLS_METRICS_DISABLED: 'false', METRICS_FLUSH_INTERVAL_SECONDS: '0' },
        { logger: null },
      );
      await handler(event(`Bearer ${token()}`));
      await handler(event('Bearer nope')).catch(() => undefined);
      await deps.drain(); // the deferred Logger and Metrics write once loaded
    } finally {
      out.restore();
    }
    const decisions = out
      .json()
      .filter((d) => 'Decisions' in d)
      .map((d) => [d.decision, d.reason, d.Decisions]);
    expect(decisions).toEqual([
      ['allow', 'allowed', 1],
      ['unauthorized', 'malformed', 1],
    ]);
  });

  it('writes one structured line per decision and never the token or header', async () => {
    const out = captureStdout();
    const tokens: string[] = [];
    try {
      const { handler, deps } = handlerWith({ POWERTOOLS_LOG_LEVEL: 'INFO', ALLOW_LOG_LEVEL: 'INFO' });
      const good = token({ jti: 'jti-log-1' });
      const noScope = token({ scope: 'openid' });
      const expired = token({ exp: Math.floor(Date.now() / 1000) - 60 });
      tokens.push(good, noScope, expired);
      await handler(event(`Bearer ${good}`), { awsRequestId: 'req-1' });
      await handler(event(`Bearer ${good}`, arn('GET', '/products/2'))); // cache hit: DEBUG, not printed
      await handler(event(`Bearer ${noScope}`));
      await handler(event(`Bearer ${expired}`)).catch(() => undefined);
      await handler(event(`Basic ${good}`)).catch(() => undefined);
      await handler(event(`Bearer ${good}`, 'bad-arn')).catch(() => undefined);
      await deps.drain(); // the deferred Logger and Metrics write once loaded
    } finally {
      out.restore();
    }
    const lines = out.json().filter((l) => l.message === 'authorizer decision');
    expect(lines.map((l) => [l.level, l.decision, l.reason])).toEqual([
      ['INFO', 'allow', 'allowed'],
      ['INFO', 'deny', 'no_usable_scope'],
      ['INFO', 'unauthorized', 'expired'],
      ['INFO', 'unauthorized', 'bad_scheme'],
      ['ERROR', 'error', 'method_arn'],
    ]);
    expect(lines[0]).toMatchObject({
      clientId: 'client-1',
      jti: 'jti-log-1',
      kid: key.kid,
      tokenCacheHit: false,
      awsRequestId: 'req-1',
      service: 'keygate-authorizer',
    });
    expect(typeof lines[0]!.verifyMicros).toBe('number');
    const all = out.lines.join('\n');
    for (const t of tokens) {
      for (const part of t.split('.')) expect(all).not.toContain(part);
    }
    expect(all).not.toContain('Bearer');
    expect(all).not.toContain('Basic');
  });

  it('logs allows at DEBUG by default, so at INFO only deny, unauthorized and error lines print', async () => {
    const out = captureStdout();
    try {
      const { handler, deps } = handlerWith({});
      await handler(event(`Bearer ${token()}`));
      await handler(event(`Bearer ${token({ scope: 'openid' })}`));
      await handler(event('Bearer x.y.z')).catch(() => undefined);
      await deps.drain(); // the deferred Logger and Metrics write once loaded
    } finally {
      out.restore();
    }
    const lines = out.json().filter((l) => l.message === 'authorizer decision');
    expect(lines.map((l) => [l.level, l.decision, l.reason])).toEqual([
      ['INFO', 'deny', 'no_usable_scope'],
      ['INFO', 'unauthorized', 'malformed'],
    ]);
  });

  // Allows are DEBUG lines: they print when the invocation is sampled or the level is debug.
  const allowPrinting: [string, Record<string, string>][] = [
    [
      'prints allows for sampled invocations (POWERTOOLS_LOGGER_SAMPLE_RATE)',
      { POWERTOOLS_LOGGER_SAMPLE_RATE: '1' },
    ],
    ['prints every allow at DEBUG, verified or from the cache', { POWERTOOLS_LOG_LEVEL: 'debug' }],
  ];
  for (const [name, env] of allowPrinting)
    it(name, async () => {
      const out = captureStdout();
      try {
        const { handler, deps } = handlerWith(env);
        const t = token();
        await handler(event(`Bearer ${t}`));
        await handler(event(`Bearer ${t}`));
        await deps.drain();
      } finally {
        out.restore();
      }
      const lines = out.json().filter((l) => l.message === 'authorizer decision');
      expect(lines.map((l) => [l.level, l.decision, l.tokenCacheHit])).toEqual([
        ['DEBUG', 'allow', false],
        ['DEBUG', 'allow', true],
      ]);
    });

  it('publishes aggregated EMF metrics: decisions by reason, token cache and JWKS counts', async () => {
    const out = captureStdout();
    try {
      const { handler, deps } = handlerWith(
        { POWERTOOLS_METRICS_DISABLED: 'false', METRICS_FLUSH_INTERVAL_SECONDS: '3600' },
        { logger: null },
      );
      const t = token();
      await handler(event(`Bearer ${t}`));
      await handler(event(`Bearer ${t}`));
      await handler(event(`Bearer ${token({ scope: '' })}`));
      await handler(event('Bearer x')).catch(() => undefined);
      await handler(event('Bearer y')).catch(() => undefined);
      expect(out.lines).toEqual([]); // nothing written per call
      await deps.drain(); // the deferred Logger and Metrics write once loaded
    } finally {
      out.restore();
    }
    const docs = out.json();
    const main = docs.find((d) => 'TokenCacheHits' in d)!;
    expect(main).toMatchObject({
      TokenCacheHits: 1,
      TokenCacheMisses: 4, // malformed tokens count as misses too
      JwksFetches: 1,
      JwksFetchFailures: 0,
    });
    expect(
      (main._aws as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics[0]!.Namespace,
    ).toBe('keygate');
    const decisions = docs
      .filter((d) => 'Decisions' in d)
      .map((d) => [d.decision, d.reason, d.Decisions])
      .sort();
    expect(decisions).toEqual([
      ['allow', 'allowed', 2],
      ['deny', 'no_usable_scope', 1],
      ['unauthorized', 'malformed', 2],
    ]);
  });
});

describe('authorizer Lambda entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-entry-'));
  const routesFile = join(dir, 'routes.json');
  writeFileSync(
    routesFile,
    JSON.stringify([{ method: 'GET', path: '/products', scopes: ['products/read'] }]),
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const initError = async (file: string) => {
    const { execFile } = await import('node:child_process');
    const entry = new URL('../../../handlers/authorizer/entry.ts', import.meta.url).href;
    return new Promise<string>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', `await import(${JSON.stringify(entry)})`],
        {
          env: {
            ...process.env,
            ISSUER: TEST_ISSUER,
            AUDIENCE: TEST_AUDIENCE,
            JWKS_URI: 'https://auth.keygate.test/jwks.json',
            ROUTES_FILE: file,
          },
        },
        (err, _stdout, stderr) => resolve(err ? stderr : 'started'),
      );
    });
  };

  it.each([
    ['is missing', () => join(dir, 'absent.json'), /ROUTES_FILE .*absent\.json cannot be read \(ENOENT\)/],
    [
      'names a bad route',
      () => {
        const bad = join(dir, 'bad.json');
        writeFileSync(bad, JSON.stringify([{ method: 'GET', path: 'orders', scopes: ['o/r'] }]));
        return bad;
      },
      /ROUTES_FILE .*bad\.json\[0\]\.path must start with "\/"/,
    ],
  ])('fails init naming the route file when it %s', async (_name, file, message) => {
    expect(await initError(file())).toMatch(message);
  });

  it('survives a failed JWKS prefetch at init and serves once keys are reachable', async () => {
    const down = await startJwksServer({ keys: [key.jwk] });
    down.mode = 'error500';
    const t = token();
    const script = `
      const m = await import(${JSON.stringify(new URL('../../../handlers/authorizer/entry.ts', import.meta.url).href)});
      await new Promise((r) => setTimeout(r, 300));
      const first = await m.handler(${JSON.stringify(event(`Bearer ${t}`))}).then(() => 'allowed', (e) => e.message);
      process.stdout.write('\\n__FIRST__' + first + '\\n');
      process.stdin.once('data', async () => {
        await new Promise((r) => setTimeout(r, 1100)); // past the key store's 1 s failure backoff
        const second = await m.handler(${JSON.stringify(event(`Bearer ${t}`))}).then((r) => r.principalId, (e) => e.message);
        process.stdout.write('\\n__SECOND__' + second + '\\n');
        process.exit(0);
      });
    `;
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: {
        ...process.env,
        ISSUER: TEST_ISSUER,
        AUDIENCE: TEST_AUDIENCE,
        JWKS_URI: down.url,
        REVOCATIONS_URI: 'none',
        ROUTES_FILE: routesFile,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (c) => {
      err += String(c);
    });
    try {
      const first = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c) => {
          out += String(c);
          const m = /__FIRST__(.*)\n/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`entry exited ${code}: ${err}`)));
      });
      expect(first).toBe('KeysUnavailable');
      down.mode = 'ok';
      child.stdin.write('go\n');
      const second = await new Promise<string>((resolve, reject) => {
        const check = () => {
          const m = /__SECOND__(.*)\n/.exec(out);
          if (m) resolve(m[1]!);
        };
        child.stdout.on('data', check);
        check();
        child.on('exit', () => {
          check();
          reject(new Error(`entry exited: ${err}`));
        });
      });
      expect(second).toBe('client-1');
    } finally {
      child.kill();
      await down.close();
    }
  });
});
