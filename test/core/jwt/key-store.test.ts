// The JWKS key store against a real JWKS server on 127.0.0.1: single-flight and rate-limited refetches,
// stale-if-error serving through every failure mode, rotation, the stale window, timeouts and URI rules.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createJwksKeyStore,
  createVerifier,
  type JwksKeyStoreOptions,
  type KeyStoreEvent,
  type VerifyErrorCode,
} from '../../../core/jwt/index.js';
import { type JwksMode, type JwksServer, startJwksServer } from '../../../fixtures/jwks-server.js';
import { signToken, TEST_AUDIENCE, TEST_ISSUER, testKey } from '../../../fixtures/tokens.js';

const key = testKey();
const next = testKey('next');

let server: JwksServer;
let clockMs = 1_800_000_000_000;
const clock = () => clockMs;

beforeAll(async () => {
  server = await startJwksServer({ keys: [key.jwk] });
});
afterAll(() => server.close());
afterEach(() => {
  clockMs = 1_800_000_000_000;
  server.mode = 'ok';
  server.delayMs = 0;
  server.body = { keys: [key.jwk] };
});

function makeStore(options: Partial<JwksKeyStoreOptions> = {}) {
  const events: KeyStoreEvent[] = [];
  const store = createJwksKeyStore({
    jwksUri: server.url,
    now: clock,
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { store, events };
}

async function expectCode(promise: Promise<unknown>, code: VerifyErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'VerifyError', code });
}

describe('unknown kid refetches', () => {
  it('100 concurrent verifications with a new kid cause exactly one fetch', async () => {
    const { store } = makeStore();
    await store.prefetch();
    const before = server.requests;
    server.body = { keys: [key.jwk, next.jwk] };
    server.delayMs = 50;
    const verifier = createVerifier({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE, keyStore: store });
    const tokens = Array.from({ length: 100 }, (_, i) => signToken({ key: next, claims: { jti: `j${i}` } }));
    const results = await Promise.all(tokens.map((t) => verifier.verify(t)));
    expect(results).toHaveLength(100);
    expect(server.requests - before).toBe(1);
  });

  it('100 concurrent verifications on a cold store cause exactly one fetch', async () => {
    const { store } = makeStore();
    server.delayMs = 50;
    const verifier = createVerifier({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE, keyStore: store });
    const before = server.requests;
    await Promise.all(Array.from({ length: 100 }, () => verifier.verify(signToken())));
    expect(server.requests - before).toBe(1);
    expect(store.stats().fetches).toBe(1);
  });

  it('a flood of forged kids within the cooldown causes at most one fetch', async () => {
    const { store } = makeStore();
    await store.prefetch();
    const before = server.requests;
    const forged = Array.from({ length: 500 }, (_, i) => `forged-${i}`);
    const outcomes = await Promise.allSettled(forged.map((kid) => store.getKey(kid)));
    for (const kid of forged.slice(0, 100)) await store.getKey(kid).catch(() => undefined);
    clockMs += 29_999;
    await Promise.allSettled(forged.map((kid) => store.getKey(`${kid}-later`)));
    expect(server.requests - before).toBeLessThanOrEqual(1);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason.code === 'unknown_kid')).toBe(true);
  });

  it('allows one more refetch after the cooldown, but not for kids already found unknown', async () => {
    const { store } = makeStore({ unknownKidCooldownMs: 1000 });
    await store.prefetch();
    await expectCode(store.getKey('nope'), 'unknown_kid');
    const afterFirst = server.requests;
    clockMs += 1000;
    await expectCode(store.getKey('nope'), 'unknown_kid');
    expect(server.requests).toBe(afterFirst);
    await expectCode(store.getKey('other'), 'unknown_kid');
    expect(server.requests).toBe(afterFirst + 1);
  });

  it('picks up a rotated key (new kid) without restart', async () => {
    const { store, events } = makeStore();
    const verifier = createVerifier({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE, keyStore: store });
    await verifier.verify(signToken());
    server.body = { keys: [next.jwk] };
    await expect(verifier.verify(signToken({ key: next }))).resolves.toMatchObject({ sub: 'client-1' });
    expect(store.getCachedKey(key.kid)).toBeUndefined();
    expect(events).toContainEqual({ type: 'key_added', kid: next.kid });
    expect(events).toContainEqual({ type: 'key_removed', kid: key.kid });
  });
});

describe('stale-if-error', () => {
  const failureModes: [JwksMode, string][] = [
    ['error500', 'http_status'],
    ['hang', 'timeout'],
    ['garbage', 'invalid_json'],
    ['html', 'invalid_json'],
    ['oversized', 'too_large'],
    ['redirect', 'redirect'],
    ['reset', 'network'],
  ];
  for (const [mode, reason] of failureModes) {
    it(`keeps serving cached keys when the endpoint ${mode === 'hang' ? 'hangs' : `answers ${mode}`}`, async () => {
      const { store, events } = makeStore({ softMaxAgeMs: 1000, fetchTimeoutMs: 300 });
      await store.prefetch();
      const cached = store.getCachedKey(key.kid);
      server.mode = mode;
      clockMs += 1001;
      await store.prefetch();
      expect(store.getCachedKey(key.kid)).toBe(cached);
      await expect(store.getKey(key.kid)).resolves.toBe(cached);
      expect(store.stats()).toMatchObject({ fetches: 2, fetchFailures: 1, keys: 1, stale: true });
      expect(events).toContainEqual(expect.objectContaining({ type: 'fetch_failed', reason }));
      expect(events).toContainEqual(expect.objectContaining({ type: 'stale_serving', keys: 1 }));
    });
  }

  it('stops serving after the stale window and reports keys_unavailable', async () => {
    const { store, events } = makeStore({ softMaxAgeMs: 1000, staleIfErrorMs: 5000 });
    await store.prefetch();
    server.mode = 'error500';
    clockMs += 1000;
    expect(store.getCachedKey(key.kid)).toBeDefined();
    await store.prefetch();
    clockMs += 4999;
    expect(store.getCachedKey(key.kid)).toBeDefined();
    clockMs += 1;
    expect(store.getCachedKey(key.kid)).toBeUndefined();
    await store.prefetch();
    await expectCode(store.getKey(key.kid), 'keys_unavailable');
    expect(events).toContainEqual({ type: 'keys_expired', ageMs: 6000 });
    expect(store.stats()).toMatchObject({ keys: 0, stale: false });
    // Recovery: the endpoint is back, the next lookup after the backoff loads keys again.
    server.mode = 'ok';
    clockMs += 1000;
    await expect(store.getKey(key.kid)).resolves.toBeDefined();
  });

  it('soft max age triggers one background refresh while current keys keep serving', async () => {
    const { store } = makeStore({ softMaxAgeMs: 1000 });
    await store.prefetch();
    const before = server.requests;
    server.delayMs = 30;
    clockMs += 1000;
    for (let i = 0; i < 50; i++) expect(store.getCachedKey(key.kid)).toBeDefined();
    await store.prefetch();
    expect(server.requests - before).toBe(1);
    expect(store.stats().stale).toBe(false);
  });

  it('keeps the same KeyObject for an unchanged key across refreshes', async () => {
    const { store } = makeStore({ softMaxAgeMs: 1000 });
    await store.prefetch();
    const first = store.getCachedKey(key.kid);
    server.body = { keys: [next.jwk, key.jwk] };
    clockMs += 1000;
    await store.prefetch();
    expect(store.getCachedKey(key.kid)).toBe(first);
    expect(store.getCachedKey(next.kid)).toBeDefined();
  });
});

describe('cold start and failures', () => {
  it('rejects keys_unavailable when there are no keys and the fetch fails; prefetch never rejects', async () => {
    server.mode = 'error500';
    const { store } = makeStore();
    await expect(store.prefetch()).resolves.toBeUndefined();
    clockMs += 1000;
    await expectCode(store.getKey(key.kid), 'keys_unavailable');
    expect(store.stats()).toMatchObject({ fetches: 2, fetchFailures: 2, keys: 0, stale: false });
  });

  it('fails fast within the failure backoff instead of refetching per request', async () => {
    server.mode = 'error500';
    const { store } = makeStore({ failureBackoffMs: 5000 });
    await store.prefetch();
    const before = server.requests;
    for (let i = 0; i < 20; i++) await expectCode(store.getKey(key.kid), 'keys_unavailable');
    expect(server.requests).toBe(before);
  });

  it('honours the fetch timeout when the endpoint hangs', async () => {
    server.mode = 'hang';
    const { store, events } = makeStore({ fetchTimeoutMs: 200 });
    const before = server.requests;
    await expectCode(store.getKey(key.kid), 'keys_unavailable');
    expect(events).toContainEqual(expect.objectContaining({ type: 'fetch_failed', reason: 'timeout' }));
    expect(server.requests - before).toBe(1);
  });

  it('treats a JWKS without usable keys as a failure', async () => {
    server.body = {
      keys: [
        { ...key.jwk, kty: 'EC' },
        { ...key.jwk, kid: undefined },
      ],
    };
    const { store, events } = makeStore();
    await expectCode(store.getKey(key.kid), 'keys_unavailable');
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'fetch_failed', reason: 'no_usable_keys' }),
    );
    expect(events).toContainEqual({ type: 'key_skipped', kid: key.kid, reason: 'kty' });
  });

  it('rejects a document that is not a JSON object with a keys array', async () => {
    for (const body of ['[]', '{"keys":{}}', 'null', '{"keys":"x"}']) {
      server.body = body;
      const { store, events } = makeStore();
      await expectCode(store.getKey(key.kid), 'keys_unavailable');
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'fetch_failed', reason: 'invalid_jwks' }),
      );
    }
  });

  it('drops both keys of a conflicting duplicate kid but collapses an identical duplicate', async () => {
    server.body = { keys: [key.jwk, { ...next.jwk, kid: key.kid }, next.jwk, next.jwk] };
    const { store, events } = makeStore();
    await expectCode(store.getKey(key.kid), 'unknown_kid');
    await expect(store.getKey(next.kid)).resolves.toBeDefined();
    expect(events).toContainEqual({ type: 'key_skipped', kid: key.kid, reason: 'duplicate_kid' });
  });

  it('skips weak, enc, non-RS256 and key_ops-less keys and caps the key count', async () => {
    const weak = testKey('weak-1024', 1024);
    server.body = {
      keys: [
        weak.jwk,
        { ...next.jwk, kid: 'enc', use: 'enc' },
        { ...next.jwk, kid: 'ps', alg: 'PS256' },
        { ...next.jwk, kid: 'ops', key_ops: ['encrypt'] },
        { ...next.jwk, kid: 'bad-n', n: 'AQAB' },
        key.jwk,
        { ...next.jwk, kid: 'second' },
        { ...next.jwk, kid: 'third' },
      ],
    };
    const { store, events } = makeStore({ maxKeys: 2 });
    await store.prefetch();
    expect(store.stats().keys).toBe(2);
    const skipped = events.filter((e) => e.type === 'key_skipped');
    expect(skipped).toEqual([
      { type: 'key_skipped', kid: weak.kid, reason: 'modulus_too_small' },
      { type: 'key_skipped', kid: 'enc', reason: 'use' },
      { type: 'key_skipped', kid: 'ps', reason: 'alg' },
      { type: 'key_skipped', kid: 'ops', reason: 'key_ops' },
      { type: 'key_skipped', kid: 'bad-n', reason: 'modulus_too_small' },
      { type: 'key_skipped', kid: 'third', reason: 'too_many_keys' },
    ]);
  });

  it('survives an onEvent sink that throws', async () => {
    const store = createJwksKeyStore({
      jwksUri: server.url,
      onEvent: () => {
        throw new Error('sink down');
      },
    });
    await expect(store.getKey(key.kid)).resolves.toBeDefined();
  });
});

describe('construction', () => {
  it('rejects http for non-loopback hosts and invalid URIs', () => {
    expect(() => createJwksKeyStore({ jwksUri: 'http://auth.keygate.test/jwks.json' })).toThrow(/https/);
    expect(() => createJwksKeyStore({ jwksUri: 'http://10.0.0.1/jwks.json' })).toThrow(/https/);
    expect(() => createJwksKeyStore({ jwksUri: 'ftp://127.0.0.1/jwks.json' })).toThrow(/https/);
    expect(() => createJwksKeyStore({ jwksUri: 'not a url' })).toThrow(TypeError);
    expect(() => createJwksKeyStore({ jwksUri: 'https://auth.keygate.test/jwks.json' })).not.toThrow();
    expect(() => createJwksKeyStore({ jwksUri: 'http://localhost:3000/jwks.json' })).not.toThrow();
    expect(() => createJwksKeyStore({ jwksUri: 'http://[::1]:3000/jwks.json' })).not.toThrow();
  });

  it('rejects non-positive timeouts and sizes', () => {
    expect(() => createJwksKeyStore({ jwksUri: server.url, fetchTimeoutMs: 0 })).toThrow(RangeError);
    expect(() => createJwksKeyStore({ jwksUri: server.url, maxResponseBytes: -1 })).toThrow(RangeError);
  });
});
