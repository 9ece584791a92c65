// Authorization server metadata (RFC 8414 §2) served at both /.well-known/oauth-authorization-server and
// /.well-known/openid-configuration (OIDC Discovery 1.0 §3), plus the issuer checks both documents rely on.
import { isHttpsOrLoopback } from '../net.js';

export interface AuthorizationServerMetadata {
  readonly issuer: string;
  readonly token_endpoint: string;
  readonly jwks_uri: string;
  readonly scopes_supported: readonly string[];
  readonly response_types_supported: readonly string[];
  readonly grant_types_supported: readonly string[];
  readonly token_endpoint_auth_methods_supported: readonly string[];
  readonly subject_types_supported: readonly string[];
  readonly id_token_signing_alg_values_supported: readonly string[];
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
export function issuerEndpoints(issuer: string): { tokenEndpoint: string; jwksUri: string } {
  const base = issuer.replace(/\/+$/, '');
  return { tokenEndpoint: `${base}/oauth2/token`, jwksUri: `${base}/.well-known/jwks.json` };
}

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

export function discoveryDocument(options: DiscoveryOptions): AuthorizationServerMetadata {
  const issuer = validateIssuer(options.issuer);
  for (const scope of options.scopes) {
    if (!SCOPE_TOKEN.test(scope)) throw new TypeError('scopes must be RFC 6749 §3.3 scope tokens');
  }
  if (options.serviceDocumentation !== undefined) new URL(options.serviceDocumentation);
  const { tokenEndpoint, jwksUri } = issuerEndpoints(issuer);
  return {
    issuer,
    token_endpoint: tokenEndpoint,
    jwks_uri: jwksUri,
    scopes_supported: [...new Set(options.scopes)],
    // RFC 8414 §2 makes response_types_supported REQUIRED even for a server with no authorization endpoint.
    response_types_supported: ['token'],
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    // OIDC Discovery §3 requires these two; no id tokens are issued, the values describe the keys.
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    ...(options.serviceDocumentation !== undefined && {
      service_documentation: options.serviceDocumentation,
    }),
  };
}
