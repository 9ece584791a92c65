// keygate's domain API. Handlers, the local stack, benches and tests import from here.

export * from './authz/index.js';
export * from './config.js';
export * from './issuer/index.js';
export * from './jwk.js';
export * from './jwt/index.js';
export type * from './jwt/types.js';
export * from './products/index.js';
export * from './routes.js';
