// The products sample's route table (the policy builder's and the local stack's default; the sample's CDK
// stack declares the same methods with KeygateAuthorizer.require(), and a test checks they agree) and the
// authorization server's own public routes.
import { INTROSPECTION_ENDPOINT_PATH, REVOCATION_ENDPOINT_PATH, REVOCATIONS_PATH } from './contract.js';

export const SCOPES = {
  productsRead: 'products/read',
  productsWrite: 'products/write',
} as const;

/** Every scope the resource server knows, in a stable order (published in discovery metadata). */
export const ALL_SCOPES: readonly string[] = Object.values(SCOPES);

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

/** The resource API, behind the TOKEN authorizer. */
export const RESOURCE_ROUTES: readonly RouteDef[] = [
  { method: 'GET', path: '/products', handler: 'products', scopes: [SCOPES.productsRead] },
  { method: 'GET', path: '/products/{id}', handler: 'products', scopes: [SCOPES.productsRead] },
  { method: 'POST', path: '/products', handler: 'products', scopes: [SCOPES.productsWrite] },
];

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
