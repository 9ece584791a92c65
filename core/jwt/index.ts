// `keygate`: the package's root entry point (package.json `exports["."]`), the RS256 access-token verifier
// and the JWKS key store for a resource server's own code. Each name is chosen; keygate's own code imports
// these modules by file (docs/api.md), and api/keygate.api.md records what this file exports.
export { KeygateError } from '../errors.js';
export { JwksFetchError, type JwksFetchFailureReason, VerifyError, type VerifyErrorCode } from './errors.js';
export { fetchDownloader } from './fetch-download.js';
export type { KeySkipReason } from './jwk-import.js';
export type { DownloadLimits, JwksDownloader } from './jwks-download.js';
export {
  createJwksKeyStore,
  type FetchTrigger,
  type JwksKeyStoreOptions,
  type KeyStoreEvent,
} from './key-store.js';
export type { AccessTokenClaims, KeyStore, KeyStoreStats, VerificationResult } from './types.js';
export { createVerifier, type Verifier, type VerifierOptions, type VerifierStats } from './verifier.js';
