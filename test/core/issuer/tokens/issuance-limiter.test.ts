// The per-client token bucket on an injected clock, and the token service refusing over-limit requests
// with RateLimitedError before the signer is called.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createClientCache } from '../../../../core/issuer/clients/client-cache.js';
import { hashClientSecret } from '../../../../core/issuer/clients/client-secret.js';
import { RateLimitedError } from '../../../../core/issuer/errors.js';
import { createIssuanceLimiter } from '../../../../core/issuer/tokens/issuance-limiter.js';
import { createTokenMinter } from '../../../../core/issuer/tokens/token-minter.js';
import { createTokenService } from '../../../../core/issuer/tokens/token-service.js';
import type { ClientRecord } from '../../../../core/issuer/types.js';
import { createLocalSigner } from '../../../../fixtures/local-signer.js';

describe('createIssuanceLimiter', () => {
  it('allows a burst of twice the rate, then one token per 1/rate seconds, per client', () => {
    const clock = { t: 0 };
    const limiter = createIssuanceLimiter({ now: () => clock.t });
    const burst = Array.from({ length: 4 }, () => limiter.take('a', 2).ok);
    expect(burst).toEqual([true, true, true, true]);
    expect(limiter.take('a', 2)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take('b', 2).ok).toBe(true);
    clock.t += 499;
    expect(limiter.take('a', 2).ok).toBe(false);
    clock.t += 1;
    expect(limiter.take('a', 2).ok).toBe(true);
    expect(limiter.take('a', 2).ok).toBe(false);
  });

  it.each([
    [1, 1],
    [0.5, 2],
  ])('at %s tokens/s an empty bucket says retry after %s s', (rate, seconds) => {
    const limiter = createIssuanceLimiter({ now: () => 0 });
    for (let i = 0; i < 2 * rate; i++) limiter.take('a', rate);
    expect(limiter.take('a', rate)).toEqual({ ok: false, retryAfterSeconds: seconds });
  });
});

describe('token service with an issuance limit', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const record = (rate?: number): ClientRecord => ({
    clientId: 'kg_a',
    name: 'a',
    scopes: ['products/read'],
    status: 'active',
    tokenLifetimeSeconds: 3600,
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    secretHash: hashClientSecret('s3cret'),
    ...(rate ? { issuanceRatePerSecond: rate } : {}),
  });
  const service = (rec: ClientRecord, defaultRatePerSecond?: number) => {
    const signer = createLocalSigner(privateKey);
    const now = () => Date.parse('2030-01-01T00:00:00Z');
    return {
      signer,
      service: createTokenService({
        clients: createClientCache({ source: { get: async () => rec }, now }),
        minter: createTokenMinter({ signer, issuer: 'https://auth.keygate.test', audience: 'api', now }),
        maxLifetimeSeconds: 3600,
        now,
        limiter: createIssuanceLimiter({ now }),
        ...(defaultRatePerSecond ? { defaultRatePerSecond } : {}),
      }),
    };
  };
  const request = {
    clientId: 'kg_a',
    clientSecret: 's3cret',
    authMethod: 'client_secret_basic',
    scopes: undefined,
  } as const;

  it("uses the client's own rate and refuses beyond it without signing", async () => {
    const { service: s, signer } = service(record(1));
    await s.issue(request);
    await s.issue(request);
    await expect(s.issue(request)).rejects.toEqual(new RateLimitedError(1));
    expect(signer.calls()).toBe(2);
  });

  it('falls back to the configured default rate', async () => {
    const { service: s, signer } = service(record(), 3);
    for (let i = 0; i < 6; i++) await s.issue(request);
    await expect(s.issue(request)).rejects.toBeInstanceOf(RateLimitedError);
    expect(signer.calls()).toBe(6);
  });

  it('does not spend the bucket on failed authentication', async () => {
    const { service: s } = service(record(1));
    for (let i = 0; i < 5; i++)
      await expect(s.issue({ ...request, clientSecret: 'wrong' })).rejects.toThrow();
    await s.issue(request);
  });
});
