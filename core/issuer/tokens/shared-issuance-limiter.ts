// The per-client issuance limit held across Lambda environments: the same token bucket as the per-environment
// limiter (rate r per second, burst 2r), kept in DynamoDB as GCRA's "theoretical arrival time" (TAT) per
// client, in a table of its own (an item in the clients table would fire the publisher's stream on every
// token request). A request at time t is admitted when max(TAT, t) <= t + tolerance, tolerance = (2r - 1)/r s,
// and moves TAT to max(TAT, t) + 1/r. DynamoDB's update expressions have no max(), so the two cases are two
// conditional writes: an idle client (TAT <= t) takes one; a busy one (t < TAT <= t + tolerance) a second
// ("Condition expressions" and "Update expressions", DynamoDB Developer Guide). N warm environments thus share
// one bucket. When DynamoDB fails, the per-environment bucket decides: issuance degrades to the old
// per-environment limit instead of stopping.
import { CreateTableCommand, DescribeTableCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoApi } from '../dynamo.js';
import { createIssuanceLimiter, type IssuanceDecision, type IssuanceLimiter } from './issuance-limiter.js';

/** A client's item outlives its TAT by this long (DynamoDB TTL deletes it some time later). */
export const COUNTER_TTL_SECONDS = 60;

/** The table's key attribute and TTL attribute (KeygateIssuer and the local stack create it so). */
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
  const isConditionFailure = (err: unknown) =>
    (err as { name?: string })?.name === 'ConditionalCheckFailedException';

  /** One conditional write of the client's TAT; false when its condition does not hold. */
  async function write(clientId: string, update: string, condition: string, values: Record<string, number>) {
    try {
      await options.dynamodb.send(
        new UpdateItemCommand({
          TableName: options.tableName,
          Key: { [ISSUANCE_TABLE_KEY]: { S: clientId } },
          UpdateExpression: `${update}, #ttl = :ttl`,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#tat': 'tat', '#ttl': ISSUANCE_TABLE_TTL },
          ExpressionAttributeValues: Object.fromEntries(
            Object.entries(values).map(([k, v]) => [`:${k}`, { N: String(v) }]),
          ),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  return {
    async take(clientId, ratePerSecond) {
      const t = now();
      const interval = 1000 / ratePerSecond;
      // Burst 2r: a full bucket admits 2r requests at once (the per-environment limiter's capacity).
      const tolerance = (2 * ratePerSecond - 1) * interval;
      const ttl = Math.ceil((t + tolerance + interval) / 1000) + COUNTER_TTL_SECONDS;
      try {
        // Idle (bucket full or refilling past now): TAT restarts from now.
        if (
          await write(clientId, 'SET #tat = :next', 'attribute_not_exists(#tat) OR #tat <= :t', {
            next: t + interval,
            t,
            ttl,
          })
        )
          return OK;
        // Busy: admitted while TAT stays within the tolerance; another environment's write in between makes
        // the condition re-check the fresh TAT.
        if (
          await write(clientId, 'SET #tat = #tat + :interval', '#tat > :t AND #tat <= :limit', {
            interval,
            t,
            limit: t + tolerance,
            ttl,
          })
        )
          return OK;
        // Empty: a token is back within 1/r s (RFC 9110 §10.2.3: whole seconds, at least 1).
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(interval / 1000)) };
      } catch (err) {
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
