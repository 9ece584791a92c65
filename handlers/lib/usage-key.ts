// The authorizer's usageIdentifierKey: the API key of the usage plan of the token's tier (core/usage-tiers.ts).
// With apiKeySource AUTHORIZER, API Gateway throttles the request by the plan holding this key
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html; the answer's
// shape: api-gateway-lambda-authorizer-output.html).
import type { AccessTokenClaims } from '../../core/jwt/types.js';
import { DEFAULT_TIER, TIER_CLAIM } from '../../core/usage-tiers.js';

/**
 * Maps verified claims to the key. A token without a tier, or with a tier this API has no plan for (a tier
 * declared after the token was minted, or removed), gets the default tier's key: it is served, under the
 * default plan, never unthrottled.
 */
export function createUsageKeyOf(keys: ReadonlyMap<string, string>): (claims: AccessTokenClaims) => string {
  const fallback = keys.get(DEFAULT_TIER);
  if (fallback === undefined) throw new Error(`usage keys must include the ${DEFAULT_TIER} tier`);
  return (claims) => {
    const tier = (claims as Readonly<Record<string, unknown>>)[TIER_CLAIM];
    return (typeof tier === 'string' ? keys.get(tier) : undefined) ?? fallback;
  };
}
