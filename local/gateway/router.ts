// Resource matching the way a REST API does it: `{name}` takes one segment, `{name+}` the rest (greedy),
// a literal segment beats a parameter at the same depth, and a miss on path OR method is the same 403
// MISSING_AUTHENTICATION_TOKEN (the caller learns nothing about which paths exist).
import type { CanonicalPath } from './canonical-path.js';

/**
 * A route as the emulator sees it: core/routes.ts GatewayRoute fits; tests may use any handler names.
 * Routes with scopes are the ones a TOKEN authorizer guards by default.
 */
export interface GatewayRoute {
  readonly method: string;
  readonly path: string;
  readonly handler: string;
  readonly scopes: readonly string[];
  /** A REQUEST authorizer in front of this route, by its name in GatewayOptions.requestAuthorizers. */
  readonly authorizer?: string;
}

type Segment = { kind: 'literal'; value: string } | { kind: 'param'; name: string; greedy: boolean };

interface CompiledRoute {
  readonly route: GatewayRoute;
  readonly segments: readonly Segment[];
  /** Stable pseudo resource id (API Gateway's `resourceId` is a short random id per resource). */
  readonly resourceId: string;
}

export interface RouteMatch {
  readonly route: GatewayRoute;
  readonly resourceId: string;
  /** Values as sent (percent-encoded); null when the resource has no parameters (payload 1.0 sends null). */
  readonly pathParameters: Record<string, string> | null;
}

export interface Router {
  /**
   * The resource for `path` (canonical-path.ts): segments compared as they arrived, so an escape never
   * equals a static segment (whose names allow no `%`: route-table.ts) and `{name}` takes the segment
   * still percent-encoded, as REST APIs do.
   */
  match(method: string, path: CanonicalPath): RouteMatch | undefined;
}

function compileSegment(part: string, path: string): Segment {
  const param = /^\{([A-Za-z0-9._-]+)(\+?)\}$/.exec(part);
  if (param) return { kind: 'param', name: param[1]!, greedy: param[2] === '+' };
  if (part === '' || part.includes('{') || part.includes('}')) {
    throw new Error(`invalid resource path "${path}"`);
  }
  return { kind: 'literal', value: part };
}

function resourceIdOf(path: string): string {
  let h = 2166136261;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36).padStart(6, '0').slice(0, 6);
}

export function createRouter(routes: readonly GatewayRoute[]): Router {
  const compiled: CompiledRoute[] = routes.map((route) => {
    if (!route.path.startsWith('/')) throw new Error(`resource path must start with "/": "${route.path}"`);
    const parts = route.path === '/' ? [] : route.path.slice(1).split('/');
    const segments = parts.map((p) => compileSegment(p, route.path));
    if (segments.slice(0, -1).some((s) => s.kind === 'param' && s.greedy)) {
      throw new Error(`greedy parameter must be last: "${route.path}"`);
    }
    return { route, segments, resourceId: resourceIdOf(route.path) };
  });
  const seen = new Set<string>();
  for (const c of compiled) {
    const key = `${c.route.method} ${c.segments.map((s) => (s.kind === 'literal' ? s.value : '{}')).join('/')}`;
    if (seen.has(key)) throw new Error(`duplicate route ${c.route.method} ${c.route.path}`);
    seen.add(key);
  }

  return {
    match(method, path) {
      const parts = path.segments;

      let best: { c: CompiledRoute; score: number[]; params: Record<string, string> } | undefined;
      for (const c of compiled) {
        if (c.route.method !== method) continue;
        const params: Record<string, string> = {};
        const score: number[] = [];
        let ok = true;
        for (let i = 0; i < c.segments.length && ok; i++) {
          const seg = c.segments[i]!;
          const value = parts[i];
          if (value === undefined) ok = false;
          else if (seg.kind === 'literal') {
            ok = seg.value === value;
            score.push(2);
          } else if (seg.greedy) {
            params[seg.name] = parts.slice(i).join('/');
            score.push(0);
            break;
          } else {
            params[seg.name] = value;
            score.push(1);
          }
        }
        const last = c.segments[c.segments.length - 1];
        const greedy = last?.kind === 'param' && last.greedy;
        if (!ok || (!greedy && c.segments.length !== parts.length)) continue;
        if (!best || compareScores(score, best.score) > 0) best = { c, score, params };
      }
      if (!best) return undefined;
      return {
        route: best.c.route,
        resourceId: best.c.resourceId,
        pathParameters: Object.keys(best.params).length > 0 ? best.params : null,
      };
    },
  };
}

function compareScores(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}
