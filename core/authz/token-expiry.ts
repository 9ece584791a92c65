// The expiry check for integrations behind the TOKEN authorizer. API Gateway reuses a cached Allow for the
// whole result-cache TTL whatever the token's `exp` (docs/token-lifetime.md), so a backend that must not
// serve an expired token re-checks the `exp` the authorizer put in its context (stringified by API
// Gateway). RFC 7519 §4.1.4: not accepted on or after `exp`; RFC 8725 §3.10 allows a small leeway.
import { type IntBounds, int } from '../config.js';

/** The clock leeway (seconds) of the authorizer and every integration: one definition, one default. */
export const CLOCK_LEEWAY_SECONDS_BOUNDS: IntBounds = { default: 0, min: 0, max: 300 };

/** CLOCK_LEEWAY_SECONDS as the integrations read it. */
export const clockLeewaySecondsField = int(CLOCK_LEEWAY_SECONDS_BOUNDS);

export type ContextTokenState = 'active' | 'expired' | 'missing';

/**
 * `authorizerContext` is `requestContext.authorizer`: a TOKEN authorizer's context, or `{ claims }`.
 * `active` while `nowMs` is before `exp + leewaySeconds`; `expired` from then on; `missing` when the
 * context has no numeric `exp` (the integration is not wired behind keygate's authorizer: refuse too).
 */
export function contextTokenState(
  authorizerContext: unknown,
  nowMs: number,
  leewaySeconds: number,
): ContextTokenState {
  if (typeof authorizerContext !== 'object' || authorizerContext === null) return 'missing';
  // API Gateway's native JWT authorizer passes the token's claims under `claims` instead (AWS, "Pass JWT
  // claims to your integration").
  const claims = (authorizerContext as { claims?: unknown }).claims;
  const source = typeof claims === 'object' && claims !== null ? claims : authorizerContext;
  const raw = (source as { exp?: unknown }).exp;
  const exp =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,12}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(exp)) return 'missing';
  return nowMs < (exp + leewaySeconds) * 1000 ? 'active' : 'expired';
}
