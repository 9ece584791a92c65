// GET /.well-known/openid-configuration and /.well-known/oauth-authorization-server (API Gateway proxy,
// payload 1.0): the same RFC 8414 / OIDC Discovery metadata, built once at init, cacheable. Never throws.
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { int, optionalStr, readConfig, url } from '../core/config.js';
import { discoveryDocument, ifNoneMatchMatches } from '../core/issuer/index.js';
import { ALL_SCOPES } from '../core/routes.js';

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env) {
  return readConfig(
    {
      ISSUER: url(),
      DISCOVERY_MAX_AGE_SECONDS: int({ default: 3600, min: 0, max: 86_400 }),
      SERVICE_DOCUMENTATION: optionalStr(),
    },
    env,
  );
}

export type DiscoveryConfig = ReturnType<typeof loadConfig>;

export interface DiscoveryDeps {
  readonly body: string;
  readonly etag: string;
  readonly maxAgeSeconds: number;
}

export function createDeps(
  config: DiscoveryConfig,
  clients: { scopes?: readonly string[] } = {},
): DiscoveryDeps {
  const body = JSON.stringify(
    discoveryDocument({
      issuer: config.ISSUER,
      scopes: clients.scopes ?? ALL_SCOPES,
      ...(config.SERVICE_DOCUMENTATION ? { serviceDocumentation: config.SERVICE_DOCUMENTATION } : {}),
    }),
  );
  return {
    body,
    etag: `"${createHash('sha256').update(body).digest('base64url')}"`,
    maxAgeSeconds: config.DISCOVERY_MAX_AGE_SECONDS,
  };
}

export function createHandler(deps: DiscoveryDeps) {
  const cacheHeaders = { 'Cache-Control': `public, max-age=${deps.maxAgeSeconds}`, ETag: deps.etag };
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const method = event.httpMethod?.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      return jsonError(405, 'invalid_request', 'method not allowed', { Allow: 'GET, HEAD' });
    }
    if (ifNoneMatchMatches(header(event, 'if-none-match'), deps.etag)) {
      return { statusCode: 304, headers: { ...cacheHeaders }, body: '' };
    }
    return {
      statusCode: 200,
      headers: { 'Content-Type': 'application/json', ...cacheHeaders },
      body: method === 'HEAD' ? '' : deps.body,
    };
  };
}

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const lower = name.toLowerCase();
  const multi = Object.entries(event.multiValueHeaders ?? {}).find(([k]) => k.toLowerCase() === lower)?.[1];
  if (multi && multi.length > 0) return multi.join(', ');
  return Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === lower)?.[1];
}

function jsonError(statusCode: number, error: string, description: string, extra: Record<string, string>) {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...extra },
    body: JSON.stringify({ error, error_description: description }),
  };
}
