// Test keys and a raw JWS builder: lets tests mint valid RS256 access tokens and every malformed variant
// the attack list needs (any header, any claims, any signature).
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { type RsaPublicJwk, toRsaPublicJwk } from '../../core/jwk.js';

export interface TestKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: RsaPublicJwk;
  readonly kid: string;
}

const keyCache = new Map<string, TestKey>();

/** An RSA key pair, generated once per process per label (key generation is slow). */
export function testKey(label = 'default', modulusLength = 2048): TestKey {
  const cacheKey = `${label}/${modulusLength}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    const pair = generateKeyPairSync('rsa', { modulusLength });
    const jwk = toRsaPublicJwk(pair.publicKey);
    key = { privateKey: pair.privateKey, publicKey: pair.publicKey, jwk, kid: jwk.kid };
    keyCache.set(cacheKey, key);
  }
  return key;
}

export const b64url = (value: string | Buffer | object): string =>
  Buffer.from(typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value)).toString(
    'base64url',
  );

export const TEST_ISSUER = 'https://auth.keygate.test/prod';
export const TEST_AUDIENCE = 'https://api.keygate.test';

export interface TokenOptions {
  readonly key?: TestKey;
  /** Replaces the default header members; `undefined` values delete a member. */
  readonly header?: Record<string, unknown>;
  /** Replaces the default claims; `undefined` values delete a claim. */
  readonly claims?: Record<string, unknown>;
  /** Seconds since epoch used for iat/exp defaults. */
  readonly now?: number;
}

function merge(
  base: Record<string, unknown>,
  over: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const out = { ...base, ...over };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

/** Default valid header and claims for an access token issued to `client-1`. */
export function accessTokenParts(options: TokenOptions = {}) {
  const key = options.key ?? testKey();
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const header = merge({ alg: 'RS256', typ: 'at+jwt', kid: key.kid }, options.header);
  const claims = merge(
    {
      iss: TEST_ISSUER,
      sub: 'client-1',
      aud: TEST_AUDIENCE,
      client_id: 'client-1',
      scope: 'products/read',
      iat: now,
      exp: now + 3600,
      jti: `jti-${Math.random().toString(36).slice(2)}`,
    },
    options.claims,
  );
  return { key, header, claims };
}

/** A compact RS256 JWS over arbitrary header and claims, signed with `key`. */
export function signToken(options: TokenOptions = {}): string {
  const { key, header, claims } = accessTokenParts(options);
  return signRaw(b64url(header), b64url(claims), key.privateKey);
}

/** Signs `headerB64.payloadB64` as-is (the parts may be deliberately malformed). */
export function signRaw(headerB64: string, payloadB64: string, privateKey: KeyObject): string {
  const input = `${headerB64}.${payloadB64}`;
  const signature = sign('sha256', Buffer.from(input), privateKey).toString('base64url');
  return `${input}.${signature}`;
}
