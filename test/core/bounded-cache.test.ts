// The second-chance bounded cache: never more than `max` entries, the oldest unread entry goes first, a read
// entry is spared once, updates keep one entry per key.
import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../core/bounded-cache.js';

function filled(max: number, count: number): BoundedCache<string, number> {
  const cache = new BoundedCache<string, number>(max);
  for (let i = 0; i < count; i++) cache.set(`k${i}`, i);
  return cache;
}

describe('BoundedCache', () => {
  it.each([1, 2, 3, 10, 1001])('holds exactly %i entries once full, however many are set', (max) => {
    const cache = new BoundedCache<string, number>(max);
    for (let i = 0; i < max * 5 + 3; i++) {
      cache.set(`k${i}`, i);
      expect(cache.size).toBe(Math.min(i + 1, max));
    }
    expect(cache.get(`k${max * 5 + 2}`)).toBe(max * 5 + 2);
  });

  it('evicts the oldest entry that was not read', () => {
    const cache = filled(3, 3);
    cache.set('k3', 3);
    expect(cache.get('k0')).toBeUndefined();
    expect([cache.get('k1'), cache.get('k2'), cache.get('k3')]).toEqual([1, 2, 3]);
  });

  it('spares a read entry once, then evicts it when it is not read again', () => {
    const cache = filled(3, 3);
    cache.get('k0');
    cache.set('k3', 3); // k0 spared (moved to the back), k1 evicted
    expect(cache.get('k1')).toBeUndefined();
    expect(cache.get('k0')).toBe(0); // read again: spared again
    cache.set('k4', 4); // k2 evicted
    cache.set('k5', 5); // k3 evicted
    expect(cache.get('k2')).toBeUndefined();
    expect(cache.get('k3')).toBeUndefined();
    expect(cache.get('k0')).toBe(0);
    expect(cache.size).toBe(3);
  });

  it('ends an eviction pass when every entry was read', () => {
    const cache = filled(3, 3);
    for (const k of ['k0', 'k1', 'k2']) cache.get(k);
    cache.set('k3', 3); // all spared once, then the oldest (k0) goes
    expect(cache.get('k0')).toBeUndefined();
    expect([cache.get('k1'), cache.get('k2'), cache.get('k3')]).toEqual([1, 2, 3]);
  });

  it('replaces a value without adding an entry', () => {
    const cache = filled(3, 3);
    cache.set('k0', 100);
    expect(cache.get('k0')).toBe(100);
    expect(cache.size).toBe(3);
  });

  it('deletes and clears', () => {
    const cache = filled(3, 3);
    expect(cache.delete('k0')).toBe(true);
    expect(cache.delete('k9')).toBe(false);
    expect(cache.size).toBe(2);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('k1')).toBeUndefined();
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses max %s', (max) => {
    expect(() => new BoundedCache(max)).toThrow(RangeError);
  });
});
