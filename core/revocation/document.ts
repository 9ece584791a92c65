// The revocation document the auth API serves (GET /revocations) and the authorizer loads: which clients'
// tokens, and which single tokens (`revoked_jti`, RFC 7009), to refuse although their signature and exp are fine. RFC 9068 tokens cannot be revoked at the
// issuer, so the resource side needs this list; it stays small because an entry only matters for the
// longest token lifetime after the revocation (disabled clients stay listed while disabled).
// Types only: the authorizer package must not load the registry (and the AWS SDK) at run time.
import type { Revocation } from '../issuer/clients/client-registry.js';
import { PUBLISH_LATENCY_BUDGET_SECONDS } from '../publish/served-documents.js';

/** How long HTTP caches may keep the list (and the local stack's handler reuses one Scan). */
export const DEFAULT_REVOCATIONS_MAX_AGE_SECONDS = 5;
/** How old the authorizer's copy may be before a call waits for a fresh one. */
export const DEFAULT_REVOCATIONS_REFRESH_SECONDS = 10;
/** Longest the authorizer keeps deciding on an old copy while the endpoint fails; then it answers 500. */
export const DEFAULT_REVOCATIONS_MAX_STALE_SECONDS = 300;
/** The document is refused beyond this many bytes (bounded download, like the JWKS). */
export const MAX_REVOCATIONS_BYTES = 1_000_000;

/**
 * Seconds after a revocation by which every authorizer decides with it: how late the served list follows
 * the change (on AWS the publisher's latency budget; the local stack's revocations handler reuses a list
 * for REVOCATIONS_MAX_AGE_SECONDS, less than that), the authorizer's refresh interval and a second for clock
 * granularity. `clients revoke` waits this long, then flushes the gateway's authorizer cache
 * (docs/token-lifetime.md).
 */
export function revocationPropagationSeconds(
  servedListLagSeconds = PUBLISH_LATENCY_BUDGET_SECONDS,
  refreshSeconds = DEFAULT_REVOCATIONS_REFRESH_SECONDS,
): number {
  return servedListLagSeconds + refreshSeconds + 1;
}

/**
 * JSON shape: `disabled` clients lose every token; `revoked_at[id]` refuses tokens with iat <= it;
 * `revoked_jti` lists the jtis of single tokens their clients revoked (RFC 7009), each until the token has
 * expired. A sorted array of strings, not an object keyed by jti: with 10,000 entries JSON.parse of an
 * object took 13 ms and the index 15 ms more, an array 1.7 ms + 4 ms (bench/suites/revocations.ts).
 * Authorizers that predate `revoked_jti` ignore it.
 */
export interface RevocationDocument {
  readonly disabled: readonly string[];
  readonly revoked_at: Readonly<Record<string, number>>;
  readonly revoked_jti?: readonly string[];
}

/**
 * Most single revoked tokens one client keeps in the document (25 bytes each). Past it, the client's
 * revoked tokens become a `revoked_at` cutoff at the newest one's iat: every token of that client issued up
 * to then is refused, the revoked ones included, and one client's revocations cannot push the document past
 * MAX_REVOCATIONS_BYTES for everybody. 1,000 is far above what a client revokes in a token lifetime honestly.
 */
export const MAX_REVOKED_TOKENS_PER_CLIENT = 1000;

export function toRevocationDocument(revocations: readonly Revocation[]): RevocationDocument {
  const disabled: string[] = [];
  const revokedAt: Record<string, number> = {};
  const tokensByClient = new Map<string, { jtis: string[]; cutoff: number }>();
  for (const r of revocations) {
    if ('jti' in r) {
      const entry = tokensByClient.get(r.clientId) ?? { jtis: [], cutoff: 0 };
      entry.jtis.push(r.jti);
      // Without an iat the exp bounds it from above (iat <= exp): the cutoff still covers the token.
      entry.cutoff = Math.max(entry.cutoff, r.iat ?? r.exp);
      tokensByClient.set(r.clientId, entry);
    } else if (r.all) disabled.push(r.clientId);
    else revokedAt[r.clientId] = r.revokedAt;
  }
  const revokedJti: string[] = [];
  for (const [clientId, { jtis, cutoff }] of tokensByClient) {
    if (jtis.length <= MAX_REVOKED_TOKENS_PER_CLIENT) revokedJti.push(...jtis);
    else revokedAt[clientId] = Math.max(revokedAt[clientId] ?? 0, cutoff);
  }
  disabled.sort();
  // Sorted: the same revocations always make the same bytes (and ETag).
  revokedJti.sort();
  return { disabled, revoked_at: revokedAt, ...(revokedJti.length > 0 ? { revoked_jti: revokedJti } : {}) };
}

/** The revoked token ids of a (parsed) revocation document; absent member: none. Throws TypeError when malformed. */
export function parseRevokedJtis(value: unknown): Set<string> {
  const member = (value as { revoked_jti?: unknown } | null)?.revoked_jti;
  if (member === undefined) return new Set();
  if (!Array.isArray(member) || !member.every((j) => typeof j === 'string'))
    throw new TypeError('revocation document: "revoked_jti" must be an array of token ids');
  return new Set(member as string[]);
}

/** client_id -> tokens with iat <= value are revoked (+Infinity: all). Throws TypeError when malformed. */
export function parseRevocationDocument(value: unknown): Map<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('revocation document is not a JSON object');
  }
  const { disabled, revoked_at: revokedAt } = value as { disabled?: unknown; revoked_at?: unknown };
  if (!Array.isArray(disabled) || !disabled.every((d) => typeof d === 'string')) {
    throw new TypeError('revocation document: "disabled" must be an array of client ids');
  }
  if (typeof revokedAt !== 'object' || revokedAt === null || Array.isArray(revokedAt)) {
    throw new TypeError('revocation document: "revoked_at" must be an object');
  }
  const out = new Map<string, number>();
  for (const [id, at] of Object.entries(revokedAt)) {
    if (typeof at !== 'number' || !Number.isSafeInteger(at)) {
      throw new TypeError('revocation document: "revoked_at" values must be integers (epoch seconds)');
    }
    out.set(id, at);
  }
  for (const id of disabled as string[]) out.set(id, Number.POSITIVE_INFINITY);
  return out;
}
