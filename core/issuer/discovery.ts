// Authorization server metadata (RFC 8414 §2) served at both /.well-known/oauth-authorization-server and
// /.well-known/openid-configuration (OIDC Discovery 1.0 §3), plus the issuer checks both documents rely on.
// Only what keygate does is advertised: keygate is an OAuth 2.0 authorization server for the client
// credentials grant, not an OpenID Provider (no authorization endpoint, no ID tokens), so OpenID-only
// members are left out.
import { INTROSPECTION_ENDPOINT_PATH, REVOCATION_ENDPOINT_PATH } from '../contract.js';
import { isHttpsOrLoopback } from '../net.js';
import { SCOPE_TOKEN } from '../scope-token.js';
import { CLIENT_ASSERTION_ALGS } from './clients/client-jwks.js';

export interface AuthorizationServerMetadata {
  readonly issuer: string;
  readonly token_endpoint: string;
  readonly jwks_uri: string;
  readonly scopes_supported?: readonly string[];
  readonly grant_types_supported: readonly string[];
  readonly token_endpoint_auth_methods_supported: readonly string[];
  readonly token_endpoint_auth_signing_alg_values_supported: readonly string[];
  readonly revocation_endpoint: string;
  readonly revocation_endpoint_auth_methods_supported: readonly string[];
  readonly revocation_endpoint_auth_signing_alg_values_supported: readonly string[];
  readonly introspection_endpoint: string;
  readonly introspection_endpoint_auth_methods_supported: readonly string[];
  readonly introspection_endpoint_auth_signing_alg_values_supported: readonly string[];
  readonly service_documentation?: string;
}

export interface DiscoveryOptions {
  /** Exactly the tokens' `iss`. */
  readonly issuer: string;
  readonly scopes: readonly string[];
  readonly serviceDocumentation?: string;
}

/**
 * RFC 8414 §2: the issuer is an https URL with no query or fragment; http is accepted for loopback hosts
 * (the local stack). Returns the issuer unchanged; throws TypeError naming the problem.
 */
export function validateIssuer(issuer: string): string {
  let parsed: URL;
  try {
    parsed = new URL(issuer);
  } catch {
    throw new TypeError('issuer must be an absolute URL');
  }
  if (!isHttpsOrLoopback(parsed)) {
    throw new TypeError('issuer must use https (http only for loopback hosts)');
  }
  if (issuer.includes('?') || issuer.includes('#'))
    throw new TypeError('issuer must not have a query or fragment');
  if (parsed.username !== '' || parsed.password !== '')
    throw new TypeError('issuer must not carry credentials');
  return issuer;
}

/** Endpoint URLs under the issuer (a trailing slash on the issuer does not double up). */
export function issuerEndpoints(issuer: string): {
  tokenEndpoint: string;
  jwksUri: string;
  revocationEndpoint: string;
  introspectionEndpoint: string;
} {
  const base = issuer.replace(/\/+$/, '');
  return {
    tokenEndpoint: `${base}/oauth2/token`,
    jwksUri: `${base}/.well-known/jwks.json`,
    revocationEndpoint: `${base}${REVOCATION_ENDPOINT_PATH}`,
    introspectionEndpoint: `${base}${INTROSPECTION_ENDPOINT_PATH}`,
  };
}

export function discoveryDocument(options: DiscoveryOptions): AuthorizationServerMetadata {
  const issuer = validateIssuer(options.issuer);
  for (const scope of options.scopes) {
    if (!SCOPE_TOKEN.test(scope)) throw new TypeError('scopes must be RFC 6749 §3.3 scope tokens');
  }
  if (options.serviceDocumentation !== undefined) new URL(options.serviceDocumentation);
  const { tokenEndpoint, jwksUri, revocationEndpoint, introspectionEndpoint } = issuerEndpoints(issuer);
  const authMethods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];
  // Left out on purpose:
  // - authorization_endpoint: RFC 8414 §2, required only when a grant uses it; client_credentials does not.
  // - response_types_supported: RFC 8414 §2 lists it as REQUIRED, but response types belong to the
  //   authorization endpoint, so keygate supports none, and RFC 8414 §3.2 says "Claims with zero elements
  //   MUST be omitted". RFC 8414 Errata ID 7793 (https://www.rfc-editor.org/errata/eid7793) proposes
  //   "REQUIRED unless no grant types are supported that use the authorization endpoint" for this case.
  //   The old ['token'] advertised the implicit flow, which keygate never served.
  // - subject_types_supported, id_token_signing_alg_values_supported: OpenID Connect Discovery 1.0 §3
  //   requires them of OpenID Providers, which issue ID tokens; keygate issues none. The access tokens'
  //   algorithm is in each JWKS key's `alg` (RFC 7517 §4.4).
  return {
    // RFC 8414 §2 REQUIRED; §3.3: equal to the URL the document was fetched under, minus the well-known part.
    issuer,
    // RFC 8414 §2: required unless only the implicit grant is supported.
    token_endpoint: tokenEndpoint,
    // RFC 8414 §2 OPTIONAL: verifiers (our authorizer, aws-jwt-verify, jose) fetch the keys here.
    jwks_uri: jwksUri,
    // RFC 8414 §2 RECOMMENDED: the scopes a client can be granted (RFC 6749 §3.3); §3.2: claims with zero
    // elements are omitted (an issuer deployed without its APIs' scopes).
    ...(options.scopes.length > 0 && { scopes_supported: [...new Set(options.scopes)] }),
    // RFC 8414 §2: the default is ["authorization_code", "implicit"], both wrong here, so it is stated.
    grant_types_supported: ['client_credentials'],
    // RFC 8414 §2 (default client_secret_basic): both RFC 6749 §2.3.1 methods, and RFC 7523 §2.2 client
    // assertions signed with a client's registered key (OpenID Connect Core §9 private_key_jwt).
    token_endpoint_auth_methods_supported: authMethods,
    // RFC 8414 §2: the algorithms a private_key_jwt assertion may use (never none or HMAC).
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    // RFC 8414 §2 / RFC 7009: a client revokes its own access tokens, authenticated as at the token endpoint.
    revocation_endpoint: revocationEndpoint,
    revocation_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    // RFC 8414 §2 / RFC 7662: resource servers allowed to introspect, authenticated as at the token endpoint.
    introspection_endpoint: introspectionEndpoint,
    introspection_endpoint_auth_methods_supported: authMethods,
    introspection_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    ...(options.serviceDocumentation !== undefined && {
      service_documentation: options.serviceDocumentation,
    }),
  };
}
