// Lambda entry for GET /.well-known/jwks.json: builds the handler once per container from the environment
// and starts fetching the keys during init, so the first request does not wait for KMS.
import { createDeps, createHandler, loadConfig } from '../jwks.js';

const deps = createDeps(loadConfig(process.env));
// A failure here is not cached: the first request retries it.
deps.publisher.document().catch(() => undefined);

export const handler = createHandler(deps);
