// Lambda entry of the TOKEN authorizer: config parsed, the JWKS and revocation-list downloads started, then
// the route table read (ROUTES_FILE, shipped next to this bundle by the KeygateAuthorizer construct) and the
// rest built once per environment, so the first request usually finds both documents loaded.
import { readFileSync } from 'node:fs';
import { parseRouteTable } from '../../core/authz/route-table.js';
import { ConfigError } from '../../core/config.js';
import { createDeps, createHandler, createIssuerClients, loadConfig } from '../authorizer.js';

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

// The issuer's documents first: their downloads start before anything else is built. A failed download never
// fails init (the first request retries).
const issuer = createIssuerClients(config);
const prefetched = issuer.prefetch();
// The module is evaluated in a poll-phase callback: the first setImmediate would resume before the event loop
// polls, the second lets it poll once, so the TCP connect and the TLS ClientHello go out now and the rest of
// init runs while the issuer answers.
await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
const deps = createDeps(config, {}, readRoutes(config.ROUTES_FILE), issuer);
// Lambda waits for a top-level await before the first invocation ("Using Node.js ES modules and top-level
// await in AWS Lambda", AWS Compute Blog): init ends with both documents loaded (or failed), so an environment
// initialized ahead of traffic (provisioned concurrency) is frozen with its keys, not mid-download.
await prefetched;
// Lambda sends SIGTERM before shutdown when an extension is registered: publish the aggregated metrics
// and any log line still waiting for the deferred Logger.
process.once('SIGTERM', () => {
  void deps.drain().finally(() => process.exit(0));
});

export const handler = createHandler(deps);
