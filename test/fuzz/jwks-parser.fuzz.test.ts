// Property-based fuzzing of the JWKS key store's parser (core/jwt/key-store.ts) with hostile documents:
// arbitrary JSON, wrong types, deep nesting, huge bodies, thousands of keys, duplicate kids, weird n/e,
// 1024-bit, EC, `use: enc`, `alg: HS256` keys. The store must never throw from prefetch, reject lookups
// only with unknown_kid / keys_unavailable, keep at most maxKeys keys, skip unusable keys while using the
// good one next to them, and keep memory bounded.
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createJwksKeyStore,
  createVerifier,
  type JwksDownloader,
  VerifyError,
} from '../../core/jwt/index.js';
import { signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../fixtures/tokens.js';

const URI = 'https://issuer.keygate.test/.well-known/jwks.json';
/** A downloader that answers `body` as the JWKS endpoint's 200 response. */
const served =
  (body: string | Uint8Array): JwksDownloader =>
  async () =>
    typeof body === 'string' ? Buffer.from(body, 'utf8') : body;

function store(body: string | Uint8Array) {
  return createJwksKeyStore({
    jwksUri: URI,
    download: served(body),
    unknownKidCooldownMs: 0,
    failureBackoffMs: 0,
  });
}

async function lookupOutcome(ks: ReturnType<typeof store>, kid: string): Promise<string> {
  try {
    await ks.getKey(kid);
    return 'found';
  } catch (err) {
    expect(err).toBeInstanceOf(VerifyError);
    expect(['unknown_kid', 'keys_unavailable']).toContain((err as VerifyError).code);
    return (err as VerifyError).code;
  }
}

const good = testKey('fuzz-jwks');
const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });

/** A different, valid RSA key published under the good key's kid. */
const conflicting = { ...testKey('fuzz-jwks-other').jwk, kid: good.kid };

const hostileJwk = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      kty: fc.oneof(fc.constantFrom('RSA', 'EC', 'oct', 'rsa', ''), fc.jsonValue()),
      kid: fc.oneof(fc.constant(good.kid), fc.string({ maxLength: 300 }), fc.jsonValue()),
      use: fc.oneof(fc.constantFrom('sig', 'enc', 'SIG'), fc.jsonValue()),
      alg: fc.oneof(fc.constantFrom('RS256', 'HS256', 'RS384', 'none', 'PS256'), fc.jsonValue()),
      n: fc.oneof(
        fc.base64String({ maxLength: 400 }),
        fc.constant(good.jwk.n),
        fc.constant(''),
        fc.jsonValue(),
      ),
      e: fc.oneof(fc.constantFrom('AQAB', 'AQ', 'Aw', 'AA', '', 'AQAB'.repeat(50)), fc.jsonValue()),
      key_ops: fc.oneof(fc.constant(['verify']), fc.constant(['encrypt']), fc.jsonValue()),
    },
    { requiredKeys: [] },
  ),
  fc.constantFrom<unknown>(
    { ...small, kid: 'small-1024', use: 'sig', alg: 'RS256' },
    { ...ec, kid: 'ec-p256', use: 'sig' },
    { ...good.jwk, kid: 'enc-key', use: 'enc' },
    { ...good.jwk, kid: 'hs-key', alg: 'HS256' },
    { kty: 'oct', kid: 'oct', k: 'c2VjcmV0' },
    conflicting,
  ),
);

describe('JWKS parser hostile documents', () => {
  it('never throws, bounds keys, and keeps a good key usable next to hostile ones', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileJwk, { maxLength: 30 }), fc.boolean(), async (jwks, includeGood) => {
        const keys = includeGood ? [...jwks, good.jwk] : jwks;
        const ks = store(JSON.stringify({ keys }));
        await ks.prefetch();
        const stats = ks.stats();
        expect(stats.keys).toBeLessThanOrEqual(100);
        const outcome = await lookupOutcome(ks, good.kid);
        // A key found under a kid is one the document lists under that kid; two different keys under one
        // kid are ambiguous and neither is trusted.
        const listed = keys
          .filter((k) => (k as { kid?: unknown } | null)?.kid === good.kid)
          .map((k) => (k as { n?: unknown }).n);
        if (outcome === 'found')
          expect(listed).toContain((await ks.getKey(good.kid)).export({ format: 'jwk' }).n);
        if (keys.includes(conflicting) && keys.includes(good.jwk)) expect(outcome).not.toBe('found');
        for (const kid of ['small-1024', 'ec-p256', 'enc-key', 'hs-key', 'oct']) {
          expect(await lookupOutcome(ks, kid)).not.toBe('found');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('rejects documents of the wrong shape without throwing from prefetch', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.jsonValue().map((v) => JSON.stringify({ keys: v })),
          fc.string({ maxLength: 500 }),
          fc.uint8Array({ maxLength: 500 }),
          fc.nat({ max: 5000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
          fc.nat({ max: 5000 }).map((d) => `{"keys":[${'{"a":'.repeat(d)}1${'}'.repeat(d)}]}`),
        ),
        async (body) => {
          const ks = store(body);
          await ks.prefetch();
          const outcome = await lookupOutcome(ks, good.kid);
          expect(outcome).not.toBe('found');
        },
      ),
      { numRuns: 200 },
    );
  });

  // The default 150000-byte cap (as API Gateway's JWT authorizer) is what stops most of these.
  it.each([
    {
      name: '5000 keys (over the 150000-byte cap)',
      body: () =>
        JSON.stringify({ keys: Array.from({ length: 5000 }, (_, i) => ({ ...good.jwk, kid: `k${i}` })) }),
      outcome: 'keys_unavailable',
      keys: 0,
    },
    {
      name: '300 keys under distinct kids (under the cap)',
      body: () =>
        JSON.stringify({
          keys: [good.jwk, ...Array.from({ length: 299 }, (_, i) => ({ ...good.jwk, kid: `k${i}` }))],
        }),
      outcome: 'found',
      keys: 100,
    },
    {
      name: '300 duplicates of the good key',
      body: () => JSON.stringify({ keys: Array.from({ length: 300 }, () => good.jwk) }),
      outcome: 'found',
      keys: 1,
    },
    {
      name: '10 MB of padding',
      body: () => JSON.stringify({ keys: [good.jwk], pad: 'x'.repeat(10_000_000) }),
      outcome: 'keys_unavailable',
      keys: 0,
    },
    {
      name: 'depth 100000',
      body: () => `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      outcome: 'keys_unavailable',
      keys: 0,
    },
    {
      name: 'n of 1 MB',
      body: () =>
        JSON.stringify({ keys: [{ ...good.jwk, kid: 'huge-n', n: 'A'.repeat(1_000_000) }, good.jwk] }),
      outcome: 'keys_unavailable',
      keys: 0,
    },
  ])('a document of $name: lookup $outcome, $keys key(s) held', async ({ name, body, outcome, keys }) => {
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    const ks = createJwksKeyStore({ jwksUri: URI, download: served(body()) });
    await ks.prefetch();
    const result = { outcome: await lookupOutcome(ks, good.kid), keys: ks.stats().keys };
    console.log(
      `[reliability] jwks-parser-bounds ${name}: ${JSON.stringify({
        ...result,
        ms: Math.round(performance.now() - started),
        heapDeltaMb: Math.round((process.memoryUsage().heapUsed - before) / 1e6),
      })}`,
    );
    expect(result).toEqual({ outcome, keys });
  });

  it('a verifier over a hostile JWKS refuses tokens signed by the skipped keys', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const weakJwk = { ...weak.publicKey.export({ format: 'jwk' }), kid: 'weak', use: 'sig', alg: 'RS256' };
    const keyStore = store(JSON.stringify({ keys: [weakJwk, good.jwk] }));
    const verifier = createVerifier({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE, keyStore });
    const weakToken = signToken({ key: { ...good, privateKey: weak.privateKey, kid: 'weak' } });
    await expect(verifier.verify(weakToken)).rejects.toMatchObject({ code: 'unknown_kid' });
    await expect(verifier.verify(signToken({ key: good }))).resolves.toMatchObject({ sub: 'client-1' });
  });
});
