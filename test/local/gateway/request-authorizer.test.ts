// The emulator's REQUEST authorizer step (result cache off, no identity source): the REST REQUEST event
// ("Input to an API Gateway Lambda authorizer"), one invocation per request, the TOKEN step's answers
// (`Unauthorized` 401, a throw 500, the policy decides), and per-type gateway response customization.
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Gateway,
  type GatewayRoute,
  type LambdaFunction,
  startGateway,
} from '../../../local/gateway/index.js';
import { send } from './http.js';

const ROUTES: GatewayRoute[] = [
  { method: 'POST', path: '/token/{kind}', handler: 'echo', scopes: [], authorizer: 'client-auth' },
  { method: 'GET', path: '/open', handler: 'echo', scopes: [] },
];
const ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/test';

const seen: APIGatewayRequestAuthorizerEvent[] = [];
// The toy authorizer's answer is chosen by the path parameter.
const authorizer: LambdaFunction = async (event: APIGatewayRequestAuthorizerEvent) => {
  seen.push(event);
  const allowOn = (resource: string) => ({
    principalId: 'client-1',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }],
    },
    context: { via: 'request' },
  });
  switch (event.pathParameters?.kind) {
    case 'allow':
      return allowOn(event.methodArn);
    case 'elsewhere':
      return allowOn(`${ARN}/GET/open`);
    case 'unauthorized':
      throw new Error('Unauthorized');
    case 'malformed':
      return { principalId: 'x' };
    default:
      throw new Error('boom');
  }
};

const echo: LambdaFunction = async (event: APIGatewayProxyEvent) => ({
  statusCode: 200,
  body: JSON.stringify({ authorizer: event.requestContext.authorizer, body: event.body }),
});

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({
    routes: ROUTES,
    handlers: { echo },
    stage: 'test',
    apiId: 'abcdef1234',
    requestAuthorizers: { 'client-auth': { handler: authorizer } },
    gatewayResponses: {
      UNAUTHORIZED: {
        statusCode: 401,
        headers: { 'WWW-Authenticate': 'Basic realm="t"' },
        body: '{"error":"x"}',
      },
      AUTHORIZER_CONFIGURATION_ERROR: { statusCode: 503, body: '{"error":"y"}' },
    },
  });
});
afterAll(() => gw.close());
beforeEach(() => {
  seen.length = 0;
});

const post = (kind: string, headers: Record<string, string | string[]> = {}) =>
  send(gw.origin, { method: 'POST', path: `/test/token/${kind}?a=1&a=2`, headers, body: 'secret=body' });

describe('REQUEST authorizer step', () => {
  it('invokes the authorizer with the REST REQUEST event: request parts, method ARN, no body', async () => {
    const r = await post('allow', { authorization: ['Basic one', 'Basic two'], 'x-custom': 'v' });
    expect(r.status).toBe(200);
    expect(seen).toHaveLength(1);
    const event = seen[0]!;
    expect(Object.keys(event).sort()).toEqual(
      [
        'type',
        'methodArn',
        'resource',
        'path',
        'httpMethod',
        'headers',
        'multiValueHeaders',
        'queryStringParameters',
        'multiValueQueryStringParameters',
        'pathParameters',
        'stageVariables',
        'requestContext',
      ].sort(),
    );
    expect(event).toMatchObject({
      type: 'REQUEST',
      methodArn: `${ARN}/POST/token/allow`,
      resource: '/token/{kind}',
      path: '/token/allow',
      httpMethod: 'POST',
      queryStringParameters: { a: '2' },
      multiValueQueryStringParameters: { a: ['1', '2'] },
      pathParameters: { kind: 'allow' },
      stageVariables: null,
    });
    expect(event.headers?.['x-custom']).toBe('v');
    expect(event.multiValueHeaders?.authorization).toEqual(['Basic one', 'Basic two']);
    expect(event.requestContext).toMatchObject({
      stage: 'test',
      httpMethod: 'POST',
      resourcePath: '/token/{kind}',
    });
    expect(event.requestContext).not.toHaveProperty('authorizer');
  });

  it('hands the allowed request to the integration with the authorizer context and the body', async () => {
    const r = await post('allow');
    expect(r.json()).toEqual({
      authorizer: { principalId: 'client-1', integrationLatency: expect.any(Number), via: 'request' },
      body: 'secret=body',
    });
  });

  it('invokes the authorizer on every request (result cache off)', async () => {
    await post('allow');
    await post('allow');
    expect(seen).toHaveLength(2);
  });

  it.each([
    ['Unauthorized', 'unauthorized', 401, '{"error":"x"}', { 'www-authenticate': 'Basic realm="t"' }],
    ['a throw', 'boom', 503, '{"error":"y"}', { 'x-amzn-errortype': 'AuthorizerConfigurationException' }],
    ['malformed output', 'malformed', 503, '{"error":"y"}', {}],
    [
      'a policy not covering the method (implicit deny)',
      'elsewhere',
      403,
      '{"Message":"User is not authorized to access this resource"}',
      {},
    ],
  ])('answers %s with the customized gateway response', async (_, kind, status, body, headers) => {
    const before = gw.stats.integrationInvocations;
    const r = await post(kind);
    expect(r.status).toBe(status);
    expect(r.text).toBe(body);
    expect(r.headers).toMatchObject(headers);
    expect(gw.stats.integrationInvocations).toBe(before);
  });

  it('leaves routes that name no authorizer alone', async () => {
    const r = await send(gw.origin, { path: '/test/open' });
    expect(r.status).toBe(200);
    expect(seen).toHaveLength(0);
  });

  it.each([
    [
      'a route names an authorizer that is not configured',
      { requestAuthorizers: {} },
      /no REQUEST authorizer "client-auth"/,
    ],
    [
      'a REQUEST authorizer asks for a result cache',
      { requestAuthorizers: { 'client-auth': { handler: authorizer, resultsCacheTtlSeconds: 300 as 0 } } },
      /result cache off/,
    ],
  ])('refuses to start when %s', async (_, options, message) => {
    await expect(startGateway({ routes: ROUTES, handlers: { echo }, ...options })).rejects.toThrow(message);
  });
});
