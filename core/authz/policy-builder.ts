// Builds the IAM policy a TOKEN authorizer returns. API Gateway caches that policy per token and reuses
// it for EVERY route behind the authorizer (docs/design.md#result-cache), so the policy allows every route
// the token's scopes permit, not just the method ARN that triggered the call. A `{param}` becomes `*`, which
// in IAM also spans `/`: wherever an Allow could so reach a route the token may not call, an explicit Deny
// for that route is added (Deny wins), also for its spellings with trailing slashes, which API Gateway
// routes to the same resource (docs/security.md#paths). Policies depend only on the API/stage prefix and
// the token's route scopes, so they are memoized and shared.

import { BoundedCache } from '../bounded-cache.js';
import { AuthzError } from './errors.js';
import { parseMethodArn } from './method-arn.js';
import type { AuthorizerPolicyDocument } from './policy-document.js';
import { patternOverlapsRoute } from './route-overlap.js';

/** What the builder reads of a route (ProtectedRoute and the sample's RouteDef both fit). */
export interface PolicyRoute {
  readonly method: string;
  readonly path: string;
  readonly scopes: readonly string[];
}

/** IAM limit on a Resource ARN in an authorizer policy (docs/design.md#arn-limits). */
export const MAX_RESOURCE_ARN_LENGTH = 512;

export interface BuiltPolicy {
  readonly effect: 'Allow' | 'Deny';
  readonly policyDocument: AuthorizerPolicyDocument;
  /** Routes the policy allows (empty for the whole-API Deny). */
  readonly allowedRoutes: readonly PolicyRoute[];
}

export interface PolicyBuilderOptions {
  /** The API's route table (required: there is no default API). */
  readonly routes: readonly PolicyRoute[];
  /** Memoized policies kept (per distinct method ARN + scope string, and per prefix + scope set). */
  readonly cacheSize?: number;
}

export interface PolicyBuilder {
  /**
   * The policy for a token with `scope` (space-delimited) calling `methodArn`. Throws AuthzError
   * `method_arn` for a malformed method ARN and `resource_too_long` if a route ARN would exceed 512.
   */
  policyFor(methodArn: string, scope: string): BuiltPolicy;
  stats(): { readonly hits: number; readonly misses: number; readonly size: number };
}

/**
 * `/orders/{id}` -> `/orders/*`. A `*` also spans `/`, so `GET/orders/*` would also allow a route
 * `GET/orders/{id}/audit`: the builder adds a Deny for such a route when the token may not call it. The
 * exact `GET/orders` is listed separately because `GET/orders*` would also allow `GET/ordersX`.
 */
export function routeResourcePath(path: string): string {
  return path.replace(/\{[^}/]+\}/g, '*');
}

/** The Resource ARN of one route under an `arn:...:{apiId}/{stage}` prefix. */
export function routeArn(prefix: string, route: Pick<PolicyRoute, 'method' | 'path'>): string {
  return `${prefix}/${route.method}${routeResourcePath(route.path)}`;
}

const INVOKE = 'execute-api:Invoke';

function checkLength(arn: string): string {
  if (arn.length > MAX_RESOURCE_ARN_LENGTH) {
    throw new AuthzError(
      'resource_too_long',
      `policy resource ARN is ${arn.length} characters (limit ${MAX_RESOURCE_ARN_LENGTH})`,
    );
  }
  return arn;
}

function freezePolicy(
  effect: 'Allow' | 'Deny',
  resources: string[],
  allowed: PolicyRoute[],
  denied: string[] = [],
): BuiltPolicy {
  const statements = [Object.freeze({ Action: INVOKE, Effect: effect, Resource: Object.freeze(resources) })];
  if (denied.length > 0) {
    statements.push(
      Object.freeze({ Action: INVOKE, Effect: 'Deny' as const, Resource: Object.freeze(denied) }),
    );
  }
  const policyDocument = Object.freeze({ Version: '2012-10-17', Statement: Object.freeze(statements) });
  return Object.freeze({ effect, policyDocument, allowedRoutes: Object.freeze(allowed) });
}

const routeTemplate = (r: Pick<PolicyRoute, 'method' | 'path'>) => `${r.method}${r.path}`;

/**
 * The method ARNs of requests API Gateway routes to a route, as patterns: its own, and its trailing-slash
 * spellings. REST APIs route `/items/1/secret/` to `/items/{id}/secret` (trailing slashes are ignored
 * when matching: localstack resource_router.py, aws/aws-sam-cli#1495), and whether the method ARN keeps
 * the slash is undocumented. If it does, `GET/items/1/secret/` escapes the Deny for the route itself yet
 * matches the Allow `GET/items/*`, hence `.../secret/` and `.../secret//*` (two or more) are denied too.
 * A pattern ending in `*` already covers them.
 */
function denyPatterns(arn: string): string[] {
  return arn.endsWith('*') ? [arn] : [arn, `${arn}/`, `${arn}//*`];
}

/**
 * For each route, the other routes its Allow pattern could reach (empty for a pattern without `*`: a
 * literal path is routed to its own literal route, which beats a parameter), counting their trailing-slash
 * spellings (`GET/orders/*` reaches `GET/orders/`, a request to the route `/orders`). A route the token may
 * not call but an allowed pattern reaches gets an explicit Deny. A Deny pattern can in turn cover requests
 * to an allowed route (e.g. `GET/a/*` over `GET/a/{x}/b`): Deny wins, so such a request is refused (403),
 * never wrongly allowed (docs/token-lifetime.md). Fixed by the table, so each row is worked out once.
 */
function createReach(routes: readonly PolicyRoute[]): (i: number) => readonly number[] {
  const rows = new Map<number, readonly number[]>();
  const reaches = (pattern: string, r: PolicyRoute) => {
    const t = routeTemplate(r);
    // Any number of trailing slashes: `GET/a/*/*/*` reaches `GET/a///` (each `*` empty), a request to `/a`.
    return patternOverlapsRoute(pattern, t) || patternOverlapsRoute(pattern, t, true);
  };
  return (i) => {
    let row = rows.get(i);
    if (row === undefined) {
      const route = routes[i]!;
      const pattern = `${route.method}${routeResourcePath(route.path)}`;
      row = pattern.includes('*')
        ? routes.flatMap((r, j) => (j !== i && reaches(pattern, r) ? [j] : []))
        : [];
      rows.set(i, row);
    }
    return row;
  };
}

export function createPolicyBuilder(options: PolicyBuilderOptions): PolicyBuilder {
  const { routes } = options;
  const max = Math.max(1, options.cacheSize ?? 1000);
  const routeScopes = new Set(routes.flatMap((r) => r.scopes));
  const reach = createReach(routes);
  // Level 1: exact (methodArn, scope string) -> policy; skips parsing and scope normalization.
  const byRequest = new BoundedCache<string, BuiltPolicy>(max);
  // Level 2: (prefix, sorted distinct route scopes) -> policy; what makes equal policies one object.
  const byScopeSet = new BoundedCache<string, BuiltPolicy>(max);
  // Lambda runs one request at a time per environment and repeated callers repeat both strings.
  let lastArn = '';
  let lastScope = '';
  let lastPolicy: BuiltPolicy | undefined;
  let hits = 0;
  let misses = 0;

  function build(prefix: string, scopes: ReadonlySet<string>): BuiltPolicy {
    const granted = routes.map((r) => r.scopes.some((s) => scopes.has(s)));
    const allowed = routes.filter((_, i) => granted[i]);
    if (allowed.length === 0) {
      // No usable scope: an explicit Deny for the whole API so every route answers 403.
      return freezePolicy('Deny', [checkLength(`${prefix}/*/*`)], []);
    }
    const resources = [...new Set(allowed.map((r) => checkLength(routeArn(prefix, r))))];
    const denied = new Set<string>();
    granted.forEach((isGranted, i) => {
      if (!isGranted) return;
      for (const j of reach(i)) {
        if (!granted[j])
          for (const arn of denyPatterns(routeArn(prefix, routes[j]!))) denied.add(checkLength(arn));
      }
    });
    return freezePolicy('Allow', resources, allowed, [...denied]);
  }

  function slow(methodArn: string, scope: string, key: string): BuiltPolicy {
    const parsed = parseMethodArn(methodArn);
    if (!parsed) throw new AuthzError('method_arn', 'malformed method ARN');
    const relevant = new Set<string>();
    for (const s of scope.split(' ')) if (routeScopes.has(s)) relevant.add(s);
    const setKey = `${parsed.prefix}\n${[...relevant].sort().join(' ')}`;
    let policy = byScopeSet.get(setKey);
    if (!policy) {
      policy = build(parsed.prefix, relevant);
      byScopeSet.set(setKey, policy);
    }
    byRequest.set(key, policy);
    return policy;
  }

  return {
    policyFor(methodArn, scope) {
      if (lastPolicy !== undefined && methodArn === lastArn && scope === lastScope) {
        hits++;
        return lastPolicy;
      }
      const key = `${methodArn}\n${scope}`;
      let policy = byRequest.get(key);
      if (policy) hits++;
      else {
        misses++;
        policy = slow(methodArn, scope, key);
      }
      lastArn = methodArn;
      lastScope = scope;
      lastPolicy = policy;
      return policy;
    },
    stats: () => ({ hits, misses, size: byScopeSet.size }),
  };
}
