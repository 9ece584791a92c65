// API Gateway's native JWT authorizer for REST APIs, as documented: the issuer's OIDC discovery document is
// read when the authorizer is created, the keys it names are cached (up to 1 h) and refetched for an unseen
// kid, and each request is validated in the gateway (alg, signature, iss, aud, exp/nbf/iat, the issuer's
// additional claims, method scopes).
// Only what AWS documents is enforced (no `typ` check, no revocation, no result cache): docs/authorizers.md.
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { validateIssuer } from '../../core/issuer/discovery.js';
import { GatewayError } from './errors.js';

/** JwtConfigurationInput.defaultAlgorithms valid values (API Gateway API reference, JwtConfigurationInput). */
export const JWT_AUTHORIZER_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;
export type JwtAlgorithm = (typeof JWT_AUTHORIZER_ALGORITHMS)[number];

/**
 * "API Gateway caches each issuer's signing keys for up to 1 hour on a best-effort basis" (AWS, "Signing keys
 * and troubleshooting JWT authorizers", REST APIs).
 */
export const NATIVE_KEY_CACHE_MS = 3_600_000;
/**
 * REST API docs state no limits for the discovery/JWKS fetch; these are the HTTP API JWT authorizer's
 * quotas (AWS, "Quotas for configuring and running an HTTP API"): 1500 ms per endpoint, JWKS <= 150000 bytes.
 */
export const NATIVE_FETCH_TIMEOUT_MS = 1500;
export const NATIVE_MAX_JWKS_BYTES = 150_000;
/** Emulator choice (undocumented): at most one unknown-kid refetch per this period, so junk kids cannot flood. */
export const UNKNOWN_KID_REFETCH_MS = 5_000;

/** JwtIssuerInput.additionalClaims (API Gateway API reference, JwtAdditionalClaim). */
export interface JwtAdditionalClaim {
  /** Not iss, aud, exp, nbf, iat, scope or scp. */
  readonly claimName: string;
  /** "The only valid value is SINGLE_STRING." */
  readonly format: 'SINGLE_STRING';
  /** "When true, the token must contain the claim." Default false. */
  readonly required?: boolean;
  /** The claim must equal one of these exactly (case-sensitive) when given. */
  readonly expectedValues?: readonly string[];
}

const RESERVED_CLAIMS = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'scope', 'scp']);

export interface JwtAuthorizerOptions {
  /** JwtIssuerInput.issuer: must equal the token's `iss` exactly, trailing slash included. */
  readonly issuer: string;
  /** JwtIssuerInput.audiences: the token's `aud` must contain at least one. */
  readonly audiences: readonly string[];
  /** The issuer's additional claim rules. Default none. */
  readonly additionalClaims?: readonly JwtAdditionalClaim[];
  /** JwtConfigurationInput.defaultAlgorithms. Default ['RS256'] (keygate signs RS256 only). */
  readonly algorithms?: readonly JwtAlgorithm[];
  /** Header the token is read from. Default `Authorization`. */
  readonly identityHeader?: string;
  readonly keyCacheMs?: number;
  readonly fetchTimeoutMs?: number;
  readonly maxJwksBytes?: number;
  readonly fetch?: typeof globalThis.fetch;
  /** Clock in ms (key cache age and exp/nbf/iat). Default Date.now. */
  readonly now?: () => number;
}

export type JwtAuthorizerOutcome =
  /** The Lambda proxy event's requestContext.authorizer: `{ claims }`, each claim with its JSON type. */
  | { readonly kind: 'allow'; readonly authorizer: { readonly claims: Readonly<Record<string, unknown>> } }
  | { readonly kind: 'unauthorized'; readonly wwwAuthenticate: string }
  | { readonly kind: 'forbidden'; readonly wwwAuthenticate: string };

export interface JwtAuthorizerStats {
  readonly allowed: number;
  readonly unauthorized: number;
  readonly forbidden: number;
  /** JWKS fetches after the one at creation (cache expiry and unknown kids). */
  readonly jwksRefetches: number;
}

export interface JwtAuthorizer {
  readonly issuer: string;
  /** The key set location resolved from discovery (GetAuthorizer's `jwksUri`). */
  readonly jwksUri: string;
  readonly stats: JwtAuthorizerStats;
  /** `methodScopes`: the method's authorizationScopes; empty means any valid token passes. */
  authorize(
    headers: Readonly<Record<string, string | string[] | undefined>>,
    methodScopes: readonly string[],
  ): Promise<JwtAuthorizerOutcome>;
}

/** Thrown when the authorizer cannot be created (CreateAuthorizer reads discovery and fails the same way). */
export class JwtAuthorizerError extends GatewayError {
  constructor(
    readonly reason: 'issuer' | 'discovery' | 'jwks',
    message: string,
    override readonly cause?: unknown,
  ) {
    super('gateway_config', message);
    this.name = 'JwtAuthorizerError';
  }
}

/**
 * The documented 401 header format (AWS, "Troubleshooting issues with HTTP API JWT authorizers"):
 * `Bearer scope="" error="invalid_token" error_description="..."`. The REST API pages document no header,
 * so the HTTP API's is modelled.
 */
export const invalidToken = (description: string) =>
  `Bearer scope="" error="invalid_token" error_description="${description}"`;
/** 403 for a valid token without the method's scopes, in the same format (RFC 6750 §3.1 insufficient_scope). */
export const insufficientScope = (scopes: readonly string[]) =>
  `Bearer scope="${scopes.join(' ')}" error="insufficient_scope" error_description="the token does not have the required scopes"`;

async function fetchJson(
  url: string,
  what: 'discovery' | 'jwks',
  opts: { fetch: typeof globalThis.fetch; timeoutMs: number; maxBytes: number },
): Promise<unknown> {
  const res = await opts.fetch(url, { redirect: 'error', signal: AbortSignal.timeout(opts.timeoutMs) });
  if (res.status !== 200) throw new JwtAuthorizerError(what, `${what} at ${url} answered ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > opts.maxBytes) {
    throw new JwtAuthorizerError(what, `${what} at ${url} is ${body.length} bytes (limit ${opts.maxBytes})`);
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new JwtAuthorizerError(what, `${what} at ${url} is not JSON`, err);
  }
}

function importKeys(jwks: unknown): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  const list = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new JwtAuthorizerError('jwks', 'the key set has no "keys" array');
  for (const jwk of list) {
    const kid = (jwk as { kid?: unknown } | null)?.kid;
    if (typeof kid !== 'string' || kid === '') continue;
    try {
      keys.set(kid, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
    } catch {
      // A key this authorizer cannot use is skipped; a token naming it fails as an unknown kid.
    }
  }
  return keys;
}

/** Scopes from `scope` (space separated) or `scp` (array or string) (AWS, "Attach a JWT authorizer to methods"). */
function tokenScopes(claims: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  for (const v of [claims.scope, claims.scp]) {
    if (typeof v === 'string') for (const s of v.split(' ')) if (s) out.add(s);
    if (Array.isArray(v)) for (const s of v) if (typeof s === 'string') out.add(s);
  }
  return out;
}

/** Creates the authorizer: reads `{issuer}/.well-known/openid-configuration` and the key set it names. */
export async function createJwtAuthorizer(options: JwtAuthorizerOptions): Promise<JwtAuthorizer> {
  let issuer: string;
  try {
    issuer = validateIssuer(options.issuer);
  } catch (err) {
    throw new JwtAuthorizerError('issuer', `issuer ${(err as Error).message}`, err);
  }
  const parsed = new URL(issuer);
  if (parsed.username || parsed.password)
    throw new JwtAuthorizerError('issuer', 'issuer has user information');
  if (options.audiences.length === 0 || options.audiences.some((a) => a === '')) {
    throw new JwtAuthorizerError('issuer', 'audiences must be non-empty strings');
  }
  const additionalClaims = options.additionalClaims ?? [];
  for (const rule of additionalClaims) {
    if (rule.claimName === '' || RESERVED_CLAIMS.has(rule.claimName)) {
      throw new JwtAuthorizerError(
        'issuer',
        `additional claim ${JSON.stringify(rule.claimName)} is not allowed`,
      );
    }
  }
  if (new Set(additionalClaims.map((r) => r.claimName)).size !== additionalClaims.length) {
    throw new JwtAuthorizerError('issuer', 'additional claim names must be unique');
  }
  const algorithms = options.algorithms ?? ['RS256'];
  const audiences = new Set(options.audiences);
  const headerName = (options.identityHeader ?? 'Authorization').toLowerCase();
  const now = options.now ?? Date.now;
  const keyCacheMs = options.keyCacheMs ?? NATIVE_KEY_CACHE_MS;
  const io = {
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.fetchTimeoutMs ?? NATIVE_FETCH_TIMEOUT_MS,
    maxBytes: options.maxJwksBytes ?? NATIVE_MAX_JWKS_BYTES,
  };

  const discoveryUrl = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let doc: unknown;
  try {
    doc = await fetchJson(discoveryUrl, 'discovery', io);
  } catch (err) {
    if (err instanceof JwtAuthorizerError) throw err;
    throw new JwtAuthorizerError('discovery', `cannot read ${discoveryUrl}: ${(err as Error).message}`, err);
  }
  const d = (doc ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
  // "the issuer's OIDC discovery document must name this exact issuer" (API reference, JwtIssuerInput).
  if (d.issuer !== issuer) {
    throw new JwtAuthorizerError('discovery', `discovery names issuer ${String(d.issuer)}, not ${issuer}`);
  }
  if (typeof d.jwks_uri !== 'string') throw new JwtAuthorizerError('discovery', 'discovery has no jwks_uri');
  const jwksUri = d.jwks_uri;

  const load = async () => importKeys(await fetchJson(jwksUri, 'jwks', io));
  let keys: Map<string, KeyObject>;
  try {
    keys = await load();
  } catch (err) {
    if (err instanceof JwtAuthorizerError) throw err;
    throw new JwtAuthorizerError('jwks', `cannot read ${jwksUri}: ${(err as Error).message}`, err);
  }
  let fetchedAt = now();
  let lastUnknownKidFetch = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;
  const stats = { allowed: 0, unauthorized: 0, forbidden: 0, jwksRefetches: 0 };

  const refetch = () => {
    inFlight ??= load()
      .then((k) => {
        keys = k;
        fetchedAt = now();
      })
      .catch(() => {
        // Behaviour with the key set down is undocumented: the cached keys stay until they expire.
      })
      .finally(() => {
        stats.jwksRefetches++;
        inFlight = undefined;
      });
    return inFlight;
  };

  const keyFor = async (kid: string): Promise<KeyObject | undefined> => {
    if (now() - fetchedAt >= keyCacheMs) {
      await refetch();
      // Past the cache lifetime with no fresh copy, no key is trusted.
      if (now() - fetchedAt >= keyCacheMs) return undefined;
    }
    const key = keys.get(kid);
    if (key || now() - lastUnknownKidFetch < UNKNOWN_KID_REFETCH_MS) return key;
    // "When API Gateway receives a token signed with a key it hasn't seen, it retrieves the key set again."
    lastUnknownKidFetch = now();
    await refetch();
    return keys.get(kid);
  };

  const reject = (description: string): JwtAuthorizerOutcome => {
    stats.unauthorized++;
    return { kind: 'unauthorized', wwwAuthenticate: invalidToken(description) };
  };

  return {
    issuer,
    jwksUri,
    stats,
    async authorize(headers, methodScopes) {
      const raw = headers[headerName];
      const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
      if (!value) return reject('the token is missing');
      // The identity source may hold the token alone or prefixed with `Bearer ` (AWS, HTTP API JWT authorizer).
      const token = value.startsWith('Bearer ') ? value.slice(7) : value;
      let header: ReturnType<typeof decodeProtectedHeader>;
      try {
        header = decodeProtectedHeader(token);
      } catch {
        return reject('the token is malformed');
      }
      if (typeof header.alg !== 'string' || !(algorithms as readonly string[]).includes(header.alg)) {
        return reject('the token is signed with an algorithm that is not allowed');
      }
      if (typeof header.kid !== 'string') return reject('the token has no kid');
      const key = await keyFor(header.kid);
      if (!key) return reject('the token is signed with an unknown key');
      let claims: Record<string, unknown>;
      try {
        const { payload } = await compactVerify(token, key, { algorithms: [header.alg] });
        const parsedClaims: unknown = JSON.parse(new TextDecoder().decode(payload));
        if (typeof parsedClaims !== 'object' || parsedClaims === null || Array.isArray(parsedClaims)) {
          return reject('the token claims are not a JSON object');
        }
        claims = parsedClaims as Record<string, unknown>;
      } catch {
        return reject('the token signature is invalid');
      }
      if (claims.iss !== issuer) return reject('the token does not have a valid issuer');
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!aud.some((a) => typeof a === 'string' && audiences.has(a))) {
        return reject('the token does not have a valid audience');
      }
      const nowSec = now() / 1000;
      if (typeof claims.exp !== 'number' || claims.exp <= nowSec) return reject('the token has expired');
      if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > nowSec)) {
        return reject('the token is not valid yet');
      }
      if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat > nowSec)) {
        return reject('the token was issued in the future');
      }
      for (const rule of additionalClaims) {
        const value = claims[rule.claimName];
        if (value === undefined) {
          if (rule.required) return reject(`the token has no ${rule.claimName} claim`);
          continue;
        }
        // SINGLE_STRING: one JSON string; an empty string is one (AWS documents nothing stricter).
        if (typeof value !== 'string' || (rule.expectedValues && !rule.expectedValues.includes(value))) {
          return reject(`the token has an invalid ${rule.claimName} claim`);
        }
      }
      if (methodScopes.length > 0) {
        const held = tokenScopes(claims);
        if (!methodScopes.some((s) => held.has(s))) {
          stats.forbidden++;
          return { kind: 'forbidden', wwwAuthenticate: insufficientScope(methodScopes) };
        }
      }
      stats.allowed++;
      return { kind: 'allow', authorizer: { claims } };
    },
  };
}
