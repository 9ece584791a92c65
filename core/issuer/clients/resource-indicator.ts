// RFC 8707 resource indicators: one issuer, several audiences. The rules for a `resource` value, for a
// client's allowed resources, and which `aud` a token request gets (one per client-credentials token).
import { IssuerError, RegistryError } from '../errors.js';
import type { ClientRecord } from '../types.js';

/** Longest resource URI accepted, in a token request or a client's registration. */
export const MAX_RESOURCE_LENGTH = 512;
/** Resources one client may be allowed: enough for a client of several APIs, and a bounded item. */
export const MAX_CLIENT_RESOURCES = 10;

/**
 * RFC 8707 §2: a resource is an absolute URI without a fragment. Checked without normalising: the value
 * becomes `aud` exactly as given, and verifiers compare `aud` as an exact string (RFC 7519 §4.1.3).
 * Undefined when it is fine, else what is wrong.
 */
export function resourceProblem(value: string): string | undefined {
  if (value.length > MAX_RESOURCE_LENGTH) return `longer than ${MAX_RESOURCE_LENGTH} characters`;
  // Printable ASCII only (RFC 3986 §2): no spaces, controls or raw non-ASCII.
  if (!/^[\x21-\x7e]+$/.test(value)) return 'not a URI';
  if (value.includes('#')) return 'a URI with a fragment';
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) || !URL.canParse(value)) return 'not an absolute URI';
  return undefined;
}

/** A client's allowed resources and the one its tokens get when a request names none. */
export interface ClientResources {
  readonly resources: readonly string[];
  readonly defaultResource: string;
}

/**
 * The resources a client is registered with: valid RFC 8707 URIs, deduplicated in the given order, 1 to
 * MAX_CLIENT_RESOURCES; the default is one of them (the first when not given).
 */
export function normalizeResources(resources: readonly string[], defaultResource?: string): ClientResources {
  const list = [...new Set(resources.flatMap((r) => r.split(/[\s,]+/)).filter(Boolean))];
  if (list.length === 0 || list.length > MAX_CLIENT_RESOURCES)
    throw new RegistryError('invalid_resource', `a client needs 1-${MAX_CLIENT_RESOURCES} resources`);
  for (const r of list) {
    const problem = resourceProblem(r);
    if (problem !== undefined)
      throw new RegistryError(
        'invalid_resource',
        `resource ${JSON.stringify(r.slice(0, 80))} is ${problem} (RFC 8707: an absolute URI without a fragment)`,
      );
  }
  const chosen = defaultResource ?? list[0]!;
  if (!list.includes(chosen))
    throw new RegistryError(
      'invalid_resource',
      `default resource ${JSON.stringify(chosen.slice(0, 80))} is not one of the client's resources`,
    );
  return { resources: list, defaultResource: chosen };
}

/** The audiences one issuer serves; the first is the default of clients registered without resources. */
export interface IssuerAudiences {
  readonly default: string;
  readonly served: ReadonlySet<string>;
}

export function issuerAudiences(defaultAudience: string, more: readonly string[] = []): IssuerAudiences {
  return { default: defaultAudience, served: new Set([defaultAudience, ...more]) };
}

/**
 * The token's `aud` (RFC 8707 §2): the requested resource, else the client's default. It must be one the
 * client is allowed (a client without resources: the issuer's default audience) AND one this issuer
 * serves, so a stale or hand-edited record cannot mint for an API the operator has not put behind it.
 * Both refusals read the same, so a client cannot probe which APIs the issuer serves.
 */
export function audienceFor(
  record: Pick<ClientRecord, 'resources' | 'defaultResource'>,
  requested: string | undefined,
  audiences: IssuerAudiences,
): string {
  const allowed = record.resources ?? [audiences.default];
  const audience = requested ?? record.defaultResource ?? allowed[0] ?? audiences.default;
  if (!allowed.includes(audience) || !audiences.served.has(audience))
    throw new IssuerError(
      'invalid_target',
      requested === undefined
        ? "the client's default resource is not served by this issuer"
        : 'the requested resource is not allowed for this client',
    );
  return audience;
}
