// Can the AWS SDK's own retry strategy give the token endpoint's latency bound? Runs the real
// @aws-sdk/client-kms against a local server that misbehaves in the ways that decide it, next to the one
// mechanism the request path uses (core/issuer/retry.ts), and prints the figures docs/design.md#retries cites.
// Run: node --import tsx bench/sdk-retry-bound.ts (about 40 s; one process, one connection at a time).
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { kmsRetryPolicy } from '../core/issuer/kms.js';
import { fullJitterDelay, withRetry } from '../core/issuer/retry.js';

type Fault = 'drip_body' | 'slow_headers' | 'retry_after' | 'throttle' | 'outage';
const JSON_11 = { 'content-type': 'application/x-amz-json-1.1' };
const SIGNED = '{"KeyId":"k","SigningAlgorithm":"RSASSA_PKCS1_V1_5_SHA_256","Signature":"AAAA"}';
/** Longer than the token Lambda's 10 s timeout (infra/lib/constructs/keygate-issuer.ts). */
const DRIP_MS = 12_000;
const DRIP_TICK_MS = 100;

let fault: Fault = 'outage';
let attempts = 0;
const sockets = new Set<Socket>();
const server = createServer((req, res) => {
  attempts++;
  req.resume();
  req.on('end', () => {
    switch (fault) {
      case 'outage':
        res.writeHead(500, JSON_11).end('{"__type":"KMSInternalException","message":"x"}');
        return;
      case 'throttle':
        res.writeHead(400, JSON_11).end('{"__type":"ThrottlingException","message":"x"}');
        return;
      case 'retry_after':
        // What a proxy or load balancer in front of a service may add to a 503.
        res
          .writeHead(503, { ...JSON_11, 'retry-after': '5' })
          .end('{"__type":"ServiceUnavailableException"}');
        return;
      case 'slow_headers':
        setTimeout(() => res.writeHead(200, JSON_11).end(SIGNED), 3000);
        return;
      case 'drip_body': {
        // Headers at once, then one byte per tick for DRIP_MS: the socket is never idle for long.
        res.writeHead(200, JSON_11);
        const padded = `${SIGNED.slice(0, -1)}${' '.repeat(DRIP_MS / DRIP_TICK_MS - SIGNED.length)}}`;
        let i = 0;
        const timer = setInterval(() => {
          if (res.destroyed || i >= padded.length - 1) {
            clearInterval(timer);
            if (!res.destroyed) res.end(padded.slice(i));
            return;
          }
          res.write(padded[i++]!);
        }, DRIP_TICK_MS);
        return;
      }
    }
  });
});
server.on('connection', (s) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = {
  endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
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
// The request path's client today: SDK retries off, retry.ts around each call.
const requestPathClient = new KMSClient({
  ...base,
  maxAttempts: 1,
  requestHandler: { connectionTimeout: 1000, requestTimeout: policy.attemptTimeoutMs },
});
const sign = () =>
  new SignCommand({
    KeyId: 'k',
    Message: Buffer.alloc(32),
    MessageType: 'DIGEST',
    SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
  });
const viaRetryTs = () =>
  withRetry((signal) => requestPathClient.send(sign(), signal ? { abortSignal: signal } : {}), policy);

const rows: string[][] = [];
async function run(row: Fault, mechanism: string, call: () => Promise<unknown>): Promise<void> {
  fault = row;
  attempts = 0;
  const t0 = performance.now();
  let outcome = 'answer';
  try {
    await call();
  } catch (err) {
    outcome = (err as Error).name;
  }
  rows.push([row, mechanism, `${Math.round(performance.now() - t0)} ms`, String(attempts), outcome]);
  for (const s of sockets) s.destroy();
}

const sdkLabel =
  'SDK: ConfiguredRetryStrategy(3, full jitter) + requestTimeout 2000 (throwing) + socketTimeout 1000';
await run('drip_body', sdkLabel, () => sdkClient().send(sign()));
await run('drip_body', 'retry.ts (3 attempts, 2000 ms each)', viaRetryTs);
await run('slow_headers', 'SDK: requestTimeout 2000 without throwOnRequestTimeout, 1 attempt', () =>
  new KMSClient({ ...base, maxAttempts: 1, requestHandler: { requestTimeout: 2000 } }).send(sign()),
);
await run('retry_after', sdkLabel, () => sdkClient().send(sign()));
await run('retry_after', 'retry.ts', viaRetryTs);
await run('throttle', 'SDK: default standard mode, maxAttempts 3', () =>
  new KMSClient({ ...base, maxAttempts: 3 }).send(sign()),
);
await run('throttle', sdkLabel, () => sdkClient().send(sign()));
await run('throttle', 'retry.ts', viaRetryTs);

// A sustained outage: the SDK's retry quota (one bucket per client) drains and it stops retrying.
fault = 'outage';
const shared = sdkClient();
const perCall: number[] = [];
for (let i = 0; i < 40; i++) {
  attempts = 0;
  await shared.send(sign()).catch(() => undefined);
  perCall.push(attempts);
}
let retryTsTotal = 0;
for (let i = 0; i < 40; i++) {
  attempts = 0;
  await viaRetryTs().catch(() => undefined);
  retryTsTotal += attempts;
}

console.log('| fault | mechanism | time | attempts | outcome |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
const firstSingle = perCall.indexOf(1);
console.log(
  `\noutage, 40 calls on one client: SDK attempts per call ${perCall.join(',')} ` +
    `(1 from call ${firstSingle + 1}); retry.ts ${retryTsTotal} attempts (3 per call)`,
);
shared.destroy();
requestPathClient.destroy();
server.close();
