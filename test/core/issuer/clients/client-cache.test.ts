import { describe, expect, it } from 'vitest';
import { createClientCache } from '../../../../core/issuer/clients/client-cache.js';
import type { ClientRecord } from '../../../../core/issuer/types.js';

const record = (clientId: string, status: 'active' | 'disabled' = 'active'): ClientRecord => ({
  clientId,
  name: clientId,
  scopes: ['products/read'],
  status,
  tokenLifetimeSeconds: 3600,
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  secretHash: 'h',
});

function fakeSource(initial: Record<string, ClientRecord>) {
  const data = new Map(Object.entries(initial));
  const state = { reads: 0, failing: false };
  return {
    state,
    data,
    source: {
      async get(id: string) {
        state.reads += 1;
        if (state.failing) throw new Error('dynamodb down');
        return data.get(id);
      },
    },
  };
}

describe('client cache', () => {
  it('serves a hot client from memory within the TTL', async () => {
    let clock = 0;
    const { source, state } = fakeSource({ a: record('a') });
    const cache = createClientCache({ source, ttlSeconds: 30, now: () => clock });
    expect((await cache.get('a')).fromCache).toBe(false);
    for (let i = 0; i < 10; i++) expect((await cache.get('a')).record?.clientId).toBe('a');
    expect(state.reads).toBe(1);
    clock = 29_999;
    await cache.get('a');
    expect(state.reads).toBe(1);
    clock = 30_000;
    expect((await cache.get('a')).fromCache).toBe(false);
    expect(state.reads).toBe(2);
    expect(cache.stats()).toMatchObject({ hits: 11, misses: 2, size: 1 });
  });

  it('caches unknown ids for the shorter negative TTL', async () => {
    let clock = 0;
    const { source, state, data } = fakeSource({});
    const cache = createClientCache({ source, ttlSeconds: 30, negativeTtlSeconds: 5, now: () => clock });
    expect((await cache.get('new')).record).toBeUndefined();
    expect((await cache.get('new')).record).toBeUndefined();
    expect(state.reads).toBe(1);
    data.set('new', record('new'));
    clock = 5000;
    expect((await cache.get('new')).record?.clientId).toBe('new');
    expect(state.reads).toBe(2);
  });

  it('propagates a disable within the TTL', async () => {
    let clock = 0;
    const { source, data } = fakeSource({ a: record('a') });
    const cache = createClientCache({ source, ttlSeconds: 30, now: () => clock });
    await cache.get('a');
    data.set('a', record('a', 'disabled'));
    expect((await cache.get('a')).record?.status).toBe('active');
    clock = 30_000;
    expect((await cache.get('a')).record?.status).toBe('disabled');
  });

  it('refresh re-reads only records older than maxAge', async () => {
    let clock = 0;
    const { source, state } = fakeSource({ a: record('a') });
    const cache = createClientCache({ source, ttlSeconds: 30, now: () => clock });
    await cache.get('a');
    expect((await cache.refresh('a', 1000)).fromCache).toBe(true);
    clock = 1001;
    expect((await cache.refresh('a', 1000)).fromCache).toBe(false);
    expect(state.reads).toBe(2);
  });

  it('serves a known record while the source fails (stale-if-error), up to the bound', async () => {
    let clock = 0;
    const { source, state } = fakeSource({ a: record('a') });
    const cache = createClientCache({ source, ttlSeconds: 30, staleIfErrorSeconds: 60, now: () => clock });
    await cache.get('a');
    state.failing = true;
    clock = 31_000;
    expect((await cache.get('a')).record?.clientId).toBe('a');
    expect(cache.stats().staleServed).toBe(1);
    clock = 90_001;
    await expect(cache.get('a')).rejects.toThrow('dynamodb down');
    // Unknown ids are never served stale: an outage is an outage.
    await expect(cache.get('b')).rejects.toThrow('dynamodb down');
  });

  it('coalesces concurrent misses into one read', async () => {
    const { source, state } = fakeSource({ a: record('a') });
    const cache = createClientCache({ source });
    await Promise.all(Array.from({ length: 5 }, () => cache.get('a')));
    expect(state.reads).toBe(1);
  });

  it('is bounded and can be disabled with TTL 0', async () => {
    const { source, state } = fakeSource({});
    const cache = createClientCache({ source, maxEntries: 3 });
    for (let i = 0; i < 10; i++) await cache.get(`id${i}`);
    expect(cache.stats().size).toBe(3);
    const off = createClientCache({ source, ttlSeconds: 0 });
    state.reads = 0;
    await off.get('x');
    await off.get('x');
    expect(state.reads).toBe(2);
  });
});
