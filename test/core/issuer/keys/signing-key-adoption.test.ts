// Adopting keys rotated under tag grants, against dynalite and the KMS emulator over the real SDK clients:
// nothing to do before any rotation, and a PutKeyPolicy failure that stops the run and a rerun that finishes.
import { CreateKeyCommand, GetKeyPolicyCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyKeyAdoption,
  createKeyStateStore,
  type KeyStateStore,
  planKeyAdoption,
  signingKeyPolicy,
} from '../../../../core/issuer/index.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../../../fixtures/dynalite.js';
import { startTestKms, type TestKms } from '../../../support/kms.js';

const ALIAS = 'alias/adoption-test';
const role = (name: string) => `arn:aws:iam::000000000000:role/${name}`;
const principals = { rotator: role('rotation'), signers: [role('token')], readers: [role('jwks')] };
let db: DynaliteServer;
let testKms: TestKms;
let table = 0;

beforeAll(async () => {
  [db, testKms] = await Promise.all([startDynalite(), startTestKms({ alias: ALIAS })]);
});
afterAll(async () => {
  await Promise.all([db?.close(), testKms?.close()]);
});

async function newStore(): Promise<KeyStateStore> {
  const tableName = `adoption-${++table}`;
  const dynamodb = localDynamo(db.endpoint);
  await createTestRegistry({ dynamodb, tableName });
  return createKeyStateStore({ dynamodb, tableName });
}

describe('signing key adoption', () => {
  it('has nothing to put before any rotation: the deployed key behind the alias is skipped and needs no roles', async () => {
    const plan = await planKeyAdoption({ kms: testKms.kms, store: await newStore(), alias: ALIAS });
    expect(plan).toEqual({
      keys: [{ keyId: testKms.arn, uses: ['alias'], keyState: 'Enabled', action: 'skipped' }],
    });
  });

  it('stops at a PutKeyPolicy that fails, naming the key, and a rerun puts the policy', async () => {
    const rotated = (
      await testKms.kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }))
    ).KeyMetadata!.Arn!;
    const store = await newStore();
    await store.write(
      {
        signingKeyId: rotated,
        publishedKeyIds: [rotated],
        lastRotation: { id: 'r1', keyId: rotated, completedAt: 1 },
      },
      undefined,
    );
    const options = { kms: testKms.kms, store, alias: ALIAS, principals };
    const plan = await planKeyAdoption(options);
    expect(plan.keys.map((k) => [k.keyId, k.action])).toEqual([
      [testKms.arn, 'skipped'],
      [rotated, 'put_policy'],
    ]);
    testKms.emu.faults.failAll = true;
    try {
      await expect(applyKeyAdoption(testKms.kms, plan)).rejects.toMatchObject({
        name: 'KeyRotationError',
        code: 'dependency_failed',
        message: `KMS PutKeyPolicy of ${rotated} failed`,
        cause: { name: 'KMSInternalException' },
      });
    } finally {
      testKms.reset();
    }
    await applyKeyAdoption(testKms.kms, await planKeyAdoption(options));
    const { Policy } = await testKms.kms.send(new GetKeyPolicyCommand({ KeyId: rotated }));
    expect(JSON.parse(Policy!)).toEqual(signingKeyPolicy(principals));
    expect((await planKeyAdoption(options)).keys.map((k) => k.action)).toEqual(['skipped', 'unchanged']);
  });
});
