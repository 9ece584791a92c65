// The keys CLI against dynalite and the KMS emulator through the real SDK clients: status before and
// during a rotation, one step at a time, a repeated request id, the new key's roles read from the key it
// replaces, adopting keys rotated under tag grants, and the exit codes for usage (2) and failure (1) with
// one-line messages.
import { CreateKeyCommand, GetKeyPolicyCommand, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyStateStore, signingKeyPolicy } from '../../../core/issuer/index.js';
import {
  createTestRegistry,
  type DynaliteServer,
  localDynamo,
  startDynalite,
} from '../../../fixtures/dynalite.js';
import { runKeysCli } from '../../../handlers/cli/keys.js';
import { startTestKms, type TestKms } from '../../support/kms.js';

const ALIAS = 'alias/keygate-signing';
let db: DynaliteServer;
let testKms: TestKms;
let env: Record<string, string>;
const role = (name: string) => `arn:aws:iam::000000000000:role/${name}`;
/** The roles the deployed stack's keys name (the rotation task's SIGNING_KEY_*_ARN(S)). */
const ROLES = { rotator: role('rotation'), signers: [role('token')], readers: [role('jwks')] };
const POLICY = signingKeyPolicy(ROLES);
const policyOf = async (KeyId: string) =>
  JSON.parse((await testKms.kms.send(new GetKeyPolicyCommand({ KeyId }))).Policy!) as unknown;

beforeAll(async () => {
  [db, testKms] = await Promise.all([startDynalite(), startTestKms({ alias: ALIAS })]);
  await createTestRegistry({ dynamodb: localDynamo(db.endpoint), tableName: 'keys-cli' });
  // A key that names the stack's roles, as one the rotation task created does: `rotate` needs no role ARNs.
  await testKms.kms.send(new PutKeyPolicyCommand({ KeyId: testKms.arn, Policy: JSON.stringify(POLICY) }));
  env = {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_ENDPOINT_URL_KMS: testKms.emu.url,
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local-secret',
    CLIENTS_TABLE: 'keys-cli',
  };
});
afterAll(async () => {
  await Promise.all([db?.close(), testKms?.close()]);
});

// The CLI's clock and sleep: waits pass by moving the clock, not by waiting.
let clock = Date.now();
const sleep = async (ms: number) => {
  clock += ms;
};

async function cli(args: string[], over: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runKeysCli(args, {
    env: { ...env, ...over },
    now: () => clock,
    sleep,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe('keys CLI', () => {
  it('shows the deployed key and the waits computed from the environment before any rotation', async () => {
    const r = await cli(['--json', 'status'], { TOKEN_MAX_LIFETIME_SECONDS: '900' });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual({
      signing_key_id: testKms.arn,
      published_key_ids: [testKms.arn],
      source: 'deployed configuration (no rotation yet)',
      waits_seconds: { create: 300, publish: 700, retire: 970, disable: 70 },
    });
  });

  it('applies one step per --step run, reports the rotation in status, and ignores a repeated request id', async () => {
    // The emulator authorizes by key id alone: no tag propagation to wait for.
    const first = await cli(['--json', 'rotate', '--step', '--request-id', 'q1'], {
      KMS_TAG_PROPAGATION_SECONDS: '0',
    });
    expect(first.code).toBe(0);
    const created = JSON.parse(first.stdout);
    expect(created).toMatchObject({
      event: 'keygate.key_rotation',
      outcome: 'key_created',
      rotationId: 'q1',
    });

    const second = await cli(['--json', 'rotate', '--step'], { KMS_TAG_PROPAGATION_SECONDS: '0' });
    expect(JSON.parse(second.stdout)).toMatchObject({ outcome: 'key_published', waitSeconds: 700 });

    const status = await cli(['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`published keys: ${testKms.arn}, ${created.nextKeyId}`);
    expect(status.stdout).toMatch(/rotation: {7}q1, phase published, next step at \d{4}-/);

    const waiting = await cli(['--json', 'rotate', '--step', '--request-id', 'q1']);
    expect(JSON.parse(waiting.stdout)).toMatchObject({ outcome: 'waiting', rotationId: 'q1' });
  });

  it('resumes the rotation in progress to the end, retires the old key and reports it as the last rotation', async () => {
    const r = await cli(['--json', 'rotate', '--request-id', 'q2']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const outcomes = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).outcome)
      .filter((o) => o !== 'waiting');
    expect(outcomes).toEqual(['signing_switched', 'key_unpublished', 'key_retired']);
    const status = JSON.parse((await cli(['--json', 'status'])).stdout);
    // With no SIGNING_KEY_*_ARN(S) set, the new key names the roles the key it replaced names.
    expect(await policyOf(status.signing_key_id)).toEqual(POLICY);
    expect(status.source).toBe('key state');
    expect(status.published_key_ids).toEqual([status.signing_key_id]);
    expect(status.rotation).toBeUndefined();
    expect(status.last_rotation).toEqual({
      id: 'q1',
      key_id: status.signing_key_id,
      completed_at: new Date(clock).toISOString(),
    });
  });

  it('refuses to rotate with one line when the signing key names no roles and none are set, creating nothing', async () => {
    const { arn } = await testKms.emu.createKey({ alias: 'alias/keys-no-roles' });
    await createTestRegistry({ dynamodb: localDynamo(db.endpoint), tableName: 'keys-no-roles' });
    const r = await cli(['--table', 'keys-no-roles', '--alias', 'alias/keys-no-roles', 'rotate']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `error: the policy of the signing key ${arn} names no keygate roles for the new key: set ` +
        'SIGNING_KEY_ROTATOR_ARN, SIGNING_KEY_SIGNER_ARNS and SIGNING_KEY_READER_ARNS to the roles of the ' +
        'rotation, token and JWKS functions, or run `keys adopt` first if this stack rotated before keys ' +
        'named their roles\n',
    });
    const status = await cli([
      '--json',
      '--table',
      'keys-no-roles',
      '--alias',
      'alias/keys-no-roles',
      'status',
    ]);
    expect(JSON.parse(status.stdout).source).toBe('deployed configuration (no rotation yet)');
  });

  it.each([
    [['rotate', '--request-id', 'has space'], '--request-id must be 1-128 letters, digits, . : _ or -'],
    [['--alias', 'keygate', 'status'], '--alias must start with alias/'],
  ])('exits 2 with one line for %j', async (args, message) => {
    const r = await cli(args);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `error: ${message}\n` });
  });

  it('exits 2 for an unknown command', async () => {
    expect((await cli(['spin'])).code).toBe(2);
  });

  it.each([
    [
      ['--margin', '-1', 'status'],
      "option '--margin <seconds>' argument '-1' is invalid. must be an integer from 0 to 3600",
    ],
    [
      ['--margin', '1e3', 'status'],
      "option '--margin <seconds>' argument '1e3' is invalid. must be an integer from 0 to 3600",
    ],
  ])('exits 2 with one JSON error line for %j with --json', async (args, message) => {
    const r = await cli(['--json', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toEqual({
      error: { code: 'usage', message, hint: 'see keygate keys --help' },
    });
  });

  it('adds --margin to every computed wait', async () => {
    const base = JSON.parse((await cli(['--json', '--margin', '0', 'status'])).stdout).waits_seconds;
    const more = JSON.parse((await cli(['--json', '--margin', '100', 'status'])).stdout).waits_seconds;
    expect(more).toEqual({
      create: base.create,
      publish: base.publish + 100,
      retire: base.retire + 100,
      disable: base.disable + 100,
    });
  });

  it('exits 2 for a bad setting, naming it', async () => {
    const r = await cli(['status'], { KEY_PENDING_WINDOW_DAYS: '3' });
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: KEY_PENDING_WINDOW_DAYS must be an integer from 7 to 30 (got "3")\n',
    });
  });

  it('exits 1 with one line when the alias names no key', async () => {
    const r = await cli(['status'], { SIGNING_KEY_ALIAS: 'alias/none' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot resolve alias\/none \(NotFoundException: [^\n]*\)\n$/);
  });

  it('exits 1 with one JSON error line, coded, with --json', async () => {
    const r = await cli(['--json', 'status'], { SIGNING_KEY_ALIAS: 'alias/none' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { code: 'no_signing_key' } });
    expect(JSON.parse(r.stderr).error.message).toMatch(/^cannot resolve alias\/none \(NotFoundException: /);
  });
});

describe('keys adopt', () => {
  // A stack that rotated before keys named their roles: the deployed key D was retired, K1 (created by a
  // rotation, KMS's default policy) signs, K2 (the rotation in progress) is published, and EXTRA is an
  // additional published key of the user's.
  const TABLE = 'keys-adopt';
  const ALIAS_ADOPT = 'alias/keys-adopt';
  const keys: Record<'k1' | 'k2' | 'extra', string> = { k1: '', k2: '', extra: '' };
  const ROLE_ENV = {
    SIGNING_KEY_ROTATOR_ARN: ROLES.rotator,
    SIGNING_KEY_SIGNER_ARNS: ROLES.signers.join(','),
    SIGNING_KEY_READER_ARNS: ROLES.readers.join(','),
  };
  const adopt = (args: string[], over: Record<string, string> = {}) =>
    cli(['--table', TABLE, '--alias', ALIAS_ADOPT, ...args], over);
  // EXTRA's policy is never touched: KMS's default one.
  const defaultPolicy = () => policyOf(keys.extra);

  beforeAll(async () => {
    const create = async () =>
      (await testKms.kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })))
        .KeyMetadata!.Arn!;
    [keys.k1, keys.k2, keys.extra] = [await create(), await create(), await create()];
    testKms.emu.createAlias(ALIAS_ADOPT, keys.k1.split('/')[1]!);
    const dynamodb = localDynamo(db.endpoint);
    await createTestRegistry({ dynamodb, tableName: TABLE });
    await createKeyStateStore({ dynamodb, tableName: TABLE }).write(
      {
        signingKeyId: keys.k1,
        publishedKeyIds: [keys.k1, keys.extra, keys.k2],
        lastRotation: { id: 'old', keyId: keys.k1, completedAt: 1 },
        rotation: {
          id: 'next',
          phase: 'created',
          previousKeyId: keys.k1,
          nextKeyId: keys.k2,
          startedAt: 1,
          notBefore: 1,
        },
      },
      undefined,
    );
  });

  it('refuses with one line when no roles are set and no key in use names them, and changes nothing', async () => {
    const r = await adopt(['adopt', '--apply']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: no key in use names the keygate roles yet: set SIGNING_KEY_ROTATOR_ARN, SIGNING_KEY_SIGNER_ARNS ' +
        'and SIGNING_KEY_READER_ARNS to the roles of the rotation, token and JWKS functions\n',
    });
    expect(await policyOf(keys.k1)).toEqual(await defaultPolicy());
  });

  it('shows the plan by default and changes nothing', async () => {
    const r = await adopt(['--json', 'adopt'], ROLE_ENV);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual({
      applied: false,
      keys: [
        {
          key_id: keys.k1,
          uses: ['alias', 'signing', 'published', 'previous'],
          key_state: 'Enabled',
          action: 'put_policy',
        },
        { key_id: keys.extra, uses: ['published'], key_state: 'Enabled', action: 'skipped' },
        { key_id: keys.k2, uses: ['published', 'next'], key_state: 'Enabled', action: 'put_policy' },
      ],
      roles: { ...ROLES, from: 'configuration' },
      policy: POLICY,
    });
    expect(await policyOf(keys.k1)).toEqual(await defaultPolicy());
    expect(await policyOf(keys.k2)).toEqual(await defaultPolicy());
  });

  it('with --apply puts the policy on the keys a rotation created, and only on those', async () => {
    const extraBefore = await policyOf(keys.extra);
    const r = await adopt(['adopt', '--apply'], ROLE_ENV);
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        `put policy   ${keys.k1}  (alias, signing, published, previous; Enabled)`,
        `skipped      ${keys.extra}  (published; Enabled)  not created by a rotation: its own policy and IAM grants apply`,
        `put policy   ${keys.k2}  (published, next; Enabled)`,
        `roles named:  rotation ${ROLES.rotator}; token ${ROLES.signers[0]}; JWKS ${ROLES.readers[0]}`,
        '              (from SIGNING_KEY_*_ARN(S))',
        'Put the key policy on 2 keys.',
        '',
      ].join('\n'),
    });
    expect(await policyOf(keys.k1)).toEqual(POLICY);
    expect(await policyOf(keys.k2)).toEqual(POLICY);
    expect(await policyOf(keys.extra)).toEqual(extraBefore);
  });

  it('run again, reads the roles from the signing key and finds nothing to change', async () => {
    const r = await adopt(['--json', 'adopt', '--apply']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const view = JSON.parse(r.stdout);
    expect(view.keys.map((k: { action: string }) => k.action)).toEqual(['unchanged', 'skipped', 'unchanged']);
    expect(view.roles).toEqual({ ...ROLES, from: keys.k1 });
    expect((await adopt(['adopt'])).stdout).toMatch(
      /\nNothing to change: every key a rotation created names the keygate roles\.\n$/,
    );
  });

  it.each([
    [['adopt', '--yes'], "unknown option '--yes'"],
    [['adopt', 'now'], "too many arguments for 'adopt'. Expected 0 arguments but got 1."],
  ])('exits 2 for %j: one JSON line with --json', async (args, message) => {
    const r = await adopt(['--json', ...args], ROLE_ENV);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: `${JSON.stringify({ error: { code: 'usage', message, hint: 'see keygate keys --help' } })}\n`,
    });
  });

  it.each([
    [
      ['adopt'],
      { SIGNING_KEY_POLICY: 'default' },
      "error: SIGNING_KEY_POLICY=default: keys keep KMS's default policy, there is nothing to adopt\n",
    ],
    [
      ['adopt'],
      { SIGNING_KEY_SIGNER_ARNS: role('token') },
      'error: SIGNING_KEY_SIGNER_ARNS and SIGNING_KEY_READER_ARNS need SIGNING_KEY_ROTATOR_ARN\n',
    ],
    [
      ['adopt'],
      { SIGNING_KEY_ROTATOR_ARN: 'arn:aws:iam::000000000000:root' },
      'error: SIGNING_KEY_*_ARN(S): "arn:aws:iam::000000000000:root" is not an IAM role or user ARN\n',
    ],
  ])('exits 2 for %j with %j, with one line', async (args, over, stderr) => {
    expect(await adopt(args, over)).toEqual({ code: 2, stdout: '', stderr });
  });

  it.each([
    [
      'a table that does not exist',
      ['--table', 'no-such-table', '--alias', ALIAS_ADOPT],
      /^error: reading of the key state in table "no-such-table" failed \(ResourceNotFoundException: [^\n]*\)\n$/,
    ],
    [
      'an alias that names no key',
      ['--table', TABLE, '--alias', 'alias/none'],
      /^error: KMS DescribeKey of alias\/none failed \(NotFoundException: [^\n]*\)\n$/,
    ],
  ])('exits 1 with one line for %s', async (_what, args, stderr) => {
    const r = await cli([...args, 'adopt'], ROLE_ENV);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(stderr);
  });

  it('exits 1 with one coded JSON line when the key state names a key KMS does not have', async () => {
    const dynamodb = localDynamo(db.endpoint);
    await createTestRegistry({ dynamodb, tableName: 'keys-adopt-gone' });
    const gone = 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000';
    await createKeyStateStore({ dynamodb, tableName: 'keys-adopt-gone' }).write(
      { signingKeyId: gone, publishedKeyIds: [gone] },
      undefined,
    );
    const r = await cli(['--json', '--table', 'keys-adopt-gone', '--alias', ALIAS_ADOPT, 'adopt'], ROLE_ENV);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toEqual({
      error: {
        code: 'dependency_failed',
        message: `KMS DescribeKey of ${gone} failed (NotFoundException: Key '${gone}' does not exist)`,
      },
    });
  });
});
