// HTTP proxy integration (REST API `HTTP_PROXY`) for the local gateway: the request API Gateway built
// (payload 1.0 event) goes to the team's own dev server with its method, path, query, headers and body, plus
// the authorizer context as X-Keygate-Client-Id / X-Keygate-Scope (and client claims as X-Keygate-Claim-*) and the matched resource template as
// X-Keygate-Resource-Path (what AWS maps from context.resourcePath); the answer comes back as a proxy result.
// Shaped as a Lambda handler so the gateway's timeout (504) and failure (502) handling applies unchanged
// (INTEGRATION_TIMEOUT / INTEGRATION_FAILURE in AWS's "Gateway response types for API Gateway",
// https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
import { request } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { contextTokenState } from '../../core/authz/token-expiry.js';
import { CLAIM_CONTEXT_PREFIX, claimHeaderName, isClientClaim } from '../../core/client-claims.js';
import { CONTEXT_HEADERS, RESOURCE_PATH_HEADER } from '../../core/contract.js';
import type { LambdaFunction } from './invoke.js';

export interface HttpIntegrationOptions {
  /** The upstream origin (and optional base path), e.g. `http://127.0.0.1:3000`. */
  readonly upstream: string;
  /** Leeway the exp check grants (the authorizer's CLOCK_LEEWAY_SECONDS). Default 0. */
  readonly clockLeewaySeconds?: number;
  /** Epoch-ms clock for the exp check. Default Date.now. */
  readonly now?: () => number;
}

// RFC 9110 §7.6.1 hop-by-hop fields, plus what the proxy recomputes; never forwarded in either direction.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
  'content-length',
]);

/**
 * Whether a request header name lies in keygate's `X-Keygate-` namespace once case and every character other
 * than a letter or digit are ignored: `X-Keygate_Client_Id`, `x.keygate.scope` and `XKeygateClientId` too.
 * Many servers read `_` as `-` (CGI and WSGI turn both into `_`: HTTP_X_KEYGATE_CLIENT_ID), so a client's
 * look-alike would pass as the gateway's own header. Every such header from a client is dropped before the
 * gateway sets its own; the whole namespace, so context headers added later are covered.
 */
export function isKeygateHeaderName(name: string): boolean {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .startsWith('xkeygate');
}

// RFC 6750 §3.1 invalid_token, as the products sample answers: API Gateway reuses a cached Allow for the whole
// result-cache TTL whatever the token's `exp` (docs/token-lifetime.md), so the integration re-checks it.
const EXPIRED: APIGatewayProxyResult = {
  statusCode: 401,
  headers: {
    'content-type': 'application/json',
    'WWW-Authenticate':
      'Bearer realm="keygate", error="invalid_token", error_description="the access token expired"',
  },
  body: JSON.stringify({ error: 'invalid_token', error_description: 'the access token expired' }),
};

function upstreamTarget(base: URL, event: APIGatewayProxyEvent): string {
  const basePath = base.pathname.replace(/\/$/, '');
  const query = Object.entries(event.multiValueQueryStringParameters ?? {})
    .flatMap(([k, values]) => (values ?? []).map((v) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
    .join('&');
  return `${basePath}${event.path}${query ? `?${query}` : ''}`;
}

/** Creates the integration; the gateway invokes it with the proxy event and a Lambda-like context. */
export function createHttpIntegration(options: HttpIntegrationOptions): LambdaFunction {
  const base = new URL(options.upstream);
  const leeway = options.clockLeewaySeconds ?? 0;
  const now = options.now ?? Date.now;

  return (event: APIGatewayProxyEvent, context: Context) => {
    const authorizer = event.requestContext.authorizer;
    if (authorizer && contextTokenState(authorizer, now(), leeway) !== 'active') {
      return Promise.resolve(EXPIRED);
    }
    const headers: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
      const lower = name.toLowerCase();
      // A client must not be able to claim an identity: the context headers come from the authorizer only.
      if (HOP_BY_HOP.has(lower) || isKeygateHeaderName(name) || !values) continue;
      headers[name] = values;
    }
    // The route the gateway matched and the authorizer judged, never one the client names.
    headers[RESOURCE_PATH_HEADER] = [event.resource];
    if (authorizer) {
      for (const [header, key] of Object.entries(CONTEXT_HEADERS)) {
        const value = authorizer[key];
        if (value !== undefined && value !== null) headers[header] = [String(value)];
      }
      // The client's claims, as KeygateAuthorizer's requestParameters map them on AWS.
      for (const [key, value] of Object.entries(authorizer)) {
        const name = key.startsWith(CLAIM_CONTEXT_PREFIX) ? key.slice(CLAIM_CONTEXT_PREFIX.length) : '';
        if (isClientClaim(name, value)) headers[claimHeaderName(name)] = [value];
      }
    }
    const body =
      event.body === null ? undefined : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
    if (body) headers['content-length'] = [String(body.length)];

    return new Promise<APIGatewayProxyResult>((resolve, reject) => {
      const req = request(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port,
          method: event.httpMethod,
          path: upstreamTarget(base, event),
          headers,
          // The gateway stops waiting at its integration timeout (504); a second later this request, idle
          // since, is dropped too. Not sooner: an earlier error here would turn the 504 into a 502.
          timeout: context.getRemainingTimeInMillis() + 1000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const multiValueHeaders: Record<string, string[]> = {};
            for (let i = 0; i < res.rawHeaders.length; i += 2) {
              const name = res.rawHeaders[i]!;
              if (HOP_BY_HOP.has(name.toLowerCase())) continue;
              const values = multiValueHeaders[name] ?? [];
              values.push(res.rawHeaders[i + 1]!);
              multiValueHeaders[name] = values;
            }
            resolve({
              statusCode: res.statusCode ?? 502,
              multiValueHeaders,
              headers: {},
              body: Buffer.concat(chunks).toString('base64'),
              isBase64Encoded: true,
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('upstream timed out')));
      req.on('error', reject);
      req.end(body);
    });
  };
}
