// RSA public keys as JWKs (RFC 7517, RFC 7518 §6.3) and their RFC 7638 thumbprints: the issuer turns KMS
// GetPublicKey's SPKI DER into the JWK it publishes, with the thumbprint as its kid (docs/design.md#keys).
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

export interface RsaPublicJwk {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  readonly use: 'sig';
  readonly alg: 'RS256';
  readonly kid: string;
}

/** RFC 7638 §3: base64url SHA-256 over the required members in lexicographic order, no whitespace. */
export function rsaThumbprint(jwk: { readonly n: string; readonly e: string }): string {
  const canonical = `{"e":"${jwk.e}","kty":"RSA","n":"${jwk.n}"}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The published JWK for an RSA public key (a KeyObject, or SPKI DER as KMS GetPublicKey returns it). */
export function toRsaPublicJwk(key: KeyObject | Uint8Array): RsaPublicJwk {
  const keyObject =
    key instanceof Uint8Array ? createPublicKey({ key: Buffer.from(key), format: 'der', type: 'spki' }) : key;
  if (keyObject.asymmetricKeyType !== 'rsa') throw new TypeError('not an RSA public key');
  const { n, e } = keyObject.export({ format: 'jwk' });
  if (typeof n !== 'string' || typeof e !== 'string') throw new TypeError('RSA key without n/e');
  return { kty: 'RSA', n, e, use: 'sig', alg: 'RS256', kid: rsaThumbprint({ n, e }) };
}
