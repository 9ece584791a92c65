// Lambda entry of the TOKEN authorizer: config parsed and dependencies built once per environment; the
// JWKS fetch starts during init so the first request usually finds keys already imported.
import { createDeps, createHandler, loadConfig } from '../authorizer.js';

const deps = createDeps(loadConfig(process.env));
// Not awaited: a failed prefetch must not fail init (prefetch never rejects; the first request retries).
deps.keyStore.prefetch().catch(() => undefined);
// Lambda sends SIGTERM before shutdown when an extension is registered: publish the aggregated metrics
// and any log line still waiting for the deferred Logger.
process.once('SIGTERM', () => {
  void deps.drain().finally(() => process.exit(0));
});

export const handler = createHandler(deps);
