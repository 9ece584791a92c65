// API Gateway's own ("gateway") responses: status, body bytes and x-amzn-ErrorType exactly as a REST API
// sends them by default (docs/design.md#gateway-responses; texts marked observed there are configurable here), plus static headers
// per response type the way CDK's `addGatewayResponse` adds e.g. WWW-Authenticate.

/** The AWS gateway response types the emulator can produce. */
export type GatewayResponseType =
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'AUTHORIZER_FAILURE'
  | 'INTEGRATION_FAILURE'
  | 'INTEGRATION_TIMEOUT'
  | 'REQUEST_TOO_LARGE'
  | 'BAD_REQUEST_PARAMETERS'
  | 'THROTTLED'
  | 'QUOTA_EXCEEDED'
  | 'INVALID_API_KEY'
  | 'DEFAULT_4XX'
  | 'DEFAULT_5XX';

/** Each distinct answer the emulator gives (ACCESS_DENIED has two texts: explicit and implicit deny). */
export type GatewayErrorCase =
  | 'missingAuthenticationToken'
  | 'unauthorized'
  | 'accessDeniedExplicit'
  | 'accessDeniedImplicit'
  | 'jwtForbidden'
  | 'authorizerConfigurationError'
  | 'integrationFailure'
  | 'integrationTimeout'
  | 'requestTooLarge'
  | 'uriTooLong'
  | 'headersTooLarge'
  | 'badRequest'
  | 'throttled'
  | 'quotaExceeded'
  | 'invalidApiKey';

export interface GatewayResponseDef {
  readonly type: GatewayResponseType;
  readonly statusCode: number;
  /** Exact body bytes (API Gateway's default templates are not uniformly spaced; kept verbatim). */
  readonly body: string;
  /** x-amzn-ErrorType, when API Gateway sends one for this case. */
  readonly errorType?: string;
}

export const DEFAULT_GATEWAY_RESPONSES: Readonly<Record<GatewayErrorCase, GatewayResponseDef>> = {
  // An unknown resource or method is 403, not 404: API Gateway does not reveal which paths exist.
  missingAuthenticationToken: {
    type: 'MISSING_AUTHENTICATION_TOKEN',
    statusCode: 403,
    body: '{"message":"Missing Authentication Token"}',
    errorType: 'MissingAuthenticationTokenException',
  },
  unauthorized: {
    type: 'UNAUTHORIZED',
    statusCode: 401,
    body: '{"message":"Unauthorized"}',
    errorType: 'UnauthorizedException',
  },
  accessDeniedExplicit: {
    type: 'ACCESS_DENIED',
    statusCode: 403,
    body: '{"Message":"User is not authorized to access this resource with an explicit deny"}',
    errorType: 'AccessDeniedException',
  },
  accessDeniedImplicit: {
    type: 'ACCESS_DENIED',
    statusCode: 403,
    body: '{"Message":"User is not authorized to access this resource"}',
    errorType: 'AccessDeniedException',
  },
  // A JWT authorizer's valid token without the method's scopes: 403 (AWS, "Attach a JWT authorizer to methods
  // and require scopes"). The REST pages give no body; this is the HTTP API JWT authorizer's.
  jwtForbidden: {
    type: 'ACCESS_DENIED',
    statusCode: 403,
    body: '{"message":"Forbidden"}',
    errorType: 'AccessDeniedException',
  },
  authorizerConfigurationError: {
    type: 'AUTHORIZER_CONFIGURATION_ERROR',
    statusCode: 500,
    body: '{"message": null}',
    errorType: 'AuthorizerConfigurationException',
  },
  integrationFailure: {
    type: 'DEFAULT_5XX',
    statusCode: 502,
    body: '{"message": "Internal server error"}',
    errorType: 'InternalServerErrorException',
  },
  integrationTimeout: {
    type: 'INTEGRATION_TIMEOUT',
    statusCode: 504,
    body: '{"message": "Endpoint request timed out"}',
  },
  requestTooLarge: {
    type: 'REQUEST_TOO_LARGE',
    statusCode: 413,
    body: '{"message":"Request Too Long"}',
  },
  // A method ARN over 1600 bytes (docs/design.md#arn-limits).
  uriTooLong: {
    type: 'REQUEST_TOO_LARGE',
    statusCode: 414,
    body: '{"message":"Request-URI Too Long"}',
  },
  headersTooLarge: {
    type: 'DEFAULT_4XX',
    statusCode: 431,
    body: '{"message":"Request Header Fields Too Large"}',
  },
  badRequest: {
    type: 'DEFAULT_4XX',
    statusCode: 400,
    body: '{"message":"Bad Request"}',
  },
  // Usage plans (local/gateway/usage-plans.ts). THROTTLED and QUOTA_EXCEEDED are 429 ("Gateway response types
  // for API Gateway"); the texts are the ones AWS's "How do I troubleshoot 429 Too Many Requests or Limit
  // Exceeded errors" (repost.aws/knowledge-center/api-gateway-429-limit) names. A throttled answer as received
  // from a REST API (31-byte body, x-amzn-ErrorType TooManyRequestsException): amberelectric/public-api#280.
  throttled: {
    type: 'THROTTLED',
    statusCode: 429,
    body: '{"message":"Too Many Requests"}',
    errorType: 'TooManyRequestsException',
  },
  quotaExceeded: {
    type: 'QUOTA_EXCEEDED',
    statusCode: 429,
    body: '{"message":"Limit Exceeded"}',
    errorType: 'LimitExceededException',
  },
  // A method requiring a key whose request carries none in a plan of the stage: INVALID_API_KEY, 403.
  invalidApiKey: {
    type: 'INVALID_API_KEY',
    statusCode: 403,
    body: '{"message":"Forbidden"}',
    errorType: 'ForbiddenException',
  },
};

export type GatewayResponseOverrides = Partial<Record<GatewayErrorCase, Partial<GatewayResponseDef>>>;
export type GatewayResponseHeaders = Partial<Record<GatewayResponseType, Readonly<Record<string, string>>>>;

/** One response type customized the way CDK's `addGatewayResponse` does: status, static headers, body. */
export interface GatewayResponseCustomization {
  readonly statusCode?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}
export type GatewayResponseCustomizations = Partial<
  Record<GatewayResponseType, GatewayResponseCustomization>
>;

export interface ResolvedGatewayResponse extends GatewayResponseDef {
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Merges per-case overrides, per-type customizations (every case of that type) and per-type static headers
 * (DEFAULT_4XX/5XX headers apply under specific ones).
 */
export function resolveGatewayResponses(
  overrides: GatewayResponseOverrides = {},
  headersByType: GatewayResponseHeaders = {},
  byType: GatewayResponseCustomizations = {},
): Readonly<Record<GatewayErrorCase, ResolvedGatewayResponse>> {
  const out = {} as Record<GatewayErrorCase, ResolvedGatewayResponse>;
  for (const key of Object.keys(DEFAULT_GATEWAY_RESPONSES) as GatewayErrorCase[]) {
    const base = DEFAULT_GATEWAY_RESPONSES[key];
    const { headers: customHeaders, ...custom } = byType[base.type] ?? {};
    const def = { ...base, ...custom, ...overrides[key] };
    const fallback = def.statusCode >= 500 ? headersByType.DEFAULT_5XX : headersByType.DEFAULT_4XX;
    out[key] = { ...def, headers: { ...fallback, ...headersByType[def.type], ...customHeaders } };
  }
  return out;
}
