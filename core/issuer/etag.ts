// Conditional GET for the public metadata documents (JWKS, discovery): RFC 9110 §13.1.2 If-None-Match.

/**
 * True when `ifNoneMatch` (a header value: `*` or a comma-separated list of entity tags) matches `etag`
 * under the weak comparison If-None-Match uses (RFC 9110 §8.8.3.2: `W/` prefixes are ignored).
 */
export function ifNoneMatchMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const value = ifNoneMatch.trim();
  if (value === '*') return true;
  const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);
  const target = opaque(etag);
  // Entity tags cannot contain commas or quotes inside the quotes (RFC 9110 §8.8.3), so a regex scan is exact.
  for (const match of value.matchAll(/(?:W\/)?"[^"]*"/g)) {
    if (opaque(match[0]) === target) return true;
  }
  return false;
}
