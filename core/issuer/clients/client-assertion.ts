// private_key_jwt client authentication (RFC 7523 §2.2 and §3, OpenID Connect Core §9): the client signs a
// short-lived JWT with a key whose public half is registered in its record; the token endpoint verifies it
// with jose, checks its claims, and records its jti so it is used once.
import { decodeProtectedHeader, importJWK, type JWTPayload, jwtVerify } from 'jose';
import { toIssuerError } from '../errors.js';
import type { ClientRecord } from '../types.js';
import type { AssertionReplayGuard } from './assertion-replay.js';
import { clientAuthFailed } from './client-authenticator.js';
import type { ClientCache } from './client-cache.js';
import { algFitsKey, CLIENT_ASSERTION_ALGS, type ClientPublicJwk } from './client-jwks.js';

/** RFC 7521 §4.2: the client_assertion_type of a JWT client assertion. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** An assertion may be valid this long at most (exp - now): it is single use, so minutes are plenty. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
/** Clock skew allowed between the client and us on exp, nbf and iat. */
export const ASSERTION_CLOCK_SKEW_SECONDS = 30;
const MAX_JTI_LENGTH = 256;

export interface AssertionAuthenticatorOptions {
  readonly clients: ClientCache;
  /** The issuer identifier: the only audience accepted (draft-ietf-oauth-rfc7523bis, docs/clients.md). */
  readonly issuer: string;
  readonly replay: AssertionReplayGuard;
  readonly now?: () => number;
  /** After a failed verification against a cached record older than this, re-read it once (new keys). */
  readonly refreshAfterFailureMs?: number;
}

/** The client's record when `assertion` is a valid, unused client assertion of an active key client. */
export type AssertionAuthenticator = (clientId: string, assertion: string) => Promise<ClientRecord>;

type ImportedKey = ReturnType<typeof importJWK>;
/** Imported keys per registered JWK and algorithm (records are cached objects, so this follows them). */
const imported = new WeakMap<ClientPublicJwk, Map<string, ImportedKey>>();

function importKey(jwk: ClientPublicJwk, alg: string): ImportedKey {
  let byAlg = imported.get(jwk);
  if (!byAlg) {
    byAlg = new Map();
    imported.set(jwk, byAlg);
  }
  let key = byAlg.get(alg);
  if (!key) {
    key = importJWK({ ...jwk }, alg);
    byAlg.set(alg, key);
  }
  return key;
}

const isSoleAudience = (aud: JWTPayload['aud'], issuer: string): boolean =>
  aud === issuer || (Array.isArray(aud) && aud.length === 1 && aud[0] === issuer);

/** The claims after a good signature, per RFC 7523 §3; false when any is wrong. */
function claimsHold(payload: JWTPayload, clientId: string, issuer: string, nowSeconds: number): boolean {
  const { iss, sub, aud, exp, nbf, iat, jti } = payload;
  if (iss !== clientId || sub !== clientId || !isSoleAudience(aud, issuer)) return false;
  // jose has checked exp (present: requiredClaims) and nbf against the skew; we bound how far ahead.
  if (
    typeof exp !== 'number' ||
    exp > nowSeconds + MAX_ASSERTION_LIFETIME_SECONDS + ASSERTION_CLOCK_SKEW_SECONDS
  )
    return false;
  if (iat !== undefined && iat > nowSeconds + ASSERTION_CLOCK_SKEW_SECONDS) return false;
  if (nbf !== undefined && nbf > exp) return false;
  return typeof jti === 'string' && jti !== '' && jti.length <= MAX_JTI_LENGTH;
}

export function createAssertionAuthenticator(options: AssertionAuthenticatorOptions): AssertionAuthenticator {
  const now = options.now ?? Date.now;
  const refreshAfterFailureMs = options.refreshAfterFailureMs ?? 1000;

  /** The verified payload, or undefined: bad header, no fitting key, bad signature or claims. */
  async function verify(assertion: string, record: ClientRecord): Promise<JWTPayload | undefined> {
    if (record.status !== 'active' || record.jwks === undefined) return undefined;
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(assertion);
    } catch {
      return undefined;
    }
    const alg = header.alg;
    // Never none or HMAC: only the asymmetric algorithms a registered key can verify.
    if (typeof alg !== 'string' || !(CLIENT_ASSERTION_ALGS as readonly string[]).includes(alg))
      return undefined;
    // A kid that names a registered key selects it; otherwise every key that fits the algorithm is tried.
    const byKid = header.kid === undefined ? [] : record.jwks.filter((k) => k.kid === header.kid);
    const candidates = (byKid.length > 0 ? byKid : record.jwks).filter((k) => algFitsKey(alg, k));
    const nowMs = now();
    for (const jwk of candidates) {
      try {
        const { payload } = await jwtVerify(assertion, await importKey(jwk, alg), {
          algorithms: [alg],
          currentDate: new Date(nowMs),
          clockTolerance: ASSERTION_CLOCK_SKEW_SECONDS,
          requiredClaims: ['exp', 'jti', 'iss', 'sub', 'aud'],
        });
        return claimsHold(payload, record.clientId, options.issuer, Math.floor(nowMs / 1000))
          ? payload
          : undefined;
      } catch {
        // Wrong key or a bad token: try the next key.
      }
    }
    return undefined;
  }

  return async (clientId, assertion) => {
    let payload: JWTPayload | undefined;
    let record: ClientRecord | undefined;
    try {
      let found = await options.clients.get(clientId);
      record = found.record;
      payload = record ? await verify(assertion, record) : undefined;
      if (!payload && found.fromCache) {
        // Keys replaced or the client enabled moments ago: read the record again, at most once a second.
        const again = await options.clients.refresh(clientId, refreshAfterFailureMs);
        if (!again.fromCache) {
          found = again;
          record = found.record;
          payload = record ? await verify(assertion, record) : undefined;
        }
      }
      if (!payload || !record) throw clientAuthFailed();
      // After the signature, so nobody but the key holder can use up a jti.
      const fresh = await options.replay(clientId, payload.jti!, payload.exp! + ASSERTION_CLOCK_SKEW_SECONDS);
      if (!fresh) throw clientAuthFailed();
      return record;
    } catch (err) {
      throw toIssuerError(err);
    }
  };
}
