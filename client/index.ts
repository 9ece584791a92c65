// keygate/client: the token source a service uses to call a keygate-protected API (docs/clients.md).
export { KeygateError } from '../core/errors.js';
export { TokenSourceError, type TokenSourceErrorCode } from './errors.js';
export { type ClientPrivateKey, TOKEN_SOURCE_DEFAULTS, type TokenSourceOptions } from './options.js';
export { createTokenSource, type TokenSource } from './token-source.js';
