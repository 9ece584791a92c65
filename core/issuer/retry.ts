// Bounded retries with full-jitter exponential backoff for calls to AWS dependencies (KMS, DynamoDB):
// classify the failure (throttled / transient / permanent), retry only the first two, and give every attempt
// its own deadline so a hung connection costs one attempt, not the whole Lambda timeout. The SDK's own retry
// strategy cannot give that bound (measured: docs/design.md#retries), so request-path clients run with it off.

import { AttemptTimeoutError } from './errors.js';

export type FailureKind = 'throttled' | 'transient' | 'permanent';

export interface RetryPolicy {
  /** Attempts including the first (>= 1). */
  readonly maxAttempts: number;
  /** Cap of the first backoff; the cap doubles per retry up to maxDelayMs (full jitter picks 0..cap). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Deadline per attempt; the attempt's AbortSignal fires and the attempt fails as transient. 0 = none. */
  readonly attemptTimeoutMs?: number;
  readonly classify?: (err: unknown) => FailureKind;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: (info: { attempt: number; delayMs: number; kind: FailureKind; error: unknown }) => void;
}

// Error names AWS SDKs treat as throttling (smithy's THROTTLING_ERROR_CODES) plus DynamoDB's capacity errors.
const THROTTLING_NAMES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

const TRANSIENT_NAMES = new Set([
  'AbortError',
  'AttemptTimeoutError',
  'DependencyTimeoutException',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  'KeyUnavailableException',
  'KMSInternalException',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
]);

const TRANSIENT_CODES = new Set([
  'EAI_AGAIN',
  'ECONNABORTED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
]);

interface AwsLikeError {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: { throttling?: boolean };
  cause?: unknown;
}

/** Classifies an AWS SDK v3 error, a Node network error or a timeout. */
export function classifyAwsError(err: unknown): FailureKind {
  if (err === null || typeof err !== 'object') return 'permanent';
  const e = err as AwsLikeError;
  const name = typeof e.name === 'string' ? e.name : '';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  if (THROTTLING_NAMES.has(name) || status === 429 || e.$retryable?.throttling === true) return 'throttled';
  if (TRANSIENT_NAMES.has(name) || (status !== undefined && status >= 500) || e.$retryable !== undefined) {
    return 'transient';
  }
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return 'transient';
  // The SDK sometimes wraps the socket error (e.g. "socket hang up" carries code ECONNRESET on the cause).
  if (status === undefined && e.cause !== undefined && e.cause !== err) {
    const inner = classifyAwsError(e.cause);
    if (inner !== 'permanent') return inner;
  }
  return 'permanent';
}

/** Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in [0, min(max, base*2^(n-1))]. */
export function fullJitterDelay(
  retry: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * cap);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation` until it succeeds, fails permanently, or `maxAttempts` is spent; then rethrows the
 * last error unchanged (callers map it, e.g. with the same classifier).
 */
export async function withRetry<T>(
  operation: (signal: AbortSignal | undefined, attempt: number) => Promise<T>,
  policy: RetryPolicy,
): Promise<T> {
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError('maxAttempts must be an integer >= 1');
  }
  const classify = policy.classify ?? classifyAwsError;
  const sleep = policy.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await runAttempt(operation, attempt, policy.attemptTimeoutMs ?? 0);
    } catch (err) {
      const kind = classify(err);
      if (kind === 'permanent' || attempt >= policy.maxAttempts) throw err;
      const delayMs = fullJitterDelay(attempt, policy.baseDelayMs, policy.maxDelayMs, policy.random);
      policy.onRetry?.({ attempt, delayMs, kind, error: err });
      if (delayMs > 0) await sleep(delayMs);
    }
  }
}

async function runAttempt<T>(
  operation: (signal: AbortSignal | undefined, attempt: number) => Promise<T>,
  attempt: number,
  timeoutMs: number,
): Promise<T> {
  if (timeoutMs <= 0) return operation(undefined, attempt);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new AttemptTimeoutError(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    // Race as well as abort: an operation that ignores its signal still cannot outlive the deadline.
    return await Promise.race([operation(controller.signal, attempt), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
