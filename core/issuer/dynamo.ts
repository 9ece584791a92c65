// The DynamoDB seam: the registry takes anything with the SDK client's `send`, so tests and the local
// stack point the real @aws-sdk/client-dynamodb at dynalite.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export type DynamoApi = Pick<DynamoDBClient, 'send'>;

export interface DynamoClientOptions {
  readonly region?: string;
  /** e.g. dynalite's URL; otherwise the SDK reads AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL. */
  readonly endpoint?: string;
  /**
   * SDK attempts including the first. Default 1: the registry retries its reads itself (retry.ts; why not
   * the SDK's strategy: docs/design.md#retries). The admin CLI, whose writes go through the SDK, passes 3.
   */
  readonly maxAttempts?: number;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Static credentials (tests: dummy ones); otherwise the default provider chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Deadline of one DynamoDB attempt: a GetItem takes single-digit milliseconds in-region, so 1 s is generous. */
export const DYNAMO_ATTEMPT_TIMEOUT_MS = 1000;

/**
 * A DynamoDB client tuned for a request path: short timeouts, so an outage turns into a 503 within a
 * few seconds instead of hanging until the Lambda (or API Gateway's 29 s) timeout. `throwOnRequestTimeout`:
 * without it the SDK only logs a warning when requestTimeout passes (docs/design.md#retries).
 */
export function createDynamoClient(options: DynamoClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 1,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 500,
      requestTimeout: options.requestTimeoutMs ?? DYNAMO_ATTEMPT_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  });
}
