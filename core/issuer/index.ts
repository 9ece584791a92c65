// The authorization-server area: client registry and secrets, the token grant, KMS signing, JWKS, discovery.
export * from './client-cache.js';
export { fromItem, registryErrorFrom } from './client-item.js';
export * from './client-registry.js';
export * from './client-rules.js';
export * from './client-secret.js';
export * from './client-table.js';
export * from './discovery.js';
export * from './dynamo.js';
export * from './errors.js';
export * from './etag.js';
export * from './jwks-publisher.js';
export * from './kms.js';
export * from './kms-signer.js';
export * from './retry.js';
export * from './token-minter.js';
export * from './token-request.js';
export * from './token-service.js';
export type * from './types.js';
