// The KMS signer against the emulator through the real SDK: RS256 signatures node:crypto verifies,
// the RFC 7638 kid, single-flight key fetch, and bounded retries ending in the right IssuerError.
import { createPublicKey, verify } from 'node:crypto';
import {
  DisableKeyCommand,
  GetPublicKeyCommand,
  type KMSClient,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AttemptTimeoutError, IssuerError } from '../../../../core/issuer/errors.js';
import { createKmsSigner, type KmsSignerOptions } from '../../../../core/issuer/keys/kms-signer.js';
import { rsaThumbprint } from '../../../../core/jwk.js';
import type { KmsEmulator } from '../../../../local/kms/index.js';
import { localKms, startTestKms, type TestKms } from '../../../support/kms.js';

let testKms: TestKms;
let emu: KmsEmulator;
let kms: KMSClient;
let keyId: string;
let publicDer: { key: Buffer; format: 'der'; type: 'spki' };

beforeAll(async () => {
  testKms = await startTestKms({ alias: 'alias/signer' });
  ({ emu, kms, keyId } = testKms);
  const out = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
  publicDer = { key: Buffer.from(out.PublicKey!), format: 'der', type: 'spki' };
  emu.resetCalls();
});

afterAll(() => testKms.close());

afterEach(() => testKms.reset());

// Retries without real waiting keep the suite fast; the backoff itself is tested in retry.test.ts.
const signer = (opts: Partial<KmsSignerOptions> = {}) =>
  createKmsSigner({ kms, keyId: 'alias/signer', sleep: async () => undefined, ...opts });

/** A signer whose public key is already resolved, so call counts below are Sign calls alone. */
async function readySigner(opts: Partial<KmsSignerOptions> = {}) {
  const s = signer(opts);
  await s.getKid();
  emu.resetCalls();
  return s;
}

async function issuerError(promise: Promise<unknown>): Promise<IssuerError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(IssuerError);
    return err as IssuerError;
  }
  throw new Error('expected an IssuerError');
}

describe('createKmsSigner', () => {
  it('kid is the RFC 7638 thumbprint of the KMS public key, fetched once for concurrent callers', async () => {
    const s = signer();
    const kids = await Promise.all([s.getKid(), s.getKid(), s.getKid()]);
    const jwk = createPublicKey(publicDer).export({ format: 'jwk' }) as {
      n: string;
      e: string;
    };
    expect(kids).toEqual(Array(3).fill(rsaThumbprint(jwk)));
    expect(await s.getKid()).toBe(kids[0]);
    expect(emu.calls.GetPublicKey).toBe(1);
    expect((await s.publicJwk()).kid).toBe(kids[0]);
  });

  it('signs the SHA-256 digest so node:crypto verifies RS256 over the signing input', async () => {
    const s = signer();
    const input = Buffer.from('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0');
    const signature = await s.sign(input);
    expect(signature).toHaveLength(256);
    expect(verify('sha256', input, createPublicKey(publicDer), signature)).toBe(true);
    expect(emu.calls.Sign).toBe(1);
  });

  it('keeps signing with the key its kid names when the alias moves to another key', async () => {
    const original = await emu.createKey({ alias: 'alias/moving' });
    const s = await readySigner({ keyId: 'alias/moving' });
    const kid = await s.getKid();
    const replacement = await emu.createKey();
    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/moving', TargetKeyId: replacement.keyId }));
    const input = Buffer.from('header.payload');
    const signature = await s.sign(input);
    const der = (await kms.send(new GetPublicKeyCommand({ KeyId: original.keyId }))).PublicKey!;
    const originalKey = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
    expect(verify('sha256', input, originalKey, signature)).toBe(true);
    expect(await s.getKid()).toBe(kid);
  });

  it('retries a throttled Sign and succeeds', async () => {
    const s = await readySigner();
    emu.faults.throttleEveryN = 2;
    await s.sign(Buffer.from('a'));
    await s.sign(Buffer.from('b'));
    expect(emu.calls.Sign).toBe(3);
  });

  it('gives up after maxAttempts throttled calls with dependency_throttled', async () => {
    const retries: number[] = [];
    const s = await readySigner({ onRetry: (r) => retries.push(r.attempt) });
    const s5 = await readySigner({ maxAttempts: 5 });
    emu.faults.throttleEveryN = 1;
    const error = await issuerError(s.sign(Buffer.from('x')));
    expect(error.code).toBe('dependency_throttled');
    expect(error.status).toBe(503);
    expect(error.error).toBe('temporarily_unavailable');
    expect((error.cause as Error).name).toBe('ThrottlingException');
    expect(emu.calls.Sign).toBe(3);
    expect(retries).toEqual([1, 2]);
    const five = await issuerError(s5.sign(Buffer.from('x')));
    expect(five.code).toBe('dependency_throttled');
    expect(emu.calls.Sign).toBe(8);
  });

  it('maps KMS internal errors and reset connections to dependency_unavailable after retries', async () => {
    const s = await readySigner();
    emu.faults.failAll = true;
    expect((await issuerError(s.sign(Buffer.from('x')))).code).toBe('dependency_unavailable');
    expect(emu.calls.Sign).toBe(3);
    emu.faults.failMode = 'reset';
    expect((await issuerError(s.sign(Buffer.from('x')))).code).toBe('dependency_unavailable');
    expect(emu.calls.Sign).toBe(6);
  });

  it('times out slow attempts and fails with dependency_unavailable', async () => {
    const s = await readySigner({ attemptTimeoutMs: 60, maxAttempts: 2 });
    emu.faults.delayMs = 500;
    const error = await issuerError(s.sign(Buffer.from('x')));
    expect(error.code).toBe('dependency_unavailable');
    expect(error.cause).toBeInstanceOf(AttemptTimeoutError);
    expect(emu.calls.Sign).toBe(2);
  });

  it('an unreachable KMS is dependency_unavailable', async () => {
    const dead = localKms('http://127.0.0.1:9');
    const error = await issuerError(
      createKmsSigner({ kms: dead, keyId, sleep: async () => undefined }).getKid(),
    );
    expect(error.code).toBe('dependency_unavailable');
    dead.destroy();
  });

  it('a disabled key is dependency_unavailable; an unknown key id is internal; neither is retried', async () => {
    const disabled = await emu.createKey();
    await emu.createKey({ alias: 'alias/unused' });
    const s = await readySigner({ keyId: disabled.keyId });
    await kms.send(new DisableKeyCommand({ KeyId: disabled.keyId }));
    emu.resetCalls();
    expect((await issuerError(s.sign(Buffer.from('x')))).code).toBe('dependency_unavailable');
    expect(emu.calls.Sign).toBe(1);
    const unknown = await issuerError(signer({ keyId: 'alias/nope' }).getKid());
    expect(unknown.code).toBe('internal');
    expect(unknown.status).toBe(500);
    expect(emu.calls.GetPublicKey).toBe(1);
  });

  it('does not cache a failed key fetch', async () => {
    emu.faults.failAll = true;
    const s = signer({ maxAttempts: 1 });
    expect((await issuerError(s.getKid())).code).toBe('dependency_unavailable');
    emu.faults.failAll = false;
    expect(await s.getKid()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a key that is not RSA with RS256', async () => {
    const fake = {
      send: async () => ({
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: ['ECDSA_SHA_256'],
        PublicKey: new Uint8Array(1),
      }),
    } as unknown as KMSClient;
    const error = await issuerError(createKmsSigner({ kms: fake, keyId: 'k' }).getKid());
    expect(error.code).toBe('internal');
    expect(error.description).toBe('the signing key is not an RSA SIGN_VERIFY key offering RS256');
  });

  it('requires a key id', () => {
    expect(() => createKmsSigner({ kms, keyId: '' })).toThrow('keyId is required');
  });
});
