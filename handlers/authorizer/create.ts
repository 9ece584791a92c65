// `keygate/authorizer`: a Lambda TOKEN authorizer built from typed options, for a team's own function. The
// options become AuthorizerSettings directly (settings.ts: the same defaults, bounds and checks as the bundled
// entry's environment); only the Powertools variables of the function's environment are read, for the logger.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { ProtectedRoute } from '../../core/authz/route-table.js';
import type { AuthorizerTuning } from '../../core/contract.js';
import { fetchDownloader } from '../../core/jwt/fetch-download.js';
import { type AuthorizerClients, createDeps, createIssuerClients } from './deps.js';
import { loggingFromEnv } from './from-env.js';
import { createHandler } from './handler.js';
import { authorizerSettings } from './settings.js';
import type { TokenAuthorizerHandler } from './types.js';

export type { AuthorizerPolicyDocument } from '../../core/authz/policy-document.js';
export { type ProtectedRoute, ROUTE_METHODS, type RouteMethod } from '../../core/authz/route-table.js';
export type { AuthorizerTuning } from '../../core/contract.js';
export type { TokenAuthorizerEvent, TokenAuthorizerHandler, TokenAuthorizerResult } from './types.js';

/** Options of `createAuthorizerHandler`: what to accept, the API's routes, and the tuning knobs. */
export interface AuthorizerHandlerOptions extends AuthorizerTuning {
  /** Expected `iss`: the keygate issuer URL (KeygateIssuer.issuerUrl). */
  readonly issuer: string;
  /** Expected `aud`: a token must name at least one. */
  readonly audience: string | readonly string[];
  /** Where the signing keys are published (https, or http on loopback for local runs). */
  readonly jwksUri: string;
  /**
   * The issuer's revocation list: tokens of revoked, disabled and deleted clients are refused within the
   * revocation bound (30 s with the defaults, docs/token-lifetime.md). `false` turns the checks off, and a
   * token then lives until its `exp` whatever happens to its client. While the list cannot be loaded the
   * last one decides for `revocationsMaxStaleSeconds`, then every call fails closed (500).
   * @default `${issuer}/revocations` (where KeygateIssuer serves it)
   */
  readonly revocationsUri?: string | false;
  /** The API's protected methods; a token's policy allows every route one of its scopes names. */
  readonly routes: readonly ProtectedRoute[];
  /**
   * A Powertools Logger for decision lines; `null` disables them. @default a Logger from the function's
   * POWERTOOLS_LOG_LEVEL, POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOGGER_SAMPLE_RATE
   */
  readonly logger?: Logger | null;
  /** Powertools Metrics for the decision counters; `null` disables them. @default namespace `keygate` */
  readonly metrics?: Metrics | null;
  /**
   * A fetch for the JWKS and the revocation list (a proxy agent, a custom CA store), used with the same bounds
   * (timeout, byte cap, no redirects). @default a bounded HTTPS GET over node:tls
   */
  readonly fetch?: typeof globalThis.fetch;
}

/**
 * A TOKEN authorizer handler: verifies the `Bearer` token (RS256, issuer, audience, time claims) and returns
 * a policy for every route its scopes allow, so API Gateway's result cache is right on every route. The
 * options are the whole configuration: unset tuning knobs take their defaults (the function's environment
 * does not change them).
 *
 * Revocation is on: the issuer's `/revocations` list is loaded, and a token of a client that was revoked,
 * disabled or deleted is refused within 30 s (docs/token-lifetime.md). With `revocationsUri: false` no
 * list is read and a token is accepted until its `exp`, whatever happens to its client.
 * @param options - the expected issuer and audience, the JWKS, the routes and the tuning knobs
 * @returns the Lambda handler; it rejects with `Error('Unauthorized')` for a refused token (API Gateway
 * answers 401) and with any other error when keygate's side fails (500)
 * @throws ConfigError (code `config_invalid`, naming the option) for an option out of range, AuthzError
 * (code `route_table`) for a bad route
 * @example
 * ```ts
 * export const handler = createAuthorizerHandler({
 *   issuer: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
 *   audience: 'https://orders.example.com',
 *   jwksUri: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/.well-known/jwks.json',
 *   // Revoked clients' tokens: 401 within 30 s, from the list at `${issuer}/revocations`.
 *   routes: [{ method: 'GET', path: '/orders/{id}', scopes: ['orders/read'] }],
 * });
 * ```
 */
export function createAuthorizerHandler(options: AuthorizerHandlerOptions): TokenAuthorizerHandler {
  const settings = authorizerSettings({ ...loggingFromEnv(process.env), ...options });
  const clients: AuthorizerClients = {
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
    ...(options.fetch ? { download: fetchDownloader(options.fetch) } : {}),
  };
  // The downloads start first, as in the bundled entry; a failure never throws here (the first request retries).
  const issuer = createIssuerClients(settings, clients);
  void issuer.prefetch();
  return createHandler(createDeps(settings, clients, issuer));
}
