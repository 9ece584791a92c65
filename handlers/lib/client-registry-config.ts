// The client-registry settings the token Lambda and the token endpoint's client authenticator share, so both
// read the same table with the same cache bound (a disable or rotation reaches both within the TTL).
import { int, str } from '../../core/config.js';
import {
  type ClientCache,
  createClientCache,
  MAX_CLIENT_CACHE_TTL_SECONDS,
} from '../../core/issuer/clients/client-cache.js';
import { createClientRegistry } from '../../core/issuer/clients/client-registry.js';
import type { DynamoApi } from '../../core/issuer/dynamo.js';
import { CLIENT_CACHE_TTL_DEFAULT_SECONDS } from '../../core/issuer/tokens/token-defaults.js';

export const clientRegistryConfigSpec = {
  CLIENTS_TABLE: str(),
  CLIENT_CACHE_TTL_SECONDS: int({
    default: CLIENT_CACHE_TTL_DEFAULT_SECONDS,
    min: 0,
    max: MAX_CLIENT_CACHE_TTL_SECONDS,
  }),
} as const;

/** The cached client registry both authenticate against (eventually consistent reads, TTL from config). */
export function configuredClientCache(
  config: { readonly CLIENTS_TABLE: string; readonly CLIENT_CACHE_TTL_SECONDS: number },
  dynamodb: DynamoApi,
  now: () => number,
): ClientCache {
  const registry = createClientRegistry({ dynamodb, tableName: config.CLIENTS_TABLE });
  return createClientCache({ source: registry, ttlSeconds: config.CLIENT_CACHE_TTL_SECONDS, now });
}

/** A client id fit for a log line: it is client input, so bounded and printable (never the secret). */
export const loggableClientId = (id: string | undefined) =>
  id === undefined ? undefined : id.replace(/[^\x21-\x7e]/g, '?').slice(0, 128);
