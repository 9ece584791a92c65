// Facts the handlers, the CDK stack and the local stack must agree on, each defined once here and read by
// all of them. Plain constants, no imports: any layer (and any bundle) can read them at no cost.

/** API Gateway's authorizer result cache TTL: AWS's default, which keygate keeps (docs/design.md#result-cache). */
export const RESULTS_CACHE_TTL_SECONDS = 300;

/** The longest result cache TTL API Gateway accepts; 0 disables the cache (docs/design.md#result-cache). */
export const MAX_RESULTS_CACHE_TTL_SECONDS = 3600;

/** Verified tokens the authorizer keeps per container by default (TOKEN_CACHE_SIZE). */
export const TOKEN_CACHE_SIZE = 10_000;

/**
 * The authorizer's identityValidationExpression: an RFC 6750 §2.1 b64token after `Bearer `. A header that
 * does not match is a 401 without invoking the authorizer (docs/design.md#token-authorizer).
 */
export const BEARER_VALIDATION_PATTERN = '^Bearer [A-Za-z0-9\\-._~+/]+=*$';

/** RFC 6750 §3 challenges on the resource API's own 401 and 403 (docs/design.md#gateway-responses). */
export const BEARER_CHALLENGES = {
  UNAUTHORIZED: 'Bearer realm="keygate", error="invalid_token"',
  ACCESS_DENIED: 'Bearer realm="keygate", error="insufficient_scope"',
} as const;
