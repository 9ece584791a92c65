// The keys CLI against dynalite and the KMS emulator through the real SDK clients: status before and
// during a rotation, one step at a time, a repeated request id, and the exit codes for usage (2) and
// failure (1) with one-line messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

beforeAll(async () => {
  [db, testKms] = await Promise.all([startDynalite(), startTestKms({ alias: ALIAS })]);
  await createTestRegistry({ dynamodb: localDynamo(db.endpoint), tableName: 'keys-cli' });
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
    expect(status.source).toBe('key state');
    expect(status.published_key_ids).toEqual([status.signing_key_id]);
    expect(status.rotation).toBeUndefined();
    expect(status.last_rotation).toEqual({
      id: 'q1',
      key_id: status.signing_key_id,
      completed_at: new Date(clock).toISOString(),
    });
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
      error: { code: 'usage', message, hint: 'see npm run keys -- --help' },
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
