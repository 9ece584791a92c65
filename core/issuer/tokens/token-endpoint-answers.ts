// What the token endpoint answers, whether the token Lambda answers or API Gateway does for it (the auth
// API's gateway responses, docs/token-endpoint-401.md): one set of texts and headers for both, so a client
// cannot tell who refused it. Plain constants, no imports: infra and the local stack read them too.

/** RFC 7617 realm of the `invalid_client` challenge (RFC 6749 §5.2). */
export const TOKEN_REALM = 'keygate';

/** RFC 6749 §5.2: a client that tried the Authorization header gets a challenge for that scheme. */
export const BASIC_CHALLENGE = `Basic realm="${TOKEN_REALM}"`;

/** One text for unknown client, wrong secret and disabled client: RFC 6749 §10.2, indistinguishable. */
export const INVALID_CLIENT_DESCRIPTION = 'client authentication failed';

/** The public text of any failure on our side (never the cause: it may name tables or keys). */
export const SERVER_ERROR_DESCRIPTION = 'the server failed to process the request';

/** RFC 6749 §5.1: token responses, errors included (they may echo client input), are never cached. */
export const TOKEN_RESPONSE_HEADERS = {
  'Content-Type': 'application/json;charset=UTF-8',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
} as const;

/** A gateway response as CDK's `addGatewayResponse` sets it: status, static headers, a static JSON body. */
export interface StaticGatewayResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const oauthError = (statusCode: number, error: string, description: string, extra = {}) => ({
  statusCode,
  headers: { ...TOKEN_RESPONSE_HEADERS, ...extra },
  body: JSON.stringify({ error, error_description: description }),
});

const serverError = oauthError(500, 'server_error', SERVER_ERROR_DESCRIPTION);

/**
 * The auth API's gateway responses, by AWS response type ("Gateway response types for API Gateway",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
 * UNAUTHORIZED is the token endpoint's client authenticator refusing Basic credentials: the same 401 the
 * token Lambda gives, with the challenge a proxy integration cannot deliver. The authorizer-failure types
 * (its Lambda crashed or timed out; AWS does not say which of the two a thrown error selects, so both) get
 * the token Lambda's own 500 instead of `{"message": null}`.
 */
export const TOKEN_GATEWAY_RESPONSES = {
  UNAUTHORIZED: oauthError(401, 'invalid_client', INVALID_CLIENT_DESCRIPTION, {
    'WWW-Authenticate': BASIC_CHALLENGE,
  }),
  AUTHORIZER_FAILURE: serverError,
  AUTHORIZER_CONFIGURATION_ERROR: serverError,
} as const satisfies Readonly<Record<string, StaticGatewayResponse>>;
