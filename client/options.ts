// What createTokenSource takes, checked once when the source is made (nothing touches the network then), and
// the defaults: a token is used until `exp` minus the skew, and refreshed in the background ahead of that.
import type { webcrypto } from 'node:crypto';
import { resourceProblem } from '../core/issuer/clients/resource-indicator.js';
import { SCOPE_TOKEN } from '../core/scope-token.js';
import { TokenSourceError } from './errors.js';

/** A private key for `private_key_jwt` (RFC 7523 §2.2): a WebCrypto key, with the `kid` the issuer knows it by. */
export type ClientPrivateKey =
  | webcrypto.CryptoKey
  | { readonly key: webcrypto.CryptoKey; readonly kid?: string };

/** What {@link createTokenSource} takes: where the issuer is, the client's credentials, and the cache's timing. */
export interface TokenSourceOptions {
  /**
   * The issuer identifier (e.g. the auth API's stage URL). Without `tokenEndpoint`, the token endpoint is
   * read once from its discovery document (`{issuer}/.well-known/openid-configuration`); with
   * `privateKey`, it is also the client assertion's audience (RFC 7523 §3).
   */
  readonly issuer?: string | URL;
  /** The token endpoint, when it is known: no discovery request is made. */
  readonly tokenEndpoint?: string | URL;
  /** The client's id, as `keygate clients create` printed it. */
  readonly clientId: string;
  /** `client_secret_basic` (RFC 6749 §2.3.1). Exactly one of clientSecret and privateKey. */
  readonly clientSecret?: string;
  /** `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9). Needs `issuer`. */
  readonly privateKey?: ClientPrivateKey;
  /** Scopes to ask for (RFC 6749 §3.3); omitted asks for the client's default scopes. */
  readonly scope?: string | readonly string[];
  /** The API the token is for (RFC 8707 §2), when the issuer serves several. */
  readonly resource?: string;
  /** A token counts as expired this many seconds before its expiry (clock skew, time in flight). Default 30. */
  readonly expirySkewSeconds?: number;
  /** A call this many seconds before that point starts a background refresh. Default 60. */
  readonly refreshAheadSeconds?: number;
  /** Attempts per token request, including the first (429, 503, 5xx and network errors retry). Default 4. */
  readonly maxAttempts?: number;
  /** A Retry-After longer than this fails the request at once instead of waiting. Default 30. */
  readonly maxRetryDelaySeconds?: number;
  /**
   * Allow plain-HTTP issuer URLs. Default: only for loopback hosts (the local stack); anything else must be
   * HTTPS, since the client's credentials go in the request.
   */
  readonly allowInsecureRequests?: boolean;
  /** The fetch used for token and API requests. Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Milliseconds since the epoch. Default: Date.now. */
  readonly now?: () => number;
  /** Waits between attempts. Default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1) for backoff jitter. Default: Math.random. */
  readonly random?: () => number;
}

/** The options with every default applied and every URL parsed. */
export interface SourceSettings {
  readonly issuer: URL | undefined;
  readonly tokenEndpoint: URL | undefined;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly privateKey: ClientPrivateKey | undefined;
  readonly scope: string | undefined;
  readonly resource: string | undefined;
  readonly expirySkewMs: number;
  readonly refreshAheadMs: number;
  readonly maxAttempts: number;
  readonly maxRetryDelayMs: number;
  readonly allowInsecureRequests: boolean;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

/** The defaults of {@link TokenSourceOptions}' timing options (seconds, and attempts). */
export const TOKEN_SOURCE_DEFAULTS = {
  expirySkewSeconds: 30,
  refreshAheadSeconds: 60,
  maxAttempts: 4,
  maxRetryDelaySeconds: 30,
} as const;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function invalid(message: string): TokenSourceError {
  return new TokenSourceError('config_invalid', message);
}

function url(name: string, value: string | URL | undefined): URL | undefined {
  if (value === undefined) return undefined;
  try {
    return new URL(value);
  } catch (cause) {
    throw new TokenSourceError('config_invalid', `${name} is not a URL: ${String(value)}`, {}, { cause });
  }
}

function seconds(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < min)
    throw invalid(`${name} must be a number >= ${min}, got ${String(value)}`);
  return v * 1000;
}

function scopeString(scope: string | readonly string[] | undefined): string | undefined {
  if (scope === undefined) return undefined;
  const joined = typeof scope === 'string' ? scope.trim() : scope.join(' ');
  // RFC 6749 §3.3: scope-tokens are %x21 / %x23-5B / %x5D-7E, separated by single spaces.
  if (joined === '' || joined.split(' ').some((t) => !SCOPE_TOKEN.test(t))) {
    throw invalid(`scope must be space-separated RFC 6749 §3.3 scope tokens, got ${JSON.stringify(joined)}`);
  }
  return joined;
}

/** RFC 8707 §2: an absolute URI without a fragment, sent as given (the issuer compares it verbatim). */
function resourceIndicator(resource: string | undefined): string | undefined {
  if (resource === undefined) return undefined;
  // The issuer's own rule: a value it would refuse as invalid_target is refused here, before any request.
  const problem = resourceProblem(resource);
  if (problem !== undefined)
    throw invalid(`resource must be an absolute URI without a fragment (RFC 8707 §2): ${problem}`);
  return resource;
}

export function resolveOptions(options: TokenSourceOptions): SourceSettings {
  if (typeof options?.clientId !== 'string' || options.clientId === '') throw invalid('clientId is required');
  const hasSecret = options.clientSecret !== undefined;
  if (hasSecret === (options.privateKey !== undefined)) {
    throw invalid('give exactly one of clientSecret (client_secret_basic) and privateKey (private_key_jwt)');
  }
  if (hasSecret && (typeof options.clientSecret !== 'string' || options.clientSecret === '')) {
    throw invalid('clientSecret must be a non-empty string');
  }
  const issuer = url('issuer', options.issuer);
  const tokenEndpoint = url('tokenEndpoint', options.tokenEndpoint);
  if (issuer === undefined && tokenEndpoint === undefined) throw invalid('give issuer or tokenEndpoint');
  if (options.privateKey !== undefined && issuer === undefined) {
    throw invalid('privateKey needs issuer: it is the client assertion audience (RFC 7523 §3)');
  }
  const allowInsecureRequests =
    options.allowInsecureRequests ??
    [issuer, tokenEndpoint].every(
      (u) => u === undefined || u.protocol === 'https:' || LOOPBACK.has(u.hostname),
    );
  for (const u of [issuer, tokenEndpoint]) {
    if (u !== undefined && u.protocol !== 'https:' && !(u.protocol === 'http:' && allowInsecureRequests)) {
      throw invalid(`${u.href} must use https (allowInsecureRequests: true permits http)`);
    }
  }
  const maxAttempts = options.maxAttempts ?? TOKEN_SOURCE_DEFAULTS.maxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw invalid(`maxAttempts must be an integer >= 1`);
  return {
    issuer,
    tokenEndpoint,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    privateKey: options.privateKey,
    scope: scopeString(options.scope),
    resource: resourceIndicator(options.resource),
    expirySkewMs: seconds(
      'expirySkewSeconds',
      options.expirySkewSeconds,
      TOKEN_SOURCE_DEFAULTS.expirySkewSeconds,
      0,
    ),
    refreshAheadMs: seconds(
      'refreshAheadSeconds',
      options.refreshAheadSeconds,
      TOKEN_SOURCE_DEFAULTS.refreshAheadSeconds,
      0,
    ),
    maxAttempts,
    maxRetryDelayMs: seconds(
      'maxRetryDelaySeconds',
      options.maxRetryDelaySeconds,
      TOKEN_SOURCE_DEFAULTS.maxRetryDelaySeconds,
      0,
    ),
    allowInsecureRequests,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    now: options.now ?? Date.now,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: options.random ?? Math.random,
  };
}
