// `npm start -- --routes routes.json --upstream http://127.0.0.1:3000`: reads and checks the route file and
// the upstream URL, with one-line messages that name the file and the field (`npm start` exits 2 on them).
import { readFileSync } from 'node:fs';
import { type ProtectedRoute, parseRouteTable } from '../core/authz/index.js';

export class UpstreamFlagError extends Error {
  readonly code = 'upstream_flags';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UpstreamFlagError';
  }
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
