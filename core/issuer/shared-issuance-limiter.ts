// The per-client issuance limit held across Lambda environments: one DynamoDB counter item per client and
// UTC second in a table of its own (an item in the clients table would fire the publisher's stream on every
// token request). An atomic conditional ADD admits a request while the second's count is below the client's
// rate ("Atomic counters" and condition expressions, DynamoDB Developer Guide), so N warm environments share
// one limit. Items expire through TTL. Any second admits `rate`; across a second boundary at most 2 x rate,
// the burst of the per-environment token bucket (issuance-limiter.ts). When DynamoDB fails, the
// per-environment bucket decides: issuance degrades to the old per-environment limit instead of stopping.
import { CreateTableCommand, DescribeTableCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoApi } from './dynamo.js';
import { createIssuanceLimiter, type IssuanceDecision, type IssuanceLimiter } from './issuance-limiter.js';

/** Counter items live this long past their second (DynamoDB TTL deletes them some time later). */
export const COUNTER_TTL_SECONDS = 60;

/** The counter table's key attribute and TTL attribute (KeygateIssuer and the local stack create it so). */
export const ISSUANCE_TABLE_KEY = 'pk';
export const ISSUANCE_TABLE_TTL = 'expires_at';

export interface SharedIssuanceLimiterOptions {
  readonly dynamodb: DynamoApi;
  readonly tableName: string;
  /** Epoch ms. */
  readonly now?: () => number;
  /** Told when DynamoDB failed and the per-environment bucket decided (a metric or a log line). */
  readonly onFallback?: (err: unknown) => void;
}

const OK: IssuanceDecision = Object.freeze({ ok: true });

export function createSharedIssuanceLimiter(options: SharedIssuanceLimiterOptions): IssuanceLimiter {
  const now = options.now ?? Date.now;
  const fallback = createIssuanceLimiter({ now });
  return {
    async take(clientId, ratePerSecond) {
      const t = now();
      const second = Math.floor(t / 1000);
      try {
        await options.dynamodb.send(
          new UpdateItemCommand({
            TableName: options.tableName,
            Key: { [ISSUANCE_TABLE_KEY]: { S: `${clientId}#${second}` } },
            UpdateExpression: 'ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)',
            ConditionExpression: 'attribute_not_exists(#n) OR #n < :rate',
            ExpressionAttributeNames: { '#n': 'n', '#ttl': ISSUANCE_TABLE_TTL },
            ExpressionAttributeValues: {
              ':one': { N: '1' },
              ':rate': { N: String(ratePerSecond) },
              ':ttl': { N: String(second + COUNTER_TTL_SECONDS) },
            },
          }),
        );
        return OK;
      } catch (err) {
        if ((err as { name?: string })?.name === 'ConditionalCheckFailedException') {
          // The next second starts a fresh count (RFC 9110 §10.2.3: whole seconds, at least 1).
          return { ok: false, retryAfterSeconds: 1 };
        }
        options.onFallback?.(err);
        return fallback.take(clientId, ratePerSecond);
      }
    },
  };
}

/**
 * Creates the counter table (PAY_PER_REQUEST, key `pk`) if missing and waits until it is ACTIVE: the local
 * stack and tests. On AWS KeygateIssuer creates it, with TTL on `expires_at`.
 */
export async function createIssuanceTable(dynamodb: DynamoApi, tableName: string): Promise<void> {
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: ISSUANCE_TABLE_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: ISSUANCE_TABLE_KEY, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (err) {
    if ((err as { name?: string })?.name !== 'ResourceInUseException') throw err;
  }
  for (let i = 0; i < 240; i++) {
    const out = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`table "${tableName}" did not become ACTIVE`);
}
