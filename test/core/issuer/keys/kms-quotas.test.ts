// The KMS RSA quota is one fact: the emulator enforces the constant, the largest per-client issuance rate
// is it, and the docs that state it state the constant's figure.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_ISSUANCE_RATE_PER_SECOND } from '../../../../core/issuer/clients/client-rules.js';
import { KMS_RSA_REQUEST_QUOTA_PER_SECOND } from '../../../../core/issuer/keys/kms-quotas.js';
import { startKmsEmulator } from '../../../../local/kms/index.js';

const doc = (path: string) => readFileSync(new URL(`../../../../${path}`, import.meta.url), 'utf8');
const figure = KMS_RSA_REQUEST_QUOTA_PER_SECOND.toLocaleString('en-US');

describe('KMS RSA request quota', () => {
  it('is AWS\'s current default, 1,000 requests/s ("Cryptographic operations (RSA) request rate")', () => {
    expect(KMS_RSA_REQUEST_QUOTA_PER_SECOND).toBe(1000);
  });

  it('is what the KMS emulator enforces by default', async () => {
    const kms = await startKmsEmulator({});
    try {
      expect(kms.quota.stats().perSecond).toBe(KMS_RSA_REQUEST_QUOTA_PER_SECOND);
    } finally {
      await kms.close();
    }
  });

  it('caps one client at the whole quota', () => {
    expect(MAX_ISSUANCE_RATE_PER_SECOND).toBe(KMS_RSA_REQUEST_QUOTA_PER_SECOND);
  });

  it.each([
    ['docs/design.md', `${figure} per second by default`],
    ['docs/cost.md', `caps RSA operations at ${figure}/s per account and region`],
    ['docs/token-lifetime.md', `KMS allows ${figure} RSA \`Sign\` requests per second`],
    ['README.md', `KMS's whole RSA quota, ${figure}/s`],
    ['docs/token-lifetime.md', `(1-${figure}: at most KMS's whole RSA quota)`],
  ])('%s states the figure', (path, text) => {
    expect(doc(path)).toContain(text);
  });
});
