// The route table as data: `{ method, path, scopes }[]`, the one shape the authorizer's policy builder, the
// CDK KeygateAuthorizer (which collects it at synth) and the local gateway (`--routes routes.json`) share.
// parseRouteTable checks untrusted input (a JSON file) and names the first bad field.

import { SCOPE_TOKEN } from '../scope-token.js';
import { AuthzError } from './errors.js';

/** HTTP verbs a REST API method can have (ANY excluded: a policy names concrete verbs). */
export const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
/** One of ROUTE_METHODS. */
export type RouteMethod = (typeof ROUTE_METHODS)[number];

/** One protected method of a REST API. */
export interface ProtectedRoute {
  /** The method's HTTP verb. */
  readonly method: RouteMethod;
  /**
   * API Gateway resource path: literal segments, `{name}` (one segment) and a last `{name+}` (the rest),
   * e.g. `/orders/{id}` or `/files/{proxy+}`.
   */
  readonly path: string;
  /** Scopes any one of which grants access (RFC 6749 §3.3 scope tokens). At least one. */
  readonly scopes: readonly string[];
}

// A static path part as API Gateway accepts one (CreateResource pathPart: letters, digits, `.`, `_`, `-`,
// `:`). Nothing else: a `*` or `?` would be an IAM wildcard in the policy's Resource ARN, and `%`, `;` or
// `~` a spelling the local gateway refuses or reads two ways (local/gateway/canonical-path.ts).
const LITERAL = /^[A-Za-z0-9._:-]+$/;
const PARAM = /^\{[A-Za-z0-9._-]+\}$/;
const GREEDY = /^\{[A-Za-z0-9._-]+\+\}$/;

function fail(field: string, message: string): never {
  throw new AuthzError('route_table', `${field} ${message}`);
}

/** Why `path` is not an API Gateway resource path, or undefined when it is one. */
export function resourcePathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with "/"';
  if (path === '/') return undefined;
  const parts = path.slice(1).split('/');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (GREEDY.test(part)) {
      if (i !== parts.length - 1) return 'may have a greedy {name+} segment only at the end';
    } else if (!PARAM.test(part) && !(LITERAL.test(part) && !part.includes('{') && !part.includes('}'))) {
      return `has an invalid segment "${part.slice(0, 60)}"`;
    }
  }
  return undefined;
}

/**
 * Validates a route table read from JSON (or built in code) and returns it frozen. Throws AuthzError
 * `route_table` naming the first bad field, e.g. `routes[2].scopes[0] must be a scope token`.
 */
export function parseRouteTable(value: unknown, name = 'routes'): readonly ProtectedRoute[] {
  if (!Array.isArray(value)) fail(name, 'must be an array of { method, path, scopes }');
  const seen = new Set<string>();
  const out = value.map((raw: unknown, i): ProtectedRoute => {
    const at = `${name}[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(at, 'must be an object');
    const r = raw as Record<string, unknown>;
    const method = typeof r.method === 'string' ? r.method.toUpperCase() : undefined;
    if (!method || !(ROUTE_METHODS as readonly string[]).includes(method)) {
      fail(`${at}.method`, `must be one of ${ROUTE_METHODS.join(', ')}`);
    }
    if (typeof r.path !== 'string') fail(`${at}.path`, 'must be a string');
    const problem = resourcePathProblem(r.path);
    if (problem) fail(`${at}.path`, problem);
    if (!Array.isArray(r.scopes) || r.scopes.length === 0) fail(`${at}.scopes`, 'must be a non-empty array');
    r.scopes.forEach((s: unknown, j) => {
      if (typeof s !== 'string' || !SCOPE_TOKEN.test(s)) fail(`${at}.scopes[${j}]`, 'must be a scope token');
    });
    // `{id}` and `{name}` at the same place are the same resource to API Gateway.
    const key = `${method} ${r.path.replace(/\{[^}]+?(\+?)\}/g, '{}$1')}`;
    if (seen.has(key)) fail(at, `duplicates ${method} ${r.path}`);
    seen.add(key);
    return Object.freeze({
      method: method as RouteMethod,
      path: r.path,
      scopes: Object.freeze([...(r.scopes as string[])]),
    });
  });
  return Object.freeze(out);
}
