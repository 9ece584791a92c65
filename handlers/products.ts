// The resource API's Lambda (proxy integration, payload 1.0, docs/design.md#proxy-integration): GET /products,
// GET /products/{id}, POST /products over the in-memory catalog. It reads the caller that API Gateway's
// authorizer established from requestContext.authorizer (a Lambda authorizer's stringified context, or a JWT
// authorizer's claims) and echoes it, refuses a token past its `exp` (API Gateway may serve a cached Allow
// after it: docs/token-lifetime.md) and re-checks the route's scopes as defence in depth. Never throws: every
// outcome is a JSON response.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { clockLeewaySecondsField, contextTokenState } from '../core/authz/token-expiry.js';
import { type ConfigOf, int, readConfig } from '../core/config.js';
import { type Catalog, createCatalog, ProductsError } from '../core/products/index.js';
import { RESOURCE_ROUTES } from '../core/products/routes.js';
import type { RouteDef } from '../core/routes.js';
import { header, jsonResponse } from './lib/http.js';
import { createLogger, loggerConfigSpec } from './lib/powertools.js';

export const productsConfigSpec = {
  /** Largest accepted request body in bytes (after base64 decoding); larger -> 413. */
  MAX_BODY_BYTES: int({ default: 16_384, min: 256, max: 1_048_576 }),
  MAX_PRODUCTS: int({ default: 1000, min: 1, max: 100_000 }),
  /** Allowed clock skew past a token's exp, as the authorizer's. */
  CLOCK_LEEWAY_SECONDS: clockLeewaySecondsField,
  ...loggerConfigSpec('keygate-products'),
} as const;

export type ProductsConfig = ConfigOf<typeof productsConfigSpec>;

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): ProductsConfig {
  return readConfig(productsConfigSpec, env);
}

export interface ProductsDeps {
  readonly catalog: Catalog;
  readonly maxBodyBytes: number;
  readonly logger: Logger | undefined;
  readonly routes: readonly RouteDef[];
  readonly clockLeewaySeconds: number;
  /** Epoch-ms clock for the expiry check. */
  readonly now: () => number;
}

export function createDeps(
  config: ProductsConfig,
  clients: { catalog?: Catalog; logger?: Logger | null; now?: () => number } = {},
): ProductsDeps {
  return {
    catalog: clients.catalog ?? createCatalog({ maxProducts: config.MAX_PRODUCTS }),
    maxBodyBytes: config.MAX_BODY_BYTES,
    logger: clients.logger === null ? undefined : (clients.logger ?? createLogger(config)),
    routes: RESOURCE_ROUTES.filter((r) => r.handler === 'products'),
    clockLeewaySeconds: config.CLOCK_LEEWAY_SECONDS,
    now: clients.now ?? Date.now,
  };
}

/** Who API Gateway's authorizer says is calling (Lambda authorizer context values arrive as strings). */
export interface Caller {
  readonly principalId: string | null;
  readonly clientId: string | null;
  readonly scope: string | null;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

const respond = (statusCode: number, body: unknown, headers: Record<string, string> = {}) =>
  jsonResponse(statusCode, body, { ...JSON_HEADERS, ...headers });

const message = (statusCode: number, text: string, extra: Record<string, string> = {}) =>
  respond(statusCode, { message: text }, extra);

function readCaller(event: APIGatewayProxyEvent): Caller {
  const auth = event.requestContext?.authorizer as Record<string, unknown> | null | undefined;
  const s = (v: unknown): string | null =>
    typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
  // API Gateway's native JWT authorizer passes the token's claims instead, JSON-typed under `claims`
  // (AWS, "Pass JWT claims to your integration").
  const claims = auth?.claims as Record<string, unknown> | null | undefined;
  if (claims && typeof claims === 'object') {
    return { principalId: s(claims.sub), clientId: s(claims.client_id), scope: s(claims.scope) };
  }
  return { principalId: s(auth?.principalId), clientId: s(auth?.clientId), scope: s(auth?.scope) };
}

/** How many Authorization header lines the request carried (API Gateway lists each in multiValueHeaders). */
function authorizationCount(event: APIGatewayProxyEvent): number {
  const entry = Object.entries(event.multiValueHeaders ?? {}).find(
    ([k]) => k.toLowerCase() === 'authorization',
  );
  return entry?.[1]?.length ?? 0;
}

/** `/products/{id}` matched against a concrete path, for events without `resource` (e.g. direct tests). */
function templateMatches(template: string, path: string): boolean {
  const t = template.split('/');
  const p = path.split('/');
  return t.length === p.length && t.every((seg, i) => (seg.startsWith('{') ? p[i] !== '' : seg === p[i]));
}

export function createHandler(
  deps: ProductsDeps,
): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  const { catalog, maxBodyBytes, logger, routes, clockLeewaySeconds, now } = deps;

  function create(event: APIGatewayProxyEvent, caller: Caller): APIGatewayProxyResult {
    const raw = event.body ?? '';
    const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
    if (bytes.length > maxBodyBytes) {
      return message(413, `request body must be at most ${maxBodyBytes} bytes`);
    }
    const contentType = header(event, 'content-type');
    if (
      contentType !== undefined &&
      !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType.trim())
    ) {
      return message(415, 'content-type must be application/json');
    }
    if (bytes.length === 0) return message(400, 'request body must be a JSON object');
    let input: unknown;
    try {
      input = JSON.parse(bytes.toString('utf8'));
    } catch {
      return message(400, 'request body is not valid JSON');
    }
    const product = catalog.create(input);
    const base = event.requestContext?.path ?? event.path ?? '/products';
    const location = `${base.replace(/\/+$/, '')}/${encodeURIComponent(product.id)}`;
    return respond(201, { product, caller }, { location });
  }

  function dispatch(event: APIGatewayProxyEvent, route: RouteDef, caller: Caller): APIGatewayProxyResult {
    if (route.method === 'POST') return create(event, caller);
    if (route.path.includes('{id}')) {
      const id = event.pathParameters?.id ?? (event.path ?? '').split('/').pop() ?? '';
      const product = id.length <= 200 ? catalog.get(id) : undefined;
      return product
        ? respond(200, { product, caller })
        : message(404, `product not found: ${id.slice(0, 200)}`);
    }
    const items = catalog.list();
    return respond(200, { items, count: items.length, caller });
  }

  return async function products(event) {
    try {
      const method = event.httpMethod?.toUpperCase() ?? '';
      const path = event.resource ?? event.path ?? '';
      const byPath = routes.filter((r) => (event.resource ? r.path === path : templateMatches(r.path, path)));
      if (byPath.length === 0) return message(404, 'no such resource');
      const route = byPath.find((r) => r.method === method);
      if (!route) {
        return message(405, `method ${method || '(none)'} not allowed`, {
          allow: byPath.map((r) => r.method).join(', '),
        });
      }
      // Which of two tokens API Gateway's authorizer judged is undocumented: never serve on a guess
      // (RFC 6750 §3.1 invalid_request, "repeats the same parameter").
      if (authorizationCount(event) > 1) {
        return respond(400, {
          error: 'invalid_request',
          error_description: 'the request carries more than one Authorization header',
        });
      }
      // RFC 6750 §3.1: an expired token is invalid_token (401). API Gateway renames this WWW-Authenticate
      // to x-amzn-Remapped-WWW-Authenticate; the body carries the same error code.
      const state = contextTokenState(event.requestContext?.authorizer, now(), clockLeewaySeconds);
      if (state !== 'active') {
        const description = state === 'expired' ? 'the access token expired' : 'no verified access token';
        return respond(
          401,
          { error: 'invalid_token', error_description: description },
          {
            'www-authenticate': `Bearer realm="keygate", error="invalid_token", error_description="${description}"`,
          },
        );
      }
      const caller = readCaller(event);
      // Defence in depth: the authorizer's policy already limits routes by scope; refuse too if the
      // integration is ever wired without it.
      const scopes = new Set((caller.scope ?? '').split(' '));
      if (!route.scopes.some((s) => scopes.has(s))) {
        return message(403, `this route needs scope ${route.scopes.join(' or ')}`);
      }
      return dispatch(event, route, caller);
    } catch (err) {
      if (err instanceof ProductsError) return message(err.status, err.message);
      logger?.error('products handler failed', { error: err instanceof Error ? err.message : String(err) });
      return message(500, 'Internal server error');
    }
  };
}
