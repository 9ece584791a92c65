// createKmsClient against a KMS that never answers: its requestTimeout ends the attempt (the SDK only warns
// unless throwOnRequestTimeout is set) and it makes one attempt, retries being retry.ts's (docs/design.md#retries).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKmsClient } from '../../../../core/issuer/keys/kms.js';
import { signCommand } from '../../../../fixtures/misbehaving-kms.js';
import { type FaultProxy, startFaultProxy } from '../../../../local/fault-proxy.js';

let hung: FaultProxy;
beforeAll(async () => {
  hung = await startFaultProxy({ mode: 'hang' });
});
afterAll(() => hung.close());

describe('createKmsClient', () => {
  it('fails a call whose answer never comes with TimeoutError after one attempt', async () => {
    const kms = createKmsClient({
      endpoint: hung.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      requestTimeoutMs: 100,
    });
    await expect(kms.send(signCommand())).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(hung.requests).toBe(1);
    kms.destroy();
  });
});
