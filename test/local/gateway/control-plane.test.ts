// FlushStageAuthorizersCache against the emulator through the real @aws-sdk/client-api-gateway: 202 and
// an empty cache for this API and stage, NotFoundException for another, 403 without a signature.
import { APIGatewayClient, FlushStageAuthorizersCacheCommand } from '@aws-sdk/client-api-gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, type LambdaFunction, startGateway } from '../../../local/gateway/index.js';
import { send } from './http.js';

const allowAll: LambdaFunction = async (event: { methodArn: string }) => ({
  principalId: 'c',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${event.methodArn}` }],
  },
});
const echo: LambdaFunction = async () => ({ statusCode: 200, body: '{}' });

let gw: Gateway;
let sdk: APIGatewayClient;
beforeAll(async () => {
  gw = await startGateway({
    routes: [{ method: 'GET', path: '/products', handler: 'echo', scopes: ['products/read'] }],
    handlers: { echo },
    stage: 'test',
    apiId: 'abcdef1234',
    authorizer: { handler: allowAll },
  });
  sdk = new APIGatewayClient({
    endpoint: gw.origin,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  sdk.destroy();
  await gw.close();
});

const call = () => send(gw.origin, { path: '/test/products', headers: { Authorization: 'Bearer a.b.c' } });

describe('FlushStageAuthorizersCache', () => {
  it('empties the authorizer cache of this API and stage', async () => {
    await call();
    expect(gw.stats.authorizerCacheSize).toBe(1);
    const out = await sdk.send(
      new FlushStageAuthorizersCacheCommand({ restApiId: 'abcdef1234', stageName: 'test' }),
    );
    expect(out.$metadata.httpStatusCode).toBe(202);
    expect(gw.stats.authorizerCacheSize).toBe(0);
  });

  it.each([
    ['another API', { restApiId: 'zzzzzzzzzz', stageName: 'test' }, 'Invalid API identifier specified'],
    ['another stage', { restApiId: 'abcdef1234', stageName: 'prod' }, 'Invalid Stage identifier specified'],
  ])('answers NotFoundException for %s', async (_name, input, message) => {
    await call();
    await expect(sdk.send(new FlushStageAuthorizersCacheCommand(input))).rejects.toMatchObject({
      name: 'NotFoundException',
      message,
    });
    expect(gw.stats.authorizerCacheSize).toBe(1);
    gw.flushAuthorizerCache();
  });

  it('refuses an unsigned request with 403', async () => {
    const r = await send(gw.origin, {
      method: 'DELETE',
      path: '/restapis/abcdef1234/stages/test/cache/authorizers',
    });
    expect(r.status).toBe(403);
    expect(r.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
  });

  it('answers any other control-plane operation with 404 UnknownOperationException', async () => {
    const r = await send(gw.origin, { method: 'GET', path: '/restapis/abcdef1234' });
    expect(r.status).toBe(404);
    expect(r.headers['x-amzn-errortype']).toBe('UnknownOperationException');
  });
});
