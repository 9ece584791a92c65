// In-memory client-record cache for the token Lambda: a hot client costs no DynamoDB read per token.
// Propagation bound: a disable, scope change or secret rotation reaches a warm container within `ttlSeconds`
// (default 30 s), or at once for a request whose authentication fails (it re-reads a record older than
// `refreshAfterFailureMs`). While DynamoDB is failing, a known record is served up to `staleIfErrorSeconds`
// past its TTL, so an outage does not take down clients already seen; a disable made during an outage
// therefore lands when DynamoDB answers again (at most TTL + staleIfError).
import { LRUCache } from 'lru-cache';
import type { ClientRecord } from '../types.js';

export interface ClientSource {
  get(clientId: string): Promise<ClientRecord | undefined>;
}

export interface CachedClient {
  readonly record: ClientRecord | undefined;
  /** When this record was read from the source (ms); tells the caller how stale it may be. */
  readonly fetchedAt: number;
  readonly fromCache: boolean;
}

export interface ClientCache {
  get(clientId: string): Promise<CachedClient>;
  /** Re-reads the record if the cached one is older than `maxAgeMs` (an authentication just failed on it). */
  refresh(clientId: string, maxAgeMs: number): Promise<CachedClient>;
  invalidate(clientId: string): void;
  stats(): { hits: number; misses: number; staleServed: number; size: number };
}

export interface ClientCacheOptions {
  readonly source: ClientSource;
  /** Fresh lifetime of a cached record; 0 disables caching (every request reads DynamoDB). */
  readonly ttlSeconds?: number;
  /** Unknown ids: shorter, so a client created just now is usable quickly. */
  readonly negativeTtlSeconds?: number;
  /** How long past its TTL a known record may answer while the source fails. */
  readonly staleIfErrorSeconds?: number;
  /** Bounded so random client ids cannot grow the heap. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly record: ClientRecord | undefined;
  readonly fetchedAt: number;
}

export const DEFAULT_CLIENT_CACHE_TTL_SECONDS = 30;
/** The largest TTL a deployment may set (CLIENT_CACHE_TTL_SECONDS). */
export const MAX_CLIENT_CACHE_TTL_SECONDS = 300;
const DEFAULT_STALE_IF_ERROR_SECONDS = 300;
/**
 * Longest a token endpoint can keep minting from a record read before a change (largest TTL plus the
 * stale-if-error window): how long after a delete a deleted client's tokens can still be minted.
 */
export const MAX_CLIENT_RECORD_AGE_SECONDS = MAX_CLIENT_CACHE_TTL_SECONDS + DEFAULT_STALE_IF_ERROR_SECONDS;

export function createClientCache(options: ClientCacheOptions): ClientCache {
  const now = options.now ?? Date.now;
  const ttlMs = (options.ttlSeconds ?? DEFAULT_CLIENT_CACHE_TTL_SECONDS) * 1000;
  const negativeTtlMs = Math.min(ttlMs, (options.negativeTtlSeconds ?? 5) * 1000);
  const staleMs = (options.staleIfErrorSeconds ?? DEFAULT_STALE_IF_ERROR_SECONDS) * 1000;
  // lru-cache bounds the entries; freshness is judged here against the injectable clock.
  const entries = new LRUCache<string, Entry>({ max: options.maxEntries ?? 1000 });
  const inflight = new Map<string, Promise<CachedClient>>();
  let hits = 0;
  let misses = 0;
  let staleServed = 0;

  const freshFor = (entry: Entry) => (entry.record ? ttlMs : negativeTtlMs);

  function load(clientId: string, previous: Entry | undefined): Promise<CachedClient> {
    const running = inflight.get(clientId);
    if (running) return running;
    misses += 1;
    const p = (async (): Promise<CachedClient> => {
      try {
        const record = await options.source.get(clientId);
        const entry: Entry = { record, fetchedAt: now() };
        if (ttlMs > 0) entries.set(clientId, entry);
        return { ...entry, fromCache: false };
      } catch (err) {
        // stale-if-error: positive records only; an unknown id during an outage is an outage (503).
        if (previous?.record && now() - previous.fetchedAt <= freshFor(previous) + staleMs) {
          staleServed += 1;
          return { ...previous, fromCache: true };
        }
        throw err;
      } finally {
        inflight.delete(clientId);
      }
    })();
    inflight.set(clientId, p);
    return p;
  }

  return {
    async get(clientId) {
      const entry = entries.get(clientId);
      if (entry && now() - entry.fetchedAt < freshFor(entry)) {
        hits += 1;
        return { ...entry, fromCache: true };
      }
      return load(clientId, entry);
    },
    async refresh(clientId, maxAgeMs) {
      const entry = entries.get(clientId);
      if (entry && now() - entry.fetchedAt <= maxAgeMs) return { ...entry, fromCache: true };
      return load(clientId, entry);
    },
    invalidate(clientId) {
      entries.delete(clientId);
    },
    stats: () => ({ hits, misses, staleServed, size: entries.size }),
  };
}
