// The deployment contract between the TOKEN authorizer, the CDK constructs and the local gateway: the env
// names the authorizer reads, the result-cache TTL, the identity validation expression, the gateway
// response headers, the context headers forwarded to HTTP backends and the authorizer's cache defaults.
// Each fact is defined here once; plain constants, no imports, so any layer (and any bundle) can read them.

/** Environment names of the authorizer Lambda's required settings and its route file. */
export const AUTHORIZER_ENV = {
  issuer: 'ISSUER',
  audience: 'AUDIENCE',
  jwksUri: 'JWKS_URI',
  /**
   * The issuer's revocation list. Unset: `{ISSUER}/revocations` (defaultRevocationsUri), where keygate's
   * issuer serves it; REVOCATIONS_OFF turns revocation checks off (tokens then live until exp).
   */
  revocationsUri: 'REVOCATIONS_URI',
  /** Route table file, relative to the bundle's directory (the KeygateAuthorizer asset ships it). */
  routesFile: 'ROUTES_FILE',
} as const;

/** REVOCATIONS_URI's explicit opt-out: no revocation checks at all. */
export const REVOCATIONS_OFF = 'none';

/** Where keygate's auth API serves the revocation list, below the issuer URL (its AUTH_ROUTES). */
export const REVOCATIONS_PATH = '/revocations';

/** The RFC 7009 revocation endpoint below the issuer URL (clients revoke their own tokens there). */
export const REVOCATION_ENDPOINT_PATH = '/oauth2/revoke';

/** The RFC 7662 introspection endpoint below the issuer URL (resource servers outside API Gateway). */
export const INTROSPECTION_ENDPOINT_PATH = '/oauth2/introspect';

/**
 * The revocation list of a keygate issuer, derived from the issuer URL with no request (a discovery lookup
 * would put a round trip before the authorizer's first download at every cold start).
 */
export function defaultRevocationsUri(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}${REVOCATIONS_PATH}`;
}

/** The env entry for a `revocationsUri` option: none when unset (derived), REVOCATIONS_OFF for `false`. */
export function revocationsUriEnv(uri: string | false | undefined): Record<string, string> {
  return uri === undefined ? {} : { [AUTHORIZER_ENV.revocationsUri]: uri === false ? REVOCATIONS_OFF : uri };
}

/** The route file's name inside the authorizer's asset, next to index.mjs. */
export const ROUTES_FILE_NAME = 'routes.json';

/** Optional tuning knobs of the authorizer: each option's env name (defaults live in the handler's spec). */
export interface AuthorizerTuning {
  /** Allowed clock skew for exp/nbf/iat (RFC 7519 §4.1.4). @default 0 */
  readonly clockLeewaySeconds?: number;
  /** Verified-token cache entries per environment; 0 disables. @default 10000 */
  readonly tokenCacheSize?: number;
  /** Longest time a verified token stays cached (it never outlives its exp). @default 3600 */
  readonly tokenCacheMaxTtlSeconds?: number;
  /** Memoized policies per environment. @default 1000 */
  readonly policyCacheSize?: number;
  /** JWKS download time limit. @default 1500 */
  readonly jwksFetchTimeoutMs?: number;
  /** How long fetched keys are used before a refresh. @default 600 */
  readonly jwksMaxAgeSeconds?: number;
  /** Least time between two JWKS fetches caused by unknown kids. @default 30 */
  readonly jwksRefetchCooldownSeconds?: number;
  /** How often aggregated decision metrics are published as EMF (0: every call). @default 60 */
  readonly metricsFlushIntervalSeconds?: number;
  /** Largest age of the revocation list a decision may use (part of the revocation bound). @default 10 */
  readonly revocationsRefreshSeconds?: number;
  /**
   * While the revocation list cannot be loaded, the last one decides this long; then every decision fails
   * closed (500) rather than ignore revocations. @default 300
   */
  readonly revocationsMaxStaleSeconds?: number;
  /**
   * Client claims (core/client-claims.ts) always in the context as `claim_<name>`, '' for a token without
   * one, so an integration's request-parameter mapping to `X-Keygate-Claim-<Name>` always has a value to
   * set (docs/tenants.md#client-claims). Every client claim a token has is in the context either way.
   * @default none
   */
  readonly contextClaims?: readonly string[];
}

export const AUTHORIZER_TUNING_ENV = {
  clockLeewaySeconds: 'CLOCK_LEEWAY_SECONDS',
  tokenCacheSize: 'TOKEN_CACHE_SIZE',
  tokenCacheMaxTtlSeconds: 'TOKEN_CACHE_MAX_TTL_SECONDS',
  policyCacheSize: 'POLICY_CACHE_SIZE',
  jwksFetchTimeoutMs: 'JWKS_FETCH_TIMEOUT_MS',
  jwksMaxAgeSeconds: 'JWKS_MAX_AGE_SECONDS',
  jwksRefetchCooldownSeconds: 'JWKS_REFETCH_COOLDOWN_SECONDS',
  metricsFlushIntervalSeconds: 'METRICS_FLUSH_INTERVAL_SECONDS',
  revocationsRefreshSeconds: 'REVOCATIONS_REFRESH_SECONDS',
  revocationsMaxStaleSeconds: 'REVOCATIONS_MAX_STALE_SECONDS',
  contextClaims: 'CONTEXT_CLAIMS',
} as const satisfies { readonly [K in keyof Required<AuthorizerTuning>]: string };

const TUNING_KEYS = Object.keys(AUTHORIZER_TUNING_ENV).filter((k): k is keyof AuthorizerTuning =>
  Object.hasOwn(AUTHORIZER_TUNING_ENV, k),
);

/** The env entries for the knobs that are set (unset ones keep the handler's defaults). */
export function authorizerTuningEnv(tuning: AuthorizerTuning): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of TUNING_KEYS) {
    const value = tuning[key];
    if (value !== undefined)
      env[AUTHORIZER_TUNING_ENV[key]] = Array.isArray(value) ? value.join(' ') : String(value);
  }
  return env;
}

/**
 * The Node.js major version of the Lambda runtime keygate's functions deploy on (nodejs24.x, the newest
 * aws-cdk-lib knows) and of the esbuild target their prebuilt bundles are built for.
 */
export const LAMBDA_NODE_MAJOR = 24;

/**
 * The one error message a Lambda authorizer throws to make API Gateway answer 401 (its UNAUTHORIZED gateway
 * response) rather than 500 ("Use API Gateway Lambda authorizers", API Gateway Developer Guide).
 */
export const AUTHORIZER_UNAUTHORIZED = 'Unauthorized';

/** API Gateway's authorizer result cache TTL: AWS's default, which keygate keeps (docs/design.md#result-cache). */
export const DEFAULT_RESULTS_CACHE_TTL_SECONDS = 300;

/** The longest result cache TTL API Gateway accepts; 0 disables the cache (docs/design.md#result-cache). */
export const MAX_RESULTS_CACHE_TTL_SECONDS = 3600;

/** Verified tokens the authorizer keeps per container by default (TOKEN_CACHE_SIZE). */
export const TOKEN_CACHE_SIZE = 10_000;

/**
 * identityValidationExpression: `Bearer` and an RFC 6750 §2.1 b64token. A mismatch is a 401 from API
 * Gateway without invoking the authorizer.
 */
export const BEARER_VALIDATION_REGEX = '^Bearer [A-Za-z0-9\\-._~+/]+=*$';

/**
 * RFC 6750 §3 challenges on the resource API's own 401 and 403 (UNAUTHORIZED, ACCESS_DENIED gateway
 * responses): §3 requires the challenge on 401 and defines `insufficient_scope` for 403
 * (docs/design.md#gateway-responses).
 */
export const BEARER_CHALLENGES = {
  UNAUTHORIZED: 'Bearer realm="keygate", error="invalid_token"',
  ACCESS_DENIED: 'Bearer realm="keygate", error="insufficient_scope"',
} as const;

/** The gateway responses' headers carrying those challenges. */
export const GATEWAY_RESPONSE_HEADERS = {
  UNAUTHORIZED: { 'WWW-Authenticate': BEARER_CHALLENGES.UNAUTHORIZED },
  ACCESS_DENIED: { 'WWW-Authenticate': BEARER_CHALLENGES.ACCESS_DENIED },
} as const;

/**
 * Request headers an HTTP integration receives from the authorizer's context (`context.authorizer.<key>`),
 * the same mapping the local gateway's upstream mode applies.
 */
export const CONTEXT_HEADERS = {
  'X-Keygate-Client-Id': 'clientId',
  'X-Keygate-Scope': 'scope',
} as const;

/** The clients table's name where none is given (the admin CLIs, the local stack). */
export const DEFAULT_CLIENTS_TABLE = 'keygate-clients';

/** The alias that names the signing key (KeygateIssuer, the rotation, the keys CLI, the local stack). */
export const DEFAULT_SIGNING_KEY_ALIAS = 'alias/keygate-signing';

/**
 * Request header carrying the resource template API Gateway matched (`context.resourcePath`, e.g.
 * `/items/{id}`) to an HTTP backend, set by the gateway over anything the client sent: the route the
 * authorizer judged, for a backend whose own router could read the path differently (docs/security.md#paths).
 */
export const RESOURCE_PATH_HEADER = 'X-Keygate-Resource-Path';

/**
 * Claims every keygate access token carries as one non-empty string (RFC 9068 §2.2) that API Gateway's native
 * JWT authorizer is configured to require (JwtIssuerInput.additionalClaims, format SINGLE_STRING, required:
 * API Gateway API reference, JwtAdditionalClaim), so a token without them is refused there as well.
 */
export const NATIVE_JWT_REQUIRED_CLAIMS = ['sub', 'client_id'] as const;
