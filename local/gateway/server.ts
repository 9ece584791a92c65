// The API Gateway REST API emulator: a node:http server standing where execute-api stands
// (`http://host:port/{stage}/...`), invoking Lambda handlers in-process with the REST API's routing,
// limits, TOKEN authorizer semantics, proxy event/response mapping and gateway responses (docs/design.md).
// Admin endpoints live outside any stage under `/_keygate/` (stage names cannot collide: validated).
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { urlHost } from '../../core/net.js';
import { BodyTooLargeError } from '../errors.js';
import { isLoopbackAddress } from '../host-safety.js';
import { listen } from '../listen.js';
import { readBody } from '../read-body.js';
import { CONTROL_PLANE_PREFIX, serveControlPlane } from './control-plane.js';
import { GatewayError, InvocationTimeout } from './errors.js';
import { invokeLambda, type LambdaFunction } from './invoke.js';
import type { JwtAuthorizer } from './jwt-authorizer.js';
import { binaryMediaTypesMatcher, buildProxyEvent, defaultIsBinary, mapProxyResult } from './proxy.js';
import {
  type GatewayErrorCase,
  type GatewayResponseHeaders,
  type GatewayResponseOverrides,
  type ResolvedGatewayResponse,
  resolveGatewayResponses,
} from './responses.js';
import { createRouter, type GatewayRoute } from './router.js';
import { createTokenAuthorizerStep, repeatsHeader, type TokenAuthorizerOptions } from './token-authorizer.js';

/** REST API payload quota (docs/design.md#proxy-integration). */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** REST API integration timeout (docs/design.md#proxy-integration). */
export const INTEGRATION_TIMEOUT_MS = 29_000;
/** Method ARNs longer than this get 414 (docs/design.md#arn-limits). */
export const MAX_METHOD_ARN_BYTES = 1600;
/** API Gateway's quota on the request line plus headers is 10240 bytes; node enforces it (-> 431). */
export const DEFAULT_MAX_HEADER_BYTES = 10_240;

/**
 * Response headers a REST API Lambda proxy integration cannot set: API Gateway renames them to
 * `x-amzn-Remapped-<name>` (AWS "important notes for REST APIs"; observed for WWW-Authenticate).
 */
export const DEFAULT_REMAPPED_RESPONSE_HEADERS: readonly string[] = [
  'authorization',
  'connection',
  'content-md5',
  'date',
  'expect',
  'host',
  'max-forwards',
  'proxy-authenticate',
  'server',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'via',
  'warn',
  'www-authenticate',
];

export const ADMIN_PREFIX = '/_keygate/';

export interface AccessLogEntry {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly latencyMs: number;
  /** The gateway response case when the gateway answered itself. */
  readonly gatewayResponse?: GatewayErrorCase;
  readonly authorizer?: 'invoked' | 'cached';
}

export interface GatewayOptions {
  /** Resources and methods (core/routes.ts). */
  readonly routes: readonly GatewayRoute[];
  /** Lambda proxy handler per GatewayRoute.handler name. */
  readonly handlers: Readonly<Record<string, LambdaFunction | undefined>>;
  /** Stage name (first path segment). Default `local`. */
  readonly stage?: string;
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** A TOKEN authorizer guarding the routes `authorizeRoute` selects. */
  readonly authorizer?: TokenAuthorizerOptions;
  /** A native JWT authorizer (./jwt-authorizer.ts) instead of `authorizer`; route scopes = method scopes. */
  readonly jwtAuthorizer?: Pick<JwtAuthorizer, 'authorize'>;
  /** Which routes the authorizer guards. Default: routes with at least one scope. */
  readonly authorizeRoute?: (route: GatewayRoute) => boolean;
  /** Fake ARN parts for method ARNs and the proxy event. */
  readonly region?: string;
  readonly accountId?: string;
  readonly apiId?: string;
  readonly integrationTimeoutMs?: number;
  readonly maxPayloadBytes?: number;
  readonly maxHeaderBytes?: number;
  /** Override status/body/errorType of gateway responses. */
  readonly responses?: GatewayResponseOverrides;
  /** Static headers per gateway response type, like CDK `addGatewayResponse({ responseHeaders })`. */
  readonly responseHeaders?: GatewayResponseHeaders;
  /** Lower-case header names renamed to x-amzn-Remapped-*; [] disables. */
  readonly remapResponseHeaders?: readonly string[];
  /** API binaryMediaTypes; default: every non-text media type is binary (base64 in the event). */
  readonly binaryMediaTypes?: readonly string[];
  readonly stageVariables?: Readonly<Record<string, string>>;
  /** Clock for the authorizer result cache (ms). Default Date.now. */
  readonly now?: () => number;
  /** Serve `/_keygate/*` admin endpoints. Default true. */
  readonly adminEndpoints?: boolean;
  /** Answer admin endpoints for non-loopback peers too. Default false: others get the missing-route 403. */
  readonly adminFromAnyAddress?: boolean;
  /** Called once per finished request (access log). */
  readonly onRequest?: (entry: AccessLogEntry) => void;
}

export interface GatewayStats {
  readonly requests: number;
  readonly integrationInvocations: number;
  readonly authorizerInvocations: number;
  readonly authorizerCacheHits: number;
  readonly authorizerCacheSize: number;
  readonly gatewayResponses: Readonly<Partial<Record<GatewayErrorCase, number>>>;
}

export interface Gateway {
  /** The stage invoke URL, `http://host:port/{stage}` (no trailing slash), like execute-api's. */
  readonly url: string;
  /** `http://host:port`: admin endpoints live here. */
  readonly origin: string;
  readonly host: string;
  readonly port: number;
  readonly stage: string;
  readonly apiId: string;
  readonly stats: GatewayStats;
  /** FlushStageAuthorizersCache: returns how many cached results were dropped. */
  flushAuthorizerCache(): number;
  close(): Promise<void>;
}

const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const API_ID = /^[a-z0-9]{10}$/;

function randomApiId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(10), (b) => alphabet[b % alphabet.length]).join('');
}

function traceId(nowMs: number): string {
  return `Root=1-${Math.floor(nowMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/** A raw HTTP/1.1 response for sockets the parser rejected (no ServerResponse exists then). */
function rawResponse(def: ResolvedGatewayResponse, requestId: string): string {
  const reason = { 400: 'Bad Request', 403: 'Forbidden', 431: 'Request Header Fields Too Large' }[
    def.statusCode as 400 | 403 | 431
  ];
  const lines = [
    `HTTP/1.1 ${def.statusCode} ${reason ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(def.body)}`,
    `x-amzn-RequestId: ${requestId}`,
    ...(def.errorType ? [`x-amzn-ErrorType: ${def.errorType}`] : []),
    ...Object.entries(def.headers).map(([k, v]) => `${k}: ${v}`),
    'Connection: close',
  ];
  return `${lines.join('\r\n')}\r\n\r\n${def.body}`;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const stage = options.stage ?? 'local';
  if (!STAGE_NAME.test(stage) || stage === '_keygate' || stage === 'restapis') {
    throw new GatewayError(
      'gateway_config',
      `stage must be 1-128 letters, digits, "-" or "_" and not "_keygate" or "restapis" (got "${stage}")`,
    );
  }
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const apiId = options.apiId ?? randomApiId();
  if (!API_ID.test(apiId))
    throw new GatewayError('gateway_config', 'apiId must be 10 lower-case letters/digits');
  if (!/^\d{12}$/.test(accountId)) throw new GatewayError('gateway_config', 'accountId must be 12 digits');
  const integrationTimeoutMs = options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS;
  const maxPayloadBytes = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
  const now = options.now ?? Date.now;
  for (const r of options.routes) {
    if (typeof options.handlers[r.handler] !== 'function') {
      throw new GatewayError(
        'gateway_config',
        `no handler function for "${r.handler}" (${r.method} ${r.path})`,
      );
    }
  }
  let router: ReturnType<typeof createRouter>;
  try {
    router = createRouter(options.routes);
  } catch (err) {
    throw new GatewayError('gateway_config', (err as Error).message);
  }
  const authorizer = options.authorizer
    ? createTokenAuthorizerStep(options.authorizer, { region, accountId, now })
    : undefined;
  const authorizeRoute = options.authorizeRoute ?? ((r: GatewayRoute) => r.scopes.length > 0);
  const responses = resolveGatewayResponses(options.responses, options.responseHeaders);
  const remapped = new Set(
    (options.remapResponseHeaders ?? DEFAULT_REMAPPED_RESPONSE_HEADERS).map((h) => h.toLowerCase()),
  );
  const isBinary = options.binaryMediaTypes
    ? binaryMediaTypesMatcher(options.binaryMediaTypes)
    : defaultIsBinary;
  const stageVariables = options.stageVariables ? { ...options.stageVariables } : null;
  const adminEnabled = options.adminEndpoints ?? true;
  const adminFromAnyAddress = options.adminFromAnyAddress ?? false;
  const onRequest = options.onRequest;
  const host = options.host ?? '127.0.0.1';

  const counters = { requests: 0, integrationInvocations: 0 };
  const gatewayCounts: Partial<Record<GatewayErrorCase, number>> = {};
  const stats: GatewayStats = {
    get requests() {
      return counters.requests;
    },
    get integrationInvocations() {
      return counters.integrationInvocations;
    },
    get authorizerInvocations() {
      return authorizer?.stats.invocations ?? 0;
    },
    get authorizerCacheHits() {
      return authorizer?.stats.cacheHits ?? 0;
    },
    get authorizerCacheSize() {
      return authorizer?.stats.cacheSize ?? 0;
    },
    get gatewayResponses() {
      return { ...gatewayCounts };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    counters.requests++;
    const started = performance.now();
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    let logPath = req.url ?? '';
    let authorizerUse: AccessLogEntry['authorizer'];
    if (onRequest)
      res.on('finish', () => {
        onRequest({
          requestId,
          method,
          path: logPath,
          status: res.statusCode,
          latencyMs: performance.now() - started,
          ...(gatewayCase ? { gatewayResponse: gatewayCase } : {}),
          ...(authorizerUse ? { authorizer: authorizerUse } : {}),
        });
      });
    let gatewayCase: GatewayErrorCase | undefined;
    const sendGateway = (kind: GatewayErrorCase, close = false, headers: Record<string, string> = {}) => {
      gatewayCase = kind;
      gatewayCounts[kind] = (gatewayCounts[kind] ?? 0) + 1;
      const def = responses[kind];
      if (res.headersSent) return;
      res.statusCode = def.statusCode;
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-amzn-RequestId', requestId);
      if (def.errorType) res.setHeader('x-amzn-ErrorType', def.errorType);
      for (const [k, v] of Object.entries({ ...def.headers, ...headers })) res.setHeader(k, v);
      if (close) res.setHeader('connection', 'close');
      res.end(def.body);
    };

    // Request target: origin-form, or absolute-form from proxies; anything else ('*') is not a resource.
    let target = req.url ?? '';
    if (!target.startsWith('/')) {
      try {
        const u = new URL(target);
        target = `${u.pathname}${u.search}`;
      } catch {
        sendGateway('badRequest');
        return;
      }
    }
    const q = target.indexOf('?');
    const fullPath = q < 0 ? target : target.slice(0, q);
    const rawQuery = q < 0 ? '' : target.slice(q + 1);
    logPath = fullPath;

    // Admin and control-plane paths (never a stage: stage names exclude them) answer only loopback peers
    // unless asked otherwise (local/host-safety.ts); others fall through to the missing-route 403.
    const admin = fullPath.startsWith(ADMIN_PREFIX);
    if (
      adminEnabled &&
      (admin || fullPath.startsWith(CONTROL_PLANE_PREFIX)) &&
      (adminFromAnyAddress || isLoopbackAddress(req.socket.remoteAddress))
    ) {
      req.resume();
      if (admin) serveAdmin(method, fullPath.slice(ADMIN_PREFIX.length), res, requestId);
      else {
        serveControlPlane(method, fullPath, req.headers.authorization, res, { apiId, stage, requestId }, () =>
          authorizer?.flush(),
        );
      }
      return;
    }

    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxPayloadBytes) {
      sendGateway('requestTooLarge', true);
      req.resume();
      return;
    }

    const stagePrefix = `/${stage}`;
    if (!(fullPath === stagePrefix || fullPath.startsWith(`${stagePrefix}/`))) {
      sendGateway('missingAuthenticationToken');
      req.resume();
      return;
    }
    const rawPath = fullPath.length === stagePrefix.length ? '/' : fullPath.slice(stagePrefix.length);
    const match = router.match(method, rawPath);
    if (!match) {
      sendGateway('missingAuthenticationToken');
      req.resume();
      return;
    }
    const methodArn = `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/${method}${rawPath}`;
    if (Buffer.byteLength(methodArn) > MAX_METHOD_ARN_BYTES) {
      sendGateway('uriTooLong');
      req.resume();
      return;
    }

    let body: Buffer;
    try {
      body = await readBody(req, maxPayloadBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        sendGateway('requestTooLarge', true);
        req.resume();
      } else res.destroy();
      return;
    }

    let authorizerContext: Record<string, unknown> | undefined;
    const guarded = authorizeRoute(match.route) && (options.jwtAuthorizer || authorizer);
    // Which of two tokens API Gateway judges is undocumented: refuse rather than let the authorizer and
    // the integration see different ones (docs/token-lifetime.md).
    if (guarded && repeatsHeader(req.rawHeaders, authorizer?.identityHeader ?? 'authorization')) {
      sendGateway('badRequest');
      return;
    }
    if (options.jwtAuthorizer && guarded) {
      const outcome = await options.jwtAuthorizer.authorize(req.headers, match.route.scopes);
      if (outcome.kind !== 'allow') {
        const kind = outcome.kind === 'unauthorized' ? 'unauthorized' : 'jwtForbidden';
        sendGateway(kind, false, { 'WWW-Authenticate': outcome.wwwAuthenticate });
        return;
      }
      authorizerContext = outcome.authorizer;
    } else if (authorizer && guarded) {
      const outcome = await authorizer.authorize(req.headers, methodArn);
      switch (outcome.kind) {
        case 'unauthorized':
          sendGateway('unauthorized');
          return;
        case 'explicit_deny':
          sendGateway('accessDeniedExplicit');
          return;
        case 'implicit_deny':
          sendGateway('accessDeniedImplicit');
          return;
        case 'error':
          sendGateway('authorizerConfigurationError');
          return;
        case 'allow':
          authorizerUse = outcome.cached ? 'cached' : 'invoked';
          authorizerContext = outcome.authorizer;
      }
    }

    const nowMs = Date.now();
    const tid = traceId(nowMs);
    const extendedRequestId = randomBytes(12).toString('base64').replace(/[+/=]/g, 'A').slice(0, 16);
    const event = buildProxyEvent(
      {
        method,
        rawPath,
        rawQuery,
        rawHeaders: req.rawHeaders,
        body,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        localPort: req.socket.localPort ?? 0,
      },
      {
        stage,
        resource: match.route.path,
        resourceId: match.resourceId,
        pathParameters: match.pathParameters,
        requestId,
        extendedRequestId,
        traceId: tid,
        accountId,
        apiId,
        region,
        now: nowMs,
        ...(authorizerContext ? { authorizer: authorizerContext } : {}),
        binary: isBinary,
        stageVariables,
      },
    );

    counters.integrationInvocations++;
    let result: unknown;
    try {
      result = await invokeLambda(options.handlers[match.route.handler]!, event, {
        functionName: match.route.handler,
        timeoutMs: integrationTimeoutMs,
        region,
        accountId,
      });
    } catch (err) {
      sendGateway(err instanceof InvocationTimeout ? 'integrationTimeout' : 'integrationFailure');
      return;
    }
    const mapped = mapProxyResult(result);
    if (typeof mapped === 'string') {
      sendGateway('integrationFailure');
      return;
    }
    if (res.headersSent || res.destroyed) return;
    try {
      res.statusCode = mapped.statusCode;
      for (const [lower, { name, values }] of mapped.headers) {
        if (lower === 'content-length') continue;
        const outName = remapped.has(lower) ? `x-amzn-Remapped-${name}` : name;
        res.setHeader(outName, values.length === 1 ? values[0]! : values);
      }
      if (!mapped.headers.has('content-type')) res.setHeader('content-type', 'application/json');
      res.setHeader('x-amzn-RequestId', requestId);
      res.setHeader('x-amz-apigw-id', extendedRequestId);
      res.setHeader('X-Amzn-Trace-Id', tid);
      const bodyless = method === 'HEAD' || mapped.statusCode === 204 || mapped.statusCode === 304;
      res.setHeader('content-length', bodyless ? 0 : mapped.body.length);
      res.end(bodyless ? undefined : mapped.body);
    } catch {
      // A header value node refuses (e.g. non-latin1): API Gateway would call the response malformed.
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      sendGateway('integrationFailure');
    }
  };

  function serveAdmin(method: string, path: string, res: ServerResponse, requestId: string) {
    const json = (status: number, value: unknown) => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-amzn-RequestId', requestId);
      res.end(JSON.stringify(value));
    };
    if (path === 'authorizer-cache' && method === 'DELETE') {
      json(200, { flushed: authorizer?.flush() ?? 0 });
    } else if (path === 'stats' && method === 'GET') {
      json(200, { stage, apiId, ...snapshot(stats) });
    } else if (path === 'health' && (method === 'GET' || method === 'HEAD')) {
      json(200, { status: 'ok', stage });
    } else {
      json(404, { message: 'unknown admin endpoint', endpoints: ADMIN_ENDPOINTS });
    }
  }

  const server = createServer(
    { maxHeaderSize: options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES, keepAliveTimeout: 5_000 },
    (req, res) => {
      handle(req, res).catch(() => {
        // Never reached by design; a bug here must not take the server down.
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end('{"message": "Internal server error"}');
        } else res.destroy();
      });
    },
  );
  // Parser-level rejections (unknown method, malformed request line, header overflow): answer and close.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const kind: GatewayErrorCase = err.code === 'HPE_HEADER_OVERFLOW' ? 'headersTooLarge' : 'badRequest';
    gatewayCounts[kind] = (gatewayCounts[kind] ?? 0) + 1;
    socket.end(rawResponse(responses[kind], randomUUID()));
  });
  // CONNECT has no resource behind a REST API.
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    gatewayCounts.missingAuthenticationToken = (gatewayCounts.missingAuthenticationToken ?? 0) + 1;
    socket.end(rawResponse(responses.missingAuthenticationToken, randomUUID()));
  });

  const port = await listen(server, options.port ?? 0, host).catch((err: NodeJS.ErrnoException) => {
    const port = options.port ?? 0;
    throw err.code === 'EADDRINUSE'
      ? new GatewayError('port_in_use', `port ${port} is in use on ${host}`, { host, port })
      : new GatewayError('listen_failed', `cannot listen on ${host}:${port}: ${err.code ?? err.message}`, {
          host,
          port,
        });
  });
  const origin = `http://${urlHost(host)}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/${stage}`,
    origin,
    host,
    port,
    stage,
    apiId,
    stats,
    flushAuthorizerCache: () => authorizer?.flush() ?? 0,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // In-flight requests get a moment to finish; then the sockets go.
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      });
      return closing;
    },
  };
}

export const ADMIN_ENDPOINTS = [
  'DELETE /_keygate/authorizer-cache',
  'GET /_keygate/stats',
  'GET /_keygate/health',
] as const;

function snapshot(stats: GatewayStats): Record<string, unknown> {
  return {
    requests: stats.requests,
    integrationInvocations: stats.integrationInvocations,
    authorizerInvocations: stats.authorizerInvocations,
    authorizerCacheHits: stats.authorizerCacheHits,
    authorizerCacheSize: stats.authorizerCacheSize,
    gatewayResponses: stats.gatewayResponses,
  };
}
