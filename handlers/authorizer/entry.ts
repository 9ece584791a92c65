// Lambda entry of the TOKEN authorizer: the environment read once into its settings (with the route table,
// ROUTES_FILE, shipped next to this bundle by the KeygateAuthorizer construct), the JWKS and revocation-list
// downloads started and the rest built while they run; init then waits for both documents, so the first
// request finds them loaded.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../core/config.js';
import { createDeps, createIssuerClients } from './deps.js';
import { settingsFromEnv } from './from-env.js';
import { createHandler } from './handler.js';

/** The route table's JSON; settingsFromEnv checks its shape. */
function readRoutes(file: string): unknown {
  const url = new URL(file, import.meta.url);
  let text: string;
  try {
    text = readFileSync(url, 'utf8');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'unknown';
    throw new ConfigError([`ROUTES_FILE ${url.pathname} cannot be read (${code})`], { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`ROUTES_FILE ${url.pathname} is not JSON`], { cause: err });
  }
}

const settings = settingsFromEnv(process.env, readRoutes);

/**
 * Lambda's Init phase is limited to 10 s ("Understanding the Lambda execution environment lifecycle", AWS
 * Lambda Developer Guide), and the two downloads may each take up to JWKS_FETCH_TIMEOUT_MS (at most 10 s):
 * init waits this long at most, then the first request waits for what is still on its way.
 */
const INIT_WAIT_MS = 5000;

// The issuer's documents first: their downloads start before anything else is built. A failed download never
// fails init; a request after it retries.
const issuer = createIssuerClients(settings);
const prefetched = issuer.prefetch();
// The module is evaluated in a poll-phase callback: the first setImmediate would resume before the event loop
// polls, the second lets it poll once. With the issuer on loopback (the bench) the TCP connect and the TLS
// ClientHello go out now; in AWS the DNS lookup of the issuer's name usually runs longer, and it overlaps the
// rest of init instead. Either way the rest of init runs while the network works.
await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
const deps = createDeps(settings, {}, issuer);
// Lambda waits for a top-level await before the first invocation ("Using Node.js ES modules and top-level
// await in AWS Lambda", AWS Compute Blog): init ends with both documents loaded (or failed), so an environment
// initialized ahead of traffic (provisioned concurrency) is frozen with its keys, not mid-download.
let initWait: NodeJS.Timeout | undefined;
await Promise.race([prefetched, new Promise((resolve) => (initWait = setTimeout(resolve, INIT_WAIT_MS)))]);
clearTimeout(initWait);
// Lambda sends SIGTERM before shutdown when an extension is registered: publish the aggregated metrics
// and any log line still waiting for the deferred Logger.
process.once('SIGTERM', () => {
  void deps.drain().finally(() => process.exit(0));
});

export const handler = createHandler(deps);
