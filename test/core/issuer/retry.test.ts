// Full-jitter retries: classification of AWS/network failures, bounded attempts, per-attempt deadlines; and
// the two facts about the SDK's own retry strategy that keep it off the request path (docs/design.md#retries).
import { KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptTimeoutError } from '../../../core/issuer/errors.js';
import { createKmsClient } from '../../../core/issuer/keys/kms.js';
import {
  classifyAwsError,
  fullJitterDelay,
  type RetryPolicy,
  withRetry,
} from '../../../core/issuer/retry.js';
import {
  type MisbehavingKms,
  SIGNATURE,
  signCommand,
  startMisbehavingKms,
} from '../../../fixtures/misbehaving-kms.js';

const awsError = (name: string, status?: number) =>
  Object.assign(new Error(name), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
  });

describe('classifyAwsError', () => {
  it('treats throttling names and 429 as throttled', () => {
    expect(classifyAwsError(awsError('ThrottlingException', 400))).toBe('throttled');
    expect(classifyAwsError(awsError('ProvisionedThroughputExceededException', 400))).toBe('throttled');
    expect(classifyAwsError(awsError('SomethingElse', 429))).toBe('throttled');
  });

  it('treats 5xx, KMS internal errors, timeouts and socket errors as transient', () => {
    expect(classifyAwsError(awsError('KMSInternalException', 500))).toBe('transient');
    expect(classifyAwsError(awsError('Whatever', 503))).toBe('transient');
    expect(classifyAwsError(awsError('DependencyTimeoutException', 503))).toBe('transient');
    expect(classifyAwsError(awsError('TimeoutError'))).toBe('transient');
    expect(classifyAwsError(new AttemptTimeoutError(10))).toBe('transient');
    expect(classifyAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      'transient',
    );
    expect(
      classifyAwsError(
        new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }),
      ),
    ).toBe('transient');
  });

  it('treats client errors and non-errors as permanent', () => {
    expect(classifyAwsError(awsError('NotFoundException', 400))).toBe('permanent');
    expect(classifyAwsError(awsError('AccessDeniedException', 400))).toBe('permanent');
    expect(classifyAwsError(new TypeError('bug'))).toBe('permanent');
    expect(classifyAwsError('string')).toBe('permanent');
    expect(classifyAwsError(undefined)).toBe('permanent');
  });
});

describe('fullJitterDelay', () => {
  it('is uniform below a cap that doubles per retry up to the maximum', () => {
    expect(fullJitterDelay(1, 50, 400, () => 0.999999)).toBe(49);
    expect(fullJitterDelay(2, 50, 400, () => 0.999999)).toBe(99);
    expect(fullJitterDelay(3, 50, 400, () => 0.5)).toBe(100);
    expect(fullJitterDelay(10, 50, 400, () => 0.999999)).toBe(399);
    expect(fullJitterDelay(4, 50, 400, () => 0)).toBe(0);
  });
});

describe('withRetry', () => {
  const noSleep = { baseDelayMs: 10, maxDelayMs: 100, sleep: async () => undefined };

  it('retries throttling until success and reports each retry', async () => {
    let calls = 0;
    const retries: string[] = [];
    const result = await withRetry(
      async (_signal, attempt) => {
        calls++;
        if (attempt < 3) throw awsError('ThrottlingException', 400);
        return 'ok';
      },
      {
        ...noSleep,
        maxAttempts: 3,
        random: () => 0.5,
        onRetry: (r) => retries.push(`${r.attempt}:${r.kind}:${r.delayMs}`),
      },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(retries).toEqual(['1:throttled:5', '2:throttled:10']);
  });

  it('stops after maxAttempts and rethrows the last error unchanged', async () => {
    let calls = 0;
    const last = awsError('KMSInternalException', 500);
    await expect(
      withRetry(
        async () => {
          calls++;
          throw last;
        },
        { ...noSleep, maxAttempts: 4 },
      ),
    ).rejects.toBe(last);
    expect(calls).toBe(4);
  });

  it('does not retry permanent failures', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw awsError('NotFoundException', 400);
        },
        { ...noSleep, maxAttempts: 3 },
      ),
    ).rejects.toThrow('NotFoundException');
    expect(calls).toBe(1);
  });

  it('aborts an attempt at its deadline and retries it', async () => {
    const aborted: boolean[] = [];
    const result = await withRetry(
      (signal, attempt) =>
        attempt === 1
          ? new Promise<string>(() => {
              signal?.addEventListener('abort', () => aborted.push(true));
            })
          : Promise.resolve('second'),
      { ...noSleep, maxAttempts: 2, attemptTimeoutMs: 30 },
    );
    expect(result).toBe('second');
    expect(aborted).toEqual([true]);
  });

  it('rejects a maxAttempts below 1', async () => {
    await expect(withRetry(async () => 1, { ...noSleep, maxAttempts: 0 })).rejects.toThrow(RangeError);
  });
});

describe("the SDK's retry strategy, measured against withRetry (why the request path keeps withRetry)", () => {
  let kms: MisbehavingKms;
  beforeAll(async () => {
    kms = await startMisbehavingKms({ dripMs: 2000 });
  });
  afterAll(() => kms.close());

  const base = () => ({
    endpoint: kms.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
  });
  const viaWithRetry = (client: KMSClient, policy: RetryPolicy) =>
    withRetry((signal) => client.send(signCommand(), signal ? { abortSignal: signal } : {}), policy);

  it('one SDK attempt outlives requestTimeout and socketTimeout while the body trickles; withRetry ends each attempt at its deadline', async () => {
    // One byte per 20 ms for 2 s: never idle for the 300 ms socketTimeout.
    kms.mode = 'drip_body';
    kms.resetCounts();
    const sdk = new KMSClient({
      ...base(),
      maxAttempts: 1,
      requestHandler: { requestTimeout: 100, throwOnRequestTimeout: true, socketTimeout: 300 },
    });
    expect((await sdk.send(signCommand())).Signature).toEqual(SIGNATURE);
    expect(kms.requests).toBe(1);

    kms.resetCounts();
    const client = createKmsClient(base());
    const policy = { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0, attemptTimeoutMs: 100 };
    const error = await viaWithRetry(client, policy).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AttemptTimeoutError);
    expect(kms.requests).toBe(2);
    sdk.destroy();
    client.destroy();
  }, 15_000);

  it("the SDK's retry quota stops retrying a failing dependency after a run of failed calls; withRetry retries every call", async () => {
    kms.mode = 'outage';
    const sdk = new KMSClient({ ...base(), maxAttempts: 3 });
    const sdkCounts = await kms.attemptsPerCall(20, () => sdk.send(signCommand()));
    expect(sdkCounts[0]).toBe(3);
    expect(sdkCounts.at(-1)).toBe(1);

    const client = createKmsClient(base());
    const ours = await kms.attemptsPerCall(20, () =>
      viaWithRetry(client, { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 }),
    );
    expect(ours).toEqual(Array(20).fill(3));
    sdk.destroy();
    client.destroy();
  }, 15_000);
});
