// keygate's domain API. Handlers, the local stack, benches and tests import from here.
export * from './config.js';
export * from './issuer/errors.js';
export type * from './issuer/types.js';
export * from './jwk.js';
export type * from './jwt/types.js';
export * from './routes.js';
