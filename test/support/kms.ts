// The KMS emulator for tests: started on 127.0.0.1 (port 0) with one RSA signing key, plus the real
// @aws-sdk/client-kms the request path uses (createKmsClient: SDK retries off) pointed at it with dummy credentials.
import type { KMSClient } from '@aws-sdk/client-kms';
import { createKmsClient } from '../../core/issuer/keys/kms.js';
import { type KmsEmulator, type KmsFaults, startKmsEmulator } from '../../local/kms/index.js';

/** The emulator's faults when nothing is injected (what every test starts from). */
export const NO_KMS_FAULTS: Readonly<KmsFaults> = {
  throttleEveryN: 0,
  failAll: false,
  failMode: 'internal',
  delayMs: 0,
};

/** createKmsClient (what handlers use) against a local endpoint: us-east-1, dummy SigV4 credentials. */
export function localKms(endpoint: string): KMSClient {
  return createKmsClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
  });
}

export interface TestKms {
  readonly emu: KmsEmulator;
  /** A client from localKms(emu.url). */
  readonly kms: KMSClient;
  /** The signing key created at start (reachable by `alias` too when one was given). */
  readonly keyId: string;
  readonly arn: string;
  /** Clears injected faults and call counts: for afterEach. */
  reset(): void;
  close(): Promise<void>;
}

export async function startTestKms(options: { alias?: string } = {}): Promise<TestKms> {
  const emu = await startKmsEmulator();
  const kms = localKms(emu.url);
  const { keyId, arn } = await emu.createKey(options.alias === undefined ? {} : { alias: options.alias });
  return {
    emu,
    kms,
    keyId,
    arn,
    reset() {
      Object.assign(emu.faults, NO_KMS_FAULTS);
      emu.resetCalls();
    },
    async close() {
      kms.destroy();
      await emu.close();
    },
  };
}
