// The `Authorization: Bearer <token>` parser of the TOKEN authorizer (RFC 6750 §2.1), written for the
// per-call path: char-code compares, no regex, no lower-cased copy.

/**
 * The token from `Bearer <token>`: scheme case-insensitive (RFC 7235 §2.1), one or more spaces
 * (RFC 6750 §2.1 `1*SP`), then exactly one space-free token. undefined otherwise. The token's characters
 * are the verifier's to check (it accepts only base64url parts and dots): a regex scan here would cost
 * every call a pass over the whole header for no extra safety (bench/suites/authorizer.ts measures the path).
 */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string' || header.length < 8) return undefined;
  // 'bearer' compared case-insensitively without allocating a lower-cased copy.
  if (
    (header.charCodeAt(0) | 0x20) !== 0x62 ||
    (header.charCodeAt(1) | 0x20) !== 0x65 ||
    (header.charCodeAt(2) | 0x20) !== 0x61 ||
    (header.charCodeAt(3) | 0x20) !== 0x72 ||
    (header.charCodeAt(4) | 0x20) !== 0x65 ||
    (header.charCodeAt(5) | 0x20) !== 0x72 ||
    header.charCodeAt(6) !== 0x20
  ) {
    return undefined;
  }
  let start = 7;
  while (start < header.length && header.charCodeAt(start) === 0x20) start++;
  if (start === header.length) return undefined;
  // A second space-separated part: two tokens or trailing junk (indexOf is a native memchr).
  return header.indexOf(' ', start) === -1 ? header.slice(start) : undefined;
}
