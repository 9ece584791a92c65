// Can the AWS SDK's own retry strategy give the token endpoint's latency bound? Runs the real
// @aws-sdk/client-kms against a KMS stand-in that misbehaves in the ways that decide it, next to the one
// mechanism the request path uses (core/issuer/retry.ts), and prints the figures docs/design.md#retries cites.
// Run: node --import tsx bench/sdk-retry-bound.ts (about 40 s; one process, one connection at a time).
import { KMSClient } from '@aws-sdk/client-kms';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { kmsRetryPolicy } from '../core/issuer/keys/kms.js';
import { fullJitterDelay, withRetry } from '../core/issuer/retry.js';
import { type KmsMisbehaviour, signCommand, startMisbehavingKms } from '../fixtures/misbehaving-kms.js';

// The body trickles for longer than the token Lambda's 10 s timeout (infra/lib/constructs/keygate-issuer.ts).
const kms = await startMisbehavingKms({ dripMs: 12_000, lateMs: 3000 });
const base = {
  endpoint: kms.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
};
const policy = kmsRetryPolicy({});
// The SDK's strategy with retry.ts's backoff (full jitter, 50 ms base, 400 ms cap) and every timeout it offers.
const sdkClient = () =>
  new KMSClient({
    ...base,
    retryStrategy: new ConfiguredRetryStrategy(policy.maxAttempts, (retry) =>
      fullJitterDelay(retry, policy.baseDelayMs, policy.maxDelayMs),
    ),
    requestHandler: {
      connectionTimeout: 1000,
      requestTimeout: policy.attemptTimeoutMs,
      throwOnRequestTimeout: true,
      socketTimeout: 1000,
    },
  });
// The request path's client before createKmsClient set throwOnRequestTimeout: SDK retries off, retry.ts around each call.
const requestPathClient = new KMSClient({
  ...base,
  maxAttempts: 1,
  requestHandler: { connectionTimeout: 1000, requestTimeout: policy.attemptTimeoutMs },
});
const viaRetryTs = () =>
  withRetry((signal) => requestPathClient.send(signCommand(), signal ? { abortSignal: signal } : {}), policy);

const rows: string[][] = [];
async function run(mode: KmsMisbehaviour, mechanism: string, call: () => Promise<unknown>): Promise<void> {
  kms.mode = mode;
  kms.resetCounts();
  const t0 = performance.now();
  let outcome = 'answer';
  try {
    await call();
  } catch (err) {
    outcome = (err as Error).name;
  }
  rows.push([mode, mechanism, `${Math.round(performance.now() - t0)} ms`, String(kms.requests), outcome]);
}

const sdkLabel =
  'SDK: ConfiguredRetryStrategy(3, full jitter) + requestTimeout 2000 (throwing) + socketTimeout 1000';
await run('drip_body', sdkLabel, () => sdkClient().send(signCommand()));
await run('drip_body', 'retry.ts (3 attempts, 2000 ms each)', viaRetryTs);
await run('late_headers', 'SDK: requestTimeout 2000 without throwOnRequestTimeout, 1 attempt', () =>
  new KMSClient({ ...base, maxAttempts: 1, requestHandler: { requestTimeout: 2000 } }).send(signCommand()),
);
await run('retry_after', sdkLabel, () => sdkClient().send(signCommand()));
await run('retry_after', 'retry.ts', viaRetryTs);
await run('throttle', 'SDK: default standard mode, maxAttempts 3', () =>
  new KMSClient({ ...base, maxAttempts: 3 }).send(signCommand()),
);
await run('throttle', sdkLabel, () => sdkClient().send(signCommand()));
await run('throttle', 'retry.ts', viaRetryTs);

// A sustained outage: the SDK's retry quota (one bucket per client) drains and it stops retrying.
kms.mode = 'outage';
const shared = sdkClient();
const sdkCounts = await kms.attemptsPerCall(40, () => shared.send(signCommand()));
const ours = await kms.attemptsPerCall(40, viaRetryTs);

console.log('| fault | mechanism | time | attempts | outcome |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(
  `\noutage, 40 calls on one client: SDK attempts per call ${sdkCounts.join(',')} ` +
    `(1 from call ${sdkCounts.indexOf(1) + 1}); retry.ts ${ours.join(',')}`,
);
shared.destroy();
requestPathClient.destroy();
await kms.close();
