// How long each rotation step waits, computed from the deployed cache and lifetime settings, so a
// shorter token lifetime or JWKS max age shortens the rotation and a longer one can never be outrun.
// RFC 7517 §5 key sets + RFC 9068 tokens: a verifier must hold a key before the first token it signs
// arrives, and keep it until the last token it signed has expired.

export interface RotationSettings {
  /** Cache-Control max-age of the JWKS response (JWKS Lambda JWKS_MAX_AGE_SECONDS). */
  readonly jwksMaxAgeSeconds: number;
  /** The authorizer's soft refresh age of its JWKS copy (authorizer JWKS_MAX_AGE_SECONDS). */
  readonly authorizerJwksMaxAgeSeconds: number;
  /** The authorizer's unknown-kid refetch cooldown (JWKS_REFETCH_COOLDOWN_SECONDS). */
  readonly authorizerRefetchCooldownSeconds: number;
  /** Upper bound on any token's lifetime (TOKEN_MAX_LIFETIME_SECONDS). */
  readonly maxTokenLifetimeSeconds: number;
  /** The authorizer's `exp` leeway (CLOCK_LEEWAY_SECONDS). */
  readonly clockLeewaySeconds: number;
  /** How long the token and JWKS Lambdas trust their read of the key state (KEY_STATE_CACHE_SECONDS). */
  readonly keyStateCacheSeconds: number;
  /**
   * How long a new key's tags take to reach KMS authorization ("up to five minutes", AWS KMS Developer
   * Guide, "ABAC for AWS KMS"): the Lambdas may use rotated keys by tag, so no one touches the key sooner.
   */
  readonly keyTagPropagationSeconds: number;
  /** Added to every wait: clock differences between Lambdas, a JWKS fetch in flight. */
  readonly marginSeconds: number;
}

export interface RotationWaits {
  /** After creating the new key, before publishing it. */
  readonly createSeconds: number;
  /** After publishing the new key, before signing with it. */
  readonly publishSeconds: number;
  /** After switching signing, before unpublishing the old key. */
  readonly retireSeconds: number;
  /** After unpublishing the old key, before disabling it. */
  readonly disableSeconds: number;
}

/**
 * - create: the new key's tag reaches KMS authorization, so the JWKS Lambdas can read its public key.
 * - publish: every JWKS Lambda reads the new state (key-state cache), then every verifier's copy of the
 *   old document ages out: HTTP caches by Cache-Control max-age (RFC 9111 §4.2), the authorizer by its
 *   soft max age plus one refetch cooldown (a refresh that failed is retried no sooner).
 * - retire: every token Lambda reads the switch (key-state cache), then the last token signed with the
 *   old key expires (max lifetime plus the verifiers' leeway). The authorizer's result-cache TTL does not
 *   enter: a cached policy is reused without the token being verified again, so it needs no key.
 * - disable: every JWKS Lambda reads the unpublish, so none builds a document with the old key again.
 */
export function rotationWaits(s: RotationSettings): RotationWaits {
  for (const [name, value] of Object.entries(s)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`${name} must be a whole number ≥ 0`);
  }
  return {
    createSeconds: s.keyTagPropagationSeconds,
    publishSeconds:
      s.keyStateCacheSeconds +
      Math.max(s.jwksMaxAgeSeconds, s.authorizerJwksMaxAgeSeconds + s.authorizerRefetchCooldownSeconds) +
      s.marginSeconds,
    retireSeconds:
      s.keyStateCacheSeconds + s.maxTokenLifetimeSeconds + s.clockLeewaySeconds + s.marginSeconds,
    disableSeconds: s.keyStateCacheSeconds + s.marginSeconds,
  };
}
