// The token and JWKS Lambdas' view of the signing keys: the key-state item, re-read at most every
// `ttlSeconds` (single flight) so a rotation step reaches every warm container without a redeploy. Before
// the first rotation there is no item and the deployed keys (SIGNING_KEY_ID / PUBLISHED_KEY_IDS) apply.
import { int } from '../../config.js';
import { IssuerError, KeyRotationError } from '../errors.js';
import type { KeyStateStore, SigningKeys } from './key-state.js';

export interface KeyStateSource {
  /** The keys in force now (cached up to the TTL; the last known keys while the store fails). */
  current(): Promise<SigningKeys>;
}

export interface KeyStateSourceOptions {
  readonly store: Pick<KeyStateStore, 'read'>;
  /** The deployed keys: in force until a rotation writes the key state. */
  readonly initial: SigningKeys;
  /**
   * How long a read answers. The rotation's waits add it (key-rotation-plan.ts), so it bounds how long
   * a container keeps signing with, or publishing, keys a step has replaced.
   */
  readonly ttlSeconds: number;
  readonly now?: () => number;
}

/** Default KEY_STATE_CACHE_SECONDS: one GetItem per warm container per 10 s. */
export const DEFAULT_KEY_STATE_CACHE_SECONDS = 10;
/** KEY_STATE_CACHE_SECONDS as the token and JWKS Lambdas read it (and the rotation reads it from them). */
export const keyStateCacheSecondsField = int({ default: DEFAULT_KEY_STATE_CACHE_SECONDS, min: 1, max: 300 });

export function createKeyStateSource(options: KeyStateSourceOptions): KeyStateSource {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlSeconds * 1000;
  let cached: { keys: SigningKeys; readAt: number } | undefined;
  let inflight: Promise<SigningKeys> | undefined;

  const load = (): Promise<SigningKeys> => {
    inflight ??= (async () => {
      try {
        const state = await options.store.read();
        const keys: SigningKeys = state
          ? { signingKeyId: state.signingKeyId, publishedKeyIds: state.publishedKeyIds }
          : options.initial;
        cached = { keys, readAt: now() };
        return keys;
      } catch (err) {
        // Keep serving the last known keys: a rotation never moves faster than this TTL's multiple, and
        // DynamoDB failing must not take signing down with it.
        if (cached) return cached.keys;
        const corrupt = err instanceof KeyRotationError && err.code === 'corrupt_state';
        throw corrupt
          ? new IssuerError('internal', 'the signing key state is not usable', { cause: err })
          : new IssuerError('dependency_unavailable', 'the signing service is unavailable, retry later', {
              cause: err,
            });
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  };

  return {
    current() {
      if (cached && now() - cached.readAt < ttlMs) return Promise.resolve(cached.keys);
      return load();
    },
  };
}
