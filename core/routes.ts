// The route shape the CDK constructs and the local gateway share, and the authorization server's own public
// routes. The products sample's routes are the sample's (core/products/routes.ts), not the product's.
import { INTROSPECTION_ENDPOINT_PATH, REVOCATION_ENDPOINT_PATH, REVOCATIONS_PATH } from './contract.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Lambda handlers, by file name under handlers/ (`handlers/<name>.ts`). */
export type HandlerName = 'products' | 'token' | 'jwks' | 'discovery' | 'revocations';

/** REQUEST Lambda authorizers of the auth API, by handler file name (`handlers/<name>.ts`). */
export type RequestAuthorizerName = 'token-client-auth';

export interface RouteDef {
  readonly method: HttpMethod;
  /** API Gateway resource path; `{name}` is a path parameter. */
  readonly path: string;
  readonly handler: HandlerName;
  /** Scopes any one of which grants access. Empty: the route needs no token. */
  readonly scopes: readonly string[];
  /** A REQUEST authorizer in front of the integration (result cache off, no identity source). */
  readonly authorizer?: RequestAuthorizerName;
}

/**
 * The authorization server's API: public by design (clients authenticate in the request itself). The token
 * endpoint's client authenticator refuses wrong Basic credentials before the token Lambda, so the 401 can
 * carry `WWW-Authenticate` (docs/token-endpoint-401.md).
 */
export const AUTH_ROUTES: readonly RouteDef[] = [
  { method: 'POST', path: '/oauth2/token', handler: 'token', scopes: [], authorizer: 'token-client-auth' },
  /** RFC 7009 revocation: the token Lambda, with the token endpoint's client authentication. */
  {
    method: 'POST',
    path: REVOCATION_ENDPOINT_PATH,
    handler: 'token',
    scopes: [],
    authorizer: 'token-client-auth',
  },
  /** RFC 7662 introspection: the token Lambda, with the token endpoint's client authentication. */
  {
    method: 'POST',
    path: INTROSPECTION_ENDPOINT_PATH,
    handler: 'token',
    scopes: [],
    authorizer: 'token-client-auth',
  },
  { method: 'GET', path: '/.well-known/jwks.json', handler: 'jwks', scopes: [] },
  { method: 'GET', path: '/.well-known/openid-configuration', handler: 'discovery', scopes: [] },
  { method: 'GET', path: '/.well-known/oauth-authorization-server', handler: 'discovery', scopes: [] },
  /** Which clients' tokens the authorizer refuses (core/revocation/document.ts). */
  { method: 'GET', path: REVOCATIONS_PATH, handler: 'revocations', scopes: [] },
];
