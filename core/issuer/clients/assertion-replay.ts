// The used-once record of client assertion `jti`s (RFC 7523 §3 item 7, OpenID Connect Core §9): a
// conditional put per assertion in the clients table, under a reserved `#` id the registry and the document
// publisher skip, deleted by the table's TTL once the assertion has expired.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoApi } from '../dynamo.js';
import { ASSERTION_JTI_PREFIX } from '../keys/key-state-item.js';
import { EXPIRES_AT_ATTRIBUTE, isConditionFailure, registryErrorFrom } from './client-item.js';

export interface AssertionReplayOptions {
  readonly dynamodb: DynamoApi;
  readonly tableName: string;
}

/**
 * Records `jti` of `clientId` as used until `expiresAt` (epoch s). True the first time, false for a replay.
 * Two concurrent claims of one jti: DynamoDB's condition lets exactly one put succeed.
 */
export type AssertionReplayGuard = (clientId: string, jti: string, expiresAt: number) => Promise<boolean>;

export function createAssertionReplayGuard(options: AssertionReplayOptions): AssertionReplayGuard {
  return async (clientId, jti, expiresAt) => {
    try {
      await options.dynamodb.send(
        new PutItemCommand({
          TableName: options.tableName,
          // Per client: a jti another client happens to use (or knows) never blocks this client's.
          Item: {
            client_id: { S: `${ASSERTION_JTI_PREFIX}${clientId}/${jti}` },
            [EXPIRES_AT_ATTRIBUTE]: { N: String(expiresAt) },
          },
          ConditionExpression: 'attribute_not_exists(client_id)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw registryErrorFrom(err, options.tableName);
    }
  };
}
