// `npm start -- --routes routes.json --upstream http://127.0.0.1:3000`: the team's route table and dev server
// behind the resource API. Reads and checks the flags (one-line messages naming the file and field; `npm
// start` exits 2 on them), wires the HTTP proxy integration, and prints the mode's banner.
import { readFileSync } from 'node:fs';
import { type ProtectedRoute, parseRouteTable } from '../core/authz/index.js';
import type { DemoClient } from './demo-client.js';
import { UpstreamFlagError } from './errors.js';
import { createHttpIntegration, type HttpIntegrationOptions } from './gateway/index.js';

export interface UpstreamOptions {
  /** Origin (and optional base path) of the dev server, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly routes: readonly ProtectedRoute[];
  /** Integration timeout (API Gateway allows 50 ms to 29 s). Default 29000. */
  readonly timeoutMs?: number;
}

/** The route table in `file` (a JSON array of `{ method, path, scopes }`). */
export function readRouteFile(file: string): readonly ProtectedRoute[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UpstreamFlagError(`--routes ${file}: cannot read (${(err as NodeJS.ErrnoException).code})`, {
      cause: err,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UpstreamFlagError(`--routes ${file}: not JSON (${(err as Error).message})`, { cause: err });
  }
  try {
    return parseRouteTable(value);
  } catch (err) {
    throw new UpstreamFlagError(`--routes ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** An http(s) origin with an optional base path; no query, fragment or credentials. */
export function checkUpstreamUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UpstreamFlagError(`--upstream must be an absolute http(s) URL (got "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UpstreamFlagError(`--upstream must use http or https (got "${url.protocol}")`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new UpstreamFlagError('--upstream must not carry a query, fragment or credentials');
  }
  return url.href.replace(/\/$/, '');
}

/** Every scope the route table names: what clients of the local issuer may hold. */
export function routeScopes(routes: readonly { readonly scopes: readonly string[] }[]): string[] {
  return [...new Set(routes.flatMap((r) => r.scopes))];
}

/** The resource API's routes and integration in upstream mode (options for startGateway). */
export function upstreamIntegration(
  upstream: UpstreamOptions,
  check: Omit<HttpIntegrationOptions, 'upstream'>,
) {
  return {
    routes: upstream.routes.map((r) => ({ ...r, handler: 'upstream' })),
    handlers: { upstream: createHttpIntegration({ ...check, upstream: upstream.url }) },
    ...(upstream.timeoutMs ? { integrationTimeoutMs: upstream.timeoutMs } : {}),
  };
}

/** The banner of upstream mode: the team's routes in front of its own server, and how to call them. */
/** `export NAME=value ...` for the admin CLI, each value shell-quoted (a scope list holds spaces). */
export function exportLine(env: Readonly<Record<string, string>>): string {
  const quote = (v: string) => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replaceAll("'", "'\\''")}'`);
  return `export ${Object.entries(env)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(' ')}`;
}

/** What the banner shows of the started stack (LocalStack fits). */
export interface UpstreamBannerStack {
  readonly authUrl: string;
  readonly apiUrl: string;
  readonly tokenUrl: string;
  readonly demoClient: Pick<DemoClient, 'clientId' | 'clientSecret' | 'scopes'>;
  readonly clientEnv: Readonly<Record<string, string>>;
}

export function upstreamBanner(
  stack: UpstreamBannerStack,
  info: { readyMs: number; cacheTtl: number },
  upstream: UpstreamOptions,
  basic: string,
  tokenOf: string,
): string {
  const { demoClient: demo } = stack;
  const first = upstream.routes.find((r) => r.method === 'GET') ?? upstream.routes[0];
  const example = first ? `${stack.apiUrl}${first.path.replace(/\{[^}]+\}/g, '1')}` : stack.apiUrl;
  return [
    '',
    `keygate local gateway ready in ${info.readyMs.toFixed(0)} ms`,
    '',
    `  Auth API (issuer)    ${stack.authUrl}   (token POST ${stack.tokenUrl})`,
    `  Your API             ${stack.apiUrl} -> ${upstream.url}   (TOKEN authorizer, result cache ${info.cacheTtl} s)`,
    ...upstream.routes.map((r) => `    ${r.method.padEnd(7)} ${r.path}   ${r.scopes.join(' | ')}`),
    '  Forwarded            method, path, query, headers, body + X-Keygate-Client-Id, X-Keygate-Scope, X-Keygate-Claim-*',
    '',
    `Demo client (${demo.scopes.join(' ')})`,
    `  client_id      ${demo.clientId}`,
    `  client_secret  ${demo.clientSecret}`,
    '',
    'Try it:',
    `  TOKEN=$(curl -s ${basic} -d grant_type=client_credentials ${stack.tokenUrl} | ${tokenOf})`,
    `  curl -i -H "Authorization: Bearer $TOKEN" ${example}`,
    '',
    'Admin CLI (npx keygate clients --help), clients with your scopes: paste this in its terminal:',
    `  ${exportLine(stack.clientEnv)}`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
