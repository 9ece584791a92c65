// The one reading of a request path that the local gateway routes on AND builds the method ARN from, so
// the authorizer (and its cached policy) judges exactly the resource the integration is invoked for.
// Follows what REST APIs are seen to do, refuses what AWS leaves undocumented (docs/security.md#paths).

/**
 * A request path read once: `segments` as they arrived (percent-encoding kept, as REST APIs keep it in
 * `path` and `pathParameters`: aws/aws-sam-cli#771 and #3524, dherault/serverless-offline#265), and
 * `canonical` = `/` + segments joined, without the one trailing slash a REST API ignores when routing
 * (aws/aws-sam-cli#1495; localstack's resource_router.py strips it before matching).
 */
export interface CanonicalPath {
  readonly segments: readonly string[];
  readonly canonical: string;
}

/** Why a path has no canonical reading: the gateway response it gets. */
export type PathRefusal = 'badRequest' | 'missingAuthenticationToken';

// RFC 3986 §3.3 pchar minus `;`: unreserved, sub-delims except `;`, `:`, `@`, and pct-encoded triplets.
// `;` is refused: servlet containers and others cut "path parameters" at it, AWS documents nothing.
// Anything else (space, `\`, `"`, `<`, `{`, `#`, `|`, control or non-ASCII bytes) is not a URI path.
const SEGMENT = /^(?:[A-Za-z0-9\-._~!$&'()*+,=:@]|%[0-9A-Fa-f]{2})*$/;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** Whether a segment's percent-escapes leave one reading: no encoded unreserved or control byte. */
function escapesAreUnambiguous(segment: string): boolean {
  for (let i = segment.indexOf('%'); i >= 0; i = segment.indexOf('%', i + 3)) {
    const byte = Number.parseInt(segment.slice(i + 1, i + 3), 16);
    // RFC 3986 §2.3 / §6.2.2.2: `%73` IS `s`, so `/items/1/%73ecret` has two readings (literal `secret` or
    // not) and `%2e%2e` is `..`; a NUL or control byte (`%00`, `%0a`) ends or splits strings downstream.
    if (byte < 0x20 || byte === 0x7f || UNRESERVED.test(String.fromCharCode(byte))) return false;
  }
  return true;
}

/**
 * The canonical reading of `rawPath` (the request path after the stage, starting with `/`, query removed),
 * or the gateway response refusing it: 400 for bytes or escapes with no single meaning, 403 Missing
 * Authentication Token (what an unknown resource gets) for empty and dot segments, which name no resource.
 */
export function canonicalPath(rawPath: string): CanonicalPath | PathRefusal {
  if (!rawPath.startsWith('/')) return 'badRequest';
  if (rawPath === '/') return { segments: [], canonical: '/' };
  const parts = rawPath.slice(1).split('/');
  // One trailing slash routes as if absent; `//` at the end is an empty segment like any other.
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  let missing = false;
  for (const part of parts) {
    if (!SEGMENT.test(part) || !escapesAreUnambiguous(part)) return 'badRequest';
    if (part === '' || part === '.' || part === '..') missing = true;
  }
  if (missing) return 'missingAuthenticationToken';
  return { segments: parts, canonical: `/${parts.join('/')}` };
}
