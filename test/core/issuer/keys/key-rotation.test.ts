// The rotation engine against dynalite and the KMS emulator over the real SDK clients, with an injected
// clock: the step order and the waits between steps, idempotent repeats, two concurrent runs, resuming
// after a failed step, and the retired key's final state in KMS.
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createKeyRotator,
  createKeyStateStore,
  KEY_STATE_ITEM_ID,
  type KeyRotatorOptions,
  type KeyStateStore,
  type RotationEvent,
  signingKeyPolicy,
} from '../../../../core/issuer/index.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../../../fixtures/dynalite.js';
import { startTestKms, type TestKms } from '../../../support/kms.js';

const ALIAS = 'alias/rotation-test';
const WAITS = { createSeconds: 5, publishSeconds: 40, retireSeconds: 100, disableSeconds: 20 };
let db: DynaliteServer;
let testKms: TestKms;
let table = 0;
let store: KeyStateStore;
let clock: number;
let events: RotationEvent[];

beforeAll(async () => {
  [db, testKms] = await Promise.all([startDynalite(), startTestKms({ alias: ALIAS })]);
});
afterAll(async () => {
  await Promise.all([db?.close(), testKms?.close()]);
});

beforeEach(async () => {
  const tableName = `rotation-${++table}`;
  const dynamodb = localDynamo(db.endpoint);
  await createTestRegistry({ dynamodb, tableName });
  clock = 1_800_000_000_000;
  events = [];
  store = createKeyStateStore({ dynamodb, tableName, now: () => clock });
  testKms.reset();
});

/** The rotator's sleep: the injected clock jumps instead of the test waiting. */
const advance = async (ms: number) => {
  clock += ms;
};

const rotator = (over: Partial<KeyRotatorOptions> = {}) =>
  createKeyRotator({
    store,
    kms: testKms.kms,
    initial: { signingKeyId: testKms.arn, publishedKeyIds: [testKms.arn] },
    waits: WAITS,
    alias: ALIAS,
    keyTags: { 'keygate:signing-key': 'true' },
    pendingWindowDays: 7,
    now: () => clock,
    onEvent: (e) => events.push(e),
    ...over,
  });

const keyState = async (keyId: string) =>
  (await testKms.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState;

describe('key rotation engine', () => {
  it('runs the steps in order, each after its computed wait, and retires the old key in KMS', async () => {
    const r = rotator();
    const created = await r.step({ start: true, requestId: 'r1' });
    expect(created).toMatchObject({ outcome: 'key_created', done: false, waitSeconds: 5, rotationId: 'r1' });
    expect(created.keys).toEqual({ signingKeyId: testKms.arn, publishedKeyIds: [testKms.arn] });
    const next = events[0]!.nextKeyId!;
    expect(next).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\//);

    expect(await r.step({ start: false })).toMatchObject({ outcome: 'waiting', waitSeconds: 5 });
    clock += 5_000;
    const published = await r.step({ start: false });
    expect(published).toMatchObject({ outcome: 'key_published', waitSeconds: 40 });
    expect(published.keys).toEqual({ signingKeyId: testKms.arn, publishedKeyIds: [testKms.arn, next] });

    clock += 39_001;
    expect(await r.step({ start: false })).toMatchObject({ outcome: 'waiting', waitSeconds: 1, done: false });
    clock += 999;
    const switched = await r.step({ start: false });
    expect(switched).toMatchObject({ outcome: 'signing_switched', waitSeconds: 100 });
    expect(switched.keys.signingKeyId).toBe(next);
    expect((await testKms.kms.send(new DescribeKeyCommand({ KeyId: ALIAS }))).KeyMetadata?.Arn).toBe(next);

    clock += 100_000;
    const unpublished = await r.step({ start: false });
    expect(unpublished).toMatchObject({ outcome: 'key_unpublished', waitSeconds: 20 });
    expect(unpublished.keys).toEqual({ signingKeyId: next, publishedKeyIds: [next] });
    expect(await keyState(testKms.arn)).toBe('Enabled');

    clock += 20_000;
    const retired = await r.step({ start: false });
    expect(retired).toMatchObject({ outcome: 'key_retired', done: true, waitSeconds: 0, rotationId: 'r1' });
    expect(await keyState(testKms.arn)).toBe('PendingDeletion');
    expect(await store.read()).toMatchObject({
      signingKeyId: next,
      publishedKeyIds: [next],
      lastRotation: { id: 'r1', keyId: next, completedAt: clock },
    });
    expect((await store.read())?.rotation).toBeUndefined();
    expect(events.map((e) => e.outcome)).toEqual([
      'key_created',
      'waiting',
      'key_published',
      'waiting',
      'signing_switched',
      'key_unpublished',
      'key_retired',
    ]);
    expect(events.every((e) => e.event === 'keygate.key_rotation')).toBe(true);
  });

  it('creates the key untagged under a policy naming the rotation, token and JWKS roles, then tags it', async () => {
    const role = (name: string) => `arn:aws:iam::111122223333:role/${name}`;
    const r = rotator({
      keyPrincipals: { rotator: role('rotation'), signers: [role('token')], readers: [role('jwks')] },
    });
    await r.step({ start: true });
    const next = events[0]!.nextKeyId!;
    const tags = async () => (await testKms.kms.send(new ListResourceTagsCommand({ KeyId: next }))).Tags;
    expect(await tags()).toEqual([]);
    const { Policy } = await testKms.kms.send(new GetKeyPolicyCommand({ KeyId: next }));
    expect(JSON.parse(Policy!)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'EnableIamPolicies',
          Effect: 'Allow',
          Principal: { AWS: ['arn:aws:iam::111122223333:root'] },
          Action: ['kms:*'],
          Resource: '*',
        },
        {
          Sid: 'RotateThisKey',
          Effect: 'Allow',
          Principal: { AWS: [role('rotation')] },
          Action: [
            'kms:UpdateAlias',
            'kms:DisableKey',
            'kms:ScheduleKeyDeletion',
            'kms:TagResource',
            'kms:PutKeyPolicy',
          ],
          Resource: '*',
        },
        {
          Sid: 'SignWithThisKey',
          Effect: 'Allow',
          Principal: { AWS: [role('token')] },
          Action: ['kms:Sign'],
          Resource: '*',
        },
        {
          Sid: 'PublishThisKey',
          Effect: 'Allow',
          Principal: { AWS: [role('jwks')] },
          Action: ['kms:GetPublicKey'],
          Resource: '*',
        },
      ],
    });
    clock += 5_000;
    expect(await r.step({ start: false })).toMatchObject({ outcome: 'key_published' });
    expect(await tags()).toEqual([{ TagKey: 'keygate:signing-key', TagValue: 'true' }]);
  });

  it('refuses key principals that are not IAM role ARNs of one account before creating anything', () => {
    const role = 'arn:aws:iam::111122223333:role/rotation';
    expect(() => rotator({ keyPrincipals: { rotator: '*', signers: [], readers: [] } })).toThrow(
      '"*" is not an IAM role or user ARN',
    );
    expect(() =>
      rotator({
        keyPrincipals: { rotator: role, signers: ['arn:aws:iam::444455556666:role/token'], readers: [] },
      }),
    ).toThrow('arn:aws:iam::444455556666:role/token is not in account 111122223333');
  });

  it('asks a principals function for the roles once, with the key being replaced, when it creates the key', async () => {
    const role = (name: string) => `arn:aws:iam::111122223333:role/${name}`;
    const roles = { rotator: role('rotation'), signers: [role('token')], readers: [role('jwks')] };
    const asked: string[] = [];
    const r = rotator({
      keyPrincipals: async (keyId) => {
        asked.push(keyId);
        return roles;
      },
    });
    await r.run({ start: true, sleep: advance });
    expect(asked).toEqual([testKms.arn]);
    const next = events[0]!.nextKeyId!;
    const { Policy } = await testKms.kms.send(new GetKeyPolicyCommand({ KeyId: next }));
    expect(JSON.parse(Policy!)).toEqual(signingKeyPolicy(roles));
  });

  it('refuses roles from a principals function that are not IAM role ARNs, before creating a key', async () => {
    const before = (await testKms.kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.length;
    const r = rotator({
      keyPrincipals: async () => ({ rotator: 'AROAEXAMPLEID', signers: [], readers: [] }),
    });
    await expect(r.step({ start: true })).rejects.toMatchObject({
      name: 'KeyRotationError',
      code: 'no_key_principals',
      message: `the new key's policy: "AROAEXAMPLEID" is not an IAM role or user ARN`,
    });
    expect((await testKms.kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.length).toBe(before);
    expect(await store.read()).toBeUndefined();
  });

  it('starts nothing for a repeated request id or a resume without a rotation in progress', async () => {
    const r = rotator();
    await r.run({ start: true, requestId: 'once', sleep: advance });
    const signing = (await store.read())!.signingKeyId;
    expect(await r.step({ start: true, requestId: 'once' })).toMatchObject({ outcome: 'idle', done: true });
    expect(await r.step({ start: false })).toMatchObject({ outcome: 'idle', done: true });
    expect((await store.read())!.signingKeyId).toBe(signing);
  });

  it('lets one of two concurrent starts create the rotation and retires the loser’s key', async () => {
    // Keys left from earlier tests are not this test's: start from a fresh emulator's view.
    const before = new Set((await testKms.kms.send(new ListKeysCommand({}))).Keys!.map((k) => k.KeyArn!));
    const [a, b] = await Promise.all([rotator().step({ start: true }), rotator().step({ start: true })]);
    const outcomes = [a.outcome, b.outcome].sort();
    expect(outcomes).toEqual(['key_created', 'superseded']);
    const state = (await store.read())!;
    const created = events.filter((e) => e.outcome === 'key_created').map((e) => e.nextKeyId);
    expect(created).toEqual([state.rotation!.nextKeyId]);
    const { Keys } = await testKms.kms.send(new ListKeysCommand({}));
    const loser = Keys!
      .map((k) => k.KeyArn!)
      .filter((k) => !before.has(k) && k !== state.rotation!.nextKeyId);
    expect(loser).toHaveLength(1);
    expect(await keyState(loser[0]!)).toBe('PendingDeletion');
  });

  it('resumes a rotation whose step failed, from the step it recorded', async () => {
    const r = rotator();
    await r.step({ start: true });
    clock += 5_000;
    await r.step({ start: false });
    clock += 40_000;
    testKms.emu.faults.failAll = true;
    await expect(r.step({ start: false })).rejects.toMatchObject({ code: 'dependency_failed' });
    testKms.emu.faults.failAll = false;
    expect((await store.read())!.rotation!.phase).toBe('published');
    const result = await rotator().run({ start: false, sleep: advance });
    expect(result).toMatchObject({ outcome: 'key_retired', done: true });
  });

  it('refuses a hand-edited key-state item instead of signing with half of it', async () => {
    const dynamodb = localDynamo(db.endpoint);
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    await dynamodb.send(
      new PutItemCommand({
        TableName: `rotation-${table}`,
        Item: { client_id: { S: KEY_STATE_ITEM_ID }, signing_key_id: { S: 'k1' }, version: { N: '1' } },
      }),
    );
    await expect(rotator().status()).rejects.toMatchObject({ code: 'corrupt_state' });
  });
});
