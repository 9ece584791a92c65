// The authorizer's copy of the revocation document (document.ts): loaded with the same bounded downloader
// as the JWKS, refreshed when older than the refresh interval (the call that finds it old waits for the
// new copy, so no decision uses a copy older than that), single flight. While the endpoint fails the old
// copy serves for at most maxStale, then decisions fail (500) rather than ignore revocations.
import { checkDocumentUri, downloadJson } from '../jwt/bounded-download.js';
import type { JwksDownloader } from '../jwt/jwks-download.js';
import { MAX_REVOCATIONS_BYTES, parseRevocationDocument, parseRevokedJtis } from './document.js';
import { RevocationError } from './errors.js';

export type RevocationListEvent =
  | { readonly type: 'loaded'; readonly entries: number }
  | { readonly type: 'load_failed'; readonly detail: string; readonly ageMs: number };

export interface RevocationListOptions {
  readonly uri: string;
  readonly refreshMs: number;
  readonly maxStaleMs: number;
  readonly fetchTimeoutMs: number;
  /** The transport (default: the bounded node:tls GET the key store uses too). */
  readonly download?: JwksDownloader;
  /** Monotonic or epoch ms; default performance.now. */
  readonly clock?: () => number;
  readonly onEvent?: (event: RevocationListEvent) => void;
}

export interface RevocationList {
  /**
   * True when the copy is older than the refresh interval, or missing or too stale to use (a failed load's
   * backoff included): await refresh() before deciding, which loads a copy or throws.
   */
  due(): boolean;
  /** Loads a fresh copy (single flight). Rejects with RevocationError when the copy is too stale to use. */
  refresh(): Promise<void>;
  /**
   * Whether a token of `clientId` issued at `iat` (epoch s) with id `jti` is revoked: its client's tokens
   * are, or this one was (RFC 7009). A missing iat counts as revoked.
   */
  isRevoked(clientId: string, iat: number | undefined, jti?: string): boolean;
  stats(): { readonly loads: number; readonly loadFailures: number; readonly entries: number };
}

/** After a failed load the next attempt waits this long (calls meanwhile use the old copy). */
const FAILURE_BACKOFF_MS = 1000;

export function createRevocationList(options: RevocationListOptions): RevocationList {
  const uri = checkDocumentUri(options.uri, 'revocationsUri');
  const clock = options.clock ?? (() => performance.now());
  let revoked = new Map<string, number>();
  let revokedJtis = new Set<string>();
  let loadedAt = Number.NEGATIVE_INFINITY;
  let nextCheckAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<void> | undefined;
  let loads = 0;
  let loadFailures = 0;

  const emit = (event: RevocationListEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A failing log sink must not break decisions.
    }
  };

  async function load(): Promise<void> {
    const started = clock();
    try {
      const doc = await downloadJson(uri, {
        label: 'revocations',
        timeoutMs: options.fetchTimeoutMs,
        maxBytes: MAX_REVOCATIONS_BYTES,
        ...(options.download ? { download: options.download } : {}),
      });
      const clients = parseRevocationDocument(doc);
      const jtis = parseRevokedJtis(doc);
      revoked = clients;
      revokedJtis = jtis;
      loads++;
      // The copy is as old as the request that fetched it.
      loadedAt = started;
      nextCheckAt = started + options.refreshMs;
      emit({ type: 'loaded', entries: revoked.size + revokedJtis.size });
    } catch (err) {
      loadFailures++;
      const t = clock();
      nextCheckAt = t + FAILURE_BACKOFF_MS;
      const detail = err instanceof Error ? err.message.slice(0, 200) : 'unknown failure';
      emit({ type: 'load_failed', detail, ageMs: t - loadedAt });
    }
  }

  return {
    due: () => {
      const t = clock();
      return t >= nextCheckAt || t - loadedAt > options.maxStaleMs;
    },
    async refresh() {
      if (clock() >= nextCheckAt) {
        inflight ??= load().finally(() => {
          inflight = undefined;
        });
        await inflight;
      }
      if (clock() - loadedAt > options.maxStaleMs) {
        throw new RevocationError('revocations_unavailable', 'the revocation list could not be loaded');
      }
    },
    isRevoked(clientId, iat, jti) {
      if (jti !== undefined && revokedJtis.size > 0 && revokedJtis.has(jti)) return true;
      if (revoked.size === 0) return false;
      const at = revoked.get(clientId);
      return at !== undefined && !(typeof iat === 'number' && iat > at);
    },
    stats: () => ({ loads, loadFailures, entries: revoked.size + revokedJtis.size }),
  };
}
