// Over 400 lines on purpose: one hot verify path and the checks it inlines, read top to bottom in one file.
// The RS256 access-token verifier (RFC 9068 §4, RFC 8725): cheap syntactic checks, then one synchronous
// RSA check with a cached KeyObject (./rs256-verify.ts), then the claims; verified tokens are cached until exp.
//
// Hand-written on purpose: libraries built on WebCrypto's subtle.verify (jose) pay for it on every token,
// and the others add parsing and checks we do not need. Here almost all the time is the RSA operation itself
// plus the payload decode any verifier must do (`npm run bench -- verify` prints the ratios against the
// raw crypto.verify floor and against the peers). Hence: no per-token allocation we can avoid, no
// full-token charset scan on the success path, header validated once per distinct header, and base64url
// decoded in JS (./base64url.ts says why Buffer's decoder cost more than it seems to).
import { isUtf8 } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import { TOKEN_CACHE_SIZE } from '../contract.js';
import { BASE64URL_VALUE, decodeBase64url } from './base64url.js';
import { VerifyError, type VerifyErrorCode } from './errors.js';
import { isSaneKid } from './kid.js';
import { verifyRs256 } from './rs256-verify.js';
import { TOKEN_CACHE_MAX, TokenCache } from './token-cache.js';
import type { AccessTokenClaims, KeyStore, VerificationResult } from './types.js';

/** Options of `createVerifier`. */
export interface VerifierOptions {
  /** Expected `iss`, compared exactly (the keygate issuer URL). */
  readonly issuer: string;
  /** The audience(s) this resource server answers to; a token must name at least one. */
  readonly audience: string | readonly string[];
  /** Where the signing keys come from, usually `createJwksKeyStore(...)`. */
  readonly keyStore: KeyStore;
  /** Allowed clock skew for exp/nbf/iat, 0-300 s (RFC 7519 §4.1.4 "small leeway"). */
  readonly clockLeewaySeconds?: number;
  /**
   * Longer tokens are refused (`too_long`) before any parsing; at least 16.
   * @default 8192
   */
  readonly maxTokenLength?: number;
  /** Verified-token cache entries; 0 disables the cache. */
  readonly tokenCacheSize?: number;
  /** No cache entry lives longer than this, whatever the token's exp. */
  readonly tokenCacheMaxTtlSeconds?: number;
  /** Clock in epoch milliseconds (tests inject one). */
  readonly now?: () => number;
}

/** Counters of a verifier's token cache. */
export interface VerifierStats {
  /** Tokens served from the verified-token cache. */
  readonly tokenCacheHits: number;
  /** Tokens verified in full. */
  readonly tokenCacheMisses: number;
  /** Entries held now. */
  readonly tokenCacheSize: number;
}

/** Verifies keygate access tokens; made by `createVerifier`. */
export interface Verifier {
  /**
   * The claims of `token` (the compact JWS, without `Bearer `) once every check passes.
   * Rejects with VerifyError: its `code` names the failed rule (VerifyErrorCode).
   */
  verify(token: string): Promise<AccessTokenClaims>;
  /** As `verify`, with the key id and whether the result came from the cache. */
  verifyDetailed(token: string): Promise<VerificationResult>;
  /** The token-cache counters so far. */
  stats(): VerifierStats;
}

/** A verified token. Its resolved promises are built on the first hit and reused: later hits allocate nothing. */
class CacheEntry {
  #result: Promise<VerificationResult> | undefined;
  #claims: Promise<AccessTokenClaims> | undefined;

  constructor(
    /** The whole token: a hit must be this very token, whatever its cache key. */
    readonly token: string,
    readonly key: KeyObject,
    readonly kid: string,
    /** min(exp, insertion + max TTL) in epoch ms: checked on every read with the injected clock. */
    readonly expiresAtMs: number,
    readonly claims: AccessTokenClaims,
  ) {}

  result(): Promise<VerificationResult> {
    this.#result ??= Promise.resolve(Object.freeze({ claims: this.claims, kid: this.kid, cacheHit: true }));
    return this.#result;
  }

  claimsPromise(): Promise<AccessTokenClaims> {
    this.#claims ??= Promise.resolve(this.claims);
    return this.#claims;
  }
}

interface ParsedHeader {
  readonly kid: string;
}

/**
 * The token cache's key: the low 6 bits of the five characters before the signature's last one, as one
 * 30-bit Smi (RSA signature bytes are uniform; a Map hashes a Smi for free). Hashing the whole token would
 * cost a pass over every fresh string (each Lambda event's token is one) on every hit and miss, a visible
 * share of an RSA verify (`npm run bench -- verify`). Keys of different tokens can collide: an entry serves only the token it holds
 * (compared in full), and a collision costs one extra verification.
 */
function cacheKey(token: string): number {
  const n = token.length;
  return (
    (token.charCodeAt(n - 2) & 63) |
    ((token.charCodeAt(n - 3) & 63) << 6) |
    ((token.charCodeAt(n - 4) & 63) << 12) |
    ((token.charCodeAt(n - 5) & 63) << 18) |
    ((token.charCodeAt(n - 6) & 63) << 24)
  );
}

/** RFC 4648 §5 base64url alphabet, unpadded (RFC 7515 §2). */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Modulus length in bytes per key (asymmetricKeyDetails builds a fresh object on every read). */
const modulusBytesCache = new WeakMap<KeyObject, number>();
function modulusBytesOf(key: KeyObject): number {
  let bytes = modulusBytesCache.get(key);
  if (bytes === undefined) {
    bytes = ((key.asymmetricKeyDetails?.modulusLength ?? 0) + 7) >> 3;
    modulusBytesCache.set(key, bytes);
  }
  return bytes;
}

/** RFC 6749 §3.3: scope = scope-token *( SP scope-token ), scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/** Headers we refuse outright: keys are found only through the configured JWKS by kid (RFC 8725 §3.10). */
const KEY_LOCATING_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

/** RSA-8192 (the key store's maximum modulus) signatures are 1024 bytes. */
const MAX_SIGNATURE_BYTES = 1024;

/** Distinct headers remembered after validation (an issuer has one per key); cleared when full. */
const HEADER_CACHE_MAX = 64;

const fail = (code: VerifyErrorCode, message: string): never => {
  throw new VerifyError(code, message);
};

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses the base64url JSON object of a header or payload whose ASCII bytes are `bytes[start, end)`, decoding
 * it in place to the start of `bytes`. JSON.parse keeps the last of duplicate member
 * names, which RFC 7515 §5.2 allows ("reject or use a parser that returns only the lexically last"); the
 * payload is signed by our issuer, so duplicates could only come from it. Invalid UTF-8 is rejected as
 * RFC 7519 §7.2 requires (jose does the same with a fatal TextDecoder).
 */
function decodeJsonObject(
  bytes: Buffer,
  start: number,
  end: number,
  view: (length: number) => Buffer,
): Record<string, unknown> | undefined {
  const length = decodeBase64url(bytes, start, end, bytes, 0);
  if (length < 0) return undefined;
  // The UTF-8 decoder replaces every invalid sequence with U+FFFD (WHATWG Encoding §4.1), so a text without
  // one came from valid UTF-8; only a text with one needs the exact check (the JSON may spell U+FFFD itself).
  // V8 answers indexOf of a non-Latin-1 character in a one-byte string without a scan: the common case
  // costs no second pass over the bytes.
  const text = bytes.toString('utf8', 0, length);
  if (text.indexOf('\uFFFD') >= 0 && !isUtf8(view(length))) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isJsonObject(value) ? value : undefined;
}

/** RFC 9068 §4 typ check; media types compare case-insensitively (RFC 7515 §4.1.9, RFC 2045 §5.1). */
function isAccessTokenTyp(typ: unknown): boolean {
  if (typ === 'at+jwt') return true;
  if (typeof typ !== 'string') return false;
  const lower = typ.toLowerCase();
  return lower === 'at+jwt' || lower === 'application/at+jwt';
}

function checkHeader(header: Record<string, unknown>): ParsedHeader {
  // RFC 8725 §3.1: exactly the one algorithm we issue, case-sensitive; "none", HS256 and friends fail here.
  if (header.alg !== 'RS256') fail('alg', 'alg must be RS256');
  // RFC 8725 §3.11 / RFC 9068 §4: explicit typing stops cross-JWT confusion (id tokens, plain JWTs).
  if (!isAccessTokenTyp(header.typ)) fail('typ', 'typ must be at+jwt');
  // RFC 7515 §4.1.11: we understand no extension, so any crit makes the token unacceptable.
  if (header.crit !== undefined) fail('crit', 'crit header is not supported');
  // Stricter than jose/aws-jwt-verify (which ignore them): a token naming its own key or key URL is never a
  // token our issuer minted, so it is refused rather than silently ignored.
  for (const name of KEY_LOCATING_HEADERS) {
    if (header[name] !== undefined) fail('header', `${name} header is not allowed`);
  }
  const kid = header.kid;
  if (!isSaneKid(kid)) fail('header', 'kid must be 1-256 printable ASCII characters');
  return { kid: kid as string };
}

/**
 * An RS256 access-token verifier (RFC 9068, RFC 8725): `alg` RS256 only, `typ` at+jwt, the signature with the
 * key store's key for `kid`, then `iss`, `aud`, `exp`, `nbf`, `iat` and the RFC 9068 claims. Verified tokens
 * are cached until their `exp`. Build one per process, at module scope.
 * @param options - the expected issuer and audience, the key store and the bounds
 * @returns the verifier
 * @throws TypeError for an empty issuer or audience; RangeError for a bound out of range
 * @example
 * ```ts
 * const verifier = createVerifier({ issuer, audience: 'https://orders.example.com', keyStore });
 * const claims = await verifier.verify(token); // rejects with VerifyError
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const issuer = options.issuer;
  if (typeof issuer !== 'string' || issuer.length === 0)
    throw new TypeError('issuer must be a non-empty string');
  const audiences = typeof options.audience === 'string' ? [options.audience] : [...options.audience];
  if (audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || a.length === 0)) {
    throw new TypeError('audience must be a non-empty string or a non-empty array of them');
  }
  const audienceSet = new Set(audiences);
  const leeway = options.clockLeewaySeconds ?? 0;
  if (!Number.isInteger(leeway) || leeway < 0 || leeway > 300) {
    throw new RangeError('clockLeewaySeconds must be an integer between 0 and 300');
  }
  const maxTokenLength = options.maxTokenLength ?? 8192;
  if (!Number.isInteger(maxTokenLength) || maxTokenLength < 16) {
    throw new RangeError('maxTokenLength must be an integer >= 16');
  }
  const cacheSize = options.tokenCacheSize ?? TOKEN_CACHE_SIZE;
  if (!Number.isInteger(cacheSize) || cacheSize < 0 || cacheSize > TOKEN_CACHE_MAX)
    throw new RangeError('tokenCacheSize must be an integer from 0 to 2^22');
  const cacheMaxTtlMs = (options.tokenCacheMaxTtlSeconds ?? 3600) * 1000;
  if (!Number.isFinite(cacheMaxTtlMs) || cacheMaxTtlMs < 0) {
    throw new RangeError('tokenCacheMaxTtlSeconds must be >= 0');
  }
  const keyStore = options.keyStore;
  const now = options.now ?? Date.now;

  // Expiry is checked by us on every read (exact, and with the injected clock); the TokenCache only bounds size.
  const cache = cacheSize > 0 ? new TokenCache<CacheEntry>(cacheSize) : undefined;
  const headerCache = new Map<string, ParsedHeader>();
  let parsedDot1 = 0;
  let parsedDot2 = 0;
  // Views over the scratch buffers by length: Buffer#subarray builds a FastBuffer per call, measurable at
  // this rate. Signature lengths are one per key size; signing-input lengths vary little per issuer.
  const signatureViews = new Map<number, Buffer>();
  const inputViews = new Map<number, Buffer>();
  const signatureView = (length: number): Buffer => {
    let view = signatureViews.get(length);
    if (view === undefined) {
      view = scratch.signature.subarray(0, length);
      if (signatureViews.size < 16) signatureViews.set(length, view);
    }
    return view;
  };
  const inputView = (length: number): Buffer => {
    let view = inputViews.get(length);
    if (view === undefined) {
      view = scratch.input.subarray(0, length);
      if (inputViews.size < 256) inputViews.set(length, view);
    }
    return view;
  };
  let lastHeaderB64 = '';
  let lastHeaderLength = -1;
  let lastHeader: ParsedHeader | undefined;
  // Per-verifier scratch (verification is synchronous, so reuse is safe): the token as UTF-8 always fits.
  const scratch = {
    input: Buffer.allocUnsafeSlow(maxTokenLength * 3),
    signature: Buffer.allocUnsafeSlow(MAX_SIGNATURE_BYTES),
  };
  let hits = 0;
  let misses = 0;

  /** Shape, charset and header checks: everything that needs no key (RFC 7515 §7.1, RFC 8725). */
  function parse(token: string): ParsedHeader {
    if (typeof token !== 'string' || token.length === 0)
      fail('malformed', 'token must be a non-empty string');
    if (token.length > maxTokenLength) fail('too_long', `token longer than ${maxTokenLength} characters`);
    const dot1 = token.indexOf('.');
    const dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    // Exactly three parts, header and payload non-empty: a JWE (five parts) or a JSON serialization fails
    // here. An empty signature passes on so that `alg: none` is reported as `alg`.
    if (dot1 <= 0 || dot2 < 0 || dot2 === dot1 + 1 || token.indexOf('.', dot2 + 1) >= 0) {
      fail('malformed', 'token must be a compact JWS with three parts');
    }
    // An issuer signs with one header per key: the last one seen is compared in place (no allocation),
    // a few more are remembered, and only a new header is decoded, charset-checked and validated.
    let header: ParsedHeader | undefined;
    if (lastHeader !== undefined && dot1 === lastHeaderLength && token.startsWith(lastHeaderB64)) {
      header = lastHeader;
    } else {
      const headerB64 = token.slice(0, dot1);
      header = headerCache.get(headerB64);
      if (header === undefined) {
        if (!BASE64URL.test(headerB64)) fail('malformed', 'header is not base64url');
        // ASCII (the test above), so latin1 writes it byte for byte.
        scratch.input.write(headerB64, 0, 'latin1');
        const json = decodeJsonObject(scratch.input, 0, dot1, inputView);
        if (json === undefined) fail('malformed', 'header is not a base64url JSON object');
        header = checkHeader(json as Record<string, unknown>);
        if (headerCache.size >= HEADER_CACHE_MAX) headerCache.clear();
        headerCache.set(headerB64, header);
      }
      lastHeaderB64 = headerB64;
      lastHeaderLength = dot1;
      lastHeader = header;
    }
    parsedDot1 = dot1;
    parsedDot2 = dot2;
    return header;
  }

  function checkClaims(payload: Record<string, unknown>, nowSec: number): AccessTokenClaims {
    const { exp, nbf, iat } = payload;
    // RFC 7519 §2 NumericDate is a JSON number: "1700000000" (a string) is refused, not coerced.
    if (typeof exp !== 'number' || !Number.isFinite(exp)) fail('claims', 'exp must be a number');
    if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf)))
      fail('claims', 'nbf must be a number');
    if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat)))
      fail('claims', 'iat must be a number');
    if ((exp as number) <= nowSec - leeway) fail('expired', 'token expired');
    if (nbf !== undefined && (nbf as number) > nowSec + leeway)
      fail('not_yet_valid', 'token not valid yet (nbf)');
    if (iat !== undefined && (iat as number) > nowSec + leeway)
      fail('not_yet_valid', 'token issued in the future (iat)');
    if (payload.iss !== issuer) fail('issuer', 'unexpected issuer');
    const aud = payload.aud;
    if (typeof aud === 'string') {
      if (!audienceSet.has(aud)) fail('audience', 'token is not for this audience');
    } else if (Array.isArray(aud)) {
      let found = false;
      for (const a of aud) {
        if (typeof a !== 'string') fail('claims', 'aud must be a string or an array of strings');
        if (audienceSet.has(a)) found = true;
      }
      if (!found) fail('audience', 'token is not for this audience');
      Object.freeze(aud);
    } else {
      fail('audience', 'aud missing or not a string/array');
    }
    const { sub, client_id: clientId, scope, jti } = payload;
    if (typeof sub !== 'string' || sub.length === 0) fail('claims', 'sub must be a non-empty string');
    if (typeof clientId !== 'string' || clientId.length === 0)
      fail('claims', 'client_id must be a non-empty string');
    if (jti !== undefined && typeof jti !== 'string') fail('claims', 'jti must be a string');
    // RFC 9068 §2.2.3 makes scope optional: absent (or '') means no scopes, so the authorizer denies every
    // scoped route. A present scope must be RFC 6749 §3.3 syntax: no double/edge spaces, no '"' or '\'.
    if (scope === undefined) payload.scope = '';
    else if (typeof scope !== 'string' || (scope.length > 0 && !SCOPE.test(scope))) {
      fail('claims', 'scope must be space-separated RFC 6749 scope-tokens');
    }
    // Claims are shared by every later cache hit: freeze so no caller can alter what others see.
    return Object.freeze(payload) as AccessTokenClaims;
  }

  /** Failure path only: a precise code for what the fast checks folded into "signature". */
  function signatureFailure(token: string, dot1: number, dot2: number, message: string): never {
    if (!BASE64URL.test(token.slice(dot1 + 1, dot2)) || !BASE64URL.test(token.slice(dot2 + 1))) {
      fail('malformed', 'token contains characters outside base64url');
    }
    return fail('signature', message);
  }

  /** Signature and claims with a known key; caches and returns the result. */
  function complete(
    token: string,
    dot1: number,
    dot2: number,
    kid: string,
    key: KeyObject,
  ): AccessTokenClaims {
    // The whole token goes into a scratch buffer (3 bytes per UTF-16 unit always fit) as UTF-8: byte count
    // equal to character count proves it ASCII (a look-alike such as U+0141 for 'A' never reaches a
    // decoder). The first dot2 bytes are then the signing input: the ASCII text itself (RFC 7515 §5.2 step 8).
    const input = scratch.input;
    if (input.write(token, 0, 'utf8') !== token.length) fail('malformed', 'token is not ASCII');
    // RFC 8017 §8.2.2 step 1: the signature is exactly k octets (the modulus length). The decoder refuses
    // every byte outside the base64url alphabet ('+', '/', '=' included), so the exact character count
    // plus zero spare bits in the last character leaves one accepted spelling.
    const modulusBytes = modulusBytesOf(key);
    const sigChars = token.length - dot2 - 1;
    const spareBits = sigChars * 6 - modulusBytes * 8;
    if (
      sigChars !== Math.ceil((modulusBytes * 4) / 3) ||
      decodeBase64url(input, dot2 + 1, token.length, scratch.signature, 0) !== modulusBytes
    ) {
      signatureFailure(token, dot1, dot2, 'signature length does not match the key');
    }
    if ((BASE64URL_VALUE[input[token.length - 1]!]! & ((1 << spareBits) - 1)) !== 0) {
      fail('malformed', 'signature is not canonical base64url');
    }
    // Non-base64url ASCII in the payload is covered by the signature (no issuer signs it), so the payload
    // needs no charset scan before it (the decoder after it refuses such bytes); the failure path still
    // reports it as malformed.
    if (!verifyRs256(inputView(dot2), key, signatureView(modulusBytes))) {
      signatureFailure(token, dot1, dot2, 'signature verification failed');
    }
    // Decoded in place over the signing input, which the verify above was the last to need.
    const payload = decodeJsonObject(input, dot1 + 1, dot2, inputView);
    if (payload === undefined) fail('malformed', 'payload is not a base64url JSON object');
    const nowMs = now();
    const claims = checkClaims(payload as Record<string, unknown>, Math.floor(nowMs / 1000));
    if (cache !== undefined) {
      // Never beyond exp (no leeway: a cached answer must not extend a token's life) nor the configured max.
      const expiresAtMs = Math.min(claims.exp * 1000, nowMs + cacheMaxTtlMs);
      if (expiresAtMs > nowMs)
        cache.set(cacheKey(token), new CacheEntry(token, key, kid, expiresAtMs, claims));
    }
    return claims;
  }

  /** A servable cache entry, or undefined (evicting an entry that expired or whose key left the JWKS). */
  function lookup(token: string): CacheEntry | undefined {
    if (cache === undefined) return undefined;
    // Non-strings (a caller's bug) fall through to parse(), which refuses them.
    const k = typeof token === 'string' ? cacheKey(token) : -1;
    const entry = cache.get(k);
    if (entry === undefined || entry.token !== token) {
      misses++;
      return undefined;
    }
    if (now() < entry.expiresAtMs && keyStore.getCachedKey(entry.kid) === entry.key) {
      hits++;
      return entry;
    }
    cache.delete(k);
    misses++;
    return undefined;
  }

  /** The full check; resolves the result or, when `claimsOnly`, just the claims (one promise either way). */
  function verifyUncached(token: string, claimsOnly: boolean): Promise<never> {
    try {
      const kid = parse(token).kid;
      const dot1 = parsedDot1;
      const dot2 = parsedDot2;
      const key = keyStore.getCachedKey(kid);
      if (key !== undefined) {
        const claims = complete(token, dot1, dot2, kid, key);
        return Promise.resolve((claimsOnly ? claims : { claims, kid, cacheHit: false }) as never);
      }
      // Only a cache miss on the key awaits: the JWKS fetch is single-flight and rate-limited.
      return keyStore.getKey(kid).then((fetched) => {
        const claims = complete(token, dot1, dot2, kid, fetched);
        return (claimsOnly ? claims : { claims, kid, cacheHit: false }) as never;
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  return {
    verifyDetailed(token: string): Promise<VerificationResult> {
      const entry = lookup(token);
      if (entry !== undefined) return entry.result();
      return verifyUncached(token, false);
    },
    verify(token: string): Promise<AccessTokenClaims> {
      const entry = lookup(token);
      if (entry !== undefined) return entry.claimsPromise();
      return verifyUncached(token, true);
    },
    stats(): VerifierStats {
      return { tokenCacheHits: hits, tokenCacheMisses: misses, tokenCacheSize: cache?.size ?? 0 };
    },
  };
}
