// Client claims: a few static claims an admin gives a client (e.g. tenant=acme), minted into its tokens and
// passed by the authorizer to the integration. The naming contract shared by the issuer's rules, the
// authorizer's context, the CDK request-parameter mapping and the local gateway's headers. No imports.

/** A client claim's name: lower-case letters, digits and `_`, a letter first, at most 32 characters. */
export const CLIENT_CLAIM_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/**
 * Names a client claim may never take: the JWT registered claims (RFC 7519 §4.1), the access-token claims of
 * RFC 9068 §2.2 (`client_id`, `scope`, `auth_time`, `acr`, `amr`, and the §2.2.3.1 authorization attributes
 * `groups`, `roles`, `entitlements`), other protocol claims a verifier may act on (`cnf` RFC 7800, `act` and
 * `may_act` RFC 8693, `azp`, `nonce`, `sid` OpenID Connect Core 1.0 §2 and Front-Channel Logout,
 * `sub_id` RFC 9493), and keygate's `tier`.
 */
export const REGISTERED_CLAIM_NAMES: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'client_id',
  'scope',
  'auth_time',
  'acr',
  'amr',
  'groups',
  'roles',
  'entitlements',
  'cnf',
  'act',
  'may_act',
  'azp',
  'nonce',
  'sid',
  'sub_id',
  // keygate's own: the client's usage tier (core/usage-tiers.ts TIER_CLAIM), set by `clients --tier` only.
  'tier',
]);

/** Whether a token claim is a client claim: an allowed name and a string value. */
export const isClientClaim = (name: string, value: unknown): value is string =>
  typeof value === 'string' && CLIENT_CLAIM_NAME.test(name) && !REGISTERED_CLAIM_NAMES.has(name);

/** Prefix of a client claim's authorizer context key (`claim_tenant`): apart from keygate's own keys. */
export const CLAIM_CONTEXT_PREFIX = 'claim_';
export const claimContextKey = (name: string): string => `${CLAIM_CONTEXT_PREFIX}${name}`;

/** Prefix of the request headers that carry client claims to an HTTP backend. */
export const CLAIM_HEADER_PREFIX = 'X-Keygate-Claim-';

/**
 * The header of a client claim: `tenant` -> `X-Keygate-Claim-Tenant`, `plan_id` -> `X-Keygate-Claim-Plan-Id`
 * (`_` becomes `-`: many proxies drop header names with underscores). One-to-one, since names are lower case.
 */
export const claimHeaderName = (name: string): string =>
  `${CLAIM_HEADER_PREFIX}${name
    .split('_')
    .map((part) => (part ? part[0]!.toUpperCase() + part.slice(1) : part))
    .join('-')}`;
