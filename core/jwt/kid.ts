// The one `kid` syntax rule shared by the verifier (token headers) and the key store (JWKS members):
// a kid is only ever a Map key here, but bounding it stops injection payloads and huge strings early.

/** Longest `kid` accepted; RFC 7638 thumbprints are 43 characters. */
export const MAX_KID_LENGTH = 256;

/** 1-256 printable ASCII characters without space (%x21-7E): no control characters, no Unicode tricks. */
export function isSaneKid(kid: unknown): kid is string {
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH) return false;
  for (let i = 0; i < kid.length; i++) {
    const c = kid.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}
