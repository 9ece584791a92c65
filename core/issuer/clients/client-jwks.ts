// A client's registered public keys for private_key_jwt (RFC 7523 §2.2, OpenID Connect Core §9): the JWK
// Set check run when keys are registered and again when a stored item is read. Public keys only, and only
// the algorithms the token endpoint verifies; a private or symmetric key is refused, never stored.

/** The JWS algorithms a client assertion may use (advertised as token_endpoint_auth_signing_alg_values_supported). */
export const CLIENT_ASSERTION_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'] as const;
export type ClientAssertionAlg = (typeof CLIENT_ASSERTION_ALGS)[number];

/** A registered public key, reduced to the members verification reads. */
export interface ClientPublicJwk {
  readonly kty: 'RSA' | 'EC' | 'OKP';
  readonly kid?: string;
  /** When set, the only algorithm this key verifies (RFC 7517 §4.4). */
  readonly alg?: ClientAssertionAlg;
  readonly n?: string;
  readonly e?: string;
  readonly crv?: 'P-256' | 'Ed25519';
  readonly x?: string;
  readonly y?: string;
}

/** A handful of keys covers rotation (old + new); more only makes every failed assertion slower. */
export const MAX_CLIENT_KEYS = 5;
/** NIST SP 800-131A: RSA below 2048 bits is not acceptable for signatures. */
const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 8192;

/** RFC 7518 §6.3.2 / §6.2.2 / RFC 8037 §2: members that only a private key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const B64URL = /^[A-Za-z0-9_-]+$/;

/** Which algorithms a key of this type verifies: no RSA key verifies ES256, no EC key RS256 (alg confusion). */
export function algFitsKey(alg: string, jwk: ClientPublicJwk): alg is ClientAssertionAlg {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  switch (alg) {
    case 'RS256':
    case 'PS256':
      return jwk.kty === 'RSA';
    case 'ES256':
      return jwk.kty === 'EC' && jwk.crv === 'P-256';
    case 'EdDSA':
    case 'Ed25519':
      return jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
    default:
      return false;
  }
}

function b64(value: unknown, what: string, bytes?: number): string {
  if (typeof value !== 'string' || !B64URL.test(value)) throw new TypeError(`${what} must be base64url`);
  if (bytes !== undefined && Buffer.from(value, 'base64url').length !== bytes)
    throw new TypeError(`${what} must be ${bytes} bytes`);
  return value;
}

function checkKey(raw: unknown, index: number): ClientPublicJwk {
  const at = `key ${index}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new TypeError(`${at} is not an object`);
  const k = raw as Record<string, unknown>;
  if (k.kty === 'oct') throw new TypeError(`${at} is a symmetric (oct) key: register public keys only`);
  if (PRIVATE_MEMBERS.some((m) => m in k))
    throw new TypeError(`${at} contains private key material: register the public key only`);
  if (k.use !== undefined && k.use !== 'sig') throw new TypeError(`${at} has use ${String(k.use)}, not sig`);
  if (k.key_ops !== undefined && !(Array.isArray(k.key_ops) && k.key_ops.includes('verify')))
    throw new TypeError(`${at} key_ops does not allow verify`);
  if (k.kid !== undefined && (typeof k.kid !== 'string' || k.kid === '' || k.kid.length > 200))
    throw new TypeError(`${at} kid must be a non-empty string`);
  const alg = k.alg;
  if (alg !== undefined && !(CLIENT_ASSERTION_ALGS as readonly unknown[]).includes(alg))
    throw new TypeError(`${at} alg must be one of ${CLIENT_ASSERTION_ALGS.join(', ')}`);
  let jwk: ClientPublicJwk;
  if (k.kty === 'RSA') {
    const n = b64(k.n, `${at} n`);
    const bits = Buffer.from(n, 'base64url').length * 8;
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS)
      throw new TypeError(`${at} RSA modulus must be ${MIN_RSA_BITS}-${MAX_RSA_BITS} bits`);
    jwk = { kty: 'RSA', n, e: b64(k.e, `${at} e`) };
  } else if (k.kty === 'EC') {
    if (k.crv !== 'P-256') throw new TypeError(`${at} EC curve must be P-256`);
    jwk = { kty: 'EC', crv: 'P-256', x: b64(k.x, `${at} x`, 32), y: b64(k.y, `${at} y`, 32) };
  } else if (k.kty === 'OKP') {
    if (k.crv !== 'Ed25519') throw new TypeError(`${at} OKP curve must be Ed25519`);
    jwk = { kty: 'OKP', crv: 'Ed25519', x: b64(k.x, `${at} x`, 32) };
  } else {
    throw new TypeError(`${at} kty must be RSA, EC or OKP`);
  }
  const out: ClientPublicJwk = {
    ...jwk,
    ...(typeof k.kid === 'string' ? { kid: k.kid } : {}),
    ...(alg !== undefined ? { alg: alg as ClientAssertionAlg } : {}),
  };
  if (out.alg !== undefined && !algFitsKey(out.alg, out))
    throw new TypeError(`${at} alg ${out.alg} does not fit a ${out.kty} key`);
  return out;
}

/**
 * A client's JWK Set (RFC 7517 §5) checked and reduced to public members. Throws TypeError with a one-line
 * reason: not a set, no keys, too many, a private or `oct` key, an unsupported type, curve or algorithm,
 * or two keys with one kid.
 */
export function parseClientJwks(value: unknown): ClientPublicJwk[] {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { keys?: unknown }).keys))
    throw new TypeError('a JWK Set must be an object with a "keys" array');
  const raw = (value as { keys: unknown[] }).keys;
  if (raw.length === 0) throw new TypeError('the JWK Set has no keys');
  if (raw.length > MAX_CLIENT_KEYS) throw new TypeError(`at most ${MAX_CLIENT_KEYS} keys per client`);
  const keys = raw.map(checkKey);
  const kids = keys.flatMap((k) => (k.kid === undefined ? [] : [k.kid]));
  if (new Set(kids).size !== kids.length) throw new TypeError('two keys share one kid');
  return keys;
}
