// The token endpoint's client authenticator (REST REQUEST authorizer): which requests it refuses with
// `Unauthorized` (API Gateway's 401 with the Basic challenge) and which it lets through to the token Lambda,
// against real clients in dynalite through the real DynamoDB client.
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClientRegistry } from '../../core/issuer/clients/client-registry.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../fixtures/dynalite.js';
import {
  type ClientAuthLogger,
  type ClientAuthMetrics,
  createDeps,
  createHandler,
  loadConfig,
} from '../../handlers/token-client-auth.js';
import { basicAuth } from '../support/basic-auth.js';

const TABLE = 'keygate-clients';
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/POST/oauth2/token';

let db: DynaliteServer;
let registry: ClientRegistry;
let active: { id: string; secret: string };
let disabled: { id: string; secret: string };
const logLines: unknown[][] = [];
const metricLines: unknown[][] = [];

const logger: ClientAuthLogger = {
  info: (...args: unknown[]) => void logLines.push(['info', ...args]),
  warn: (...args: unknown[]) => void logLines.push(['warn', ...args]),
} as ClientAuthLogger;
const metrics = {
  singleMetric: () => ({
    addDimension: (...args: unknown[]) => void metricLines.push(['dimension', ...args]),
    addMetric: (...args: unknown[]) => void metricLines.push(['metric', ...args]),
  }),
} as unknown as ClientAuthMetrics;

function handlerOn(endpoint: string) {
  return createHandler(
    createDeps(loadConfig({ CLIENTS_TABLE: TABLE }), {
      dynamodb: localDynamo(endpoint, { maxAttempts: 1 }),
      logger,
      metrics,
    }),
  );
}

function event(
  headers: Record<string, string>,
  multi?: Record<string, string[]>,
): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    resource: '/oauth2/token',
    path: '/oauth2/token',
    httpMethod: 'POST',
    headers,
    multiValueHeaders: multi ?? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: { requestId: 'req-1' } as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

const allowPolicy = (principalId: string) => ({
  principalId,
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: METHOD_ARN }],
  },
});

let handler: ReturnType<typeof createHandler>;

beforeAll(async () => {
  db = await startDynalite();
  registry = await createTestRegistry({ dynamodb: localDynamo(db.endpoint), tableName: TABLE });
  const a = await registry.create({ name: 'active', scopes: ['products/read'] });
  const d = await registry.create({ name: 'disabled', scopes: ['products/read'] });
  await registry.setStatus(d.record.clientId, 'disabled');
  active = { id: a.record.clientId, secret: a.clientSecret };
  disabled = { id: d.record.clientId, secret: d.clientSecret };
  handler = handlerOn(db.endpoint);
}, 60_000);
afterAll(() => db?.close());
beforeEach(() => {
  logLines.length = 0;
  metricLines.length = 0;
});

describe('token client authenticator', () => {
  it.each([
    ['no Authorization header (client_secret_post, or no credentials)', () => ({})],
    ['a malformed Basic header (the token Lambda answers 400)', () => ({ Authorization: 'Basic !!!' })],
    [
      'Basic without a colon (the token Lambda answers 400)',
      () => ({ Authorization: `Basic ${btoa('nocolon')}` }),
    ],
  ])('lets %s through to the token Lambda, unauthenticated', async (_, headers) => {
    await expect(handler(event(headers()))).resolves.toEqual(allowPolicy('unauthenticated'));
    expect(logLines).toEqual([]);
  });

  it('lets a repeated Authorization header through (the token Lambda answers 400)', async () => {
    const value = basicAuth(active.id, active.secret);
    const e = event({ Authorization: value }, { Authorization: [value, value] });
    await expect(handler(e)).resolves.toEqual(allowPolicy('unauthenticated'));
  });

  it('allows the right client_secret_basic credentials with the client id as principal', async () => {
    const e = event({ authorization: basicAuth(active.id, active.secret) });
    await expect(handler(e)).resolves.toEqual(allowPolicy(active.id));
  });

  it.each([
    ['a wrong secret', () => basicAuth(active.id, 'not-the-secret')],
    ['an unknown client', () => basicAuth('kg_unknown', 'whatever')],
    ['a disabled client', () => basicAuth(disabled.id, disabled.secret)],
    ['an empty secret', () => basicAuth(active.id, '')],
    ['another scheme', () => 'Bearer abc'],
  ])('refuses %s with Unauthorized, logged and counted as invalid_client', async (_, authorization) => {
    await expect(handler(event({ Authorization: authorization() }))).rejects.toThrow(/^Unauthorized$/);
    expect(logLines).toEqual([
      [
        'info',
        'token client authentication',
        expect.objectContaining({ outcome: 'refused', requestId: 'req-1' }),
      ],
    ]);
    expect(metricLines).toEqual([
      ['dimension', 'error', 'invalid_client'],
      ['metric', 'TokenErrors', 'Count', 1],
    ]);
  });

  it('never logs the presented secret', async () => {
    await expect(handler(event({ Authorization: basicAuth(active.id, 'leaky-secret') }))).rejects.toThrow();
    expect(JSON.stringify(logLines)).not.toContain('leaky-secret');
    expect(JSON.stringify(logLines)).toContain(active.id);
  });

  it('lets the request through when the registry is down: the token Lambda answers the outage', async () => {
    const doomed = await startDynalite();
    await doomed.close();
    const e = event({ Authorization: basicAuth(active.id, active.secret) });
    await expect(handlerOn(doomed.endpoint)(e)).resolves.toEqual(allowPolicy('unauthenticated'));
    expect(logLines).toEqual([
      [
        'warn',
        'token client authentication',
        expect.objectContaining({
          outcome: 'passed_on',
          reason: 'dependency',
          errorCode: 'dependency_unavailable',
        }),
      ],
    ]);
  });
});
