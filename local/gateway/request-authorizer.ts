// API Gateway's Lambda REQUEST authorizer step, result cache off and no identity source (the token endpoint's
// client authenticator, docs/token-endpoint-401.md): every request invokes the Lambda with the REST REQUEST
// event ("Input to an API Gateway Lambda authorizer", docs/design.md#token-authorizer) and the answer follows
// the TOKEN step's rules: `Unauthorized` is 401, anything malformed or thrown is 500, the policy decides.
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { GatewayError } from './errors.js';
import { invokeLambda, type LambdaFunction } from './invoke.js';
import {
  type AuthorizerOutcome,
  isUnauthorized,
  policyOutcome,
  validateAuthorizerOutput,
} from './token-authorizer.js';

export interface RequestAuthorizerOptions {
  /** The authorizer Lambda handler (receives APIGatewayRequestAuthorizerEvent). */
  readonly handler: LambdaFunction;
  /**
   * authorizerResultTtlInSeconds: only 0 is emulated. With caching on, API Gateway needs identity sources
   * and answers 401 itself when one is missing, which the deployed authorizers never configure.
   */
  readonly resultsCacheTtlSeconds?: 0;
  /** How long API Gateway waits for the authorizer. Default 29000 ms. */
  readonly timeoutMs?: number;
  readonly functionName?: string;
}

export interface RequestAuthorizerStep {
  /** `event` is the request as the integration would see it (no authorizer context yet). */
  authorize(event: APIGatewayProxyEvent, methodArn: string): Promise<AuthorizerOutcome>;
}

/** The REST API REQUEST authorizer event: the proxy event's request parts, without body, plus type and ARN. */
export function requestAuthorizerEvent(
  event: APIGatewayProxyEvent,
  methodArn: string,
): APIGatewayRequestAuthorizerEvent {
  const { authorizer: _, ...requestContext } = event.requestContext;
  return {
    type: 'REQUEST',
    methodArn,
    resource: event.resource,
    path: event.path,
    httpMethod: event.httpMethod,
    headers: event.headers,
    multiValueHeaders: event.multiValueHeaders,
    queryStringParameters: event.queryStringParameters,
    multiValueQueryStringParameters: event.multiValueQueryStringParameters,
    pathParameters: event.pathParameters,
    stageVariables: event.stageVariables,
    requestContext: requestContext as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

export function createRequestAuthorizerStep(
  opts: RequestAuthorizerOptions,
  env: { region: string; accountId: string; now: () => number },
): RequestAuthorizerStep {
  if ((opts.resultsCacheTtlSeconds ?? 0) !== 0) {
    throw new GatewayError(
      'gateway_config',
      'a REQUEST authorizer is emulated with its result cache off (TTL 0)',
    );
  }
  const invokeOpts = {
    functionName: opts.functionName ?? 'request-authorizer',
    timeoutMs: opts.timeoutMs ?? 29_000,
    region: env.region,
    accountId: env.accountId,
  };
  return {
    async authorize(event, methodArn) {
      const started = env.now();
      let out: unknown;
      try {
        out = await invokeLambda(opts.handler, requestAuthorizerEvent(event, methodArn), invokeOpts);
      } catch (err) {
        if (isUnauthorized(err)) return { kind: 'unauthorized' };
        return { kind: 'error', reason: err instanceof Error ? err.name : 'invocation failed' };
      }
      const valid = validateAuthorizerOutput(out);
      if (typeof valid === 'string') return { kind: 'error', reason: valid };
      return policyOutcome(valid, methodArn, Math.max(0, Math.round(env.now() - started)), false);
    },
  };
}
