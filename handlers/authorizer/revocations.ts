// The authorizer's revocation list built from its settings, logging loads and failures.
// Kept beside the authorizer; deps.ts wires it in.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { JwksDownloader } from '../../core/jwt/jwks-download.js';
import { createRevocationList, type RevocationList } from '../../core/revocation/index.js';
import type { AuthorizerSettings } from './settings.js';

/** undefined when revocation checks are off (settings.revocationsUri is undefined). */
export function createAuthorizerRevocations(
  settings: Pick<
    AuthorizerSettings,
    'revocationsUri' | 'revocationsRefreshSeconds' | 'revocationsMaxStaleSeconds' | 'jwksFetchTimeoutMs'
  >,
  clients: { readonly download?: JwksDownloader; readonly now?: () => number },
  logger: Pick<Logger, 'debug' | 'warn'> | undefined,
): RevocationList | undefined {
  const uri = settings.revocationsUri;
  if (uri === undefined) return undefined;
  return createRevocationList({
    uri,
    refreshMs: settings.revocationsRefreshSeconds * 1000,
    maxStaleMs: settings.revocationsMaxStaleSeconds * 1000,
    fetchTimeoutMs: settings.jwksFetchTimeoutMs,
    ...(clients.download ? { download: clients.download } : {}),
    ...(clients.now ? { clock: clients.now } : {}),
    onEvent(event) {
      // Loads happen once per refresh interval at most; failures matter (the bound is at risk).
      if (event.type === 'load_failed') logger?.warn('revocations', { ...event });
      else logger?.debug('revocations', { ...event });
    },
  });
}
