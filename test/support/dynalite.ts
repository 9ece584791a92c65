// dynalite for tests: the same in-process DynamoDB the local stack runs (local/dynalite.ts), plus a real
// @aws-sdk/client-dynamodb client pointed at it (dummy SigV4 credentials, us-east-1).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type ClientRegistry,
  type ClientRegistryOptions,
  createClientRegistry,
} from '../../core/issuer/client-registry.js';
import { createDynamoClient } from '../../core/issuer/dynamo.js';

export { type DynaliteServer, type StartDynaliteOptions, startDynalite } from '../../local/dynalite.js';

export function localDynamo(endpoint: string, options: { maxAttempts?: number } = {}): DynamoDBClient {
  return createDynamoClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    maxAttempts: options.maxAttempts ?? 1,
  });
}

/** A client registry whose table has just been created (as `npm run clients` / the stack do before use). */
export async function createTestRegistry(options: ClientRegistryOptions): Promise<ClientRegistry> {
  const registry = createClientRegistry(options);
  await registry.createTable();
  return registry;
}
