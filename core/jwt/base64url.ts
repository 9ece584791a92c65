// Strict base64url decoding (RFC 4648 §5, unpadded as RFC 7515 §2 requires) of ASCII bytes already in a
// buffer, in plain JS, for the verifier's hot path. Buffer#write(s, 'base64url') is simdutf's AVX-512 kernel
// on CPUs that have it, and on an Intel Xeon calling it before each crypto.verify slowed that verify by
// ~2 µs (10%) while costing 0.2 µs alone: see decodeBase64url.

/** Byte -> 6-bit value of the base64url alphabet; 255 for every other byte ('+', '/', '=', non-ASCII). */
export const BASE64URL_VALUE = new Uint8Array(256).fill(255);
[...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].forEach((c, i) => {
  BASE64URL_VALUE[c.charCodeAt(0)] = i;
});

/**
 * Decodes `src[start, end)` into `out` from `outAt`; returns the byte count, or -1 if any byte is outside the
 * base64url alphabet (padding included) or the length is one no encoding has (4n + 1). Spare bits of the
 * last character are ignored, as Buffer's decoder does: callers that need the canonical spelling check them.
 * `out` may be `src` with `outAt <= start` (every write lands behind the reads still to come).
 *
 * Why not Buffer: measured paired with the raw crypto.verify floor (`npm run bench -- verify`), decoding a
 * 342-character RS256 signature with Buffer#write before each verify cost 2.1 µs per token on an Intel Xeon
 * with AVX-512 (0.8 µs with SIMDUTF_FORCE_IMPLEMENTATION=haswell), this loop 0.4 µs: the vector kernel is
 * fast alone but slows the scalar RSA code that follows it, most likely by license-based downclocking
 * (https://travisdowns.github.io/blog/2020/08/19/icl-avx512-freq.html). An AMD EPYC showed far less of it.
 */
export function decodeBase64url(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outAt: number,
): number {
  const rest = (end - start) & 3;
  if (rest === 1) return -1;
  const whole = end - rest;
  let o = outAt;
  // OR of every 6-bit value: above 63 only if some byte was not in the alphabet.
  let seen = 0;
  let i = start;
  for (; i < whole; i += 4) {
    const a = BASE64URL_VALUE[src[i]!]!;
    const b = BASE64URL_VALUE[src[i + 1]!]!;
    const c = BASE64URL_VALUE[src[i + 2]!]!;
    const d = BASE64URL_VALUE[src[i + 3]!]!;
    seen |= a | b | c | d;
    out[o] = (a << 2) | (b >> 4);
    out[o + 1] = (b << 4) | (c >> 2);
    out[o + 2] = (c << 6) | d;
    o += 3;
  }
  if (rest !== 0) {
    const a = BASE64URL_VALUE[src[i]!]!;
    const b = BASE64URL_VALUE[src[i + 1]!]!;
    seen |= a | b;
    out[o++] = (a << 2) | (b >> 4);
    if (rest === 3) {
      const c = BASE64URL_VALUE[src[i + 2]!]!;
      seen |= c;
      out[o++] = (b << 4) | (c >> 2);
    }
  }
  return seen > 63 ? -1 : o - outAt;
}
