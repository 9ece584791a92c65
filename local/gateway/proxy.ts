// Lambda proxy integration, payload format 1.0: the HTTP request as the event API Gateway builds, and the
// integration's `{statusCode, headers, multiValueHeaders, body, isBase64Encoded}` mapped back, with
// anything malformed reported (API Gateway answers 502 for it; docs/design.md#proxy-integration).
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface ProxyRequest {
  readonly method: string;
  /** Path after the stage, as sent (percent-encoded). */
  readonly rawPath: string;
  readonly rawQuery: string;
  /** Node's rawHeaders: name/value pairs in arrival order, names as the client spelled them. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly localPort: number;
}

export interface EventContext {
  readonly stage: string;
  readonly resource: string;
  readonly resourceId: string;
  readonly pathParameters: Record<string, string> | null;
  readonly requestId: string;
  readonly extendedRequestId: string;
  readonly traceId: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly region: string;
  readonly now: number;
  readonly authorizer?: Readonly<Record<string, unknown>>;
  readonly binary: (contentType: string | undefined) => boolean;
  readonly stageVariables: Record<string, string> | null;
}

const TEXT_TYPES =
  /^(?:text\/|application\/(?:json|xml|javascript|x-www-form-urlencoded|[\w.+-]*\+(?:json|xml)))/i;

/**
 * The default body encoding rule: text media types (and no content type) arrive as UTF-8 strings, any
 * other media type base64-encoded with isBase64Encoded true, as with `binaryMediaTypes: ['*\/*']` minus text.
 */
export function defaultIsBinary(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType.trim() === '') return false;
  return !TEXT_TYPES.test(contentType.trim());
}

/** API Gateway's binaryMediaTypes matching (`type/subtype`, `type/*`, `*\/*`), ignoring parameters. */
export function binaryMediaTypesMatcher(types: readonly string[]): (ct: string | undefined) => boolean {
  const pats = types.map((t) => t.toLowerCase().trim());
  return (ct) => {
    if (ct === undefined) return false;
    const media = ct.split(';')[0]!.trim().toLowerCase();
    const [type] = media.split('/');
    return pats.some((p) => p === '*/*' || p === media || p === `${type}/*`);
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** `requestTime` in API Gateway's CLF format: `09/Apr/2015:12:34:56 +0000`. */
export function clfTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())} +0000`;
}

function decodeQueryPart(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export function parseQuery(rawQuery: string): {
  single: Record<string, string> | null;
  multi: Record<string, string[]> | null;
} {
  if (rawQuery === '') return { single: null, multi: null };
  const multi: Record<string, string[]> = {};
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeQueryPart(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeQueryPart(part.slice(eq + 1));
    if (!Object.hasOwn(multi, key)) multi[key] = [];
    multi[key]!.push(value);
  }
  const keys = Object.keys(multi);
  if (keys.length === 0) return { single: null, multi: null };
  const single: Record<string, string> = {};
  for (const k of keys) single[k] = multi[k]![multi[k]!.length - 1]!;
  return { single, multi };
}

/** Builds the payload 1.0 event. `headers` carries the last value of each header, as API Gateway does. */
export function buildProxyEvent(req: ProxyRequest, ctx: EventContext): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const nameOf = new Map<string, string>();
  const add = (name: string, value: string) => {
    const lower = name.toLowerCase();
    let key = nameOf.get(lower);
    if (key === undefined) {
      key = name;
      nameOf.set(lower, key);
      multiValueHeaders[key] = [];
    }
    multiValueHeaders[key]!.push(value);
    headers[key] = value;
  };
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) add(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  // Headers API Gateway adds in front of the integration.
  const xff = nameOf.get('x-forwarded-for');
  if (xff) {
    const joined = `${headers[xff]}, ${req.sourceIp}`;
    headers[xff] = joined;
    multiValueHeaders[xff] = [joined];
  } else add('X-Forwarded-For', req.sourceIp);
  if (!nameOf.has('x-forwarded-port')) add('X-Forwarded-Port', String(req.localPort));
  if (!nameOf.has('x-forwarded-proto')) add('X-Forwarded-Proto', 'http');
  if (!nameOf.has('x-amzn-trace-id')) add('X-Amzn-Trace-Id', ctx.traceId);

  const contentTypeKey = nameOf.get('content-type');
  const contentType = contentTypeKey ? headers[contentTypeKey] : undefined;
  const userAgentKey = nameOf.get('user-agent');
  const hostKey = nameOf.get('host');
  const host = hostKey ? headers[hostKey]! : '';
  const isBase64Encoded = req.body.length > 0 && ctx.binary(contentType);
  const query = parseQuery(req.rawQuery);

  return {
    resource: ctx.resource,
    path: req.rawPath,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    pathParameters: ctx.pathParameters,
    stageVariables: ctx.stageVariables,
    requestContext: {
      resourceId: ctx.resourceId,
      resourcePath: ctx.resource,
      httpMethod: req.method,
      extendedRequestId: ctx.extendedRequestId,
      requestTime: clfTime(ctx.now),
      path: `/${ctx.stage}${req.rawPath}`,
      accountId: ctx.accountId,
      protocol: 'HTTP/1.1',
      stage: ctx.stage,
      domainPrefix: host.split('.')[0]!.split(':')[0]!,
      requestTimeEpoch: ctx.now,
      requestId: ctx.requestId,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.sourceIp,
        user: null,
        userAgent: userAgentKey ? headers[userAgentKey]! : null,
        userArn: null,
      },
      domainName: host,
      apiId: ctx.apiId,
      authorizer: ctx.authorizer ?? null,
    },
    body: req.body.length === 0 ? null : req.body.toString(isBase64Encoded ? 'base64' : 'utf8'),
    isBase64Encoded,
  };
}

export interface MappedResponse {
  readonly statusCode: number;
  /** Lower-cased names -> values (several for e.g. Set-Cookie), integration order. */
  readonly headers: Map<string, { name: string; values: string[] }>;
  readonly body: Buffer;
}

const isScalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

// A header name must be an RFC 9110 token; a value must not carry CR/LF/NUL (response splitting).
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\r\n\0]/;

/** Maps an integration response, or returns why API Gateway would call it malformed (-> 502). */
export function mapProxyResult(result: unknown): MappedResponse | string {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return 'not an object';
  const r = result as Record<string, unknown>;
  let statusCode: number;
  if (typeof r.statusCode === 'number') statusCode = r.statusCode;
  else if (typeof r.statusCode === 'string' && /^\d{3}$/.test(r.statusCode))
    statusCode = Number(r.statusCode);
  else return 'statusCode missing';
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return 'statusCode out of range';
  if (r.body !== undefined && r.body !== null && typeof r.body !== 'string') return 'body is not a string';
  if (
    r.isBase64Encoded !== undefined &&
    r.isBase64Encoded !== null &&
    typeof r.isBase64Encoded !== 'boolean'
  ) {
    return 'isBase64Encoded is not a boolean';
  }
  const headers = new Map<string, { name: string; values: string[] }>();
  const put = (name: string, value: unknown): string | undefined => {
    if (!isScalar(value)) return `header ${name} has a non-scalar value`;
    const v = String(value);
    if (!TOKEN.test(name) || BAD_VALUE.test(v)) return 'invalid header';
    const lower = name.toLowerCase();
    const entry = headers.get(lower);
    if (entry) {
      if (!entry.values.includes(v)) entry.values.push(v);
    } else headers.set(lower, { name, values: [v] });
    return undefined;
  };
  if (r.multiValueHeaders !== undefined && r.multiValueHeaders !== null) {
    if (typeof r.multiValueHeaders !== 'object' || Array.isArray(r.multiValueHeaders)) {
      return 'multiValueHeaders is not an object';
    }
    for (const [name, values] of Object.entries(r.multiValueHeaders as Record<string, unknown>)) {
      if (!Array.isArray(values)) return `multiValueHeaders.${name} is not an array`;
      for (const v of values) {
        const problem = put(name, v);
        if (problem) return problem;
      }
    }
  }
  if (r.headers !== undefined && r.headers !== null) {
    if (typeof r.headers !== 'object' || Array.isArray(r.headers)) return 'headers is not an object';
    for (const [name, v] of Object.entries(r.headers as Record<string, unknown>)) {
      const problem = put(name, v);
      if (problem) return problem;
    }
  }
  const text = typeof r.body === 'string' ? r.body : '';
  const body = r.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  return { statusCode, headers, body };
}
