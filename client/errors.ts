// The token source's one error type: a stable `code` (the OAuth error code the token endpoint answered, per
// RFC 6749 §5.2, or what went wrong on the way), whether retrying could help, and the HTTP status if any.
import { KeygateError } from '../core/errors.js';

/** RFC 6749 §5.2 (and RFC 8707 §2) error codes a client-credentials request can get: never retried. */
export const PERMANENT_OAUTH_ERRORS: readonly TokenSourceErrorCode[] = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
];

/** Why a token could not be had: {@link TokenSourceError}'s `code` (docs/clients.md#retries has the table). */
export type TokenSourceErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  /** Another error code from the token endpoint; `oauthError` holds it. */
  | 'oauth_error'
  /** 429 or 503 (RFC 6749 §5.2 temporarily_unavailable) still answered after every attempt. */
  | 'temporarily_unavailable'
  /** A 5xx other than 503 after every attempt. */
  | 'server_error'
  /** The request never got an answer (DNS, connection refused, reset) after every attempt. */
  | 'network_error'
  /** The answer was not a token response, or the discovery document was not the issuer's. */
  | 'invalid_response'
  /** The options given to createTokenSource are wrong. */
  | 'config_invalid';

/**
 * What a token source throws: from `createTokenSource` for wrong options (`config_invalid`), and from
 * `getToken()` / `fetch()` when no token can be had.
 *
 * @example
 * ```ts
 * try {
 *   await tokens.getToken();
 * } catch (error) {
 *   if (error instanceof TokenSourceError && error.code === 'invalid_client') alertOnCall('rotate the secret');
 *   throw error;
 * }
 * ```
 */
export class TokenSourceError extends KeygateError<TokenSourceErrorCode> {
  /**
   * @param code - Why (see {@link TokenSourceErrorCode}).
   * @param message - One line for people.
   * @param details - The HTTP status, the issuer's `error` member and whether retrying later may help.
   * @param options - `cause`: the underlying error, if any.
   */
  constructor(
    code: TokenSourceErrorCode,
    message: string,
    /** What the last answer said, and whether a later call may succeed as it is. */
    readonly details: {
      /** HTTP status of the last answer, if one came. */
      readonly status?: number;
      /** The `error` member of the token endpoint's answer, verbatim. */
      readonly oauthError?: string;
      /** Whether a later call may succeed without changing anything (throttling, outages, network). */
      readonly retryable?: boolean;
    } = {},
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }

  /** HTTP status of the last answer, if one came. */
  get status(): number | undefined {
    return this.details.status;
  }

  /** True for throttling, outages and network errors: the same call may succeed later. */
  get retryable(): boolean {
    return this.details.retryable ?? false;
  }
}
