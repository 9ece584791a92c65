// The JWKS key store's refresh state machine: fetches the issuer's JWK Set (./bounded-download.ts), imports
// it (./jwk-import.ts), refreshes in the background, keeps serving the last good keys while the endpoint is
// down, and rate-limits refetches caused by unknown `kid`s.
import type { KeyObject } from 'node:crypto';
import { BoundedCache } from '../bounded-cache.js';
import { checkDocumentUri, downloadJson } from './bounded-download.js';
import { JwksFetchError, type JwksFetchFailureReason, VerifyError } from './errors.js';
import { importJwks, type KeyMaterial, type KeySkipReason } from './jwk-import.js';
import { downloadJwks, type JwksDownloader } from './jwks-download.js';
import type { KeyStore, KeyStoreStats } from './types.js';

/** Why a fetch started. */
export type FetchTrigger = 'prefetch' | 'initial' | 'soft_refresh' | 'unknown_kid' | 'retry';

/** What the key store reports for metrics and logs (never token text; kids come from the JWKS). */
export type KeyStoreEvent =
  | {
      readonly type: 'fetch_ok';
      readonly trigger: FetchTrigger;
      readonly keys: number;
      readonly durationMs: number;
    }
  | {
      readonly type: 'fetch_failed';
      readonly trigger: FetchTrigger;
      readonly reason: JwksFetchFailureReason;
      readonly detail: string;
      readonly durationMs: number;
    }
  /** A refresh failed and the last good keys keep serving (stale-if-error). */
  | { readonly type: 'stale_serving'; readonly keys: number; readonly ageMs: number }
  /** The stale-if-error window passed: the last good keys are no longer used. */
  | { readonly type: 'keys_expired'; readonly ageMs: number }
  | { readonly type: 'key_added'; readonly kid: string }
  | { readonly type: 'key_removed'; readonly kid: string }
  | { readonly type: 'key_skipped'; readonly kid: string | undefined; readonly reason: KeySkipReason };

/** Options of `createJwksKeyStore`; every duration is in milliseconds. */
export interface JwksKeyStoreOptions {
  /** The issuer's JWK Set: https, or http on a loopback host (local runs). */
  readonly jwksUri: string;
  /**
   * Whole request including the body read.
   * @default 1500
   */
  readonly fetchTimeoutMs?: number;
  /**
   * A JWKS larger than this is refused (`too_large`).
   * @default 150000
   */
  readonly maxResponseBytes?: number;
  /** Age after which one background refresh runs while the current keys keep serving. */
  readonly softMaxAgeMs?: number;
  /** How long past the soft max age the last good keys keep serving while refreshes fail (RFC 5861 sense). */
  readonly staleIfErrorMs?: number;
  /** At most one refetch per this period is caused by unknown kids. */
  readonly unknownKidCooldownMs?: number;
  /** After a failed fetch no new fetch starts for this long (requests without keys fail fast meanwhile). */
  readonly failureBackoffMs?: number;
  /** Usable keys kept from one document; the rest are skipped. */
  readonly maxKeys?: number;
  /** Replaces the built-in download (core/jwt/jwks-download.ts); must honour the limits it is given. */
  readonly download?: JwksDownloader;
  /** Clock in epoch milliseconds (tests inject one). @default Date.now */
  readonly now?: () => number;
  /** Called for each fetch, key change and stale period (for logs and metrics); a throw is ignored. */
  readonly onEvent?: (event: KeyStoreEvent) => void;
}

const MAX_REMEMBERED_UNKNOWN_KIDS = 1000;

function positive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`);
  }
  return value;
}

/**
 * A key store over the issuer's JWKS: keys are fetched on first use (or `prefetch()`), refreshed in the
 * background after `softMaxAgeMs`, refetched for an unknown `kid` at most once per cooldown, and the last
 * good keys keep serving for `staleIfErrorMs` while the endpoint fails. Build one per process, at module scope.
 * @param options - the JWKS URI and the refresh bounds
 * @returns the store to pass to `createVerifier`
 * @throws TypeError when `jwksUri` is not https (or http on loopback); RangeError for a bound out of range
 * @example
 * ```ts
 * const keyStore = createJwksKeyStore({ jwksUri: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/.well-known/jwks.json' });
 * ```
 */
export function createJwksKeyStore(options: JwksKeyStoreOptions): KeyStore {
  const jwksUri = checkDocumentUri(options.jwksUri, 'jwksUri');
  const fetchTimeoutMs = positive('fetchTimeoutMs', options.fetchTimeoutMs ?? 1500);
  const maxResponseBytes = positive('maxResponseBytes', options.maxResponseBytes ?? 150_000);
  const softMaxAgeMs = positive('softMaxAgeMs', options.softMaxAgeMs ?? 600_000);
  const staleIfErrorMs = positive('staleIfErrorMs', options.staleIfErrorMs ?? 86_400_000, true);
  const cooldownMs = positive('unknownKidCooldownMs', options.unknownKidCooldownMs ?? 30_000, true);
  const failureBackoffMs = positive('failureBackoffMs', options.failureBackoffMs ?? 1000, true);
  const maxKeys = positive('maxKeys', options.maxKeys ?? 100);
  const downloader = options.download ?? downloadJwks;
  const now = options.now ?? Date.now;
  const onEvent = options.onEvent;

  /** Keys usable right now (emptied when the stale window passes). */
  let keys = new Map<string, KeyObject>();
  /** The last good set, kept so unchanged keys are not re-imported and keep their identity. */
  let material = new Map<string, KeyMaterial>();
  let lastGoodAt = Number.NEGATIVE_INFINITY;
  let stale = false;
  let inflight: Promise<void> | undefined;
  let nextAttemptAt = Number.NEGATIVE_INFINITY;
  let lastUnknownKidFetchAt = Number.NEGATIVE_INFINITY;
  /** Next instant the hot path must run housekeeping (soft refresh, stale expiry); one compare per call. */
  let checkAt = Number.POSITIVE_INFINITY;
  const unknownKids = new BoundedCache<string, number>(MAX_REMEMBERED_UNKNOWN_KIDS);
  let fetches = 0;
  let fetchFailures = 0;
  let keyHits = 0;
  let keyMisses = 0;

  const emit = (event: KeyStoreEvent): void => {
    if (!onEvent) return;
    try {
      onEvent(event);
    } catch {
      // A failing metrics/log sink must never break key lookups.
    }
  };

  const unavailable = () =>
    new VerifyError('keys_unavailable', 'no usable signing keys: the JWKS could not be loaded');
  const unknown = () => new VerifyError('unknown_kid', 'no key in the issuer JWKS matches the token kid');

  function reschedule(): void {
    if (lastGoodAt === Number.NEGATIVE_INFINITY) {
      checkAt = Number.POSITIVE_INFINITY;
      return;
    }
    const expiryAt = keys.size > 0 ? lastGoodAt + softMaxAgeMs + staleIfErrorMs : Number.POSITIVE_INFINITY;
    checkAt = inflight ? expiryAt : Math.min(expiryAt, Math.max(lastGoodAt + softMaxAgeMs, nextAttemptAt));
  }

  function housekeeping(t: number): void {
    if (keys.size > 0 && t >= lastGoodAt + softMaxAgeMs + staleIfErrorMs) {
      keys = new Map();
      stale = false;
      emit({ type: 'keys_expired', ageMs: t - lastGoodAt });
    }
    if (!inflight && t >= lastGoodAt + softMaxAgeMs && t >= nextAttemptAt) {
      void refresh('soft_refresh');
    }
    reschedule();
  }

  const download = (): Promise<unknown> =>
    downloadJson(jwksUri, {
      label: 'JWKS',
      timeoutMs: fetchTimeoutMs,
      maxBytes: maxResponseBytes,
      download: downloader,
    });

  function apply(document: unknown, trigger: FetchTrigger, startedAt: number): void {
    const next = importJwks(document, material, maxKeys, (kid, reason) =>
      emit({ type: 'key_skipped', kid, reason }),
    );

    const t = now();
    for (const kid of next.keys()) if (!material.has(kid)) emit({ type: 'key_added', kid });
    for (const kid of material.keys()) if (!next.has(kid)) emit({ type: 'key_removed', kid });
    const usable = new Map<string, KeyObject>();
    for (const [kid, m] of next) usable.set(kid, m.key);
    material = next;
    keys = usable;
    lastGoodAt = t;
    stale = false;
    nextAttemptAt = Number.NEGATIVE_INFINITY;
    emit({ type: 'fetch_ok', trigger, keys: usable.size, durationMs: t - startedAt });
  }

  function fail(err: unknown, trigger: FetchTrigger, startedAt: number): void {
    const t = now();
    fetchFailures++;
    nextAttemptAt = t + failureBackoffMs;
    const reason = err instanceof JwksFetchError ? err.code : 'network';
    const detail = err instanceof Error ? err.message : 'unknown failure';
    emit({ type: 'fetch_failed', trigger, reason, detail, durationMs: t - startedAt });
    if (keys.size > 0) {
      stale = true;
      emit({ type: 'stale_serving', keys: keys.size, ageMs: t - lastGoodAt });
    }
  }

  /** Single flight: concurrent callers share one fetch. The returned promise never rejects. */
  function refresh(trigger: FetchTrigger): Promise<void> {
    if (inflight) return inflight;
    const startedAt = now();
    fetches++;
    const run = download()
      .then((document) => apply(document, trigger, startedAt))
      .then(undefined, (err: unknown) => fail(err, trigger, startedAt))
      .then(() => {
        inflight = undefined;
        reschedule();
      });
    inflight = run;
    reschedule();
    return run;
  }

  function getCachedKey(kid: string): KeyObject | undefined {
    const t = now();
    if (t >= checkAt) housekeeping(t);
    const key = keys.get(kid);
    if (key === undefined) {
      keyMisses++;
      return undefined;
    }
    keyHits++;
    return key;
  }

  async function getKey(kid: string): Promise<KeyObject> {
    const cached = getCachedKey(kid);
    if (cached !== undefined) return cached;
    const t = now();
    if (keys.size === 0) {
      // Nothing to serve from (cold start, or the stale window passed): fetch, bounded by the backoff.
      if (inflight) await inflight;
      else if (t >= nextAttemptAt)
        await refresh(lastGoodAt === Number.NEGATIVE_INFINITY ? 'initial' : 'retry');
      else throw unavailable();
    } else if (inflight) {
      await inflight;
    } else {
      const remembered = unknownKids.get(kid);
      if (remembered !== undefined && t - remembered < softMaxAgeMs) throw unknown();
      if (t - lastUnknownKidFetchAt < cooldownMs || t < nextAttemptAt) throw unknown();
      lastUnknownKidFetchAt = t;
      await refresh('unknown_kid');
    }
    const key = keys.get(kid);
    if (key !== undefined) return key;
    if (keys.size === 0) throw unavailable();
    unknownKids.set(kid, now());
    throw unknown();
  }

  return {
    getCachedKey,
    getKey,
    async prefetch(): Promise<void> {
      if (keys.size > 0 && now() < lastGoodAt + softMaxAgeMs) return;
      await refresh('prefetch');
    },
    stats(): KeyStoreStats {
      return { fetches, fetchFailures, keyHits, keyMisses, keys: keys.size, stale: stale && keys.size > 0 };
    },
  };
}
