// The verified-token cache: the same answers as BoundedCache (same second-chance policy) for every sequence
// of operations, never more than `max` entries, and probe runs that stay correct through deletes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../../core/bounded-cache.js';
import { TOKEN_CACHE_MAX, TokenCache } from '../../../core/jwt/token-cache.js';

type Op = { op: 'get' | 'set' | 'delete'; key: number } | { op: 'clear' };

/** Keys from a small pool (so operations meet) spread over int32, some agreeing in their low bits. */
const keyPool = [0, 1, 2, 3, -1, 1 << 20, (1 << 20) + 1, 2 ** 31 - 1, -(2 ** 31), 0x3fffffff, 64, 128, 4096];
const ops = fc.array(
  fc.oneof(
    {
      weight: 20,
      arbitrary: fc.record({ op: fc.constantFrom('get', 'set', 'delete'), key: fc.constantFrom(...keyPool) }),
    },
    { weight: 20, arbitrary: fc.record({ op: fc.constantFrom('get', 'set', 'delete'), key: fc.integer() }) },
    { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
  ),
  { maxLength: 400 },
) as fc.Arbitrary<Op[]>;

describe('TokenCache', () => {
  it.each([1, 2, 3, 7, 16])('answers every operation as BoundedCache(%i) does', (max) => {
    fc.assert(
      fc.property(ops, (sequence) => {
        const model = new BoundedCache<number, number>(max);
        const cache = new TokenCache<number>(max);
        sequence.forEach((step, n) => {
          if (step.op === 'clear') {
            model.clear();
            cache.clear();
          } else if (step.op === 'set') {
            model.set(step.key, n);
            cache.set(step.key, n);
          } else {
            expect(cache[step.op](step.key)).toBe(model[step.op](step.key));
          }
          expect(cache.size).toBe(model.size);
          expect(cache.size).toBeLessThanOrEqual(max);
        });
        for (const key of keyPool) expect(cache.get(key)).toBe(model.get(key));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every live key reachable through long probe runs and their deletes', () => {
    // 1000 keys that are multiples of 2^22 land in few home buckets; deleting from the middle of a run
    // must leave the rest of the run findable.
    const cache = new TokenCache<number>(1000);
    const keys = Array.from({ length: 1000 }, (_, i) => (i << 22) | 0);
    for (const key of keys) cache.set(key, key);
    for (const key of keys.filter((_, i) => i % 3 === 0)) expect(cache.delete(key)).toBe(true);
    for (const [i, key] of keys.entries()) expect(cache.get(key)).toBe(i % 3 === 0 ? undefined : key);
    expect(cache.size).toBe(666);
  });

  it('holds 10,000 entries under the evicting load the verifier puts on it', () => {
    const cache = new TokenCache<number>(10_000);
    const model = new BoundedCache<number, number>(10_000);
    for (let i = 0; i < 30_000; i++) {
      const key = Math.imul(i % 12_000, 0x2545f491) & 0x3fffffff;
      expect(cache.get(key)).toBe(model.get(key));
      cache.set(key, i);
      model.set(key, i);
    }
    expect(cache.size).toBe(10_000);
  });

  it.each([0, -1, 1.5, TOKEN_CACHE_MAX + 1, Number.NaN])('refuses max %s', (max) => {
    expect(() => new TokenCache(max)).toThrow(RangeError);
  });

  it.each([1.5, 2 ** 31, Number.NaN])('refuses to set non-int32 key %s, and never finds it', (key) => {
    const cache = new TokenCache<number>(4);
    expect(() => cache.set(key, 1)).toThrow(RangeError);
    expect(cache.get(key)).toBeUndefined();
    expect(cache.delete(key)).toBe(false);
  });
});
