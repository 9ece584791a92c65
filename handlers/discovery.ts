// GET /.well-known/openid-configuration and /.well-known/oauth-authorization-server (API Gateway proxy,
// payload 1.0): the same RFC 8414 / OIDC Discovery metadata, built once at init, cacheable. Never throws.
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { int, list, optionalStr, readConfig, url } from '../core/config.js';
import { discoveryDocument } from '../core/issuer/index.js';
import { documentResponse, methodNotAllowed, readOnlyMethod } from './lib/http.js';

export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env) {
  return readConfig(
    {
      ISSUER: url(),
      DISCOVERY_MAX_AGE_SECONDS: int({ default: 3600, min: 0, max: 86_400 }),
      SERVICE_DOCUMENTATION: optionalStr(),
      /** scopes_supported (RFC 8414 §2): the protected API's scopes; none set, none published (§3.2). */
      SCOPES: list({ default: [] }),
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
      scopes: clients.scopes ?? config.SCOPES,
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
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const method = readOnlyMethod(event);
    return method ? documentResponse(event, method, deps, deps.maxAgeSeconds) : methodNotAllowed();
  };
}
