// The authorizer context entries of a token's client claims (core/client-claims.ts): `claim_<name>` for each
// one, and '' for each name the deployment maps to a header (CONTEXT_CLAIMS), so that mapping always has a
// value to set. Memoized per verified claims object: a repeated token (the token cache hands back the same
// frozen object) costs one WeakMap lookup.
import {
  CLIENT_CLAIM_NAME,
  claimContextKey,
  isClientClaim,
  REGISTERED_CLAIM_NAMES,
} from '../../core/client-claims.js';
import type { AccessTokenClaims } from '../../core/jwt/types.js';

export type ClaimContext = Readonly<Record<string, string>>;
const NONE: ClaimContext = Object.freeze({});

/** Throws TypeError at init for a name no client claim can have. */
export function createClaimContext(
  alwaysPresent: readonly string[],
): (claims: AccessTokenClaims) => ClaimContext {
  for (const name of alwaysPresent) {
    if (!CLIENT_CLAIM_NAME.test(name) || REGISTERED_CLAIM_NAMES.has(name))
      throw new TypeError(`CONTEXT_CLAIMS: ${JSON.stringify(name)} is not a client claim name`);
  }
  const base: Record<string, string> = {};
  for (const name of alwaysPresent) base[claimContextKey(name)] = '';
  const memo = new WeakMap<AccessTokenClaims, ClaimContext>();
  return (claims) => {
    let context = memo.get(claims);
    if (context === undefined) {
      const built: Record<string, string> = { ...base };
      let found = alwaysPresent.length > 0;
      for (const name in claims) {
        const value = claims[name];
        if (isClientClaim(name, value)) {
          built[claimContextKey(name)] = value;
          found = true;
        }
      }
      context = found ? Object.freeze(built) : NONE;
      memo.set(claims, context);
    }
    return context;
  };
}
