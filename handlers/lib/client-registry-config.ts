// The client-registry settings the token Lambda and the token endpoint's client authenticator share, so both
// read the same table with the same cache bound (a disable or rotation reaches both within the TTL).
import { int, str } from '../../core/config.js';
import { CLIENT_CACHE_TTL_DEFAULT_SECONDS } from '../../core/issuer/token-defaults.js';

export const clientRegistryConfigSpec = {
  CLIENTS_TABLE: str(),
  CLIENT_CACHE_TTL_SECONDS: int({ default: CLIENT_CACHE_TTL_DEFAULT_SECONDS, min: 0, max: 300 }),
} as const;

/** A client id fit for a log line: it is client input, so bounded and printable (never the secret). */
export const loggableClientId = (id: string | undefined) =>
  id === undefined ? undefined : id.replace(/[^\x21-\x7e]/g, '?').slice(0, 128);
