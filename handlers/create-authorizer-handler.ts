// `keygate/authorizer`: a Lambda TOKEN authorizer built from options instead of the environment, for a
// team's own function. Options go through the same config spec as the bundled entry's env, so defaults
// and bounds are the same. Precedence: explicit option > the function's environment > handler default.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { type ProtectedRoute, parseRouteTable } from '../core/authz/route-table.js';
import {
  AUTHORIZER_ENV,
  type AuthorizerTuning,
  authorizerTuningEnv,
  revocationsUriEnv,
} from '../core/contract.js';
import { fetchDownloader } from '../core/jwt/fetch-download.js';
import {
  type AuthorizerClients,
  createDeps,
  createHandler,
  createIssuerClients,
  loadConfig,
} from './authorizer.js';

export { type ProtectedRoute, ROUTE_METHODS, type RouteMethod } from '../core/authz/route-table.js';
export type { AuthorizerTuning } from '../core/contract.js';

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
   * @default REVOCATIONS_URI, else `${issuer}/revocations` (where KeygateIssuer serves it)
   */
  readonly revocationsUri?: string | false;
  /** The API's protected methods; a token's policy allows every route one of its scopes names. */
  readonly routes: readonly ProtectedRoute[];
  /** A Powertools Logger for decision lines; `null` disables them. @default a Logger from POWERTOOLS_* env */
  readonly logger?: Logger | null;
  /** Powertools Metrics for the decision counters; `null` disables them. @default namespace `keygate` */
  readonly metrics?: Metrics | null;
  /**
   * A fetch for the JWKS and the revocation list (a proxy agent, a custom CA store), used with the same bounds
   * (timeout, byte cap, no redirects). @default a bounded HTTPS GET over node:tls
   */
  readonly fetch?: typeof globalThis.fetch;
}

/** The event API Gateway sends a TOKEN authorizer. */
export interface TokenAuthorizerEvent {
  /** Always `TOKEN` for a TOKEN authorizer. */
  readonly type: 'TOKEN';
  /** The whole identity-source header value, e.g. `Bearer eyJ...`. */
  readonly authorizationToken: string;
  /** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path}` */
  readonly methodArn: string;
}

/** The IAM policy and context a TOKEN authorizer returns. */
export interface TokenAuthorizerResult {
  /** The token's `sub` (the client id). */
  readonly principalId: string;
  /**
   * An IAM policy: Allow on every route the token's scopes grant, and an explicit Deny on a route an Allow's
   * wildcard would reach but the scopes do not grant (or a whole-API Deny when they grant none).
   */
  readonly policyDocument: {
    readonly Version: string;
    readonly Statement: readonly {
      readonly Action: string;
      readonly Effect: 'Allow' | 'Deny';
      readonly Resource: readonly string[];
    }[];
  };
  /**
   * `clientId`, `scope`, `exp`, `jti` (when the token has one) and `claim_<name>` per client claim
   * (docs/tenants.md); strings and numbers only.
   */
  readonly context: Readonly<Record<string, string | number>>;
}

/** The handler `createAuthorizerHandler` returns: export it as the Lambda function's handler. */
export type TokenAuthorizerHandler = (
  event: TokenAuthorizerEvent,
  context?: { readonly awsRequestId?: string },
) => Promise<TokenAuthorizerResult>;

/**
 * A TOKEN authorizer handler: verifies the `Bearer` token (RS256, issuer, audience, time claims) and returns
 * a policy for every route its scopes allow, so API Gateway's result cache is right on every route.
 *
 * Revocation is on: the issuer's `/revocations` list is loaded, and a token of a client that was revoked,
 * disabled or deleted is refused within 30 s (docs/token-lifetime.md). With `revocationsUri: false` no
 * list is read and a token is accepted until its `exp`, whatever happens to its client.
 * @param options - the expected issuer and audience, the JWKS, the routes and the tuning knobs
 * @returns the Lambda handler; it rejects with `Error('Unauthorized')` for a refused token (API Gateway
 * answers 401) and with any other error when keygate's side fails (500)
 * @throws ConfigError (code `config_invalid`) for an option out of range, AuthzError (code `route_table`)
 * for a bad route
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
  const routes = parseRouteTable(options.routes);
  const audience = typeof options.audience === 'string' ? options.audience : options.audience.join(' ');
  const config = loadConfig({
    // Settings not given as options (POWERTOOLS_LOG_LEVEL, unset knobs) come from the environment.
    ...process.env,
    [AUTHORIZER_ENV.issuer]: options.issuer,
    [AUTHORIZER_ENV.audience]: audience,
    [AUTHORIZER_ENV.jwksUri]: options.jwksUri,
    ...revocationsUriEnv(options.revocationsUri),
    ...authorizerTuningEnv(options),
  });
  const clients: AuthorizerClients = {
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
    ...(options.fetch ? { download: fetchDownloader(options.fetch) } : {}),
  };
  // The downloads start first, as in the bundled entry; a failure never throws here (the first request retries).
  const issuer = createIssuerClients(config, clients);
  void issuer.prefetch();
  return createHandler(createDeps(config, clients, routes, issuer)) as unknown as TokenAuthorizerHandler;
}
