// The API Gateway emulator's options: the REST API quotas it enforces by default, the option types, and
// the checks that turn GatewayOptions into the resolved settings the request pipeline reads (once, at start).
import { randomBytes } from 'node:crypto';
import { GatewayError } from './errors.js';
import type { LambdaFunction } from './invoke.js';
import type { JwtAuthorizer } from './jwt-authorizer.js';
import { binaryMediaTypesMatcher, defaultIsBinary } from './proxy.js';
import { createRequestAuthorizerStep, type RequestAuthorizerOptions } from './request-authorizer.js';
import {
  type GatewayErrorCase,
  type GatewayResponseCustomizations,
  type GatewayResponseHeaders,
  type GatewayResponseOverrides,
  resolveGatewayResponses,
} from './responses.js';
import { createRouter, type GatewayRoute } from './router.js';
import { createTokenAuthorizerStep, type TokenAuthorizerOptions } from './token-authorizer.js';
import { createUsagePlanLimiter, type UsagePlanKey, type UsagePlanLimiter } from './usage-plans.js';

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
  /** REQUEST authorizers by name; a route names its own (GatewayRoute.authorizer). */
  readonly requestAuthorizers?: Readonly<Record<string, RequestAuthorizerOptions>>;
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
  /** Status, headers and body per gateway response type, like CDK `addGatewayResponse`. */
  readonly gatewayResponses?: GatewayResponseCustomizations;
  /** Lower-case header names renamed to x-amzn-Remapped-*; [] disables. */
  readonly remapResponseHeaders?: readonly string[];
  /** API binaryMediaTypes; default: every non-text media type is binary (base64 in the event). */
  readonly binaryMediaTypes?: readonly string[];
  readonly stageVariables?: Readonly<Record<string, string>>;
  /**
   * Usage plans (apiKeySource AUTHORIZER): each plan's key and limits. Set: every route a Lambda authorizer
   * guards requires a key (apiKeyRequired), the usageIdentifierKey its answer carries. Default none.
   */
  readonly usagePlans?: readonly UsagePlanKey[];
  /** Clock (epoch ms) for the authorizer result cache and the request time events carry. Default Date.now. */
  readonly now?: () => number;
  /** Serve `/_keygate/*` admin endpoints. Default true. */
  readonly adminEndpoints?: boolean;
  /** Answer admin endpoints for non-loopback peers too. Default false: others get the missing-route 403. */
  readonly adminFromAnyAddress?: boolean;
  /** Called once per finished request (access log). */
  readonly onRequest?: (entry: AccessLogEntry) => void;
}

const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const API_ID = /^[a-z0-9]{10}$/;

function randomApiId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(10), (b) => alphabet[b % alphabet.length]).join('');
}

/** GatewayOptions with every default applied and every check passed. */
export interface GatewaySettings {
  readonly stage: string;
  readonly region: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly host: string;
  readonly integrationTimeoutMs: number;
  readonly maxPayloadBytes: number;
  readonly router: ReturnType<typeof createRouter>;
  readonly handlers: GatewayOptions['handlers'];
  readonly authorizer: ReturnType<typeof createTokenAuthorizerStep> | undefined;
  readonly jwtAuthorizer: GatewayOptions['jwtAuthorizer'];
  readonly authorizeRoute: (route: GatewayRoute) => boolean;
  readonly requestAuthorizers: ReadonlyMap<string, ReturnType<typeof createRequestAuthorizerStep>>;
  readonly responses: ReturnType<typeof resolveGatewayResponses>;
  readonly remapped: ReadonlySet<string>;
  readonly isBinary: ReturnType<typeof binaryMediaTypesMatcher>;
  readonly stageVariables: Readonly<Record<string, string>> | null;
  readonly adminEnabled: boolean;
  readonly adminFromAnyAddress: boolean;
  readonly onRequest: GatewayOptions['onRequest'];
  readonly now: () => number;
  readonly usagePlans: UsagePlanLimiter | undefined;
}

/** Applies the defaults and checks the options; throws GatewayError('gateway_config') naming the problem. */
export function resolveGatewayOptions(options: GatewayOptions): GatewaySettings {
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
  const now = options.now ?? Date.now;
  for (const r of options.routes) {
    if (typeof options.handlers[r.handler] !== 'function') {
      throw new GatewayError(
        'gateway_config',
        `no handler function for "${r.handler}" (${r.method} ${r.path})`,
      );
    }
  }
  const requestAuthorizers = new Map(
    Object.entries(options.requestAuthorizers ?? {}).map(([name, opts]) => [
      name,
      createRequestAuthorizerStep({ functionName: name, ...opts }, { region, accountId, now }),
    ]),
  );
  for (const r of options.routes) {
    if (r.authorizer !== undefined && !requestAuthorizers.has(r.authorizer)) {
      throw new GatewayError(
        'gateway_config',
        `no REQUEST authorizer "${r.authorizer}" (${r.method} ${r.path})`,
      );
    }
  }
  let router: ReturnType<typeof createRouter>;
  try {
    router = createRouter(options.routes);
  } catch (err) {
    throw new GatewayError('gateway_config', (err as Error).message);
  }
  return {
    stage,
    region,
    accountId,
    apiId,
    host: options.host ?? '127.0.0.1',
    integrationTimeoutMs: options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS,
    maxPayloadBytes: options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES,
    router,
    handlers: options.handlers,
    authorizer: options.authorizer
      ? createTokenAuthorizerStep(options.authorizer, { region, accountId, now })
      : undefined,
    jwtAuthorizer: options.jwtAuthorizer,
    authorizeRoute: options.authorizeRoute ?? ((r: GatewayRoute) => r.scopes.length > 0),
    requestAuthorizers,
    responses: resolveGatewayResponses(options.responses, options.responseHeaders, options.gatewayResponses),
    remapped: new Set(
      (options.remapResponseHeaders ?? DEFAULT_REMAPPED_RESPONSE_HEADERS).map((h) => h.toLowerCase()),
    ),
    isBinary: options.binaryMediaTypes ? binaryMediaTypesMatcher(options.binaryMediaTypes) : defaultIsBinary,
    stageVariables: options.stageVariables ? { ...options.stageVariables } : null,
    adminEnabled: options.adminEndpoints ?? true,
    adminFromAnyAddress: options.adminFromAnyAddress ?? false,
    onRequest: options.onRequest,
    now,
    usagePlans: options.usagePlans ? createUsagePlanLimiter(options.usagePlans, now) : undefined,
  };
}
