// The authorizer's revocation list built from its config (REVOCATIONS_*), logging loads and failures.
// Kept beside the authorizer handler so the handler only wires it in.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { JwksDownloader } from '../../core/jwt/jwks-download.js';
import { createRevocationList, type RevocationList } from '../../core/revocation/index.js';
import { revocationsUriOf } from '../authorizer-config.js';

export interface RevocationsConfig {
  readonly ISSUER: string;
  readonly REVOCATIONS_URI: string | undefined;
  readonly REVOCATIONS_REFRESH_SECONDS: number;
  readonly REVOCATIONS_MAX_STALE_SECONDS: number;
  readonly JWKS_FETCH_TIMEOUT_MS: number;
}

/** undefined when REVOCATIONS_URI is `none` (the explicit opt-out); unset, it is derived from ISSUER. */
export function createAuthorizerRevocations(
  config: RevocationsConfig,
  clients: { readonly download?: JwksDownloader; readonly now?: () => number },
  logger: Pick<Logger, 'debug' | 'warn'> | undefined,
): RevocationList | undefined {
  const uri = revocationsUriOf(config);
  if (uri === undefined) return undefined;
  return createRevocationList({
    uri,
    refreshMs: config.REVOCATIONS_REFRESH_SECONDS * 1000,
    maxStaleMs: config.REVOCATIONS_MAX_STALE_SECONDS * 1000,
    fetchTimeoutMs: config.JWKS_FETCH_TIMEOUT_MS,
    ...(clients.download ? { download: clients.download } : {}),
    ...(clients.now ? { clock: clients.now } : {}),
    onEvent(event) {
      // Loads happen once per refresh interval at most; failures matter (the bound is at risk).
      if (event.type === 'load_failed') logger?.warn('revocations', { ...event });
      else logger?.debug('revocations', { ...event });
    },
  });
}
