// The products sample's scopes and route table: the local stack serves them when `npm start` runs in a clone
// without --routes, and the sample's CDK stack declares the same methods with KeygateAuthorizer.require() (a
// test checks they agree). Nothing of the package imports it.
import type { RouteDef } from '../../core/routes.js';

export const SCOPES = {
  productsRead: 'products/read',
  productsWrite: 'products/write',
} as const;

/** Every scope the sample's API knows, in a stable order (its issuer's scopes_supported). */
export const ALL_SCOPES: readonly string[] = Object.values(SCOPES);

/** The sample's resource API, behind the TOKEN authorizer. */
export const RESOURCE_ROUTES: readonly RouteDef[] = [
  { method: 'GET', path: '/products', handler: 'products', scopes: [SCOPES.productsRead] },
  { method: 'GET', path: '/products/{id}', handler: 'products', scopes: [SCOPES.productsRead] },
  { method: 'POST', path: '/products', handler: 'products', scopes: [SCOPES.productsWrite] },
];
