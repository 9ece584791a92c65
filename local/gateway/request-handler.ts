// The API Gateway emulator's request pipeline, one named step per stage of a REST API request: parse the
// target, admin paths, route (payload quota, stage, resource, method ARN), read the body, build the proxy
// event, authorize (TOKEN, REQUEST or JWT authorizer), invoke the integration, write its response.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { BodyTooLargeError } from '../errors.js';
import { isLoopbackAddress } from '../host-safety.js';
import { readBody } from '../read-body.js';
import { ADMIN_PREFIX, serveAdmin } from './admin.js';
import { canonicalPath } from './canonical-path.js';
import { CONTROL_PLANE_PREFIX, serveControlPlane } from './control-plane.js';
import { InvocationTimeout } from './errors.js';
import { invokeLambda } from './invoke.js';
import { type AccessLogEntry, type GatewaySettings, MAX_METHOD_ARN_BYTES } from './options.js';
import { buildProxyEvent, mapProxyResult } from './proxy.js';
import type { GatewayErrorCase } from './responses.js';
import type { GatewayRoute } from './router.js';
import type { GatewayCounters } from './stats.js';
import { type AuthorizerOutcome, repeatsHeader } from './token-authorizer.js';
import type { UsageDecision } from './usage-plans.js';

type RouteMatch = NonNullable<ReturnType<GatewaySettings['router']['match']>>;

/** One request and its response: the gateway-response writer and what the access log line reports. */
interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly method: string;
  logPath: string;
  gatewayCase: GatewayErrorCase | undefined;
  authorizerUse: AccessLogEntry['authorizer'];
  /** Answers with the gateway response for `kind` (unless a response already started). */
  sendGateway(kind: GatewayErrorCase, close?: boolean, headers?: Record<string, string>): void;
}

/**
 * A routed stage request: the matched resource, the path as sent (the proxy event's `path`, which keeps a
 * trailing slash: aws/aws-sam-cli#1495) and the method ARN an authorizer sees, built from the same
 * canonical path the router matched (canonical-path.ts): one path, one meaning.
 */
interface Routed {
  readonly match: RouteMatch;
  readonly rawPath: string;
  readonly methodArn: string;
}

type Authorization =
  | { readonly reject: GatewayErrorCase; readonly headers?: Record<string, string> }
  | {
      readonly context: Record<string, unknown> | undefined;
      readonly use: AccessLogEntry['authorizer'];
      /** Set when a Lambda authorizer allowed: the usage plan key it returned (or undefined). */
      readonly usageKey?: string | undefined;
    };

/** The proxy event of a routed request (authorizer context added once authorized) and its trace ids. */
interface BuiltEvent {
  readonly event: APIGatewayProxyEvent;
  readonly traceId: string;
  readonly apigwId: string;
}

const USAGE_REFUSALS = {
  throttled: 'throttled',
  quota_exceeded: 'quotaExceeded',
  invalid_key: 'invalidApiKey',
} as const satisfies Record<Exclude<UsageDecision, 'admitted'>, GatewayErrorCase>;

/** A Lambda authorizer's outcome as the gateway answers it. */
function fromOutcome(outcome: AuthorizerOutcome): Authorization {
  switch (outcome.kind) {
    case 'unauthorized':
      return { reject: 'unauthorized' };
    case 'explicit_deny':
      return { reject: 'accessDeniedExplicit' };
    case 'implicit_deny':
      return { reject: 'accessDeniedImplicit' };
    case 'error':
      return { reject: 'authorizerConfigurationError' };
    case 'allow':
      return {
        context: outcome.authorizer,
        use: outcome.cached ? 'cached' : 'invoked',
        usageKey: outcome.usageIdentifierKey,
      };
  }
}

// RFC 9112 §3.2.2 absolute-form (`GET http://host/stage/path`), as proxies send it: only the scheme and
// authority are dropped. `new URL()` is not used: it resolves dot segments and reads `\` as `/` (WHATWG URL),
// a second reading of the path that the router would then never see.
const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i;

/** Request target: origin-form, or absolute-form from proxies; anything else ('*') is not a resource. */
export function requestTarget(url: string): { fullPath: string; rawQuery: string } | undefined {
  let target = url;
  if (!target.startsWith('/')) {
    const authority = ABSOLUTE_FORM.exec(target);
    if (!authority) return undefined;
    target = target.slice(authority[0].length);
    if (!target.startsWith('/')) target = `/${target}`;
  }
  const q = target.indexOf('?');
  return { fullPath: q < 0 ? target : target.slice(0, q), rawQuery: q < 0 ? '' : target.slice(q + 1) };
}

/** An id like API Gateway's `x-amz-apigw-id` / extendedRequestId. */
function extendedRequestId(): string {
  return randomBytes(12).toString('base64').replace(/[+/=]/g, 'A').slice(0, 16);
}

function traceId(nowMs: number): string {
  return `Root=1-${Math.floor(nowMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

export function createRequestHandler(
  settings: GatewaySettings,
  counters: GatewayCounters,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { stage, region, accountId, apiId, authorizer, jwtAuthorizer, responses, onRequest } = settings;
  const stagePrefix = `/${stage}`;

  function openExchange(req: IncomingMessage, res: ServerResponse): Exchange {
    const started = performance.now();
    const x: Exchange = {
      req,
      res,
      requestId: randomUUID(),
      method: req.method ?? 'GET',
      logPath: req.url ?? '',
      gatewayCase: undefined,
      authorizerUse: undefined,
      sendGateway(kind, close = false, headers = {}) {
        x.gatewayCase = kind;
        counters.gatewayResponse(kind);
        const def = responses[kind];
        if (res.headersSent) return;
        res.statusCode = def.statusCode;
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-amzn-RequestId', x.requestId);
        if (def.errorType) res.setHeader('x-amzn-ErrorType', def.errorType);
        for (const [k, v] of Object.entries({ ...def.headers, ...headers })) res.setHeader(k, v);
        if (close) res.setHeader('connection', 'close');
        res.end(def.body);
      },
    };
    if (onRequest)
      res.on('finish', () => {
        onRequest({
          requestId: x.requestId,
          method: x.method,
          path: x.logPath,
          status: res.statusCode,
          latencyMs: performance.now() - started,
          ...(x.gatewayCase ? { gatewayResponse: x.gatewayCase } : {}),
          ...(x.authorizerUse ? { authorizer: x.authorizerUse } : {}),
        });
      });
    return x;
  }

  /**
   * Admin and control-plane paths (never a stage: stage names exclude them) answer only loopback peers
   * unless asked otherwise (local/host-safety.ts); others fall through to the missing-route 403.
   */
  function serveOutsideStage(x: Exchange, fullPath: string): boolean {
    const admin = fullPath.startsWith(ADMIN_PREFIX);
    if (
      !settings.adminEnabled ||
      !(admin || fullPath.startsWith(CONTROL_PLANE_PREFIX)) ||
      !(settings.adminFromAnyAddress || isLoopbackAddress(x.req.socket.remoteAddress))
    ) {
      return false;
    }
    x.req.resume();
    const flush = () => authorizer?.flush() ?? 0;
    if (admin) {
      serveAdmin(x.method, fullPath.slice(ADMIN_PREFIX.length), x.res, x.requestId, {
        stage,
        apiId,
        stats: counters.stats,
        flushAuthorizerCache: flush,
      });
    } else {
      serveControlPlane(
        x.method,
        fullPath,
        x.req.headers.authorization,
        x.res,
        { apiId, stage, requestId: x.requestId },
        () => authorizer?.flush(),
      );
    }
    return true;
  }

  /**
   * The checks API Gateway makes before reading a body: payload quota, stage, path, resource, ARN length.
   * Routing precedes the authorizer, so an unknown resource is 403 Missing Authentication Token whatever
   * the token (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
   */
  function route(x: Exchange, fullPath: string): Routed | GatewayErrorCase {
    const declared = Number(x.req.headers['content-length'] ?? 0);
    if (declared > settings.maxPayloadBytes) return 'requestTooLarge';
    if (!(fullPath === stagePrefix || fullPath.startsWith(`${stagePrefix}/`))) {
      return 'missingAuthenticationToken';
    }
    const rawPath = fullPath.length === stagePrefix.length ? '/' : fullPath.slice(stagePrefix.length);
    const path = canonicalPath(rawPath);
    if (typeof path === 'string') return path;
    const match = settings.router.match(x.method, path);
    if (!match) return 'missingAuthenticationToken';
    // The concrete request path, not the resource template (dherault/serverless-offline#273).
    const methodArn = `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/${x.method}${path.canonical}`;
    if (Buffer.byteLength(methodArn) > MAX_METHOD_ARN_BYTES) return 'uriTooLong';
    return { match, rawPath, methodArn };
  }

  /** The body within the payload quota; undefined once the request has been answered or dropped. */
  async function readRequestBody(x: Exchange): Promise<Buffer | undefined> {
    try {
      return await readBody(x.req, settings.maxPayloadBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        x.sendGateway('requestTooLarge', true);
        x.req.resume();
      } else x.res.destroy();
      return undefined;
    }
  }

  async function authorize(
    x: Exchange,
    route: GatewayRoute,
    methodArn: string,
    built: BuiltEvent,
  ): Promise<Authorization> {
    if (route.authorizer !== undefined) {
      const step = settings.requestAuthorizers.get(route.authorizer)!;
      return fromOutcome(await step.authorize(built.event, methodArn));
    }
    const guarded = settings.authorizeRoute(route) && (jwtAuthorizer || authorizer);
    if (!guarded) return { context: undefined, use: undefined };
    // Which of two tokens API Gateway judges is undocumented: refuse rather than let the authorizer and
    // the integration see different ones (docs/token-lifetime.md).
    if (repeatsHeader(x.req.rawHeaders, authorizer?.identityHeader ?? 'authorization')) {
      return { reject: 'badRequest' };
    }
    if (jwtAuthorizer) {
      const outcome = await jwtAuthorizer.authorize(x.req.headers, route.scopes);
      if (outcome.kind !== 'allow') {
        const kind = outcome.kind === 'unauthorized' ? 'unauthorized' : 'jwtForbidden';
        return { reject: kind, headers: { 'WWW-Authenticate': outcome.wwwAuthenticate } };
      }
      return { context: outcome.authorizer, use: undefined };
    }
    return fromOutcome(await authorizer!.authorize(x.req.headers, methodArn));
  }

  /** The proxy event of the request as it arrived; a REQUEST authorizer sees its request parts. */
  function buildEvent(x: Exchange, routed: Routed, rawQuery: string, body: Buffer): BuiltEvent {
    const { req, requestId, method } = x;
    const { match, rawPath } = routed;
    const nowMs = settings.now();
    const tid = traceId(nowMs);
    const apigwId = extendedRequestId();
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
        extendedRequestId: apigwId,
        traceId: tid,
        accountId,
        apiId,
        region,
        now: nowMs,
        binary: settings.isBinary,
        stageVariables: settings.stageVariables,
      },
    );
    return { event, traceId: tid, apigwId };
  }

  /** Invokes the route's Lambda with the proxy event and writes its response (or a gateway response). */
  async function integrate(
    x: Exchange,
    routed: Routed,
    built: BuiltEvent,
    authorizerContext: Record<string, unknown> | undefined,
  ): Promise<void> {
    const { res, requestId, method } = x;
    const { match } = routed;
    const { traceId: tid, apigwId } = built;
    const event = authorizerContext
      ? { ...built.event, requestContext: { ...built.event.requestContext, authorizer: authorizerContext } }
      : built.event;

    counters.integrationInvocation();
    let result: unknown;
    try {
      result = await invokeLambda(settings.handlers[match.route.handler]!, event, {
        functionName: match.route.handler,
        timeoutMs: settings.integrationTimeoutMs,
        region,
        accountId,
      });
    } catch (err) {
      x.sendGateway(err instanceof InvocationTimeout ? 'integrationTimeout' : 'integrationFailure');
      return;
    }
    const mapped = mapProxyResult(result);
    if (typeof mapped === 'string') {
      x.sendGateway('integrationFailure');
      return;
    }
    if (res.headersSent || res.destroyed) return;
    try {
      res.statusCode = mapped.statusCode;
      for (const [lower, { name, values }] of mapped.headers) {
        if (lower === 'content-length') continue;
        const outName = settings.remapped.has(lower) ? `x-amzn-Remapped-${name}` : name;
        res.setHeader(outName, values.length === 1 ? values[0]! : values);
      }
      if (!mapped.headers.has('content-type')) res.setHeader('content-type', 'application/json');
      res.setHeader('x-amzn-RequestId', requestId);
      res.setHeader('x-amz-apigw-id', apigwId);
      res.setHeader('X-Amzn-Trace-Id', tid);
      const bodyless = method === 'HEAD' || mapped.statusCode === 204 || mapped.statusCode === 304;
      res.setHeader('content-length', bodyless ? 0 : mapped.body.length);
      res.end(bodyless ? undefined : mapped.body);
    } catch {
      // A header value node refuses (e.g. non-latin1): API Gateway would call the response malformed.
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      x.sendGateway('integrationFailure');
    }
  }

  return async function handle(req, res) {
    counters.request();
    const x = openExchange(req, res);
    const target = requestTarget(req.url ?? '');
    if (!target) {
      x.sendGateway('badRequest');
      return;
    }
    x.logPath = target.fullPath;
    if (serveOutsideStage(x, target.fullPath)) return;

    const routed = route(x, target.fullPath);
    if (typeof routed === 'string') {
      x.sendGateway(routed, routed === 'requestTooLarge');
      req.resume();
      return;
    }
    const body = await readRequestBody(x);
    if (body === undefined) return;

    const built = buildEvent(x, routed, target.rawQuery, body);
    const auth = await authorize(x, routed.match.route, routed.methodArn, built);
    if ('reject' in auth) {
      x.sendGateway(auth.reject, false, auth.headers);
      return;
    }
    x.authorizerUse = auth.use;
    // Usage plans apply after the authorizer, to methods that require a key: those a Lambda authorizer guards.
    if (settings.usagePlans !== undefined && 'usageKey' in auth) {
      const decision = settings.usagePlans.admit(auth.usageKey);
      if (decision !== 'admitted') {
        x.sendGateway(USAGE_REFUSALS[decision]);
        return;
      }
    }
    await integrate(x, routed, built, auth.context);
  };
}
