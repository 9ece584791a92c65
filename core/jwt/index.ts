// Public API of the verification area: the RS256 access-token verifier and the JWKS key store.
export * from './errors.js';
export { fetchDownloader } from './fetch-download.js';
export { type KeySkipReason, MAX_RSA_MODULUS_BITS, MIN_RSA_MODULUS_BITS } from './jwk-import.js';
export * from './jwks-download.js';
export * from './key-store.js';
export { isSaneKid, MAX_KID_LENGTH } from './kid.js';
export type * from './types.js';
export * from './verifier.js';
