// Lambda entry of the TOKEN authorizer: config parsed, the route table read (ROUTES_FILE, shipped next to
// this bundle by the KeygateAuthorizer construct) and dependencies built once per environment; the JWKS and
// revocation-list downloads start during init so the first request usually finds both loaded.
import { readFileSync } from 'node:fs';
import { parseRouteTable } from '../../core/authz/route-table.js';
import { ConfigError } from '../../core/config.js';
import { createDeps, createHandler, loadConfig } from '../authorizer.js';

const config = loadConfig(process.env);

function readRoutes(file: string) {
  const url = new URL(file, import.meta.url);
  let text: string;
  try {
    text = readFileSync(url, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `ROUTES_FILE ${url.pathname} cannot be read (${(err as NodeJS.ErrnoException).code})`,
    ]);
  }
  try {
    return parseRouteTable(JSON.parse(text), url.pathname);
  } catch (err) {
    throw new ConfigError([`ROUTES_FILE: ${(err as Error).message}`]);
  }
}

const deps = createDeps(config, {}, readRoutes(config.ROUTES_FILE));
// Not awaited: a failed prefetch must not fail init (the first request retries). The revocation list loads
// right after the JWKS, from the same issuer, so its download resumes that TLS session (jwks-download.ts).
const prefetched = deps.keyStore.prefetch().catch(() => undefined);
if (deps.revocations) {
  const revocations = deps.revocations;
  void prefetched.then(() => revocations.refresh()).catch(() => undefined);
}
// Lambda sends SIGTERM before shutdown when an extension is registered: publish the aggregated metrics
// and any log line still waiting for the deferred Logger.
process.once('SIGTERM', () => {
  void deps.drain().finally(() => process.exit(0));
});

export const handler = createHandler(deps);
