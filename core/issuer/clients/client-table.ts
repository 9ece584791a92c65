// The clients table: its key schema and on-demand creation, for the local stack, tests, benches and the
// CLI's `create-table` against a local DynamoDB. On AWS the CDK stack creates the table; the Lambdas never do.
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoApi } from '../dynamo.js';
import { RegistryError } from '../errors.js';
import { registryErrorFrom } from './client-item.js';

/** Creates the table (PAY_PER_REQUEST, key `client_id`) if it is missing and waits until it is ACTIVE. */
export async function createClientsTable(
  dynamodb: DynamoApi,
  tableName: string,
  options: { waitMs?: number } = {},
): Promise<void> {
  const fail = (err: unknown): never => {
    throw registryErrorFrom(err, tableName);
  };
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'client_id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'client_id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (err) {
    if ((err as { name?: string })?.name !== 'ResourceInUseException') fail(err);
  }
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  for (;;) {
    const out = await dynamodb.send(new DescribeTableCommand({ TableName: tableName })).catch(fail);
    if (out.Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline)
      throw new RegistryError('dependency_unavailable', `table "${tableName}" did not become ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
