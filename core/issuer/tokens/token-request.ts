// HTTP -> client-credentials grant request (RFC 6749 §4.4.2, §2.3.1, §3.2, §3.3). Every malformed input ends
// in an IssuerError with the RFC error code, never an exception of another kind.
import { decodeJwt } from 'jose';
import { SCOPE_TOKEN } from '../../scope-token.js';
import { JWT_BEARER_ASSERTION_TYPE } from '../clients/client-assertion.js';
import { clientAuthFailed } from '../clients/client-authenticator.js';
import { resourceProblem } from '../clients/resource-indicator.js';
import { IssuerError } from '../errors.js';

/** The parts of an HTTP request the token endpoint reads (no API Gateway types in core). */
export interface TokenHttpRequest {
  readonly method: string;
  /** Header names in any case. */
  readonly headers: Readonly<Record<string, string | undefined>> | null;
  /** All values per header when the transport keeps repeats (API Gateway's multiValueHeaders). */
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[] | undefined>> | null;
  readonly query?: Readonly<Record<string, string | undefined>> | null;
  readonly body: string | null;
  readonly isBase64Encoded?: boolean;
}

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** How the client authenticated (RFC 6749 §2.3.1, RFC 7523 §2.2): the same at every endpoint. */
export type ClientCredentials =
  | {
      readonly clientId: string;
      readonly clientSecret: string;
      readonly authMethod: 'client_secret_basic' | 'client_secret_post';
    }
  | {
      readonly clientId: string;
      /** The signed client assertion (a compact JWT), verified by client-assertion.ts. */
      readonly clientAssertion: string;
      readonly authMethod: 'private_key_jwt';
    };

export type TokenRequest = ClientCredentials & {
  /** Requested scopes, deduplicated; undefined when `scope` was omitted (grant the client's defaults). */
  readonly scopes: readonly string[] | undefined;
  /** RFC 8707 `resource`: the token's audience; undefined when omitted (the client's default resource). */
  readonly resource?: string | undefined;
};

/** Form bodies of a client-credentials request are a few hundred bytes; 8 KiB leaves room and caps work. */
export const MAX_BODY_BYTES = 8192;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const invalidRequest = (description: string) => new IssuerError('invalid_request', description);
const invalidTarget = (description: string) => new IssuerError('invalid_target', description);

function header(req: TokenHttpRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  let found: string | undefined;
  let count = 0;
  for (const [key, values] of Object.entries(req.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === lower && values) count += values.length;
  }
  for (const [key, value] of Object.entries(req.headers ?? {})) {
    if (key.toLowerCase() === lower && value !== undefined) {
      if (found !== undefined) count = Math.max(count, 2);
      found = value;
    }
  }
  if (count > 1) throw invalidRequest(`repeated ${name} header`);
  return found;
}

function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw invalidRequest(`${what} is not valid UTF-8`);
  }
}

/** application/x-www-form-urlencoded component: '+' is a space, %XX a byte; strict about malformed escapes. */
export function formDecode(component: string, what: string): string {
  if (!component.includes('%') && !component.includes('+')) return component;
  const plus = component.replaceAll('+', ' ');
  if (!plus.includes('%')) return plus;
  const bytes: number[] = [];
  for (let i = 0; i < plus.length; i++) {
    const code = plus.charCodeAt(i);
    if (code === 0x25) {
      const hex = plus.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw invalidRequest(`${what} has a malformed percent-encoding`);
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (code < 0x80) {
      bytes.push(code);
    } else {
      // A non-ASCII character in the raw form: keep its UTF-8 bytes.
      const end = code >= 0xd800 && code <= 0xdbff ? i + 2 : i + 1;
      bytes.push(...Buffer.from(plus.slice(i, end), 'utf8'));
      i = end - 1;
    }
  }
  return decodeUtf8(Uint8Array.from(bytes), what);
}

/** Parses a form body; a repeated parameter is an error (RFC 6749 §3.2: MUST NOT be included more than once). */
export function parseForm(body: string): Map<string, string> {
  const params = new Map<string, string>();
  if (body === '') return params;
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = formDecode(eq === -1 ? pair : pair.slice(0, eq), 'a parameter name');
    const value = formDecode(eq === -1 ? '' : pair.slice(eq + 1), `parameter ${safeName(name)}`);
    if (params.has(name)) {
      // RFC 8707 §2 allows several `resource`s, and lets the server refuse a set it will not put in one
      // token with invalid_target: a client-credentials token here has exactly one audience.
      if (name === 'resource') throw invalidTarget('one resource per token request');
      throw invalidRequest(`parameter ${safeName(name)} is repeated`);
    }
    params.set(name, value);
  }
  return params;
}

/** A parameter name fit for error_description (RFC 6749 §5.2 character set), shortened. */
function safeName(name: string): string {
  const clean = name.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}...` : clean;
}

function readBody(req: TokenHttpRequest): string {
  const raw = req.body ?? '';
  let bytes: Buffer;
  if (req.isBase64Encoded) {
    const compact = raw.replace(/\s+/g, '');
    if (compact.length > Math.ceil(MAX_BODY_BYTES / 3) * 4) throw invalidRequest('request body is too large');
    if (!BASE64.test(compact)) throw invalidRequest('request body is not valid base64');
    bytes = Buffer.from(compact, 'base64');
  } else {
    // A string body was already decoded by the transport; its UTF-8 length is what the client sent.
    if (raw.length > MAX_BODY_BYTES) throw invalidRequest('request body is too large');
    if (raw.includes('\ufffd')) throw invalidRequest('request body is not valid UTF-8');
    bytes = Buffer.from(raw, 'utf8');
  }
  if (bytes.length > MAX_BODY_BYTES) throw invalidRequest('request body is too large');
  return decodeUtf8(bytes, 'request body');
}

function checkContentType(value: string | undefined): void {
  if (value === undefined) throw invalidRequest('Content-Type must be application/x-www-form-urlencoded');
  const [type = '', ...params] = value.split(';');
  if (type.trim().toLowerCase() !== 'application/x-www-form-urlencoded')
    throw invalidRequest('Content-Type must be application/x-www-form-urlencoded');
  for (const param of params) {
    const eq = param.indexOf('=');
    const name = (eq === -1 ? param : param.slice(0, eq)).trim().toLowerCase();
    const v =
      eq === -1
        ? ''
        : param
            .slice(eq + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1')
            .toLowerCase();
    if (name === 'charset' && v !== 'utf-8' && v !== 'us-ascii')
      throw invalidRequest('charset must be UTF-8');
  }
}

interface BasicCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * RFC 6749 §2.3.1 with RFC 7617: `Basic base64(urlencode(id) ":" urlencode(secret))`, scheme in any case.
 * Split at the FIRST colon (an encoded id has none; a secret may). Undefined for another scheme.
 */
export function parseBasicAuth(value: string): BasicCredentials | undefined {
  const match = /^([A-Za-z]+)(?:[ \t]+(\S*))?$/.exec(value.trim());
  if (!match || match[1]!.toLowerCase() !== 'basic') return undefined;
  const token = match[2] ?? '';
  if (token === '' || !BASE64.test(token) || token.length % 4 === 1)
    throw invalidRequest('malformed Basic credentials');
  const decoded = decodeUtf8(Buffer.from(token, 'base64'), 'Basic credentials');
  const colon = decoded.indexOf(':');
  if (colon === -1) throw invalidRequest('malformed Basic credentials');
  return {
    clientId: formDecode(decoded.slice(0, colon), 'the Basic client id'),
    clientSecret: formDecode(decoded.slice(colon + 1), 'the Basic client secret'),
  };
}

/** RFC 6749 §3.3: space-delimited scope-tokens; anything else is invalid_scope. */
export function parseScope(value: string): string[] {
  const tokens = value.split(' ');
  if (tokens.some((t) => !SCOPE_TOKEN.test(t)))
    throw new IssuerError('invalid_scope', 'scope must be space-delimited scope tokens');
  return [...new Set(tokens)];
}

const CREDENTIAL_QUERY_PARAMS = [
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
  'grant_type',
  'scope',
  'resource',
  'token',
];

/** A form parameter; RFC 6749 §3.1: a parameter sent without a value is treated as omitted. */
export type FormParam = (name: string) => string | undefined;

/**
 * The checks every client-authenticated endpoint (token, revocation) runs on the HTTP request: POST, no
 * credentials in the URL, a form body. Returns the form's parameters.
 */
export function parseClientForm(req: TokenHttpRequest, endpoint: string): FormParam {
  if (req.method.toUpperCase() !== 'POST') throw invalidRequest(`the ${endpoint} endpoint accepts POST only`);
  // RFC 6749 §2.3.1/§3.2: credentials and grant parameters never travel in the URL (logs, proxies, history).
  for (const name of Object.keys(req.query ?? {})) {
    if (CREDENTIAL_QUERY_PARAMS.includes(name))
      throw invalidRequest('parameters must be sent in the request body, not the URL');
  }
  checkContentType(header(req, 'content-type'));
  const form = parseForm(readBody(req));
  return (name) => {
    const v = form.get(name);
    return v === '' ? undefined : v;
  };
}

/** The client id a client assertion names (`sub`, RFC 7523 §3), read before its signature is checked. */
function assertionSubject(assertion: string): string {
  try {
    const { sub } = decodeJwt(assertion);
    if (typeof sub === 'string' && sub !== '') return sub;
  } catch {
    // Not a JWT: the same answer as a bad signature.
  }
  throw clientAuthFailed();
}

/**
 * The client's credentials: client_secret_basic, client_secret_post or private_key_jwt (RFC 7523 §2.2),
 * exactly one of them (RFC 6749 §2.3).
 */
export function parseClientCredentials(req: TokenHttpRequest, param: FormParam): ClientCredentials {
  const authorization = header(req, 'authorization');
  const basic = authorization === undefined ? undefined : parseBasicAuth(authorization);
  const bodyId = param('client_id');
  const bodySecret = param('client_secret');
  const assertionType = param('client_assertion_type');
  const assertion = param('client_assertion');
  const methods = [basic, bodySecret, assertionType ?? assertion].filter((m) => m !== undefined).length;
  // RFC 6749 §2.3: a client MUST NOT use more than one authentication method in each request.
  if (methods > 1) throw invalidRequest('use one client authentication method, not two');
  let credentials: ClientCredentials;
  if (basic) {
    if (bodyId !== undefined && bodyId !== basic.clientId)
      throw invalidRequest('client_id does not match the Basic credentials');
    credentials = { ...basic, authMethod: 'client_secret_basic' };
  } else if (authorization !== undefined) {
    // Another scheme (e.g. Bearer): the client tried header authentication we do not offer (§5.2: 401).
    throw clientAuthFailed();
  } else if (bodySecret !== undefined) {
    if (bodyId === undefined) throw invalidRequest('client_id is required with client_secret');
    credentials = { clientId: bodyId, clientSecret: bodySecret, authMethod: 'client_secret_post' };
  } else if (assertionType !== undefined || assertion !== undefined) {
    // RFC 6749 §5.2: an unsupported authentication method is invalid_client.
    if (assertionType !== JWT_BEARER_ASSERTION_TYPE || assertion === undefined) throw clientAuthFailed();
    const clientId = assertionSubject(assertion);
    // RFC 7521 §4.2: client_id is optional; when sent it names the same client as the assertion.
    if (bodyId !== undefined && bodyId !== clientId) throw clientAuthFailed();
    credentials = { clientId, clientAssertion: assertion, authMethod: 'private_key_jwt' };
  } else {
    // No credentials (or a public client's bare client_id): these endpoints need a confidential client.
    throw clientAuthFailed();
  }
  if (credentials.clientId === '' || ('clientSecret' in credentials && credentials.clientSecret === ''))
    throw clientAuthFailed();
  return credentials;
}

/** Validates the request and extracts the client's credentials, requested scopes and resource. */
export function parseTokenRequest(req: TokenHttpRequest): TokenRequest {
  const param = parseClientForm(req, 'token');
  const grantType = param('grant_type');
  if (grantType === undefined) throw invalidRequest('grant_type is required');
  if (grantType !== 'client_credentials')
    throw new IssuerError('unsupported_grant_type', 'only client_credentials is supported');
  const credentials = parseClientCredentials(req, param);
  const scope = param('scope');
  const resource = param('resource');
  if (resource !== undefined && resourceProblem(resource) !== undefined)
    throw invalidTarget('resource must be an absolute URI without a fragment');
  return {
    ...credentials,
    scopes: scope === undefined ? undefined : parseScope(scope),
    ...(resource !== undefined ? { resource } : {}),
  };
}

/** A request presenting one token with the client's credentials: RFC 7009 §2.1 revocation, RFC 7662 §2.1 introspection. */
export type PresentedTokenRequest = ClientCredentials & {
  readonly token: string;
  /** Advisory (RFC 7009 §2.1, RFC 7662 §2.1): keygate issues access tokens alone and checks the token either way. */
  readonly tokenTypeHint?: string;
};

/** The POST form of either endpoint: `token` (required), `token_type_hint`, and the client's credentials. */
export function parsePresentedTokenRequest(
  req: TokenHttpRequest,
  endpoint: 'revocation' | 'introspection',
): PresentedTokenRequest {
  const param = parseClientForm(req, endpoint);
  const token = param('token');
  if (token === undefined) throw invalidRequest('token is required');
  const credentials = parseClientCredentials(req, param);
  const hint = param('token_type_hint');
  return { ...credentials, token, ...(hint !== undefined ? { tokenTypeHint: hint } : {}) };
}
