// createDynamoClient against a DynamoDB that never answers: its requestTimeout ends the attempt (the SDK only
// warns unless throwOnRequestTimeout is set), one attempt by default (docs/design.md#retries).
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../../core/issuer/dynamo.js';
import { type FaultProxy, startFaultProxy } from '../../../local/fault-proxy.js';

let hung: FaultProxy;
beforeAll(async () => {
  hung = await startFaultProxy({ mode: 'hang' });
});
afterEach(() => hung.resetCounts());
afterAll(() => hung.close());

const client = (maxAttempts?: number) =>
  createDynamoClient({
    endpoint: hung.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    requestTimeoutMs: 100,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  });
const getItem = () => new GetItemCommand({ TableName: 't', Key: { client_id: { S: 'c' } } });

describe('createDynamoClient', () => {
  it.each([
    [1, 'the default maxAttempts', undefined],
    [2, 'maxAttempts 2 (the SDK retries a timeout)', 2],
  ])(
    'fails a call whose answer never comes with TimeoutError after %i attempt(s), %s',
    async (attempts, _, maxAttempts) => {
      const dynamodb = client(maxAttempts);
      await expect(dynamodb.send(getItem())).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(hung.requests).toBe(attempts);
      dynamodb.destroy();
    },
  );
});
